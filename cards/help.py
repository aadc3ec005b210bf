"""The help card, generated from the command table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards.base import CardDict, card, execute, facts, text, title


@dataclass(frozen=True)
class CommandLine:
    word: str
    summary: str


@dataclass(frozen=True)
class HelpView:
    commands: Sequence[CommandLine]
    greeting: str | None = None
    not_understood: str | None = None
    suggestions: Sequence[str] = ()
    in_channel: bool = False
    also: Sequence[str] = ()  # commands not in this scope's menu, and where they are
    also_label: str = "Also here"
    bot_name: str = "TLC"  # the name Teams (or the Playground) shows for the bot


def help_card(view: HelpView) -> CardDict:
    body = []
    if view.greeting:
        body.append(title(view.greeting))
    if view.not_understood is not None:
        body.append(text(f"Sorry, I didn't understand \u201c{view.not_understood}\u201d."))
        if view.suggestions:
            body.append(
                text("Did you mean: " + ", ".join(f"**{s}**" for s in view.suggestions) + "?")
            )
    else:
        body.append(title("What I can do") if not view.greeting else text("Here is what I can do:"))
    body.append(facts([(c.word, c.summary) for c in view.commands]))
    if view.also:
        body.append(
            text(
                f"{view.also_label}: " + ", ".join(f"**{w}**" for w in view.also) + ".",
                subtle=True,
            )
        )
    example = next((c.word for c in view.commands if c.word != "help"), "help")
    hint = (
        f"Mention me (@{view.bot_name}) then a command, e.g. **@{view.bot_name} {example}**."
        if view.in_channel
        else f"Type a command, e.g. **{example}**."
    )
    body.append(
        text(hint + " **help** then a command shows its details.", subtle=True, size="small")
    )
    buttons = [execute(s, "run", {"command": s}) for s in view.suggestions[:3]]
    return card(
        body, buttons, fallback_text="TLC help: " + ", ".join(c.word for c in view.commands)
    )


@dataclass(frozen=True)
class CommandHelp:
    """`help <command>`: what it does, how to call it, its sub-commands, where it works."""

    word: str
    summary: str
    usage: Sequence[str]  # lines from the handler's docstring, e.g. "cards schedule monday 09:00"
    aliases: Sequence[str] = ()
    places: str = ""
    in_channel: bool = False
    bot_name: str = "TLC"
    not_yours: bool = False  # the asker's roles don't give it: say so before they try


def _usage_line(word: str, line: str) -> tuple[str, str]:
    """'cards schedule monday 09:00 (weekly)' -> ('cards schedule monday 09:00', 'weekly')."""
    call, _, note = line.partition(" (")
    return call.strip(), note.rstrip(")").strip()


def command_help_card(view: CommandHelp) -> CardDict:
    lines = [_usage_line(view.word, u) for u in view.usage] or [(view.word, "")]
    subs: list[str] = []
    for call, _ in lines:
        parts = call.split()
        if len(parts) > 1 and parts[0] == view.word and parts[1].isalpha() and parts[1] not in subs:
            subs.append(parts[1])
    body = [title(f"{view.word}: {view.summary}" if view.summary else view.word)]
    if view.not_yours:
        body.append(
            text(
                f"**{view.word}** is for people with a role you don't have in TLC. If you "
                "need it, ask your TLC admin."
            )
        )
    if subs:
        body.append(text("Sub-commands: " + ", ".join(f"**{s}**" for s in subs) + "."))
    body.append(text("How to use it", size="small"))
    body.append(facts([(call, note or " ") for call, note in lines]))
    if view.aliases:
        body.append(
            text("Also answers to: " + ", ".join(view.aliases) + ".", subtle=True, size="small")
        )
    if view.places:
        body.append(text(f"Works in {view.places}.", subtle=True, size="small"))
    if view.in_channel:
        body.append(
            text(
                f"In a channel, mention me first: **@{view.bot_name} {view.word}**.",
                subtle=True,
                size="small",
            )
        )
    buttons = [execute(f"Run {view.word}", "run", {"command": view.word})]
    return card(body, buttons, fallback_text=f"TLC help: {view.word}")
