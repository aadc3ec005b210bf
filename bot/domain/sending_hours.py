"""When TLC may send a proactive message: working hours, working days, bank holidays, term time.

Defaults (SPEC section 6): 08:00-18:00 Europe/London, Monday to Friday, never on a bank holiday in
England and Wales. An organisation can change the hours, allow weekends or bank holidays, keep
quiet outside its term dates, and name extra closure days, in its settings (`sending_hours`):

    {"start": "08:00", "end": "18:00", "weekends": false, "bank_holidays": false,
     "term_time_only": false, "closed": ["2026-12-24"]}

A message that falls due outside these times waits for the next allowed moment; it is not dropped.
Each person can also keep their own quiet times (`SendingHours.personal`): a personal message waits
for a moment both allow (`next_allowed_both`); channel posts follow the organisation's alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays

from bot.domain.local_time import LONDON
from bot.domain.terms import term_for

END_OF_DAY = "24:00"
SEARCH_DAYS = 800  # far enough to cross a long summer break twice


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share their bank holidays; Scotland and Northern Ireland differ.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def parse_clock(value: str) -> time | None:
    """'08:00' -> 08:00; '24:00' -> None (the end of the day); ValueError for anything else."""
    text = value.strip()
    if text == END_OF_DAY:
        return None
    hours, _, minutes = text.partition(":")
    try:
        return time(int(hours), int(minutes or 0))
    except OverflowError:  # "2200000000": not a time of day, as "25:00" is not
        raise ValueError(f"{text[:12]} is not a time of day") from None


def show_clock(value: time | None) -> str:
    return END_OF_DAY if value is None else value.strftime("%H:%M")


@dataclass(frozen=True)
class SendingHours:
    start: time = time(8, 0)
    end: time | None = time(18, 0)  # None: until midnight
    weekends: bool = False
    bank_holidays: bool = False
    term_time_only: bool = False
    closed: frozenset[date] = frozenset()
    days_off: frozenset[int] = frozenset()  # weekdays (0 = Monday) never open: a person's own
    # The organisation's settings, for its term dates (bot.domain.terms reads `terms`).
    term_settings: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise ValueError("the sending hours must end after they start")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> SendingHours:
        """The organisation's sending hours; anything unreadable falls back to the defaults."""
        settings = settings or {}
        raw = settings.get("sending_hours") or {}
        if not isinstance(raw, Mapping):
            raw = {}
        try:
            start = parse_clock(str(raw.get("start", "08:00"))) or time(8, 0)
            end = parse_clock(str(raw.get("end", "18:00")))
            closed = frozenset(date.fromisoformat(str(d)) for d in raw.get("closed") or [])
            return cls(
                start=start,
                end=end,
                weekends=bool(raw.get("weekends", False)),
                bank_holidays=bool(raw.get("bank_holidays", False)),
                term_time_only=bool(raw.get("term_time_only", False)),
                closed=closed,
                term_settings=settings,
            )
        except (TypeError, ValueError):
            return cls(term_settings=settings)

    def to_settings(self) -> dict[str, Any]:
        return {
            "start": show_clock(self.start),
            "end": show_clock(self.end),
            "weekends": self.weekends,
            "bank_holidays": self.bank_holidays,
            "term_time_only": self.term_time_only,
            "closed": sorted(d.isoformat() for d in self.closed),
        }

    def day_open(self, day: date) -> bool:
        if day in self.closed or day.weekday() in self.days_off:
            return False
        if not self.weekends and day.weekday() >= 5:
            return False
        if not self.bank_holidays and is_bank_holiday(day):
            return False
        return not (self.term_time_only and term_for(day, self.term_settings) is None)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        opens = datetime.combine(day, self.start, tzinfo=LONDON)
        if self.end is None:
            closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)
        else:
            closes = datetime.combine(day, self.end, tzinfo=LONDON)
        return opens, closes

    def allows(self, at: datetime) -> bool:
        local = at.astimezone(LONDON)
        if not self.day_open(local.date()):
            return False
        opens, closes = self._window(local.date())
        return opens <= local < closes

    def next_allowed(self, at: datetime) -> datetime:
        """`at` itself when sending is allowed then, else the next moment it is (in UTC)."""
        local = at.astimezone(LONDON)
        for offset in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self.day_open(day):
                continue
            opens, closes = self._window(day)
            if offset == 0 and local >= closes:
                continue
            return max(at, opens.astimezone(UTC)).astimezone(UTC)
        return at.astimezone(UTC)  # no open day in sight: never hold a message for ever

    @classmethod
    def personal(cls, start: str | None, end: str | None, days_off: Iterable[int]) -> SendingHours:
        """A person's own quiet times: not before `start`, not after `end`, never on `days_off`
        (e.g. a part-time tutor's non-working days). Bank holidays and terms stay the
        organisation's business."""
        return cls(
            start=(parse_clock(start) if start else None) or time(0, 0),
            end=parse_clock(end) if end else None,
            weekends=True,
            bank_holidays=True,
            days_off=frozenset(d for d in days_off if 0 <= d <= 6),
        )

    def describe(self) -> str:
        days = "every day" if self.weekends else "Monday to Friday"
        parts = [f"{show_clock(self.start)}–{show_clock(self.end)}, {days}"]
        parts.append("bank holidays too" if self.bank_holidays else "not on bank holidays")
        if self.term_time_only:
            parts.append("in term time only")
        if self.closed:
            parts.append(f"closed on {len(self.closed)} other day(s)")
        return "; ".join(parts)


def next_allowed_both(first: SendingHours, second: SendingHours, at: datetime) -> datetime:
    """The first moment from `at` that both allow (e.g. the organisation's hours and a person's
    own quiet times), in UTC."""
    moment = at.astimezone(UTC)
    for _ in range(50):
        moment = first.next_allowed(moment)
        later = second.next_allowed(moment)
        if later == moment:
            return moment
        moment = later
    return moment
