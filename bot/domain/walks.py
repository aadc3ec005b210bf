"""Learning walks on the HA27 (seed 002, "learning walks"): plans, the walk itself, and its rules.

The rules here, in the seed's words:
- each tutor is expected to have a learning walk each term; Learning-in-Libraries (LiL) tutors
  are not expected to, but managers may walk with them as needed;
- a walk must not fall on the same day as a planned OTLA for that tutor;
- managers may take unplanned opportunities too; every walk, planned or not, goes on the HA27;
- walks are planned per team and term: a focus linked to the QIP or to training, the week(s)
  (different weeks for different course types allowed), and who walks.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.domain.access import QUALITY_TEAM, Role
from bot.domain.emails import normal_email
from bot.domain.local_time import LONDON
from bot.domain.terms import Term, academic_year_of, split_year, terms_for
from bot.domain.uploads import Line, Upload, parse_day, read_rows
from bot.domain.words import plural

# A saved walk's readers in its channel: the team's members in the quality team, and its line
# managers (Teams gives a standard channel its team's members).
CHANNEL_READERS = (*QUALITY_TEAM, Role.LINE_MANAGER)

DEFAULT_MINUTES = 25  # "around 20 to 30 minutes each" (seed 002)
MINUTE_CHOICES = (10, 15, 20, 25, 30, 40, 45, 60)
WINDOW_NOTICE_AT = time(16, 0)  # end-of-window notices go out at 4 pm on the window's last day
LOOK_AHEAD_DAYS = 14  # how far to look for another date when a walk clashes with an OTLA


@cache
def themes() -> dict[str, str]:
    """The HA27 themes (key -> label), from the data file beside this module."""
    raw = json.loads((Path(__file__).parent / "data" / "walk_themes.json").read_text())
    return {str(t["key"]): str(t["label"]) for t in raw["themes"]}


def theme_label(key: str) -> str:
    return themes().get(key, key)


@dataclass(frozen=True)
class WalkWindow:
    """The week(s) when a team's planned walks happen; `course_type` narrows it (e.g. ESOL)."""

    start: date
    end: date
    course_type: str = ""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        span = f"{self.start:%-d %b} – {self.end:%-d %b %Y}"
        return f"{span} ({self.course_type})" if self.course_type else span

    def notice_due(self) -> datetime:
        """When managers hear what is outstanding: the window's last day, late afternoon."""
        return datetime.combine(self.end, WINDOW_NOTICE_AT, tzinfo=LONDON)

    def matches(self, curriculum_area: str) -> bool:
        return bool(self.course_type) and _same(self.course_type, curriculum_area)


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def window_for(curriculum_area: str, windows: Sequence[WalkWindow]) -> WalkWindow | None:
    """The window a tutor's walk belongs to: the one for their course type, else a general one."""
    for window in windows:
        if window.matches(curriculum_area):
            return window
    return next((w for w in windows if not w.course_type), None)


@dataclass(frozen=True)
class WalkPlan:
    """A team's learning walks for one term (seed 002, "planning of learning walks")."""

    term_key: str
    focus: str
    linked_to: str = ""
    windows: tuple[WalkWindow, ...] = ()
    walker_ids: frozenset[int] = frozenset()

    def window_on(self, day: date) -> WalkWindow | None:
        return next((w for w in self.windows if day in w), None)

    def covers(self, day: date, author_id: int) -> bool:
        """A walk on `day` by `author_id` is a planned one (otherwise it is flagged unplanned)."""
        if self.window_on(day) is None:
            return False
        return not self.walker_ids or author_id in self.walker_ids


