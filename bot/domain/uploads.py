"""Lists people upload as CSV (or an Excel workbook, read as one): reading the rows, and a
problem on line N of the list."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from openpyxl import load_workbook
from pydantic import BaseModel, ValidationError


class LineProblem(NamedTuple):
    """What is wrong with line `line` of an uploaded list, for the person who sent it."""

    line: int
    message: str


@dataclass(frozen=True)
class Upload[Row]:
    """A list someone sent, read: the good rows, and what is wrong with the others by line."""

    rows: list[Row]
    problems: list[LineProblem]


@dataclass(frozen=True)
class Line[Row]:
    """A good row of an uploaded list, and the line it came from."""

    line: int
    row: Row


def parse_day(value: str) -> date:
    """A date as people type it in a list: YYYY-MM-DD or DD/MM/YYYY."""
    v = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(v, fmt).date()  # noqa: DTZ007 - a date, not a time
        except ValueError:
            continue
    raise ValueError("use YYYY-MM-DD or DD/MM/YYYY")


DELIMITERS = (",", ";", "\t")
UNREADABLE = (
    "this line can't be read: a cell is far too long (over 131,072 characters) or holds a "
    "character that is not text. Save the list again as CSV and send it once more."
)


def list_text(raw: bytes) -> str:
    """A list file's text, whoever saved it: UTF-8 (with Excel's byte-order mark or without),
    UTF-16 with its byte-order mark, else Windows-1252 as older Excel saves it."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text": UTF-16 with its byte-order mark (and tabs).
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


# The most a workbook may hold unzipped: a list of thousands of tutors is a few megabytes; a file
# that unzips to more is not a list to read within one Teams turn (or is a zip bomb).
MOST_UNZIPPED = 20_000_000


class NotAList(ValueError):
    """A file sent as a list that can't be read as one: a legacy Excel 97-2003 workbook (.xls),
    a Word document, anything that is neither CSV nor an Excel workbook (.xlsx)."""


class NotAWorkbook(NotAList):
    """A file sent as an Excel workbook (.xlsx) that can't be read as one."""


def list_kind(name: str, file_type: str = "") -> str | None:
    """What kind of list a sent file is, by its name or the type Teams gives: "csv", "xlsx"
    (an Excel workbook, macro-enabled (.xlsm) or not: its sheets read the same), or None for
    any other file (an .xls, a .docx), which can't be read."""
    kinds = tuple(
        "xlsx" if kind == "xlsm" else kind
        for kind in (name.lower().rsplit(".", 1)[-1] if "." in name else "", file_type.lower())
    )
    for kind in ("xlsx", "csv"):  # a workbook named .csv is Teams' type first, as before
        if kind in kinds:
            return kind
    return None


def read_list(name: str, file_type: str, raw: bytes) -> str:
    """A sent list's text, whatever it was saved as, for a list's parser to read as CSV: one
    reader for every upload (chat and command line). A CSV's text (`list_text`); an Excel
    workbook's first worksheet (`workbook_text`). Raises NotAList for any other file (a legacy
    .xls, a .docx) and NotAWorkbook for an .xlsx that isn't a workbook."""
    kind = list_kind(name, file_type)
    if kind is None:
        raise NotAList("neither CSV nor an Excel workbook")
    # What the bytes are wins over the name: a workbook saved (or renamed) as "list.csv".
    if kind == "xlsx" or raw.startswith(ZIP):
        return workbook_text(raw)
    if raw.startswith(OLE2):
        raise NotAList("an Excel 97-2003 workbook")
    return list_text(raw)


ZIP = b"PK\x03\x04"  # how an Excel workbook (.xlsx, a zip of XML parts) begins
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # how an Excel 97-2003 workbook (.xls) begins


