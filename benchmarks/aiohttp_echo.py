"""The aiohttp-only ceiling: an echo bot with no Bot Framework, no database, one client session.

It reads the activity, posts one reply to the connector and answers 201 — the least any bot on
this machine can do per turn. Run as `python -m benchmarks.aiohttp_echo PORT`.
"""

from __future__ import annotations

import json
import sys

import aiohttp
from aiohttp import web

HTTP = web.AppKey("http", aiohttp.ClientSession)


def make_app() -> web.Application:
    app = web.Application()

    async def start(app: web.Application) -> None:
        app[HTTP] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))

    async def stop(app: web.Application) -> None:
        await app[HTTP].close()

    async def messages(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        url = (
            f"{body['serviceUrl'].rstrip('/')}/v3/conversations/{body['conversation']['id']}"
            f"/activities/{body['id']}"
        )
        reply = {"type": "message", "text": f"Echo: {body.get('text')}", "replyToId": body["id"]}
        async with request.app[HTTP].post(url, json=reply) as resp:
            await resp.read()
        return web.Response(status=201)

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_post("/api/messages", messages)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
