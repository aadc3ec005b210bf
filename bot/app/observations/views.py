"""`observations`: what the caller needs to do next; and for the quality team the planning &
monitoring list, the termly collective view with its chart, and best-practice examples."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.app.context import HandlerContext
from bot.app.observations import dates, exports, induction
from bot.app.observations.lifecycle import day_label, name_of, when, with_people
from bot.app.quality import views as quality_views
from bot.app.refusals import refusal
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.domain.access import Permission, Role
from bot.domain.local_time import london_day
from bot.domain.observations import (
    APPROVED_STATES,
    DATED,
    REPORT_IN_PROGRESS,
    Monitoring,
    ObservationClock,
    ObservationState,
    academic_year,
    monitoring_status,
    report_is_late,
    theme,
)
from bot.domain.words import plural
from cards.observations import (
    BestPracticeItem,
    Button,
    PlanningRow,
    PlanningView,
    TodoItem,
    TodoView,
    best_practice_card,
    planning_card,
    todo_card,
)
from storage.observations import Observation, Observations

S = ObservationState
ONLY_QUALITY = "Sorry, that view is for the quality team."


def only_quality(ctx: HandlerContext) -> str:
    """ONLY_QUALITY, with how an org admin gives themselves the quality team's role."""
    return refusal(ctx, ONLY_QUALITY, Role.QUALITY_COORDINATOR, "see it")


async def observations(ctx: HandlerContext) -> Reply:
    """Your next steps with annual observations (OTLA); planning and themes for the quality team.

    Usage: observations
    Usage: observations plan (quality team: planning & monitoring)
    Usage: observations export (quality team: planning sheet as XLSX)
    Usage: observations themes (quality team: collective strengths, areas and CPD needs)
    Usage: observations best (quality team: best-practice examples)
    Usage: observations new (new tutors: HA24 induction checklists)
    Usage: observations docs (tutors: with planning documents attached)
    """
    words = ctx.args.split()
    sub = words[0].lower() if words else ""
    if sub in ("plan", "planning", "list", "monitoring"):
        return await planning(ctx, {})
    if sub == "export":
        if len(words) > 1 and words[1].startswith("action"):
            return await exports.export_actions(ctx, {})
        return await exports.export_planning(ctx, {})
    if sub in ("themes", "theme", "cpd", "strengths"):
        return await themes(ctx, {"term": " ".join(words[1:])})
    if sub in ("best", "practice"):
        return await best(ctx, {})
    if sub in ("new", "induction", "ha24"):
        return await induction.list_new(ctx, {})
    if sub in ("docs", "documents", "doc") or ctx.turn.files:
        return await dates.share_files(ctx)
    return await todo(ctx)


def _open(observation_id: int, label: str = "Open") -> Button:
    return Button(label, "otla.open", {"observation_id": observation_id})


def _report(observation_id: int, label: str) -> Button:
    return Button(label, "otla.report.open", {"observation_id": observation_id}, primary=True)


async def todo(ctx: HandlerContext) -> Reply:
    return Reply.show(todo_card(await _todo_view(ctx)))


async def _todo_view(ctx: HandlerContext) -> TodoView:
    """Each role's waiting steps, the person's own first."""
    now = ctx.services.clock.now()
    items = await _as_observer(ctx, now) + await _as_tutor(ctx, now) + await _as_manager(ctx)
    if ctx.actor.has(Role.DEVELOPMENT_OFFICER):
        items += await _as_officer(ctx, now)
    if ctx.actor.has(Role.DEVELOPMENT_COORDINATOR):
        items += await _as_approver(ctx)
    if ctx.actor.has(Role.QUALITY_COORDINATOR):
        items += await _as_allocator(ctx, now)
    more = []
    if ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        more = [
            Button("Planning & monitoring", "otla.plan"),
            Button("Themes & CPD", "quality.themes"),
            Button("New tutors", "otla.ha24.list"),
        ]
    return TodoView(items, more)


