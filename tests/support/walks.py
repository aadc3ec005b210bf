"""The learning-walk stories' bot (`Org`) and the HA27 as a manager fills it in: test_walks, and
the quality and capability-link stories that build on its walks."""

from __future__ import annotations

from typing import Any

from storage.walks import StoredWalk
from tests.support.bot import BotOverHttp, person_id, rows, tick
from tests.support.cards import action_data, choice
from tests.support.teams import User


class Org(BotOverHttp):
    """The bot of a walks story, with the verbs its tests read like."""

    def db_session(self) -> Any:
        return self.db().unit_of_work()

    async def person_id(self, user: User) -> int:
        return await person_id(self.app, user)

    async def walks(self) -> list[StoredWalk]:
        return await rows(self.app, StoredWalk)

    async def tick(self) -> int:
        return await tick(self.app, self.clock)


def filled_walk(form: dict[str, Any], *tutors: str, **changes: Any) -> dict[str, Any]:
    """The HA27's inputs as a manager fills them in, plus the Save button's data."""
    values: dict[str, Any] = {
        **action_data(form, "walk.save"),
        "tutors": ",".join(choice(form, "tutors", t) for t in tutors),
        "walk_date": "2026-11-23",
        "course": "GCSE Maths, Mon am",
        "minutes": "25",
        "focus": "Questioning",
        "went_well": "questioning",
        "went_well_note": "Every learner answered at least once.",
        "even_better_if": "stretch",
        "even_better_if_note": "",
        "verbal_feedback": "yes",
        "concern": "true",
        "concern_note": "Timekeeping: raise at the 1:1.",
    }
    values.update(changes)
    return values
