"""`talent search`: Search candidates from the terminal."""

from __future__ import annotations

import click


@click.command(name="search", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Search candidates from the terminal. (not available yet: see issue #5)."""
    raise click.UsageError("`talent search` is not available in this version yet (issue #5)")
