"""The quality team's pictures: `themes` (strengths, areas to develop and the CPD they point to,
with best-practice examples) and `completion` (walks per tutor per term, OTLA stage per tutor for
the year, by team), each a card with its chart, and both as one workbook (`quality.export`)."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

from bot.app import documents
from bot.app.context import HandlerContext
from bot.app.form_fields import whole_number
from bot.app.quality import gather, pictures, workbook
from bot.app.quality.gather import Scope
from bot.app.refusals import refusal
from bot.app.router import private_only
from bot.app.turn import Reply
from bot.app.walks.access import local_today, org_settings, seen_only_by_asker
from bot.domain.access import Permission, Role
from bot.domain.quality import (
    WALK_COLUMNS,
    WALK_LABELS,
    CompletionGrid,
    Evidence,
    GridRow,
    OtlaStage,
    Source,
    ThemesPicture,
    completion_grid,
    theme_map,
    themes_picture,
    with_cpd,
)
from bot.domain.terms import Term, split_year, term_for, terms_for
from bot.domain.words import plural
from cards.base import escape_markdown
from cards.quality import (
    CompletionView,
    CpdMapView,
    Example,
    Filters,
    GridLine,
    ThemeLine,
    ThemesView,
    completion_card,
    cpd_map_card,
    themes_card,
)
from storage.models import Organisation
from storage.quality import OrgPeople, QualityReads

NOT_FOR_YOU = "Sorry, that picture is for the quality team and line managers."
NO_TERM = "No term has started yet this academic year."
CHART_ROWS = 8
PNG = "data:image/png;base64,"
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')  # not in a OneDrive file name


def not_for_you(ctx: HandlerContext) -> str:
    """NOT_FOR_YOU, with how an org admin gives themselves the quality team's role."""
    return refusal(ctx, NOT_FOR_YOU, Role.QUALITY_COORDINATOR, "see it")


@dataclass(frozen=True)
class Period:
    """A term, or a whole academic year ("year:2026/27")."""

    value: str
    label: str
    start: date
    end: date
    year: str
    terms: tuple[Term, ...]  # the academic year's terms that have started


def periods(today: date, settings: Mapping[str, Any]) -> list[Period]:
    started = tuple(t for t in terms_for(today, settings) if t.start <= today)
    if not started:
        return []
    year = started[0].academic_year
    out = [Period(f"term:{t.key}", t.label, t.start, t.end, year, started) for t in started]
    whole = Period(
        f"year:{year}", f"Academic year {year}", started[0].start, started[-1].end, year, started
    )
    return [*out, whole]


def pick_period(
    choices: Sequence[Period], wanted: str, today: date, settings: Any
) -> Period | None:
    """By card value ("term:…"/"year:…"), by words ("spring", "autumn 2026/27", "year",
    "2026/27"), else the current term (its heading says so); None when the words name another
    academic year, whose picture this year's would pass for."""
    wanted = wanted.strip().casefold()
    if wanted:
        exact = next((p for p in choices if p.value == wanted), None)
        if exact is not None:
            return exact
        year, rest = split_year(wanted)
        words = set(rest.replace(",", " ").split()) - {"term"}
        if year is not None and all(year != p.year for p in choices):
            return None  # another academic year: this one's picture would pass for it
        whole = next((p for p in choices if p.value.startswith("year:")), None)
        if whole is not None and words <= {"year", "academic"}:
            return whole
        named = next(
            (
                p
                for p in choices
                if p.value.startswith("term:") and words <= set(p.label.casefold().split())
            ),
            None,
        )
        if named is not None:
            return named
        if ":" not in wanted and any(c.isdigit() for c in rest):
            return None  # a year TLC cannot read ("2019"): not this one's picture either
        # A term not started yet, or an older card's value: the card's heading says which it is.
    now = term_for(today, settings)
    current = next((p for p in choices if now is not None and p.value == f"term:{now.key}"), None)
    # In a holiday, the term just gone: the last term among the choices (a year's choice comes
    # after its terms, and the completion card offers terms only).
    terms = [p for p in choices if p.value.startswith("term:")]
    return current or (terms[-1] if terms else choices[-1])


def scope_choices(people: OrgPeople) -> list[tuple[str, str]]:
    teams = sorted(people.teams.items(), key=lambda kv: (kv[1].casefold(), kv[0]))
    campuses = sorted(
        {t.campus.strip() for t in people.tutors if t.campus.strip()}, key=str.casefold
    )
    return [
        ("Whole organisation", "org"),
        *((f"Team: {name or 'Team'}", f"team:{pk}") for pk, name in teams),
        *((f"Campus: {c}", f"campus:{c}") for c in campuses),
    ]


