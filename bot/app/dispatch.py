"""Runs a turn: remember who and where, decide who asks, route, and commit — or save nothing."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from bot.app import documents
from bot.app.context import HandlerContext, Services, is_list
from bot.app.events import LeftPlace
from bot.app.form_fields import MOST_DIGITS, FormShape
from bot.app.roster import (
    TeamChange,
    follow_merges,
    read_team_roster,
    taken_out,
    team_changed,
)
from bot.app.router import CardAction, Router, private_only
from bot.app.setup import is_set_up, setup_view
from bot.app.turn import Message, Reply, Turn, UserRef
from bot.domain.access import Actor, Permission, Role
from bot.logs import short
from cards.admin import setup_card
from cards.base import said
from storage.db import Database, UnitOfWork
from storage.models import Organisation, Person, ProcessedActivity
from storage.outbox import RosterSync
from storage.people import Directory, retry_identity
from storage.privacy import REPLAY_FOR

log = logging.getLogger(__name__)

SORRY = (
    "Sorry — something went wrong on my side and nothing was saved. "
    "Please try again in a moment; if it keeps happening, tell your TLC admin."
)
FIRST_ADMIN = (
    "Nobody was an org admin of TLC for your organisation yet, so {name}, who just added me "
    "to this team, is now its org admin: they can give roles to others and see who holds them. "
    "To hand the role over, say to me in a 1:1 chat **admin grant name@college.ac.uk org admin**, "
    "then **admin revoke your.name@college.ac.uk org admin**. Every role change is logged "
    "(**admin audit**)."
)
SEEN_TTL = timedelta(minutes=5)
PROCESSED = cast(Table, ProcessedActivity.__table__)
# A card submission's stored answer not read with the person (`_remember`): `_replay` reads it.
UNREAD: Literal["unread"] = "unread"
type Stored = dict[str, Any] | None | Literal["unread"]


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
                action = self.router.actions.get(turn.verb) if turn.verb is not None else None
                key = self._retry_key(turn, action)
                ctx, stored = await self._context(uow, turn, key)
                if turn.verb is not None:
                    return await self._card_action(ctx, action, key, stored)
                return await self._command(ctx)
        except Exception:
            log.exception("turn failed: activity %s", short(turn.activity_id))
            return Reply.text(SORRY)

    async def on_installed(self, turn: Turn, *, greets: bool = True) -> Reply:
        """The app was added to a team, chat or personal scope. Org admin comes from TLC_ADMINS
        or another org admin's grant; only in a tenant with neither does the first person to
        add TLC to a team become its org admin, and they are told so and how to hand over."""
        return await retry_identity(
            partial(self._installed, turn, greets=greets), what="an install"
        )

    async def _installed(self, turn: Turn, *, greets: bool) -> Reply:
        async with self.db.unit_of_work() as uow:
            ctx, _ = await self._context(uow, turn)
            # Only a turn whose answer is sent may make a first admin: they must be told. It is
            # decided on what TLC knew before this install (not on the roster it reads next).
            first_admin = (
                greets
                and turn.where.kind == "channel"
                and Role.ORG_ADMIN not in ctx.actor.roles
                and await self._no_admin_yet(uow, ctx)
            )
            if first_admin:
                await ctx.directory.grant(
                    ctx.person,
                    Role.ORG_ADMIN,
                    None,
                    turn.now,
                    "first to add TLC to a team in an organisation with no org admin",
                )
                ctx.actor = replace(ctx.actor, roles=ctx.actor.roles | {Role.ORG_ADMIN})
            await uow.commit()  # the organisation's row is not held while Teams is asked
            if turn.where.team_id:
                # Installed in a team: its people are in every picker from the first day.
                team = await ctx.directory.team(turn.org_id, turn.where, turn.now)
                if team is not None:
                    await read_team_roster(ctx, team)
            await uow.commit()
            messages = [*self._help_reply(ctx, ("welcome",)).messages]
            if first_admin:
                # Named: everyone in the channel reads who holds the role now.
                name = ctx.person.name or "the person"
                messages.append(Message(text=FIRST_ADMIN.format(name=said(name))))
            if Role.ORG_ADMIN in ctx.actor.roles and not await is_set_up(ctx):
                # A new organisation: the admin can set TLC up right here, no terminal needed.
                view = await setup_view(ctx, notice="TLC is new here: set it up in three steps.")
                messages.append(Message(card=setup_card(view)))
            return Reply(messages=messages)

    async def _no_admin_yet(self, uow: UnitOfWork, ctx: HandlerContext) -> bool:
        """Whether this tenant has no org admin and TLC_ADMINS does not name it. One installer
        at a time decides it (the organisation's row is locked until the turn commits)."""
        org_id = ctx.turn.org_id
        await uow.session.execute(
            select(Organisation.id).where(Organisation.id == org_id).with_for_update()
        )
        if await ctx.directory.has_org_admin(org_id):
            return False
        return not await self._admins_named(ctx.directory, org_id, ctx.person)

    async def _admins_named(self, directory: Directory, org_id: str, person: Person) -> bool:
        """Whether TLC_ADMINS names this organisation's admins: someone already known here, or
        anyone at the installer's email domain (or anyone at all, if the installer's email is
        unknown). Then nobody becomes admin by installing: the named people are waiting."""
        named = self.services.settings.admin_emails
        if not named:
            return False
        if not person.email:
            return True
        domain = person.email.rpartition("@")[2]
        if any(email.rpartition("@")[2] == domain for email in named):
            return True
        for email in named:
            if await directory.person_by_email(org_id, email) is not None:
                return True
        return False

    async def on_members_added(self, turn: Turn, members: list[UserRef]) -> None:
        """Someone joined a team the bot is in: remember them so the bot can reach them later.
        Teams (and the Playground) leave the email out: ask the connector for it, so the person
        meets their tutor-list row at once."""
        found = []
        for member in members:
            if not member.email:
                email = await self.services.member_email(replace(turn, user=member))
                member = replace(member, email=email) if email else member
            found.append(member)
        await retry_identity(partial(self._members_added, turn, found), what="members added")

    async def _members_added(self, turn: Turn, members: list[UserRef]) -> None:
        async with self.db.unit_of_work() as uow:
            directory = Directory(uow.session)
            await directory.organisation(turn.org_id, turn.now)
            team = await directory.team(turn.org_id, turn.where, turn.now)
            for member in members:
                person = await directory.seen(turn.org_id, member, turn.now)
                if team is not None:
                    await directory.add_member(team, person, turn.now)
            await follow_merges(uow.session, self.services.events, turn.org_id, turn.now)
            if team is not None and members:
                # The team's people changed: its roster is read again when next needed, so a
                # newcomer Teams told us little about is joined up with their tutor-list row.
                await uow.session.execute(delete(RosterSync).where(RosterSync.team_pk == team.id))
            await uow.commit()

    async def on_uninstalled(self, turn: Turn) -> None:
        """TLC was removed from a team, a group chat or someone's personal scope: nothing is
        posted there until it is added back (`roster.taken_out`); nothing stored is lost."""
        async with self.db.unit_of_work() as uow:
            await taken_out(Directory(uow.session), turn)
            await uow.commit()
        self._forget_seen(turn.where.conversation_id)

    async def on_team_changed(self, turn: Turn, change: TeamChange) -> None:
        """Teams says what happened to a team TLC is in, or to one of its channels (renamed,
        deleted, archived, restored: `roster.team_changed`). Whoever did it is not added."""
        async with self.db.unit_of_work() as uow:
            await team_changed(Directory(uow.session), turn, change)
            await uow.commit()
        self._forget_seen(turn.where.conversation_id)

    def _forget_seen(self, conversation_id: str) -> None:
        """The next turn in this conversation is remembered afresh (the team or chat may be
        out, or back: that turn's `Directory.team` and conversation say so)."""
        for person in list(self._seen):
            if person[2] == conversation_id:
                del self._seen[person]

    async def on_members_removed(self, turn: Turn, members: list[UserRef]) -> None:
        """Someone left the team or group chat (or was removed): they are no longer one of its
        members, so what membership gave them (reading its channel's walks and their concern
        notes, taking part in its card sessions) ends with it (SPEC principle 5: access lasts
        as long as its reason)."""
        async with self.db.unit_of_work() as uow:
            directory = Directory(uow.session)
            people = await directory.known_as(turn.org_id, members)
            team = None
            if turn.where.team_id:
                team = await directory.team_of(turn.org_id, turn.where.team_id)
                if team is not None:
                    await directory.remove_members(team, people)
            elif turn.where.kind != "groupChat":
                return
            if people:
                left = LeftPlace(
                    turn.org_id, people, team.id if team else None, turn.where.conversation_id
                )
                await self.services.events.publish(uow.session, left)
            await uow.commit()

    async def _context(
        self, uow: UnitOfWork, turn: Turn, key: str | None = None
    ) -> tuple[HandlerContext, Stored]:
        """Who asks, with their roles; and the answer stored for the card submission `key`
        (a retry's), if read with them (else `UNREAD`)."""
        directory = Directory(uow.session)

        async def remember() -> tuple[Person, frozenset[Role] | None, Stored]:
            try:
                return await self._remember(uow, directory, turn, key)
            except Exception:
                # Two first turns of the same person or team at once: the other one stored
                # (or merged) them; the next attempt finds what it stored.
                await uow.rollback()
                raise

        person, known_roles, stored = await retry_identity(remember, what="a turn")
        # Roles are read on every turn (a revoked role takes effect at once).
        roles = known_roles if known_roles is not None else await directory.roles(person.id)
        if (
            person.email
            and person.email in self.services.settings.admin_emails
            and Role.ORG_ADMIN not in roles
        ):
            await directory.grant(person, Role.ORG_ADMIN, None, turn.now, "TLC_ADMINS")
            await uow.commit()
            roles = roles | {Role.ORG_ADMIN}
        actor = Actor(person_id=person.id, org_id=turn.org_id, roles=roles)
        ctx = HandlerContext(turn=turn, uow=uow, person=person, actor=actor, services=self.services)
        return ctx, stored

    async def _remember(
        self, uow: UnitOfWork, directory: Directory, turn: Turn, key: str | None
    ) -> tuple[Person, frozenset[Role] | None, Stored]:
        """Who is asking, stored if new or changed; with their roles when read with them, and
        then the answer stored for the card submission `key` too, if one is given."""
        seen_key = (
            turn.org_id,
            turn.user.aad_object_id or turn.user.teams_user_id,
            turn.where.conversation_id,
        )
        minute = int(turn.now.timestamp() // 60)
        cached = self._seen.get(seen_key)
        if cached is not None and minute - cached.at_minute < SEEN_TTL.total_seconds() // 60:
            # A person this process stored lately: their row and roles in one statement (with
            # the stored answer, for a card submission Teams may be sending again).
            stored: Stored = UNREAD
            if key is None:
                known, roles = await directory.person_and_roles(cached.person_id)
            else:
                known, roles, stored = await directory.person_roles_and_answer(
                    cached.person_id, turn.org_id, key
                )
            if (
                known is not None
                and known.teams_user_id is not None  # None once erased: a new person
                and (known.email or not turn.user.email)
                and (known.name == turn.user.name or not turn.user.name)
            ):
                return known, roles, stored
        await directory.organisation(turn.org_id, turn.now)
        person = await directory.seen(turn.org_id, turn.user, turn.now)
        if not person.email:
            email = await self.services.member_email(turn)
            if email:
                person = await directory.seen(
                    turn.org_id, replace(turn.user, email=email), turn.now
                )
        # Meeting them may have joined their Teams account to their row on the tutor list.
        await follow_merges(uow.session, self.services.events, turn.org_id, turn.now)
        team = await directory.team(turn.org_id, turn.where, turn.now)
        if team is not None:
            await directory.add_member(team, person, turn.now)
        await directory.remember_conversation(turn.org_id, turn.where, person, team, turn.now)
        await uow.commit()
        self._seen[seen_key] = _Seen(person.id, minute)
        return person, None, UNREAD

    async def _command(self, ctx: HandlerContext) -> Reply:
        match = self.router.match(ctx.turn.text)
        list_file = ctx.list_file  # a .csv, or an Excel workbook (or, failing those, any file)
        if (
            list_file is not None
            and is_list(list_file)
            and (match.command is None or not ctx.turn.text.split())
            and ctx.can(Permission.IMPORT_TUTORS)
        ):
            # A file dropped in alone (or with words of one's own) is not imported unasked; the
            # admin is told what would import it, rather than shown the help card.
            in_chat = "" if ctx.turn.where.kind == "personal" else " in our 1:1 chat"
            return Reply.text(
                f"I got {said(list_file.name)}, but no command with it. To import it as the tutor "
                f"list, send it again{in_chat} with the words **admin import**."
            )
        if match.command is None:
            return self._help_reply(ctx, match.suggestions)
        sub = (match.args.split() or [""])[0]
        if (
            match.command.private
            and ctx.turn.where.kind != "personal"
            and sub not in match.command.shared_ok
        ):
            if not match.command.answers_in_private:
                return Reply.text(private_only(match.command.word))
            ctx.args = match.args
            reply = await match.command.handler(ctx)
            sent = await documents.answer_in_private(ctx, reply, f"your {match.command.word}")
            await ctx.uow.commit()
            return sent
        if ctx.turn.where.kind not in match.command.scopes:
            where = {
                "personal": "a 1:1 chat with me",
                "channel": "a team channel",
                "groupChat": "a group chat",
            }
            places = " or ".join(where[s] for s in sorted(match.command.scopes))
            return Reply.text(f"`{match.command.word}` works in {places}.")
        ctx.args = match.args
        handler = match.command.handler
        if match.command.stores(sub) and ctx.turn.activity_id:
            return await self._once(ctx, retry_key(ctx.turn), _always_saved(handler, ctx))
        reply = await handler(ctx)
        if match.command.writes:
            await ctx.uow.commit()
        return reply

    @staticmethod
    def _retry_key(turn: Turn, action: CardAction | None) -> str | None:
        """Where a card submission's answer is stored, if it is one whose retry replays it."""
        if action is None or not action.idempotent or not turn.activity_id:
            return None
        if action.private and turn.where.kind != "personal" and not turn.via_invoke:
            return None  # refused before anything is read
        return retry_key(turn)

    async def _card_action(
        self, ctx: HandlerContext, action: CardAction | None, key: str | None, stored: Stored
    ) -> Reply:
        """`key`: where its answer is stored (`_retry_key`); `stored`: that answer, if the
        person's read brought it (else `UNREAD`)."""
        turn = ctx.turn
        if action is None:
            return Reply.text(
                "That button is from an older version of this card. Type `help` to start again."
            )
        if action.private and turn.where.kind != "personal" and not turn.via_invoke:
            return Reply.text(private_only())
        run = partial(self._run_action, ctx, action)
        if key is None:
            reply, saved = await run()
            if saved:  # an invalid form writes nothing: the card comes back with its errors
                await ctx.uow.commit()
        else:
            reply = await self._once(ctx, key, run, stored)
        if action.private and turn.where.kind != "personal":
            return for_the_presser(reply)
        return reply

    async def _once(
        self,
        ctx: HandlerContext,
        key: str,
        run: Callable[[], Awaitable[tuple[Reply, bool]]],
        stored: Stored = UNREAD,
    ) -> Reply:
        """Run a turn whose answer is stored under `key` (`retry_key`), unless it already was:
        then a Teams retry is answered from the store and nothing runs again. `run` gives the
        answer and whether it saved (an invalid form saves nothing and stores no answer);
        `stored` is the stored answer if the person's read brought it (else `UNREAD`)."""
        replay = await self._replay(ctx, key, stored)
        if replay is not None:
            return replay
        reply, saved = await run()
        if not saved:
            return reply
        try:
            # A plain insert (Core, not an ORM flush): the stored answer is never read back here.
            await ctx.uow.session.execute(
                _STORE_ANSWER,
                {
                    "org_id": ctx.turn.org_id,
                    "activity_key": key,
                    "response": reply.to_json() | {"answered_at": ctx.turn.now.isoformat()},
                    "created_at": ctx.turn.now,
                },
            )
            await ctx.uow.commit()
        except IntegrityError:
            # The same activity arrived twice at once and the other copy won: answer as it did.
            await ctx.uow.rollback()
            return await self._replay(ctx, key) or reply
        return reply

    async def _run_action(self, ctx: HandlerContext, action: CardAction) -> tuple[Reply, bool]:
        """Parse the submission at the edge; an invalid one is redisplayed and saves nothing."""
        values = {k: v for k, v in ctx.turn.data.items() if k != "verb"}
        try:
            if action.form is None:
                if any(_too_big(v) for k, v in values.items() if _is_id(k) or isinstance(v, int)):
                    return Reply.text(UNREADABLE), False
                return await action.handler(ctx, values), True
            try:
                form = action.form.model_validate(
                    as_submitted(action.form, values, action.form_shape)
                )
                errors = out_of_range(form)
            except ValidationError as exc:
                errors = field_errors(exc)
            if not errors:
                return await action.handler(ctx, form), True
            if action.redisplay is None:
                return Reply.text("Please check the form: " + "; ".join(errors.values())), False
            return await action.redisplay(ctx, values, errors), False
        except Exception as exc:
            if not _odd_data(exc):
                raise
            # A value no card of TLC sends (junk in a hidden id, a number beyond any row): the
            # card's data, not TLC, is at fault. Nothing is saved.
            log.warning("card %s: unreadable data (%s)", action.verb, type(exc).__name__)
            await ctx.uow.rollback()
            return Reply.text(UNREADABLE), False

    async def _replay(self, ctx: HandlerContext, key: str, stored: Stored = UNREAD) -> Reply | None:
        """The answer to give a retry of a stored submission (`stored`, if already read), or
        None if it was never answered."""
        if stored == UNREAD:
            stored = await ctx.uow.session.scalar(
                _STORED_ANSWER, {"org_id": ctx.turn.org_id, "key": key}
            )
        if not isinstance(stored, dict):  # never answered
            return None
        if ctx.turn.verb is None or not _fresh(stored, ctx.turn.now):
            # A typed command: its answer went to the chat the first time; send nothing again.
            # An answer older than `REPLAY_FOR` (or emptied by an erasure) is not shown again.
            return Reply(messages=[])
        # Replay the card but not the follow-up messages: they were delivered the first time.
        previous = Reply.from_json(stored)
        if previous.card:
            return Reply(messages=[], card=previous.card)
        if not ctx.turn.via_invoke:
            # A submit's messages (a card it opened, a refusal) went to the chat the first
            # time: send nothing again, not a word that would say something else happened.
            return Reply(messages=[])
        # An invoke is answered again as the first time (bot/teams/web.py): with the first card
        # it showed, or else its words; what followed in the chat is not sent again.
        shown = next((m.card for m in previous.messages if m.card is not None), None)
        if shown is not None:
            return Reply(messages=[], card=shown)
        return Reply(messages=[Message(text=m.text) for m in previous.messages if m.text])


def _always_saved(
    handler: Callable[[HandlerContext], Awaitable[Reply]], ctx: HandlerContext
) -> Callable[[], Awaitable[tuple[Reply, bool]]]:
    """A typed command as `Dispatcher._once` runs it: whatever it answers is stored."""

    async def run() -> tuple[Reply, bool]:
        return await handler(ctx), True

    return run


def _fresh(stored: dict[str, Any], now: datetime) -> bool:
    """Whether a stored answer is recent enough (`REPLAY_FOR`) to be shown to a retry."""
    at = stored.get("answered_at")
    try:
        return isinstance(at, str) and now - datetime.fromisoformat(at) < REPLAY_FOR
    except (TypeError, ValueError):  # a naive or unreadable time: an answer not to show again
        return False


_STORE_ANSWER = insert(PROCESSED)
_STORED_ANSWER = select(ProcessedActivity.response).where(
    ProcessedActivity.org_id == bindparam("org_id"),
    ProcessedActivity.activity_key == bindparam("key"),
)


def for_the_presser(reply: Reply) -> Reply:
    """What of a private action's answer rides in an invoke's response, which Teams shows the
    presser alone: the card it answers with, or its words. Anything more would be posted to
    the conversation, and in a channel or group chat everyone there would read it."""
    card = reply.card or next((m.card for m in reply.messages if m.card is not None), None)
    if card is not None:
        return Reply(card=card)
    return Reply(messages=[Message(text=m.text) for m in reply.messages if m.text])


def retry_key(turn: Turn) -> str:
    """Where a stored reply belongs: Teams activity ids are unique only within a conversation,
    so a retry is the same sender's same activity in the same conversation (the tenant is the
    row's `org_id`). Hashed: conversation ids run long, and the key need not be readable."""
    sender = turn.user.aad_object_id or turn.user.teams_user_id
    parts = (turn.where.conversation_id, sender, turn.activity_id or "")
    return "v2:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


UNREADABLE = (
    "I could not read that card's data, so nothing was saved. "
    "Please open the card again (type `help` if you are not sure where it came from)."
)
INT_LIMIT = 2**31 - 1  # every id and number TLC stores fits a 32-bit integer


def _is_id(key: str) -> bool:
    return key == "id" or key.endswith(("_id", "_ids", "_pk"))


def _too_big(value: object) -> bool:
    """An integer (or the digits of one) beyond what any TLC row holds."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -INT_LIMIT <= value <= INT_LIMIT
    if isinstance(value, float):
        return not math.isfinite(value) or abs(value) > INT_LIMIT
    if isinstance(value, str):
        digits = value.strip().lstrip("+-")
        # isdecimal: what int() reads ("²" passes isdigit and not int); past 18 digits, too big
        # without reading it (int() refuses more than 4,300).
        if not digits.isdecimal():
            return False
        return len(digits) > MOST_DIGITS or (len(digits) > 9 and int(digits) > INT_LIMIT)
    if isinstance(value, list | tuple | set | frozenset):
        return any(_too_big(v) for v in value)
    if isinstance(value, dict):
        return any(_too_big(v) for v in value.values())
    return False


def out_of_range(form: BaseModel) -> dict[str, str]:
    """Numbers that parsed but fit no row (an id of 10^30): a field error, like any other."""
    errors: dict[str, str] = {}
    for name, field in type(form).model_fields.items():
        value = getattr(form, name)
        if isinstance(value, int | float | list | tuple | set | frozenset) and _too_big(value):
            errors[field.alias or name] = "That number is out of range."
    return errors


def _odd_data(exc: BaseException) -> bool:
    """A failure caused by a value in the card's data rather than by TLC or its database."""
    if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError):
        return isinstance(exc.orig, ValueError | TypeError | OverflowError)
    if isinstance(exc, DataError):
        return True  # PostgreSQL: a value out of range for its column
    return isinstance(exc, ValueError | TypeError | OverflowError | KeyError)


def as_submitted(
    form: type[BaseModel], values: dict[str, Any], shape: FormShape | None = None
) -> dict[str, Any]:
    """Teams leaves untouched inputs out of a submission; a missing input means exactly what an
    empty one does. A text or choice field, or one whose validator reads the raw input, is given
    "" when missing (so its validators and "choose at least one" rules run); any other field
    that came empty is taken as missing (its default, or "This is required."). `shape`: the
    form's `FormShape`, if already worked out."""
    return (shape or FormShape.of(form)).submitted(values)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors as one friendly message per card input id."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing" or (
            err["type"] == "string_too_short" and not str(err.get("input") or "").strip()
        ):
            message = "This is required."
        errors.setdefault(field, message[0].upper() + message[1:])
    return errors
