"""The learning-walk store: plans and HA27s, kept under the team and channel they were saved in.

A walk is a row in `learning_walks` (a draft until it is saved), with one `learning_walk_tutors`
row per tutor visited (one HA27 may cover a group of walks). Plans are one row per team and term
in `walk_plans`, with their windows in `walk_windows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Mapped, aliased, joinedload, mapped_column, relationship
from sqlalchemy.schema import ForeignKey, Index, UniqueConstraint
from sqlalchemy.types import JSON, String, Text

from bot.domain.walks import (
    CHANNEL_READERS,
    LearningWalk,
    TutorOnList,
    WalkFacts,
    WalkPlan,
    WalkWindow,
)
from storage.models import (
    MAX_ID,
    NumberedRow,
    Order,
    Organisation,
    Person,
    Repository,
    RoleGrant,
    Team,
    TeamMember,
    belongs_to,
    get_in_org,
    given,
    insert_row,
    inserting,
    refers_to,
)
from storage.people import Directory

DRAFT = "draft"
SAVED = "saved"


class StoredWalkPlan(NumberedRow):
    __tablename__ = "walk_plans"
    __table_args__ = (UniqueConstraint("team_pk", "term_key", name="uq_walk_plans_team_term"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_pk: Mapped[int] = belongs_to("teams")
    term_key: Mapped[str] = mapped_column(String(40))
    focus: Mapped[str] = mapped_column(String(300))
    linked_to: Mapped[str] = mapped_column(String(300), default="")
    walker_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    teams_channel_id: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    windows: Mapped[list[StoredWalkWindow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StoredWalkWindow.starts_on"
    )

    def to_domain(self) -> WalkPlan:
        return WalkPlan(
            term_key=self.term_key,
            focus=self.focus,
            linked_to=self.linked_to,
            windows=tuple(w.to_domain() for w in self.windows),
            walker_ids=frozenset(self.walker_ids or ()),
        )


class StoredWalkWindow(NumberedRow):
    __tablename__ = "walk_windows"
    __table_args__ = (Index("ix_walk_windows_ends_on", "ends_on"),)

    plan_id: Mapped[int] = belongs_to("walk_plans")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    course_type: Mapped[str] = mapped_column(String(100), default="")

    def to_domain(self) -> WalkWindow:
        return WalkWindow(self.starts_on, self.ends_on, self.course_type)


class StoredWalk(NumberedRow):
    """An HA27. `team_pk` + `teams_channel_id` are the channel store it was saved in."""

    __tablename__ = "learning_walks"
    __table_args__ = (
        Index("ix_learning_walks_team_day", "team_pk", "walk_date"),
        Index("ix_learning_walks_author", "author_id", "state"),
    )

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_pk: Mapped[int] = belongs_to("teams")
    teams_channel_id: Mapped[str | None] = mapped_column(String(200))
    author_id: Mapped[int] = belongs_to("people")
    plan_id: Mapped[int | None] = refers_to("walk_plans")
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    walk_date: Mapped[date | None]
    course: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[int | None]
    focus: Mapped[str] = mapped_column(String(300), default="")
    went_well: Mapped[list[str]] = mapped_column(JSON, default=list)
    went_well_note: Mapped[str] = mapped_column(Text, default="")
    even_better_if: Mapped[list[str]] = mapped_column(JSON, default=list)
    even_better_if_note: Mapped[str] = mapped_column(Text, default="")
    verbal_feedback: Mapped[bool | None]
    concern: Mapped[bool] = mapped_column(default=False)
    concern_note: Mapped[str] = mapped_column(Text, default="")
    unplanned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    saved_at: Mapped[datetime | None]

    visits: Mapped[list[StoredWalkTutor]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StoredWalkTutor.id"
    )

    @property
    def tutor_ids(self) -> list[int]:
        return [v.person_id for v in self.visits]

    @property
    def is_draft(self) -> bool:
        return self.state == DRAFT

    def set_tutors(self, tutor_ids: Iterable[int]) -> None:
        wanted = list(dict.fromkeys(tutor_ids))
        self.visits[:] = [v for v in self.visits if v.person_id in wanted]
        have = {v.person_id for v in self.visits}
        self.visits.extend(StoredWalkTutor(person_id=t) for t in wanted if t not in have)

    def to_domain(self) -> LearningWalk:
        if self.walk_date is None:
            raise ValueError("a draft without a date is not a learning walk yet")
        return LearningWalk(
            tutor_ids=tuple(self.tutor_ids),
            day=self.walk_date,
            author_id=self.author_id,
            course=self.course,
            minutes=self.minutes or 0,
            focus=self.focus,
            went_well=tuple(self.went_well or ()),
            went_well_note=self.went_well_note,
            even_better_if=tuple(self.even_better_if or ()),
            even_better_if_note=self.even_better_if_note,
            verbal_feedback=bool(self.verbal_feedback),
            concern=self.concern,
            concern_note=self.concern_note,
        )


class StoredWalkTutor(NumberedRow):
    __tablename__ = "learning_walk_tutors"
    __table_args__ = (
        UniqueConstraint("walk_id", "person_id", name="uq_learning_walk_tutors_pair"),
        Index("ix_learning_walk_tutors_person", "person_id"),
    )

    walk_id: Mapped[int] = belongs_to("learning_walks")
    person_id: Mapped[int] = belongs_to("people")


_INSERT_WALK = inserting(StoredWalk)
# The reads of an HA27 save, built once (building one, and its cache key, costs every turn).
_PLAN = select(StoredWalkPlan).where(
    StoredWalkPlan.org_id == bindparam("org_id"),
    StoredWalkPlan.team_pk == bindparam("team_pk"),
    StoredWalkPlan.term_key == bindparam("term_key"),
)
_TEAM_AND_SETTINGS = (
    select(Team, Organisation.settings)
    .join(Organisation, Organisation.id == Team.org_id)
    .where(Team.id == bindparam("team_pk"), Team.org_id == bindparam("org_id"))
)
_MEMBERS_TEAM_AND_SETTINGS = _TEAM_AND_SETTINGS.join(
    TeamMember, TeamMember.team_pk == Team.id
).where(TeamMember.person_id == bindparam("member"))
_READER = aliased(TeamMember)
# The team's channel readers (`Directory.holder_ids(..., team_pk=)` of `CHANNEL_READERS`) read
# beside it, as one comma-joined string of ids (group_concat on SQLite, string_agg on
# PostgreSQL): no statement of their own.
_READER_IDS = (
    select(func.aggregate_strings(sql_cast(_READER.person_id, String), ","))
    .select_from(_READER)
    .join(RoleGrant, RoleGrant.person_id == _READER.person_id)
    .where(
        _READER.team_pk == Team.id,
        RoleGrant.role.in_([r.value for r in CHANNEL_READERS]),
    )
    .scalar_subquery()
)
# ...and the team's plans of one academic year (ids and terms: a row each, or one row of NULLs),
# so an HA27 save reads its term's plan, if any, without looking for it in a statement of its own.
_PLANS_IN_YEAR = and_(
    StoredWalkPlan.team_pk == Team.id, StoredWalkPlan.term_key.startswith(bindparam("year"))
)
_TEAM_SETTINGS_READERS_AND_PLANS = _TEAM_AND_SETTINGS.add_columns(
    _READER_IDS, StoredWalkPlan.id, StoredWalkPlan.term_key
).outerjoin(StoredWalkPlan, _PLANS_IN_YEAR)
_MEMBERS_TEAM_SETTINGS_READERS_AND_PLANS = _MEMBERS_TEAM_AND_SETTINGS.add_columns(
    _READER_IDS, StoredWalkPlan.id, StoredWalkPlan.term_key
).outerjoin(StoredWalkPlan, _PLANS_IN_YEAR)
_PLAN_WITH_WINDOWS = (
    select(StoredWalkPlan)
    .where(StoredWalkPlan.id == bindparam("plan_id"))
    .options(joinedload(StoredWalkPlan.windows))
)
_INSERT_WALK_TUTOR = insert(cast(Table, StoredWalkTutor.__table__))


class StoredWalkSummary(NumberedRow):
    """The quality team's termly summary as they edited it (the draft itself is never stored:
    it is drafted again from the records until someone saves their own words)."""

    __tablename__ = "walk_summaries"
    __table_args__ = (UniqueConstraint("org_id", "term_key", name="uq_walk_summaries_org_term"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    term_key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    edited_by: Mapped[int | None] = refers_to("people")
    edited_at: Mapped[datetime]


def _saved_between(start: date, end: date) -> tuple[ColumnElement[bool], ...]:
    """Saved walks (not drafts) on a day from start to end, both included."""
    return (StoredWalk.state == SAVED, StoredWalk.walk_date >= start, StoredWalk.walk_date <= end)


@dataclass(frozen=True)
class TeamForSave:
    """What an HA27 save reads of its team at once (`WalkStore.team_for_save`)."""

    team: Team
    settings: dict[str, Any]
    readers: frozenset[int]  # its channel readers (as `Directory.holder_ids` of `CHANNEL_READERS`)
    plans: dict[str, int]  # its plans' ids by term key, in the academic year asked about


class WalkStore(Repository):
    """Plans, walks and the team facts they need, inside the caller's unit of work."""

    # --- plans ---

    async def plan(self, org_id: str, team_pk: int, term_key: str) -> StoredWalkPlan | None:
        """The organisation's team's plan for the term (none for another organisation's)."""
        return await self.session.scalar(
            _PLAN, {"org_id": org_id, "team_pk": team_pk, "term_key": term_key}
        )

    async def save_plan(
        self,
        org_id: str,
        team_pk: int,
        plan: WalkPlan,
        *,
        channel: str | None,
        by: int | None,
        now: datetime,
    ) -> tuple[StoredWalkPlan, bool]:
        """Create or replace the team's plan for the term; True when it is new."""
        row = await self.plan(org_id, team_pk, plan.term_key)
        created = row is None
        if row is None:
            row = StoredWalkPlan(
                org_id=org_id, team_pk=team_pk, term_key=plan.term_key, created_at=now
            )
            self.session.add(row)
        row.focus = plan.focus
        row.linked_to = plan.linked_to
        row.walker_ids = sorted(plan.walker_ids)
        row.teams_channel_id = channel or row.teams_channel_id
        row.created_by = row.created_by if row.created_by is not None else by
        row.updated_at = now
        row.windows[:] = [
            StoredWalkWindow(starts_on=w.start, ends_on=w.end, course_type=w.course_type)
            for w in plan.windows
        ]
        await self.session.flush()
        return row, created

    async def plans_in_term(self, org_id: str, term_key: str) -> Sequence[StoredWalkPlan]:
        return await self.rows(
            StoredWalkPlan, order_by=StoredWalkPlan.team_pk, org_id=org_id, term_key=term_key
        )

    # --- walks ---

    async def walk(self, org_id: str, walk_id: int) -> StoredWalk | None:
        return await get_in_org(self.session, StoredWalk, org_id, walk_id)

    def new_walk(
        self,
        org_id: str,
        team_pk: int,
        channel: str | None,
        author_id: int,
        now: datetime,
        *,
        add: bool = True,
    ) -> StoredWalk:
        """A new walk, added to the session (`add=False`: for `insert_walk` to store)."""
        row = StoredWalk(
            org_id=org_id,
            team_pk=team_pk,
            teams_channel_id=channel,
            author_id=author_id,
            state=DRAFT,
            course="",
            focus="",
            went_well=[],
            went_well_note="",
            even_better_if=[],
            even_better_if_note="",
            concern=False,
            concern_note="",
            unplanned=False,
            created_at=now,
            updated_at=now,
            visits=[],
        )
        if add:
            self.session.add(row)
        return row

    async def insert_walk(self, row: StoredWalk) -> None:
        """Store a new walk (from `new_walk(add=False)`) and its tutors: two Core INSERTs, no
        ORM flush. The row stays out of the session (nothing writes it again this turn)."""
        await insert_row(self.session, _INSERT_WALK, row)
        await self.session.execute(
            _INSERT_WALK_TUTOR, [{"walk_id": row.id, "person_id": t} for t in row.tutor_ids]
        )

    async def drafts(self, org_id: str, author_id: int) -> Sequence[StoredWalk]:
        return await self.rows(
            StoredWalk,
            order_by=StoredWalk.updated_at.desc(),
            org_id=org_id,
            author_id=author_id,
            state=DRAFT,
        )

    async def discard(self, walk: StoredWalk) -> None:
        await self.session.execute(delete(StoredWalk).where(StoredWalk.id == walk.id))

    async def saved_between(
        self, org_id: str, start: date, end: date, team_pk: int | None = None
    ) -> Sequence[StoredWalk]:
        return await self.rows(
            StoredWalk,
            *_saved_between(start, end),
            *given(StoredWalk, team_pk=team_pk),
            order_by=(StoredWalk.walk_date, StoredWalk.id),
            org_id=org_id,
        )

    async def walked_on(
        self, org_id: str, tutor_ids: Iterable[int], start: date, end: date
    ) -> dict[int, list[date]]:
        """For each tutor, the days of their saved walks between start and end."""
        ids = list(tutor_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(StoredWalkTutor.person_id, StoredWalk.walk_date)
            .join(StoredWalk, StoredWalk.id == StoredWalkTutor.walk_id)
            .where(
                StoredWalk.org_id == org_id,
                StoredWalkTutor.person_id.in_(ids),
                *_saved_between(start, end),
            )
        )
        out: dict[int, list[date]] = {}
        for person_id, day in rows.all():
            if day is not None:
                out.setdefault(int(person_id), []).append(day)
        return out

    async def tutors_walked_in_team(self, team_pk: int, start: date, end: date) -> Sequence[Person]:
        """Every tutor visited on the team's saved walks between start and end (a walk may visit
        tutors who are not known members of the team)."""
        return await Directory(self.session).by_name(
            select(Person)
            .join(StoredWalkTutor, StoredWalkTutor.person_id == Person.id)
            .join(StoredWalk, StoredWalk.id == StoredWalkTutor.walk_id)
            .where(StoredWalk.team_pk == team_pk, *_saved_between(start, end))
        )

    async def on_day(self, org_id: str, tutor_id: int, day: date) -> list[str]:
        """Saved walks that visit this tutor on this day. A draft is nobody's record yet (its
        author may still discard it), so it is never mentioned to anyone."""
        walks = await self._visiting(
            org_id, tutor_id, StoredWalk.walk_date == day, StoredWalk.state == SAVED
        )
        return ["a learning walk (saved)" for _ in walks]

    async def for_tutor(self, org_id: str, tutor_id: int, limit: int = 10) -> Sequence[StoredWalk]:
        return await self._visiting(
            org_id,
            tutor_id,
            StoredWalk.state == SAVED,
            order_by=(StoredWalk.walk_date.desc(), StoredWalk.id.desc()),
            limit=limit,
        )

    async def _visiting(
        self,
        org_id: str,
        tutor_id: int,
        *where: ColumnElement[bool],
        order_by: tuple[Order, ...] = (StoredWalk.id,),
        limit: int | None = None,
    ) -> Sequence[StoredWalk]:
        """The organisation's walks (saved or drafts) that visit this tutor and meet `where`."""
        rows = await self.session.scalars(
            select(StoredWalk)
            .join(StoredWalkTutor, StoredWalkTutor.walk_id == StoredWalk.id)
            .where(StoredWalk.org_id == org_id, StoredWalkTutor.person_id == tutor_id, *where)
            .order_by(*order_by)
            .limit(limit)
        )
        return rows.all()

    # --- the termly summary, as edited ---

    async def summary(self, org_id: str, term_key: str) -> StoredWalkSummary | None:
        return await self.one(StoredWalkSummary, org_id=org_id, term_key=term_key)

    async def save_summary(
        self, org_id: str, term_key: str, text: str, by: int, now: datetime
    ) -> StoredWalkSummary:
        row = await self.summary(org_id, term_key)
        if row is None:
            row = StoredWalkSummary(org_id=org_id, term_key=term_key)
            self.session.add(row)
        row.text, row.edited_by, row.edited_at = text, by, now
        await self.session.flush()
        return row

    async def forget_summary(self, org_id: str, term_key: str) -> None:
        await self.session.execute(
            delete(StoredWalkSummary).where(
                StoredWalkSummary.org_id == org_id, StoredWalkSummary.term_key == term_key
            )
        )

    # --- teams and people, as the walk rules see them ---

    async def team(self, org_id: str, team_pk: int) -> Team | None:
        return await get_in_org(self.session, Team, org_id, team_pk)

    async def team_of(self, org_id: str, team_pk: int, person_id: int) -> Team | None:
        """The team, if this person is one of its members."""
        if not 0 < team_pk <= MAX_ID:
            return None
        return await self.session.scalar(
            select(Team)
            .join(TeamMember, TeamMember.team_pk == Team.id)
            .where(Team.id == team_pk, Team.org_id == org_id, TeamMember.person_id == person_id)
        )

    async def team_for_save(
        self, org_id: str, team_pk: int, year: str, member: int | None = None
    ) -> TeamForSave | None:
        """The team (if `member` is given, only if they are one of its members), its
        organisation's settings (its term dates), its channel readers (`CHANNEL_READERS`)
        and its plans' ids by term for the academic year `year` ("2026/27"), in one read."""
        if not 0 < team_pk <= MAX_ID:
            return None
        query = _TEAM_SETTINGS_READERS_AND_PLANS
        values: dict[str, Any] = {"team_pk": team_pk, "org_id": org_id, "year": f"{year}-"}
        if member is not None:
            query, values = _MEMBERS_TEAM_SETTINGS_READERS_AND_PLANS, {**values, "member": member}
        rows = (await self.session.execute(query, values)).all()
        if not rows:
            return None
        team, settings, readers = rows[0][0], rows[0][1], rows[0][2]
        return TeamForSave(
            team,
            dict(settings or {}),
            frozenset(int(i) for i in (readers or "").split(",") if i),
            {str(r[4]): int(r[3]) for r in rows if r[3] is not None},
        )

    async def plan_with_windows(self, plan_id: int) -> StoredWalkPlan | None:
        """A plan by id, with its windows in the same read (not a second, `selectin`, one)."""
        found = await self.session.execute(_PLAN_WITH_WINDOWS, {"plan_id": plan_id})
        return found.unique().scalar_one_or_none()

    async def teams(self, org_id: str) -> Sequence[Team]:
        return await self.rows(Team, order_by=(Team.name, Team.id), org_id=org_id)

    async def teams_of(self, person_id: int) -> Sequence[Team]:
        rows = await self.session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_pk == Team.id)
            .where(TeamMember.person_id == person_id)
            .order_by(Team.name, Team.id)
        )
        return rows.all()

    async def team_member_count(self, team_pk: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count(TeamMember.id)).where(TeamMember.team_pk == team_pk)
            )
            or 0
        )


