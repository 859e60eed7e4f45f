"""`talent demo`: set up the demo world end to end and serve it."""

from __future__ import annotations

import click

from talent.cli import AppContext, pass_app


@click.command(name="demo")
@pass_app
def command(app: AppContext) -> None:
    """Create the database and everything the demo needs, then report what is missing."""
    db = app.database()
    db.upgrade()
    click.echo(f"database ready: {db.display_url} (revision {db.current_revision()})")
    click.echo("still missing: world generation (#3), index (#4), search and L1 (#5), web UI (#7)")
