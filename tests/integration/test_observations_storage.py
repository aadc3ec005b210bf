"""The observations repository on SQLite and PostgreSQL: what learning walks ask for (planned
OTLA dates), and the queries the views and exports stand on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain.observations import ObservationState
from storage.db import Database
from storage.models import Organisation, Person
from storage.observations import (
    ActionReviewEntry,
    LilCourse,
    ObservationReport,
    Observations,
    planned_observation_dates,
)
from tests.conftest import START

S = ObservationState


async def _people(db: Database) -> dict[str, int]:
    async with db.unit_of_work() as uow:
        for org in ("org-1", "org-2"):
            uow.session.add(Organisation(id=org, name=org, settings={}, created_at=START))
        await uow.session.flush()
        people = {}
        for key, org, tutor in (
            ("tom", "org-1", True),
            ("tess", "org-1", True),
            ("olive", "org-1", False),
            ("una", "org-1", True),
            ("far", "org-2", True),
        ):
            p = Person(
                org_id=org,
                name=key.capitalize(),
                email=f"{key}@college.ac.uk",
                is_tutor=tutor,
                learning_in_libraries=False,
                created_at=START,
            )
            uow.session.add(p)
            await uow.session.flush()
            people[key] = p.id
        await uow.commit()
        return people


async def test_planned_observation_dates_for_learning_walks(db: Database) -> None:
    ids = await _people(db)
    async with db.unit_of_work() as uow:
        repo = Observations(uow.session)
        rows = [
            ("tom", "org-1", S.PLANNED, datetime(2026, 12, 7, 23, 30, tzinfo=UTC)),
            ("tess", "org-1", S.DATE_AGREED, datetime(2026, 12, 3, 10, tzinfo=UTC)),
            ("una", "org-1", S.OBSERVED, datetime(2026, 11, 20, 10, tzinfo=UTC)),
            ("far", "org-2", S.PLANNED, datetime(2026, 12, 3, 10, tzinfo=UTC)),
        ]
        for key, org, state, starts in rows:
            obs = await repo.create(org, ids[key], "2026/27", state, START)
            obs.starts_at, obs.ends_at, obs.observer_id = starts, starts, ids["olive"]
        await uow.commit()
    async with db.unit_of_work() as uow:
        found = await planned_observation_dates(
            uow.session, "org-1", [ids["tom"], ids["tess"], ids["una"], ids["far"]]
        )
        assert await planned_observation_dates(uow.session, "org-1", []) == {}
    # London days; agreed or planned only; one organisation only.
    assert found == {ids["tom"]: [date(2026, 12, 7)], ids["tess"]: [date(2026, 12, 3)]}


async def test_one_observation_per_tutor_per_year(db: Database) -> None:
    ids = await _people(db)
    async with db.unit_of_work() as uow:
        repo = Observations(uow.session)
        await repo.create("org-1", ids["tom"], "2026/27", S.ALLOCATED, START)
        await repo.create("org-1", ids["tom"], "2027/28", S.ALLOCATED, START)
        with pytest.raises(IntegrityError):
            await repo.create("org-1", ids["tom"], "2026/27", S.ALLOCATED, START)


async def test_queries_behind_the_views_and_exports(db: Database) -> None:
    ids = await _people(db)
    async with db.unit_of_work() as uow:
        repo = Observations(uow.session)
        tom = await repo.create("org-1", ids["tom"], "2026/27", S.ACTIONS_OPEN, START)
        tom.observer_id = ids["olive"]
        tom.starts_at = datetime(2026, 12, 7, 10, tzinfo=UTC)
        uow.session.add(
            ObservationReport(
                org_id="org-1",
                observation_id=tom.id,
                strength_themes=["planning"],
                area_themes=["questioning"],
                actions=[],
                best_practice=True,
                best_practice_note="Realia",
                submitted_at=START,
                created_at=START,
                updated_at=START,
            )
        )
        for target, done in ((date(2027, 1, 14), None), (date(2027, 2, 1), START)):
            repo.add_action(
                ActionReviewEntry(
                    org_id="org-1",
                    observation_id=tom.id,
                    tutor_id=ids["tom"],
                    owner_id=ids["tom"],
                    text="Questioning",
                    target_date=target,
                    outcome="",
                    completed_at=done,
                    created_at=START,
                )
            )
        for code, title, tutor in (("LIB01", "History", "tess"), ("LIB02", "Taken", "tom")):
            repo.add_course(
                LilCourse(
                    org_id="org-1",
                    academic_year="2026/27",
                    code=code,
                    title=title,
                    venue="",
                    tutor_id=ids[tutor],
                )
            )
        await uow.commit()
    async with db.unit_of_work() as uow:
        repo = Observations(uow.session)
        unallocated = {p.id for p in await repo.unallocated_tutors("org-1", "2026/27")}
        assert unallocated == {ids["tess"], ids["una"]}
        assert await repo.action_counts("org-1", "2026/27") == {tom.id: 2}
        assert await repo.open_action_count(tom.id) == 1
        assert list(await repo.submitted_dates("org-1", "2026/27")) == [tom.id]
        log = await repo.action_log_rows("org-1", "2026/27")
        assert [(a.target_date, t.name, b.name if b else None) for a, _, t, _, b in log] == [
            (date(2027, 1, 14), "Tom", "Olive"),
            (date(2027, 2, 1), "Tom", "Olive"),
        ]
        term = await repo.approved_reports_between(
            "org-1", datetime(2026, 9, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        )
        assert [o.id for o, _ in term] == [tom.id]
        assert not await repo.approved_reports_between(
            "org-1", datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
        )
        assert [
            r.best_practice_note for _, r, _ in await repo.best_practice("org-1", "2026/27")
        ] == ["Realia"]
        courses = await repo.open_courses("org-1", "2026/27")
        assert [c.code for c, _ in courses] == ["LIB01"]  # Tom already has an observer
        assert await repo.get("org-2", tom.id) is None
