"""What the quality team sees (seed 002, "how annual observations are used" and "how learning
walks will be used"): the most frequent strengths and areas to develop across HA27 walks and
approved OTLA reports, the CPD each theme points to, examples of best practice, and completion
at a glance (walks per tutor per term, OTLA stage per tutor for the year).

Reads respect each record's readers. A count drawn from records the reader may not open joins a
line only when at least `MIN_GROUP` such records make it up; those records are never listed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.observations import APPROVED_STATES, ObservationState, Theme
from bot.domain.walks import WalkStatus

MIN_GROUP = 5  # the fewest unreadable records a shown count may draw on
MAX_CPD_CHARS = 200
SETTINGS_KEY = "theme_cpd"  # the organisation's own CPD per theme key, in its settings


# --- The theme -> CPD map --------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeMap:
    """The themes the picture counts; `aliases` maps the HA27's and the OTLA report's own theme
    keys onto them (the two forms name some themes differently)."""

    themes: tuple[Theme, ...]
    aliases: Mapping[str, str]
    by_key: Mapping[str, Theme]

    def get(self, key: str) -> Theme | None:
        return self.by_key.get(key)

    def of(self, source_key: str) -> Theme | None:
        key = self.aliases.get(source_key)
        return self.by_key.get(key) if key is not None else None

    def find(self, words: str) -> Theme | None:
        """A theme by its key, or by its label or a key it stands for (any case)."""
        wanted = words.strip().casefold()
        for t in self.themes:
            if wanted in (t.key, t.label.casefold()):
                return t
        return self.of(wanted)


@cache
def _defaults() -> tuple[tuple[Theme, ...], Mapping[str, str]]:
    raw = json.loads((Path(__file__).parent / "data" / "theme_cpd.json").read_text())
    themes = tuple(Theme(str(t["key"]), str(t["label"]), str(t["cpd"])) for t in raw["themes"])
    aliases = {str(k): str(t["key"]) for t in raw["themes"] for k in (t["key"], *t["keys"])}
    return themes, MappingProxyType(aliases)


def theme_map(settings: Mapping[str, Any] | None = None) -> ThemeMap:
    """The default map with the organisation's own CPD (settings `theme_cpd`) laid over it."""
    themes, aliases = _defaults()
    own = (settings or {}).get(SETTINGS_KEY)
    own = own if isinstance(own, Mapping) else {}
    mine = tuple(
        Theme(t.key, t.label, str(own[t.key]).strip() or t.cpd)
        if isinstance(own.get(t.key), str)
        else t
        for t in themes
    )
    return ThemeMap(mine, aliases, MappingProxyType({t.key: t for t in mine}))


def with_cpd(settings: Mapping[str, Any] | None, key: str, cpd: str) -> dict[str, Any]:
    """Settings with theme `key` pointing to `cpd` ("" goes back to the default)."""
    themes, _ = _defaults()
    if key not in {t.key for t in themes}:
        raise ValueError("no such theme")
    cpd = " ".join(cpd.split())
    if len(cpd) > MAX_CPD_CHARS:
        raise ValueError(f"keep the CPD to {MAX_CPD_CHARS} characters")
    out = dict(settings or {})
    own = dict(out.get(SETTINGS_KEY) or {})
    if cpd:
        own[key] = cpd
    else:
        own.pop(key, None)
    out[SETTINGS_KEY] = own
    return out


# --- Themes across walks and reports ---------------------------------------------------------


class Source(StrEnum):
    WALK = "walk"
    REPORT = "report"


@dataclass(frozen=True)
class Evidence:
    """One saved walk or approved report, as the picture needs it. `readable`: may the person
    asking open it? `title` is only ever shown when they may."""

    source: Source
    record_id: int
    day: date
    strengths: tuple[str, ...]
    areas: tuple[str, ...]
    readable: bool
    title: str = ""


def shown_count(readable: int, other: int) -> int:
    """What a line may show: every readable record, and the others only as a total of at least
    `MIN_GROUP` (never a handful that could point at someone)."""
    return readable + (other if other >= MIN_GROUP else 0)


@dataclass(frozen=True)
class CpdNeed:
    cpd: str
    count: int
    themes: tuple[str, ...]  # theme labels


@dataclass(frozen=True)
class ThemesPicture:
    walks: int
    reports: int
    strengths: tuple[tuple[Theme, int], ...]  # (theme, records naming it), most first
    areas: tuple[tuple[Theme, int], ...]
    cpd: tuple[CpdNeed, ...]
    examples: Mapping[str, tuple[Evidence, ...]]  # theme key -> readable records, newest first
    others: bool  # some records were not the reader's to open