def _cell_text(value: object) -> str:
    """A worksheet cell as it would be typed in a CSV: a date as YYYY-MM-DD, a whole number
    without ".0", yes or no for TRUE or FALSE, empty for an empty cell, a line break a space
    (so that row N of the sheet stays line N of the list)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).splitlines())


def workbook_text(raw: bytes) -> str:
    """An Excel workbook's (.xlsx) first worksheet as CSV text, row N of the sheet on line N, for
    the list's parser to read as it reads a CSV (one set of rules: columns, bad rows by line).
    Formulas give the values Excel last worked out. Raises NotAWorkbook for a file that is not a
    readable workbook, or that unzips to more than MOST_UNZIPPED bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zipped:
            unzipped = sum(info.file_size for info in zipped.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NotAWorkbook("not a workbook") from exc
    if unzipped > MOST_UNZIPPED:
        raise NotAWorkbook("too large unzipped")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise NotAWorkbook("not a workbook") from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the cells there are, not the size the file claims
        for values in sheet.iter_rows(values_only=True):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            writer.writerow(cells)
    except Exception as exc:  # a damaged sheet: its XML, a cell openpyxl can't convert
        raise NotAWorkbook("not a workbook") from exc
    finally:
        book.close()
    return out.getvalue()


def _header(names: Sequence[str]) -> list[str]:
    return [h.strip().lower().replace(" ", "_") for h in names]


def _delimiter(text: str, required: Sequence[str]) -> str:
    """The list's separator: a comma; or, when its header line names the required columns only
    when split some other way, the semicolon (Excel's "CSV" where the decimal mark is a comma)
    or the tab (Excel's "Unicode Text")."""
    first = text.split("\n", 1)[0]
    for delimiter in DELIMITERS:
        cells = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
        if all(c in _header(cells) for c in required):
            return delimiter
    return ","


UNCLOSED_QUOTE = (
    'this line has an unclosed quote ("): a cell that starts with a quote must end with one, '
    "or every line after it is read as part of that cell. Close the quote or take it out, then "
    "send the list again"
)


def unclosed_quote(text: str, delimiter: str) -> int | None:
    """The line where a quoted cell starts and is never closed, if one is: read leniently (as
    `read_csv` does) such a cell swallows the lines after it, and the row reads as "email:
    missing". A strict reading stops at it: at the end of the text, or at a quote that only
    closes it lines later. A quote a line closes (`"Tom" Tutor`) is left to the lenient reading."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            if reader.line_num > start or "end of data" in str(exc):
                return start


def read_csv(
    text: str, required: Sequence[str], columns: Sequence[str] | None = None
) -> tuple[list[tuple[int, dict[str, str]]], list[LineProblem]]:
    """The non-blank rows as (line, {column: stripped value}), or the one problem that stops the
    whole list (empty, a required column missing, a line that can't be read, a quote never
    closed). Lines may end in CRLF, LF or CR. Headers are matched loosely ("Start date" is
    start_date); with `columns`, other columns are dropped."""
    # Lines may end in CR alone ("CSV (Macintosh)" from Excel for Mac), which the csv module
    # refuses mid-line ("new-line character seen in unquoted field"): one ending for all.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    delimiter = _delimiter(text, required)
    unclosed = unclosed_quote(text, delimiter)
    if unclosed is not None:
        return [], [LineProblem(unclosed, UNCLOSED_QUOTE)]
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        if reader.fieldnames is None:
            return [], [LineProblem(1, "the file is empty")]
        header = _header(reader.fieldnames)
        missing = [c for c in required if c not in header]
        if missing:
            return [], [LineProblem(1, _missing_columns(missing, reader.fieldnames))]
        rows = []
        for raw in reader:
            values = {
                h: (v or "").strip()
                for h, v in zip(header, raw.values(), strict=False)
                if columns is None or h in columns
            }
            if any("\x00" in v for v in values.values()):
                # A NUL byte, which the csv module reads (since Python 3.11) and PostgreSQL
                # cannot store: unreadable, as below.
                return [], [LineProblem(reader.line_num, UNREADABLE)]
            if any(values.values()):
                rows.append((reader.line_num, values))
    except csv.Error:
        # A cell longer than the csv module reads (131,072 characters): the list stops there,
        # and the person hears which line, not "something went wrong".
        return [], [LineProblem(reader.line_num + 1, UNREADABLE)]  # the line being read
    return rows, []


def _missing_columns(missing: Sequence[str], first_line: Sequence[str]) -> str:
    """The columns a list lacks and, when its first line is text short enough to quote, what
    that line reads, so a list whose email column is headed "Email address" can be fixed."""
    one = len(missing) == 1
    named = ", ".join(missing)
    said = f"missing {'column' if one else 'columns'}: {named}"
    found = ", ".join(c.strip() for c in first_line if c and c.strip())
    if not found or len(found) > 200 or not found.isprintable():
        return said  # an empty first line, or not text (a workbook renamed .csv)
    what = "the column" if one else "the columns"
    first = f"The first line names the columns and reads “{found}”"
    return f"{said}. {first}: name {what} {named} there"


def read_rows[Model: BaseModel](
    text: str, model: type[Model], required: Sequence[str], columns: Sequence[str]
) -> Upload[Line[Model]]:
    """The rows of a CSV that validate as `model`, each with its line; what is wrong with the
    others (or with the whole list), by line."""
    raw_rows, problems = read_csv(text, required, columns)
    rows: list[Line[Model]] = []
    for line, values in raw_rows:
        try:
            rows.append(Line(line, model.model_validate(values)))
        except ValidationError as exc:
            problems.append(LineProblem(line, row_problem(exc)))
    return Upload(rows, problems)


def row_problem(exc: ValidationError) -> str:
    """What is wrong with one row of a CSV someone sent, for them: each column and its fault."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "row"
        if _blank(err):
            parts.append(f"{where}: missing")
        else:
            parts.append(f"{where}: {_fault(err)}")
    return "; ".join(parts)


def _fault(err: Mapping[str, Any]) -> str:
    """Pydantic's words for a cell's fault, naming the cell as typed: "sam@college is not a
    valid email address", where pydantic says "value is not ..."."""
    said, given = str(err["msg"]).removeprefix("Value error, "), err.get("input")
    if said.startswith("value is ") and isinstance(given, str) and given.strip():
        return f"{given.strip()} is {said.removeprefix('value is ')}"
    return said


def _blank(err: Mapping[str, Any]) -> bool:
    """A needed cell left blank (read as none, or as empty text), in pydantic's words."""
    kind, given = err.get("type"), err.get("input")
    return kind == "missing" or (kind in ("string_type", "string_too_short") and not given)
