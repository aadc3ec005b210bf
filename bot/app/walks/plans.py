"""Planning learning walks: a team's focus, window(s) and walkers for a term, on a card or from a
CSV for many teams (seed 002, "planning of learning walks"), and the end-of-window notices that
tell managers, and the quality team, which walks are outstanding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.app.form_fields import as_int, as_text, parse_ids, required, required_text
from bot.app.notices import NoticeContext
from bot.app.refusals import refusal
from bot.app.turn import Message, Reply
from bot.app.walks.access import (
    actor_for,
    asker,
    channel_team,
    local_today,
    my_teams,
    org_settings,
    quality_notice_day,
    short_day,
    team_for_walks,
    walk_store,
)
from bot.app.walks.reports import (
    team_completion,
)
from bot.domain.access import QUALITY_TEAM, Permission, Role, can
from bot.domain.terms import Term, academic_year_of, current_or_next_term, term_for, terms_for
from bot.domain.uploads import parse_day
from bot.domain.walks import (
    CHANNEL_READERS,
    PlanProblem,
    WalkPlan,
    WalkWindow,
    check_windows,
    outstanding_in,
    parse_plan_csv,
    resolve_term,
)
from cards.walks import (
    OutstandingTeam,
    PlanFormView,
    PlanImportView,
    PlanSavedView,
    walk_plan_card,
    walk_plan_import_card,
    walk_plan_saved_card,
    window_end_card,
    window_end_quality_card,
)
from storage.models import Person
from storage.people import Directory
from storage.reminders import Schedule
from storage.walks import (
    StoredWalkPlan,
    StoredWalkWindow,
    WalkStore,
)


def typed_day(missing: str | None = None) -> BeforeValidator:
    """A day as typed or picked on a card; left empty, it is None, or the message `missing`
    where the day is needed."""

    def read(value: object) -> object:
        if not isinstance(value, str):
            return value
        if value.strip():
            return parse_day(value)
        if missing:
            raise ValueError(missing)
        return None

    return BeforeValidator(read)


OptionalDay = Annotated[date | None, typed_day()]


def _term_choices(today: date, settings: Mapping[str, Any]) -> list[Term]:
    terms = terms_for(today, settings) + terms_for(
        date(academic_year_of(today) + 1, 9, 1), settings
    )
    return [t for t in terms if t.end >= today][:4]


class WalkPlanForm(BaseModel):
    """The planning card as submitted."""

    team_pk: int
    term: Annotated[str, required("Choose a term")]
    focus: Annotated[str, required("Give the focus or theme")] = Field(max_length=300)
    linked_to: str = Field(default="", max_length=300)
    window1_start: OptionalDay = None
    window1_end: OptionalDay = None
    window1_course_type: str = Field(default="", max_length=100)
    window2_start: OptionalDay = None
    window2_end: OptionalDay = None
    window2_course_type: str = Field(default="", max_length=100)
    window3_start: OptionalDay = None
    window3_end: OptionalDay = None
    window3_course_type: str = Field(default="", max_length=100)
    walkers: list[int] = Field(default_factory=list)

    @field_validator("team_pk", mode="before")
    @classmethod
    def _team(cls, value: object) -> object:
        return required_text(value, "Choose a team") if isinstance(value, str) else value

    @field_validator("walkers", mode="before")
    @classmethod
    def _walkers(cls, value: object) -> list[int]:
        return parse_ids(value)

    def windows(self) -> list[WalkWindow]:
        out = []
        for i in (1, 2, 3):
            start = getattr(self, f"window{i}_start")
            end = getattr(self, f"window{i}_end")
            if start is None and end is None:
                continue
            if start is None or end is None:
                missing = "start" if start is None else "end"
                raise PlanProblem(f"window{i}_{missing}", "Give both dates of the window.")
            kind = str(getattr(self, f"window{i}_course_type")).strip()
            out.append(WalkWindow(start, end, kind))
        return out


NOT_A_PLANNER = "Sorry, learning walks are planned by managers and the quality team."


def not_a_planner(ctx: HandlerContext) -> str:
    """The refusal; an org admin hears how to take the line manager role themselves."""
    return refusal(ctx, NOT_A_PLANNER, Role.LINE_MANAGER, "plan walks")


async def plan_command(ctx: HandlerContext, words: Sequence[str]) -> Reply:
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text(not_a_planner(ctx))
    if ctx.turn.files or (words and words[0] == "import"):
        return await _import_plans(ctx)
    team = await channel_team(ctx)
    values = await _starting_values(ctx, team.id if team is not None else None)
    return Reply.show(walk_plan_card(await _plan_view(ctx, values, {})))


async def open_plan(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text(not_a_planner(ctx))
    start = await _starting_values(ctx, as_int(values.get("team_pk")))
    return Reply.update(walk_plan_card(await _plan_view(ctx, start, {})))


async def _starting_values(ctx: HandlerContext, team_pk: int | None) -> dict[str, Any]:
    """The card's first values: the team's plan for this term if it has one, else me walking."""
    values: dict[str, Any] = {"walkers": str(ctx.actor.person_id)}
    if team_pk is None:
        return values
    team = await team_for_walks(ctx, team_pk)
    if team is None:  # not one of the asker's teams (a card's team can be forged)
        return values
    values["team_pk"] = str(team.id)
    term = current_or_next_term(
        local_today(ctx), await org_settings(ctx.uow.session, ctx.turn.org_id)
    )
    plan = await walk_store(ctx).plan(ctx.turn.org_id, team.id, term.key)
    if plan is None:
        return values
    values |= {"term": term.key, "focus": plan.focus, "linked_to": plan.linked_to}
    values["walkers"] = ",".join(str(i) for i in plan.walker_ids or ())
    for i, window in enumerate(plan.windows[:3], start=1):
        values[f"window{i}_start"] = window.starts_on.isoformat()
        values[f"window{i}_end"] = window.ends_on.isoformat()
        values[f"window{i}_course_type"] = window.course_type
    return values


async def _plan_view(
    ctx: HandlerContext, values: Mapping[str, Any], errors: Mapping[str, str]
) -> PlanFormView:
    settings = await org_settings(ctx.uow.session, ctx.turn.org_id)
    today = local_today(ctx)
    terms = _term_choices(today, settings)
    shown = {k: as_text(v) for k, v in values.items()}
    shown.setdefault("term", current_or_next_term(today, settings).key)
    walkers = await _offered_walkers(ctx, as_int(shown.get("team_pk")), shown["term"])
    return PlanFormView(
        teams=[(t.name or "Team", str(t.id)) for t in await my_teams(ctx)],
        terms=[(t.label, t.key) for t in terms],
        walkers=[(p.name or p.email or f"#{p.id}", str(p.id)) for p in walkers.values()],
        values=shown,
        errors=errors,
    )


async def _offered_walkers(
    ctx: HandlerContext, team_pk: int | None, term_key: str
) -> dict[int, Person]:
    """The walkers the plan card offers: the planner, the team's managers (the organisation's
    team only: the id can be forged), the quality team, and whoever the team's plan for that
    term already names (the card is opened with them). Only these may be saved as walkers."""
    directory = Directory(ctx.uow.session)
    me = await asker(ctx)
    walkers: dict[int, Person] = {me.id: me}
    if team_pk is not None:
        for p in await directory.holders(ctx.turn.org_id, Role.LINE_MANAGER, team_pk=team_pk):
            walkers.setdefault(p.id, p)
    for p in await directory.holders(ctx.turn.org_id, *QUALITY_TEAM):
        walkers.setdefault(p.id, p)
    plan = await walk_store(ctx).plan(ctx.turn.org_id, team_pk, term_key) if team_pk else None
    if plan is not None and plan.walker_ids:
        for p in await directory.people(ctx.turn.org_id, list(plan.walker_ids)):
            walkers.setdefault(p.id, p)
    return walkers


async def redisplay_plan(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text(not_a_planner(ctx))
    return Reply.update(walk_plan_card(await _plan_view(ctx, values, errors)))


async def save_plan(ctx: HandlerContext, form: WalkPlanForm) -> Reply:
    """Save a team's plan for a term and schedule the end-of-window notices."""
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text(not_a_planner(ctx))
    values = form.model_dump(mode="json")
    team = await team_for_walks(ctx, form.team_pk)
    if team is None:
        return await redisplay_plan(ctx, values, {"team_pk": "Choose one of your teams"})
    settings = await org_settings(ctx.uow.session, ctx.turn.org_id)
    term = next((t for t in _term_choices(local_today(ctx), settings) if t.key == form.term), None)
    if term is None:
        return await redisplay_plan(ctx, values, {"term": "Choose a term from the list"})
    try:
        windows = form.windows()
        check_windows(windows, term)
    except PlanProblem as problem:
        return await redisplay_plan(ctx, values, {problem.field: str(problem)})
    offered = await _offered_walkers(ctx, team.id, term.key)
    if any(i not in offered for i in form.walkers):
        return await redisplay_plan(ctx, values, {"walkers": "Choose walkers from the list"})
    known = [offered[i] for i in dict.fromkeys(form.walkers)]
    plan = WalkPlan(
        term.key, form.focus, form.linked_to.strip(), tuple(windows), frozenset(p.id for p in known)
    )
    now = ctx.services.clock.now()
    channel = ctx.turn.where.teams_channel_id if ctx.turn.where.team_id == team.team_id else None
    row, created = await walk_store(ctx).save_plan(
        ctx.turn.org_id, team.id, plan, channel=channel, by=ctx.actor.person_id, now=now
    )
    notices = await schedule_window_notices(ctx.uow.session, row, now)
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.actor.person_id, f"walk-plan:{row.id}", "save", term.key, now
    )
    return Reply.update(
        walk_plan_saved_card(
            PlanSavedView(
                team_name=team.name,
                term_label=term.label,
                focus=plan.focus,
                linked_to=plan.linked_to,
                windows=[w.label for w in windows],
                walkers=", ".join(p.name or p.email or "" for p in known) or "—",
                created=created,
                notices=notices,
            )
        )
    )


