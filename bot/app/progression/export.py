"""A progression session's outcomes as a Word document or an Excel workbook, for the team's files.

Both are built from a `SessionOutcome` alone: contributions and agreed actions per card, and who
owns what. No clock, no database.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal
from xml.sax.saxutils import escape

from docx import Document

from bot.app.xlsx import Cell, Sheet, workbook
from bot.domain.progression import SessionOutcome

ExportFormat = Literal["docx", "xlsx"]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def filename(outcome: SessionOutcome, fmt: ExportFormat) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in outcome.group).strip("-") or "group"
    return f"progression-cards-{safe}-{outcome.started_on:%Y-%m-%d}.{fmt}"


def export(outcome: SessionOutcome, fmt: ExportFormat) -> bytes:
    return outcome_docx(outcome) if fmt == "docx" else outcome_xlsx(outcome)


def outcome_docx(outcome: SessionOutcome) -> bytes:
    body = _Body(Document())
    body.heading(f"Progression cards: {outcome.group}", 1)
    body.paragraph(
        f"{outcome.way.label}. Facilitated by {outcome.facilitator}. "
        f"Started {outcome.started_on:%d %B %Y}."
    )
    for c in outcome.cards:
        body.heading(f"{c.key} {c.question}", 2)
        body.paragraph(f"Strategic issue: {c.issue_title}")
        if c.contributions:
            body.heading("Contributions", 3)
            for x in c.contributions:
                body.bullet(f"{x.by}: {x.text}")
        if c.actions:
            body.heading("Agreed actions", 3)
            body.table(
                ("What", "Who", "By when", "Done"),
                (
                    (a.what, a.owner, f"{a.due_on:%d %b %Y}", "Yes" if a.done else "No")
                    for a in c.actions
                ),
            )
        if not c.contributions and not c.actions:
            body.paragraph("Nothing added.")
    owners = outcome.owners()
    if owners:
        body.heading("Who owns what", 2)
        for owner, items in owners:
            body.heading(owner, 3)
            for key, a in items:
                body.bullet(f"{a.what} (card {key}, by {a.due_on:%d %b %Y})")
    return body.save()


class _Body:
    """A Word document's body written as WordprocessingML text and parsed once at the end.

    python-docx builds every paragraph and table cell element by element, about 1.5 ms per
    agreed action: minutes for 50,000 against the SPEC's 5 s for exports. The document around
    the body (styles, page set-up) is still python-docx's, and it saves the file.
    """

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.parts: list[str] = []
        self.styles: dict[str, str] = {}
        section = doc.sections[-1]
        self.block_width = section.page_width - section.left_margin - section.right_margin

    def _style(self, name: str) -> str:
        if name not in self.styles:
            self.styles[name] = self.doc.styles[name].style_id
        return self.styles[name]

    def paragraph(self, text: str, style: str | None = None) -> None:
        props = f'<w:pPr><w:pStyle w:val="{self._style(style)}"/></w:pPr>' if style else ""
        self.parts.append(f"<w:p>{props}{_run(text)}</w:p>")

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, f"Heading {level}")

    def bullet(self, text: str) -> None:
        self.paragraph(text, "List Bullet")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        """A grid of equal columns across the page, the first row the header."""
        twips = int(self.block_width / len(header) / 635)  # 635 EMU to a twip
        cell = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{twips}"/></w:tcPr><w:p>'
        grid = f'<w:gridCol w:w="{twips}"/>' * len(header)
        self.parts.append(
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{self._style("Table Grid")}"/>'
            '<w:tblW w:type="auto" w:w="0"/><w:tblLook w:firstColumn="1" w:firstRow="1" '
            'w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        )
        for row in (header, *rows):
            cells = "".join(f"{cell}{_run(text)}</w:p></w:tc>" for text in row)
            self.parts.append(f"<w:tr>{cells}</w:tr>")
        self.parts.append("</w:tbl>")

    def save(self) -> bytes:
        """The document python-docx saves, with the body put in before its page set-up (the
        body's last child). Done on the saved XML: moving 100,000 parsed elements into
        python-docx's tree took longer than building them."""
        saved = io.BytesIO()
        self.doc.save(saved)
        out = io.BytesIO()
        with (
            zipfile.ZipFile(saved) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
        ):
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "word/document.xml":
                    xml = data.decode("utf-8")
                    end = xml.rindex("<w:sectPr")
                    data = f"{xml[:end]}{''.join(self.parts)}{xml[end:]}".encode()
                target.writestr(item, data, zipfile.ZIP_DEFLATED, 1)
        return out.getvalue()


def _run(text: str) -> str:
    """A run of text as python-docx writes it: a line break for each newline, a tab for each
    tab; characters XML cannot hold are left out."""
    lines = _ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    pieces: list[str] = []
    for i, line in enumerate(lines):
        if i:
            pieces.append("<w:br/>")
        for j, part in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:tab/>")
            if part:
                pieces.append(f'<w:t xml:space="preserve">{escape(part)}</w:t>')
    return f"<w:r>{''.join(pieces)}</w:r>" if pieces else ""


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
