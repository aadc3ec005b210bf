"""`settings` and `undelivered` as people meet them: whole turns over HTTP, then the worker."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.app.notices import NoticeContext, NoticeKind
from bot.app.turn import Message
from bot.clock import FixedClock
from bot.domain.local_time import LONDON
from bot.teams.web import BOT_KEY, Bot
from cards.reminders import NextStep, reminder_card
from storage.models import Organisation
from storage.people import Directory
from storage.preferences import Preferences
from storage.reminders import FAILED, OPTED_OUT, PENDING, SENT, Schedule
from tests.conftest import ADMIN, TUTOR
from tests.support.cards import card_text, only_card
from tests.support.teams import TeamsClient, User, shared_file
from tests.support.workbooks import LEGACY_XLS, xlsx

ORG = "tenant-1"


async def _render(ctx: NoticeContext) -> Message:
    heading = str(ctx.payload["what"])
    return Message(card=reminder_card(heading, [], [NextStep("Open", "help")]))


@pytest.fixture
def bot(teams: TeamsClient, teams_app: web.Application) -> Bot:
    """The running app's bot (`teams` starts it), with two kinds of message of the test's own:
    an offer (it can be turned off) and a deadline reminder (always sent)."""
    bot = teams_app[BOT_KEY]
    if bot.worker.kinds.get("test.offer") is None:
        bot.worker.kinds.add(
            NoticeKind(
                "test.offer", _render, opt_out="self_referral_offers", description="Support offers"
            ),
            NoticeKind("test.deadline", _render, description="Observation reminders"),
        )
    return bot


async def _schedule(
    bot: Bot, user: User, key: str, kind: str, due: datetime, payload: dict[str, str] | None = None
) -> None:
    async with bot.db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_aad(ORG, user.aad)
        assert person is not None
        await Schedule(uow.session).put(
            ORG, key, kind, due, due, person_id=person.id, payload=payload or {"what": key}
        )
        await uow.commit()


async def _state(bot: Bot, key: str) -> str:
    async with bot.db.unit_of_work() as uow:
        item = await Schedule(uow.session).get(ORG, key)
        assert item is not None
        return item.state


@pytest.mark.usefixtures("bot")  # its two kinds of message are on the card
async def test_settings_shows_what_can_be_turned_off_and_what_is_always_sent(
    teams: TeamsClient,
) -> None:
    card = only_card(await teams.say(TUTOR, "settings"))
    toggle = next(e for e in card["body"] if e.get("id") == "keep.self_referral_offers")
    assert toggle["type"] == "Input.Toggle" and toggle["value"] == "true"
    text = card_text(card)
    assert "Offers of coaching support" in text
    assert "Always sent" in text and "can't be turned off" in text
    assert "Other reminders with a deadline" in text  # the test's own deadline kind
    assert "08:00–18:00, Monday to Friday; not on bank holidays" in text
    assert "Term dates" not in text  # tutors don't change the organisation's hours or dates


async def test_turning_off_offers_stops_them_but_not_deadlines(
    teams: TeamsClient, bot: Bot, clock: FixedClock
) -> None:
    await teams.say(TUTOR, "hello")
    response, _ = await teams.execute(
        TUTOR, "settings.save", {"keep.self_referral_offers": "false"}
    )
    saved = card_text(response["value"])
    assert "You turned off: Offers of coaching support." in saved
    assert "Other reminders with a deadline" in saved  # and what still comes, always
    await _schedule(bot, TUTOR, "offer:1", "test.offer", clock.now())
    await _schedule(bot, TUTOR, "otla:1", "test.deadline", clock.now())
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    assert [c["body"][0]["text"] for s in teams.connector.messages() for c in s.cards] == ["otla:1"]
    assert await _state(bot, "offer:1") == OPTED_OUT

    card = only_card(await teams.say(TUTOR, "settings"))
    toggle = next(e for e in card["body"] if e.get("id") == "keep.self_referral_offers")
    assert toggle["value"] == "false"
    await teams.execute(TUTOR, "settings.save", {"keep.self_referral_offers": "true"})
    await _schedule(bot, TUTOR, "offer:2", "test.offer", clock.now())
    assert await bot.worker.tick(clock.now()) == 1
    assert await _state(bot, "offer:2") == SENT


async def test_an_admin_sets_the_sending_hours_and_messages_wait_for_them(
    teams: TeamsClient, bot: Bot, clock: FixedClock
) -> None:
    await teams.say(TUTOR, "hello")
    card = only_card(await teams.say(ADMIN, "settings"))
    titles = {a["title"] for a in card["actions"]}
    assert {"Sending hours", "Term dates", "Undelivered"} <= titles

    form, _ = await teams.execute(ADMIN, "settings.hours.open", {})
    assert {e.get("id") for e in form["value"]["body"]} >= {"start", "end", "weekends"}
    good, _ = await teams.execute(
        ADMIN,
        "settings.hours",
        {"start": "09:00", "end": "16:00", "weekends": "false", "bank_holidays": "false"},
    )
    assert "09:00–16:00, Monday to Friday" in card_text(good["value"])
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and org.settings["sending_hours"]["end"] == "16:00"

    clock.set(datetime(2026, 11, 24, 16, 30, tzinfo=LONDON))
    await _schedule(bot, TUTOR, "otla:1", "test.deadline", clock.now())
    assert await bot.worker.tick(clock.now()) == 0
    assert await _state(bot, "otla:1") == PENDING
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=LONDON))
    assert await bot.worker.tick(clock.now()) == 1


async def test_an_end_before_the_start_comes_back_with_the_field_error(
    teams: TeamsClient, bot: Bot
) -> None:
    await teams.say(ADMIN, "hello")
    response, _ = await teams.execute(ADMIN, "settings.hours", {"start": "12:30", "end": "11:00"})
    card = response["value"]
    assert "Choose an end time from the list" in card_text(card)
    end = next(e for e in card["body"] if e.get("id") == "end")
    assert end["value"] == "11:00"
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and "sending_hours" not in org.settings


async def test_a_tutor_cannot_change_the_sending_hours(teams: TeamsClient, bot: Bot) -> None:
    response, _ = await teams.execute(
        TUTOR, "settings.hours", {"start": "06:00", "end": "24:00", "weekends": "true"}
    )
    assert "only an org admin" in str(response["value"])
    opened, _ = await teams.execute(TUTOR, "settings.hours.open", {})
    assert "only an org admin" in str(opened["value"])
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and "sending_hours" not in org.settings


async def test_undelivered_messages_are_shown_to_admins_and_retried_when_reachable(
    teams: TeamsClient, bot: Bot, clock: FixedClock
) -> None:
    await teams.say(ADMIN, "hello")
    refused = await teams.say(TUTOR, "undelivered")
    assert "only an org admin" in refused[0].text
    teams.connector.fail_with["a:personal-29:tutor"] = 403  # Tom blocked the bot
    await _schedule(bot, TUTOR, "otla:1", "test.deadline", clock.now())
    assert await bot.worker.tick(clock.now()) == 0

    card = only_card(await teams.say(ADMIN, "undelivered"))
    text = card_text(card)
    assert "Tom Tutor" in text and "Observation reminders" in text
    assert "blocked TLC" in text
    assert not card.get("actions")  # nobody to try again yet

    del teams.connector.fail_with["a:personal-29:tutor"]
    clock.advance(timedelta(minutes=10))  # a new turn: seen again, reachable again
    await teams.say(TUTOR, "hello")
    # ...and the message is back in the queue by itself: nothing left for the admin.
    assert await _state(bot, "otla:1") == PENDING
    view, _ = await teams.execute(ADMIN, "notices.undelivered", {})
    assert "Nothing is waiting here" in card_text(view["value"])
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    assert teams.connector.messages()[0].conversation_id == "a:personal-29:tutor"

    # Blocked again; back only after more than a week: that one is the admin's to try again.
    teams.connector.fail_with["a:personal-29:tutor"] = 403
    await _schedule(bot, TUTOR, "otla:2", "test.deadline", clock.now())
    assert await bot.worker.tick(clock.now()) == 0
    del teams.connector.fail_with["a:personal-29:tutor"]
    clock.advance(timedelta(days=8))
    await teams.say(TUTOR, "hello")
    assert await _state(bot, "otla:2") == FAILED
    view, _ = await teams.execute(ADMIN, "notices.undelivered", {})
    assert view["value"]["actions"][0]["verb"] == "notices.retry"
    retried, _ = await teams.execute(ADMIN, "notices.retry", {})
    assert "1 message is back in the queue" in card_text(retried["value"])
    async with bot.db.unit_of_work() as uow:
        [entry] = await Directory(uow.session).audit_trail(ORG, "outbox")
    assert entry.action == "retry undelivered" and entry.detail == "1 message"
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    assert teams.connector.messages()[0].conversation_id == "a:personal-29:tutor"


async def test_settings_are_personal_and_not_shown_in_a_channel(teams: TeamsClient) -> None:
    from tests.support.teams import Place

    sent = await teams.say(TUTOR, "settings", Place.channel(), mention=True)
    assert "works in a 1:1 chat with me" in sent[0].text


async def test_a_settings_button_submitted_in_a_channel_shows_and_changes_nothing_there(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The settings card's buttons, sent as an Action.Submit from a channel (a forwarded or
    older card): someone's quiet times and opt-outs are theirs, not the team's to read."""
    from tests.support.teams import Place

    channel = Place.channel()
    await teams.say(TUTOR, "hello")
    opened = await teams.submit(TUTOR, {"verb": "settings.open"}, channel)
    saved = await teams.submit(
        TUTOR, {"verb": "settings.save", "keep.self_referral_offers": "false"}, channel
    )
    for sent in (opened, saved):
        assert all(s.cards == [] for s in sent), sent
        assert "1:1 chat" in " ".join(s.text for s in sent)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(ORG, TUTOR.email)
        assert tom is not None
        assert await Preferences(uow.session).turned_off(tom.id) == set()


