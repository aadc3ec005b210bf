"""Learning-walk rules (seed 002), the walk permissions as a matrix, and the HA27 on a phone."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from docx import Document
from pydantic import ValidationError

from bot.app.dispatch import field_errors
from bot.app.walks.documents import HA27, findings_chart_png, ha27_docx
from bot.app.walks.ha27 import LearningWalkForm
from bot.app.walks.plans import WalkPlanForm
from bot.domain.access import Actor, Permission, Role, Subject, can
from bot.domain.terms import default_terms
from bot.domain.walks import (
    LearningWalk,
    PlanProblem,
    TutorOnList,
    WalkFacts,
    WalkPlan,
    WalkStatus,
    WalkWindow,
    another_date,
    check_windows,
    completion,
    key_findings,
    monthly_return,
    outstanding_in,
    parse_plan_csv,
    resolve_term,
    themes,
    window_for,
)
from cards.samples import SAMPLES
from cards.walks import ClashWarning, WalkFormView, walk_form_card
from tests.support.cards import card_nodes
from tests.support.phone import phone_problems

AUTUMN = default_terms(2026)[0]
TOM, TIA, LEE = 3, 4, 5
MON, TUE, FRI = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 27)


def a_walk(*tutors: int, day: date = MON, author: int = 2) -> LearningWalk:
    return LearningWalk(tutor_ids=tutors, day=day, author_id=author)


# --- The same-day OTLA rule -----------------------------------------------------------------------


def test_a_walk_clashes_with_an_otla_planned_for_that_tutor_on_the_same_day() -> None:
    walk = a_walk(TOM, TIA)
    assert walk.clashes_with({TOM: [MON]}) == [TOM]
    assert walk.clashes_with({TOM: [TUE], TIA: [FRI]}) == []
    assert walk.clashes_with({LEE: [MON]}) == []  # someone else's OTLA
    assert walk.clashes_with({}) == []


def test_another_date_skips_weekends_and_other_otla_days_within_the_window() -> None:
    fri = date(2026, 11, 20)
    assert another_date(fri, [TOM], {TOM: [fri]}) == MON  # not Saturday or Sunday
    assert another_date(MON, [TOM, TIA], {TOM: [MON], TIA: [TUE]}) == date(2026, 11, 25)
    week = WalkWindow(date(2026, 11, 23), date(2026, 11, 24))
    assert another_date(MON, [TOM], {TOM: [MON, TUE]}, week) is None  # nothing left in it


# --- Planned or unplanned -------------------------------------------------------------------------


def test_a_walk_is_planned_only_in_a_window_and_by_someone_who_walks() -> None:
    plan = WalkPlan("2026/27-autumn", "Questioning", windows=(WalkWindow(MON, FRI),))
    assert not a_walk(TOM).is_unplanned(plan)  # nobody named: anyone may walk
    assert a_walk(TOM, day=date(2026, 11, 20)).is_unplanned(plan)  # outside the window
    assert a_walk(TOM).is_unplanned(None)  # no plan at all
    named = WalkPlan(
        "2026/27-autumn", "Q", windows=(WalkWindow(MON, FRI),), walker_ids=frozenset({9})
    )
    assert a_walk(TOM, author=2).is_unplanned(named)
    assert not a_walk(TOM, author=9).is_unplanned(named)


def test_windows_must_sit_inside_the_term_and_end_after_they_start() -> None:
    check_windows([WalkWindow(MON, FRI)], AUTUMN)
    with pytest.raises(PlanProblem) as outside:
        check_windows([WalkWindow(date(2027, 1, 4), date(2027, 1, 8))], AUTUMN)
    assert outside.value.field == "window1_start"
    with pytest.raises(PlanProblem) as backwards:
        check_windows([WalkWindow(MON, FRI), WalkWindow(FRI, MON)], AUTUMN)
    assert backwards.value.field == "window2_end"
    with pytest.raises(PlanProblem):
        check_windows([], AUTUMN)


def test_a_tutor_belongs_to_the_window_for_their_course_type_else_the_general_one() -> None:
    esol = WalkWindow(date(2026, 11, 16), date(2026, 11, 20), "ESOL")
    general = WalkWindow(MON, FRI)
    assert window_for("esol ", [general, esol]) == esol
    assert window_for("Maths", [esol, general]) == general
    assert window_for("Maths", [esol]) is None


# --- Completion: one walk a term, Learning-in-Libraries tutors excepted -------------------------


def test_each_tutor_needs_one_walk_a_term_except_learning_in_libraries_tutors() -> None:
    tutors = [
        TutorOnList(TOM, "Tom"),
        TutorOnList(TIA, "Tia", curriculum_area="ESOL"),
        TutorOnList(LEE, "Lee", learning_in_libraries=True),
        TutorOnList(6, "Lin", learning_in_libraries=True),
    ]
    walked = {TOM: [MON], TIA: [date(2026, 7, 1)], 6: [TUE]}  # Tia's walk was last year
    esol = WalkWindow(date(2026, 11, 16), date(2026, 11, 20), "ESOL")
    rows = {r.tutor.name: r for r in completion(tutors, walked, AUTUMN, [esol])}
    assert rows["Tom"].status is WalkStatus.DONE and rows["Tom"].walked_on == (MON,)
    assert rows["Tia"].status is WalkStatus.OUTSTANDING and rows["Tia"].window == esol
    assert rows["Lee"].status is WalkStatus.NOT_EXPECTED  # allowed, not expected
    assert rows["Lin"].status is WalkStatus.DONE  # a LiL walk still counts when it happens
    assert [r.tutor.name for r in outstanding_in(rows.values(), esol)] == ["Tia"]


# --- Summaries --------------------------------------------------------------------------------


def facts(
    day: date,
    team: str,
    focus: str,
    tutors: int,
    *,
    unplanned: bool = False,
    good: tuple[str, ...] = (),
    ebi: tuple[str, ...] = (),
) -> WalkFacts:
    return WalkFacts(day, team, focus, tutors, unplanned, good, ebi)


def test_the_monthly_provider_return_counts_walks_tutors_and_unplanned_walks() -> None:
    walks = [
        facts(MON, "Maths", "Q", 2),
        facts(TUE, "ESOL", "Q", 1, unplanned=True),
        facts(TUE, "Maths", "Q", 1),
        facts(date(2026, 10, 30), "Maths", "Q", 5),
    ]
    counted = monthly_return(walks, date(2026, 11, 15))
    assert (counted.walks, counted.tutors_visited, counted.unplanned) == (3, 4, 1)
    assert counted.by_team == (("Maths", 2), ("ESOL", 1))


def test_key_findings_rank_strengths_and_areas_by_focus_and_by_team() -> None:
    walks = [
        facts(MON, "Maths", "Questioning", 1, good=("questioning", "resources"), ebi=("stretch",)),
        facts(MON, "Maths", "Questioning", 1, good=("questioning",), ebi=("pace",)),
        facts(MON, "ESOL", "Digital", 1, good=("digital",), ebi=("stretch",)),
    ]
    found = key_findings(walks, "Autumn term 2026/27")
    assert found.walks == 3
    assert found.overall.strengths[0] == ("questioning", 2)
    assert found.overall.areas[0] == ("stretch", 2)
    assert [g.group for g in found.by_focus] == ["Digital", "Questioning"]
    maths = next(g for g in found.by_team if g.group == "Maths")
    assert maths.walks == 2 and maths.strengths[0] == ("questioning", 2)


def test_the_themes_come_from_the_data_file() -> None:
    assert themes()["questioning"] == "Questioning and checking learning"
    assert len(themes()) >= 10


# --- Plans from a CSV ---------------------------------------------------------------------------


def test_the_plans_csv_gives_good_rows_and_reports_bad_ones_by_line() -> None:
    sheet = parse_plan_csv(
        "\ufeffTeam,Term,Focus,Linked to,Window start,Window end,Course type,Walkers\n"
        "Maths,autumn,Questioning,QIP,2026-11-16,2026-11-20,ESOL,a@x.ac.uk; b@x.ac.uk\n"
        "maths,Autumn,Questioning,QIP,23/11/2026,27/11/2026,,\n"
        "ESOL,autumn,,QIP,2026-11-16,2026-11-20,,\n"
        "Art,autumn,Pace,,2026-11-20,2026-11-16,,\n"
        ",,,,,,,\n"
    )
    assert [pl.line for pl in sheet.rows] == [2, 3]
    assert sheet.rows[0].row.walkers == ["a@x.ac.uk", "b@x.ac.uk"]
    assert sheet.rows[1].row.window_start == MON
    assert [line for line, _ in sheet.problems] == [4, 5]
    assert "focus" in sheet.problems[0][1] and "window_end" in sheet.problems[1][1]
    assert list(sheet.grouped()) == [("maths", "autumn")]  # both Maths rows: one plan
    assert parse_plan_csv("team,focus\nMaths,Q\n").problems[0][1].startswith("missing column")


def test_terms_are_named_the_way_people_say_them() -> None:
    assert resolve_term("autumn", MON).key == "2026/27-autumn"
    assert resolve_term("Spring term", MON).key == "2026/27-spring"
    assert resolve_term("autumn", date(2027, 7, 10)).key == "2027/28-autumn"  # the coming one
    assert resolve_term("2027/28-summer", MON).key == "2027/28-summer"
    with pytest.raises(ValueError):
        resolve_term("winter", MON)


# --- Who sees a walk: a matrix over roles ---------------------------------------------------

ORG = "org-1"
AUTHOR, TUTOR_ID, OTHER_TUTOR, LINE_MANAGER, TEAM_MANAGER, QUALITY, AP, ADMIN = range(10, 18)
WALK = Subject(
    org_id=ORG,
    tutor_id=TUTOR_ID,
    author_id=AUTHOR,
    line_manager_ids=frozenset({LINE_MANAGER}),
    channel_readers=frozenset({QUALITY, TEAM_MANAGER}),  # the quality team, the team's managers
)
CAST: dict[str, Actor] = {
    "author (observer)": Actor(AUTHOR, ORG, frozenset({Role.OBSERVER})),
    "tutor visited": Actor(TUTOR_ID, ORG, frozenset({Role.TUTOR})),
    "another tutor": Actor(OTHER_TUTOR, ORG, frozenset({Role.TUTOR})),
    "tutor's line manager": Actor(LINE_MANAGER, ORG, frozenset({Role.LINE_MANAGER})),
    "team's manager": Actor(TEAM_MANAGER, ORG, frozenset({Role.LINE_MANAGER})),
    "quality coordinator": Actor(QUALITY, ORG, frozenset({Role.QUALITY_COORDINATOR})),
    "quality, other org": Actor(QUALITY, "org-2", frozenset({Role.QUALITY_COORDINATOR})),
    "advanced practitioner": Actor(AP, ORG, frozenset({Role.ADVANCED_PRACTITIONER})),
    "org admin": Actor(ADMIN, ORG, frozenset({Role.ORG_ADMIN})),
}
#                               read   concern  edit
EXPECTED: dict[str, tuple[bool, bool, bool]] = {
    "author (observer)": (True, True, True),
    "tutor visited": (True, False, False),
    "another tutor": (False, False, False),
    "tutor's line manager": (True, True, False),
    "team's manager": (True, True, False),
    "quality coordinator": (True, True, False),
    "quality, other org": (False, False, False),
    "advanced practitioner": (False, False, False),
    "org admin": (False, False, False),
}


@pytest.mark.parametrize("who", sorted(CAST))
def test_walk_confidentiality_matrix(who: str) -> None:
    actor = CAST[who]
    got = tuple(
        can(actor, p, WALK)
        for p in (Permission.READ_WALK, Permission.READ_WALK_CONCERN, Permission.EDIT_WALK)
    )
    assert got == EXPECTED[who]


def test_a_tutor_never_reads_the_concern_note_even_as_a_channel_reader_or_author() -> None:
    # A tutor who is also a manager in the channel, or wrote the walk about themselves.
    subject = Subject(
        org_id=ORG,
        tutor_id=TUTOR_ID,
        author_id=TUTOR_ID,
        line_manager_ids=frozenset({TUTOR_ID}),
        channel_readers=frozenset({TUTOR_ID}),
    )
    actor = Actor(TUTOR_ID, ORG, frozenset({Role.TUTOR, Role.LINE_MANAGER}))
    assert can(actor, Permission.READ_WALK, subject)
    assert not can(actor, Permission.READ_WALK_CONCERN, subject)


@pytest.mark.parametrize(
    ("roles", "record", "plan", "completion_"),
    [
        ({Role.TUTOR}, False, False, False),
        ({Role.OBSERVER}, True, False, False),
        ({Role.LINE_MANAGER}, True, True, True),
        ({Role.DEVELOPMENT_OFFICER}, True, True, True),
        ({Role.ORG_ADMIN}, False, False, False),
    ],
)
def test_who_records_plans_and_sees_completion(
    roles: set[Role], record: bool, plan: bool, completion_: bool
) -> None:
    actor = Actor(1, ORG, frozenset(roles))
    assert can(actor, Permission.RECORD_WALK) is record
    assert can(actor, Permission.PLAN_WALKS) is plan
    assert can(actor, Permission.VIEW_WALK_COMPLETION) is completion_


# --- The HA27 as submitted --------------------------------------------------------------------


def ha27(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "team_pk": 1,
        "tutors": "3,4",
        "walk_date": "2026-11-23",
        "course": "GCSE Maths",
        "minutes": "25",
        "focus": "Questioning",
        "went_well": "questioning",
        "went_well_note": "",
        "even_better_if": "",
        "even_better_if_note": "More stretch",
        "verbal_feedback": "yes",
        "concern": "false",
        "concern_note": "",
    }
    values.update(changes)
    return values


def test_a_complete_ha27_parses() -> None:
    form = LearningWalkForm.model_validate(ha27(walk_date="23/11/2026"))
    assert form.tutors == [3, 4] and form.walk_date == MON and form.minutes == 25
    assert form.went_well == ["questioning"] and form.verbal_feedback is True
    assert not form.concern and not form.confirm_clash


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"tutors": ""}, "tutors", "Choose at least one tutor"),
        ({"walk_date": ""}, "walk_date", "Give the date of the walk"),
        ({"course": "  "}, "course", "Give the course or session"),
        ({"minutes": ""}, "minutes", "Choose how many minutes"),
        ({"focus": ""}, "focus", "Give the focus of the walk"),
        ({"went_well": ""}, "went_well_note", "Pick a theme or write what went well"),
        ({"even_better_if_note": ""}, "even_better_if_note", "Pick a theme or write what"),
        ({"verbal_feedback": ""}, "verbal_feedback", "Say whether you gave verbal feedback"),
        ({"concern": "true"}, "concern_note", "Write the note for the manager"),
        ({"went_well": "not-a-theme"}, "went_well", "Pick themes from the list"),
    ],
)
def test_each_required_ha27_field_has_its_own_message(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        LearningWalkForm.model_validate(ha27(**changes))
    assert field_errors(exc.value)[field].startswith(message)


def test_a_plan_window_needs_both_dates() -> None:
    form = WalkPlanForm.model_validate(
        {"team_pk": "1", "term": "2026/27-autumn", "focus": "Q", "window2_start": "2026-11-23"}
    )
    with pytest.raises(PlanProblem) as problem:
        form.windows()
    assert problem.value.field == "window2_end"


# --- The HA27 on a 360 px phone ---------------------------------------------------------------


def form_view(**extra: Any) -> WalkFormView:
    base: dict[str, Any] = {
        "team_pk": 1,
        "team_name": "Maths",
        "tutors": [(f"Tutor {i} with a fairly long name", str(i)) for i in range(150)],
        "themes": [(label, key) for key, label in themes().items()],
        "minutes": [("25", "25")],
        "today": "2026-11-23",
    }
    return WalkFormView(**{**base, **extra})


@pytest.mark.parametrize(
    "view",
    [
        form_view(),
        form_view(errors={"tutors": "Choose at least one tutor", "form": "Check the walk"}),
        form_view(clash=ClashWarning("Tom has an OTLA that day.", "2026-11-24", "Tue 24 Nov")),
    ],
    ids=["new", "errors", "clash"],
)
def test_the_ha27_fits_a_phone(view: WalkFormView) -> None:
    card = walk_form_card(view)
    assert phone_problems(card) == []
    assert len(str(card)) < 80_000  # even with 150 tutors on the list


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if n.startswith("walks")))
def test_every_learning_walk_card_fits_a_phone(name: str) -> None:
    assert phone_problems(SAMPLES[name]()) == []


def test_the_phone_check_catches_what_does_not_fit() -> None:
    too_wide: dict[str, Any] = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "ColumnSet", "columns": [{"type": "Column"} for _ in range(3)]},
            {"type": "Image", "url": "https://x/y.png", "width": "400px"},
            {
                "type": "Input.ChoiceSet",
                "id": "pick",
                "label": "Pick",
                "style": "expanded",
                "choices": [{"title": str(i), "value": str(i)} for i in range(5)],
            },
            {"type": "Input.Text", "id": "unlabelled"},
            {"type": "TextBlock", "text": "A long sentence that will be cut off on a phone"},
            {"type": "ActionSet", "actions": [{"type": "Action.Submit"} for _ in range(5)]},
        ],
    }
    found = "\n".join(phone_problems(too_wide))
    for expected in (
        "3 columns",
        "400px",
        "use a compact drop-down",
        "needs a visible label",
        "without wrap",
        "5 buttons",
    ):
        assert expected in found
    yes_no = {
        "type": "Input.ChoiceSet",
        "id": "ok",
        "label": "OK?",
        "style": "expanded",
        "choices": [{"title": "Yes", "value": "y"}, {"title": "No", "value": "n"}],
    }
    assert phone_problems({"type": "AdaptiveCard", "body": [yes_no]}) == []


# --- Documents -----------------------------------------------------------------------------------


def record(concern_note: str | None) -> HA27:
    return HA27(
        walk_id=12,
        team="Maths",
        tutors=["Tom Tutor", "Tia Tutor"],
        observer="Mia Manager",
        day="Mon 23 Nov 2026",
        course="GCSE Maths",
        minutes="25",
        focus="Questioning",
        planned=True,
        went_well=["Questioning and checking learning"],
        went_well_note="Everyone answered.",
        even_better_if=[],
        even_better_if_note="More stretch.",
        verbal_feedback="Yes",
        concern=concern_note is not None,
        concern_note=concern_note,
        organisation="Northfield College",
    )


def test_the_ha27_document_reads_back_and_carries_the_concern_only_when_allowed() -> None:
    full = Document(io.BytesIO(ha27_docx(record("Raise timekeeping at the 1:1."))))
    text = "\n".join(p.text for p in full.paragraphs)
    cells = [c.text for row in full.tables[0].rows for c in row.cells]
    assert "Tom Tutor, Tia Tutor" in cells and "Planned" in cells
    assert "Everyone answered." in text and "More stretch." in text
    assert "Raise timekeeping" in text
    redacted = Document(io.BytesIO(ha27_docx(record(None))))
    assert "timekeeping" not in "\n".join(p.text for p in redacted.paragraphs).lower()
    assert "Concern" not in "\n".join(p.text for p in redacted.paragraphs)


def test_the_ha27_is_a4_with_the_organisation_in_the_header_and_set_column_widths() -> None:
    doc = Document(io.BytesIO(ha27_docx(record(None))))
    [section] = doc.sections
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 2) == round(section.right_margin.cm, 2) == 2.54
    assert section.header.paragraphs[0].text == "Northfield College"
    assert section.footer.paragraphs[0].text == "HA27 learning walk 12"
    [table] = doc.tables
    assert [round(c.width.cm, 1) for c in table.columns] == [5.0, 10.9]
    assert all(round(c.width.cm, 1) == 5.0 for c in table.columns[0].cells)
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold  # the labels


def test_the_findings_chart_is_a_small_png() -> None:
    png = findings_chart_png([("Questioning", 4), ("Resources", 2)], [("Stretch", 3)])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) < 40_000  # base64 in a card stays well under Teams' limit


def test_window_notices_go_out_at_four_in_the_afternoon_london_time() -> None:
    window = WalkWindow(MON, FRI)
    assert window.notice_due().astimezone(UTC) == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    summer = WalkWindow(date(2027, 6, 7), date(2027, 6, 11))
    assert summer.notice_due().astimezone(UTC) == datetime(2027, 6, 11, 15, 0, tzinfo=UTC)


def test_no_ha27_input_is_marked_required_so_a_half_filled_card_can_be_a_draft() -> None:
    # Teams checks isRequired before sending any button press, "Save draft" included.
    card = walk_form_card(form_view())
    required = [i.get("id") for i in card_nodes(card) if i.get("isRequired")]
    assert required == []
    assert "Save a draft any time" in str(card)


def test_a_tutor_list_row_names_each_fault_as_the_walk_plans_do() -> None:
    """One wording for a bad CSV row, whichever sheet it came in: column, then what to write."""
    from bot.domain.tutors import parse_tutor_csv

    [problem] = parse_tutor_csv(
        "name,email,start_date,learning_in_libraries\nTom,tom@c.ac.uk,31/13/2026,maybe\n"
    ).problems
    assert problem.line == 2
    assert problem.message == (
        "learning_in_libraries: use yes or no; start_date: use YYYY-MM-DD or DD/MM/YYYY"
    )
