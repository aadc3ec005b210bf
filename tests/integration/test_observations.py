"""Annual observations over real HTTP: one observation from allocation to actions closed, with
`tick(now)` driving the clock (issue 5, point 10); plus exports, Learning in Libraries, new
tutors and the confidentiality of reports as people meet it."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app.events import ObservationApproved, WalksOnDay
from bot.clock import FixedClock
from bot.settings import Settings
from bot.teams.web import BOT_KEY
from storage.db import Database
from storage.observations import LilCourse, Observation, Observations
from storage.people import Directory
from storage.reminders import Schedule
from tests.conftest import ADMIN, MANAGER, QC, TUTOR, local_settings
from tests.conftest import OLIVE as OBSERVER
from tests.support.bot import BotOverHttp
from tests.support.cards import card_nodes, card_text, live_markdown, only_card
from tests.support.loopback import Sent
from tests.support.teams import FILE_CONSENT, TENANT, Place, TeamsClient, User, shared_file
from tests.support.workbooks import LEGACY_XLS, xlsx

OFFICER = User("dora", "Dora Officer", "dora@college.ac.uk")
APPROVER = User("cora", "Cora Coordinator", "cora@college.ac.uk")
OTHER_TUTOR = User("otto", "Otto Tutor", "otto@college.ac.uk")
OTHER_MANAGER = User("max", "Max Manager", "max@college.ac.uk")
CAST = (QC, OBSERVER, OFFICER, APPROVER, OTHER_TUTOR, OTHER_MANAGER)

TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries,"
    "start_date\n"
    "Tom Tutor,tom@college.ac.uk,North,ESOL,classroom,mia@college.ac.uk,no,2019-09-01\n"
    "Otto Tutor,otto@college.ac.uk,South,Maths,classroom,max@college.ac.uk,no,2018-09-01\n"
)


def london(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    # Winter dates only in these tests: London is UTC.
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


class Otla(BotOverHttp):
    """The bot, its clock and the people, with a few verbs that read like the test's story."""

    async def tick(self, at: datetime | None = None) -> list[Sent]:
        if at is not None:
            self.clock.set(at)
        before = len(self.connector.sent)
        await self.app[BOT_KEY].worker.tick(self.clock.now())
        return self.connector.sent[before:]

    async def do(self, user: User, verb: str, **data: Any) -> dict[str, Any]:
        """Press a card button (Action.Execute); returns the card or message Teams shows."""
        body, _ = await self.teams.execute(user, verb, data)
        assert self.teams.last_status == 200, body
        return body

    async def say(self, user: User, text: str, **kw: Any) -> list[Sent]:
        return await self.teams.say(user, text, **kw)

    async def say_with_file(
        self, user: User, text: str, name: str, content: str | bytes
    ) -> list[Sent]:
        """Say `text` with a file shared in the chat (an import)."""
        return await self.say(user, text, attachments=[shared_file(self.connector, name, content)])

    async def propose(
        self, user: User, observation_id: int, day: str, course: str = "ESOL", **more: Any
    ) -> dict[str, Any]:
        """Propose a class on `day`, 10:00 to 11:00 (the times every story here uses)."""
        return await self.do(
            user,
            "otla.propose",
            observation_id=observation_id,
            course=course,
            day=day,
            start="10:00",
            end="11:00",
            **more,
        )


def to(sent: list[Sent], user: User) -> list[dict[str, Any]]:
    """The cards that went to this person's 1:1 chat."""
    conv = Place.personal(user).conversation_id
    return [c for s in sent if s.conversation_id == conv for c in s.cards]


def texts(cards: list[dict[str, Any]]) -> str:
    return "\n".join(card_text(c) for c in cards)


def shown(body: dict[str, Any]) -> str:
    """What an invoke response shows: a card's text, or a plain message."""
    value = body.get("value")
    return card_text(value) if isinstance(value, dict) else str(value)


def action_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    found = [
        n["data"]
        for n in card_nodes(card)
        if n.get("type") == "Action.Execute" and n.get("verb") == verb
    ]
    assert found, f"no {verb} button on the card"
    return {k: v for k, v in found[0].items() if k != "verb"}


def urls(card: dict[str, Any]) -> list[str]:
    return [n["url"] for n in card_nodes(card) if n.get("type") == "Action.OpenUrl"]


@pytest.fixture
async def otla(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> AsyncIterator[Otla]:
    """Everyone has said hello; Tom and Otto are on the tutor list; roles are given."""
    teams.on_roster(*CAST)
    for user in (ADMIN, TUTOR, MANAGER, *CAST):
        await teams.say(user, "hello")
    await teams.say(
        ADMIN,
        "admin import",
        attachments=[shared_file(teams.connector, "tutors.csv", TUTOR_LIST)],
    )
    for user, role in (
        (QC, "quality_coordinator"),
        (OFFICER, "development_officer"),
        (APPROVER, "development_coordinator"),
    ):
        await teams.say(ADMIN, f"admin grant {user.email} {role}")
    yield Otla(teams, teams_app, clock)


async def _person_id(o: Otla, user: User) -> int:
    async with o.db().unit_of_work() as uow:
        person = await Directory(uow.session).person_by_email(TENANT, user.email)
        assert person is not None
        return person.id


async def _pending(o: Otla, observation_id: int) -> dict[str, datetime]:
    async with o.db().unit_of_work() as uow:
        items = await Schedule(uow.session).pending(TENANT, f"otla:{observation_id}:")
        return {i.key: i.due_at for i in items}


async def _state(o: Otla, observation_id: int) -> str:
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).get(TENANT, observation_id)
        assert obs is not None
        return obs.state


async def allocate_tom(o: Otla) -> int:
    """The quality coordinator allocates Olive to observe Tom; returns the observation id."""
    sent = await o.say(QC, "observe")
    card = sent[0].cards[0]
    assert "Allocate an observer" in card_text(card)
    tom_id = await _person_id(o, TUTOR)
    body = await o.do(QC, "otla.allocate", tutor_id=str(tom_id), observer_email=OBSERVER.email)
    assert "Allocated: Olive Observer observes Tom Tutor" in shown(body)
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).for_tutor(TENANT, tom_id, "2026/27")
        assert obs is not None
        return obs.id


async def test_names_written_as_links_are_plain_in_the_lines_of_observation_notices(
    otla: Otla,
) -> None:
    """Tom and Olive set their Teams display names to "Sign in again" links after the
    allocation. The notes the worker sends name the other in their lines as written: Olive's
    "agree a class and date with Tom" and Tom's week-before "Olive observes your session"."""
    from dataclasses import replace

    o = otla
    obs_id = await allocate_tom(o)
    evil_tom = replace(TUTOR, name="[Sign in again](https://evil.example) Tom")
    evil_olive = replace(OBSERVER, name="[Sign in again](https://evil.example) Olive")
    for user in (evil_tom, evil_olive):
        await o.say(user, "hello")
    (told,) = to(await o.tick(), OBSERVER)
    assert live_markdown(told, "class and date with") == []
    await o.propose(evil_olive, obs_id, "2026-12-03")
    await o.tick()
    await o.do(evil_tom, "otla.accept", observation_id=obs_id)
    week_before = to(await o.tick(london(2026, 11, 26, 9)), TUTOR)
    notes = [c for c in week_before if "observes your session" in card_text(c)]
    assert notes and all(live_markdown(c, "observes your session") == [] for c in notes)


async def test_a_name_written_as_a_link_is_shown_as_written_in_observation_headings(
    otla: Otla,
) -> None:
    """Tom sets his Teams display name to a "Sign in again" link. The headings that name him
    (Olive's "You're observing Tom", the officer's "Late report: Tom") show it as written,
    never as a live link in the bot's voice; each notification still names him."""
    from dataclasses import replace

    o = otla
    evil = "[Sign in again](https://evil.example) Tom"
    evil_tom = replace(TUTOR, name=evil)
    obs_id = await allocate_tom(o)
    await o.say(evil_tom, "hello")
    (told,) = to(await o.tick(), OBSERVER)
    assert live_markdown(told, "You're observing") == []
    assert told["fallbackText"] == f"You're observing {evil}"
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    await o.do(evil_tom, "otla.accept", observation_id=obs_id)
    await o.tick()
    (late,) = [
        c
        for c in to(await o.tick(london(2026, 12, 7, 9, 30)), OFFICER)
        if "Late report" in card_text(c)
    ]
    assert live_markdown(late, "Late report") == []
    assert late["fallbackText"] == f"Late report: {evil}"
    assert await _state(o, obs_id) == "date_agreed"


