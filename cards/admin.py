"""Admin cards: roles and the tutor list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import LONDON
from bot.domain.access import ROLE_LABELS, Role
from cards.base import (
    CardDict,
    actions_row,
    card,
    choice_input,
    execute,
    facts,
    said,
    text,
    text_input,
    title,
    with_error,
)

ROLE_CHOICES = tuple((ROLE_LABELS[r], r.value) for r in Role)


def grant_role_card(
    values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> CardDict:
    values = values or {}
    errors = errors or {}
    body = [
        title("Give someone a role"),
        text("People can hold several roles. Roles decide what each person can see.", subtle=True),
        *with_error(
            text_input(
                "email",
                "Email",
                value=values.get("email"),
                required=True,
                placeholder="name@college.ac.uk",
                style="email",
            ),
            errors,
            "email",
        ),
        *with_error(
            choice_input("role", "Role", ROLE_CHOICES, value=values.get("role"), required=True),
            errors,
            "role",
        ),
        *with_error(
            choice_input(
                "action",
                "Give or take away",
                [("Give", "grant"), ("Take away", "revoke")],
                value=values.get("action") or "grant",
                expanded=True,
            ),
            errors,
            "action",
        ),
    ]
    return card(body, [execute("Save", "admin.role", primary=True)])


@dataclass(frozen=True)
class RoleChange:
    name: str
    email: str
    role: str
    granted: bool
    changed: bool


def role_saved_card(change: RoleChange) -> CardDict:
    verb = "now has" if change.granted else "no longer has"
    outcome = "Saved" if change.changed else "No change"
    body = [
        title(f"{outcome}: roles"),
        text(f"{change.name or change.email} {verb} the role **{change.role}**."),
    ]
    return card(body, [execute("Change another role", "admin.role.open")])


@dataclass(frozen=True)
class PersonRoles:
    name: str
    email: str
    roles: Sequence[str]


def roles_card(people: Sequence[PersonRoles]) -> CardDict:
    body = [title("People and roles")]
    if not people:
        body.append(text("Nobody has a role yet. Import the tutor list or give someone a role."))
    else:
        body.append(facts([(p.name or p.email, ", ".join(p.roles)) for p in people[:50]]))
        if len(people) > 50:
            body.append(text(f"…and {len(people) - 50} more.", subtle=True))
    return card(body, [execute("Give someone a role", "admin.role.open")])


@dataclass(frozen=True)
class RoleLogLine:
    at: datetime
    person: str
    role: str
    granted: bool
    by: str
    why: str


def role_log_card(lines: Sequence[RoleLogLine]) -> CardDict:
    """The audit log of roles: every grant and revoke, newest first."""
    body = [title("Role changes")]
    if not lines:
        body.append(text("No role has been given or taken away yet."))
    for line in lines:
        change = "given" if line.granted else "taken away"
        when = line.at.astimezone(LONDON).strftime("%d %b %Y %H:%M")
        why = f" ({line.why})" if line.why else ""
        body.append(
            text(f"{when}: {said(line.person)} — {line.role} {change} by {said(line.by)}{why}")
        )
    body.append(text("The newest 50 changes. Type **admin audit** to see this again.", subtle=True))
    return card(body, [execute("People & roles", "admin.roles")])


def admin_card() -> CardDict:
    body = [
        title("TLC admin"),
        text(
            "Roles decide who sees what. The tutor list brings in names, campuses "
            "and line managers."
        ),
        actions_row(
            execute("Give a role", "admin.role.open"),
            execute("People & roles", "admin.roles"),
            execute("Role changes", "admin.audit"),
            execute("A person's data", "admin.person.open"),
        ),
        text(
            "To import the tutor list, send the CSV file to me in this chat with the words "
            "**admin import**. Columns: name, email, campus, curriculum_area, delivery_style, "
            "line_manager_email, learning_in_libraries, start_date.",
            subtle=True,
            size="small",
        ),
    ]
    return card(body)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    problems: Sequence[tuple[int, str]]


def import_result_card(result: ImportResult) -> CardDict:
    body = [
        title("Tutor list imported"),
        facts(
            [
                ("New tutors", str(result.created)),
                ("Updated", str(result.updated)),
                ("Rows with problems", str(len(result.problems))),
            ]
        ),
    ]
    if result.problems:
        body.append(text("These rows were not imported:", size="small"))
        body.append(facts([(f"Line {line}", msg) for line, msg in result.problems[:30]]))
    return card(body)
