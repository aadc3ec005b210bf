"""Excel files as colleges send them, built with openpyxl in the test."""

from __future__ import annotations

import io

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


# An Excel 97-2003 workbook (.xls) begins with the OLE2 compound-file signature.
LEGACY_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