async def test_the_settings_card_speaks_of_areas_of_work_not_kinds_of_message(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    bot = teams_app[BOT_KEY]
    card = only_card(await teams.say(TUTOR, "settings"))
    text = card_text(card)
    toggles = [e["id"] for e in card["body"] if e.get("type") == "Input.Toggle"]
    # Only personal messages have a toggle: channel posts are not a person's to stop.
    assert sorted(toggles) == ["keep.mentoring_meeting_nudges", "keep.self_referral_offers"]
    assert "Offers of coaching support" in text
    assert "Observations: dates to agree, reports to write, check and approve" in text
    assert "team's choice: its facilitator or an org admin starts and stops them" in text
    always = next(e["text"] for e in card["body"] if "- Observations" in str(e.get("text")))
    assert len(always.splitlines()) <= 7
    for kind in bot.worker.kinds.all():
        assert kind.kind not in text
        if kind.description:
            assert kind.description not in text, kind.kind


@pytest.mark.parametrize("category", ["self_referral_offers"])
async def test_each_opt_out_stops_its_real_messages_through_the_worker(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, category: str
) -> None:
    """Every category on the card, with the app's own kinds of message in it: turned off on
    the card, nothing of that kind reaches the person; turned on again, it does."""
    bot = teams_app[BOT_KEY]
    kinds = [k.kind for k in bot.worker.kinds.all() if k.opt_out == category]
    assert kinds
    categories = {k.opt_out for k in bot.worker.kinds.all() if k.opt_out}
    # Mentoring's nudges have their own end-to-end case (test_mentoring: the meeting nudge
    # respects the opt-out); every other category has its case here.
    assert categories == {category, "mentoring_meeting_nudges"}, "a category without a case"
    await teams.say(TUTOR, "hello")
    card = only_card(await teams.say(TUTOR, "settings"))
    assert any(e.get("id") == f"keep.{category}" for e in card["body"])
    await teams.execute(TUTOR, "settings.save", {f"keep.{category}": "false"})
    for i, kind in enumerate(kinds):
        await _schedule(bot, TUTOR, f"off:{i}", kind, clock.now(), {"reason": "induction"})
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == 0
    assert teams.connector.messages() == []
    assert [await _state(bot, f"off:{i}") for i in range(len(kinds))] == [OPTED_OUT] * len(kinds)

    await teams.execute(TUTOR, "settings.save", {f"keep.{category}": "true"})
    for i, kind in enumerate(kinds):
        await _schedule(bot, TUTOR, f"on:{i}", kind, clock.now(), {"reason": "induction"})
    assert await bot.worker.tick(clock.now()) == len(kinds)
    assert [s.conversation_id for s in teams.connector.messages()] == ["a:personal-29:tutor"] * len(
        kinds
    )


async def test_a_part_time_tutor_keeps_their_own_quiet_times(
    teams: TeamsClient, bot: Bot, clock: FixedClock
) -> None:
    await teams.say(TUTOR, "hello")
    card = only_card(await teams.say(TUTOR, "settings"))
    assert {"quiet_start", "quiet_end", "days_off"} <= {e.get("id") for e in card["body"]}
    bad, _ = await teams.execute(
        TUTOR, "settings.save", {"quiet_start": "12:00", "quiet_end": "13:00", "days_off": "9"}
    )
    assert "Choose days from the list" in card_text(bad["value"])
    saved, _ = await teams.execute(
        TUTOR, "settings.save", {"quiet_start": "10:00", "days_off": "3,4"}
    )
    text = card_text(saved["value"])
    assert "Your quiet times: not before 10:00; never on Thursdays, Fridays." in text

    # A deadline reminder due on Thursday morning waits for Monday at 10:00.
    thursday = datetime(2026, 11, 26, 9, 0, tzinfo=LONDON)
    clock.set(thursday)
    await _schedule(bot, TUTOR, "otla:q", "test.deadline", thursday)
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == 0
    async with bot.db.unit_of_work() as uow:
        item = await Schedule(uow.session).get(ORG, "otla:q")
        assert item is not None and item.state == PENDING
        assert item.ready_at == datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=LONDON))
    assert await bot.worker.tick(clock.now()) == 1

    # The card shows them as saved; emptied, they are gone.
    card = only_card(await teams.say(TUTOR, "settings"))
    days = next(e for e in card["body"] if e.get("id") == "days_off")
    assert days["value"] == "3,4"
    cleared, _ = await teams.execute(TUTOR, "settings.save", {})
    assert "Your quiet times" not in card_text(cleared["value"])


