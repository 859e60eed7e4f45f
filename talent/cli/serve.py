"""`talent serve`: Run the recruiter web UI and JSON API."""

from __future__ import annotations

import click


@click.command(name="serve", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Run the recruiter web UI and JSON API. (not available yet: see issue #7)."""
    raise click.UsageError("`talent serve` is not available in this version yet (issue #7)")
