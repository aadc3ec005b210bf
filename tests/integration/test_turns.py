"""Whole turns over real HTTP: Teams-shaped activities in, replies read from the loopback."""

from __future__ import annotations

import asyncio

import pydantic
import pytest
from aiohttp import web

from bot.teams.web import BOT_KEY
from storage.people import Directory
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.support.cards import card_text, only_card
from tests.support.teams import Place, TeamsClient


async def test_help_in_personal_chat_shows_the_help_card(teams: TeamsClient) -> None:
    sent = await teams.say(TUTOR, "help")
    assert teams.last_status in (200, 201)
    card = only_card(sent)
    assert "What I can do" in card_text(card)
    assert sent[0].reply_to_id is not None


async def test_channel_mention_is_stripped_and_answered_in_the_thread(teams: TeamsClient) -> None:
    channel = Place.channel()
    sent = await teams.say(TUTOR, "HELP please", channel, mention=True)
    card = only_card(sent)
    assert "Mention me" in card_text(card)
    assert sent[0].conversation_id == channel.conversation_id


async def test_unknown_command_gets_a_short_help_card_with_nearest_commands(
    teams: TeamsClient,
) -> None:
    sent = await teams.say(TUTOR, "admn")  # close to admin, but only admins see it; still matched
    assert sent
    sent = await teams.say(TUTOR, "what is the weather")
    card = only_card(sent)
    text = card_text(card)
    assert "didn't understand" in text
    assert "Did you mean" in text


async def test_submit_and_execute_reach_the_same_handler(teams: TeamsClient) -> None:
    await teams.say(ADMIN, "hello")  # ADMIN is in TLC_ADMINS: becomes org admin when first seen
    await teams.say(TUTOR, "hello")
    # Action.Execute (an invoke): answered with the updated card in the invoke response.
    response, sent = await teams.execute(
        ADMIN, "admin.role", {"email": TUTOR.email, "role": "observer", "action": "grant"}
    )
    assert teams.last_status == 200
    assert response["type"] == "application/vnd.microsoft.card.adaptive"
    assert "now has the role **Observer**" in card_text(response["value"])
    # Action.Submit (a message with a value): the submitted card is updated in place.
    sent = await teams.submit(
        ADMIN,
        {"verb": "admin.role", "email": TUTOR.email, "role": "line_manager", "action": "grant"},
        reply_to="bot-activity-1",
    )
    updates = [s for s in sent if s.method == "PUT"]
    assert len(updates) == 1 and updates[0].activity_id == "bot-activity-1"
    assert "now has the role **Line manager**" in card_text(updates[0].cards[0])


