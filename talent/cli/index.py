"""`talent index`: Build, update and manage the sharded search index."""

from __future__ import annotations

import click


@click.command(name="index", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Build, update and manage the sharded search index. (not available yet: see issue #4)."""
    raise click.UsageError("`talent index` is not available in this version yet (issue #4)")
