"""The tutor list, as quality teams keep it: one CSV row a tutor (SPEC, roles; seed 002 step 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, EmailStr, Field, ValidationError, field_validator

from bot.domain.uploads import LineProblem, parse_day, read_csv


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


class TutorRow(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    campus: str = Field(default="", max_length=200)
    curriculum_area: str = Field(default="", max_length=200)
    delivery_style: DeliveryStyle | None = None
    line_manager_email: EmailStr | None = None
    learning_in_libraries: bool = False
    start_date: date | None = None

    @field_validator("email", "line_manager_email", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower()
            return value or None
        return value

    @field_validator("delivery_style", mode="before")
    @classmethod
    def _style(cls, value: object) -> object:
        if isinstance(value, str):
            v = value.strip().lower()
            if not v:
                return None
            if v.startswith(("practical", "vocational")):
                return DeliveryStyle.PRACTICAL
            if v.startswith("class"):
                return DeliveryStyle.CLASSROOM
        return value

    @field_validator("learning_in_libraries", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        if isinstance(value, str):
            v = value.strip().lower()
            if v in _TRUE:
                return True
            if v in _FALSE:
                return False
            raise ValueError("use yes or no")
        return value

    @field_validator("start_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, str):
            v = value.strip()
            if not v:
                return None
            return parse_day(v)
        return value


@dataclass(frozen=True)
class TutorList:
    rows: list[TutorRow]
    problems: list[LineProblem]


def parse_tutor_csv(text: str) -> TutorList:
    """Parse the CSV; bad rows are reported by line number and the good rows still come through."""
    raw_rows, problems = read_csv(text, ("name", "email"), COLUMNS)
    if problems:
        return TutorList([], problems)
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
    return TutorList(rows, problems)


def row_problem(exc: ValidationError) -> str:
    """What is wrong with one row of a CSV someone sent, for them: each column and its fault."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "row"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)
