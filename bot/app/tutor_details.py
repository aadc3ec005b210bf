"""Tutors' campus, curriculum area and delivery style, edited in Teams one person at a time.

Tutors who came from a team's members (the guided setup's "use this team's members as tutors")
arrive with none of these; an admin fills them in here, a short page at a time, instead of
writing a CSV. A missing input means an empty one, which clears that detail.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, select

from bot.app.context import HandlerContext
from bot.app.form_fields import whole_number
from bot.app.router import CardAction, private_only
from bot.app.turn import Reply
from bot.domain.access import Permission
from bot.domain.tutors import DeliveryStyle
from cards.admin import TutorDetails, TutorPage, tutor_details_card, tutor_list_card
from storage.models import Person, Team, TeamMember

NOT_ALLOWED = "Sorry, only an org admin (or the quality team) can change the tutor list."
PAGE_SIZE = 6  # a phone screen's worth
MAX_TEXT = 200
NOT_A_TUTOR = "That person is not on your tutor list any more."
PICK = "Pick a tutor from the list, then Edit."


class TutorDetailsForm(BaseModel):
    person_id: int
    page: int = Field(default=0, ge=0)
    team_pk: int | None = None
    campus: str = ""
    curriculum_area: str = ""
    delivery_style: DeliveryStyle | None = None

    @field_validator("campus", "curriculum_area")
    @classmethod
    def _short(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) > MAX_TEXT:
            raise ValueError(f"Keep it to {MAX_TEXT} characters")
        return value

    @field_validator("delivery_style", mode="before")
    @classmethod
    def _style(cls, value: object) -> object:
        v = str(value or "").strip().lower()
        if v in ("", "none"):
            return None
        if v in tuple(DeliveryStyle):
            return v
        raise ValueError("Choose practical / vocational, classroom-based or not set")


def _int(value: object) -> int | None:
    return whole_number(value)


def _details(p: Person) -> TutorDetails:
    return TutorDetails(
        p.id, p.name or p.email or f"#{p.id}", p.campus, p.curriculum_area, p.delivery_style
    )


async def _tutor(ctx: HandlerContext, person_id: int | None) -> Person | None:
    person = await ctx.uow.session.get(Person, person_id) if person_id else None
    if person is None or person.org_id != ctx.turn.org_id or not person.is_tutor:
        return None
    return person


async def _team(ctx: HandlerContext, team_pk: int | None) -> Team | None:
    team = await ctx.uow.session.get(Team, team_pk) if team_pk else None
    return team if team is not None and team.org_id == ctx.turn.org_id else None


async def tutor_page(
    ctx: HandlerContext, page: int, team_pk: int | None = None, notice: str | None = None
) -> TutorPage:
    """One page of the organisation's tutors (or of one team's), by name."""
    team = await _team(ctx, team_pk)
    query = select(Person).where(Person.org_id == ctx.turn.org_id, Person.is_tutor.is_(True))
    if team is not None:
        query = query.join(TeamMember, TeamMember.person_id == Person.id).where(
            TeamMember.team_pk == team.id
        )
    session = ctx.uow.session
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = (
        await session.scalars(
            query.order_by(Person.name, Person.id).offset(page * PAGE_SIZE).limit(PAGE_SIZE)
        )
    ).all()
    return TutorPage(
        [_details(p) for p in rows],
        page,
        pages,
        total,
        team.id if team else None,
        team.name if team else "",
        notice,
    )


async def open_list(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """`admin tutors`, or a Next / Previous / Back button."""
    if not ctx.can(Permission.IMPORT_TUTORS):
        return Reply.text(NOT_ALLOWED)
    view = await tutor_page(ctx, _int(values.get("page")) or 0, _int(values.get("team_pk")))
    return Reply.update(tutor_list_card(view)) if values else Reply.show(tutor_list_card(view))


async def command(ctx: HandlerContext) -> Reply:
    """`admin tutors`: the list, only where the admin alone sees it."""
    if not ctx.can(Permission.IMPORT_TUTORS):
        return Reply.text(NOT_ALLOWED)
    if ctx.turn.where.kind != "personal":
        return Reply.text(private_only("admin tutors"))
    return await open_list(ctx, {})


async def open_editor(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    return await _editor(ctx, values)


async def redisplay(ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]) -> Reply:
    """A refused form comes back with its field errors; nothing is saved."""
    return await _editor(ctx, values, errors)


async def _editor(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str] | None = None
) -> Reply:
    """One tutor's form: as stored, or as submitted with its errors."""
    if not ctx.can(Permission.IMPORT_TUTORS):
        return Reply.text(NOT_ALLOWED)
    page, team_pk = _int(values.get("page")) or 0, _int(values.get("team_pk"))
    raw_id = _int(values.get("person_id"))
    person = await _tutor(ctx, raw_id)
    if person is None:
        notice = NOT_A_TUTOR if raw_id else PICK
        return Reply.update(tutor_list_card(await tutor_page(ctx, page, team_pk, notice)))
    if errors is None:
        return Reply.update(tutor_details_card(_details(person), page, team_pk))
    shown = {k: str(values.get(k) or "") for k in ("campus", "curriculum_area", "delivery_style")}
    return Reply.update(tutor_details_card(_details(person), page, team_pk, shown, errors))


async def save(ctx: HandlerContext, form: TutorDetailsForm) -> Reply:
    if not ctx.can(Permission.IMPORT_TUTORS):
        return Reply.text(NOT_ALLOWED)
    person = await _tutor(ctx, form.person_id)
    if person is None:
        view = await tutor_page(ctx, form.page, form.team_pk, NOT_A_TUTOR)
        return Reply.update(tutor_list_card(view))
    style = form.delivery_style.value if form.delivery_style else None
    changed = (person.campus, person.curriculum_area, person.delivery_style) != (
        form.campus,
        form.curriculum_area,
        style,
    )
    if changed:
        person.campus, person.curriculum_area = form.campus, form.curriculum_area
        person.delivery_style = style
        await ctx.directory.audit(
            ctx.turn.org_id,
            ctx.person.id,
            f"person:{person.id}",
            "tutor details",
            "campus, curriculum area, delivery style",
            ctx.turn.now,
        )
    name = person.name or person.email or "them"
    notice = f"Saved {name}'s details." if changed else f"No change to {name}'s details."
    return Reply.update(tutor_list_card(await tutor_page(ctx, form.page, form.team_pk, notice)))


# The tutor list and editor's buttons (from the admin card); bot.app.admin puts them in its rows.
ROWS: tuple[CardAction, ...] = (
    CardAction("admin.tutors.list", open_list, idempotent=False),
    CardAction("admin.tutors.edit", open_editor, idempotent=False),
    CardAction("admin.tutors.save", save, form=TutorDetailsForm, redisplay=redisplay),
)
