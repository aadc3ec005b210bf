"""A loopback TCP proxy in front of PostgreSQL that reads what the client sends (the frontend
half of the wire protocol) and counts round trips: each simple `Query`, and each `Sync` of the
extended protocol (asyncpg's prepare, and its bind-and-execute), is one wait for the server.

Point a database URL at `proxy.url(database_url)`; the proxy asks for no TLS (`ssl=disable`),
so it can read the messages. `sever()` makes every connection open so far die at its next
message, as a connection does whose server went away without a word (nothing reaches the
client until it sends).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

SSL_REQUEST = 80877103


@dataclass
class RoundTrip:
    kind: str  # "query" (simple protocol), "prepare" or "execute" (extended)
    sql: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.sql}"


@dataclass
class _Client:
    severed: bool = False
    names: dict[str, str] = field(default_factory=dict)  # prepared statement -> its SQL
    parsed: str | None = None  # since the last Sync
    bound: str | None = None


class PgWireProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.round_trips: list[RoundTrip] = []
        self.connections = 0
        self.upstream_ports: list[int] = []  # the server sees the bot's connections come from
        self._clients: list[_Client] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def url(self, database_url: str) -> str:
        parts = urlsplit(database_url)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        netloc_new = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
        query = "&".join(q for q in (parts.query, "ssl=disable") if q)
        return urlunsplit((parts.scheme, netloc_new, parts.path, query, parts.fragment))

    def sever(self) -> None:
        for client in self._clients:
            client.severed = True

    def take(self) -> list[RoundTrip]:
        """The round trips since the last take."""
        taken, self.round_trips = self.round_trips, []
        return taken

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        client = _Client()
        self._clients.append(client)
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.upstream_ports.append(up_writer.get_extra_info("sockname")[1])
        back = asyncio.create_task(self._pipe(up_reader, writer))
        try:
            # The client hanging up (mid-message or not) ends the relay; nothing to report.
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                await self._frontend(reader, up_writer, client)
        finally:
            back.cancel()
            for w in (writer, up_writer):
                w.close()
            with contextlib.suppress(Exception):
                await back
            self._tasks.discard(task)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _frontend(
        self, reader: asyncio.StreamReader, up: asyncio.StreamWriter, client: _Client
    ) -> None:
        # Untyped start-up messages: an SSL request (answered "N" by a server without TLS, or
        # refused by asyncpg's ssl=disable), then the startup message itself.
        while True:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            rest = await reader.readexactly(length - 8)
            up.write(head + rest)
            await up.drain()
            if code != SSL_REQUEST:
                break
        while True:
            kind = await reader.readexactly(1)
            if client.severed:
                return  # the server is gone: the client learns it now
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            self._note(client, kind, body)
            up.write(kind + struct.pack("!i", length) + body)
            await up.drain()

    def _note(self, client: _Client, kind: bytes, body: bytes) -> None:
        if kind == b"Q":
            self.round_trips.append(RoundTrip("query", body.rstrip(b"\0").decode()))
        elif kind == b"P":
            name, sql, _ = body.split(b"\0", 2)
            client.names[name.decode()] = client.parsed = sql.decode()
        elif kind == b"B":
            _portal, statement, _ = body.split(b"\0", 2)
            client.bound = client.names.get(statement.decode(), "?")
        elif kind == b"S":
            if client.bound is not None:
                self.round_trips.append(RoundTrip("execute", client.bound))
            else:
                self.round_trips.append(RoundTrip("prepare", client.parsed or "?"))
            client.parsed = client.bound = None
