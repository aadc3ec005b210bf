"""Admin cards: roles and the tutor list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from bot.domain.access import ROLE_LABELS, Role
from bot.domain.local_time import LONDON
from bot.domain.words import plural
from cards import base
from cards.inputs import EMPTY, choice_field

ROLE_CHOICES = tuple((ROLE_LABELS[r], r.value) for r in Role)


def grant_role_card(
    values: Mapping[str, str] = EMPTY, errors: Mapping[str, str] = EMPTY
) -> base.CardDict:
    body = [
        base.title("Give someone a role"),
        base.text(
            "People can hold several roles. Roles decide what each person can see.", subtle=True
        ),
        *base.email_field(values, errors),
        *choice_field("role", "Role", ROLE_CHOICES, values, errors, required=True),
        *base.with_error(
            base.choice_input(
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
    return base.form_card(body, "admin.role")


@dataclass(frozen=True)
class RoleChange:
    name: str
    email: str
    role: str
    granted: bool
    changed: bool
    what_follows: str = ""


def role_saved_card(change: RoleChange) -> base.CardDict:
    verb = "now has" if change.granted else "no longer has"
    outcome = "Saved" if change.changed else "No change"
    body = [
        base.title(f"{outcome}: roles"),
        base.text(f"{change.name or change.email} {verb} the role **{change.role}**."),
    ]
    if change.what_follows:
        body.append(base.text(change.what_follows))
    return base.card(body, [base.execute("Change another role", "admin.role.open")])


@dataclass(frozen=True)
class PersonRoles:
    name: str
    email: str
    roles: Sequence[str]


def roles_card(people: Sequence[PersonRoles]) -> base.CardDict:
    body = [base.title("People and roles")]
    if not people:
        body.append(
            base.text("Nobody has a role yet. Import the tutor list or give someone a role.")
        )
    else:
        body.append(base.facts([(p.name or p.email, ", ".join(p.roles)) for p in people[:50]]))
        if len(people) > 50:
            body.append(base.text(f"…and {len(people) - 50} more.", subtle=True))
    return base.card(body, [base.execute("Give someone a role", "admin.role.open")])


@dataclass(frozen=True)
class RoleLogLine:
    at: datetime
    person: str
    role: str
    granted: bool
    by: str
    why: str


def role_log_card(lines: Sequence[RoleLogLine]) -> base.CardDict:
    """The audit log of roles: every grant and revoke, newest first."""
    body = [base.title("Role changes")]
    if not lines:
        body.append(base.text("No role has been given or taken away yet."))
    for line in lines:
        change = "given" if line.granted else "taken away"
        when = line.at.astimezone(LONDON).strftime("%d %b %Y %H:%M")
        why = f" ({line.why})" if line.why else ""
        who, by = base.said(line.person), base.said(line.by)
        body.append(base.text(f"{when}: {who} — {line.role} {change} by {by}{why}"))
    body.append(
        base.text("The newest 50 changes. Type **admin audit** to see this again.", subtle=True)
    )
    return base.card(body, [base.execute("People & roles", "admin.roles")])


def admin_card() -> base.CardDict:
    body = [
        base.title("TLC admin"),
        base.text(
            "Roles decide who sees what. The tutor list brings in names, campuses "
            "and line managers."
        ),
        base.actions_row(
            base.execute("Set up TLC", "admin.setup.open"),
            base.execute("Give a role", "admin.role.open"),
            base.execute("People & roles", "admin.roles"),
            base.execute("Role changes", "admin.audit"),
            base.execute("A person's data", "admin.person.open"),
        ),
        base.text(
            "To import the tutor list, send it to me in this chat (a CSV file or an Excel "
            "workbook) with the words **admin import**. Columns: name, email, campus, "
            "curriculum_area, delivery_style, "
            "line_manager_email, learning_in_libraries, start_date.",
            subtle=True,
            size="small",
        ),
    ]
    return base.card(body)


ImportResult = base.ImportCounts  # what importing the tutor list did


def import_result_card(result: ImportResult, *, setup: bool = False) -> base.CardDict:
    """What `admin import` did; for an org admin (`setup`), the way back to the setup's other
    steps (who's who, term dates), as the card's paste box leads back to it."""
    done = result.created or result.updated
    heading = "Tutor list imported" if done else "Tutor list: nothing imported"
    body = base.import_summary(heading, "New tutors", result, again="admin import")
    if not setup:
        return base.card(body)
    body.append(base.text("Next: who's who and term dates, in **Set up TLC**.", size="small"))
    return base.card(body, [base.execute("Set up TLC", "admin.setup.open")])


# --- guided setup ---------------------------------------------------------------------------------

DONE = "\u2705"
TO_DO = "\u2b1c"


@dataclass(frozen=True)
class RoleStep:
    field: str  # the input id: "quality", "managers", "aps"
    label: str  # "Quality team"
    holders: Sequence[str]  # names of whoever holds the role now
    selected: Sequence[str] = ()  # person ids picked (pre-filled with the holders)


@dataclass(frozen=True)
class TeamOption:
    team_pk: int
    name: str
    members: int


@dataclass(frozen=True)
class SetupView:
    """The three steps of setting TLC up, each with what is done."""

    roles: Sequence[RoleStep]
    people: Sequence[tuple[str, str]]  # (name, person id): everyone TLC knows, for the pickers
    tutors: int  # tutors on the list
    teams: Sequence[TeamOption]  # teams TLC is in: "use this team's members as tutors"
    terms: Sequence[tuple[str, str, str]]  # (name, start ISO, end ISO)
    own_terms: bool  # the organisation set its own dates (else the English FE defaults)
    in_personal: bool = True  # CSV files can only be sent in the 1:1 chat
    org_name: str = ""  # the college's name, in the header of every document TLC makes
    notice: str | None = None  # what the last step did
    errors: Mapping[str, str] = field(default_factory=dict)


def _mark(done: bool) -> str:
    return DONE if done else TO_DO


def setup_card(view: SetupView) -> base.CardDict:
    errors = view.errors
    body: list[base.Element] = [base.title("Set up TLC")]
    if view.notice:
        body.append(base.text(view.notice, size="small"))
    body.append(
        base.text(
            "Three steps; each can be done again later. Roles decide who sees what; the tutor "
            "list fills the pickers; term dates pace walks, observations and offers.",
            subtle=True,
            size="small",
        )
    )
    # The college's name: Teams does not tell a bot its organisation's name.
    body.append(base.title(f"{_mark(bool(view.org_name))} Your college's name"))
    body += base.with_error(
        base.text_input(
            "org_name",
            "College name (in the header of every export)",
            value=view.org_name,
            placeholder="Riverside College",
            max_length=200,
        ),
        errors,
        "org_name",
    )
    body.append(base.actions_row(base.execute("Save the name", "admin.setup.name", saves=True)))
    # 1. Who's who
    roles_done = all(step.holders for step in view.roles)
    body.append(base.title(f"{_mark(roles_done)} 1. Who's who"))
    if view.in_personal:
        body += _whos_who(view)
    else:  # the whole team reads a channel: nobody's roles, no picker of everyone TLC knows
        body.append(
            base.text(
                "Who holds which role is shown and set in our 1:1 chat: say **admin setup** there.",
                size="small",
            )
        )
    # 2. The tutor list
    tutors = f"{plural(view.tutors, 'tutor')} on the list" if view.tutors else "no tutors yet"
    body.append(base.title(f"{_mark(view.tutors > 0)} 2. The tutor list ({tutors})"))
    if view.in_personal:
        body.append(
            base.text(
                "Send the list in this chat (a CSV file or an Excel workbook) with the words "
                "**admin import**, or paste it here (first line: name, email, campus, "
                "curriculum_area, delivery_style, "
                "line_manager_email, learning_in_libraries, start_date).",
                size="small",
            )
        )
    else:
        body.append(
            base.text(
                "Paste the CSV here, or send the file (CSV or Excel) in your 1:1 chat with me "
                "with the words **admin import**.",
                size="small",
            )
        )
    body += base.with_error(
        base.text_input(
            "tutor_csv",
            "Tutor list (CSV)",
            multiline=True,
            placeholder="name,email,campus\nTom Tutor,tom@college.ac.uk,North",
            max_length=200_000,
        ),
        errors,
        "tutor_csv",
    )
    body.append(base.actions_row(base.execute("Import the list", "admin.setup.tutors", saves=True)))
    body += base.button_list(
        *(
            base.execute(
                _use_members_title(t.name or "this team", t.members),
                "admin.setup.team_tutors",
                {"team_pk": t.team_pk},
            )
            for t in view.teams[:3]
        )
    )
    if view.tutors:
        body.append(base.actions_row(base.execute("Edit tutors' details", "admin.tutors.list")))
    if view.teams:
        body.append(
            base.text(
                "A team's members become tutors without campus, curriculum area or delivery "
                "style: edit each person's next (**Edit tutors' details**, or **admin tutors**), "
                "or send the tutor list later.",
                subtle=True,
                size="small",
            )
        )
    # 3. Term dates
    # Until saved, the terms are placeholders that cover the whole year (bot.domain.terms'
    # default_terms), not any college's real dates: they are not passed off as such.
    own = (
        "your own dates"
        if view.own_terms
        else "placeholders covering the whole year: put in your own"
    )
    body.append(base.title(f"{_mark(view.own_terms)} 3. Term dates ({own})"))
    for name, start, end in view.terms:
        body += base.with_error(
            base.date_input(f"{name}_start", f"{name.capitalize()} starts", value=start),
            errors,
            f"{name}_start",
        )
        body += base.with_error(
            base.date_input(f"{name}_end", f"{name.capitalize()} ends", value=end),
            errors,
            f"{name}_end",
        )
    body.append(
        base.actions_row(
            base.execute("Save term dates", "admin.setup.terms", primary=True, saves=True)
        )
    )
    return base.card(body, fallback_text="Set up TLC")


def _whos_who(view: SetupView) -> list[base.Element]:
    """Step 1 in the 1:1 chat: who holds each role, a picker of everyone TLC knows and an email
    box for each, then the button, with the step's own error right above it."""
    errors = view.errors
    body: list[base.Element] = []
    for step in view.roles:
        now = ", ".join(step.holders[:4]) + ("…" if len(step.holders) > 4 else "")
        body.append(
            base.text(f"{_mark(bool(step.holders))} **{step.label}**: {now or 'nobody yet'}")
        )
        body += base.with_error(
            base.choice_input(
                step.field,
                step.label,
                view.people,
                value=",".join(step.selected),
                multi=True,
                placeholder="Pick people",
                empty="TLC knows nobody yet. Add TLC to a team, and its members appear here.",
            ),
            errors,
            step.field,
        )
        body += base.with_error(
            base.text_input(
                f"{step.field}_emails",
                f"…or their emails ({step.label[:1].lower()}{step.label[1:]})",  # "(APs)" kept
                placeholder="name@college.ac.uk, other@college.ac.uk",
            ),
            errors,
            f"{step.field}_emails",
        )
    if "roles" in errors:  # the step as a whole (nothing picked): right above its button
        body.append(base.error_text(errors["roles"], field="roles"))
    body.append(
        base.actions_row(
            base.execute("Save who's who", "admin.setup.roles", primary=True, saves=True)
        )
    )
    return body


# --- tutors' details: campus, curriculum area and delivery style, one person at a time ----------

STYLE_CHOICES = (
    ("Practical / vocational", "practical"),
    ("Classroom-based", "classroom"),
    ("Not set", "none"),
)
STYLE_NAMES = MappingProxyType({v: t for t, v in STYLE_CHOICES if v != "none"})


@dataclass(frozen=True)
class TutorDetails:
    person_id: int
    name: str
    campus: str
    curriculum_area: str
    delivery_style: str | None  # "practical", "classroom" or None


# A button alone in its row, 360 px wide, shows about 34 characters; Teams cuts the rest.
ALONE_TITLE = 34


def _use_members_title(team: str, members: int) -> str:
    """The button for a team's members: with their count ("Use Maths's members (14)"); for a
    longer team name, without it, and the name cut with an ellipsis if it still would not fit."""
    for title in (f"Use {team}'s members ({members})", f"Use {team}'s members"):
        if len(title) <= ALONE_TITLE:
            return title
    room = ALONE_TITLE - len("Use \u2026's members")
    return f"Use {team[:room].rstrip()}\u2026's members"


@dataclass(frozen=True)
class TutorPage:
    """One short page of the tutor list (a phone screen's worth), each with an Edit button."""

    tutors: Sequence[TutorDetails]
    page: int
    pages: int
    total: int
    team_pk: int | None = None  # only this team's members (those just added from it)
    team_name: str = ""
    notice: str | None = None


def _details_line(t: TutorDetails) -> str:
    parts = [t.campus, t.curriculum_area, STYLE_NAMES.get(t.delivery_style or "", "")]
    shown = " · ".join(base.said(p) for p in parts if p)
    return shown or "_no campus, curriculum area or delivery style yet_"


def tutor_list_card(view: TutorPage) -> base.CardDict:
    where = f" in {base.said(view.team_name)}" if view.team_name else ""
    body: list[base.Element] = [base.title(f"Tutors' details{where}")]
    if view.notice:
        body.append(base.text(view.notice, size="small"))
    if not view.tutors:
        body.append(
            base.text(
                "Nobody is on the tutor list yet. In **admin setup**, paste or send the tutor "
                "list, or use a team's members as tutors."
            )
        )
        return base.card(body, [base.execute("Set up TLC", "admin.setup.open")])
    body.append(
        base.text(
            "Campus, curriculum area and delivery style help TLC suggest an AP or a mentor "
            "nearby who teaches the same way. Tap Edit to change one person's.",
            subtle=True,
            size="small",
        )
    )
    scope = {"team_pk": view.team_pk} if view.team_pk else {}
    for t in view.tutors:
        body.append(base.text(f"**{base.said(t.name)}**: {_details_line(t)}"))
        body.append(
            base.actions_row(
                base.execute(
                    f"Edit {t.name}"[:60],
                    "admin.tutors.edit",
                    {"person_id": t.person_id, "page": view.page, **scope},
                )
            )
        )
    turns = []
    if view.page > 0:
        turns.append(
            base.execute("Previous", "admin.tutors.list", {"page": view.page - 1, **scope})
        )
    if view.page + 1 < view.pages:
        turns.append(base.execute("Next", "admin.tutors.list", {"page": view.page + 1, **scope}))
    body.append(
        base.text(f"Page {view.page + 1} of {view.pages} ({view.total} tutors)", subtle=True)
    )
    return base.card(body, [*turns, base.execute("Back to setup", "admin.setup.open")])


def tutor_details_card(
    tutor: TutorDetails,
    page: int,
    team_pk: int | None = None,
    values: Mapping[str, str] = EMPTY,
    errors: Mapping[str, str] = EMPTY,
) -> base.CardDict:
    """One tutor's campus, curriculum area and delivery style; an empty input clears it."""
    style = values.get("delivery_style", tutor.delivery_style or "none")
    body: list[base.Element] = [
        base.title(f"{base.said(tutor.name)}: details"),
        base.text("Leave a box empty to clear it.", subtle=True, size="small"),
        *(
            element
            for field_id, label, example in (
                ("campus", "Campus", "North"),
                ("curriculum_area", "Curriculum area", "Construction"),
            )
            for element in base.with_error(
                base.text_input(
                    field_id,
                    label,
                    value=values.get(field_id, getattr(tutor, field_id)) or None,
                    placeholder=f"e.g. {example}",
                    max_length=200,
                ),
                errors,
                field_id,
            )
        ),
        *base.with_error(
            base.choice_input(
                "delivery_style", "Delivery style", STYLE_CHOICES, value=style, expanded=True
            ),
            errors,
            "delivery_style",
        ),
    ]
    scope = {"page": page, **({"team_pk": team_pk} if team_pk else {})}
    return base.card(
        body,
        [
            base.execute(
                "Save",
                "admin.tutors.save",
                {"person_id": tutor.person_id, **scope},
                primary=True,
                saves=True,
            ),
            base.execute("Back to the list", "admin.tutors.list", scope),
        ],
    )
