"""The OTLA rules on their own: states and who moves them, the clock, links, lists and forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from pydantic import ValidationError

from bot.app.dispatch import field_errors
from bot.app.observations.forms import (
    ActionOutcomeForm,
    AllocateForm,
    ProposalForm,
    ReportDraftForm,
    ReportForm,
)
from bot.domain.access import Actor, Permission, Role, Subject, can
from bot.domain.observations import (
    APPROVED_STATES,
    RULES,
    ActionOwner,
    Monitoring,
    Move,
    MoveRefused,
    ObservationClock,
    ObservationFacts,
    ObservationState,
    a_week_on,
    academic_year,
    action_overdue_at,
    add_working_days,
    after_approval,
    available_moves,
    decide,
    follow,
    grade_choices,
    induction_deadline,
    induction_items,
    is_new_tutor,
    last_proposal_day,
    monitoring_status,
    parse_allocation_csv,
    parse_clock,
    parse_course_csv,
    report_is_late,
    teams_meeting_link,
    themes,
    waiting_nudge_at,
)

S = ObservationState
ORG = "org-1"
TUTOR, OBSERVER, MANAGER = 1, 2, 3
QC, OFFICER, COORDINATOR = 4, 5, 6
OTHER_TUTOR, OTHER_MANAGER, ADMIN, AP = 7, 8, 9, 10
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
START = datetime(2026, 12, 7, 10, tzinfo=UTC)

PEOPLE: dict[str, Actor] = {
    "tutor": Actor(TUTOR, ORG, frozenset({Role.TUTOR})),
    "observer": Actor(OBSERVER, ORG, frozenset({Role.OBSERVER})),
    "line manager": Actor(MANAGER, ORG, frozenset({Role.LINE_MANAGER})),
    "quality coordinator": Actor(QC, ORG, frozenset({Role.QUALITY_COORDINATOR})),
    "development officer": Actor(OFFICER, ORG, frozenset({Role.DEVELOPMENT_OFFICER})),
    "development coordinator": Actor(COORDINATOR, ORG, frozenset({Role.DEVELOPMENT_COORDINATOR})),
    "other tutor": Actor(OTHER_TUTOR, ORG, frozenset({Role.TUTOR})),
    "other line manager": Actor(OTHER_MANAGER, ORG, frozenset({Role.LINE_MANAGER})),
    "org admin": Actor(ADMIN, ORG, frozenset({Role.ORG_ADMIN})),
    "advanced practitioner": Actor(AP, ORG, frozenset({Role.ADVANCED_PRACTITIONER})),
}


def facts(state: ObservationState, **kw: object) -> ObservationFacts:
    values: dict[str, object] = {
        "org_id": ORG,
        "state": state,
        "tutor_id": TUTOR,
        "observer_id": OBSERVER,
        "line_manager_ids": frozenset({MANAGER}),
        "starts_at": START,
        "proposed_by": None,
        **kw,
    }
    return ObservationFacts(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- confidentiality (point 9)

READERS_BEFORE_APPROVAL = {
    "observer",
    "quality coordinator",
    "development officer",
    "development coordinator",
}
READERS_AFTER_APPROVAL = READERS_BEFORE_APPROVAL | {"tutor", "line manager"}


@pytest.mark.parametrize("state", list(ObservationState))
@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_who_reads_a_report_matrix(state: ObservationState, who: str) -> None:
    subject = facts(state).subject
    readers = READERS_AFTER_APPROVAL if state in APPROVED_STATES else READERS_BEFORE_APPROVAL
    assert can(PEOPLE[who], Permission.READ_OBSERVATION, subject) is (who in readers)


def test_no_one_reads_another_organisations_report() -> None:
    elsewhere = Subject(org_id="org-2", tutor_id=TUTOR, observer_id=OBSERVER, approved=True)
    for actor in PEOPLE.values():
        assert not can(actor, Permission.READ_OBSERVATION, elsewhere)


PLAN_READERS = READERS_AFTER_APPROVAL  # when and what, not the report: the manager is told too
DOCUMENT_READERS = READERS_BEFORE_APPROVAL | {"tutor"}


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_who_sees_the_plan_and_the_tutors_documents(who: str) -> None:
    subject = facts(S.PLANNED).subject
    assert can(PEOPLE[who], Permission.READ_OBSERVATION_PLAN, subject) is (who in PLAN_READERS)
    assert can(PEOPLE[who], Permission.READ_OBSERVATION_DOCUMENTS, subject) is (
        who in DOCUMENT_READERS
    )
    assert can(PEOPLE[who], Permission.SHARE_OBSERVATION_DOCUMENTS, subject) is (who == "tutor")


# ---------------------------------------------------------------- the lifecycle (point 1)

OWNERS: dict[Move, set[str]] = {
    Move.ALLOCATE: {"quality coordinator"},
    Move.PICK_COURSE: {
        "observer",
        "quality coordinator",
        "development officer",
        "development coordinator",
    },
    Move.PROPOSE_DATE: {"observer", "tutor"},
    Move.CONFIRM_PLANNED: {"development officer"},
    Move.RECORD_OBSERVED: {"observer"},
    Move.SUBMIT_REPORT: {"observer"},
    Move.CHECK: {"development officer"},
    Move.RETURN: {"development officer"},
    Move.APPROVE: {"development coordinator"},
}


@pytest.mark.parametrize("move", sorted(OWNERS, key=str))
@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_each_move_belongs_to_its_role(move: Move, who: str) -> None:
    state = next(iter(sorted(RULES[move].sources, key=str)))
    try:
        decide(PEOPLE[who], move, facts(state), START)
        allowed = True
    except MoveRefused:
        allowed = False
    assert allowed is (who in OWNERS[move])


@pytest.mark.parametrize("state", list(ObservationState))
@pytest.mark.parametrize("move", [m for m in Move if RULES[m].permission is not None])
def test_each_move_only_from_its_states(state: ObservationState, move: Move) -> None:
    owner = next(PEOPLE[w] for w in sorted(PEOPLE) if w in OWNERS.get(move, {"tutor"}))
    proposer = TUTOR if owner.person_id == OBSERVER else OBSERVER
    try:
        target = decide(owner, move, facts(state, proposed_by=proposer), START)
    except MoveRefused:
        assert state not in RULES[move].sources
    else:
        assert state in RULES[move].sources
        assert target == (RULES[move].target or state)


def test_the_proposer_cannot_accept_their_own_date() -> None:
    with pytest.raises(MoveRefused, match="other person accepts"):
        decide(PEOPLE["observer"], Move.AGREE_DATE, facts(S.ALLOCATED, proposed_by=OBSERVER), NOW)
    assert (
        decide(PEOPLE["tutor"], Move.AGREE_DATE, facts(S.ALLOCATED, proposed_by=OBSERVER), NOW)
        is S.DATE_AGREED
    )
    with pytest.raises(MoveRefused, match="no date waiting"):
        decide(PEOPLE["tutor"], Move.AGREE_DATE, facts(S.ALLOCATED), NOW)
    with pytest.raises(MoveRefused, match="isn't yours"):
        decide(PEOPLE["line manager"], Move.AGREE_DATE, facts(S.ALLOCATED, proposed_by=TUTOR), NOW)


def test_an_observation_is_recorded_only_once_it_has_started() -> None:
    with pytest.raises(MoveRefused, match="hasn't started"):
        decide(PEOPLE["observer"], Move.RECORD_OBSERVED, facts(S.PLANNED), NOW)
    assert decide(PEOPLE["observer"], Move.RECORD_OBSERVED, facts(S.PLANNED), START) is S.OBSERVED


def test_automatic_moves_follow_approval_and_cannot_be_asked_for() -> None:
    assert after_approval(True) == [Move.SEND, Move.OPEN_ACTIONS]
    assert after_approval(False) == [Move.SEND, Move.CLOSE_ACTIONS]
    assert follow(Move.SEND, S.APPROVED) is S.SENT
    assert follow(Move.CLOSE_ACTIONS, S.ACTIONS_OPEN) is S.ACTIONS_CLOSED
    with pytest.raises(MoveRefused):
        follow(Move.SEND, S.CHECKED)
    with pytest.raises(MoveRefused, match="by itself"):
        decide(PEOPLE["development coordinator"], Move.SEND, facts(S.APPROVED), NOW)


def test_next_steps_are_the_moves_a_person_can_make_now() -> None:
    assert available_moves(PEOPLE["observer"], facts(S.ALLOCATED), NOW) == [Move.PROPOSE_DATE]
    tutor_sees = available_moves(PEOPLE["tutor"], facts(S.ALLOCATED, proposed_by=OBSERVER), NOW)
    assert tutor_sees == [Move.PROPOSE_DATE, Move.AGREE_DATE]
    assert Move.RECORD_OBSERVED in available_moves(PEOPLE["observer"], facts(S.PLANNED), START)
    assert available_moves(PEOPLE["development officer"], facts(S.REPORT_SUBMITTED), NOW) == [
        Move.CHECK,
        Move.RETURN,
    ]
    assert available_moves(PEOPLE["other tutor"], facts(S.ALLOCATED), NOW) == []


def test_acknowledging_and_action_outcomes_belong_to_the_tutor_and_their_manager() -> None:
    approved, pending = facts(S.SENT).subject, facts(S.CHECKED).subject
    assert can(PEOPLE["tutor"], Permission.ACKNOWLEDGE_REPORT, approved)
    assert not can(PEOPLE["tutor"], Permission.ACKNOWLEDGE_REPORT, pending)
    assert not can(PEOPLE["line manager"], Permission.ACKNOWLEDGE_REPORT, approved)
    for who in PEOPLE:
        assert can(PEOPLE[who], Permission.RECORD_ACTION_OUTCOME, approved) is (
            who == "line manager"
        )


# ---------------------------------------------------------------- the clock


def test_reminders_fall_on_london_mornings() -> None:
    clock = ObservationClock(START, datetime(2026, 12, 7, 11, tzinfo=UTC))
    assert clock.week_before == datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert clock.report_reminder == datetime(2026, 12, 9, 9, tzinfo=UTC)
    assert clock.report_due == datetime(2026, 12, 10, 23, 59, tzinfo=UTC)
    assert clock.report_escalation == datetime(2026, 12, 11, 9, tzinfo=UTC)
    summer = ObservationClock(
        datetime(2027, 6, 14, 9, tzinfo=UTC), datetime(2027, 6, 14, 10, tzinfo=UTC)
    )
    assert summer.week_before == datetime(2027, 6, 7, 8, tzinfo=UTC)  # 09:00 BST


def test_a_late_agreement_sends_the_week_reminder_at_once_and_never_after_the_start() -> None:
    clock = ObservationClock(START, START)
    assert clock.week_before_due(NOW) == clock.week_before
    three_days_before = datetime(2026, 12, 4, 15, tzinfo=UTC)
    assert clock.week_before_due(three_days_before) == three_days_before
    assert clock.week_before_due(START) is None


def test_a_proposal_suggests_a_working_day_a_week_on() -> None:
    assert a_week_on(date(2026, 12, 2)) == date(2026, 12, 9)  # a Wednesday: the next Wednesday
    assert a_week_on(date(2026, 12, 5)) == date(2026, 12, 14)  # a Saturday: the Monday after
    assert a_week_on(date(2026, 12, 6)) == date(2026, 12, 14)  # a Sunday: the Monday after
    # Friday 18th: a week on is Christmas Day; Boxing Day is kept on Monday 28th.
    assert a_week_on(date(2026, 12, 18)) == date(2026, 12, 29)


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    friday = datetime(2026, 12, 11, 10, tzinfo=UTC)
    assert add_working_days(friday, 2) == datetime(2026, 12, 15, 10, tzinfo=UTC)
    christmas_eve = datetime(2026, 12, 24, 10, tzinfo=UTC)
    # 25th, Boxing Day (substitute Monday 28th) and the weekend are not working days.
    assert waiting_nudge_at(christmas_eve) == datetime(2026, 12, 30, 10, tzinfo=UTC)


def test_late_reports_and_overdue_actions() -> None:
    assert not report_is_late(S.OBSERVED, START, datetime(2026, 12, 10, 23, tzinfo=UTC))
    assert report_is_late(S.OBSERVED, START, datetime(2026, 12, 11, 0, 30, tzinfo=UTC))
    assert report_is_late(S.PLANNED, START, datetime(2026, 12, 12, tzinfo=UTC))
    assert not report_is_late(S.REPORT_SUBMITTED, START, datetime(2026, 12, 12, tzinfo=UTC))
    assert action_overdue_at(date(2027, 1, 14)) == datetime(2027, 1, 15, 9, tzinfo=UTC)


def test_new_tutors_have_six_weeks_from_their_start_date() -> None:
    assert induction_deadline(date(2027, 1, 4)) == date(2027, 2, 15)
    assert is_new_tutor(date(2027, 1, 4), date(2026, 11, 23))
    assert is_new_tutor(date(2026, 10, 12), date(2026, 11, 23))
    assert not is_new_tutor(date(2026, 10, 1), date(2026, 11, 23))
    assert not is_new_tutor(None, date(2026, 11, 23))
    assert academic_year(date(2026, 11, 23)) == "2026/27"
    assert academic_year(date(2027, 8, 31)) == "2026/27"


def test_monitoring_buckets() -> None:
    def status(state: ObservationState, at: datetime, due: date | None = None) -> Monitoring:
        return monitoring_status(state, START if state is not S.ALLOCATED else None, due, at)

    assert status(S.ALLOCATED, NOW) is Monitoring.ALLOCATED
    assert status(S.ALLOCATED, NOW, date(2026, 11, 1)) is Monitoring.OVERDUE
    assert monitoring_status(S.UNALLOCATED, None, None, NOW) is Monitoring.UNALLOCATED
    assert status(S.PLANNED, NOW) is Monitoring.AGREED
    assert status(S.OBSERVED, datetime(2026, 12, 8, tzinfo=UTC)) is Monitoring.OBSERVED
    assert status(S.OBSERVED, datetime(2026, 12, 12, tzinfo=UTC)) is Monitoring.OVERDUE
    assert status(S.ACTIONS_OPEN, datetime(2027, 1, 1, tzinfo=UTC)) is Monitoring.APPROVED


# ---------------------------------------------------------------- links, lists, data


def test_teams_meeting_link_is_prefilled() -> None:
    link = teams_meeting_link(
        "OTLA: Tom Tutor – ESOL & maths",
        START,
        datetime(2026, 12, 7, 11, tzinfo=UTC),
        ["olive@college.ac.uk", "", "tom@college.ac.uk"],
    )
    assert link == (
        "https://teams.microsoft.com/l/meeting/new?"
        "subject=OTLA:%20Tom%20Tutor%20%E2%80%93%20ESOL%20%26%20maths"
        "&startTime=2026-12-07T10:00:00Z&endTime=2026-12-07T11:00:00Z"
        "&attendees=olive@college.ac.uk,tom@college.ac.uk"
    )


def test_allocation_csv_reports_bad_rows_by_line() -> None:
    rows, problems = parse_allocation_csv(
        "Tutor Email,Observer Email,Course\n"
        "TOM@college.ac.uk,olive@college.ac.uk,ESOL\n"
        "not-an-email,olive@college.ac.uk,\n"
        "tom@college.ac.uk,mia@college.ac.uk,\n"
        "sam@college.ac.uk,sam@college.ac.uk,\n"
    )
    assert [(r.tutor_email, r.observer_email, r.course) for r in rows] == [
        ("tom@college.ac.uk", "olive@college.ac.uk", "ESOL")
    ]
    assert [(p.line, p.message) for p in problems] == [
        (3, "tutor_email and observer_email must be emails"),
        (4, "tom@college.ac.uk appears twice"),
        (5, "a tutor cannot observe themselves"),
    ]
    assert parse_allocation_csv("name\nx\n")[1][0].message == (
        "missing columns: tutor_email, observer_email. The first line names the columns and "
        "reads “name”: name the columns tutor_email, observer_email there"
    )


def test_course_list_csv() -> None:
    rows, problems = parse_course_csv(
        "code,title,tutor_email,venue,date,start_time,end_time\n"
        "LIB01,Family history,lil@college.ac.uk,Library,02/12/2026,1400,16.00\n"
        "LIB02,No date,lou@college.ac.uk,,,,\n"
        "LIB03,Bad,lou@college.ac.uk,,2026-13-01,10:00,11:00\n"
    )
    assert (
        rows[0].day == date(2026, 12, 2) and rows[0].start == time(14) and rows[0].end == time(16)
    )
    assert rows[1].day is None
    assert problems[0].line == 4 and "YYYY-MM-DD" in problems[0].message
    assert parse_clock("9:30") == time(9, 30)
    with pytest.raises(ValueError):
        parse_clock("half nine")


def test_the_data_files_are_loaded() -> None:
    keys = [i.key for i in induction_items()]
    assert keys[0] == "provider_return" and "safeguarding" in keys and len(keys) == 9
    assert len({t.key for t in themes()}) == len(themes()) >= 10


def test_grades_are_off_unless_switched_on() -> None:
    assert grade_choices(None) is None and grade_choices({"otla_grades": False}) is None
    assert grade_choices({"otla_grades": True}) == (
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
    )
    assert grade_choices({"otla_grades": ["Met", "Not met"]}) == ("Met", "Not met")


# ---------------------------------------------------------------- forms


def errors_of(model: type, values: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        model.model_validate(values)
    return field_errors(exc.value)


def test_report_submission_rules_land_on_their_inputs() -> None:
    errors = errors_of(
        ReportForm,
        {
            "observation_id": 1,
            "strengths": " ",
            "areas": "More questions",
            "action_1": "Questioning",
            "action_2_date": "2027-01-14",
            "strength_themes": "planning,nonsense",
        },
    )
    assert errors == {
        "strength_themes": "Unknown theme: nonsense",
        "strengths": "Please write this before submitting",
        "action_1_date": "Give the action a target date",
        "action_2_date": "Describe the action, or clear its date",
    }
    draft = ReportDraftForm.model_validate(
        {"observation_id": 1, "action_1": "Questioning", "best_practice": "true"}
    )
    assert draft.raw_actions() == [{"text": "Questioning", "owner": "tutor", "target": ""}]
    assert draft.report_actions() == [] and draft.best_practice is True
    ready = ReportForm.model_validate(
        {
            "observation_id": 1,
            "strengths": "Clear outcomes",
            "areas": "Questions",
            "action_1": "Questioning",
            "action_1_owner": "line_manager",
            "action_1_date": "2027-01-14",
        }
    )
    assert ready.report_actions()[0].owner is ActionOwner.LINE_MANAGER


def test_proposal_and_allocation_forms() -> None:
    errors = errors_of(
        ProposalForm,
        {"observation_id": 1, "course": "", "day": "2026-12-07", "start": "11:00", "end": "10:00"},
    )
    assert set(errors) == {"course", "end"} and errors["end"] == "The end must be after the start"
    assert errors_of(AllocateForm, {"tutor_id": "3"}) == {
        "form": "Choose an observer or give their email"
    }
    assert AllocateForm.model_validate({"tutor_id": "3", "observer_email": " Olive@X.ac.uk "})
    outcome = ActionOutcomeForm.model_validate({"action_id": "7", "outcome_7": " Improved "})
    assert outcome.outcome == "Improved"
    assert errors_of(ActionOutcomeForm, {"action_id": 7}) == {"outcome": "Write what happened"}


def test_the_last_day_a_date_may_be_proposed_for() -> None:
    today = date(2026, 11, 23)
    assert last_proposal_day("2026/27", today) == date(2027, 8, 31)
    # An observation of a year already over: this year's end.
    assert last_proposal_day("2025/26", today) == date(2027, 8, 31)
    # A later year's (a new tutor starting next September): never more than 12 months ahead.
    assert last_proposal_day("2027/28", today) == date(2027, 11, 23)
