"""`cards`: the progression card activity (seed 004), run in a channel, a group chat or a 1:1.

The facilitator starts a session and chooses the strategic issues; the bot shows one lead-question
card at a time. Every session card is one live card: buttons are Action.Execute and the card has a
`refresh`, so each press answers with the card as it now is, for whoever looks at it. The session's
state and position are a `CardSession` row, so a restart or a second instance changes nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, BaseModel, Field, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import documents
from bot.app.context import HandlerContext, with_loaded
from bot.app.form_fields import chosen
from bot.app.notices import NoticeContext, NoticeKind
from bot.app.progression.export import ExportFormat, export, filename
from bot.app.roster import read_team_roster
from bot.app.router import SHARED, Command, Redisplay
from bot.app.router import SharedAction as Verb  # a channel's own card: answered there
from bot.app.turn import Message, Reply, Where
from bot.domain import progression as rules
from bot.domain.access import Permission, Subject
from bot.domain.local_time import LONDON, london_day
from bot.domain.sending_hours import SendingHours
from cards.base import CardDict, said
from cards.progression import (
    DECK_FILE,
    MAX_COMPARED,
    ActionReminderView,
    ContributionLine,
    DigestLine,
    IssueChoice,
    LiveCardView,
    OwnIssueFormView,
    OwnQuestionFormView,
    PausedView,
    ResumeOffer,
    SessionChoice,
    SetupView,
    Side,
    SummaryView,
    action_done_card,
    action_drop_card,
    action_dropped_card,
    action_later_card,
    action_moved_card,
    action_reminder_card,
    compare_card,
    compare_choice_card,
    deck_added_card,
    live_card,
    overdue_digest_card,
    own_issue_card,
    own_question_card,
    paused_card,
    prompts_scheduled_card,
    refused,
    resume_offer_card,
    schedule_moved_card,
    setup_card,
    summary_card,
)
from storage.people import Directory
from storage.privacy import FORMER_PARTICIPANT, is_erased
from storage.progression import (
    CardAction,
    CardContribution,
    CardSession,
    CardSessions,
    LiveAction,
    LiveContribution,
    OwnDeck,
    OwnLeadQuestion,
    OwnStrategicIssue,
    live_update_key,
)
from storage.reminders import PENDING, Schedule

UNNAMED = "a colleague"  # someone TLC has an id for but no name or email (yet)
NOT_IN_GROUP = "Sorry, that session belongs to another group. Start your own with **cards**."
COMPARE_ELSEWHERE = (
    "Here I only compare the sessions held here. To set other groups' outcomes side by side, "
    "say **cards compare** to me in our 1:1 chat, where nobody else sees them."
)
NOT_FOUND = "I can't find that session any more. Say **cards** to start one."
ACTION_DUE_KIND = "cards.action_due"
DIGEST_KIND = "cards.overdue_digest"
PROMPT_KIND = "cards.prompt"
LIVE_KIND = "cards.live"
DEFAULT_DUE_DAYS = 14


@lru_cache(maxsize=1)
def standard_deck() -> rules.Deck:
    """The deck as published (seed 004), from the data file shipped with the cards."""
    return rules.Deck.from_json(json.loads(DECK_FILE.read_text(encoding="utf-8")))


async def org_deck(session: AsyncSession, org_id: str) -> rules.Deck:
    """The deck plus the organisation's own strategic issues and lead questions."""
    own = OwnDeck(session)
    issues = [(i.number, i.title) for i in await own.issues(org_id)]
    questions = [
        rules.own_question(q.issue_number, q.number, q.question, q.prompts)
        for q in await own.questions(org_id)
    ]
    return standard_deck().with_own(issues, questions)


def place_key(where: Where) -> str:
    """A channel is one place whatever thread a message is in; a chat is its conversation."""
    if where.kind == "channel":
        return "channel:" + (where.teams_channel_id or where.conversation_id.split(";")[0])
    return where.conversation_id


def default_group_name(where: Where, person_name: str) -> str:
    if where.kind == "personal":
        return person_name or "Just me"
    if where.kind == "groupChat":
        return "Group chat"
    channel = where.teams_channel_name
    if channel and channel != "General":
        return channel
    return where.team_name or channel or "Team"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ids(value: object) -> object:
    """A multi-select choice set answers "1,3,5"; a list is fine too."""
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    return value


# --------------------------------------------------------------------------- rendering a session


def _action_what(action: CardAction | LiveAction) -> str:
    if action.dropped_at is not None:
        return f"{action.what} (not doing it: {action.dropped_reason or 'no reason given'})"
    return action.what


def _not_doing(action: CardAction) -> str | None:
    """Why its owner is not doing an action, if they said they are not."""
    if action.dropped_at is None or action.done_at is not None:
        return None
    return action.dropped_reason or "no reason given"


def _owner_choices(
    around: list[int], names: dict[int, str], viewer_id: int
) -> list[tuple[str, str]]:
    """Who can own an action, as (name, person id) by name; a picker shows real names only."""
    return sorted(
        (
            (names.get(pid) or ("You" if pid == viewer_id else ""), str(pid))
            for pid in around
            if (pid in names or pid == viewer_id) and names.get(pid) != FORMER_PARTICIPANT
        ),
        key=lambda choice: choice[0].lower(),
    )


