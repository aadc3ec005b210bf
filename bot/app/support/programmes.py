"""`programme`: running a support programme — sessions and agreed actions, objectives,
extensions and sign-off, 2-weekly updates (support to good), the week-12 review, reflections
and the AP's monthly reports. The rules are in `bot.domain.support`; this is the plumbing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext, with_loaded
from bot.app.form_fields import SaidYes, whole_number
from bot.app.privacy import opened
from bot.app.router import PERSONAL, CardAction, Command, Redisplay
from bot.app.support.matching import rematch_waiting
from bot.app.support.records import (
    ENDED_BY_TUTOR,
    ESCALATED,
    NO_PROGRAMME,
    PROGRAMME_CHANGED,
    REFUSED,
    REPORT_IN,
    REPORT_SHARED,
    REVIEW_OUTCOME,
    SESSION_LOGGED,
    UPDATE_QUERIED,
    UPDATE_REVIEW,
    UPDATE_TO_LINE_MANAGER,
    cancel_programme_prompts,
    heads_of_tl,
    line_manager_ids,
    name_of,
    notify,
    programme_subject,
    schedule,
    schedule_programme,
    schedule_review,
    update_preview_key,
)
from bot.app.support.views import (
    REVIEW_STATUSES,
    SESSION_CHOICES,
    action_summaries,
    caseload_lines,
    day,
    programme_view,
    report_view,
    review_view,
    session_summaries,
    status_of,
)
from bot.app.turn import Message, Reply
from bot.domain import support as rules
from bot.domain.access import Permission, Role
from bot.domain.local_time import london
from bot.domain.support import (
    ActionStatus,
    ProgrammeKind,
    ProgrammeRuleError,
    ProgrammeState,
    ReviewDecision,
    SessionKind,
    SignOff,
)
from cards.base import execute, said
from cards.support import (
    ActionLine,
    SessionFormView,
    caseload_card,
    note_card,
    objectives_card,
    programme_card,
    reflection_card,
    report_form_card,
    review_card,
    session_form_card,
    update_draft_card,
)
from storage.reminders import SENT, Schedule
from storage.support import (
    ACCEPTED,
    HELD,
    MATCHING,
    OPEN_PROGRAMME_STATES,
    QUERIED,
    SENT_TO_LINE_MANAGER,
    WITH_TUTOR,
    LineManagerUpdate,
    SupportAction,
    SupportProgrammeRecord,
    SupportRecords,
    SupportReflection,
    SupportReport,
    SupportSession,
)
from storage.support import WAITING as WAITING_FOR_AP

TUTOR_CAN_OPT_OUT_DAYS = 2  # an update the tutor has seen goes after this, unless queried


class ProgrammeRef(BaseModel):
    programme_id: int


class SessionForm(ProgrammeRef):
    """A logged session; `review_<action id>` fields carry the review of last time's actions."""

    model_config = ConfigDict(extra="allow")

    kind: SessionKind
    held_on: date
    notes: str = Field(default="", max_length=4000)
    actions: str = Field(default="", max_length=2000)
    sign_off: SignOff | None = None

    @field_validator("sign_off", mode="before")
    @classmethod
    def _sign_off(cls, value: object, info: ValidationInfo) -> object:
        value = value or None
        if info.data.get("kind") == SessionKind.SIGN_OFF_OBSERVATION and value is None:
            raise ValueError("Say whether the standard was met")
        return value

    def reviews(self) -> dict[int, ActionStatus]:
        out: dict[int, ActionStatus] = {}
        for key, value in (self.model_extra or {}).items():
            action_id = whole_number(key[7:]) if key.startswith("review_") else None
            if action_id is not None:
                try:
                    out[action_id] = ActionStatus(str(value))
                except ValueError:
                    continue
        return out


class EndForm(ProgrammeRef):
    """An end button: the first press asks, and only "Yes, end it" (`sure`) ends the programme."""

    sure: str = ""


def _sure_to_end(programme_: SupportProgrammeRecord, who: str, tutor: str, now: datetime) -> Reply:
    """Ending cannot be undone (a new request starts again): one press on a phone, next to "Log
    a session", would otherwise end a programme in its first week."""
    pid = {"programme_id": programme_.id}
    kind = programme_.domain().kind.label
    verb = "programme.close" if who == "ap" else "programme.end"
    tells = f"I'll tell {said(tutor)}" if who == "ap" else "I'll tell your AP"
    again = f"{said(tutor)} would ask" if who == "ap" else "you would ask"
    return Reply.update(
        note_card(
            "End the programme?" if who == "ap" else "End your programme?",
            [
                f"{kind}, {status_of(programme_, now).lower()}. {tells} and stop its reminders; "
                "its sessions and agreed actions stay on the record.",
                f"An ended programme can't be reopened: {again} for support again.",
            ],
            [
                execute("Yes, end it", verb, {**pid, "sure": "yes"}),
                execute("No, keep it going", "programme.open", pid),
            ],
        )
    )


class ObjectivesForm(ProgrammeRef):
    objectives: str = Field(default="", max_length=2000)
    milestones: str = Field(default="", max_length=2000)


