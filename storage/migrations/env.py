"""Alembic environment: runs on the connection `Database.migrate` hands over (sync, in run_sync)."""

from __future__ import annotations

from alembic import context

from storage.models import Base
from storage.tables import __all__ as _all_tables  # noqa: F401 - load every table

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `tlc migrate` (storage.db.Database.migrate)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
