"""Mentoring and guided coaching as rules, with no I/O (seed 003).

- The mentor directory: who to suggest for a specialism, and why; never anyone in the mentee's
  management chain (seed 003 on the "dual relationship" of line manager and mentor), never anyone
  the mentee has said is "not a good fit", never a mentor with no room.
- The mentoring agreement after seed 003 appendix 5: three lists pre-filled in the college's
  words, three SMART objectives, when and where to meet, review points (an initial review after
  the first half term, then reports in January and April) and who receives the reports.
- GROW and OSKAR as a sequence of steps, one question at a time.
- Who is in a relationship: the mentee always, the mentor only while it is open; once it has
  ended it is closed to every write.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self, cast

from bot.domain.access import Subject
from bot.domain.local_time import LONDON, day_label
from bot.domain.words import plural

MORNING = time(9, 0)
DATA = Path(__file__).parent / "data"
MAX_SUGGESTIONS = 5
OBJECTIVES = 3
MOST_RECIPIENTS = 10  # who receive an agreement's reports: each is looked up by email


# --------------------------------------------------------------------------- the agreement


@dataclass(frozen=True)
class ReportPoint:
    key: str
    label: str
    month: int | None = None
    day: int | None = None


@dataclass(frozen=True)
class AgreementTemplate:
    mentor_agrees: tuple[str, ...]
    mentee_agrees: tuple[str, ...]
    organisation_agrees: tuple[str, ...]
    reports: tuple[ReportPoint, ...]
    hours_per_mentee_per_year: int
    first_half_term_weeks: int
    meet_every_weeks: int
    source: str


@cache
def template() -> AgreementTemplate:
    raw = json.loads((DATA / "mentoring_agreement.json").read_text(encoding="utf-8"))
    return AgreementTemplate(
        mentor_agrees=tuple(raw["mentor_agrees"]),
        mentee_agrees=tuple(raw["mentee_agrees"]),
        organisation_agrees=tuple(raw["organisation_agrees"]),
        reports=tuple(
            ReportPoint(r["key"], r["label"], r.get("month"), r.get("day")) for r in raw["reports"]
        ),
        hours_per_mentee_per_year=int(raw["hours_per_mentee_per_year"]),
        first_half_term_weeks=int(raw["first_half_term_weeks"]),
        meet_every_weeks=int(raw["meet_every_weeks"]),
        source=str(raw["source"]),
    )


class _TextsAndADay:
    """A frozen dataclass of texts and dates, kept in a relationship's JSON (dates as ISO)."""

    def to_json(self) -> dict[str, str]:
        values = ((f.name, getattr(self, f.name)) for f in fields(cast(Any, self)))
        return {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in values}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            **{
                f.name: date.fromisoformat(str(data[f.name]))
                if f.type == "date"
                else str(data[f.name])
                for f in fields(cast(Any, cls))
            }
        )


@dataclass(frozen=True)
class Objective(_TextsAndADay):
    what: str
    measure: str
    by: date


@dataclass(frozen=True)
class ReviewPoint(_TextsAndADay):
    key: str
    label: str
    due: date


def review_points(start: date) -> list[ReviewPoint]:
    """An initial review after the first half term, then a report each January and April
    (seed 003 appendix 5), each the first one after `start`, listed by date.

    A report is not put off until after the initial review: for a start in late November or
    December that review falls after 15 January, and the January report was then pushed a
    whole year on (13 months out). The dates are the form's defaults; the pair may move them."""
    t = template()
    points: list[ReviewPoint] = []
    for report in t.reports:
        if report.month is None or report.day is None:
            due = start + timedelta(weeks=t.first_half_term_weeks)
        else:
            due = date(start.year, report.month, report.day)
            if due <= start:
                due = date(start.year + 1, report.month, report.day)
        points.append(ReviewPoint(report.key, report.label, due))
    return sorted(points, key=lambda p: p.due)


def morning_of(day: date) -> datetime:
    return datetime.combine(day, MORNING, LONDON).astimezone(UTC)