async def test_invalid_form_returns_the_same_card_with_field_errors_and_saves_nothing(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    response, _ = await teams.execute(
        ADMIN, "admin.role", {"email": "not-an-email", "role": "", "action": "grant"}
    )
    card = response["value"]
    text = card_text(card)
    assert "Give someone a role" in text
    assert "not a valid email" in text.lower()
    assert "Choose a role" in text
    email_input = next(e for e in card["body"] if e.get("id") == "email")
    assert email_input["value"] == "not-an-email"  # what they typed is kept
    bot = teams_app[BOT_KEY]
    async with bot.db.unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail("tenant-1")
        assert [e.action for e in trail if e.action.startswith(("grant ", "revoke "))] == [
            "grant org_admin"
        ]


async def test_a_teams_retry_of_the_same_submission_is_stored_once(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    await teams.say(TUTOR, "hello")
    data = {"email": TUTOR.email, "role": "observer", "action": "grant"}
    first, _ = await teams.execute(ADMIN, "admin.role", data, activity_id="retry-1")
    again, sent = await teams.execute(ADMIN, "admin.role", data, activity_id="retry-1")
    assert again == first
    assert sent == []
    bot = teams_app[BOT_KEY]
    async with bot.db.unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail("tenant-1")
        assert [e.action for e in trail].count("grant observer") == 1


async def test_a_refusal_for_someone_without_the_role(teams: TeamsClient) -> None:
    response, _ = await teams.execute(
        TUTOR, "admin.role", {"email": TUTOR.email, "role": "org_admin", "action": "grant"}
    )
    assert "only an org admin" in str(response["value"])
    sent = await teams.say(TUTOR, "admin grant tom@college.ac.uk org_admin")
    assert "only an org admin" in sent[0].text


async def test_the_same_submission_twice_at_once_is_stored_once(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Both copies run; the second to write waits for the first's commit, then finds its stored
    answer (the unique key) and rolls back: one grant, and neither is told something failed."""
    await teams.say(ADMIN, "hello")
    await teams.say(TUTOR, "hello")
    data = {"email": TUTOR.email, "role": "observer", "action": "grant"}
    answers = await asyncio.gather(
        *(teams.execute(ADMIN, "admin.role", data, activity_id="twice-1") for _ in range(2))
    )
    assert all(sent == [] for _, sent in answers)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail("tenant-1")
        assert [e.action for e in trail].count("grant observer") == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"null",
        b'{"type": "message"}',
        b'{"type": "message", "conversation": {"id": 5}, "serviceUrl": "http://x", "from": {"id": "u"}}',
        b'{"type": "message", "conversation": {"id": "c"}, "serviceUrl": "ftp://x", "from": {"id": "u"}}',
        b'{"type": 7, "conversation": {"id": "c"}, "serviceUrl": "http://x", "from": {"id": "u"}}',
        b'{"type": "message", "conversation": {"id": "c"}, "serviceUrl": "http://x", '
        b'"from": {"id": "u"}, "entities": "oops"}',
    ],
)
async def test_a_malformed_activity_is_a_400_never_a_500(teams: TeamsClient, body: bytes) -> None:
    async with teams.http.post(
        teams.bot_url, data=body, headers={"Content-Type": "application/json"}
    ) as resp:
        assert resp.status == 400
        assert "error" in await resp.json()
    assert teams.connector.sent == []


async def test_odd_but_valid_values_get_a_clear_answer(teams: TeamsClient) -> None:
    sent = await teams.submit(TUTOR, {"verb": "no.such.verb"})
    assert "older version of this card" in sent[0].text
    sent = await teams.submit(TUTOR, {"verb": "admin.role", "email": ["a", "b"], "role": {"x": 1}})
    assert sent, "the same card comes back with errors"
    assert teams.last_status == 201


async def test_first_turns_at_the_same_time_store_one_person(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    import asyncio

    from sqlalchemy import func, select

    from storage.models import Person

    await asyncio.gather(*(teams.say(TUTOR, "help") for _ in range(6)))
    replies = teams.connector.messages()
    assert len(replies) == 6
    assert all(len(r.cards) == 1 and "What I can do" in card_text(r.cards[0]) for r in replies)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        count = await uow.session.scalar(select(func.count(Person.id)))
        assert count == 1


async def test_a_redisplay_can_still_read_who_is_asking(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    from bot.app.context import HandlerContext
    from bot.app.router import CardAction
    from bot.app.turn import Reply

    class Form(pydantic.BaseModel):
        n: int

    async def save(ctx: HandlerContext, form: Form) -> Reply:
        return Reply.text("saved")

    async def again(
        ctx: HandlerContext, values: dict[str, object], errors: dict[str, str]
    ) -> Reply:
        return Reply.text(f"{ctx.person.name}: {errors['n']}")

    teams_app[BOT_KEY].dispatcher.router.add(
        CardAction("test.form", save, form=Form, redisplay=again)
    )
    sent = await teams.submit(TUTOR, {"verb": "test.form", "n": "many"})
    assert sent[0].text.startswith("Tom Tutor: ")


async def test_a_card_verb_is_private_unless_it_says_it_is_not(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """A new card verb that forgets to say where its answer may stand is private: submitted in
    a channel it is never run (nothing of a record can be posted there by a forgotten flag);
    one declared shared answers there."""
    from bot.app.context import HandlerContext
    from bot.app.router import CardAction, SharedAction
    from bot.app.turn import Reply

    ran: list[str] = []

    async def show(ctx: HandlerContext, values: dict[str, object]) -> Reply:
        ran.append(ctx.turn.where.kind)
        return Reply.text("Tom's record")

    router = teams_app[BOT_KEY].dispatcher.router
    router.add(CardAction("test.record", show), SharedAction("test.counts", show))
    channel = Place.channel()
    [refused] = await teams.submit(TUTOR, {"verb": "test.record"}, channel)
    assert "1:1" in (refused.text or "") and "Tom's record" not in (refused.text or "")
    assert ran == []
    [shown] = await teams.submit(TUTOR, {"verb": "test.counts"}, channel)
    assert shown.text == "Tom's record" and ran == ["channel"]


async def test_did_you_mean_offers_only_commands_the_person_may_use(teams: TeamsClient) -> None:
    """Not understood, the help card suggests close commands: a tutor is not sent to `themes`,
    which refuses tutors (the card's own lists leave it out too); the quality team is."""
    heard = "here is our tutor list"
    tutor = card_text(only_card(await teams.say(TUTOR, heard)))
    assert "didn't understand" in tutor and "Did you mean" in tutor
    assert "**themes**" not in tutor
    refused = await teams.say(TUTOR, "themes")
    assert "Sorry" in (refused[0].text or card_text(refused[0].cards[0]))
    await teams.say(ADMIN, f"admin grant {MANAGER.email} quality_coordinator")
    manager = card_text(only_card(await teams.say(MANAGER, heard)))
    assert "**themes**" in manager


async def test_help_with_a_command_shows_its_usage_and_sub_commands(teams: TeamsClient) -> None:
    card = only_card(await teams.say(TUTOR, "help cards"))
    text = card_text(card)
    assert "Work through the progression cards" in text
    assert "Sub-commands: **schedule**, **compare**, **add**." in text
    assert "cards schedule monday 09:00" in text
    assert "What I can do" not in text
    assert "Sub-commands" in card_text(only_card(await teams.say(TUTOR, "help crads")))
    assert "What I can do" in card_text(only_card(await teams.say(TUTOR, "help me please")))


async def test_help_for_a_command_says_where_it_answers(teams: TeamsClient) -> None:
    """`help actions` must not promise team channels: asked there, `actions` only says to ask in
    the 1:1 chat (it names people). A command that works in a channel still says so."""
    channel = Place.channel()
    for word in ("actions", "themes", "completion", "report"):
        usage = card_text(only_card(await teams.say(TUTOR, f"help {word}")))
        assert "Works in a 1:1 chat with me." in usage, usage
        # themes and completion are the quality team's: Tom is told before he tries.
        not_his = f"**{word}** is for people with a role you don't have in TLC" in usage
        assert not_his == (word in ("themes", "completion")), usage
        [refused] = await teams.say(TUTOR, word, channel, mention=True)
        assert "only answer it in our 1:1 chat" in refused.text
    usage = card_text(only_card(await teams.say(TUTOR, "help cards")))
    assert "Works in a 1:1 chat with me and team channels and group chats." in usage
    # Asked in a channel, its answer comes to the 1:1 chat: it works from there too.
    usage = card_text(only_card(await teams.say(TUTOR, "help observations")))
    assert "Works in a 1:1 chat with me and team channels and group chats." in usage


async def test_help_lists_the_menu_of_the_place_it_is_asked_in(teams: TeamsClient) -> None:
    personal = card_text(only_card(await teams.say(TUTOR, "help")))
    assert "support\nAsk for support" in personal
    assert "cards\n" not in personal and "**cards**" in personal  # works here, not in the menu
    channel = card_text(only_card(await teams.say(TUTOR, "help", Place.channel(), mention=True)))
    assert "cards\nWork through" in channel
    assert "support\nAsk for support" not in channel
    assert "In a 1:1 chat with me: **walk**" not in channel  # only what is not offered here
    assert "In a 1:1 chat with me:" in channel and "**support**" in channel
    assert "@TLC" in channel  # the bot's own name, from the activity's recipient


async def test_a_form_sent_back_starts_with_what_to_fix(teams: TeamsClient) -> None:
    """Issue 18: a one-line summary under the title; the messages stay at their fields."""
    await teams.say(ADMIN, "hello")
    response, _ = await teams.execute(
        ADMIN,
        "admin.role",
        {"email": "not-an-email", "action": "grant"},  # no role chosen
    )
    body = response["value"]["body"]
    assert body[0]["text"] == "Give someone a role"
    assert body[1]["text"] == "2 things to fix: email, role"
    ids = [e.get("id") for e in body]
    assert ids.index("fix.email") == ids.index("email") + 1
    assert ids.index("fix.role") == ids.index("role") + 1
    assert body[ids.index("email")]["value"] == "not-an-email"
