"""The one Word writer behind every document, on python-docx: A4 pages a college can file.

A4 portrait with UK margins (2.54 cm each side), the organisation's name in the page header and a
small footer line. Tables have set column widths (given in centimetres, or shared out across the
page) and their header row repeats at the top of each page. Text keeps its line breaks and tabs;
characters XML cannot hold are left out.

The hand-written WordprocessingML this replaces existed for 50,000 agreed actions in 5 s. A Word
document is for reading: at 500 card actions (the target in benchmarks/exports.py) python-docx
builds it in well under 2 s, and bigger exports belong in the workbook.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from docx import Document as _new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

A4_WIDTH, A4_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN = Cm(2.54)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text Word can hold: no control characters but newline and tab, newlines as '\\n'."""
    return _ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


class WordDocument:
    """A document being written: headings, paragraphs, bullets and tables, then `save()`."""

    def __init__(self, title: str, organisation: str = "", author: str = "") -> None:
        self.doc: Any = _new_document()
        self.doc.core_properties.title = clean(title)
        if author:
            self.doc.core_properties.author = clean(author)
        section = self.doc.sections[0]
        section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, MARGIN)
        section.header_distance = section.footer_distance = Cm(1.25)
        header = section.header.paragraphs[0]
        header.text = clean(organisation)
        header.style = self.doc.styles["Header"]
        self.width = int(A4_WIDTH - 2 * MARGIN)
        self._styles: dict[str, str] = {}

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, f"Heading {level}")

    def paragraph(self, text: str, style: str | None = None, size: float | None = None) -> None:
        paragraph = self.doc.add_paragraph(clean(text))
        if style is not None:
            # python-docx looks a style up by name among all the styles on every paragraph (5 ms
            # each); the style's id is looked up once and set on the paragraph's XML.
            paragraph._p.style = self._style_id(style)
        if size is not None:
            for run in paragraph.runs:
                run.font.size = Pt(size)

    def _style_id(self, name: str) -> str:
        if name not in self._styles:
            self._styles[name] = self.doc.styles[name].style_id
        return self._styles[name]

    def bullet(self, text: str) -> None:
        self.paragraph(text, "List Bullet")

    def footer(self, text: str) -> None:
        """A small line at the foot of every page."""
        paragraph = self.doc.sections[0].footer.paragraphs[0]
        paragraph.text = clean(text)
        for run in paragraph.runs:
            run.font.size = Pt(8)

    def table(
        self,
        header: Sequence[str] | None,
        rows: Iterable[Sequence[str]],
        widths: Sequence[float] = (),
        bold_first_column: bool = False,
    ) -> Any:
        """A "Table Grid" table. `widths` in centimetres, one per column (without them the
        columns share the page equally); a `header` row is bold and repeats on each page."""
        rows = [list(r) for r in rows]
        columns = len(header) if header is not None else max((len(r) for r in rows), default=1)
        emus = [int(Cm(w)) for w in widths] if widths else [self.width // columns] * columns
        table = self.doc.add_table(rows=0, cols=columns)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        for column, width in zip(table.columns, emus, strict=True):
            column.width = width  # the grid: each row added gets these widths
        if header is not None:
            tr = self._row(table, header, bold=True)
            tr_pr = tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            tr_pr.append(repeat)
        for values in rows:
            self._row(table, values, bold_columns=1 if bold_first_column else 0)
        return table

    def _row(
        self, table: Any, values: Sequence[str], bold: bool = False, bold_columns: int = 0
    ) -> Any:
        row = table.add_row()
        for i, (cell, value) in enumerate(zip(row.cells, values, strict=False)):
            run = cell.paragraphs[0].add_run(clean(value))
            if bold or i < bold_columns:
                run.bold = True
        return row._tr

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()
