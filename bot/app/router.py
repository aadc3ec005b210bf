"""One table maps command words and card verbs to handlers; `help` is generated from it.

A command handler's docstring is its help text: the first line is the summary, a line starting
`Usage:` lists how to call it.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bot.app.form_fields import FormShape
from bot.app.turn import ConversationKind, Reply
from bot.domain.access import Permission

if TYPE_CHECKING:
    from bot.app.context import HandlerContext

CommandHandler = Callable[["HandlerContext"], Awaitable[Reply]]
FormHandler = Callable[["HandlerContext", Any], Awaitable[Reply]]
Redisplay = Callable[["HandlerContext", dict[str, Any], dict[str, str]], Awaitable[Reply]]

ALL_SCOPES: frozenset[ConversationKind] = frozenset({"personal", "channel", "groupChat"})
PERSONAL: frozenset[ConversationKind] = frozenset({"personal"})
SHARED: frozenset[ConversationKind] = frozenset({"channel", "groupChat"})
# In no Teams menu (Teams shows 10 a scope): `help` still lists it under "Also here".
HELP_ONLY: frozenset[ConversationKind] = frozenset()


@dataclass(frozen=True)
class Command:
    word: str
    handler: CommandHandler
    aliases: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # regular expressions for natural phrasings
    scopes: frozenset[ConversationKind] = ALL_SCOPES
    listed: bool = True
    admin_only: bool = False  # hidden from other people's help and from the Teams menu
    # Who may use it at all: the permission its handler asks `ctx.can()` for before anything
    # else (None: everyone). Help lists it only for those whose roles give it.
    permission: Permission | None = None
    # Its answer names people or messages: given only in a 1:1 chat; elsewhere, where to ask.
    private: bool = False
    # ...except these sub-commands, which send their answer to the asker's 1:1 chat themselves.
    shared_ok: tuple[str, ...] = ()
    # ...or its whole answer goes to the asker's 1:1 chat (`documents.answer_in_private`), and
    # the shared chat is told so: such a command is offered in shared menus too.
    answers_in_private: bool = False
    # The scopes whose Teams command menu (and help card) lists it; None: every scope it works in.
    # A command may work in more places than it is offered: `support` answers in a channel by
    # pointing to the 1:1 chat, but only the 1:1 menu offers it.
    menu_scopes: frozenset[ConversationKind] | None = None
    # False for a handler that only reads (`help`): its turn ends without a commit (the unit of
    # work rolls back what it read), one round trip to the database fewer. Whatever such a
    # handler wrote would be lost, so only a handler that never writes may say so.
    writes: bool = True
    # Its answer writes or discloses (a role granted, the access log): the answer is stored by
    # activity id like a card submit's, so a Teams retry of the same message runs nothing again
    # and sends nothing (what it answered was sent the first time).
    stored: bool = False
    # ...or only these sub-commands' answers are stored (`export`: a retry of a slow export
    # would keep and offer a second copy), so its read-only forms store nothing.
    stored_subs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.stored or self.stored_subs) and not self.writes:
            raise ValueError(f"command {self.word!r}: a stored answer is a write")

    def stores(self, sub: str) -> bool:
        """Whether the answer to this command with sub-command `sub` is stored."""
        return self.stored or sub.casefold() in self.stored_subs

    @property
    def summary(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    @property
    def usage(self) -> list[str]:
        doc = (self.handler.__doc__ or "").strip()
        return [
            ln.strip().removeprefix("Usage:").strip()
            for ln in doc.splitlines()
            if ln.strip().startswith("Usage:")
        ]


@dataclass(frozen=True)
class CardAction:
    """A card verb. With a `form`, the submission is parsed into that pydantic model first; an
    invalid one goes back to `redisplay` with the field errors and nothing is saved."""

    verb: str
    handler: FormHandler
    form: type[BaseModel] | None = None
    redisplay: Redisplay | None = None
    idempotent: bool = True  # store the reply by activity id so a retry replays it
    # Its answer names people or messages: only where the presser alone sees it (a 1:1 chat,
    # or the card an Action.Execute answers with); a submit in a shared place hears where to ask.
    # Every verb is, unless declared otherwise (`private=False`, `SharedAction`): a new one
    # cannot post someone's record in a channel by being forgotten.
    private: bool = True
    # What `dispatch.as_submitted` needs of `form`, worked out once here, not on every press.
    form_shape: FormShape | None = field(init=False, default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.form is not None:
            object.__setattr__(self, "form_shape", FormShape.of(self.form))


@dataclass(frozen=True)
class SharedAction(CardAction):
    """A card verb whose answer may stand where others read it: a team's own cards (the
    progression session, a learning walk's form), counts, or "I'm sending it to our 1:1 chat"."""

    private: bool = False