async def test_one_observation_from_allocation_to_actions_closed(otla: Otla) -> None:
    o = otla
    obs_id = await allocate_tom(o)

    # The observer is told in chat, with the form to propose a class and date.
    sent = await o.tick()
    told = to(sent, OBSERVER)
    assert len(told) == 1 and "You're observing Tom Tutor" in texts(told)
    action_data(told[0], "otla.propose")

    # Olive proposes Thu 3 Dec; Tom suggests Fri 4 Dec instead; Olive accepts.
    body = await o.propose(OBSERVER, obs_id, "2026-12-03", course="ESOL Entry 2")
    assert "Date proposed" in shown(body)
    sent = await o.tick()
    assert "Olive Observer proposed a date" in texts(to(sent, TUTOR))
    body = await o.propose(TUTOR, obs_id, "2026-12-04", course="ESOL Entry 2", note="Room 4 please")
    sent = await o.tick()
    olive_sees = texts(to(sent, OBSERVER))
    assert "Tom Tutor proposed a date" in olive_sees and "Fri 4 Dec 2026, 10:00–11:00" in olive_sees
    refused = await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    assert "the other person accepts it" in shown(refused)
    body = await o.do(OBSERVER, "otla.accept", observation_id=obs_id)
    assert "Date agreed" in shown(body)
    link = next(u for u in urls(body["value"]) if "teams.microsoft.com" in u)
    assert link.startswith("https://teams.microsoft.com/l/meeting/new?subject=OTLA")
    assert "startTime=2026-12-04T10:00:00Z" in link and "endTime=2026-12-04T11:00:00Z" in link
    assert "attendees=olive@college.ac.uk,tom@college.ac.uk" in link
    assert await _state(o, obs_id) == "date_agreed"

    # The officer is notified and puts it on the planning list; the tutor (proposer) is told.
    sent = await o.tick()
    assert "Date agreed: Fri 4 Dec 2026" in texts(to(sent, TUTOR))
    officer_card = to(sent, OFFICER)
    assert "An OTLA date for the planning list" in texts(officer_card)
    body = await o.do(OFFICER, "otla.planned", **action_data(officer_card[0], "otla.planned"))
    assert await _state(o, obs_id) == "planned"

    pending = await _pending(o, obs_id)
    assert pending[f"otla:{obs_id}:1wk:{await _person_id(o, MANAGER)}"] == london(2026, 11, 27, 9)

    # Rescheduling moves every reminder: Tom asks for Mon 7 Dec, Olive accepts.
    await o.propose(TUTOR, obs_id, "2026-12-07", course="ESOL Entry 2")
    await o.do(OBSERVER, "otla.accept", observation_id=obs_id)
    assert await _state(o, obs_id) == "date_agreed"
    moved = await _pending(o, obs_id)
    week_keys = [k for k in moved if ":1wk:" in k]
    assert len(week_keys) == 3  # observer, tutor, line manager
    assert {moved[k] for k in week_keys} == {london(2026, 11, 30, 9)}
    assert moved[f"otla:{obs_id}:write"] == london(2026, 12, 7, 11)
    assert moved[f"otla:{obs_id}:day2"] == london(2026, 12, 9, 9)
    await o.tick()  # the agreed/plan notices for the new date
    quiet = [s for s in await o.tick(london(2026, 11, 27, 9, 30)) if s.cards]
    # The old week's reminder stays quiet; only a self-referral offer to the new tutor may come.
    assert all(s.activity.get("summary") == "Support, if you'd like it" for s in quiet), [
        (s.conversation_id, s.activity.get("summary")) for s in quiet
    ]
    assert len({s.conversation_id for s in quiet}) == len(quiet)  # one offer each
    body = await o.do(OFFICER, "otla.planned", observation_id=obs_id)

    # One week before: observer, tutor and line manager; the tutor is asked for documents.
    sent = await o.tick(london(2026, 11, 30, 9))
    for user in (OBSERVER, TUTOR, MANAGER):
        assert "Observation on Mon 7 Dec 2026" in texts(to(sent, user)), user
    assert "share your planning and tracking documents" in texts(to(sent, TUTOR))
    body = await o.do(
        TUTOR,
        "otla.doc.link",
        observation_id=obs_id,
        doc_url="https://sharepoint.example/scheme.docx",
    )
    assert "scheme.docx" in shown(body)
    sent = await o.tick()
    assert "Tom Tutor shared planning documents" in texts(to(sent, OBSERVER))

    # Nobody writes a report before the observation.
    early = await o.do(OBSERVER, "otla.report.open", observation_id=obs_id)
    assert "once the observation has started" in shown(early)

    # After the session: the prompt to write, then a draft.
    sent = await o.tick(london(2026, 12, 7, 11))
    assert "How did it go with Tom Tutor?" in texts(to(sent, OBSERVER))
    o.clock.set(london(2026, 12, 7, 15))
    body = await o.do(
        OBSERVER,
        "otla.report.save",
        observation_id=obs_id,
        strength_themes="planning",
        strengths="Clear outcomes shared and revisited.",
    )
    assert "Draft saved" in shown(body)
    assert await _state(o, obs_id) == "observed"

    # Day 2: a reminder. Still not submitted after 3 days: the development officer hears.
    sent = await o.tick(london(2026, 12, 9, 9))
    assert "the report for Tom Tutor is due Thu 10 Dec 2026" in texts(to(sent, OBSERVER))
    sent = await o.tick(london(2026, 12, 11, 9))
    late = to(sent, OFFICER)
    assert "Late report: Tom Tutor" in texts(late) and "hasn't been submitted" in texts(late)
    body = await o.do(OFFICER, "otla.chase", **action_data(late[0], "otla.chase"))
    assert "I've reminded Olive Observer" in shown(body)
    assert "the report for Tom Tutor is due" in texts(to(await o.tick(), OBSERVER))

    # Submitting needs every action dated; then it goes to the officer to check.
    o.clock.set(london(2026, 12, 11, 10))
    report = {
        "observation_id": obs_id,
        "strength_themes": "planning",
        "strengths": "Clear outcomes shared and revisited.",
        "area_themes": "questioning",
        "areas": "More open questions to check learning.",
        "action_1": "Use directed questioning every session",
        "action_1_owner": "tutor",
        "suggestions": "Observe ESOL Entry 3 questioning.",
        "best_practice": "true",
        "best_practice_note": "Realia used brilliantly",
    }
    body = await o.do(OBSERVER, "otla.report.submit", **report)
    assert "Give the action a target date" in shown(body)
    assert await _state(o, obs_id) == "observed"
    body = await o.do(OBSERVER, "otla.report.submit", **report, action_1_date="2027-01-14")
    assert "Submitted for checking" in shown(body)
    sent = await o.tick()
    assert "A report to check: Tom Tutor" in texts(to(sent, OFFICER))

    # Not approved yet: the tutor, their manager and other tutors cannot read it.
    for user in (TUTOR, MANAGER, OTHER_TUTOR, OTHER_MANAGER):
        body = await o.do(user, "otla.report.open", observation_id=obs_id)
        assert "Sorry" in shown(body) and "directed questioning" not in shown(body), user

    # Return for correction (a comment is needed), the observer sees it and corrects.
    body = await o.do(OFFICER, "otla.return", observation_id=obs_id, comment="")
    assert "Tell the observer what to correct" in shown(body)
    body = await o.do(
        OFFICER, "otla.return", observation_id=obs_id, comment="Action 1: say which questions."
    )
    assert "Returned to Olive Observer" in shown(body)
    sent = await o.tick()
    returned = texts(to(sent, OBSERVER))
    assert "needs a correction" in returned and "Action 1: say which questions." in returned
    form = await o.do(OBSERVER, "otla.report.open", observation_id=obs_id)
    assert "Action 1: say which questions." in shown(form)
    report["action_1"] = "Use directed, open questions to check learning every session"
    body = await o.do(OBSERVER, "otla.report.submit", **report, action_1_date="2027-01-14")
    assert "Submitted for checking" in shown(body)

    # Checked, then waiting more than 2 working days nudges the coordinator.
    body = await o.do(OFFICER, "otla.check", observation_id=obs_id, comment="")
    assert "Checked: passed for approval" in shown(body)
    sent = await o.tick()
    assert "A report to approve: Tom Tutor" in texts(to(sent, APPROVER))
    sent = await o.tick(london(2026, 12, 14, 12))
    assert not to(sent, APPROVER)
    sent = await o.tick(london(2026, 12, 15, 10, 30))
    assert "Waiting over 2 working days for approval" in texts(to(sent, APPROVER))
    assert not to(sent, OFFICER)  # the officer's nudge went when the check was done

    # Approval: to the tutor and the line manager, each in their 1:1 chat.
    body = await o.do(APPROVER, "otla.approve", observation_id=obs_id)
    assert "Approved and sent to Tom Tutor and Mia Manager" in shown(body)
    sent = await o.tick()
    tom = to(sent, TUTOR)
    assert "Your observation report" in texts(tom)
    assert "Use directed, open questions" in texts(tom)
    assert "Realia used brilliantly" not in texts(tom)  # the best-practice flag is for quality
    assert "Observation report: Tom Tutor" in texts(to(sent, MANAGER))
    assert not to(sent, OTHER_TUTOR) and not to(sent, OTHER_MANAGER)
    assert await _state(o, obs_id) == "actions_open"
    body = await o.do(TUTOR, "otla.ack", **action_data(tom[0], "otla.ack"))
    assert "acknowledged" in shown(body)
    for user in (OTHER_TUTOR, OTHER_MANAGER):
        body = await o.do(user, "otla.report.open", observation_id=obs_id)
        assert "Sorry" in shown(body), user
    body = await o.do(MANAGER, "otla.report.open", observation_id=obs_id)
    assert "Use directed, open questions" in shown(body)
    # A report with actions is followed a day later by a friendly self-referral offer (seed 000).
    offer = texts(to(await o.tick(london(2026, 12, 16, 11)), TUTOR))
    assert "observation report" in offer and "support" in offer.lower()

    # The action is overdue: its owner (the tutor) is reminded.
    sent = await o.tick(london(2027, 1, 15, 9))
    assert "An action is overdue" in texts(to(sent, TUTOR))

    # The line manager records the outcome, then marks it completed: actions closed.
    sent = await o.say(MANAGER, "actions")
    log = sent[0].cards[0]
    assert "Use directed, open questions" in card_text(log)
    action = action_data(log, "otla.action.outcome")
    body = await o.do(MANAGER, "otla.action.complete", **action)
    assert "Record the outcome first" in shown(body)
    body = await o.do(
        MANAGER,
        "otla.action.outcome",
        **action,
        **{f"outcome_{action['action_id']}": "Open questions seen in a learning walk."},
    )
    assert "Outcome saved" in shown(body)
    refused = await o.do(OTHER_MANAGER, "otla.action.complete", **action)
    assert "Sorry" in shown(refused)
    body = await o.do(MANAGER, "otla.action.complete", **action)
    assert "Completed" in shown(body)
    assert await _state(o, obs_id) == "actions_closed"
    later = to(await o.tick(london(2027, 2, 1, 9)), TUTOR)
    assert not [
        c for c in later if "Support, if you" not in c.get("fallbackText", "") + card_text(c)
    ]

    # Every move is in the audit trail: who, when, what changed.
    async with o.db().unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail(TENANT, f"observation:{obs_id}")
    moves = [(e.action, e.detail.split(";")[0]) for e in trail]
    for expected in [
        ("allocate", "unallocated → allocated"),
        ("agree_date", "allocated → date_agreed"),
        ("confirm_planned", "date_agreed → planned"),
        ("agree_date", "planned → date_agreed"),
        ("record_observed", "planned → observed"),
        ("submit_report", "observed → report_submitted"),
        ("return", "report_submitted → returned"),
        ("submit_report", "returned → report_submitted"),
        ("check", "report_submitted → checked"),
        ("approve", "checked → approved"),
        ("send", "approved → sent"),
        ("open_actions", "sent → actions_open"),
        ("close_actions", "actions_open → actions_closed"),
    ]:
        assert expected in moves, expected
    people = {e.action: e.actor_id for e in trail}
    assert people["approve"] == await _person_id(o, APPROVER)
    assert people["return"] == await _person_id(o, OFFICER)
    assert all(e.at is not None for e in trail)


# ---------------------------------------------------------------- shorter stories


async def submitted_observation(o: Otla, *, best: bool = True, owner: str = "tutor") -> int:
    """Tom observed by Olive on Thu 3 Dec, her report (one action, its `owner`'s) submitted."""
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03", course="ESOL Entry 2")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    o.clock.set(london(2026, 12, 3, 12))
    await submit_report(o, obs_id, best=best, owner=owner)
    return obs_id


async def approved_observation(o: Otla, *, best: bool = True, owner: str = "tutor") -> int:
    """Tom observed by Olive on Thu 3 Dec, one action (its `owner`'s), checked and approved."""
    obs_id = await submitted_observation(o, best=best, owner=owner)
    await o.do(OFFICER, "otla.check", observation_id=obs_id, comment="")
    body = await o.do(APPROVER, "otla.approve", observation_id=obs_id)
    assert "Approved" in shown(body)
    return obs_id


async def submit_report(o: Otla, obs_id: int, *, best: bool = True, owner: str = "tutor") -> None:
    """Olive submits her report on Tom: one action (its `owner`'s), due 14 Jan."""
    body = await o.do(
        OBSERVER,
        "otla.report.submit",
        observation_id=obs_id,
        strength_themes="planning,engagement",
        strengths="Clear outcomes.",
        area_themes="questioning",
        areas="More open questions.",
        action_1="Use directed questioning",
        action_1_owner=owner,
        action_1_date="2027-01-14",
        best_practice="true" if best else "false",
        best_practice_note="Realia used brilliantly" if best else "",
    )
    assert "Submitted for checking" in shown(body)


async def accept_file(o: Otla, user: User, sent: list[Sent], name: str) -> bytes:
    """Press Allow on the file consent card: Teams hands the bot an upload URL."""
    return await o.teams.accept_file(user, sent, name)


