"""Where other capabilities plug into observations. The lead wires these at merge time.

- `register_walk_calendar(fn)`: learning walks say which walks are planned for a tutor on a day,
  so agreeing an OTLA date can warn about a clash (SPEC §1: never the same day). Default: none.
- `register_on_observation_approved_with_actions(fn)`: support offers a self-referral after an
  observation that produced actions (SPEC §3). Default: nothing happens.

The registries hold functions, not state: they are filled once at start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

WalkCalendar = Callable[[AsyncSession, str, int, date], Awaitable[list[str]]]
"""(session, org_id, tutor_id, day) -> descriptions of learning walks planned that day."""


@dataclass(frozen=True)
class ObservationApproved:
    org_id: str
    observation_id: int
    tutor_id: int
    line_manager_ids: frozenset[int]
    action_count: int
    approved_at: datetime


ApprovedHook = Callable[[AsyncSession, ObservationApproved], Awaitable[None]]


async def _no_walks(_: AsyncSession, __: str, ___: int, ____: date) -> list[str]:
    return []


_walk_calendars: list[WalkCalendar] = []
_approved_hooks: list[ApprovedHook] = []


def walk_calendars() -> list[WalkCalendar]:
    return list(_walk_calendars)


def approved_hooks() -> list[ApprovedHook]:
    return list(_approved_hooks)


def register_walk_calendar(fn: WalkCalendar) -> None:
    if fn not in _walk_calendars:
        _walk_calendars.append(fn)


def unregister_walk_calendar(fn: WalkCalendar) -> None:
    if fn in _walk_calendars:
        _walk_calendars.remove(fn)


def register_on_observation_approved_with_actions(fn: ApprovedHook) -> None:
    if fn not in _approved_hooks:
        _approved_hooks.append(fn)


def unregister_on_observation_approved_with_actions(fn: ApprovedHook) -> None:
    if fn in _approved_hooks:
        _approved_hooks.remove(fn)


async def walks_on(session: AsyncSession, org_id: str, tutor_id: int, day: date) -> list[str]:
    """Learning walks planned for this tutor on this day, from every registered calendar."""
    found: list[str] = []
    for calendar in _walk_calendars or [_no_walks]:
        found += await calendar(session, org_id, tutor_id, day)
    return found


async def on_observation_approved_with_actions(
    session: AsyncSession, event: ObservationApproved
) -> None:
    """Called in the approving unit of work when an approved report has actions."""
    for hook in _approved_hooks:
        await hook(session, event)
