"""The one XLSX writer behind every export, on XlsxWriter: workbooks to sort, filter and print.

Every workbook opens with an "About" sheet naming the organisation, the group, the facilitator and
the date. Each data sheet after it is an Excel table (with filter buttons) under a frozen header
row, its columns as wide as what they hold, set up to print on A4 landscape one page wide with the
header row on every page. A sheet can ask for overdue rows to be highlighted (conditional
formatting, so "overdue" is as of the day the file is opened) and for a native Excel chart.

Why XlsxWriter's default mode and not its constant-memory mode: constant-memory mode refuses
`add_table()` (each row is written out as soon as the next one starts, and a table's cells are
written with it), and the tables are the point. Measured on these machines, default mode writes
5,000 rows in about 0.3 s and 50,000 in about 2 to 3.5 s (benchmarks/exports.py); the 50,000
rows held in memory are some tens of MB for the length of one export, in a worker thread.

Only XlsxWriter's public API is used: each cell goes in through its typed call (write_string,
write_number, write_boolean), never write(), which would look at the value's type again. Its
private writers, which skip the public calls' argument check, would save about a tenth of the
time, and tie every export to XlsxWriter's internals.

Cells are text (always text, never a formula), numbers, booleans and dates (a `datetime` is
written as its day: exports are about days). None and "" leave the cell empty.
"""

from __future__ import annotations

import gc
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain, islice
from typing import Any

import xlsxwriter

Cell = str | int | float | bool | date | None

