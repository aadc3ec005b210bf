"""`admin setup`: a guided setup card for an organisation's first day, done in Teams.

Three steps, each showing what is done: who the quality team, line managers and APs are; the
tutor list (a CSV sent in the 1:1 chat, pasted into the card, or a team's members); term dates.
An org admin's first `admin`, and the install greeting in an organisation with nothing set up,
offer it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select

from bot.app.context import HandlerContext, permitted
from bot.app.events import RolesGiven, TutorsListed
from bot.app.form_fields import whole_number
from bot.app.refusals import SETUP_PICKERS
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.app.tutor_details import tutor_page
from bot.app.tutor_import import import_tutor_text
from bot.domain.access import QUALITY_TEAM, Permission, Role
from bot.domain.emails import LONGEST_EMAIL, normal_email
from bot.domain.local_time import london
from bot.domain.terms import (
    academic_year_of,
    default_terms,
    parse_terms,
    terms_for,
    with_calendar,
)
from bot.domain.words import plural
from cards.admin import RoleStep, SetupView, TeamOption, setup_card, tutor_list_card
from storage.models import Person, RoleGrant, Team, TeamMember, get_in_org

NOT_ALLOWED = "Sorry, only an org admin can set TLC up. Ask your TLC admin if you need it."
MAX_PEOPLE = 100
MAX_PASTE = 200_000
MAX_NAME = 200  # organisations.name is String(200)
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
TERM_NAMES = ("autumn", "spring", "summer")
ONE_YEAR = "All three terms belong to one academic year (September to August)."
# (input id, label, the role granted, the roles shown as "done")
ROLE_STEPS: tuple[tuple[str, str, Role, frozenset[Role]], ...] = (
    ("quality", SETUP_PICKERS[Role.QUALITY_COORDINATOR], Role.QUALITY_COORDINATOR, QUALITY_TEAM),
    (
        "managers",
        SETUP_PICKERS[Role.LINE_MANAGER],
        Role.LINE_MANAGER,
        frozenset({Role.LINE_MANAGER}),
    ),
    (
        "aps",
        "Advanced practitioners (APs)",
        Role.ADVANCED_PRACTITIONER,
        frozenset({Role.ADVANCED_PRACTITIONER}),
    ),
)


async def is_set_up(ctx: HandlerContext) -> bool:
    """Anything beyond the first admin: a tutor on the list, or anyone holding another role."""
    session, org = ctx.uow.session, ctx.turn.org_id
    tutors = await session.scalar(
        select(func.count(Person.id)).where(Person.org_id == org, Person.is_tutor.is_(True))
    )
    roles = await session.scalar(
        select(func.count(RoleGrant.person_id))
        .join(Person, Person.id == RoleGrant.person_id)
        .where(Person.org_id == org, RoleGrant.role != Role.ORG_ADMIN.value)
    )
    return bool(tutors or roles)


async def setup_view(
    ctx: HandlerContext, notice: str | None = None, errors: dict[str, str] | None = None
) -> SetupView:
    session, org = ctx.uow.session, ctx.turn.org_id
    directory = ctx.directory
    steps = []
    for field_id, label, _, shown in ROLE_STEPS:
        holders = {p.id: p for p in await directory.holders(org, *shown)}
        steps.append(
            RoleStep(
                field_id,
                label,
                sorted((_name(p) for p in holders.values()), key=str.lower),
                [str(i) for i in holders],
            )
        )
    personal = ctx.turn.where.kind == "personal"
    # The pickers of everyone TLC knows are for the 1:1 chat only: a channel's card has none.
    people = (
        (
            await session.scalars(
                select(Person)
                .where(Person.org_id == org, (Person.name != "") | Person.email.is_not(None))
                .order_by(Person.name, Person.id)
                .limit(MAX_PEOPLE)
            )
        ).all()
        if personal
        else []
    )
    tutors = await session.scalar(
        select(func.count(Person.id)).where(Person.org_id == org, Person.is_tutor.is_(True))
    )
    teams = (
        await session.execute(
            select(Team, func.count(TeamMember.id))
            .join(TeamMember, TeamMember.team_pk == Team.id)
            .where(Team.org_id == org, Team.installed.is_(True))
            .group_by(Team.id)
            .order_by(Team.name)
        )
    ).all()
    if ctx.turn.where.team_id:  # in a team's channel: that team first
        teams = sorted(teams, key=lambda row: row[0].team_id != ctx.turn.where.team_id)
    org_row = await directory.organisation(org, ctx.turn.now)
    settings = org_row.settings or {}
    today = london(ctx.turn.now).date()
    own = bool(settings.get("terms"))
    shown_terms = terms_for(today, settings)[:3] if own else []
    if not shown_terms:
        shown_terms = default_terms(academic_year_of(today))
    return SetupView(
        roles=steps,
        people=[(_name(p), str(p.id)) for p in people],
        tutors=int(tutors or 0),
        teams=[TeamOption(t.id, t.name, int(n)) for t, n in teams],
        terms=[(t.name, t.start.isoformat(), t.end.isoformat()) for t in shown_terms],
        own_terms=own,
        in_personal=personal,
        org_name=org_row.name,
        notice=notice,
        errors=errors or {},
    )


def _name(p: Person) -> str:
    return p.name or p.email or f"#{p.id}"


async def setup_reply(ctx: HandlerContext, notice: str | None = None, **kw: Any) -> Reply:
    return Reply.update(setup_card(await setup_view(ctx, notice, kw.get("errors"))))


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def open_setup(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return Reply.show(setup_card(await setup_view(ctx)))


ROLES_IN_PERSONAL = (
    "Nothing saved: who holds which role is set in our 1:1 chat, where nobody else reads it. "
    "Say **admin setup** to me there."
)


def _ids(value: object) -> list[int]:
    raw = value if isinstance(value, list) else str(value or "").split(",")
    return [n for n in (whole_number(x) for x in raw) if n is not None]


def _emails(value: object) -> tuple[list[str], str | None]:
    """The emails typed in a box (`normal_email` form), or what is wrong with them."""
    words = [normal_email(w) for w in re.split(r"[,;\s]+", str(value or "")) if w.strip()]
    too_long = [w for w in words if len(w) > LONGEST_EMAIL]
    if too_long:
        return [], (
            f"Too long for an email address ({len(too_long[0]):,} characters; "
            f"{LONGEST_EMAIL} at most): {too_long[0][:40]}…"
        )
    bad = [w for w in words if not EMAIL.match(w)]
    if bad:
        return [], f"Not an email address: {', '.join(bad[:3])}"
    return words, None


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def save_roles(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """Give the roles picked (or typed as emails). Nothing is taken away here: a missing or
    empty picker means "no change", as Teams leaves untouched inputs out of a submission.
    Only in the 1:1 chat: a setup card posted in a channel before its channel version dropped
    the pickers still has this button; pressed there, nothing is given and the card is redrawn
    as a channel's (no picker of everyone TLC knows), pointing to the 1:1 chat."""
    if ctx.turn.where.kind != "personal":
        return await setup_reply(ctx, ROLES_IN_PERSONAL)
    directory, org, now = ctx.directory, ctx.turn.org_id, ctx.turn.now
    errors: dict[str, str] = {}
    typed: dict[str, list[str]] = {}
    for field_id, _, _, _ in ROLE_STEPS:  # every box checked before anyone is recorded
        typed[field_id], problem = _emails(values.get(f"{field_id}_emails"))
        if problem:
            errors[f"{field_id}_emails"] = problem
    if errors:
        return await setup_reply(ctx, errors=errors)
    plans: list[tuple[Role, list[Person]]] = []
    for field_id, _, role, _ in ROLE_STEPS:
        people = list(await directory.people(org, _ids(values.get(field_id))))
        for email in typed[field_id]:
            # Someone TLC has not met is known by email until they say hello.
            people.append(await directory.by_email(org, email, now))
        plans.append((role, people))
    grants: list[tuple[int, str]] = []
    for role, people in plans:
        for person in {p.id: p for p in people}.values():
            # `grant` writes the audit line itself: one line a role given, saying where from.
            if await directory.grant(person, role, ctx.person.id, now, "setup"):
                grants.append((person.id, role.value))
    given = len(grants)
    if grants:
        await ctx.services.events.publish(ctx.uow.session, RolesGiven(org, tuple(grants), now))
    if not given:  # said beside the button pressed, not at the top of the tall card
        return await setup_reply(
            ctx, errors={"roles": "No new roles: pick people or type their emails, then save."}
        )
    notice = (
        f"Saved: {plural(given, 'role')} given. To take a role away: "
        "**admin** → Give a role → Take away."
    )
    return await setup_reply(ctx, notice)