class PlanProblem(ValueError):
    """A plan that cannot be saved as it stands; `field` names the card input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_windows(windows: Sequence[WalkWindow], term: Term) -> None:
    """Each window inside the term, ending after it starts; at least one window."""
    if not windows:
        raise PlanProblem("window1_start", "Give at least one window (the week of the walks).")
    for i, w in enumerate(windows, start=1):
        if w.end < w.start:
            raise PlanProblem(f"window{i}_end", "The window ends before it starts.")
        if w.start not in term or w.end not in term:
            raise PlanProblem(
                f"window{i}_start",
                f"The window must fall within the {term.label} "
                f"({term.start:%-d %b} – {term.end:%-d %b %Y}).",
            )


@dataclass(frozen=True)
class LearningWalk:
    """One HA27: a visit to one tutor or a group of tutors."""

    tutor_ids: tuple[int, ...]
    day: date
    author_id: int
    course: str = ""
    minutes: int = DEFAULT_MINUTES
    focus: str = ""
    went_well: tuple[str, ...] = ()
    went_well_note: str = ""
    even_better_if: tuple[str, ...] = ()
    even_better_if_note: str = ""
    verbal_feedback: bool = False
    concern: bool = False
    concern_note: str = ""

    def clashes_with(self, planned_otla_dates: Mapping[int, Iterable[date]]) -> list[int]:
        """Tutors on this walk who have an OTLA planned on the same day (seed 002, LiL rule 2)."""
        return [
            t for t in self.tutor_ids if any(d == self.day for d in planned_otla_dates.get(t, ()))
        ]

    def is_unplanned(self, plan: WalkPlan | None) -> bool:
        return plan is None or not plan.covers(self.day, self.author_id)


def another_date(
    day: date,
    tutor_ids: Iterable[int],
    planned_otla_dates: Mapping[int, Iterable[date]],
    window: WalkWindow | None = None,
) -> date | None:
    """The next weekday after `day` with no OTLA for any of the tutors, inside the window if the
    walk is in one (else within two weeks); None if there is none."""
    busy = {d for t in tutor_ids for d in planned_otla_dates.get(t, ())}
    last = window.end if window is not None and day in window else day + timedelta(LOOK_AHEAD_DAYS)
    candidate = day + timedelta(days=1)
    while candidate <= last:
        if candidate.weekday() < 5 and candidate not in busy:
            return candidate
        candidate += timedelta(days=1)
    return None


# --- Completion: one walk per tutor per term, LiL tutors excepted -------------------------------


class WalkStatus(StrEnum):
    DONE = "done"
    OUTSTANDING = "outstanding"
    NOT_EXPECTED = "not_expected"  # a Learning-in-Libraries tutor with no walk yet


@dataclass(frozen=True)
class TutorOnList:
    id: int
    name: str
    learning_in_libraries: bool = False
    curriculum_area: str = ""

    @property
    def expected(self) -> bool:
        """LiL tutors "do not have to have a LW every term" (seed 002)."""
        return not self.learning_in_libraries


@dataclass(frozen=True)
class TutorCompletion:
    tutor: TutorOnList
    status: WalkStatus
    walked_on: tuple[date, ...] = ()
    window: WalkWindow | None = None


def completion(
    tutors: Iterable[TutorOnList],
    walked: Mapping[int, Iterable[date]],
    term: Term,
    windows: Sequence[WalkWindow] = (),
) -> list[TutorCompletion]:
    """Done / outstanding per tutor for the term; any walk in the term counts, planned or not."""
    out = []
    for tutor in sorted(tutors, key=lambda t: (t.name.casefold(), t.id)):
        days = tuple(sorted(d for d in walked.get(tutor.id, ()) if d in term))
        if days:
            status = WalkStatus.DONE
        elif tutor.expected:
            status = WalkStatus.OUTSTANDING
        else:
            status = WalkStatus.NOT_EXPECTED
        out.append(TutorCompletion(tutor, status, days, window_for(tutor.curriculum_area, windows)))
    return out


def outstanding_in(rows: Iterable[TutorCompletion], window: WalkWindow) -> list[TutorCompletion]:
    """Outstanding tutors whose walks belong to `window` (its course type, or a general window)."""
    return [r for r in rows if r.status is WalkStatus.OUTSTANDING and r.window == window]


# --- Summaries: the monthly provider return and the termly key findings ------------------------


@dataclass(frozen=True)
class WalkFacts:
    """What the summaries need from a saved walk (never the concern note)."""

    day: date
    team: str
    focus: str
    tutors: int
    unplanned: bool
    went_well: tuple[str, ...] = ()
    even_better_if: tuple[str, ...] = ()


@dataclass(frozen=True)
class MonthlyReturn:
    month: date  # the first of the month
    walks: int
    tutors_visited: int
    unplanned: int
    by_team: tuple[tuple[str, int], ...]


def month_start(day: date) -> date:
    return day.replace(day=1)


def monthly_return(walks: Iterable[WalkFacts], month: date) -> MonthlyReturn:
    """Counts for the monthly provider return (seed 002: "LW's should be recorded on the
    monthly provider return")."""
    first = month_start(month)
    mine = [w for w in walks if month_start(w.day) == first]
    teams = Counter(w.team for w in mine)
    return MonthlyReturn(
        month=first,
        walks=len(mine),
        tutors_visited=sum(w.tutors for w in mine),
        unplanned=sum(w.unplanned for w in mine),
        by_team=tuple(sorted(teams.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


@dataclass(frozen=True)
class Findings:
    """The most frequent strengths and areas to develop in one group of walks."""

    group: str
    walks: int
    strengths: tuple[tuple[str, int], ...]
    areas: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class KeyFindings:
    term_label: str
    walks: int
    overall: Findings
    by_focus: tuple[Findings, ...] = field(default=())
    by_team: tuple[Findings, ...] = field(default=())


def _top(counter: Counter[str], n: int) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def _findings(group: str, walks: Sequence[WalkFacts], n: int) -> Findings:
    strengths: Counter[str] = Counter(t for w in walks for t in w.went_well)
    areas: Counter[str] = Counter(t for w in walks for t in w.even_better_if)
    return Findings(group, len(walks), _top(strengths, n), _top(areas, n))


def key_findings(walks: Sequence[WalkFacts], term_label: str, top: int = 3) -> KeyFindings:
    """The quality team's termly summary: themes across strengths and areas to develop,
    overall, by focus and by team (seed 002, "a brief summary of key findings each term")."""

    def grouped(key: str) -> tuple[Findings, ...]:
        groups: dict[str, list[WalkFacts]] = {}
        for w in walks:
            groups.setdefault(getattr(w, key) or "—", []).append(w)
        return tuple(_findings(g, ws, top) for g, ws in sorted(groups.items()))

    return KeyFindings(
        term_label=term_label,
        walks=len(walks),
        overall=_findings("All walks", walks, top * 2),
        by_focus=grouped("focus"),
        by_team=grouped("team"),
    )


# --- Drafts for people to edit: the termly summary and a manager's PMG paragraph -----------------
# Each is drafted from the stored records only; nobody receives it until a person has read it,
# edited it if they wish, and chosen to export or paste it (issue 16, point 3).


@dataclass(frozen=True)
class CompletionCounts:
    """Walk completion for a group of tutors in a term."""

    expected: int  # tutors expected a walk this term (Learning in Libraries are not)
    done: int  # tutors walked this term (any tutor, expected or not)
    outstanding: int
    not_expected: int

    @classmethod
    def of(cls, rows: Iterable[TutorCompletion]) -> CompletionCounts:
        rows = list(rows)
        count = Counter(r.status for r in rows)
        return cls(
            expected=sum(r.tutor.expected for r in rows),
            done=count[WalkStatus.DONE],
            outstanding=count[WalkStatus.OUTSTANDING],
            not_expected=count[WalkStatus.NOT_EXPECTED],
        )

    @classmethod
    def across(cls, groups: Iterable[Iterable[TutorCompletion]]) -> CompletionCounts:
        """Completion for several groups together (a manager's teams, every team): a tutor in
        two teams is one tutor, counted once (their walks are the organisation's, so their
        status is the same in each)."""
        return cls.of({r.tutor.id: r for rows in groups for r in rows}.values())


@dataclass(frozen=True)
class StrengthExample:
    team: str
    day: date
    note: str


def _themes_line(pairs: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{theme_label(k)} ({n})" for k, n in pairs) or "none recorded"


def termly_summary(
    found: KeyFindings,
    walks: Sequence[WalkFacts],
    completion_by_team: Sequence[tuple[str, CompletionCounts]],
    examples: Sequence[StrengthExample],
    overall: CompletionCounts,
) -> str:
    """The quality team's termly summary of key findings, as paragraphs to edit. `overall`
    counts each tutor once, however many teams they are in (`CompletionCounts.across`)."""
    visits = sum(w.tutors for w in walks)
    unplanned = sum(w.unplanned for w in walks)
    teams = len({w.team for w in walks})
    outstanding = [(t, c.outstanding) for t, c in completion_by_team if c.outstanding]
    left = overall.outstanding
    parts = [
        f"Learning walks, {found.term_label}: {plural(found.walks, 'walk')} "
        f"({plural(visits, 'tutor visit')}) across {plural(teams, 'team')}; "
        f"{unplanned} unplanned.",
        f"Strengths seen most often: {_themes_line(found.overall.strengths)}.",
        f"Areas to develop seen most often: {_themes_line(found.overall.areas)}.",
        f"Completion: {plural(overall.done, 'tutor')} walked this term; {left} of "
        f"{plural(overall.expected, 'tutor')} expected a walk {'is' if left == 1 else 'are'} "
        "outstanding"
        + (": " + ", ".join(f"{t} {n}" for t, n in outstanding) if outstanding else "")
        + ".",
    ]
    if examples:
        parts.append(
            "Examples of strengths: "
            + " ".join(f"{e.team}, {e.day:%-d %b}: “{e.note}”" for e in examples)
        )
    return "\n\n".join(parts)


def strength_examples(
    walks: Iterable[tuple[WalkFacts, str]], limit: int = 3
) -> tuple[StrengthExample, ...]:
    """Up to `limit` walks' own words on what went well, one per team first, newest first."""
    noted = [(f, n.strip()) for f, n in sorted(walks, key=lambda p: p[0].day, reverse=True)]
    noted = [(f, n) for f, n in noted if n]
    first: dict[str, tuple[WalkFacts, str]] = {}
    for facts, note in noted:
        first.setdefault(facts.team, (facts, note))
    picked = list(first.values()) + [p for p in noted if p not in first.values()]
    return tuple(StrengthExample(f.team, f.day, n) for f, n in picked[:limit])


def pmg_paragraph(
    teams: Sequence[str],
    found: KeyFindings,
    walks: Sequence[WalkFacts],
    counts: CompletionCounts,
) -> str:
    """A line manager's paragraph on learning walks for their PMG report (seed 002)."""
    names = " and ".join([", ".join(teams[:-1]), teams[-1]] if len(teams) > 1 else teams)
    visits = sum(w.tutors for w in walks)
    text = (
        f"In the {found.term_label}, {plural(found.walks, 'learning walk')} took place in "
        f"{names or 'my teams'}, with {plural(visits, 'tutor visit')}. "
        f"{plural(counts.done, 'tutor')} {'has' if counts.done == 1 else 'have'} been walked "
        f"this term and {counts.outstanding} of the {counts.expected} expected "
        f"{'is' if counts.outstanding == 1 else 'are'} outstanding"
    )
    if counts.not_expected:
        n = counts.not_expected
        text += (
            f" ({plural(n, 'Learning-in-Libraries tutor')} {'is' if n == 1 else 'are'} not "
            "expected a walk)"
        )
    text += "."
    if found.walks:
        text += f" Strengths seen most often: {_themes_line(found.overall.strengths[:3])}."
        text += f" Areas to develop: {_themes_line(found.overall.areas[:3])}."
    return text


# --- Terms by name, for plans ------------------------------------------------------------------


def resolve_term(
    text: str,
    today: date,
    settings: Mapping[str, object] | None = None,
    *,
    past: bool = False,
) -> Term:
    """ "autumn", "spring 2026/27" or "2026/27-summer": the named term that has not ended yet
    (so in July, "autumn" means the coming one), or the one in the named academic year. With
    `past`, last academic year's terms may be named too (a summary of a year gone)."""
    year, rest = split_year(text.strip().lower())
    rest = rest.replace("-", " ").replace("term", " ")
    name = next(iter(rest.split()), "")
    this_year = academic_year_of(today)
    years = ([this_year - 1] if past else []) + [this_year, this_year + 1]
    candidates = [t for y in years for t in terms_for(date(y, 9, 1), settings)]
    named = [t for t in candidates if t.name == name]
    if year is not None:
        named = [t for t in named if t.academic_year == year]
    else:
        named = [t for t in named if t.end >= today] or named
    if not named:
        known = sorted({t.name for t in candidates})
        raise ValueError(f"I don't know the term \u201c{text}\u201d: use {', '.join(known)}")
    return named[0]


# --- Plans for many teams at once: the CSV the quality team keeps ------------------------------

PLAN_COLUMNS = (
    "team",
    "term",
    "focus",
    "linked_to",
    "window_start",
    "window_end",
    "course_type",
    "walkers",
)


class PlanRow(BaseModel):
    """One window of one team's plan; rows with the same team and term make one plan."""

    team: str = Field(min_length=1, max_length=200)
    term: str = Field(min_length=1, max_length=40)
    focus: str = Field(min_length=1, max_length=300)
    linked_to: str = Field(default="", max_length=300)
    window_start: date
    window_end: date
    course_type: str = Field(default="", max_length=100)
    walkers: list[str] = Field(default_factory=list)

    @field_validator("window_start", "window_end", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        return parse_day(value) if isinstance(value, str) else value

    @field_validator("walkers", mode="before")
    @classmethod
    def _emails(cls, value: object) -> object:
        if isinstance(value, str):
            return [normal_email(e) for e in value.replace(",", ";").split(";") if e.strip()]
        return value

    @model_validator(mode="after")
    def _ordered(self) -> PlanRow:
        if self.window_end < self.window_start:
            raise ValueError("window_end is before window_start")
        return self


class PlanSheet(Upload[Line[PlanRow]]):
    """The plans CSV, read: its good rows each with its line number."""

    def grouped(self) -> dict[tuple[str, str], list[Line[PlanRow]]]:
        """Rows by (team, term), in file order: each group becomes one plan."""
        groups: dict[tuple[str, str], list[Line[PlanRow]]] = {}
        for pl in self.rows:
            key = (pl.row.team.strip().casefold(), pl.row.term.strip().casefold())
            groups.setdefault(key, []).append(pl)
        return groups


def parse_plan_csv(text: str) -> PlanSheet:
    """Parse the plans CSV; bad rows come back by line number, good rows still come through."""
    read = read_rows(
        text, PlanRow, ("team", "term", "focus", "window_start", "window_end"), PLAN_COLUMNS
    )
    return PlanSheet(read.rows, read.problems)
