"""The few wide reads behind the quality team's picture: a whole organisation's teams, tutors and
line managers at once, so a college of 500 tutors is read in a handful of queries rather than
one per walk. The walks and reports themselves come from `storage.walks` and
`storage.observations`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.access import QUALITY_TEAM, Role
from bot.domain.observations import ObservationState
from storage.models import Person, RoleGrant, Team, TeamMember
from storage.observations import Observation, ObservationReport, approved_between
from storage.walks import SAVED, StoredWalk, StoredWalkTutor


@dataclass(frozen=True)
class OrgPerson:
    """A person as the pictures need them: read as plain columns, not as ORM objects (a college
    is hundreds of people and thousands of records, read on every card)."""

    id: int
    org_id: str
    name: str
    email: str
    campus: str
    curriculum_area: str
    line_manager_email: str
    learning_in_libraries: bool
    is_tutor: bool


@dataclass(frozen=True)
class WalkLine:
    """A saved walk's facts for counting: never its notes or its concern."""

    id: int
    org_id: str
    team_pk: int
    author_id: int
    day: date
    went_well: tuple[str, ...]
    even_better_if: tuple[str, ...]
    tutor_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReportLine:
    """An approved OTLA report's themes, with whose observation it was."""

    observation_id: int
    org_id: str
    tutor_id: int
    observer_id: int | None
    starts_at: datetime
    strengths: tuple[str, ...]
    areas: tuple[str, ...]


@dataclass(frozen=True)
class OrgPeople:
    """Who is who in one organisation, as the read rules need it."""

    tutors: Sequence[OrgPerson]  # on the tutor list, or holding the tutor role
    people: dict[int, OrgPerson]  # everyone a walk or report names, tutors included
    teams: dict[int, str]  # team pk -> name
    teams_of: dict[int, tuple[int, ...]]  # person id -> team pks
    team_managers: dict[int, frozenset[int]]  # team pk -> members holding the line-manager role
    line_managers: dict[int, frozenset[int]]  # person id -> their line managers
    quality_team: frozenset[int]

    def team_names(self, person_id: int) -> tuple[str, ...]:
        return tuple(sorted(self.teams[t] or "Team" for t in self.teams_of.get(person_id, ())))

    def managers_of_teams(self, team_pks: Sequence[int]) -> frozenset[int]:
        return frozenset(m for t in team_pks for m in self.team_managers.get(t, ()))


class QualityReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def org_people(self, org_id: str) -> OrgPeople:
        columns = (
            Person.id,
            Person.org_id,
            Person.name,
            Person.email,
            Person.campus,
            Person.curriculum_area,
            Person.line_manager_email,
            Person.learning_in_libraries,
            Person.is_tutor,
        )
        people = {
            int(row[0]): OrgPerson(
                int(row[0]),
                str(row[1]),
                row[2] or "",
                row[3] or "",
                row[4] or "",
                row[5] or "",
                row[6] or "",
                bool(row[7]),
                bool(row[8]),
            )
            for row in await self.session.execute(select(*columns).where(Person.org_id == org_id))
        }
        teams = {
            int(pk): str(name)
            for pk, name in await self.session.execute(
                select(Team.id, Team.name).where(Team.org_id == org_id)
            )
        }
        teams_of = await self._grouped(
            select(TeamMember.person_id, TeamMember.team_pk)
            .join(Team, Team.id == TeamMember.team_pk)
            .where(Team.org_id == org_id)
        )
        roles_of = await self._grouped(
            select(RoleGrant.person_id, RoleGrant.role)
            .join(Person, Person.id == RoleGrant.person_id)
            .where(Person.org_id == org_id)
        )
        grants = {person_id: set(roles) for person_id, roles in roles_of.items()}
        managers: dict[int, set[int]] = defaultdict(set)
        for person_id, pks in teams_of.items():
            if Role.LINE_MANAGER.value in grants.get(person_id, ()):
                for pk in pks:
                    managers[pk].add(person_id)
        by_email = {p.email.casefold(): p.id for p in people.values() if p.email}
        quality = {r.value for r in QUALITY_TEAM}
        return OrgPeople(
            tutors=sorted(
                (
                    p
                    for p in people.values()
                    if p.is_tutor or Role.TUTOR.value in grants.get(p.id, ())
                ),
                key=lambda p: (p.name, p.id),
            ),
            people=people,
            teams=teams,
            teams_of={k: tuple(v) for k, v in teams_of.items()},
            team_managers={k: frozenset(v) for k, v in managers.items()},
            line_managers={
                p.id: frozenset({by_email[p.line_manager_email.casefold()]})
                if p.line_manager_email.casefold() in by_email
                else frozenset()
                for p in people.values()
            },
            quality_team=frozenset(i for i, roles in grants.items() if roles & quality),
        )

    async def walks(self, org_id: str, start: date, end: date) -> list[WalkLine]:
        """Saved walks dated in [start, end], oldest first, each with every tutor it visited."""
        in_range = (
            StoredWalk.org_id == org_id,
            StoredWalk.state == SAVED,
            StoredWalk.walk_date >= start,
            StoredWalk.walk_date <= end,
        )
        visits = await self._grouped(
            select(StoredWalkTutor.walk_id, StoredWalkTutor.person_id)
            .join(StoredWalk, StoredWalk.id == StoredWalkTutor.walk_id)
            .where(*in_range)
            .order_by(StoredWalkTutor.id)
        )
        rows = await self.session.execute(
            select(
                StoredWalk.id,
                StoredWalk.team_pk,
                StoredWalk.author_id,
                StoredWalk.walk_date,
                StoredWalk.went_well,
                StoredWalk.even_better_if,
            )
            .where(*in_range)
            .order_by(StoredWalk.walk_date, StoredWalk.id)
        )
        return [
            WalkLine(
                int(i),
                org_id,
                int(team),
                int(author),
                day,
                tuple(well or ()),
                tuple(better or ()),
                tuple(visits.get(int(i), ())),
            )
            for i, team, author, day, well, better in rows
            if day is not None
        ]

    async def reports(self, org_id: str, start: datetime, end: datetime) -> list[ReportLine]:
        """Approved reports of observations held in [start, end)."""
        rows = await self.session.execute(
            select(
                Observation.id,
                Observation.tutor_id,
                Observation.observer_id,
                Observation.starts_at,
                ObservationReport.strength_themes,
                ObservationReport.area_themes,
            )
            .join(ObservationReport, ObservationReport.observation_id == Observation.id)
            .where(*approved_between(org_id, start, end))
            .order_by(Observation.starts_at, Observation.id)
        )
        return [
            ReportLine(int(i), org_id, int(t), o, at, tuple(well or ()), tuple(areas or ()))
            for i, t, o, at, well, areas in rows
            if at is not None
        ]

    async def _grouped[V](self, query: Select[int, V]) -> dict[int, list[V]]:
        """The (id, value) pairs `query` gives, as each id's values in the order given."""
        grouped: dict[int, list[V]] = defaultdict(list)
        for key, value in await self.session.execute(query):
            grouped[int(key)].append(value)
        return grouped

    async def otla_states(
        self, org_id: str, year: str
    ) -> dict[int, tuple[ObservationState, int | None]]:
        """Each tutor's OTLA state for the academic year (one observation a year, seed 002), and
        its observer (who, with the quality team, sees every state: `state_seen`)."""
        rows = await self.session.execute(
            select(Observation.tutor_id, Observation.state, Observation.observer_id).where(
                Observation.org_id == org_id, Observation.academic_year == year
            )
        )
        return {int(t): (ObservationState(s), o) for t, s, o in rows}
