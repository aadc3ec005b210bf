"""The small vocabulary every card is built from, on adaptive-cards-python's typed models.

`AdaptiveCard(...)` runs a full JSON-schema validation each time it is built (~90 ms), far too slow
for a turn; so `card()` assembles the top level with `model_construct` over validated element
models, and `cards.schema.validate` checks every card against the official schema in tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from adaptive_cards_python import AdaptiveCard
from adaptive_cards_python import actions as A
from adaptive_cards_python import elements as E
from pydantic import BaseModel

CardDict = dict[str, Any]
Element = Any  # one of adaptive-cards-python's element models
Action = Any  # one of its action models

VERSION = "1.5"

# Other people's words travel through views between these two private-use characters (`said`),
# so they survive f-strings; `card()` is the one place that turns them into text shown as typed.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SAID = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.DOTALL)
# What Teams' card markdown acts on, escaped the CommonMark way: emphasis (*_~), code (`), links
# and images ([ ]: no bracket, no link), autolinks (<) and the escape itself; at a line's start,
# headings, quotes and lists. Parentheses and the like stay as they are: they mean nothing alone.
_INLINE = re.compile(r"([\\`*_\[\]~<])")
_LINE_START = re.compile(r"^(\s*)(#+|>|[-+]|\d+[.)])", re.MULTILINE)
# Where Teams renders markdown in a card; everywhere else (input values, ids) the words go as-is.
_MARKDOWN_KEYS = MappingProxyType({"TextBlock": ("text",), "Fact": ("title", "value")})


def said(value: str) -> str:
    """Mark someone's own words (a referral, a note, a contribution, a name) to be shown as
    plain text wherever they end up in a card: no links, images, emphasis, headings or lists."""
    return f"{_OPEN}{value.replace(_OPEN, '').replace(_CLOSE, '')}{_CLOSE}"


def escape_markdown(value: str) -> str:
    """Text that renders as itself in Teams markdown (backslash escapes, per CommonMark)."""
    return _LINE_START.sub(_escape_line_start, _INLINE.sub(r"\\\1", value))


def _escape_line_start(m: re.Match[str]) -> str:
    indent, mark = m.group(1), m.group(2)
    return indent + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark)


def markdown(value: str) -> str:
    """A markdown string with everything `said` in it escaped."""
    return _SAID.sub(lambda m: escape_markdown(m.group(1)), value)


def plain(value: str) -> str:
    """A string with the `said` marks dropped (where nothing is read as markdown)."""
    return value.replace(_OPEN, "").replace(_CLOSE, "")


_NESTED = (dict, list, BaseModel)


def _resolve(node: Any, kind: str | None = None, seen: set[str] | None = None) -> Any:
    """`node` as plain JSON data, with `said` words made plain text (escaped where Teams reads
    markdown). An element or action model becomes what the card library's `to_dict` gives
    (`model_dump(exclude_none=True)`: its fields in order, those set to None left out), in the
    same walk. `seen`, if given, collects the element types met and `_HAS_FIX` if an input's
    error is among them: the one walk over the body does what `card()` needs to know of it."""
    if isinstance(node, BaseModel):
        # (A model's `__dict__` holds exactly its fields, in their order.)
        node = {k: v for k, v in node.__dict__.items() if v is not None}
    if isinstance(node, dict):
        typed = isinstance(node.get("type"), str)
        own = node["type"] if typed else kind
        if seen is not None:
            if typed:
                seen.add(node["type"])
            if str(node.get("id", "")).startswith(_FIX):
                seen.add(_HAS_FIX)
        if own is None and "title" in node and "value" in node and kind == "FactSet":
            own = "Fact"
        md_keys = _MARKDOWN_KEYS.get(own or "", ())
        return {
            k: (markdown(v) if k in md_keys else plain(v))
            if isinstance(v, str)
            else _resolve(v, own, seen)
            if isinstance(v, _NESTED)
            else v  # a number, a flag: as it is (no call for each)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_resolve(item, kind, seen) for item in node]
    if isinstance(node, str):
        return plain(node)
    return node


def card(
    body: Sequence[Element],
    actions: Sequence[Action] = (),
    *,
    fallback_text: str | None = None,
    refresh_verb: str | None = None,
    refresh_data: Mapping[str, Any] | None = None,
) -> CardDict:
    """A whole card. `refresh_verb` makes Teams fetch the live state when the card is shown.

    Every card announces itself: `fallback_text` (else the card's title) is what a notification
    and a chat list show (a lock screen, a shared screen). It names what the card is, never
    anyone's own words: what travels as `said` (a note, an answer, a name) is left out of it.
    A card holding a grid of columns or a table is as wide as the window on a desktop."""
    fields: dict[str, Any] = {
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": list(body),
    }
    if actions:
        fields["actions"] = fit_row(actions)
    announce = _unsaid(fallback_text or _heading(body))
    if announce:
        fields["fallbackText"] = announce
    seen: set[str] = set()  # the body's element types, and whether a field has an error
    # The card library's `to_dict` (pydantic's `model_dump`) then a walk over its output cost
    # twice one walk over the models; `test_cards` checks every sample card is the same.
    top = AdaptiveCard.model_construct(**fields).__dict__
    built: CardDict = {
        k: plain(v)
        if isinstance(v, str)
        else _resolve(v, "AdaptiveCard", seen if k == "body" else None)
        for k in AdaptiveCard.model_fields
        if (v := top.get(k)) is not None
    }
    built["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    if _GRIDS & seen:
        built["msteams"] = {"width": "Full"}
    if _HAS_FIX in seen:
        _summarise_errors(built["body"])
    if refresh_verb:
        built["refresh"] = {
            "action": {
                "type": "Action.Execute",
                "verb": refresh_verb,
                "data": {"verb": refresh_verb, **(refresh_data or {})},
            },
        }
    return built


_GRIDS = frozenset({"Table", "ColumnSet"})
_FIX = "fix."  # the id of a field's error message, "fix.<input id>"
_HAS_FIX = "\x00fix"  # in `_resolve`'s `seen`: some field has an error (no element type is so)


def _summarise_errors(body: list[Any]) -> None:
    """A form sent back with errors says so where the eye starts, in one line under its title
    ("3 things to fix: tutor, course, what went well"); each message stays at its field."""
    nodes = list(all_nodes(body))
    fields = [n["id"][len(_FIX) :] for n in nodes if str(n.get("id", "")).startswith(_FIX)]
    if not fields:
        return
    labels = {n["id"]: n.get("label") or n.get("title") for n in nodes if "id" in n}
    names = [_short_label(labels.get(f) or f.replace("_", " ")) for f in fields]
    things = "1 thing to fix" if len(names) == 1 else f"{len(names)} things to fix"
    at = next((i + 1 for i, n in enumerate(body) if n.get("style") == "heading"), 0)
    body.insert(
        at,
        {
            "type": "TextBlock",
            "id": "fix",
            "text": f"{things}: {', '.join(dict.fromkeys(names))}",
            "wrap": True,
            "color": "attention",
            "weight": "bolder",
        },
    )


def _short_label(label: str) -> str:
    """A label as a few words: 'Even better if / areas to develop' -> 'even better if';
    'What went well: notes' -> 'what went well'; an acronym keeps its capitals."""
    head = re.split(r" / |\(|\?|:", label, maxsplit=1)[0].strip(" …") or label
    head = head.removeprefix("or ")
    return head if head[:2].isupper() else head[:1].lower() + head[1:]


def all_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card (elements, actions, choices, facts…), parents before children, in
    the order Teams lays them out."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from all_nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from all_nodes(item)


def _heading(body: Sequence[Element]) -> str:
    """The card's title (its first heading)."""
    for element in body:
        if getattr(element, "style", None) == "heading" and isinstance(element.text, str):
            return element.text
    return ""


def _unsaid(value: str) -> str:
    return " ".join(_SAID.sub("", value).split()).strip(" :·-,")


def title(text: str) -> Element:
    return E.TextBlock(text=text, size="medium", weight="bolder", wrap=True, style="heading")


def text(value: str, *, subtle: bool = False, size: str | None = None) -> Element:
    return E.TextBlock(text=value, wrap=True, isSubtle=subtle, size=size)


def error_text(message: str, *, field: str | None = None) -> Element:
    return E.TextBlock(
        id=f"{_FIX}{field}" if field else None,
        text=message,
        wrap=True,
        color="attention",
        size="small",
        spacing="none",
    )


def facts(pairs: Sequence[tuple[str, str]]) -> Element:
    return E.FactSet(facts=[E.Fact(title=t, value=v if plain(v) else "—") for t, v in pairs])


def with_error(element: Element, errors: Mapping[str, str], field: str) -> list[Element]:
    """An input followed, when the server found a problem with it, by the message in red."""
    return [element, error_text(errors[field], field=field)] if field in errors else [element]


def _answer(id: str, label: str, value: str | None, required: bool, missing: str) -> dict[str, Any]:
    """What every input carries: its id and label, the value it starts with, and (when it must
    be answered) that it is required and what to say when it is left empty."""
    return {
        "id": id,
        "label": label,
        "value": value or None,
        "isRequired": required or None,
        "errorMessage": missing if required else None,
    }


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
        **_answer(id, label, value, required, f"{label} is required"),
        isMultiline=multiline,
        placeholder=placeholder,
        maxLength=max_length,
        style=style,
    )