# --- Plans for many teams from a CSV -------------------------------------------------------------


async def _import_plans(ctx: HandlerContext) -> Reply:
    """Plans for many teams at once, from the quality team's CSV or Excel workbook."""
    content = await ctx.sent_list(
        "walk plan import",
        "Send the plans as a CSV or Excel (.xlsx) file in this chat with the words "
        "**walk plan import**. "
        "Columns: team, term, focus, linked_to, window_start, window_end, course_type, "
        "walkers (emails separated by ;), one row per window.",
        outcome="nothing was imported",
    )
    if isinstance(content, Reply):
        return content
    sheet = parse_plan_csv(content)
    problems: list[tuple[int, str]] = list(sheet.problems)
    created = updated = 0
    teams = {t.name.casefold(): t for t in await my_teams(ctx)}
    settings = await org_settings(ctx.uow.session, ctx.turn.org_id)
    now = ctx.services.clock.now()
    directory = Directory(ctx.uow.session)
    for lines in sheet.grouped().values():
        first = lines[0]
        team = teams.get(first.row.team.strip().casefold())
        if team is None:
            problems += [
                (pl.line, f"team: I don't know a team called {pl.row.team}") for pl in lines
            ]
            continue
        try:
            term = resolve_term(first.row.term, local_today(ctx), settings)
            windows = [
                WalkWindow(pl.row.window_start, pl.row.window_end, pl.row.course_type)
                for pl in lines
            ]
            check_windows(windows, term)
        except ValueError as exc:
            problems += [(pl.line, f"{getattr(exc, 'field', 'term')}: {exc}") for pl in lines]
            continue
        walkers = set()
        for email in {e for pl in lines for e in pl.row.walkers}:
            person = await directory.person_by_email(ctx.turn.org_id, email)
            if person is None:
                problems.append((first.line, f"walkers: nobody with the email {email}"))
            else:
                walkers.add(person.id)
        plan = WalkPlan(
            term.key, first.row.focus, first.row.linked_to, tuple(windows), frozenset(walkers)
        )
        row, is_new = await walk_store(ctx).save_plan(
            ctx.turn.org_id, team.id, plan, channel=None, by=ctx.actor.person_id, now=now
        )
        await schedule_window_notices(ctx.uow.session, row, now)
        created += is_new
        updated += not is_new
    await ctx.directory.audit(
        ctx.turn.org_id,
        ctx.actor.person_id,
        "walk-plans",
        "import",
        f"{created} new, {updated} updated, {len(problems)} problems",
        now,
    )
    return Reply.show(walk_plan_import_card(PlanImportView(created, updated, sorted(problems))))


