"""The one XLSX writer (bot.app.xlsx): every file it writes must open in openpyxl as written."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from bot.app.xlsx import Sheet, workbook


def test_a_sheet_reads_back_with_openpyxl() -> None:
    content = workbook(
        Sheet(
            "Planning 2026/27",
            ["Tutor", "Planned date", "Actions", "LiL", "Note", "Score"],
            [
                ["Tom <Tutor> & co", date(2026, 12, 7), 2, True, "ok\x07 bell", 2.5],
                ["Otto", None, 0, False, "=1+1", float("nan")],
                ["Ann", datetime(2026, 12, 8, 15, 30, tzinfo=UTC), -1, None, "", None],
            ],
        )
    )
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    assert sheet is not None and sheet.title == "Planning 2026-27"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Tutor", "Planned date", "Actions", "LiL", "Note", "Score")
    assert rows[1][0] == "Tom <Tutor> & co" and rows[1][2:] == (2, True, "ok bell", 2.5)
    assert rows[1][1].date() == date(2026, 12, 7)  # a real date cell, read back as one
    assert rows[2] == ("Otto", None, 0, False, "=1+1", "nan")  # text, never a formula
    assert rows[3][1].date() == date(2026, 12, 8) and rows[3][2:] == (-1, None, None, None)
    assert sheet["A1"].font.b and sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 12  # from the header: at least 12


def test_several_sheets_with_widths_and_a_title() -> None:
    content = workbook(
        Sheet("Walks", ["Walk", "Focus"], ([i, f"Focus {i}"] for i in range(3)), widths=[8, 50]),
        Sheet("Tutors", ["Tutor"], [["Tia"]]),
        Sheet("Tutors", ["Tutor"], []),  # the same name twice: Excel would refuse the file
        title="Learning walks, Autumn term",
    )
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Walks", "Tutors", "Tutors (2)"]
    assert book.properties.title == "Learning walks, Autumn term"
    walks = book["Walks"]
    assert list(walks.iter_rows(min_row=2, values_only=True)) == [
        (0, "Focus 0"),
        (1, "Focus 1"),
        (2, "Focus 2"),
    ]
    assert walks.column_dimensions["B"].width == 50
    assert list(book["Tutors"].iter_rows(values_only=True)) == [("Tutor",), ("Tia",)]
    assert list(book["Tutors (2)"].iter_rows(values_only=True)) == [("Tutor",)]
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert z.testzip() is None


def test_a_big_sheet_is_written_in_pieces_and_reads_back_whole() -> None:
    rows = ([f"Tutor {i}", i] for i in range(5_001))  # more rows than one piece holds
    sheet = load_workbook(io.BytesIO(workbook(Sheet("Big", ["Tutor", "N"], rows))), read_only=True)
    got = list(sheet["Big"].iter_rows(min_row=2, values_only=True))
    assert len(got) == 5_001 and got[-1] == ("Tutor 5000", 5000)


def test_a_workbook_needs_a_sheet() -> None:
    with pytest.raises(ValueError):
        workbook()
