"""Learning walks for managers and the quality team: completion per tutor for the current window,
a tutor's own feedback, the monthly provider-return count, the termly key findings (with a chart)
and a term's walks as a spreadsheet (seed 002, "quality team involvement").
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import documents
from bot.app.context import HandlerContext
from bot.app.events import ObservationsByMonth
from bot.app.turn import Reply
from bot.app.walks.access import (
    PRIVATE_ONLY,
    asker,
    day_label,
    local_today,
    names_of,
    org_settings,
    quality_only,
    short_day,
    walk_access,
    walk_store,
    yes_no,
)
from bot.app.walks.documents import (
    PNG,
    TutorRow,
    WalkRow,
    findings_chart_png,
    walks_xlsx,
)
from bot.domain.access import Permission
from bot.domain.local_time import london
from bot.domain.terms import Term, current_or_next_term, named_year, terms_for
from bot.domain.walks import (
    CHANNEL_READERS,
    TutorCompletion,
    WalkPlan,
    WalkStatus,
    WalkWindow,
    completion,
    key_findings,
    month_start,
    monthly_return,
    resolve_term,
    theme_label,
)
from cards.walks import (
    LATEST,
    CompletionLine,
    CompletionView,
    FindingsGroup,
    MonthCount,
    MyWalkLine,
    ReturnView,
    SummaryView,
    TeamCount,
    monthly_return_card,
    my_walks_card,
    walk_overview_card,
)
from storage.models import Team
from storage.people import Directory
from storage.walks import (
    StoredWalkPlan,
    WalkStore,
    tutor_on_list,
    walk_facts,
)


async def team_completion(
    session: AsyncSession, org_id: str, team: Team, term: Term
) -> tuple[StoredWalkPlan | None, list[TutorCompletion]]:
    """Each tutor on the team's roster: done / outstanding / not expected, for the term."""
    store = WalkStore(session)
    plan = await store.plan(org_id, team.id, term.key)
    people = {p.id: p for p in await Directory(session).team_tutors(org_id, team.id)}
    for p in await store.tutors_walked_in_team(team.id, term.start, term.end):
        people.setdefault(p.id, p)  # visited on one of the team's walks: counted too
    tutors = [tutor_on_list(p) for p in sorted(people.values(), key=lambda p: (p.name, p.id))]
    walked = await store.walked_on(org_id, [t.id for t in tutors], term.start, term.end)
    windows = plan.to_domain().windows if plan is not None else ()
    return plan, completion(tutors, walked, term, windows)


def _current_window(plan: WalkPlan, today: date) -> WalkWindow | None:
    """The window on today, else the next one, else the last one."""
    now = plan.window_on(today)
    if now is not None:
        return now
    ahead = [w for w in plan.windows if w.start > today]
    if ahead:
        return min(ahead, key=lambda w: w.start)
    return max(plan.windows, key=lambda w: w.end, default=None)


async def completion_view(ctx: HandlerContext, team: Team) -> CompletionView:
    today = local_today(ctx)
    term = current_or_next_term(today, await org_settings(ctx.uow.session, ctx.turn.org_id))
    stored, rows = await team_completion(ctx.uow.session, ctx.turn.org_id, team, term)
    plan = stored.to_domain() if stored is not None else None
    window = _current_window(plan, today) if plan is not None else None
    lines = []
    for r in rows:
        if r.status is WalkStatus.DONE:
            detail = ", ".join(short_day(d) for d in r.walked_on)
        elif r.status is WalkStatus.OUTSTANDING:
            detail = f"window {r.window.label}" if r.window else "no window planned"
        else:
            detail = "not expected each term"
        lines.append(CompletionLine(r.tutor.name, r.status.value, detail))
    return CompletionView(
        team_pk=team.id,
        team_name=team.name or "Team",
        term_label=term.label,
        window_label=window.label if window is not None else None,
        focus=plan.focus if plan is not None else None,
        lines=lines,
        can_plan=ctx.can(Permission.PLAN_WALKS),
    )


