"""Form fields: an input filled from the values the user sent, followed by its error, if any.

Each field's `id` is also the key of its value in `values` and of its message in `errors`, so a
form re-shown after the server found a problem keeps what was typed and says what was wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from cards.base import Element, choice_input, date_input, text_input, time_input, with_error

# What a form has before anything is sent: no values and no errors. Read-only, so it can be the
# default of every form card's `values` and `errors`.
EMPTY: Mapping[str, Any] = MappingProxyType({})


def _sent(values: Mapping[str, Any], id: str) -> str | None:
    value = values.get(id)
    return None if value is None else str(value)


def text_field(
    id: str, label: str, values: Mapping[str, Any], errors: Mapping[str, str], **options: Any
) -> list[Element]:
    return with_error(text_input(id, label, value=_sent(values, id), **options), errors, id)


def date_field(
    id: str, label: str, values: Mapping[str, Any], errors: Mapping[str, str], **options: Any
) -> list[Element]:
    return with_error(date_input(id, label, value=_sent(values, id), **options), errors, id)


def time_field(
    id: str, label: str, values: Mapping[str, Any], errors: Mapping[str, str], **options: Any
) -> list[Element]:
    return with_error(time_input(id, label, value=_sent(values, id), **options), errors, id)


def choice_field(
    id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    **options: Any,
) -> list[Element]:
    return with_error(
        choice_input(id, label, choices, value=_sent(values, id), **options), errors, id
    )
