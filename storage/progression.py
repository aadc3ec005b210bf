"""Progression card sessions, their contributions and agreed actions, and an organisation's own
strategic issues and lead questions. A session's place in the deck is a row, never memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, NamedTuple
from typing import cast as cast_as

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    inspect,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.schema import Index, Table, UniqueConstraint
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import JSON, Date, Integer, String, Text

from bot.domain.progression import SessionState
from storage.models import (
    MAX_ID,
    ConversationRef,
    NumberedRow,
    OrganisationRow,
    Person,
    Repository,
    TeamMember,
    UTCDateTime,
    belongs_to,
    given,
    insert_row,
    inserting,
    refers_to,
)
from storage.people import Directory
from storage.reminders import Schedule, ScheduledItem

OPEN_STATES = (SessionState.CHOOSING.value, SessionState.RUNNING.value, SessionState.PAUSED.value)


class CardSession(OrganisationRow):
    """One group working through the deck in one place (a channel, a group chat or a 1:1 chat)."""

    __tablename__ = "card_sessions"
    __table_args__ = (
        Index("ix_card_sessions_place", "org_id", "place_key", "state"),
        Index("ix_card_sessions_facilitator", "facilitator_id"),
    )

    place_key: Mapped[str] = mapped_column(String(400))  # the channel, or the chat's id
    conversation_id: Mapped[str] = mapped_column(String(400))
    conversation_ref_id: Mapped[int | None] = refers_to("conversation_refs")
    facilitator_id: Mapped[int] = belongs_to("people")
    # The facilitator left the team or chat: they run and read it no more, and any member
    # still there may take it over (then it is theirs, and this is False again).
    facilitator_left: Mapped[bool] = mapped_column(default=False)
    way: Mapped[str] = mapped_column(String(20))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default=SessionState.CHOOSING.value)
    card_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    participant_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    prompt_schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The message the session's card is in (channel, group chat): updated for everyone.
    live_activity_id: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    paused_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def session_state(self) -> SessionState:
        return SessionState(self.state)

    @property
    def current_key(self) -> str | None:
        keys = self.card_keys or []
        return keys[self.position] if 0 <= self.position < len(keys) else None


class CardContribution(NumberedRow):
    __tablename__ = "card_contributions"
    __table_args__ = (Index("ix_card_contributions_session", "session_id", "card_key"),)

    session_id: Mapped[int] = belongs_to("card_sessions")
    card_key: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = refers_to("people")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class CardAction(NumberedRow):
    """An agreed action: what, who, by when."""

    __tablename__ = "card_actions"
    __table_args__ = (
        Index("ix_card_actions_session", "session_id", "card_key"),
        Index("ix_card_actions_owner", "owner_id"),
    )

    session_id: Mapped[int] = belongs_to("card_sessions")
    card_key: Mapped[str] = mapped_column(String(20))
    what: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = belongs_to("people")
    due_on: Mapped[date]
    done_at: Mapped[datetime | None]
    dropped_at: Mapped[datetime | None]  # the owner is not doing it ...
    dropped_reason: Mapped[str | None] = mapped_column(Text)  # ... and why
    extended: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by: Mapped[int | None]
    created_at: Mapped[datetime]

    @property
    def open(self) -> bool:
        return self.done_at is None and self.dropped_at is None


class OwnStrategicIssue(OrganisationRow):
    """An organisation's own strategic issue, numbered after the deck's six."""

    __tablename__ = "own_strategic_issues"
    __table_args__ = (UniqueConstraint("org_id", "number", name="uq_own_strategic_issues_number"),)

    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[int | None]
    created_at: Mapped[datetime]


class OwnLeadQuestion(OrganisationRow):
    """A lead question an organisation added, to its own issue or to one of the deck's."""

    __tablename__ = "own_lead_questions"
    __table_args__ = (
        UniqueConstraint("org_id", "issue_number", "number", name="uq_own_lead_questions_key"),
    )

    issue_number: Mapped[int]
    number: Mapped[int]
    question: Mapped[str] = mapped_column(Text)
    prompts: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None]
    created_at: Mapped[datetime]


def _open_actions[Q: Select[*tuple[Any, ...]]](
    query: Q, org_id: str, *where: ColumnElement[bool]
) -> Q:
    """`query` narrowed to card actions not yet done or dropped, from this organisation's
    sessions (joined, so `where` may speak of the session too)."""
    return query.join(CardSession, CardSession.id == CardAction.session_id).where(
        CardSession.org_id == org_id,
        CardAction.done_at.is_(None),
        CardAction.dropped_at.is_(None),
        *where,
    )