async def overview(ctx: HandlerContext, teams: Sequence[Team]) -> Reply:
    term = current_or_next_term(
        local_today(ctx), await org_settings(ctx.uow.session, ctx.turn.org_id)
    )
    counts = []
    for team in teams:
        _, rows = await team_completion(ctx.uow.session, ctx.turn.org_id, team, term)
        done = sum(r.status is WalkStatus.DONE for r in rows)
        outstanding = sum(r.status is WalkStatus.OUTSTANDING for r in rows)
        counts.append(TeamCount(team.id, team.name or "Team", done, outstanding))
    return Reply.show(walk_overview_card(term.label, counts))


ALL_MY_WALKS = 200


async def my_walks(ctx: HandlerContext, *, everything: bool = False) -> Reply:
    """A tutor's own learning walks, newest first: one line each; the feedback (never a concern
    note) shows when one is opened."""
    if ctx.turn.where.kind != "personal":
        return Reply.text(PRIVATE_ONLY)
    limit = ALL_MY_WALKS if everything else LATEST + 1  # one more says there are more
    rows = await walk_store(ctx).for_tutor(ctx.turn.org_id, ctx.actor.person_id, limit)
    lines = [
        MyWalkLine(walk_id=row.id, day=day_label(row.walk_date), focus=row.focus)
        for row in rows
        if (await walk_access(ctx.uow.session, ctx.actor, row)).read
    ]
    name = (await asker(ctx)).name or ""
    return Reply.show(my_walks_card(name, lines, everything=everything))


# --- The quality team's summaries and exports ----------------------------------------------------


async def term_named(ctx: HandlerContext, text: str) -> Term:
    settings = await org_settings(ctx.uow.session, ctx.turn.org_id)
    if not text.strip():
        return current_or_next_term(local_today(ctx), settings)
    term = resolve_term(text, local_today(ctx), settings, past=True)
    if named_year(text) is not None:
        return term
    # Asked for a summary, "autumn" in the summer means the autumn just gone.
    this_year = [t for t in terms_for(local_today(ctx), settings) if t.name == term.name]
    return this_year[0] if this_year and this_year[0].start <= local_today(ctx) else term


async def key_findings_view(session: AsyncSession, org_id: str, term: Term) -> SummaryView:
    """The term's key findings, with their chart, from the saved walks."""
    facts = await _facts(session, org_id, term)
    found = key_findings(facts, term.label)

    def labelled(pairs: Sequence[tuple[str, int]]) -> list[str]:
        return [f"{theme_label(k)} ({n})" for k, n in pairs]

    def groups(items: Sequence[Any]) -> list[FindingsGroup]:
        return [
            FindingsGroup(g.group, g.walks, labelled(g.strengths), labelled(g.areas)) for g in items
        ]

    chart = None
    if found.walks:
        png = await asyncio.to_thread(
            findings_chart_png,
            [(theme_label(k), n) for k, n in found.overall.strengths],
            [(theme_label(k), n) for k, n in found.overall.areas],
        )
        chart = f"data:{PNG};base64,{base64.b64encode(png).decode('ascii')}"
    return SummaryView(
        term_label=term.label,
        walks=found.walks,
        strengths=labelled(found.overall.strengths),
        areas=labelled(found.overall.areas),
        by_focus=groups(found.by_focus),
        by_team=groups(found.by_team),
        chart_data_url=chart,
    )


async def _facts(session: AsyncSession, org_id: str, term: Term) -> list[Any]:
    store = WalkStore(session)
    teams = {t.id: t.name for t in await store.teams(org_id)}
    rows = await store.saved_between(org_id, term.start, term.end)
    return [walk_facts(r, teams.get(r.team_pk, "")) for r in rows]


