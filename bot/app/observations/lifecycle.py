"""Loading an observation with its people, and moving it on: the domain decides, we record.

Every move is audited (who, when, from → to, and what changed) under `observation:{id}`. A move
only lands if the state is still the one the decision was made on, so two people pressing the
same button at once cannot both move it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.app.context import HandlerContext
from bot.app.turn import Reply
from bot.domain.access import Actor, Permission, Subject
from bot.domain.local_time import LONDON
from bot.domain.local_time import day_label as day_label  # its callers here import it
from bot.domain.observations import (
    Move,
    MoveRefused,
    ObservationFacts,
    ObservationState,
    decide,
    follow,
)
from cards.base import said
from storage.models import Person
from storage.observations import Observation, Observations
from storage.people import Directory


@dataclass
class Loaded:
    """An observation with the people the rules and the cards need."""

    obs: Observation
    tutor: Person
    observer: Person | None
    managers: Sequence[Person]

    @property
    def manager_ids(self) -> frozenset[int]:
        return frozenset(m.id for m in self.managers)

    @property
    def facts(self) -> ObservationFacts:
        return ObservationFacts(
            org_id=self.obs.org_id,
            state=self.obs.status,
            tutor_id=self.tutor.id,
            observer_id=self.obs.observer_id,
            line_manager_ids=self.manager_ids,
            starts_at=self.obs.starts_at,
            proposed_by=self.obs.proposed_by,
            proposed_starts_at=self.obs.proposed_starts_at,
        )

    @property
    def subject(self) -> Subject:
        return self.facts.subject

    @property
    def observer_name(self) -> str:
        return name_of(self.observer) if self.observer else "Not allocated yet"


def name_of(person: Person | None) -> str:
    if person is None:
        return "someone"
    return person.name or person.email or f"person {person.id}"


def said_name(person: Person | None) -> str:
    """How a card names someone: as written (`said`), so a display name like
    "[Sign in again](…)" is never live markdown in a heading or a line."""
    return said(name_of(person))


async def load(session: AsyncSession, org_id: str, observation_id: int) -> Loaded | None:
    obs = await Observations(session).get(org_id, observation_id)
    return await with_people(session, obs) if obs is not None else None


def shown_again(
    permission: Permission, refusal: str
) -> Callable[[HandlerContext, Mapping[str, Any]], Awaitable[Loaded | Reply]]:
    """A loader for `with_loaded`: the observation a card being shown again is about (its
    `observation_id` input), when the asker may still do `permission` on it; else `refusal`."""

    async def load_shown(ctx: HandlerContext, values: Mapping[str, Any]) -> Loaded | Reply:
        try:
            observation_id = int(values.get("observation_id", ""))
        except (TypeError, ValueError):
            return Reply.text(refusal)
        loaded = await load(ctx.uow.session, ctx.turn.org_id, observation_id)
        if loaded is None or not ctx.can(permission, loaded.subject):
            return Reply.text(refusal)
        return loaded

    return load_shown


async def with_people(session: AsyncSession, obs: Observation) -> Loaded:
    directory = Directory(session)
    tutor = await directory.person(obs.org_id, obs.tutor_id)
    if tutor is None:  # the tutor row cascades away with its observations
        raise LookupError(f"observation {obs.id} has no tutor")
    observer = await directory.person(obs.org_id, obs.observer_id) if obs.observer_id else None
    managers = await directory.line_managers_of(tutor)
    return Loaded(obs, tutor, observer, managers)


async def actor_for(session: AsyncSession, person: Person) -> Actor:
    roles = await Directory(session).roles(person.id)
    return Actor(person_id=person.id, org_id=person.org_id, roles=roles)


async def audit(
    session: AsyncSession,
    org_id: str,
    actor_id: int | None,
    observation_id: int,
    what: str,
    detail: str,
    now: datetime,
) -> None:
    await Directory(session).audit(
        org_id, actor_id, f"observation:{observation_id}", what, detail, now
    )


async def apply(
    session: AsyncSession,
    actor: Actor,
    loaded: Loaded,
    move: Move,
    now: datetime,
    detail: str = "",
) -> ObservationState:
    """Decide the move for this person and record it; MoveRefused says why not."""
    target = decide(actor, move, loaded.facts, now)
    await _record(session, actor.person_id, loaded, move, target, now, detail)
    return target


async def moved(
    ctx: HandlerContext,
    observation_id: int,
    move: Move,
    now: datetime,
    not_yours: str,
    detail: str = "",
) -> Loaded | str:
    """The observation after the asker's `move`, or what to tell them instead: `not_yours` when
    there is no such observation here, or why the move is refused."""
    loaded = await load(ctx.uow.session, ctx.turn.org_id, observation_id)
    if loaded is None:
        return not_yours
    try:
        await apply(ctx.uow.session, ctx.actor, loaded, move, now, detail)
    except MoveRefused as exc:
        return str(exc)
    return loaded


async def apply_follow(
    session: AsyncSession, actor_id: int | None, loaded: Loaded, move: Move, now: datetime
) -> ObservationState:
    """A move that follows another by itself (sending, opening or closing actions)."""
    target = follow(move, loaded.obs.status)
    await _record(session, actor_id, loaded, move, target, now, "")
    return target


async def _record(
    session: AsyncSession,
    actor_id: int | None,
    loaded: Loaded,
    move: Move,
    target: ObservationState,
    now: datetime,
    detail: str,
) -> None:
    obs = loaded.obs
    before = obs.status
    if target is not before:
        result = await session.execute(
            update(Observation)
            .where(Observation.id == obs.id, Observation.state == before.value)
            .values(state=target.value, state_since=now, updated_at=now)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise MoveRefused("Someone has just moved this observation on. Have another look.")
        set_committed_value(obs, "state", target.value)
        set_committed_value(obs, "state_since", now)
        set_committed_value(obs, "updated_at", now)
    change = f"{before.value} → {target.value}" if target is not before else before.value
    await audit(
        session, obs.org_id, actor_id, obs.id, move.value, f"{change}; {detail}".strip("; "), now
    )


# ---------------------------------------------------------------- formatting for people


def when(starts_at: datetime | None, ends_at: datetime | None) -> str:
    """ "Tue 1 Dec 2026, 10:00–11:00" in London time; "" when there is no date."""
    if starts_at is None:
        return ""
    start = starts_at.astimezone(LONDON)
    label = f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}"
    if ends_at is not None:
        label += f"–{ends_at.astimezone(LONDON):%H:%M}"
    return label
