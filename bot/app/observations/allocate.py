"""`observe`: allocating observers (one by one in a card, or by a CSV or Excel list) and opening an
observation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.app.context import HandlerContext
from bot.app.events import SupportsTutor
from bot.app.form_fields import whole_number
from bot.app.observations import calendar, lil, schedule
from bot.app.observations.forms import AllocateForm
from bot.app.observations.lifecycle import (
    Loaded,
    apply,
    audit,
    load,
    name_of,
    said_name,
    with_people,
)
from bot.app.observations.present import asker_card
from bot.app.refusals import refusal
from bot.app.router import CardAction
from bot.app.turn import Message, Reply
from bot.domain.access import Permission, Role
from bot.domain.local_time import london_day
from bot.domain.observations import (
    BEFORE_OBSERVATION,
    REPORT_IN_PROGRESS,
    Move,
    MoveRefused,
    ObservationState,
    academic_year,
    parse_allocation_csv,
)
from cards.observations import (
    AllocationFormView,
    Button,
    ImportView,
    allocation_card,
    import_result_card,
    message_card,
)
from storage.models import Person
from storage.observations import Observations

S = ObservationState
ONLY_QUALITY = "Sorry, only the quality coordinator allocates observers."
NOT_YOURS = "Sorry, that observation isn't one you can see."
OBSERVER_ROLES = (
    Role.OBSERVER,
    Role.LINE_MANAGER,
    Role.QUALITY_COORDINATOR,
    Role.DEVELOPMENT_OFFICER,
    Role.DEVELOPMENT_COORDINATOR,
    Role.ADVANCED_PRACTITIONER,
)


async def observe(ctx: HandlerContext) -> Reply:
    """Allocate observers, or open an observation.

    Usage: observe
    Usage: observe 12 (open observation 12)
    Usage: observe import (with a CSV or Excel file: tutor_email, observer_email, course)
    Usage: observe courses (Learning in Libraries: pick, or send the EBS course list)
    Usage: observe quota name@college.ac.uk 5 (Learning in Libraries tutors per observer)
    """
    words = ctx.args.split()
    sub = words[0].lower() if words else ""
    if sub in ("courses", "course", "lil", "libraries"):
        return await lil.courses(ctx)
    if sub == "quota":
        return await lil.quota(ctx, words[1:])
    if sub == "import" or ctx.turn.files:
        return await import_allocations(ctx)
    if (number := whole_number(sub.lstrip("#"))) is not None:
        return await show(ctx, number)
    if ctx.can(Permission.ALLOCATE_OBSERVER):
        return Reply.show(allocation_card(await _allocation_view(ctx)))
    from bot.app.observations.views import todo

    return await todo(ctx)


async def _allocation_view(ctx: HandlerContext) -> AllocationFormView:
    org, year = ctx.turn.org_id, academic_year(london_day(ctx.services.clock.now()))
    tutors = await Observations(ctx.uow.session).unallocated_tutors(org, year)
    observers = await ctx.directory.holders(org, *OBSERVER_ROLES)
    tutor_list_empty = not tutors and not await ctx.directory.tutor_list(org, 1)
    return AllocationFormView(
        tutor_list_empty=tutor_list_empty,
        can_set_up=Role.ORG_ADMIN in ctx.actor.roles,
        tutors=[(_label(p), str(p.id)) for p in tutors[:100]],
        observers=[
            (_label(p), str(p.id))
            for p in sorted(observers, key=lambda p: name_of(p).lower())[:100]
        ],
        year=year,
        can_lil=ctx.can(Permission.ALLOCATE_LIL) or ctx.can(Permission.PICK_LIL_COURSE),
    )


def _label(person: Person) -> str:
    extra = " (LiL)" if person.learning_in_libraries else ""
    return f"{name_of(person)}{extra}"


async def open_allocation(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.ALLOCATE_OBSERVER):
        return Reply.text(refusal(ctx, ONLY_QUALITY, Role.QUALITY_COORDINATOR, "allocate them"))
    return Reply.show(allocation_card(await _allocation_view(ctx)))


async def redisplay_allocation(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    if "form" in errors:
        errors = {"observer_id": errors.pop("form"), **errors}
    shown = {k: str(v) for k, v in values.items() if v is not None}
    return Reply.update(allocation_card(await _allocation_view(ctx), shown, errors))


async def allocate(ctx: HandlerContext, form: AllocateForm) -> Reply:
    if not ctx.can(Permission.ALLOCATE_OBSERVER):
        return Reply.text(refusal(ctx, ONLY_QUALITY, Role.QUALITY_COORDINATOR, "allocate them"))
    org = ctx.turn.org_id
    tutor = await ctx.directory.person(org, form.tutor_id)
    observer = (
        await ctx.directory.person(org, form.observer_id)
        if form.observer_id is not None
        else await ctx.directory.person_by_email(org, str(form.observer_email))
    )
    values = {k: str(v) for k, v in form.model_dump().items() if v is not None}
    problem = _who_problem(tutor, observer)
    if problem or tutor is None or observer is None:
        field = "tutor_id" if tutor is None else "observer_email"
        view = await _allocation_view(ctx)
        return Reply.update(allocation_card(view, values, {field: problem or "Not found"}))
    try:
        loaded = await allocate_one(ctx, tutor, observer, form.course)
    except MoveRefused as exc:
        return Reply.update(
            allocation_card(await _allocation_view(ctx), values, {"tutor_id": str(exc)})
        )
    done = message_card(
        f"Allocated: {said_name(observer)} observes {said_name(tutor)}",
        [f"{said_name(observer)} will hear in chat and propose a date to {said_name(tutor)}."],
        [Button("Allocate another", "otla.allocate.open", primary=True)],
    )
    return Reply.update(done, Message(text=f"Observation #{loaded.obs.id} allocated."))


def _who_problem(tutor: Person | None, observer: Person | None) -> str | None:
    if tutor is None:
        return "Choose a tutor from the list"
    if observer is None:
        return "Nobody with that email yet: ask them to say hello to me first."
    if observer.id == tutor.id:
        return "A tutor cannot observe themselves"
    return None


async def allocate_one(
    ctx: HandlerContext, tutor: Person, observer: Person, course: str = ""
) -> Loaded:
    """Allocate (or re-allocate) this year's observation of `tutor` to `observer`, and tell them."""
    now = ctx.services.clock.now()
    org = ctx.turn.org_id
    repo = Observations(ctx.uow.session)
    year = academic_year(london_day(now))
    obs = await repo.for_tutor(org, tutor.id, year)
    if obs is None and tutor.id not in await ctx.directory.tutors_among([tutor]):
        # Only someone the tutor list offers (on it, or holding the tutor role, as the HA27
        # picker decides) is observed; an observation already made can still be reallocated.
        raise MoveRefused(f"{name_of(tutor)} is not a tutor: choose one from the tutor list.")
    if any(
        await ctx.services.events.ask(ctx.uow.session, SupportsTutor(org, tutor.id, observer.id))
    ):
        # Their AP or mentor now (said without why: that is the tutor's own business), and
        # nothing written yet.
        raise MoveRefused(
            f"{name_of(observer)} can't observe {name_of(tutor)} for their OTLA: please "
            "choose another observer."
        )
    if obs is None:
        obs = await repo.create(org, tutor.id, year, S.UNALLOCATED, now)
    if obs.status not in BEFORE_OBSERVATION:
        raise MoveRefused(f"{name_of(tutor)} has already been observed this year.")
    loaded = await with_people(ctx.uow.session, obs)
    previous = obs.observer_id
    if previous == observer.id:
        obs.course = course or obs.course
        return loaded  # already theirs: nothing to move, nobody to tell again
    await apply(
        ctx.uow.session,
        ctx.actor,
        loaded,
        Move.ALLOCATE,
        now,
        f"observer {previous} → {observer.id}" if previous else f"observer {observer.id}",
    )
    obs.observer_id = observer.id
    obs.allocated_by = ctx.person.id
    if course:
        obs.course = course
    if previous is not None and previous != observer.id:
        await _date_dropped(ctx, loaded, now)
    obs.updated_at = now
    await ctx.directory.grant(observer, Role.OBSERVER, ctx.person.id, now, "allocated")
    loaded = await with_people(ctx.uow.session, obs)
    session = ctx.uow.session
    await schedule.tell(
        session, obs, f"allocated:{observer.id}", schedule.ALLOCATED, observer.id, now, now
    )
    if previous is not None:
        # The tutor hears who observes them now; the old observer only that they no longer do.
        await schedule.tell(
            session,
            obs,
            f"reallocated:{obs.tutor_id}",
            schedule.REALLOCATED,
            obs.tutor_id,
            now,
            now,
            observer_id=observer.id,
        )
        await schedule.tell(
            session, obs, f"unallocated:{previous}", schedule.UNALLOCATED, previous, now, now
        )
    return loaded


