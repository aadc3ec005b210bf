"""One matrix, kept (issue 12, point 10): every developmental record kind × every role and
relationship, each cell allowed or denied, played as HTTP turns; and the disclosure events
(update sent, escalation, monthly report, the head's note) with exactly who received them.

One Support-to-good programme is played through three phases: before the escalation, during
the week-12 review, and after it is recorded; then the AP's role is revoked. In each phase,
every person tries every way of reading (the `programme` command, opening the programme, the
chart, the 2-weekly update and the monthly report), and whatever was pushed to them in that
phase counts too. A record is "seen" when its secret marker reaches them.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.clock import FixedClock
from tests.conftest import ADMIN, MANAGER, START, TUTOR
from tests.integration.test_support import (
    AMY,
    BEN,
    HAL,
    QUINN,
    SCORES,
    ask_amy,
    button_data,
    cards_to,
    college,
    tick,
)
from tests.support.teams import Place, TeamsClient, User, card_text, only_card

LEO = User("leo", "Leo Lead", "leo@college.ac.uk")  # another line manager
DOT = User("dot", "Dot Officer", "dot@college.ac.uk")  # development officer
DEV = User("dev", "Dev Coordinator", "dev@college.ac.uk")  # development coordinator
XENA = User("xena", "Xena Elsewhere", "xena@other.ac.uk")  # another tenant
OTHER = Place.personal(XENA, tenant="tenant-2")

OBJ, NOTE, REFL, CHART = "OBJ-SECRET", "NOTE-SECRET", "REFLECTION-SECRET", "CHART"
UPDATE, REPORT, HEAD_NOTE = "UPDATE-SECRET", "REPORT-SECRET", "HEAD-REMARK-SECRET"
RECORDS = {
    OBJ: "programme card (objectives)",
    NOTE: "session notes",
    REFL: "reflections",
    CHART: "self-rating chart",
    UPDATE: "2-weekly update",
    REPORT: "monthly AP report",
    HEAD_NOTE: "head's week-12 note",
}
EVERYTHING_OF_THE_PAIR = {OBJ, NOTE, REFL, CHART}

ROLES: dict[str, User] = {
    "tutor": TUTOR,
    "their AP": AMY,
    "another AP": BEN,
    "their line manager": MANAGER,
    "another line manager": LEO,
    "head of T&L": HAL,
    "quality coordinator": QUINN,
    "development officer": DOT,
    "development coordinator": DEV,
    "org admin": ADMIN,
    "another tenant": XENA,
}

# phase -> role -> the records that reach them (everything else is denied)
MATRIX: dict[str, dict[str, set[str]]] = {
    "before escalation": {
        "tutor": EVERYTHING_OF_THE_PAIR | {UPDATE, REPORT},  # both pushed to them as they go
        "their AP": EVERYTHING_OF_THE_PAIR | {UPDATE, REPORT},
        "their line manager": {UPDATE},
        "head of T&L": {REPORT},
    },
    "during escalation": {
        "tutor": EVERYTHING_OF_THE_PAIR,
        "their AP": EVERYTHING_OF_THE_PAIR | {UPDATE, REPORT},
        "their line manager": {UPDATE},
        "head of T&L": {OBJ, CHART},  # never reflections or session notes
    },
    "after escalation": {
        "tutor": EVERYTHING_OF_THE_PAIR | {HEAD_NOTE},
        "their AP": EVERYTHING_OF_THE_PAIR | {UPDATE, REPORT},
        "their line manager": {UPDATE, HEAD_NOTE},
        "head of T&L": set(),  # access ended when the review was recorded
    },
    "AP role revoked": {"their AP": set()},
}

# phase -> disclosure event -> who was pushed it
EVENTS: dict[str, dict[str, set[str]]] = {
    "before escalation": {
        "update sent to the line manager": {"tutor", "their line manager"},
        "monthly report": {"tutor", "head of T&L"},
    },
    "during escalation": {"escalation to the head": {"tutor", "head of T&L"}},
    "after escalation": {"head's note to the line manager": {"tutor", "their line manager"}},
}


def place_of(user: User) -> Place:
    return OTHER if user == XENA else Place.personal(user)


async def _reads(teams: TeamsClient, user: User, pid: int, since: int) -> str:
    """Everything that reaches `user`: every pull they can try, and what was pushed to them."""
    place = place_of(user)
    seen: list[str] = []
    for sent in await teams.say(user, "programme", place):
        seen += [sent.text or "", *(card_text(c) for c in sent.cards)]
    for verb, data in (
        ("programme.open", {"programme_id": pid}),
        ("programme.update.open", {"programme_id": pid, "number": 1}),
        ("programme.report.open", {"programme_id": pid, "month": "2026-11"}),
    ):
        body, _ = await teams.execute(user, verb, data, place)
        seen.append(card_text(body["value"]) if isinstance(body["value"], dict) else str(body))
    body, _ = await teams.execute(user, "rate.chart", {"programme_id": pid}, place)
    if isinstance(body["value"], dict) and "data:image/png" in str(body["value"]):
        seen.append(CHART)
    pushed = teams.connector.messages()[since:]
    seen += [
        card_text(c) for s in pushed if s.conversation_id == place.conversation_id for c in s.cards
    ]
    return "\n".join(seen)


def _pushed(teams: TeamsClient, user: User, since: int) -> str:
    conv = place_of(user).conversation_id
    return "\n".join(
        card_text(c)
        for s in teams.connector.messages()[since:]
        if s.conversation_id == conv
        for c in s.cards
    )


async def _check(teams: TeamsClient, phase: str, pid: int, since: int, failures: list[str]) -> None:
    for role, allowed in (
        MATRIX[phase].items()
        if phase == "AP role revoked"
        else [(r, MATRIX[phase].get(r, set())) for r in ROLES]
    ):
        seen = await _reads(teams, ROLES[role], pid, since)
        for marker, record in RECORDS.items():
            if (marker in seen) != (marker in allowed):
                want = "allowed" if marker in allowed else "denied"
                failures.append(f"{phase} | {record} | {role}: should be {want}")
    events = {
        "update sent to the line manager": UPDATE,
        "monthly report": REPORT,
        "escalation to the head": "week-12 review",
        "head's note to the line manager": HEAD_NOTE,
    }
    for event, recipients in EVENTS.get(phase, {}).items():
        for role, user in ROLES.items():
            got = events[event].lower() in _pushed(teams, user, since).lower()
            if got != (role in recipients):
                failures.append(f"{phase} | event {event} | {role}: received={got}")


async def test_developmental_records_by_role_and_relationship_over_http(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    connector = teams.connector
    teams.on_roster(LEO, DOT, DEV)
    await college(teams)
    for user, role in (
        (LEO, "line_manager"),
        (DOT, "development_officer"),
        (DEV, "development_coordinator"),
    ):
        await teams.say(user, "hello")
        reply = await teams.say(ADMIN, f"admin grant {user.email} {role}")
        assert "Saved: roles" in card_text(only_card(reply))
    await teams.say(XENA, "hello", OTHER)
    failures: list[str] = []

    # --- before: a Support-to-good programme with every kind of record --------------------
    since = len(connector.messages())
    data = button_data(await ask_amy(teams, teams_app, clock), "support.accept")
    await teams.execute(AMY, "support.accept", {**data, "kind": "support_to_good"})
    body, _ = await teams.execute(TUTOR, "support.consent", data)
    pid = int(button_data(body["value"], "programme.open")["programme_id"])
    await teams.execute(
        AMY, "programme.objectives", {"programme_id": pid, "objectives": OBJ, "milestones": ""}
    )
    await teams.execute(
        AMY,
        "programme.session",
        {"programme_id": pid, "kind": "coaching", "held_on": "2026-11-23", "notes": NOTE},
    )
    await teams.execute(TUTOR, "programme.reflect", {"programme_id": pid, "text": REFL})
    await teams.execute(TUTOR, "rate", {"programme_id": pid, "stage": "start", **SCORES})
    await teams.execute(AMY, "programme.update", {"programme_id": pid, "number": 1, "text": UPDATE})
    await tick(teams_app, clock)
    review = next(c for c in cards_to(connector, TUTOR) if "Before it goes" in card_text(c))
    await teams.execute(
        TUTOR, "programme.update.approve", button_data(review, "programme.update.approve")
    )
    month = {"programme_id": pid, "month": "2026-11"}
    await teams.execute(
        AMY, "programme.report", {**month, "sessions": "One.", "progress": REPORT, "concerns": ""}
    )
    await tick(teams_app, clock)
    await tick(teams_app, clock)
    await _check(teams, "before escalation", pid, since, failures)

    # --- during: "not met" at week 8, the one extension, "not met" again -> the head ------
    clock.set(START + timedelta(weeks=7, days=1))
    since = len(connector.messages())
    sign_off = {"programme_id": pid, "kind": "sign_off_observation", "sign_off": "not_met"}
    await teams.execute(AMY, "programme.session", {**sign_off, "held_on": "2027-01-12"})
    await teams.execute(AMY, "programme.extend", {"programme_id": pid})
    clock.set(START + timedelta(weeks=11, days=1))
    await teams.execute(AMY, "programme.session", {**sign_off, "held_on": "2027-02-09"})
    await tick(teams_app, clock)
    await _check(teams, "during escalation", pid, since, failures)

    # --- after: the head records the review (refer, with a note) -----------------------------
    since = len(connector.messages())
    await teams.execute(
        HAL, "programme.review", {"programme_id": pid, "decision": "refer", "note": HEAD_NOTE}
    )
    await tick(teams_app, clock)
    await _check(teams, "after escalation", pid, since, failures)

    # --- the AP's role is revoked ------------------------------------------------------------
    await teams.say(ADMIN, "admin revoke amy@college.ac.uk advanced_practitioner")
    await _check(teams, "AP role revoked", pid, len(connector.messages()), failures)

    assert not failures, "\n".join(failures)
