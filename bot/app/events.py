"""How capabilities talk to each other: typed events and questions on one in-process bus.

The app factory builds one `Events` and hands it to every handler through `Services`; a capability
never imports another one's registry. Two kinds of message:

- an **event** (`Event`) says something happened, inside the unit of work that made it happen:
  every subscriber runs in that unit of work, so what they write commits or rolls back with it;
- a **question** (`Question[R]`) asks the other capabilities what they know: every responder
  answers, and the asker gets the list of answers (empty when no capability answers).

Nothing here is module-level state: a second app built in the same process has its own bus.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from storage.models import Person


@dataclass(frozen=True)
class Event:
    """Something that happened in one organisation."""

    org_id: str


@dataclass(frozen=True)
class Question[R]:
    """Something one capability asks the others, answered with an `R` by each responder."""

    org_id: str


# --- The messages capabilities exchange ---------------------------------------------------------


@dataclass(frozen=True)
class ObservationApproved(Event):
    """An observation report was approved with actions (seed 002; support offers help, SPEC §3)."""

    observation_id: int
    tutor_id: int
    line_manager_ids: frozenset[int]
    action_count: int
    approved_at: datetime


@dataclass(frozen=True)
class LeftPlace(Event):
    """People left a team (`team_pk`) or a group chat (`conversation_id`), or were removed from
    it (Teams' membersRemoved): what being there gave them ends (SPEC principle 5)."""

    person_ids: frozenset[int]
    team_pk: int | None
    conversation_id: str


@dataclass(frozen=True)
class RoleTakenAway(Event):
    """An org admin took a role away from someone: what the role let them do for others ends,
    and whoever relied on it is looked after (SPEC principle 5: access lasts as its reason)."""

    person_id: int
    role: str
    at: datetime


@dataclass(frozen=True)
class RolesGiven(Event):
    """An org admin gave roles (the admin card, the setup card): what was promised to whoever
    holds them ("the managers hear", "the head of T&L reviews your case") reaches these people
    too, from now on."""

    grants: tuple[tuple[int, str], ...]  # (person id, role)
    at: datetime


@dataclass(frozen=True)
class TutorsListed(Event):
    """People were put on the tutor list, or their row on it was written again: a list imported
    (`from_list`: who line-manages whom may have changed with it), or a team's members made
    tutors. What being a tutor brings follows (support offers, a new tutor's HA24 and OTLA),
    and after a list, whatever hangs on the management lines."""

    tutors: tuple[Person, ...]  # as they are now, in the list's order
    by: int | None  # who sent it (None: `tlc import-tutors`)
    at: datetime
    from_list: bool


@dataclass(frozen=True)
class LinesJoined(Event):
    """Two records of one person were joined (the merge rule: someone known only by their
    Teams account met the row the tutor list keeps by their email). Whoever line-manages these
    tutors may have changed with it, as after a list: what hangs on the management lines
    follows."""

    tutor_ids: frozenset[int]
    at: datetime


@dataclass(frozen=True)
class WalksOnDay(Question[list[str]]):
    """Which saved learning walks visit this tutor on this day (descriptions)? Drafts are
    nobody's record yet and are never counted."""

    tutor_id: int
    day: date


@dataclass(frozen=True)
class SupportsTutor(Question[bool]):
    """Does this person support this tutor developmentally now (their AP on an open programme,
    their mentor in an open relationship)? Then they do not observe them for a graded OTLA:
    support stays apart from judgement (seed 003, "where mentors are undertaking formal, graded
    observations … [it] may conflict with the espoused mentoring process")."""

    tutor_id: int
    person_id: int


@dataclass(frozen=True)
class PlannedObservations(Question[Mapping[int, Sequence[date]]]):
    """Which observation dates are planned for these tutors (by tutor id)?"""

    tutor_ids: tuple[int, ...]
    day: date


@dataclass(frozen=True)
class ObservationsByMonth(Question[Mapping[date, int]]):
    """How many annual observations took place in each month from `start` to `end` (London
    days), keyed by the first of the month? For the monthly provider return."""

    start: date
    end: date


@dataclass
class Events:
    """One app's bus. Subscribing the same function twice for the same type changes nothing."""

    _subscribers: dict[type[Event], list[Callable[..., Awaitable[None]]]] = field(
        default_factory=dict
    )
    _responders: dict[type[Question[Any]], list[Callable[..., Awaitable[Any]]]] = field(
        default_factory=dict
    )

    def subscribe[E: Event](
        self, kind: type[E], fn: Callable[[AsyncSession, E], Awaitable[None]]
    ) -> None:
        found = self._subscribers.setdefault(kind, [])
        if fn not in found:
            found.append(fn)

    def answer[Q: Question[Any], R](
        self, kind: type[Q], fn: Callable[[AsyncSession, Q], Awaitable[R]]
    ) -> None:
        found = self._responders.setdefault(kind, [])
        if fn not in found:
            found.append(fn)

    async def publish(self, session: AsyncSession, event: Event) -> None:
        for fn in list(self._subscribers.get(type(event), ())):
            await fn(session, event)

    async def ask[R](self, session: AsyncSession, question: Question[R]) -> list[R]:
        found = list(self._responders.get(type(question), ()))
        return [await fn(session, question) for fn in found]

    def subscribers(self, kind: type[Event]) -> list[Callable[..., Awaitable[None]]]:
        return list(self._subscribers.get(kind, ()))

    def responders(self, kind: type[Question[Any]]) -> list[Callable[..., Awaitable[Any]]]:
        return list(self._responders.get(kind, ()))