def email_field(values: Mapping[str, str], errors: Mapping[str, str]) -> list[Element]:
    """The required `email` input of a form that names a person, with its error if any."""
    return with_error(
        text_input(
            "email",
            "Email",
            value=values.get("email"),
            required=True,
            placeholder="name@college.ac.uk",
            style="email",
        ),
        errors,
        "email",
    )


@dataclass(frozen=True)
class ImportCounts:
    """What a CSV import did: rows new and updated, and (line, problem) for each row not used."""

    created: int
    updated: int
    problems: Sequence[tuple[int, str]]
    checks: Sequence[tuple[str, str]] = ()  # (as typed, what was likely meant): imported, but check


def import_summary(
    heading: str, new_label: str, counts: ImportCounts, *, again: str | None = None
) -> list[Element]:
    """An import's counts, and the first 30 rows it could not use; with `again` (the words the
    list is sent with), how to bring those rows in: fixed, in the list sent again."""
    body = [
        title(heading),
        facts(
            [
                (new_label, str(counts.created)),
                ("Updated", str(counts.updated)),
                ("Rows with problems", str(len(counts.problems))),
            ]
        ),
    ]
    if counts.problems:
        body.append(text("These rows were not imported:", size="small"))
        # A problem quotes the cells as typed (a name, an email, the header row): plain text.
        body.append(facts([(f"Line {line}", said(msg)) for line, msg in counts.problems[:30]]))
        if again:
            fix = f"Fix these lines in the list and send it again with the words **{again}**"
            if counts.created or counts.updated:
                fix += ": the rows already imported are updated, not added twice"
            body.append(text(f"{fix}.", size="small"))
    if counts.checks:
        body.append(
            text(
                "Worth a check: imported as written, but these look like a slip. Fix them in "
                "the list and send it again:",
                size="small",
            )
        )
        body.append(facts([(typed, f"did you mean {meant}?") for typed, meant in counts.checks]))
    return body


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
        choices=[E.Choice(title=t, value=v) for t, v in choices],
        # Labels are often questions ("Use a seating plan"): "Choose use a seating plan" read
        # oddly; the label as shown reads whatever it is.
        **_answer(id, label, value, required, f"Please choose: {label}"),
        isMultiSelect=multi,
        style="expanded" if expanded else "compact",
        placeholder=placeholder,
        wrap=True,
    )


