"""`walk` and `walks`: learning walks on the HA27 (SPEC section 1, seed 002).

Managers log a walk from a phone on the HA27 card; it is saved under the team and channel it was
logged in (or the team chosen in a 1:1 chat), readable by the quality team, the team's managers
and the author; the tutors visited see the feedback, never the concern note. Plans set each
term's focus, window(s) and walkers; at each window's end managers hear what is outstanding.

Privacy in shared conversations: a card posted in a channel is seen by everyone in it, so what a
walk says is only ever shown privately: in a 1:1 chat, or as the response to the reader's own
Action.Execute (Teams shows that to the person who pressed the button). Otherwise the bot sends
it to the reader's 1:1 chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.app.notices import NoticeContext, NoticeKind
from bot.app.router import CardAction, Command
from bot.app.turn import Message, OutgoingFile, Reply
from bot.app.walk_documents import (
    DOCX,
    HA27,
    PNG,
    XLSX,
    TutorRow,
    WalkRow,
    findings_chart_png,
    ha27_docx,
    walks_xlsx,
)
from bot.clock import london
from bot.domain.access import Actor, Permission, Subject, can
from bot.domain.terms import Term, academic_year_of, current_or_next_term, term_for, terms_for
from bot.domain.walks import (
    MINUTE_CHOICES,
    LearningWalk,
    PlanProblem,
    WalkPlan,
    WalkStatus,
    WalkWindow,
    another_date,
    check_windows,
    completion,
    key_findings,
    month_start,
    monthly_return,
    outstanding_in,
    parse_day,
    parse_plan_csv,
    resolve_term,
    theme_label,
    themes,
)
from cards.walks import (
    ClashWarning,
    CompletionLine,
    CompletionView,
    DraftLine,
    FindingsGroup,
    MyWalkLine,
    OutstandingTeam,
    PlanFormView,
    PlanImportView,
    PlanSavedView,
    ReturnView,
    SummaryView,
    TeamCount,
    WalkFormView,
    WalkNoticeView,
    WalkSummaryView,
    key_findings_card,
    monthly_return_card,
    my_walks_card,
    walk_completion_card,
    walk_draft_saved_card,
    walk_form_card,
    walk_overview_card,
    walk_plan_card,
    walk_plan_import_card,
    walk_plan_saved_card,
    walk_saved_notice_card,
    walk_summary_card,
    walk_team_picker_card,
    window_end_card,
    window_end_quality_card,
)
from storage.models import Organisation, Person, Team
from storage.people import Directory
from storage.reminders import Schedule
from storage.walks import (
    DRAFT,
    SAVED,
    StoredWalk,
    StoredWalkPlan,
    StoredWalkWindow,
    WalkStore,
    as_values,
    tutor_on_list,
    walk_facts,
)

MAX_TUTOR_CHOICES = 150
MAX_CSV_BYTES = 2_000_000
NOT_A_WALKER = (
    "Sorry, learning walks are recorded by managers, observers and the quality team. "
    "Ask your TLC admin if you should be one of them."
)
NOT_ALLOWED = "Sorry, that learning walk isn't yours to see."
QUALITY_ONLY = "Sorry, that is for the quality team."
PRIVATE_ONLY = "I only share that in our 1:1 chat: say it to me there."
GONE = "That learning walk is no longer there."

# --- The OTLA calendar: wired to observations when they land -----------------------------------

OtlaCalendar = Callable[
    [AsyncSession, str, Sequence[int], date], Awaitable[Mapping[int, Sequence[date]]]
]
_otla_calendars: list[OtlaCalendar] = []


def register_otla_calendar(calendar: OtlaCalendar) -> Callable[[], None]:
    """Plug in where planned OTLA dates come from (the observations capability registers its
    table here when it lands). Returns a function that unregisters it."""
    _otla_calendars.append(calendar)

    def unregister() -> None:
        if calendar in _otla_calendars:
            _otla_calendars.remove(calendar)

    return unregister


async def planned_otla_dates(
    session: AsyncSession, org_id: str, tutor_ids: Sequence[int], day: date
) -> dict[int, list[date]]:
    """Planned OTLA dates for these tutors around `day`, from every registered calendar.

    Wired to observations when they land; until then no calendar is registered and nobody has
    an OTLA planned, so no walk clashes.
    """
    out: dict[int, list[date]] = {}
    for calendar in list(_otla_calendars):
        for tutor_id, days in (await calendar(session, org_id, tutor_ids, day)).items():
            out.setdefault(tutor_id, []).extend(days)
    return out


# --- Small shared pieces -----------------------------------------------------------------------


def _today(ctx: HandlerContext) -> date:
    return london(ctx.services.clock.now()).date()


def _day_label(day: date | None) -> str:
    return f"{day:%a %-d %b %Y}" if day else "no date yet"


def _short_day(day: date) -> str:
    return f"{day:%a %-d %b}"


def _private(ctx: HandlerContext) -> bool:
    """Is a card we answer with seen only by the person asking?"""
    return ctx.turn.where.kind == "personal" or ctx.turn.via_invoke


async def _settings(session: AsyncSession, org_id: str) -> dict[str, Any]:
    org = await session.get(Organisation, org_id)
    return dict(org.settings or {}) if org is not None else {}


async def _me(ctx: HandlerContext) -> Person:
    """The person asking, loaded again if a rolled-back form submission expired them."""
    me = await ctx.uow.session.get(Person, ctx.actor.person_id)
    assert me is not None
    return me


def _store(ctx: HandlerContext) -> WalkStore:
    return WalkStore(ctx.uow.session)


async def _channel_team(ctx: HandlerContext) -> Team | None:
    if not ctx.turn.where.team_id:
        return None
    return await ctx.uow.session.scalar(
        select(Team).where(Team.org_id == ctx.turn.org_id, Team.team_id == ctx.turn.where.team_id)
    )


async def _my_teams(ctx: HandlerContext) -> Sequence[Team]:
    """Teams this person logs walks for: the quality team any; others the teams they are in."""
    store = _store(ctx)
    if ctx.actor.in_quality_team:
        return await store.teams(ctx.turn.org_id)
    return await store.teams_of(ctx.actor.person_id)


async def _may_use_team(ctx: HandlerContext, team_pk: int) -> Team | None:
    team = await _store(ctx).team(ctx.turn.org_id, team_pk)
    if team is None:
        return None
    if ctx.actor.in_quality_team:
        return team
    return team if any(t.id == team.id for t in await _my_teams(ctx)) else None


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# --- Who may read a walk -----------------------------------------------------------------------


@dataclass(frozen=True)
class WalkAccess:
    read: bool
    concern: bool
    edit: bool


async def walk_access(session: AsyncSession, actor: Actor, walk: StoredWalk) -> WalkAccess:
    """Ask `can()` once per tutor visited: a group walk is readable if any tutor's record is,
    its concern note only if every tutor's is (no tutor on the walk ever sees it)."""
    if walk.is_draft:
        mine = actor.person_id == walk.author_id and actor.org_id == walk.org_id
        return WalkAccess(mine, mine, mine)
    store = WalkStore(session)
    readers = {p.id for p in await store.quality_team(walk.org_id)}
    readers |= {p.id for p in await store.team_managers(walk.team_pk)}
    tutors = await Directory(session).people(walk.org_id, walk.tutor_ids)
    managers = await store.line_manager_ids(tutors)
    subjects = [
        Subject(
            org_id=walk.org_id,
            tutor_id=t.id,
            author_id=walk.author_id,
            line_manager_ids=managers.get(t.id, frozenset()),
            channel_readers=frozenset(readers),
        )
        for t in tutors
    ] or [Subject(org_id=walk.org_id, author_id=walk.author_id, channel_readers=frozenset(readers))]
    return WalkAccess(
        read=any(can(actor, Permission.READ_WALK, s) for s in subjects),
        concern=all(can(actor, Permission.READ_WALK_CONCERN, s) for s in subjects),
        edit=can(actor, Permission.EDIT_WALK, subjects[0]),
    )


