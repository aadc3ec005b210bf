"""The tutor list, as quality teams keep it: one CSV row a tutor (SPEC, roles; seed 002 step 1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, EmailStr, Field, ValidationError, ValidationInfo, field_validator

from bot.domain.uploads import LineProblem, Upload, parse_day, read_csv


class DeliveryStyle(StrEnum):
    PRACTICAL = "practical"  # practical / vocational
    CLASSROOM = "classroom"


COLUMNS = (
    "name",
    "email",
    "campus",
    "curriculum_area",
    "delivery_style",
    "line_manager_email",
    "learning_in_libraries",
    "start_date",
)

_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0", ""})


def _style(cell: str) -> DeliveryStyle | str | None:
    if cell.startswith(("practical", "vocational")):
        return DeliveryStyle.PRACTICAL
    if cell.startswith("class"):
        return DeliveryStyle.CLASSROOM
    return cell or None


def _flag(cell: str) -> bool:
    if cell in _TRUE:
        return True
    if cell in _FALSE:
        return False
    raise ValueError("use yes or no")


# How a trimmed, lower-cased cell of these columns becomes its value (blank: none).
_CELLS: Mapping[str, Callable[[str], object]] = MappingProxyType(
    {
        "email": lambda cell: cell or None,
        "line_manager_email": lambda cell: cell or None,
        "delivery_style": _style,
        "learning_in_libraries": _flag,
        "start_date": lambda cell: parse_day(cell) if cell else None,
    }
)


class TutorRow(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    campus: str = Field(default="", max_length=200)
    curriculum_area: str = Field(default="", max_length=200)
    delivery_style: DeliveryStyle | None = None
    line_manager_email: EmailStr | None = None
    learning_in_libraries: bool = False
    start_date: date | None = None

    @field_validator(*_CELLS, mode="before")
    @classmethod
    def _cell(cls, value: object, info: ValidationInfo) -> object:
        """A cell as people type it in a spreadsheet: any case, spaces around, blank for none."""
        if isinstance(value, str):
            return _CELLS[str(info.field_name)](value.strip().lower())
        return value


def parse_tutor_csv(text: str) -> Upload[TutorRow]:
    """Parse the CSV; bad rows are reported by line number and the good rows still come through."""
    raw_rows, problems = read_csv(text, ("name", "email"), COLUMNS)
    if problems:
        return Upload([], problems)
    rows: list[TutorRow] = []
    seen: set[str] = set()
    for line, values in raw_rows:
        try:
            row = TutorRow.model_validate(values)
        except ValidationError as exc:
            problems.append(LineProblem(line, row_problem(exc)))
            continue
        if row.email in seen:
            problems.append(LineProblem(line, f"{row.email} appears twice"))
            continue
        seen.add(row.email)
        rows.append(row)
    return Upload(rows, problems)


def row_problem(exc: ValidationError) -> str:
    """What is wrong with one row of a CSV someone sent, for them: each column and its fault."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "row"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)
