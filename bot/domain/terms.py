"""Terms of the academic year: an organisation's own dates, or English FE defaults.

Defaults: autumn 1 Sep – 31 Dec, spring 1 Jan – 31 Mar, summer 1 Apr – 31 Jul (August belongs
to no term). An organisation can set its own list in its settings (`terms`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Term:
    name: str  # "autumn", "spring", "summer" or the organisation's own
    academic_year: str  # "2026/27"
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        return f"{self.academic_year}-{self.name}"

    @property
    def label(self) -> str:
        return f"{self.name.capitalize()} term {self.academic_year}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def academic_year_of(day: date) -> int:
    """The calendar year the academic year starts in (September)."""
    return day.year if day.month >= 9 else day.year - 1


def year_label(start_year: int) -> str:
    """The academic year starting in September of `start_year`, as terms name it: "2026/27"."""
    return f"{start_year}/{str(start_year + 1)[-2:]}"


def default_terms(start_year: int) -> list[Term]:
    label = year_label(start_year)
    return [
        Term("autumn", label, date(start_year, 9, 1), date(start_year, 12, 31)),
        Term("spring", label, date(start_year + 1, 1, 1), date(start_year + 1, 3, 31)),
        Term("summer", label, date(start_year + 1, 4, 1), date(start_year + 1, 7, 31)),
    ]


def parse_terms(raw: Iterable[Mapping[str, Any]]) -> list[Term]:
    """Terms from organisation settings: [{"name", "start", "end"}] with ISO dates."""
    terms = []
    for t in raw:
        start, end = date.fromisoformat(str(t["start"])), date.fromisoformat(str(t["end"]))
        if end < start:
            raise ValueError(f"term {t['name']} ends before it starts")
        year = academic_year_of(start)
        terms.append(Term(str(t["name"]).lower(), year_label(year), start, end))
    return sorted(terms, key=lambda t: t.start)


def terms_for(day: date, settings: Mapping[str, Any] | None = None) -> list[Term]:
    """All terms of the academic year that `day` falls in."""
    year = academic_year_of(day)
    custom = parse_terms((settings or {}).get("terms", []))
    mine = [t for t in custom if academic_year_of(t.start) == year]
    return mine or default_terms(year)


def term_for(day: date, settings: Mapping[str, Any] | None = None) -> Term | None:
    """The term `day` falls in, or None in a holiday between terms."""
    return next((t for t in terms_for(day, settings) if day in t), None)


def current_or_next_term(day: date, settings: Mapping[str, Any] | None = None) -> Term:
    term = term_for(day, settings)
    if term is not None:
        return term
    upcoming = [t for t in terms_for(day, settings) if t.start > day]
    if upcoming:
        return upcoming[0]
    return terms_for(date(academic_year_of(day) + 1, 9, 1), settings)[0]


# ------------------------------------------------------------- the college's own calendar

TERM_NAMES = ("autumn", "spring", "summer")
MAX_CLOSURE_DAYS = 60  # one closure line or CSV row at most; term holidays are the terms' gaps


def read_day(value: str) -> date:
    """'2026-10-30' or '30/10/2026' (as a spreadsheet in England writes it)."""
    text = value.strip()
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except OverflowError:  # a year of twenty digits: not a date, as a year of five is not
        raise ValueError(f"{text[:20]} is not a date") from None


def check_terms(terms: Iterable[Term]) -> list[Term]:
    """The terms in order, each ending after it starts, none overlapping; ValueError if not."""
    ordered = sorted(terms, key=lambda t: t.start)
    for term in ordered:
        if term.end < term.start:
            raise ValueError(f"The {term.name} term ends before it starts.")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start <= before.end:
            raise ValueError(f"The {before.name} and {after.name} terms overlap.")
    return ordered


def closure_lines(text: str) -> list[tuple[date, str]]:
    """Closure days typed one a line: '2026-10-30 INSET' or '30/10/2026 College closed'."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().lstrip("-*\u2022 ").strip()
        if not line:
            continue
        first, _, label = line.partition(" ")
        try:
            out.append((read_day(first), label.strip()))
        except ValueError:
            raise ValueError(
                f"Line {number}: \u201c{first}\u201d is not a date (e.g. 2026-10-30)."
            ) from None
    return out