def date_input(id: str, label: str, *, value: str | None = None, required: bool = False) -> Element:
    return E.Date(**_answer(id, label, value, required, f"{label} is required"))


def time_input(id: str, label: str, *, value: str | None = None, required: bool = False) -> Element:
    return E.Time(**_answer(id, label, value, required, f"{label} is required"))


def toggle_input(id: str, label: str, *, value: bool = False) -> Element:
    return E.Toggle(
        id=id, title=label, value="true" if value else "false", valueOn="true", valueOff="false"
    )


def form_card(
    body: Sequence[Element],
    verb: str,
    data: Mapping[str, Any] | None = None,
    *,
    fallback_text: str | None = None,
    label: str = "Save",
) -> CardDict:
    """A form: its inputs, and the one primary button that sends them (`fallback_text` as in
    `card`: else the form's title)."""
    return card(body, [save_button(verb, data, label)], fallback_text=fallback_text)


def note_card(
    heading: str,
    lines: Sequence[str],
    actions: Sequence[Action] = (),
    *,
    small: str = "",
    fallback_text: str | None = None,
) -> CardDict:
    """A short notice: a heading, a few lines, the next step as buttons. `fallback_text`, for
    a heading that names someone (`said`, so left out of the notification), says what it is."""
    body: list[Element] = [title(heading), *(text(line) for line in lines)]
    if small:
        body.append(text(small, subtle=True, size="small"))
    return card(body, actions, fallback_text=fallback_text or heading)


