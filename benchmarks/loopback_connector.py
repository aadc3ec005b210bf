"""A minimal loopback Bot Connector for benchmarks: accepts every activity, gives it an id
and keeps the last one per conversation.

Run as `python -m benchmarks.loopback_connector PORT [FILES_DIR]`; files in FILES_DIR are served
at `/files/NAME` (a file a user sent in chat, e.g. a tutor list).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from aiohttp import web


def make_app(files: Path | None = None) -> web.Application:
    ids = itertools.count(1)
    app = web.Application()
    last: dict[str, bytes] = {}

    async def accept(request: web.Request) -> web.Response:
        last[request.match_info["conv"]] = await request.read()
        return web.json_response({"id": f"a-{next(ids)}"}, status=201)

    async def latest(request: web.Request) -> web.Response:
        """The last activity sent to a conversation (a benchmark reads the cards it set up)."""
        body = last.get(request.match_info["conv"])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body, content_type="application/json")

    async def member(request: web.Request) -> web.Response:
        uid = request.match_info["member"]
        return web.json_response({"id": uid, "name": uid, "email": f"{uid[3:]}@bench.example"})

    async def file(request: web.Request) -> web.StreamResponse:
        name = Path(request.match_info["name"]).name
        if files is None or not (files / name).is_file():
            raise web.HTTPNotFound()
        return web.Response(body=(files / name).read_bytes())

    app.router.add_get("/files/{name}", file)
    app.router.add_get("/bench/last/{conv}", latest)
    app.router.add_post("/v3/conversations/{conv}/activities", accept)
    app.router.add_post("/v3/conversations/{conv}/activities/{reply}", accept)
    app.router.add_put("/v3/conversations/{conv}/activities/{reply}", accept)
    app.router.add_get("/v3/conversations/{conv}/members/{member}", member)
    return app


if __name__ == "__main__":
    files = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    web.run_app(
        make_app(files), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None
    )
