"""Sample mentoring and coaching cards (seed 003), for the Designer, review and golden tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType

from cards import mentoring as m
from cards.base import CardDict

_AGREEMENT = m.AgreementView(
    rel_id=7,
    mentee=m.PartyView("Tom Tutor", "Construction maths", "Lecturer", "North Herts College"),
    mentor=m.PartyView("Ben Bright", "Maths", "Lecturer in maths", "North Herts College"),
    mentor_agrees=["To maintain appropriate confidentiality about mentoring discussions"],
    mentee_agrees=["To evaluate the mentor's observations"],
    organisation_agrees=["To give the mentor a minimum of 20 hours per year, per mentee"],
    objectives=[
        m.ObjectiveView(
            "Plan three practical maths starters",
            "3 starters used",
            "Fri 12 Feb 2027",
            "▰▰▰▰▱▱▱▱▱▱ 40%",
        )
    ],
    meeting="Every other Tuesday 4pm, Hitchin staff room",
    reviews=[("Initial review", "Mon 7 Dec 2026"), ("Report (January)", "Fri 15 Jan 2027")],
    recipients=["olly@college.ac.uk"],
    confirmations=["Ben Bright proposed the agreement on Mon 23 Nov 2026"],
    in_effect=False,
    pending="Ben Bright proposed this agreement: confirm it to put it in effect.",
    can_confirm=True,
    meetings=["Mon 23 Nov 2026: Starters for area and perimeter"],
    observations=[("Mon 23 Nov 2026, Mentor observed mentee: Great questioning", 3)],
)

# The first card after a match: nothing written, nothing proposed (its next step, "Fill in /
# edit", is the coloured button).
_NEW_AGREEMENT = replace(
    _AGREEMENT,
    mentee=m.PartyView("Tom Tutor", "Construction maths", "", ""),
    objectives=[],
    meeting="—",
    recipients=[],
    confirmations=[],
    pending="",
    can_confirm=False,
    meetings=(),
    observations=(),
)

_GROW = m.CoachView(
    conv_id=5,
    model="GROW",
    step_no=2,
    steps=4,
    step_label="Reality",
    question="Where are you now?",
    earlier=[("Goal", "Learners ask questions unprompted")],
)

MENTORING_SAMPLES: Mapping[str, Callable[[], CardDict]] = MappingProxyType(
    {
        "mentoring-offer": lambda: m.offer_card({"specialisms": "maths", "capacity": "2"}),
        "mentoring-search": lambda: m.search_card(
            m.SearchView(
                "maths",
                [
                    m.SuggestionView(
                        11,
                        "Amy Able",
                        ["Maths"],
                        "Hitchin",
                        ["mentors in Maths", "also at Hitchin", "2 of 2 places free"],
                    )
                ],
            )
        ),
        "mentoring-search-none": lambda: m.search_card(
            m.SearchView(
                "plumbing",
                [],
                nearest=["Maths"],
                external=[
                    m.ExternalView("Herts CETT", "brokerage", ["plumbing"], "mentors@example.org")
                ],
            )
        ),
        "mentoring-request": lambda: m.request_card("Tom Tutor", "maths", 7),
        "mentoring-agreement": lambda: m.agreement_card(_AGREEMENT),
        "mentoring-agreement-new": lambda: m.agreement_card(_NEW_AGREEMENT),
        "mentoring-agreement-form-errors": lambda: m.agreement_form_card(
            7,
            {"objective_1_what": "Improve maths", "objective_1_by": "2026-11-01"},
            {
                "objective_1_what": "Make it specific: an action someone could see you doing.",
                "objective_1_by": "Choose a date in the future.",
            },
        ),
        "mentoring-meeting": lambda: m.meeting_form_card(7, ["Plan three starters"], {}),
        "mentoring-observation": lambda: m.observation_form_card(7, {}),
        "mentoring-review": lambda: m.review_card(
            "Initial review is due: the draft",
            ["Initial review: 1 meeting logged."],
            ["Olly"],
            9,
        ),
        "mentoring-capacity": lambda: m.capacity_card(
            [m.CapacityLine("Ben Bright", "Maths", 1, 2)], ["Tom Tutor"], 1
        ),
        "coach-grow": lambda: m.coach_card(_GROW),
        "coach-paused": lambda: m.coach_card(
            m.CoachView(5, "GROW", 2, 4, "Reality", "Where are you now?", paused=True)
        ),
        "coach-actions": lambda: m.coach_card(
            m.CoachView(5, "OSKAR", 4, 4, "Affirm + action", "What will you do?", actions=True)
        ),
        "coach-done": lambda: m.coach_done_card(
            5,
            "GROW",
            [("Goal", "Questions")],
            ["Try think-pair-share (by Fri 4 Dec 2026)"],
            share_with=[(7, "Ben Bright", False), (9, "Amy Able", True)],
        ),
        "coach-review": lambda: m.coach_review_card(5, "Calmer starts", 3),
    }
)
