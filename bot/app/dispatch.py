"""Runs a turn: remember who and where, decide who asks, route, and commit — or save nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.app.context import HandlerContext, Services
from bot.app.roster import read_team_roster
from bot.app.router import CardAction, Router
from bot.app.setup import is_set_up, setup_view
from bot.app.turn import Message, Reply, Turn, UserRef
from bot.domain.access import Actor, Role
from cards.admin import setup_card
from storage.db import Database, UnitOfWork
from storage.models import Person, ProcessedActivity
from storage.people import Directory

log = logging.getLogger(__name__)

SORRY = (
    "Sorry — something went wrong on my side and nothing was saved. "
    "Please try again in a moment; if it keeps happening, tell your TLC admin."
)
SEEN_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class _Seen:
    person_id: int
    at_minute: int


class Dispatcher:
    def __init__(
        self,
        router: Router,
        db: Database,
        services: Services,
        help_reply: Callable[[HandlerContext, tuple[str, ...]], Reply],
    ) -> None:
        self.router = router
        self.db = db
        self.services = services
        self._help_reply = help_reply
        # A write-avoidance cache only: what this process already stored about who and where.
        # Losing it costs one extra write; the database stays the truth.
        self._seen: dict[tuple[str, str, str], _Seen] = {}

    async def on_message(self, turn: Turn) -> Reply:
        try:
            async with self.db.unit_of_work() as uow:
                ctx = await self._context(uow, turn)
                if turn.verb is not None:
                    return await self._card_action(ctx)
                return await self._command(ctx)
        except Exception:
            log.exception("turn failed: %s", turn.activity_id)
            return Reply.text(SORRY)

    async def on_installed(self, turn: Turn) -> Reply:
        """The app was added to a team, chat or personal scope: the installer may become admin."""
        async with self.db.unit_of_work() as uow:
            ctx = await self._context(uow, turn)
            if turn.where.kind == "channel" and await ctx.directory.grant(
                ctx.person, Role.ORG_ADMIN, None, turn.now
            ):
                ctx.directory.audit(
                    turn.org_id,
                    ctx.person.id,
                    f"person:{ctx.person.id}",
                    "grant org_admin",
                    "installed the app in a team",
                    turn.now,
                )
                ctx.actor = replace(ctx.actor, roles=ctx.actor.roles | {Role.ORG_ADMIN})
            if turn.where.team_id:
                # Installed in a team: its people are in every picker from the first day.
                team = await ctx.directory.team(turn.org_id, turn.where, turn.now)
                if team is not None:
                    await read_team_roster(ctx, team)
            await uow.commit()
            welcome = self._help_reply(ctx, ("welcome",))
            if Role.ORG_ADMIN in ctx.actor.roles and not await is_set_up(ctx):
                # A new organisation: the admin can set TLC up right here, no terminal needed.
                view = await setup_view(ctx, notice="TLC is new here: set it up in three steps.")
                welcome = Reply(messages=[*welcome.messages, Message(card=setup_card(view))])
            return welcome

    async def on_members_added(self, turn: Turn, members: list[UserRef]) -> None:
        """Someone joined a team the bot is in: remember them so the bot can reach them later."""
        try:
            await self._members_added(turn, members)
        except IntegrityError:
            await self._members_added(turn, members)  # a first turn stored someone meanwhile

    async def _members_added(self, turn: Turn, members: list[UserRef]) -> None:
        async with self.db.unit_of_work() as uow:
            directory = Directory(uow.session)
            await directory.organisation(turn.org_id, turn.now)
            team = await directory.team(turn.org_id, turn.where, turn.now)
            for member in members:
                person = await directory.seen(turn.org_id, member, turn.now)
                if team is not None:
                    await directory.add_member(team, person)
            await uow.commit()

    async def _context(self, uow: UnitOfWork, turn: Turn) -> HandlerContext:
        directory = Directory(uow.session)
        try:
            person = await self._remember(uow, directory, turn)
        except IntegrityError:
            # Two first turns of the same person or team at once: the other one stored them.
            await uow.rollback()
            person = await self._remember(uow, directory, turn)
        roles = await directory.roles(person.id)
        if (
            person.email
            and person.email in self.services.settings.admin_emails
            and Role.ORG_ADMIN not in roles
        ):
            await directory.grant(person, Role.ORG_ADMIN, None, turn.now)
            directory.audit(
                turn.org_id, None, f"person:{person.id}", "grant org_admin", "TLC_ADMINS", turn.now
            )
            await uow.commit()
            roles = roles | {Role.ORG_ADMIN}
        actor = Actor(person_id=person.id, org_id=turn.org_id, roles=roles)
        return HandlerContext(
            turn=turn, uow=uow, person=person, actor=actor, services=self.services
        )

    async def _remember(self, uow: UnitOfWork, directory: Directory, turn: Turn) -> Person:
        key = (
            turn.org_id,
            turn.user.aad_object_id or turn.user.teams_user_id,
            turn.where.conversation_id,
        )
        minute = int(turn.now.timestamp() // 60)
        cached = self._seen.get(key)
        if cached is not None and minute - cached.at_minute < SEEN_TTL.total_seconds() // 60:
            person = await uow.session.get(Person, cached.person_id)
            if (
                person is not None
                and (person.email or not turn.user.email)
                and (person.name == turn.user.name or not turn.user.name)
            ):
                return person
        await directory.organisation(turn.org_id, turn.now)
        person = await directory.seen(turn.org_id, turn.user, turn.now)
        if not person.email:
            email = await self.services.member_email(turn)
            if email:
                person = await directory.seen(
                    turn.org_id, replace(turn.user, email=email), turn.now
                )
        team = await directory.team(turn.org_id, turn.where, turn.now)
        if team is not None:
            await directory.add_member(team, person)
        await directory.remember_conversation(turn.org_id, turn.where, person, team, turn.now)
        await uow.commit()
        self._seen[key] = _Seen(person.id, minute)
        return person

    async def _command(self, ctx: HandlerContext) -> Reply:
        match = self.router.match(ctx.turn.text)
        if match.command is None:
            return self._help_reply(ctx, match.suggestions)
        if ctx.turn.where.kind not in match.command.scopes:
            where = {
                "personal": "a 1:1 chat with me",
                "channel": "a team channel",
                "groupChat": "a group chat",
            }
            places = " or ".join(where[s] for s in sorted(match.command.scopes))
            return Reply.text(f"`{match.command.word}` works in {places}.")
        ctx.args = match.args
        reply = await match.command.handler(ctx)
        await ctx.uow.commit()
        return reply

    async def _card_action(self, ctx: HandlerContext) -> Reply:
        turn = ctx.turn
        action = self.router.actions.get(turn.verb or "")
        if action is None:
            return Reply.text(
                "That button is from an older version of this card. Type `help` to start again."
            )
        key = f"{turn.activity_id}" if action.idempotent and turn.activity_id else None
        if key is not None:
            replay = await self._replay(ctx, key)
            if replay is not None:
                return replay
        reply, saved = await self._run_action(ctx, action)
        if not saved:
            return reply  # an invalid form: nothing is written, the card comes back with errors
        if key is None:
            await ctx.uow.commit()
            return reply
        ctx.uow.session.add(
            ProcessedActivity(
                org_id=turn.org_id, activity_key=key, response=reply.to_json(), created_at=turn.now
            )
        )
        try:
            await ctx.uow.commit()
        except IntegrityError:
            # The same submission arrived twice at once and the other copy won: answer as it did.
            await ctx.uow.rollback()
            return await self._replay(ctx, key) or reply
        return reply

    async def _run_action(self, ctx: HandlerContext, action: CardAction) -> tuple[Reply, bool]:
        """Parse the submission at the edge; an invalid one is redisplayed and saves nothing."""
        values = {k: v for k, v in ctx.turn.data.items() if k != "verb"}
        if action.form is None:
            return await action.handler(ctx, values), True
        try:
            form = action.form.model_validate(values)
        except ValidationError as exc:
            errors = field_errors(exc)
            if action.redisplay is None:
                return Reply.text("Please check the form: " + "; ".join(errors.values())), False
            return await action.redisplay(ctx, values, errors), False
        return await action.handler(ctx, form), True

    async def _replay(self, ctx: HandlerContext, key: str) -> Reply | None:
        stored = await ctx.uow.session.scalar(
            select(ProcessedActivity.response).where(
                ProcessedActivity.org_id == ctx.turn.org_id, ProcessedActivity.activity_key == key
            )
        )
        if stored is None:
            return None
        # Replay the card but not the follow-up messages: they were delivered the first time.
        previous = Reply.from_json(stored)
        return (
            Reply(messages=[], card=previous.card)
            if previous.card
            else Reply(messages=[Message(text="Already saved.")])
        )


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors as one friendly message per card input id."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "This is required."
        errors.setdefault(field, message[0].upper() + message[1:])
    return errors
