"""Cards on a phone (issue 18): navigation never validates, buttons fit at 360 px, every card
announces itself, and cards stay small with a real college's data.

Every rule here walks every card `./dev cards` writes (cards/samples.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cards.samples import SAMPLES

BUTTONS = ("Action.Execute", "Action.Submit")

# The verbs whose handlers read what was typed or chosen on the card: only their buttons send the
# card's inputs (and so have Teams check the required ones first).
SAVING_VERBS = frozenset(
    {
        "admin.role", "admin.setup.roles", "admin.setup.tutors", "admin.setup.terms",
        "admin.person.export", "admin.person.erase",
        "agreement.save", "mentor.offer", "mentor.choose", "mentoring.meeting",
        "mentoring.observe", "mentoring.evaluate", "coach.answer", "coach.review",
        "otla.allocate", "otla.propose", "otla.doc.link", "otla.report.submit",
        "otla.report.save", "otla.check", "otla.return", "otla.action.outcome", "otla.lil.pick",
        "otla.ha24.save",
        "cards.start", "cards.contribute", "cards.action", "cards.compare", "cards.issue",
        "cards.question", "cards.action.extend", "cards.action.dropped",
        "settings.save", "settings.hours", "settings.terms",
        "support.refer", "support.accept", "programme.objectives", "programme.reflect",
        "programme.session", "programme.update", "programme.review", "programme.report",
        "rate", "rate.checklist",
        "walk.save", "walk.draft", "walk.plan.save",
    }
)  # fmt: skip
# A verb that both opens a card and, from one card, submits a choice made there.
SAVING_BUTTONS = frozenset({("Next", "walk.open")})  # the team picker's "Next" sends the team

# Buttons that only move about: each must be on some sample, and none may send inputs.
NAVIGATION = (
    "Back",
    "See over",
    "Agree an action",
    "Add our own issue",
    "Pause",
    "Learning in Libraries",
    "Next card",
)


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "refresh":  # Teams sends no inputs with the card's own refresh
                yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _nodes(card) if n.get("type") in BUTTONS]


def has_inputs(card: dict[str, Any]) -> bool:
    return any(str(n.get("type", "")).startswith("Input.") for n in _nodes(card))


def sends_inputs(button: dict[str, Any]) -> bool:
    return str(button.get("associatedInputs", "auto")).lower() != "none"


def saves(button: dict[str, Any]) -> bool:
    verb = (button.get("data") or {}).get("verb")
    return verb in SAVING_VERBS or (button.get("title"), verb) in SAVING_BUTTONS


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_only_saving_buttons_send_the_cards_inputs(name: str) -> None:
    card = SAMPLES[name]()
    for button in buttons(card):
        title, verb = button.get("title"), (button.get("data") or {}).get("verb")
        if saves(button) and has_inputs(card):
            assert sends_inputs(button), f"{title!r} ({verb}) saves but sends no inputs"
        else:
            assert not sends_inputs(button), f"{title!r} ({verb}) would validate the form"
        assert button["data"]["verb"] == verb, "a button without inputs still sends its data"


def test_every_navigation_button_is_on_a_sample_and_never_validates() -> None:
    seen: dict[str, list[bool]] = {}
    for make in SAMPLES.values():
        card = make()
        if not has_inputs(card):
            continue
        for button in buttons(card):
            seen.setdefault(button.get("title", ""), []).append(sends_inputs(button))
    for title in NAVIGATION:
        assert title in seen, f"no sample form shows {title!r}"
        assert not any(seen[title]), f"{title!r} validates the form it is on"