async def test_planning_and_action_log_export_as_xlsx_files(otla: Otla) -> None:
    o = otla
    await approved_observation(o)
    refused = await o.say(OTHER_TUTOR, "observations export")
    assert "for the quality team" in refused[0].text
    sent = await o.say(OFFICER, "observations export")
    book = load_workbook(io.BytesIO(await accept_file(o, OFFICER, sent, "plan.xlsx")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Tutor", "Email")
    tom = next(r for r in rows if r[0] == "Tom Tutor")
    assert tom[5] == "Olive Observer" and tom[11] == "Actions open" and tom[12] == "approved"
    assert any(r[0] == "Otto Tutor" for r in rows) is False  # no observation yet: not on the sheet
    assert book.sheetnames[0] == "About" and "By curriculum area" in book.sheetnames
    assert len(book["By curriculum area"]._charts) == 1

    sent = await o.say(QC, "actions export")
    book = load_workbook(io.BytesIO(await accept_file(o, QC, sent, "ars.xlsx")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][4] == "Action" and rows[1][0] == "Tom Tutor"
    assert rows[1][4] == "Use directed questioning" and rows[1][10] == "Open"
    assert book.sheetnames == ["About", "Action review"] and book.active.title == "Action review"
    about = dict(book["About"].iter_rows(min_row=4, max_col=2, values_only=True))
    assert about["Facilitator"] == QC.name and about["Date"] == f"{o.clock.now():%d %B %Y}"
    assert len(book["Action review"].tables) == 1 and book["Action review"].freeze_panes == "A2"
    [overdue] = [r for f in book["Action review"].conditional_formatting for r in f.rules]
    assert overdue.formula == ['AND(ISNUMBER($G2),$G2<TODAY(),$J2="")']  # target, completed


async def test_an_export_asked_for_in_a_channel_comes_to_the_1_to_1_chat(otla: Otla) -> None:
    o = otla
    channel = Place.channel()
    sent = await o.teams.say(QC, "observations export", channel, mention=True)
    assert "our 1:1 chat" in sent[0].text
    delivered = await o.tick()
    conv = Place.personal(QC).conversation_id
    assert [s for s in delivered if s.conversation_id == conv and s.activity.get("attachments")]
    await accept_file(o, QC, delivered, "from-channel.xlsx")


@pytest.fixture
def walk_on_the_4th(otla: Otla) -> Any:
    async def calendar(session: Any, question: WalksOnDay) -> list[str]:
        return ["ESOL team learning walk"] if question.day.isoformat() == "2026-12-04" else []

    # This app's own bus: nothing to take out again, the next test builds another app.
    otla.app[BOT_KEY].dispatcher.services.events.answer(WalksOnDay, calendar)
    return calendar


async def test_agreeing_a_date_warns_of_a_learning_walk_that_day(
    otla: Otla, walk_on_the_4th: Any
) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    body = await o.propose(OBSERVER, obs_id, "2026-12-04")
    assert "a learning walk is already planned that day" in shown(body)
    body = await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    assert "A learning walk is already planned that day: ESOL team learning walk" in shown(body)
    await o.propose(TUTOR, obs_id, "2026-12-03")
    body = await o.do(OBSERVER, "otla.accept", observation_id=obs_id)
    assert "learning walk" not in shown(body)


async def test_approval_with_actions_calls_the_support_hook(otla: Otla) -> None:
    seen: list[ObservationApproved] = []

    async def offer(session: Any, event: ObservationApproved) -> None:
        seen.append(event)

    otla.app[BOT_KEY].dispatcher.services.events.subscribe(ObservationApproved, offer)
    obs_id = await approved_observation(otla)
    assert len(seen) == 1
    assert seen[0].observation_id == obs_id and seen[0].action_count == 1
    assert seen[0].tutor_id == await _person_id(otla, TUTOR)
    assert seen[0].line_manager_ids == {await _person_id(otla, MANAGER)}


async def test_a_retried_accept_agrees_the_date_once(otla: Otla) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    first, _ = await o.teams.execute(
        TUTOR, "otla.accept", {"observation_id": obs_id}, activity_id="retry-1"
    )
    again, _ = await o.teams.execute(
        TUTOR, "otla.accept", {"observation_id": obs_id}, activity_id="retry-1"
    )
    assert "Date agreed" in shown(first) and "Date agreed" in shown(again)
    async with o.db().unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail(TENANT, f"observation:{obs_id}")
    assert [e.action for e in trail].count("agree_date") == 1


async def test_observers_allocated_by_csv(otla: Otla) -> None:
    o = otla
    allocations = (
        "tutor_email,observer_email,course\n"
        "tom@college.ac.uk,olive@college.ac.uk,ESOL Entry 2\n"
        "otto@college.ac.uk,olive@college.ac.uk,\n"
        "nobody@college.ac.uk,olive@college.ac.uk,\n"
        "otto@college.ac.uk,otto@college.ac.uk,\n"
    )
    refused = await o.say_with_file(OTHER_TUTOR, "observe import", "a.csv", allocations)
    assert "only the quality coordinator" in refused[0].text
    sent = await o.say_with_file(QC, "observe import", "a.csv", allocations)
    result = card_text(sent[0].cards[0])
    assert "Allocated\n2" in result
    assert "tutor not on the tutor list" in result and "cannot observe themselves" in result
    told = to(await o.tick(), OBSERVER)
    assert len(told) == 2
    assert {"You're observing Tom Tutor", "You're observing Otto Tutor"} <= set(
        texts(told).splitlines()
    )
    # Importing the same sheet again tells nobody twice.
    await o.say_with_file(QC, "observe import", "a.csv", allocations)
    assert not to(await o.tick(), OBSERVER)


async def test_an_allocation_list_problem_shows_the_header_as_typed(otla: Otla) -> None:
    """A sheet whose first line is not the columns asked for is answered with that line quoted
    as typed: a link in it is shown as written, not live. Nobody is allocated."""
    o = otla
    sheet = (
        "[Sign in again](https://evil.example),observer\ntom@college.ac.uk,olive@college.ac.uk\n"
    )
    sent = await o.say_with_file(QC, "observe import", "a.csv", sheet)
    assert "Line 1" in card_text(sent[0].cards[0])
    assert live_markdown(sent[0].cards[0]) == []
    assert await _state(o, await allocate_tom(o)) == "allocated"  # Tom had no observer before


async def test_observers_allocated_from_excel_and_an_old_xls_is_refused(otla: Otla) -> None:
    """`observe import` with the allocations as an .xlsx reads its first sheet as the CSV is.
    Before: "Send the allocations as a .csv file", nobody allocated. An Excel 97-2003 .xls is
    answered (save it as .xlsx or CSV) and nobody is allocated."""
    o = otla

    async def observed() -> dict[int, int | None]:
        async with o.db().unit_of_work() as uow:
            rows = (await uow.session.scalars(select(Observation))).all()
            return {r.tutor_id: r.observer_id for r in rows if r.observer_id is not None}

    refused = await o.say_with_file(QC, "observe import", "allocations.xls", LEGACY_XLS)
    text = refused[0].text
    assert "can't read" in text and "allocations.xls" in text, text
    assert ".xlsx" in text and "CSV" in text and "nothing was changed" in text
    assert await observed() == {}

    book = xlsx(
        ("Tutor email", "Observer email", "Course"),
        ("tom@college.ac.uk", "olive@college.ac.uk", "ESOL Entry 2"),
        ("nobody@college.ac.uk", "olive@college.ac.uk", None),
    )
    sent = await o.say_with_file(QC, "observe import", "Allocations.xlsx", book)
    result = card_text(sent[0].cards[0])
    assert "Allocated\n1" in result and "tutor not on the tutor list" in result
    assert await observed() == {
        await _person_id(o, TUTOR): await _person_id(o, OBSERVER),
    }


async def test_a_teams_retry_of_an_observe_quota_runs_nothing_again(otla: Otla) -> None:
    """Teams sends a slow message again with the same activity id, even after later ones: a
    late retry of `observe quota` sends nothing, audits nothing again and leaves the number
    set since."""
    o = otla
    two = "observe quota olive@college.ac.uk 2"
    assert (
        "takes 2 Learning in Libraries" in (await o.say(APPROVER, two, activity_id="q-1"))[0].text
    )
    await o.say(APPROVER, "observe quota olive@college.ac.uk 1", activity_id="q-2")
    assert await o.say(APPROVER, two, activity_id="q-1") == []
    olive = await _person_id(o, OBSERVER)
    async with o.db().unit_of_work() as uow:
        quota = await Observations(uow.session).quota(TENANT, "2026/27", olive)
        assert quota is not None and quota.quota == 1
        trail = await Directory(uow.session).audit_trail(TENANT, f"person:{olive}")
    assert sorted(e.detail for e in trail if e.action == "lil quota") == ["1", "2"]


async def test_observations_shows_each_person_their_next_step(otla: Otla) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    assert "Agree a class and date to observe Tom Tutor" in card_text(
        (await o.say(OBSERVER, "observations"))[0].cards[0]
    )
    assert "1 tutor has no observer" in card_text((await o.say(QC, "observations"))[0].cards[0])
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    tom = card_text((await o.say(TUTOR, "observations"))[0].cards[0])
    assert "Olive Observer proposed Thu 3 Dec 2026" in tom
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    officer = card_text((await o.say(OFFICER, "observations"))[0].cards[0])
    assert "Put Tom Tutor's OTLA" in officer
    tom = card_text((await o.say(TUTOR, "observations"))[0].cards[0])
    assert "Share your planning and tracking documents" in tom
    other = card_text((await o.say(OTHER_TUTOR, "observations"))[0].cards[0])
    assert "Nothing waiting for you" in other and "Tom" not in other


async def test_nobody_checks_or_approves_a_report_they_wrote(otla: Otla) -> None:
    """Olive observes Tom and is also a development officer and coordinator. Her report goes
    to Dora to check and to Cora to approve, never to herself: her presses are refused with
    why and change nothing, she is not told of it as a report to check or approve, and it is
    not on her list of next steps."""
    o = otla
    for role in ("development_officer", "development_coordinator"):
        await o.say(ADMIN, f"admin grant {OBSERVER.email} {role}")
    obs_id = await submitted_observation(o)
    sent = await o.tick()
    assert "A report to check: Tom Tutor" in texts(to(sent, OFFICER))
    assert "A report to check" not in texts(to(sent, OBSERVER))
    todo = card_text((await o.say(OBSERVER, "observations"))[0].cards[0])
    assert "Check the report for Tom Tutor" not in todo
    for verb in ("otla.check", "otla.return"):
        body = await o.do(OBSERVER, verb, observation_id=obs_id, comment="Fine")
        assert "You wrote this report, so another development officer checks it" in shown(body)
        assert await _state(o, obs_id) == "report_submitted"
    report = (await o.do(OBSERVER, "otla.report.open", observation_id=obs_id))["value"]
    assert not [n for n in card_nodes(report) if n.get("verb") in ("otla.check", "otla.return")]

    await o.do(OFFICER, "otla.check", observation_id=obs_id)
    sent = await o.tick()
    assert "A report to approve: Tom Tutor" in texts(to(sent, APPROVER))
    assert "A report to approve" not in texts(to(sent, OBSERVER))
    body = await o.do(OBSERVER, "otla.approve", observation_id=obs_id)
    assert "another development coordinator approves it" in shown(body)
    assert await _state(o, obs_id) == "checked"
    todo = card_text((await o.say(OBSERVER, "observations"))[0].cards[0])
    assert "Approve the report for Tom Tutor" not in todo
    assert "Approved" in shown(await o.do(APPROVER, "otla.approve", observation_id=obs_id))
    assert await _state(o, obs_id) != "checked"


async def test_quality_views_planning_themes_and_best_practice(otla: Otla) -> None:
    o = otla
    await approved_observation(o)
    plan = card_text((await o.say(OFFICER, "observations plan"))[0].cards[0])
    assert "Observation planning & monitoring 2026/27" in plan
    assert "No observer yet\n1" in plan and "Approved\n1" in plan  # Otto has no observer
    sent = await o.say(QC, "observations themes")
    themes = sent[0].cards[0]
    text = card_text(themes)
    assert "Autumn term 2026/27" in text
    assert "From 0 learning walks and 1 approved OTLA report." in text
    assert "Planning and preparation\n1" in text and "Questioning techniques\n1" in text
    image = next(i for i in themes["body"] if i.get("type") == "Image")
    assert image["url"].startswith("data:image/png;base64,iVBOR")
    best = card_text((await o.say(APPROVER, "observations best"))[0].cards[0])
    assert "Realia used brilliantly" in best and "Tom Tutor" in best
    for words in ("observations plan", "observations best"):
        assert "for the quality team" in (await o.say(MANAGER, words))[0].text
    # Themes are the line managers' too (tests/integration/test_quality.py), not a tutor's.
    assert "Planning and preparation\n1" in card_text(
        (await o.say(MANAGER, "observations themes"))[0].cards[0]
    )
    assert "for the quality team" in (await o.say(OTHER_TUTOR, "observations themes"))[0].text


async def test_grades_appear_only_when_the_organisation_switches_them_on(otla: Otla) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    o.clock.set(london(2026, 12, 3, 12))
    form = await o.do(OBSERVER, "otla.report.open", observation_id=obs_id)
    assert "Grade" not in shown(form).splitlines()
    async with o.db().unit_of_work() as uow:
        from storage.models import Organisation

        org = await uow.session.get(Organisation, TENANT)
        assert org is not None
        org.settings = {**org.settings, "otla_grades": True}
        await uow.commit()
    form = await o.do(OBSERVER, "otla.report.open", observation_id=obs_id)
    assert "Grade" in shown(form).splitlines() and "Requires improvement" in shown(form)


LIL_TUTORS = (
    "name,email,line_manager_email,learning_in_libraries,start_date\n"
    "Lil Tutor,lil@college.ac.uk,mia@college.ac.uk,yes,2020-01-06\n"
    "Lou Tutor,lou@college.ac.uk,mia@college.ac.uk,yes,2020-01-06\n"
)
COURSES = (
    "code,title,tutor_email,venue,date,start_time,end_time\n"
    "LIB01,Family history,lil@college.ac.uk,Winchester Library,2026-12-02,14:00,16:00\n"
    "LIB02,Digital skills,lou@college.ac.uk,Basingstoke Library,03/12/2026,10.00,12.00\n"
    "LIB03,Bad row,lou@college.ac.uk,,2026-12-03,12:00,10:00\n"
)


async def test_a_course_list_kept_in_excel_is_saved_and_an_old_xls_is_refused(
    otla: Otla,
) -> None:
    """`observe courses` with the EBS course list as an .xlsx (dates and times as Excel keeps
    them). Before: "Send the course list as a .csv file", nothing saved. An .xls is answered
    (save it as .xlsx or CSV) and nothing is saved."""
    o = otla
    await o.say_with_file(ADMIN, "admin import", "l.csv", LIL_TUTORS)

    async def courses() -> list[tuple[str, str, datetime | None]]:
        async with o.db().unit_of_work() as uow:
            rows = (await uow.session.scalars(select(LilCourse))).all()
            return sorted((c.code, c.venue, c.starts_at) for c in rows)

    refused = await o.say_with_file(APPROVER, "observe courses", "courses.xls", LEGACY_XLS)
    text = refused[0].text
    assert "can't read" in text and "courses.xls" in text and ".xlsx" in text, text
    assert await courses() == []

    book = xlsx(
        ("Code", "Title", "Tutor email", "Venue", "Date", "Start time", "End time"),
        (
            "LIB01",
            "Family history",
            "lil@college.ac.uk",
            "Winchester Library",
            date(2026, 12, 2),
            time(14, 0),
            time(16, 0),
        ),
        ("LIB02", "Digital skills", "lou@college.ac.uk", None, "03/12/2026", "10:00", "12:00"),
    )
    sent = await o.say_with_file(APPROVER, "observe courses", "Courses.xlsx", book)
    assert "Courses\n2" in card_text(sent[0].cards[0])
    saved = await courses()
    assert [(code, venue) for code, venue, _ in saved] == [
        ("LIB01", "Winchester Library"),
        ("LIB02", ""),
    ]
    assert all(starts is not None for _, _, starts in saved)  # the times were read


async def test_learning_in_libraries_observers_pick_courses_within_their_number(
    otla: Otla,
) -> None:
    o = otla
    await o.say_with_file(ADMIN, "admin import", "l.csv", LIL_TUTORS)
    refused = await o.say_with_file(OBSERVER, "observe courses", "c.csv", COURSES)
    assert "only the development or quality coordinator" in refused[0].text
    sent = await o.say_with_file(APPROVER, "observe courses", "c.csv", COURSES)
    result = card_text(sent[0].cards[0])
    # (the problem is shown as plain text: Teams reads `end\\_time` as end_time)
    assert "Courses\n2" in result and r"end\_time must be after start\_time" in result
    assert (
        "takes 1 Learning in Libraries"
        in (await o.say(APPROVER, "observe quota olive@college.ac.uk 1"))[0].text
    )
    card = (await o.say(OBSERVER, "observe courses"))[0].cards[0]
    text = card_text(card)
    assert "LIB01 Family history · Lil Tutor" in text and "LIB02 Digital skills" in text
    choice = next(
        c["value"]
        for i in card["body"]
        if i.get("id") == "course_id"
        for c in i["choices"]
        if c["title"].startswith("LIB01")
    )
    body = await o.do(OBSERVER, "otla.lil.pick", course_id=choice)
    assert "You're observing Lil Tutor" in shown(body)
    assert "is asked to accept Wed 2 Dec 2026, 14:00–16:00" in shown(body)
    again = await o.do(OBSERVER, "otla.lil.pick", course_id=choice)
    assert "Someone has just picked that course" in shown(again)
    # Lil is asked to accept the course's date (she has not chatted yet: it waits, undelivered).
    async with o.db().unit_of_work() as uow:
        lil = await Directory(uow.session).person_by_email(TENANT, "lil@college.ac.uk")
        assert lil is not None
        pending = await Schedule(uow.session).pending(TENANT, "otla:")
        assert any(i.kind == "otla.proposal" and i.person_id == lil.id for i in pending)
        obs = await Observations(uow.session).for_tutor(TENANT, lil.id, "2026/27")
        assert obs is not None and obs.kind == "lil" and obs.state == "allocated"


NEW_TUTOR = (
    "name,email,line_manager_email,start_date\n"
    "Nina Newtutor,nina@college.ac.uk,mia@college.ac.uk,2027-01-04\n"
)


async def test_a_new_tutor_gets_the_ha24_checklist_and_an_otla_within_six_weeks(
    otla: Otla,
) -> None:
    o = otla
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR)
    sent = await o.tick()
    qc = texts(to(sent, QC))
    assert "New tutor: Nina Newtutor" in qc and "by Mon 15 Feb 2027" in qc
    mia = to(sent, MANAGER)
    assert "HA24 new tutor induction: Nina Newtutor" in texts(mia)
    assert "Safeguarding, British values and Prevent training and expectations" in texts(mia)
    tutor_id = action_data(mia[0], "otla.ha24.save")["tutor_id"]
    body = await o.do(MANAGER, "otla.ha24.save", tutor_id=tutor_id, done="handbook,buddy")
    assert "2 of 9" in shown(body)
    refused = await o.do(OTHER_MANAGER, "otla.ha24.save", tutor_id=tutor_id, done="handbook")
    assert "Sorry" in shown(refused)
    # Allocated like any other; a date after the 6-week deadline is flagged.
    body = await o.do(QC, "otla.allocate", tutor_id=str(tutor_id), observer_email=OBSERVER.email)
    assert "Allocated" in shown(body)
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).for_tutor(TENANT, tutor_id, "2026/27")
        assert obs is not None and obs.kind == "induction" and obs.due_by is not None
        obs_id = obs.id
    await o.propose(OBSERVER, obs_id, "2027-02-22")
    body = await o.do(MANAGER, "otla.open", observation_id=obs_id)
    assert "Observer allocated" in shown(body)
    new = card_text((await o.say(QC, "observations new"))[0].cards[0])
    assert "Nina Newtutor" in new and "2 of 9 done" in new


async def test_a_quality_coordinator_named_after_the_tutor_list_hears_of_its_new_tutors(
    otla: Otla,
) -> None:
    """A college's first day: the tutor list with a new tutor comes before anyone holds the
    quality coordinator role, so nobody is asked to allocate her OTLA. Quinn, named on the
    setup card afterwards, is asked, once however often the role is given."""
    o = otla
    await o.say(ADMIN, f"admin revoke {QC.email} quality_coordinator")
    await o.say_with_file(ADMIN, "admin import", "n.csv", NEW_TUTOR)
    assert "New tutor" not in texts(to(await o.tick(), QC))

    await o.say(ADMIN, "admin")
    for _ in range(2):
        await o.teams.execute(ADMIN, "admin.setup.roles", {"quality_emails": QC.email})
    await o.say(ADMIN, f"admin grant {QC.email} quality_coordinator")
    sent = await o.tick()
    assert texts(to(sent, QC)).count("New tutor: Nina Newtutor") == 1
    async with o.db().unit_of_work() as uow:
        nina = await Directory(uow.session).person_by_email(TENANT, "nina@college.ac.uk")
        assert nina is not None
        obs = await Observations(uow.session).for_tutor(TENANT, nina.id, "2026/27")
        assert obs is not None and obs.state == "unallocated"  # told, nothing else changed


async def test_planning_documents_sent_as_files_are_kept_with_the_observation(
    otla: Otla,
) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    attachment = shared_file(o.connector, "scheme.docx", b"PK scheme of work")
    sent = await o.say(OTHER_TUTOR, "observations docs", attachments=[attachment])
    assert "no observation coming up" in sent[0].text
    sent = await o.say(TUTOR, "observations docs", attachments=[attachment])
    assert "Kept with your observation: scheme.docx" in card_text(sent[0].cards[0])
    assert "Tom Tutor shared planning documents" in texts(to(await o.tick(), OBSERVER))

    card = (await o.say(OBSERVER, f"observe {obs_id}"))[0].cards[0]
    assert "scheme.docx" in card_text(card)
    get = action_data(card, "otla.doc.get")
    refused = await o.do(MANAGER, "otla.doc.get", **get)
    assert "Sorry" in shown(refused)
    body, sent = await o.teams.execute(OBSERVER, "otla.doc.get", get)
    assert await accept_file(o, OBSERVER, sent, "scheme.docx") == b"PK scheme of work"

    # After the session, `report` opens the one report waiting for the observer.
    o.clock.set(london(2026, 12, 3, 12))
    form = (await o.say(OBSERVER, "report"))[0].cards[0]
    assert "OTLA report: Tom Tutor" in card_text(form)
    assert "Sorry" in (await o.say(OTHER_TUTOR, f"report {obs_id}"))[0].text


# --- The agreed date in people's calendars (issue 16, point 5) ----------------------------------
# By default each of the observer and the tutor is offered an .ics file through the document flow;
# a new date sends the same event (same UID, SEQUENCE one higher); a new observer cancels it
# (METHOD:CANCEL). With Microsoft Graph configured, the event is created, changed and cancelled in
# the observer's calendar instead, here against a loopback server that speaks Graph's protocol.

LONDON_TZ = ZoneInfo("Europe/London")
REPORT_WORDS = ("strength", "Strength", "report", "grade")


def offers(sent: list[Sent], user: User) -> list[str]:
    """The names of the files offered to this person's 1:1 chat."""
    conv = Place.personal(user).conversation_id
    return [
        str(a.get("name"))
        for s in sent
        if s.conversation_id == conv
        for a in s.activity.get("attachments") or []
        if a.get("contentType") == FILE_CONSENT
    ]


async def calendar_file(o: Otla, user: User, sent: list[Sent], name: str) -> icalendar.Event:
    theirs = [s for s in sent if s.conversation_id == Place.personal(user).conversation_id]
    cal = icalendar.Calendar.from_ical(await o.teams.accept_file(user, theirs, name))
    [event] = cal.walk("VEVENT")
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
    event["x-method"] = str(cal["METHOD"])
    return event


async def stored(o: Otla, obs_id: int) -> Observation:
    async with o.db().unit_of_work() as uow:
        obs = await uow.session.get(Observation, obs_id)
        assert obs is not None
        return obs


async def propose_and_accept(o: Otla, obs_id: int, day: str, room: str) -> None:
    await o.do(
        OBSERVER,
        "otla.propose",
        observation_id=obs_id,
        course="ESOL Entry 2",
        room=room,
        day=day,
        start="10:00",
        end="11:00",
    )
    body = await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    assert "Date agreed" in shown(body)


async def test_the_agreed_date_reaches_both_calendars_as_ics_and_follows_changes(
    otla: Otla,
) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    await o.tick()
    await propose_and_accept(o, obs_id, "2026-12-04", "B12")
    sent = await o.tick()
    name = f"OTLA-{obs_id}.ics"
    assert offers(sent, OBSERVER) == [name] and offers(sent, TUTOR) == [name]
    assert offers(sent, MANAGER) == []  # the line manager is not at the observation

    first = await calendar_file(o, TUTOR, sent, "tom-1.ics")
    assert first["x-method"] == "REQUEST" and first["STATUS"] == "CONFIRMED"
    assert first["SEQUENCE"] == 0
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert first.decoded("DTSTART") == datetime(2026, 12, 4, 10, tzinfo=LONDON_TZ)
    assert first.decoded("DTEND") == datetime(2026, 12, 4, 11, tzinfo=LONDON_TZ)
    assert str(first["LOCATION"]) == "B12"
    assert "ESOL Entry 2" in str(first["DESCRIPTION"]) and "B12" in str(first["DESCRIPTION"])
    assert "Tom Tutor" in str(first["SUMMARY"])
    assert str(first["ORGANIZER"]) == f"mailto:{OBSERVER.email}"
    assert str(first["ATTENDEE"]) == f"mailto:{TUTOR.email}"
    assert not any(w in first.to_ical().decode() for w in REPORT_WORDS)
    olive = await calendar_file(o, OBSERVER, sent, "olive-1.ics")
    assert olive["UID"] == first["UID"] and olive["SEQUENCE"] == 0
    assert (await stored(o, obs_id)).calendar_sequence == 1

    # A new date, in summer time, from the other side: the same event, one change later.
    await o.do(
        TUTOR,
        "otla.propose",
        observation_id=obs_id,
        course="ESOL Entry 2",
        room="C3",
        day="2027-04-06",
        start="14:00",
        end="15:00",
    )
    await o.do(OBSERVER, "otla.accept", observation_id=obs_id)
    sent = await o.tick()
    changed = await calendar_file(o, TUTOR, sent, "tom-2.ics")
    assert changed["UID"] == first["UID"] and changed["SEQUENCE"] == 1
    assert changed.decoded("DTSTART") == datetime(2027, 4, 6, 14, tzinfo=LONDON_TZ)
    assert changed.decoded("DTSTART").utcoffset().total_seconds() == 3600  # BST
    assert str(changed["LOCATION"]) == "C3"
    assert offers(sent, OBSERVER) == [name]

    # The quality coordinator gives Tom another observer: the agreed date is cancelled.
    tom_id = (await stored(o, obs_id)).tutor_id
    body = await o.do(QC, "otla.allocate", tutor_id=str(tom_id), observer_email=MANAGER.email)
    assert "Allocated" in shown(body)
    sent = await o.tick()
    cancelled = await calendar_file(o, OBSERVER, sent, "olive-cancel.ics")
    assert cancelled["x-method"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == first["UID"] and cancelled["SEQUENCE"] == 2
    assert offers(sent, TUTOR) == [name]
    after = await stored(o, obs_id)
    assert after.starts_at is None and after.calendar_sequence == 3


async def test_the_proposal_form_suggests_a_working_day_a_week_on(otla: Otla) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    o.clock.set(london(2026, 12, 5, 9))  # a Saturday: a week on is a Saturday too
    card = (await o.do(OBSERVER, "otla.open", observation_id=obs_id))["value"]
    days = [n.get("value") for n in card_nodes(card) if n.get("id") == "day"]
    assert days == ["2026-12-14"]  # the Monday after, not Saturday 12th


async def test_a_proposal_with_a_room_too_long_comes_back_and_changes_nothing(otla: Otla) -> None:
    o = otla
    obs_id = await allocate_tom(o)
    body = await o.do(
        OBSERVER,
        "otla.propose",
        observation_id=obs_id,
        course="ESOL Entry 2",
        room="R" * 201,
        day="2026-12-04",
        start="10:00",
        end="11:00",
    )
    assert "Room" in shown(body) or "200" in shown(body)
    obs = await stored(o, obs_id)
    assert obs.proposed_starts_at is None and obs.proposed_room == ""


# --- Microsoft Graph, on loopback ---------------------------------------------------------------


@dataclass
class FakeGraph:
    """Speaks the part of Microsoft Graph TLC uses: a client-credentials token, and
    `/users/{id}/events` (POST), `/users/{id}/events/{event}` (PATCH) and `.../cancel` (POST)."""

    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    failing: bool = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/login/{tenant}/oauth2/v2.0/token", self.token)
        app.router.add_post("/graph/users/{user}/events", self.create)
        app.router.add_patch("/graph/users/{user}/events/{event}", self.change)
        app.router.add_post("/graph/users/{user}/events/{event}/cancel", self.cancel)
        return app

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        assert form["grant_type"] == "client_credentials" and form["client_id"] == "graph-app"
        assert form["scope"] == "https://graph.microsoft.com/.default"
        return web.json_response({"access_token": f"token-for-{request.match_info['tenant']}"})

    def _check(self, request: web.Request) -> None:
        assert request.headers["Authorization"] == "Bearer token-for-tenant-1"

    async def create(self, request: web.Request) -> web.Response:
        self._check(request)
        if self.failing:
            return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=503)
        body = await request.json()
        event_id = f"AAMk-{len(self.events) + 1}"
        self.events[event_id] = {**body, "organiser": request.match_info["user"]}
        self.calls.append(("POST", request.path, body))
        return web.json_response({"id": event_id, **body}, status=201)

    async def _about_event(self, request: web.Request) -> tuple[Any, dict[str, Any] | None]:
        """A change's or cancel's body, and the event it names (None: there is no such event)."""
        self._check(request)
        return await request.json(), self.events.get(request.match_info["event"])

    async def change(self, request: web.Request) -> web.Response:
        body, event = await self._about_event(request)
        if event is None:
            return _no_such_event()
        event.update(body)
        self.calls.append(("PATCH", request.path, body))
        return web.json_response(event)

    async def cancel(self, request: web.Request) -> web.Response:
        body, event = await self._about_event(request)
        if event is None:
            return _no_such_event()
        event["isCancelled"] = True
        self.calls.append(("CANCEL", request.path, body))
        return web.Response(status=202)


def _no_such_event() -> web.Response:
    """What Graph answers about an event it does not hold."""
    return web.json_response({"error": {"code": "ErrorItemNotFound"}}, status=404)


@pytest.fixture
async def graph() -> AsyncIterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url(""))
    await server.close()