async def _as_observer(ctx: HandlerContext, now: datetime) -> list[TodoItem]:
    me, items = ctx.person.id, []
    states = (S.ALLOCATED, *DATED, *REPORT_IN_PROGRESS)
    for obs in await Observations(ctx.uow.session).where(
        ctx.turn.org_id, observer_id=me, states=states
    ):
        tutor = name_of((await with_people(ctx.uow.session, obs)).tutor)
        started = obs.starts_at is not None and obs.starts_at <= now
        if obs.proposed_by is not None and obs.proposed_by != me:
            items.append(_proposed(obs, f"{tutor} suggested", now))
        elif obs.status is S.ALLOCATED and obs.proposed_by is None:
            items.append(
                TodoItem(f"Agree a class and date to observe {tutor}.", _open(obs.id, "Propose"))
            )
        elif obs.status is S.RETURNED:
            items.append(
                TodoItem(
                    f"Your report for {tutor} came back for correction.",
                    _report(obs.id, "Correct the report"),
                )
            )
        elif obs.starts_at is not None and (obs.status is S.OBSERVED or started):
            due = day_label(ObservationClock(obs.starts_at, obs.starts_at).report_due)
            items.append(
                TodoItem(
                    f"Write the report for {tutor} (due {due}).",
                    _report(obs.id, "Write the report"),
                )
            )
    return items


def _proposed(obs: Observation, who: str, now: datetime, what: str = "") -> TodoItem:
    """A date the other person proposed: to accept, or, once it has passed (the card no longer
    offers Accept), to suggest another."""
    proposed = when(obs.proposed_starts_at, obs.proposed_ends_at)
    if obs.proposed_starts_at is not None and obs.proposed_starts_at <= now:
        return TodoItem(
            f"{who} {proposed}{what}, but that date has passed: suggest another.",
            _open(obs.id, "Suggest another"),
        )
    return TodoItem(f"{who} {proposed}{what}.", _open(obs.id, "Accept or suggest"))


async def _as_tutor(ctx: HandlerContext, now: datetime) -> list[TodoItem]:
    me, org, items = ctx.person.id, ctx.turn.org_id, []
    repo = Observations(ctx.uow.session)
    for obs in await repo.where(org, tutor_ids=[me]):
        observer = name_of(await ctx.directory.person(org, obs.observer_id or 0))
        dated = obs.status in (S.ALLOCATED, *DATED)
        if obs.proposed_by is not None and obs.proposed_by != me and dated:
            items.append(_proposed(obs, f"{observer} proposed", now, " for your observation"))
        elif (
            obs.status in DATED
            and obs.starts_at is not None
            and obs.starts_at > now
            and not await repo.documents(obs.id)
        ):
            items.append(
                TodoItem(
                    f"Share your planning and tracking documents with {observer} "
                    f"before {when(obs.starts_at, None)}.",
                    _open(obs.id, "Share documents"),
                )
            )
        elif obs.status in APPROVED_STATES and obs.acknowledged_at is None:
            items.append(TodoItem("Your observation report is ready.", _report(obs.id, "Read it")))
    own = await repo.actions(org, tutor_ids=[me], owner_id=me, open_only=True)
    if own:
        items.append(
            TodoItem(
                f"You have {plural(len(own), 'open action')} from your observation.",
                Button("My actions", "run", {"command": "actions"}),
            )
        )
    return items


async def _as_manager(ctx: HandlerContext) -> list[TodoItem]:
    repo = Observations(ctx.uow.session)
    managed = await ctx.directory.managed_by(ctx.turn.org_id, ctx.person.email)
    if not managed:
        return []
    waiting = await repo.actions(ctx.turn.org_id, tutor_ids=[p.id for p in managed], open_only=True)
    if not waiting:
        return []
    return [
        TodoItem(
            f"{plural(len(waiting), 'action')} for your tutors "
            f"{'needs' if len(waiting) == 1 else 'need'} an outcome or completing.",
            Button("Action review log", "run", {"command": "ars"}),
        )
    ]


async def _as_officer(ctx: HandlerContext, now: datetime) -> list[TodoItem]:
    items = []
    states = (S.DATE_AGREED, S.REPORT_SUBMITTED, S.OBSERVED, S.PLANNED, S.RETURNED)
    repo = Observations(ctx.uow.session)
    for obs, tutor_, observer in await repo.planning_rows(ctx.turn.org_id, None, states):
        tutor = name_of(tutor_)
        if obs.status is S.DATE_AGREED:
            items.append(
                TodoItem(
                    f"Put {tutor}'s OTLA ({when(obs.starts_at, obs.ends_at)}) "
                    "on the planning list and EBS.",
                    _open(obs.id, "Open"),
                )
            )
        elif obs.status is S.REPORT_SUBMITTED:
            if obs.observer_id == ctx.person.id:
                continue  # their own report: another officer checks it
            items.append(
                TodoItem(f"Check the report for {tutor}.", _report(obs.id, "Open the report"))
            )
        elif report_is_late(obs.status, obs.starts_at, now):
            items.append(
                TodoItem(
                    f"The report for {tutor} is late ({name_of(observer)}).",
                    _open(obs.id, "Open"),
                )
            )
    return items