_INSERT_CONTRIBUTION = inserting(CardContribution)
_SESSION = select(CardSession).where(
    CardSession.id == bindparam("id"), CardSession.org_id == bindparam("org_id")
)
# A press on a session's card reads the session and its live-card update (the scheduled item
# that redraws the posted card for everyone, if any) in one statement.
_SESSION_AND_LIVE_UPDATE = (
    select(CardSession, ScheduledItem)
    .outerjoin(
        ScheduledItem,
        and_(
            ScheduledItem.org_id == CardSession.org_id,
            ScheduledItem.key == bindparam("live_key"),
        ),
    )
    .where(CardSession.id == bindparam("id"), CardSession.org_id == bindparam("org_id"))
)
# Someone took part: the session's participants and when it was last used, one Core UPDATE.
_SESSIONS_TABLE = cast_as(Table, CardSession.__table__)
_SESSIONS = _SESSIONS_TABLE.c
_USED = (
    update(_SESSIONS_TABLE)
    .where(_SESSIONS.id == bindparam("session_id"))
    .values(
        participant_ids=bindparam("participants", type_=_SESSIONS.participant_ids.type),
        updated_at=bindparam("now", type_=_SESSIONS.updated_at.type),
    )
)
_TOUCHED = (
    update(_SESSIONS_TABLE)
    .where(_SESSIONS.id == bindparam("session_id"))
    .values(updated_at=bindparam("now", type_=_SESSIONS.updated_at.type))
)
# Someone joins a session: appended to its stored participants in the database, unless already
# there or the list is full, so that two joining at once are both kept (a turn writing back
# the list as it read it dropped whoever joined meanwhile). JSON in both databases: SQLite's
# json functions, PostgreSQL's jsonb operators on the json column.
_JOIN: Mapping[str, TextClause] = MappingProxyType(
    {
        "sqlite": text(
            "UPDATE card_sessions SET participant_ids = json_insert(participant_ids, '$[#]', :pid)"
            " WHERE id = :session_id AND json_array_length(participant_ids) < :limit"
            " AND NOT EXISTS (SELECT 1 FROM json_each(card_sessions.participant_ids) AS j"
            " WHERE j.value = :pid) RETURNING participant_ids"
        ),
        "postgresql": text(
            "UPDATE card_sessions SET participant_ids ="
            " CAST(CAST(participant_ids AS jsonb)"
            " || jsonb_build_array(CAST(:pid AS integer)) AS json)"
            " WHERE id = :session_id AND json_array_length(participant_ids) < :limit"
            " AND NOT CAST(participant_ids AS jsonb) @> jsonb_build_array(CAST(:pid AS integer))"
            " RETURNING participant_ids"
        ),
    }
)
_LIVE_UPDATES = "cards.live_updates"  # in the unit of work's `session.info`: {session id: item}


def live_update_key(session_id: int) -> str:
    """The key of the scheduled item that redraws a session's posted card."""
    return f"cards-live:{session_id}"


class LiveContribution(NamedTuple):
    """What the live card shows of a contribution: who, and what they said."""

    person_id: int | None
    text: str


class LiveAction(NamedTuple):
    """What the live card shows of an agreed action."""

    what: str
    owner_id: int
    due_on: date
    done_at: datetime | None
    dropped_at: datetime | None
    dropped_reason: str | None


class LivePerson(NamedTuple):
    """What the live card needs of a person: a name to show, their Teams id (the card refreshes
    for them), and whether they are in the team whose channel the session is in."""

    id: int
    name: str
    email: str | None
    teams_user_id: str | None
    member: bool


def _on_card[Row: (CardContribution, CardAction)](
    model: type[Row], kind: int, *columns: Any
) -> Select[Any]:
    """`kind`, then these columns of the rows of one card of one session."""
    return select(literal_column(str(kind), Integer), model.id, *columns).where(
        model.card_key == bindparam("card_key"), model.session_id == bindparam("session_id")
    )


