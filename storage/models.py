"""Tables. Every row belongs to an organisation (the Teams tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Insert, Table, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, QueryableAttribute, mapped_column
from sqlalchemy.schema import ForeignKey, Index, MetaData, UniqueConstraint
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import JSON, DateTime, String, Text, TypeDecorator

NAMING = MappingProxyType(
    {
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class NumberedRow(Base):
    """A table whose rows are numbered by `id`, its first column (as the migrations made it)."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True, sort_order=-2)


class OrganisationRow(NumberedRow):
    """A numbered table whose rows each belong to one organisation (the Teams tenant), named by
    `org_id` without a foreign key: most of the capabilities' tables. `org_id` comes second."""

    __abstract__ = True

    org_id: Mapped[str] = mapped_column(String(64), sort_order=-1)


def belongs_to(
    table: str, *, index: bool | None = None, unique: bool | None = None, primary_key: bool = False
) -> MappedColumn[Any]:
    """A column naming the `table` row (by id) that this row belongs to: deleted with it."""
    return mapped_column(
        ForeignKey(f"{table}.id", ondelete="CASCADE"),
        index=index,
        unique=unique,
        primary_key=primary_key,
    )


def refers_to(table: str) -> MappedColumn[Any]:
    """A column naming a `table` row (by id), emptied when that row is deleted."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="SET NULL"))


MAX_ID = 2**31 - 1  # ids are INTEGER: the largest one PostgreSQL stores


async def get_in_org[T: Base](
    session: AsyncSession, model: type[T], org_id: str, row_id: int
) -> T | None:
    """The `model` row with this id, or None unless it belongs to this organisation.

    Organisations never see each other's rows; an id no table could hold finds nothing (it would
    otherwise be a database error on PostgreSQL).
    """
    if not 0 < row_id <= MAX_ID:
        return None
    row = await session.get(model, row_id)
    return row if row is not None and getattr(row, "org_id", None) == org_id else None


type Order = ColumnElement[Any] | QueryableAttribute[Any]


def given(model: type[Base], **values: object) -> list[ColumnElement[bool]]:
    """`model.<name> == value` for each value given (not None): a query's optional filters."""
    return [getattr(model, name) == value for name, value in values.items() if value is not None]


class Repository:
    """One capability's rows, read and written inside the caller's unit of work.

    Its queries take conditions as expressions (`Person.org_id == org_id`) and, for plain
    equality, as column values by name (`org_id=org_id`), as SQLAlchemy's `filter_by` does.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def one[T: Base](
        self, model: type[T], /, *where: ColumnElement[bool], **equal: object
    ) -> T | None:
        """The `model` row meeting every condition (a unique key), or None."""
        return await self.session.scalar(select(model).where(*where).filter_by(**equal))

    async def rows[T: Base](
        self,
        model: type[T],
        /,
        *where: ColumnElement[bool],
        order_by: Order | tuple[Order, ...] = (),
        limit: int | None = None,
        **equal: object,
    ) -> Sequence[T]:
        """The `model` rows meeting every condition, in the order `order_by` gives (oldest first,
        by id, without one); at most `limit` of them."""
        order = order_by if isinstance(order_by, tuple) else (order_by,)
        query = (
            select(model)
            .where(*where)
            .filter_by(**equal)
            .order_by(*(order or inspect(model).primary_key))
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def first[T: Base](
        self,
        model: type[T],
        /,
        *where: ColumnElement[bool],
        order_by: Order | tuple[Order, ...],
        **equal: object,
    ) -> T | None:
        """The first `model` row meeting every condition, in the order `order_by` gives."""
        found = await self.rows(model, *where, order_by=order_by, limit=1, **equal)
        return found[0] if found else None

    async def added[T: Base](self, row: T) -> T:
        """`row`, added and flushed: it has its id, and its columns' defaults."""
        self.session.add(row)
        await self.session.flush()
        return row


# How many values one `IN (...)` list carries: a longer list goes in several statements.
IN_LIST = 500


