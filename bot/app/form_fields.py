"""Card values as Teams sends them: text, "true"/"false", comma-joined choices, and a missing
input that means exactly what an empty one does.

The parsers here read one submitted value; `written`, `chosen`, `Stripped` and `BlankToNone` wrap
the common ones as pydantic `BeforeValidator`s for `Annotated` form fields (dispatch.as_submitted
gives such a field "" when the card left it out, so its message is the one the person sees)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, PlainValidator, WrapValidator

from bot.domain.emails import normal_email

# More digits than any id, count or score TLC keeps (int() itself reads 4,300 at most).
MOST_DIGITS = 18


def whole_number(value: object) -> int | None:
    """A whole number as typed or sent ("12", " 12 "): None for anything else, including digits
    int() can't read ("²", which str.isdigit() passes) and more digits than any TLC number."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdecimal() and len(text) <= MOST_DIGITS else None


def as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def parse_ids(value: object) -> list[int]:
    if isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        parts = str(value or "").replace(";", ",").split(",")
    out = []
    for part in parts:
        part = part.strip()
        if part:
            number = whole_number(part)
            if number is None:
                raise ValueError("Pick from the list")
            out.append(number)
    return list(dict.fromkeys(out))


def ids_or_empty(value: str) -> list[int]:
    try:
        return parse_ids(value)
    except ValueError:
        return []


def as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def as_flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("true", "yes", "1", "on")


def required_text(value: object, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValueError(message)
    return text


def blank_to_none(value: object) -> object:
    """Text stripped, and None for blank text; anything else as it came."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _written_as(message: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(message)
        return value.strip()

    return check


def _chosen_as(message: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value in (None, ""):
            raise ValueError(message)
        return value

    return check


def written(message: str) -> BeforeValidator:
    """Text that must not be blank (stripped); `message` when it is blank or left out."""
    return BeforeValidator(_written_as(message))


def chosen(message: str) -> BeforeValidator:
    """A choice that must be made; `message` when the card sent nothing."""
    return BeforeValidator(_chosen_as(message))


Stripped = Annotated[str, BeforeValidator(_strip)]
BlankToNone = BeforeValidator(blank_to_none)


def said_yes(value: object) -> bool:
    """A yes/no choice: "yes", "true" or "1" is yes; anything else, or nothing, is no."""
    return str(value).strip().lower() in ("yes", "true", "1")


def teaching_style(value: object) -> str | None:
    """How someone mostly teaches: "practical", "classroom", or None when not said."""
    style = str(value or "").strip().lower() or None
    if style not in (None, "practical", "classroom"):
        raise ValueError("Choose practical / vocational or classroom")
    return style


def _lowered(value: object) -> object:
    """An email as TLC stores it (`normal_email`), before `EmailStr` checks it."""
    return normal_email(value) if isinstance(value, str) else value


SaidYes = BeforeValidator(said_yes)
TeachingStyle = BeforeValidator(teaching_style)
Lowered = BeforeValidator(_lowered)


def required(message: str) -> BeforeValidator:
    """Any value as stripped text, which must not be blank; `message` when it is (or is missing)."""
    return BeforeValidator(partial(required_text, message=message))


def _takes_text(annotation: object) -> bool:
    """A field a card fills with text or a choice list (so an empty input is "")."""
    if annotation is str or annotation is Any:
        return True
    origin = get_origin(annotation)
    if origin in (list, set, tuple, frozenset):
        return True
    if origin is Annotated:
        return _takes_text(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        return any(_takes_text(a) for a in get_args(annotation))
    return False


@dataclass(frozen=True)
class FormShape:
    """What `as_submitted` needs of a form class, worked out once per class (a card action's,
    when the router is built) instead of from pydantic's field info on every submission: the
    card input ids given "" when missing, and the others (taken as missing when empty)."""

    text_keys: tuple[str, ...]
    other_keys: tuple[str, ...]

    @classmethod
    def of(cls, form: type[BaseModel]) -> FormShape:
        raw_checked = {
            f
            for d in form.__pydantic_decorators__.field_validators.values()
            if d.info.mode in ("before", "plain", "wrap")
            for f in d.info.fields
        }
        text_keys, other_keys = [], []
        for name, field in form.model_fields.items():
            key = field.alias or name
            if any(
                isinstance(m, BeforeValidator | PlainValidator | WrapValidator)
                for m in field.metadata
            ):
                raw_checked.add(name)  # an Annotated validator reads the raw input too
            if _takes_text(field.annotation) or name in raw_checked:
                text_keys.append(key)
            else:
                other_keys.append(key)
        return cls(tuple(text_keys), tuple(other_keys))

    def submitted(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values` as `as_submitted` gives them."""
        out = dict(values)
        for key in self.text_keys:
            if out.get(key) is None:
                out[key] = ""
        for key in self.other_keys:
            value = out.get(key)
            if isinstance(value, str) and not value.strip():
                del out[key]
        return out
