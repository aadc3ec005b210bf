"""Whole turns over real HTTP: Teams-shaped activities in, replies read from the loopback."""

from __future__ import annotations

from tests.conftest import TUTOR
from tests.support.teams import TeamsClient, card_text, only_card


async def test_help_in_personal_chat_shows_the_help_card(teams: TeamsClient) -> None:
    sent = await teams.say(TUTOR, "help")
    assert teams.last_status in (200, 201)
    card = only_card(sent)
    assert "What I can do" in card_text(card)
    assert sent[0].reply_to_id is not None
