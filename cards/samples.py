"""Every card the bot can send, filled with sample data: for the Designer, for review, for tests.

Each capability adds its cards to `SAMPLES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cards import admin, help, preferences, reminders
from cards.base import CardDict

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
    "reminder": lambda: reminders.reminder_card(
        "Your observation is in one week",
        ["Maths with 10B, Monday 30 November at 10:00, observed by Olu Observer."],
        [
            reminders.NextStep("Add planning documents", "otla.docs.open", {"observation": 42}),
            reminders.NextStep("Ask to reschedule", "otla.reschedule.open", {"observation": 42}),
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
                    "Self referral offers",
                    "Offers of peer support after an observation or once a term",
                    True,
                ),
                preferences.OptOutChoice("card_prompts", "Card prompts", "", False),
            ],
            always=["Observation reminders", "Report deadlines"],
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
            turned_off=["Card prompts"],
            still_on=["Self referral offers"],
            always=["Observation reminders"],
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
}


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in sorted(SAMPLES.items()):
        path = folder / f"{name}.json"
        path.write_text(json.dumps(build(), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