def _calendar_csv(connector: Any, content: str) -> dict[str, Any]:
    return shared_file(connector, "calendar.csv", content)


async def test_a_teams_retry_of_a_calendar_sent_with_terms_runs_nothing_again(
    teams: TeamsClient, bot: Bot
) -> None:
    """Teams sends a slow message again with the same activity id, even after later ones: a
    late retry of `terms` with a calendar CSV sends nothing, audits nothing again and does not
    put back the dates the next calendar changed."""
    await teams.say(ADMIN, "hello")

    def calendar(start: str) -> list[dict[str, Any]]:
        rows = f"kind,name,start,end\nterm,autumn,{start},2027-12-17\n"
        return [_calendar_csv(teams.connector, rows)]

    first = await teams.say(ADMIN, "terms", attachments=calendar("2027-09-02"), activity_id="t-1")
    assert "Saved: term dates and closures" in card_text(only_card(first))
    await teams.say(ADMIN, "terms", attachments=calendar("2027-09-06"), activity_id="t-2")
    assert (
        await teams.say(ADMIN, "terms", attachments=calendar("2027-09-02"), activity_id="t-1") == []
    )
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None
        assert {"name": "autumn", "start": "2027-09-06", "end": "2027-12-17"} in org.settings[
            "terms"
        ]
        trail = await Directory(uow.session).audit_trail(ORG, "organisation")
        assert [e.action for e in trail].count("term dates") == 2


