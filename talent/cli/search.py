"""`talent search`: search candidates from the terminal."""

from __future__ import annotations

import json

import click

from talent.cli import AppContext, pass_app


def _stage_switches(ctx: click.Context, param: click.Parameter,
                    values: tuple[str, ...]) -> dict[str, bool]:
    switches: dict[str, bool] = {}
    for item in values:
        name, _, state = item.partition("=")
        if not name.strip() or state.strip().lower() not in ("on", "off"):
            raise click.BadParameter(f"{item!r}: use NAME=on or NAME=off, e.g. l1=off", ctx, param)
        switches[name.strip()] = state.strip().lower() == "on"
    return switches


@click.command(name="search")
@click.argument("query")
@click.option("--recruiter", "recruiter_id", type=int,
              help="Acting recruiter id, carried in the request. Ranking does not use it yet "
                   "(per-recruiter ranking arrives with L2).")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Candidates to show.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True,
              help="Result page.")
@click.option("--facets/--no-facets", default=False,
              help="Count facets (title, skill, company, location ...).")
@click.option("--stage", "stages", multiple=True, callback=_stage_switches, metavar="NAME=on|off",
              help="Switch a ranking stage for this search, e.g. 'l1=off' ranks by text match "
                   "(repeatable; the response's stages say what ran).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole response as JSON.")
@pass_app
def command(app: AppContext, query: str, recruiter_id: int | None, limit: int, page: int,
            facets: bool,
            stages: dict[str, bool], as_json: bool) -> None:
    """Search candidates with QUERY (boolean text, or the structured JSON form when it starts with
    `{`).

    \b
    Examples:
      talent search 'title:"software developer" skill:python location:seattle'
      talent search '(title:nurse OR title:"nurse practitioner") NOT company:acme' --limit 5
      talent search '{"text": "python", "seniority": {"must_have": ["senior"]}}' --json
    """
    from federator.service import SearchService
    from federator.types import SearchRequest
    from talent.errors import InvalidInput

    parsed_query: str | dict = query
    if query.lstrip().startswith("{"):
        try:
            parsed_query = json.loads(query)
        except ValueError as exc:
            raise InvalidInput(f"the query looks like JSON but is not valid JSON: {exc}") from exc
    service = SearchService.from_settings(app.settings, database=app.database())
    try:
        response = service.search(SearchRequest(recruiter_id=recruiter_id, contract_id=None,
                                                query=parsed_query, page=page, page_size=limit,
                                                facets=facets or as_json, stages=stages))
    finally:
        service.close()
    if as_json:
        click.echo(json.dumps(response.to_dict(), indent=2, ensure_ascii=False))
        return
    _render(response)


def _render(response) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    console = Console()
    note = " [yellow](partial: partitions " + ", ".join(map(str, response.partitions_answered)) + \
        f" of {response.partitions_total} answered)[/yellow]" if response.partial else ""
    console.print(f"[bold]{response.total:,}[/bold] matches for [cyan]{response.query}[/cyan] "
                  f"({response.query_type}); ranker: {response.ranker}; "
                  f"{response.timings.get('total', 0.0):.1f} ms{note}")
    for s in response.standardizations:
        console.print(f"  [dim]{s}[/dim]")
    console.print("  [dim]stages: " + ", ".join(
        f"{r.name} {r.status}" + (f" ({r.detail})" if r.detail else "") for r in response.stages)
                  + "[/dim]")
    exp = response.expansion
    if exp is not None:
        added = ", ".join(f"{t.label} {t.similarity:.2f}" for t in exp.titles)
        why = f" ({exp.reason})" if exp.reason else ""
        console.print(f"  [dim]title expansion {exp.mode}: "
                      + (f"added {added}" if exp.applied else "nothing added") + f"{why}[/dim]")
        for kind in ("title", "skill"):
            related = [f"{s.label} {s.similarity:.2f}" for s in exp.suggestions if s.kind == kind]
            if related:
                console.print(f"  [dim]related {kind}s: {', '.join(related)}[/dim]")
    table = Table(show_lines=False)
    for col in ("#", "member", "name", "title", "company", "location", "open", "score",
                "matched skills"):
        table.add_column(col)
    for r in response.results:
        table.add_row(str(r.rank), str(r.member_id), r.name, r.title, r.company or "",
                      r.location or "", "yes" if r.open_to_work else "", f"{r.score:.3f}",
                      ", ".join(r.matched_skills[:4]))
    console.print(table)
    for field, values in response.facets.items():
        console.print(f"[bold]{field}[/bold]: "
                      + ", ".join(f"{v.label} ({v.count})" for v in values[:6]))
