"""The soak benchmark, short: mixed load from recruiters of two contracts on a running `talent
serve --with-updater` while profiles churn and a rebuild is swapped in; no server error, every
change served, every acknowledged write in the database."""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))


@pytest.mark.slow
def test_a_short_soak_loses_nothing(web_world, tmp_path):
    import soak

    report = soak.main(["--home", str(web_world.settings.home), "--work", str(tmp_path),
                        "--minutes", "0.15", "--clients", "2", "--contracts", "2",
                        "--pause", "0.1", "--churn-rate", "3", "--no-plot"])
    assert report["requests"] > 20 and report["server_errors"] == 0, report["statuses"]
    assert report["events_s"]["build exit"] == 0
    changes = report["changes"]
    assert changes["outbox_changes"] > 0
    assert changes["members_found_current"] == changes["members_changed"], changes["stale"]
    assert all(w["lost"] == 0 and w["found"] == w["acknowledged"]
               for w in report["writes"].values()), report["writes"]
