"""`talent world`: Generate and simulate the synthetic talent marketplace."""

from __future__ import annotations

import click


@click.command(name="world", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Generate and simulate the synthetic talent marketplace. (not available yet: see issue #3)."""
    raise click.UsageError("`talent world` is not available in this version yet (issue #3)")
