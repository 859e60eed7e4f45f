"""`talent evaluate`: Offline evaluation report (InMail-accept precision@k)."""

from __future__ import annotations

import click


@click.command(name="evaluate", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Offline evaluation report (InMail-accept precision@k). (not available yet: see issue #6)."""
    raise click.UsageError("`talent evaluate` is not available in this version yet (issue #6)")