async def _as_approver(ctx: HandlerContext) -> list[TodoItem]:
    repo = Observations(ctx.uow.session)
    return [
        TodoItem(f"Approve the report for {name_of(tutor)}.", _report(obs.id, "Open the report"))
        for obs, tutor, _ in await repo.planning_rows(ctx.turn.org_id, None, (S.CHECKED,))
        if obs.observer_id != ctx.person.id  # their own report: another coordinator approves it
    ]


async def _as_allocator(ctx: HandlerContext, now: datetime) -> list[TodoItem]:
    year = academic_year(london_day(now))
    waiting = await Observations(ctx.uow.session).unallocated_tutors(ctx.turn.org_id, year)
    if not waiting:
        return []
    return [
        TodoItem(
            f"{plural(len(waiting), 'tutor')} {'has' if len(waiting) == 1 else 'have'} no "
            f"observer for {year}.",
            Button("Allocate", "otla.allocate.open", primary=True),
        )
    ]


# ---------------------------------------------------------------- the quality team's views


async def planning(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(only_quality(ctx))
    now = ctx.services.clock.now()
    year = academic_year(london_day(now))
    repo = Observations(ctx.uow.session)
    counts = {m: 0 for m in Monitoring}
    rows: list[tuple[int, PlanningRow]] = []
    order = [
        Monitoring.OVERDUE,
        Monitoring.UNALLOCATED,
        Monitoring.ALLOCATED,
        Monitoring.AGREED,
        Monitoring.OBSERVED,
    ]
    for obs, tutor, observer in await repo.planning_rows(ctx.turn.org_id, year):
        bucket = monitoring_status(obs.status, obs.starts_at, obs.due_by, now)
        counts[bucket] += 1
        if bucket in order:
            status = f"{bucket.value.capitalize()} · {obs.status.label}"
            row = PlanningRow(
                name_of(tutor),
                name_of(observer) if observer else "No observer",
                status,
                when(obs.starts_at, obs.ends_at) or "no date yet",
            )
            rows.append((order.index(bucket), row))
    unallocated = (
        len(await repo.unallocated_tutors(ctx.turn.org_id, year)) - counts[Monitoring.UNALLOCATED]
    )
    labels = [
        ("No observer yet", counts[Monitoring.UNALLOCATED] + max(unallocated, 0)),
        ("Allocated", counts[Monitoring.ALLOCATED]),
        ("Date agreed", counts[Monitoring.AGREED]),
        ("Observed", counts[Monitoring.OBSERVED]),
        ("Overdue", counts[Monitoring.OVERDUE]),
        ("Approved", counts[Monitoring.APPROVED]),
    ]
    view = PlanningView(year, labels, [r for _, r in sorted(rows, key=lambda x: x[0])])
    return Reply.show(planning_card(view))


async def themes(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """Themes & CPD, from an older card's button or `observations themes`: the quality picture
    (bot.app.quality) across walks and reports."""
    return await quality_views.themes(ctx, {"period": values.get("term", ""), **values})


async def best(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(only_quality(ctx))
    year = academic_year(london_day(ctx.services.clock.now()))
    items = [
        BestPracticeItem(
            tutor=name_of(tutor),
            course=obs.course,
            when=day_label(obs.starts_at),
            note=report.best_practice_note,
            themes=", ".join(t.label for k in report.strength_themes if (t := theme(k))),
        )
        for obs, report, tutor in await Observations(ctx.uow.session).best_practice(
            ctx.turn.org_id, year
        )
    ]
    return Reply.show(best_practice_card(year, items))


ROWS: tuple[CardAction, ...] = (
    CardAction("otla.plan", planning, idempotent=False),
    CardAction("otla.themes", themes, idempotent=False, private=False),
    CardAction("otla.best", best, idempotent=False),
)