@dataclass(frozen=True)
class Match:
    command: Command | None
    args: str = ""
    suggestions: tuple[str, ...] = ()


_PUNCT = str.maketrans({c: " " for c in string.punctuation if c not in "@.-_'"})


def normalise(text: str) -> str:
    return " ".join(text.lower().translate(_PUNCT).split())


@dataclass
class Router:
    commands: list[Command] = field(default_factory=list)
    actions: dict[str, CardAction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._words: dict[str, Command] = {}
        for cmd in self.commands:
            self._add_words(cmd)

    def _add_words(self, cmd: Command) -> None:
        for w in (cmd.word, *cmd.aliases):
            if w in self._words:
                raise ValueError(f"command word {w!r} is taken by {self._words[w].word!r}")
            self._words[w] = cmd

    def add(self, *items: Command | CardAction) -> None:
        for item in items:
            if isinstance(item, Command):
                self.commands.append(item)
                self._add_words(item)
            else:
                if item.verb in self.actions:
                    raise ValueError(f"card verb {item.verb!r} is registered twice")
                self.actions[item.verb] = item

    @property
    def words(self) -> list[str]:
        return list(self._words)

    def listed(self, scope: ConversationKind | None = None) -> list[Command]:
        """Commands help and the Teams menu show in `scope`: private ones only in a 1:1 chat,
        unless their answer goes to the asker's 1:1 chat from anywhere."""
        return [
            c
            for c in self.commands
            if c.listed
            and (
                scope is None
                or (
                    scope in c.scopes
                    and (scope == "personal" or not c.private or c.answers_in_private)
                )
            )
        ]

    def offered(self, scope: ConversationKind) -> list[Command]:
        """Listed commands offered in a scope's menu (admin-only ones included)."""
        return [c for c in self.listed(scope) if c.menu_scopes is None or scope in c.menu_scopes]

    def menu(self, scope: ConversationKind) -> list[Command]:
        """What the Teams command menu shows everyone in a scope (Teams has one menu for all)."""
        return [c for c in self.offered(scope) if not c.admin_only]

    def command(self, word: str) -> Command | None:
        """The command a word (or alias) names, or None."""
        return self._words.get(normalise(word))

    def match(self, text: str) -> Match:
        """Find the command: first word, natural phrasing, a command word among the first few,
        then a close misspelling of the first word."""
        words = normalise(text).split()
        if not words:
            return Match(self._words.get("help"))
        first, rest = words[0], " ".join(words[1:])
        if first in self._words:
            return Match(self._words[first], rest)
        flat = " ".join(words)
        for cmd in self.commands:
            if any(re.search(p, flat) for p in cmd.phrases):
                return Match(cmd, flat)
        for i, w in enumerate(words[1:4], start=1):
            if w in self._words:
                return Match(self._words[w], " ".join(words[i + 1 :]))
        close = difflib.get_close_matches(first, self._words, n=1, cutoff=0.75)
        if close:
            return Match(self._words[close[0]], rest)
        return Match(None, flat, tuple(self.nearest(first)))

    def nearest(self, word: str, n: int = 3) -> list[str]:
        names = [c.word for c in self.listed()]
        near = difflib.get_close_matches(word, names, n=n, cutoff=0.3)
        return near or names[:n]


def private_only(word: str | None = None) -> str:
    """The answer, in a channel or group chat, to something only answered in a 1:1 chat."""
    if word is None:
        return (
            "That list names people, so I only show it in our 1:1 chat, where nobody else sees "
            "it: open a chat with me (TLC) and ask there."
        )
    return (
        f"`{word}` names people, so I only answer it in our 1:1 chat, where nobody else sees "
        f"it: open a chat with me (TLC) and say **{word}** there."
    )


def command_names(commands: Iterable[Command]) -> Sequence[str]:
    return [c.word for c in commands]
