"""Kinds of proactive message, in one table like the router's: how each is drawn, who may opt out.

A notice is rendered when it is sent, from the state of the records then, so a reminder about an
observation that has since been rescheduled or approved says so, or is dropped (render → None).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.app.events import Events
from bot.app.turn import Message
from storage.db import UnitOfWork
from storage.people import Directory
from storage.reminders import Schedule, ScheduledItem


@dataclass
class NoticeContext:
    uow: UnitOfWork
    item: ScheduledItem
    now: datetime
    events: Events

    @property
    def payload(self) -> dict[str, Any]:
        return self.item.payload

    @property
    def directory(self) -> Directory:
        return Directory(self.uow.session)

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.uow.session)


Render = Callable[[NoticeContext], Awaitable[Message | None]]


@dataclass(frozen=True)
class NoticeKind:
    """`opt_out` names the preference a person can turn off (None: a deadline, never silenced).
    `confidential`: the kind itself says something private about the person it goes to (that
    they are being supported); admin views name it only as a private message."""

    kind: str
    render: Render
    opt_out: str | None = None
    description: str = ""
    confidential: bool = False

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
            self._kinds[k.kind] = k

    def get(self, kind: str) -> NoticeKind | None:
        return self._kinds.get(kind)

    def all(self) -> list[NoticeKind]:
        return list(self._kinds.values())
