"""The table: every command word and every card verb, in one place.

Each capability contributes its rows in `capability_rows()`; `help` and the Teams manifest's
command lists are generated from this table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import (
    actions,
    admin,
    documents,
    observations,
    preferences,
    progression,
    reminders,
    support,
    support_notices,
    walks,
)
from bot.app.help import Help
from bot.app.notices import NoticeKind, NoticeKinds
from bot.app.observations.hooks import (
    ObservationApproved,
    register_on_observation_approved_with_actions,
    register_walk_calendar,
)
from bot.app.router import CardAction, Command, Router
from storage.observations import planned_observation_dates
from storage.walks import WalkStore


def build_router() -> tuple[Router, Help]:
    connect_capabilities()
    router = Router()
    help_ = Help(router)
    router.add(
        Command("help", help_.command, aliases=("hi", "hello", "menu", "?", "commands")),
        CardAction("run", help_.run, idempotent=False),
    )
    router.add(*capability_rows())
    router.add(
        Command("admin", admin.admin, aliases=("admins",), admin_only=True),
        CardAction("admin.role.open", admin.open_role_form, idempotent=False),
        CardAction("admin.roles", admin.show_roles, idempotent=False),
        CardAction(
            "admin.role",
            admin.change_role,
            form=admin.RoleForm,
            redisplay=admin.redisplay_role_form,
        ),
    )
    return router, help_


def capability_rows() -> list[Command | CardAction]:
    """Rows from each capability module (learning walks, observations, support, cards, settings)."""
    rows: list[Command | CardAction] = []
    # Order is the Teams menu's (10 a scope): what people reach for most often first.
    rows += walks.ROWS
    rows += observations.ROWS
    rows += support.ROWS
    rows += progression.ROWS
    rows += actions.ROWS
    rows += documents.ROWS
    rows += preferences.ROWS
    rows += reminders.ROWS
    return rows


def build_notice_kinds() -> NoticeKinds:
    """Every kind of proactive message, from each capability module."""
    kinds = NoticeKinds()
    kinds.add(*capability_notices())
    return kinds


def capability_notices() -> list[NoticeKind]:
    """Notice kinds from each capability module (reminders, offers, prompts, escalations)."""
    kinds: list[NoticeKind] = []
    kinds += observations.NOTICES
    kinds += progression.NOTICES
    kinds += support_notices.NOTICES
    kinds += walks.NOTICES
    kinds += documents.NOTICES
    kinds += reminders.NOTICES
    return kinds


def connect_capabilities() -> None:
    """Where one capability's event is another's cue; wired here, in one place (idempotent)."""
    register_on_observation_approved_with_actions(_offer_support_after_observation)
    register_walk_calendar(_walks_on_day)
    walks.register_otla_calendar(_planned_otla)


async def _planned_otla(
    session: AsyncSession, org_id: str, tutor_ids: Sequence[int], day: date
) -> Mapping[int, Sequence[date]]:
    # Seed 002: a learning walk must not fall on the day of a tutor's planned OTLA.
    return await planned_observation_dates(session, org_id, list(tutor_ids))


async def _walks_on_day(session: AsyncSession, org_id: str, tutor_id: int, day: date) -> list[str]:
    return await WalkStore(session).on_day(org_id, tutor_id, day)


async def _offer_support_after_observation(
    session: AsyncSession, event: ObservationApproved
) -> None:
    # Seed 000 / SPEC 3: a report that produced actions is followed by a self-referral offer.
    if event.action_count > 0:
        await support.offer_after_observation(
            session, event.org_id, event.tutor_id, event.approved_at
        )
