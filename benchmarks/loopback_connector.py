"""A minimal loopback Bot Connector for benchmarks: accepts every activity and counts them.

Run as `python -m benchmarks.loopback_connector PORT`.
"""

from __future__ import annotations

import itertools
import sys

from aiohttp import web


def make_app() -> web.Application:
    ids = itertools.count(1)
    app = web.Application()

    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": f"a-{next(ids)}"}, status=201)

    async def member(request: web.Request) -> web.Response:
        uid = request.match_info["member"]
        return web.json_response({"id": uid, "name": uid, "email": f"{uid[3:]}@bench.example"})

    app.router.add_post("/v3/conversations/{conv}/activities", accept)
    app.router.add_post("/v3/conversations/{conv}/activities/{reply}", accept)
    app.router.add_put("/v3/conversations/{conv}/activities/{reply}", accept)
    app.router.add_get("/v3/conversations/{conv}/members/{member}", member)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