def _rows(text: str) -> Iterator[list[str]]:
    """The CSV's rows; a cell longer than the csv module reads (131,072 characters) stops it
    with a ValueError that names the row, as the calendar's other faults do."""
    reader = csv.reader(text.splitlines())
    try:
        yield from reader
    except csv.Error:
        raise ValueError(
            f"Line {reader.line_num}: a cell is far too long to be a calendar's."
        ) from None


def calendar_csv(text: str) -> tuple[list[Term], list[tuple[date, str]]]:
    """A college calendar as CSV: `kind,name,start,end` rows, kind `term` or `closure`
    (a closure may span days: INSET, college closed). A header row is fine."""
    terms: list[Term] = []
    closures: list[tuple[date, str]] = []
    for number, row in enumerate(_rows(text), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].lower() in ("kind", "type"):
            continue
        if len(cells) < 3:
            raise ValueError(f"Line {number}: expected kind, name, start and end.")
        kind, name, start_text = cells[0].lower(), cells[1], cells[2]
        end_text = cells[3] if len(cells) > 3 and cells[3] else start_text
        try:
            start, end = read_day(start_text), read_day(end_text)
        except ValueError:
            raise ValueError(f"Line {number}: the dates must look like 2026-09-01.") from None
        if end < start:
            raise ValueError(f"Line {number}: it ends before it starts.")
        if kind == "term":
            year = academic_year_of(start)
            terms.append(Term(name.lower(), f"{year}/{str(year + 1)[-2:]}", start, end))
        elif kind in ("closure", "closed", "inset"):
            if (end - start).days >= MAX_CLOSURE_DAYS:
                raise ValueError(f"Line {number}: a closure of more than {MAX_CLOSURE_DAYS} days.")
            day = start
            while day <= end:
                closures.append((day, name))
                day = day.fromordinal(day.toordinal() + 1)
        else:
            raise ValueError(
                f"Line {number}: the kind is term or closure, not \u201c{cells[0]}\u201d."
            )
    return check_terms(terms), closures


def with_calendar(
    settings: Mapping[str, Any] | None,
    terms: Iterable[Term],
    closures: Iterable[tuple[date, str]],
    *,
    replace_closures: bool = False,
) -> dict[str, Any]:
    """Organisation settings with these terms (replacing those of the same academic years) and
    these closure days among the sending hours' closed days (all of them, if `replace_closures`:
    the card shows every closure, so what it leaves out is gone)."""
    settings = dict(settings or {})
    terms = list(terms)
    years = {t.academic_year for t in terms}
    kept = [t for t in parse_terms(settings.get("terms", [])) if t.academic_year not in years]
    settings["terms"] = [
        {"name": t.name, "start": t.start.isoformat(), "end": t.end.isoformat()}
        for t in sorted([*kept, *terms], key=lambda t: t.start)
    ]
    hours = dict(settings.get("sending_hours") or {})
    before = {str(c["date"]): str(c.get("name", "")) for c in settings.get("closures", [])}
    named = {} if replace_closures else dict(before)
    for day, name in closures:
        named[day.isoformat()] = name
    settings["closures"] = [{"date": d, "name": n} for d, n in sorted(named.items())]
    closed = set(hours.get("closed") or [])
    if replace_closures:
        closed -= set(before)
    hours["closed"] = sorted(closed | set(named))
    settings["sending_hours"] = hours
    return settings


# An academic year as typed ("2026/27"), or as it reaches a command once Teams' text has lost
# its punctuation ("2026 27"), or with a dash ("2026-27").
_YEAR = re.compile(r"\b(\d{4})\s*[/ -]\s*(\d{2})\b")


def named_year(text: str) -> str | None:
    """The academic year `text` names ("2026/27"), if it names one."""
    found = _YEAR.search(text)
    return f"{found[1]}/{found[2]}" if found else None


def split_year(text: str) -> tuple[str | None, str]:
    """The academic year `text` names (or None), and the rest of it ("spring 2026 27" ->
    ("2026/27", "spring "))."""
    return named_year(text), _YEAR.sub(" ", text)