class TestWithMicrosoftGraph:
    """The same agreement with `TLC_CALENDAR=graph`: the settings fixture points at FakeGraph."""

    @pytest.fixture
    def settings(self, sqlite_db: Database, graph: tuple[FakeGraph, str]) -> Settings:
        _, base = graph
        return local_settings(
            sqlite_db.url,
            admins="admin@college.ac.uk",
            calendar="graph",
            graph_url=f"{base}/graph",
            login_url=f"{base}/login",
            graph_client_id="graph-app",
            graph_client_secret="graph-secret",
        )

    async def test_the_event_is_created_changed_and_cancelled_in_the_observers_calendar(
        self, otla: Otla, graph: tuple[FakeGraph, str]
    ) -> None:
        o, (fake, _) = otla, graph
        obs_id = await allocate_tom(o)
        await o.tick()
        await propose_and_accept(o, obs_id, "2026-12-04", "B12")

        [(method, path, body)] = fake.calls
        assert (method, path) == ("POST", f"/graph/users/{OBSERVER.email}/events")
        assert body["start"] == {"dateTime": "2026-12-04T10:00:00", "timeZone": "Europe/London"}
        assert body["location"] == {"displayName": "B12"}
        assert body["attendees"] == [
            {"emailAddress": {"address": TUTOR.email, "name": "Tom Tutor"}, "type": "required"}
        ]
        assert body["isOnlineMeeting"] is True
        assert not any(w in str(body) for w in REPORT_WORDS)
        obs = await stored(o, obs_id)
        assert obs.calendar_event_id == "AAMk-1" and obs.calendar_sequence == 1
        assert offers(await o.tick(), TUTOR) == []  # Graph did it: no file to add by hand

        await propose_and_accept(o, obs_id, "2027-04-06", "C3")
        method, path, body = fake.calls[-1]
        assert (method, path) == ("PATCH", f"/graph/users/{OBSERVER.email}/events/AAMk-1")
        assert body["start"] == {"dateTime": "2027-04-06T10:00:00", "timeZone": "Europe/London"}
        assert fake.events["AAMk-1"]["location"] == {"displayName": "C3"}
        assert len(fake.events) == 1

        tom_id = (await stored(o, obs_id)).tutor_id
        await o.do(QC, "otla.allocate", tutor_id=str(tom_id), observer_email=MANAGER.email)
        method, path, _ = fake.calls[-1]
        assert (method, path) == ("CANCEL", f"/graph/users/{OBSERVER.email}/events/AAMk-1/cancel")
        assert fake.events["AAMk-1"]["isCancelled"] is True
        assert (await stored(o, obs_id)).calendar_event_id is None

    async def test_when_graph_fails_people_get_the_ics_file_instead(
        self, otla: Otla, graph: tuple[FakeGraph, str]
    ) -> None:
        o, (fake, _) = otla, graph
        fake.failing = True
        obs_id = await allocate_tom(o)
        await o.tick()
        await propose_and_accept(o, obs_id, "2026-12-04", "B12")
        sent = await o.tick()
        assert offers(sent, OBSERVER) == [f"OTLA-{obs_id}.ics"]
        event = await calendar_file(o, TUTOR, sent, "tom.ics")
        assert event["SEQUENCE"] == 0
        assert (await stored(o, obs_id)).calendar_event_id is None


