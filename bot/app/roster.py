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
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.app.context import HandlerContext
from bot.app.events import LeftPlace
from storage.models import Team
from storage.outbox import RosterSync
from storage.people import Directory

log = logging.getLogger(__name__)

ROSTER_TTL = timedelta(hours=6)


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
