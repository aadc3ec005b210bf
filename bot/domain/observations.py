"""Annual observations (OTLA, seed 002): the lifecycle, its owners, and its clock.

An observation moves through states; each move belongs to one role and is allowed only from
certain states. Some moves follow automatically from another (sending after approval), and are
audited under the person whose move caused them. All times are aware UTC datetimes; days that
people see (the 1-week reminder, the report deadline) are reckoned in Europe/London.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlencode

import holidays

from bot.domain.access import Actor, Permission, Subject, can
from bot.domain.emails import normal_email
from bot.domain.local_time import LONDON, at_london, london_day
from bot.domain.support import Option
from bot.domain.terms import academic_year_of
from bot.domain.uploads import LineProblem, parse_day, read_csv

REPORT_DAYS = 3  # the report is due within 3 days of the observation (seed 002, step 9)
REPORT_REMINDER_DAY = 2  # a reminder to the observer on day 2
WAITING_WORKING_DAYS = 2  # check or approval waiting longer than this nudges its owner
INDUCTION_WEEKS = 6  # new tutors: an OTLA within the first 6 weeks of delivery
MORNING = time(9, 0)


class ObservationState(StrEnum):
    UNALLOCATED = "unallocated"  # a new tutor's OTLA waiting for an observer
    ALLOCATED = "allocated"
    DATE_AGREED = "date_agreed"
    PLANNED = "planned"  # the development officer has it on the planning list and EBS
    OBSERVED = "observed"
    REPORT_SUBMITTED = "report_submitted"
    RETURNED = "returned"  # returned to the observer for correction
    CHECKED = "checked"
    APPROVED = "approved"
    SENT = "sent"
    ACTIONS_OPEN = "actions_open"
    ACTIONS_CLOSED = "actions_closed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: Mapping[ObservationState, str] = MappingProxyType(
    {
        ObservationState.UNALLOCATED: "Needs an observer",
        ObservationState.ALLOCATED: "Observer allocated",
        ObservationState.DATE_AGREED: "Date agreed",
        ObservationState.PLANNED: "Planned",
        ObservationState.OBSERVED: "Observed",
        ObservationState.REPORT_SUBMITTED: "Report submitted",
        ObservationState.RETURNED: "Returned for correction",
        ObservationState.CHECKED: "Checked",
        ObservationState.APPROVED: "Approved",
        ObservationState.SENT: "Sent",
        ObservationState.ACTIONS_OPEN: "Actions open",
        ObservationState.ACTIONS_CLOSED: "Actions closed",
    }
)

S = ObservationState
BEFORE_OBSERVATION = frozenset({S.UNALLOCATED, S.ALLOCATED, S.DATE_AGREED, S.PLANNED})
DATED = frozenset({S.DATE_AGREED, S.PLANNED})
APPROVED_STATES = frozenset({S.APPROVED, S.SENT, S.ACTIONS_OPEN, S.ACTIONS_CLOSED})
REPORT_IN_PROGRESS = frozenset({S.OBSERVED, S.RETURNED})


def state_seen(actor: Actor, state: ObservationState, subject: Subject) -> ObservationState:
    """The state as `actor` may see it. Up to "Planned" and from "Approved" on, everyone who may
    see the observation at all sees its state. In between (observed, report submitted, returned
    for correction, checked) only those with READ_OBSERVATION_STAGE (the observer, the quality
    team, the tutor) see where it stands; anyone else, a line manager or a team manager, sees
    "Planned": that an observation is planned or due, never how its report is going before it
    is approved (SPEC, roles: line managers see approved reports)."""
    if state in BEFORE_OBSERVATION or state in APPROVED_STATES:
        return state
    return state if can(actor, Permission.READ_OBSERVATION_STAGE, subject) else S.PLANNED


class Move(StrEnum):
    ALLOCATE = "allocate"
    PICK_COURSE = "pick_course"  # Learning in Libraries: an observer takes a course's tutor
    PROPOSE_DATE = "propose_date"
    AGREE_DATE = "agree_date"
    CONFIRM_PLANNED = "confirm_planned"
    RECORD_OBSERVED = "record_observed"
    SUBMIT_REPORT = "submit_report"
    CHECK = "check"
    RETURN = "return"
    APPROVE = "approve"
    SEND = "send"
    OPEN_ACTIONS = "open_actions"
    CLOSE_ACTIONS = "close_actions"


@dataclass(frozen=True)
class Rule:
    """A move: from which states, to which (None: the state stays), and whose it is.

    `permission` None marks a move that only ever follows another one (see `follow_ups`).
    """

    sources: frozenset[ObservationState]
    target: ObservationState | None
    permission: Permission | None


RULES: Mapping[Move, Rule] = MappingProxyType(
    {
        Move.ALLOCATE: Rule(BEFORE_OBSERVATION, S.ALLOCATED, Permission.ALLOCATE_OBSERVER),
        Move.PICK_COURSE: Rule(frozenset({S.UNALLOCATED}), S.ALLOCATED, Permission.PICK_LIL_COURSE),
        Move.PROPOSE_DATE: Rule(
            frozenset({S.ALLOCATED, *DATED}), None, Permission.AGREE_OBSERVATION_DATE
        ),
        Move.AGREE_DATE: Rule(
            frozenset({S.ALLOCATED, *DATED}), S.DATE_AGREED, Permission.AGREE_OBSERVATION_DATE
        ),
        Move.CONFIRM_PLANNED: Rule(
            frozenset({S.DATE_AGREED}), S.PLANNED, Permission.CONFIRM_OBSERVATION_PLANNED
        ),
        Move.RECORD_OBSERVED: Rule(DATED, S.OBSERVED, Permission.WRITE_REPORT),
        Move.SUBMIT_REPORT: Rule(REPORT_IN_PROGRESS, S.REPORT_SUBMITTED, Permission.WRITE_REPORT),
        Move.CHECK: Rule(frozenset({S.REPORT_SUBMITTED}), S.CHECKED, Permission.CHECK_REPORT),
        Move.RETURN: Rule(frozenset({S.REPORT_SUBMITTED}), S.RETURNED, Permission.CHECK_REPORT),
        Move.APPROVE: Rule(frozenset({S.CHECKED}), S.APPROVED, Permission.APPROVE_REPORT),
        Move.SEND: Rule(frozenset({S.APPROVED}), S.SENT, None),
        Move.OPEN_ACTIONS: Rule(frozenset({S.SENT}), S.ACTIONS_OPEN, None),
        Move.CLOSE_ACTIONS: Rule(frozenset({S.SENT, S.ACTIONS_OPEN}), S.ACTIONS_CLOSED, None),
    }
)


# What an observer who also checks or approves reports hears on their own report.
OWN_REPORT_REFUSED: Mapping[Move, str] = MappingProxyType(
    {
        Move.CHECK: "You wrote this report, so another development officer checks it.",
        Move.RETURN: "You wrote this report, so another development officer checks it.",
        Move.APPROVE: "You wrote this report, so another development coordinator approves it.",
    }
)


class MoveRefused(Exception):
    """A move that is not allowed: wrong state, wrong person, or wrong time. The message says
    why in words a user can read."""


@dataclass(frozen=True)
class ObservationFacts:
    """What the rules need to know about one observation."""

    org_id: str
    state: ObservationState
    tutor_id: int
    observer_id: int | None = None
    line_manager_ids: frozenset[int] = frozenset()
    starts_at: datetime | None = None
    proposed_by: int | None = None
    proposed_starts_at: datetime | None = None

    @property
    def subject(self) -> Subject:
        return Subject(
            org_id=self.org_id,
            tutor_id=self.tutor_id,
            observer_id=self.observer_id,
            line_manager_ids=self.line_manager_ids,
            approved=self.state in APPROVED_STATES,
        )


def decide(actor: Actor, move: Move, facts: ObservationFacts, now: datetime) -> ObservationState:
    """The state after `move`, or MoveRefused. Checks the state, the role, then the move's own
    rule (the other party accepts a proposal; nobody records an observation before it starts)."""
    rule = RULES[move]
    if rule.permission is None:
        raise MoveRefused("That step happens by itself.")
    if not can(actor, rule.permission, facts.subject):
        if move in OWN_REPORT_REFUSED and actor.person_id == facts.observer_id:
            raise MoveRefused(OWN_REPORT_REFUSED[move])
        raise MoveRefused("Sorry, that step isn't yours to take on this observation.")
    if facts.state not in rule.sources:
        raise MoveRefused(f"This observation is at \u201c{facts.state.label}\u201d, so not now.")
    if move is Move.AGREE_DATE:
        if facts.proposed_by is None:
            raise MoveRefused("There is no date waiting to be agreed.")
        if facts.proposed_by == actor.person_id:
            raise MoveRefused("You proposed this date: the other person accepts it.")
        if facts.proposed_starts_at is not None and facts.proposed_starts_at <= now:
            raise MoveRefused("That date has passed: please suggest another.")
    if move is Move.RECORD_OBSERVED and (facts.starts_at is None or now < facts.starts_at):
        raise MoveRefused("The observation hasn't started yet.")
    return rule.target or facts.state


def available_moves(actor: Actor, facts: ObservationFacts, now: datetime) -> list[Move]:
    """The moves this person could make now: what their next step buttons are."""
    moves = []
    for move, rule in RULES.items():
        if rule.permission is None:
            continue
        try:
            decide(actor, move, facts, now)
        except MoveRefused:
            continue
        moves.append(move)
    return moves


def follow(move: Move, state: ObservationState) -> ObservationState:
    """An automatic move (sending, opening or closing actions) from `state`."""
    rule = RULES[move]
    if state not in rule.sources or rule.target is None:
        raise MoveRefused(f"Cannot {move.value} from {state.value}.")
    return rule.target


def after_approval(has_actions: bool) -> list[Move]:
    """What follows approval by itself: the report is sent, then its actions open (or, with none,
    there is nothing left to close)."""
    return [Move.SEND, Move.OPEN_ACTIONS if has_actions else Move.CLOSE_ACTIONS]


# ---------------------------------------------------------------- the clock


def academic_year(day: date) -> str:
    """ "2026/27" for any day from September 2026 to August 2027."""
    start = academic_year_of(day)
    return f"{start}/{str(start + 1)[-2:]}"


def last_proposal_day(year: str, today: date) -> date:
    """The latest day an observation of academic year `year` ("2026/27") may be proposed for:
    the end of that year (31 August), or of this one if that has passed, and never more than
    12 months ahead (a year scrolled too far on a date picker is refused, not agreed)."""
    try:
        end = date(int(year[:4]) + 1, 8, 31)
    except ValueError:
        end = date(academic_year_of(today) + 1, 8, 31)
    if end < today:
        end = date(academic_year_of(today) + 1, 8, 31)
    return min(end, today + timedelta(days=365))


@cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def a_week_on(today: date) -> date:
    """The first working day a week or more after `today`: the day a proposal suggests, so a
    Saturday's suggestion is not a Saturday."""
    day = today + timedelta(days=7)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(at: datetime, days: int) -> datetime:
    """`at` moved on by `days` working days (England and Wales bank holidays off), same time."""
    local = at.astimezone(LONDON)
    day = local.date()
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return datetime.combine(day, local.time(), tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class ObservationClock:
    """The times reminders fall due for an observation on `starts_at`…`ends_at`."""

    starts_at: datetime
    ends_at: datetime

    @property
    def day(self) -> date:
        return london_day(self.starts_at)

    @property
    def week_before(self) -> datetime:
        return at_london(self.day - timedelta(days=7), MORNING)

    def week_before_due(self, now: datetime) -> datetime | None:
        """When the 1-week reminder goes: on time, at once if agreed late, never after the start."""
        if now >= self.starts_at:
            return None
        return max(self.week_before, now)

    @property
    def report_due(self) -> datetime:
        """End of the third day after the observation (London)."""
        return at_london(self.day + timedelta(days=REPORT_DAYS), time(23, 59))

    @property
    def report_reminder(self) -> datetime:
        return at_london(self.day + timedelta(days=REPORT_REMINDER_DAY), MORNING)

    @property
    def report_escalation(self) -> datetime:
        """The first morning after the deadline: the development officer hears it is late."""
        return at_london(self.day + timedelta(days=REPORT_DAYS + 1), MORNING)


def waiting_nudge_at(since: datetime) -> datetime:
    """A report waiting for check or approval since `since` nudges its owner at this time."""
    return add_working_days(since, WAITING_WORKING_DAYS)


def action_overdue_at(target: date) -> datetime:
    """An action not completed by its target date reminds its owner the next morning."""
    return at_london(target + timedelta(days=1), MORNING)


def induction_deadline(start_date: date) -> date:
    """A new tutor's OTLA falls within the first 6 weeks of delivery."""
    return start_date + timedelta(weeks=INDUCTION_WEEKS)


def is_new_tutor(start_date: date | None, today: date) -> bool:
    """Still before or within the first 6 weeks of delivery."""
    return start_date is not None and today <= induction_deadline(start_date)


def report_is_late(state: ObservationState, starts_at: datetime | None, now: datetime) -> bool:
    if starts_at is None or state not in (*DATED, *REPORT_IN_PROGRESS):
        return False
    return now > ObservationClock(starts_at, starts_at).report_due


# ---------------------------------------------------------------- Teams meeting link

TEAMS_NEW_MEETING = "https://teams.microsoft.com/l/meeting/new"


def teams_meeting_link(
    subject: str, starts_at: datetime, ends_at: datetime, attendees: list[str]
) -> str:
    """A Teams deep link that opens a new meeting with subject, time and attendees filled in."""
    params = {
        "subject": subject,
        "startTime": starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endTime": ends_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "attendees": ",".join(a for a in attendees if a),
    }
    return TEAMS_NEW_MEETING + "?" + urlencode(params, quote_via=quote, safe=",:@")


# ---------------------------------------------------------------- planning & monitoring


class Monitoring(StrEnum):
    """The buckets of the quality team's planning & monitoring list."""

    UNALLOCATED = "unallocated"
    ALLOCATED = "allocated"
    AGREED = "agreed"
    OBSERVED = "observed"
    OVERDUE = "overdue"
    APPROVED = "approved"


def monitoring_status(
    state: ObservationState,
    starts_at: datetime | None,
    due_by: date | None,
    now: datetime,
) -> Monitoring:
    """Overdue: a report past its 3 days, a date passed without the observation recorded, or a
    new tutor's 6-week deadline passed with no date agreed."""
    if state in APPROVED_STATES:
        return Monitoring.APPROVED
    if report_is_late(state, starts_at, now):
        return Monitoring.OVERDUE
    if state in (S.UNALLOCATED, S.ALLOCATED):
        if due_by is not None and london_day(now) > due_by:
            return Monitoring.OVERDUE
        return Monitoring.UNALLOCATED if state is S.UNALLOCATED else Monitoring.ALLOCATED
    if state in DATED:
        return Monitoring.AGREED
    return Monitoring.OBSERVED


# ---------------------------------------------------------------- the report's vocabulary


@dataclass(frozen=True)
class Theme:
    """A theme a strength or an area for development is filed under, and the CPD it points to."""

    key: str
    label: str
    cpd: str


def _data(name: str) -> dict[str, Any]:
    raw = resources.files("bot.domain").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


@cache
def themes() -> tuple[Theme, ...]:
    return tuple(Theme(t["key"], t["label"], t["cpd"]) for t in _data("otla_themes.json")["themes"])


def theme(key: str) -> Theme | None:
    return next((t for t in themes() if t.key == key), None)


@cache
def induction_items() -> tuple[Option, ...]:
    """The HA24 new tutor induction checklist (data, not code)."""
    return tuple(Option(i["key"], i["label"]) for i in _data("ha24_induction.json")["items"])


DEFAULT_GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")


def grade_choices(settings: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """Observations are ungraded unless the organisation switches grades on (`otla_grades`:
    true for the usual four, or its own list)."""
    value = (settings or {}).get("otla_grades")
    if not value:
        return None
    if isinstance(value, list) and value:
        return tuple(str(v) for v in value)
    return DEFAULT_GRADES


class ActionOwner(StrEnum):
    TUTOR = "tutor"
    LINE_MANAGER = "line_manager"


# ---------------------------------------------------------------- lists people send as CSV


@dataclass(frozen=True)
class AllocationRow:
    """`observe import`: one tutor, their observer, and optionally the course to observe."""

    line: int
    tutor_email: str
    observer_email: str
    course: str = ""


@dataclass(frozen=True)
class CourseRow:
    """A Learning-in-Libraries course from the EBS course list."""

    line: int
    code: str
    title: str
    tutor_email: str
    venue: str = ""
    day: date | None = None
    start: time | None = None
    end: time | None = None


def _email(value: str) -> str | None:
    v = normal_email(value)
    return v if "@" in v and "." in v.split("@")[-1] and " " not in v else None


def parse_allocation_csv(text: str) -> tuple[list[AllocationRow], list[LineProblem]]:
    """Columns tutor_email, observer_email and (optional) course. Bad rows come back by line."""
    raw_rows, problems = read_csv(text, ("tutor_email", "observer_email"))
    rows: list[AllocationRow] = []
    seen: set[str] = set()
    for line, v in raw_rows:
        tutor, observer = _email(v.get("tutor_email", "")), _email(v.get("observer_email", ""))
        if tutor is None or observer is None:
            problems.append(LineProblem(line, "tutor_email and observer_email must be emails"))
        elif tutor == observer:
            problems.append(LineProblem(line, "a tutor cannot observe themselves"))
        elif tutor in seen:
            problems.append(LineProblem(line, f"{tutor} appears twice"))
        else:
            seen.add(tutor)
            rows.append(AllocationRow(line, tutor, observer, v.get("course", "")[:200]))
    return rows, problems


def parse_clock(value: str) -> time:
    """ "10:00", "10.00" or "1000" as a time of day."""
    v = value.strip().replace(".", ":")
    if ":" not in v and len(v) == 4 and v.isdecimal():
        v = v[:2] + ":" + v[2:]
    try:
        return time.fromisoformat(v[:5] if len(v) >= 5 else v.zfill(5))
    except ValueError:
        raise ValueError("use a time like 10:00") from None


def parse_course_csv(text: str) -> tuple[list[CourseRow], list[LineProblem]]:
    """Columns code, title, tutor_email and (optional) venue, date, start_time, end_time."""
    raw_rows, problems = read_csv(text, ("code", "title", "tutor_email"))
    rows: list[CourseRow] = []
    for line, v in raw_rows:
        tutor = _email(v.get("tutor_email", ""))
        if tutor is None or not v.get("code") or not v.get("title"):
            problems.append(LineProblem(line, "code, title and tutor_email are needed"))
            continue
        try:
            day = parse_day(v["date"]) if v.get("date") else None
            start = parse_clock(v["start_time"]) if v.get("start_time") else None
            end = parse_clock(v["end_time"]) if v.get("end_time") else None
        except ValueError as exc:
            problems.append(LineProblem(line, str(exc)))
            continue
        if start and end and end <= start:
            problems.append(LineProblem(line, "end_time must be after start_time"))
            continue
        rows.append(
            CourseRow(
                line,
                v["code"][:60],
                v["title"][:200],
                tutor,
                v.get("venue", "")[:200],
                day,
                start,
                end,
            )
        )
    return rows, problems