_TEAM_MEMBER = Person.id.in_(
    select(TeamMember.person_id)
    .join(ConversationRef, ConversationRef.team_pk == TeamMember.team_pk)
    .where(ConversationRef.id == bindparam("ref"))
)
_NO_TEXT = cast(null(), Text)
# What the live card shows, read on every press and built once (building it costs every turn),
# in one statement of plain rows (the card only reads them: no ORM objects): the agreed actions
# (kind 0) and the contributions (kind 1) of its card, each in the order they were written; and
# the people it names or refreshes for (kind 2), by name: those given, whoever contributed to the
# card, and the members of the team whose channel the session is in (none for a chat, whose
# `ref` matches no team). A row carries NULLs (typed, for PostgreSQL) where its kind has nothing.
# Columns: kind, id, who (a person's: 1 if a team member), words (a person's: name), due_on,
# done_at, dropped_at, reason (a person's: email), Teams user id, and the name people sort by.
_LIVE_ROWS = union_all(
    _on_card(
        CardAction,
        0,
        CardAction.owner_id,
        CardAction.what,
        CardAction.due_on,
        CardAction.done_at,
        CardAction.dropped_at,
        CardAction.dropped_reason,
        _NO_TEXT,
        _NO_TEXT,
    ),
    _on_card(
        CardContribution,
        1,
        CardContribution.person_id,
        CardContribution.text,
        cast(null(), Date),
        cast(null(), UTCDateTime()),
        cast(null(), UTCDateTime()),
        _NO_TEXT,
        _NO_TEXT,
        _NO_TEXT,
    ),
    select(
        literal_column("2", Integer),
        Person.id,
        case((_TEAM_MEMBER, 1), else_=0),
        Person.name,
        cast(null(), Date),
        cast(null(), UTCDateTime()),
        cast(null(), UTCDateTime()),
        Person.email,
        Person.teams_user_id,
        Person.name,
    ).where(
        Person.org_id == bindparam("org_id"),
        or_(
            Person.id.in_(bindparam("ids", expanding=True)),
            Person.id.in_(
                select(CardContribution.person_id).where(
                    CardContribution.card_key == bindparam("card_key"),
                    CardContribution.session_id == bindparam("session_id"),
                )
            ),
            _TEAM_MEMBER,
        ),
    ),
).order_by(literal_column("1"), literal_column("10"), literal_column("2"))


class LiveRows(NamedTuple):
    """What the live card shows of one card (`CardSessions.live_rows`)."""

    contributions: list[LiveContribution]
    actions: list[LiveAction]
    people: list[LivePerson]