def pick_scope(value: str, people: OrgPeople) -> tuple[Scope, str]:
    """A scope from a card value ("team:3", "campus:North") or words ("team Maths")."""
    kind, _, rest = value.strip().replace(" ", ":", 1).partition(":")
    kind, rest = kind.casefold(), rest.strip()
    if kind == "team" and rest:
        pk = number if (number := whole_number(rest)) in people.teams else None
        if pk is None:
            pk = next((k for k, n in people.teams.items() if n.casefold() == rest.casefold()), None)
        if pk is not None:
            return Scope(team_pk=pk), people.teams[pk] or "Team"
    if kind == "campus" and rest:
        campus = next(
            (t.campus for t in people.tutors if t.campus.casefold() == rest.casefold()), None
        )
        if campus is not None:
            return Scope(campus=campus), f"{campus} campus"
    return Scope(), "Whole organisation"


def _split(args: str) -> tuple[str, str]:
    """`themes spring team Maths` -> ("spring", "team Maths")."""
    words = args.split()
    for i, word in enumerate(words):
        if word.casefold() in ("team", "campus"):
            return " ".join(words[:i]), " ".join(words[i:])
    return " ".join(words), ""


@dataclass(frozen=True)
class Asked:
    """What each quality card starts from: the period asked for, the others to choose from, and
    the organisation's people."""

    today: date
    settings: dict[str, Any]
    period: Period
    choices: list[Period]
    people: OrgPeople

    @property
    def until(self) -> date:
        return min(self.period.end, self.today)


async def _asked(
    ctx: HandlerContext, values: Mapping[str, Any], *, terms_only: bool = False
) -> Asked | str:
    """The period in `values` (or the current term) and who is who; a message if no term has
    started yet."""
    settings = await org_settings(ctx.uow.session, ctx.turn.org_id)
    today = local_today(ctx)
    choices = [p for p in periods(today, settings) if p.value.startswith("term:") or not terms_only]
    if not choices:
        return NO_TERM
    wanted = str(values.get("period") or "")
    period = pick_period(choices, wanted, today, settings)
    if period is None:
        offered = ", ".join(p.label for p in choices)
        return (
            f"I can't show \u201c{escape_markdown(wanted.strip())}\u201d: I have this academic "
            f"year's terms that have started, and the year. Choose one of: {offered}."
        )
    people = await QualityReads(ctx.uow.session).org_people(ctx.turn.org_id)
    return Asked(today, settings, period, choices, people)


def _data_url(png: bytes) -> str:
    return PNG + base64.b64encode(png).decode("ascii")


# --- themes ----------------------------------------------------------------------------------


async def themes_command(ctx: HandlerContext) -> Reply:
    """Themes across learning walks and OTLA reports, and the CPD they point to (chart).

    Usage: themes [autumn|spring|summer|year] [team Maths|campus North]
    Usage: themes export (the themes and completion workbook)
    Usage: themes cpd (the theme → CPD map, which the quality team can change)
    """
    words = ctx.args.split()
    sub = words[0].casefold() if words else ""
    if sub == "cpd":
        return await cpd_map(ctx)
    if sub == "export":
        period, scope = _split(" ".join(words[1:]))
        return await export(ctx, {"period": period, "scope": scope})
    period, scope = _split(ctx.args)
    return await themes(ctx, {"period": period, "scope": scope})


async def themes(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_THEMES):
        return Reply.text(not_for_you(ctx))
    if not seen_only_by_asker(ctx):
        return Reply.text(private_only("themes"))
    asked = await _asked(ctx, values)
    if isinstance(asked, str):
        return Reply.text(asked)
    period, people = asked.period, asked.people
    scope, scope_label = pick_scope(str(values.get("scope") or ""), people)
    found, only_yours = _counted(
        await gather.evidence(ctx, people, period.start, asked.until, scope), scope
    )
    picture = themes_picture(found, theme_map(asked.settings), bucket=_term_of_day(period))
    rows = chart_rows(picture)
    chart = await asyncio.to_thread(pictures.themes_png, rows) if rows else None
    view = ThemesView(
        heading=f"{period.label} · {scope_label}",
        walks=picture.walks,
        reports=picture.reports,
        strengths=[_line(picture, t.key, t.label, n) for t, n in picture.strengths],
        areas=[ThemeLine(t.label, n, t.cpd) for t, n in picture.areas],
        cpd=[(n.cpd, n.count) for n in picture.cpd],
        filters=Filters(
            period.value,
            scope.value,
            [(p.label, p.value) for p in asked.choices],
            scope_choices(people),
        ),
        chart_url=_data_url(chart) if chart else None,
        chart_alt=themes_alt(rows),
        others=picture.others,
        only_yours=only_yours,
    )
    return Reply.show(themes_card(view))