# --- review: who still sees what after things change ----------------------------------------

MOVED_TO_MAX = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries,"
    "start_date\n"
    "Tom Tutor,tom@college.ac.uk,North,ESOL,classroom,max@college.ac.uk,no,2019-09-01\n"
)


async def test_a_former_line_manager_no_longer_sees_the_tutors_actions(otla: Otla) -> None:
    """An action the line manager owned stays theirs on the log, but once the tutor list gives
    the tutor a new line manager, the old one no longer reads it (nor its outcome), in the
    log, in `actions` or in an overdue reminder; the new one does."""
    o = otla
    obs_id = await approved_observation(o, owner="line_manager")
    assert "Use directed questioning" in card_text((await o.say(MANAGER, "ars"))[0].cards[0])

    await o.say_with_file(ADMIN, "admin import", "moved.csv", MOVED_TO_MAX)
    async with o.db().unit_of_work() as uow:
        [entry] = await Observations(uow.session).actions(
            TENANT, tutor_ids=[(await stored(o, obs_id)).tutor_id]
        )
        assert entry.owner_id == await _person_id(o, MANAGER)  # still hers on the log
    for words in ("ars", "actions", "observations"):
        seen = "\n".join(card_text(c) for s in await o.say(MANAGER, words) for c in s.cards)
        assert "Use directed questioning" not in seen, words
        assert "from your observation" not in seen, words
    overdue = await o.tick(london(2027, 1, 15, 9))
    assert "Use directed questioning" not in texts(to(overdue, MANAGER))
    assert "Use directed questioning" in card_text((await o.say(OTHER_MANAGER, "ars"))[0].cards[0])


async def test_an_observer_cannot_pick_their_own_library_course_by_its_id(otla: Otla) -> None:
    """The course list leaves out the observer's own courses; a pick sent with one's id (an old
    card, or a hand-made one) is refused too: nobody observes themselves."""
    o = otla
    own = (
        COURSES.splitlines()[0]
        + "\nLIB09,Olive's course,olive@college.ac.uk,Library,2026-12-10,10:00,11:00\n"
    )
    await o.say_with_file(APPROVER, "observe courses", "c.csv", own)
    await o.say(APPROVER, "observe quota olive@college.ac.uk 1")
    assert "LIB09" not in card_text((await o.say(OBSERVER, "observe courses"))[0].cards[0])
    async with o.db().unit_of_work() as uow:
        course = await Observations(uow.session).course_by_code(TENANT, "2026/27", "LIB09")
        assert course is not None
        course_id = course.id
    body = await o.do(OBSERVER, "otla.lil.pick", course_id=str(course_id))
    assert "You're observing" not in shown(body) and "yourself" in shown(body)
    olive = await _person_id(o, OBSERVER)
    async with o.db().unit_of_work() as uow:
        assert await Observations(uow.session).for_tutor(TENANT, olive, "2026/27") is None
        course = await Observations(uow.session).course(TENANT, course_id)
        assert course is not None and course.observation_id is None


