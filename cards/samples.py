"""Every card the bot can send, filled with sample data: for the Designer, for review, for tests.

Each capability adds its cards to `SAMPLES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cards import admin, help, walks
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
    **walks.SAMPLES,
}


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in sorted(SAMPLES.items()):
        path = folder / f"{name}.json"
        path.write_text(json.dumps(build(), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