def save_button(verb: str, data: Mapping[str, Any] | None = None, label: str = "Save") -> Action:
    """A form's primary button: it sends the card's inputs (Teams checks the required ones)."""
    return execute(label, verb, data, primary=True, saves=True)


def execute(
    label: str,
    verb: str,
    data: Mapping[str, Any] | None = None,
    *,
    primary: bool = False,
    saves: bool = False,
    more: bool = False,
) -> Action:
    """A button. The verb rides in `data` too, so Execute and Submit reach one handler.

    Only a button that `saves` sends the card's inputs (and so has Teams check the required ones
    first). Every other button (Back, Cancel, paging, opening another card) carries only its own
    `data`: it never validates, so it never traps someone half-way through a form.
    A button with `more` waits in the row's overflow menu ("…")."""
    return A.Execute(
        title=label,
        verb=verb,
        data={"verb": verb, **(data or {})},
        style="positive" if primary else None,
        associatedInputs="Auto" if saves else "None",
        mode="secondary" if more else "primary",
    )


# A phone 360 px wide shows three buttons side by side, each about 14 characters long; Teams
# cuts longer titles. Longer words go into the card's text, not onto the button.
ROW_BUTTONS = 3
ROW_TITLE = 14


def fit_row(actions: Sequence[Action]) -> list[Action]:
    """A row of buttons as it fits a phone: in a row of three or more, a button whose title is
    too long, or any after the third, moves to the overflow menu (`mode: secondary`, "…"); the
    first button and the primary one always stay in sight."""
    if len(actions) < ROW_BUTTONS:
        return list(actions)
    fitted: list[Action] = []
    shown = 0
    for i, action in enumerate(actions):
        keep = i == 0 or getattr(action, "style", None) == "positive"
        hidden = getattr(action, "mode", None) == "secondary"
        long = len(plain(getattr(action, "title", "") or "")) > ROW_TITLE
        if not hidden and (keep or (not long and shown < ROW_BUTTONS)):
            shown += 1
            fitted.append(action)
        else:
            fitted.append(action.model_copy(update={"mode": "secondary"}))
    return fitted


def actions_row(*actions: Action) -> Element:
    return E.ActionSet(actions=fit_row(actions))


def button_list(*actions: Action) -> list[Element]:
    """Buttons one above another (a row each), for titles too long to sit side by side."""
    return [E.ActionSet(actions=[action]) for action in actions]
