"""Fuzzing what people type and send: every list, calendar, date or number a person can give is
answered with rows and problems, or with the ValueError its caller turns into a clear message.
Anything else (OverflowError, csv.Error, IndexError) reaches the person as "Sorry — something
went wrong on my side", which says nothing about what to fix.

Hypothesis (a kept library for this) draws the hostile cases: a CR alone ending a line, cells
longer than the csv module reads, superscript digits, years past 9999, quotes never closed."""

from __future__ import annotations

import contextlib
import io
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from bot.domain.mentoring import parse_scale
from bot.domain.observations import parse_allocation_csv, parse_clock, parse_course_csv
from bot.domain.progression import parse_prompt_schedule
from bot.domain.sending_hours import parse_clock as parse_sending_clock
from bot.domain.terms import calendar_csv, closure_lines, read_day
from bot.domain.tutors import parse_tutor_csv
from bot.domain.uploads import NotAWorkbook, list_text, parse_day, workbook_text
from bot.domain.walks import parse_plan_csv

# On a laptop each run draws new cases; in CI the same ones every time, so a red build is the
# change's and not the draw's (a case found on a laptop goes in as an @example).
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow],
)

# Text that looks like a list: the characters lists are made of, and those that break them.
LIST_CHARS = st.sampled_from(list(",;\t\"'\r\n /-:.@ab19") + ["\x00", "\ufeff", "²", "٣", "é"])
LIST_TEXT = st.text(LIST_CHARS, max_size=80) | st.text(max_size=80)
HEADERS = st.sampled_from(
    [
        "name,email,line_manager_email,start_date\n",
        "tutor_email,observer_email,course\n",
        "code,title,tutor_email,venue,date,start_time,end_time\n",
        "team,term,focus,window_start,window_end\n",
        "kind,name,start,end\n",
        "",
    ]
)
LISTS = st.builds(lambda h, body: h + body, HEADERS, LIST_TEXT)
DATES = st.text(st.sampled_from(list("0123456789/-.² ٣")), max_size=30) | st.text(max_size=20)
TOO_LONG = 'name,email\nRita,"' + "x" * 140_000 + '"\n'  # over the csv module's 131,072


@FUZZ
@given(LISTS)
@example("name,email\rRita Reader,rita@college.ac.uk\r")
@example(TOO_LONG)
@example('name,email\n"Rita,rita@college.ac.uk\nSam,sam@college.ac.uk\n')
def test_every_list_is_answered_with_rows_and_problems(text: str) -> None:
    parse_tutor_csv(text)
    parse_allocation_csv(text)
    parse_course_csv(text)
    parse_plan_csv(text)


@FUZZ
@given(LISTS)
@example("term,autumn,1/1/99999999999999999999,\n")
@example('kind,name,start,end\nterm,autumn,"' + "x" * 140_000 + '"\n')
@example("term,autumn,1/1/1/1\n")
@example("1/1/99999999999999999999 INSET")
@example("31/02/2027 closed")
def test_a_calendar_or_closure_lines_are_read_or_refused_with_a_reason(text: str) -> None:
    """The calendar CSV, and closure days typed one a line on the settings card."""
    for parse in (calendar_csv, closure_lines):
        try:
            parse(text)
        except ValueError as exc:
            assert str(exc)


@FUZZ
@given(DATES)
@example("1/1/99999999999999999999")
@example("²/1/2026")
@example("2200000000")
def test_a_typed_date_or_time_is_read_or_refused_with_a_reason(text: str) -> None:
    for parse in (read_day, parse_day, parse_clock, parse_sending_clock, parse_prompt_schedule):
        try:
            parse(text)
        except ValueError as exc:
            assert str(exc)


@FUZZ
@given(st.text(max_size=12) | st.integers() | st.none() | st.floats())
@example("²")
@example("٣")
def test_a_scale_is_a_number_from_0_to_10_or_none(value: object) -> None:
    scale = parse_scale(value)
    assert scale is None or 0 <= scale <= 10


def _book() -> bytes:
    book = Workbook()
    book.active.append(("name", "email"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BOOK = _book()


@FUZZ
@given(st.binary(max_size=200), st.integers(0, len(BOOK) - 1), st.binary(max_size=20))
def test_any_file_is_read_as_text_or_refused_as_not_a_workbook(
    noise: bytes, at: int, patch: bytes
) -> None:
    list_text(noise)
    damaged = BOOK[:at] + patch + BOOK[at + len(patch) :]
    for raw in (noise, damaged):
        with contextlib.suppress(NotAWorkbook):  # anything else fails the test
            workbook_text(raw)


def test_a_calendar_cell_too_long_to_read_names_its_row() -> None:
    with pytest.raises(ValueError, match="^Line 2: a cell is far too long"):
        calendar_csv('kind,name,start,end\nterm,autumn,"' + "x" * 140_000 + '"\n')
