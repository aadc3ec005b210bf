"""Terms of the academic year: an organisation's own dates, or English FE defaults.

Defaults: autumn 1 Sep – 31 Dec, spring 1 Jan – 31 Mar, summer 1 Apr – 31 Jul (August belongs
to no term). An organisation can set its own list in its settings (`terms`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def default_terms(start_year: int) -> list[Term]:
    label = f"{start_year}/{str(start_year + 1)[-2:]}"
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
        terms.append(Term(str(t["name"]).lower(), f"{year}/{str(year + 1)[-2:]}", start, end))
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