async def _names(session: AsyncSession, org_id: str, ids: Sequence[int]) -> dict[int, str]:
    people = await Directory(session).people(org_id, ids)
    return {p.id: p.name or p.email or f"#{p.id}" for p in people}


async def summary_view(
    session: AsyncSession, actor: Actor, walk: StoredWalk, access: WalkAccess, heading: str
) -> WalkSummaryView:
    store = WalkStore(session)
    team = await store.team(walk.org_id, walk.team_pk)
    names = await _names(session, walk.org_id, walk.tutor_ids)
    if actor.person_id in walk.tutor_ids:
        others = len(walk.tutor_ids) - 1
        tutors = "You" + (f" and {others} other tutor{'s' if others > 1 else ''}" if others else "")
    else:
        tutors = ", ".join(names[t] for t in walk.tutor_ids if t in names)
    return WalkSummaryView(
        walk_id=walk.id,
        team_name=team.name if team else "",
        tutors=tutors,
        day=_day_label(walk.walk_date),
        course=walk.course,
        minutes=str(walk.minutes or ""),
        focus=walk.focus,
        went_well=[theme_label(t) for t in walk.went_well or ()],
        went_well_note=walk.went_well_note,
        even_better_if=[theme_label(t) for t in walk.even_better_if or ()],
        even_better_if_note=walk.even_better_if_note,
        verbal_feedback=_yes_no(walk.verbal_feedback),
        unplanned=walk.unplanned,
        concern=walk.concern,
        concern_note=walk.concern_note if access.concern else None,
        can_edit=access.edit,
        can_export=access.read and actor.person_id not in walk.tutor_ids,
        heading=heading,
        readers_note=(
            "Your feedback from this walk."
            if actor.person_id in walk.tutor_ids
            else "Only the quality team, the team's managers and the author can read it."
        ),
    )


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("Yes" if value else "No")


# --- The HA27 form -----------------------------------------------------------------------------


def _ids(value: object) -> list[int]:
    if isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        parts = str(value or "").replace(";", ",").split(",")
    out = []
    for part in parts:
        part = part.strip()
        if part:
            if not part.isdigit():
                raise ValueError("Pick from the list")
            out.append(int(part))
    return list(dict.fromkeys(out))


def _theme_keys(value: object) -> list[str]:
    keys = [k.strip() for k in (value if isinstance(value, list) else str(value or "").split(","))]
    keys = [k for k in keys if k]
    unknown = [k for k in keys if k not in themes()]
    if unknown:
        raise ValueError("Pick themes from the list")
    return list(dict.fromkeys(keys))


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("true", "yes", "1", "on")