async def test_an_observer_with_no_library_quota_is_told_who_sets_it(otla: Otla) -> None:
    """Quinn, of the quality team, picks a Learning in Libraries course before anyone has given
    her tutors to pick: she was told "You have picked all your tutors", having picked none.
    Now she is told nobody has set her number yet, and how it is set; nothing is picked."""
    o = otla
    await o.say_with_file(ADMIN, "admin import", "l.csv", LIL_TUTORS)
    await o.say_with_file(APPROVER, "observe courses", "c.csv", COURSES)
    async with o.db().unit_of_work() as uow:
        course = await Observations(uow.session).course_by_code(TENANT, "2026/27", "LIB01")
        assert course is not None
        course_id = course.id
    body = await o.do(QC, "otla.lil.pick", course_id=str(course_id))
    assert "picked all your tutors" not in shown(body)
    assert "no Learning in Libraries tutors to pick yet" in shown(body), shown(body)
    async with o.db().unit_of_work() as uow:
        course = await Observations(uow.session).course(TENANT, course_id)
        assert course is not None and course.observation_id is None


async def test_a_proposed_date_that_has_passed_cannot_be_accepted(otla: Otla) -> None:
    """Tom opens Olive's proposal after its day: accepting it would agree a date in the past.
    He is told it has passed, and nothing is agreed; a new proposal can still be made."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    o.clock.set(london(2026, 12, 4, 9))
    body = await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    assert "Date agreed" not in shown(body) and "passed" in shown(body)
    obs = await stored(o, obs_id)
    assert obs.state == "allocated" and obs.starts_at is None
    assert not [k for k in await _pending(o, obs_id) if ":1wk:" in k or k.endswith(":write")]
    card = (await o.do(TUTOR, "otla.open", observation_id=obs_id))["value"]
    assert not [n for n in card_nodes(card) if n.get("verb") == "otla.accept"]
    body = await o.propose(TUTOR, obs_id, "2026-12-10")
    assert "Date proposed" in shown(body)


async def _grades(o: Otla, value: Any) -> None:
    async with o.db().unit_of_work() as uow:
        from storage.models import Organisation

        org = await uow.session.get(Organisation, TENANT)
        assert org is not None
        org.settings = {**org.settings, "otla_grades": value}
        await uow.commit()


async def _stored_grade(o: Otla, obs_id: int) -> str | None:
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).get(TENANT, obs_id)
        assert obs is not None
        report = await Observations(uow.session).report(obs)
        return report.grade if report is not None else "no report"


async def test_a_grade_is_kept_only_from_the_organisations_own_list(otla: Otla) -> None:
    """Ungraded by default: a grade sent anyway (a card from before grades were switched off,
    or a hand-made one) is not kept. With grades on, a value not on the list comes back on the
    card and nothing is saved; one on the list is kept."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    o.clock.set(london(2026, 12, 3, 12))
    draft = {"observation_id": obs_id, "strengths": "Clear outcomes."}
    body = await o.do(OBSERVER, "otla.report.save", **draft, grade="Inadequate")
    assert "Draft saved" in shown(body)
    assert await _stored_grade(o, obs_id) is None

    await _grades(o, ["Secure", "Developing"])
    changed = {**draft, "strengths": "Changed"}
    body = await o.do(OBSERVER, "otla.report.save", **changed, grade="Brilliant")
    assert "Draft saved" not in shown(body) and "Choose a grade from the list" in shown(body)
    assert await _stored_grade(o, obs_id) is None
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).get(TENANT, obs_id)
        assert obs is not None
        report = await Observations(uow.session).report(obs)
        assert report is not None and report.strengths == "Clear outcomes."
    body = await o.do(
        OBSERVER,
        "otla.report.submit",
        **draft,
        areas="More open questions.",
        grade="Inadequate",  # one of the usual four, not this organisation's
    )
    assert "Submitted" not in shown(body) and "Choose a grade from the list" in shown(body)
    assert (await stored(o, obs_id)).state == "observed"
    body = await o.do(OBSERVER, "otla.report.save", **draft, grade="Secure")
    assert "Draft saved" in shown(body)
    assert await _stored_grade(o, obs_id) == "Secure"


async def test_an_induction_item_not_on_the_checklist_changes_nothing(otla: Otla) -> None:
    """HA24: a tick for an item the checklist does not have (an old card, a hand-made one) is
    refused with a clear answer; the items ticked before stay ticked."""
    o = otla
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR)
    mia = to(await o.tick(), MANAGER)
    tutor_id = action_data(mia[0], "otla.ha24.save")["tutor_id"]
    body = await o.do(MANAGER, "otla.ha24.save", tutor_id=tutor_id, done="handbook,buddy")
    assert "2 of 9" in shown(body)
    body = await o.do(MANAGER, "otla.ha24.save", tutor_id=tutor_id, done="handbook,payroll")
    assert "Saved" not in shown(body) and "payroll" in shown(body)
    async with o.db().unit_of_work() as uow:
        checklist = await Observations(uow.session).checklist(TENANT, int(tutor_id))
        assert checklist is not None and sorted(checklist.done) == ["buddy", "handbook"]


async def test_an_observation_or_its_report_opened_in_a_channel_is_not_posted_there(
    otla: Otla,
) -> None:
    """An Action.Submit answers in the conversation it came from: pressed in a channel, the
    approved report (or the observation card) would be posted for the whole team. Outside a
    1:1 chat it is refused before anything is read, as `walk.view` is."""
    o = otla
    obs_id = await approved_observation(o)
    channel = Place.channel()
    for verb in ("otla.report.open", "otla.open"):
        sent = await o.teams.submit(MANAGER, {"verb": verb, "observation_id": obs_id}, channel)
        posted = "\n".join(
            [s.text or "" for s in sent] + [card_text(c) for s in sent for c in s.cards]
        )
        assert "Use directed questioning" not in posted and "Tom Tutor" not in posted, verb
        assert "1:1" in posted or "personal" in posted.lower(), posted
    # Nor a new tutor's induction checklist.
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR)
    [checklist] = [c for c in to(await o.tick(), MANAGER) if "HA24" in card_text(c)]
    tutor_id = action_data(checklist, "otla.ha24.save")["tutor_id"]
    sent = await o.teams.submit(MANAGER, {"verb": "otla.ha24.open", "tutor_id": tutor_id}, channel)
    assert "Nina" not in "\n".join(
        [s.text or "" for s in sent] + [card_text(c) for s in sent for c in s.cards]
    )
    # In the 1:1 chat, or answering the pressed card itself, it is shown as before.
    body = await o.do(MANAGER, "otla.ha24.open", tutor_id=tutor_id)
    assert "Nina Newtutor" in shown(body)
    body = await o.do(MANAGER, "otla.report.open", observation_id=obs_id)
    assert "Use directed questioning" in shown(body)
    sent = await o.teams.submit(MANAGER, {"verb": "otla.report.open", "observation_id": obs_id})
    assert "Use directed questioning" in card_text(sent[0].cards[0])


async def test_a_report_step_submitted_in_a_channel_posts_nothing_there_and_moves_nothing(
    otla: Otla,
) -> None:
    """Checking, returning or approving answers with the report itself: a submit of one in a
    channel (a forged or message-back card) would post the report for the whole team. It is
    refused there, before anything moves; from the 1:1 chat it works as before."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    o.clock.set(london(2026, 12, 3, 12))
    await submit_report(o, obs_id)
    channel = Place.channel()
    for user, verb in ((OFFICER, "otla.check"), (OFFICER, "otla.return"), (QC, "otla.chase")):
        data = {"verb": verb, "observation_id": obs_id, "comment": "Say which questions."}
        sent = await o.teams.submit(user, data, channel)
        posted = "\n".join(
            [s.text or "" for s in sent] + [card_text(c) for s in sent for c in s.cards]
        )
        assert "directed questioning" not in posted and "Tom Tutor" not in posted, verb
        assert "1:1" in posted, posted
    assert await _state(o, obs_id) == "report_submitted"
    sent = await o.teams.submit(OFFICER, {"verb": "otla.check", "observation_id": obs_id})
    assert "Checked: passed for approval" in card_text(sent[0].cards[0])
    assert await _state(o, obs_id) == "checked"


async def test_a_late_report_escalation_does_not_reach_a_former_development_officer(
    otla: Otla,
) -> None:
    """The late-report escalation is queued for the development officers when the date is
    agreed; one whose role is revoked before it falls due no longer hears about it."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    await o.tick()
    await o.say(ADMIN, f"admin revoke {OFFICER.email} development_officer")
    sent = await o.tick(london(2026, 12, 7, 9, 30))
    assert "Late report" not in texts(to(sent, OFFICER))
    assert "Tom Tutor" not in texts(to(sent, OFFICER))


