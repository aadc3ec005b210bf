"""Annual observations (OTLA): observations, reports, the action review log, and what hangs off
them.

`Observations` is the repository; every query is scoped to one organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column
from sqlalchemy.schema import ForeignKey, Index, UniqueConstraint
from sqlalchemy.types import JSON, LargeBinary, String, Text

from bot.domain.local_time import LONDON
from bot.domain.observations import APPROVED_STATES, BEFORE_OBSERVATION, DATED, ObservationState
from storage.models import (
    NumberedRow,
    OrganisationRow,
    Person,
    Repository,
    belongs_to,
    get_in_org,
    given,
    refers_to,
)

S = ObservationState


class Observation(NumberedRow):
    """One tutor's formal observation for one academic year (seed 002: one a year)."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("org_id", "tutor_id", "academic_year", name="uq_observations_tutor_year"),
        Index("ix_observations_org_state", "org_id", "state"),
        Index("ix_observations_observer", "observer_id"),
    )

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    tutor_id: Mapped[int] = belongs_to("people")
    observer_id: Mapped[int | None] = refers_to("people")
    academic_year: Mapped[str] = mapped_column(String(7))  # "2026/27"
    kind: Mapped[str] = mapped_column(String(20), default="annual")  # annual | induction | lil
    state: Mapped[str] = mapped_column(String(30))
    state_since: Mapped[datetime]
    course: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    due_by: Mapped[date | None]  # a new tutor's 6-week deadline
    proposed_by: Mapped[int | None]
    proposed_course: Mapped[str] = mapped_column(String(200), default="")
    proposed_starts_at: Mapped[datetime | None]
    proposed_ends_at: Mapped[datetime | None]
    proposal_note: Mapped[str] = mapped_column(Text, default="")
    room: Mapped[str] = mapped_column(String(200), default="")
    proposed_room: Mapped[str] = mapped_column(String(200), default="")
    # The agreed date's calendar event: its SEQUENCE (0 when first sent, +1 per change or
    # cancellation) and, with Microsoft Graph, the event's id to update or cancel it.
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    calendar_event_id: Mapped[str | None] = mapped_column(String(400))
    lil_course_id: Mapped[int | None]
    allocated_by: Mapped[int | None]
    acknowledged_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def status(self) -> ObservationState:
        return ObservationState(self.state)

    def forget_proposal(self) -> None:
        """The proposed date is answered, or no longer stands: it goes whole, with its course,
        room and note."""
        self.proposed_by = self.proposed_starts_at = self.proposed_ends_at = None
        self.proposed_course = self.proposed_room = self.proposal_note = ""


