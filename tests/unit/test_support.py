"""Support programmes, matching and offers: the rules of seed 000 as plain Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app.commands import build_router
from bot.domain.support import (
    WEEK,
    ActionStatus,
    ActionSummary,
    CheckpointKind,
    MatchRequest,
    Option,
    Practitioner,
    ProgrammeKind,
    ProgrammeRuleError,
    ProgrammeState,
    RatingStage,
    ReviewDecision,
    SessionKind,
    SessionSummary,
    SignOff,
    SupportProgramme,
    capacity_of,
    checklist,
    checklist_from_lines,
    draft_report,
    draft_update,
    induction_offer_at,
    is_new_staff,
    match_reasons,
    month_end_prompt_at,
    rank_practitioners,
    rating_change,
    termly_offer_slot,
    topic_from_phrase,
)
from cards.support import caseload_card
from tests.support.cards import card_text

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def programme(kind: ProgrammeKind) -> SupportProgramme:
    return SupportProgramme(kind=kind, started_at=START)


# --- extend(now): the 8 + 4 rule and its cousins -------------------------------------------


def test_support_to_good_extends_once_by_four_weeks_to_twelve() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    assert p.ends_at == START + 8 * WEEK
    assert p.extend(START + 8 * WEEK) == START + 12 * WEEK
    with pytest.raises(ProgrammeRuleError, match="once"):
        p.extend(START + 9 * WEEK)
    assert p.weeks == 12


def test_support_to_good_extension_is_exactly_four_weeks() -> None:
    with pytest.raises(ProgrammeRuleError, match="4 weeks"):
        programme(ProgrammeKind.SUPPORT_TO_GOOD).extend(START + 6 * WEEK, weeks=6)


def test_an_extension_is_possible_only_from_week_6() -> None:
    for kind in (ProgrammeKind.SUPPORT_TO_GOOD, ProgrammeKind.NEW_STAFF):
        p = programme(kind)
        with pytest.raises(ProgrammeRuleError, match="from week 6"):
            p.extend(START + 5 * WEEK - timedelta(minutes=1))
        assert p.extensions == 0 and p.ends_at == START + 8 * WEEK
        assert p.can_extend(START + 5 * WEEK) is None  # week 6 begins


def test_new_staff_mentoring_is_eight_weeks_plus_four_once() -> None:
    p = programme(ProgrammeKind.NEW_STAFF)
    assert p.ends_at == START + 8 * WEEK
    p.extend(START + 7 * WEEK)
    assert p.ends_at == START + 12 * WEEK
    with pytest.raises(ProgrammeRuleError):
        p.extend(START + 11 * WEEK)


def test_towards_outstanding_is_six_weeks_and_extends_as_required() -> None:
    p = programme(ProgrammeKind.TOWARDS_OUTSTANDING)
    assert p.ends_at == START + 6 * WEEK
    p.extend(START + 6 * WEEK)
    p.extend(START + 8 * WEEK, weeks=3)
    assert p.ends_at == START + 11 * WEEK
    assert not p.rules.sign_off


def test_informal_support_has_no_timeline_to_extend() -> None:
    p = programme(ProgrammeKind.INFORMAL)
    assert p.ends_at is None and p.timeline() == []
    with pytest.raises(ProgrammeRuleError, match="no timeline"):
        p.extend(START)


def test_a_finished_programme_cannot_be_extended() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    p.record_sign_off(SignOff.MET, START + 8 * WEEK)
    assert p.state == ProgrammeState.COMPLETED
    with pytest.raises(ProgrammeRuleError):
        p.extend(START + 8 * WEEK)


# --- sign-off and the week-12 review ---------------------------------------------------------


def test_sign_off_not_met_leaves_room_for_the_one_extension() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    assert p.record_sign_off(SignOff.NOT_MET, START + 8 * WEEK) == ProgrammeState.ACTIVE
    p.extend(START + 8 * WEEK)
    assert p.sign_off is None  # a new sign-off observation at the new end


def test_support_to_good_not_met_after_extension_goes_to_the_head_of_tl() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    p.extend(START + 8 * WEEK)
    assert p.record_sign_off(SignOff.NOT_MET, START + 12 * WEEK) == ProgrammeState.UNDER_REVIEW
    assert p.escalated_at == START + 12 * WEEK


def test_new_staff_not_met_after_extension_ends_without_escalation() -> None:
    p = programme(ProgrammeKind.NEW_STAFF)
    p.extend(START + 8 * WEEK)
    assert p.record_sign_off(SignOff.NOT_MET, START + 12 * WEEK) == ProgrammeState.COMPLETED
    assert p.escalated_at is None


def test_week_12_without_a_recorded_outcome_is_overdue_never_escalated() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    assert not p.outcome_overdue(START + 11 * WEEK)
    assert p.outcome_overdue(START + 12 * WEEK)
    assert p.state == ProgrammeState.ACTIVE and p.escalated_at is None  # time alone: no review
    met = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    met.record_sign_off(SignOff.MET, START + 8 * WEEK)
    assert not met.outcome_overdue(START + 12 * WEEK)
    assert not programme(ProgrammeKind.TOWARDS_OUTSTANDING).outcome_overdue(START + 20 * WEEK)


def test_new_staff_standard_not_met_is_not_a_completion_well_done() -> None:
    p = programme(ProgrammeKind.NEW_STAFF)
    p.extend(START + 8 * WEEK)
    p.record_sign_off(SignOff.NOT_MET, START + 12 * WEEK)
    assert p.standard_not_met
    ok = programme(ProgrammeKind.NEW_STAFF)
    ok.record_sign_off(SignOff.MET, START + 8 * WEEK)
    assert not ok.standard_not_met


def test_escalation_happens_once() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    assert p.escalate(START + 12 * WEEK)
    assert not p.escalate(START + 13 * WEEK)
    with pytest.raises(ProgrammeRuleError):
        programme(ProgrammeKind.INFORMAL).escalate(START)


def test_sign_off_is_not_part_of_towards_outstanding() -> None:
    with pytest.raises(ProgrammeRuleError, match="no sign-off"):
        programme(ProgrammeKind.TOWARDS_OUTSTANDING).record_sign_off(SignOff.MET, START)


def test_a_programme_with_sign_off_completes_only_through_it() -> None:
    with pytest.raises(ProgrammeRuleError, match="sign-off"):
        programme(ProgrammeKind.NEW_STAFF).complete(START)
    p = programme(ProgrammeKind.TOWARDS_OUTSTANDING)
    p.complete(START + 6 * WEEK)
    assert p.state == ProgrammeState.COMPLETED


# --- the timeline ----------------------------------------------------------------------------


def test_support_to_good_timeline_has_fortnightly_updates_sign_off_and_review() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    points = p.timeline()
    updates = [c.due for c in points if c.kind == CheckpointKind.UPDATE]
    assert updates == [START + n * 2 * WEEK for n in (1, 2, 3, 4)]
    assert [c.due for c in points if c.kind == CheckpointKind.SIGN_OFF] == [START + 7 * WEEK]
    assert [c.due for c in points if c.kind == CheckpointKind.REVIEW] == [START + 12 * WEEK]
    ratings = {c.stage: c.due for c in points if c.kind == CheckpointKind.RATING}
    assert ratings == {
        RatingStage.START: START,
        RatingStage.MIDDLE: START + 4 * WEEK,
        RatingStage.END: START + 7 * WEEK,
    }
    p.extend(START + 8 * WEEK)
    updates = [c.number for c in p.timeline() if c.kind == CheckpointKind.UPDATE]
    assert updates == [1, 2, 3, 4, 5, 6]


def test_only_support_to_good_sends_updates_to_the_line_manager() -> None:
    for kind in ProgrammeKind:
        has_updates = any(c.kind == CheckpointKind.UPDATE for c in programme(kind).timeline())
        assert has_updates == (kind == ProgrammeKind.SUPPORT_TO_GOOD)


def test_rating_stage_follows_the_programme() -> None:
    p = programme(ProgrammeKind.NEW_STAFF)
    assert p.rating_stage(START, []) == RatingStage.START
    assert p.rating_stage(START + 4 * WEEK, [RatingStage.START]) == RatingStage.MIDDLE
    assert p.rating_stage(START + 7 * WEEK, [RatingStage.START]) == RatingStage.END
    done = [RatingStage.START, RatingStage.MIDDLE, RatingStage.END]
    assert p.rating_stage(START + 9 * WEEK, done) == RatingStage.END
    assert p.week(START + 15 * timedelta(days=1)) == 3


# --- matching --------------------------------------------------------------------------------

AMY = Practitioner(1, "Amy", "Hitchin", "Construction", "practical", caseload=2, capacity=5)
BEN = Practitioner(2, "Ben", "Stevenage", "Construction", "practical", caseload=0, capacity=5)
CAT = Practitioner(3, "Cat", "Hitchin", "English", "classroom", caseload=1, capacity=5)


def test_campus_comes_first_then_similar_style() -> None:
    want = MatchRequest("Hitchin", "Motor vehicle", "practical", similar_style=True)
    assert [p.name for p in rank_practitioners(want, [BEN, CAT, AMY])] == ["Amy", "Cat", "Ben"]


def test_style_only_counts_when_the_tutor_asked_for_it() -> None:
    want = MatchRequest("Hitchin", "", "practical", similar_style=False)
    assert [p.name for p in rank_practitioners(want, [AMY, CAT])] == ["Cat", "Amy"]  # lighter


def test_full_caseloads_and_passed_aps_are_not_asked() -> None:
    full = Practitioner(4, "Dan", "Hitchin", "", None, caseload=5, capacity=5)
    want = MatchRequest("Hitchin", exclude=frozenset({1}))
    assert [p.name for p in rank_practitioners(want, [AMY, full, CAT])] == ["Cat"]


def test_match_reasons_say_why_in_plain_words() -> None:
    want = MatchRequest("hitchin", "construction", "practical", similar_style=True)
    assert match_reasons(want, AMY) == [
        "works at Hitchin",
        "teaches in a similar style",
        "knows Construction",
    ]


def test_capacity_per_ap_or_organisation_default() -> None:
    settings = {"ap_capacity": {"default": 6, "amy@college.ac.uk": 3}}
    assert capacity_of(settings, "Amy@college.ac.uk") == 3
    assert capacity_of(settings, "ben@college.ac.uk") == 6
    assert capacity_of({}, "x") == 10


# --- words, checklists, offers ---------------------------------------------------------------


def test_natural_phrasing_picks_the_topic_or_keeps_the_words() -> None:
    assert topic_from_phrase("i'd like some help with behaviour management") == ("behaviour", "")
    assert topic_from_phrase("can i get support with questioning") == ("questioning", "")
    assert topic_from_phrase("support with running trips") == (None, "running trips")
    assert topic_from_phrase("support") == (None, "")


def test_organisation_checklist_replaces_ours_and_keeps_keys_of_kept_lines() -> None:
    ours = checklist()
    assert len(ours) >= 8
    edited = checklist_from_lines(f"{ours[0].label}\n- Using the workshop safely\n\n", ours)
    assert edited == [
        Option(ours[0].key, ours[0].label),
        Option("using_the_workshop_safely", "Using the workshop safely"),
    ]
    custom = {"competence_checklist": [{"key": o.key, "label": o.label} for o in edited]}
    assert checklist(custom) == tuple(edited)


def test_new_staff_and_their_offer_time() -> None:
    today = date(2026, 11, 23)
    assert is_new_staff(date(2026, 11, 30), today)
    assert is_new_staff(date(2026, 10, 1), today)
    assert not is_new_staff(date(2025, 9, 1), today)
    assert not is_new_staff(None, today)
    assert induction_offer_at(date(2026, 12, 7), START).date() == date(2026, 12, 9)
    assert induction_offer_at(date(2026, 9, 1), START) == START + timedelta(days=1)


def test_termly_offer_is_two_weeks_into_a_term_with_time_left() -> None:
    term, at = termly_offer_slot(datetime(2026, 9, 1, 9, tzinfo=UTC))
    assert term.key == "2026/27-autumn" and at.date() == date(2026, 9, 15)
    term, at = termly_offer_slot(datetime(2026, 12, 20, 9, tzinfo=UTC))  # too late this term
    assert term.key == "2026/27-spring" and at.date() == date(2027, 1, 15)


def test_month_end_prompt_is_the_last_weekday() -> None:
    assert month_end_prompt_at(date(2026, 11, 3)).date() == date(2026, 11, 30)
    assert month_end_prompt_at(date(2027, 1, 3)).date() == date(2027, 1, 29)  # 31st is Sunday


# --- drafts ----------------------------------------------------------------------------------


def test_monthly_report_draft_comes_from_the_record() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    draft = draft_report(
        p,
        START + 3 * WEEK,
        [SessionSummary(date(2026, 11, 24), SessionKind.DEVELOPMENTAL_OBSERVATION)],
        [
            ActionSummary("Use mini whiteboards", ActionStatus.DONE),
            ActionSummary("Seating plan", ActionStatus.OPEN),
        ],
        (1.5, ["Questioning to check and deepen learning"]),
    )
    assert "1 session(s)" in draft.sessions and "24 Nov" in draft.sessions
    assert "1 action(s) done, 1 open" in draft.actions and "Seating plan" in draft.actions
    assert "week 4 of 8" in draft.progress and "+1.5" in draft.progress
    empty = draft_report(p, START, [], [], None)
    assert empty.concerns == "No contact this month."


def test_line_manager_update_draft_never_quotes_session_notes() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    p.objectives = ["Plan for stretch and challenge"]
    text = draft_update(
        p,
        1,
        [SessionSummary(date(2026, 11, 24), SessionKind.COACHING)],
        [ActionSummary("Private thing", ActionStatus.OPEN)],
    )
    assert text.startswith("Update 1 of 4 (Support to good).")
    assert "coaching" in text and "0 of 1" in text and "stretch and challenge" in text
    assert "Private thing" not in text


def test_rating_change_averages_and_names_the_biggest_gains() -> None:
    labels = checklist()
    change, grew = rating_change(
        {"planning": 4, "behaviour": 3}, {"planning": 6, "behaviour": 4}, labels
    )
    assert change == 1.5 and grew[0] == labels[0].label


def test_review_decision_only_when_under_review() -> None:
    p = programme(ProgrammeKind.SUPPORT_TO_GOOD)
    with pytest.raises(ProgrammeRuleError):
        p.decide_review(ReviewDecision.CONTINUE)
    p.escalate(START + 12 * WEEK)
    assert p.decide_review(ReviewDecision.REFER) == ProgrammeState.CLOSED


@pytest.mark.parametrize(
    "said",
    [
        "I'd like some help with behaviour management",
        "Id like some support with questioning",
        "can I get support with assessment?",
        "I would like some coaching please",
        "some help with planning",
        "I need help with my lesson starts",
        "support",
        "suport",
        # everyday ways of asking
        "I'm struggling with behaviour",
        "im struggling with behaviour",
        "need help with marking",
        "I want a mentor",
        "I'm finding questioning hard",
        "struggling with my year 10s",
    ],
)
def test_natural_phrasings_reach_support_not_help(said: str) -> None:
    router, _ = build_router()
    match = router.match(said)
    assert match.command is not None and match.command.word == "support", said


def test_help_is_still_help() -> None:
    router, _ = build_router()
    for said in ("help", "help me", "hello"):
        match = router.match(said)
        assert match.command is not None and match.command.word == "help"


@pytest.mark.parametrize(
    ("waiting", "said"),
    [(1, "1 referral waiting for an answer"), (2, "2 referrals waiting for an answer")],
)
def test_the_caseload_card_counts_referrals_waiting_in_words(waiting: int, said: str) -> None:
    # The app never passes a waiting count yet (programmes.py): no whole turn reaches this line.
    text = card_text(caseload_card("Amy Advanced", [], 10, waiting=waiting))
    assert said in text
