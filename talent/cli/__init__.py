"""The ``talent`` command line: one click group, one module per subcommand."""

from __future__ import annotations

import sys
from typing import Any

import click

from talent.errors import TalentError
from talent.settings import Settings, load_settings


class AppContext:
    """What every subcommand gets: the settings, loaded once at the edge."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def database(self) -> Any:
        from talent.storage.db import Database

        return Database.from_settings(self.settings)


pass_app = click.make_pass_decorator(AppContext)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML settings file ([talent] table).")
@click.option("--home", type=click.Path(file_okay=False), help="Data home (overrides TALENT_HOME).")
@click.option("--database-url", help="SQLAlchemy database URL (overrides TALENT_DATABASE_URL).")
@click.option("--log-level",
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.version_option(package_name="talent")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, home: str | None, database_url: str | None,
        log_level: str | None) -> None:
    """talent: recruiter search that ranks candidates who match AND are likely to reply.

    \b
    Typical flow on a fresh machine:
      talent db upgrade          create or migrate the database schema
      talent world generate      build a synthetic talent marketplace
      talent world simulate      log recruiter searches, InMails and replies
      talent index build         build the sharded search index
      talent train l1            train the first-pass ranker from the logs
      talent train l2            train the federator's GLMix re-ranker
      talent search "QUERY"      search from the terminal
      talent evaluate            offline evaluation report
      talent audit               fairness audit of the rankings (by sex, impact ratios)
      talent serve               the recruiter web UI and JSON API
      talent demo                all of the above on the demo world

    Settings come from --options, TALENT_* environment variables, then a TOML file.
    """
    from talent.logging import configure_logging

    settings = load_settings(config_file, home=home, database_url=database_url, log_level=log_level)
    configure_logging(settings.log_level, settings.log_format)
    ctx.obj = AppContext(settings)


def _register() -> None:
    from talent.cli import (
        audit,
        cache,
        db,
        demo,
        evaluate,
        index,
        inspect,
        member,
        search,
        serve,
        train,
        world,
    )

    for module in (db, world, index, train, search, evaluate, serve, demo, member, audit, cache,
                   inspect):
        cli.add_command(module.command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors become one line on stderr and exit code 2 (1 for TalentError)."""
    try:
        cli.main(args=argv, prog_name="talent", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except getattr(click.exceptions, "NoArgsIsHelpError", ()) as exc:  # bare `talent`: show help
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return 0
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()} (see `talent --help`)", err=True)
        return exc.exit_code or 2
    except TalentError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except SystemExit as exc:  # --help / --version inside click
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
