"""The college's own time: Europe/London. Times are stored in UTC; people see, pick and are
reminded by London days and clock times (BST and GMT alike)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london(at: datetime) -> datetime:
    """Show a stored UTC time in the users' own time zone."""
    return at.astimezone(LONDON)


def london_day(at: datetime) -> date:
    """The day it is in London at `at`."""
    return at.astimezone(LONDON).date()


def day_label(day: date | datetime | None) -> str:
    """A day as people read it across TLC: "Tue 8 Dec 2026" (a stored time, on its London day)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(LONDON).date()
    return f"{day:%a} {day.day} {day:%b %Y}"


def at_london(day: date, clock_time: time) -> datetime:
    """A London wall-clock time on `day`, as UTC."""
    return datetime.combine(day, clock_time, tzinfo=LONDON).astimezone(UTC)