_VAGUE = re.compile(r"^(to )?(be|get|do|try|improve|work on|get better)( at| on)?\b", re.I)
_MEASURABLE = re.compile(
    r"\d|%|\b(one|two|three|four|five|six|ten|twice|every|each|all|half|weekly|termly|"
    r"observ\w*|evidence|feedback|record\w*|scheme|plan|portfolio|results?)\b",
    re.I,
)


def objective_problems(what: str, measure: str, by: date | None, today: date) -> dict[str, str]:
    """SMART, checked as far as words allow: a specific action, a measure, a date in the future.
    Keys are `what`, `measure` and `by`."""
    problems: dict[str, str] = {}
    words = what.split()
    if not what.strip():
        problems["what"] = "Say what you will do."
    elif len(words) < 4 or (_VAGUE.match(what.strip()) and len(words) < 7):
        problems["what"] = (
            "Make it specific: an action someone could see you doing "
            "(e.g. 'Plan three practical maths starters for my level 2 group')."
        )
    if not measure.strip():
        problems["measure"] = "Say how you'll both know it's done."
    elif not _MEASURABLE.search(measure):
        problems["measure"] = (
            "Make it measurable: a number, or the evidence you'll look at "
            "(e.g. '3 starters used, observed once')."
        )
    if by is None:
        problems["by"] = "Choose a date."
    elif by <= today:
        problems["by"] = "Choose a date in the future."
    return problems


def lines_of(text: str) -> list[str]:
    """An editable list on the card: one item a line; bullets and blanks dropped."""
    out = []
    for line in text.splitlines():
        item = line.strip().lstrip("-•*").strip()
        if item:
            out.append(item)
    return out


def progress_bar(percent: int, width: int = 10) -> str:
    """A small bar: ▰▰▰▱▱▱▱▱▱▱ 30%."""
    percent = max(0, min(100, percent))
    filled = round(percent / 100 * width)
    return "▰" * filled + "▱" * (width - filled) + f" {percent}%"


# ------------------------------------------------------------------------- the directory


def specialism_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


@cache
def related_specialisms() -> dict[str, frozenset[str]]:
    """Words that mean the same subject (maths and numeracy), from the data file."""
    raw = json.loads((DATA / "mentor_specialisms.json").read_text(encoding="utf-8"))
    out: dict[str, frozenset[str]] = {}
    for group in raw["groups"]:
        keys = frozenset(specialism_key(g) for g in group)
        for k in keys:
            out[k] = out.get(k, frozenset()) | keys
    return out


def _matches(query: str, specialism: str) -> bool:
    q, s = specialism_key(query), specialism_key(specialism)
    if not q or not s:
        return False
    if q == s or q in s.split() or s in q.split() or (len(q) > 3 and q in s):
        return True
    related = related_specialisms()
    return bool(related.get(q, frozenset()) & ({s} | set(s.split())))


def covers(query: str, specialisms: Iterable[str]) -> bool:
    """Whether an offer of `specialisms` is one a search for `query` finds."""
    return any(_matches(query, s) for s in specialisms)


@dataclass(frozen=True)
class MentorOffer:
    person_id: int
    name: str
    specialisms: tuple[str, ...]
    campus: str
    delivery_style: str | None
    capacity: int
    mentees: int  # current relationships (requested or active)

    @property
    def room(self) -> int:
        return max(0, self.capacity - self.mentees)


@dataclass(frozen=True)
class Mentee:
    person_id: int
    campus: str
    delivery_style: str | None
    excluded: frozenset[int] = frozenset()  # their management chain, and "not a good fit"


@dataclass(frozen=True)
class Suggestion:
    """A mentor with room, and why they suit the mentee (the score orders the suggestions)."""

    offer: MentorOffer
    reasons: tuple[str, ...]
    score: int


STYLE_LABELS = MappingProxyType(
    {"practical": "practical / vocational", "classroom": "classroom-based"}
)