def tutor_on_list(person: Person) -> TutorOnList:
    return TutorOnList(
        id=person.id,
        name=person.name or person.email or f"#{person.id}",
        learning_in_libraries=bool(person.learning_in_libraries),
        curriculum_area=person.curriculum_area or "",
    )


def walk_facts(walk: StoredWalk, team_name: str) -> WalkFacts:
    assert walk.walk_date is not None
    return WalkFacts(
        day=walk.walk_date,
        team=team_name,
        focus=walk.focus,
        tutors=len(walk.visits),
        unplanned=walk.unplanned,
        went_well=tuple(walk.went_well or ()),
        even_better_if=tuple(walk.even_better_if or ()),
    )


def as_values(walk: StoredWalk) -> dict[str, Any]:
    """A stored walk as the HA27 card's input values (for resuming a draft or editing)."""
    return {
        "tutors": ",".join(str(t) for t in walk.tutor_ids),
        "walk_date": walk.walk_date.isoformat() if walk.walk_date else "",
        "course": walk.course,
        "minutes": str(walk.minutes) if walk.minutes else "",
        "focus": walk.focus,
        "went_well": ",".join(walk.went_well or ()),
        "went_well_note": walk.went_well_note,
        "even_better_if": ",".join(walk.even_better_if or ()),
        "even_better_if_note": walk.even_better_if_note,
        "verbal_feedback": ""
        if walk.verbal_feedback is None
        else ("yes" if walk.verbal_feedback else "no"),
        "concern": "true" if walk.concern else "false",
        "concern_note": walk.concern_note,
    }