async def test_a_calendar_kept_in_excel_is_saved_and_an_old_xls_is_refused(
    teams: TeamsClient, bot: Bot
) -> None:
    """Colleges keep the calendar in Excel: `terms` with an .xlsx reads its first sheet as the
    CSV is read (dates typed as dates, or as text). Before, the workbook was not taken as a
    calendar at all and the card was shown. An Excel 97-2003 .xls (or a .docx) is answered:
    save it as .xlsx or CSV; nothing is stored."""
    await teams.say(ADMIN, "hello")
    for name, content in (("calendar.xls", LEGACY_XLS), ("calendar.docx", b"PK\x03\x04 doc")):
        said = await teams.say(
            ADMIN, "terms", attachments=[shared_file(teams.connector, name, content)]
        )
        text = said[0].text
        assert "can't read" in text and name in text and ".xlsx" in text and "CSV" in text, said
        assert "nothing was changed" in text
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and "terms" not in org.settings
        trail = await Directory(uow.session).audit_trail(ORG, "organisation")
        assert "term dates" not in [e.action for e in trail]

    # A calendar over 200 KB (a list pasted many times over) is answered; nothing is stored.
    big = "kind,name,start,end\n" + "term,autumn,2026-09-03,2026-12-18\n" * 6000
    said = await teams.say(
        ADMIN, "terms", attachments=[shared_file(teams.connector, "big.csv", big)]
    )
    assert "too large for a list (200 KB at most), so nothing was changed" in said[0].text
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and "terms" not in org.settings

    # A bad row is named by its line, as every other list names its lines; nothing is stored.
    wrong = xlsx(("Kind", "Name", "Start", "End"), ("term", "autumn", "2026-12-18", "2026-09-03"))
    said = await teams.say(
        ADMIN, "terms", attachments=[shared_file(teams.connector, "Wrong.xlsx", wrong)]
    )
    assert "Line 2: it ends before it starts." in str(said[0].activity), said
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and "terms" not in org.settings

    book = xlsx(
        ("Kind", "Name", "Start", "End"),
        ("term", "autumn", date(2026, 9, 3), date(2026, 12, 18)),
        ("term", "spring", "05/01/2027", "2027-03-26"),
        ("closure", "INSET", date(2026, 11, 27), None),
    )
    sent = await teams.say(
        ADMIN, "terms", attachments=[shared_file(teams.connector, "Calendar.xlsx", book)]
    )
    assert "Saved: term dates and closures" in card_text(only_card(sent))
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None
        assert org.settings["terms"][:2] == [
            {"name": "autumn", "start": "2026-09-03", "end": "2026-12-18"},
            {"name": "spring", "start": "2027-01-05", "end": "2027-03-26"},
        ]
        assert org.settings["closures"] == [{"date": "2026-11-27", "name": "INSET"}]


