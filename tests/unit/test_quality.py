"""The quality picture's rules (bot.domain.quality), its charts and its workbook."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.app.quality.pictures import completion_png, themes_png
from bot.app.quality.workbook import quality_workbook
from bot.domain.observations import ObservationState
from bot.domain.observations import themes as otla_themes
from bot.domain.quality import (
    LIL,
    MIN_GROUP,
    NO_TEAM,
    Evidence,
    OtlaStage,
    Source,
    TutorStanding,
    completion_grid,
    otla_stage,
    shown_count,
    theme_map,
    themes_picture,
    with_cpd,
)
from bot.domain.terms import default_terms
from bot.domain.walks import WalkStatus
from bot.domain.walks import themes as walk_themes

DAY = date(2026, 11, 10)


def walk(
    n: int, well: tuple[str, ...], better: tuple[str, ...] = (), readable: bool = True
) -> Evidence:
    return Evidence(Source.WALK, n, DAY, well, better, readable, f"Walk {n}")


def test_every_theme_on_either_form_has_a_cpd() -> None:
    themes = theme_map()
    for key in [*walk_themes(), *(t.key for t in otla_themes())]:
        found = themes.of(key)
        assert found is not None and found.cpd, key
    assert themes.of("assessment") == themes.of("feedback")  # the OTLA's and the HA27's words


def test_each_record_counts_a_theme_once_and_reports_join_walks() -> None:
    picture = themes_picture(
        [
            walk(1, ("planning", "planning", "engagement"), ("questioning",)),
            Evidence(
                Source.REPORT, 2, DAY, ("planning",), ("questioning", "assessment", "x"), True
            ),
            walk(3, (), ("feedback",)),
        ],
        theme_map(),
    )
    assert (picture.walks, picture.reports) == (2, 1)
    assert [(t.key, n) for t, n in picture.strengths] == [
        ("planning", 2),
        ("engagement", 1),
    ]
    assert [(t.key, n) for t, n in picture.areas] == [
        ("feedback", 2),
        ("questioning", 2),
    ]
    assert picture.cpd[0].cpd == "Assessment for learning and feedback"
    assert [e.record_id for e in picture.examples["planning"]] == [2, 1]
    assert not picture.others


@pytest.mark.parametrize(("hidden", "shown"), [(MIN_GROUP - 1, 1), (MIN_GROUP, MIN_GROUP + 1)])
def test_unreadable_records_count_only_as_totals_of_five_or_more(hidden: int, shown: int) -> None:
    evidence = [walk(0, ("digital",))] + [
        walk(i, ("digital",), readable=False) for i in range(1, hidden + 1)
    ]
    picture = themes_picture(evidence, theme_map())
    assert [n for _, n in picture.strengths] == [shown]
    assert picture.walks == shown and picture.others
    assert [e.record_id for e in picture.examples["digital"]] == [0]  # never an unreadable one


def test_shown_count() -> None:
    assert shown_count(2, 4) == 2 and shown_count(2, 5) == 7 and shown_count(0, 0) == 0


def test_the_organisation_edits_the_cpd_map() -> None:
    settings = with_cpd({"terms": []}, "questioning", "  Questioning   workshop ")
    assert settings["theme_cpd"] == {"questioning": "Questioning workshop"}
    assert settings["terms"] == []
    assert theme_map(settings).of("questioning").cpd == "Questioning workshop"  # type: ignore[union-attr]
    assert with_cpd(settings, "questioning", "")["theme_cpd"] == {}
    with pytest.raises(ValueError):
        with_cpd(settings, "juggling", "x")
    with pytest.raises(ValueError):
        with_cpd(settings, "questioning", "x" * 201)
    assert theme_map({"theme_cpd": {"planning": 7}}).of("planning").cpd  # type: ignore[union-attr]


def test_otla_stages() -> None:
    s = ObservationState
    assert otla_stage(None) is OtlaStage.NO_OBSERVER
    assert otla_stage(s.PLANNED) is OtlaStage.DATE_AGREED
    assert otla_stage(s.RETURNED) is OtlaStage.REPORT_DUE
    assert otla_stage(s.CHECKED) is OtlaStage.IN_CHECKING
    assert otla_stage(s.ACTIONS_CLOSED) is OtlaStage.APPROVED


def standing(
    n: int,
    teams: tuple[str, ...],
    status: WalkStatus,
    *,
    lil: bool = False,
    readable: bool = True,
    otla: OtlaStage = OtlaStage.NO_OBSERVER,
) -> TutorStanding:
    return TutorStanding(n, f"T{n}", teams, lil, {"t": status}, otla, readable)


def test_the_grid_counts_each_team_a_tutor_is_in_and_keeps_lil_apart() -> None:
    grid = completion_grid(
        [
            standing(1, ("Maths", "ESOL"), WalkStatus.DONE, otla=OtlaStage.APPROVED),
            standing(2, ("Maths",), WalkStatus.OUTSTANDING),
            standing(3, ("Maths",), WalkStatus.NOT_EXPECTED, lil=True),
            standing(4, (), WalkStatus.OUTSTANDING),
        ],
        "t",
    )
    rows = {r.group: r for r in grid.rows}
    assert list(rows) == ["ESOL", "Maths", NO_TEAM]
    assert rows["Maths"].walks == (1, 1, 0) and rows["Maths"].tutors == 2
    assert rows["ESOL"].walks == (1, 0, 0) and rows["ESOL"].otla[-1] == 1
    assert grid.lil is not None and grid.lil.group == LIL and grid.lil.walks == (0, 0, 1)


def test_a_grid_cell_of_unreadable_tutors_needs_five() -> None:
    others = [standing(i, ("English",), WalkStatus.DONE, readable=False) for i in range(6)]
    others.append(standing(9, ("English",), WalkStatus.OUTSTANDING, readable=False))
    grid = completion_grid(others, "t")
    assert grid.rows[0].walks == (6, 0, 0)  # 6 walked shown, 1 outstanding withheld
    assert completion_grid(others[:4], "t").rows == ()


def test_the_pictures_are_360_px_wide_and_small() -> None:
    png = themes_png([("Planning and preparation", 3, 1), ("Questioning", 0, 4)])
    grid = completion_grid([standing(1, ("Maths",), WalkStatus.DONE)], "t")
    for data in (png, completion_png(grid)):
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.width == 360 and len(data) < 40_000


def test_the_workbook_has_a_native_chart_and_coloured_statuses() -> None:
    terms = default_terms(2026)
    picture = themes_picture([walk(1, ("planning",), ("questioning",))], theme_map())
    tutors = [
        TutorStanding(
            1, "Tom", ("Maths",), False, {terms[0].key: WalkStatus.DONE}, OtlaStage.APPROVED, True
        )
    ]
    grid = completion_grid(tutors, terms[0].key)
    book = load_workbook(io.BytesIO(quality_workbook("Autumn", picture, tutors, terms, grid)))
    assert len(book["Themes"]._charts) == 1
    rows = list(book["Completion by tutor"].iter_rows(min_row=2, values_only=True))
    assert rows == [
        ("Tom", None, "Maths", "no", "Walked", "Not expected", "Not expected", "Approved")
    ]
    rules = book["Completion by tutor"].conditional_formatting
    assert {str(r.sqref) for r in rules} >= {"E2", "F2", "G2", "H2"}
