"""Sending hours: when a proactive message may go, and when a held one goes instead."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.local_time import LONDON
from bot.domain.sending_hours import SendingHours, is_bank_holiday


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    """A London wall-clock time, as the aware UTC datetime the worker is given."""
    return datetime(y, mo, d, h, mi, tzinfo=LONDON).astimezone(UTC)


DEFAULT = SendingHours()


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(2026, 11, 23, 10), True),  # Monday morning
        (at(2026, 11, 23, 8), True),  # the first minute
        (at(2026, 11, 23, 7, 59), False),
        (at(2026, 11, 23, 18), False),  # the end is exclusive
        (at(2026, 11, 23, 17, 59), True),
        (at(2026, 11, 28, 11), False),  # Saturday
        (at(2026, 11, 29, 11), False),  # Sunday
        (at(2026, 12, 25, 11), False),  # Christmas Day (Friday)
        (at(2026, 12, 28, 11), False),  # Boxing Day observed (Monday)
        (at(2026, 8, 31, 11), False),  # late summer bank holiday
        (at(2026, 6, 1, 8, 30), True),  # summer time: 07:30 UTC
        (at(2026, 6, 1, 7, 30), False),  # summer time: 06:30 UTC
    ],
)
def test_default_hours_are_weekday_working_hours_in_london(moment: datetime, allowed: bool) -> None:
    assert DEFAULT.allows(moment) is allowed


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 23, 10), at(2026, 11, 23, 10)),  # allowed now: now
        (at(2026, 11, 23, 6, 15), at(2026, 11, 23, 8)),  # early: this morning at 8
        (at(2026, 11, 23, 19), at(2026, 11, 24, 8)),  # evening: tomorrow at 8
        (at(2026, 11, 27, 18, 30), at(2026, 11, 30, 8)),  # Friday evening: Monday
        (at(2026, 11, 28, 12), at(2026, 11, 30, 8)),  # Saturday: Monday
        (at(2026, 12, 24, 19), at(2026, 12, 29, 8)),  # over Christmas and Boxing Day observed
        (at(2026, 3, 27, 19), at(2026, 3, 30, 8)),  # clocks go forward on Sunday 29 March
    ],
)
def test_a_held_message_goes_at_the_next_allowed_moment(
    moment: datetime, expected: datetime
) -> None:
    assert DEFAULT.next_allowed(moment) == expected
    assert DEFAULT.allows(expected)


def test_the_next_allowed_moment_is_in_london_time_across_the_clock_change() -> None:
    moment = DEFAULT.next_allowed(at(2026, 3, 27, 19))
    assert moment.tzinfo is UTC
    assert moment.astimezone(LONDON).time() == time(8, 0)
    assert moment.hour == 7  # British Summer Time


def test_bank_holidays_are_england_and_wales() -> None:
    assert is_bank_holiday(date(2026, 12, 25))
    assert is_bank_holiday(date(2027, 3, 29))  # Easter Monday
    assert not is_bank_holiday(date(2027, 1, 4))  # Scotland's 2 January holiday is not ours
    assert not is_bank_holiday(date(2026, 11, 30))  # St Andrew's Day: Scotland only


def test_an_organisation_sets_its_own_hours() -> None:
    hours = SendingHours.from_settings(
        {
            "sending_hours": {
                "start": "07:30",
                "end": "24:00",
                "weekends": True,
                "bank_holidays": True,
                "closed": ["2026-11-25"],
            }
        }
    )
    assert hours.allows(at(2026, 11, 28, 23, 30))  # Saturday night, until midnight
    assert hours.allows(at(2026, 12, 25, 12))
    assert not hours.allows(at(2026, 11, 24, 7, 15))
    assert not hours.allows(at(2026, 11, 25, 12))  # a closure day
    assert hours.next_allowed(at(2026, 11, 25, 12)) == at(2026, 11, 26, 7, 30)
    again = SendingHours.from_settings({"sending_hours": hours.to_settings()})
    assert again == hours


def test_term_time_only_keeps_quiet_between_the_organisations_terms() -> None:
    settings = {
        "terms": [
            {"name": "autumn", "start": "2026-09-07", "end": "2026-12-18"},
            {"name": "spring", "start": "2027-01-05", "end": "2027-03-26"},
            {"name": "summer", "start": "2027-04-12", "end": "2027-07-16"},
        ],
        "sending_hours": {"term_time_only": True},
    }
    hours = SendingHours.from_settings(settings)
    assert hours.allows(at(2026, 12, 18, 10))
    assert not hours.allows(at(2026, 12, 21, 10))  # Christmas break
    assert hours.next_allowed(at(2026, 12, 21, 10)) == at(2027, 1, 5, 8)
    assert SendingHours.from_settings({"terms": settings["terms"]}).allows(at(2026, 12, 21, 10))


@pytest.mark.parametrize(
    "raw",
    [
        {"start": "late", "end": "18:00"},
        {"start": "18:00", "end": "08:00"},
        {"closed": ["not a date"]},
        "not a mapping",
    ],
)
def test_unreadable_settings_fall_back_to_the_defaults(raw: object) -> None:
    assert SendingHours.from_settings({"sending_hours": raw}) == DEFAULT


def test_hours_must_end_after_they_start() -> None:
    with pytest.raises(ValueError, match="end after"):
        SendingHours(start=time(12), end=time(9))


def test_describe_says_what_is_allowed() -> None:
    assert DEFAULT.describe() == "08:00–18:00, Monday to Friday; not on bank holidays"
    assert "every day" in SendingHours(weekends=True).describe()
    assert "term time" in SendingHours(term_time_only=True).describe()
