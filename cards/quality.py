"""What the quality team sees: themes and the CPD they point to, with best-practice examples, and
completion at a glance. Each card leads with its picture (a PNG as a data: URI, with alt text
that says what it shows), then the same figures as text for screen readers and small screens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from adaptive_cards_python import elements as E

from bot.domain.quality import MAX_CPD_CHARS
from bot.domain.words import plural
from cards import base

MAX_LINES = 8  # lines per section; the rest are in the export
OTHERS_NOTE = (
    "Records you may not open count only where at least 5 of them share a line, "
    "and are never listed."
)
ONLY_YOURS_NOTE = (
    "Narrowed to a team or campus, only records you may open are counted: choose the whole "
    "organisation for the others."
)


@dataclass(frozen=True)
class Example:
    """A record where a theme was a strength, for a reader who may open it."""

    label: str
    verb: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ThemeLine:
    label: str
    count: int
    cpd: str = ""
    examples: Sequence[Example] = ()


@dataclass(frozen=True)
class Filters:
    """The period and the group the card is about, and the others to choose from."""

    period: str
    scope: str
    periods: Sequence[tuple[str, str]] = ()  # (label, value)
    scopes: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class ThemesView:
    heading: str  # e.g. "Autumn term 2026/27 · Maths"
    walks: int
    reports: int
    strengths: Sequence[ThemeLine]
    areas: Sequence[ThemeLine]
    cpd: Sequence[tuple[str, int]]
    filters: Filters
    chart_url: str | None = None
    chart_alt: str = ""
    others: bool = False
    only_yours: bool = False  # narrowed: records the reader may not open were left out


def _lines(rows: Sequence[ThemeLine], with_cpd: bool = False) -> base.Element:
    if not rows:
        return base.text("—")
    return base.facts(
        [
            (r.label, f"{r.count} · CPD: {r.cpd}" if with_cpd and r.cpd else str(r.count))
            for r in rows[:MAX_LINES]
        ]
    )


def _section(label: str) -> base.Element:
    return E.TextBlock(text=label, weight="bolder", wrap=True, spacing="medium", separator=True)


def _view_card(
    body: Sequence[base.Element], f: Filters, other: tuple[str, str], heading: str
) -> base.CardDict:
    """A quality view: its export for the chosen period, and the way to the other view."""
    label, verb = other
    return base.card(
        body,
        [
            base.execute("Export (XLSX)", "quality.export", {"period": f.period}, saves=True),
            base.execute(label, verb, saves=True),
        ],
        fallback_text=heading,
    )


def _filters(f: Filters, verb: str) -> list[base.Element]:
    return [
        base.choice_input("period", "Period", f.periods, value=f.period),
        base.choice_input("scope", "Who", f.scopes, value=f.scope),
        base.actions_row(base.execute("Show", verb, saves=True)),
    ]


def themes_card(view: ThemesView) -> base.CardDict:
    body: list[base.Element] = [
        # The heading may name a team, as its owner named it in Teams: shown as written.
        base.title(f"Themes & CPD: {base.escape_markdown(view.heading)}"),
        base.text(
            f"From {plural(view.walks, 'learning walk')} and "
            f"{plural(view.reports, 'approved OTLA report')}.",
            subtle=True,
        ),
    ]
    if view.others:
        body.append(base.text(OTHERS_NOTE, subtle=True, size="small"))
    if view.only_yours:
        body.append(base.text(ONLY_YOURS_NOTE, subtle=True, size="small"))
    if view.chart_url:
        body.append(E.Image(url=view.chart_url, altText=view.chart_alt, size="stretch"))
    body += [_section("Strengths"), _lines(view.strengths)]
    body += [_section("Areas to develop"), _lines(view.areas, with_cpd=True)]
    body.append(_section("CPD they point to"))
    body.append(
        base.facts([(cpd, str(n)) for cpd, n in view.cpd[:MAX_LINES]])
        if view.cpd
        else base.text("—")
    )
    examples = [line for line in view.strengths[:MAX_LINES] if line.examples]
    if examples:
        body.append(_section("Best practice: where it was a strength"))
        for line in examples[:4]:
            body.append(base.text(line.label, size="small"))
            body.append(
                base.actions_row(
                    *(base.execute(base.said(e.label), e.verb, e.data) for e in line.examples)
                )
            )
    body += _filters(view.filters, "quality.themes")
    return _view_card(
        body, view.filters, ("Completion", "quality.completion"), f"Themes & CPD: {view.heading}"
    )


@dataclass(frozen=True)
class GridLine:
    group: str
    walked: int
    outstanding: int
    not_expected: int
    otla: Sequence[tuple[str, int]]


@dataclass(frozen=True)
class CompletionView:
    heading: str  # the term and year
    lines: Sequence[GridLine]
    lil: GridLine | None
    chart_url: str | None = None
    chart_alt: str = ""
    others: bool = False
    hidden_rows: int = 0  # teams beyond the picture, in the export
    filters: Filters = field(default_factory=lambda: Filters("", ""))


def _grid_line(line: GridLine, lil: bool = False) -> base.Element:
    walks = (
        f"walked {line.walked} · not expected each term {line.not_expected}"
        if lil
        else f"walked {line.walked} · outstanding {line.outstanding}"
    )
    otla = " · ".join(f"{label.lower()} {n}" for label, n in line.otla if n)
    return E.Container(
        items=[
            base.text(f"**{base.said(line.group)}**"),
            base.text(f"Walks: {walks}", size="small"),
            base.text(f"OTLA: {otla or 'none yet'}", size="small", subtle=True),
        ],
        separator=True,
    )


def completion_card(view: CompletionView) -> base.CardDict:
    body: list[base.Element] = [base.title(f"Completion at a glance: {view.heading}")]
    if view.others:
        body.append(base.text(OTHERS_NOTE, subtle=True, size="small"))
    if view.chart_url:
        body.append(E.Image(url=view.chart_url, altText=view.chart_alt, size="stretch"))
    if not view.lines and view.lil is None:
        body.append(base.text("No tutors to show yet."))
    for line in view.lines[:MAX_LINES]:
        body.append(_grid_line(line))
    if len(view.lines) > MAX_LINES or view.hidden_rows:
        more = max(len(view.lines) - MAX_LINES, view.hidden_rows)
        body.append(base.text(f"…and {plural(more, 'more team')} in the export.", subtle=True))
    if view.lil is not None:
        body.append(_section("Learning in Libraries (no walk expected each term)"))
        body.append(_grid_line(view.lil, lil=True))
    if view.filters.periods:
        body.append(
            base.choice_input("period", "Term", view.filters.periods, value=view.filters.period)
        )
        body.append(base.actions_row(base.execute("Show", "quality.completion", saves=True)))
    return _view_card(
        body,
        view.filters,
        ("Themes & CPD", "quality.themes"),
        f"Completion at a glance: {view.heading}",
    )


@dataclass(frozen=True)
class CpdMapView:
    rows: Sequence[tuple[str, str, str]]  # (key, theme, CPD)
    changed: str | None = None
    can_edit: bool = False
    error: str = ""


def cpd_map_card(view: CpdMapView) -> base.CardDict:
    body: list[base.Element] = [base.title("Themes and the CPD they point to")]
    if view.changed:
        body.append(base.text(view.changed))
    if view.error:
        body.append(base.error_text(view.error))
    body.append(base.facts([(theme, base.said(cpd)) for _, theme, cpd in view.rows]))
    if view.can_edit:
        body += [
            _section("Change one"),
            base.choice_input("theme", "Theme", [(theme, key) for key, theme, _ in view.rows]),
            base.text_input(
                "cpd",
                "CPD it points to",
                max_length=MAX_CPD_CHARS,
                placeholder="Leave empty for the default",
            ),
            base.actions_row(base.execute("Save", "quality.cpd", primary=True, saves=True)),
        ]
    return base.card(body, fallback_text="Themes and the CPD they point to")
