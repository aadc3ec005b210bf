"""A progression session's outcomes as a Word document or an Excel workbook, for the team's files.

Both are built from a `SessionOutcome` alone: contributions and agreed actions per card, and who
owns what. No clock, no database.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any, Literal

from docx import Document

from bot.app.xlsx import Cell, Sheet, workbook
from bot.domain.progression import SessionOutcome

ExportFormat = Literal["docx", "xlsx"]


def filename(outcome: SessionOutcome, fmt: ExportFormat) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in outcome.group).strip("-") or "group"
    return f"progression-cards-{safe}-{outcome.started_on:%Y-%m-%d}.{fmt}"


def export(outcome: SessionOutcome, fmt: ExportFormat) -> bytes:
    return outcome_docx(outcome) if fmt == "docx" else outcome_xlsx(outcome)


def outcome_docx(outcome: SessionOutcome) -> bytes:
    doc = Document()
    bullet = _paragraphs(doc, "List Bullet")
    subheading = _paragraphs(doc, "Heading 3")
    doc.add_heading(f"Progression cards: {outcome.group}", level=1)
    doc.add_paragraph(
        f"{outcome.way.label}. Facilitated by {outcome.facilitator}. "
        f"Started {outcome.started_on:%d %B %Y}."
    )
    for c in outcome.cards:
        doc.add_heading(f"{c.key} {c.question}", level=2)
        doc.add_paragraph(f"Strategic issue: {c.issue_title}")
        if c.contributions:
            subheading("Contributions")
            for x in c.contributions:
                bullet(f"{x.by}: {x.text}")
        if c.actions:
            subheading("Agreed actions")
            table = doc.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, label in zip(
                table.rows[0].cells, ("What", "Who", "By when", "Done"), strict=True
            ):
                cell.text = label
            for a in c.actions:
                row = table.add_row().cells
                row[0].text, row[1].text = a.what, a.owner
                row[2].text, row[3].text = f"{a.due_on:%d %b %Y}", "Yes" if a.done else "No"
        if not c.contributions and not c.actions:
            doc.add_paragraph("Nothing added.")
    owners = outcome.owners()
    if owners:
        doc.add_heading("Who owns what", level=2)
        for owner, items in owners:
            subheading(owner)
            for key, a in items:
                bullet(f"{a.what} (card {key}, by {a.due_on:%d %b %Y})")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _paragraphs(doc: Any, style_name: str) -> Callable[[str], None]:
    """Adds paragraphs in one style. python-docx looks a style up by name on every paragraph
    (milliseconds each, minutes for a big session), so the id is looked up once and set directly."""
    style_id = doc.styles[style_name].style_id

    def add(text: str) -> None:
        doc.add_paragraph(text)._p.style = style_id

    return add


def outcome_xlsx(outcome: SessionOutcome) -> bytes:
    """Two sheets, one row per contribution and one per action."""
    contributions: Iterator[list[Cell]] = (
        [c.key, c.question, c.issue_title, x.by, x.text]
        for c in outcome.cards
        for x in c.contributions
    )
    actions: Iterator[list[Cell]] = (
        [c.key, c.question, a.what, a.owner, a.due_on, "Yes" if a.done else "No"]
        for c in outcome.cards
        for a in c.actions
    )
    return workbook(
        Sheet(
            "Contributions",
            ("Card", "Lead question", "Strategic issue", "Who", "Contribution"),
            contributions,
            widths=(6, 50, 30, 20, 70),
        ),
        Sheet(
            "Actions",
            ("Card", "Lead question", "What", "Who", "By when", "Done"),
            actions,
            widths=(6, 50, 50, 20, 12, 6),
        ),
        title=f"Progression cards: {outcome.group}",
    )
