"""Reading the cards the bot sent, as a person in Teams would: the one card of a reply, every
object in it, its visible text, and whether someone's words in it became live markdown."""

from __future__ import annotations

import re
from typing import Any

from cards.base import all_nodes
from tests.support.loopback import Sent


def only_card(sent: list[Sent]) -> dict[str, Any]:
    cards = [c for s in sent for c in s.cards]
    assert len(cards) == 1, f"expected one card, got {len(cards)}: {[s.activity for s in sent]}"
    return cards[0]


card_nodes = all_nodes  # the walk cards.base makes over a card it builds


def card_text(card: dict[str, Any]) -> str:
    """All visible text of a card, flattened, for assertions."""
    keys = ("text", "title", "value", "label", "placeholder")
    return "\n".join(n[k] for n in card_nodes(card) for k in keys if isinstance(n.get(k), str))


EVIL = "[Sign in again](https://evil.example) ![x](https://evil.example/x.png) **now**\n# Urgent"
_LIVE = re.compile(r"(?<!\\)!?\[[^\]]*(?<!\\)\]\(|(?<![\\*])\*\*now|^#", re.MULTILINE)


def live_markdown(card: dict[str, Any], needle: str = "Sign in again") -> list[str]:
    """Texts of `card` that Teams renders as markdown (text blocks, facts) and in which `EVIL`
    (or another person's `needle`) would be live: a link, an image, emphasis or a heading.
    Also asserts `needle` is shown at all, so a card that drops the words does not pass."""
    found: list[str] = []
    shown = False

    def walk(node: Any, kind: str | None = None) -> None:
        if isinstance(node, dict):
            own = node.get("type") if isinstance(node.get("type"), str) else kind
            keys = {"TextBlock": ("text",), "Fact": ("title", "value")}.get(own or "", ())
            for key in keys:
                value = node.get(key)
                if isinstance(value, str) and needle in value:
                    nonlocal shown
                    shown = True
                    if _LIVE.search(value):
                        found.append(value)
            for value in node.values():
                walk(value, own)
        elif isinstance(node, list):
            for item in node:
                walk(item, kind)

    walk(card)
    assert shown, f"{needle!r} is not on the card: {card_text(card)}"
    return found
