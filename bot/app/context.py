"""What a handler is given: the turn, the unit of work, who is asking, and the services."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, Protocol

from bot.app.events import Events
from bot.app.notices import NoticeKinds
from bot.app.turn import FileRef, Reply, Turn, UserRef
from bot.clock import Clock
from bot.domain.access import Actor, Permission, Subject, can
from bot.domain.uploads import list_text, workbook_text
from bot.settings import Settings
from storage.db import UnitOfWork
from storage.models import Person
from storage.people import Directory

if TYPE_CHECKING:
    from bot.app.calendar import Calendar


class FileFetcher(Protocol):
    async def __call__(self, file: FileRef) -> bytes: ...


class FileUploader(Protocol):
    """Puts bytes at an upload URL Teams handed out (a file consent answer)."""

    async def __call__(self, url: str, content: bytes) -> None: ...


class EmailLookup(Protocol):
    """Asks Teams for the email/UPN of the person on a turn (the roster API); None if unknown."""

    async def __call__(self, turn: Turn) -> str | None: ...


class RosterLookup(Protocol):
    """Asks Teams for everyone in a team (its paged members API), with names and emails; None
    when Teams cannot say (no network, not allowed)."""

    async def __call__(self, turn: Turn, team_id: str) -> list[UserRef] | None: ...


@dataclass
class Services:
    """Things handlers use that live outside the process, behind small interfaces."""

    settings: Settings
    clock: Clock
    fetch_file: FileFetcher
    member_email: EmailLookup
    events: Events  # how this app's capabilities talk to each other
    upload_file: FileUploader | None = None
    notices: NoticeKinds = field(default_factory=NoticeKinds)  # the kinds the worker sends
    team_roster: RosterLookup | None = None
    calendar: Calendar | None = None  # where agreed dates go; None: the .ics files


@dataclass
class HandlerContext:
    turn: Turn
    uow: UnitOfWork
    person: Person
    actor: Actor
    services: Services
    args: str = ""

    @property
    def directory(self) -> Directory:
        return Directory(self.uow.session)

    def can(self, permission: Permission, subject: Subject | None = None) -> bool:
        return can(self.actor, permission, subject)

    @property
    def csv_file(self) -> FileRef | None:
        """The first .csv file sent with this message, if there is one."""
        for file in self.turn.files:
            if file.name.lower().endswith(".csv") or file.file_type == "csv":
                return file
        return None

    async def csv_text(self, file: FileRef, limit: int) -> str | None:
        """A sent CSV file's text (`list_text`); None when it is larger than `limit` bytes."""
        raw = await self.services.fetch_file(file)
        if len(raw) > limit:
            return None
        return list_text(raw)

    @property
    def list_file(self) -> FileRef | None:
        """The first list sent with this message: a .csv file or an Excel workbook (.xlsx)."""
        for file in self.turn.files:
            if _is_workbook(file) or file is self.csv_file:
                return file
        return None

    async def list_text(self, file: FileRef, limit: int) -> str | None:
        """A sent list's text: a CSV's (`csv_text`), or a workbook's first worksheet as CSV
        (`workbook_text`, which raises NotAWorkbook); None when it is larger than `limit` bytes."""
        if not _is_workbook(file):
            return await self.csv_text(file, limit)
        raw = await self.services.fetch_file(file)
        if len(raw) > limit:
            return None
        return workbook_text(raw)


def _is_workbook(file: FileRef) -> bool:
    return file.name.lower().endswith(".xlsx") or file.file_type == "xlsx"


def with_loaded[V, T, **P](
    load: Callable[[HandlerContext, V], Awaitable[T | Reply]],
) -> Callable[
    [Callable[Concatenate[HandlerContext, V, T, P], Awaitable[Reply]]],
    Callable[Concatenate[HandlerContext, V, P], Awaitable[Reply]],
]:
    """A handler that first loads what its button is about, for this person: when the loader
    answers instead (gone, not theirs), that is the reply; otherwise the handler is given it
    after the submitted values (a redisplay's errors come after it)."""

    def wrap(
        handler: Callable[Concatenate[HandlerContext, V, T, P], Awaitable[Reply]],
    ) -> Callable[Concatenate[HandlerContext, V, P], Awaitable[Reply]]:
        @functools.wraps(handler)
        async def run(ctx: HandlerContext, values: V, /, *args: P.args, **kw: P.kwargs) -> Reply:
            loaded = await load(ctx, values)
            if isinstance(loaded, Reply):
                return loaded
            return await handler(ctx, values, loaded, *args, **kw)

        return run

    return wrap


def permitted[**P](
    permission: Permission, refusal: str
) -> Callable[
    [Callable[Concatenate[HandlerContext, P], Awaitable[Reply]]],
    Callable[Concatenate[HandlerContext, P], Awaitable[Reply]],
]:
    """A handler only for those whose roles give `permission` (whatever it is about); anyone
    else hears `refusal`."""

    def wrap(
        handler: Callable[Concatenate[HandlerContext, P], Awaitable[Reply]],
    ) -> Callable[Concatenate[HandlerContext, P], Awaitable[Reply]]:
        @functools.wraps(handler)
        async def run(ctx: HandlerContext, /, *args: P.args, **kw: P.kwargs) -> Reply:
            if not ctx.can(permission):
                return Reply.text(refusal)
            return await handler(ctx, *args, **kw)

        return run

    return wrap


def redrawn(
    card: Callable[[dict[str, str], dict[str, str]], dict[str, Any]],
) -> Callable[[HandlerContext, dict[str, Any], dict[str, str]], Awaitable[Reply]]:
    """The redisplay of a form whose card needs nothing loaded: `card` drawn again with what was
    sent (as text) and the field errors."""

    async def redisplay(
        ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
    ) -> Reply:
        return Reply.update(card({k: str(v) for k, v in values.items()}, errors))

    return redisplay
