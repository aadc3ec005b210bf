"""Every proactive message about observations, drawn when it is sent from the records then: a
reminder about something already done is dropped (render → None). Each card carries the next
step as a button or a form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from bot.app.notices import NoticeContext, NoticeKind
from bot.app.observations import schedule
from bot.app.observations.induction import checklist_view
from bot.app.observations.lifecycle import Loaded, actor_for, day_label, load, said_name, when
from bot.app.observations.present import observation_view, report_view
from bot.app.turn import Message
from bot.domain.access import Permission, Role, can
from bot.domain.observations import (
    APPROVED_STATES,
    DATED,
    REPORT_IN_PROGRESS,
    ObservationClock,
    ObservationState,
    induction_items,
)
from cards.base import said
from cards.observations import Button, induction_card, message_card, observation_card, report_card
from storage.models import Person
from storage.observations import Observations

S = ObservationState
NoticeBody = Callable[[NoticeContext, Loaded, Person], Awaitable[Message | None]]


async def _context(ctx: NoticeContext, *states: ObservationState) -> tuple[Loaded, Person] | None:
    """The observation a notice is about and the person it goes to; None if either is gone, or
    the observation has moved on from `states` (when given)."""
    observation_id = ctx.payload.get("observation_id")
    person_id = ctx.item.person_id
    if not isinstance(observation_id, int) or person_id is None:
        return None
    loaded = await load(ctx.uow.session, ctx.item.org_id, observation_id)
    person = await ctx.directory.person(ctx.item.org_id, person_id)
    if loaded is None or person is None or (states and loaded.obs.status not in states):
        return None
    return loaded, person


def _about(
    *states: ObservationState,
) -> Callable[[NoticeBody], Callable[[NoticeContext], Awaitable[Message | None]]]:
    """A notice about one observation, given it and the person it goes to; dropped (None) when
    either is gone or the observation has moved on from `states` (when given)."""

    def wrap(body: NoticeBody) -> Callable[[NoticeContext], Awaitable[Message | None]]:
        @wraps(body)
        async def notice(ctx: NoticeContext) -> Message | None:
            found = await _context(ctx, *states)
            return None if found is None else await body(ctx, *found)

        return notice

    return wrap


async def _observation(
    ctx: NoticeContext, loaded: Loaded, person: Person, headline: str, message: str | None = None
) -> Message | None:
    actor = await actor_for(ctx.uow.session, person)
    if not can(actor, Permission.READ_OBSERVATION_PLAN, loaded.subject):
        return None
    view = await observation_view(
        ctx.uow.session, ctx.events, loaded, actor, ctx.now, headline=headline, message=message
    )
    return Message(card=observation_card(view))


async def _report(
    ctx: NoticeContext, loaded: Loaded, person: Person, headline: str, note: str | None = None
) -> Message | None:
    actor = await actor_for(ctx.uow.session, person)
    stored = await Observations(ctx.uow.session).report(loaded.obs)
    if stored is None or not can(actor, Permission.READ_OBSERVATION, loaded.subject):
        return None
    view = report_view(loaded, stored, actor, ctx.now, headline=headline, note=note)
    return Message(card=report_card(view))


def _due(loaded: Loaded) -> str:
    starts = loaded.obs.starts_at
    return day_label(ObservationClock(starts, starts).report_due) if starts else ""


@_about()
async def allocated(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    obs = loaded.obs
    if obs.status is not S.ALLOCATED or obs.observer_id != person.id or obs.proposed_by:
        return None
    tutor = said_name(loaded.tutor)
    message = (
        f"Please agree a class and date with {said(tutor)}, ideally this autumn term. Propose one "
        "below and I'll ask them to accept it."
    )
    if obs.due_by:
        message += f" {said(tutor)} is new: the OTLA falls by {day_label(obs.due_by)}."
    return await _observation(ctx, loaded, person, f"You're observing {tutor}", message)


@_about()
async def reallocated(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    obs = loaded.obs
    if person.id != obs.tutor_id or obs.observer_id != ctx.payload.get("observer_id"):
        return None  # reallocated again since: that one's notice says who
    observer = said(loaded.observer_name)
    return await _observation(
        ctx,
        loaded,
        person,
        f"Your observer is now {observer}",
        f"Your annual observation has a new observer: {said(observer)} will agree a class and date "
        "with you.",
    )


@_about()
async def observer_left(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    obs = loaded.obs
    if person.id != obs.tutor_id or obs.observer_id is not None:
        return None  # a new observer since: the reallocation notice says who
    former = await ctx.directory.person(obs.org_id, ctx.payload.get("observer_id") or 0)
    return await _observation(
        ctx,
        loaded,
        person,
        "Your observer has changed",
        f"{said_name(former)} no longer observes you, and any date you had agreed is "
        "cancelled. The quality team will allocate a new observer, who will agree a class and "
        "date with you.",
    )


@_about()
async def unallocated(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    if loaded.obs.observer_id == person.id:
        return None  # allocated back to them since
    tutor = said_name(loaded.tutor)
    return Message(
        card=message_card(
            f"You no longer observe {tutor}",
            [
                f"Your observation of {said(tutor)} has been reallocated: there is nothing "
                "more to do."
            ],
        )
    )


@_about()
async def proposal(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    obs = loaded.obs
    current = obs.proposed_starts_at.isoformat() if obs.proposed_starts_at else None
    if obs.proposed_by in (None, person.id) or ctx.payload.get("starts_at") != current:
        return None  # answered, withdrawn or replaced by a newer proposal
    proposer = loaded.observer if obs.proposed_by == obs.observer_id else loaded.tutor
    headline = f"{said_name(proposer)} proposed a date for the observation"
    return await _observation(ctx, loaded, person, headline, "Accept it, or suggest another.")


@_about()
async def agreed(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    obs = loaded.obs
    current = obs.starts_at.isoformat() if obs.starts_at else None
    if obs.status not in DATED or ctx.payload.get("starts_at") != current:
        return None
    when_ = when(obs.starts_at, obs.ends_at)
    return await _observation(ctx, loaded, person, f"Date agreed: {when_}")


@_about(S.DATE_AGREED)
async def to_plan(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    return await _observation(
        ctx,
        loaded,
        person,
        "An OTLA date for the planning list",
        "Add it to the observation planning list and EBS, then press the button.",
    )


@_about()
async def week_before(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    obs = loaded.obs
    if obs.status not in DATED or obs.starts_at is None or obs.starts_at <= ctx.now:
        return None
    tutor, observer = said_name(loaded.tutor), said(loaded.observer_name)
    if person.id == obs.tutor_id:
        message = (
            f"{said(observer)} observes your session. Please share your planning and tracking "
            "documents beforehand: a link below, or files sent to me with **observations docs**."
        )
    elif person.id == obs.observer_id:
        message = f"You observe {said(tutor)}. Review their planning and tracking documents first."
    else:
        message = f"For your information: {said(tutor)}'s annual observation with {said(observer)}."
    return await _observation(
        ctx, loaded, person, f"Observation on {day_label(obs.starts_at)}", message
    )


@_about(*DATED, *REPORT_IN_PROGRESS)
async def write_report(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    return Message(
        card=message_card(
            f"How did it go with {said_name(loaded.tutor)}?",
            [
                "Give your feedback, including suggestions for development and professional "
                f"exploration. The written report is due by {_due(loaded)}.",
            ],
            [_write_report(loaded.obs.id)],
        )
    )


@_about(*DATED, *REPORT_IN_PROGRESS)
async def report_reminder(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    return Message(
        card=message_card(
            f"Reminder: the report for {said_name(loaded.tutor)} is due {_due(loaded)}",
            ["Save a draft any time; submit it for checking when it's ready."],
            [_write_report(loaded.obs.id)],
        )
    )


@_about()
async def report_late(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    obs = loaded.obs
    if obs.status not in (*DATED, *REPORT_IN_PROGRESS) or obs.starts_at is None:
        return None
    if ctx.now <= ObservationClock(obs.starts_at, obs.starts_at).report_due:
        return None
    actor = await actor_for(ctx.uow.session, person)
    if not can(actor, Permission.CHECK_REPORT, loaded.subject):
        return None  # queued when the date was agreed; no longer a development officer
    ref = {"observation_id": obs.id}
    return Message(
        card=message_card(
            f"Late report: {said_name(loaded.tutor)}",
            [
                f"{said(loaded.observer_name)}'s report on {said_name(loaded.tutor)} "
                f"({when(obs.starts_at, obs.ends_at)}) was due {_due(loaded)} and hasn't been "
                "submitted."
            ],
            [
                Button("Remind the observer", "otla.chase", ref, primary=True),
                Button("Open", "otla.open", ref),
            ],
        )
    )


async def _step_report(
    ctx: NoticeContext, loaded: Loaded, person: Person, step: Permission, headline: str
) -> Message | None:
    """A report for whoever takes its `step` now: never its own observer (`bot.domain.access`)."""
    if not can(await actor_for(ctx.uow.session, person), step, loaded.subject):
        return None
    return await _report(ctx, loaded, person, headline)


@_about(S.REPORT_SUBMITTED)
async def to_check(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    headline = f"A report to check: {said_name(loaded.tutor)}"
    return await _step_report(ctx, loaded, person, Permission.CHECK_REPORT, headline)


@_about(S.RETURNED)
async def returned(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    stored = await Observations(ctx.uow.session).report(loaded.obs)
    comment = stored.return_comment if stored else ""
    return Message(
        card=message_card(
            f"Your report for {said_name(loaded.tutor)} needs a correction",
            [f"\u201c{said(comment)}\u201d", "Correct it and submit it again."],
            [
                Button(
                    "Correct the report",
                    "otla.report.open",
                    {"observation_id": loaded.obs.id},
                    primary=True,
                )
            ],
        )
    )


@_about(S.CHECKED)
async def to_approve(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    headline = f"A report to approve: {said_name(loaded.tutor)}"
    return await _step_report(ctx, loaded, person, Permission.APPROVE_REPORT, headline)


@_about()
async def waiting(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    """A report waiting more than 2 working days for its check or its approval."""
    state = loaded.obs.status
    if state is S.REPORT_SUBMITTED:
        step, permission = "checking", Permission.CHECK_REPORT
    elif state is S.CHECKED:
        step, permission = "approval", Permission.APPROVE_REPORT
    else:
        return None
    headline = f"Waiting over 2 working days for {step}: {said_name(loaded.tutor)}"
    return await _step_report(ctx, loaded, person, permission, headline)


@_about(*APPROVED_STATES)
async def report_sent(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    if person.id != loaded.obs.tutor_id:
        return await _report(ctx, loaded, person, f"Observation report: {said_name(loaded.tutor)}")
    # The tutor hears who else it went to: the line managers it was sent to at approval who
    # still are (a former one's copy is dropped when it falls due, as this one is drawn).
    also_to = ctx.payload.get("also_to")
    sent_to = set(also_to) if isinstance(also_to, list) else set()
    managers = [said_name(m) for m in loaded.managers if m.id in sent_to]
    note = None
    if managers:
        who = "your line manager" if len(managers) == 1 else "your line managers"
        note = f"Also sent to {who}, {said(' and '.join(managers))}."
    return await _report(ctx, loaded, person, "Your observation report", note)


@_about(S.ALLOCATED, *DATED)
async def documents(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    headline = f"{said_name(loaded.tutor)} shared planning documents"
    return await _observation(ctx, loaded, person, headline)


async def action_overdue(ctx: NoticeContext) -> Message | None:
    action_id = ctx.payload.get("action_id")
    if not isinstance(action_id, int):
        return None
    entry = await Observations(ctx.uow.session).action(ctx.item.org_id, action_id)
    if entry is None or entry.completed_at is not None:
        return None
    tutor = await ctx.directory.person(ctx.item.org_id, entry.tutor_id)
    managers = await ctx.directory.line_managers_of(tutor) if tutor else []
    if ctx.item.person_id not in (entry.tutor_id, *(m.id for m in managers)):
        return None  # no longer the tutor's line manager: not theirs to hear about
    lines = [said(entry.text), f"Target date: {day_label(entry.target_date)}."]
    if ctx.item.person_id == entry.tutor_id:
        lines.append("Talk it through with your line manager, who records the outcome.")
    else:
        lines.append(f"For {said_name(tutor)}: record the outcome, then mark it completed.")
    return Message(
        card=message_card(
            "An action is overdue",
            lines,
            [Button("Action review log", "run", {"command": "ars"}, primary=True)],
        )
    )


@_about(S.UNALLOCATED)
async def new_tutor(ctx: NoticeContext, loaded: Loaded, person: Person) -> Message | None:
    actor = await actor_for(ctx.uow.session, person)
    if not actor.has(Role.QUALITY_COORDINATOR):
        return None  # queued for the quality coordinators then; no longer one
    due = day_label(loaded.obs.due_by)
    return Message(
        card=message_card(
            f"New tutor: {said_name(loaded.tutor)}",
            [
                f"Starts delivering {day_label(loaded.tutor.start_date)}. Their OTLA falls "
                f"within the first 6 weeks: by {due}.",
            ],
            [Button("Allocate an observer", "otla.allocate.open", primary=True)],
        )
    )


async def induction(ctx: NoticeContext) -> Message | None:
    """The HA24 checklist, to the tutor's line manager as they are when it is sent: one who is
    no longer theirs does not get it, whoever is now does (queued to them), and with nobody
    to go to, whoever imported the tutor list (or, with no importer, the quality
    coordinators) is told so."""
    tutor_id = ctx.payload.get("tutor_id")
    if not isinstance(tutor_id, int):
        return None
    checklist = await Observations(ctx.uow.session).checklist(ctx.item.org_id, tutor_id)
    tutor = await ctx.directory.person(ctx.item.org_id, tutor_id)
    if checklist is None or tutor is None or len(checklist.done) >= len(induction_items()):
        return None
    managers = await ctx.directory.line_managers_of(tutor)
    if ctx.item.person_id in {m.id for m in managers}:
        manager = next(m for m in managers if m.id == ctx.item.person_id)
        actor = await actor_for(ctx.uow.session, manager)
        view = await checklist_view(ctx.uow.session, checklist, tutor, actor)
        return Message(card=induction_card(view))
    if managers:
        # Not theirs any more (a new tutor list since): it goes to who is.
        await _induction_to(ctx, tutor_id, [m.id for m in managers])
        return None
    by = ctx.payload.get("by")
    told = (
        [by]
        if isinstance(by, int)
        else [p.id for p in await ctx.directory.holders(tutor.org_id, Role.QUALITY_COORDINATOR)]
    )
    if ctx.item.person_id not in told:
        await _induction_to(ctx, tutor_id, told)
        return None
    tutor_name = said_name(tutor)
    return Message(
        card=message_card(
            f"{tutor_name} has no line manager",
            [
                f"{said(tutor_name)}'s HA24 new tutor induction checklist has nobody to go to: the "
                "tutor list gives them no line manager. Add one (line_manager_email) and "
                "import the list again, or open the checklist from **observations new**."
            ],
        )
    )


async def _induction_to(ctx: NoticeContext, tutor_id: int, people: list[int]) -> None:
    """Queue the HA24 notice to each of `people` not already sent or queued one."""
    for person_id in people:
        key = f"ha24:{tutor_id}:{person_id}"
        if await ctx.schedule.get(ctx.item.org_id, key) is not None:
            continue
        await ctx.schedule.put(
            ctx.item.org_id,
            key,
            schedule.INDUCTION,
            ctx.now,
            ctx.now,
            person_id=person_id,
            payload=dict(ctx.payload),
        )


NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind(schedule.ALLOCATED, allocated, None, "An observer hears they are allocated"),
    NoticeKind(schedule.REALLOCATED, reallocated, None, "A tutor hears of their new observer"),
    NoticeKind(schedule.UNALLOCATED, unallocated, None, "An observer is no longer allocated"),
    NoticeKind(schedule.OBSERVER_LEFT, observer_left, None, "A tutor hears their observer left"),
    NoticeKind(schedule.PROPOSAL, proposal, None, "A proposed observation date to accept"),
    NoticeKind(schedule.AGREED, agreed, None, "The observation date is agreed"),
    NoticeKind(schedule.TO_PLAN, to_plan, None, "The development officer plans an agreed date"),
    NoticeKind(schedule.WEEK_BEFORE, week_before, None, "One week before the observation"),
    NoticeKind(schedule.WRITE_REPORT, write_report, None, "After the observation: write it up"),
    NoticeKind(schedule.REPORT_REMINDER, report_reminder, None, "Day 2: the report is due"),
    NoticeKind(schedule.REPORT_LATE, report_late, None, "A late report, to the officer"),
    NoticeKind(schedule.TO_CHECK, to_check, None, "A report to check"),
    NoticeKind(schedule.RETURNED, returned, None, "A report returned for correction"),
    NoticeKind(schedule.TO_APPROVE, to_approve, None, "A report to approve"),
    NoticeKind(schedule.WAITING, waiting, None, "A report waiting over 2 working days"),
    NoticeKind(schedule.REPORT_SENT, report_sent, None, "The approved report, in 1:1 chat"),
    NoticeKind(schedule.DOCUMENTS, documents, None, "The tutor shared planning documents"),
    NoticeKind(schedule.ACTION_OVERDUE, action_overdue, None, "An overdue action"),
    NoticeKind(schedule.NEW_TUTOR, new_tutor, None, "A new tutor needs an OTLA"),
    NoticeKind(schedule.INDUCTION, induction, None, "A new tutor's HA24 checklist"),
)


def _write_report(observation_id: int) -> Button:
    """The next step on every report reminder: open the report card."""
    return Button(
        "Write the report", "otla.report.open", {"observation_id": observation_id}, primary=True
    )
