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
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.app.context import HandlerContext
from bot.app.events import LeftPlace
from bot.app.notices import NoticeContext, NoticeKind
from bot.app.turn import Message, Turn
from bot.domain.access import Role
from storage.models import Team
from storage.outbox import RosterSync
from storage.people import Directory
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
            listed: set[int] = set()
            for member in members:
                if not member.teams_user_id or member.teams_user_id == ctx.turn.where.bot_id:
                    continue
                person = await directory.seen(ctx.turn.org_id, member, now)
                await directory.add_member(team, person, now)
                listed.add(person.id)
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
        log.warning("roster of team %s not recorded, to be read again: %s", team.team_id, exc)
        return None
    return len(members)


def _whole(ctx: HandlerContext, team: Team, listed: set[int]) -> bool:
    """Whether a roster read is whole enough to say who has left: it names someone, and, when
    the person asking is in this team's channel, them."""
    if not listed:
        return False
    in_team = ctx.turn.where.team_id == team.team_id
    return not in_team or ctx.person.id in listed


async def taken_out(directory: Directory, turn: Turn) -> None:
    """TLC was removed where `turn` happened: a team (every channel of it), or a chat."""
    now = turn.now
    if not turn.where.team_id:
        await directory.taken_out_of_chat(turn.org_id, turn.where.conversation_id, OUT_OF_CHAT)
        return
    team = await directory.team_of(turn.org_id, turn.where.team_id)
    if team is None or not await directory.taken_out_of(team):
        return  # a team TLC never knew, or already heard of (Teams says it twice)
    remover = await directory.known_as(turn.org_id, [turn.user])
    payload: dict[str, Any] = {"team": team.id, "by": min(remover) if remover else None}
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
        who = f" by {remover.name or remover.email}"
    name = team.name or "a team"
    return Message(
        text=(
            f"TLC was removed from the team **{name}**{who}. Until it is added back, TLC posts "
            "nothing in its channels (walk summaries, live progression cards), does not read "
            "its members, and opens no chats through it; what was posted there stays, and "
            "nothing stored is lost. To carry on, add TLC to the team again in Teams; "
            "`undelivered` lists anything it could not post meanwhile."
        )
    )


NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind(TAKEN_OUT, render_taken_out, None, "An admin hears TLC left a team"),
)
