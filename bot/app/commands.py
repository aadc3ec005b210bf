"""The table: every command word and every card verb, in one place.

Each capability contributes its rows in `capability_rows()`; `help` and the Teams manifest's
command lists are generated from this table.
"""

from __future__ import annotations

from bot.app import admin, progression, support, support_notices, walks
from bot.app.help import Help
from bot.app.notices import NoticeKind, NoticeKinds
from bot.app.router import CardAction, Command, Router


def build_router() -> tuple[Router, Help]:
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
    rows += progression.ROWS
    rows += support.ROWS
    rows += walks.ROWS
    return rows


def build_notice_kinds() -> NoticeKinds:
    """Every kind of proactive message, from each capability module."""
    kinds = NoticeKinds()
    kinds.add(*capability_notices())
    return kinds


def capability_notices() -> list[NoticeKind]:
    """Notice kinds from each capability module (reminders, offers, prompts, escalations)."""
    kinds: list[NoticeKind] = []
    kinds += progression.NOTICES
    kinds += support_notices.NOTICES
    kinds += walks.NOTICES
    return kinds
