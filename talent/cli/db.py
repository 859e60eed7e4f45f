"""`talent db`: create, migrate and inspect the database."""

from __future__ import annotations

import click

from talent.cli import AppContext, pass_app


@click.group(name="db")
def command() -> None:
    """Create, migrate and inspect the database (SQLite by default, PostgreSQL in production)."""


@command.command()
@click.option("--revision", default="head", show_default=True, help="Target Alembic revision.")
@pass_app
def upgrade(app: AppContext, revision: str) -> None:
    """Create the schema or migrate it to REVISION."""
    db = app.database()
    db.upgrade(revision)
    click.echo(f"database {db.display_url} at revision {db.current_revision()}")


@command.command()
@click.argument("revision")
@pass_app
def downgrade(app: AppContext, revision: str) -> None:
    """Migrate the schema down to REVISION ('base' drops everything)."""
    db = app.database()
    db.downgrade(revision)
    click.echo(f"database {db.display_url} at revision {db.current_revision()}")


@command.command()
@pass_app
def status(app: AppContext) -> None:
    """Show the database URL, schema revision and row counts."""
    from sqlalchemy import func, select

    from talent.storage import models as m

    db = app.database()
    db.require_schema()
    click.echo(f"url:      {db.display_url}")
    click.echo(f"revision: {db.current_revision()}")
    with db.session() as s:
        for model in (m.Member, m.Company, m.Contract, m.Recruiter, m.Project, m.Search,
                      m.Impression, m.InMail,
                      m.ProfileChange):
            click.echo(f"{model.__tablename__:>18}: "
                       f"{s.scalar(select(func.count()).select_from(model))}")
