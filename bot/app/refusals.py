"""The refusal for something a role the asker lacks would let them do. An org admin is their own
TLC admin, so they hear how to give themselves the role (`admin grant`), not a dead end; anyone
else hears the refusal as it is."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.app.context import HandlerContext
from bot.domain.access import Role
from storage.people import Directory

# The picker under *Who's who* in `admin setup` that gives each role (its label there too).
SETUP_PICKERS: Mapping[Role, str] = MappingProxyType(
    {Role.QUALITY_COORDINATOR: "Quality team", Role.LINE_MANAGER: "Line managers"}
)


def refusal(
    ctx: HandlerContext, refused: str, role: Role, to: str, *, to_an_admin: str | None = None
) -> str:
    """`refused`, or for an org admin (opening with `to_an_admin` if given) how to take `role`
    themselves so as `to` do it: "Sorry, that is for the quality team. Being an org admin does
    not include that. To see it yourself, give yourself the role in our 1:1 chat: ...". The
    command shows their email in 1:1 only: in a channel or group chat it says *your email*."""
    if not ctx.actor.has(Role.ORG_ADMIN):
        return refused
    if ctx.turn.where.kind == "personal":
        email = ctx.person.email or "your.name@college.ac.uk"
        grant = f"**admin grant {email} {role.value}**"
    else:  # a channel or a group chat: others read it, so not the admin's email
        grant = f"**admin grant** *your email* **{role.value}**"
    picker = SETUP_PICKERS.get(role)
    pick = f" (or pick yourself under *{picker}* in **admin setup**)" if picker else ""
    return (
        f"{to_an_admin or refused} Being an org admin does not include that. To {to} yourself, "
        f"give yourself the role in our 1:1 chat: {grant}{pick}."
    )


async def holder_names(directory: Directory, org_id: str, role: Role, most: int = 3) -> list[str]:
    """Who holds `role`, the first `most` by name (their email when TLC has no name for them):
    the people to ask, for a refusal or a dead end."""
    holders = await directory.holders(org_id, role)
    return [n for n in (p.name or p.email or "" for p in holders) if n][:most]
