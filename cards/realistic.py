"""The heaviest cards again, filled as a real college fills them: 16 themes, a 12-tutor team,
14 actions, 10 walks, every note as long as its form allows. `./dev cards` writes them next to
the small samples (`…-realistic`), and tests hold each under 40 KB, well inside Teams' limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from cards import observations as otla
from cards import walks
from cards.base import CardDict

NOTE = 2000  # the longest note a form takes
THEMES = tuple(
    (label, label.split()[0].lower())
    for label in (
        "Planning and preparation for learning",
        "Questioning and checking learning",
        "Stretch and challenge for every learner",
        "Differentiation and inclusive practice",
        "Assessment for learning and feedback",
        "Behaviour for learning and respect",
        "English, maths and digital skills",
        "Equality, diversity and inclusion",
        "Safeguarding, Prevent and British values",
        "Use of resources and learning technology",
        "Pace and use of time in the session",
        "Learner engagement and motivation",
        "Employability, careers and next steps",
        "Progress in the session over time",
        "Use of learning support assistants",
        "Health, safety and wellbeing",
    )
)
TUTORS = tuple(
    (name, str(i))
    for i, name in enumerate(
        (
            "Alexandra Fitzgerald-Henderson",
            "Bartholomew Okonkwo-Williams",
            "Catherine Montgomery-Smythe",
            "Dominic Abernathy-Castellanos",
            "Eleanor Whitfield-Nakamura",
            "Francesca Delacroix-Ogunleye",
            "Gwendolyn Ashworth-Patel",
            "Harriet Llewellyn-Kowalski",
            "Ignatius Featherstonehaugh",
            "Josephine Ravenscroft-Adeyemi",
            "Kwabena Mensah-Thornbury",
            "Lil Tutor (LiL)",
        ),
        start=3,
    )
)


def _note(start: str, length: int = NOTE) -> str:
    """A note of exactly `length` characters, as someone writing at length would."""
    words = f"{start} Learners worked in pairs on the task and most could explain their method. "
    return (words * (length // len(words) + 1))[:length]


def _walk_form() -> CardDict:
    return walks.walk_form_card(
        walks.WalkFormView(
            team_pk=1,
            team_name="Maths and English (16-18 study programmes)",
            tutors=TUTORS,
            themes=THEMES,
            minutes=tuple((str(m), str(m)) for m in (15, 20, 25, 30, 45)),
            today="2026-11-23",
            focus_default="Questioning to check learning and stretch the most able",
            channel="19:maths@thread.tacv2",
            drafts=[walks.DraftLine(7, "Fri 20 Nov"), walks.DraftLine(8, "Thu 19 Nov")],
            values={
                "tutors": "3,4,5",
                "course": _note("GCSE Maths resit", 200),
                "focus": _note("Questioning", 300),
                "went_well": ",".join(k for _, k in THEMES[:8]),
                "went_well_note": _note("Went well."),
                "even_better_if": ",".join(k for _, k in THEMES[8:]),
                "even_better_if_note": _note("Even better if."),
                "concern": "true",
                "concern_note": _note("Concern."),
            },
        )
    )


def _walk_summary() -> CardDict:
    return walks.walk_summary_card(
        walks.WalkSummaryView(
            walk_id=12,
            team_name="Maths and English (16-18 study programmes)",
            tutors=", ".join(name for name, _ in TUTORS[:3]),
            day="Mon 23 Nov 2026",
            course=_note("GCSE Maths resit", 200),
            minutes="45",
            focus=_note("Questioning", 300),
            went_well=[label for label, _ in THEMES[:8]],
            went_well_note=_note("Went well."),
            even_better_if=[label for label, _ in THEMES[8:]],
            even_better_if_note=_note("Even better if."),
            verbal_feedback="Yes",
            unplanned=True,
            heading="Learning walk saved",
            concern=True,
            concern_note=_note("Concern."),
            can_edit=True,
            can_export=True,
        )
    )


def _my_walks() -> CardDict:
    return walks.my_walks_card(
        TUTORS[0][0],
        [
            walks.MyWalkLine(20 - n, f"Mon {23 - n} Nov 2026", _note("Questioning", 300))
            for n in range(10)
        ],
    )


def _walk_summary_for_term() -> CardDict:
    counts = [f"{label} ({16 - i})" for i, (label, _) in enumerate(THEMES)]
    groups = [
        walks.FindingsGroup(f"{label} across the curriculum", 9, counts[:8], counts[8:])
        for label, _ in THEMES[:12]
    ]
    return walks.key_findings_card(
        walks.SummaryView(
            term_label="Autumn term 2026/27",
            walks=140,
            strengths=counts,
            areas=counts[::-1],
            by_focus=groups,
            by_team=groups,
        )
    )


def _completion() -> CardDict:
    statuses = ("done", "outstanding", "not_expected")
    return walks.walk_completion_card(
        walks.CompletionView(
            1,
            "Maths and English (16-18 study programmes)",
            "Autumn term 2026/27",
            "16 Nov – 27 Nov 2026",
            _note("Questioning", 300),
            [
                walks.CompletionLine(name, statuses[i % 3], "window 16 Nov – 27 Nov 2026")
                for i, (name, _) in enumerate(TUTORS)
            ],
            can_plan=True,
        )
    )


def _plan() -> CardDict:
    return walks.walk_plan_card(
        walks.PlanFormView(
            teams=[(f"Team {label}", str(i)) for i, (label, _) in enumerate(THEMES)],
            terms=[
                ("Autumn term 2026/27", "2026/27-autumn"),
                ("Spring term 2026/27", "2026/27-spring"),
                ("Summer term 2026/27", "2026/27-summer"),
            ],
            walkers=TUTORS,
            values={"team_pk": "1", "term": "2026/27-autumn", "focus": _note("Focus", 300)},
        )
    )


def _actions() -> CardDict:
    return otla.actions_card(
        otla.ActionsView(
            "Action review log",
            [
                otla.ActionItemView(
                    100 + n,
                    TUTORS[n % 12][0],
                    _note("Use directed questioning", 500),
                    TUTORS[(n + 1) % 12][0],
                    "Fri 15 Jan 2027",
                    "Outcome recorded" if n % 2 else "Open",
                    _note("Outcome.", 1000) if n % 2 else "",
                    overdue=n % 3 == 0,
                    can_record=True,
                    can_complete=n % 2 == 1,
                )
                for n in range(14)
            ],
            can_export=True,
        )
    )


_REPORT_FORM = otla.ReportFormView(
    observation_id=12,
    tutor=TUTORS[0][0],
    course=_note("ESOL Entry 2", 200),
    when="Tue 1 Dec 2026, 10:00–11:00",
    due="Fri 4 Dec 2026",
    themes=THEMES,
    owners=[(f"{TUTORS[0][0]} (tutor)", "tutor"), ("Mia Manager (line manager)", "line_manager")],
    grades=["Outstanding", "Good", "Requires improvement", "Inadequate"],
    return_comment=_note("Return.", 1000),
)


def _report_form() -> CardDict:
    values = {
        "strength_themes": ",".join(k for _, k in THEMES[:8]),
        "strengths": _note("Strengths."),
        "area_themes": ",".join(k for _, k in THEMES[8:]),
        "areas": _note("Areas."),
        "suggestions": _note("Suggestions.", 500),
        "best_practice_note": _note("Best practice.", 500),
        **{f"action_{i}": _note(f"Action {i}.", 500) for i in (1, 2, 3)},
    }
    return otla.report_form_card(_REPORT_FORM, values)


def _report_check() -> CardDict:
    return otla.report_card(
        otla.ReportView(
            observation_id=12,
            tutor=TUTORS[0][0],
            observer=TUTORS[1][0],
            course=_note("ESOL Entry 2", 200),
            when="Tue 1 Dec 2026, 10:00–11:00",
            status="Report submitted",
            strength_themes=[label for label, _ in THEMES[:8]],
            strengths=_note("Strengths."),
            area_themes=[label for label, _ in THEMES[8:]],
            areas=_note("Areas."),
            actions=[
                otla.ActionLine(_note(f"Action {i}.", 500), TUTORS[0][0], "Fri 15 Jan 2027")
                for i in (1, 2, 3)
            ],
            suggestions=_note("Suggestions.", 500),
            headline=f"A report to check: {TUTORS[0][0]}",
            best_practice_note=_note("Best practice.", 500),
            can_check=True,
        )
    )


def _allocate() -> CardDict:
    return otla.allocation_card(
        otla.AllocationFormView(
            tutors=TUTORS, observers=TUTORS[::-1], year="2026/27", can_lil=True, can_set_up=True
        )
    )


REALISTIC: Mapping[str, Callable[[], CardDict]] = MappingProxyType(
    {
        "walks-form-realistic": _walk_form,
        "walks-saved-realistic": _walk_summary,
        "walks-mine-realistic": _my_walks,
        "walks-summary-realistic": _walk_summary_for_term,
        "walks-completion-realistic": _completion,
        "walks-plan-realistic": _plan,
        "otla-actions-realistic": _actions,
        "otla-report-form-realistic": _report_form,
        "otla-report-check-realistic": _report_check,
        "otla-allocate-realistic": _allocate,
    }
)
