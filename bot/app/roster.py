"""A team's people, read from Teams: on install in a team, and when someone asks for a picker.

Teams' paged members API gives every member of the team with their name, AAD id and email; each
is recorded through the directory's one person upsert (`Directory.seen`) and noted as a member of
the team, so that pickers offer real names from the first day. A team read within the last few
hours is not read again; a roster Teams cannot give (no network, a 403) leaves what is known.

A whole roster read also says who has left: someone TLC has as a member but Teams no longer
lists leaves the team as on Teams' membersRemoved (`LeftPlace`), which a bot that was down
never heard. Only a roster that is plainly whole does this: read to its last page (a failed
page reads nothing), not empty, and listing whoever is asking from the team itself; and not
the first read after someone joined (membersAdded forgets the last read, and Teams' roster
can lag behind it), so a newcomer is never removed by the read their arrival asked for.

When TLC is taken out of a team (Teams' installationUpdate "remove", and a conversationUpdate
with the bot among membersRemoved), the team is no longer installed: its channels are not posted
to, its roster is not read and no 1:1 chat is opened through it until TLC is added back, and the
org admins are told once, in their 1:1 chat, what stops.

What Teams says happens to a team TLC is in, or to one of its channels (`TeamChange`), is
TLC's at once (`team_changed`): a renamed team or channel is called by its new name; a deleted
channel is not posted to until it is restored; a team deleted, deleted for good or archived
(read-only in Teams, so every post would fail) is as if TLC were taken out of it, and the org
admins are told once what happened (an archived team too: its walk summaries and progression
cards stop, which they should hear of); restored or unarchived, it is back as when TLC is added
again. None of these adds anyone or greets, and a team TLC never knew is left unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.app.events import Events, LeftPlace, LinesJoined
from bot.app.notices import NoticeContext, NoticeKind
from bot.app.turn import Message, Turn
from bot.domain.access import Role
from cards.base import escape_markdown
from storage.models import Team
from storage.outbox import RosterSync
from storage.people import REMOVED_FROM_TEAM, TEAM_ARCHIVED, TEAM_DELETED, Directory
from storage.privacy import is_erased
from storage.reminders import Schedule

log = logging.getLogger(__name__)

ROSTER_TTL = timedelta(hours=6)
TAKEN_OUT = "team.taken_out"
OUT_OF_CHAT = "TLC was removed from this chat"


async def read_team_roster(ctx: HandlerContext, team: Team, *, force: bool = False) -> int | None:
    """Record everyone on the team's roster; how many Teams listed, or None if not read now."""
    lookup = ctx.services.team_roster
    if lookup is None:
        return None
    now = ctx.turn.now
    session = ctx.uow.session
    sync = await session.get(RosterSync, team.id)
    if not force and sync is not None and sync.synced_at >= now - ROSTER_TTL:
        return None
    members = await lookup(ctx.turn, team.team_id)
    if members is None:
        return None
    directory = Directory(session)
    try:
        async with session.begin_nested():
            # One read of a team at a time (Teams sends an install as two activities at once,
            # and both read): the team's row held, whoever read it meanwhile has recorded it.
            await session.execute(select(Team.id).where(Team.id == team.id).with_for_update())
            sync = await session.get(RosterSync, team.id, populate_existing=True)
            if not force and sync is not None and sync.synced_at >= now - ROSTER_TTL:
                return None
            listed: set[int] = set()
            for member in members:
                if not member.teams_user_id or member.teams_user_id == ctx.turn.where.bot_id:
                    continue
                person = await directory.seen(ctx.turn.org_id, member, now)
                await directory.add_member(team, person, now)
                listed.add(person.id)
            await follow_merges(session, ctx.services.events, ctx.turn.org_id, now)
            if sync is not None and _whole(ctx, team, listed):
                gone = frozenset(await directory.member_ids(team)) - listed
                if gone:
                    await directory.remove_members(team, gone)
                    left = LeftPlace(ctx.turn.org_id, gone, team.id, ctx.turn.where.conversation_id)
                    await ctx.services.events.publish(session, left)
            if sync is None:
                session.add(RosterSync(team_pk=team.id, synced_at=now))
            else:
                sync.synced_at = now
            await session.flush()
    except SQLAlchemyError as exc:
        # Someone on the roster was being recorded by another turn at this very moment: what
        # that turn stores is as good. Nothing of this roster is kept (the savepoint is rolled
        # back), the sync time is not moved, so it is read again the next time it is needed.
        log.warning(
            "roster of team %s not recorded, to be read again when next needed: %s",
            team.team_id,
            exc,
        )
        return None
    return len(members)


async def follow_merges(session: AsyncSession, events: Events, org_id: str, now: datetime) -> None:
    """Whoever this unit of work merged (`Directory.identify`: a Teams account met the row the
    tutor list keeps by its email) may have brought a tutor's line manager with them: what
    follows a changed line follows (`LinesJoined`), as after a list."""
    tutors = await Directory(session).lines_joined(org_id)
    if tutors:
        await events.publish(session, LinesJoined(org_id, tutors, now))


def _whole(ctx: HandlerContext, team: Team, listed: set[int]) -> bool:
    """Whether a roster read is whole enough to say who has left: it names someone, and, when
    the person asking is in this team's channel, them."""
    if not listed:
        return False
    in_team = ctx.turn.where.team_id == team.team_id
    return not in_team or ctx.person.id in listed


class TeamChange(Enum):
    """What happened to a team TLC is in, or to one of its channels (Teams says so)."""

    CHANNEL_NAMED = "channel named"  # created, or renamed
    CHANNEL_DELETED = "channel deleted"
    CHANNEL_RESTORED = "channel restored"
    TEAM_RENAMED = "renamed"
    TEAM_DELETED = "deleted"
    TEAM_DELETED_FOR_GOOD = "deleted for good"
    TEAM_ARCHIVED = "archived"
    TEAM_BACK = "back"  # restored, or unarchived


