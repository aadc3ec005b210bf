"""Every card the bot can send, filled with sample data: for the Designer, for review, for tests.

Each capability adds its cards to `SAMPLES` (built once, read-only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cards import admin, help, preferences, privacy, quality, reminders, support, walks
from cards import observations as otla
from cards.base import CardDict
from cards.mentoring.samples import MENTORING_SAMPLES
from cards.progression.samples import PROGRESSION_SAMPLES
from cards.realistic import REALISTIC

_GENERAL: Mapping[str, Callable[[], CardDict]] = MappingProxyType(
    {
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
                commands=[help.CommandLine("help", "Show what I can do.")],
                greeting="Hello, I'm TLC.",
            )
        ),
        "help-unknown": lambda: help.help_card(
            help.HelpView(
                commands=[help.CommandLine("help", "Show what I can do.")],
                not_understood="wlak",
                suggestions=["walk", "walks"],
            )
        ),
        "help-command": lambda: help.command_help_card(
            help.CommandHelp(
                word="cards",
                summary="Work through the progression cards together: one lead question at a time.",
                usage=["cards", "cards schedule monday 09:00", "cards compare", "cards add"],
                aliases=["card", "deck"],
                places="a 1:1 chat with me and team channels and group chats",
                in_channel=True,
            )
        ),
        "admin": admin.admin_card,
        "admin-setup": lambda: admin.setup_card(
            admin.SetupView(
                roles=[
                    admin.RoleStep("quality", "Quality team", ["Quinn Quality"], ["7"]),
                    admin.RoleStep("managers", "Line managers", []),
                    admin.RoleStep("aps", "Advanced practitioners (APs)", []),
                ],
                people=[("Quinn Quality", "7"), ("Tom Tutor", "3")],
                tutors=0,
                teams=[admin.TeamOption(2, "Maths", 14)],
                terms=[
                    ("autumn", "2026-09-01", "2026-12-31"),
                    ("spring", "2027-01-01", "2027-03-31"),
                    ("summer", "2027-04-01", "2027-07-31"),
                ],
                own_terms=False,
                org_name="Northfield College",
                notice="TLC is new here: set it up in three steps.",
            )
        ),
        "admin-setup-nobody": lambda: admin.setup_card(
            admin.SetupView(
                roles=[admin.RoleStep("quality", "Quality team", [])],
                people=[],
                tutors=12,
                teams=[],
                terms=[("autumn", "2026-09-07", "2026-12-18")],
                own_terms=True,
                in_personal=False,
                errors={"tutor_csv": "Nothing imported: missing column: email."},
            )
        ),
        "admin-tutors": lambda: admin.tutor_list_card(
            admin.TutorPage(
                [
                    admin.TutorDetails(3, "Tom Tutor", "North", "Construction", "practical"),
                    admin.TutorDetails(4, "Rita Reader", "", "", None),
                ],
                page=1,
                pages=3,
                total=14,
                team_pk=2,
                team_name="Maths",
                notice="14 of Maths's members are now tutors.",
            )
        ),
        "admin-tutor-details-errors": lambda: admin.tutor_details_card(
            admin.TutorDetails(4, "Rita Reader", "", "", None),
            page=0,
            values={"campus": "North", "delivery_style": "remote"},
            errors={"delivery_style": "Choose practical / vocational, classroom-based or not set"},
        ),
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
        "admin-audit": lambda: admin.role_log_card(
            [
                admin.RoleLogLine(
                    datetime(2026, 11, 23, 10, 5, tzinfo=UTC),
                    "Sam Tutor",
                    "Quality coordinator",
                    True,
                    "Ada Admin",
                    "by an org admin",
                ),
                admin.RoleLogLine(
                    datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                    "Ada Admin",
                    "Org admin",
                    True,
                    "TLC",
                    "TLC_ADMINS",
                ),
            ]
        ),
        "privacy-log": lambda: privacy.access_log_card(
            [
                privacy.AccessLine(
                    "Amy Advanced",
                    "your support programme",
                    "Mon 23 Nov 2026 at 10:00",
                    "programme",
                )
            ],
            more=2,
        ),
        "privacy-log-empty": lambda: privacy.access_log_card([]),
        "privacy-exported": lambda: privacy.exported_card("Ada Admin"),
        "privacy-person": lambda: privacy.person_data_card(),
        "privacy-person-errors": lambda: privacy.person_data_card(
            {"email": "sam@example.ac.uk"}, {"confirm": "Turn this on to erase."}
        ),
        "privacy-erased": lambda: privacy.erased_card(
            "sam@example.ac.uk", {"support_referrals": 1}, {"learning_walks": 2}
        ),
        "admin-import": lambda: admin.import_result_card(
            admin.ImportResult(12, 3, [(7, "email: sam@college is not a valid email address")]),
            setup=True,
        ),
        "reminder": lambda: reminders.reminder_card(
            "Your observation is in one week",
            ["Maths with 10B, Monday 30 November at 10:00, observed by Olu Observer."],
            [
                reminders.NextStep("Add documents", "otla.docs.open", {"observation": 42}),
                reminders.NextStep(
                    "Ask to reschedule", "otla.reschedule.open", {"observation": 42}
                ),
            ],
            details=[("Room", "B204"), ("Focus", "Questioning")],
            note="Your line manager has the same reminder.",
        ),
        "reminders-undelivered": lambda: reminders.undelivered_card(
            reminders.UndeliveredView(
                lines=[
                    reminders.UndeliveredLine(
                        "Sam Tutor",
                        "Self-referral offers",
                        "Teams refused (403): the person blocked TLC or is not in the conversation",
                        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
                    )
                ],
                total=1,
                retryable=0,
            )
        ),
        "reminders-undelivered-none": lambda: reminders.undelivered_card(
            reminders.UndeliveredView(lines=[], total=0, retryable=0)
        ),
        "reminders-retried": lambda: reminders.retried_card(3),
        "settings": lambda: preferences.settings_card(
            preferences.SettingsView(
                choices=[
                    preferences.OptOutChoice(
                        "self_referral_offers",
                        "Offers of coaching support",
                        "Now and then I offer you time with an advanced practitioner.",
                        True,
                    ),
                ],
                always=[
                    "Observations: dates to agree, reports to write, check and approve",
                    "Documents you asked for",
                ],
                sending_hours="08:00–18:00, Monday to Friday; not on bank holidays",
                admin=True,
            )
        ),
        "settings-empty": lambda: preferences.settings_card(
            preferences.SettingsView(
                choices=[], always=[], sending_hours="08:00–18:00, Monday to Friday"
            )
        ),
        "settings-saved": lambda: preferences.settings_saved_card(
            preferences.SettingsSaved(
                turned_off=["Offers of coaching support"],
                still_on=[],
                always=["Observations: dates to agree, reports to write, check and approve"],
            )
        ),
        "settings-hours": lambda: preferences.sending_hours_card(),
        "settings-hours-errors": lambda: preferences.sending_hours_card(
            {"start": "09:00", "end": "13:00", "weekends": "true"},
            {"end": "The end must come after the start"},
        ),
        "settings-hours-saved": lambda: preferences.sending_hours_saved_card(
            "08:00–18:00, Monday to Friday; not on bank holidays"
        ),
        **PROGRESSION_SAMPLES,
        **MENTORING_SAMPLES,
        **walks.SAMPLES,
    }
)

# A tiny valid PNG (1x1) standing in for the termly chart, so the golden file stays stable.
_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
_THEMES = (
    ("Planning and preparation", "planning"),
    ("Questioning and checking learning", "questioning"),
)
# The one observed lesson the OTLA samples are about; each view below adds its own fields.
_LESSON: Mapping[str, Any] = MappingProxyType(
    {
        "observation_id": 12,
        "tutor": "Tom Tutor",
        "course": "ESOL Entry 2",
        "when": "Tue 1 Dec 2026, 10:00–11:00",
    }
)
_OBS = otla.ObservationCardView(
    **_LESSON,
    observer="Olive Observer",
    status="Date agreed",
    due="Fri 4 Dec 2026",
    documents=[
        otla.DocumentLine(1, "scheme.docx", None),
        otla.DocumentLine(2, "tracker", "https://example.org/t"),
    ],
    show_documents=True,
    buttons=[
        otla.Button(
            "Add to Teams calendar", url="https://teams.microsoft.com/l/meeting/new?subject=OTLA"
        ),
    ],
)
# The shared sample views: each sample below changes only what makes it that sample.
_OBS_TO_AGREE = replace(
    _OBS,
    when="To be agreed",
    status="Observer allocated",
    due=None,
    documents=[],
    show_documents=False,
    buttons=[],
)
_REPORT_FORM = otla.ReportFormView(
    **_LESSON,
    due="Fri 4 Dec 2026",
    themes=_THEMES,
    owners=[("Tom Tutor (tutor)", "tutor")],
)
_REPORT = otla.ReportView(
    **_LESSON,
    observer="Olive Observer",
    status="Report submitted",
    strength_themes=["Planning and preparation"],
    strengths="Clear outcomes shared and revisited.",
    area_themes=["Questioning and checking learning"],
    areas="More open questions to check learning.",
    actions=[
        otla.ActionLine("Use directed questioning each session", "Tom Tutor", "Fri 15 Jan 2027")
    ],
    suggestions="Observe a colleague's questioning in ESOL Entry 3.",
)
_OTLA: Mapping[str, Callable[[], CardDict]] = MappingProxyType(
    {
        "otla-allocate": lambda: otla.allocation_card(
            otla.AllocationFormView(
                tutors=[("Tom Tutor", "3"), ("Lil Tutor (LiL)", "4")],
                observers=[("Olive Observer", "5")],
                year="2026/27",
                can_lil=True,
            )
        ),
        "otla-allocate-errors": lambda: otla.allocation_card(
            otla.AllocationFormView(
                tutors=[("Tom Tutor", "3")], observers=[], year="2026/27", can_set_up=True
            ),
            {"tutor_id": "3", "observer_email": "nobody@college.ac.uk"},
            {"observer_email": "Nobody with that email yet: ask them to say hello to me first."},
        ),
        "otla-allocate-empty": lambda: otla.allocation_card(
            otla.AllocationFormView(
                tutors=[], observers=[], year="2026/27", tutor_list_empty=True, can_set_up=True
            )
        ),
        "otla-import": lambda: otla.import_result_card(
            otla.ImportView(
                "Observers allocated", 14, "Allocated", [(4, "tutor not on the tutor list")]
            )
        ),
        "otla-message": lambda: otla.message_card(
            "How did it go with Tom Tutor?",
            ["The written report is due by Fri 4 Dec 2026."],
            [
                otla.Button(
                    "Write the report", "otla.report.open", {"observation_id": 12}, primary=True
                )
            ],
        ),
        "otla-observation": lambda: otla.observation_card(_OBS),
        "otla-observation-propose": lambda: otla.observation_card(
            replace(
                _OBS_TO_AGREE,
                course="",
                headline="You're observing Tom Tutor",
                message="Please agree a class and date with Tom Tutor, ideally this autumn term.",
                can_propose=True,
                proposal_values={"day": "2026-11-30", "start": "10:00", "end": "11:00"},
                can_share_documents=False,
            )
        ),
        "otla-observation-accept": lambda: otla.observation_card(
            replace(
                _OBS_TO_AGREE,
                headline="Olive Observer proposed a date for the observation",
                proposal=otla.ProposalView(
                    "Olive Observer", "ESOL Entry 2", "Tue 1 Dec 2026, 10:00–11:00", "Room 4"
                ),
                can_accept=True,
                can_propose=True,
                collapse_proposal=True,
                proposal_values={
                    "course": "ESOL Entry 2",
                    "day": "2026-12-01",
                    "start": "10:00",
                    "end": "11:00",
                },
                warnings=[
                    "A learning walk is already planned that day: Maths walk. Choose another date?"
                ],
                show_documents=True,
                can_share_documents=True,
            )
        ),
        "otla-report-form": lambda: otla.report_form_card(
            replace(
                _REPORT_FORM,
                owners=[
                    ("Tom Tutor (tutor)", "tutor"),
                    ("Mia Manager (line manager)", "line_manager"),
                ],
                return_comment="Action 1 needs a target date in January.",
            ),
            {"strengths": "Clear outcomes.", "strength_themes": "planning"},
            {"action_1_date": "Give the action a target date"},
        ),
        "otla-report-form-graded": lambda: otla.report_form_card(
            replace(
                _REPORT_FORM,
                grades=["Outstanding", "Good", "Requires improvement", "Inadequate"],
                saved_note="Draft saved 10:42. Submit it when it's ready.",
            )
        ),
        "otla-report-check": lambda: otla.report_card(
            replace(
                _REPORT,
                headline="A report to check: Tom Tutor",
                can_check=True,
                best_practice_note="Superb use of realia",
            )
        ),
        "otla-report-approve": lambda: otla.report_card(
            replace(_REPORT, status="Checked", can_approve=True)
        ),
        "otla-report-tutor": lambda: otla.report_card(
            replace(
                _REPORT,
                status="Sent",
                headline="Your observation report",
                can_acknowledge=True,
            )
        ),
        "otla-todo": lambda: otla.todo_card(
            otla.TodoView(
                [
                    otla.TodoItem(
                        "Agree a class and date to observe Tom Tutor.",
                        otla.Button("Propose a date", "otla.open", {"observation_id": 12}),
                    ),
                    otla.TodoItem(
                        "Check the report for Sam Tutor.",
                        otla.Button(
                            "Open the report",
                            "otla.report.open",
                            {"observation_id": 13},
                            primary=True,
                        ),
                    ),
                ],
                [otla.Button("Planning & monitoring", "otla.plan")],
            )
        ),
        "otla-todo-empty": lambda: otla.todo_card(otla.TodoView([])),
        "otla-planning": lambda: otla.planning_card(
            otla.PlanningView(
                "2026/27",
                [
                    ("No observer yet", 2),
                    ("Allocated", 10),
                    ("Date agreed", 31),
                    ("Observed", 4),
                    ("Overdue", 1),
                    ("Approved", 40),
                ],
                [
                    otla.PlanningRow(
                        "Tom Tutor",
                        "Olive Observer",
                        "Overdue · Observed",
                        "Tue 1 Dec 2026, 10:00–11:00",
                    )
                ],
            )
        ),
        "quality-themes": lambda: quality.themes_card(
            quality.ThemesView(
                heading="Autumn term 2026/27 · Whole organisation",
                walks=40,
                reports=12,
                strengths=[
                    quality.ThemeLine(
                        "Planning and preparation",
                        9,
                        examples=[
                            quality.Example("Walk: Tom Tutor, 3 Dec", "walk.view", {"walk_id": 7})
                        ],
                    )
                ],
                areas=[
                    quality.ThemeLine(
                        "Questioning and checking learning", 7, "Questioning techniques"
                    )
                ],
                cpd=[("Questioning techniques", 7)],
                filters=quality.Filters(
                    "term:2026/27-autumn",
                    "org",
                    [("Autumn term 2026/27", "term:2026/27-autumn")],
                    [("Whole organisation", "org"), ("Team: Maths", "team:1")],
                ),
                chart_url=_PNG,
                chart_alt="Bar chart of the most frequent themes.",
                others=True,
            )
        ),
        "quality-completion": lambda: quality.completion_card(
            quality.CompletionView(
                heading="Autumn term 2026/27, OTLA 2026/27",
                lines=[quality.GridLine("Maths", 8, 2, 0, [("Approved", 4), ("Allocated", 6)])],
                lil=quality.GridLine("Learning in Libraries", 3, 0, 9, [("No observer", 12)]),
                chart_url=_PNG,
                chart_alt="Grid of tutors by team and status.",
                filters=quality.Filters(
                    "term:2026/27-autumn", "", [("Autumn term 2026/27", "term:2026/27-autumn")]
                ),
            )
        ),
        "quality-cpd-map": lambda: quality.cpd_map_card(
            quality.CpdMapView(
                [("questioning", "Questioning and checking learning", "Questioning techniques")],
                "Questioning and checking learning now points to: Questioning techniques.",
                can_edit=True,
            )
        ),
        "otla-best": lambda: otla.best_practice_card(
            "2026/27",
            [
                otla.BestPracticeItem(
                    "Tom Tutor",
                    "ESOL Entry 2",
                    "Tue 1 Dec 2026",
                    "Superb use of realia",
                    "Planning and preparation",
                )
            ],
        ),
        "otla-actions": lambda: otla.actions_card(
            otla.ActionsView(
                "Action review log",
                [
                    otla.ActionItemView(
                        7,
                        "Tom Tutor",
                        "Use directed questioning",
                        "Tom Tutor",
                        "Fri 15 Jan 2027",
                        "Open",
                        overdue=True,
                        can_record=True,
                    ),
                    otla.ActionItemView(
                        8,
                        "Tom Tutor",
                        "Share RARPA tracker",
                        "Mia Manager",
                        "Fri 29 Jan 2027",
                        "Outcome recorded",
                        "Tracker shared at team meeting",
                        can_record=True,
                        can_complete=True,
                    ),
                ],
                can_export=True,
                errors={"outcome_7": "Write what happened"},
            )
        ),
        "otla-lil": lambda: otla.lil_card(
            otla.LilView(
                "2026/27",
                5,
                2,
                [("LIB01 Family history · Lil Tutor · Wed 2 Dec 2026, 14:00–16:00", "1")],
                can_set_quotas=True,
            )
        ),
        "otla-induction": lambda: otla.induction_card(
            otla.InductionView(
                tutor_id=4,
                tutor="Lil Tutor",
                start="Mon 4 Jan 2027",
                otla_by="Mon 15 Feb 2027",
                otla_status="Needs an observer",
                items=[
                    ("Tutor Handbook (digital) given", "handbook"),
                    ("Linked up with another tutor", "buddy"),
                ],
                done=["handbook"],
                can_edit=True,
            )
        ),
        "otla-new-tutors": lambda: otla.new_tutors_card(
            [otla.NewTutorLine(4, "Lil Tutor", "Mon 4 Jan 2027", "1 of 9 done")]
        ),
    }
)


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

_SUPPORT: Mapping[str, Callable[[], CardDict]] = MappingProxyType(
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
                [
                    "**Support to good**: 8 weeks, ending with a sign-off observation; an update "
                    "goes to their line manager every 2 weeks.",
                    "**Informal support**: as and when, no timeline.",
                ],
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
                [support.ActionLine(1, "Use a seating plan")],
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

SAMPLES: Mapping[str, Callable[[], CardDict]] = MappingProxyType(
    {**_GENERAL, **_OTLA, **_SUPPORT, **REALISTIC}
)


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in sorted(SAMPLES.items()):
        path = folder / f"{name}.json"
        path.write_text(json.dumps(build(), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