async def provider_return(ctx: HandlerContext, text: str) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(quality_only(ctx))
    today = local_today(ctx)
    try:
        month = date.fromisoformat(text.strip() + "-01") if text.strip() else month_start(today)
        following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        # The academic year so far (from September), for the return's month-by-month history.
        first = date(month.year - (month.month < 9), 9, 1)
    except ValueError:  # not a month, or one whose year or next month is off the calendar
        return Reply.text("Give the month as YYYY-MM, e.g. `walks return 2026-11`.")
    session, org_id = ctx.uow.session, ctx.turn.org_id
    store = WalkStore(session)
    teams = {t.id: t.name for t in await store.teams(org_id)}
    rows = await store.saved_between(org_id, first, following - timedelta(days=1))
    facts = [walk_facts(r, teams.get(r.team_pk, "")) for r in rows]
    counted = monthly_return(facts, month)
    otlas: dict[date, int] = {}
    question = ObservationsByMonth(org_id, first, following - timedelta(days=1))
    for answer in await ctx.services.events.ask(session, question):
        for start, n in answer.items():
            otlas[start] = otlas.get(start, 0) + n
    months = sorted({month_start(f.day) for f in facts} | set(otlas) | {month})
    by_month = [
        MonthCount(f"{m:%b %Y}", monthly_return(facts, m).walks, otlas.get(m, 0)) for m in months
    ]
    return Reply.show(
        monthly_return_card(
            ReturnView(
                month_label=f"{month:%B %Y}",
                walks=counted.walks,
                tutors_visited=counted.tutors_visited,
                unplanned=counted.unplanned,
                by_team=counted.by_team,
                otlas=otlas.get(month, 0),
                by_month=by_month,
            )
        )
    )


async def export_term(ctx: HandlerContext, text: str) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(quality_only(ctx))
    try:
        term = await term_named(ctx, text)
    except ValueError as exc:
        return Reply.text(str(exc))
    session = ctx.uow.session
    store = WalkStore(session)
    teams = {t.id: t.name for t in await store.teams(ctx.turn.org_id)}
    rows = await store.saved_between(ctx.turn.org_id, term.start, term.end)
    people = await names_of(
        session, ctx.turn.org_id, sorted({i for r in rows for i in (*r.tutor_ids, r.author_id)})
    )
    # Whether a concern was raised is the concern's own business: only its readers learn it,
    # as on the walk's card (a quality officer outside the team's channel reads the walk, not
    # that there was a concern). Each team's channel readers are read once.
    readers: dict[int, frozenset[int]] = {}
    concern: dict[int, bool | None] = {}
    for r in rows:
        if r.team_pk not in readers:
            readers[r.team_pk] = frozenset(
                await ctx.directory.holder_ids(r.org_id, *CHANNEL_READERS, team_pk=r.team_pk)
            )
        access = await walk_access(session, ctx.actor, r, readers=readers[r.team_pk])
        concern[r.id] = r.concern if access.concern else None
    walk_rows = [
        WalkRow(
            walk_id=r.id,
            day=r.walk_date,
            team=teams.get(r.team_pk, ""),
            tutors=", ".join(people.get(t, "") for t in r.tutor_ids),
            observer=people.get(r.author_id, ""),
            course=r.course,
            minutes=r.minutes,
            focus=r.focus,
            planned=not r.unplanned,
            went_well="; ".join(theme_label(k) for k in r.went_well or ()),
            went_well_note=r.went_well_note,
            even_better_if="; ".join(theme_label(k) for k in r.even_better_if or ()),
            even_better_if_note=r.even_better_if_note,
            verbal_feedback=yes_no(r.verbal_feedback),
            concern=concern[r.id],
        )
        for r in rows
    ]
    tutors = await ctx.directory.tutor_list(ctx.turn.org_id, 100_000)
    walked = await store.walked_on(ctx.turn.org_id, [t.id for t in tutors], term.start, term.end)
    done = completion([tutor_on_list(t) for t in tutors], walked, term)
    emails = {t.id: t.email or "" for t in tutors}
    tutor_rows = [
        TutorRow(
            name=c.tutor.name,
            email=emails.get(c.tutor.id, ""),
            learning_in_libraries=c.tutor.learning_in_libraries,
            walked_on=", ".join(d.isoformat() for d in c.walked_on),
            status=c.status.value.replace("_", " "),
        )
        for c in done
    ]
    data = await asyncio.to_thread(
        partial(
            walks_xlsx,
            term.label,
            walk_rows,
            tutor_rows,
            organisation=await documents.organisation_name(ctx),
            prepared_by=ctx.person.name,
            on=london(ctx.services.clock.now()).date(),
        )
    )
    name = f"learning-walks-{term.key.replace('/', '-')}.xlsx"
    about = f"{len(walk_rows)} learning walks in the {term.label} (concern notes are not included)."
    return await documents.send(ctx, name, data, about)