# --- End-of-window notices -----------------------------------------------------------------------

WINDOW_END_KIND = "walks.window_end"
WINDOW_END_ORG_KIND = "walks.window_end_org"
SUMMARY_KIND = "walks.summary_draft"  # rendered by bot.app.walks.summaries


async def schedule_window_notices(
    session: AsyncSession, plan: StoredWalkPlan, now: datetime
) -> int:
    """For each window still to end: a notice to each of the team's managers (and the tutors'
    line managers), and one org-wide list per quality-team member for that day. Keys are
    deterministic, so re-saving a plan replaces its notices instead of adding more."""
    directory = Directory(session)
    schedule = Schedule(session)
    await schedule.cancel_prefix(plan.org_id, f"walks-end:{plan.id}:", now)
    org, team_pk = plan.org_id, plan.team_pk
    managers = set(await directory.holder_ids(org, Role.LINE_MANAGER, team_pk=team_pk))
    tutors = await directory.team_tutors(org, team_pk)
    for ids in (await directory.line_manager_ids(tutors)).values():
        managers |= ids
    quality = [p.id for p in await directory.holders(org, *QUALITY_TEAM)]
    count = 0
    for window in plan.to_domain().windows:
        due = window.notice_due().astimezone(UTC)
        if due <= now:
            continue
        payload = {"plan_id": plan.id, "start": window.start.isoformat()}
        for person_id in sorted(managers):
            key = f"walks-end:{plan.id}:{window.start.isoformat()}:{person_id}"
            await schedule.put(
                plan.org_id, key, WINDOW_END_KIND, due, now, person_id=person_id, payload=payload
            )
            count += 1
        for person_id in quality:
            # The termly summary drafted for them to edit (issue 16): sent to nobody else.
            await schedule.put(
                plan.org_id,
                f"walks-summary:{window.end.isoformat()}:{person_id}",
                SUMMARY_KIND,
                due,
                now,
                person_id=person_id,
                payload={"day": window.end.isoformat()},
            )
            key = f"walks-end-org:{window.end.isoformat()}:{person_id}"
            await schedule.put(
                plan.org_id,
                key,
                WINDOW_END_ORG_KIND,
                due,
                now,
                person_id=person_id,
                payload={"day": window.end.isoformat()},
            )
            count += 1
    return count