class ReflectionForm(ProgrammeRef):
    text: str = Field(min_length=1, max_length=4000)


class UpdateForm(ProgrammeRef):
    number: int = Field(ge=1, le=12)
    text: str = Field(min_length=1, max_length=2000)


class UpdateRef(BaseModel):
    update_id: int


class ReviewForm(ProgrammeRef):
    decision: ReviewDecision
    note: str = Field(default="", max_length=2000)


class ReportRef(ProgrammeRef):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")

    @field_validator("month")
    @classmethod
    def _real_month(cls, value: str) -> str:
        if not 1 <= int(value[5:]) <= 12 or not 2000 <= int(value[:4]) <= 2100:
            raise ValueError("Choose a month between 2000-01 and 2100-12")
        return value


class ReportForm(ReportRef):
    sessions: str = Field(min_length=1, max_length=2000)
    actions: str = Field(default="", max_length=2000)
    progress: str = Field(min_length=1, max_length=2000)
    concerns: str = Field(default="", max_length=2000)


# --- loading with the permission check, always ----------------------------------------------


async def _load(
    ctx: HandlerContext, programme_id: int, permission: Permission
) -> SupportProgrammeRecord | None:
    programme = await SupportRecords(ctx.uow.session).programme(ctx.turn.org_id, programme_id)
    if programme is None:
        return None
    subject = await programme_subject(ctx.directory, programme)
    return programme if ctx.can(permission, subject) else None


_Programme = SupportProgrammeRecord
_About = ProgrammeRef | Mapping[str, Any]  # a form, or a button's values


def _programme_id(about: _About) -> int:
    if isinstance(about, ProgrammeRef):
        return about.programme_id
    return int(about.get("programme_id") or 0)


async def _aps[F: _About](ctx: HandlerContext, about: F) -> _Programme | Reply:
    """The programme a card is about, for the AP who runs it; else the refusal."""
    programme = await _load(ctx, _programme_id(about), Permission.RUN_PROGRAMME)
    return programme if programme is not None else Reply.text(REFUSED)


async def _tutors[F: _About](ctx: HandlerContext, about: F) -> _Programme | Reply:
    """The programme a card is about, for its tutor; else the refusal."""
    programme = await _load(ctx, _programme_id(about), Permission.WRITE_DEVELOPMENTAL)
    if programme is None or programme.tutor_id != ctx.person.id:
        return Reply.text(REFUSED)
    return programme


ENDED = "That programme has ended: nothing was saved."


async def _running[F: _About](ctx: HandlerContext, about: F) -> _Programme | Reply:
    """As `_aps`, while the programme runs: a card drawn before it ended (a session form, the
    objectives) writes nothing to it, nor tells the tutor."""
    programme = await _aps(ctx, about)
    if isinstance(programme, Reply) or programme.state in OPEN_PROGRAMME_STATES:
        return programme
    return Reply.text(ENDED)


async def _updating[F: _About](ctx: HandlerContext, about: F) -> _Programme | Reply:
    """A Support to good programme, for its AP to write the 2-weekly updates; else the refusal."""
    programme = await _aps(ctx, about)
    if isinstance(programme, Reply) or programme.kind == ProgrammeKind.SUPPORT_TO_GOOD.value:
        return programme
    return Reply.text(REFUSED)


def _errors_said(start: str) -> Redisplay:
    """A redisplay that says what to fix after `start`, in text, leaving the card as it was."""

    async def redisplay(
        ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
    ) -> Reply:
        return Reply.text(start + "; ".join(errors.values()))

    return redisplay


def _viewer(ctx: HandlerContext, programme: SupportProgrammeRecord) -> str:
    if ctx.person.id == programme.tutor_id:
        return "tutor"
    if ctx.person.id == programme.practitioner_id:
        return "practitioner"
    return "head"


async def show_programme(ctx: HandlerContext, programme: SupportProgrammeRecord) -> Reply:
    subject = await programme_subject(ctx.directory, programme)
    if not ctx.can(Permission.READ_DEVELOPMENTAL, subject):
        return Reply.text(REFUSED)
    opened(ctx, programme.tutor_id, "programme", f"support_programmes:{programme.id}", "programme")
    view = await programme_view(
        ctx.directory,
        SupportRecords(ctx.uow.session),
        programme,
        _viewer(ctx, programme),
        ctx.services.clock.now(),
    )
    return Reply.show(programme_card(view))


# --- the command ----------------------------------------------------------------------------