class ObservationReport(OrganisationRow):
    """The observer's written report: a draft until submitted. Its actions land on the action
    review log when it is approved."""

    __tablename__ = "observation_reports"

    observation_id: Mapped[int] = belongs_to("observations", unique=True)
    strength_themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    strengths: Mapped[str] = mapped_column(Text, default="")
    area_themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    areas: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    grade: Mapped[str | None] = mapped_column(String(60))
    best_practice: Mapped[bool] = mapped_column(default=False)
    best_practice_note: Mapped[str] = mapped_column(Text, default="")
    return_comment: Mapped[str] = mapped_column(Text, default="")
    returned_by: Mapped[int | None]
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ActionReviewEntry(OrganisationRow):
    """A line on the action review log (the ARS): an action from an approved report."""

    __tablename__ = "action_review_entries"
    __table_args__ = (
        Index("ix_action_review_entries_org_open", "org_id", "completed_at"),
        Index("ix_action_review_entries_observation", "observation_id"),
    )

    observation_id: Mapped[int] = belongs_to("observations")
    tutor_id: Mapped[int] = belongs_to("people")
    owner_id: Mapped[int | None] = refers_to("people")
    owner_role: Mapped[str] = mapped_column(String(20), default="tutor")
    text: Mapped[str] = mapped_column(Text)
    target_date: Mapped[date]
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_by: Mapped[int | None]
    outcome_at: Mapped[datetime | None]
    completed_by: Mapped[int | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ObservationDocument(OrganisationRow):
    """A planning or tracking document the tutor shared before the observation: a link or a file."""

    __tablename__ = "observation_documents"

    observation_id: Mapped[int] = belongs_to("observations", index=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    added_by: Mapped[int | None]
    added_at: Mapped[datetime]


class LilCourse(OrganisationRow):
    """A Learning-in-Libraries course from the EBS course list; observers pick from these."""

    __tablename__ = "lil_courses"
    __table_args__ = (
        UniqueConstraint("org_id", "academic_year", "code", name="uq_lil_courses_code"),
    )

    academic_year: Mapped[str] = mapped_column(String(7))
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    tutor_id: Mapped[int] = belongs_to("people")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    observation_id: Mapped[int | None]


class ObserverQuota(OrganisationRow):
    """How many Learning-in-Libraries tutors an observer takes this year."""

    __tablename__ = "observer_quotas"
    __table_args__ = (
        UniqueConstraint("org_id", "academic_year", "observer_id", name="uq_observer_quotas_one"),
    )

    academic_year: Mapped[str] = mapped_column(String(7))
    observer_id: Mapped[int] = belongs_to("people")
    quota: Mapped[int]
    updated_at: Mapped[datetime]


class InductionChecklist(OrganisationRow):
    """A new tutor's HA24 checklist: which items are done, by whom, when."""

    __tablename__ = "induction_checklists"
    __table_args__ = (UniqueConstraint("org_id", "tutor_id", name="uq_induction_checklists_tutor"),)

    tutor_id: Mapped[int] = belongs_to("people")
    start_date: Mapped[date | None]
    done: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # item key -> {by, at}
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def approved_between(org_id: str, start: datetime, end: datetime) -> tuple[Any, ...]:
    """The conditions for approved reports of observations held in [start, end)."""
    return (
        Observation.org_id == org_id,
        Observation.state.in_([s.value for s in APPROVED_STATES]),
        Observation.starts_at >= start,
        Observation.starts_at < end,
    )


class Observations(Repository):
    """Reads and writes observations inside the caller's unit of work."""

    # ------------------------------------------------------------ observations

    async def get(self, org_id: str, observation_id: int) -> Observation | None:
        return await get_in_org(self.session, Observation, org_id, observation_id)

    async def for_tutor(self, org_id: str, tutor_id: int, year: str) -> Observation | None:
        return await self.one(Observation, org_id=org_id, tutor_id=tutor_id, academic_year=year)

    async def create(
        self,
        org_id: str,
        tutor_id: int,
        year: str,
        state: ObservationState,
        now: datetime,
        *,
        kind: str = "annual",
        due_by: date | None = None,
    ) -> Observation:
        return await self.added(
            Observation(
                org_id=org_id,
                tutor_id=tutor_id,
                academic_year=year,
                kind=kind,
                state=state.value,
                state_since=now,
                due_by=due_by,
                created_at=now,
                updated_at=now,
            )
        )

    async def where(
        self,
        org_id: str,
        *,
        states: Iterable[ObservationState] | None = None,
        observer_id: int | None = None,
        tutor_ids: Iterable[int] | None = None,
        year: str | None = None,
    ) -> Sequence[Observation]:
        where = given(Observation, observer_id=observer_id, academic_year=year)
        if states is not None:
            where.append(Observation.state.in_([s.value for s in states]))
        if tutor_ids is not None:
            where.append(Observation.tutor_id.in_(list(tutor_ids)))
        return await self.rows(Observation, *where, org_id=org_id)

    async def planning_rows(
        self,
        org_id: str,
        year: str | None,
        states: Iterable[ObservationState] | None = None,
    ) -> Sequence[tuple[Observation, Person, Person | None]]:
        """Observations (of the year, in these states) with tutor and observer, in one query."""
        tutor = aliased(Person)
        observer = aliased(Person)
        q = (
            select(Observation, tutor, observer)
            .join(tutor, tutor.id == Observation.tutor_id)
            .outerjoin(observer, observer.id == Observation.observer_id)
            .where(Observation.org_id == org_id)
        )
        if year is not None:
            q = q.where(Observation.academic_year == year)
        if states is not None:
            q = q.where(Observation.state.in_([s.value for s in states]))
        rows = await self.session.execute(q.order_by(tutor.name, Observation.id))
        return [(o, t, ob) for o, t, ob in rows]

    async def unallocated_tutors(self, org_id: str, year: str) -> Sequence[Person]:
        """Tutors on the tutor list with no observation (or no observer) this year."""
        allocated = select(Observation.tutor_id).where(
            Observation.org_id == org_id,
            Observation.academic_year == year,
            Observation.observer_id.is_not(None),
        )
        return await self.rows(
            Person, Person.id.not_in(allocated), order_by=Person.name, org_id=org_id, is_tutor=True
        )

    # ------------------------------------------------------------ reports

    async def report(self, observation: Observation) -> ObservationReport | None:
        return await self.one(ObservationReport, observation_id=observation.id)

    async def report_for_writing(
        self, observation: Observation, now: datetime
    ) -> ObservationReport:
        report = await self.report(observation)
        if report is None:
            report = await self.added(
                ObservationReport(
                    org_id=observation.org_id,
                    observation_id=observation.id,  # the rest empty: the columns' defaults
                    created_at=now,
                    updated_at=now,
                )
            )
        return report

    async def approved_reports_between(
        self, org_id: str, start: datetime, end: datetime
    ) -> Sequence[tuple[Observation, ObservationReport]]:
        """Approved reports of observations that took place in [start, end)."""
        rows = await self.session.execute(
            select(Observation, ObservationReport)
            .join(ObservationReport, ObservationReport.observation_id == Observation.id)
            .where(*approved_between(org_id, start, end))
            .order_by(Observation.starts_at)
        )
        return [(o, r) for o, r in rows]

    async def best_practice(
        self, org_id: str, year: str
    ) -> Sequence[tuple[Observation, ObservationReport, Person]]:
        rows = await self.session.execute(
            select(Observation, ObservationReport, Person)
            .join(ObservationReport, ObservationReport.observation_id == Observation.id)
            .join(Person, Person.id == Observation.tutor_id)
            .where(
                Observation.org_id == org_id,
                Observation.academic_year == year,
                Observation.state.in_([s.value for s in APPROVED_STATES]),
                ObservationReport.best_practice,
            )
            .order_by(Observation.starts_at)
        )
        return [(o, r, p) for o, r, p in rows]

    # ------------------------------------------------------------ the action review log

    def add_action(self, entry: ActionReviewEntry) -> None:
        self.session.add(entry)

    async def action(self, org_id: str, action_id: int) -> ActionReviewEntry | None:
        return await get_in_org(self.session, ActionReviewEntry, org_id, action_id)

    async def actions(
        self,
        org_id: str,
        *,
        observation_id: int | None = None,
        tutor_ids: Iterable[int] | None = None,
        owner_id: int | None = None,
        open_only: bool = False,
    ) -> Sequence[ActionReviewEntry]:
        where = given(ActionReviewEntry, observation_id=observation_id, owner_id=owner_id)
        if tutor_ids is not None:
            where.append(ActionReviewEntry.tutor_id.in_(list(tutor_ids)))
        if open_only:
            where.append(ActionReviewEntry.completed_at.is_(None))
        return await self.rows(
            ActionReviewEntry,
            *where,
            order_by=(ActionReviewEntry.target_date, ActionReviewEntry.id),
            org_id=org_id,
        )

    async def action_log_rows(
        self, org_id: str, year: str | None = None
    ) -> Sequence[tuple[ActionReviewEntry, Observation, Person, Person | None, Person | None]]:
        """The whole action review log with each action's observation, tutor, owner, observer."""
        tutor = aliased(Person)
        owner = aliased(Person)
        observer = aliased(Person)
        q = (
            select(ActionReviewEntry, Observation, tutor, owner, observer)
            .join(Observation, Observation.id == ActionReviewEntry.observation_id)
            .join(tutor, tutor.id == ActionReviewEntry.tutor_id)
            .outerjoin(owner, owner.id == ActionReviewEntry.owner_id)
            .outerjoin(observer, observer.id == Observation.observer_id)
            .where(ActionReviewEntry.org_id == org_id)
        )
        if year is not None:
            q = q.where(Observation.academic_year == year)
        rows = await self.session.execute(q.order_by(tutor.name, ActionReviewEntry.id))
        return [(a, o, t, w, b) for a, o, t, w, b in rows]

    async def action_counts(self, org_id: str, year: str) -> dict[int, int]:
        rows = await self.session.execute(
            select(ActionReviewEntry.observation_id, func.count(ActionReviewEntry.id))
            .join(Observation, Observation.id == ActionReviewEntry.observation_id)
            .where(ActionReviewEntry.org_id == org_id, Observation.academic_year == year)
            .group_by(ActionReviewEntry.observation_id)
        )
        return {oid: int(n) for oid, n in rows}

    async def submitted_dates(self, org_id: str, year: str) -> dict[int, datetime]:
        rows = await self.session.execute(
            select(ObservationReport.observation_id, ObservationReport.submitted_at)
            .join(Observation, Observation.id == ObservationReport.observation_id)
            .where(
                Observation.org_id == org_id,
                Observation.academic_year == year,
                ObservationReport.submitted_at.is_not(None),
            )
        )
        return {oid: at for oid, at in rows if at is not None}

    async def open_action_count(self, observation_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count(ActionReviewEntry.id)).where(
                    ActionReviewEntry.observation_id == observation_id,
                    ActionReviewEntry.completed_at.is_(None),
                )
            )
            or 0
        )

    # ------------------------------------------------------------ documents

    def add_document(self, document: ObservationDocument) -> None:
        self.session.add(document)

    async def documents(self, observation_id: int) -> Sequence[ObservationDocument]:
        return await self.rows(ObservationDocument, observation_id=observation_id)

    async def document(self, org_id: str, document_id: int) -> ObservationDocument | None:
        return await get_in_org(self.session, ObservationDocument, org_id, document_id)

    # ------------------------------------------------------------ Learning in Libraries

    async def course(self, org_id: str, course_id: int) -> LilCourse | None:
        return await get_in_org(self.session, LilCourse, org_id, course_id)

    async def course_by_code(self, org_id: str, year: str, code: str) -> LilCourse | None:
        return await self.one(LilCourse, org_id=org_id, academic_year=year, code=code)

    def add_course(self, course: LilCourse) -> None:
        self.session.add(course)

    async def open_courses(self, org_id: str, year: str) -> Sequence[tuple[LilCourse, Person]]:
        """Courses not yet picked, whose tutor has no observation this year."""
        observed = select(Observation.tutor_id).where(
            Observation.org_id == org_id,
            Observation.academic_year == year,
            Observation.observer_id.is_not(None),
        )
        rows = await self.session.execute(
            select(LilCourse, Person)
            .join(Person, Person.id == LilCourse.tutor_id)
            .where(
                LilCourse.org_id == org_id,
                LilCourse.academic_year == year,
                LilCourse.observation_id.is_(None),
                LilCourse.tutor_id.not_in(observed),
            )
            .order_by(LilCourse.starts_at, LilCourse.code)
        )
        return [(c, p) for c, p in rows]

    async def quota(self, org_id: str, year: str, observer_id: int) -> ObserverQuota | None:
        return await self.one(
            ObserverQuota, org_id=org_id, academic_year=year, observer_id=observer_id
        )

    async def set_quota(
        self, org_id: str, year: str, observer_id: int, quota: int, now: datetime
    ) -> ObserverQuota:
        row = await self.quota(org_id, year, observer_id)
        if row is None:
            row = ObserverQuota(org_id=org_id, academic_year=year, observer_id=observer_id, quota=0)
            self.session.add(row)
        row.quota = quota
        row.updated_at = now
        await self.session.flush()
        return row

    async def lil_picked(self, org_id: str, year: str, observer_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count(Observation.id)).where(
                    Observation.org_id == org_id,
                    Observation.academic_year == year,
                    Observation.observer_id == observer_id,
                    Observation.kind == "lil",
                )
            )
            or 0
        )

    # ------------------------------------------------------------ new tutors

    async def checklist(self, org_id: str, tutor_id: int) -> InductionChecklist | None:
        return await self.one(InductionChecklist, org_id=org_id, tutor_id=tutor_id)

    async def start_checklist(
        self, org_id: str, tutor_id: int, start_date: date | None, now: datetime
    ) -> tuple[InductionChecklist, bool]:
        existing = await self.checklist(org_id, tutor_id)
        if existing is not None:
            existing.start_date = start_date
            return existing, False
        row = InductionChecklist(
            org_id=org_id, tutor_id=tutor_id, start_date=start_date, created_at=now, updated_at=now
        )
        return await self.added(row), True

    async def checklists(self, org_id: str) -> Sequence[tuple[InductionChecklist, Person]]:
        rows = await self.session.execute(
            select(InductionChecklist, Person)
            .join(Person, Person.id == InductionChecklist.tutor_id)
            .where(InductionChecklist.org_id == org_id)
            .order_by(InductionChecklist.start_date.desc(), Person.name)
        )
        return [(c, p) for c, p in rows]