@permitted(Permission.IMPORT_TUTORS, NOT_ALLOWED)
async def import_pasted(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    content = str(values.get("tutor_csv") or "").strip()
    if not content:
        return await setup_reply(
            ctx, errors={"tutor_csv": "Paste the tutor list: a header line, then one tutor a line."}
        )
    if len(content) > MAX_PASTE:
        return await setup_reply(
            ctx, errors={"tutor_csv": "That is too long to paste: send the file."}
        )
    result = await import_tutor_text(
        ctx.directory, ctx.turn.org_id, content, ctx.person.id, ctx.turn.now, ctx.services.events
    )
    if not result.created and not result.updated:
        line, problem = result.problems[0] if result.problems else (2, "no rows")
        return await setup_reply(
            ctx, errors={"tutor_csv": f"Nothing imported: line {line}: {problem}."}
        )
    notice = f"Tutor list: {result.created} new, {result.updated} updated"
    if result.problems:
        lines = "; ".join(f"line {n}: {m}" for n, m in result.problems[:3])
        notice += f", {plural(len(result.problems), 'row')} not imported ({lines})"
    if result.checks:  # imported as written, as in chat: each slip named with what was meant
        slips = "; ".join(f"{typed}: did you mean {meant}?" for typed, meant in result.checks)
        notice += f". Worth a check, line managers that look like a slip: {slips}"
    return await setup_reply(ctx, notice + ".")


@permitted(Permission.IMPORT_TUTORS, NOT_ALLOWED)
async def team_tutors(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """Everyone in a team becomes a tutor, except people holding another role (managers, the
    quality team, APs, admins): they can be given the tutor role too if they teach."""
    session, org, now = ctx.uow.session, ctx.turn.org_id, ctx.turn.now
    team_pk = _ids(values.get("team_pk"))
    team = await get_in_org(session, Team, org, team_pk[0]) if team_pk else None
    if team is None:
        return Reply.text("That team is not one TLC is in any more.")
    from bot.app.roster import read_team_roster

    await read_team_roster(ctx, team)
    members = (
        await session.scalars(
            select(Person)
            .join(TeamMember, TeamMember.person_id == Person.id)
            .where(TeamMember.team_pk == team.id)
            .order_by(Person.name)
        )
    ).all()
    made, skipped, already = [], 0, 0
    directory = ctx.directory
    where = team.name or "the team"
    roles = await directory.roles_of(p.id for p in members)  # a team of hundreds: one read
    for person in members:
        if roles.get(person.id, frozenset()) - {Role.TUTOR}:
            skipped += 1
            continue
        if person.is_tutor:
            already += 1
            continue
        person.is_tutor = True
        made.append(person)
    await directory.grant_all(
        [(p, Role.TUTOR) for p in made], ctx.person.id, now, f"a member of {where}"
    )
    if made:
        listed = TutorsListed(org, tuple(made), ctx.person.id, now, from_list=False)
        await ctx.services.events.publish(session, listed)
    await directory.audit(
        org, ctx.person.id, "tutor-list", "team members", f"{len(made)} from {team.name}", now
    )
    if made or not already:
        notice = f"{len(made)} of {where}'s members are now tutors"
        notice += f"; {already} already were." if already else "."
    else:  # pressed again: nobody is new, and nobody stopped being a tutor
        are = "is already a tutor" if already == 1 else "are already tutors"
        notice = f"Nobody new: {already} of {where}'s members {are}."
    if skipped:
        were = "was" if skipped == 1 else "were"
        notice += (
            f" {skipped} with another role (managers, quality team, APs, admins) {were} left out."
        )
    if values.get("back") == "walk":
        from bot.app.walks.ha27 import open_walk

        return await open_walk(ctx, {"team_pk": team.id})
    # Straight on to the people just added: their campus, curriculum area and delivery style.
    notice += (
        " Add their campus, curriculum area and delivery style here, or later in **admin tutors**."
    )
    return Reply.update(tutor_list_card(await tutor_page(ctx, 0, team.id, notice)))


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def save_name(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """The college's name for document headers: a missing input is an empty one, and asked for."""
    raw = values.get("org_name")
    name = " ".join(raw.split()) if isinstance(raw, str) else ""  # a text box sends text
    if not name:
        return await setup_reply(ctx, errors={"org_name": "Write your college's name."})
    if len(name) > MAX_NAME:
        return await setup_reply(ctx, errors={"org_name": f"At most {MAX_NAME} characters."})
    org = await ctx.directory.organisation(ctx.turn.org_id, ctx.turn.now)
    if org.name != name:
        org.name = name
        await ctx.directory.audit(
            ctx.turn.org_id, ctx.person.id, "settings", "name", "setup", ctx.turn.now
        )
    return await setup_reply(ctx, "College name saved: it heads every document TLC makes.")


@permitted(Permission.MANAGE_ROLES, NOT_ALLOWED)
async def save_terms(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name in TERM_NAMES:
        for end in ("start", "end"):
            key = f"{name}_{end}"
            raw = str(values.get(key) or "").strip()
            if not raw:
                errors[key] = "This is required."
                continue
            try:
                days[key] = date.fromisoformat(raw)
            except ValueError:
                errors[key] = "Not a date."
    raw_terms = [
        {"name": n, "start": days[f"{n}_start"].isoformat(), "end": days[f"{n}_end"].isoformat()}
        for n in TERM_NAMES
        if f"{n}_start" in days and f"{n}_end" in days
    ]
    if not errors:
        try:
            terms = parse_terms(raw_terms)
        except ValueError as exc:
            errors["form"] = str(exc)
        else:
            if [t.name for t in terms] != list(TERM_NAMES):
                errors["spring_start"] = "The terms must run autumn, spring, summer, in order."
            elif any(a.end >= b.start for a, b in zip(terms, terms[1:], strict=False)):
                errors["spring_start"] = "Terms must not overlap."
            elif len({t.academic_year for t in terms}) > 1:
                errors["summer_start"] = ONE_YEAR
    if errors:
        first = errors.pop("form", None)
        if first:
            errors["autumn_start"] = first[0].upper() + first[1:]
        return await setup_reply(ctx, errors=errors)
    org = await ctx.directory.organisation(ctx.turn.org_id, ctx.turn.now)
    # This academic year's terms; other years' (set with **terms**) are kept.
    org.settings = with_calendar(org.settings, parse_terms(raw_terms), [])
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, "settings", "terms", "setup", ctx.turn.now
    )
    return await setup_reply(ctx, "Term dates saved.")


# The set-up card's buttons (the admin card opens it); bot.app.admin puts them in its rows.
ROWS: tuple[CardAction, ...] = (
    CardAction("admin.setup.open", open_setup, idempotent=False),
    CardAction("admin.setup.roles", save_roles),
    CardAction("admin.setup.tutors", import_pasted),
    CardAction("admin.setup.team_tutors", team_tutors),
    CardAction("admin.setup.terms", save_terms),
    CardAction("admin.setup.name", save_name),
)