def suggest(query: str, offers: Iterable[MentorOffer], mentee: Mentee) -> list[Suggestion]:
    """Up to five mentors for `query`, best first, each with why it was suggested. Anyone in the
    mentee's management chain or marked not a good fit, the mentee themselves, and mentors with
    no room are never offered."""
    found: list[Suggestion] = []
    for offer in offers:
        if offer.person_id == mentee.person_id or offer.person_id in mentee.excluded:
            continue
        if offer.room <= 0:
            continue
        hits = [s for s in offer.specialisms if _matches(query, s)]
        if query.strip() and not hits:
            continue
        reasons = []
        score = 0
        if hits:
            reasons.append(f"mentors in {', '.join(hits)}")
            score += 10
        if mentee.campus and offer.campus.lower() == mentee.campus.lower():
            reasons.append(f"also at {offer.campus}")
            score += 3
        if mentee.delivery_style and offer.delivery_style == mentee.delivery_style:
            reasons.append(f"also teaches {STYLE_LABELS.get(offer.delivery_style, 'similarly')}")
            score += 2
        reasons.append(f"{offer.room} of {plural(offer.capacity, 'place')} free")
        score += min(offer.room, 3)
        found.append(Suggestion(offer, tuple(reasons), score))
    found.sort(key=lambda s: (-s.score, s.offer.name.lower()))
    return found[:MAX_SUGGESTIONS]


NEAR = 0.5  # how alike a subject's spelling must be to count as near ("englsh", "english")


def nearest_specialisms(query: str, offered: Iterable[str], n: int = 3) -> list[str]:
    """Specialisms someone offers that are spelled close to what was asked for (a typo, a
    plural); none when nothing is: Maths is no near miss for English."""
    names = sorted({s for s in offered if s.strip()}, key=str.lower)
    by_key = {specialism_key(s): s for s in names}
    close = difflib.get_close_matches(specialism_key(query), list(by_key), n=n, cutoff=NEAR)
    return [by_key[c] for c in close]


@dataclass(frozen=True)
class ExternalMentor:
    """Someone outside the college: a partner college, a brokerage or a voucher system."""

    name: str
    route: str
    specialisms: tuple[str, ...]
    contact: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "route": self.route,
            "specialisms": list(self.specialisms),
            "contact": self.contact,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExternalMentor:
        return cls(
            str(data.get("name", "")),
            str(data.get("route", "")),
            tuple(str(s) for s in data.get("specialisms") or []),
            str(data.get("contact", "")),
        )


def external_for(query: str, external: Iterable[ExternalMentor]) -> list[ExternalMentor]:
    """External mentors for the specialism; those that broker any subject ("any") too."""
    out = []
    for e in external:
        if any(_matches(query, s) or specialism_key(s) == "any" for s in e.specialisms):
            out.append(e)
    return out


def management_chain(email: str | None, manager_of: Mapping[str, str | None]) -> list[str]:
    """Everyone above a person: their line manager, that manager's manager, and so on (emails,
    lower case). Loops in the data stop the walk."""
    chain: list[str] = []
    current = (email or "").lower()
    while True:
        boss = (manager_of.get(current) or "").lower()
        if not boss or boss in chain or boss == (email or "").lower():
            return chain
        chain.append(boss)
        current = boss


# --------------------------------------------------------------------------------- coaching


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    question: str
    hint: str = ""
    scale: bool = False
    actions: bool = False


@dataclass(frozen=True)
class CoachingModel:
    key: str
    label: str
    steps: tuple[Step, ...]
    review: Step | None = None
    review_scale_question: str = ""

    def step(self, index: int) -> Step:
        return self.steps[max(0, min(index, len(self.steps) - 1))]

    def is_last(self, index: int) -> bool:
        return index >= len(self.steps) - 1


@cache
def coaching_models() -> dict[str, CoachingModel]:
    raw = json.loads((DATA / "coaching_models.json").read_text(encoding="utf-8"))
    out: dict[str, CoachingModel] = {}
    for key, model in raw["models"].items():
        review = model.get("review")
        out[key] = CoachingModel(
            key=key,
            label=model["label"],
            steps=tuple(
                Step(
                    s["key"],
                    s["label"],
                    s["question"],
                    s.get("hint", ""),
                    bool(s.get("scale")),
                    bool(s.get("actions")),
                )
                for s in model["steps"]
            ),
            review=Step(review["key"], review["label"], review["question"]) if review else None,
            review_scale_question=review["scale_question"] if review else "",
        )
    return out


