"""The progression card activity's rules: the deck file against seed 004, the session's state
table, reminders and prompt schedules, comparing groups, permissions, and the exports."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from bot.app.progression.export import outcome_docx, outcome_xlsx
from bot.app.progression.session import DECK_FILE, standard_deck
from bot.domain.access import Actor, Permission, Role, Subject, can
from bot.domain.progression import (
    MOVES,
    AgreedAction,
    CardOutcome,
    Contribution,
    Deck,
    Move,
    NotNow,
    PromptSchedule,
    SessionOutcome,
    SessionState,
    WayOfWorking,
    action_reminder_at,
    compare,
    due_problem,
    move,
    next_move,
    own_question,
    parse_prompt_schedule,
    prompt_lines,
    way_of_working,
)

# Counted by hand from seed 004 (the card activity): top-level discussion prompts per card.
PROMPTS_PER_CARD = {
    "1.1": 6,
    "1.2": 3,
    "1.3": 8,
    "2.1": 4,
    "2.2": 8,
    "2.3": 8,
    "3.1": 5,
    "3.2": 7,
    "3.3": 7,
    "4.1": 3,
    "4.2": 5,
    "4.3": 6,
    "5.1": 6,
    "5.2": 8,
    "5.3": 13,
    "6.1": 4,
    "6.2": 5,
    "6.3": 4,
}
LETTERED_SUB_POINTS = 42  # a), b), ... under prompts, across the deck


# ------------------------------------------------------------------------------------ the deck


def test_the_deck_file_holds_six_strategic_issues_of_three_lead_questions() -> None:
    deck = standard_deck()
    assert [i.number for i in deck.issues] == [1, 2, 3, 4, 5, 6]
    assert all(len(i.questions) == 3 for i in deck.issues)
    assert [q.key for q in deck.cards] == list(PROMPTS_PER_CARD)
    assert deck.issue(3) is not None and deck.issue(3).title == (
        "A curriculum that supports progression."
    )
    assert deck.issue(6) is not None and deck.issue(6).title == (
        "Strategic actions required to support learner progression?"
    )


def test_every_discussion_prompt_from_the_seed_is_on_the_back_of_its_card() -> None:
    deck = standard_deck()
    assert {q.key: len(q.prompts) for q in deck.cards} == PROMPTS_PER_CARD
    assert sum(len(q.prompts) for q in deck.cards) == 110
    assert sum(len(p.items) for q in deck.cards for p in q.prompts) == LETTERED_SUB_POINTS
    assert {q.key: len(q.notes) for q in deck.cards if q.notes} == {
        "1.2": 1,
        "2.3": 1,
        "4.1": 1,
        "5.1": 2,
    }


def test_prompt_texts_are_copied_faithfully() -> None:
    deck = standard_deck()
    q11 = deck.card("1.1")
    assert q11 is not None
    assert q11.question == "What does the term 'progression' mean to you?"
    assert q11.prompts[1].text == (
        "Progression is not time-limited; learners' aspirations will change over time."
    )
    q12 = deck.card("1.2")
    assert q12 is not None
    assert q12.question == "Why is progression important:"
    assert q12.question_items == ("to individual learners?", "to your organisation?", "nationally?")
    assert q12.prompts[1].items[4] == "contribute to community cohesion."
    q13 = deck.card("1.3")
    assert q13 is not None and q13.intro == "Learners may:"
    q53 = deck.card("5.3")
    assert q53 is not None
    assert q53.prompts[-1].text == (
        "Use the Aim Higher initiative to encourage young learners from under-represented "
        "communities to progress to higher education."
    )
    q51 = deck.card("5.1")
    assert q51 is not None and q51.prompts[1].items[-1] == "specialist providers."
    q63 = deck.card("6.3")
    assert q63 is not None and q63.prompts[0].text == "What are the financial implications?"


def test_the_blank_template_and_the_ways_of_working_are_in_the_file() -> None:
    raw = json.loads(DECK_FILE.read_text(encoding="utf-8"))
    assert raw["template"]["lead_questions"] == 3
    deck = standard_deck()
    assert deck.template.issue_label == "Strategic issue"
    assert deck.template.prompts_label == "Discussion prompts"
    assert deck.ways_of_working[:2] == ("on your own", "with a senior colleague")
    assert "independently" in deck.groups


def test_an_organisations_own_issues_and_questions_join_the_deck() -> None:
    deck = standard_deck()
    assert deck.next_issue_number() == 7
    own = deck.with_own(
        [(7, "Careers guidance")],
        [
            own_question(7, 1, "Who gives careers advice?", ["Tutors", "Careers team"]),
            own_question(1, 4, "What does progression mean to our learners?", []),
        ],
    )
    assert own.next_issue_number() == 8
    assert own.cards_for([7]) == ["7.1"]
    assert own.cards_for([1]) == ["1.1", "1.2", "1.3", "1.4"]
    added = own.card("7.1")
    assert (
        added is not None
        and added.own
        and [p.text for p in added.prompts]
        == [
            "Tutors",
            "Careers team",
        ]
    )
    assert len(standard_deck().cards) == 18  # the published deck is unchanged


def test_cards_for_keeps_deck_order_whatever_order_issues_are_chosen_in() -> None:
    assert standard_deck().cards_for([6, 2]) == ["2.1", "2.2", "2.3", "6.1", "6.2", "6.3"]


def test_prompts_typed_one_per_line_lose_their_bullets() -> None:
    assert prompt_lines("- one\n\n* two\n3. three\n  • four  ") == ["one", "two", "three", "four"]


def test_a_deck_from_json_needs_no_activity_block() -> None:
    deck = Deck.from_json({"issues": [{"number": 1, "title": "T", "questions": []}]})
    assert deck.template.lead_questions == 3 and deck.cards == []


# ------------------------------------------------------------------------------- the session


def test_ways_of_working_follow_the_place() -> None:
    assert way_of_working("personal") is WayOfWorking.ALONE
    assert way_of_working("groupChat") is WayOfWorking.WITH_COLLEAGUE
    assert way_of_working("channel") is WayOfWorking.TEAM
    assert WayOfWorking.WITH_COLLEAGUE.label == "With a senior colleague"


@pytest.mark.parametrize("state", list(SessionState))
@pytest.mark.parametrize("what", list(Move))
def test_the_state_table_is_the_only_way_a_session_moves(state: SessionState, what: Move) -> None:
    if (state, what) in MOVES:
        assert move(state, what) is MOVES[(state, what)]
    else:
        with pytest.raises(NotNow):
            move(state, what)


def test_a_finished_session_cannot_be_resumed_or_moved_on_only_reopened() -> None:
    for what in Move:
        if what is Move.REOPEN:
            assert move(SessionState.FINISHED, what) is SessionState.RUNNING
            continue
        with pytest.raises(NotNow):
            move(SessionState.FINISHED, what)
    assert move(SessionState.PAUSED, Move.RESUME) is SessionState.RUNNING
    assert move(SessionState.RUNNING, Move.LAST_NEXT) is SessionState.FINISHED


def test_next_on_the_last_card_finishes() -> None:
    assert next_move(0, 3) is Move.NEXT
    assert next_move(2, 3) is Move.LAST_NEXT


# ---------------------------------------------------------------------------------- outcomes


def _outcome(group: str, *cards: CardOutcome) -> SessionOutcome:
    return SessionOutcome(group, WayOfWorking.TEAM, "Cara Coach", date(2026, 11, 23), cards)


AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


def test_owners_lists_each_persons_actions_soonest_first() -> None:
    outcome = _outcome(
        "Maths",
        CardOutcome(
            "1.1",
            "Exploring",
            "Q1",
            actions=(
                AgreedAction("Later", "Zoe", date(2026, 12, 20)),
                AgreedAction("Map pathways", "amy", date(2026, 12, 10)),
            ),
        ),
        CardOutcome(
            "1.2", "Exploring", "Q2", actions=(AgreedAction("Sooner", "Zoe", date(2026, 12, 1)),)
        ),
    )
    owners = outcome.owners()
    assert [o for o, _ in owners] == ["amy", "Zoe"]
    assert [a.what for _, a in owners[1][1]] == ["Sooner", "Later"]


def test_groups_compare_card_by_card_with_gaps_where_a_group_did_not_cover_a_card() -> None:
    a = _outcome(
        "A",
        CardOutcome("1.2", "I", "Q2", (Contribution("Ann", "x", AT),)),
        CardOutcome("1.1", "I", "Q1"),
    )
    b = _outcome("B", CardOutcome("1.1", "I", "Q1", (Contribution("Bob", "y", AT),)))
    compared = compare([a, b])
    assert [c.key for c in compared] == ["1.1", "1.2"]
    assert compared[0].by_group[1] is not None
    assert compared[0].by_group[1].contributions[0].text == "y"
    assert compared[1].by_group[1] is None


def test_an_action_is_due_today_or_later_within_a_year() -> None:
    today = date(2026, 11, 23)
    assert due_problem(date(2026, 11, 22), today)
    assert due_problem(today, today) is None
    assert due_problem(date(2028, 1, 1), today)


def test_action_owners_are_reminded_two_days_before_at_nine_london_time() -> None:
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    # 4 Dec is in GMT: 09:00 London is 09:00 UTC on 2 Dec.
    assert action_reminder_at(date(2026, 12, 4), now) == datetime(2026, 12, 2, 9, tzinfo=UTC)
    # Summer time: 09:00 London is 08:00 UTC.
    summer = datetime(2027, 6, 1, 10, tzinfo=UTC)
    assert action_reminder_at(date(2027, 6, 10), summer) == datetime(2027, 6, 8, 8, tzinfo=UTC)
    # Too late for two days' notice: remind now; on or after the due date: no reminder.
    assert action_reminder_at(date(2026, 11, 24), now) == now
    assert action_reminder_at(date(2026, 11, 23), now) is None


# ----------------------------------------------------------------------------- prompt schedule


@pytest.mark.parametrize(
    ("said", "weekday", "at"),
    [
        ("monday 09:00", 0, time(9, 0)),
        ("every Tuesday at 2pm", 1, time(14, 0)),
        ("fri 9 30", 4, time(9, 30)),  # the router turns "9:30" into "9 30"
        ("wednesdays 16.45", 2, time(16, 45)),
        ("", 0, time(9, 0)),
        ("thu 12am", 3, time(0, 0)),
    ],
)
def test_prompt_schedules_are_read_forgivingly(said: str, weekday: int, at: time) -> None:
    assert parse_prompt_schedule(said) == PromptSchedule(weekday, at)


@pytest.mark.parametrize("said", ["monday 25:00", "fortnightly", "monday 9:75"])
def test_a_prompt_schedule_that_makes_no_sense_is_refused(said: str) -> None:
    with pytest.raises(ValueError):
        parse_prompt_schedule(said)


def test_the_next_prompt_is_the_next_such_weekday_in_london() -> None:
    monday_nine = PromptSchedule(0, time(9, 0))
    monday_ten_utc = datetime(2026, 11, 23, 10, tzinfo=UTC)  # Monday, after 09:00
    assert monday_nine.next_after(monday_ten_utc) == datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert monday_nine.next_after(datetime(2026, 11, 23, 8, tzinfo=UTC)) == datetime(
        2026, 11, 23, 9, tzinfo=UTC
    )
    # Across the spring clock change: 09:00 London on 29 March 2027 is 08:00 UTC.
    assert monday_nine.next_after(datetime(2027, 3, 25, tzinfo=UTC)) == datetime(
        2027, 3, 29, 8, tzinfo=UTC
    )
    assert monday_nine.label == "every Monday at 09:00"
    assert PromptSchedule.from_json(monday_nine.to_json()) == monday_nine


# ------------------------------------------------------------------------------- permissions

FAC, MEMBER, OUTSIDER, ADMIN = 1, 2, 3, 4
SESSION = Subject(org_id="org", author_id=FAC, channel_readers=frozenset({MEMBER}))
ACTION = Subject(org_id="org", tutor_id=MEMBER, author_id=FAC)


def _actor(person_id: int, *roles: Role, org: str = "org") -> Actor:
    return Actor(person_id=person_id, org_id=org, roles=frozenset(roles))


@pytest.mark.parametrize(
    ("permission", "subject", "allowed"),
    [
        (Permission.TAKE_PART_IN_CARDS, SESSION, {FAC, MEMBER}),
        (Permission.FACILITATE_CARDS, SESSION, {FAC, ADMIN}),
        (Permission.FACILITATE_CARDS, None, set()),
        (Permission.ADD_TO_DECK, SESSION, {FAC, ADMIN}),
        (Permission.ADD_TO_DECK, None, {ADMIN}),
        (Permission.UPDATE_CARD_ACTION, ACTION, {FAC, MEMBER}),
        (Permission.TAKE_PART_IN_CARDS, None, set()),
    ],
)
def test_who_may_do_what_with_progression_cards(
    permission: Permission, subject: Subject | None, allowed: set[int]
) -> None:
    people = {
        FAC: _actor(FAC),
        MEMBER: _actor(MEMBER),
        OUTSIDER: _actor(OUTSIDER, Role.QUALITY_COORDINATOR, Role.LINE_MANAGER, Role.HEAD_OF_TL),
        ADMIN: _actor(ADMIN, Role.ORG_ADMIN),
    }
    got = {pid for pid, actor in people.items() if can(actor, permission, subject)}
    assert got == allowed


def test_another_organisation_never_takes_part() -> None:
    assert not can(_actor(FAC, org="other"), Permission.TAKE_PART_IN_CARDS, SESSION)
    assert not can(_actor(ADMIN, Role.ORG_ADMIN, org="other"), Permission.ADD_TO_DECK, SESSION)


# ----------------------------------------------------------------------------------- exports

EXPORTED = _outcome(
    "Maths team",
    CardOutcome(
        "1.1",
        "Exploring the idea of progression.",
        "What does the term 'progression' mean to you?",
        (Contribution("Tom Tutor", "Moving on to level 3", AT),),
        (AgreedAction("Map our progression routes", "Mia Manager", date(2026, 12, 11)),),
    ),
    CardOutcome("1.2", "Exploring the idea of progression.", "Why is progression important:"),
)


def test_the_word_export_reads_back_with_every_contribution_and_action() -> None:
    doc = Document(io.BytesIO(outcome_docx(EXPORTED)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "Progression cards: Maths team" in paragraphs
    assert "1.1 What does the term 'progression' mean to you?" in paragraphs
    assert "Tom Tutor: Moving on to level 3" in paragraphs
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells == [
        ["What", "Who", "By when", "Done"],
        ["Map our progression routes", "Mia Manager", "11 Dec 2026", "No"],
    ]
    assert "Who owns what" in paragraphs and "Mia Manager" in paragraphs


def test_the_word_export_keeps_what_people_typed_line_breaks_and_all() -> None:
    typed = _outcome(
        "Maths & <English>",
        CardOutcome(
            "1.1",
            "Exploring the idea of progression.",
            "What does the term 'progression' mean to you?",
            (Contribution("Tom Tutor", "Level 3 <next>\nthen\tjobs & \x07money", AT),),
            (AgreedAction('Ask "why"', "Mia Manager", date(2026, 12, 11), True),),
        ),
    )
    doc = Document(io.BytesIO(outcome_docx(typed)))
    paragraphs = {p.text: p.style.name for p in doc.paragraphs}
    assert paragraphs["Progression cards: Maths & <English>"] == "Heading 1"
    assert paragraphs["Tom Tutor: Level 3 <next>\nthen\tjobs & money"] == "List Bullet"
    assert paragraphs["Who owns what"] == "Heading 2" and paragraphs["Mia Manager"] == "Heading 3"
    [table] = doc.tables
    assert table.style.name == "Table Grid"
    assert [c.text for c in table.rows[1].cells] == [
        'Ask "why"',
        "Mia Manager",
        "11 Dec 2026",
        "Yes",
    ]


def test_the_excel_export_reads_back_with_a_sheet_each_for_contributions_and_actions() -> None:
    wb = load_workbook(io.BytesIO(outcome_xlsx(EXPORTED, organisation="Northfield College")))
    assert wb.sheetnames == ["About", "Contributions", "Actions", "By card"]
    about = dict(wb["About"].iter_rows(min_row=4, max_col=2, values_only=True))
    assert about["Organisation"] == "Northfield College" and about["Group"] == "Maths team"
    assert about["Facilitator"] == "Cara Coach" and about["Date"] == "23 November 2026"
    contributions = list(wb["Contributions"].iter_rows(values_only=True))
    assert contributions[1][:5] == (
        "1.1",
        "What does the term 'progression' mean to you?",
        "Exploring the idea of progression.",
        "Tom Tutor",
        "Moving on to level 3",
    )
    actions = list(wb["Actions"].iter_rows(values_only=True))
    assert actions[1][2:4] == ("Map our progression routes", "Mia Manager")
    assert actions[1][4].date() == date(2026, 12, 11)
    for name in ("Contributions", "Actions", "By card"):
        assert wb[name].freeze_panes == "A2" and len(wb[name].tables) == 1
    [overdue] = [r for f in wb["Actions"].conditional_formatting for r in f.rules]
    assert overdue.formula == ['AND(ISNUMBER($E2),$E2<TODAY(),$F2="No")']
    by_card = list(wb["By card"].iter_rows(min_row=2, max_col=4, values_only=True))
    assert by_card == [("1.1", 1, 0, 1), ("1.2", 0, 0, 0)]
    assert len(wb["By card"]._charts) == 1  # openpyxl keeps the chart it read


def test_the_word_export_is_a4_with_uk_margins_the_organisation_in_the_header() -> None:
    doc = Document(io.BytesIO(outcome_docx(EXPORTED, organisation="Northfield College")))
    [section] = doc.sections
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    margins = (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    assert [round(m.cm, 2) for m in margins] == [2.54] * 4
    assert section.header.paragraphs[0].text == "Northfield College"
    [table] = doc.tables
    assert [round(c.width.cm, 1) for c in table.columns] == [8.4, 4.0, 2.3, 1.2]
    assert [round(c.width.cm, 1) for c in table.rows[1].cells] == [8.4, 4.0, 2.3, 1.2]
    header = table.rows[0]._tr
    assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr is None  # only the header row repeats