async def observed_by_month(
    session: AsyncSession, org_id: str, start: date, end: date
) -> dict[date, int]:
    """Observations that have taken place (observed, or further on), by the month (first day,
    London time) they took place in, from `start` to `end`."""
    gone_ahead = [s.value for s in ObservationState if s not in BEFORE_OBSERVATION]
    rows = await session.scalars(
        select(Observation.starts_at).where(
            Observation.org_id == org_id,
            Observation.state.in_(gone_ahead),
            Observation.starts_at >= datetime.combine(start, time(0), LONDON) - timedelta(days=1),
            Observation.starts_at < datetime.combine(end, time(0), LONDON) + timedelta(days=2),
        )
    )
    counts: dict[date, int] = {}
    for starts_at in rows:
        day = starts_at.astimezone(LONDON).date() if starts_at is not None else None
        if day is not None and start <= day <= end:
            counts[day.replace(day=1)] = counts.get(day.replace(day=1), 0) + 1
    return counts


# Asked on every HA27 save (the same-day rule): built once.
_PLANNED_DATES = select(Observation.tutor_id, Observation.starts_at).where(
    Observation.org_id == bindparam("org_id"),
    Observation.tutor_id.in_(bindparam("tutor_ids", expanding=True)),
    Observation.state.in_([s.value for s in DATED]),
    Observation.starts_at.is_not(None),
)


async def planned_observation_dates(
    session: AsyncSession, org_id: str, tutor_ids: list[int]
) -> dict[int, list[date]]:
    """Agreed or planned OTLA dates (London days) per tutor: learning walks must avoid them."""
    if not tutor_ids:
        return {}
    rows = await session.execute(_PLANNED_DATES, {"org_id": org_id, "tutor_ids": tutor_ids})
    dates: dict[int, list[date]] = {}
    for tutor_id, starts_at in rows:
        if starts_at is not None:
            dates.setdefault(tutor_id, []).append(starts_at.astimezone(LONDON).date())
    return {t: sorted(d) for t, d in dates.items()}
