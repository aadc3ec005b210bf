"""A progression session's outcomes as a Word document or an Excel workbook, for the team's files.

Both are built from a `SessionOutcome` alone: contributions and agreed actions per card, and who
owns what. No clock, no database.
"""

from __future__ import annotations

import io
from typing import Any, Literal

from docx import Document
from openpyxl import Workbook
from openpyxl.styles import Font

from bot.domain.progression import SessionOutcome

ExportFormat = Literal["docx", "xlsx"]
CONTENT_TYPES: dict[ExportFormat, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(outcome: SessionOutcome, fmt: ExportFormat) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in outcome.group).strip("-") or "group"
    return f"progression-cards-{safe}-{outcome.started_on:%Y-%m-%d}.{fmt}"


def export(outcome: SessionOutcome, fmt: ExportFormat) -> bytes:
    return outcome_docx(outcome) if fmt == "docx" else outcome_xlsx(outcome)


def outcome_docx(outcome: SessionOutcome) -> bytes:
    doc = Document()
    doc.add_heading(f"Progression cards: {outcome.group}", level=1)
    doc.add_paragraph(
        f"{outcome.way.label}. Facilitated by {outcome.facilitator}. "
        f"Started {outcome.started_on:%d %B %Y}."
    )
    for c in outcome.cards:
        doc.add_heading(f"{c.key} {c.question}", level=2)
        doc.add_paragraph(f"Strategic issue: {c.issue_title}")
        if c.contributions:
            doc.add_paragraph("Contributions", style="Heading 3")
            for x in c.contributions:
                doc.add_paragraph(f"{x.by}: {x.text}", style="List Bullet")
        if c.actions:
            doc.add_paragraph("Agreed actions", style="Heading 3")
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
            doc.add_paragraph(owner, style="Heading 3")
            for key, a in items:
                doc.add_paragraph(
                    f"{a.what} (card {key}, by {a.due_on:%d %b %Y})", style="List Bullet"
                )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def outcome_xlsx(outcome: SessionOutcome) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Contributions"
    _header(sheet, ("Card", "Lead question", "Strategic issue", "Who", "Contribution"))
    for c in outcome.cards:
        for x in c.contributions:
            sheet.append([c.key, c.question, c.issue_title, x.by, x.text])
    actions = wb.create_sheet("Actions")
    _header(actions, ("Card", "Lead question", "What", "Who", "By when", "Done"))
    for c in outcome.cards:
        for a in c.actions:
            actions.append(
                [c.key, c.question, a.what, a.owner, a.due_on, "Yes" if a.done else "No"]
            )
            actions.cell(row=actions.max_row, column=5).number_format = "dd mmm yyyy"
    for ws, widths in ((sheet, (6, 50, 30, 20, 70)), (actions, (6, 50, 50, 20, 12, 6))):
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(sheet: Any, labels: tuple[str, ...]) -> None:
    sheet.append(list(labels))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
