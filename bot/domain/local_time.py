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


def at_london(day: date, clock_time: time) -> datetime:
    """A London wall-clock time on `day`, as UTC."""
    return datetime.combine(day, clock_time, tzinfo=LONDON).astimezone(UTC)
