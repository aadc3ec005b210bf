"""Card sessions in the database, on SQLite and on PostgreSQL: the place in the deck is a row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import Date, DateTime, column, insert, inspect, table, text
from sqlalchemy.exc import IntegrityError

from bot.app.turn import UserRef
from storage.db import Database
from storage.models import Person
from storage.people import Directory
from storage.progression import (
    CardAction,
    CardContribution,
    CardSession,
    CardSessions,
    LiveAction,
    LiveContribution,
    LivePerson,
    OwnDeck,
    OwnStrategicIssue,
    live_update_key,
)
from storage.reminders import Schedule
from tests.conftest import START

ORG = "tenant-1"


async def _people(db: Database, *keys: str) -> list[int]:
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(ORG, START)
        people: list[Person] = [
            await directory.seen(ORG, UserRef(f"29:{k}", f"aad-{k}", k.title()), START)
            for k in keys
        ]
        await uow.commit()
        return [p.id for p in people]


def _session(facilitator: int, place: str = "channel:maths", state: str = "running") -> CardSession:
    return CardSession(
        org_id=ORG,
        place_key=place,
        conversation_id=place,
        facilitator_id=facilitator,
        way="team",
        group_name="Maths",
        state=state,
        card_keys=["1.1", "1.2", "1.3"],
        position=0,
        participant_ids=[],
        started_at=START,
        updated_at=START,
    )


async def test_next_moves_the_group_on_once_whoever_presses_it(db: Database) -> None:
    (coach,) = await _people(db, "coach")
    async with db.unit_of_work() as uow:
        row = CardSessions(uow.session).add(_session(coach))
        await uow.commit()
        session_id = row.id
    async with db.unit_of_work() as a, db.unit_of_work() as b:
        row_a = await CardSessions(a.session).get(ORG, session_id)
        row_b = await CardSessions(b.session).get(ORG, session_id)
        assert row_a is not None and row_b is not None
        assert await CardSessions(a.session).advance(row_a, 0, START)
        await a.commit()
        assert not await CardSessions(b.session).advance(row_b, 0, START)  # already moved on
        await b.commit()
    async with db.unit_of_work() as uow:
        row = await CardSessions(uow.session).get(ORG, session_id)
        assert row is not None and row.position == 1 and row.current_key == "1.2"
        assert row.started_at == START and row.card_keys == ["1.1", "1.2", "1.3"]


async def test_the_open_session_in_a_place_is_found_and_finished_ones_are_not(
    db: Database,
) -> None:
    (coach,) = await _people(db, "coach")
    async with db.unit_of_work() as uow:
        repo = CardSessions(uow.session)
        repo.add(_session(coach, state="finished"))
        paused = repo.add(_session(coach, state="paused"))
        repo.add(_session(coach, place="channel:english"))
        await uow.commit()
        found = await repo.open_in(ORG, "channel:maths")
        assert found is not None and found.id == paused.id
        assert await repo.open_in("another-tenant", "channel:maths") is None
        assert await repo.get("another-tenant", paused.id) is None


async def test_sessions_someone_took_part_in(db: Database) -> None:
    coach, tom, mia, zed = await _people(db, "coach", "tom", "mia", "zed")
    async with db.unit_of_work() as uow:
        repo = CardSessions(uow.session)
        first = repo.add(_session(coach))
        second = repo.add(_session(mia, place="channel:english"))
        await uow.session.flush()
        uow.session.add(
            CardContribution(
                session_id=first.id, card_key="1.1", person_id=tom, text="x", created_at=START
            )
        )
        uow.session.add(
            CardAction(
                session_id=second.id,
                card_key="1.1",
                what="Map routes",
                owner_id=tom,
                due_on=date(2026, 12, 11),
                created_at=START,
            )
        )
        await uow.commit()
        assert [s.id for s in await repo.taken_part(ORG, tom)] == [second.id, first.id]
        assert [s.id for s in await repo.taken_part(ORG, coach)] == [first.id]
        assert await repo.taken_part(ORG, zed) == []
        assert await repo.has_outcomes(first.id, "1.1")
        assert not await repo.has_outcomes(first.id, "1.2")
        action = (await repo.actions(second.id))[0]
        assert action.due_on == date(2026, 12, 11)


async def test_the_live_card_reads_one_cards_contributions_and_actions_as_plain_rows(
    db: Database,
) -> None:
    """Actions and contributions come in one read (cut 48), each oldest first, with an action's
    dates and state as stored; another card's, another session's are not in it. The people
    named come in the same read (cut 65): those asked for and the card's contributors, by name;
    nobody else."""
    coach, tom, mia, zed = await _people(db, "coach", "tom", "mia", "zed")
    done = START + timedelta(days=1)
    async with db.unit_of_work() as uow:
        repo = CardSessions(uow.session)
        row, other = repo.add(_session(coach)), repo.add(_session(coach, place="channel:english"))
        await uow.session.flush()
        for session_id, key, who, words in [
            (row.id, "1.1", tom, "Routes"),
            (row.id, "1.2", tom, "Not this card"),
            (other.id, "1.1", tom, "Not this session"),
            (other.id, "1.1", zed, "Not this session either"),
            (row.id, "1.1", None, "Someone gone"),
            (row.id, "1.1", mia, "Jobs"),
        ]:
            uow.session.add(
                CardContribution(
                    session_id=session_id, card_key=key, person_id=who, text=words, created_at=START
                )
            )
        for what, owner, done_at, dropped_at, reason in [
            ("Map routes", mia, None, None, None),
            ("Ask employers", tom, done, None, None),
            ("Visit", coach, None, done, "No budget"),
        ]:
            uow.session.add(
                CardAction(
                    session_id=row.id,
                    card_key="1.1",
                    what=what,
                    owner_id=owner,
                    due_on=date(2026, 12, 11),
                    done_at=done_at,
                    dropped_at=dropped_at,
                    dropped_reason=reason,
                    created_at=START,
                )
            )
        await uow.commit()
    async with db.unit_of_work() as uow:
        contributions, actions, people = await CardSessions(uow.session).live_rows(
            ORG, row.id, "1.1", {coach}, None
        )
        assert contributions == [
            LiveContribution(tom, "Routes"),
            LiveContribution(None, "Someone gone"),
            LiveContribution(mia, "Jobs"),
        ]
        assert actions == [
            LiveAction("Map routes", mia, date(2026, 12, 11), None, None, None),
            LiveAction("Ask employers", tom, date(2026, 12, 11), done, None, None),
            LiveAction("Visit", coach, date(2026, 12, 11), None, done, "No budget"),
        ]
        assert people == [
            LivePerson(coach, "Coach", None, "29:coach", False),
            LivePerson(mia, "Mia", None, "29:mia", False),
            LivePerson(tom, "Tom", None, "29:tom", False),
        ]
        assert await CardSessions(uow.session).live_rows(ORG, row.id, "1.3", set(), None) == (
            [],
            [],
            [],
        )


async def test_a_press_reads_the_session_with_its_live_card_update(db: Database) -> None:
    """`pressed` reads the session and the scheduled item that redraws its posted card in one
    statement; `live_update` then gives that item without reading it again (cut 46)."""
    (coach,) = await _people(db, "coach")
    async with db.unit_of_work() as uow:
        row = CardSessions(uow.session).add(_session(coach))
        ref = await Directory(uow.session).conversation(ORG, "19:maths@thread.tacv2")
        await uow.commit()
    async with db.unit_of_work() as uow:
        repo = CardSessions(uow.session)
        pressed = await repo.pressed(ORG, row.id)
        assert pressed is not None and await repo.live_update(pressed) is None
        assert await repo.pressed("another-tenant", row.id) is None
        await Schedule(uow.session).put(
            ORG,
            live_update_key(row.id),
            "cards.live",
            START,
            START,
            conversation_ref_id=ref.id if ref else None,
            person_id=None if ref else coach,
            payload={"session": row.id, "side": "front"},
        )
        await uow.commit()
    async with db.unit_of_work() as uow:
        repo = CardSessions(uow.session)
        pressed = await repo.pressed(ORG, row.id)
        assert pressed is not None
        item = await repo.live_update(pressed)
        assert item is not None and item.key == f"cards-live:{row.id}" and item.state == "pending"
        repo.forget_live_update(pressed)
        again = await repo.live_update(pressed)  # read afresh: the same row
        assert again is item


async def test_a_contribution_writes_who_took_part_and_leaves_nothing_to_flush(
    db: Database,
) -> None:
    """`used` (cut 49) writes the participants and `updated_at` by Core and leaves
    the row clean, so the commit has no unit of work to run; nothing changed, nothing written."""
    coach, tom = await _people(db, "coach", "tom")
    later = START + timedelta(minutes=5)
    async with db.unit_of_work() as uow:
        row = CardSessions(uow.session).add(_session(coach))
        await uow.commit()
    async with db.unit_of_work() as uow:
        repo = CardSessions(uow.session)
        pressed = await repo.pressed(ORG, row.id)
        assert pressed is not None
        pressed.participant_ids = [*pressed.participant_ids, tom]
        await repo.used(pressed, later, 200)
        assert not uow.session.is_modified(pressed) and not uow.session.dirty
        await uow.commit()
    async with db.unit_of_work() as uow:
        stored = await CardSessions(uow.session).get(ORG, row.id)
        assert stored is not None
        assert stored.participant_ids == [tom] and stored.updated_at == later


async def test_export_tokens_leave_the_schema_and_no_session_loses_its_work(
    empty_db: Database,
) -> None:
    """0060_cards_exports drops card_sessions.export_token. On SQLite that rebuilds the table,
    which must not take the sessions' contributions and actions with it (foreign key cascade)."""
    db = empty_db
    await db.run_alembic(lambda cfg: command.upgrade(cfg, "0040_cards"))
    coach, tom = await _people(db, "coach", "tom")
    async with db.unit_of_work() as uow:
        # The table as 0040 made it: only the columns it had then.
        made = _session(coach)
        # (A plain table of those columns: later columns' Python defaults are not sent.)
        later = {"id", "live_activity_id", "facilitator_left"}
        old = [c for c in CardSession.__table__.columns if c.key not in later]
        as_0040_sessions = table("card_sessions", *(column(c.key, c.type) for c in old))
        inserted = await uow.session.execute(
            insert(as_0040_sessions)
            .values({c.key: getattr(made, c.key) for c in old})
            .returning(column("id"))
        )
        row_id = inserted.scalar_one()
        uow.session.add_all(
            [
                CardContribution(
                    session_id=row_id, card_key="1.1", person_id=tom, text="x", created_at=START
                ),
            ]
        )
        as_0040 = table(
            "card_actions",
            *(column(c) for c in ("session_id", "card_key", "what", "owner_id")),
            column("due_on", Date),
            column("created_at", DateTime(timezone=True)),
        )
        await uow.session.execute(
            insert(as_0040).values(
                session_id=row_id,
                card_key="1.1",
                what="Map routes",
                owner_id=tom,
                due_on=date(2026, 12, 11),
                created_at=START,
            )
        )
        await uow.session.execute(text("UPDATE card_sessions SET export_token = 'secret'"))
        await uow.commit()
        session_id = row_id

    async def kept() -> tuple[list[str], int, int]:
        async with db.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: [col["name"] for col in inspect(c).get_columns("card_sessions")]
            )
            actions = await conn.scalar(text("SELECT count(*) FROM card_actions"))
            contributions = await conn.scalar(text("SELECT count(*) FROM card_contributions"))
        return columns, int(actions or 0), int(contributions or 0)

    await db.migrate()
    columns, actions, contributions = await kept()
    assert "export_token" not in columns and (actions, contributions) == (1, 1)
    async with db.unit_of_work() as uow:
        found = await CardSessions(uow.session).get(ORG, session_id)
        assert found is not None and found.card_keys == ["1.1", "1.2", "1.3"]

    await db.run_alembic(lambda cfg: command.downgrade(cfg, "0040_cards"))
    columns, actions, contributions = await kept()
    assert "export_token" in columns and (actions, contributions) == (1, 1)
    async with db.engine.connect() as conn:  # foreign keys are on again after a migration
        if not db.is_postgres:
            assert await conn.scalar(text("PRAGMA foreign_keys")) == 1


async def test_an_organisations_own_issue_numbers_are_unique(db: Database) -> None:
    async with db.unit_of_work() as uow:
        own = OwnDeck(uow.session)
        own.add(OwnStrategicIssue(org_id=ORG, number=7, title="Careers", created_at=START))
        own.add(OwnStrategicIssue(org_id="other", number=7, title="Digital", created_at=START))
        await uow.commit()
        assert [i.title for i in await own.issues(ORG)] == ["Careers"]
        own.add(OwnStrategicIssue(org_id=ORG, number=7, title="Again", created_at=START))
        with pytest.raises(IntegrityError):
            await uow.commit()
