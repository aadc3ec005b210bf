"""Learning-walk documents: the HA27 as .docx, a term's walks as .xlsx, the findings chart as .png.

Pure builders from plain data (no database, no clock); handlers run them in a worker thread.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from bot.app.word import WordDocument
from bot.app.xlsx import Cell, Chart, Sheet, prepared_workbook

PNG = "image/png"


@dataclass(frozen=True)
class HA27:
    """One learning walk as it goes on the HA27 form."""

    walk_id: int
    team: str
    tutors: Sequence[str]
    observer: str
    day: str
    course: str
    minutes: str
    focus: str
    planned: bool
    went_well: Sequence[str]
    went_well_note: str
    even_better_if: Sequence[str]
    even_better_if_note: str
    verbal_feedback: str
    concern: bool = False
    concern_note: str | None = None  # None: this copy is for someone who may not read it
    organisation: str = ""  # for the page header


def ha27_docx(walk: HA27) -> bytes:
    """The HA27 record, for the team channel's files: A4, the organisation in the header."""
    doc = WordDocument(f"HA27 learning walk {walk.walk_id}", walk.organisation, walk.observer)
    doc.heading("HA27 Learning walk record", 1)
    rows = [
        ("Team", walk.team),
        ("Tutor(s) visited", ", ".join(walk.tutors)),
        ("Observer", walk.observer),
        ("Date", walk.day),
        ("Course / session", walk.course),
        ("Duration (minutes)", walk.minutes),
        ("Focus", walk.focus),
        ("Planned or unplanned", "Planned" if walk.planned else "Unplanned"),
        ("Verbal feedback given", walk.verbal_feedback),
    ]
    doc.table(
        None, [(label, value or "—") for label, value in rows], (5.0, 10.9), bold_first_column=True
    )
    for heading, themes, note in (
        ("What went well", walk.went_well, walk.went_well_note),
        ("Even better if / areas to develop", walk.even_better_if, walk.even_better_if_note),
    ):
        doc.heading(heading, 2)
        for theme in themes:
            doc.bullet(theme)
        if note:
            doc.paragraph(note)
        if not themes and not note:
            doc.paragraph("—")
    if walk.concern_note is not None:
        doc.heading("Concern for the tutor's regular 1:1 (not shared with the tutor)", 2)
        doc.paragraph(walk.concern_note if walk.concern else "No concern raised.")
    doc.paragraph(f"Learning walk {walk.walk_id}, exported by TLC.", size=8)
    doc.footer(f"HA27 learning walk {walk.walk_id}")
    return doc.save()


@dataclass(frozen=True)
class WalkRow:
    walk_id: int
    day: date | None  # a date cell: Excel sorts and filters it as one
    team: str
    tutors: str
    observer: str
    course: str
    minutes: int | None
    focus: str
    planned: bool
    went_well: str
    went_well_note: str
    even_better_if: str
    even_better_if_note: str
    verbal_feedback: str
    concern: bool | None  # None: not for this reader (only a concern's readers learn of it)


@dataclass(frozen=True)
class TutorRow:
    name: str
    email: str
    learning_in_libraries: bool
    walked_on: str
    status: str


WALK_HEADERS = (
    "Walk",
    "Date",
    "Team",
    "Tutor(s)",
    "Observer",
    "Course / session",
    "Minutes",
    "Focus",
    "Planned",
    "Went well",
    "Went well: notes",
    "Even better if",
    "Even better if: notes",
    "Verbal feedback",
    "Concern raised",
)
TUTOR_HEADERS = ("Tutor", "Email", "Learning in Libraries", "Walked on", "Status")


def walks_xlsx(
    term_label: str,
    walks: Sequence[WalkRow],
    tutors: Sequence[TutorRow],
    *,
    organisation: str = "",
    prepared_by: str = "",
    on: date | None = None,
) -> bytes:
    """A term's walks (one row each), each tutor's completion, and two charted summaries: walks
    by team and the term's themes. Concern notes never go in: only whether a concern was
    raised, and only where the reader may read it."""
    # generators: the rows are made as the sheet is written, while the cycle collector pauses
    walk_values: Iterator[list[Cell]] = (
        [
            w.walk_id,
            w.day,
            w.team,
            w.tutors,
            w.observer,
            w.course,
            w.minutes,
            w.focus,
            "yes" if w.planned else "no",
            w.went_well,
            w.went_well_note,
            w.even_better_if,
            w.even_better_if_note,
            w.verbal_feedback,
            None if w.concern is None else "yes" if w.concern else "no",
        ]
        for w in walks
    )
    tutor_values: Iterator[list[Cell]] = (
        [t.name, t.email, "yes" if t.learning_in_libraries else "no", t.walked_on, t.status]
        for t in tutors
    )
    return prepared_workbook(
        f"Learning walks, {term_label}",
        Sheet("Learning walks", WALK_HEADERS, walk_values),
        Sheet("Tutors", TUTOR_HEADERS, tutor_values),
        _by_team(walks),
        _themes(walks, term_label),
        group="Every team",
        organisation=organisation,
        prepared_by=prepared_by,
        on=on,
        notes=(
            "Concern notes are not included: only whether a concern was raised, and only on "
            "the walks whose concern you may read (empty on the others).",
        ),
    )


def _by_team(walks: Sequence[WalkRow]) -> Sheet:
    counts = Counter(w.team or "(no team)" for w in walks)
    rows: list[list[Cell]] = [[team, counts[team]] for team in sorted(counts, key=str.lower)]
    return Sheet("By team", ("Team", "Walks"), rows, chart=Chart("Walks by team", ("Walks",)))


def _themes(walks: Sequence[WalkRow], term_label: str) -> Sheet:
    """How often each theme went well, and was something to develop, across the term."""
    well: Counter[str] = Counter()
    better: Counter[str] = Counter()
    for w in walks:
        well.update(t for t in w.went_well.split("; ") if t)
        better.update(t for t in w.even_better_if.split("; ") if t)
    themes = sorted({*well, *better}, key=lambda t: (-(well[t] + better[t]), t.lower()))
    rows: list[list[Cell]] = [[t, well[t], better[t]] for t in themes]
    return Sheet(
        "Themes",
        ("Theme", "Went well", "Even better if"),
        rows,
        chart=Chart(f"Themes, {term_label}", ("Went well", "Even better if")),
    )


def findings_chart_png(
    strengths: Sequence[tuple[str, int]], areas: Sequence[tuple[str, int]]
) -> bytes:
    """Two small bar charts, strengths over areas to develop, sized for a phone-width card."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(4.8, 4.0), dpi=72)
    FigureCanvasAgg(fig)
    panels = ((strengths, "What went well", "#2e7d32"), (areas, "Even better if", "#ef6c00"))
    for i, (pairs, heading, colour) in enumerate(panels, start=1):
        ax = fig.add_subplot(2, 1, i)
        labels = [_short(label) for label, _ in pairs][::-1]
        counts = [n for _, n in pairs][::-1]
        ax.barh(labels or ["(none yet)"], counts or [0], color=colour)
        ax.set_title(heading, fontsize=10, loc="left")
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