async def programme(ctx: HandlerContext) -> Reply:
    """Your support programme; for APs, the people you support.

    Usage: programme
    """
    if ctx.turn.where.kind != "personal":
        return Reply.text("Support programmes are confidential: message me **programme** 1:1.")
    now = ctx.services.clock.now()
    org = ctx.turn.org_id
    records = SupportRecords(ctx.uow.session)
    messages: list[Message] = []
    mine = await records.current_programme_of(org, ctx.person.id)
    if mine is not None:
        messages += (await show_programme(ctx, mine)).messages
    if ctx.actor.has(Role.ADVANCED_PRACTITIONER):
        lines = await caseload_lines(ctx.directory, ctx.person.id, org, now)
        settings = (await ctx.directory.organisation(org, now)).settings
        capacity = rules.capacity_of(settings, ctx.person.email)
        asked = await records.asked_of(org, ctx.person.id)
        messages.append(Message(card=caseload_card(ctx.person.name, lines, capacity, asked)))
    if ctx.actor.has(Role.HEAD_OF_TL):
        settings = (await ctx.directory.organisation(org, now)).settings
        for case in await records.under_review(org):
            if ctx.can(
                Permission.REVIEW_SUPPORT_CASE, await programme_subject(ctx.directory, case)
            ):
                view = await review_view(ctx.directory, records, case, settings)
                record = f"support_programmes:{case.id}"
                opened(ctx, case.tutor_id, "programme", record, "week-12 review")
                messages.append(Message(card=review_card(view)))
    if ctx.actor.has(Role.LINE_MANAGER):
        messages += await _updates_for_line_manager(ctx)
    if not messages:
        return Reply.text(
            "You're not on a support programme. If you'd like some support, say **support**: "
            "it's confidential."
        )
    return Reply(messages=messages)


async def _updates_for_line_manager(ctx: HandlerContext) -> list[Message]:
    """Line managers see the support-to-good updates sent to them, and nothing else."""
    org = ctx.turn.org_id
    records = SupportRecords(ctx.uow.session)
    people = await ctx.directory.people(org, await _reports_of(ctx))
    schedule_ = Schedule(ctx.uow.session)
    lines = []
    for update, prog in await records.sent_updates_for(org, [p.id for p in people]):
        subject = await programme_subject(ctx.directory, prog, open_update=True)
        if not ctx.can(Permission.READ_PROGRAMME_UPDATE, subject) or update.sent_at is None:
            continue
        # Only an update that went to this reader: the tutor was told whom it went to, so a
        # line manager who took over since reads none of what went to the one before.
        went = await schedule_.get(org, f"support-update-send:{update.id}:{ctx.person.id}")
        if went is None or went.state != SENT:
            continue
        who = await name_of(ctx.directory, org, prog.tutor_id)
        lines.append(
            f"**{said(who)}**, update {update.number} ({day(update.sent_at)}): " + said(update.text)
        )
        record = f"line_manager_updates:{update.id}"
        opened(ctx, prog.tutor_id, "programme", record, "support updates for your team")
    if not lines:
        return []
    return [Message(card=note_card("Support updates for your team", lines))]


async def _reports_of(ctx: HandlerContext) -> list[int]:
    return [p.id for p in await ctx.directory.managed_by(ctx.turn.org_id, ctx.person.email)]


# --- verbs ----------------------------------------------------------------------------------


async def open_programme(ctx: HandlerContext, form: ProgrammeRef) -> Reply:
    programme_ = await SupportRecords(ctx.uow.session).programme(ctx.turn.org_id, form.programme_id)
    if programme_ is None:
        return Reply.text(NO_PROGRAMME)
    return await show_programme(ctx, programme_)


@with_loaded(_running)
async def open_session_form(
    ctx: HandlerContext, form: ProgrammeRef, programme_: _Programme
) -> Reply:
    view = await _session_view(ctx, programme_)
    _ap_opened(ctx, programme_, "session form")  # it lists the tutor's open actions
    return Reply.show(session_form_card(view))


def _ap_opened(ctx: HandlerContext, programme_: SupportProgrammeRecord, form: str) -> None:
    """The AP's form shows part of the tutor's record: the tutor's `privacy` lists it, as it
    does the programme card and, for mentoring, the mentor's forms."""
    opened(ctx, programme_.tutor_id, "programme", f"support_programmes:{programme_.id}", form)


# A way of being supported the tutor ticked on their request, as the kind of session it is.
_SESSION_FOR_WAY: Mapping[str, SessionKind] = MappingProxyType(
    {
        "coaching": SessionKind.COACHING,
        "team_teaching": SessionKind.TEAM_TEACHING,
        "developmental_observation": SessionKind.DEVELOPMENTAL_OBSERVATION,
        "observe_someone": SessionKind.PEER_OBSERVATION,
    }
)


async def _session_view(ctx: HandlerContext, programme_: SupportProgrammeRecord) -> SessionFormView:
    """The session form starts at the first kind of session the tutor asked for (one-to-one
    coaching, say), not always "Developmental observation": a form saved as it came would
    otherwise log, and tell the tutor of, an observation that never happened."""
    records = SupportRecords(ctx.uow.session)
    today = london(ctx.services.clock.now()).date()
    referral = await records.referral(programme_.org_id, programme_.referral_id)
    asked = [
        _SESSION_FOR_WAY[w] for w in (referral.ways if referral else []) if w in _SESSION_FOR_WAY
    ]
    return SessionFormView(
        kind=asked[0].value if asked else "",
        programme_id=programme_.id,
        tutor=await name_of(ctx.directory, programme_.org_id, programme_.tutor_id),
        kinds=SESSION_CHOICES,
        today=today.isoformat(),
        review=[ActionLine(a.id, a.text) for a in await records.open_actions(programme_.id)],
        statuses=REVIEW_STATUSES,
        sign_off=programme_.domain().rules.sign_off,
    )


