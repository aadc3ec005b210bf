"""Every card the bot can send: valid against the Adaptive Card 1.5 schema, and as reviewed.

Golden files live in tests/golden/. After a deliberate change, regenerate them with
`TLC_UPDATE_GOLDEN=1 ./dev test tests/unit/test_cards.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from adaptive_cards_python import AdaptiveCard

from cards import base
from cards.samples import SAMPLES, write_samples
from cards.schema import problems

GOLDEN = Path(__file__).parent.parent / "golden"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_card_is_valid_adaptive_card_1_5(name: str) -> None:
    card = SAMPLES[name]()
    assert problems(card) == []
    assert card["version"] == "1.5"
    assert len(json.dumps(card)) < 80_000  # Teams takes 100 KB; stay well under


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_card_matches_its_golden_snapshot(name: str) -> None:
    card = SAMPLES[name]()
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(card, indent=2, sort_keys=True) + "\n"
    if os.environ.get("TLC_UPDATE_GOLDEN") == "1":
        path.write_text(rendered)
    assert path.exists(), f"no golden file for {name}: run with TLC_UPDATE_GOLDEN=1 and review it"
    assert rendered == path.read_text()


class _LibraryDump:
    """`AdaptiveCard` as `card()` used it before it walked the models itself: the card
    library's `to_dict` (pydantic's `model_dump(exclude_none=True)`) of the whole card."""

    model_fields = AdaptiveCard.model_fields

    @staticmethod
    def model_construct(**fields: Any) -> SimpleNamespace:
        return SimpleNamespace(**AdaptiveCard.model_construct(**fields).to_dict())


def test_every_card_is_what_the_card_library_would_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    """`card()` turns the element models into JSON in its own walk (cheaper than the library's
    `to_dict` and a walk over that): every sample card comes out the same, key order included."""
    walked = {name: json.dumps(build()) for name, build in SAMPLES.items()}
    monkeypatch.setattr(base, "AdaptiveCard", _LibraryDump)
    dumped = {name: json.dumps(build()) for name, build in SAMPLES.items()}
    assert [n for n in SAMPLES if walked[n] != dumped[n]] == []


def test_schema_check_catches_a_broken_card() -> None:
    broken = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Input.Text"}]}
    found = problems(broken)
    assert found, "an Input.Text without an id must be reported"


def test_cards_command_writes_every_sample(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert {p.stem for p in written} == set(SAMPLES)
    for path in written:
        assert problems(json.loads(path.read_text())) == []


def test_the_renderer_rule_on_empty_choice_sets_is_checked() -> None:
    """The official renderer refuses "An Input.ChoiceSet must have at least one choice"; the
    schema does not. Every card `./dev cards` writes (above) passes this rule too."""
    empty = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "Input.ChoiceSet", "id": "tutor", "choices": []}],
    }
    assert problems(empty) == ["tutor: An Input.ChoiceSet must have at least one choice"]


def test_a_choice_input_with_nothing_to_choose_says_why_instead() -> None:
    from cards.base import card, choice_input

    built = card([choice_input("tutor", "Tutor", [], empty="no tutors yet: ask an admin.")])
    assert problems(built) == []
    assert "no tutors yet: ask an admin." in json.dumps(built)
    assert "Input.ChoiceSet" not in json.dumps(built)


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, "1 message is back in the queue"),
        (3, "3 messages are back in the queue"),
    ],
)
def test_the_retry_card_counts_in_words(count: int, words: str) -> None:
    from cards.reminders import UndeliveredLine, UndeliveredView, retried_card, undelivered_card

    text = json.dumps(retried_card(count))
    assert words in text and "(s)" not in text
    line = UndeliveredLine("Tom", "A reminder", "blocked", datetime(2026, 11, 23, 10, tzinfo=UTC))
    view = json.dumps(undelivered_card(UndeliveredView([line] * count, count, 0)))
    assert f"{count} message{'s' if count > 1 else ''} could not be delivered" in view
    assert "(s)" not in view
