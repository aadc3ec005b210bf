"""The one XLSX writer (bot.app.xlsx): every file it writes must open in openpyxl as written,
with an About sheet first, each data sheet a table under a frozen header, ready for A4."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from bot.app.xlsx import About, Chart, Overdue, Sheet, workbook


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
    assert round(sheet.column_dimensions["A"].width) == 18  # its longest value, 16 characters
    assert round(sheet.column_dimensions["C"].width) == 11  # its header, with room for a filter
    assert round(sheet.column_dimensions["D"].width) == 9  # at least 8
    [(name, ref)] = sheet.tables.items()
    assert ref == "A1:F4" and sheet.tables[name].tableStyleInfo.name == "TableStyleMedium2"
    assert [c.name for c in sheet.tables[name].tableColumns] == list(rows[0])


def test_several_sheets_with_widths_and_a_title() -> None:
    content = workbook(
        Sheet("Walks", ["Walk", "Focus"], ([i, f"Focus {i}"] for i in range(3)), widths=[8, 50]),
        Sheet("Tutors", ["Tutor"], [["Tia"]]),
        Sheet("Tutors", ["Tutor"], []),  # the same name twice: Excel would refuse the file
        title="Learning walks, Autumn term",
    )
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["About", "Walks", "Tutors", "Tutors (2)"]
    assert book.properties.title == "Learning walks, Autumn term"
    walks = book["Walks"]
    assert list(walks.iter_rows(min_row=2, values_only=True)) == [
        (0, "Focus 0"),
        (1, "Focus 1"),
        (2, "Focus 2"),
    ]
    assert round(walks.column_dimensions["B"].width) == 51  # 50 characters and the padding
    assert list(book["Tutors"].iter_rows(values_only=True)) == [("Tutor",), ("Tia",)]
    assert list(book["Tutors (2)"].iter_rows(values_only=True)) == [("Tutor",)]
    assert list(book["Tutors (2)"].tables.values())[0].ref == "A1:A2"  # a table needs a row
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert z.testzip() is None


def test_a_big_sheet_is_written_in_pieces_and_reads_back_whole() -> None:
    rows = ([f"Tutor {i}", i] for i in range(5_001))  # more rows than one piece holds
    sheet = load_workbook(io.BytesIO(workbook(Sheet("Big", ["Tutor", "N"], rows))), read_only=True)
    got = list(sheet["Big"].iter_rows(min_row=2, values_only=True))
    assert len(got) == 5_001 and got[-1] == ("Tutor 5000", 5000)


def test_ragged_rows_are_cut_to_the_headers_and_read_back_as_written() -> None:
    rows = [
        [f"T{i}" if i % 3 else None, *([i] * (i % 5)), *([None] * (i % 7)), "x" if i % 4 else ""]
        for i in range(70)
    ]
    book = load_workbook(io.BytesIO(workbook(Sheet("Ragged", [f"C{n}" for n in range(12)], rows))))
    got = list(book["Ragged"].iter_rows(min_row=2, max_row=71, max_col=12, values_only=True))
    assert got == [tuple((*(v if v != "" else None for v in r), *[None] * 12)[:12]) for r in rows]


def test_a_workbook_needs_a_sheet() -> None:
    with pytest.raises(ValueError):
        workbook()


def test_every_workbook_opens_with_an_about_sheet_naming_whose_it_is() -> None:
    content = workbook(
        Sheet("Actions", ["What"], [["Map routes"]]),
        Sheet("Contributions", ["Who"], []),
        title="Progression cards: Maths",
        about=About(
            "Progression cards: Maths",
            organisation="Northfield College",
            group="Maths team",
            facilitator="Cara Coach",
            day=date(2026, 11, 23),
            notes=("Concern notes are not included.",),
        ),
    )
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[0] == "About" and book.active.title == "Actions"  # opens on the data
    about = book["About"]
    assert about["A1"].value == "Progression cards: Maths"
    details = dict(about.iter_rows(min_row=4, max_col=2, values_only=True))
    assert details["Organisation"] == "Northfield College"
    assert details["Group"] == "Maths team" and details["Facilitator"] == "Cara Coach"
    assert details["Date"] == "23 November 2026"
    assert details["Sheet: Actions"] == "1 row" and details["Sheet: Contributions"] == "0 rows"
    assert details["Note"] == "Concern notes are not included."
    assert list(about.tables.values())[0].ref == "A3:B10"
    assert book.properties.title == "Progression cards: Maths"


def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_the_header_on_each_page() -> None:
    about = About("Action review", organisation="Smith & Jones College")
    book = load_workbook(io.BytesIO(workbook(Sheet("Log", ["A", "B"], [[1, 2]]), about=about)))
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default: left out
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.oddHeader.left.text == "Smith && Jones College"  # '&' is a code there
        assert sheet.oddHeader.right.text == "Action review"
    assert book["Log"].print_title_rows == "$1:$1"


def test_overdue_rows_are_highlighted_as_of_the_day_the_file_is_opened() -> None:
    sheet = Sheet(
        "Actions",
        ["What", "By when", "Done"],
        [["Map routes", date(2026, 12, 11), "No"], ["Ask why", date(2026, 12, 1), "Yes"]],
        overdue=Overdue(due="By when", done="Done", open_value="No"),
    )
    book = load_workbook(io.BytesIO(workbook(sheet)))
    formats = book["Actions"].conditional_formatting
    [(cells, rules)] = [(str(f.sqref), f.rules) for f in formats]
    assert cells == "A2:C3"
    [rule] = rules
    assert rule.type == "expression"
    assert rule.formula == ['AND(ISNUMBER($B2),$B2<TODAY(),$C2="No")']
    assert rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")
    empty = load_workbook(
        io.BytesIO(workbook(Sheet("Actions", sheet.headers, [], overdue=sheet.overdue)))
    )
    assert not list(empty["Actions"].conditional_formatting)  # nothing to highlight


def test_a_sheet_can_carry_a_native_bar_chart_of_its_numbers() -> None:
    content = workbook(
        Sheet(
            "By team",
            ["Team", "Done", "Not yet"],
            [["Maths", 4, 1], ["English", 2, 3]],
            chart=Chart("Completion by team", ["Done", "Not yet"], stacked=True),
        )
    )
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        [chart] = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = z.read(chart).decode()
    assert "<c:barChart>" in xml and '<c:grouping val="stacked"/>' in xml
    assert "'By team'!$B$2:$B$3" in xml and "'By team'!$C$2:$C$3" in xml
    assert "'By team'!$A$2:$A$3" in xml and "Completion by team" in xml
