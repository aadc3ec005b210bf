"""Every proactive message about an observation, by deterministic key.

Keys start `otla:{observation_id}:` (actions: `otla-action:{action_id}:`), so scheduling twice keeps
one row, and rescheduling the observation moves every date-bound reminder: the same keys are put
again with the new times, after the old ones are cancelled (people may have changed too).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.observations.lifecycle import Loaded
from bot.domain.access import Role
from bot.domain.local_time import london_day
from bot.domain.observations import (
    DATED,
    ObservationClock,
    ObservationState,
    academic_year,
    action_overdue_at,
    waiting_nudge_at,
)
from storage.observations import ActionReviewEntry, Observation, Observations
from storage.people import Directory
from storage.reminders import CANCELLED, Schedule, ScheduledItem

# Notice kinds (see bot.app.observations.notices).
ALLOCATED = "otla.allocated"
REALLOCATED = "otla.reallocated"  # to the tutor: their new observer
UNALLOCATED = "otla.unallocated"  # to the old observer: no longer theirs
OBSERVER_LEFT = "otla.observer-left"  # to the tutor: their observer no longer observes
PROPOSAL = "otla.proposal"
AGREED = "otla.agreed"
TO_PLAN = "otla.to-plan"
WEEK_BEFORE = "otla.week-before"
WRITE_REPORT = "otla.write-report"
REPORT_REMINDER = "otla.report-reminder"
REPORT_LATE = "otla.report-late"
TO_CHECK = "otla.to-check"
RETURNED = "otla.returned"
TO_APPROVE = "otla.to-approve"
WAITING = "otla.waiting"
REPORT_SENT = "otla.report"
DOCUMENTS = "otla.documents"
ACTION_OVERDUE = "otla.action-overdue"
NEW_TUTOR = "otla.new-tutor"
INDUCTION = "otla.ha24"

# Reminders that hang on the agreed date, moved together on rescheduling.
DATE_BOUND = ("1wk:", "write", "day2", "late:")


def key(observation_id: int, rest: str) -> str:
    return f"otla:{observation_id}:{rest}"


async def tell(
    session: AsyncSession,
    obs: Observation,
    step: str,
    kind: str,
    person_id: int,
    due_at: datetime,
    now: datetime,
    *,
    existing: ScheduledItem | None | Literal["unread"] = "unread",
    **payload: Any,
) -> None:
    """Tell one person about this observation at `due_at` (key `otla:{id}:{step}`; the payload
    names the observation). `existing`: the item with this key, if the caller has just read
    it."""
    await Schedule(session).put(
        obs.org_id,
        key(obs.id, step),
        kind,
        due_at,
        now,
        person_id=person_id,
        payload={"observation_id": obs.id, **payload},
        existing=existing,
    )


async def tell_about_date(
    session: AsyncSession,
    obs: Observation,
    step: str,
    kind: str,
    person_id: int,
    starts_at: datetime | None,
    now: datetime,
) -> None:
    """Tell one person at once about a date for this observation (proposed or agreed)."""
    starts = starts_at.isoformat() if starts_at else ""
    await tell(session, obs, f"{step}:{person_id}", kind, person_id, now, now, starts_at=starts)


async def tell_role(
    session: AsyncSession,
    loaded: Loaded,
    role: Role,
    rest: str,
    kind: str,
    due_at: datetime,
    now: datetime,
) -> int:
    """Tell everyone holding `role` (the development officers, the coordinators)."""
    people = await Directory(session).holders(loaded.obs.org_id, role)
    for person in people:
        await tell(session, loaded.obs, f"{rest}:{person.id}", kind, person.id, due_at, now)
    return len(people)


async def cancel(
    session: AsyncSession, org_id: str, observation_id: int, rests: Iterable[str], now: datetime
) -> None:
    schedule = Schedule(session)
    for rest in rests:
        await schedule.cancel_prefix(org_id, key(observation_id, rest), now)


async def schedule_date_bound(session: AsyncSession, loaded: Loaded, now: datetime) -> None:
    """The 1-week reminders, the prompt to write, the day-2 reminder and the late escalation,
    all from the agreed date. Called whenever a date is agreed, so a new date moves them all."""
    obs = loaded.obs
    assert obs.starts_at is not None and obs.ends_at is not None and obs.observer_id is not None
    await cancel(session, obs.org_id, obs.id, DATE_BOUND, now)
    clock = ObservationClock(obs.starts_at, obs.ends_at)
    starts = obs.starts_at.isoformat()
    week = clock.week_before_due(now)
    if week is not None:
        people = [obs.observer_id, obs.tutor_id, *sorted(loaded.manager_ids)]
        for person_id in dict.fromkeys(people):
            await tell(
                session,
                obs,
                f"1wk:{person_id}",
                WEEK_BEFORE,
                person_id,
                week,
                now,
                starts_at=starts,
            )
    # the observer: the prompt to write when the observation ends, then the day-2 reminder
    for rest, kind, at in (
        ("write", WRITE_REPORT, obs.ends_at),
        ("day2", REPORT_REMINDER, clock.report_reminder),
    ):
        await tell(session, obs, rest, kind, obs.observer_id, at, now, starts_at=starts)
    await tell_role(
        session, loaded, Role.DEVELOPMENT_OFFICER, "late", REPORT_LATE, clock.report_escalation, now
    )


async def schedule_waiting(
    session: AsyncSession, loaded: Loaded, role: Role, kind: str, now: datetime
) -> None:
    """Tell the owners of the next step now, and nudge them after 2 working days of waiting."""
    rest = "check" if role is Role.DEVELOPMENT_OFFICER else "approve"
    await tell_role(session, loaded, role, rest, kind, now, now)
    await tell_role(session, loaded, role, f"{rest}-nudge", WAITING, waiting_nudge_at(now), now)


async def schedule_action_overdue(
    session: AsyncSession, entry: ActionReviewEntry, now: datetime
) -> None:
    if entry.owner_id is None:
        return
    await Schedule(session).put(
        entry.org_id,
        f"otla-action:{entry.id}:overdue",
        ACTION_OVERDUE,
        action_overdue_at(entry.target_date),
        now,
        person_id=entry.owner_id,
        payload={"action_id": entry.id},
    )


# --- Whoever takes on a part later hears what their part was promised -----------------------

# (key rest, notice kind, person, when): one reminder owed to one person.
Owed = tuple[str, str, int, datetime]


async def to_new_line_managers(
    session: AsyncSession, org_id: str, tutor_ids: Collection[int], now: datetime
) -> int:
    """A tutor list gave these tutors new line managers: each one's observation still ahead
    tells its line managers a week before, as agreeing the date promised the line manager
    then (at once when that week has begun). A former one's reminder is dropped when it falls
    due. Returns how many are scheduled."""
    if not tutor_ids:
        return 0
    observations = [
        obs
        for obs in await Observations(session).where(
            org_id, states=DATED, year=academic_year(london_day(now))
        )
        if obs.tutor_id in tutor_ids and obs.starts_at and obs.ends_at and obs.starts_at > now
    ]
    directory = Directory(session)
    tutors = await directory.people(org_id, {obs.tutor_id for obs in observations})
    managers = await directory.line_manager_ids(tutors) if tutors else {}
    count = 0
    for obs in observations:
        assert obs.starts_at is not None and obs.ends_at is not None
        due = ObservationClock(obs.starts_at, obs.ends_at).week_before_due(now)
        if due is None:
            continue
        owed = [(f"1wk:{m}", WEEK_BEFORE, m, due) for m in sorted(managers.get(obs.tutor_id, ()))]
        count += await _owed(session, obs, owed, now, starts_at=obs.starts_at.isoformat())
    return count


async def to_new_role_holders(
    session: AsyncSession, org_id: str, grants: Iterable[tuple[int, str]], now: datetime
) -> int:
    """Roles were given: the new development officer hears of the reports not yet in that will
    be late (or are), and of the reports waiting to be checked; the new development coordinator
    of those waiting to be approved; the new quality coordinator of the new tutors whose OTLA
    is still to allocate. As each was told to the holders there were (none, on a college's
    first days, when the tutor list comes before the quality team). This academic year's only.
    Returns how many are scheduled."""
    given = {role: sorted({p for p, r in grants if r == role.value}) for role in Role}
    officers = given[Role.DEVELOPMENT_OFFICER]
    coordinators = given[Role.DEVELOPMENT_COORDINATOR]
    quality = given[Role.QUALITY_COORDINATOR]
    if not officers and not coordinators and not quality:
        return 0
    waiting = {
        ObservationState.REPORT_SUBMITTED: ("check", TO_CHECK, officers),
        ObservationState.CHECKED: ("approve", TO_APPROVE, coordinators),
    }
    not_in = {*DATED, ObservationState.OBSERVED}
    count = 0
    year = academic_year(london_day(now))
    states = (*not_in, *waiting, ObservationState.UNALLOCATED)
    for obs in await Observations(session).where(org_id, states=states, year=year):
        owed: list[Owed] = []
        if obs.status is ObservationState.UNALLOCATED:
            if obs.due_by is not None:  # a new tutor's (`induction.on_tutors_imported`)
                owed = [(f"new-tutor:{p}", NEW_TUTOR, p, now) for p in quality]
        elif obs.status in not_in and obs.starts_at and obs.ends_at:
            at = max(ObservationClock(obs.starts_at, obs.ends_at).report_escalation, now)
            owed = [(f"late:{p}", REPORT_LATE, p, at) for p in officers]
        elif obs.status in waiting:
            rest, kind, people = waiting[obs.status]
            nudge = waiting_nudge_at(now)
            for p in people:
                owed += [(f"{rest}:{p}", kind, p, now), (f"{rest}-nudge:{p}", WAITING, p, nudge)]
        count += await _owed(session, obs, owed, now)
    return count


async def _owed(
    session: AsyncSession, obs: Observation, owed: list[Owed], now: datetime, **payload: Any
) -> int:
    """Schedule each owed reminder unless it is already waiting or was sent: nobody's is moved,
    and nothing is said twice."""
    found = await Schedule(session).get_many(obs.org_id, [key(obs.id, rest) for rest, *_ in owed])
    count = 0
    for rest, kind, person_id, due_at in owed:
        existing = found.get(key(obs.id, rest))
        if existing is not None and existing.state != CANCELLED:
            continue
        await tell(session, obs, rest, kind, person_id, due_at, now, existing=existing, **payload)
        count += 1
    return count
