"""`help`: generated from the command table, and the answer to anything not understood."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.app.context import HandlerContext
from bot.app.router import Router
from bot.app.turn import Reply
from bot.domain.access import Role
from cards.help import CommandLine, HelpView, help_card

WELCOME = "Hello, I'm TLC, your Teaching & Learning Companion."


class Help:
    def __init__(self, router: Router) -> None:
        self.router = router
        self._card = lru_cache(maxsize=64)(self._build)

    def _build(
        self, scope: str, admin: bool, mode: str, heard: str, suggestions: tuple[str, ...]
    ) -> Reply:
        commands = [
            CommandLine(c.word, c.summary)
            for c in self.router.listed(scope)  # type: ignore[arg-type]
            if admin or not c.admin_only
        ]
        view = HelpView(
            commands=commands,
            greeting=WELCOME if mode == "welcome" else None,
            not_understood=heard if mode == "unknown" else None,
            suggestions=suggestions,
            in_channel=scope == "channel",
        )
        return Reply.show(help_card(view), text=None)

    def reply(self, ctx: HandlerContext, suggestions: tuple[str, ...] = ()) -> Reply:
        """The help card; `("welcome",)` greets, other suggestions mean "not understood"."""
        admin = Role.ORG_ADMIN in ctx.actor.roles
        scope = ctx.turn.where.kind
        if suggestions == ("welcome",):
            return self._card(scope, admin, "welcome", "", ())
        if suggestions:
            heard = ctx.turn.text.strip()[:60]
            return self._card(scope, admin, "unknown", heard, suggestions)
        return self._card(scope, admin, "help", "", ())

    async def command(self, ctx: HandlerContext) -> Reply:
        """Show what I can do.

        Usage: help
        """
        return self.reply(ctx)

    async def run(self, ctx: HandlerContext, values: dict[str, Any]) -> Reply:
        """A button that runs a command, as if it had been typed."""
        word = str(values.get("command", ""))
        match = self.router.match(word)
        if match.command is None:
            return self.reply(ctx, tuple(self.router.nearest(word)))
        ctx.args = match.args
        return await match.command.handler(ctx)