def _counted(found: list[Evidence], scope: Scope) -> tuple[list[Evidence], bool]:
    """The records a picture counts, and whether some were left out. Records the reader may not
    open count (as totals of >= 5) across the whole organisation only: a team's or a campus's
    total of them, taken from the organisation's, could leave fewer than 5, down to one walk.
    So a narrowed picture counts only the reader's own records (all of them, for the quality
    team)."""
    if scope.value == "org":
        return found, False
    mine = [e for e in found if e.readable]
    return mine, len(mine) < len(found)


def _term_of_day(period: Period) -> Callable[[date], str] | None:
    """For a whole year's picture, each record's term (see `themes_picture`'s `bucket`)."""
    if period.value.startswith("term:"):
        return None
    terms = period.terms
    return lambda day: next((t.key for t in terms if t.start <= day <= t.end), "")


def chart_rows(picture: ThemesPicture) -> list[tuple[str, int, int]]:
    """The most frequent themes, strengths and areas together: (label, strengths, areas)."""
    strengths = {t.label: n for t, n in picture.strengths}
    areas = {t.label: n for t, n in picture.areas}
    labels = sorted({*strengths, *areas}, key=lambda t: (-strengths.get(t, 0) - areas.get(t, 0), t))
    return [(t, strengths.get(t, 0), areas.get(t, 0)) for t in labels[:CHART_ROWS]]


def themes_alt(rows: Sequence[tuple[str, int, int]]) -> str:
    lines = "; ".join(
        f"{t}: {plural(s, 'strength')}, {plural(a, 'area')} to develop" for t, s, a in rows
    )
    return f"Bar chart of the most frequent themes. {lines}." if rows else ""


def _line(picture: ThemesPicture, key: str, label: str, count: int) -> ThemeLine:
    examples = [
        Example(e.title, "walk.view", {"walk_id": e.record_id})
        if e.source is Source.WALK
        else Example(e.title, "otla.report.open", {"observation_id": e.record_id})
        for e in picture.examples.get(key, ())
    ]
    return ThemeLine(label, count, examples=examples)


# --- completion ------------------------------------------------------------------------------


async def completion_command(ctx: HandlerContext) -> Reply:
    """Completion at a glance: walks per tutor this term and OTLA stage for the year, by team.

    Usage: completion [autumn|spring|summer]
    """
    return await completion(ctx, {"period": ctx.args})


async def completion(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_WALK_COMPLETION):
        return Reply.text(not_for_you(ctx))
    if not seen_only_by_asker(ctx):
        return Reply.text(private_only("completion"))
    asked = await _asked(ctx, values, terms_only=True)
    if isinstance(asked, str):
        return Reply.text(asked)
    period = asked.period
    term_key = period.value.removeprefix("term:")
    found = await gather.standings(ctx, asked.people, period.terms, period.year)
    grid = completion_grid(found, term_key)
    chart = await asyncio.to_thread(pictures.completion_png, grid) if found else None
    view = CompletionView(
        heading=f"{period.label}, OTLA {period.year}",
        lines=[_grid_line(r) for r in grid.rows],
        lil=_grid_line(grid.lil) if grid.lil is not None else None,
        chart_url=_data_url(chart) if chart else None,
        chart_alt=completion_alt(grid),
        others=any(not s.readable for s in found),
        hidden_rows=max(len(grid.rows) - pictures.MAX_GRID_ROWS, 0),
        filters=Filters(period.value, "", [(p.label, p.value) for p in asked.choices]),
    )
    return Reply.show(completion_card(view))


def _grid_line(row: GridRow) -> GridLine:
    walked, outstanding, not_expected = row.walks
    return GridLine(
        row.group,
        walked,
        outstanding,
        not_expected,
        [(s.value, n) for s, n in zip(OtlaStage, row.otla, strict=True)],
    )


