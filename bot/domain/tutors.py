"""The tutor list, as quality teams keep it: one CSV row a tutor (SPEC, roles; seed 002 step 1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, EmailStr, Field, ValidationInfo, field_validator

from bot.domain.emails import normal_email
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


def _one_slip_away(word: str) -> set[str]:
    """The word and each way of leaving one character out: two words a slip apart (a letter
    left out, added, changed, or two swapped) share one of these."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _slip_index(words: Iterable[str]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for word in words:
        for key in _one_slip_away(word):
            index.setdefault(key, set()).add(word)
    return index


def _a_slip_from(word: str, index: Mapping[str, set[str]]) -> set[str]:
    return {w for key in _one_slip_away(word) for w in index.get(key, ())} - {word}


def slips_in_line_managers(rows: Sequence[TutorRow], met: Collection[str]) -> list[tuple[str, str]]:
    """Line managers' emails that look like a slip of the keyboard, with the address meant:
    (as typed, meant). Each is imported as written (the admin may know better); the answer
    asks them to check it, since a slip makes a line manager who never turns up, and the
    tutor's programme notes and reminders wait for them.

    Only an address nobody has met in Teams and that is not a tutor on the list is looked at.
    It is a slip when it is one slip from a line manager the list names more often or from
    someone met (`met`: emails in `normal_email` form); or when its domain is no one else's but
    one slip from one that is (colege.ac.uk). Indexed, not compared pairwise: a list of 3,000
    and a college of 3,000 met take milliseconds."""
    named = Counter(normal_email(r.line_manager_email) for r in rows if r.line_manager_email)
    listed = {normal_email(r.email) for r in rows}
    emails = _slip_index([*named, *met])
    domains = {e.rpartition("@")[2] for e in (*listed, *met)}
    domain_index = _slip_index(domains)
    slips = []
    for email, times in sorted(named.items()):
        if email in listed or email in met:
            continue
        likely = sorted(e for e in _a_slip_from(email, emails) if e in met or named[e] > times)
        local, _, domain = email.rpartition("@")
        if not likely and domain not in domains:
            likely = [f"{local}@{d}" for d in sorted(_a_slip_from(domain, domain_index))]
        if likely:
            slips.append((email, likely[0]))
    return slips
