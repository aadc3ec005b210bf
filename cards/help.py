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
    example = next((c.word for c in view.commands if c.word != "help"), "help")
    hint = (
        f"Mention me (@TLC) then a command, e.g. **@TLC {example}**."
        if view.in_channel
        else f"Type a command, e.g. **{example}**."
    )
    body.append(text(hint, subtle=True, size="small"))
    buttons = [execute(s, "run", {"command": s}) for s in view.suggestions[:3]]
    return card(
        body, buttons, fallback_text="TLC help: " + ", ".join(c.word for c in view.commands)
    )
