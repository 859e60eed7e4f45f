import sys

from talent.cli import main

sys.exit(main())
