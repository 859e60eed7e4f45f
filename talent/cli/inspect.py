"""`talent inspect`: look inside a trained model."""

from __future__ import annotations

import json

import click

from talent.cli import AppContext, pass_app


@click.group(name="inspect")
def command() -> None:
    """Look inside the trained models."""


@command.command(name="recruiter")
@click.argument("recruiter_id", type=int)
@click.option("--top", type=click.IntRange(1, 200), default=12, show_default=True,
              help="Coefficients shown, largest first.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@pass_app
def recruiter(app: AppContext, recruiter_id: int, top: int, as_json: bool) -> None:
    """One recruiter's own L2 model: their per-recruiter GLMix effects (and their contract's)
    beside the global coefficients, in logit per standard deviation of each feature."""
    from talent.errors import ModelUnavailable, NotFound
    from talent.glmix.model import load_current_l2
    from talent.storage.models import Recruiter

    model = load_current_l2(app.settings.models_dir)
    if model is None:
        raise ModelUnavailable("no L2 model: run `talent train l2`")
    db = app.database()
    with db.session() as s:
        row = s.get(Recruiter, recruiter_id)
        if row is None:
            raise NotFound(f"recruiter {recruiter_id} not found")
        contract_id = row.contract_id
    report = model.recruiter_report(recruiter_id, contract_id)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"L2 {model.name} (on {model.meta.get('l1_name', '?')}): recruiter {recruiter_id}, "
               f"contract {contract_id}")
    for kind in ("recruiter", "contract"):
        own = report[kind]
        if own is None:
            click.echo(f"  {kind}: no training data: ranks with the global model")
            continue
        click.echo(f"  {kind} effects ({own['rows']:,} training rows, intercept "
                   f"{own['intercept']:+.3f}):")
        ranked = sorted(own["coefficients"].items(), key=lambda kv: -abs(kv[1]))[:top]
        for name, value in ranked:
            click.echo(f"    {name:<28} {value:+.3f}   (global {report['global'][name]:+.3f})")