async def _date_dropped(ctx: HandlerContext, loaded: Loaded, now: datetime) -> None:
    """The observer changes, and a new one agrees a new date: the old date goes with its plans,
    reminders (all of them: the caller tells whom it needs to) and calendar event, and any
    proposal goes whole (its course, room and note are not the new observer's)."""
    obs = loaded.obs
    await calendar.date_cancelled(ctx, loaded, now)  # while the event's date is still known
    obs.starts_at = obs.ends_at = None
    obs.room = ""
    obs.forget_proposal()
    await ctx.uow.session.flush()
    await schedule.cancel(ctx.uow.session, obs.org_id, obs.id, ("",), now)


async def observer_role_revoked(ctx: HandlerContext, person: Person) -> tuple[int, int]:
    """`person` no longer holds the observer role: every observation of theirs not yet made
    goes back to the quality team as needing an observer (its date, proposal, reminders and
    calendar event go, as on a reallocation), and each tutor is told their observer changed.
    Observations already made keep their observer on record; the access rule refuses them
    until approved. Returns how many went back, and how many made still wait for their report
    from this observer (which nobody else can write: the admin is told)."""
    now = ctx.services.clock.now()
    org = ctx.turn.org_id
    session = ctx.uow.session
    found = await Observations(session).where(
        org, observer_id=person.id, states=tuple(BEFORE_OBSERVATION)
    )
    for obs in found:
        loaded = await with_people(session, obs)
        before = obs.status
        obs.state = S.UNALLOCATED.value
        obs.state_since = now
        obs.observer_id = None
        obs.updated_at = now
        await _date_dropped(ctx, loaded, now)
        await audit(
            session,
            org,
            ctx.person.id,
            obs.id,
            "observer role revoked",
            f"{before.value} → {S.UNALLOCATED.value}; observer {person.id}",
            now,
        )
        await schedule.tell(
            session,
            obs,
            f"observer-left:{obs.tutor_id}",
            schedule.OBSERVER_LEFT,
            obs.tutor_id,
            now,
            now,
            observer_id=person.id,
        )
        await schedule.tell(
            session, obs, f"unallocated:{person.id}", schedule.UNALLOCATED, person.id, now, now
        )
    unwritten = await Observations(session).where(
        org, observer_id=person.id, states=tuple(REPORT_IN_PROGRESS)
    )
    return len(found), len(unwritten)