def inserting(model: type[Base]) -> Insert:
    """A Core INSERT of one `model` row that gives back its id: built once (at import, beside
    the model), run with `insert_row` (no ORM flush: no unit-of-work bookkeeping on a turn)."""
    table = cast(Table, model.__table__)
    return insert(table).returning(*inspect(model).primary_key)


async def insert_row(session: AsyncSession, statement: Insert, row: Base) -> Any:
    """Store a new `row` (not added to the session) with `statement` (`inserting(type(row))`),
    one statement; its id is set on it and returned (None if the statement skipped a conflict).
    Its columns' values are the ones set on it; a column left unset takes its default, as an ORM
    flush would give it."""
    state = inspect(row)
    values: dict[str, Any] = {}
    key_attr = ""
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if column.primary_key:
            key_attr = attr.key
        elif attr.key in state.dict:
            values[column.key] = state.dict[attr.key]
    new_id = (await session.execute(statement, values)).scalar_one_or_none()
    if new_id is not None:  # None: an INSERT … ON CONFLICT DO NOTHING that met the row
        setattr(row, key_attr, new_id)
    return new_id


class Records(Repository):
    """A repository whose callers build the rows themselves and add them through it."""

    def add(self, row: Base) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Teams tenant id
    name: Mapped[str] = mapped_column(String(200), default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Person(NumberedRow):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("org_id", "aad_object_id", name="uq_people_org_aad"),
        UniqueConstraint("org_id", "email", name="uq_people_org_email"),
    )

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    teams_user_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    campus: Mapped[str] = mapped_column(String(200), default="")
    curriculum_area: Mapped[str] = mapped_column(String(200), default="")
    delivery_style: Mapped[str | None] = mapped_column(String(20))
    line_manager_email: Mapped[str | None] = mapped_column(String(320))
    learning_in_libraries: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None]
    is_tutor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]


class RoleGrant(NumberedRow):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role", name="uq_role_grants_person_role"),)

    person_id: Mapped[int] = belongs_to("people")
    role: Mapped[str] = mapped_column(String(40))
    granted_by: Mapped[int | None]
    granted_at: Mapped[datetime]


class Team(NumberedRow):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("org_id", "team_id", name="uq_teams_org_team"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[str] = mapped_column(String(200))  # 19:...@thread.tacv2
    aad_group_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    installed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class Channel(NumberedRow):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("team_pk", "channel_id", name="uq_channels_team_channel"),)

    team_pk: Mapped[int] = belongs_to("teams")
    channel_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")


class TeamMember(NumberedRow):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_pk", "person_id", name="uq_team_members_pair"),)

    team_pk: Mapped[int] = belongs_to("teams")
    person_id: Mapped[int] = belongs_to("people")


class ConversationRef(NumberedRow):
    """Where the bot can write to later: enough of a conversation reference to send proactively."""

    __tablename__ = "conversation_refs"
    __table_args__ = (
        UniqueConstraint("org_id", "conversation_id", name="uq_conversation_refs_org_conv"),
        Index("ix_conversation_refs_person", "person_id"),
    )

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    conversation_id: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(20))  # personal | channel | groupChat
    service_url: Mapped[str] = mapped_column(String(400))
    channel_id: Mapped[str] = mapped_column(String(40), default="msteams")  # Bot Framework channel
    bot_id: Mapped[str] = mapped_column(String(200), default="")
    bot_name: Mapped[str] = mapped_column(String(200), default="")
    person_id: Mapped[int | None] = refers_to("people")
    team_pk: Mapped[int | None] = refers_to("teams")
    teams_channel_id: Mapped[str | None] = mapped_column(String(200))
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class ProcessedActivity(OrganisationRow):
    """Incoming card submissions already handled: a Teams retry of one is stored once."""

    __tablename__ = "processed_activities"
    __table_args__ = (
        UniqueConstraint("org_id", "activity_key", name="uq_processed_activities_key"),
    )

    activity_key: Mapped[str] = mapped_column(String(400))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AuditEntry(NumberedRow):
    """Who did what, when: role changes, imports, state moves."""

    __tablename__ = "audit_entries"

    org_id: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None]
    subject: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