def _required_text(value: object, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValueError(message)
    return text


class LearningWalkForm(BaseModel):
    """The HA27 as submitted. Field names are the card's input ids."""

    team_pk: int
    channel: str | None = None
    walk_id: int | None = None
    tutors: list[int]
    walk_date: date
    course: str = Field(max_length=200)
    minutes: int = Field(ge=5, le=240)
    focus: str = Field(max_length=300)
    went_well: list[str] = Field(default_factory=list)
    went_well_note: str = Field(default="", max_length=2000, validate_default=True)
    even_better_if: list[str] = Field(default_factory=list)
    even_better_if_note: str = Field(default="", max_length=2000, validate_default=True)
    verbal_feedback: bool
    concern: bool = False
    concern_note: str = Field(default="", max_length=2000, validate_default=True)
    confirm_clash: bool = False
    use_date: date | None = None

    @field_validator("tutors", mode="before")
    @classmethod
    def _tutors(cls, value: object) -> list[int]:
        ids = _ids(value)
        if not ids:
            raise ValueError("Choose at least one tutor")
        return ids

    @field_validator("walk_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_day(_required_text(value, "Give the date of the walk"))
        return value

    @field_validator("use_date", mode="before")
    @classmethod
    def _other_date(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_day(value) if value.strip() else None
        return value

    @field_validator("course", mode="before")
    @classmethod
    def _course(cls, value: object) -> str:
        return _required_text(value, "Give the course or session")

    @field_validator("focus", mode="before")
    @classmethod
    def _focus(cls, value: object) -> str:
        return _required_text(value, "Give the focus of the walk")

    @field_validator("minutes", mode="before")
    @classmethod
    def _minutes(cls, value: object) -> object:
        if isinstance(value, str):
            return _required_text(value, "Choose how many minutes")
        return value

    @field_validator("went_well", "even_better_if", mode="before")
    @classmethod
    def _themes(cls, value: object) -> list[str]:
        return _theme_keys(value)

    @field_validator("verbal_feedback", mode="before")
    @classmethod
    def _verbal(cls, value: object) -> bool:
        if isinstance(value, bool):
            return value
        answer = str(value or "").strip().lower()
        if answer not in ("yes", "no", "true", "false"):
            raise ValueError("Say whether you gave verbal feedback")
        return answer in ("yes", "true")

    @field_validator("concern", "confirm_clash", mode="before")
    @classmethod
    def _bool(cls, value: object) -> bool:
        return _flag(value)

    @field_validator("went_well_note", "even_better_if_note", "concern_note", mode="before")
    @classmethod
    def _strip(cls, value: object) -> str:
        return str(value or "").strip()

    @field_validator("went_well_note")
    @classmethod
    def _went_well_given(cls, value: str, info: ValidationInfo) -> str:
        if not value and not info.data.get("went_well"):
            raise ValueError("Pick a theme or write what went well")
        return value

    @field_validator("even_better_if_note")
    @classmethod
    def _ebi_given(cls, value: str, info: ValidationInfo) -> str:
        if not value and not info.data.get("even_better_if"):
            raise ValueError("Pick a theme or write what would make it even better")
        return value

    @field_validator("concern_note")
    @classmethod
    def _concern_note(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("concern") and not value:
            raise ValueError("Write the note for the manager (the tutor never sees it)")
        return value


async def _tutor_choices(
    store: WalkStore, org_id: str, team_pk: int, selected: Sequence[int]
) -> list[tuple[str, str]]:
    """The team roster's tutors first, then the rest of the tutor list (and anyone already
    picked), capped so the card stays small."""
    people: dict[int, Person] = {p.id: p for p in await store.team_tutors(team_pk)}
    for p in await store.tutor_list(org_id, MAX_TUTOR_CHOICES):
        if len(people) >= MAX_TUTOR_CHOICES:
            break
        people.setdefault(p.id, p)
    missing = [i for i in selected if i not in people]
    if missing:
        for p in await Directory(store.session).people(org_id, missing):
            people[p.id] = p
    return [(_tutor_label(p), str(p.id)) for p in people.values()]


def _tutor_label(p: Person) -> str:
    name = p.name or p.email or f"#{p.id}"
    return f"{name} (LiL)" if p.learning_in_libraries else name


async def _plan_for(
    store: WalkStore, session: AsyncSession, org_id: str, team_pk: int, day: date
) -> tuple[Term | None, StoredWalkPlan | None]:
    term = term_for(day, await _settings(session, org_id))
    if term is None:
        return None, None
    return term, await store.plan(team_pk, term.key)


async def _form_view(
    session: AsyncSession,
    org_id: str,
    person_id: int,
    today: date,
    team: Team,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    walk: StoredWalk | None = None,
    clash: ClashWarning | None = None,
    channel: str | None = None,
) -> WalkFormView:
    store = WalkStore(session)
    shown = {k: _text(v) for k, v in (values or {}).items()}
    selected = _ids_or_empty(shown.get("tutors", ""))
    _, plan = await _plan_for(store, session, org_id, team.id, today)
    drafts: list[DraftLine] = []
    if walk is None:
        for d in (await store.drafts(org_id, person_id))[:2]:
            drafts.append(DraftLine(d.id, _short_day(london(d.updated_at).date())))
    heading = "Learning walk (HA27)"
    note = None
    if walk is not None and walk.state == SAVED:
        heading, note = "Edit learning walk", "Saving replaces the walk you saved before."
    elif walk is not None:
        note = "Your draft. Save it when it's complete."
    return WalkFormView(
        team_pk=team.id,
        team_name=team.name or "Team",
        tutors=await _tutor_choices(store, org_id, team.id, selected),
        themes=[(label, key) for key, label in themes().items()],
        minutes=[(str(m), str(m)) for m in MINUTE_CHOICES],
        today=today.isoformat(),
        focus_default=plan.focus if plan is not None else "",
        channel=channel,
        walk_id=walk.id if walk is not None else None,
        values=shown,
        errors=dict(errors or {}),
        drafts=drafts,
        clash=clash,
        heading=heading,
        note=note,
    )


async def _form(
    ctx: HandlerContext,
    team: Team,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    walk: StoredWalk | None = None,
    clash: ClashWarning | None = None,
    channel: str | None = None,
) -> WalkFormView:
    return await _form_view(
        ctx.uow.session,
        ctx.turn.org_id,
        ctx.actor.person_id,
        _today(ctx),
        team,
        values=values,
        errors=errors,
        walk=walk,
        clash=clash,
        channel=channel,
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _ids_or_empty(value: str) -> list[int]:
    try:
        return _ids(value)
    except ValueError:
        return []


async def _walk_channel(ctx: HandlerContext, team: Team) -> str | None:
    """The channel a walk is stored under: this one in a channel; from a 1:1 chat, the channel
    the team's plan was made in, else the team's General channel (whose id is the team's)."""
    if ctx.turn.where.kind == "channel" and ctx.turn.where.team_id == team.team_id:
        return ctx.turn.where.teams_channel_id
    _, plan = await _plan_for(_store(ctx), ctx.uow.session, ctx.turn.org_id, team.id, _today(ctx))
    if plan is not None and plan.teams_channel_id:
        return plan.teams_channel_id
    return team.team_id


# --- `walk` -----------------------------------------------------------------------------------


async def walk(ctx: HandlerContext) -> Reply:
    """Log a learning walk on the HA27.

    Usage: walk
    Usage: walk show 12
    Usage: walk export 12 (the HA27 as a Word document)
    Usage: walk plan (plan this term's walks for a team)
    Usage: walk plan import (with the plans CSV attached)
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    number = next((_as_int(w) for w in words if w.isdigit()), None)
    if sub == "plan" or (ctx.turn.files and "plan" in words):
        return await plan_command(ctx, words[1:])
    if sub == "export" and number is not None:
        return await _export(ctx, number)
    if sub in ("show", "view", "open") and number is not None or sub.isdigit():
        return await _view(ctx, number if number is not None else int(sub))
    return await _new_walk(ctx)


async def _new_walk(ctx: HandlerContext) -> Reply:
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(NOT_A_WALKER)
    team = await _channel_team(ctx)
    if team is None:
        teams = await _my_teams(ctx)
        if not teams:
            return Reply.text(
                "I don't know your team yet. Mention me in your team's channel once "
                "(`@TLC walk`), then you can log walks from here too."
            )
        if len(teams) > 1:
            return Reply.show(walk_team_picker_card([(t.name or "Team", str(t.id)) for t in teams]))
        team = teams[0]
    view = await _form(ctx, team, channel=await _walk_channel(ctx, team))
    return Reply.show(walk_form_card(view))


async def open_walk(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """A card button: the HA27 for a team, or a draft / saved walk to carry on with."""
    walk_id = _as_int(values.get("walk_id"))
    if walk_id is not None:
        return await _edit(ctx, walk_id)
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(NOT_A_WALKER)
    team_pk = _as_int(values.get("team_pk"))
    team = await _may_use_team(ctx, team_pk) if team_pk is not None else None
    if team is None:
        teams = await _my_teams(ctx)
        return Reply.update(
            walk_team_picker_card(
                [(t.name or "Team", str(t.id)) for t in teams], {"team_pk": "Choose a team"}
            )
        )
    view = await _form(ctx, team, channel=await _walk_channel(ctx, team))
    return Reply.update(walk_form_card(view))


async def edit_walk(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    walk_id = _as_int(values.get("walk_id"))
    return await _edit(ctx, walk_id) if walk_id is not None else Reply.text(GONE)


async def _edit(ctx: HandlerContext, walk_id: int) -> Reply:
    row = await _store(ctx).walk(ctx.turn.org_id, walk_id)
    if row is None:
        return Reply.text(GONE)
    access = await walk_access(ctx.uow.session, ctx.actor, row)
    if not access.edit:
        return Reply.text("Sorry, only the person who wrote this learning walk can change it.")
    if not _private(ctx):
        return await _send_privately(ctx, row, "edit")
    team = await _store(ctx).team(ctx.turn.org_id, row.team_pk)
    if team is None:
        return Reply.text(GONE)
    view = await _form(ctx, team, values=as_values(row), walk=row)
    return Reply.update(walk_form_card(view))


async def redisplay_walk(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    """The same HA27, with what was typed and what needs fixing."""
    team = await _may_use_team(ctx, _as_int(values.get("team_pk")) or 0)
    if team is None or not ctx.can(Permission.RECORD_WALK):
        return Reply.text(NOT_A_WALKER)
    if not _private(ctx):
        # Redrawing the card here would show what was typed to the whole conversation.
        return Reply.text("Please check the walk: " + "; ".join(errors.values()))
    row = await _editable(ctx, values)
    view = await _form(
        ctx, team, values=values, errors=errors, walk=row, channel=_text(values.get("channel"))
    )
    return Reply.update(walk_form_card(view))


async def _editable(ctx: HandlerContext, values: Mapping[str, Any]) -> StoredWalk | None:
    walk_id = _as_int(values.get("walk_id"))
    if walk_id is None:
        return None
    row = await _store(ctx).walk(ctx.turn.org_id, walk_id)
    if row is None or row.author_id != ctx.actor.person_id:
        return None
    return row


async def save_walk(ctx: HandlerContext, form: LearningWalkForm) -> Reply:
    """Save the HA27: checks, the same-day OTLA rule, then the team's channel store."""
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(NOT_A_WALKER)
    team = await _may_use_team(ctx, form.team_pk)
    if team is None:
        return Reply.text("Sorry, you can't log walks for that team.")
    values = form.model_dump(mode="json")
    row = None
    if form.walk_id is not None:
        row = await _editable(ctx, values)
        if row is None:
            return Reply.text("Sorry, only the person who wrote this learning walk can change it.")
    day = form.use_date or form.walk_date
    values["walk_date"] = day.isoformat()
    if form.use_date is not None and form.use_date > _today(ctx):
        # Another date offered after a clash, still to come: keep the HA27 as a draft for then.
        return await save_draft(ctx, values)
    errors = await _check_walk(ctx, form, day)
    if errors:
        return await redisplay_walk(ctx, values, errors)
    domain = LearningWalk(
        tutor_ids=tuple(form.tutors),
        day=day,
        author_id=ctx.actor.person_id,
        course=form.course,
        minutes=form.minutes,
        focus=form.focus,
        went_well=tuple(form.went_well),
        went_well_note=form.went_well_note,
        even_better_if=tuple(form.even_better_if),
        even_better_if_note=form.even_better_if_note,
        verbal_feedback=form.verbal_feedback,
        concern=form.concern,
        concern_note=form.concern_note,
    )
    otla = await planned_otla_dates(ctx.uow.session, ctx.turn.org_id, form.tutors, day)
    clashes = domain.clashes_with(otla)
    store = _store(ctx)
    _, plan = await _plan_for(store, ctx.uow.session, ctx.turn.org_id, team.id, day)
    if clashes and not form.confirm_clash:
        window = plan.to_domain().window_on(day) if plan is not None else None
        warning = await _clash_warning(
            ctx, clashes, day, another_date(day, form.tutors, otla, window)
        )
        view = await _form(ctx, team, values=values, walk=row, clash=warning, channel=form.channel)
        return Reply.update(walk_form_card(view)) if _private(ctx) else Reply.text(warning.message)
    now = ctx.services.clock.now()
    if row is None:
        row = store.new_walk(
            ctx.turn.org_id, team.id, await _walk_channel(ctx, team), ctx.actor.person_id, now
        )
    _fill(row, domain)
    row.plan_id = (
        plan.id if plan is not None and not domain.is_unplanned(plan.to_domain()) else None
    )
    row.unplanned = row.plan_id is None
    first_save = row.state != SAVED
    row.state, row.updated_at = SAVED, now
    row.saved_at = row.saved_at or now
    await ctx.uow.session.flush()
    ctx.directory.audit(
        ctx.turn.org_id,
        ctx.actor.person_id,
        f"walk:{row.id}",
        "save" if first_save else "edit",
        f"{len(form.tutors)} tutor(s), {day.isoformat()}",
        now,
    )
    if not _private(ctx):
        author = (await _me(ctx)).name or "You"
        return Reply.update(
            walk_saved_notice_card(
                WalkNoticeView(row.id, team.name, _day_label(day), len(form.tutors), author)
            )
        )
    access = await walk_access(ctx.uow.session, ctx.actor, row)
    heading = "Learning walk saved" if first_save else "Learning walk updated"
    summary = await summary_view(ctx.uow.session, ctx.actor, row, access, heading)
    return Reply.update(walk_summary_card(summary))


async def _check_walk(ctx: HandlerContext, form: LearningWalkForm, day: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if day > _today(ctx):
        errors["walk_date"] = "A learning walk is logged after it happens: pick today or earlier."
    known = await Directory(ctx.uow.session).people(ctx.turn.org_id, form.tutors)
    if len(known) != len(form.tutors):
        errors["tutors"] = "Pick tutors from the list."
    return errors


async def _clash_warning(
    ctx: HandlerContext, clashes: Sequence[int], day: date, other: date | None
) -> ClashWarning:
    names = await _names(ctx.uow.session, ctx.turn.org_id, clashes)
    who = ", ".join(names.get(t, "A tutor") for t in clashes)
    verb = "has" if len(clashes) == 1 else "have"
    message = f"{who} {verb} an OTLA planned on {_short_day(day)}. A learning walk shouldn't fall "
    message += "on the same day: "
    message += f"{_short_day(other)} is free, or save anyway." if other else "pick another date."
    return ClashWarning(
        message=message,
        other_date=other.isoformat() if other else None,
        other_label=_short_day(other) if other else None,
    )


def _fill(row: StoredWalk, walk: LearningWalk) -> None:
    row.set_tutors(walk.tutor_ids)
    row.walk_date = walk.day
    row.course = walk.course
    row.minutes = walk.minutes
    row.focus = walk.focus
    row.went_well = list(walk.went_well)
    row.went_well_note = walk.went_well_note
    row.even_better_if = list(walk.even_better_if)
    row.even_better_if_note = walk.even_better_if_note
    row.verbal_feedback = walk.verbal_feedback
    row.concern = walk.concern
    row.concern_note = walk.concern_note if walk.concern else ""


# --- Drafts -------------------------------------------------------------------------------------


async def save_draft(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """Keep a half-filled HA27 to finish later. Nothing is required in a draft."""
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(NOT_A_WALKER)
    team = await _may_use_team(ctx, _as_int(values.get("team_pk")) or 0)
    if team is None:
        return Reply.text("Sorry, you can't log walks for that team.")
    store = _store(ctx)
    row = await _editable(ctx, values)
    if row is not None and row.state == SAVED:
        return Reply.text("This walk is already saved: press **Save** to keep your changes.")
    now = ctx.services.clock.now()
    if row is None:
        row = store.new_walk(
            ctx.turn.org_id, team.id, await _walk_channel(ctx, team), ctx.actor.person_id, now
        )
    known = await Directory(ctx.uow.session).people(
        ctx.turn.org_id, _ids_or_empty(_text(values.get("tutors")))
    )
    row.set_tutors(p.id for p in known)
    row.walk_date = _day_or_none(values.get("walk_date"))
    row.course = _text(values.get("course")).strip()[:200]
    row.minutes = _as_int(values.get("minutes"))
    row.focus = _text(values.get("focus")).strip()[:300]
    row.went_well = _themes_or_empty(values.get("went_well"))
    row.went_well_note = _text(values.get("went_well_note")).strip()[:2000]
    row.even_better_if = _themes_or_empty(values.get("even_better_if"))
    row.even_better_if_note = _text(values.get("even_better_if_note")).strip()[:2000]
    feedback = _text(values.get("verbal_feedback")).lower()
    row.verbal_feedback = (
        None if feedback not in ("yes", "no", "true", "false") else feedback in ("yes", "true")
    )
    row.concern = _flag(values.get("concern"))
    row.concern_note = _text(values.get("concern_note")).strip()[:2000]
    row.state, row.updated_at = DRAFT, now
    await ctx.uow.session.flush()
    if not _private(ctx):
        return Reply.update(walk_draft_saved_card(row.id, team.name, "your draft"))
    label = _day_label(row.walk_date)
    if row.walk_date is not None and row.walk_date > _today(ctx):
        label += ": finish it after the walk"
    return Reply.update(walk_draft_saved_card(row.id, team.name, label))


def _day_or_none(value: object) -> date | None:
    try:
        return parse_day(_text(value)) if _text(value).strip() else None
    except ValueError:
        return None


def _themes_or_empty(value: object) -> list[str]:
    try:
        return _theme_keys(value)
    except ValueError:
        return []


async def discard_draft(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    row = await _editable(ctx, values)
    if row is None or row.state != DRAFT:
        return Reply.text("There is no draft of yours to discard there.")
    await _store(ctx).discard(row)
    return Reply.text("Draft discarded.")


# --- Reading a walk ------------------------------------------------------------------------------


async def view_walk(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    walk_id = _as_int(values.get("walk_id"))
    return await _view(ctx, walk_id) if walk_id is not None else Reply.text(GONE)


async def _view(ctx: HandlerContext, walk_id: int) -> Reply:
    row = await _store(ctx).walk(ctx.turn.org_id, walk_id)
    if row is None:
        return Reply.text(GONE)
    access = await walk_access(ctx.uow.session, ctx.actor, row)
    if not access.read:
        return Reply.text(NOT_ALLOWED)
    if not _private(ctx):
        return await _send_privately(ctx, row, "view")
    if row.is_draft:
        return await _edit(ctx, row.id)
    view = await summary_view(ctx.uow.session, ctx.actor, row, access, "Learning walk")
    card = walk_summary_card(view)
    return Reply.update(card) if ctx.turn.verb else Reply.show(card)


async def export_walk(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    walk_id = _as_int(values.get("walk_id"))
    return await _export(ctx, walk_id) if walk_id is not None else Reply.text(GONE)


async def _export(ctx: HandlerContext, walk_id: int) -> Reply:
    row = await _store(ctx).walk(ctx.turn.org_id, walk_id)
    if row is None or row.is_draft:
        return Reply.text(GONE)
    access = await walk_access(ctx.uow.session, ctx.actor, row)
    if not access.read or ctx.actor.person_id in row.tutor_ids:
        return Reply.text(NOT_ALLOWED)
    if ctx.turn.where.kind != "personal":
        # Files sent here would reach everyone in the conversation.
        return await _send_privately(ctx, row, "docx")
    file = await _docx_for(ctx.uow.session, row, access)
    return Reply(
        messages=[Message(text=f"The HA27 for walk {row.id}, for the team's files.", files=(file,))]
    )


async def _docx_for(session: AsyncSession, row: StoredWalk, access: WalkAccess) -> OutgoingFile:
    store = WalkStore(session)
    team = await store.team(row.org_id, row.team_pk)
    names = await _names(session, row.org_id, [*row.tutor_ids, row.author_id])
    record = HA27(
        walk_id=row.id,
        team=team.name if team else "",
        tutors=[names.get(t, "") for t in row.tutor_ids],
        observer=names.get(row.author_id, ""),
        day=_day_label(row.walk_date),
        course=row.course,
        minutes=str(row.minutes or ""),
        focus=row.focus,
        planned=not row.unplanned,
        went_well=[theme_label(t) for t in row.went_well or ()],
        went_well_note=row.went_well_note,
        even_better_if=[theme_label(t) for t in row.even_better_if or ()],
        even_better_if_note=row.even_better_if_note,
        verbal_feedback=_yes_no(row.verbal_feedback),
        concern=row.concern,
        concern_note=row.concern_note if access.concern else None,
    )
    data = await asyncio.to_thread(ha27_docx, record)
    day = row.walk_date.isoformat() if row.walk_date else "draft"
    return OutgoingFile(f"HA27-{day}-walk-{row.id}.docx", DOCX, data)


async def _send_privately(ctx: HandlerContext, row: StoredWalk, what: str) -> Reply:
    """Queue the walk for the asker's 1:1 chat, where only they see it (checked again then)."""
    if await ctx.directory.personal_conversation(ctx.actor.person_id) is None:
        return Reply.text(
            "For privacy I only show learning walks in our 1:1 chat. Say hello to me there "
            f"first, then ask again (`walk show {row.id}`)."
        )
    now = ctx.services.clock.now()
    await Schedule(ctx.uow.session).put(
        ctx.turn.org_id,
        f"walk-copy:{row.id}:{what}:{ctx.actor.person_id}",
        COPY_KIND,
        now,
        now,
        person_id=ctx.actor.person_id,
        payload={"walk_id": row.id, "what": what},
    )
    return Reply.text("For privacy I've sent it to our 1:1 chat.")


COPY_KIND = "walks.copy"


async def _actor_for(session: AsyncSession, person_id: int | None) -> Actor | None:
    if person_id is None:
        return None
    person = await session.get(Person, person_id)
    if person is None:
        return None
    return Actor(person.id, person.org_id, await Directory(session).roles(person.id))


async def render_copy(ctx: NoticeContext) -> Message | None:
    """A walk sent to someone's 1:1 chat: their view of it, checked at the time of sending."""
    session = ctx.uow.session
    actor = await _actor_for(session, ctx.item.person_id)
    walk_id = _as_int(ctx.payload.get("walk_id"))
    row = await WalkStore(session).walk(ctx.item.org_id, walk_id) if walk_id else None
    if actor is None or row is None:
        return None
    access = await walk_access(session, actor, row)
    what = ctx.payload.get("what")
    if not access.read or (what == "edit" and not access.edit):
        return None
    if what == "docx":
        if actor.person_id in row.tutor_ids:
            return None
        file = await _docx_for(session, row, access)
        return Message(text=f"The HA27 for walk {row.id}, for the team's files.", files=(file,))
    if what == "edit" or row.is_draft:
        team = await WalkStore(session).team(row.org_id, row.team_pk)
        if team is None:
            return None
        view = await _form_view(
            session,
            row.org_id,
            actor.person_id,
            london(ctx.now).date(),
            team,
            values=as_values(row),
            walk=row,
        )
        return Message(card=walk_form_card(view))
    summary = await summary_view(session, actor, row, access, "Learning walk")
    return Message(card=walk_summary_card(summary))


# --- `walks`: completion, and the quality team's summaries --------------------------------------


async def walks(ctx: HandlerContext) -> Reply:
    """Learning walks done and outstanding for your team (your own feedback, for tutors).

    Usage: walks
    Usage: walks Maths (one team, by name)
    Usage: walks summary [autumn|spring|summer] (key findings, quality team)
    Usage: walks return [2026-11] (provider return count, quality team)
    Usage: walks export [autumn|spring|summer] (a term's walks as a spreadsheet, quality team)
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    if sub in ("summary", "findings"):
        return await _summary(ctx, " ".join(words[1:]))
    if sub == "return":
        return await _return(ctx, " ".join(words[1:]))
    if sub == "export":
        return await _export_term(ctx, " ".join(words[1:]))
    if not ctx.can(Permission.VIEW_WALK_COMPLETION):
        return await _my_walks(ctx)
    team = await _channel_team(ctx)
    if team is None and words:
        wanted = " ".join(words).casefold()
        team = next((t for t in await _my_teams(ctx) if t.name.casefold() == wanted), None)
    if team is not None:
        return Reply.show(walk_completion_card(await _completion_view(ctx, team)))
    teams = await _my_teams(ctx)
    if len(teams) == 1:
        return Reply.show(walk_completion_card(await _completion_view(ctx, teams[0])))
    return await _overview(ctx, teams)


async def team_completion(
    session: AsyncSession, org_id: str, team: Team, term: Term
) -> tuple[StoredWalkPlan | None, list[Any]]:
    """Each tutor on the team's roster: done / outstanding / not expected, for the term."""
    store = WalkStore(session)
    plan = await store.plan(team.id, term.key)
    tutors = [tutor_on_list(p) for p in await store.team_tutors(team.id)]
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


async def _completion_view(ctx: HandlerContext, team: Team) -> CompletionView:
    today = _today(ctx)
    term = current_or_next_term(today, await _settings(ctx.uow.session, ctx.turn.org_id))
    stored, rows = await team_completion(ctx.uow.session, ctx.turn.org_id, team, term)
    plan = stored.to_domain() if stored is not None else None
    window = _current_window(plan, today) if plan is not None else None
    lines = []
    for r in rows:
        if r.status is WalkStatus.DONE:
            detail = ", ".join(_short_day(d) for d in r.walked_on)
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


async def _overview(ctx: HandlerContext, teams: Sequence[Team]) -> Reply:
    term = current_or_next_term(_today(ctx), await _settings(ctx.uow.session, ctx.turn.org_id))
    counts = []
    for team in teams:
        _, rows = await team_completion(ctx.uow.session, ctx.turn.org_id, team, term)
        done = sum(r.status is WalkStatus.DONE for r in rows)
        outstanding = sum(r.status is WalkStatus.OUTSTANDING for r in rows)
        counts.append(TeamCount(team.id, team.name or "Team", done, outstanding))
    return Reply.show(walk_overview_card(term.label, counts))


async def _my_walks(ctx: HandlerContext) -> Reply:
    """A tutor's own learning walks: the feedback addressed to them, never a concern note."""
    if ctx.turn.where.kind != "personal":
        return Reply.text(PRIVATE_ONLY)
    rows = await _store(ctx).for_tutor(ctx.turn.org_id, ctx.actor.person_id)
    lines = []
    for row in rows:
        if not (await walk_access(ctx.uow.session, ctx.actor, row)).read:
            continue
        lines.append(
            MyWalkLine(
                walk_id=row.id,
                day=_day_label(row.walk_date),
                focus=row.focus,
                went_well=_feedback_line(row.went_well, row.went_well_note),
                even_better_if=_feedback_line(row.even_better_if, row.even_better_if_note),
            )
        )
    return Reply.show(my_walks_card((await _me(ctx)).name or "", lines))


def _feedback_line(keys: Sequence[str] | None, note: str) -> str:
    parts = [theme_label(k) for k in keys or ()]
    if note:
        parts.append(note)
    return "; ".join(parts)


# --- Planning ---------------------------------------------------------------------------------


def _term_choices(today: date, settings: Mapping[str, Any]) -> list[Term]:
    terms = terms_for(today, settings) + terms_for(
        date(academic_year_of(today) + 1, 9, 1), settings
    )
    return [t for t in terms if t.end >= today][:4]


class WalkPlanForm(BaseModel):
    """The planning card as submitted."""

    team_pk: int
    term: str
    focus: str = Field(max_length=300)
    linked_to: str = Field(default="", max_length=300)
    window1_start: date | None = None
    window1_end: date | None = None
    window1_course_type: str = Field(default="", max_length=100)
    window2_start: date | None = None
    window2_end: date | None = None
    window2_course_type: str = Field(default="", max_length=100)
    window3_start: date | None = None
    window3_end: date | None = None
    window3_course_type: str = Field(default="", max_length=100)
    walkers: list[int] = Field(default_factory=list)

    @field_validator("team_pk", mode="before")
    @classmethod
    def _team(cls, value: object) -> object:
        return _required_text(value, "Choose a team") if isinstance(value, str) else value

    @field_validator("term", mode="before")
    @classmethod
    def _term(cls, value: object) -> str:
        return _required_text(value, "Choose a term")

    @field_validator("focus", mode="before")
    @classmethod
    def _focus(cls, value: object) -> str:
        return _required_text(value, "Give the focus or theme")

    @field_validator(
        "window1_start",
        "window1_end",
        "window2_start",
        "window2_end",
        "window3_start",
        "window3_end",
        mode="before",
    )
    @classmethod
    def _day(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_day(value) if value.strip() else None
        return value

    @field_validator("walkers", mode="before")
    @classmethod
    def _walkers(cls, value: object) -> list[int]:
        return _ids(value)

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


async def plan_command(ctx: HandlerContext, words: Sequence[str]) -> Reply:
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text("Sorry, learning walks are planned by managers and the quality team.")
    if ctx.turn.files or (words and words[0] == "import"):
        return await _import_plans(ctx)
    team = await _channel_team(ctx)
    values: dict[str, Any] = {"walkers": str(ctx.actor.person_id)}
    if team is not None:
        values["team_pk"] = str(team.id)
    return Reply.show(walk_plan_card(await _plan_view(ctx, values, {})))


async def open_plan(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text("Sorry, learning walks are planned by managers and the quality team.")
    start = {"walkers": str(ctx.actor.person_id), "team_pk": _text(values.get("team_pk"))}
    return Reply.update(walk_plan_card(await _plan_view(ctx, start, {})))


async def _plan_view(
    ctx: HandlerContext, values: Mapping[str, Any], errors: Mapping[str, str]
) -> PlanFormView:
    store = _store(ctx)
    settings = await _settings(ctx.uow.session, ctx.turn.org_id)
    today = _today(ctx)
    terms = _term_choices(today, settings)
    shown = {k: _text(v) for k, v in values.items()}
    shown.setdefault("term", current_or_next_term(today, settings).key)
    me = await _me(ctx)
    walkers: dict[int, Person] = {me.id: me}
    team_pk = _as_int(shown.get("team_pk"))
    if team_pk is not None:
        for p in await store.team_managers(team_pk):
            walkers.setdefault(p.id, p)
    for p in await store.quality_team(ctx.turn.org_id):
        walkers.setdefault(p.id, p)
    for p in await Directory(ctx.uow.session).people(
        ctx.turn.org_id, _ids_or_empty(shown.get("walkers", ""))
    ):
        walkers.setdefault(p.id, p)
    return PlanFormView(
        teams=[(t.name or "Team", str(t.id)) for t in await _my_teams(ctx)],
        terms=[(t.label, t.key) for t in terms],
        walkers=[(p.name or p.email or f"#{p.id}", str(p.id)) for p in walkers.values()],
        values=shown,
        errors=errors,
    )


async def redisplay_plan(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text("Sorry, learning walks are planned by managers and the quality team.")
    return Reply.update(walk_plan_card(await _plan_view(ctx, values, errors)))


async def save_plan(ctx: HandlerContext, form: WalkPlanForm) -> Reply:
    """Save a team's plan for a term and schedule the end-of-window notices."""
    if not ctx.can(Permission.PLAN_WALKS):
        return Reply.text("Sorry, learning walks are planned by managers and the quality team.")
    values = form.model_dump(mode="json")
    team = await _may_use_team(ctx, form.team_pk)
    if team is None:
        return await redisplay_plan(ctx, values, {"team_pk": "Choose one of your teams"})
    settings = await _settings(ctx.uow.session, ctx.turn.org_id)
    term = next((t for t in _term_choices(_today(ctx), settings) if t.key == form.term), None)
    if term is None:
        return await redisplay_plan(ctx, values, {"term": "Choose a term from the list"})
    try:
        windows = form.windows()
        check_windows(windows, term)
    except PlanProblem as problem:
        return await redisplay_plan(ctx, values, {problem.field: str(problem)})
    known = await Directory(ctx.uow.session).people(ctx.turn.org_id, form.walkers)
    plan = WalkPlan(
        term.key, form.focus, form.linked_to.strip(), tuple(windows), frozenset(p.id for p in known)
    )
    now = ctx.services.clock.now()
    channel = ctx.turn.where.teams_channel_id if ctx.turn.where.team_id == team.team_id else None
    row, created = await _store(ctx).save_plan(
        ctx.turn.org_id, team.id, plan, channel=channel, by=ctx.actor.person_id, now=now
    )
    notices = await schedule_window_notices(ctx.uow.session, row, now)
    ctx.directory.audit(
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


async def _import_plans(ctx: HandlerContext) -> Reply:
    """Plans for many teams at once, from the quality team's CSV."""
    csv_files = [
        f for f in ctx.turn.files if f.name.lower().endswith(".csv") or f.file_type == "csv"
    ]
    if not csv_files:
        return Reply.text(
            "Send the plans as a .csv file in this chat with the words **walk plan import**. "
            "Columns: team, term, focus, linked_to, window_start, window_end, course_type, "
            "walkers (emails separated by ;), one row per window."
        )
    raw = await ctx.services.fetch_file(csv_files[0])
    if len(raw) > MAX_CSV_BYTES:
        return Reply.text("That file is too large for a plan (2 MB at most).")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")
    sheet = parse_plan_csv(content)
    problems = list(sheet.problems)
    created = updated = 0
    teams = {t.name.casefold(): t for t in await _my_teams(ctx)}
    settings = await _settings(ctx.uow.session, ctx.turn.org_id)
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
            term = resolve_term(first.row.term, _today(ctx), settings)
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
        row, is_new = await _store(ctx).save_plan(
            ctx.turn.org_id, team.id, plan, channel=None, by=ctx.actor.person_id, now=now
        )
        await schedule_window_notices(ctx.uow.session, row, now)
        created += is_new
        updated += not is_new
    ctx.directory.audit(
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


async def schedule_window_notices(
    session: AsyncSession, plan: StoredWalkPlan, now: datetime
) -> int:
    """For each window still to end: a notice to each of the team's managers (and the tutors'
    line managers), and one org-wide list per quality-team member for that day. Keys are
    deterministic, so re-saving a plan replaces its notices instead of adding more."""
    store = WalkStore(session)
    schedule = Schedule(session)
    await schedule.cancel_prefix(plan.org_id, f"walks-end:{plan.id}:", now)
    managers = {p.id for p in await store.team_managers(plan.team_pk)}
    tutors = await store.team_tutors(plan.team_pk)
    for ids in (await store.line_manager_ids(tutors)).values():
        managers |= ids
    quality = [p.id for p in await store.quality_team(plan.org_id)]
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


async def _outstanding(
    session: AsyncSession, plan: StoredWalkPlan, window: WalkWindow
) -> OutstandingTeam | None:
    team = await WalkStore(session).team(plan.org_id, plan.team_pk)
    term = term_for(window.start, await _settings(session, plan.org_id))
    if team is None or term is None:
        return None
    _, rows = await team_completion(session, plan.org_id, team, term)
    left = outstanding_in(rows, window)
    if not left:
        return None
    return OutstandingTeam(
        team.id, team.name, window.label, plan.focus, [r.tutor.name for r in left]
    )


async def render_window_end(ctx: NoticeContext) -> Message | None:
    """To a manager on a window's last day: whose walks are outstanding (None if nobody's)."""
    session = ctx.uow.session
    actor = await _actor_for(session, ctx.item.person_id)
    plan = await session.get(StoredWalkPlan, _as_int(ctx.payload.get("plan_id")) or 0)
    if actor is None or plan is None or not can(actor, Permission.VIEW_WALK_COMPLETION):
        return None
    start = str(ctx.payload.get("start"))
    window = next((w for w in plan.to_domain().windows if w.start.isoformat() == start), None)
    if window is None:
        return None
    team = await _outstanding(session, plan, window)
    return Message(card=window_end_card(team)) if team is not None else None


async def render_window_end_org(ctx: NoticeContext) -> Message | None:
    """To the quality team: every team's outstanding walks for the windows ending that day."""
    session = ctx.uow.session
    actor = await _actor_for(session, ctx.item.person_id)
    if actor is None or not can(actor, Permission.VIEW_QUALITY_DASHBOARD):
        return None
    day = date.fromisoformat(str(ctx.payload.get("day")))
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
    return Message(card=window_end_quality_card(_short_day(day), teams))


# --- Summaries and exports for the quality team --------------------------------------------------


async def _term_named(ctx: HandlerContext, text: str) -> Term:
    settings = await _settings(ctx.uow.session, ctx.turn.org_id)
    if not text.strip():
        return current_or_next_term(_today(ctx), settings)
    term = resolve_term(text, _today(ctx), settings)
    # "autumn" in the summer means the autumn just gone when asking for a summary.
    past = [t for t in terms_for(_today(ctx), settings) if t.name == term.name]
    return past[0] if past and past[0].start <= _today(ctx) else term


async def _summary(ctx: HandlerContext, text: str) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(QUALITY_ONLY)
    if ctx.turn.where.kind != "personal":
        return Reply.text(PRIVATE_ONLY)
    try:
        term = await _term_named(ctx, text)
    except ValueError as exc:
        return Reply.text(str(exc))
    facts = await _facts(ctx.uow.session, ctx.turn.org_id, term)
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
        chart = OutgoingFile("findings.png", PNG, png).data_url
    view = SummaryView(
        term_label=term.label,
        walks=found.walks,
        strengths=labelled(found.overall.strengths),
        areas=labelled(found.overall.areas),
        by_focus=groups(found.by_focus),
        by_team=groups(found.by_team),
        chart_data_url=chart,
    )
    return Reply.show(key_findings_card(view))


async def _facts(session: AsyncSession, org_id: str, term: Term) -> list[Any]:
    store = WalkStore(session)
    teams = {t.id: t.name for t in await store.teams(org_id)}
    rows = await store.saved_between(org_id, term.start, term.end)
    return [walk_facts(r, teams.get(r.team_pk, "")) for r in rows]


async def _return(ctx: HandlerContext, text: str) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(QUALITY_ONLY)
    today = _today(ctx)
    try:
        month = date.fromisoformat(text.strip() + "-01") if text.strip() else month_start(today)
    except ValueError:
        return Reply.text("Give the month as YYYY-MM, e.g. `walks return 2026-11`.")
    store = WalkStore(ctx.uow.session)
    teams = {t.id: t.name for t in await store.teams(ctx.turn.org_id)}
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    rows = await store.saved_between(ctx.turn.org_id, month, following - timedelta(days=1))
    counted = monthly_return([walk_facts(r, teams.get(r.team_pk, "")) for r in rows], month)
    return Reply.show(
        monthly_return_card(
            ReturnView(
                month_label=f"{month:%B %Y}",
                walks=counted.walks,
                tutors_visited=counted.tutors_visited,
                unplanned=counted.unplanned,
                by_team=counted.by_team,
            )
        )
    )


async def _export_term(ctx: HandlerContext, text: str) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(QUALITY_ONLY)
    if ctx.turn.where.kind != "personal":
        return Reply.text(PRIVATE_ONLY)
    try:
        term = await _term_named(ctx, text)
    except ValueError as exc:
        return Reply.text(str(exc))
    session = ctx.uow.session
    store = WalkStore(session)
    teams = {t.id: t.name for t in await store.teams(ctx.turn.org_id)}
    rows = await store.saved_between(ctx.turn.org_id, term.start, term.end)
    people = await _names(
        session, ctx.turn.org_id, sorted({i for r in rows for i in (*r.tutor_ids, r.author_id)})
    )
    walk_rows = [
        WalkRow(
            walk_id=r.id,
            day=r.walk_date.isoformat() if r.walk_date else "",
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
            verbal_feedback=_yes_no(r.verbal_feedback),
            concern=r.concern,
        )
        for r in rows
    ]
    tutors = await store.tutor_list(ctx.turn.org_id, 100_000)
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
    data = await asyncio.to_thread(walks_xlsx, term.label, walk_rows, tutor_rows)
    name = f"learning-walks-{term.key.replace('/', '-')}.xlsx"
    text_ = f"{len(walk_rows)} learning walks in the {term.label} (concern notes are not included)."
    return Reply(messages=[Message(text=text_, files=(OutgoingFile(name, XLSX, data),))])


# --- The table rows -----------------------------------------------------------------------------

ROWS: list[Command | CardAction] = [
    Command("walk", walk, aliases=("ha27", "learningwalk")),
    Command("walks", walks),
    CardAction("walk.open", open_walk, idempotent=False),
    CardAction("walk.save", save_walk, form=LearningWalkForm, redisplay=redisplay_walk),
    CardAction("walk.draft", save_draft),
    CardAction("walk.discard", discard_draft),
    CardAction("walk.view", view_walk, idempotent=False),
    CardAction("walk.edit", edit_walk, idempotent=False),
    CardAction("walk.export", export_walk, idempotent=False),
    CardAction("walk.plan.open", open_plan, idempotent=False),
    CardAction("walk.plan.save", save_plan, form=WalkPlanForm, redisplay=redisplay_plan),
]

NOTICES: list[NoticeKind] = [
    NoticeKind(COPY_KIND, render_copy, description="A learning walk sent to the reader's 1:1 chat"),
    NoticeKind(
        WINDOW_END_KIND,
        render_window_end,
        description="End of a learning-walk window: outstanding walks, to the team's managers",
    ),
    NoticeKind(
        WINDOW_END_ORG_KIND,
        render_window_end_org,
        description="End of learning-walk windows: every team's outstanding walks, to quality",
    ),
]
