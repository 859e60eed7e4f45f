"""`talent world`: generate, simulate and measure the synthetic talent marketplace."""

from __future__ import annotations

import click

from talent.cli import AppContext, pass_app


@click.group(name="world")
def command() -> None:
    """Generate and simulate the synthetic talent marketplace, and measure its realism.

    \b
    A world is named by a config file or by a name resolved to fixtures/worlds/<name>.toml
    (then benchmarks/worlds/<name>.toml): `test` (~2k members), `demo` (~20k), `1m`.
    \b
      talent world generate demo     members, companies, contracts, recruiters, jobs
      talent world simulate          recruiter searches, views, saves, InMails, replies
      talent world stats             realism and learnability figures (--json for JSON)
      talent world churn --rate 5    a live stream of profile changes (for the live index updater)
    """


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


@command.command()
@click.argument("world", required=False, default="demo")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True),
    help="World config file (TOML); overrides the WORLD name.",
)
@click.option("--seed", type=click.IntRange(min=0), help="Override the config's seed.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@pass_app
def generate(app: AppContext, world: str, config_path: str | None, seed: int | None,
             quiet: bool) -> None:
    """Generate WORLD (a name like `demo`/`test` or a .toml path), replacing the database's world.

    Wipes previous world data (profiles, hiring side and logs), writes the new world through
    bulk inserts and keeps its hidden truth under <home>/worlds/<name>/truth/. The same seed
    and config always give the same content hash.
    """
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world
    from talent.world.progress import RichProgress

    config = load_world_config(config_path or world, seed=seed)
    db = app.database()
    db.upgrade()
    taxonomy = resolve_taxonomy(config, app.settings)
    with RichProgress(disable=quiet) as progress:
        result = generate_world(config, db, app.settings.worlds_dir, taxonomy, progress=progress)
    counts = ", ".join(f"{n:,} {table}" for table, n in result.counts.items())
    click.echo(
        f"world {result.name!r} (seed {result.seed}, taxonomy {result.taxonomy_source}) generated "
        f"in {_seconds(result.seconds)}: {counts}"
    )
    click.echo(f"content hash {result.content_hash}")


@command.command()
@click.option(
    "--config",
    "config_path",
    help="Take the [simulation] settings from this world config "
    "(a .toml path or a world name) instead of the generated world's.",
)
@click.option("--seed", type=click.IntRange(min=0),
              help="Simulation seed (default: the world's seed).")
@click.option("--days", type=click.IntRange(min=1), help="Override the simulated period in days.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@pass_app
def simulate(
    app: AppContext, config_path: str | None, seed: int | None, days: int | None, quiet: bool
) -> None:
    """Simulate recruiter search sessions on the database's world and log them.

    Replaces previous logs (searches, impressions, feedback, InMails, project candidates). The
    logging policy is a text-match ranker with partially shuffled positions (ranker
    `logging_policy`); everything is time-ordered over the simulated period.
    """
    from talent.world.config import WorldConfig, load_world_config
    from talent.world.progress import RichProgress
    from talent.world.simulator import current_world
    from talent.world.simulator import simulate as run

    db = app.database()
    db.require_schema()
    if config_path:
        sim = load_world_config(config_path).simulation
    else:
        sim = WorldConfig.model_validate(current_world(db).config).simulation
    if days is not None:
        sim = sim.model_copy(update={"days": days})
    with RichProgress(disable=quiet) as progress:
        result = run(db, app.settings.worlds_dir, seed=seed, simulation=sim, progress=progress)
    click.echo(
        f"world {result.world!r}: {result.sessions:,} sessions, {result.searches:,} searches, "
        f"{result.impressions:,} impressions, {result.views:,} views, {result.saves:,} saves, "
        f"{result.inmails:,} InMails ({result.accepted:,} accepted, {result.declined:,} declined, "
        f"{result.pending:,} pending) in {_seconds(result.seconds)}"
    )
    if not app.settings.cache_url.startswith("memory://"):  # a shared cache: rebuild it now
        from talent.cache.base import open_cache
        from talent.dynamic.sources import ensure_warm
        from talent.dynamic.store import DynamicStore

        ensure_warm(DynamicStore(open_cache(app.settings.cache_url)), db.engine)
        click.echo(f"dynamic features rebuilt in {app.settings.cache_url}")


@command.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--no-learnability", is_flag=True, help="Skip the (slower) learnability models.")
@pass_app
def stats(app: AppContext, as_json: bool, no_learnability: bool) -> None:
    """Print realism and learnability figures of the database's world.

    \b
    Realism: occupation mix vs BLS employment (Spearman), share of women by occupation family,
    skills per member, distinct raw titles per occupation, InMail accept rates (overall,
    open-to-work vs others), views per impression by position.
    Learnability (on the logs): accept-model AUC, per-recruiter preferences vs shuffled
    recruiters, hidden-truth vs logging-policy InMail-accept precision@25.
    """
    from talent.world.stats import render, to_json, world_stats

    db = app.database()
    db.require_schema()
    figures = world_stats(db, app.settings.worlds_dir, learnability=not no_learnability)
    if as_json:
        click.echo(to_json(figures))
    else:
        render(figures)


def _mix(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    from talent.world.churn import CHANGE_KINDS

    mix: dict[str, float] = {}
    for item in values:
        kind, sep, raw = item.partition("=")
        kind = kind.strip()
        try:
            weight = float(raw)
        except ValueError:
            weight = -1.0
        if not sep or kind not in CHANGE_KINDS or not weight >= 0:
            raise click.BadParameter(f"{item!r}: use KIND=WEIGHT with KIND one of "
                                     f"{', '.join(CHANGE_KINDS)} and a weight >= 0", ctx, param)
        mix[kind] = weight
    return mix


@command.command()
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True,
              help="Profile changes per second.")
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many changes.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True),
              help="Stop after this many seconds.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Same seed and database, same changes.")
