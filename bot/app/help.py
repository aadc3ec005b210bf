"""`help`: generated from the command table, and the answer to anything not understood."""

from __future__ import annotations

import difflib
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from bot.app.context import HandlerContext
from bot.app.router import Command, Router
from bot.app.turn import Reply
from bot.domain.access import Role
from cards.help import CommandHelp, CommandLine, HelpView, command_help_card, help_card

WELCOME = "Hello, I'm TLC, your Teaching & Learning Companion."
PLACES = MappingProxyType(
    {"personal": "a 1:1 chat with me", "channel": "team channels", "groupChat": "group chats"}
)


def bot_name(ctx: HandlerContext) -> str:
    """The name people see for the bot where they are (Teams: TLC; the Playground may differ),
    for hints such as "mention me (@TLC)"."""
    name = " ".join(ctx.turn.where.bot_name.split())[:40]
    return name or "TLC"


def _usable(ctx: HandlerContext, command: Command) -> bool:
    """Whether this person may use `command`, as the command itself decides: admin-only ones are
    for org admins, and one with a permission for those whose roles give it (`ctx.can`)."""
    if command.admin_only and Role.ORG_ADMIN not in ctx.actor.roles:
        return False
    return command.permission is None or ctx.can(command.permission)


class Help:
    def __init__(self, router: Router) -> None:
        self.router = router
        self._card = lru_cache(maxsize=64)(self._build)

    def _build(
        self,
        scope: str,
        hidden: frozenset[str],
        mode: str,
        heard: str,
        suggestions: tuple[str, ...],
        bot_name: str = "TLC",
    ) -> Reply:
        offered = [
            c
            for c in self.router.offered(scope)  # type: ignore[arg-type]
            if c.word not in hidden
        ]
        commands = [CommandLine(c.word, c.summary) for c in offered]
        if scope == "personal":
            also = [
                c.word
                for c in self.router.listed(scope)  # type: ignore[arg-type]
                if c not in offered and c.word not in hidden
            ]
            also_label = "Also here"
        else:  # the personal commands, pointed to where they belong
            also = [
                c.word
                for c in self.router.menu("personal")
                if c not in offered and c.word != "help" and c.word not in hidden
            ]
            also_label = "In a 1:1 chat with me"
        view = HelpView(
            commands=commands,
            greeting=WELCOME if mode == "welcome" else None,
            not_understood=heard if mode == "unknown" else None,
            suggestions=suggestions,
            in_channel=scope == "channel",
            also=also,
            also_label=also_label,
            bot_name=bot_name,
        )
        return Reply.show(help_card(view), text=None)

    def reply(self, ctx: HandlerContext, suggestions: tuple[str, ...] = ()) -> Reply:
        """The help card; `("welcome",)` greets, other suggestions mean "not understood"."""
        hidden = frozenset(c.word for c in self.router.listed() if not _usable(ctx, c))
        scope = ctx.turn.where.kind
        name = bot_name(ctx)
        if suggestions == ("welcome",):
            return self._card(scope, hidden, "welcome", "", (), name)
        if suggestions:
            heard = ctx.turn.text.strip()[:60]
            # "Did you mean" offers only what they may use, as the card's lists do.
            usable = tuple(s for s in suggestions if s.split()[0] not in hidden)
            return self._card(scope, hidden, "unknown", heard, usable, name)
        return self._card(scope, hidden, "help", "", (), name)

    async def command(self, ctx: HandlerContext) -> Reply:
        """Show what I can do.

        Usage: help
        Usage: help cards (one command: how to use it, and its sub-commands)
        """
        words = ctx.args.split()
        if not words:
            return self.reply(ctx)
        command = self.router.command(words[0])
        if command is None:
            close = difflib.get_close_matches(words[0].lower(), self.router.words, 1, 0.8)
            command = self.router.command(close[0]) if close else None
        admin = Role.ORG_ADMIN in ctx.actor.roles
        if command is None or (command.admin_only and not admin) or not command.listed:
            return self.reply(ctx)  # "help me", "help please": the whole menu
        # Where it answers, by the rule help's own lists follow: a command whose answer names
        # people only says "ask me in our 1:1 chat" in a channel or group chat.
        scopes = [
            k
            for k in ("personal", "channel", "groupChat")
            if k in command.scopes and command in self.router.listed(k)
        ]
        view = CommandHelp(
            word=command.word,
            summary=command.summary,
            usage=command.usage,
            aliases=[a for a in command.aliases if a.isalpha()],
            places=" and ".join(PLACES[k] for k in scopes),
            in_channel=ctx.turn.where.kind == "channel",
            bot_name=bot_name(ctx),
            not_yours=not _usable(ctx, command),
        )
        return Reply.show(command_help_card(view))

    async def run(self, ctx: HandlerContext, values: dict[str, Any]) -> Reply:
        """A button that runs a command, as if it had been typed."""
        word = str(values.get("command", ""))
        match = self.router.match(word)
        if match.command is None:
            return self.reply(ctx, tuple(self.router.nearest(word)))
        ctx.args = match.args
        return await match.command.handler(ctx)
