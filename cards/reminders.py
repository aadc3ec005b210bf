"""Reminder cards: what it is about, the facts that matter, and the next step as a button.

Capabilities build their reminders with `reminder_card` so every proactive message is a card a
person can act on from their phone (open the form, reschedule, mark done), never a bare sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.local_time import london
from bot.domain.words import plural
from cards.base import Action, CardDict, card, execute, facts, text, title


@dataclass(frozen=True)
class NextStep:
    """A button on a reminder: its label, the card verb it runs, and that verb's data."""

    label: str
    verb: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NextStep:
        return cls(str(raw["label"]), str(raw["verb"]), dict(raw.get("data") or {}))


def reminder_card(
    heading: str,
    lines: Sequence[str],
    actions: Sequence[Action | NextStep],
    *,
    details: Sequence[tuple[str, str]] = (),
    note: str | None = None,
) -> CardDict:
    """A reminder card. `actions` are the next steps (at least one): `NextStep`s, or buttons
    made with `cards.base.execute`; the first `NextStep` is the primary button."""
    if not actions:
        raise ValueError("a reminder needs a next step: give it at least one action")
    body = [title(heading), *(text(line) for line in lines)]
    if details:
        body.append(facts(details))
    if note:
        body.append(text(note, subtle=True, size="small"))
    buttons = [
        execute(a.label, a.verb, a.data, primary=i == 0) if isinstance(a, NextStep) else a
        for i, a in enumerate(actions)
    ]
    return card(body, buttons, fallback_text=heading)


@dataclass(frozen=True)
class UndeliveredLine:
    recipient: str
    kind: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class UndeliveredView:
    lines: Sequence[UndeliveredLine]
    total: int
    retryable: int


def undelivered_card(view: UndeliveredView) -> CardDict:
    """For org admins: the messages TLC gave up on, and why."""
    body = [title("Messages I could not deliver")]
    if not view.lines:
        body.append(text("Every message has been delivered. Nothing is waiting here."))
        return card(body, fallback_text="No undelivered messages")
    shown = len(view.lines)
    more = f" The latest {shown} are below." if view.total > shown else ""
    body.append(text(f"{plural(view.total, 'message')} could not be delivered.{more}"))
    for line in view.lines:
        when = london(line.at).strftime("%a %d %b %H:%M")
        body.append(text(f"**{line.recipient}** · {line.kind} · {when}", size="small"))
        body.append(text(line.reason, subtle=True, size="small"))
    body.append(
        text(
            "A person who blocked TLC becomes reachable again when they next talk to it.",
            subtle=True,
            size="small",
        )
    )
    actions = (
        [execute(f"Try again ({view.retryable} reachable now)", "notices.retry", primary=True)]
        if view.retryable
        else []
    )
    return card(body, actions, fallback_text=f"{view.total} undelivered messages")


def retried_card(count: int) -> CardDict:
    body = [
        title("Trying again"),
        text(
            f"{plural(count, 'message')} {'is' if count == 1 else 'are'} back in the queue"
            " and will go in sending hours."
            if count
            else "Nothing could be tried again yet: those people are still unreachable."
        ),
    ]
    return card(body, [execute("Undelivered messages", "notices.undelivered")])
