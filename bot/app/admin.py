"""`admin`: roles and the tutor list. Only org admins (and the quality team for imports)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, ValidationError, field_validator

from bot.app import setup, tutor_details
from bot.app.context import HandlerContext, permitted, redrawn
from bot.app.events import RolesGiven, RoleTakenAway
from bot.app.form_fields import Lowered, chosen
from bot.app.observations.allocate import observer_role_revoked
from bot.app.refusals import holder_names
from bot.app.router import CardAction, Command, private_only
from bot.app.turn import Message, Reply
from bot.app.tutor_import import MOST_IN_CHAT, TooManyRows, import_tutor_text
from bot.domain.access import ROLE_LABELS, Permission, Role
from bot.domain.words import plural
from cards.admin import (
    PersonRoles,
    RoleChange,
    RoleLogLine,
    admin_card,
    grant_role_card,
    import_result_card,
    role_log_card,
    role_saved_card,
    roles_card,
    setup_card,
)
from cards.base import escape_markdown

NOT_ALLOWED = "Sorry, only an org admin can do that. Ask your TLC admin if you need it."
QUALITY_CAN = (
    "As the quality team you keep the tutor list: send it as a .csv or Excel (.xlsx) file in our "
    "1:1 chat with the words **admin import**, and see or change each tutor's campus, curriculum "
    "area and delivery style with **admin tutors**. Roles and settings are for org admins."
)
LAST_ADMIN = (
    "They are the only org admin. Give someone else the org admin role first, then take it away."
)
NAMED_ADMIN = (
    "They are named in TLC's settings (TLC_ADMINS), which make them an org admin again "
    "whenever they message me. Ask whoever runs TLC to take them off TLC_ADMINS first."
)
AUDIT_ROWS = 50


class RoleForm(BaseModel):
    email: Annotated[EmailStr, Lowered]
    role: Annotated[Role, chosen("Choose a role")]
    action: str = "grant"

    @field_validator("action")
    @classmethod
    def _action(cls, value: str) -> str:
        if value not in ("grant", "revoke"):
            raise ValueError("Choose give or take away")
        return value


async def admin(ctx: HandlerContext) -> Reply:
    """Roles, the tutor list and settings (org admins).

    Usage: admin
    Usage: admin setup (the guided setup: the college name, who's who, the tutor list, term dates)
    Usage: admin roles
    Usage: admin audit (who gave or took away which role, and when)
    Usage: admin grant name@college.ac.uk quality_coordinator
    Usage: admin revoke name@college.ac.uk line_manager
    Usage: admin import (with the tutor list attached, as .csv or Excel .xlsx)
    Usage: admin tutors (each tutor's campus, curriculum area and delivery style)
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    if sub == "import" or ctx.turn.files:
        return await import_tutors(ctx)
    if sub == "tutors":
        return await tutor_details.command(ctx)
    if not ctx.can(Permission.MANAGE_ROLES):
        refusal = await who_is_admin(ctx)
        if ctx.can(Permission.IMPORT_TUTORS):
            # The quality team keeps the tutor list here, though `admin` is not in their help.
            refusal = f"{QUALITY_CAN}\n\n{refusal}"
        return Reply.text(refusal)
    # Who holds which role, and a role given or taken away, are said only where the admin alone
    # hears it: "Amy no longer has the role Advanced practitioner" is not for a team channel.
    private = ("roles", "audit", "log", "history", "grant", "revoke")
    if sub in private and ctx.turn.where.kind != "personal":
        return Reply.text(private_only(f"admin {sub}"))
    if sub == "roles":
        return await _roles(ctx)
    if sub in ("audit", "log", "history"):
        return await _role_log(ctx)
    if sub in ("setup", "set-up", "start"):
        return await setup.open_setup(ctx, {})
    if sub in ("grant", "revoke") and len(words) < 3:
        # "admin grant quinn@college.ac.uk": the form, saying what is missing, not the menu.
        values = {"email": words[1] if len(words) > 1 else "", "role": "", "action": sub}
        missing = {"role": "Which role? Pick one."}
        if not values["email"]:
            missing["email"] = "Whose? Their email (name@college.ac.uk)."
        return Reply.show(grant_role_card(values, missing))
    if sub in ("grant", "revoke"):
        role = _role_from_words(words[2:])
        values = {"email": words[1], "role": role or " ".join(words[2:]), "action": sub}
        if role is None:
            errors = {"role": f"I don't know the role \u201c{values['role']}\u201d."}
            return Reply.show(grant_role_card(values, errors))
        try:
            form = RoleForm.model_validate(values)
        except ValidationError:
            # "admin grant quinn quality coordinator": the form, with the email to put right.
            errors = {"email": "That is not an email address (name@college.ac.uk)."}
            return Reply.show(grant_role_card(values, errors))
        return await change_role(ctx, form)
    if sub and sub not in ("help", "menu"):
        known = "roles, audit, setup, grant, revoke, import, tutors"
        return Reply(
            messages=[
                Message(text=f"I don't know **admin {escape_markdown(sub)}**. I know: {known}."),
                Message(card=admin_card()),
            ]
        )
    if not await setup.is_set_up(ctx):
        # An organisation's first day: the guided setup, with the admin card's other tools.
        view = await setup.setup_view(ctx)
        return Reply(messages=[Message(card=admin_card()), Message(card=setup_card(view))])
    return Reply.show(admin_card())


async def who_is_admin(ctx: HandlerContext) -> str:
    """The refusal, with who to ask: the organisation's org admins by name, or how they come to
    be when there are none yet (the installer is not one when TLC_ADMINS names the admins)."""
    holders = await holder_names(ctx.directory, ctx.turn.org_id, Role.ORG_ADMIN)
    names = [escape_markdown(n) for n in holders]
    if names:
        return (
            f"Sorry, only an org admin can do that. Your TLC admins: {', '.join(names)}. "
            "Ask one of them if you need it."
        )
    return (
        "Sorry, only an org admin can do that, and nobody here is one yet. The people your "
        "college named as TLC's admins become admins when they first message me; if it named "
        "nobody, whoever first adds TLC to a team becomes one."
    )


def _role_from_words(words: list[str]) -> Role | None:
    wanted = "_".join(words).lower().replace("&", "and")
    for role in Role:
        if wanted in (role.value, role.label.lower().replace(" ", "_").replace("&", "and")):
            return role
    return None


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def open_role_form(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return Reply.show(grant_role_card())


redisplay_role_form = redrawn(grant_role_card)


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def change_role(ctx: HandlerContext, form: RoleForm) -> Reply:
    directory = ctx.directory
    now = ctx.services.clock.now()
    person = await directory.person_by_email(ctx.turn.org_id, form.email)
    if person is None and form.action == "grant":
        # Someone TLC has not met yet: recorded by their email, and joined up with their Teams
        # identity when they first say hello or appear on a roster.
        person = await directory.by_email(ctx.turn.org_id, form.email, now)
    if person is None:
        return Reply.update(
            grant_role_card(
                {"email": form.email, "role": form.role.value, "action": form.action},
                {
                    "email": (
                        "Nobody with that email yet. Import the tutor list, "
                        "or ask them to say hello to me first."
                    )
                },
            )
        )
    granted = form.action == "grant"
    if granted:
        changed = await directory.grant(person, form.role, ctx.person.id, now, "by an org admin")
        if changed:
            given = RolesGiven(ctx.turn.org_id, ((person.id, form.role.value),), now)
            await ctx.services.events.publish(ctx.uow.session, given)
    elif form.role is Role.ORG_ADMIN and [
        p.id for p in await directory.holders(ctx.turn.org_id, Role.ORG_ADMIN)
    ] == [person.id]:
        # With no org admin left, the next person to add TLC to a team would become one.
        return Reply.update(
            grant_role_card(
                {"email": form.email, "role": form.role.value, "action": form.action},
                {"role": LAST_ADMIN},
            )
        )
    elif form.role is Role.ORG_ADMIN and form.email in ctx.services.settings.admin_emails:
        # They would be made org admin again by their next message: refused, saying why.
        return Reply.update(
            grant_role_card(
                {"email": form.email, "role": form.role.value, "action": form.action},
                {"email": NAMED_ADMIN},
            )
        )
    else:
        changed = await directory.revoke(person, form.role, ctx.person.id, now, "by an org admin")
        if changed:
            taken = RoleTakenAway(ctx.turn.org_id, person.id, form.role.value, now)
            await ctx.services.events.publish(ctx.uow.session, taken)
    follows = ""
    if not granted and changed and form.role is Role.OBSERVER:
        # Their allocations not yet observed go back to the quality team.
        moved, unwritten = await observer_role_revoked(ctx, person)
        said = []
        if moved:
            said.append(
                f"{plural(moved, 'observation')} they had not yet made "
                f"{'needs' if moved == 1 else 'need'} a new observer now; each tutor is told."
            )
        if unwritten:
            said.append(
                f"{plural(unwritten, 'observation')} they have made still "
                f"{'waits' if unwritten == 1 else 'wait'} for their report, which only they "
                "can write: give them the observer role back until it's in."
            )
        follows = " ".join(said)
    if not granted and changed and form.role is Role.ADVANCED_PRACTITIONER:
        follows = (
            "Any tutor they were supporting, or had been asked to support, goes to another AP "
            "and is told why."
        )
    change = RoleChange(person.name, form.email, ROLE_LABELS[form.role], granted, changed, follows)
    return Reply.update(role_saved_card(change))


async def _roles(ctx: HandlerContext) -> Reply:
    by_person: dict[int, PersonRoles] = {}
    for role in Role:
        for p in await ctx.directory.holders(ctx.turn.org_id, role):
            entry = by_person.get(p.id) or PersonRoles(p.name, p.email or "", [])
            by_person[p.id] = PersonRoles(entry.name, entry.email, [*entry.roles, role.label])
    people = sorted(by_person.values(), key=lambda p: (p.name or p.email).lower())
    return Reply.show(roles_card(people))


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def show_roles(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return await _roles(ctx)


async def _role_log(ctx: HandlerContext) -> Reply:
    entries = await ctx.directory.role_changes(ctx.turn.org_id, AUDIT_ROWS)
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    ids |= {int(e.subject.removeprefix("person:")) for e in entries}
    people = {p.id: p for p in await ctx.directory.people(ctx.turn.org_id, ids)}

    def who(person_id: int | None, default: str) -> str:
        p = people.get(person_id) if person_id is not None else None
        return (p.name or p.email or default) if p is not None else default

    lines = []
    for e in entries:
        verb, _, value = e.action.partition(" ")
        try:
            role = ROLE_LABELS[Role(value)]
        except ValueError:
            role = value
        lines.append(
            RoleLogLine(
                at=e.at,
                person=who(int(e.subject.removeprefix("person:")), "someone since removed"),
                role=role,
                granted=verb == "grant",
                by=who(e.actor_id, "TLC") if e.actor_id is not None else "TLC",
                why=e.detail,
            )
        )
    return Reply.show(role_log_card(lines))


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def show_role_log(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return await _role_log(ctx)


async def import_tutors(ctx: HandlerContext) -> Reply:
    if not ctx.can(Permission.IMPORT_TUTORS):
        return Reply.text("Sorry, only an org admin or the quality team can import the tutor list.")
    content = await ctx.sent_list(
        "admin import",
        "Send the tutor list as a .csv or Excel (.xlsx) file in this chat, with the words "
        "**admin import**.",
        outcome="nothing was imported",
    )
    if isinstance(content, Reply):
        return content
    try:
        result = await import_tutor_text(
            ctx.directory,
            ctx.turn.org_id,
            content,
            ctx.person.id,
            ctx.services.clock.now(),
            ctx.services.events,
            most=MOST_IN_CHAT,
        )
    except TooManyRows as too_many:
        return Reply.text(too_many.answer)
    setup = ctx.can(Permission.MANAGE_ROLES)  # an org admin: the setup's other steps are theirs
    return Reply(messages=[Message(card=import_result_card(result, setup=setup))])


ROWS: tuple[Command | CardAction, ...] = (
    # Stored: `admin grant`, `revoke` and `import` write roles, the tutor list and the audit log,
    # so a Teams retry of the same message runs nothing again.
    Command("admin", admin, aliases=("admins",), admin_only=True, stored=True),
    CardAction("admin.role.open", open_role_form, idempotent=False),
    *setup.ROWS,
    *tutor_details.ROWS,
    CardAction("admin.roles", show_roles, idempotent=False),
    CardAction("admin.audit", show_role_log, idempotent=False),
    CardAction("admin.role", change_role, form=RoleForm, redisplay=redisplay_role_form),
)