@with_loaded(_running)
async def redisplay_session(
    ctx: HandlerContext, values: dict[str, Any], programme_: _Programme, errors: dict[str, str]
) -> Reply:
    return Reply.update(session_form_card(await _session_view(ctx, programme_), values, errors))


@with_loaded(_running)
async def log_session(ctx: HandlerContext, form: SessionForm, programme_: _Programme) -> Reply:
    """The AP logs a session: last time's actions reviewed, new ones agreed; a sign-off
    observation records its outcome through the programme's rules."""
    now = ctx.services.clock.now()
    p = programme_.domain()
    sign_off_outcome: ProgrammeState | None = None
    if form.kind == SessionKind.SIGN_OFF_OBSERVATION:
        try:
            assert form.sign_off is not None
            sign_off_outcome = p.record_sign_off(form.sign_off, now)
        except ProgrammeRuleError as exc:
            form_view = await _session_view(ctx, programme_)
            values = form.model_dump(mode="json")
            return Reply.update(session_form_card(form_view, values, {"kind": str(exc)}))
    records = SupportRecords(ctx.uow.session)
    session_ = SupportSession(
        org_id=programme_.org_id,
        programme_id=programme_.id,
        kind=form.kind.value,
        held_on=form.held_on,
        notes=form.notes.strip(),
        logged_by=ctx.person.id,
        created_at=now,
    )
    records.add(session_)
    await records.flush()
    reviews = form.reviews()
    for action in await records.open_actions(programme_.id):
        if action.id in reviews:
            action.status, action.reviewed_in, action.updated_at = (
                reviews[action.id].value,
                session_.id,
                now,
            )
    for text in rules.actions_from_lines(form.actions):
        records.add(
            SupportAction(
                org_id=programme_.org_id,
                programme_id=programme_.id,
                session_id=session_.id,
                text=text,
                status=ActionStatus.OPEN.value,
                updated_at=now,
            )
        )
    programme_.apply(p, now)
    await records.flush()
    await notify(
        ctx.uow.session,
        programme_.org_id,
        f"support-session:{session_.id}",
        SESSION_LOGGED,
        programme_.tutor_id,
        now,
        {"session_id": session_.id, "programme_id": programme_.id},
    )
    if sign_off_outcome == ProgrammeState.UNDER_REVIEW:
        await schedule_review(ctx.uow.session, programme_, now, now)
        await ctx.uow.session.flush()
        await Schedule(ctx.uow.session).cancel_prefix(
            programme_.org_id, f"support-overdue:{programme_.id}:", now
        )
        await notify(  # the tutor knows, as it happens, that their case goes to the head
            ctx.uow.session,
            programme_.org_id,
            f"support-escalated:{programme_.id}",
            ESCALATED,
            programme_.tutor_id,
            now,
            {"programme_id": programme_.id},
        )
    elif sign_off_outcome in (ProgrammeState.COMPLETED, ProgrammeState.CLOSED):
        await _ended(ctx, programme_, "not_met" if p.standard_not_met else "completed")
    view = await programme_view(ctx.directory, records, programme_, "practitioner", now)
    follow: list[Message] = []
    if sign_off_outcome == ProgrammeState.ACTIVE and p.can_extend(now) is None:
        weeks = p.rules.extension_weeks
        follow.append(
            Message(
                card=note_card(
                    "Sign-off: not met yet",
                    [f"{p.kind.label} can be extended once, by {weeks} weeks."],
                    [
                        execute(
                            f"Extend by {weeks} weeks",
                            "programme.extend",
                            {"programme_id": programme_.id},
                            primary=True,
                        )
                    ],
                )
            )
        )
    return Reply.update(programme_card(view), *follow)


@with_loaded(_running)
async def open_objectives(ctx: HandlerContext, form: ProgrammeRef, programme_: _Programme) -> Reply:
    tutor = await name_of(ctx.directory, programme_.org_id, programme_.tutor_id)
    _ap_opened(ctx, programme_, "objectives form")
    return Reply.show(
        objectives_card(
            programme_.id,
            tutor,
            "\n".join(programme_.objectives),
            "\n".join(programme_.milestones),
        )
    )


@with_loaded(_running)
async def save_objectives(
    ctx: HandlerContext, form: ObjectivesForm, programme_: _Programme
) -> Reply:
    now = ctx.services.clock.now()
    programme_.objectives = rules.actions_from_lines(form.objectives, limit=6)
    programme_.milestones = rules.actions_from_lines(form.milestones, limit=8)
    programme_.updated_at = now
    view = await programme_view(
        ctx.directory, SupportRecords(ctx.uow.session), programme_, "practitioner", now
    )
    return Reply.update(programme_card(view))


