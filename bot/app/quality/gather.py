"""What the pictures are drawn from, read once per card and asked of `can()` record by record:
saved walks and approved OTLA reports in a period (as `Evidence`), and every tutor's walks per
term and OTLA stage for the year (as `TutorStanding`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from bot.app.context import HandlerContext
from bot.app.walks.access import walk_subjects
from bot.domain.access import Actor, Permission, Subject, can
from bot.domain.local_time import at_london, london_day
from bot.domain.observations import ObservationFacts, ObservationState, state_seen
from bot.domain.quality import Evidence, Source, TutorStanding, otla_stage
from bot.domain.terms import Term
from bot.domain.walks import TutorOnList, completion
from storage.quality import OrgPeople, OrgPerson, QualityReads, ReportLine, WalkLine
from storage.walks import WalkStore


@dataclass(frozen=True)
class Scope:
    """The group a picture is about: the whole organisation, one team, or one campus."""

    team_pk: int | None = None
    campus: str | None = None

    @property
    def value(self) -> str:
        if self.team_pk is not None:
            return f"team:{self.team_pk}"
        return f"campus:{self.campus}" if self.campus is not None else "org"

    def has_walk(self, walk: WalkLine, people: OrgPeople) -> bool:
        if self.team_pk is not None:
            return walk.team_pk == self.team_pk
        return self.campus is None or any(
            _campus(people.people.get(t)) == self.campus.casefold() for t in walk.tutor_ids
        )

    def has_tutor(self, tutor_id: int, people: OrgPeople) -> bool:
        if self.team_pk is not None:
            return self.team_pk in people.teams_of.get(tutor_id, ())
        return self.campus is None or _campus(people.people.get(tutor_id)) == self.campus.casefold()


def _campus(person: OrgPerson | None) -> str:
    return person.campus.strip().casefold() if person is not None else ""


def _name(people: OrgPeople, person_id: int | None) -> str:
    person = people.people.get(person_id) if person_id is not None else None
    return (person.name or person.email or "someone") if person is not None else "someone"


def walk_readable(actor: Actor, walk: WalkLine, people: OrgPeople) -> bool:
    readers = people.quality_team | people.team_managers.get(walk.team_pk, frozenset())
    subjects = walk_subjects(
        walk.org_id, walk.author_id, walk.tutor_ids, readers, people.line_managers
    )
    return any(can(actor, Permission.READ_WALK, s) for s in subjects)


def report_readable(actor: Actor, obs: ReportLine, people: OrgPeople) -> bool:
    """Read as its approved observation is (the domain's rule for an observation's readers)."""
    facts = ObservationFacts(
        org_id=obs.org_id,
        state=ObservationState.APPROVED,
        tutor_id=obs.tutor_id,
        observer_id=obs.observer_id,
        line_manager_ids=people.line_managers.get(obs.tutor_id, frozenset()),
    )
    return can(actor, Permission.READ_OBSERVATION, facts.subject)


async def evidence(
    ctx: HandlerContext, people: OrgPeople, start: date, end: date, scope: Scope
) -> list[Evidence]:
    """Saved walks dated in [start, end] and approved reports of observations held then."""
    org, actor = ctx.turn.org_id, ctx.actor
    reads = QualityReads(ctx.uow.session)
    found: list[Evidence] = []
    for walk in await reads.walks(org, start, end):
        if not scope.has_walk(walk, people):
            continue
        names = ", ".join(_name(people, t) for t in walk.tutor_ids[:3])
        found.append(
            Evidence(
                Source.WALK,
                walk.id,
                walk.day,
                walk.went_well,
                walk.even_better_if,
                walk_readable(actor, walk, people),
                f"Walk: {names}, {walk.day:%-d %b}",
            )
        )
    reports = await reads.reports(
        org, at_london(start, time(0, 0)), at_london(end + timedelta(days=1), time(0, 0))
    )
    for report in reports:
        if not scope.has_tutor(report.tutor_id, people):
            continue
        day = london_day(report.starts_at)
        found.append(
            Evidence(
                Source.REPORT,
                report.observation_id,
                day,
                report.strengths,
                report.areas,
                report_readable(actor, report, people),
                f"OTLA: {_name(people, report.tutor_id)}, {day:%-d %b}",
            )
        )
    return found


def tutor_readable(actor: Actor, tutor: OrgPerson, people: OrgPeople) -> bool:
    """May the person asking see this tutor's completion by name? Whoever may read the tutor's
    walks: the quality team, the managers of the tutor's teams, their line manager. By name is
    not in full: the OTLA stage a manager sees stops at "Date agreed" until the report is
    approved (`otla_seen`); the report itself only its readers open (`report_readable`)."""
    readers = people.quality_team | people.managers_of_teams(people.teams_of.get(tutor.id, ()))
    subject = Subject(
        org_id=tutor.org_id,
        tutor_id=tutor.id,
        line_manager_ids=people.line_managers.get(tutor.id, frozenset()),
        channel_readers=readers,
    )
    return can(actor, Permission.READ_WALK, subject)


def otla_seen(
    actor: Actor, tutor: OrgPerson, found: tuple[ObservationState, int | None] | None
) -> ObservationState | None:
    """The tutor's OTLA state as the person asking may see it (`state_seen`): a team manager
    or line manager sees "Planned" until the report is approved, never "Report in"."""
    if found is None:
        return None
    state, observer_id = found
    facts = ObservationFacts(tutor.org_id, state, tutor.id, observer_id)
    return state_seen(actor, state, facts.subject)


async def standings(
    ctx: HandlerContext, people: OrgPeople, terms: Sequence[Term], year: str
) -> list[TutorStanding]:
    """Each tutor's walk status in every term (a walk visiting several tutors counts for each)
    and OTLA stage for the year."""
    org = ctx.turn.org_id
    tutors = list(people.tutors)
    if not tutors or not terms:
        return []
    walked = await WalkStore(ctx.uow.session).walked_on(
        org, [t.id for t in tutors], min(t.start for t in terms), max(t.end for t in terms)
    )
    states = await QualityReads(ctx.uow.session).otla_states(org, year)
    on_list = [
        TutorOnList(t.id, t.name or t.email, t.learning_in_libraries, t.curriculum_area)
        for t in tutors
    ]
    by_term = {
        term.key: {c.tutor.id: c for c in completion(on_list, walked, term)} for term in terms
    }
    return [
        TutorStanding(
            tutor_id=t.id,
            name=t.name or t.email or f"#{t.id}",
            teams=people.team_names(t.id),
            learning_in_libraries=t.learning_in_libraries,
            walks={k: rows[t.id].status for k, rows in by_term.items()},
            otla=otla_stage(otla_seen(ctx.actor, t, states.get(t.id))),
            readable=tutor_readable(ctx.actor, t, people),
            walked_on={k: rows[t.id].walked_on for k, rows in by_term.items()},
            campus=t.campus,
        )
        for t in tutors
    ]