@dataclass(frozen=True)
class _Told:
    """How the org admins hear that a team's channels are no longer posted to."""

    happened: str  # "{name}" and "{who}" (" by someone") are filled in
    until: str
    kept: str
    carry_on: str


REMOVED = "removed"  # `TAKEN_OUT`'s "why" when TLC itself was taken out
_KEPT = "what was posted there stays, and nothing stored is lost"
_TOLD: Mapping[str, _Told] = MappingProxyType(
    {
        REMOVED: _Told(
            "TLC was removed from the team **{name}**{who}",
            "Until it is added back",
            _KEPT,
            "To carry on, add TLC to the team again in Teams",
        ),
        TeamChange.TEAM_DELETED.value: _Told(
            "The team **{name}** was deleted{who}",
            "Until it is restored",
            _KEPT,
            "A Teams admin can restore a deleted team for 30 days; TLC carries on there then",
        ),
        TeamChange.TEAM_DELETED_FOR_GOOD.value: _Told(
            "The team **{name}** was deleted for good{who}",
            "From now on",
            "what TLC stored (walks, records) is not lost",
            "To carry on, add TLC to the team that takes its place",
        ),
        TeamChange.TEAM_ARCHIVED.value: _Told(
            "The team **{name}** was archived{who}, so it is read-only in Teams",
            "Until it is unarchived",
            _KEPT,
            "To carry on, a team owner can unarchive it in Teams",
        ),
    }
)
# Why a team's channels are not posted to, after each change that takes TLC out of it.
_OUT_BECAUSE: Mapping[TeamChange, str] = MappingProxyType(
    {
        TeamChange.TEAM_DELETED: TEAM_DELETED,
        TeamChange.TEAM_DELETED_FOR_GOOD: TEAM_DELETED,
        TeamChange.TEAM_ARCHIVED: TEAM_ARCHIVED,
    }
)


async def team_changed(directory: Directory, turn: Turn, change: TeamChange) -> None:
    """Teams says `change` happened to the team of `turn` (or to its channel, named in it)."""
    where = turn.where
    team = await directory.team_of(turn.org_id, where.team_id) if where.team_id else None
    if team is None:
        return  # a team TLC never knew: nothing to change, and it is not added
    channel = where.teams_channel_id
    if change in _OUT_BECAUSE:
        await _team_out(directory, turn, team, change)
    elif change is TeamChange.TEAM_BACK:
        if not team.installed:
            await directory.back_in(team, turn.now)
    elif change is TeamChange.TEAM_RENAMED:
        team.name = where.team_name or team.name
    elif channel and change is TeamChange.CHANNEL_NAMED:
        await directory.channel_named(team, channel, where.teams_channel_name)
    elif channel and change is TeamChange.CHANNEL_DELETED:
        await directory.channel_deleted(team, channel)
    elif channel and change is TeamChange.CHANNEL_RESTORED:
        await directory.channel_restored(team, channel)


async def taken_out(directory: Directory, turn: Turn) -> None:
    """TLC was removed where `turn` happened: a team (every channel of it), or a chat."""
    if not turn.where.team_id:
        await directory.taken_out_of_chat(turn.org_id, turn.where.conversation_id, OUT_OF_CHAT)
        return
    team = await directory.team_of(turn.org_id, turn.where.team_id)
    if team is not None:  # else a team TLC never knew
        await _team_out(directory, turn, team, None)


async def _team_out(
    directory: Directory, turn: Turn, team: Team, change: TeamChange | None
) -> None:
    """`team`'s channels are not posted to: TLC was taken out of it (`change` None), or the
    team was deleted or archived. The org admins hear it once (Teams may say it twice)."""
    now = turn.now
    reason = REMOVED_FROM_TEAM if change is None else _OUT_BECAUSE[change]
    if not await directory.taken_out_of(team, reason):
        return  # already heard of
    remover = await directory.known_as(turn.org_id, [turn.user])
    payload: dict[str, Any] = {
        "team": team.id,
        "by": min(remover) if remover else None,
        "why": REMOVED if change is None else change.value,
    }
    schedule = Schedule(directory.session)
    for admin in await directory.holders(turn.org_id, Role.ORG_ADMIN):
        key = f"team-taken-out:{team.id}:{admin.id}:{turn.activity_id or now.isoformat()}"
        await schedule.put(
            turn.org_id, key[:300], TAKEN_OUT, now, now, person_id=admin.id, payload=payload
        )


async def render_taken_out(ctx: NoticeContext) -> Message | None:
    team = await ctx.uow.session.get(Team, ctx.payload.get("team"))
    if team is None or team.org_id != ctx.item.org_id or team.installed:
        return None  # added back since: nothing to say
    by = ctx.payload.get("by")
    remover = await ctx.directory.person(ctx.item.org_id, by) if isinstance(by, int) else None
    who = ""
    if remover is not None and not is_erased(remover.name, remover.email, remover.teams_user_id):
        who = f" by {escape_markdown(remover.name or remover.email or '')}"
    told = _TOLD.get(str(ctx.payload.get("why") or REMOVED), _TOLD[REMOVED])
    happened = told.happened.format(name=escape_markdown(team.name) or "a team", who=who)
    return Message(
        text=(
            f"{happened}. {told.until}, TLC posts nothing in its channels (walk summaries, live "
            "progression cards), does not read its members, and opens no chats through it; "
            f"{told.kept}. {told.carry_on}; `undelivered` lists anything it could not post "
            "meanwhile."
        )
    )


NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind(TAKEN_OUT, render_taken_out, None, "An admin hears TLC left a team"),
)
