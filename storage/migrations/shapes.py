"""The shapes the revisions repeat, each named once: columns (NOT NULL unless said), the integer
key, the organisation column, timestamps, references and primary keys named by the convention,
tables keyed by `id`, and plain column indexes.

A revision that has run somewhere must keep building exactly what it built, so a shape here never
changes once a revision uses it: a new shape gets a new name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import TypeEngine


def column(
    name: str, type_: TypeEngine[Any], *, nullable: bool = False, **kw: Any
) -> sa.Column[Any]:
    """A column, NOT NULL unless `nullable`; `kw` as `sa.Column` takes them (`server_default`)."""
    return sa.Column(name, type_, nullable=nullable, **kw)


def key() -> sa.Column[int]:
    """`id`: the integer primary key most tables have."""
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def org() -> sa.Column[str]:
    """`org_id`: the organisation (Microsoft 365 tenant) a row belongs to."""
    return sa.Column("org_id", sa.String(length=64), nullable=False)


def moment(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    """A point in time, stored with its time zone."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def stamped() -> tuple[sa.Column[datetime], sa.Column[datetime]]:
    """`created_at` and `updated_at`, in that order."""
    return moment("created_at"), moment("updated_at")


def refers(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    """`table.column` refers to `target.id`, named fk_<table>_<column>_<target>."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def primary(table: str, column: str = "id") -> sa.PrimaryKeyConstraint:
    """The primary key, named pk_<table>."""
    return sa.PrimaryKeyConstraint(column, name=op.f(f"pk_{table}"))


def index(table: str, *columns: str) -> None:
    """A plain index on each column, named ix_<table>_<column>."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def drop(table: str, *indexed: str) -> None:
    """Drop the indexes ix_<table>_<name> for each of `indexed` (in reverse order), as `index` and
    `named_indexes` made them, then the table."""
    if indexed:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(indexed):
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
    op.drop_table(table)


@dataclass(frozen=True)
class Ref:
    """An integer column that refers to `target.id`, as `ref` describes it."""

    column: str
    target: str
    ondelete: str | None
    nullable: bool


def ref(
    column: str, target: str, ondelete: str = "CASCADE", *, nullable: bool | None = None
) -> Ref:
    """The integer column `column`, referring to `target.id` (`refers`): deleted with its target
    and NOT NULL unless said; ondelete="SET NULL" makes it nullable."""
    return Ref(column, target, ondelete, ondelete == "SET NULL" if nullable is None else nullable)


@dataclass(frozen=True)
class Unique:
    """A unique constraint, as `unique` describes it."""

    name: str
    columns: tuple[str, ...]


def unique(name: str, *columns: str) -> Unique:
    """A unique constraint called `name` on `columns`."""
    return Unique(name, columns)


def org_table(name: str, *items: sa.Column[Any] | Ref | Unique, org_fk: bool = False) -> None:
    """Create an organisation's table: `id`, `org_id`, then `items` (as `id_table`). With `org_fk`,
    `org_id` refers to `organisations.id`."""
    org_ref = Ref("org_id", "organisations", None, False)
    _keyed(name, [key(), org(), *items], [org_ref] if org_fk else [])


def id_table(name: str, *items: sa.Column[Any] | Ref | Unique) -> None:
    """Create a table: `id`, then `items` (columns, `ref`s and `unique`s), with the primary key on
    `id`. A table keyed otherwise is written out: `op.create_table` with `primary` and `refers`."""
    _keyed(name, [key(), *items], [])


def _keyed(name: str, items: list[sa.Column[Any] | Ref | Unique], refs: list[Ref]) -> None:
    """Create the table from `items`, with `refs` on columns already among them. SQLAlchemy writes
    a table's constraints in the order they were made, and SQLite keeps that SQL, so they are made
    here in the order autogenerate wrote them: the references by their columns' names, the primary
    key, the unique ones."""
    refs = refs + [item for item in items if isinstance(item, Ref)]
    columns = [
        column(item.column, sa.Integer(), nullable=item.nullable) if isinstance(item, Ref) else item
        for item in items
        if not isinstance(item, Unique)
    ]
    op.create_table(
        name,
        *columns,
        *(
            refers(name, r.column, r.target, r.ondelete)
            for r in sorted(refs, key=lambda r: r.column)
        ),
        primary(name),
        *(sa.UniqueConstraint(*u.columns, name=u.name) for u in items if isinstance(u, Unique)),
    )


def add_columns(table: str, *columns: sa.Column[Any]) -> None:
    """Add `columns` to `table`, in that order."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    """Drop the columns `names` from `table`, in that order."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in names:
            batch_op.drop_column(name)


def named_indexes(table: str, **columns: list[str]) -> None:
    """A plain index for each keyword: `name=[column, ...]` is ix_<table>_<name> on those columns
    (undone by `drop(table, name, ...)`)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, on in columns.items():
            batch_op.create_index(f"ix_{table}_{name}", on, unique=False)