async def notify_todays_overseers(session: AsyncSession, org_id: str, now: datetime) -> int:
    """Who hears at a window's end may have grown since its plan was saved (a line manager or
    quality-team role given, a tutor list naming new line managers): every plan with a window
    still to end has its notices scheduled again, for whoever they are now ("I'll tell the
    managers" was said to the planner). Those already scheduled stay as they are; each
    notice still checks its reader when it is sent. Returns how many are scheduled."""
    plans = await session.scalars(
        select(StoredWalkPlan)
        .join(StoredWalkWindow, StoredWalkWindow.plan_id == StoredWalkPlan.id)
        .where(StoredWalkPlan.org_id == org_id, StoredWalkWindow.ends_on >= now.date())
        .order_by(StoredWalkPlan.id)
    )
    return sum([await schedule_window_notices(session, p, now) for p in plans.unique().all()])


async def after_roles_given(
    session: AsyncSession, org_id: str, roles: Iterable[Role], now: datetime
) -> None:
    """Roles were given: a line manager or quality-team member hears at windows' ends from
    now on (`notify_todays_overseers`)."""
    if any(role is Role.LINE_MANAGER or role in QUALITY_TEAM for role in roles):
        await notify_todays_overseers(session, org_id, now)


async def _outstanding(
    session: AsyncSession,
    plan: StoredWalkPlan,
    window: WalkWindow,
    only: frozenset[int] | None = None,
) -> OutstandingTeam | None:
    """The team's tutors still to walk in `window`; with `only`, just those tutors."""
    team = await WalkStore(session).team(plan.org_id, plan.team_pk)
    term = term_for(window.start, await org_settings(session, plan.org_id))
    if team is None or term is None:
        return None
    _, rows = await team_completion(session, plan.org_id, team, term)
    left = [r for r in outstanding_in(rows, window) if only is None or r.tutor.id in only]
    if not left:
        return None
    return OutstandingTeam(
        team.id, team.name, window.label, plan.focus, [r.tutor.name for r in left]
    )