async def test_a_line_manager_named_after_the_date_was_agreed_hears_the_week_before(
    otla: Otla,
) -> None:
    """Agreeing the date promised the tutor's line manager a reminder a week before. A tutor
    list that then moves Tom to Max gives Max that reminder (Mia's is dropped when it falls
    due: she no longer manages him), and the list sent again does not give it twice."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-07")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    await o.tick()
    max_id = await _person_id(o, OTHER_MANAGER)
    assert f"otla:{obs_id}:1wk:{max_id}" not in await _pending(o, obs_id)

    await o.say_with_file(ADMIN, "admin import", "moved.csv", MOVED_TO_MAX)
    await o.say_with_file(ADMIN, "admin import", "moved.csv", MOVED_TO_MAX)
    pending = await _pending(o, obs_id)
    assert pending[f"otla:{obs_id}:1wk:{max_id}"] == london(2026, 11, 30, 9)
    sent = await o.tick(london(2026, 11, 30, 9))
    assert texts(to(sent, OTHER_MANAGER)).count("Observation on Mon 7 Dec 2026") == 1
    assert "Tom Tutor's annual observation" in texts(to(sent, OTHER_MANAGER))
    assert "Observation on" not in texts(to(sent, MANAGER))
    assert "Observation on Mon 7 Dec 2026" in texts(to(sent, TUTOR))


async def test_a_development_officer_named_later_hears_of_late_reports_and_ones_to_check(
    otla: Otla,
) -> None:
    """With nobody holding the development officer role when the date is agreed and when the
    report is submitted, nobody could be told; the officer named later hears of both: the late
    report when it is late, the report to check at once (with the nudge after 2 working days),
    each once however often the role is given."""
    o = otla
    await o.say(ADMIN, f"admin revoke {OFFICER.email} development_officer")
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    await o.do(TUTOR, "otla.accept", observation_id=obs_id)
    await o.tick()
    assert not [k for k in await _pending(o, obs_id) if ":late:" in k]

    await o.say(ADMIN, f"admin grant {OFFICER.email} development_officer")
    await o.say(ADMIN, f"admin grant {OFFICER.email} development_officer")
    dora = await _person_id(o, OFFICER)
    assert (await _pending(o, obs_id))[f"otla:{obs_id}:late:{dora}"] == london(2026, 12, 7, 9)
    sent = await o.tick(london(2026, 12, 7, 9, 30))
    assert texts(to(sent, OFFICER)).count("Late report: Tom Tutor") == 1

    await o.say(ADMIN, f"admin revoke {OFFICER.email} development_officer")
    o.clock.set(london(2026, 12, 7, 10))
    await submit_report(o, obs_id, best=False)
    assert "A report to check" not in texts(to(await o.tick(), OFFICER))

    await o.say(ADMIN, f"admin grant {OFFICER.email} development_officer")
    await o.say(ADMIN, f"admin grant {OFFICER.email} development_officer")
    pending = await _pending(o, obs_id)
    assert pending[f"otla:{obs_id}:check-nudge:{dora}"] == london(2026, 12, 9, 10)
    sent = await o.tick()
    assert texts(to(sent, OFFICER)).count("A report to check: Tom Tutor") == 1
    assert "Late report" not in texts(to(sent, OFFICER))


async def test_the_tutors_copy_of_the_report_says_who_else_received_it(otla: Otla) -> None:
    """The approved report goes to the tutor and their line manager; the tutor is told whenever
    anything about them is shared, so their copy names the line manager who has it too."""
    o = otla
    obs_id = await approved_observation(o)
    async with o.db().unit_of_work() as uow:
        [item] = await Schedule(uow.session).pending(
            TENANT, f"otla:{obs_id}:report-to:{await _person_id(o, TUTOR)}"
        )
        assert item.payload["also_to"] == [await _person_id(o, MANAGER)]
    sent = await o.tick()
    tom = texts(to(sent, TUTOR))
    assert "Your observation report" in tom
    assert "Also sent to your line manager, Mia Manager." in tom
    mia = texts(to(sent, MANAGER))
    assert "Observation report: Tom Tutor" in mia and "Also sent" not in mia


async def test_a_document_link_courses_or_allocation_lists_are_not_posted_in_a_channel(
    otla: Otla,
) -> None:
    """Like `otla.report.open`: a hand-made Action.Submit in a channel would post a shared
    link's name and URL, the library courses with their tutors, or the tutor and observer
    lists for the whole team. Outside a 1:1 chat it is refused before anything is read."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.do(
        TUTOR, "otla.doc.link", observation_id=obs_id, doc_url="https://sp.example/scheme.docx"
    )
    async with o.db().unit_of_work() as uow:
        [doc] = await Observations(uow.session).documents(obs_id)
        document_id = doc.id
    await o.say_with_file(ADMIN, "admin import", "l.csv", LIL_TUTORS)
    await o.say_with_file(APPROVER, "observe courses", "c.csv", COURSES)
    await o.say(APPROVER, "observe quota olive@college.ac.uk 1")
    channel = Place.channel()
    for user, verb, data in (
        (OBSERVER, "otla.doc.get", {"document_id": document_id}),
        (OBSERVER, "otla.lil.open", {}),
        (QC, "otla.allocate.open", {}),
    ):
        sent = await o.teams.submit(user, {"verb": verb, **data}, channel)
        posted = "\n".join(
            [s.text or "" for s in sent] + [card_text(c) for s in sent for c in s.cards]
        )
        for secret in ("scheme.docx", "sp.example", "Lil Tutor", "Family history", "Lou Tutor"):
            assert secret not in posted, (verb, secret, posted)
        assert "1:1" in posted or "personal" in posted.lower(), posted
    # In the 1:1 chat, each still answers.
    body = await o.do(OBSERVER, "otla.doc.get", document_id=document_id)
    assert "scheme.docx" in shown(body)
    assert "Family history" in shown(await o.do(OBSERVER, "otla.lil.open"))
    assert "Lou Tutor" in shown(await o.do(QC, "otla.allocate.open"))


async def test_a_document_link_from_an_old_card_after_the_observation_is_refused(
    otla: Otla,
) -> None:
    """The share-a-link form is only on the card until the observation, but an old card still
    has it: after approval the tutor is told it is too late, and nothing is kept or sent."""
    o = otla
    obs_id = await approved_observation(o)
    await o.tick()
    body = await o.do(
        TUTOR, "otla.doc.link", observation_id=obs_id, doc_url="https://sp.example/late.docx"
    )
    assert "Document shared" not in shown(body) and "before the observation" in shown(body)
    async with o.db().unit_of_work() as uow:
        assert await Observations(uow.session).documents(obs_id) == []
    assert not [k for k in await _pending(o, obs_id) if ":docs:" in k]
    assert "shared planning documents" not in texts(to(await o.tick(), OBSERVER))


async def test_only_a_tutor_can_be_allocated_an_observation(otla: Otla) -> None:
    """`otla.allocate` took any person in the organisation as the tutor (a hand-made submit, or a
    CSV row): here the org admin, on no tutor list. They are refused with a clear answer and no
    observation is made; someone holding the tutor role is a tutor, as in the HA27 picker."""
    o = otla
    admin_id = await _person_id(o, ADMIN)
    body = await o.do(QC, "otla.allocate", tutor_id=str(admin_id), observer_email=OBSERVER.email)
    assert "Allocated" not in shown(body) and "not a tutor" in shown(body)
    sent = await o.say_with_file(
        QC,
        "observe import",
        "a.csv",
        f"tutor_email,observer_email,course\n{ADMIN.email},{OBSERVER.email},ESOL\n",
    )
    assert "not a tutor" in card_text(sent[0].cards[0])
    async with o.db().unit_of_work() as uow:
        assert await Observations(uow.session).for_tutor(TENANT, admin_id, "2026/27") is None
        assert await Schedule(uow.session).pending(TENANT, "otla:") == []  # nobody told
    await o.say(ADMIN, f"admin grant {ADMIN.email} tutor")
    body = await o.do(QC, "otla.allocate", tutor_id=str(admin_id), observer_email=OBSERVER.email)
    assert "Allocated" in shown(body)


async def test_a_reallocation_starts_afresh_and_tells_the_tutor_and_the_old_observer(
    otla: Otla,
) -> None:
    """Reallocating cleared the old proposal's time but kept its course, room and note, which
    then showed as the new observer's proposal; and neither the tutor nor the old observer
    heard of it. Now the proposal goes whole, the tutor hears who observes them now, and the
    old observer only that they no longer observe this tutor."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.tick()
    await o.propose(
        OBSERVER, obs_id, "2026-12-03", course="ESOL Entry 2", room="B12", note="Bring the register"
    )
    await o.tick()
    tom_id = (await stored(o, obs_id)).tutor_id
    body = await o.do(QC, "otla.allocate", tutor_id=str(tom_id), observer_email=MANAGER.email)
    assert "Allocated: Mia Manager observes Tom Tutor" in shown(body)
    obs = await stored(o, obs_id)
    assert obs.observer_id == await _person_id(o, MANAGER) and obs.proposed_by is None
    assert (obs.proposed_course, obs.proposed_room, obs.proposal_note) == ("", "", "")
    sent = await o.tick()
    [mia] = to(sent, MANAGER)
    assert "You're observing Tom Tutor" in card_text(mia)
    assert "ESOL Entry 2" not in json.dumps(mia) and "Bring the register" not in json.dumps(mia)
    tom = texts(to(sent, TUTOR))
    assert "Your observer is now Mia Manager" in tom
    olive = texts(to(sent, OBSERVER))
    assert "You no longer observe Tom Tutor" in olive and "Mia" not in olive


async def test_a_proposed_date_that_has_passed_is_not_offered_to_accept_in_the_to_do(
    otla: Otla,
) -> None:
    """The card no longer offers Accept for a proposed date that has passed; the to-do list
    said 'Accept or suggest' for it all the same. It now says the date has passed and asks for
    another, to the tutor and (for the tutor's suggestion) to the observer."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    o.clock.set(london(2026, 12, 4, 9))
    tom = card_text((await o.say(TUTOR, "observations"))[0].cards[0])
    assert "Olive Observer proposed Thu 3 Dec 2026" in tom
    assert "that date has passed: suggest another" in tom and "Accept" not in tom
    await o.propose(TUTOR, obs_id, "2026-12-07")
    o.clock.set(london(2026, 12, 8, 9))
    olive = card_text((await o.say(OBSERVER, "observations"))[0].cards[0])
    assert "Tom Tutor suggested Mon 7 Dec 2026" in olive
    assert "that date has passed: suggest another" in olive and "Accept" not in olive
    obs = await stored(o, obs_id)
    assert obs.state == "allocated" and obs.starts_at is None


NEW_TUTOR_UNDER_MAX = (
    "name,email,line_manager_email,start_date\n"
    "Nina Newtutor,nina@college.ac.uk,max@college.ac.uk,2027-01-04\n"
)


async def test_new_tutor_notices_are_checked_when_they_are_sent(otla: Otla) -> None:
    """The new-tutor notice is queued for the quality coordinators and the HA24 checklist for
    the line manager when the tutor list arrives; like the other OTLA notices, each is checked
    when it falls due: a coordinator whose role is revoked, or a line manager no longer the
    tutor's, does not hear about the new tutor."""
    o = otla
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR)
    await o.say_with_file(ADMIN, "admin import", "n.csv", NEW_TUTOR_UNDER_MAX)
    await o.say(ADMIN, f"admin revoke {QC.email} quality_coordinator")
    async with o.db().unit_of_work() as uow:
        kinds = {(i.kind, i.person_id) for i in await Schedule(uow.session).pending(TENANT, "")}
    assert ("otla.new-tutor", await _person_id(o, QC)) in kinds
    assert ("otla.ha24", await _person_id(o, MANAGER)) in kinds
    sent = await o.tick()
    assert "Nina" not in texts(to(sent, QC))
    assert "Nina" not in texts(to(sent, MANAGER))


async def test_an_observer_whose_role_is_revoked_no_longer_observes(otla: Otla) -> None:
    """An admin took Olive's observer role away, yet she still opened Tom's observation, kept
    the agreed date and could write the report. Now the revoke ends her access to every
    observation not yet approved: one not yet made goes back to the quality team as needing
    an observer (its date and reminders go), Tom is told his observer changed, and one already
    made is no longer hers to open or write up."""
    o = otla
    obs_id = await allocate_tom(o)
    await propose_and_accept(o, obs_id, "2026-12-03", "B12")
    otto_id = await _person_id(o, OTHER_TUTOR)
    await o.do(QC, "otla.allocate", tutor_id=str(otto_id), observer_email=OBSERVER.email)
    async with o.db().unit_of_work() as uow:
        otto_obs = await Observations(uow.session).for_tutor(TENANT, otto_id, "2026/27")
        assert otto_obs is not None
        otto_obs_id = otto_obs.id
    await o.propose(OBSERVER, otto_obs_id, "2026-12-02", course="Maths")
    await o.do(OTHER_TUTOR, "otla.accept", observation_id=otto_obs_id)
    o.clock.set(london(2026, 12, 2, 12))
    body = await o.do(
        OBSERVER, "otla.report.save", observation_id=otto_obs_id, strengths="Draft so far."
    )
    assert await _state(o, otto_obs_id) == "observed"
    await o.tick()

    said = await o.say(ADMIN, f"admin revoke {OBSERVER.email} observer")
    saved = card_text(only_card(said))
    assert "1 observation they had not yet made needs a new observer" in saved
    assert "1 observation they have made still waits for their report" in saved  # Otto's

    obs = await stored(o, obs_id)
    assert obs.state == "unallocated" and obs.observer_id is None and obs.starts_at is None
    assert not [k for k in await _pending(o, obs_id) if ":1wk:" in k or k.endswith(":write")]
    body = await o.do(OBSERVER, "otla.open", observation_id=obs_id)
    assert "isn't one you can see" in shown(body)
    body = await o.do(OBSERVER, "otla.report.open", observation_id=obs_id)
    assert "Tom Tutor" not in shown(body)
    olive = card_text((await o.say(OBSERVER, "observations"))[0].cards[0])
    assert "Tom Tutor" not in olive
    # The quality team sees Tom as needing an observer, and can allocate one.
    picker = json.dumps((await o.say(QC, "observe"))[0].cards[0])
    assert "Tom Tutor" in picker
    sent = await o.tick()
    tom = texts(to(sent, TUTOR))
    assert "Your observer has changed" in tom and "Olive Observer no longer observes you" in tom
    assert "You no longer observe Tom Tutor" in texts(to(sent, OBSERVER))
    body = await o.do(QC, "otla.allocate", tutor_id=str(obs.tutor_id), observer_email=MANAGER.email)
    assert "Allocated: Mia Manager observes Tom Tutor" in shown(body)
    # Otto's, already made, stays Olive's on record but is hers no more to open or write.
    assert await _state(o, otto_obs_id) == "observed"
    for verb in ("otla.report.open", "otla.open"):
        body = await o.do(OBSERVER, verb, observation_id=otto_obs_id)
        assert "Otto Tutor" not in shown(body), verb
    body = await o.do(
        OBSERVER, "otla.report.save", observation_id=otto_obs_id, strengths="Changed after."
    )
    assert "isn't one you can see" in shown(body)
    async with o.db().unit_of_work() as uow:
        otto_obs = await Observations(uow.session).get(TENANT, otto_obs_id)
        assert otto_obs is not None
        report = await Observations(uow.session).report(otto_obs)
        assert report is not None and report.strengths == "Draft so far."