class _Known(Protocol):
    """A person as a card names them (a stored row, or the live card's plain row)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def teams_user_id(self) -> str | None: ...


def _names(people: Sequence[_Known], ids: set[int]) -> dict[int, str]:
    """Names to show; someone erased since is "a former participant" (never their old name)."""
    return {
        p.id: FORMER_PARTICIPANT
        if is_erased(p.name, p.email, p.teams_user_id)
        else p.name or p.email or ""
        for p in people
        if p.id in ids and (p.name or p.email)
    }


def _user_ids(people: Sequence[_Known], row: CardSession) -> list[str]:
    """Whom the card refreshes for: its facilitator and everyone who took part."""
    ids = {row.facilitator_id, *row.participant_ids}
    return [p.teams_user_id for p in people if p.id in ids and p.teams_user_id]


def _group_ids(row: CardSession, viewer_id: int) -> list[int]:
    """The group, as far as the session knows it: its facilitator (unless they have left the
    team or chat: an action is never theirs to own, nor its reminders to read), whoever is
    looking, and whoever took part."""
    facilitator = [] if row.facilitator_left else [row.facilitator_id]
    return [*facilitator, viewer_id, *row.participant_ids]


@dataclass(frozen=True)
class Showing:
    """What one showing of a session's card adds to the session as stored: the side that faces
    the viewer, a line at the top, a form's values and errors, and `adding`, a contribution not
    yet written, shown last on its card."""

    side: Side = "front"
    notice: str | None = None
    values: dict[str, str] | None = None
    errors: dict[str, str] | None = None
    banner: str | None = None
    adding: CardContribution | None = None


@dataclass
class SessionView:
    """Builds a session's card from the records, for a handler or for a notice."""

    session: AsyncSession
    org_id: str
    now: datetime

    @property
    def repo(self) -> CardSessions:
        return CardSessions(self.session)

    async def names(self, ids: set[int]) -> dict[int, str]:
        return _names(await Directory(self.session).people(self.org_id, ids), ids)

    async def user_ids(self, row: CardSession) -> list[str]:
        ids = {row.facilitator_id, *row.participant_ids}
        return _user_ids(await Directory(self.session).people(self.org_id, ids), row)

    async def render(
        self, row: CardSession, viewer_id: int, showing: Showing, *, in_channel: bool = True
    ) -> CardDict:
        """The card for the session as it is now: setup, live card, pause card or summary."""
        state = row.session_state
        if state is rules.SessionState.CHOOSING:
            return await self.setup(row, errors=showing.errors)
        if state is rules.SessionState.FINISHED:
            return await self.summary(row)
        if state is rules.SessionState.PAUSED:
            return await self.paused(row, in_channel=in_channel)
        return await self.live(row, viewer_id, showing)

    async def setup(self, row: CardSession, errors: dict[str, str] | None = None) -> CardDict:
        deck = await org_deck(self.session, self.org_id)
        names = await self.names({row.facilitator_id})
        return setup_card(
            SetupView(
                session_id=row.id,
                way=rules.WayOfWorking(row.way),
                group=row.group_name,
                facilitator=names.get(row.facilitator_id, "the facilitator"),
                issues=[
                    IssueChoice(i.number, i.title, len(i.questions), i.own) for i in deck.issues
                ],
                errors=errors or {},
                user_ids=await self.user_ids(row),
            )
        )

    async def live(self, row: CardSession, viewer_id: int, showing: Showing) -> CardDict:
        key = row.current_key or ""
        deck = standard_deck()
        if deck.card(key) is None:  # one of the organisation's own cards: read its deck
            deck = await org_deck(self.session, self.org_id)
        question = deck.card(key)
        if question is None:
            return await self.summary(row)
        issue = deck.issue(question.issue_number)
        adding = showing.adding
        if adding is not None and adding.card_key != key:
            adding = None
        # One read for the card's rows, the names shown, the people the card refreshes for
        # and the team's members (who, with those in `people_around`, can own an action).
        ids = {row.facilitator_id, viewer_id, *row.participant_ids}
        if adding is not None and adding.person_id:
            ids.add(adding.person_id)
        contributions, actions, people = await self.repo.live_rows(
            self.org_id, row.id, key, ids, row.conversation_ref_id
        )
        if adding is not None:
            contributions.append(LiveContribution(adding.person_id, adding.text))
        contributors = {c.person_id for c in contributions if c.person_id}
        members = [p.id for p in people if p.member]
        around = list(dict.fromkeys(_group_ids(row, viewer_id)))
        around += [m for m in members if m not in around]
        named = set(around) | contributors
        names = _names(people, named)
        return live_card(
            LiveCardView(
                session_id=row.id,
                position=row.position,
                total=len(row.card_keys),
                way=rules.WayOfWorking(row.way),
                group=row.group_name,
                issue_title=issue.title if issue else "",
                card=question,
                contributions=[
                    ContributionLine(names.get(c.person_id or 0, UNNAMED), c.text)
                    for c in contributions
                ],
                actions=[
                    rules.AgreedAction(
                        _action_what(a), names.get(a.owner_id, UNNAMED), a.due_on, bool(a.done_at)
                    )
                    for a in actions
                ],
                side=showing.side,
                # Only the action form has the "Who" picker (a front or back press skips it).
                owner_choices=_owner_choices(around, names, viewer_id)
                if showing.side == "action"
                else (),
                default_owner=str(viewer_id),
                default_due=(london_day(self.now) + timedelta(days=DEFAULT_DUE_DAYS)).isoformat(),
                values=showing.values or {},
                errors=showing.errors or {},
                notice=showing.notice,
                banner=showing.banner,
                user_ids=_user_ids(people, row),
            )
        )

    async def people_around(self, row: CardSession, viewer_id: int) -> list[int]:
        """Who can own an action: the facilitator, whoever took part, and the whole team roster
        (the card's list can be searched when it is long)."""
        ids = _group_ids(row, viewer_id)
        ids += await self.repo.team_member_ids(row.conversation_ref_id)
        return list(dict.fromkeys(ids))

    async def paused(self, row: CardSession, *, in_channel: bool = True) -> CardDict:
        deck = await org_deck(self.session, self.org_id)
        question = deck.card(row.current_key or "")
        return paused_card(
            PausedView(
                session_id=row.id,
                group=row.group_name,
                way=rules.WayOfWorking(row.way),
                position=row.position,
                total=len(row.card_keys),
                key=row.current_key or "",
                question=question.question if question else "",
                paused_on=london_day(row.paused_at or self.now),
                contributions=len(await self.repo.contributions(row.id)),
                actions=len(await self.repo.actions(row.id)),
                in_channel=in_channel,
                user_ids=await self.user_ids(row),
            )
        )

    async def outcome(self, row: CardSession) -> rules.SessionOutcome:
        """What the session produced: the cards covered so far (and any card with outcomes)."""
        deck = await org_deck(self.session, self.org_id)
        contributions = await self.repo.contributions(row.id)
        actions = await self.repo.actions(row.id)
        names = await self.names(
            {row.facilitator_id}
            | {c.person_id for c in contributions if c.person_id}
            | {a.owner_id for a in actions}
        )
        touched = {c.card_key for c in contributions} | {a.card_key for a in actions}
        covered = row.card_keys[: row.position + 1]
        keys = [k for k in row.card_keys if k in covered or k in touched]
        outcomes = []
        for key in keys:
            question = deck.card(key)
            issue = deck.issue(question.issue_number) if question else None
            outcomes.append(
                rules.CardOutcome(
                    key=key,
                    issue_title=issue.title if issue else "",
                    question=question.question if question else key,
                    contributions=tuple(
                        rules.Contribution(
                            names.get(c.person_id or 0, UNNAMED), c.text, c.created_at
                        )
                        for c in contributions
                        if c.card_key == key
                    ),
                    actions=tuple(
                        rules.AgreedAction(
                            a.what,
                            names.get(a.owner_id, UNNAMED),
                            a.due_on,
                            bool(a.done_at),
                            _not_doing(a),
                        )
                        for a in actions
                        if a.card_key == key
                    ),
                )
            )
        return rules.SessionOutcome(
            group=row.group_name,
            way=rules.WayOfWorking(row.way),
            facilitator=names.get(row.facilitator_id, ""),
            started_on=london_day(row.started_at),
            cards=tuple(outcomes),
            session_id=row.id,
        )

    async def summary(self, row: CardSession) -> CardDict:
        return summary_card(
            SummaryView(
                outcome=await self.outcome(row),
                finished=row.session_state is rules.SessionState.FINISHED,
                user_ids=await self.user_ids(row),
            )
        )


def _view(ctx: HandlerContext) -> SessionView:
    return SessionView(ctx.uow.session, ctx.turn.org_id, ctx.services.clock.now())


def _subject(ctx: HandlerContext, row: CardSession) -> Subject:
    """The facts `can` needs: the facilitator, and who is in the group's place."""
    readers = set(row.participant_ids)
    if place_key(ctx.turn.where) == row.place_key:
        readers.add(ctx.actor.person_id)
    facilitator = None if row.facilitator_left else row.facilitator_id
    return Subject(org_id=row.org_id, author_id=facilitator, channel_readers=frozenset(readers))


def _may_facilitate(ctx: HandlerContext, row: CardSession) -> bool:
    """Whether this person may run the session now. One whose facilitator left the group is
    taken over by the first member still in it who runs it: they are its facilitator from then
    on (an org admin running it takes nothing over)."""
    if not ctx.can(Permission.FACILITATE_CARDS, _subject(ctx, row)):
        return False
    me = ctx.actor.person_id
    if row.facilitator_left and me in _subject(ctx, row).channel_readers:
        row.facilitator_id, row.facilitator_left = me, False
        row.participant_ids = [p for p in row.participant_ids if p != me]
    return True


MAX_PARTICIPANTS = 200  # enough for a card's refresh list (60) and the action owners (50)


def _join(row: CardSession, person_id: int) -> None:
    """Remember who takes part: they may own actions and their Teams refreshes the live card.
    Written by `_joined`, or by `CardSessions.used`, as an append in the database."""
    ids = row.participant_ids
    if person_id != row.facilitator_id and person_id not in ids and len(ids) < MAX_PARTICIPANTS:
        row.participant_ids = [*row.participant_ids, person_id]


async def _joined(ctx: HandlerContext, row: CardSession, person_id: int) -> None:
    """`_join`, written now: appended to the stored list in the database, so that two people
    joining at once are both kept (a flush would write back the list as this turn read it)."""
    _join(row, person_id)
    await CardSessions(ctx.uow.session).write_joined(row, MAX_PARTICIPANTS)


async def _load(ctx: HandlerContext, values: dict[str, Any]) -> CardSession | Reply:
    """The session a button is about, if this person may take part in it; else the answer."""
    session_id = _int(values.get("session"))
    row = None
    if session_id is not None:
        row = await CardSessions(ctx.uow.session).pressed(ctx.turn.org_id, session_id)
    if row is None:
        return Reply.text(NOT_FOUND)
    if not ctx.can(Permission.TAKE_PART_IN_CARDS, _subject(ctx, row)):
        return Reply.text(NOT_IN_GROUP)
    _remember_message(ctx, row)
    return row