async def _team_walks_read(
    session: AsyncSession, plan: StoredWalkPlan, person_id: int
) -> frozenset[int] | None:
    """Whose walks in the team this person still reads, as a walk's own access check
    (`walk_access`) counts them: everyone's (None) for a channel reader (a manager or quality
    staff member in the team); for a line manager from outside the team, only their own
    tutors'. Asked when the notice is sent, not only when it was scheduled: someone who has
    since left the team, or stopped managing its tutors, hears nothing of it (an empty set)."""
    directory = Directory(session)
    org, team_pk = plan.org_id, plan.team_pk
    if person_id in await directory.holder_ids(org, *CHANNEL_READERS, team_pk=team_pk):
        return None
    tutors = await directory.team_tutors(org, team_pk)
    managers = await directory.line_manager_ids(tutors) if tutors else {}
    return frozenset(tutor for tutor, ids in managers.items() if person_id in ids)


async def render_window_end(ctx: NoticeContext) -> Message | None:
    """To a manager on a window's last day: whose walks are outstanding (None if nobody's). A
    tutor's line manager from outside the team hears only of their own tutors."""
    session = ctx.uow.session
    actor = await actor_for(session, ctx.item.person_id)
    plan = await session.get(StoredWalkPlan, as_int(ctx.payload.get("plan_id")) or 0)
    if actor is None or plan is None or not can(actor, Permission.VIEW_WALK_COMPLETION):
        return None
    only = await _team_walks_read(session, plan, actor.person_id)
    if only is not None and not only:
        return None
    start = str(ctx.payload.get("start"))
    window = next((w for w in plan.to_domain().windows if w.start.isoformat() == start), None)
    if window is None:
        return None
    team = await _outstanding(session, plan, window, only)
    return Message(card=window_end_card(team)) if team is not None else None


async def render_window_end_org(ctx: NoticeContext) -> Message | None:
    """To the quality team: every team's outstanding walks for the windows ending that day."""
    session = ctx.uow.session
    day = await quality_notice_day(ctx)
    if day is None:
        return None
    plans = await session.scalars(
        select(StoredWalkPlan)
        .join(StoredWalkWindow, StoredWalkWindow.plan_id == StoredWalkPlan.id)
        .where(StoredWalkPlan.org_id == ctx.item.org_id, StoredWalkWindow.ends_on == day)
        .order_by(StoredWalkPlan.team_pk)
    )
    teams = []
    for plan in plans.unique().all():
        for window in plan.to_domain().windows:
            if window.end == day:
                team = await _outstanding(session, plan, window)
                if team is not None:
                    teams.append(team)
    if not teams:
        return None
    return Message(card=window_end_quality_card(short_day(day), teams))