DATE_FORMAT = "yyyy-mm-dd"
TABLE_STYLE = "Table Style Medium 2"
_EPOCH = date(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_MAX_TEXT = 32_767  # Excel's limit for one cell
_SAMPLE_ROWS = 200  # rows looked at to size the columns
_A4 = 9  # Excel's paper size code
_DATE_WIDTH = 12
_MIN_WIDTH, _MAX_WIDTH = 8, 60


@dataclass(frozen=True)
class About:
    """What the first sheet says: what the workbook is, whose, for which group, and when."""

    title: str
    organisation: str = ""
    group: str = ""
    facilitator: str = ""
    day: date | None = None
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class Overdue:
    """Rows to highlight: the date in column `due` has passed and column `done` still holds
    `open_value` ("" for an empty cell)."""

    due: str
    done: str
    open_value: str = ""


@dataclass(frozen=True)
class Chart:
    """A bar chart beside the sheet's table: the first column names the bars, and each header in
    `series` is a number column drawn as one series."""

    title: str
    series: Sequence[str]
    stacked: bool = False


@dataclass(frozen=True)
class Colours:
    """Cells in the `columns` (headers) coloured by what they say: `by_value` maps a cell's text
    to a background colour (conditional formatting, so a sorted or edited sheet keeps it)."""

    columns: Sequence[str]
    by_value: Mapping[str, str]


@dataclass(frozen=True)
class Sheet:
    """One worksheet. `widths` are column widths in characters, one per header; without them
    each column is as wide as its header and its first rows' values (8 to 60)."""

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    widths: Sequence[int] = ()
    overdue: Overdue | None = None
    chart: Chart | None = None
    colours: Colours | None = None


def workbook(*sheets: Sheet, title: str = "", about: About | None = None) -> bytes:
    """An .xlsx: the About sheet, then the sheets in order; `title` goes in the document's
    properties (and heads the About sheet when `about` is not given)."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    about = about or About(title=title or "Export")
    with _no_cycle_collection():
        return _workbook(sheets, title, about)


def prepared_workbook(
    title: str,
    *sheets: Sheet,
    group: str,
    organisation: str = "",
    prepared_by: str = "",
    on: date | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """A workbook someone prepared for their organisation: `title` goes in its properties and
    heads its About sheet, which names the organisation, the group, who prepared it and when."""
    about = About(title, organisation, group, facilitator=prepared_by, day=on, notes=notes)
    return workbook(*sheets, title=title, about=about)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector pauses while a workbook is built: XlsxWriter keeps a small
    object per cell, and at 50,000 rows the collector, finding nothing to free, spends a tenth of
    the time walking them. Reference counting still frees everything as usual."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _workbook(sheets: Sequence[Sheet], title: str, about: About) -> bytes:
    names = _sheet_names(["About", *(s.name for s in sheets)])
    out = io.BytesIO()
    # Not {"constant_memory": True}: add_table() refuses it (warns and returns -3), and
    # in_memory turns it off anyway. The tables are the point; see the module's docstring.
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    if title or about.title:
        book.set_properties({"title": title or about.title, "company": about.organisation})
    formats = _Formats(book)
    cover = book.add_worksheet(names[0])
    written: list[tuple[str, int]] = []
    for number, (sheet, name) in enumerate(zip(sheets, names[1:], strict=True)):
        page = book.add_worksheet(name)
        rows = _write_sheet(page, number + 1, name, sheet, formats, about)
        written.append((name, rows))
        if number == 0:
            page.activate()  # the file opens on the data; About is the first tab
    _write_about(cover, about, written, formats, any(s.overdue for s in sheets))
    book.close()
    return out.getvalue()


class _Formats:
    def __init__(self, book: Any) -> None:
        self.book = book
        self.day = book.add_format({"num_format": DATE_FORMAT})
        self.header = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.overdue = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.fills: dict[str, Any] = {}

    def fill(self, colour: str) -> Any:
        if colour not in self.fills:
            self.fills[colour] = self.book.add_format({"bg_color": colour})
        return self.fills[colour]


def _write_sheet(
    page: Any, number: int, name: str, sheet: Sheet, formats: _Formats, about: About
) -> int:
    """Rows, table, widths, print set-up, highlights and chart; returns the number of rows."""
    headers = list(sheet.headers)
    columns = len(headers)
    last_col = columns - 1
    source: Iterator[Sequence[Cell]] = iter(sheet.rows)
    sample = list(islice(source, _SAMPLE_ROWS))
    widths = list(sheet.widths) or _widths(headers, sample)
    for col, width in enumerate(widths[: len(headers)]):
        page.set_column(col, col, width)
    count = _CellWriter(page, formats.day).rows(chain(sample, source), columns)
    page.add_table(
        0,
        0,
        max(count, 1),  # a table needs a data row, even an empty one
        last_col,
        {
            "name": _table_name(number, name),
            "style": TABLE_STYLE,
            "columns": [{"header": h, "header_format": formats.header} for h in headers],
        },
    )
    page.freeze_panes(1, 0)
    _print_setup(page, about)
    if sheet.overdue and count:
        _highlight_overdue(page, headers, sheet.overdue, count, formats)
    if sheet.colours and count:
        _colour_cells(page, headers, sheet.colours, count, formats)
    if sheet.chart and count:
        _chart(formats.book, page, name, headers, sheet.chart, count)
    return count


class _CellWriter:
    """Writes rows' cells by their type, each with XlsxWriter's typed public call (no write()
    sniffing the type again). Exports repeat the same names, courses and days thousands of
    times, so each text's clean copy and each day's serial number is worked out once."""

    def __init__(self, page: Any, day_format: Any) -> None:
        self.write_string = page.write_string
        self.write_number = page.write_number
        self.write_boolean = page.write_boolean
        self.day_format = day_format
        self.texts = _CleanTexts()
        self.days = _DaySerials()

    def rows(self, rows: Iterable[Sequence[Cell]], columns: int) -> int:
        """Writes `rows` from the second row on, each cut to `columns`; returns how many."""
        texts, days, day_format = self.texts, self.days, self.day_format
        write_string, write_number, other = self.write_string, self.write_number, self.other
        row = 0
        for row, values in enumerate(rows, start=1):
            for col, value in enumerate(values if len(values) <= columns else values[:columns]):
                kind = type(value)
                if kind is str:
                    if value:
                        write_string(row, col, texts[value])  # type: ignore[index]
                elif value is None:
                    continue
                elif kind is date:
                    write_number(row, col, days[value], day_format)  # type: ignore[index]
                elif kind is int:
                    write_number(row, col, value)
                else:
                    other(row, col, value)
        return row

    def other(self, row: int, col: int, value: Cell) -> None:
        if isinstance(value, str):  # a str subclass, such as a StrEnum
            if value:
                self.write_string(row, col, _clean(str(value)))
        elif isinstance(value, bool):
            self.write_boolean(row, col, value)
        elif isinstance(value, int):
            self.write_number(row, col, value)
        elif isinstance(value, float):
            if math.isfinite(value):
                self.write_number(row, col, value)
            else:
                self.write_string(row, col, str(value))
        elif isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            self.write_number(row, col, self.days[day], self.day_format)


class _CleanTexts(dict[str, str]):
    """Each text as a cell may hold it, worked out the first time it is asked for."""

    def __missing__(self, text: str) -> str:
        clean = self[text] = _clean(text)
        return clean


class _DaySerials(dict[date, int]):
    """Each day as Excel's serial number (what a date cell holds), worked out once."""

    def __missing__(self, day: date) -> int:
        serial = self[day] = (day - _EPOCH).days
        return serial


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", text[:_MAX_TEXT])


def _widths(headers: Sequence[str], sample: Sequence[Sequence[Cell]]) -> list[int]:
    widths = []
    for col, header in enumerate(headers):
        longest = len(header) + 2  # room for the filter button
        for values in sample:
            value = values[col] if col < len(values) else None
            if isinstance(value, date):
                longest = max(longest, _DATE_WIDTH)
            elif value is not None:
                longest = max(longest, max(len(line) for line in str(value).split("\n")))
        widths.append(min(max(longest + 1, _MIN_WIDTH), _MAX_WIDTH))
    return widths


def _print_setup(page: Any, about: About) -> None:
    """A4 landscape, one page wide, the header row on every page; the organisation and title at
    the top of each page, the sheet's name and page number at the foot."""
    page.set_paper(_A4)
    page.set_landscape()
    page.fit_to_pages(1, 0)
    page.repeat_rows(0)
    page.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    left = _header_text(about.organisation)
    right = _header_text(about.title)
    page.set_header(f"&L{left}&R{right}"[:255])
    page.set_footer("&L&A&RPage &P of &N")


def _header_text(text: str) -> str:
    """Text for a print header: '&' starts a code there, so it is doubled; 100 characters."""
    return _ILLEGAL.sub("", text[:100]).replace("&", "&&")


def _highlight_overdue(
    page: Any, headers: Sequence[str], overdue: Overdue, rows: int, formats: _Formats
) -> None:
    due = _column(headers.index(overdue.due))
    done = _column(headers.index(overdue.done))
    still_open = overdue.open_value.replace('"', '""')
    page.conditional_format(
        1,
        0,
        rows,
        len(headers) - 1,
        {
            "type": "formula",
            "criteria": f'=AND(ISNUMBER(${due}2),${due}2<TODAY(),${done}2="{still_open}")',
            "format": formats.overdue,
        },
    )


def _colour_cells(
    page: Any, headers: Sequence[str], colours: Colours, rows: int, formats: _Formats
) -> None:
    for header in colours.columns:
        col = headers.index(header)
        for value, colour in colours.by_value.items():
            page.conditional_format(
                1,
                col,
                rows,
                col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": '"' + value.replace('"', '""') + '"',
                    "format": formats.fill(colour),
                },
            )