def themes_picture(
    evidence: Iterable[Evidence],
    themes: ThemeMap,
    *,
    examples: int = 2,
    bucket: Callable[[date], Hashable] | None = None,
) -> ThemesPicture:
    """Count each theme once per record, strengths and areas apart; unreadable records only
    through `shown_count`; examples of best practice only from readable records.

    `bucket` (a whole year's picture: the term of a record's day) applies the >= 5 rule to the
    unreadable records of each bucket apart and adds up what each shows, so the year's count
    is its terms' counts added up: a year less its terms never reveals a record the terms hid."""
    counts: dict[bool, Counter[str]] = defaultdict(Counter)  # readable, by is_strength
    others: dict[tuple[bool, Hashable], Counter[str]] = defaultdict(Counter)
    records: Counter[Source] = Counter()
    other_records: dict[Hashable, Counter[Source]] = defaultdict(Counter)
    best: dict[str, list[Evidence]] = defaultdict(list)
    for e in evidence:
        where = bucket(e.day) if bucket is not None else None
        if e.readable:
            records[e.source] += 1
        else:
            other_records[where][e.source] += 1
        for is_strength, keys in ((True, e.strengths), (False, e.areas)):
            found = {t.key for k in keys if (t := themes.of(k)) is not None}
            (counts[is_strength] if e.readable else others[is_strength, where]).update(found)
            if is_strength and e.readable:
                for key in found:
                    best[key].append(e)

    def shown(is_strength: bool, key: str) -> int:
        hidden = (c[key] for (s, _), c in others.items() if s == is_strength)
        return shown_count(counts[is_strength][key], sum(shown_count(0, n) for n in hidden))

    def ranked(is_strength: bool) -> tuple[tuple[Theme, int], ...]:
        rows = [(t, n) for t in themes.themes if (n := shown(is_strength, t.key))]
        return tuple(sorted(rows, key=lambda r: (-r[1], r[0].label)))

    def total(source: Source) -> int:
        hidden = sum(shown_count(0, c[source]) for c in other_records.values())
        return records[source] + hidden

    strengths, areas = ranked(True), ranked(False)
    return ThemesPicture(
        walks=total(Source.WALK),
        reports=total(Source.REPORT),
        strengths=strengths,
        areas=areas,
        cpd=cpd_needs(areas),
        examples={
            key: tuple(sorted(found, key=lambda e: (e.day, e.record_id), reverse=True)[:examples])
            for key, found in best.items()
        },
        others=any(sum(c.values()) for c in other_records.values()),
    )


def cpd_needs(areas: Sequence[tuple[Theme, int]]) -> tuple[CpdNeed, ...]:
    """The CPD the areas to develop point to; themes sharing a CPD add up."""
    counts: Counter[str] = Counter()
    labels: dict[str, list[str]] = defaultdict(list)
    for theme, count in areas:
        counts[theme.cpd] += count
        labels[theme.cpd].append(theme.label)
    return tuple(
        CpdNeed(cpd, n, tuple(labels[cpd]))
        for cpd, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


# --- Completion at a glance ------------------------------------------------------------------


class OtlaStage(StrEnum):
    NO_OBSERVER = "No observer"
    ALLOCATED = "Allocated"
    DATE_AGREED = "Date agreed"
    REPORT_DUE = "Observed"
    IN_CHECKING = "Report in"
    APPROVED = "Approved"


def otla_stage(state: ObservationState | None) -> OtlaStage:
    """Where a tutor's OTLA for the year stands, in six steps (no observation: no observer)."""
    s = ObservationState
    if state is None or state is s.UNALLOCATED:
        return OtlaStage.NO_OBSERVER
    if state is s.ALLOCATED:
        return OtlaStage.ALLOCATED
    if state in (s.DATE_AGREED, s.PLANNED):
        return OtlaStage.DATE_AGREED
    if state in (s.OBSERVED, s.RETURNED):
        return OtlaStage.REPORT_DUE
    if state in APPROVED_STATES:
        return OtlaStage.APPROVED
    return OtlaStage.IN_CHECKING


WALK_COLUMNS = (WalkStatus.DONE, WalkStatus.OUTSTANDING, WalkStatus.NOT_EXPECTED)
WALK_LABELS: Mapping[WalkStatus, str] = MappingProxyType(
    {
        WalkStatus.DONE: "Walked",
        WalkStatus.OUTSTANDING: "Outstanding",
        WalkStatus.NOT_EXPECTED: "Not expected",
    }
)
NO_TEAM = "No team"
LIL = "Learning in Libraries"


@dataclass(frozen=True)
class TutorStanding:
    """One tutor: their teams, walk status per term (by term key), OTLA stage for the year, and
    whether the person asking may see them by name."""

    tutor_id: int
    name: str
    teams: tuple[str, ...]
    learning_in_libraries: bool
    walks: Mapping[str, WalkStatus]
    otla: OtlaStage
    readable: bool
    walked_on: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    campus: str = ""


@dataclass(frozen=True)
class GridRow:
    group: str
    walks: tuple[int, ...]  # by WALK_COLUMNS
    otla: tuple[int, ...]  # by OtlaStage
    tutors: int


@dataclass(frozen=True)
class CompletionGrid:
    term_key: str
    rows: tuple[GridRow, ...]  # teams, by name
    lil: GridRow | None  # Learning-in-Libraries tutors, apart: no walk expected each term


def completion_grid(standings: Iterable[TutorStanding], term_key: str) -> CompletionGrid:
    """Team x status: a tutor in several teams counts in each; LiL tutors form their own row.
    Each cell counts readable tutors, and the others only as `shown_count` allows."""
    cells: dict[tuple[str, str, bool], int] = defaultdict(int)
    groups: set[str] = set()
    for t in standings:
        places = (LIL,) if t.learning_in_libraries else (t.teams or (NO_TEAM,))
        status = t.walks.get(term_key, WalkStatus.NOT_EXPECTED)
        for group in places:
            groups.add(group)
            cells[group, f"w:{status}", t.readable] += 1
            cells[group, f"o:{t.otla}", t.readable] += 1
            cells[group, "n", t.readable] += 1

    def cell(group: str, key: str) -> int:
        return shown_count(cells[group, key, True], cells[group, key, False])

    def row(group: str) -> GridRow:
        return GridRow(
            group,
            tuple(cell(group, f"w:{s}") for s in WALK_COLUMNS),
            tuple(cell(group, f"o:{s}") for s in OtlaStage),
            cell(group, "n"),
        )

    teams = sorted((g for g in groups if g != LIL), key=lambda g: (g == NO_TEAM, g.casefold()))
    shown = tuple(r for g in teams if (r := row(g)).tutors)
    lil = row(LIL) if LIL in groups else None
    return CompletionGrid(term_key, shown, lil if lil is not None and lil.tutors else None)
