"""Will this card fit Teams mobile at 360 px? A static check any capability's tests can reuse.

    from tests.support.phone import phone_problems
    assert phone_problems(card) == []

It walks the card JSON and reports, with the path of each element, whatever would be wider than
the card or awkward on a phone:
- a ColumnSet with more than 2 columns, or a Table with more than 3;
- a fixed pixel width (or image size) wider than the card;
- a choice set that is not compact (expanded radio buttons are allowed for up to 3 short
  options, e.g. Yes/No, which sit on one line);
- an input without a label (a Toggle without a title);
- a long TextBlock that does not wrap (it would be cut off at the card's edge);
- more buttons in one row than a phone shows.
"""

from __future__ import annotations

import re
from typing import Any

PHONE_WIDTH = 360
MAX_COLUMNS = 2
MAX_TABLE_COLUMNS = 3
MAX_EXPANDED_CHOICES = 3
MAX_EXPANDED_TITLE = 20
MAX_ACTIONS = 4
NO_WRAP_LIMIT = 30  # characters: a short label fits without wrapping

_PX = re.compile(r"^\s*(\d+)\s*px\s*$")


def phone_problems(card: dict[str, Any], width: int = PHONE_WIDTH) -> list[str]:
    """Every reason `card` would not fit or work at `width` px; an empty list when it does."""
    found: list[str] = []
    _walk(card, "card", width, found)
    if len(card.get("actions") or []) > MAX_ACTIONS:
        found.append(f"card: {len(card['actions'])} buttons; at most {MAX_ACTIONS} on a phone")
    return found


def _walk(node: Any, path: str, width: int, found: list[str]) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{path}[{i}]", width, found)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if isinstance(kind, str):
        here = f"{path}<{kind}{'#' + node['id'] if node.get('id') else ''}>"
        _check(node, kind, here, width, found)
    else:
        here = path
    for key, value in node.items():
        if isinstance(value, dict | list):
            _walk(value, f"{here}.{key}", width, found)


def _px(value: Any) -> int | None:
    if isinstance(value, str):
        m = _PX.match(value)
        if m:
            return int(m.group(1))
    return None


def _check(node: dict[str, Any], kind: str, here: str, width: int, found: list[str]) -> None:
    px = _px(node.get("width"))
    if px is not None and px > width:
        found.append(f"{here}: width {px}px is wider than {width}px")
    if kind == "ColumnSet" and len(node.get("columns") or []) > MAX_COLUMNS:
        found.append(f"{here}: {len(node['columns'])} columns; at most {MAX_COLUMNS} on a phone")
    if kind == "Table" and len(node.get("columns") or []) > MAX_TABLE_COLUMNS:
        found.append(
            f"{here}: {len(node['columns'])} table columns; at most {MAX_TABLE_COLUMNS} on a phone"
        )
    if kind.startswith("Input.") and kind != "Input.Choice":
        labelled = node.get("title") if kind == "Input.Toggle" else node.get("label")
        if not (isinstance(labelled, str) and labelled.strip()):
            found.append(f"{here}: an input needs a visible label")
    if kind == "Input.ChoiceSet" and node.get("style") != "compact":
        choices = node.get("choices") or []
        short = all(len(str(c.get("title", ""))) <= MAX_EXPANDED_TITLE for c in choices)
        if len(choices) > MAX_EXPANDED_CHOICES or not short:
            found.append(f"{here}: {len(choices)} choices shown expanded; use a compact drop-down")
    if kind == "TextBlock":
        text = str(node.get("text") or "")
        if len(text) > NO_WRAP_LIMIT and not node.get("wrap"):
            found.append(f"{here}: long text without wrap is cut off on a phone")
    if kind == "ActionSet" and len(node.get("actions") or []) > MAX_ACTIONS:
        found.append(f"{here}: {len(node['actions'])} buttons in a row; at most {MAX_ACTIONS}")