def _chart(book: Any, page: Any, name: str, headers: Sequence[str], spec: Chart, rows: int) -> None:
    """A native bar chart to the right of the table, tall enough for its bars."""
    chart = book.add_chart({"type": "bar", **({"subtype": "stacked"} if spec.stacked else {})})
    for header in spec.series:
        col = headers.index(header)
        chart.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, 0, rows, 0],
                "values": [name, 1, col, rows, col],
            }
        )
    chart.set_title({"name": spec.title})
    chart.set_legend({"position": "bottom" if len(spec.series) > 1 else "none"})
    chart.set_y_axis({"reverse": True})  # the first row at the top, as in the table
    chart.set_size({"width": 640, "height": min(max(280, 60 + 22 * rows), 1600)})
    page.insert_chart(1, len(headers) + 1, chart)


def _write_about(
    page: Any,
    about: About,
    sheets: Sequence[tuple[str, int]],
    formats: _Formats,
    highlights: bool,
) -> None:
    """The first sheet: the title, then a two-column table of what the workbook is."""
    lines: list[tuple[str, str]] = [
        ("Organisation", about.organisation or "—"),
        ("Group", about.group or "—"),
        ("Facilitator", about.facilitator or "—"),
        ("Date", f"{about.day:%d %B %Y}" if about.day else "—"),
    ]
    lines += [(f"Sheet: {name}", f"{n:,} row{'s' if n != 1 else ''}") for name, n in sheets]
    lines += [("Note", note) for note in about.notes]
    if highlights:
        lines.append(("Highlighted", "Rows past their date and not done, as of today."))
    page.write_string(0, 0, _ILLEGAL.sub("", about.title), formats.title)
    for row, (label, value) in enumerate(lines, start=3):
        page.write_string(row, 0, label)
        page.write_string(row, 1, _ILLEGAL.sub("", value[:_MAX_TEXT]), formats.wrap)
    page.add_table(
        2,
        0,
        2 + len(lines),
        1,
        {
            "name": _table_name(0, "About"),
            "style": TABLE_STYLE,
            "columns": [
                {"header": "About", "header_format": formats.header},
                {"header": "Detail", "header_format": formats.header},
            ],
        },
    )
    page.set_column(0, 0, 24)
    page.set_column(1, 1, 80)
    page.freeze_panes(3, 0)
    _print_setup(page, about)


def _table_name(number: int, sheet: str) -> str:
    """A table name Excel accepts and no other table has: ASCII letters, digits and underscores,
    never like a cell reference."""
    return f"T{number}_" + re.sub(r"[^A-Za-z0-9_]", "_", sheet)[:200]


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _sheet_names(wanted: Sequence[str]) -> list[str]:
    """Names Excel accepts: no []:*?/\\, at most 31 characters, each one different."""
    names: list[str] = []
    for i, name in enumerate(wanted, start=1):
        base = _SHEET_NAME.sub("-", name)[:31].strip("'") or f"Sheet{i}"
        candidate, n = base, 2
        while candidate.lower() in (x.lower() for x in names):
            suffix = f" ({n})"
            candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
        names.append(candidate)
    return names
