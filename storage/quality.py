"""The few wide reads behind the quality team's picture: a whole organisation's teams, tutors and
line managers at once, so a college of 500 tutors is read in a handful of queries rather than
one per walk. The walks and reports themselves come from `storage.walks` and
`storage.observations`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.access import QUALITY_TEAM, Role
from bot.domain.observations import ObservationState
from storage.models import Person, RoleGrant, Team, TeamMember
from storage.observations import Observation


@dataclass(frozen=True)
class OrgPeople:
    """Who is who in one organisation, as the read rules need it."""

    tutors: Sequence[Person]  # on the tutor list, or holding the tutor role
    people: dict[int, Person]  # everyone a walk or report names, tutors included
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
        people = {
            p.id: p
            for p in await self.session.scalars(select(Person).where(Person.org_id == org_id))
        }
        teams = {
            int(pk): str(name)
            for pk, name in await self.session.execute(
                select(Team.id, Team.name).where(Team.org_id == org_id)
            )
        }
        teams_of: dict[int, list[int]] = defaultdict(list)
        for person_id, team_pk in await self.session.execute(
            select(TeamMember.person_id, TeamMember.team_pk)
            .join(Team, Team.id == TeamMember.team_pk)
            .where(Team.org_id == org_id)
        ):
            teams_of[int(person_id)].append(int(team_pk))
        grants: dict[int, set[str]] = defaultdict(set)
        for person_id, role in await self.session.execute(
            select(RoleGrant.person_id, RoleGrant.role)
            .join(Person, Person.id == RoleGrant.person_id)
            .where(Person.org_id == org_id)
        ):
            grants[int(person_id)].add(str(role))
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
                if p.line_manager_email and p.line_manager_email.casefold() in by_email
                else frozenset()
                for p in people.values()
            },
            quality_team=frozenset(i for i, roles in grants.items() if roles & quality),
        )

    async def otla_states(self, org_id: str, year: str) -> dict[int, ObservationState]:
        """Each tutor's OTLA state for the academic year (one observation a year, seed 002)."""
        rows = await self.session.execute(
            select(Observation.tutor_id, Observation.state).where(
                Observation.org_id == org_id, Observation.academic_year == year
            )
        )
        return {int(t): ObservationState(s) for t, s in rows}
