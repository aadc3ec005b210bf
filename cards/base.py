"""The small vocabulary every card is built from, on adaptive-cards-python's typed models.

`AdaptiveCard(...)` runs a full JSON-schema validation each time it is built (~90 ms), far too slow
for a turn; so `card()` assembles the top level with `model_construct` over validated element
models, and `cards.schema.validate` checks every card against the official schema in tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adaptive_cards_python import AdaptiveCard
from adaptive_cards_python import actions as A
from adaptive_cards_python import elements as E

CardDict = dict[str, Any]
Element = Any  # one of adaptive-cards-python's element models
Action = Any  # one of its action models

VERSION = "1.5"


def card(
    body: Sequence[Element],
    actions: Sequence[Action] = (),
    *,
    fallback_text: str | None = None,
    refresh_verb: str | None = None,
    refresh_data: Mapping[str, Any] | None = None,
) -> CardDict:
    """A whole card. `refresh_verb` makes Teams fetch the live state when the card is shown."""
    fields: dict[str, Any] = {
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": list(body),
    }
    if actions:
        fields["actions"] = list(actions)
    if fallback_text:
        fields["fallbackText"] = fallback_text
    built: CardDict = AdaptiveCard.model_construct(**fields).to_dict()
    built["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    if refresh_verb:
        built["refresh"] = {
            "action": {
                "type": "Action.Execute",
                "verb": refresh_verb,
                "data": {"verb": refresh_verb, **(refresh_data or {})},
            },
        }
    return built


def title(text: str) -> Element:
    return E.TextBlock(text=text, size="medium", weight="bolder", wrap=True, style="heading")


def text(value: str, *, subtle: bool = False, size: str | None = None) -> Element:
    return E.TextBlock(text=value, wrap=True, isSubtle=subtle, size=size)


def error_text(message: str) -> Element:
    return E.TextBlock(text=message, wrap=True, color="attention", size="small", spacing="none")


def facts(pairs: Sequence[tuple[str, str]]) -> Element:
    return E.FactSet(facts=[E.Fact(title=t, value=v or "—") for t, v in pairs])


def with_error(element: Element, errors: Mapping[str, str], field: str) -> list[Element]:
    """An input followed, when the server found a problem with it, by the message in red."""
    return [element, error_text(errors[field])] if field in errors else [element]


def text_input(
    id: str,
    label: str,
    *,
    value: str | None = None,
    required: bool = False,
    multiline: bool = False,
    placeholder: str | None = None,
    max_length: int | None = None,
    style: str | None = None,
) -> Element:
    return E.Text(
        id=id,
        label=label,
        value=value or None,
        isRequired=required or None,
        errorMessage=f"{label} is required" if required else None,
        isMultiline=multiline,
        placeholder=placeholder,
        maxLength=max_length,
        style=style,
    )


def choice_input(
    id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    value: str | None = None,
    required: bool = False,
    multi: bool = False,
    expanded: bool = False,
    placeholder: str | None = None,
    empty: str | None = None,
) -> Element:
    """A choice set; compact (a drop-down) unless `expanded`, which suits 2-4 short options.

    With no choices there is no choice set (Teams refuses to draw an empty one): `empty` says
    instead what is missing and who can fix it."""
    if not choices:
        return E.TextBlock(
            text=f"**{label}**: {empty or 'nothing to choose from yet.'}",
            wrap=True,
            color="attention" if required else None,
        )
    return E.ChoiceSet(
        id=id,
        label=label,
        choices=[E.Choice(title=t, value=v) for t, v in choices],
        value=value or None,
        isRequired=required or None,
        errorMessage=f"Choose {label.lower()}" if required else None,
        isMultiSelect=multi,
        style="expanded" if expanded else "compact",
        placeholder=placeholder,
        wrap=True,
    )


def date_input(id: str, label: str, *, value: str | None = None, required: bool = False) -> Element:
    return E.Date(
        id=id,
        label=label,
        value=value or None,
        isRequired=required or None,
        errorMessage=f"{label} is required" if required else None,
    )


def toggle_input(id: str, label: str, *, value: bool = False) -> Element:
    return E.Toggle(
        id=id, title=label, value="true" if value else "false", valueOn="true", valueOff="false"
    )


def execute(
    label: str, verb: str, data: Mapping[str, Any] | None = None, *, primary: bool = False
) -> Action:
    """A button. The verb rides in `data` too, so Execute and Submit reach one handler."""
    return A.Execute(
        title=label,
        verb=verb,
        data={"verb": verb, **(data or {})},
        style="positive" if primary else None,
    )


def actions_row(*actions: Action) -> Element:
    return E.ActionSet(actions=list(actions))