@with_loaded(_aps)
async def extend(ctx: HandlerContext, form: ProgrammeRef, programme_: _Programme) -> Reply:
    """`programme.extend(now)` decides; this only saves and re-plans the prompts."""
    now = ctx.services.clock.now()
    p = programme_.domain()
    try:
        end = p.extend(now)
    except ProgrammeRuleError as exc:
        return Reply.text(str(exc))
    programme_.apply(p, now)
    await schedule_programme(ctx.uow.session, programme_, now)
    await notify(
        ctx.uow.session,
        programme_.org_id,
        f"support-extended:{programme_.id}:{p.extensions}",
        PROGRAMME_CHANGED,
        programme_.tutor_id,
        now,
        {"programme_id": programme_.id, "what": "extended", "until": day(end)},
    )
    view = await programme_view(
        ctx.directory, SupportRecords(ctx.uow.session), programme_, "practitioner", now
    )
    return Reply.update(programme_card(view), Message(text=f"Extended to {day(end)}."))


@with_loaded(_aps)
async def close(ctx: HandlerContext, form: EndForm, programme_: _Programme) -> Reply:
    now = ctx.services.clock.now()
    p = programme_.domain()
    if p.state in (ProgrammeState.COMPLETED, ProgrammeState.CLOSED):
        return Reply.text("That programme has already ended.")
    if form.sure != "yes":
        tutor = await name_of(ctx.directory, programme_.org_id, programme_.tutor_id)
        return _sure_to_end(programme_, "ap", tutor, now)
    try:
        p.complete(now)
        what = "completed"
    except ProgrammeRuleError:
        p.close()
        # Ending Support to good is the AP's decision with the tutor: recorded, and told.
        what = "ended_by_ap" if p.kind == ProgrammeKind.SUPPORT_TO_GOOD else "closed"
    programme_.apply(p, now)
    await ctx.directory.audit(
        programme_.org_id, ctx.person.id, f"support-programme:{programme_.id}", "ended", what, now
    )
    await _ended(ctx, programme_, what)
    view = await programme_view(
        ctx.directory, SupportRecords(ctx.uow.session), programme_, "practitioner", now
    )
    return Reply.update(programme_card(view))


@with_loaded(_tutors)
async def end_by_tutor(ctx: HandlerContext, form: EndForm, programme_: _Programme) -> Reply:
    """A tutor can end a developmental programme (towards outstanding, informal support, new
    staff mentoring) at any time. Support to good ends by a decision with their AP."""
    now = ctx.services.clock.now()
    p = programme_.domain()
    ap = await name_of(ctx.directory, programme_.org_id, programme_.practitioner_id)
    if p.kind == ProgrammeKind.SUPPORT_TO_GOOD:
        return Reply.text(
            f"Support to good ends by a decision you make with {said(ap)}: talk to them, and they "
            "record it. Nothing has changed."
        )
    if p.state in (ProgrammeState.COMPLETED, ProgrammeState.CLOSED):
        return Reply.text("That programme has already ended.")
    if form.sure != "yes":
        return _sure_to_end(programme_, "tutor", "", now)
    p.close()
    programme_.apply(p, now)
    await ctx.directory.audit(
        programme_.org_id,
        ctx.person.id,
        f"support-programme:{programme_.id}",
        "ended",
        "tutor",
        now,
    )
    told = ""
    if programme_.practitioner_id is None:
        await _no_longer_handed_on(ctx, programme_)
    else:
        await notify(
            ctx.uow.session,
            programme_.org_id,
            f"support-ended-by-tutor:{programme_.id}",
            ENDED_BY_TUTOR,
            programme_.practitioner_id,
            now,
            {"programme_id": programme_.id},
        )
        told = f"I've told {ap}. "
    await _ended(ctx, programme_, "closed", tell_tutor=False)
    return Reply.update(
        note_card(
            f"Ended: your {p.kind.label.lower()} programme",
            [f"Done. {told}Say **support** whenever you'd like more."],
        )
    )


async def _no_longer_handed_on(ctx: HandlerContext, programme_: SupportProgrammeRecord) -> None:
    """A programme that lost its AP (handed on) ends before another AP took it up: its request
    no longer waits for one, and the AP asked to carry it on is asked no more (an Accept from
    the card they have finds it answered)."""
    now = ctx.services.clock.now()
    records = SupportRecords(ctx.uow.session)
    referral = await records.referral(programme_.org_id, programme_.referral_id)
    if referral is None or referral.state not in (MATCHING, WAITING_FOR_AP):
        return
    referral.state, referral.practitioner_id, referral.updated_at = ACCEPTED, None, now
    await records.flush()
    await Schedule(ctx.uow.session).cancel_prefix(
        programme_.org_id, f"support-ask:{referral.id}:", now
    )


class RatingsChoice(ProgrammeRef):
    share: Annotated[bool, SaidYes]


@with_loaded(_tutors)
async def choose_ratings_in_reports(
    ctx: HandlerContext, form: RatingsChoice, programme_: _Programme
) -> Reply:
    """The tutor decides whether monthly reports to the head may mention their self-ratings
    (left out unless they opt in)."""
    programme_.ratings_in_reports = form.share
    programme_.updated_at = ctx.services.clock.now()
    line = (
        "Future monthly reports may mention how your self-ratings changed."
        if form.share
        else "Your self-ratings stay out of monthly reports."
    )
    return Reply.update(note_card("Saved", [line]))


