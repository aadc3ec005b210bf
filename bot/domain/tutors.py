"""The tutor list, as quality teams keep it: one CSV row a tutor (SPEC, roles; seed 002 step 1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, EmailStr, Field, ValidationInfo, field_validator

from bot.domain.uploads import LineProblem, Upload, parse_day, read_rows


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


# What a list with a header and no tutors under it is told: what a tutor's line looks like.
NO_TUTORS = (
    "the list has no tutors in it, only its header line. Under the header, put one tutor a "
    "line, in the header's columns: for name,email,line_manager_email a line is "
    "Tom Tutor,tom.tutor@college.ac.uk,mia.manager@college.ac.uk"
)


def _own_manager(row: TutorRow) -> str:
    return (
        f"{row.email} is named as their own line manager: put their line manager's email in "
        "line_manager_email, or leave it blank. This tutor was not imported"
    )


def parse_tutor_csv(text: str) -> Upload[TutorRow]:
    """Parse the CSV; bad rows are reported by line number and the good rows still come through.

    A row naming the tutor as their own line manager is a problem with that line (nobody is
    in their own line of management); a header with no rows under it is one too, said plainly
    rather than as "0 new"."""
    read = read_rows(text, TutorRow, ("name", "email"), COLUMNS)
    if not read.rows and not read.problems:
        return Upload([], [LineProblem(2, NO_TUTORS)])
    rows: dict[str, TutorRow] = {}
    more: list[LineProblem] = []
    for found in read.rows:
        if found.row.email in rows:
            more.append(LineProblem(found.line, f"{found.row.email} appears twice"))
        elif found.row.line_manager_email == found.row.email:
            more.append(LineProblem(found.line, _own_manager(found.row)))
        else:
            rows[found.row.email] = found.row
    return Upload(list(rows.values()), sorted([*read.problems, *more]))