async def test_an_admin_sets_term_dates_and_closures_and_messages_keep_to_them(
    teams: TeamsClient, bot: Bot, clock: FixedClock
) -> None:
    await teams.say(TUTOR, "hello")
    refused = await teams.say(TUTOR, "terms")
    assert "admin" in refused[0].text
    card = only_card(await teams.say(ADMIN, "terms"))
    assert "usual dates for England" in card_text(card)
    assert next(e for e in card["body"] if e.get("id") == "autumn_start")["value"] == "2026-09-01"

    dates = {
        "autumn_start": "2026-09-03",
        "autumn_end": "2026-12-18",
        "spring_start": "2027-01-05",
        "spring_end": "2027-03-26",
        "summer_start": "2027-04-12",
        "summer_end": "2027-07-16",
    }
    overlap, _ = await teams.execute(
        ADMIN, "settings.terms", {**dates, "spring_start": "2026-12-01", "year": "2026/27"}
    )
    assert "The autumn and spring terms overlap." in card_text(overlap["value"])
    bad_line, _ = await teams.execute(
        ADMIN, "settings.terms", {**dates, "closures": "next friday", "year": "2026/27"}
    )
    assert "is not a date" in card_text(bad_line["value"])
    # A year too large for a date (a slip on the keyboard): before, an OverflowError answered
    # "I could not read that card's data"; now the line is named, as for any other.
    far, _ = await teams.execute(
        ADMIN, "settings.terms", {**dates, "closures": "1/1/99999999999999999999 INSET"}
    )
    assert "Line 1: \u201c1/1/99999999999999999999\u201d is not a date" in card_text(far["value"])
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and "terms" not in org.settings

    saved, _ = await teams.execute(
        ADMIN, "settings.terms", {**dates, "closures": "2026-11-27 INSET", "year": "2026/27"}
    )
    assert "Autumn term 2026/27: Thu 03 Sep 2026 to Fri 18 Dec 2026" in card_text(saved["value"])
    await teams.execute(
        ADMIN,
        "settings.hours",
        {"start": "08:00", "end": "18:00", "term_time_only": "true"},
    )
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None
        assert org.settings["sending_hours"]["closed"] == ["2026-11-27"]
        assert org.settings["terms"][0] == {
            "name": "autumn",
            "start": "2026-09-03",
            "end": "2026-12-18",
        }

    # The INSET day waits for Monday; after the autumn term, for the spring term.
    inset = datetime(2026, 11, 27, 9, 0, tzinfo=LONDON)
    clock.set(inset)
    await _schedule(bot, TUTOR, "otla:inset", "test.deadline", inset)
    assert await bot.worker.tick(clock.now()) == 0
    holiday = datetime(2026, 12, 21, 9, 0, tzinfo=LONDON)
    clock.set(holiday)
    await _schedule(bot, TUTOR, "otla:holiday", "test.deadline", holiday)
    async with bot.db.unit_of_work() as uow:
        first = await Schedule(uow.session).get(ORG, "otla:inset")
        assert first is not None
        assert first.ready_at == datetime(2026, 11, 30, 8, 0, tzinfo=LONDON)
        first.ready_at = datetime(2027, 1, 5, 8, 0, tzinfo=LONDON)  # out of this tick's way
        await uow.commit()
    assert await bot.worker.tick(clock.now()) == 0
    async with bot.db.unit_of_work() as uow:
        second = await Schedule(uow.session).get(ORG, "otla:holiday")
        assert second is not None
        assert second.ready_at == datetime(2027, 1, 5, 8, 0, tzinfo=LONDON)

    # A calendar as CSV works too; a bad one changes nothing.
    bad = await teams.say(
        ADMIN, "terms", attachments=[_calendar_csv(teams.connector, "holiday,x,2027-02-15,\n")]
    )
    assert "the kind is term or closure" in bad[0].text and "Nothing was changed" in bad[0].text
    good = await teams.say(
        ADMIN,
        "terms",
        attachments=[
            _calendar_csv(
                teams.connector,
                "kind,name,start,end\nclosure,College closed,2027-02-15,2027-02-16\n"
                "term,autumn,2027-09-02,2027-12-17\n",
            )
        ],
    )
    assert "Saved: term dates and closures" in card_text(only_card(good))
    async with bot.db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None
        assert org.settings["sending_hours"]["closed"] == ["2026-11-27", "2027-02-15", "2027-02-16"]
        assert {"name": "autumn", "start": "2027-09-02", "end": "2027-12-17"} in org.settings[
            "terms"
        ]