async def import_allocations(ctx: HandlerContext) -> Reply:
    """Allocations by CSV or Excel: tutor_email, observer_email, course."""
    if not ctx.can(Permission.ALLOCATE_OBSERVER):
        return Reply.text(refusal(ctx, ONLY_QUALITY, Role.QUALITY_COORDINATOR, "allocate them"))
    content = await ctx.sent_list(
        "observe import",
        "Send the allocations as a CSV or Excel (.xlsx) file (tutor_email, observer_email, "
        "course) in this chat with the words **observe import**.",
    )
    if isinstance(content, Reply):
        return content
    rows, problems = parse_allocation_csv(content)
    found = [(p.line, p.message) for p in problems]
    done = 0
    for row in rows:
        tutor = await ctx.directory.person_by_email(ctx.turn.org_id, row.tutor_email)
        observer = await ctx.directory.person_by_email(ctx.turn.org_id, row.observer_email)
        problem = _who_problem(tutor, observer)
        if problem or tutor is None or observer is None:
            what = "tutor not on the tutor list" if tutor is None else problem
            found.append((row.line, str(what)))
            continue
        try:
            # Refusals come before anything is written, so one bad row spoils nothing.
            await allocate_one(ctx, tutor, observer, row.course)
        except MoveRefused as exc:
            found.append((row.line, str(exc)))
            continue
        done += 1
    view = ImportView("Observers allocated", done, "Allocated", sorted(found))
    return Reply.show(import_result_card(view))


async def show(ctx: HandlerContext, observation_id: int, headline: str | None = None) -> Reply:
    loaded = await load(ctx.uow.session, ctx.turn.org_id, observation_id)
    if loaded is None or not ctx.can(Permission.READ_OBSERVATION_PLAN, loaded.subject):
        return Reply.text(NOT_YOURS)
    return Reply.show(await asker_card(ctx, loaded, headline))


async def open_observation(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    try:
        observation_id = int(values.get("observation_id", ""))
    except ValueError:
        return Reply.text(NOT_YOURS)
    return await show(ctx, observation_id)


ROWS: tuple[CardAction, ...] = (
    # The tutor and observer lists: never posted in a shared place.
    CardAction("otla.allocate.open", open_allocation, idempotent=False),
    CardAction("otla.allocate", allocate, form=AllocateForm, redisplay=redisplay_allocation),
    CardAction("otla.open", open_observation, idempotent=False),
)
