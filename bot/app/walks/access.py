"""Learning walks: the shared pieces every walk handler asks (which team, whose walk, who reads it).

Who may read a walk is decided by `can()` (bot/domain/access.py), asked once per tutor visited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.app.help import bot_name
from bot.app.notices import NoticeContext
from bot.app.refusals import refusal
from bot.domain.access import Actor, Permission, Role, Subject, can
from bot.domain.local_time import london
from bot.domain.terms import academic_year_of, term_for, year_label
from bot.domain.walks import CHANNEL_READERS
from storage.models import Organisation, Person, Team
from storage.people import Directory
from storage.walks import (
    StoredWalk,
    StoredWalkPlan,
    TeamForSave,
    WalkStore,
)

NOT_ALLOWED = "Sorry, that learning walk isn't yours to see."
QUALITY_ONLY = "Sorry, that is for the quality team."
PRIVATE_ONLY = "I only share that in our 1:1 chat: say it to me there."
GONE = "That learning walk is no longer there."


def quality_only(ctx: HandlerContext) -> str:
    """QUALITY_ONLY, with how an org admin gives themselves the quality team's role."""
    return refusal(ctx, QUALITY_ONLY, Role.QUALITY_COORDINATOR, "see it")


def local_today(ctx: HandlerContext) -> date:
    return london(ctx.services.clock.now()).date()


def day_label(day: date | None) -> str:
    return f"{day:%a %-d %b %Y}" if day else "no date yet"


def short_day(day: date) -> str:
    return f"{day:%a %-d %b}"


def seen_only_by_asker(ctx: HandlerContext) -> bool:
    """Is a card we answer with seen only by the person asking?"""
    return ctx.turn.where.kind == "personal" or ctx.turn.via_invoke


async def org_settings(session: AsyncSession, org_id: str) -> dict[str, Any]:
    org = await session.get(Organisation, org_id)
    return dict(org.settings or {}) if org is not None else {}


async def asker(ctx: HandlerContext) -> Person:
    """The person asking, loaded again if a rolled-back form submission expired them."""
    me = await ctx.uow.session.get(Person, ctx.actor.person_id)
    assert me is not None
    return me


def walk_store(ctx: HandlerContext) -> WalkStore:
    return WalkStore(ctx.uow.session)


async def channel_team(ctx: HandlerContext) -> Team | None:
    if not ctx.turn.where.team_id:
        return None
    return await ctx.uow.session.scalar(
        select(Team).where(Team.org_id == ctx.turn.org_id, Team.team_id == ctx.turn.where.team_id)
    )


async def my_teams(ctx: HandlerContext) -> Sequence[Team]:
    """Teams this person logs walks for: the quality team any; others the teams they are in."""
    store = walk_store(ctx)
    if ctx.actor.in_quality_team:
        return await store.teams(ctx.turn.org_id)
    return await store.teams_of(ctx.actor.person_id)


async def no_team_yet(ctx: HandlerContext, then: str) -> str:
    """What to do when this person is in no team TLC knows: mention TLC in their team's channel
    once; or, while TLC is in no team of this college at all, have it added to theirs first
    (mentioning an app that isn't in the team reaches nobody)."""
    mention = f"`@{bot_name(ctx)} walk`"
    if not await walk_store(ctx).teams(ctx.turn.org_id):
        return (
            "TLC hasn't been added to a team yet, so I don't know your team. Ask your team's "
            "owner in Teams to add it (Apps, then TLC, then Add to a team); then mention me in "
            f"the team's channel once ({mention}), {then}."
        )
    return (
        f"I don't know your team yet. Mention me in your team's channel once ({mention}), {then}."
    )


async def team_for_walks(ctx: HandlerContext, team_pk: int) -> Team | None:
    """The team, if this person logs walks for it (`my_teams`): the quality team any team,
    others only a team they are in (one read: the team, joined to their membership)."""
    store = walk_store(ctx)
    if ctx.actor.in_quality_team:
        return await store.team(ctx.turn.org_id, team_pk)
    return await store.team_of(ctx.turn.org_id, team_pk, ctx.actor.person_id)


async def team_for_save(ctx: HandlerContext, team_pk: int, day: date) -> TeamForSave | None:
    """`team_for_walks`, and in the same read the organisation's settings (its terms), the
    team's channel readers of a walk (`walk_access`'s `readers`) and its plans of the academic
    year of `day` (`plan_on`)."""
    member = None if ctx.actor.in_quality_team else ctx.actor.person_id
    year = year_label(academic_year_of(day))
    return await walk_store(ctx).team_for_save(ctx.turn.org_id, team_pk, year, member)


async def own_team_for_save(ctx: HandlerContext, walk: StoredWalk, day: date) -> TeamForSave | None:
    """`team_for_save` for the team a walk already belongs to, whoever asks (its author may
    change it from any team's HA27): its readers and plans decide, not the form's team's."""
    year = year_label(academic_year_of(day))
    return await walk_store(ctx).team_for_save(ctx.turn.org_id, walk.team_pk, year)


