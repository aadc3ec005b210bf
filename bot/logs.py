"""Logs carry no one's words: no text people typed, no names, no pydantic `input_value`.

Call sites log ids through `short()` and exceptions by kind; `configure()` puts one guard on
the root handler for everything else, ours or a library's: exception messages and tracebacks'
final lines are withheld (a `ValidationError` or an `IntegrityError` quotes what was typed), and
an exception passed as a log argument is logged as its type.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
WITHHELD = "(message withheld: it may quote what someone typed)"
ID_CHARS = 8


def short(value: object) -> str:
    """An id as logs show it: enough to match two lines, too little to find a person by."""
    if value is None:
        return "-"
    text = str(value)
    return text if len(text) <= ID_CHARS else text[:ID_CHARS] + "…"


def kind(exc: BaseException) -> str:
    """An exception as logs show it: its type, an HTTP status if it has one, and a database's
    own error code if it wraps one (`SQLITE_BUSY`, PostgreSQL's `40P01`), which names what went
    wrong ("database is locked") without quoting anything."""
    status = getattr(exc, "status", None)
    name = type(exc).__qualname__
    if isinstance(status, int):
        name = f"{name} (status {status})"
    code = database_code(exc)
    return f"{name} [{code}]" if code else name


def database_code(exc: BaseException) -> str | None:
    """The code the database gave an error that SQLAlchemy wraps (`.orig`): SQLite's error
    name, or PostgreSQL's SQLSTATE (asyncpg's, as SQLAlchemy adapts it)."""
    orig = getattr(exc, "orig", None)
    for attribute in ("sqlite_errorname", "sqlstate"):
        code = getattr(orig, attribute, None)
        if isinstance(code, str) and code.isprintable() and len(code) <= 40:
            return code
    return None


class PrivateFormatter(logging.Formatter):
    """Tracebacks with every frame, but each exception's message withheld."""

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        exc = ei[1]
        chain: list[BaseException] = []
        while exc is not None and exc not in chain:
            chain.append(exc)
            exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        lines: list[str] = []
        for i, link in enumerate(reversed(chain)):
            if i:
                lines.append("\nDuring handling of it, or because of it:\n\n")
            lines.append("Traceback (most recent call last):\n")
            lines += traceback.format_tb(link.__traceback__)
            code = database_code(link)
            where = f" [{code}]" if code else ""
            lines.append(f"{type(link).__module__}.{type(link).__qualname__}{where}: {WITHHELD}\n")
        return "".join(lines).rstrip("\n")

    def formatStack(self, stack_info: str) -> str:
        return stack_info


# Below WARNING only these speak: libraries' debug and info lines quote SQL parameters and rows
# (sqlalchemy, aiosqlite) and request bodies (msrest), whatever the level asked for.
OWN = ("bot", "storage", "cards", "aiohttp.access", "aiohttp.server", "aiohttp.web", "__main__")


class PrivateFilter(logging.Filter):
    """Libraries' chatter below WARNING is dropped, and an exception given as a log argument
    (`log.info("…: %s", exc)`) is logged as its kind."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and not any(
            record.name == own or record.name.startswith(own + ".") for own in OWN
        ):
            return False
        if isinstance(record.args, tuple) and any(
            isinstance(a, BaseException) for a in record.args
        ):
            record.args = tuple(kind(a) if isinstance(a, BaseException) else a for a in record.args)
        if record.exc_text:  # formatted elsewhere already: format again, privately
            record.exc_text = None
        return True


def private_handler(handler: logging.Handler) -> logging.Handler:
    handler.setFormatter(PrivateFormatter(FORMAT))
    handler.addFilter(PrivateFilter())
    return handler


def configure(level: int = logging.INFO, stream: IO[str] | None = None) -> logging.Handler:
    """The process's logging: one stream handler, private, on the root logger."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = private_handler(logging.StreamHandler(stream))
    root.addHandler(handler)
    root.setLevel(level)
    return handler
