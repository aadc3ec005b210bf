"""Every card the bot can send, filled with sample data: for the Designer, for review, for tests.

Each capability adds its cards to `SAMPLES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cards import admin, help, support, walks
from cards.base import CardDict
from cards.progression_samples import PROGRESSION_SAMPLES

SAMPLES: dict[str, Callable[[], CardDict]] = {
    "help": lambda: help.help_card(
        help.HelpView(
            commands=[
                help.CommandLine("help", "Show what I can do."),
                help.CommandLine("walk", "Log a learning walk."),
            ]
        )
    ),
    "help-welcome": lambda: help.help_card(
        help.HelpView(
            commands=[help.CommandLine("help", "Show what I can do.")], greeting="Hello, I'm TLC."
        )
    ),
    "help-unknown": lambda: help.help_card(
        help.HelpView(
            commands=[help.CommandLine("help", "Show what I can do.")],
            not_understood="wlak",
            suggestions=["walk", "walks"],
        )
    ),
    "admin": admin.admin_card,
    "admin-role": lambda: admin.grant_role_card(),
    "admin-role-errors": lambda: admin.grant_role_card(
        {"email": "not-an-email", "role": ""},
        {"email": "Not a valid email address", "role": "Choose a role"},
    ),
    "admin-role-saved": lambda: admin.role_saved_card(
        admin.RoleChange("Sam Tutor", "sam@example.ac.uk", "Line manager", True, True)
    ),
    "admin-roles": lambda: admin.roles_card(
        [admin.PersonRoles("Sam Tutor", "sam@example.ac.uk", ["Tutor", "Observer"])]
    ),
    "admin-import": lambda: admin.import_result_card(
        admin.ImportResult(12, 3, [(7, "email: value is not a valid email address")])
    ),
    **PROGRESSION_SAMPLES,
    **walks.SAMPLES,
}


def _support_referral_view() -> support.ReferralFormView:
    return support.ReferralFormView(
        topics=[("Behaviour management", "behaviour"), ("Questioning", "questioning")],
        ways=[("One-to-one coaching", "coaching"), ("Team teaching", "team_teaching")],
        times=[("Mornings", "mornings"), ("Afternoons", "afternoons")],
        campuses=[("Hitchin", "Hitchin"), ("Stevenage", "Stevenage"), ("Any campus", "any")],
    )


def _support_programme(viewer: str) -> support.ProgrammeView:
    return support.ProgrammeView(
        programme_id=7,
        tutor="Sam Tutor",
        practitioner="Amy Advanced",
        kind="Support to good",
        summary="8 weeks with objectives and milestones and a sign-off observation.",
        status="Week 3 of 8",
        timeline=[
            support.TimelineLine("Mon 23 Nov", "Self-rating (start)", True),
            support.TimelineLine("Mon 7 Dec", "Update 1 to line manager"),
        ],
        sessions=[support.TimelineLine("Tue 24 Nov", "Developmental observation")],
        actions=[support.ActionLine(1, "Use a seating plan", "Done")],
        objectives=["Calm, purposeful starts to lessons"],
        reflections=["The quiz start worked."],
        viewer=viewer,
        can_extend=True,
    )


_SUPPORT_REPORT = support.ReportFormView(
    7,
    "2026-11",
    "November 2026",
    "Sam Tutor",
    "2 session(s) this month.",
    "1 action(s) done, 1 open.",
    "Support to good, week 2 of 8.",
    "",
)
_TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

SAMPLES.update(
    {
        "support-referral": lambda: support.referral_card(
            _support_referral_view(), {"topics": "behaviour", "campus": "Hitchin"}
        ),
        "support-referral-errors": lambda: support.referral_card(
            _support_referral_view(), {"campus": "Hitchin"}, {"ways": "Choose at least one way"}
        ),
        "support-referral-saved": lambda: support.referral_saved_card(
            support.ReferralSaved(
                3,
                "Support with Behaviour management; by One-to-one coaching.",
                "Amy Advanced",
                ["works at Hitchin"],
            )
        ),
        "support-referral-waiting": lambda: support.referral_saved_card(
            support.ReferralSaved(3, "Support with Questioning; by Team teaching.", None)
        ),
        "support-referral-for-ap": lambda: support.referral_for_ap_card(
            support.ReferralForAp(
                3,
                "Sam Tutor",
                "Hitchin",
                "Behaviour management",
                "One-to-one coaching",
                "Mornings",
                "Practical / vocational",
                ["works at Hitchin"],
                [("Support to good", "support_to_good"), ("Informal support", "informal")],
                "informal",
            )
        ),
        "support-programme-tutor": lambda: support.programme_card(_support_programme("tutor")),
        "support-programme-ap": lambda: support.programme_card(_support_programme("practitioner")),
        "support-caseload": lambda: support.caseload_card(
            "Amy Advanced",
            [support.CaseloadLine(7, "Sam Tutor", "Support to good", "Week 3 of 8")],
            10,
        ),
        "support-session": lambda: support.session_form_card(
            support.SessionFormView(
                7,
                "Sam Tutor",
                [("Coaching", "coaching"), ("Feedback", "feedback")],
                "2026-11-24",
                [support.ReviewAction(1, "Use a seating plan")],
                [("Done", "done"), ("Not yet", "not_started")],
                True,
            )
        ),
        "support-objectives": lambda: support.objectives_card(
            7, "Sam Tutor", "Calm starts", "Week 4: seating plan in use"
        ),
        "support-reflection": lambda: support.reflection_card(7),
        "support-rating": lambda: support.rating_card(
            support.RatingFormView(
                7,
                "middle",
                [("Questioning", "questioning"), ("Behaviour", "behaviour")],
                {"questioning": 4},
            )
        ),
        "support-chart": lambda: support.rating_chart_card(
            support.ChartView(7, _TINY_PNG, ["start", "middle"], "Average change: +1.5.")
        ),
        "support-checklist": lambda: support.checklist_card("Questioning\nBehaviour"),
        "support-update-draft": lambda: support.update_draft_card(
            7, "Sam Tutor", 1, 4, "Update 1 of 4 (Support to good). Sessions: 2."
        ),
        "support-update-for-tutor": lambda: support.update_for_tutor_card(
            5, 1, "Amy Advanced", "Mia Manager", "Two sessions; good engagement."
        ),
        "support-update-for-line-manager": lambda: support.update_for_line_manager_card(
            "Sam Tutor", 1, 4, "Amy Advanced", "Two sessions; good engagement."
        ),
        "support-review": lambda: support.review_card(
            support.ReviewView(
                7,
                "Sam Tutor",
                "Amy Advanced",
                "Mon 23 Nov",
                "12 weeks (extended)",
                9,
                "Not met",
                ["Calm starts"],
                "+0.4 on average",
            )
        ),
        "support-monthly-prompt": lambda: support.monthly_prompt_card(
            "2026-11", "November 2026", [support.ReportPromptLine(7, "Sam Tutor", False)]
        ),
        "support-report": lambda: support.report_form_card(_SUPPORT_REPORT),
        "support-report-for-head": lambda: support.report_for_head_card(
            _SUPPORT_REPORT, "Amy Advanced"
        ),
        "support-caseloads": lambda: support.caseloads_card(
            [support.CaseloadCount("Amy Advanced", "Hitchin", 3, 10)], 1, 0
        ),
        "support-offer": lambda: support.offer_card("term"),
        "support-offer-induction": lambda: support.offer_card("induction"),
        "support-note": lambda: support.note_card(
            "Session logged", ["Amy Advanced logged your coaching on Tue 24 Nov."]
        ),
    }
)


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in sorted(SAMPLES.items()):
        path = folder / f"{name}.json"
        path.write_text(json.dumps(build(), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
