"""Sample data for every progression card, for the Designer, for review and for golden tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from types import MappingProxyType
from typing import Any

from bot.domain.progression import (
    AgreedAction,
    CardOutcome,
    ComparedCard,
    Contribution,
    Deck,
    LeadQuestion,
    SessionOutcome,
    WayOfWorking,
    own_question,
)
from cards import progression as pc
from cards.base import CardDict

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


@cache
def _deck() -> Deck:
    return Deck.from_json(json.loads(pc.DECK_FILE.read_text(encoding="utf-8")))


def _card(key: str) -> LeadQuestion:
    found = _deck().card(key)
    assert found is not None
    return found


def _live(key: str, side: pc.Side, **extra: Any) -> CardDict:
    view = pc.LiveCardView(
        session_id=12,
        position=1,
        total=6,
        way=WayOfWorking.TEAM,
        group="Maths team",
        issue_title="Exploring the idea of progression.",
        card=_card(key),
        contributions=[
            pc.ContributionLine("Tom Tutor", "Moving on to level 3 maths next year."),
            pc.ContributionLine("Mia Manager", "Getting a job that uses what they learned."),
        ],
        actions=[AgreedAction("Map our progression routes", "Mia Manager", date(2026, 12, 11))],
        side=side,
        owner_choices=[("Cara Coach", "1"), ("Mia Manager", "3"), ("Tom Tutor", "2")],
        default_owner="1",
        default_due="2026-12-07",
        user_ids=["29:coach", "29:tutor", "29:manager"],
    )
    return pc.live_card(replace(view, **extra))


OUTCOME = SessionOutcome(
    group="Maths team",
    way=WayOfWorking.TEAM,
    facilitator="Cara Coach",
    started_on=date(2026, 11, 23),
    session_id=12,
    cards=(
        CardOutcome(
            "1.1",
            "Exploring the idea of progression.",
            "What does the term 'progression' mean to you?",
            (
                Contribution("Tom Tutor", "Moving on to level 3 maths next year.", AT),
                Contribution("Mia Manager", "Getting a job that uses what they learned.", AT),
            ),
            (AgreedAction("Map our progression routes", "Mia Manager", date(2026, 12, 11)),),
        ),
        CardOutcome(
            "1.2",
            "Exploring the idea of progression.",
            "Why is progression important:",
            (Contribution("Tom Tutor", "Confidence.", AT),),
            (AgreedAction("Talk to the careers team", "Tom Tutor", date(2026, 12, 4), True),),
        ),
    ),
)

ISSUES = tuple(pc.IssueChoice(i.number, i.title, len(i.questions)) for i in _deck().issues)

PROGRESSION_SAMPLES: Mapping[str, Callable[[], CardDict]] = MappingProxyType(
    {
        "progression-setup": lambda: pc.setup_card(
            pc.SetupView(12, WayOfWorking.TEAM, "Maths", "Cara Coach", ISSUES, chosen=[1, 6])
        ),
        "progression-setup-error": lambda: pc.setup_card(
            pc.SetupView(
                12,
                WayOfWorking.TEAM,
                "Maths",
                "Cara Coach",
                [*ISSUES, pc.IssueChoice(7, "Careers guidance", 2, own=True)],
                errors={"issues": "Choose at least one strategic issue"},
            )
        ),
        "progression-front": lambda: _live("1.2", "front"),
        "progression-front-error": lambda: _live(
            "1.1", "front", errors={"contribution": "Write your contribution first"}
        ),
        "progression-back": lambda: _live("1.2", "back"),
        "progression-back-notes": lambda: _live("5.1", "back"),
        "progression-action": lambda: _live(
            "1.2",
            "action",
            values={"what": "Map routes", "who": "3", "by_when": "2026-11-01"},
            errors={"by_when": "Choose today or a later date."},
        ),
        "progression-prompt": lambda: _live(
            "1.2", "front", banner="This week's coaching card: add your thoughts any time."
        ),
        "progression-paused": lambda: pc.paused_card(
            pc.PausedView(
                12,
                "Maths team",
                WayOfWorking.TEAM,
                1,
                6,
                "1.2",
                "Why is progression important:",
                date(2026, 11, 23),
                3,
                1,
            )
        ),
        "progression-resume": lambda: pc.resume_offer_card(
            pc.ResumeOffer(
                12,
                "Maths team",
                "paused",
                1,
                6,
                "1.2",
                "Why is progression important:",
                date(2026, 11, 23),
            )
        ),
        "progression-summary": lambda: pc.summary_card(pc.SummaryView(OUTCOME, finished=True)),
        "progression-summary-so-far": lambda: pc.summary_card(
            pc.SummaryView(OUTCOME, finished=False)
        ),
        "progression-compare-choice": lambda: pc.compare_choice_card(
            [
                pc.SessionChoice(12, "Maths team · With your team · 23 Nov · issues 1, 6"),
                pc.SessionChoice(13, "English · With your team · 24 Nov · issues 1"),
            ]
        ),
        "progression-compare-none": lambda: pc.compare_choice_card([]),
        "progression-compare": lambda: pc.compare_card(
            ["Maths team", "English"],
            [
                ComparedCard(
                    "1.1", "What does the term 'progression' mean to you?", (OUTCOME.cards[0], None)
                ),
                ComparedCard(
                    "1.2", "Why is progression important:", (OUTCOME.cards[1], OUTCOME.cards[1])
                ),
            ],
        ),
        "progression-own-issue": lambda: pc.own_issue_card(
            pc.OwnIssueFormView(
                _deck().template, 7, session_id=12, errors={"title": "This is required"}
            )
        ),
        "progression-own-question": lambda: pc.own_question_card(
            pc.OwnQuestionFormView(
                [(f"{i.number}. {i.title}", str(i.number)) for i in _deck().issues],
                _deck().template,
            )
        ),
        "progression-deck-added": lambda: pc.deck_added_card(
            "Added: strategic issue 7, Careers guidance",
            [own_question(7, 1, "Who gives careers advice here?", ["Tutors", "The careers team"])],
            session_id=12,
        ),
        "progression-action-reminder": lambda: pc.action_reminder_card(
            pc.ActionReminderView(
                5,
                "Map our progression routes",
                date(2026, 12, 11),
                "Maths team",
                "1.1",
                "What does the term 'progression' mean to you?",
            )
        ),
        "progression-action-done": lambda: pc.action_done_card(
            "Map our progression routes", "Mia Manager"
        ),
        "progression-prompts-scheduled": lambda: pc.prompts_scheduled_card(
            12, "every Monday at 09:00", "Maths team"
        ),
        "progression-prompts-stopped": lambda: pc.prompts_scheduled_card(12, None, "Maths team"),
    }
)
