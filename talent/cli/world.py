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
def generate(app: AppContext, world: str, config_path: str | None, seed: int | None, quiet: bool) -> None:
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
        f"world {result.name!r} (seed {result.seed}, taxonomy {result.taxonomy_source}) generated in "
        f"{_seconds(result.seconds)}: {counts}"
    )
    click.echo(f"content hash {result.content_hash}")


@command.command()
@click.option(
    "--config",
    "config_path",
    help="Take the [simulation] settings from this world config "
    "(a .toml path or a world name) instead of the generated world's.",
)
@click.option("--seed", type=click.IntRange(min=0), help="Simulation seed (default: the world's seed).")
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
