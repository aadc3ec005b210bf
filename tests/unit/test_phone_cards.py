"""Cards on a phone (issue 18): navigation never validates, buttons fit at 360 px, every card
announces itself, and cards stay small with a real college's data.

Every rule here walks every card `./dev cards` writes (cards/samples.py)."""

from __future__ import annotations

import json
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
        "admin.setup.name", "admin.person.export", "admin.person.erase",
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
        "walk.save", "walk.draft", "walk.plan.save", "walks.summary.save", "walks.summary.export",
        "admin.tutors.save", "quality.cpd", "quality.themes", "quality.completion",
        "quality.export",
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
    "LiL allocation",
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


# --- buttons fit at 360 px -----------------------------------------------------------------------

# Side by side on a phone 360 px wide: three buttons of about 14 characters, or two of about 20.
FITS = {2: 20, 3: 14}


def rows(card: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every row of buttons: the card's own (and any shown card's), and each ActionSet."""
    return [
        n["actions"]
        for n in _nodes(card)
        if n.get("type") in ("AdaptiveCard", "ActionSet") and n.get("actions")
    ]


def in_sight(row: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in row if a.get("mode") != "secondary"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_buttons_side_by_side_fit_a_phone(name: str) -> None:
    for row in rows(SAMPLES[name]()):
        shown = in_sight(row)
        titles = [a.get("title", "") for a in shown]
        assert len(shown) <= 3, f"{titles}: at most three buttons side by side"
        limit = FITS.get(len(shown))
        if limit:
            too_long = [t for t in titles if len(t) > limit]
            assert not too_long, f"{too_long} are cut at 360 px in a row of {len(shown)}"
        for action in row:
            if action.get("style") == "positive":
                assert action in shown, f"the main button {action['title']!r} is hidden"
        if len(shown) < len(row):
            assert shown, "an overflow menu needs a button in sight"


def test_a_long_or_fourth_button_moves_to_the_overflow_menu() -> None:
    from cards.base import card, execute

    built = card(
        [],
        [
            execute("Save", "x.save", primary=True, saves=True),
            execute("Mentors for further mathematics", "x.search"),
            execute("Export", "x.export"),
            execute("Compare", "x.compare"),
            execute("Reopen", "x.reopen"),
        ],
    )
    modes = {a["title"]: a["mode"] for a in built["actions"]}
    assert modes == {
        "Save": "primary",
        "Mentors for further mathematics": "secondary",
        "Export": "primary",
        "Compare": "primary",
        "Reopen": "secondary",
    }


# --- every card announces itself ---------------------------------------------------------------

# Whose words must never reach a notification: the confidential programmes and conversations.
CONFIDENTIAL = ("support-", "mentoring-", "coach-")


def _said_words(make: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], list[str]]:
    """Build a card, noting every piece of someone's own words (`said`) it shows."""
    import cards.base as base

    found: list[str] = []
    original = base.markdown

    def noting(value: str) -> str:
        found.extend(m.group(1) for m in base._SAID.finditer(value))
        return original(value)

    monkeypatch.setattr(base, "markdown", noting)
    return make(), [w.strip() for w in found if w.strip()]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_card_says_what_it_is_and_nothing_confidential(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    card, said = _said_words(SAMPLES[name], monkeypatch)
    announce = card.get("fallbackText") or card.get("summary") or ""
    assert 3 <= len(announce) <= 80, f"a notification would say only 'TLC': {announce!r}"
    typed = [n["value"] for n in _nodes(card) if n.get("type") == "Input.Text" and n.get("value")]
    for words in typed + [w for w in said if len(w.split()) > 3]:
        assert words not in announce, f"{words!r} would show in a notification"
    if name.startswith(CONFIDENTIAL):
        for words in said:  # not even a name: who is supported, or mentored, is private
            assert words not in announce, f"{words!r} would show on a lock screen"


def test_a_note_never_reaches_the_notification() -> None:
    from cards.base import card, said, text, title

    note = "I struggled with the Year 10 group again and felt like giving up"
    built = card([title("A note from your AP"), text(said(note))])
    assert built["fallbackText"] == "A note from your AP"
    built = card([text(said(note))], fallback_text=f"A note: {said(note)}")
    assert built["fallbackText"] == "A note"


def test_teams_width_is_checked_outside_the_schema() -> None:
    from cards.schema import problems

    wide = {"type": "AdaptiveCard", "version": "1.5", "body": [], "msteams": {"width": "Full"}}
    assert problems(wide) == []
    assert problems({**wide, "msteams": {"width": "Wide"}}) == ["msteams/width: Teams takes Full"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_grids_and_tables_use_the_full_width(name: str) -> None:
    card = SAMPLES[name]()
    grid = any(n.get("type") in ("Table", "ColumnSet") for n in _nodes(card["body"]))
    assert (card.get("msteams") == {"width": "Full"}) == grid


# --- cards sized for real data -----------------------------------------------------------------

LIMIT = 40_000  # bytes; Teams takes 100 KB and Microsoft recommends under 80 KB


def test_the_ten_heaviest_cards_have_a_realistic_variant() -> None:
    from cards.realistic import REALISTIC

    assert len(REALISTIC) == 10
    assert set(REALISTIC) <= set(SAMPLES)  # `./dev cards` writes them too


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_card_stays_small_with_real_data(name: str) -> None:
    size = len(json.dumps(SAMPLES[name](), ensure_ascii=False).encode())
    assert size < LIMIT, f"{name} is {size:,} bytes"


def test_a_person_s_walks_are_one_line_each_and_notes_show_only_when_opened() -> None:
    card = SAMPLES["walks-mine-realistic"]()
    lines = [n for n in _nodes(card["body"]) if n.get("type") == "Container"]
    assert len(lines) == 5  # the latest few, of ten
    for line in lines:
        assert line["selectAction"]["verb"] == "walk.view"  # opened, the walk shows its notes
        [line_text] = line["items"]  # one line: the day and the focus, cut short
        assert len(line_text["text"]) <= 80
    assert [a["title"] for a in card["actions"]] == ["Show all"]


def test_long_lists_show_the_first_few_and_send_the_rest_to_the_export() -> None:
    actions = SAMPLES["otla-actions-realistic"]()
    boxes = [n for n in _nodes(actions) if n.get("type") == "Input.Text"]
    assert len(boxes) == 5
    assert "…and 9 more in the export." in json.dumps(actions, ensure_ascii=False)
    summary = SAMPLES["walks-summary-realistic"]()
    assert "…and 7 more in the export." in json.dumps(summary, ensure_ascii=False)
    assert [a["title"] for a in summary["actions"]] == ["Export the term"]
