"""`walk` and `walks`: learning walks on the HA27 (SPEC section 1, seed 002).

Managers log a walk from a phone on the HA27 card; it is saved under the team and channel it was
logged in (or the team chosen in a 1:1 chat), readable by the quality team, the team's managers
and the author; its concern note only by the author, the tutor's line manager and the channel's
readers (the team's managers and quality staff); the tutors visited never see it. Plans set each
term's focus, window(s) and walkers; at each window's end managers hear what is outstanding.

Privacy in shared conversations: a card posted in a channel is seen by everyone in it, so what a
walk says is only ever shown privately: in a 1:1 chat, or as the response to the reader's own
Action.Execute (Teams shows that to the person who pressed the button). Otherwise the bot sends
it to the reader's 1:1 chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping, Sequence
from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import documents
from bot.app.context import HandlerContext, with_loaded
from bot.app.events import PlannedObservations
from bot.app.form_fields import (
    as_flag,
    as_int,
    as_text,
    ids_or_empty,
    parse_ids,
    required,
    whole_number,
)
from bot.app.notices import NoticeContext, NoticeKind
from bot.app.refusals import refusal
from bot.app.roster import read_team_roster
from bot.app.router import HELP_ONLY, SHARED, CardAction, Command, private_only
from bot.app.turn import Message, Reply
from bot.app.walks import summaries
from bot.app.walks.access import (
    GONE,
    NOT_ALLOWED,
    WalkAccess,
    actor_for,
    asker,
    channel_team,
    day_label,
    local_today,
    my_teams,
    names_of,
    no_team_yet,
    own_team_for_save,
    plan_for,
    plan_on,
    seen_only_by_asker,
    short_day,
    team_for_save,
    team_for_walks,
    walk_access,
    walk_store,
    yes_no,
)
from bot.app.walks.documents import HA27, ha27_docx
from bot.app.walks.plans import (
    SUMMARY_KIND,
    WINDOW_END_KIND,
    WINDOW_END_ORG_KIND,
    OptionalDay,
    WalkPlanForm,
    open_plan,
    plan_command,
    redisplay_plan,
    render_window_end,
    render_window_end_org,
    save_plan,
    typed_day,
)
from bot.app.walks.reports import (
    completion_view,
    export_term,
    my_walks,
    overview,
    provider_return,
)
from bot.domain.access import Actor, Permission, Role
from bot.domain.local_time import london
from bot.domain.uploads import parse_day
from bot.domain.walks import (
    MINUTE_CHOICES,
    LearningWalk,
    another_date,
    theme_label,
    themes,
)
from cards.walks import (
    ClashWarning,
    DraftLine,
    WalkFormView,
    WalkNoticeView,
    WalkSummaryView,
    walk_completion_card,
    walk_draft_saved_card,
    walk_form_card,
    walk_saved_notice_card,
    walk_summary_card,
    walk_team_picker_card,
)
from storage.models import Organisation, Person, Team
from storage.people import Directory
from storage.walks import (
    DRAFT,
    SAVED,
    StoredWalk,
    WalkStore,
    as_values,
)

MAX_TUTOR_CHOICES = 150
MAX_DAYS_AGO = 366  # a walk is logged soon after it happens
NOT_A_WALKER = (
    "Sorry, learning walks are recorded by managers, observers and the quality team. "
    "Ask your TLC admin if you should be one of them."
)


def not_a_walker(ctx: HandlerContext) -> str:
    """The refusal: an org admin is their own TLC admin, so they hear how to take the role."""
    return refusal(
        ctx,
        NOT_A_WALKER,
        Role.LINE_MANAGER,
        "log walks",
        to_an_admin="Learning walks are recorded by managers, observers and the quality team.",
    )


# --- The OTLA calendar: wired to observations when they land -----------------------------------


async def planned_otla_dates(
    ctx: HandlerContext, tutor_ids: Sequence[int], day: date
) -> dict[int, list[date]]:
    """Planned OTLA dates for these tutors around `day`, as the other capabilities answer it
    (observations does, through the app's event bus); none answering means no clash."""
    out: dict[int, list[date]] = {}
    question = PlannedObservations(ctx.turn.org_id, tuple(tutor_ids), day)
    for answer in await ctx.services.events.ask(ctx.uow.session, question):
        for tutor_id, days in answer.items():
            out.setdefault(tutor_id, []).extend(days)
    return out


# --- What a reader sees of a saved walk ----------------------------------------------------------


class _Answers(TypedDict):
    """A walk's answers on the HA27, as its card and its Word document both show them."""

    day: str
    course: str
    minutes: str
    focus: str
    went_well: list[str]
    went_well_note: str
    even_better_if: list[str]
    even_better_if_note: str
    verbal_feedback: str
    concern: bool
    concern_note: str | None  # None: not for this reader


def _answers(walk: StoredWalk, access: WalkAccess) -> _Answers:
    return _Answers(
        day=day_label(walk.walk_date),
        course=walk.course,
        minutes=str(walk.minutes or ""),
        focus=walk.focus,
        went_well=[theme_label(t) for t in walk.went_well or ()],
        went_well_note=walk.went_well_note,
        even_better_if=[theme_label(t) for t in walk.even_better_if or ()],
        even_better_if_note=walk.even_better_if_note,
        verbal_feedback=yes_no(walk.verbal_feedback),
        concern=walk.concern,
        concern_note=walk.concern_note if access.concern else None,
    )


async def summary_view(
    session: AsyncSession, actor: Actor, walk: StoredWalk, access: WalkAccess, heading: str
) -> WalkSummaryView:
    store = WalkStore(session)
    team = await store.team(walk.org_id, walk.team_pk)
    names = access.tutor_names
    if names is None:
        names = await names_of(session, walk.org_id, walk.tutor_ids)
    if actor.person_id in walk.tutor_ids:
        others = len(walk.tutor_ids) - 1
        tutors = "You" + (f" and {others} other tutor{'s' if others > 1 else ''}" if others else "")
    else:
        tutors = ", ".join(names[t] for t in walk.tutor_ids if t in names)
    return WalkSummaryView(
        walk_id=walk.id,
        team_name=team.name if team else "",
        tutors=tutors,
        **_answers(walk, access),
        unplanned=walk.unplanned,
        can_edit=access.edit,
        can_export=access.read and actor.person_id not in walk.tutor_ids,
        heading=heading,
        readers_note=(
            "Your feedback from this walk."
            if actor.person_id in walk.tutor_ids
            else "Only the quality team, the team's managers and the author can read it; a "
            "concern note only the author, the tutor's line manager, and managers and quality "
            "staff who are members of the team."
        ),
    )


# --- The HA27 form -------------------------------------------------------------------------------


def _theme_keys(value: object) -> list[str]:
    # A list from a hand-made submit may hold anything: a non-text key is an unknown theme.
    keys = [
        str(k).strip() for k in (value if isinstance(value, list) else str(value or "").split(","))
    ]
    keys = [k for k in keys if k]
    unknown = [k for k in keys if k not in themes()]
    if unknown:
        raise ValueError("Pick themes from the list")
    return list(dict.fromkeys(keys))


def _theme_or_note(themes_field: str, message: str) -> Any:
    """A validator for `<themes_field>_note`: a walk names a theme or writes the note (or both)."""

    def given(cls: type[BaseModel], value: str, info: ValidationInfo) -> str:
        if not value and not info.data.get(themes_field):
            raise ValueError(message)
        return value

    return field_validator(f"{themes_field}_note")(given)


class LearningWalkForm(BaseModel):
    """The HA27 as submitted. Field names are the card's input ids."""

    team_pk: int
    channel: str | None = None
    walk_id: int | None = None
    tutors: list[int]
    walk_date: Annotated[date, typed_day("Give the date of the walk")]
    course: Annotated[str, required("Give the course or session")] = Field(max_length=200)
    minutes: Annotated[int, required("Choose how many minutes")]
    focus: Annotated[str, required("Give the focus of the walk")] = Field(max_length=300)
    went_well: list[str] = Field(default_factory=list)
    went_well_note: str = Field(default="", max_length=2000, validate_default=True)
    even_better_if: list[str] = Field(default_factory=list)
    even_better_if_note: str = Field(default="", max_length=2000, validate_default=True)
    verbal_feedback: bool
    concern: bool = False
    concern_note: str = Field(default="", max_length=2000, validate_default=True)
    confirm_clash: bool = False
    use_date: OptionalDay = None

    @field_validator("tutors", mode="before")
    @classmethod
    def _tutors(cls, value: object) -> list[int]:
        ids = parse_ids(value)
        if not ids:
            raise ValueError("Choose at least one tutor")
        return ids

    @field_validator("minutes")
    @classmethod
    def _minutes(cls, value: int) -> int:
        # The card offers a fixed list: anything else came from a forged or stale card.
        if value not in MINUTE_CHOICES:
            raise ValueError("Choose the minutes from the list")
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
        return as_flag(value)

    @field_validator("went_well_note", "even_better_if_note", "concern_note", mode="before")
    @classmethod
    def _strip(cls, value: object) -> str:
        return str(value or "").strip()

    _went_well_given = _theme_or_note("went_well", "Pick a theme or write what went well")
    _ebi_given = _theme_or_note(
        "even_better_if", "Pick a theme or write what would make it even better"
    )

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
    directory = Directory(store.session)
    people: dict[int, Person] = {p.id: p for p in await directory.team_tutors(org_id, team_pk)}
    for p in await directory.tutor_list(org_id, MAX_TUTOR_CHOICES):
        if len(people) >= MAX_TUTOR_CHOICES:
            break
        people.setdefault(p.id, p)
    missing = [i for i in selected if i not in people]
    if missing:
        for p in await directory.people(org_id, missing):
            people[p.id] = p
    return [(_tutor_label(p), str(p.id)) for p in people.values()]


def _tutor_label(p: Person) -> str:
    name = p.name or p.email or f"#{p.id}"
    return f"{name} (LiL)" if p.learning_in_libraries else name


async def _why_no_tutors(
    session: AsyncSession, org_id: str, person_id: int, team: Team
) -> tuple[str, bool]:
    """What an empty tutor picker is missing, who can fix it, and whether the asker can."""
    directory = Directory(session)
    is_admin = Role.ORG_ADMIN in await directory.roles(person_id)
    members = await WalkStore(session).team_member_count(team.id)
    name = team.name or "this team"
    if members <= 1:
        missing = f"TLC doesn't know who is in {name} yet, and the tutor list is empty. "
    else:
        missing = (
            f"TLC knows {members} people in {name}, but none of them is on the tutor list "
            "(and the list is empty). "
        )
    if is_admin:
        return missing + "Load the tutor list, or use this team's members as tutors:", True
    admins = [p.name or p.email or "" for p in await directory.holders(org_id, Role.ORG_ADMIN)]
    admins = [a for a in admins if a][:3]
    who = (
        f"Ask an org admin ({', '.join(admins)}) to load the tutor list, or to use this "
        "team's members as tutors (**admin**)."
        if admins
        else "Nobody is an org admin yet: whoever adds TLC to a team becomes one, and can then "
        "load the tutor list (**admin**)."
    )
    return missing + who, False


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
    note: str | None = None,
) -> WalkFormView:
    store = WalkStore(session)
    shown = {k: as_text(v) for k, v in (values or {}).items()}
    selected = ids_or_empty(shown.get("tutors", ""))
    plan = await plan_for(session, org_id, team.id, today)
    drafts: list[DraftLine] = []
    if walk is None:
        for d in (await store.drafts(org_id, person_id))[:2]:
            drafts.append(DraftLine(d.id, short_day(london(d.updated_at).date())))
    heading = "Learning walk (HA27)"
    if walk is not None and walk.state == SAVED:
        heading, note = "Edit learning walk", "Saving replaces the walk you saved before."
    elif walk is not None:
        note = "Your draft. Save it when it's complete."
    tutors = await _tutor_choices(store, org_id, team.id, selected)
    no_tutors, fix_tutors = (
        (None, False) if tutors else await _why_no_tutors(session, org_id, person_id, team)
    )
    return WalkFormView(
        team_pk=team.id,
        team_name=team.name or "Team",
        tutors=tutors,
        no_tutors=no_tutors,
        fix_tutors=fix_tutors,
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


def _form(ctx: HandlerContext) -> partial[Coroutine[Any, Any, WalkFormView]]:
    """`_form_view` for the asker, today: given the team (and what to show)."""
    session, org_id, person_id = ctx.uow.session, ctx.turn.org_id, ctx.actor.person_id
    return partial(_form_view, session, org_id, person_id, local_today(ctx))


async def _walk_channel(
    ctx: HandlerContext, team: Team, settings: Mapping[str, Any] | None = None
) -> str | None:
    """The channel a walk is stored under: this one in a channel; from a 1:1 chat, the channel
    the team's plan was made in, else the team's General channel (whose id is the team's)."""
    if ctx.turn.where.kind == "channel" and ctx.turn.where.team_id == team.team_id:
        return ctx.turn.where.teams_channel_id
    today = local_today(ctx)
    plan = await plan_for(ctx.uow.session, ctx.turn.org_id, team.id, today, settings)
    if plan is not None and plan.teams_channel_id:
        return plan.teams_channel_id
    return team.team_id


# --- `walk` --------------------------------------------------------------------------------------


async def walk(ctx: HandlerContext) -> Reply:
    """Log a learning walk on the HA27.

    Usage: walk
    Usage: walk show 12
    Usage: walk export 12 (the HA27 as a Word document)
    Usage: walk plan (plan this term's walks for a team)
    Usage: walk plan import (with the plans attached as a CSV or Excel file)
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    number = next((n for w in words if (n := whole_number(w)) is not None), None)
    if sub == "plan" or (ctx.turn.files and "plan" in words):
        return await plan_command(ctx, words[1:])
    if sub == "export" and number is not None:
        return await export_walk(ctx, {"walk_id": number})
    if number is not None and (sub in ("show", "view", "open") or whole_number(sub) is not None):
        return await view_walk(ctx, {"walk_id": number})
    return await _new_walk(ctx)


async def _new_walk(ctx: HandlerContext) -> Reply:
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(not_a_walker(ctx))
    team = await channel_team(ctx)
    if team is None:
        teams = await my_teams(ctx)
        if not teams:
            return Reply.text(await no_team_yet(ctx, "then you can log walks from here too"))
        if len(teams) > 1:
            return Reply.show(walk_team_picker_card([(t.name or "Team", str(t.id)) for t in teams]))
        team = teams[0]
    await read_team_roster(ctx, team)
    view = await _form(ctx)(team, channel=await _walk_channel(ctx, team))
    return Reply.show(walk_form_card(view))


async def open_walk(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """A card button: the HA27 for a team, or a draft / saved walk to carry on with."""
    if as_int(values.get("walk_id")) is not None:
        return await edit_walk(ctx, values)
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(not_a_walker(ctx))
    team_pk = as_int(values.get("team_pk"))
    team = await team_for_walks(ctx, team_pk) if team_pk is not None else None
    if team is None:
        teams = await my_teams(ctx)
        return Reply.update(
            walk_team_picker_card(
                [(t.name or "Team", str(t.id)) for t in teams], {"team_pk": "Choose a team"}
            )
        )
    await read_team_roster(ctx, team)
    view = await _form(ctx)(team, channel=await _walk_channel(ctx, team))
    return Reply.update(walk_form_card(view))


_Found = tuple[StoredWalk, WalkAccess]


async def _walk_for_asker(ctx: HandlerContext, values: Mapping[str, Any]) -> _Found | Reply:
    """The walk a button (or `walk show 12`) is about, in this organisation, and what the asker
    may do with it; "gone" if it is not there."""
    walk_id = as_int(values.get("walk_id"))
    row = await walk_store(ctx).walk(ctx.turn.org_id, walk_id) if walk_id is not None else None
    if row is None:
        return Reply.text(GONE)
    return row, await walk_access(ctx.uow.session, ctx.actor, row)


async def _edit(ctx: HandlerContext, values: Mapping[str, Any], found: _Found) -> Reply:
    row, access = found
    if not access.edit:
        return Reply.text("Sorry, only the person who wrote this learning walk can change it.")
    if not seen_only_by_asker(ctx):
        return await _send_privately(ctx, row, "edit")
    team = await walk_store(ctx).team(ctx.turn.org_id, row.team_pk)
    if team is None:
        return Reply.text(GONE)
    view = await _form(ctx)(team, values=as_values(row), walk=row)
    return Reply.update(walk_form_card(view))


edit_walk = with_loaded(_walk_for_asker)(_edit)


async def redisplay_walk(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    """The same HA27, with what was typed and what needs fixing."""
    team = await team_for_walks(ctx, as_int(values.get("team_pk")) or 0)
    if team is None or not ctx.can(Permission.RECORD_WALK):
        return Reply.text(not_a_walker(ctx))
    if not seen_only_by_asker(ctx):
        # Redrawing the card here would show what was typed to the whole conversation.
        return Reply.text("Please check the walk: " + "; ".join(errors.values()))
    row = await _editable(ctx, values)
    view = await _form(ctx)(
        team, values=values, errors=errors, walk=row, channel=as_text(values.get("channel"))
    )
    return Reply.update(walk_form_card(view))


async def _editable(ctx: HandlerContext, values: Mapping[str, Any]) -> StoredWalk | None:
    walk_id = as_int(values.get("walk_id"))
    if walk_id is None:
        return None
    row = await walk_store(ctx).walk(ctx.turn.org_id, walk_id)
    if row is None or row.author_id != ctx.actor.person_id:
        return None
    return row


async def save_walk(ctx: HandlerContext, form: LearningWalkForm) -> Reply:
    """Save the HA27: checks, the same-day OTLA rule, then the team's channel store."""
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(not_a_walker(ctx))
    day = form.use_date or form.walk_date
    values = form.model_dump(mode="json")
    values["walk_date"] = day.isoformat()
    if day < local_today(ctx) - timedelta(days=MAX_DAYS_AGO):
        # A year scrolled too far on a phone's date picker: said before anything is read.
        errors = {"walk_date": "Pick the date the walk happened, within the last year."}
        return await redisplay_walk(ctx, values, errors)
    # The team comes with its channel's readers (for `walk_access`) and its plans of the year.
    found = await team_for_save(ctx, form.team_pk, day)
    if found is None:
        return Reply.text("Sorry, you can't log walks for that team.")
    team, settings = found.team, found.settings
    row = None
    if form.walk_id is not None:
        row = await _editable(ctx, values)
        if row is None:
            return await _draft_gone(ctx, form.walk_id, values, team)
        if row.team_pk != team.id:
            # Saved from another team's HA27: the walk keeps its own team, so its readers and
            # its plan are that team's, not the form's (its author may edit it anywhere).
            own = await own_team_for_save(ctx, row, day)
            if own is None:
                return Reply.text("Sorry, you can't log walks for that team.")
            found, team, settings = own, own.team, own.settings
    if form.use_date is not None and form.use_date > local_today(ctx):
        # Another date offered after a clash, still to come: keep the HA27 as a draft for then.
        return await save_draft(ctx, values)
    errors, tutors, line_managers = await _check_walk(ctx, form, day, row)
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
    otla = await planned_otla_dates(ctx, form.tutors, day)
    clashes = domain.clashes_with(otla)
    store = walk_store(ctx)
    plan = await plan_on(ctx.uow.session, found, day)
    if clashes and not form.confirm_clash:
        window = plan.to_domain().window_on(day) if plan is not None else None
        warning = await _clash_warning(
            ctx, clashes, day, another_date(day, form.tutors, otla, window)
        )
        view = await _form(ctx)(team, values=values, walk=row, clash=warning, channel=form.channel)
        return (
            Reply.update(walk_form_card(view))
            if seen_only_by_asker(ctx)
            else Reply.text(warning.message)
        )
    now = ctx.services.clock.now()
    new = row is None
    if row is None:
        # Stored by `insert_walk` below (Core INSERTs), not by an ORM flush.
        row = store.new_walk(
            ctx.turn.org_id,
            team.id,
            await _walk_channel(ctx, team, settings),
            ctx.actor.person_id,
            now,
            add=False,
        )
    _fill(row, domain)
    row.plan_id = (
        plan.id if plan is not None and not domain.is_unplanned(plan.to_domain()) else None
    )
    row.unplanned = row.plan_id is None
    first_save = row.state != SAVED
    row.state, row.updated_at = SAVED, now
    row.saved_at = row.saved_at or now
    # What the answer shows is read before the walk is written: on SQLite a writer holds the
    # one write lock from its first write to its commit, so reads after it make others wait.
    with ctx.uow.session.no_autoflush:
        if seen_only_by_asker(ctx):
            access = await walk_access(
                ctx.uow.session, ctx.actor, row, tutors, line_managers, found.readers
            )
        else:
            author = (await asker(ctx)).name or "You"
    if new:
        await store.insert_walk(row)
    else:
        await ctx.uow.session.flush()
    await ctx.directory.audit(
        ctx.turn.org_id,
        ctx.actor.person_id,
        f"walk:{row.id}",
        "save" if first_save else "edit",
        f"{len(form.tutors)} tutor(s), {day.isoformat()}",
        now,
    )
    if not seen_only_by_asker(ctx):
        return Reply.update(
            walk_saved_notice_card(
                WalkNoticeView(row.id, team.name, day_label(day), len(form.tutors), author)
            )
        )
    heading = "Learning walk saved" if first_save else "Learning walk updated"
    summary = await summary_view(ctx.uow.session, ctx.actor, row, access, heading)
    return Reply.update(walk_summary_card(summary))


DRAFT_GONE = (
    "That draft was discarded (from another card or chat), so nothing is saved yet. What you "
    "typed is below: press **Save** to keep it as a new learning walk."
)


async def _draft_gone(
    ctx: HandlerContext, walk_id: int, values: dict[str, Any], team: Team
) -> Reply:
    """Save pressed on a walk that is not the asker's to change: someone else's walk, or their
    own draft discarded meanwhile (its row is gone). For the latter, what they typed comes back
    on a fresh HA27 (no walk id: Save makes a new walk); nothing is stored until they press it."""
    if await walk_store(ctx).walk(ctx.turn.org_id, walk_id) is not None:
        return Reply.text("Sorry, only the person who wrote this learning walk can change it.")
    if not seen_only_by_asker(ctx):
        # Redrawing the card here would show what was typed to the whole conversation.
        return Reply.text(
            "That draft was discarded, so nothing was saved. Say **walk** to me in our 1:1 "
            "chat to log it as a new learning walk."
        )
    fresh = {k: v for k, v in values.items() if k not in ("walk_id", "use_date", "confirm_clash")}
    view = await _form(ctx)(
        team, values=fresh, channel=as_text(values.get("channel")) or None, note=DRAFT_GONE
    )
    return Reply.update(walk_form_card(view))


async def _check_walk(
    ctx: HandlerContext, form: LearningWalkForm, day: date, row: StoredWalk | None
) -> tuple[dict[str, str], Sequence[Person], dict[int, frozenset[int]]]:
    """Field errors, and the tutors' rows and their line managers' ids, read together (the role
    checks after saving use them). `row`: the walk being edited, if it is one."""
    errors: dict[str, str] = {}
    if day > local_today(ctx):
        errors["walk_date"] = "A learning walk is logged after it happens: pick today or earlier."
    known, managers = await ctx.directory.people_and_line_managers(ctx.turn.org_id, form.tutors)
    if len(known) != len(form.tutors) or not await _pickable(ctx, known, row):
        errors["tutors"] = "Pick tutors from the list."
    return errors, known, managers


async def _pickable(ctx: HandlerContext, people: Sequence[Person], row: StoredWalk | None) -> bool:
    """Whether the tutor picker offers all these people: tutors (`_tutor_choices`), or those
    already on the walk being changed."""
    already = set(row.tutor_ids) if row is not None else set()
    rest = [p for p in people if p.id not in already]
    return len(await ctx.directory.tutors_among(rest)) == len(rest)


async def _clash_warning(
    ctx: HandlerContext, clashes: Sequence[int], day: date, other: date | None
) -> ClashWarning:
    names = await names_of(ctx.uow.session, ctx.turn.org_id, clashes)
    who = ", ".join(names.get(t, "A tutor") for t in clashes)
    verb = "has" if len(clashes) == 1 else "have"
    message = f"{who} {verb} an OTLA planned on {short_day(day)}. A learning walk shouldn't fall "
    message += "on the same day: "
    message += f"{short_day(other)} is free, or save anyway." if other else "pick another date."
    return ClashWarning(
        message=message,
        other_date=other.isoformat() if other else None,
        other_label=short_day(other) if other else None,
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


# --- Drafts --------------------------------------------------------------------------------------


async def save_draft(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """Keep a half-filled HA27 to finish later. Nothing is required in a draft."""
    if not ctx.can(Permission.RECORD_WALK):
        return Reply.text(not_a_walker(ctx))
    team = await team_for_walks(ctx, as_int(values.get("team_pk")) or 0)
    if team is None:
        return Reply.text("Sorry, you can't log walks for that team.")
    store = walk_store(ctx)
    row = await _editable(ctx, values)
    if row is not None and row.state == SAVED:
        return Reply.text("This walk is already saved: press **Save** to keep your changes.")
    now = ctx.services.clock.now()
    if row is None:
        row = store.new_walk(
            ctx.turn.org_id, team.id, await _walk_channel(ctx, team), ctx.actor.person_id, now
        )
    directory = Directory(ctx.uow.session)
    known = await directory.people(ctx.turn.org_id, ids_or_empty(as_text(values.get("tutors"))))
    already = set(row.tutor_ids)
    tutors = await directory.tutors_among(p for p in known if p.id not in already)
    row.set_tutors(p.id for p in known if p.id in tutors or p.id in already)
    row.walk_date = _day_or_none(values.get("walk_date"))
    row.course = as_text(values.get("course")).strip()[:200]
    minutes = as_int(values.get("minutes"))
    row.minutes = minutes if minutes in MINUTE_CHOICES else None
    row.focus = as_text(values.get("focus")).strip()[:300]
    row.went_well = _themes_or_empty(values.get("went_well"))
    row.went_well_note = as_text(values.get("went_well_note")).strip()[:2000]
    row.even_better_if = _themes_or_empty(values.get("even_better_if"))
    row.even_better_if_note = as_text(values.get("even_better_if_note")).strip()[:2000]
    feedback = as_text(values.get("verbal_feedback")).lower()
    row.verbal_feedback = (
        None if feedback not in ("yes", "no", "true", "false") else feedback in ("yes", "true")
    )
    row.concern = as_flag(values.get("concern"))
    row.concern_note = as_text(values.get("concern_note")).strip()[:2000]
    row.state, row.updated_at = DRAFT, now
    await ctx.uow.session.flush()
    if not seen_only_by_asker(ctx):
        return Reply.update(walk_draft_saved_card(row.id, team.name, "your draft"))
    label = day_label(row.walk_date)
    if row.walk_date is not None and row.walk_date > local_today(ctx):
        label += ": finish it after the walk"
    return Reply.update(walk_draft_saved_card(row.id, team.name, label))


def _day_or_none(value: object) -> date | None:
    try:
        return parse_day(as_text(value)) if as_text(value).strip() else None
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
    await walk_store(ctx).discard(row)
    return Reply.text("Draft discarded.")


# --- Reading and exporting a walk ----------------------------------------------------------------


@with_loaded(_walk_for_asker)
async def view_walk(ctx: HandlerContext, values: Mapping[str, Any], found: _Found) -> Reply:
    row, access = found
    if not access.read:
        return Reply.text(NOT_ALLOWED)
    if not seen_only_by_asker(ctx):
        return await _send_privately(ctx, row, "view")
    if row.is_draft:
        return await _edit(ctx, values, found)
    view = await summary_view(ctx.uow.session, ctx.actor, row, access, "Learning walk")
    card = walk_summary_card(view)
    return Reply.update(card) if ctx.turn.verb else Reply.show(card)


@with_loaded(_walk_for_asker)
async def export_walk(ctx: HandlerContext, values: Mapping[str, Any], found: _Found) -> Reply:
    row, access = found
    if row.is_draft:
        return Reply.text(GONE)
    if not access.read or ctx.actor.person_id in row.tutor_ids:
        return Reply.text(NOT_ALLOWED)
    name, data = await _docx_for(ctx.uow.session, row, access)
    # In a channel this goes to the asker's 1:1 chat: a file here would reach everyone.
    sent = await documents.send(
        ctx, name, data, f"The HA27 for walk {row.id}, for the team's files"
    )
    if ctx.turn.verb and ctx.turn.where.kind == "personal":
        # A button on the walk's card: keep the card as it is and offer the file after it.
        view = await summary_view(ctx.uow.session, ctx.actor, row, access, "Learning walk")
        return Reply.update(walk_summary_card(view), *sent.messages)
    return sent


async def _docx_for(
    session: AsyncSession, row: StoredWalk, access: WalkAccess
) -> tuple[str, bytes]:
    """The HA27 as a Word document: (file name, bytes). The concern note only if `access` says."""
    store = WalkStore(session)
    team = await store.team(row.org_id, row.team_pk)
    names = await names_of(session, row.org_id, [*row.tutor_ids, row.author_id])
    record = HA27(
        walk_id=row.id,
        team=team.name if team else "",
        tutors=[names.get(t, "") for t in row.tutor_ids],
        observer=names.get(row.author_id, ""),
        **_answers(row, access),
        planned=not row.unplanned,
        organisation=org.name if (org := await session.get(Organisation, row.org_id)) else "",
    )
    data = await asyncio.to_thread(ha27_docx, record)
    day = row.walk_date.isoformat() if row.walk_date else "draft"
    return f"HA27-{day}-walk-{row.id}.docx", data


async def _send_privately(ctx: HandlerContext, row: StoredWalk, what: str) -> Reply:
    """Queue the walk for the asker's 1:1 chat, where only they see it (checked again then)."""
    if await ctx.directory.personal_conversation(ctx.actor.person_id) is None:
        return Reply.text(
            "For privacy I only show learning walks in our 1:1 chat. Say hello to me there "
            f"first, then ask again (`walk show {row.id}`)."
        )
    now = ctx.services.clock.now()
    key = f"walk-copy:{row.id}:{what}:{ctx.actor.person_id}"
    about = {"walk_id": row.id, "what": what, "name": f"learning walk {row.id}"}
    await documents.to_private_chat(ctx, key, COPY_KIND, now, about)
    return Reply.text("For privacy I've sent it to our 1:1 chat.")


COPY_KIND = "walks.copy"


async def render_copy(ctx: NoticeContext) -> Message | None:
    """A walk sent to someone's 1:1 chat: their view of it, checked at the time of sending."""
    session = ctx.uow.session
    actor = await actor_for(session, ctx.item.person_id)
    walk_id = as_int(ctx.payload.get("walk_id"))
    row = await WalkStore(session).walk(ctx.item.org_id, walk_id) if walk_id else None
    if actor is None or row is None:
        return None
    access = await walk_access(session, actor, row)
    what = ctx.payload.get("what")
    if not access.read or (what == "edit" and not access.edit):
        return None
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


# --- `walks` -------------------------------------------------------------------------------------


async def walks(ctx: HandlerContext) -> Reply:
    """Learning walks done and outstanding for your team (your own feedback, for tutors).

    Usage: walks
    Usage: walks Maths (one team, by name)
    Usage: walks all (a tutor: every walk of yours, not only the latest)
    Usage: walks summary [autumn|spring|summer] (key findings, a summary to edit, quality team)
    Usage: walks pmg [autumn|spring|summer] (a paragraph for your PMG report, managers)
    Usage: walks return [2026-11] (provider return: walks and OTLAs by month, quality team)
    Usage: walks export [autumn|spring|summer] (a term's walks as a spreadsheet, quality team)
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    if sub in ("summary", "findings"):
        return await summaries.summary(ctx, " ".join(words[1:]))
    if sub == "pmg":
        return await summaries.pmg(ctx, " ".join(words[1:]))
    if sub == "return":
        return await provider_return(ctx, " ".join(words[1:]))
    if sub == "export":
        return await export_term(ctx, " ".join(words[1:]))
    if ctx.turn.where.kind != "personal":
        # Who has been walked and who not, or one's own feedback: never in a shared place.
        team_here = await channel_team(ctx)
        return Reply.text(private_only(f"walks {team_here.name}" if team_here else "walks"))
    if not ctx.can(Permission.VIEW_WALK_COMPLETION):
        return await my_walks(ctx, everything=sub == "all")
    team = await channel_team(ctx)
    if team is None and words:
        wanted = " ".join(words).casefold()
        team = next((t for t in await my_teams(ctx) if t.name.casefold() == wanted), None)
    if team is not None:
        return Reply.show(walk_completion_card(await completion_view(ctx, team)))
    teams = await my_teams(ctx)
    if len(teams) == 1:
        return Reply.show(walk_completion_card(await completion_view(ctx, teams[0])))
    return await overview(ctx, teams)


# --- The table rows ------------------------------------------------------------------------------

ROWS: tuple[Command | CardAction, ...] = (
    # Stored: `walk plan import` saves plans, so a Teams retry of the same message runs
    # nothing again (a late one does not put back plans changed since).
    Command("walk", walk, aliases=("ha27", "learningwalk"), menu_scopes=SHARED, stored=True),
    Command("walks", walks, menu_scopes=HELP_ONLY, stored_subs=("export",)),
    CardAction("walk.open", open_walk, idempotent=False, private=False),
    CardAction(
        "walk.save", save_walk, form=LearningWalkForm, redisplay=redisplay_walk, private=False
    ),
    CardAction("walk.draft", save_draft, private=False),
    CardAction("walk.discard", discard_draft, private=False),
    CardAction("walk.view", view_walk, idempotent=False, private=False),
    CardAction("walk.edit", edit_walk, idempotent=False, private=False),
    # Stored, like a save: a Teams retry offers the document (and keeps its copy) once.
    CardAction("walk.export", export_walk, private=False),
    CardAction("walk.plan.open", open_plan, idempotent=False, private=False),
    CardAction(
        "walk.plan.save", save_plan, form=WalkPlanForm, redisplay=redisplay_plan, private=False
    ),
    # The key findings quote walks' notes: only where the presser alone sees them.
    CardAction("walks.summary.save", summaries.save),
    # Saves the text, then offers it.
    CardAction("walks.summary.export", summaries.export),
    CardAction("walks.summary.redraft", summaries.redraft),
)


NOTICES: tuple[NoticeKind, ...] = (
    # "I've sent it to our 1:1 chat": the answer to what the reader just asked for, so the
    # sending hours never hold it until the morning.
    NoticeKind(
        COPY_KIND,
        render_copy,
        description="A learning walk sent to the reader's 1:1 chat",
        asked_for=True,
        on_failure=documents.offer_failed,  # the chat they asked in is told it did not arrive
    ),
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
    NoticeKind(
        SUMMARY_KIND,
        summaries.render_summary_notice,
        description="End of learning-walk windows: the termly summary to edit, to quality",
    ),
)