def _remember_message(ctx: HandlerContext, row: CardSession) -> None:
    """The message a button was pressed on, in the session's own place, is the one whose card
    everyone sees: the bot keeps it up to date (`_share`)."""
    turn = ctx.turn
    if (
        turn.via_invoke
        and turn.reply_to_id
        and row.way != rules.WayOfWorking.ALONE.value
        and place_key(turn.where) == row.place_key
        and row.live_activity_id != turn.reply_to_id[:200]  # unchanged: nothing to flush
    ):
        row.live_activity_id = turn.reply_to_id[:200]


async def _share(ctx: HandlerContext, row: CardSession, side: Side = "front") -> None:
    """Update the session's posted card for everyone in the channel or group chat.

    The update goes through the outbox (Teams' per-conversation limits, retries), answering what
    someone just did, so sending hours never hold it. Changes that come close together share
    one update: while one is waiting, it is drawn when it goes, with everything done meanwhile.
    """
    if not row.live_activity_id or row.conversation_ref_id is None:
        return
    repo = CardSessions(ctx.uow.session)
    payload = {"session": row.id, "side": side}
    waiting = await repo.live_update(row)  # read with the session when a button was pressed
    if waiting is not None and waiting.state == PENDING:
        if waiting.payload != payload:  # unchanged: nothing to flush
            waiting.payload = payload
        return
    now = ctx.services.clock.now()
    await Schedule(ctx.uow.session).put(
        row.org_id,
        live_update_key(row.id),
        LIVE_KIND,
        now,
        now,
        conversation_ref_id=row.conversation_ref_id,
        payload=payload,
        existing=waiting,
    )
    repo.forget_live_update(row)


async def render_live(ctx: NoticeContext) -> Message | None:
    """The session's card as it is now, replacing the posted one for everyone."""
    row = await CardSessions(ctx.uow.session).get(
        ctx.item.org_id, int(ctx.payload.get("session", 0))
    )
    if row is None or not row.live_activity_id:
        return None
    side = ctx.payload.get("side")
    face: Side = side if side in ("front", "back") else "front"
    card = await SessionView(ctx.uow.session, row.org_id, ctx.now).render(
        row,
        row.facilitator_id,
        Showing(side=face),
        in_channel=row.way == rules.WayOfWorking.TEAM.value,
    )
    return Message(card=card, update_id=row.live_activity_id)


async def _show(ctx: HandlerContext, row: CardSession, side: Side = "front", **extra: Any) -> Reply:
    card = await _view(ctx).render(
        row,
        ctx.actor.person_id,
        Showing(side, **extra),
        in_channel=ctx.turn.where.kind == "channel",
    )
    return Reply.update(card)


async def _facilitator_only(ctx: HandlerContext, row: CardSession, doing: str) -> Reply | None:
    """None if this person runs the session (its facilitator, or an org admin); else the card
    as it is, with a polite refusal on it."""
    if _may_facilitate(ctx, row):
        return None
    why = await _not_yours(ctx, row, doing)
    card = await _view(ctx).render(
        row, ctx.actor.person_id, Showing(), in_channel=ctx.turn.where.kind == "channel"
    )
    return Reply.update(refused(card, why))


# ---------------------------------------------------------------------------------- the command


async def cards(ctx: HandlerContext) -> Reply:
    """Work through the progression cards together: one lead question at a time.

    Usage: cards
    Usage: cards schedule monday 09:00
    Usage: cards schedule off
    Usage: cards compare
    Usage: cards add
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    if sub in ("schedule", "prompt", "prompts"):
        return await _schedule(ctx)
    if sub == "compare":
        return await _compare_choices(ctx)
    if sub in ("add", "own", "issue"):
        return await own_issue_form(ctx, {})
    return await _start_or_offer(ctx)


async def _start_or_offer(ctx: HandlerContext) -> Reply:
    repo = CardSessions(ctx.uow.session)
    where = ctx.turn.where
    if where.team_id:
        # Read the team's people from Teams first: who is in the team (and who has left it).
        team = await ctx.directory.team(ctx.turn.org_id, where, ctx.turn.now)
        if team is not None:
            await read_team_roster(ctx, team)
    row = await repo.open_in(ctx.turn.org_id, place_key(where))
    view = _view(ctx)
    if row is not None and row.session_state is not rules.SessionState.CHOOSING:
        deck = await org_deck(ctx.uow.session, ctx.turn.org_id)
        question = deck.card(row.current_key or "")
        offer = ResumeOffer(
            session_id=row.id,
            group=row.group_name,
            state=row.state,
            position=row.position,
            total=len(row.card_keys),
            key=row.current_key or "",
            question=question.question if question else "",
            since=london_day(row.paused_at or row.updated_at),
        )
        return Reply.show(resume_offer_card(offer))
    if row is None:
        row = await _new_session(ctx)
    return Reply.show(await view.setup(row))


async def _new_session(ctx: HandlerContext) -> CardSession:
    where = ctx.turn.where
    repo = CardSessions(ctx.uow.session)
    ref = await repo.conversation_ref(ctx.turn.org_id, where.conversation_id)
    now = ctx.services.clock.now()
    row = repo.add(
        CardSession(
            org_id=ctx.turn.org_id,
            place_key=place_key(where),
            conversation_id=where.conversation_id,
            conversation_ref_id=ref.id if ref else None,
            facilitator_id=ctx.actor.person_id,
            way=rules.way_of_working(where.kind).value,
            group_name=default_group_name(where, ctx.person.name),
            state=rules.SessionState.CHOOSING.value,
            card_keys=[],
            position=0,
            participant_ids=[],
            started_at=now,
            updated_at=now,
        )
    )
    await ctx.uow.session.flush()
    return row


# ------------------------------------------------------------------------------ choosing issues


def _written(
    empty: str | None, most: int, what: str = "it", *, lines: bool = False
) -> AfterValidator:
    """Written text, on one line (only stripped where it may have several `lines`): `empty` is
    the message when it is blank (None: it may be), and it is at most `most` characters."""

    def check(value: str) -> str:
        value = value.strip() if lines else " ".join(value.split())
        if empty and not value:
            raise ValueError(empty)
        if len(value) > most:
            raise ValueError(f"Keep {what} under {most:,} characters")
        return value

    return AfterValidator(check)


class StartForm(BaseModel):
    session: int
    issues: list[int]
    group: Annotated[str, _written(None, 100, "the group name")] = ""

    @field_validator("issues", mode="before")
    @classmethod
    def _issues(cls, value: object) -> object:
        value = _ids(value)
        if not value:
            raise ValueError("Choose at least one strategic issue")
        return value


@with_loaded(_load)
async def redisplay_setup(
    ctx: HandlerContext, values: dict[str, Any], row: CardSession, errors: dict[str, str]
) -> Reply:
    return Reply.update(await _view(ctx).setup(row, errors))


async def start(ctx: HandlerContext, form: StartForm) -> Reply:
    loaded = await _load(ctx, {"session": form.session})
    if isinstance(loaded, Reply):
        return loaded
    row = loaded
    if row.session_state is not rules.SessionState.CHOOSING:
        return await _show(ctx, row)
    if not _may_facilitate(ctx, row):
        names = await _view(ctx).names({row.facilitator_id})
        who = names.get(row.facilitator_id, "the facilitator")
        error = f"Only {said(who)}, who started this session, can choose the issues and start."
        return Reply.update(await _view(ctx).setup(row, {"form": error}))
    deck = await org_deck(ctx.uow.session, ctx.turn.org_id)
    keys = deck.cards_for(form.issues)
    if not keys:
        return Reply.update(
            await _view(ctx).setup(row, {"issues": "Those issues have no cards yet."})
        )
    row.card_keys = keys
    row.position = 0
    row.group_name = form.group or row.group_name
    row.state = rules.move(rules.SessionState.CHOOSING, rules.Move.START).value
    row.updated_at = ctx.services.clock.now()
    await _share(ctx, row)
    return await _show(ctx, row)


@with_loaded(_load)
async def new_session(ctx: HandlerContext, values: dict[str, Any], loaded: CardSession) -> Reply:
    """ "Start a new session" instead of resuming: the old one ends, keeping what it produced.
    Pressed on an offer drawn before another session started here, it starts none over that one
    (which the offer never showed, and which only its facilitator may end)."""
    other = await CardSessions(ctx.uow.session).open_in(ctx.turn.org_id, place_key(ctx.turn.where))
    if other is not None and other.id != loaded.id:
        card = await _view(ctx).render(
            loaded, ctx.actor.person_id, Showing(), in_channel=ctx.turn.where.kind == "channel"
        )
        why = f"{said(other.group_name)} has a session open here now: say **cards** to join it."
        return Reply.update(refused(card, why))
    if loaded.session_state.open:
        refusal = await _facilitator_only(ctx, loaded, "start a new session over this one")
        if refusal is not None:
            return refusal
    now = ctx.services.clock.now()
    if loaded.session_state.open:
        loaded.state = rules.move(loaded.session_state, rules.Move.FINISH).value
        loaded.finished_at = loaded.updated_at = now
        await Schedule(ctx.uow.session).cancel_prefix(ctx.turn.org_id, _prompt_prefix(loaded), now)
    row = await _new_session(ctx)
    return Reply.update(await _view(ctx).setup(row))


# ------------------------------------------------------------------------------- the live card


@with_loaded(_load)
async def show(ctx: HandlerContext, values: dict[str, Any], row: CardSession) -> Reply:
    """The refresh, "see over" and back: the session's card as it is now, on the face asked for."""
    side = values.get("side")
    face: Side = side if side in ("front", "back", "action") else "front"
    shown = _int(values.get("position"))
    if shown is not None and shown != row.position:
        face = "front"  # the group has moved on: show where it is now
    await _joined(ctx, row, ctx.actor.person_id)
    if not ctx.turn.automatic and face in ("front", "back") and shown == row.position:
        await _share(ctx, row, face)  # someone turned the card over: for everyone
    return await _show(ctx, row, face)


