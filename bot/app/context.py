"""What a handler is given: the turn, the unit of work, who is asking, and the services."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, Protocol

from bot.app.events import Events
from bot.app.notices import NoticeKinds
from bot.app.turn import FileRef, Reply, Turn, UserRef
from bot.clock import Clock
from bot.domain.access import Actor, Permission, Subject, can
from bot.domain.uploads import NotAList, list_kind, read_list
from bot.settings import Settings
from cards.base import said
from storage.db import UnitOfWork
from storage.models import Person
from storage.people import Directory

if TYPE_CHECKING:
    from bot.app.calendar import Calendar


# A list sent as a file (a tutor list, plans, allocations): a college's is far smaller.
MAX_LIST_BYTES = 2_000_000


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
    def list_file(self) -> FileRef | None:
        """The list sent with this message: its first .csv file or Excel workbook (.xlsx); else
        the first file of any other kind (an .xls, a .docx), for `sent_list` to refuse, so that
        it is answered rather than taken for no file at all."""
        files = self.turn.files
        return next((f for f in files if is_list(f)), next(iter(files), None))

    async def sent_list(
        self,
        words: str,
        missing: str,
        *,
        limit: int = MAX_LIST_BYTES,
        outcome: str = "nothing was changed",
    ) -> str | Reply:
        """The list sent with `words` as text, read by the one reader every upload uses
        (`read_list`): a CSV's, or a workbook's first worksheet as CSV. Instead, the answer when
        no file came (`missing`), when it is larger than `limit` bytes, or when it can't be
        read as a list (an .xls or a .docx, refused before it is fetched; a damaged .xlsx);
        `outcome` says what did not happen. Read in a worker thread: unzipping and parsing a
        large workbook takes seconds, in which every other turn would wait."""
        file = self.list_file
        if file is None:
            return Reply.text(missing)
        try:
            if not is_list(file):
                raise NotAList("neither CSV nor an Excel workbook")
            raw = await self.services.fetch_file(file)
            if len(raw) > limit:
                size = f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit // 1000} KB"
                return Reply.text(
                    f"That file is too large for a list ({size} at most), so {outcome}. "
                    f"Send it in parts, each with the words **{words}**."
                )
            # The bytes win over the name: an .xls named .csv is refused here too.
            return await asyncio.to_thread(read_list, file.name, file.file_type, raw)
        except NotAList:
            return Reply.text(unreadable_list(file, words, outcome))


def is_list(file: FileRef) -> bool:
    """A sent file a list can be read from: a .csv, or an Excel workbook (.xlsx)."""
    return list_kind(file.name, file.file_type) is not None


def unreadable_list(file: FileRef, words: str, outcome: str = "nothing was changed") -> str:
    """The answer to a list sent as a file that can't be read (NotAList): what to save it as,
    and the words to send it again with. One sentence for every upload."""
    if list_kind(file.name, file.file_type) == "xlsx":
        how = " as an Excel workbook"
    elif file.name.lower().endswith(".xls") or file.file_type.lower() == "xls":
        how = " (an Excel 97-2003 workbook, .xls)"
    else:
        how = " as a list"
    return (
        f"I can't read {said(file.name)}{how}, so {outcome}. Open it in Excel and save it as "
        f"an Excel Workbook (.xlsx) or as CSV, then send it again with the words **{words}**."
    )


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
