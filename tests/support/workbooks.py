"""Excel files as colleges send them, built with openpyxl in the test."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook


def xlsx(*rows: tuple[object, ...]) -> bytes:
    """A workbook as Excel saves one: the list on its first sheet (cells as typed: dates as
    dates, numbers as numbers, blanks as None), another sheet after it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notes").append(("not", "the list"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsm(*rows: tuple[object, ...]) -> bytes:
    """The same list in a macro-enabled workbook (.xlsm), as a college's tracker with macros
    is saved: its workbook part says so in [Content_Types].xml."""
    plain = zipfile.ZipFile(io.BytesIO(xlsx(*rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for part in plain.infolist():
            data = plain.read(part.filename)
            if part.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            book.writestr(part, data)
    return out.getvalue()


# An Excel 97-2003 workbook (.xls) begins with the OLE2 compound-file signature.
LEGACY_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