class CardSessions(Repository):
    """Sessions and what they produced, inside the caller's unit of work."""

    async def add_contribution(self, row: CardContribution) -> None:
        """Store a new contribution: one Core INSERT, no ORM flush (it stays out of the
        session; nothing writes it again on the turn)."""
        await insert_row(self.session, _INSERT_CONTRIBUTION, row)

    async def get(self, org_id: str, session_id: int) -> CardSession | None:
        """The session, if it is this organisation's (as `get_in_org`, by a statement built
        once: every press on a live card reads it)."""
        if not 0 < session_id <= MAX_ID:
            return None
        return await self.session.scalar(_SESSION, {"id": session_id, "org_id": org_id})

    async def write_joined(self, row: CardSession, limit: int) -> None:
        """Write who joined `row` since it was read (the ids its list gained), each appended in
        the database (`_JOIN`), and leave the list as stored with nothing for a flush to write.
        A list that also lost someone (a facilitator taking over) is left for the flush."""
        history = inspect(row).attrs.participant_ids.history
        if not history.has_changes():
            return
        old: list[int] = list((history.deleted or history.unchanged or [[]])[0] or [])
        new = list(row.participant_ids)
        if set(old) - set(new):
            return
        statement = _JOIN[self.session.get_bind().dialect.name].columns(participant_ids=JSON)
        stored: list[int] | None = None
        with self.session.no_autoflush:  # a flush would write the list as this turn has it
            for person_id in [p for p in new if p not in old]:
                values = {"pid": person_id, "session_id": row.id, "limit": limit}
                stored = (await self.session.execute(statement, values)).scalar() or stored
            if stored is None:  # all of them were there already, or the list is full
                stored = await self.session.scalar(
                    select(_SESSIONS.participant_ids).where(_SESSIONS.id == row.id)
                )
        set_committed_value(row, "participant_ids", list(stored or []))

    async def used(self, row: CardSession, now: datetime, limit: int) -> None:
        """Write that the session was just used: whoever joined (`write_joined`), and
        `updated_at`, by Core, and leave the row with nothing for a flush to write (no
        unit-of-work pass on a contribution)."""
        await self.write_joined(row, limit)
        participants = list(row.participant_ids)
        joined = inspect(row).attrs.participant_ids.history.has_changes()
        if not joined and row.updated_at == now:
            return  # nothing changed (a flush would write nothing either)
        if not joined:
            await self.session.execute(_TOUCHED, {"session_id": row.id, "now": now})
            set_committed_value(row, "updated_at", now)
            return
        values = {"session_id": row.id, "participants": participants, "now": now}
        await self.session.execute(_USED, values)
        set_committed_value(row, "participant_ids", participants)
        set_committed_value(row, "updated_at", now)

    async def pressed(self, org_id: str, session_id: int) -> CardSession | None:
        """The session a button was pressed on, if it is this organisation's, read with its
        live-card update in one statement: `live_update` then needs no read of its own."""
        if not 0 < session_id <= MAX_ID:
            return None
        values = {"id": session_id, "org_id": org_id, "live_key": live_update_key(session_id)}
        found = (await self.session.execute(_SESSION_AND_LIVE_UPDATE, values)).first()
        if found is None:
            return None
        row, item = found
        self.session.info.setdefault(_LIVE_UPDATES, {})[row.id] = item
        return row

    async def live_update(self, row: CardSession) -> ScheduledItem | None:
        """The scheduled item that redraws this session's posted card, if there is one: as read
        with the session by `pressed` on this unit of work, else read now."""
        known: dict[int, ScheduledItem | None] = self.session.info.get(_LIVE_UPDATES, {})
        if row.id in known:
            return known[row.id]
        return await Schedule(self.session).get(row.org_id, live_update_key(row.id))

    def forget_live_update(self, row: CardSession) -> None:
        """The live-card update was just (re)scheduled: the next `live_update` reads it."""
        self.session.info.get(_LIVE_UPDATES, {}).pop(row.id, None)

    async def open_in(self, org_id: str, place_key: str) -> CardSession | None:
        """The session still open in this place (the newest, should there be more)."""
        return await self.first(
            CardSession,
            CardSession.state.in_(OPEN_STATES),
            order_by=CardSession.id.desc(),
            org_id=org_id,
            place_key=place_key,
        )

    async def taken_part(self, org_id: str, person_id: int, limit: int = 30) -> list[CardSession]:
        """Sessions a person facilitated, contributed to or owns an action from, newest first.
        (Whether they may still read each one is `can`'s decision.)"""
        contributed = select(CardContribution.session_id).where(
            CardContribution.person_id == person_id
        )
        owns = select(CardAction.session_id).where(CardAction.owner_id == person_id)
        rows = await self.session.scalars(
            select(CardSession)
            .where(
                CardSession.org_id == org_id,
                (CardSession.facilitator_id == person_id)
                | CardSession.id.in_(contributed)
                | CardSession.id.in_(owns),
            )
            .order_by(CardSession.id.desc())
            .limit(limit)
        )
        return list(rows)

    def add(self, row: CardSession) -> CardSession:
        self.session.add(row)
        return row

    async def advance(self, row: CardSession, shown: int, now: datetime) -> bool:
        """Move from card `shown` to the next; False if someone already moved on (two people
        pressing "next" together move the group one card, not two)."""
        result = await self.session.execute(
            update(CardSession)
            .where(CardSession.id == row.id, CardSession.position == shown)
            .values(position=shown + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return False
        await self.session.refresh(row)
        return True

    async def contributions(
        self, session_id: int, card_key: str | None = None
    ) -> Sequence[CardContribution]:
        """A session's contributions, oldest first: all of them, or one card's."""
        return await self.rows(
            CardContribution, *given(CardContribution, card_key=card_key), session_id=session_id
        )

    async def actions(self, session_id: int, card_key: str | None = None) -> Sequence[CardAction]:
        """A session's agreed actions, oldest first: all of them, or one card's."""
        return await self.rows(
            CardAction, *given(CardAction, card_key=card_key), session_id=session_id
        )

    async def live_rows(
        self, org_id: str, session_id: int, card_key: str, ids: set[int], ref: int | None
    ) -> LiveRows:
        """What the live card shows of one card, as plain rows, in one read: its contributions
        and agreed actions, oldest first; and, by name, the people `ids`, whoever contributed to
        the card, and the members of the team whose channel the conversation `ref` is (none for
        a chat), each saying whether they are one."""
        values = {
            "session_id": session_id,
            "card_key": card_key,
            "org_id": org_id,
            "ids": list(ids),
            "ref": ref,
        }
        found = LiveRows([], [], [])
        rows = await self.session.execute(_LIVE_ROWS, values)
        for kind, id_, who, words, due_on, done_at, dropped_at, reason, user, _ in rows:
            if kind == 1:
                found.contributions.append(LiveContribution(who, words))
            elif kind == 0:
                found.actions.append(LiveAction(words, who, due_on, done_at, dropped_at, reason))
            else:
                found.people.append(LivePerson(id_, words, reason, user, bool(who)))
        return found

    async def action(self, action_id: int) -> CardAction | None:
        return await self.session.get(CardAction, action_id)

    async def open_actions_of(self, org_id: str, owner_id: int) -> Sequence[CardAction]:
        """A person's actions not yet done or dropped, soonest first."""
        rows = await self.session.scalars(
            _open_actions(select(CardAction), org_id, CardAction.owner_id == owner_id).order_by(
                CardAction.due_on, CardAction.id
            )
        )
        return rows.all()

    async def overdue_for_facilitator(
        self, org_id: str, facilitator_id: int, today: date
    ) -> Sequence[tuple[CardAction, CardSession]]:
        """Open actions past their date, from the sessions this person facilitates."""
        rows = await self.session.execute(
            _open_actions(
                select(CardAction, CardSession),
                org_id,
                CardSession.facilitator_id == facilitator_id,
                CardSession.facilitator_left.is_(False),
                CardAction.due_on < today,
            ).order_by(CardAction.due_on, CardAction.id)
        )
        return [(a, s) for a, s in rows.all()]

    async def has_open_actions_facilitated(self, org_id: str, facilitator_id: int) -> bool:
        found = await self.session.scalar(
            _open_actions(
                select(func.count(CardAction.id)),
                org_id,
                CardSession.facilitator_id == facilitator_id,
                CardSession.facilitator_left.is_(False),
            )
        )
        return bool(found)

    async def has_outcomes(self, session_id: int, card_key: str) -> bool:
        for model in (CardContribution, CardAction):
            found = await self.session.scalar(
                select(func.count(model.id)).where(
                    model.session_id == session_id, model.card_key == card_key
                )
            )
            if found:
                return True
        return False

    async def conversation_ref(self, org_id: str, conversation_id: str) -> ConversationRef | None:
        return await Directory(self.session).conversation(org_id, conversation_id)

    async def forget_participants(
        self,
        org_id: str,
        person_ids: frozenset[int],
        team_pk: int | None,
        conversation_id: str,
    ) -> None:
        """These people left the place of some sessions (the team whose channels they are in,
        or the group chat): they no longer take part in them from anywhere, nor run those they
        facilitated (any member still there may take those over)."""
        where: ColumnElement[bool]
        if team_pk is not None:
            refs = select(ConversationRef.id).where(ConversationRef.team_pk == team_pk)
            where = CardSession.conversation_ref_id.in_(refs)
        else:
            where = CardSession.place_key == conversation_id
        rows = await self.session.scalars(
            select(CardSession).where(CardSession.org_id == org_id, where)
        )
        for row in rows:
            if person_ids & set(row.participant_ids):
                row.participant_ids = [p for p in row.participant_ids if p not in person_ids]
            if row.facilitator_id in person_ids:
                row.facilitator_left = True

    async def team_member_ids(self, conversation_ref_id: int | None) -> list[int]:
        """People known to be in the team whose channel this conversation is (none for chats)."""
        if conversation_ref_id is None:
            return []
        rows = await self.session.scalars(
            select(TeamMember.person_id)
            .join(ConversationRef, ConversationRef.team_pk == TeamMember.team_pk)
            .where(ConversationRef.id == conversation_ref_id)
        )
        return list(rows)


class OwnDeck(Repository):
    """An organisation's own strategic issues and lead questions."""

    async def issues(self, org_id: str) -> Sequence[OwnStrategicIssue]:
        rows = await self.session.scalars(
            select(OwnStrategicIssue)
            .where(OwnStrategicIssue.org_id == org_id)
            .order_by(OwnStrategicIssue.number)
        )
        return rows.all()

    async def questions(self, org_id: str) -> Sequence[OwnLeadQuestion]:
        rows = await self.session.scalars(
            select(OwnLeadQuestion)
            .where(OwnLeadQuestion.org_id == org_id)
            .order_by(OwnLeadQuestion.issue_number, OwnLeadQuestion.number)
        )
        return rows.all()

    def add(self, row: OwnStrategicIssue | OwnLeadQuestion) -> None:
        self.session.add(row)