async def _ended(
    ctx: HandlerContext, programme_: SupportProgrammeRecord, what: str, *, tell_tutor: bool = True
) -> None:
    """A place came free: stop the programme's prompts, tell the tutor, ask an AP about
    whoever is waiting."""
    now = ctx.services.clock.now()
    await cancel_programme_prompts(ctx.uow.session, programme_, now)
    await rematch_waiting(ctx.uow.session, programme_.org_id, now)
    if not tell_tutor:
        return
    await notify(
        ctx.uow.session,
        programme_.org_id,
        f"support-ended:{programme_.id}",
        PROGRAMME_CHANGED,
        programme_.tutor_id,
        now,
        {"programme_id": programme_.id, "what": what},
    )


@with_loaded(_tutors)
async def open_reflection(ctx: HandlerContext, form: ProgrammeRef, programme_: _Programme) -> Reply:
    return Reply.show(reflection_card(programme_.id))


async def redisplay_reflection(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    return Reply.update(reflection_card(int(values.get("programme_id") or 0), errors))


@with_loaded(_tutors)
async def reflect(ctx: HandlerContext, form: ReflectionForm, programme_: _Programme) -> Reply:
    now = ctx.services.clock.now()
    SupportRecords(ctx.uow.session).add(
        SupportReflection(
            org_id=programme_.org_id,
            programme_id=programme_.id,
            tutor_id=ctx.person.id,
            text=form.text.strip(),
            created_at=now,
        )
    )
    return Reply.update(
        note_card(
            "Saved: your reflection",
            ["Only you and your AP can see it."],
            [execute("Open my programme", "programme.open", {"programme_id": programme_.id})],
        )
    )


# --- 2-weekly updates (support to good) -----------------------------------------------------


async def update_draft_text(
    session: AsyncSession, programme_: SupportProgrammeRecord, number: int
) -> str:
    """The stored text of update `number`, or a draft from the fortnight's record."""
    records = SupportRecords(session)
    existing = await records.update_number(programme_.id, number)
    if existing is not None:
        return existing.text
    p = programme_.domain()
    since = london(p.update_due_at(number) - timedelta(weeks=2)).date()
    return rules.draft_update(
        p,
        number,
        session_summaries(await records.sessions(programme_.id, since)),
        action_summaries(await records.actions(programme_.id)),
    )


@with_loaded(_updating)
async def open_update(ctx: HandlerContext, values: dict[str, Any], programme_: _Programme) -> Reply:
    number, total = whole_number(values.get("number")), programme_.domain().update_count()
    if number is None or not 1 <= number <= total:  # a forged or garbled press: no such draft
        return Reply.text(
            "That isn't one of this programme's updates, so there is nothing to open."
        )
    tutor = await name_of(ctx.directory, programme_.org_id, programme_.tutor_id)
    draft = await update_draft_text(ctx.uow.session, programme_, number)
    _ap_opened(ctx, programme_, "update draft")
    return Reply.show(update_draft_card(programme_.id, tutor, number, total, draft))


async def redisplay_update(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    return Reply.text("The update needs some words before the tutor sees it.")


@with_loaded(_updating)
async def submit_update(ctx: HandlerContext, form: UpdateForm, programme_: _Programme) -> Reply:
    """The AP's update goes to the tutor first; it reaches the line manager when the tutor
    says so, or after two days unless they ask to talk about it."""
    if programme_.state not in OPEN_PROGRAMME_STATES:
        return Reply.text(ENDED)  # its draft card, drawn while it ran: nothing goes anywhere
    now = ctx.services.clock.now()
    records = SupportRecords(ctx.uow.session)
    update = await records.update_number(programme_.id, form.number)
    if update is not None and update.state == SENT_TO_LINE_MANAGER:
        return Reply.text("That update has already gone to the line manager.")
    if update is None:
        update = LineManagerUpdate(
            org_id=programme_.org_id,
            programme_id=programme_.id,
            number=form.number,
            tutor_note="",
            created_at=now,
        )
        records.add(update)
    update.text, update.state, update.written_by = form.text.strip(), WITH_TUTOR, ctx.person.id
    update.approved_at = None  # a changed text needs the tutor's eyes again
    await records.flush()
    managers = await line_manager_ids(ctx.directory, programme_.org_id, programme_.tutor_id)
    await notify(
        ctx.uow.session,
        programme_.org_id,
        update_preview_key(update.id),
        UPDATE_REVIEW,
        programme_.tutor_id,
        now,
        {"update_id": update.id},
    )
    for manager in managers:
        await schedule(
            ctx.uow.session,
            programme_.org_id,
            f"support-update-send:{update.id}:{manager}",
            UPDATE_TO_LINE_MANAGER,
            now + timedelta(days=TUTOR_CAN_OPT_OUT_DAYS),
            now,
            manager,
            {"update_id": update.id},
        )
    tutor = await name_of(ctx.directory, programme_.org_id, programme_.tutor_id)
    lines = [
        f"{tutor} sees it first; it goes to their line manager when they agree, or "
        f"{TUTOR_CAN_OPT_OUT_DAYS} days after it reached them. If it can't reach them, it is "
        "held and I'll tell you."
    ]
    if not managers:
        lines = [f"{tutor} has no line manager on the tutor list, so it stays with the programme."]
    return Reply.update(note_card(f"Update {form.number} saved", lines))


async def _tutor_update(
    ctx: HandlerContext, update_id: int
) -> tuple[LineManagerUpdate | None, SupportProgrammeRecord | None]:
    records = SupportRecords(ctx.uow.session)
    update = await records.update(ctx.turn.org_id, update_id)
    if update is None:
        return None, None
    programme_ = await records.programme(ctx.turn.org_id, update.programme_id)
    if programme_ is None or programme_.tutor_id != ctx.person.id:
        return None, None
    return update, programme_


async def approve_update(ctx: HandlerContext, form: UpdateRef) -> Reply:
    update, programme_ = await _tutor_update(ctx, form.update_id)
    if update is None or programme_ is None:
        return Reply.text(REFUSED)
    if update.state not in (WITH_TUTOR, HELD):
        return Reply.text(
            "That update has already gone."
            if update.state == SENT_TO_LINE_MANAGER
            else "Your AP is changing that update; you'll see it again."
        )
    now = ctx.services.clock.now()
    update.state, update.approved_at = WITH_TUTOR, now
    for manager in await line_manager_ids(ctx.directory, programme_.org_id, programme_.tutor_id):
        await schedule(
            ctx.uow.session,
            programme_.org_id,
            f"support-update-send:{update.id}:{manager}",
            UPDATE_TO_LINE_MANAGER,
            now,
            now,
            manager,
            {"update_id": update.id},
        )
    return Reply.update(
        note_card(
            "Thanks: it's on its way", [f"Update {update.number} goes to your line manager now."]
        )
    )


async def query_update(ctx: HandlerContext, form: UpdateRef) -> Reply:
    update, programme_ = await _tutor_update(ctx, form.update_id)
    if update is None or programme_ is None:
        return Reply.text(REFUSED)
    if update.state == SENT_TO_LINE_MANAGER:
        return Reply.text("That update has already gone to your line manager.")
    now = ctx.services.clock.now()
    update.state = QUERIED
    await Schedule(ctx.uow.session).cancel_prefix(
        programme_.org_id, f"support-update-send:{update.id}:", now
    )
    if programme_.practitioner_id is None:  # handed on: held all the same, nobody to ask yet
        return Reply.update(
            note_card(
                "Held back",
                ["It won't be sent. Your next AP can talk it through with you when they start."],
            )
        )
    await notify(
        ctx.uow.session,
        programme_.org_id,
        f"support-update-queried:{update.id}:{now:%Y%m%d%H%M}",
        UPDATE_QUERIED,
        programme_.practitioner_id,
        now,
        {"update_id": update.id},
    )
    ap = await name_of(ctx.directory, programme_.org_id, programme_.practitioner_id)
    return Reply.update(
        note_card("Held back", [f"It won't be sent. I've asked {ap} to talk it through with you."])
    )


# --- week-12 review (head of T&L) -----------------------------------------------------------


redisplay_review = _errors_said("Choose a decision for the review: ")


async def decide_review(ctx: HandlerContext, form: ReviewForm) -> Reply:
    programme_ = await _load(ctx, form.programme_id, Permission.REVIEW_SUPPORT_CASE)
    if programme_ is None:
        return Reply.text("Only the head of teaching & learning reviews a case, at week 12.")
    now = ctx.services.clock.now()
    p = programme_.domain()
    try:
        p.decide_review(form.decision)
    except ProgrammeRuleError as exc:
        return Reply.text(str(exc))
    programme_.apply(p, now)
    programme_.review_decision, programme_.review_note = form.decision.value, form.note.strip()
    programme_.reviewed_at = now  # the head's access to this programme ends here
    await ctx.directory.audit(
        programme_.org_id,
        ctx.person.id,
        f"support-programme:{programme_.id}",
        "week-12 review",
        form.decision.value,
        now,
    )
    refer = form.decision == ReviewDecision.REFER
    managers = (
        list(await line_manager_ids(ctx.directory, programme_.org_id, programme_.tutor_id))
        if refer
        else []
    )
    told = {programme_.tutor_id: "the tutor"}
    if programme_.practitioner_id is not None:
        told[programme_.practitioner_id] = "their AP"
    told.update({manager: "their line manager" for manager in managers})
    about: dict[str, Any] = {"programme_id": programme_.id}
    if refer and not managers:
        about["no_line_manager"] = True  # the tutor hears that nothing was passed on
    for person in told:
        await notify(
            ctx.uow.session,
            programme_.org_id,
            f"support-reviewed:{programme_.id}:{person}",
            REVIEW_OUTCOME,
            person,
            now,
            about,
        )
    if not p.active:  # the review outcome itself tells the tutor
        await _ended(ctx, programme_, p.state.value, tell_tutor=False)
    who = await name_of(ctx.directory, programme_.org_id, programme_.tutor_id)
    names = list(dict.fromkeys(told.values()))  # whom I've told, each once
    said_to = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    lines = [f"Decision: {form.decision.value}. I've told {said_to}."]
    if refer and not managers:
        lines.append(
            f"{who} has no line manager on the tutor list, so the summary went to nobody; "
            "it stays on the record."
        )
    return Reply.update(note_card(f"Review recorded: {who}", lines))


# --- monthly reports (AP → head of T&L) -----------------------------------------------------


@with_loaded(_aps)
async def open_report(ctx: HandlerContext, form: ReportRef, programme_: _Programme) -> Reply:
    now = ctx.services.clock.now()
    settings = (await ctx.directory.organisation(ctx.turn.org_id, now)).settings
    view = await report_view(
        ctx.directory, SupportRecords(ctx.uow.session), programme_, form.month, now, settings
    )
    record = f"support_programmes:{programme_.id}"
    opened(ctx, programme_.tutor_id, "session_notes", record, "monthly report form")
    return Reply.show(report_form_card(view))


redisplay_report = _errors_said("The report needs sessions and progress: ")


@with_loaded(_aps)
async def submit_report(ctx: HandlerContext, form: ReportForm, programme_: _Programme) -> Reply:
    now = ctx.services.clock.now()
    records = SupportRecords(ctx.uow.session)
    report = await records.report(programme_.id, form.month)
    if report is None:
        report = SupportReport(
            org_id=programme_.org_id, programme_id=programme_.id, month=form.month
        )
        records.add(report)
    report.practitioner_id = ctx.person.id
    report.sessions, report.actions = form.sessions.strip(), form.actions.strip()
    report.progress, report.concerns = form.progress.strip(), form.concerns.strip()
    report.submitted_at = now
    await records.flush()
    heads = await heads_of_tl(ctx.directory, programme_.org_id, programme_.tutor_id)
    at = f"{now:%Y%m%d%H%M}"
    told = [(REPORT_IN, head, f"support-report-in:{report.id}:{head}:{at}") for head in heads]
    # the tutor is sent what the report about them says, as it goes
    told.append((REPORT_SHARED, programme_.tutor_id, f"support-report-shared:{report.id}:{at}"))
    for kind, person_id, key in told:
        payload: dict[str, Any] = {"report_id": report.id}
        if not heads:
            payload["to_head"] = False  # the tutor's copy says it went to nobody else
        await notify(ctx.uow.session, programme_.org_id, key, kind, person_id, now, payload)
    tutor = await name_of(ctx.directory, programme_.org_id, programme_.tutor_id)
    where = (
        "the head of teaching & learning"
        if heads
        else f"the record (no head of T&L outside {tutor}'s line management yet)"
    )
    return Reply.update(
        note_card(
            f"Sent: {tutor}, {rules.month_label(form.month)}",
            [f"Your report has gone to {where}. {tutor} is sent a copy."],
        )
    )


ROWS: tuple[Command | CardAction, ...] = (
    # Stored: the head of T&L's week-12 review cards write the access log.
    Command(
        "programme",
        programme,
        aliases=("programmes", "program"),
        menu_scopes=PERSONAL,
        stored=True,
    ),
    # Opens that show an AP or the head a tutor's record write the access log: they are stored
    # like a submit, so a Teams retry is answered from the store and logged once. Every verb is
    # private: a programme's card answered in a channel or group chat would be read by all there.
    CardAction("programme.open", open_programme, form=ProgrammeRef),
    CardAction("programme.session.open", open_session_form, form=ProgrammeRef),
    CardAction(
        "programme.session",
        log_session,
        form=SessionForm,
        redisplay=redisplay_session,
    ),
    CardAction("programme.objectives.open", open_objectives, form=ProgrammeRef),
    CardAction("programme.objectives", save_objectives, form=ObjectivesForm),
    CardAction("programme.extend", extend, form=ProgrammeRef),
    CardAction("programme.close", close, form=EndForm),
    CardAction("programme.end", end_by_tutor, form=EndForm),
    CardAction("programme.report.ratings", choose_ratings_in_reports, form=RatingsChoice),
    CardAction("programme.reflect.open", open_reflection, form=ProgrammeRef, idempotent=False),
    CardAction(
        "programme.reflect",
        reflect,
        form=ReflectionForm,
        redisplay=redisplay_reflection,
    ),
    CardAction("programme.update.open", open_update),
    CardAction("programme.update", submit_update, form=UpdateForm, redisplay=redisplay_update),
    CardAction("programme.update.approve", approve_update, form=UpdateRef),
    CardAction("programme.update.query", query_update, form=UpdateRef),
    CardAction("programme.review", decide_review, form=ReviewForm, redisplay=redisplay_review),
    CardAction("programme.report.open", open_report, form=ReportRef),  # logged
    CardAction("programme.report", submit_report, form=ReportForm, redisplay=redisplay_report),
)