NEW_TUTOR_WITHOUT_MANAGER = (
    "name,email,line_manager_email,start_date\nNina Newtutor,nina@college.ac.uk,,2027-01-04\n"
)


async def test_the_ha24_checklist_follows_the_tutors_line_manager_until_it_is_sent(
    otla: Otla,
) -> None:
    """Nina's HA24 checklist was addressed to Mia when the tutor list arrived; a new list made
    Max her line manager before it went, so it went to nobody (Mia's was dropped, Max never
    got one). Now it goes to whoever is her line manager when it is sent; with none at all,
    whoever imported the list is told it has nobody to go to."""
    o = otla
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR)
    await o.say_with_file(ADMIN, "admin import", "n.csv", NEW_TUTOR_UNDER_MAX)
    sent = await o.tick()
    assert "Nina" not in texts(to(sent, MANAGER))
    sent += await o.tick()
    max_ = to(sent, OTHER_MANAGER)
    assert "HA24 new tutor induction: Nina Newtutor" in texts(max_)
    tutor_id = action_data(max_[0], "otla.ha24.save")["tutor_id"]
    body = await o.do(OTHER_MANAGER, "otla.ha24.save", tutor_id=tutor_id, done="handbook")
    assert "1 of 9" in shown(body)
    async with o.db().unit_of_work() as uow:
        kinds = {(i.kind, i.person_id) for i in await Schedule(uow.session).pending(TENANT, "")}
    assert not [k for k in kinds if k[0] == "otla.ha24"]  # sent once, not again


async def test_an_ha24_checklist_with_no_line_manager_to_go_to_is_reported_to_the_importer(
    otla: Otla,
) -> None:
    o = otla
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR)
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR_WITHOUT_MANAGER)
    sent = await o.tick()
    sent += await o.tick()
    assert "Nina" not in texts(to(sent, MANAGER))
    qc = texts(to(sent, QC))
    assert "Nina Newtutor has no line manager" in qc


async def test_a_proposed_date_past_the_observations_year_is_refused_and_changes_nothing(
    otla: Otla,
) -> None:
    """A year scrolled too far on a phone's date picker (2029) was proposed and could be
    agreed. Dates after the end of the observation's academic year (31 Aug 2027) now come back
    on the card with a clear message, and nothing is proposed or sent."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.tick()
    for day in ("2029-03-01", "2027-09-01"):
        body = await o.propose(OBSERVER, obs_id, day)
        assert "Choose a date by Tue 31 Aug 2027" in shown(body), day
        assert "Date proposed" not in shown(body)
        obs = await stored(o, obs_id)
        assert obs.proposed_by is None and obs.proposed_starts_at is None
        assert obs.state == "allocated"
    assert not [k for k in await _pending(o, obs_id) if ":proposal:" in k]
    assert to(await o.tick(), TUTOR) == []
    body = await o.propose(OBSERVER, obs_id, "2027-06-10")
    assert "Date proposed" in shown(body)


async def test_accepting_from_a_card_whose_proposal_was_replaced_agrees_nothing(
    otla: Otla,
) -> None:
    """Olive proposes Thu 3 Dec, then changes her mind and proposes Thu 10 Dec. Tom presses
    Accept on the first card (it said 3 Dec): he is shown the date now proposed and nothing is
    agreed; Accept on the card for 10 Dec agrees 10 Dec."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(OBSERVER, obs_id, "2026-12-03")
    first = to(await o.tick(), TUTOR)
    old = action_data(first[-1], "otla.accept")
    await o.propose(OBSERVER, obs_id, "2026-12-10")
    body = await o.do(TUTOR, "otla.accept", **old)
    assert "Date agreed" not in shown(body) and "Thu 10 Dec 2026" in shown(body)
    assert await _state(o, obs_id) == "allocated"
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).get(TENANT, obs_id)
        assert obs is not None and obs.starts_at is None
        assert obs.proposed_starts_at == london(2026, 12, 10, 10)

    new = to(await o.tick(), TUTOR)
    body = await o.do(TUTOR, "otla.accept", **action_data(new[-1], "otla.accept"))
    assert "Date agreed" in shown(body)
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).get(TENANT, obs_id)
        assert obs is not None and obs.starts_at == london(2026, 12, 10, 10)


async def test_the_planning_list_button_on_a_card_for_an_older_date_confirms_nothing(
    otla: Otla,
) -> None:
    """Dana's card asks her to put Fri 4 Dec on the planning list. Before she does, Tom and
    Olive agree Mon 7 Dec instead. Her button on the first card confirmed 7 Dec, a date it
    never showed her; now she is shown the date agreed now and nothing is confirmed. The
    button on the card for 7 Dec confirms it."""
    o = otla
    obs_id = await allocate_tom(o)
    await o.propose(TUTOR, obs_id, "2026-12-04")
    await o.do(OBSERVER, "otla.accept", observation_id=obs_id)
    old = action_data(to(await o.tick(), OFFICER)[0], "otla.planned")
    await o.propose(TUTOR, obs_id, "2026-12-07")
    await o.do(OBSERVER, "otla.accept", observation_id=obs_id)
    body = await o.do(OFFICER, "otla.planned", **old)
    assert "agreed again since: Mon 7 Dec 2026" in shown(body)
    assert await _state(o, obs_id) == "date_agreed"

    new = [s for s in to(await o.tick(), OFFICER) if "planning list" in texts([s])]
    body = await o.do(OFFICER, "otla.planned", **action_data(new[-1], "otla.planned"))
    assert "it's on the planning list" in shown(body)
    assert await _state(o, obs_id) == "planned"


async def test_pass_on_a_check_card_for_a_version_corrected_since_passes_nothing(
    otla: Otla,
) -> None:
    """Dora opens Olive's report to check it. It is returned (from another card) and Olive
    corrects and submits it again. Dora's Pass on her first card passed the corrected report,
    which she never read; now she is shown it, marked corrected since, and nothing is passed.
    Pass on that card passes it."""
    o = otla
    obs_id = await submitted_observation(o)
    first = await o.do(OFFICER, "otla.report.open", observation_id=obs_id)
    old = action_data(first["value"], "otla.check")
    await o.do(OFFICER, "otla.return", observation_id=obs_id, comment="Say which questions.")
    o.clock.set(london(2026, 12, 4, 9))
    await submit_report(o, obs_id)

    for verb, extra in (("otla.check", {}), ("otla.return", {"comment": "Old words."})):
        body = await o.do(OFFICER, verb, **old, **extra)
        assert "Corrected since you opened it" in shown(body), verb
        assert await _state(o, obs_id) == "report_submitted"
    body = await o.do(OFFICER, "otla.check", **action_data(body["value"], "otla.check"))
    assert "Checked: passed for approval" in shown(body)
    assert await _state(o, obs_id) == "checked"


async def test_ha24_ticks_saved_from_an_older_card_keep_the_ticks_made_since(otla: Otla) -> None:
    """Mia and the quality coordinator each have Nina's HA24 card open, nothing ticked. Mia
    ticks the handbook and a buddy and saves; the coordinator then ticks safeguarding on her
    own card and saves. Mia's ticks stay: the coordinator's card never showed them, so saving
    it cannot have meant to untick them. Unticking on a card still unticks."""
    o = otla
    await o.say_with_file(QC, "admin import", "n.csv", NEW_TUTOR)
    mia = to(await o.tick(), MANAGER)
    tutor_id = action_data(mia[0], "otla.ha24.save")["tutor_id"]
    quality_card = await o.do(QC, "otla.ha24.open", tutor_id=tutor_id)
    stale = action_data(quality_card["value"], "otla.ha24.save")
    mias = action_data(mia[0], "otla.ha24.save")
    body = await o.do(MANAGER, "otla.ha24.save", **mias, done="handbook,buddy")
    assert "2 of 9" in shown(body)
    body = await o.do(QC, "otla.ha24.save", **stale, done="safeguarding")
    assert "3 of 9" in shown(body)
    async with o.db().unit_of_work() as uow:
        checklist = await Observations(uow.session).checklist(TENANT, int(tutor_id))
        assert checklist is not None
        assert set(checklist.done) == {"handbook", "buddy", "safeguarding"}
    # The coordinator's card after her save shows all three: leaving buddy out unticks it.
    after = action_data(body["value"], "otla.ha24.save")
    body = await o.do(QC, "otla.ha24.save", **after, done="handbook,safeguarding")
    async with o.db().unit_of_work() as uow:
        checklist = await Observations(uow.session).checklist(TENANT, int(tutor_id))
        assert checklist is not None and set(checklist.done) == {"handbook", "safeguarding"}


async def test_a_report_back_with_its_observer_shows_no_one_else_the_corrections_in_progress(
    otla: Otla,
) -> None:
    """The officer returns Olive's report; Olive saves a half-done correction as a draft. Until
    she submits it again, the quality team (the coordinator, the officer) read no word of her
    draft: only that it is back with her. Her draft is kept as she saved it."""
    o = otla
    obs_id = await submitted_observation(o)
    await o.do(OFFICER, "otla.return", observation_id=obs_id, comment="Say which questions.")
    body = await o.do(
        OBSERVER,
        "otla.report.save",
        observation_id=obs_id,
        strengths="Half-way rewrite, not for anyone yet",
        areas="More open questions.",
    )
    assert "Draft saved" in shown(body)
    for user in (QC, OFFICER, APPROVER):
        body = await o.do(user, "otla.report.open", observation_id=obs_id)
        assert "Half-way rewrite" not in shown(body), user
        assert "back with Olive Observer for correction" in shown(body), user
    # Return pressed again on the officer's old card, with no comment: not the draft either.
    body = await o.do(OFFICER, "otla.return", observation_id=obs_id)
    assert "Half-way rewrite" not in shown(body) and "back with Olive" in shown(body)
    assert await _state(o, obs_id) == "returned"
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).get(TENANT, obs_id)
        assert obs is not None
        report = await Observations(uow.session).report(obs)
        assert report is not None and report.strengths == "Half-way rewrite, not for anyone yet"


async def test_a_check_card_sent_back_before_any_report_is_answered_and_changes_nothing(
    otla: Otla,
) -> None:
    """The officer presses Return with no comment (or Check with a comment too long) on an
    observation with no report yet (a hand-made or mistaken card): a clear answer, no crash,
    and nothing is stored."""
    o = otla
    obs_id = await allocate_tom(o)
    body = await o.do(OFFICER, "otla.return", observation_id=obs_id)
    assert "not now" in shown(body) and "went wrong" not in shown(body)
    body = await o.do(OFFICER, "otla.check", observation_id=obs_id, comment="x" * 1001)
    assert "not now" in shown(body) and "went wrong" not in shown(body)
    assert await _state(o, obs_id) == "allocated"
    async with o.db().unit_of_work() as uow:
        obs = await Observations(uow.session).get(TENANT, obs_id)
        assert obs is not None and await Observations(uow.session).report(obs) is None
