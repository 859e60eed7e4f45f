"""`talent train`: Train ranking models from the logs."""

from __future__ import annotations

import click


@click.command(name="train", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Train ranking models from the logs. (not available yet: see issue #5)."""
    raise click.UsageError("`talent train` is not available in this version yet (issue #5)")
