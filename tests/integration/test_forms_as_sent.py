"""Every card form, submitted the way Teams and the Playground send it: untouched inputs are
absent, never "". A missing input is treated exactly as an empty one."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select

from bot.app.commands import build_router
from bot.app.dispatch import as_submitted, field_errors
from bot.teams.web import BOT_KEY
from storage.support import SupportReferral
from tests.conftest import ADMIN
from tests.support.cards import card_text
from tests.support.databases import dump
from tests.support.teams import TeamsClient

ROUTER, _ = build_router()
FORM_VERBS = sorted(v for v, a in ROUTER.actions.items() if a.form is not None)


def _outcome(form: Any, values: dict[str, Any]) -> dict[str, str] | None:
    try:
        form.model_validate(as_submitted(form, values))
    except ValidationError as exc:
        return field_errors(exc)
    return None


@pytest.mark.parametrize("verb", FORM_VERBS)
def test_a_missing_input_means_what_an_empty_one_does(verb: str) -> None:
    form = ROUTER.actions[verb].form
    assert form is not None
    empty = {(f.alias or name): "" for name, f in form.model_fields.items()}
    assert _outcome(form, {}) == _outcome(form, empty)


@pytest.mark.parametrize("verb", FORM_VERBS)
async def test_every_form_submitted_untouched(
    teams: TeamsClient,
    teams_app: web.Application,
    verb: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only the verb, as Teams sends an untouched card: an answer, never a failure; a refused
    form saves nothing."""
    await teams.say(ADMIN, "hello")
    db = teams_app[BOT_KEY].db
    before = await dump(db)
    caplog.clear()
    body, sent = await teams.execute(ADMIN, verb, {})
    assert teams.last_status < 500, teams.last_body
    value = body.get("value")
    everything = card_text(value) if isinstance(value, dict) else str(value or "")
    everything += " ".join(s.text for s in sent)
    assert "went wrong" not in everything, everything
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    form = ROUTER.actions[verb].form
    assert form is not None
    if _outcome(form, {}) is not None:
        assert await dump(db) == before


async def test_an_untouched_referral_is_refused_with_its_field_errors(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The Playground sends an untouched self-referral card with no inputs at all."""
    text = card_text(await teams.answer(ADMIN, "support.refer", {}))
    assert "Choose at least one way" in text
    assert "Choose at least one thing" in text
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (await uow.session.scalars(select(SupportReferral))).all() == []
