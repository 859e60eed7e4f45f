"""Title expansion on the search page: the titles the engine added (each one click to refuse),
related titles and skills (each one click to add as must-have or can-have), and the switch.

Links edit the page's query string: ``f.titles.must=<id>`` / ``f.titles.can=<id>`` (and
``f.skills.*``) add a value, ``noexp=<id>`` refuses an expanded title, ``exp=off`` turns
expansion off for the search and ``exp`` removed turns it back to automatic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from index.serving.expansion import ExpansionReport
from webapp.ui.facets import Selection, toggle_args


@dataclass(frozen=True)
class SuggestionLink:
    label: str
    similarity: float
    links: dict[str, MultiDict[str, str]]   # "must" / "can" / "refuse" -> query string
    expanded: bool = False


@dataclass(frozen=True)
class ExpansionPanel:
    """What the page shows about title expansion for one search."""

    applied: bool
    reason: str
    mode: str
    added: list[SuggestionLink] = field(default_factory=list)
    titles: list[SuggestionLink] = field(default_factory=list)
    skills: list[SuggestionLink] = field(default_factory=list)
    refused: list[tuple[str, MultiDict[str, str]]] = field(default_factory=list)
    switch: MultiDict[str, str] | None = None     # turns expansion off (or back to auto)
    source: str = ""


def _without_page(args: MultiDict[str, str]) -> MultiDict[str, str]:
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page"])


def _refuse(args: MultiDict[str, str], title_id: str) -> MultiDict[str, str]:
    new = _without_page(args)
    if title_id not in new.getlist("noexp"):
        new.add("noexp", title_id)
    return new


def _unrefuse(args: MultiDict[str, str], title_id: str) -> MultiDict[str, str]:
    new = _without_page(args)
    new.setlist("noexp", [v for v in new.getlist("noexp") if v != title_id])
    return new


def expansion_panel(selection: Selection, args: MultiDict[str, str],
                    report: ExpansionReport | None,
                    names: dict[str, str] | None = None) -> ExpansionPanel | None:
    """The panel of a search's expansion report (None when the engine has no title
    embeddings)."""
    if report is None:
        return None
    names = names or {}
    added = []
    if report.applied:
        seen: set[str] = set()
        for t in report.titles:
            if t.title_id in seen:
                continue
            seen.add(t.title_id)
            added.append(SuggestionLink(t.label, t.similarity,
                                        {"refuse": _refuse(args, t.title_id)}, True))
    titles, skills = [], []
    for s in report.suggestions:
        facet = "titles" if s.kind == "title" else "skills"
        links = {"must": toggle_args(args, facet, "must", s.id),
                 "can": toggle_args(args, facet, "can", s.id)}
        if s.expanded and report.applied:
            links["refuse"] = _refuse(args, s.id)
        item = SuggestionLink(s.label, s.similarity, links, s.expanded and report.applied)
        (titles if s.kind == "title" else skills).append(item)
    refused = [(names.get(t, t), _unrefuse(args, t)) for t in selection.no_expand]
    mode = selection.expansion_mode or report.mode
    switch = _without_page(args)
    if mode == "off":
        switch.poplist("exp")
    else:
        switch["exp"] = "off"
    return ExpansionPanel(report.applied, report.reason, mode, added, titles, skills, refused,
                          switch, report.source)