async def plan_on(session: AsyncSession, found: TeamForSave, day: date) -> StoredWalkPlan | None:
    """The team's plan for the term `day` falls in (as `plan_for`), from the plans `found` with
    the team: read (with its windows) only if there is one."""
    term = term_for(day, found.settings)
    plan_id = found.plans.get(term.key) if term is not None else None
    return await WalkStore(session).plan_with_windows(plan_id) if plan_id is not None else None


async def plan_for(
    session: AsyncSession,
    org_id: str,
    team_pk: int,
    day: date,
    settings: Mapping[str, Any] | None = None,
) -> StoredWalkPlan | None:
    """The team's plan for the term `day` falls in (None between terms or with no plan).
    `settings`: the organisation's, if the caller read them (else they are read here)."""
    if settings is None:
        settings = await org_settings(session, org_id)
    term = term_for(day, settings)
    return await WalkStore(session).plan(org_id, team_pk, term.key) if term is not None else None


async def actor_for(session: AsyncSession, person_id: int | None) -> Actor | None:
    if person_id is None:
        return None
    person = await session.get(Person, person_id)
    if person is None:
        return None
    return Actor(person.id, person.org_id, await Directory(session).roles(person.id))


async def quality_notice_day(ctx: NoticeContext) -> date | None:
    """The day a notice to the quality team is about; None when its reader may no longer see the
    quality dashboard (the notice is then dropped)."""
    actor = await actor_for(ctx.uow.session, ctx.item.person_id)
    if actor is None or not can(actor, Permission.VIEW_QUALITY_DASHBOARD):
        return None
    return date.fromisoformat(str(ctx.payload.get("day")))


async def names_of(session: AsyncSession, org_id: str, ids: Sequence[int]) -> dict[int, str]:
    people = await Directory(session).people(org_id, ids)
    return {p.id: display_name(p) for p in people}


def display_name(person: Person) -> str:
    return person.name or person.email or f"#{person.id}"


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("Yes" if value else "No")


@dataclass(frozen=True)
class WalkAccess:
    read: bool
    concern: bool
    edit: bool
    # The walk's tutors' names, read with them for the checks (None for a draft: not read).
    tutor_names: Mapping[int, str] | None = None


async def walk_access(
    session: AsyncSession,
    actor: Actor,
    walk: StoredWalk,
    tutors: Sequence[Person] | None = None,
    line_managers: Mapping[int, frozenset[int]] | None = None,
    readers: frozenset[int] | None = None,
) -> WalkAccess:
    """Ask `can()` once per tutor visited: a group walk is readable if any tutor's record is,
    its concern note only if every tutor's is (no tutor on the walk ever sees it). A draft has
    no readers but its author. The channel's readers are the team's managers and the quality
    staff in that team: every card, copy and document of a walk asks this one function.
    `tutors`: the walk's tutors' rows, if the caller just read them (and `line_managers`,
    their line managers' ids, if read with them); `readers`: the team's channel readers, if the
    caller read them with the team (`team_for_save`)."""
    managers: dict[int, frozenset[int]] = {}
    tutor_ids: list[int] = []
    names: dict[int, str] | None = None
    if walk.is_draft:
        readers = frozenset()
    else:
        directory = Directory(session)
        if readers is None:
            readers = frozenset(
                await directory.holder_ids(walk.org_id, *CHANNEL_READERS, team_pk=walk.team_pk)
            )
        if tutors is None or {t.id for t in tutors} != set(walk.tutor_ids):
            tutors = await directory.people(walk.org_id, walk.tutor_ids)
            line_managers = None
        names = {t.id: display_name(t) for t in tutors}
        if line_managers is not None and set(line_managers) == {t.id for t in tutors}:
            managers = dict(line_managers)
        else:
            managers = await directory.line_manager_ids(tutors)
        tutor_ids = [t.id for t in tutors]
    subjects = walk_subjects(
        walk.org_id, walk.author_id, tutor_ids, readers, managers, draft=walk.is_draft
    )
    edit = can(actor, Permission.EDIT_WALK, subjects[0])
    return WalkAccess(
        # A draft is its author's alone: the quality team's reading by role is of saved walks.
        read=edit if walk.is_draft else any(can(actor, Permission.READ_WALK, s) for s in subjects),
        concern=all(can(actor, Permission.READ_WALK_CONCERN, s) for s in subjects),
        edit=edit,
        tutor_names=names,
    )


def walk_subjects(
    org_id: str,
    author_id: int,
    tutor_ids: Sequence[int],
    readers: frozenset[int],
    managers: Mapping[int, frozenset[int]],
    *,
    draft: bool = False,
) -> list[Subject]:
    """What `can()` is asked about a walk: one subject per tutor visited, each with the tutor's
    line managers and the channel's readers (`readers`: the team's managers and the quality
    staff in that team); a draft is its author's alone."""
    alone = Subject(org_id=org_id, author_id=author_id)
    if draft:
        return [alone]
    return [
        Subject(
            org_id=org_id,
            tutor_id=t,
            author_id=author_id,
            line_manager_ids=managers.get(t, frozenset()),
            channel_readers=readers,
        )
        for t in tutor_ids
    ] or [replace(alone, channel_readers=readers)]
