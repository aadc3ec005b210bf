"""Reading the cards the bot sent, as a person in Teams would: the one card of a reply, every
object in it, its visible text, whether someone's words in it became live markdown, and what its
buttons and inputs hold (the data a button sends back, an input's choices)."""

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


def live_markdown_text(sent: list[Sent], needle: str = "Sign in again") -> list[str]:
    """The plain-text messages in `sent` (Teams renders their markdown too) in which `needle`
    is live markdown; asserts some message shows `needle` at all."""
    texts = [str(s.activity.get("text") or "") for s in sent]
    assert any(needle in t for t in texts), f"{needle!r} is in no message: {texts}"
    return [t for t in texts if needle in t and _LIVE.search(t)]


def button_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The data of the first element with this verb, as the card holds it (the verb too);
    `action_data` is a button's data as Teams sends it back."""
    found = [
        n["data"]
        for n in card_nodes(card)
        if n.get("verb") == verb and isinstance(n.get("data"), dict)
    ]
    assert found, f"no {verb} button on the card: {card_text(card)}"
    return found[0]


def choice(card: dict[str, Any], input_id: str, title: str) -> str:
    """The value of the choice called `title` in the card's choice set `input_id`."""
    for element in card_inputs(card):
        if element.get("id") == input_id:
            for c in element.get("choices", []):
                if c["title"].startswith(title):
                    return str(c["value"])
    raise AssertionError(f"no choice {title!r} in {input_id}")


def card_inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The card's inputs that have an id, in the order they are drawn."""
    return [
        n for n in card_nodes(card) if str(n.get("type", "")).startswith("Input.") and n.get("id")
    ]


def action_data(card: dict[str, Any], verb: str, title: str | None = None) -> dict[str, Any]:
    """The data of the first button with this verb (and title), as Teams sends it back."""
    stack: list[Any] = [card]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            if (
                node.get("type") == "Action.Execute"
                and node.get("verb") == verb
                and (title is None or str(node.get("title", "")).startswith(title))
            ):
                return {k: v for k, v in node["data"].items() if k != "verb"}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise AssertionError(f"no button {verb!r} {title or ''} on the card")


def choices(card: dict[str, Any], input_id: str) -> dict[str, str]:
    """A choice input's options, title -> value."""
    found: dict[str, str] = {}
    for node in card_nodes(card):
        if node.get("id") == input_id and "choices" in node:
            found.update({c["title"]: c["value"] for c in node["choices"]})
    return found
