"""Learning-walk documents: the HA27 as .docx, a term's walks as .xlsx, the findings chart as .png.

Pure builders from plain data (no database, no clock); handlers run them in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.app.xlsx import Cell, Sheet, workbook

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


def ha27_docx(walk: HA27) -> bytes:
    """The HA27 record, for the team channel's files."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = f"HA27 learning walk {walk.walk_id}"
    doc.core_properties.author = walk.observer
    doc.add_heading("HA27 Learning walk record", level=1)
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
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value or "—"
        for run in cells[0].paragraphs[0].runs:
            run.bold = True
    for heading, themes, note in (
        ("What went well", walk.went_well, walk.went_well_note),
        ("Even better if / areas to develop", walk.even_better_if, walk.even_better_if_note),
    ):
        doc.add_heading(heading, level=2)
        for theme in themes:
            doc.add_paragraph(theme, style="List Bullet")
        if note:
            doc.add_paragraph(note)
        if not themes and not note:
            doc.add_paragraph("—")
    if walk.concern_note is not None:
        doc.add_heading("Concern for the tutor's regular 1:1 (not shared with the tutor)", level=2)
        doc.add_paragraph(walk.concern_note if walk.concern else "No concern raised.")
    footer = doc.add_paragraph(f"Learning walk {walk.walk_id}, exported by TLC.")
    for run in footer.runs:
        run.font.size = Pt(8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class WalkRow:
    walk_id: int
    day: str
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
    concern: bool


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


def walks_xlsx(term_label: str, walks: Sequence[WalkRow], tutors: Sequence[TutorRow]) -> bytes:
    """A term's walks (one row each) and each tutor's completion. Concern notes never go in:
    only whether a concern was raised."""
    walk_values: list[list[Cell]] = [
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
            "yes" if w.concern else "no",
        ]
        for w in walks
    ]
    tutor_values: list[list[Cell]] = [
        [t.name, t.email, "yes" if t.learning_in_libraries else "no", t.walked_on, t.status]
        for t in tutors
    ]
    return workbook(
        _sheet("Learning walks", WALK_HEADERS, walk_values),
        _sheet("Tutors", TUTOR_HEADERS, tutor_values),
        title=f"Learning walks, {term_label}",
    )


def _sheet(title: str, headers: Sequence[str], rows: Sequence[list[Cell]]) -> Sheet:
    """Columns as wide as their longest value among the first rows (8 to 60 characters)."""
    widths = [
        min(max(longest + 2, 8), 60)
        for longest in (
            max([len(header), *(len(str(r[i] or "")) for r in rows[:500])])
            for i, header in enumerate(headers)
        )
    ]
    return Sheet(title, headers, rows, widths)


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
