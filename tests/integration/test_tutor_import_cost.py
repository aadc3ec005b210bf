"""What importing the tutor list costs, in statements per row, on SQLite and PostgreSQL.

A college's list is sent as one chat message, and Teams gives a turn 15 seconds: 3,000 rows at
11 statements each took 15–17 s on the shared two-core machine. A list names each line manager
many times, and a list sent again changes little, so neither is asked about again row by row
(`benchmarks/tutor_import.py` times it)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app.commands import build_events
from bot.app.tutor_import import import_tutor_text
from bot.domain.access import Role
from storage.db import Database
from storage.models import Person
from storage.people import Directory
from storage.reminders import ScheduledItem
from tests.conftest import START
from tests.integration.test_statements import counted

ORG = "tenant-1"
ROWS = 60
LIST = "name,email,campus,curriculum_area,line_manager_email\n" + "".join(
    f"Tutor {n:02},tutor{n:02}@college.ac.uk,North,Construction,boss{n % 3}@college.ac.uk\n"
    for n in range(ROWS)
)


async def _import(db: Database) -> tuple[int, int, int]:
    async with db.unit_of_work() as uow:
        result = await import_tutor_text(
            Directory(uow.session), ORG, LIST, None, START, build_events()
        )
        await uow.commit()
    return result.created, result.updated, len(result.problems)


async def test_a_tutor_list_costs_a_few_statements_a_row_and_less_when_sent_again(
    db: Database,
) -> None:
    with counted(db) as first:
        assert await _import(db) == (ROWS, 0, 0)
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        tutors = await directory.holder_ids(ORG, Role.TUTOR)
        managers = await uow.session.scalars(
            select(Person.email)
            .where(Person.id.in_(await directory.holder_ids(ORG, Role.LINE_MANAGER)))
            .order_by(Person.email)
        )
        assert len(tutors) == ROWS
        assert list(managers) == [f"boss{n}@college.ac.uk" for n in range(3)]
        offers = await uow.session.execute(
            select(func.count(), func.sum(ScheduledItem.revision)).where(
                ScheduledItem.key.like("support-offer:%")
            )
        )
        assert offers.one() == (ROWS, ROWS)  # one termly offer each, first revision

    with counted(db) as again:
        assert await _import(db) == (0, ROWS, 0)
    async with db.unit_of_work() as uow:
        offers = await uow.session.execute(
            select(func.count(), func.sum(ScheduledItem.revision)).where(
                ScheduledItem.key.like("support-offer:%")
            )
        )
        assert offers.one() == (ROWS, ROWS)  # waiting as they were: not withdrawn and put again

    # Before: 11 a row the first time (the person looked up three times, an INSERT then an
    # UPDATE, both roles granted on every row, the settings read on every row), 9 when sent again.
    assert len(first) <= ROWS + 30, len(first)  # each new offer its own INSERT
    assert len(again) <= 20, len(again)  # nothing a row: read in one statement a chunk