class _OnCard(BaseModel):
    """A form on one of a session's cards."""

    session: int
    position: int


class ContributionForm(_OnCard):
    contribution: Annotated[str, _written("Write your contribution first", 1000, lines=True)] = (
        Field("", validate_default=True)  # absent when left empty
    )


@with_loaded(_load)
async def redisplay_live(
    ctx: HandlerContext, values: dict[str, Any], row: CardSession, errors: dict[str, str]
) -> Reply:
    side: Side = "action" if {"what", "who", "by_when"} & set(errors) else "front"
    kept = {k: str(v) for k, v in values.items() if isinstance(v, str | int)}
    return await _show(ctx, row, side, values=kept, errors=errors)


_Running = tuple[CardSession, str]


async def _running_card[F: _OnCard](ctx: HandlerContext, form: F) -> _Running | Reply:
    """The running session and the card a person added to; else the answer (the session as it
    is now, when it is no longer running)."""
    row = await _load(ctx, {"session": form.session})
    if isinstance(row, Reply):
        return row
    key = _key_at(row, form.position)
    if row.session_state is not rules.SessionState.RUNNING or key is None:
        return await _not_saved(ctx, row, form)
    return row, key


async def _not_saved(ctx: HandlerContext, row: CardSession, form: _OnCard) -> Reply:
    """The session was paused or finished before what someone wrote on its card arrived (as
    they typed, or on a card drawn before): nothing is saved, and the card as it now is says
    so, with their words to add again (rather than dropping them without a word)."""
    card = await _view(ctx).render(
        row, ctx.actor.person_id, Showing(), in_channel=ctx.turn.where.kind == "channel"
    )
    how = {
        rules.SessionState.PAUSED: "was paused",
        rules.SessionState.FINISHED: "had finished",
    }.get(row.session_state, "was not under way")
    words = getattr(form, "contribution", None) or getattr(form, "what", None)
    what = "your contribution" if isinstance(form, ContributionForm) else "the action"
    why = f"The session {how} before {what} arrived, so it was not saved"
    return Reply.update(refused(card, f"{why}: \u201c{said(words)}\u201d" if words else f"{why}."))


async def _took_part(ctx: HandlerContext, row: CardSession, now: datetime) -> None:
    """The person who added something is one of the group now; the session was just used."""
    await _joined(ctx, row, ctx.actor.person_id)
    row.updated_at = now
    await ctx.uow.session.flush()


def _key_at(row: CardSession, position: int) -> str | None:
    """The card a person was looking at (it may no longer be the group's current card)."""
    return row.card_keys[position] if 0 <= position < len(row.card_keys) else row.current_key


@with_loaded(_running_card)
async def contribute(ctx: HandlerContext, form: ContributionForm, found: _Running) -> Reply:
    row, key = found
    now = ctx.services.clock.now()
    added = CardContribution(
        session_id=row.id,
        card_key=key,
        person_id=ctx.actor.person_id,
        text=form.contribution,
        created_at=now,
    )
    # Read and draw everything first, then write: on SQLite the first write takes the one write
    # lock until the commit, so reads after it would make every other writer wait.
    _join(row, ctx.actor.person_id)
    with ctx.uow.session.no_autoflush:
        reply = await _show(ctx, row, notice="Added. Thank you.", adding=added)
        await _share(ctx, row)
    repo = CardSessions(ctx.uow.session)
    await repo.write_joined(row, MAX_PARTICIPANTS)  # `_join`ed above, before a flush writes it
    await repo.add_contribution(added)
    await repo.used(row, now, MAX_PARTICIPANTS)  # by Core, no flush
    return reply


class ActionForm(_OnCard):
    what: Annotated[str, _written("Say what will be done", 300)]
    who: Annotated[int, chosen("Choose who will do it")]
    by_when: Annotated[date, chosen("Choose a date")]


@with_loaded(_running_card)
async def agree_action(ctx: HandlerContext, form: ActionForm, found: _Running) -> Reply:
    row, key = found
    now = ctx.services.clock.now()
    values = {"what": form.what, "who": str(form.who), "by_when": form.by_when.isoformat()}
    problem = rules.due_problem(form.by_when, london_day(now))
    if problem:
        return await _show(ctx, row, "action", values=values, errors={"by_when": problem})
    if form.who not in await _view(ctx).people_around(row, ctx.actor.person_id):
        errors = {"who": "Choose someone from the list."}
        return await _show(ctx, row, "action", values=values, errors=errors)
    action = CardAction(
        session_id=row.id,
        card_key=key,
        what=form.what,
        owner_id=form.who,
        due_on=form.by_when,
        created_by=ctx.actor.person_id,
        created_at=now,
    )
    ctx.uow.session.add(action)
    await _took_part(ctx, row, now)
    await _remind_owner(Schedule(ctx.uow.session), row.org_id, action, now)
    await _schedule_digest(Schedule(ctx.uow.session), row.org_id, row.facilitator_id, now)
    await _share(ctx, row)
    return await _show(ctx, row, notice="Action saved.")


@with_loaded(_load)
async def next_card(ctx: HandlerContext, values: dict[str, Any], row: CardSession) -> Reply:
    """ "Next": on to the next lead question; after the last one, the summary. The button carries
    the card it was pressed on, so two people pressing together move the group on once."""
    shown = _int(values.get("position"))
    if row.session_state is not rules.SessionState.RUNNING or shown != row.position:
        return await _show(ctx, row, notice="The group has already moved on.")
    now = ctx.services.clock.now()
    await _joined(ctx, row, ctx.actor.person_id)
    if rules.next_move(row.position, len(row.card_keys)) is rules.Move.LAST_NEXT:
        row.state = rules.move(row.session_state, rules.Move.LAST_NEXT).value
        row.finished_at = row.updated_at = now
        await Schedule(ctx.uow.session).cancel_prefix(ctx.turn.org_id, _prompt_prefix(row), now)
        await _share(ctx, row)
        return await _show(ctx, row)
    if not await CardSessions(ctx.uow.session).advance(row, row.position, now):
        return await _show(ctx, row, notice="The group has already moved on.")
    await _share(ctx, row)
    return await _show(ctx, row)


