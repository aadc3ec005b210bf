"""Issue 10 point 3: another person's words are shown as text, on every card that shows them.

`cards.base.said` marks someone's words in a view; `card()` is the one place that escapes them
where Teams renders markdown (text blocks and facts) and leaves them as typed elsewhere (input
values). Each card below carries `EVIL` in every field that holds someone's own words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.domain.progression import (
    AgreedAction,
    CardOutcome,
    ComparedCard,
    Contribution,
    WayOfWorking,
    compare,
)
from cards import admin, samples, support, walks
from cards import observations as otla
from cards import progression as pc
from cards.base import card, escape_markdown, facts, markdown, said, text, text_input
from cards.progression import samples as progression_samples
from cards.samples import SAMPLES
from tests.support.cards import EVIL, live_markdown

E = EVIL
AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


def evil[T](record: T, fields: str, **others: Any) -> T:
    """A sample view with each of `fields` (names, as namedtuple takes them) set to `EVIL`, and
    `others` as given."""
    return replace(record, **dict.fromkeys(fields.split(), E), **others)


def test_escaped_words_render_as_themselves() -> None:
    assert escape_markdown("[a](https://x)") == "\\[a\\](https://x)"
    assert escape_markdown("![i](https://x/i.png)") == "!\\[i\\](https://x/i.png)"
    assert escape_markdown("**b** _i_ ~s~ `c`") == "\\*\\*b\\*\\* \\_i\\_ \\~s\\~ \\`c\\`"
    assert escape_markdown("# h\n> q\n- l\n+ l\n12. n\n  3) n") == (
        "\\# h\n\\> q\n\\- l\n\\+ l\n12\\. n\n  3\\) n"
    )
    assert escape_markdown("<https://x> a\\b") == "\\<https://x> a\\\\b"
    assert escape_markdown("Tom (ESOL) - 3.5 hours, 100%") == "Tom (ESOL) - 3.5 hours, 100%"


def test_only_what_is_said_is_escaped_and_our_own_markdown_stays() -> None:
    assert markdown(f"**{said('Tom *T*')}** wrote") == "**Tom \\*T\\*** wrote"


def test_card_escapes_text_and_facts_but_not_what_an_input_holds() -> None:
    built = card(
        [
            text(f"Hi {said(E)}"),
            facts([(said(E), said(E))]),
            text_input("x", "X", value=said(E)),
        ]
    )
    assert live_markdown(built) == []
    assert built["body"][2]["value"] == E  # prefilled as typed: it is not markdown there
    assert "\ue000" not in json.dumps(built) and "\ue001" not in json.dumps(built)


def test_nothing_said_leaks_its_marks_into_a_sample_card() -> None:
    for name, build in SAMPLES.items():
        dumped = json.dumps(build())
        assert "\ue000" not in dumped and "\ue001" not in dumped, name


def _live(side: pc.Side) -> dict[str, Any]:
    return progression_samples._live(
        "1.1",
        side,
        group=E,
        contributions=[pc.ContributionLine(E, E)],
        actions=[AgreedAction(E, E, date(2026, 12, 11))],
    )


OUTCOME = evil(
    progression_samples.OUTCOME,
    "group facilitator",
    cards=(
        CardOutcome(
            "1.1",
            "Exploring the idea of progression.",
            "What does the term 'progression' mean to you?",
            (Contribution(E, E, AT),),
            (AgreedAction(E, E, date(2026, 12, 11)),),
        ),
    ),
)

CARDS: dict[str, Callable[[], dict[str, Any]]] = {
    # support: the AP reads the tutor's referral; each reads the other's words on the programme
    "referral for the AP": lambda: support.referral_for_ap_card(
        support.ReferralForAp(3, E, E, E, "Coaching", "Mornings", "Practical", [], [], "")
    ),
    "referral saved (the AP's name)": lambda: support.referral_saved_card(
        support.ReferralSaved(3, "Behaviour", E, ["works at Hitchin"])
    ),
    **{
        f"programme ({viewer})": (
            lambda viewer=viewer: support.programme_card(
                evil(
                    samples._support_programme(viewer),
                    "tutor practitioner line_manager_note",
                    actions=[support.ActionLine(1, E, "Done")],
                    objectives=[E],
                    reflections=[E],
                    sessions=[support.TimelineLine("Tue 24 Nov", E)],
                )
            )
        )
        for viewer in ("tutor", "practitioner", "head")
    },
    "update for the tutor": lambda: support.update_for_tutor_card(1, 1, E, E, E),
    "update for the line manager": lambda: support.update_for_line_manager_card(E, 1, 4, E, E),
    "report for the head": lambda: support.report_for_head_card(
        evil(samples._SUPPORT_REPORT, "tutor sessions actions progress concerns"),
        E,
    ),
    "week-12 review": lambda: support.review_card(
        support.ReviewView(7, E, E, "Mon 23 Nov", "12", 4, "Not yet", [E], "5")
    ),
    "caseloads": lambda: support.caseloads_card([support.CaseloadCount(E, E, 1, 10)], 0, 0),
    # progression cards: the live channel card, its summary, the comparison, reminders
    "live card, front": lambda: _live("front"),
    "live card, action form": lambda: _live("action"),
    "summary": lambda: pc.summary_card(pc.SummaryView(OUTCOME, finished=True)),
    "setup": lambda: pc.setup_card(
        pc.SetupView(1, WayOfWorking.TEAM, "Maths", E, progression_samples.ISSUES)
    ),
    "compare": lambda: pc.compare_card([E, "English"], pc_compared()),
    "action reminder": lambda: pc.action_reminder_card(
        pc.ActionReminderView(1, E, date(2026, 12, 11), E, "1.1", "What?")
    ),
    "action done": lambda: pc.action_done_card(E, E),
    # learning walks
    "walk summary": lambda: walks.walk_summary_card(
        walks.WalkSummaryView(
            1,
            "Maths",
            E,
            "Mon 23 Nov",
            E,
            "20",
            "Questioning",
            [],
            E,
            [],
            E,
            "Yes",
            False,
            concern_note=E,
            concern=True,
        )
    ),
    "walk saved notice": lambda: walks.walk_saved_notice_card(
        walks.WalkNoticeView(1, "Maths", "Mon 23 Nov", 1, E)
    ),
    "my walks": lambda: walks.my_walks_card("Tom", [walks.MyWalkLine(1, "Mon", E)]),
    "completion": lambda: walks.walk_completion_card(
        walks.CompletionView(1, "Maths", "Autumn", None, None, [walks.CompletionLine(E, "done")])
    ),
    "window end": lambda: walks.window_end_card(
        walks.OutstandingTeam(1, "Maths", "23 Nov – 4 Dec", "Questioning", [E])
    ),
    # observations
    "observation with a proposal": lambda: otla.observation_card(
        evil(
            samples._OBS,
            "tutor observer course",
            proposal=otla.ProposalView(E, E, "Tue 1 Dec", E),
            documents=[otla.DocumentLine(1, E, None)],
        )
    ),
    "report": lambda: otla.report_card(
        evil(
            samples._REPORT,
            "tutor observer course strengths areas suggestions best_practice_note return_comment",
            actions=[otla.ActionLine(E, E, "Fri 15 Jan")],
        )
    ),
    "actions log": lambda: otla.actions_card(
        otla.ActionsView("Actions", [otla.ActionItemView(1, E, E, E, "Jan", "Open", outcome=E)])
    ),
    "best practice": lambda: otla.best_practice_card(
        "2026/27", [otla.BestPracticeItem(E, E, "Tue", E, "Q")]
    ),
    "planning": lambda: otla.planning_card(
        otla.PlanningView("2026/27", [], [otla.PlanningRow(E, E, "Late", "Tue")])
    ),
    # admin: the role log names people
    "role changes": lambda: admin.role_log_card(
        [admin.RoleLogLine(AT, E, "Tutor", True, E, "by an org admin")]
    ),
}


def pc_compared() -> list[ComparedCard]:
    return compare([OUTCOME, replace(OUTCOME, group="English")])


@pytest.mark.parametrize("name", sorted(CARDS))
def test_another_persons_words_are_text_on_the_card(name: str) -> None:
    built = CARDS[name]()
    assert live_markdown(built) == [], name
