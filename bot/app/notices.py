"""Kinds of proactive message, in one table like the router's: how each is drawn, who may opt out.

A notice is rendered when it is sent, from the state of the records then, so a reminder about an
observation that has since been rescheduled or approved says so, or is dropped (render → None).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.app.events import Events
from bot.app.turn import Message
from storage.db import UnitOfWork
from storage.people import Directory
from storage.reminders import Schedule, ScheduledItem


@dataclass
class _ItemContext:
    """A scheduled item being handled, inside the worker's unit of work."""

    uow: UnitOfWork
    item: ScheduledItem

    @property
    def payload(self) -> dict[str, Any]:
        return self.item.payload

    @property
    def directory(self) -> Directory:
        return Directory(self.uow.session)

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.uow.session)


@dataclass
class NoticeContext(_ItemContext):
    now: datetime
    events: Events


Render = Callable[[NoticeContext], Awaitable[Message | None]]
# How long after falling due a message that could not reach its person is still worth sending
# when TLC reaches them: a week (a reminder older than that is noise; `undelivered` still has it).
RESEND_WITHIN = timedelta(days=7)


def about[T](
    load: Callable[[NoticeContext], Awaitable[T | None]],
) -> Callable[[Callable[[NoticeContext, T], Awaitable[Message | None]]], Render]:
    """A notice about something loaded when it is sent, given to the renderer; nothing is sent
    when it is gone (the loader finds None)."""

    def wrap(render: Callable[[NoticeContext, T], Awaitable[Message | None]]) -> Render:
        @functools.wraps(render)
        async def run(ctx: NoticeContext) -> Message | None:
            found = await load(ctx)
            return None if found is None else await render(ctx, found)

        return run

    return wrap


@dataclass
class FailureContext(_ItemContext):
    """A message that will never be delivered as addressed: `reason` says why."""

    reason: str
    now: datetime


OnFailure = Callable[[FailureContext], Awaitable[None]]


@dataclass(frozen=True)
class NoticeKind:
    """`opt_out` names the preference a person can turn off (None: a deadline, never silenced).
    `confidential`: the kind itself says something private about the person it goes to (that
    they are being supported); admin views name it only as a private message.
    `asked_for`: it answers something a person has just done or asked for (a document, the
    card they pressed on), so sending hours never hold it. A `to_channel` kind goes to a team or
    a chat: one person's opt-out cannot govern it, so it has none."""

    kind: str
    render: Render
    opt_out: str | None = None
    description: str = ""
    asked_for: bool = False
    to_channel: bool = False  # posted to a channel or group chat, not to one person
    on_failure: OnFailure | None = None  # e.g. tell whoever asked that it did not arrive
    confidential: bool = False
    # A personal message that failed because TLC could not reach the person (no 1:1 chat yet,
    # blocked, uninstalled) goes again when TLC can, if that is within this long of falling
    # due (None: only an admin's `undelivered` → try again sends it).
    resend_within: timedelta | None = RESEND_WITHIN

    @property
    def admin_label(self) -> str:
        """How diagnostics (`undelivered`) name this kind: what failed, never whose support."""
        if self.confidential:
            return PRIVATE_MESSAGE
        return self.description or self.kind


PRIVATE_MESSAGE = "A private 1:1 message"


class NoticeKinds:
    """The table of notice kinds, and the app's event bus that their renderers may ask."""

    def __init__(self, events: Events | None = None) -> None:
        self._kinds: dict[str, NoticeKind] = {}
        self.events = events if events is not None else Events()

    def add(self, *kinds: NoticeKind) -> None:
        for k in kinds:
            if k.kind in self._kinds:
                raise ValueError(f"notice kind {k.kind!r} registered twice")
            if k.opt_out and k.to_channel:
                raise ValueError(
                    f"{k.kind!r} is posted to a channel: that is the team's choice, not an opt-out"
                )
            self._kinds[k.kind] = k

    def get(self, kind: str) -> NoticeKind | None:
        return self._kinds.get(kind)

    def all(self) -> list[NoticeKind]:
        return list(self._kinds.values())