async def pause(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    return await _move(ctx, values, rules.Move.PAUSE)


async def resume(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    return await _move(ctx, values, rules.Move.RESUME)


async def finish(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    return await _move(ctx, values, rules.Move.FINISH)


# What only the session's facilitator (or an org admin) may do. Anyone in the group may resume
# a paused session, so a meeting can go on when its facilitator is away.
DOING = MappingProxyType(
    {
        rules.Move.PAUSE: "pause the session",
        rules.Move.FINISH: "finish the session",
        rules.Move.REOPEN: "reopen the session",
    }
)


@with_loaded(_load)
async def _move(
    ctx: HandlerContext, values: dict[str, Any], row: CardSession, what: rules.Move
) -> Reply:
    if what in DOING:
        refusal = await _facilitator_only(ctx, row, DOING[what])
        if refusal is not None:
            return refusal
    if what is rules.Move.REOPEN:
        return await _reopen(ctx, row)
    now = ctx.services.clock.now()
    try:
        row.state = rules.move(row.session_state, what).value
    except rules.NotNow:
        return await _show(ctx, row)
    row.updated_at = now
    row.paused_at = now if what is rules.Move.PAUSE else None
    if what is rules.Move.FINISH:
        row.finished_at = now
        await Schedule(ctx.uow.session).cancel_prefix(ctx.turn.org_id, _prompt_prefix(row), now)
    await _joined(ctx, row, ctx.actor.person_id)
    await _share(ctx, row)
    return await _show(ctx, row)


async def reopen(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    return await _move(ctx, values, rules.Move.REOPEN)


async def _reopen(ctx: HandlerContext, row: CardSession) -> Reply:
    """A finished session picks up again on the card it ended on (its setup, if it never
    started), unless another session is open in its place by now."""
    if row.session_state is not rules.SessionState.FINISHED:
        return await _show(ctx, row)
    other = await CardSessions(ctx.uow.session).open_in(row.org_id, row.place_key)
    if other is not None and other.id != row.id:
        card = await _view(ctx).summary(row)
        why = (
            f"{said(other.group_name)} has a session open here: finish it before reopening "
            "this one."
        )
        return Reply.update(refused(card, why))
    now = ctx.services.clock.now()
    row.state = (
        rules.move(row.session_state, rules.Move.REOPEN).value
        if row.card_keys
        else rules.SessionState.CHOOSING.value
    )
    row.position = min(row.position, max(len(row.card_keys) - 1, 0))
    row.finished_at = row.paused_at = None
    row.updated_at = now
    await _joined(ctx, row, ctx.actor.person_id)
    await _share(ctx, row)
    return await _show(ctx, row, notice="Reopened: carry on where you left off.")


@with_loaded(_load)
async def summary(ctx: HandlerContext, values: dict[str, Any], row: CardSession) -> Reply:
    """The summary so far (or at the end): contributions and actions per card, who owns what."""
    return Reply.update(await _view(ctx).summary(row))


# -------------------------------------------------------------------------- agreed actions


STAGES = ("before", "due", "overdue")


def _action_key(action_id: int, stage: str) -> str:
    # The first stage keeps the key reminders had before there were stages.
    return f"cards-action:{action_id}" if stage == "before" else f"cards-action:{action_id}:{stage}"


async def _remind_owner(schedule: Schedule, org_id: str, action: CardAction, now: datetime) -> None:
    """Two days before, on the day and, if still open, the day after: each at 09:00 London.
    Nobody to remind once the owner was erased (the action stays the group's, with "a former
    participant"): a reminder to the placeholder could never be delivered."""
    owner = await Directory(schedule.session).person(org_id, action.owner_id)
    gone = owner is None or is_erased(owner.name, owner.email, owner.teams_user_id)
    for stage, at in rules.action_reminders(action.due_on, now).items():
        key = _action_key(action.id, stage)
        if at is None or gone:
            await schedule.cancel(org_id, key, now)
            continue
        await schedule.put(
            org_id,
            key,
            ACTION_DUE_KIND,
            at,
            now,
            person_id=action.owner_id,
            payload={"action": action.id, "stage": stage, "due_on": action.due_on.isoformat()},
        )


async def _stop_reminding(schedule: Schedule, org_id: str, action_id: int, now: datetime) -> None:
    for stage in STAGES:
        await schedule.cancel(org_id, _action_key(action_id, stage), now)


def _digest_key(facilitator_id: int) -> str:
    return f"cards-digest:{facilitator_id}"


DIGEST_WHEN = rules.PromptSchedule(0, time(9, 0))  # Mondays, 09:00 London


async def _schedule_digest(
    schedule: Schedule, org_id: str, facilitator_id: int, now: datetime
) -> None:
    """The facilitator's weekly digest of overdue actions, while their sessions have any open."""
    waiting = await schedule.get(org_id, _digest_key(facilitator_id))
    if waiting is not None and waiting.state == PENDING:
        return
    await schedule.put(
        org_id,
        _digest_key(facilitator_id),
        DIGEST_KIND,
        DIGEST_WHEN.next_after(now),
        now,
        person_id=facilitator_id,
        payload={},
    )


_Owned = tuple[CardAction, CardSession]


async def _own_action(ctx: HandlerContext, values: dict[str, Any]) -> _Owned | Reply:
    """The action a button is about, if this person owns it or facilitated its session."""
    repo = CardSessions(ctx.uow.session)
    action_id = _int(values.get("action"))
    action = await repo.action(action_id) if action_id is not None else None
    row = await repo.get(ctx.turn.org_id, action.session_id) if action else None
    if action is None or row is None:
        return Reply.text("I can't find that action any more.")
    facilitator = None if row.facilitator_left else row.facilitator_id
    subject = Subject(org_id=row.org_id, tutor_id=action.owner_id, author_id=facilitator)
    if not ctx.can(Permission.UPDATE_CARD_ACTION, subject):
        return Reply.text("Only the action's owner or the session's facilitator can change it.")
    return action, row


class _OnAction(BaseModel):
    """A form about one agreed action."""

    action: int


async def _form_action[F: _OnAction](ctx: HandlerContext, form: F) -> _Owned | Reply:
    """The action a form is about, as `_own_action` finds it."""
    return await _own_action(ctx, {"action": form.action})


@with_loaded(_own_action)
async def action_done(ctx: HandlerContext, values: dict[str, Any], found: _Owned) -> Reply:
    action, row = found
    now = ctx.services.clock.now()
    if action.done_at is None:
        action.done_at = now
        action.dropped_at, action.dropped_reason = None, None
        await _stop_reminding(Schedule(ctx.uow.session), row.org_id, action.id, now)
        await _share(ctx, row)
    names = await _view(ctx).names({action.owner_id})
    return Reply.update(action_done_card(action.what, names.get(action.owner_id, "")))


@with_loaded(_own_action)
async def action_later(ctx: HandlerContext, values: dict[str, Any], found: _Owned) -> Reply:
    action, _ = found
    return Reply.update(action_later_card(action.id, action.what, action.due_on))


class ExtendForm(_OnAction):
    by_when: Annotated[date, chosen("Choose the new date")]


def _redisplay_own_action(
    field: str, card: Callable[[CardAction, str | None], CardDict]
) -> Redisplay:
    """An owner's action form again, with the error for `field` (or the first there is)."""

    @with_loaded(_own_action)
    async def redisplay(
        ctx: HandlerContext, values: dict[str, Any], found: _Owned, errors: dict[str, str]
    ) -> Reply:
        action, _ = found
        return Reply.update(card(action, errors.get(field) or next(iter(errors.values()), None)))

    return redisplay


redisplay_extend = _redisplay_own_action(
    "by_when", lambda a, error: action_later_card(a.id, a.what, a.due_on, None, error)
)


@with_loaded(_form_action)
async def extend_action(ctx: HandlerContext, form: ExtendForm, found: _Owned) -> Reply:
    """ "Needs more time": a new date, and the reminders move with it."""
    action, row = found
    now = ctx.services.clock.now()
    problem = rules.due_problem(form.by_when, london_day(now))
    if problem is None and form.by_when <= action.due_on:
        problem = "Choose a date after the one agreed."
    if problem:
        card = action_later_card(
            action.id, action.what, action.due_on, form.by_when.isoformat(), problem
        )
        return Reply.update(card)
    if not action.open:
        return Reply.text("That action is already closed.")
    action.due_on = form.by_when
    action.extended = (action.extended or 0) + 1
    await _remind_owner(Schedule(ctx.uow.session), row.org_id, action, now)
    await Directory(ctx.uow.session).audit(
        row.org_id,
        ctx.actor.person_id,
        f"card-action:{action.id}",
        "new date",
        form.by_when.isoformat(),
        now,
    )
    await _share(ctx, row)
    return Reply.update(action_moved_card(action.what, action.due_on))


@with_loaded(_own_action)
async def action_drop(ctx: HandlerContext, values: dict[str, Any], found: _Owned) -> Reply:
    action, _ = found
    return Reply.update(action_drop_card(action.id, action.what))


class DropForm(_OnAction):
    # an empty input is absent from the data
    reason: Annotated[str, _written("Say why, for the group", 300)] = Field(
        "", validate_default=True
    )


redisplay_drop = _redisplay_own_action(
    "reason", lambda a, error: action_drop_card(a.id, a.what, error)
)


@with_loaded(_form_action)
async def drop_action(ctx: HandlerContext, form: DropForm, found: _Owned) -> Reply:
    """ "Not doing it", and why: the group sees it on the card; the reminders stop."""
    action, row = found
    now = ctx.services.clock.now()
    if action.done_at is not None:
        # Done meanwhile (another device, the facilitator): say so, as the group sees it.
        names = await _view(ctx).names({action.owner_id})
        return Reply.update(action_done_card(action.what, names.get(action.owner_id, "")))
    if action.open:
        action.dropped_at, action.dropped_reason = now, form.reason
        await _stop_reminding(Schedule(ctx.uow.session), row.org_id, action.id, now)
        await _share(ctx, row)
    return Reply.update(action_dropped_card(action.what, action.dropped_reason or form.reason))


async def render_action_due(ctx: NoticeContext) -> Message | None:
    """Before an agreed action is due, on the day and the day after, its owner hears about it:
    Done, Needs more time, or Not doing it."""
    repo = CardSessions(ctx.uow.session)
    action = await repo.action(int(ctx.payload.get("action", 0)))
    if action is None or not action.open:
        return None
    due = ctx.payload.get("due_on")
    if due is not None and due != action.due_on.isoformat():
        return None  # the date moved since: the reminders for the new one are scheduled
    row = await repo.get(ctx.item.org_id, action.session_id)
    if row is None:
        return None
    deck = await org_deck(ctx.uow.session, row.org_id)
    question = deck.card(action.card_key)
    stage = str(ctx.payload.get("stage") or "before")
    view = ActionReminderView(
        action_id=action.id,
        what=action.what,
        due_on=action.due_on,
        group=row.group_name,
        key=action.card_key,
        question=question.question if question else "",
        stage=stage if stage in STAGES else "before",
    )
    return Message(card=action_reminder_card(view))


async def render_digest(ctx: NoticeContext) -> Message | None:
    """Mondays: the facilitator's sessions' overdue actions; next week's, while any are open."""
    person_id = ctx.item.person_id
    if person_id is None:
        return None
    repo = CardSessions(ctx.uow.session)
    if await repo.has_open_actions_facilitated(ctx.item.org_id, person_id):
        await ctx.schedule.put(
            ctx.item.org_id,
            _digest_key(person_id),
            DIGEST_KIND,
            DIGEST_WHEN.next_after(ctx.now + timedelta(hours=1)),
            ctx.now,
            person_id=person_id,
            payload={},
        )
    overdue = await repo.overdue_for_facilitator(ctx.item.org_id, person_id, london_day(ctx.now))
    if not overdue:
        return None
    view = SessionView(ctx.uow.session, ctx.item.org_id, ctx.now)
    names = await view.names({a.owner_id for a, _ in overdue})
    lines = [
        DigestLine(a.what, names.get(a.owner_id, "Someone"), a.due_on, s.group_name)
        for a, s in overdue
    ]
    return Message(card=overdue_digest_card(lines))


# ---------------------------------------------------------------------- coaching-card prompts


def _prompt_prefix(row: CardSession) -> str:
    return f"cards-prompt:{row.id}:"


def _prompt_key(row: CardSession, at: datetime) -> str:
    return f"{_prompt_prefix(row)}{at:%Y%m%d}"


def _is_off(rest: str) -> bool:
    return rest.strip().lower() in ("off", "stop", "none", "cancel")


def _schedule_label(row: CardSession) -> str | None:
    return (
        rules.PromptSchedule.from_json(row.prompt_schedule).label if row.prompt_schedule else None
    )


async def _not_yours(ctx: HandlerContext, row: CardSession, doing: str) -> str:
    if row.facilitator_left:
        return f"Only someone in {said(row.group_name)}'s group, or an org admin, can {doing}."
    who = (await _view(ctx).names({row.facilitator_id})).get(row.facilitator_id, "the facilitator")
    return (
        f"Only {said(who)}, who runs {said(row.group_name)}'s session, or an org admin can {doing}."
    )


def _moved_by_hours(when: rules.PromptSchedule, hours: SendingHours, now: datetime) -> str | None:
    """What to tell the facilitator when the sending hours would move every post of this
    schedule (its weekday or time), or None. A bank holiday now and then moves one post only."""
    weekly = replace(hours, bank_holidays=True, term_time_only=False, closed=frozenset())
    first = when.next_after(now)
    if weekly.allows(first):
        return None
    moved = weekly.next_allowed(first).astimezone(LONDON)
    day = rules.WEEKDAYS[when.weekday].capitalize()
    if not weekly.day_open(first.astimezone(LONDON).date()):
        why = f"{day}s are outside sending hours"
    else:
        why = f"{when.at:%H:%M} is outside sending hours ({hours.describe().split(',')[0]})"
    return f"{why}: I'll post on {moved:%A}s at {moved:%H:%M} — OK?|{moved:%A} {moved:%H:%M}"


async def schedule_set(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """ "OK" on a schedule the sending hours moved: set it as it will really be."""
    return await _schedule(ctx, str(values.get("when") or ""))


async def _schedule(ctx: HandlerContext, confirmed: str | None = None) -> Reply:
    raw = ctx.turn.text
    found = next(
        (raw.lower().find(w) for w in ("schedule", "prompts", "prompt") if w in raw.lower()), -1
    )
    rest = raw[found:].split(None, 1)[1] if found >= 0 and len(raw[found:].split()) > 1 else ""
    if confirmed is not None:
        rest = confirmed
    repo = CardSessions(ctx.uow.session)
    row = await repo.open_in(ctx.turn.org_id, place_key(ctx.turn.where))
    now = ctx.services.clock.now()
    schedule = Schedule(ctx.uow.session)
    if row is not None and not _may_facilitate(ctx, row):
        doing = "stop its schedule" if _is_off(rest) else "schedule it"
        return Reply.text(await _not_yours(ctx, row, doing))
    if _is_off(rest):
        if row is not None:
            row.prompt_schedule = None
            await schedule.cancel_prefix(ctx.turn.org_id, _prompt_prefix(row), now)
        group = row.group_name if row else "this place"
        return Reply.show(prompts_scheduled_card(row.id if row else 0, None, group))
    if not rest.strip():
        return Reply.text(
            "Tell me when, e.g. **cards schedule monday 09:00**, and I'll post the next card "
            "here every week. **cards schedule off** stops it."
        )
    try:
        when = rules.parse_prompt_schedule(rest)
    except ValueError as exc:
        return Reply.text(str(exc))
    if row is not None and row.session_state is rules.SessionState.CHOOSING:
        return Reply.text("First choose the issues and press **Start** on the session card.")
    org = await ctx.directory.organisation(ctx.turn.org_id, now)
    moved = _moved_by_hours(when, SendingHours.from_settings(org.settings), now)
    if moved is not None:
        question, _, instead = moved.partition("|")
        return Reply.show(schedule_moved_card(question, instead.lower()))
    if row is None:
        row = await _new_session(ctx)
        deck = await org_deck(ctx.uow.session, ctx.turn.org_id)
        row.card_keys = deck.cards_for(i.number for i in deck.issues)
        row.state = rules.move(rules.SessionState.CHOOSING, rules.Move.START).value
    if row.conversation_ref_id is None:
        ref = await repo.conversation_ref(ctx.turn.org_id, ctx.turn.where.conversation_id)
        row.conversation_ref_id = ref.id if ref else None
    if row.conversation_ref_id is None:
        return Reply.text("I can't post here on my own yet. Say hello to me here first.")
    row.prompt_schedule = when.to_json()
    await schedule.cancel_prefix(ctx.turn.org_id, _prompt_prefix(row), now)
    due = when.next_after(now)
    await schedule.put(
        ctx.turn.org_id,
        _prompt_key(row, due),
        PROMPT_KIND,
        due,
        now,
        conversation_ref_id=row.conversation_ref_id,
        payload={"session": row.id},
    )
    return Reply.show(prompts_scheduled_card(row.id, when.label, row.group_name))


@with_loaded(_load)
async def schedule_off(ctx: HandlerContext, values: dict[str, Any], row: CardSession) -> Reply:
    """Stop the weekly cards. The session itself stays as it is: running, paused or finished."""
    if not _may_facilitate(ctx, row):
        card = prompts_scheduled_card(row.id, _schedule_label(row), row.group_name)
        return Reply.update(refused(card, await _not_yours(ctx, row, "stop its schedule")))
    row.prompt_schedule = None
    now = ctx.services.clock.now()
    await Schedule(ctx.uow.session).cancel_prefix(ctx.turn.org_id, _prompt_prefix(row), now)
    return Reply.update(prompts_scheduled_card(row.id, None, row.group_name))


async def _next_prompt(ctx: NoticeContext, row: CardSession) -> None:
    """Schedule next week's card, under its own date's key, so the series goes on."""
    if row.conversation_ref_id is None or not row.prompt_schedule:
        return
    due = rules.PromptSchedule.from_json(row.prompt_schedule).next_after(ctx.now)
    await ctx.schedule.put(
        row.org_id,
        _prompt_key(row, due),
        PROMPT_KIND,
        due,
        ctx.now,
        conversation_ref_id=row.conversation_ref_id,
        payload={"session": row.id},
    )


async def render_prompt(ctx: NoticeContext) -> Message | None:
    """The weekly coaching card: the group's next card, posted to its channel.

    The next prompt is scheduled here, under its own date's key, so the series goes on.
    """
    repo = CardSessions(ctx.uow.session)
    row = await repo.get(ctx.item.org_id, int(ctx.payload.get("session", 0)))
    if row is None or not row.session_state.open or not row.prompt_schedule:
        return None
    if row.session_state is rules.SessionState.CHOOSING or not row.card_keys:
        return None
    if row.session_state is rules.SessionState.PAUSED:
        await _next_prompt(ctx, row)
        return None  # the facilitator paused it: the series goes on, the session stays put
    key = row.current_key or ""
    if await repo.has_outcomes(row.id, key):
        if rules.next_move(row.position, len(row.card_keys)) is rules.Move.LAST_NEXT:
            row.state = rules.move(rules.SessionState.RUNNING, rules.Move.LAST_NEXT).value
            row.finished_at = row.updated_at = ctx.now
            return Message(
                card=await SessionView(ctx.uow.session, row.org_id, ctx.now).summary(row)
            )
        row.position += 1
    row.updated_at = ctx.now
    await _next_prompt(ctx, row)
    card = await SessionView(ctx.uow.session, row.org_id, ctx.now).live(
        row,
        row.facilitator_id,
        Showing(banner="This week's coaching card: add your thoughts any time."),
    )
    return Message(card=card)


# ----------------------------------------------------------------- an organisation's own deck


def _deck_subject(ctx: HandlerContext, row: CardSession | None) -> Subject:
    facilitator = row.facilitator_id if row is not None and not row.facilitator_left else None
    return Subject(org_id=ctx.turn.org_id, author_id=facilitator)


NOT_DECK_EDITOR = (
    "Only an org admin or a session's facilitator can add to the deck. Ask them to add your issue."
)


async def _session_for_deck(
    ctx: HandlerContext, values: dict[str, Any]
) -> tuple[CardSession | None, bool]:
    """The session the form came from (if any), and whether this person may add to the deck."""
    session_id = _int(values.get("session"))
    row = (
        await CardSessions(ctx.uow.session).get(ctx.turn.org_id, session_id)
        if session_id is not None
        else None
    )
    return row, ctx.can(Permission.ADD_TO_DECK, _deck_subject(ctx, row))


DeckCard = Callable[[rules.Deck, int | None, dict[str, str], dict[str, str]], CardDict]
"""(deck, session id, values shown, field errors) -> one of the "add to the deck" cards."""


def _issue_card(
    deck: rules.Deck, session_id: int | None, values: dict[str, str], errors: dict[str, str]
) -> CardDict:
    return own_issue_card(
        OwnIssueFormView(
            template=deck.template,
            number=deck.next_issue_number(),
            session_id=session_id,
            values=values,
            errors=errors,
        )
    )


def _question_card(
    deck: rules.Deck, session_id: int | None, values: dict[str, str], errors: dict[str, str]
) -> CardDict:
    return own_question_card(
        OwnQuestionFormView(
            issues=[(f"{i.number}. {i.title}", str(i.number)) for i in deck.issues],
            template=deck.template,
            session_id=session_id,
            values=values,
            errors=errors,
        )
    )


class DeckForm(Protocol):
    """Opens one of the "add to the deck" forms, or (given the errors) is its redisplay."""

    def __call__(
        self, ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str] | None = None, /
    ) -> Awaitable[Reply]: ...


def _deck_form(card: DeckCard) -> DeckForm:
    """The handler for one of the organisation's own issue or question forms: opened empty, or
    shown again with the values as sent and their errors. Only deck editors (and a session's
    facilitator) see it."""

    async def form(
        ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str] | None = None
    ) -> Reply:
        row, allowed = await _session_for_deck(ctx, values)
        if not allowed:
            return Reply.text(NOT_DECK_EDITOR)
        deck = await org_deck(ctx.uow.session, ctx.turn.org_id)
        shown = {}
        if errors is not None:
            shown = {k: str(v) for k, v in values.items() if v is not None}
        built = card(deck, row.id if row else None, shown, errors or {})
        return Reply.update(built) if ctx.turn.verb else Reply.show(built)

    return form


own_issue_form = _deck_form(_issue_card)
own_question_form = _deck_form(_question_card)


def _one_line(value: object, message: str) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(message)
    return " ".join(value.split())


# The blank template's limits, as its inputs have them (cards/progression).
Title = Annotated[str, _written(None, 300, "the issue")]
Question = Annotated[str, _written(None, 500, "the question")]
Prompts = Annotated[str, _written(None, 3000, "the prompts", lines=True)]


class OwnIssueForm(BaseModel):
    session: int | None = None
    title: Title
    question1: Question
    question2: Question = ""
    question3: Question = ""
    prompts1: Prompts = ""
    prompts2: Prompts = ""
    prompts3: Prompts = ""

    @field_validator("title", "question1", mode="before")
    @classmethod
    def _required(cls, value: object) -> object:
        return _one_line(value, "This is required")

    @field_validator("question2", "question3")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return " ".join(value.split())

    def questions(self) -> list[tuple[str, list[str]]]:
        pairs = [
            (self.question1, self.prompts1),
            (self.question2, self.prompts2),
            (self.question3, self.prompts3),
        ]
        return [(q, rules.prompt_lines(p)) for q, p in pairs if q]


class OwnQuestionForm(BaseModel):
    session: int | None = None
    issue: Annotated[int, chosen("Choose the strategic issue")]
    question: Question
    prompts: Prompts = ""

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: object) -> object:
        return _one_line(value, "Write the lead question")


@dataclass(frozen=True)
class _Numbered:
    """What a deck addition stores, numbered against the deck as just read: an own issue (if
    any), its questions (issue, number, question, prompts), the audit record and the heading."""

    issue: OwnStrategicIssue | None
    questions: list[tuple[int, int, str, list[str]]]
    record: str
    heading: str


DECK_TRIES = 5  # numberings tried when others take the next number at the same moment


async def _add_to_deck(
    ctx: HandlerContext,
    session_id: int | None,
    number: Callable[[rules.Deck], Awaitable[_Numbered | Reply]],
) -> Reply:
    """Store an own issue (if any) and its questions as `number` numbers them against the deck,
    audit it, and answer with what was added. Someone adding at the same moment may take the
    same next number: the database keeps numbers unique, so that insert fails (in a savepoint,
    the turn goes on) and the deck is read again for the next free one."""
    row, allowed = await _session_for_deck(ctx, {"session": session_id})
    if not allowed:
        return Reply.text(NOT_DECK_EDITOR)
    now = ctx.services.clock.now()
    own = OwnDeck(ctx.uow.session)
    tries = 0
    while True:
        numbered = await number(await org_deck(ctx.uow.session, ctx.turn.org_id))
        if isinstance(numbered, Reply):
            return numbered
        tries += 1
        try:
            async with ctx.uow.session.begin_nested():
                if numbered.issue is not None:
                    numbered.issue.created_by, numbered.issue.created_at = ctx.actor.person_id, now
                    own.add(numbered.issue)
                for issue_number, n, question, prompts in numbered.questions:
                    own.add(
                        OwnLeadQuestion(
                            org_id=ctx.turn.org_id,
                            issue_number=issue_number,
                            number=n,
                            question=question,
                            prompts=prompts,
                            created_by=ctx.actor.person_id,
                            created_at=now,
                        )
                    )
        except IntegrityError:
            if tries < DECK_TRIES:
                continue
            raise
        added = [rules.own_question(*q) for q in numbered.questions]
        title = numbered.issue.title if numbered.issue is not None else ""
        await Directory(ctx.uow.session).audit(
            ctx.turn.org_id, ctx.actor.person_id, numbered.record, "add", title, now
        )
        return Reply.update(deck_added_card(numbered.heading, added, row.id if row else None))


async def add_own_issue(ctx: HandlerContext, form: OwnIssueForm) -> Reply:
    async def numbered(deck: rules.Deck) -> _Numbered:
        number = deck.next_issue_number()
        issue = OwnStrategicIssue(org_id=ctx.turn.org_id, number=number, title=form.title)
        questions = [(number, i, q, p) for i, (q, p) in enumerate(form.questions(), start=1)]
        heading = f"Added: strategic issue {number}, {said(form.title)}"
        return _Numbered(issue, questions, f"deck-issue:{number}", heading)

    return await _add_to_deck(ctx, form.session, numbered)


async def add_own_question(ctx: HandlerContext, form: OwnQuestionForm) -> Reply:
    async def numbered(deck: rules.Deck) -> _Numbered | Reply:
        issue = deck.issue(form.issue)
        if issue is None:
            values = {"session": form.session, "issue": form.issue, "question": form.question}
            errors = {"issue": "Choose an issue from the list"}
            return await own_question_form(ctx, values | {"prompts": form.prompts}, errors)
        number = max((int(q.key.split(".")[1]) for q in issue.questions), default=0) + 1
        key = f"{issue.number}.{number}"
        questions = [(issue.number, number, form.question, rules.prompt_lines(form.prompts))]
        return _Numbered(None, questions, f"deck-question:{key}", f"Added: lead question {key}")

    return await _add_to_deck(ctx, form.session, numbered)


# ------------------------------------------------------------------------ comparing groups


def _here(ctx: HandlerContext, row: CardSession) -> bool:
    """In a channel or group chat, only that place's sessions are named: other groups' outcomes
    are for a 1:1 chat, where nobody else reads them."""
    return ctx.turn.where.kind == "personal" or row.place_key == place_key(ctx.turn.where)


async def _readable_sessions(ctx: HandlerContext) -> list[CardSession]:
    rows = await CardSessions(ctx.uow.session).taken_part(ctx.turn.org_id, ctx.actor.person_id)
    return [
        r
        for r in rows
        if r.card_keys
        and _here(ctx, r)
        and ctx.can(Permission.TAKE_PART_IN_CARDS, _subject(ctx, r))
    ]


async def _compare_choices(ctx: HandlerContext, errors: dict[str, str] | None = None) -> Reply:
    rows = await _readable_sessions(ctx)
    choices = [
        SessionChoice(
            r.id,
            f"{r.group_name} \u00b7 {rules.WayOfWorking(r.way).label} \u00b7 "
            f"{london_day(r.started_at):%d %b} \u00b7 issues "
            + ", ".join(dict.fromkeys(k.split(".")[0] for k in r.card_keys)),
        )
        for r in rows
    ]
    card = compare_choice_card(choices, errors)
    return Reply.update(card) if ctx.turn.verb else Reply.show(card)


async def open_compare(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return await _compare_choices(ctx)


class CompareForm(BaseModel):
    sessions: list[int]

    @field_validator("sessions", mode="before")
    @classmethod
    def _sessions(cls, value: object) -> object:
        value = _ids(value)
        if not isinstance(value, list) or not 2 <= len(value) <= MAX_COMPARED:
            raise ValueError(f"Pick between 2 and {MAX_COMPARED} sessions")
        return value


async def redisplay_compare(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    return await _compare_choices(ctx, errors)


async def compare_groups(ctx: HandlerContext, form: CompareForm) -> Reply:
    """Several groups' outcomes side by side: only sessions this person may read."""
    repo = CardSessions(ctx.uow.session)
    view = _view(ctx)
    outcomes = []
    for session_id in dict.fromkeys(form.sessions):
        row = await repo.get(ctx.turn.org_id, session_id)
        if row is None or not ctx.can(Permission.TAKE_PART_IN_CARDS, _subject(ctx, row)):
            return Reply.text(NOT_IN_GROUP)
        if not _here(ctx, row):
            return Reply.text(COMPARE_ELSEWHERE)
        outcomes.append(await view.outcome(row))
    groups = [o.group for o in outcomes]
    return Reply.update(compare_card(groups, rules.compare(outcomes)))


# ---------------------------------------------------------------------------------- exports


class ExportForm(BaseModel):
    session: int
    format: ExportFormat


async def export_summary(ctx: HandlerContext, form: ExportForm) -> Reply:
    """The summary as a Word document or an Excel workbook, for whoever may read the session.

    It comes to the asker's 1:1 chat as a file to accept (bot.app.documents); the summary card
    stays as it is, and in a channel the group is told where the file went."""
    loaded = await _load(ctx, {"session": form.session})
    if isinstance(loaded, Reply):
        return loaded
    view = _view(ctx)
    outcome = await view.outcome(loaded)
    organisation = await documents.organisation_name(ctx)
    data = await asyncio.to_thread(export, outcome, form.format, organisation)
    sent = await documents.send(
        ctx,
        filename(outcome, form.format),
        data,
        f"Progression cards summary: {outcome.group}, started {outcome.started_on:%d %b %Y}",
    )
    return Reply.update(await view.summary(loaded), *sent.messages)


# --------------------------------------------------------------------------------- the table

ROWS: tuple[Command | Verb, ...] = (
    # Stored: `cards` starts a session and `cards schedule` sets or stops the weekly post, so a
    # Teams retry of the same message runs nothing again (a late one undoes no later change).
    Command(
        "cards", cards, aliases=("card", "progression", "deck"), menu_scopes=SHARED, stored=True
    ),
    Verb("cards.start", start, form=StartForm, redisplay=redisplay_setup),
    Verb("cards.new", new_session),
    Verb("cards.card", show, idempotent=False),
    Verb("cards.contribute", contribute, form=ContributionForm, redisplay=redisplay_live),
    Verb("cards.action", agree_action, form=ActionForm, redisplay=redisplay_live),
    Verb("cards.next", next_card),
    Verb("cards.pause", pause),
    Verb("cards.resume", resume),
    Verb("cards.finish", finish),
    Verb("cards.reopen", reopen),
    Verb("cards.summary", summary, idempotent=False),
    Verb("cards.export", export_summary, form=ExportForm),
    Verb("cards.action.done", action_done),
    Verb("cards.action.later", action_later, idempotent=False),
    Verb("cards.action.extend", extend_action, form=ExtendForm, redisplay=redisplay_extend),
    Verb("cards.action.drop", action_drop, idempotent=False),
    Verb("cards.action.dropped", drop_action, form=DropForm, redisplay=redisplay_drop),
    Verb("cards.schedule.off", schedule_off),
    Verb("cards.schedule.set", schedule_set),
    Verb("cards.issue.open", own_issue_form, idempotent=False),
    Verb("cards.issue", add_own_issue, form=OwnIssueForm, redisplay=own_issue_form),
    Verb("cards.question.open", own_question_form, idempotent=False),
    Verb("cards.question", add_own_question, form=OwnQuestionForm, redisplay=own_question_form),
    Verb("cards.compare.open", open_compare, idempotent=False),
    Verb("cards.compare", compare_groups, form=CompareForm, redisplay=redisplay_compare),
)

NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind(
        ACTION_DUE_KIND,
        render_action_due,
        description="An agreed action from a progression cards session: before, on and after "
        "its date.",
    ),
    NoticeKind(
        DIGEST_KIND,
        render_digest,
        description="Facilitator: the week's overdue actions from your progression card sessions.",
    ),
    NoticeKind(LIVE_KIND, render_live, asked_for=True, to_channel=True),
    # The team's choice, not a person's: its facilitator or an org admin schedules and stops it.
    NoticeKind(
        PROMPT_KIND,
        render_prompt,
        to_channel=True,
        description="The weekly coaching card posted to a team's channel.",
    ),
)