def completion_alt(grid: CompletionGrid) -> str:
    def one(row: GridRow) -> str:
        walks = ", ".join(
            f"{WALK_LABELS[s].lower()} {n}" for s, n in zip(WALK_COLUMNS, row.walks, strict=True)
        )
        otla = ", ".join(f"{s.value.lower()} {n}" for s, n in zip(OtlaStage, row.otla, strict=True))
        return f"{row.group}: walks {walks}; OTLA {otla}"

    rows = [*grid.rows[: pictures.MAX_GRID_ROWS], *([grid.lil] if grid.lil else [])]
    return "Grid of tutors by team and status. " + ". ".join(one(r) for r in rows) + "."


# --- the export ------------------------------------------------------------------------------


async def export(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_THEMES):
        return Reply.text(not_for_you(ctx))
    asked = await _asked(ctx, values)
    if isinstance(asked, str):
        return Reply.text(asked)
    period, people = asked.period, asked.people
    # The group the card was narrowed to (its input comes with the button's press), as on it.
    scope, scope_label = pick_scope(str(values.get("scope") or ""), people)
    found, _ = _counted(await gather.evidence(ctx, people, period.start, asked.until, scope), scope)
    picture = themes_picture(
        found, theme_map(asked.settings), examples=20, bucket=_term_of_day(period)
    )
    standing = [
        s
        for s in await gather.standings(ctx, people, period.terms, period.year)
        if scope.has_tutor(s.tutor_id, people) and (s.readable or scope.value == "org")
    ]
    term_key = period.value.removeprefix("term:") if period.value.startswith("term:") else ""
    # A team's grid has that team's row only (its tutors' other teams are not its business).
    in_grid = (
        [replace(s, teams=(scope_label,)) for s in standing]
        if scope.team_pk is not None
        else standing
    )
    grid = completion_grid(in_grid, term_key or period.terms[-1].key)
    label = period.label if scope.value == "org" else f"{period.label} · {scope_label}"
    content = await asyncio.to_thread(
        partial(
            workbook.quality_workbook,
            label,
            picture,
            [s for s in standing if s.readable],
            period.terms,
            grid,
            organisation=await documents.organisation_name(ctx),
            prepared_by=ctx.person.name,
            on=asked.today,
        )
    )
    name = "Themes and completion " + _UNSAFE_IN_NAME.sub("-", label.replace(" · ", ", ")) + ".xlsx"
    return await documents.send(ctx, name, content, f"Themes and completion, {label}")


# --- the theme -> CPD map ----------------------------------------------------------------------


async def cpd_map(ctx: HandlerContext, _: str = "") -> Reply:
    """`themes cpd`: the theme -> CPD map, with a form to change a line for those who may."""
    if not ctx.can(Permission.VIEW_THEMES):
        return Reply.text(not_for_you(ctx))
    settings = await org_settings(ctx.uow.session, ctx.turn.org_id)
    return Reply.show(cpd_map_card(_map_view(ctx, settings)))


def _map_view(
    ctx: HandlerContext, settings: Mapping[str, Any], changed: str | None = None, error: str = ""
) -> CpdMapView:
    rows = [(t.key, t.label, t.cpd) for t in theme_map(settings).themes]
    return CpdMapView(rows, changed, ctx.can(Permission.EDIT_THEME_MAP), error)


async def save_cpd(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """One theme's CPD changed (an empty CPD puts the default back), audited."""
    if not ctx.can(Permission.EDIT_THEME_MAP):
        return Reply.text("Sorry, only the quality team or an org admin changes the CPD map.")
    org = await ctx.uow.session.get(Organisation, ctx.turn.org_id)
    if org is None:
        return Reply.text(NOT_FOR_YOU)
    settings = dict(org.settings or {})
    found = theme_map(settings).get(str(values.get("theme") or ""))
    try:
        if found is None:
            raise ValueError("choose a theme from the list")
        new = with_cpd(settings, found.key, str(values.get("cpd") or ""))
    except ValueError as exc:
        return Reply.update(
            cpd_map_card(_map_view(ctx, settings, error=f"Nothing changed: {exc}."))
        )
    org.settings = new
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, "settings", "theme_cpd", found.key, ctx.turn.now
    )
    now_points = next(t.cpd for t in theme_map(new).themes if t.key == found.key)
    return Reply.update(
        cpd_map_card(_map_view(ctx, new, f"{found.label} now points to: {now_points}."))
    )