@click.option("--mix", "mix", multiple=True, callback=_mix, metavar="KIND=WEIGHT",
              help="Change the share of one kind of change (last_active 0.35, new_skill 0.2, "
                   "headline 0.15, job_change 0.2, open_to_work 0.1 by default; 0 turns a kind "
                   "off). Repeatable.")
@click.option("--quiet", is_flag=True, help="Print only the summary, not every change.")
@pass_app
def churn(app: AppContext, rate: float, count: int | None, duration: float | None, seed: int,
          mix: dict[str, float], quiet: bool) -> None:
    """Make a realistic stream of profile changes in the database, RATE per second.

    \b
    Job changes (a new position and title at another company, a promotion or a move to a
    related occupation, often with new skills), new skills, open-to-work flips, headline edits
    and sign-ins (last-active bumps), each committed in its own transaction through the storage
    layer: the changes land in the outbox that `talent index update --follow` applies. Runs
    until --count changes, --duration seconds or Ctrl-C.
    """
    import threading

    from talent.world.churn import ProfileChurn, ProfileEdit, run_churn, world_taxonomy

    if count is not None and duration is not None:
        raise click.UsageError("give --count or --duration, not both")
    db = app.database()
    db.require_schema()
    generator = ProfileChurn.from_database(db, world_taxonomy(db, app.settings), seed=seed, mix=mix)

    def show(edit: ProfileEdit) -> None:
        if not quiet:
            click.echo(f"member {edit.member_id}: {edit.kind}: {edit.detail}")

    stop = threading.Event()
    try:
        report = run_churn(db, generator, rate=rate, count=count, duration=duration, stop=stop,
                           on_edit=show)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        return
    finally:
        db.dispose()
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.by_kind.items()))
    click.echo(f"{report.edits} profile changes in {report.seconds:.1f} s ({report.rate:.1f}/s): "
               f"{kinds or 'none'}")