def coaching_model(key: str) -> CoachingModel | None:
    return coaching_models().get(key)


def parse_scale(value: object) -> int | None:
    text = str(value or "").strip()
    if not text.isdecimal() or len(text) > 2:  # not "²" (a digit int() can't read), nor 10**5000
        return None
    n = int(text)
    return n if 0 <= n <= 10 else None


def scale_change(before: int, after: int) -> str:
    change = after - before
    if change > 0:
        return f"up {change} (from {before} to {after})"
    if change < 0:
        return f"down {-change} (from {before} to {after})"
    return f"the same ({after})"


# ------------------------------------------------------------------------ reviews, drafted


@dataclass(frozen=True)
class LoggedMeeting:
    held_on: date
    discussed: str
    next_steps: Mapping[int, str] = field(default_factory=dict)
    progress: Mapping[int, int] = field(default_factory=dict)


def latest_progress(meetings: Sequence[LoggedMeeting]) -> dict[int, int]:
    out: dict[int, int] = {}
    for m in sorted(meetings, key=lambda m: m.held_on):
        out.update(m.progress)
    return out


DISCUSSED = "Most recently discussed: "


def without_notes(lines: Sequence[str]) -> list[str]:
    """A drafted review with the last meeting's discussion left out: the mentee's choice."""
    return [line for line in lines if not line.startswith(DISCUSSED)]


def draft_review(
    label: str,
    objectives: Sequence[Objective],
    meetings: Sequence[LoggedMeeting],
) -> list[str]:
    """The review drafted from the meeting log and the objectives, one paragraph a line."""
    ordered = sorted(meetings, key=lambda m: m.held_on)
    progress = latest_progress(ordered)
    lines = [
        f"{label}: {plural(len(ordered), 'meeting')} logged"
        + (f", the last on {day_label(ordered[-1].held_on)}." if ordered else ".")
    ]
    for i, obj in enumerate(objectives, start=1):
        steps = [m.next_steps[i] for m in ordered if m.next_steps.get(i)]
        done = progress.get(i, 0)
        line = f"Objective {i}: {obj.what} (by {day_label(obj.by)}). Progress {done}%."
        if steps:
            line += f" Latest next step: {steps[-1]}"
        lines.append(line)
    if ordered:
        lines.append(f"{DISCUSSED}{ordered[-1].discussed}")
    return lines


# ---------------------------------------------------------------------- the relationship

# A relationship's states, as stored.
ASKED = "asked"  # the mentee chose this mentor; waiting for them to accept
DECLINED = "declined"  # the mentor could not take it on
ACTIVE = "active"  # accepted: agreeing, then working to the agreement
NOT_A_FIT = "not_a_fit"  # either side said so; no reason asked
ENDED = "ended"
WITHDRAWN = "withdrawn"
OPEN_STATES = (ASKED, ACTIVE)


def relationship_subject(
    org_id: str,
    mentee_id: int,
    mentor_id: int,
    state: str,
    *,
    shared_with: frozenset[int] = frozenset(),
    line_manager_ids: frozenset[int] = frozenset(),
) -> Subject:
    """What `can()` decides a relationship's reads and writes on: the mentee is `tutor_id`, the
    mentor `practitioner_id` while the relationship is open (asked or active). Once it has
    ended the mentor is no longer part of it: their view of the agreement, the meeting log and
    the observations ends with it, and the records stay with the mentee (the confidentiality
    matrix's last phase). It is `closed` then too: the mentee still reads their records, but
    nobody writes to it again (no meeting, observation, evaluation, change to the agreement, or
    review drafted or sent on). Every read and write of a relationship asks on this subject."""
    is_open = state in OPEN_STATES
    return Subject(
        org_id=org_id,
        tutor_id=mentee_id,
        practitioner_id=mentor_id if is_open else None,
        line_manager_ids=line_manager_ids,
        shared_with=shared_with,
        closed=not is_open,
    )
