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

from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.mentoring import MentoringEntry, MentoringReview
from storage.observations import Observation
from storage.walks import StoredWalk
from tests.conftest import ADMIN, DOT, LEO, MANAGER, QUINN, START, TUTOR
from tests.support.bot import person_id, rows, tick
from tests.support.cards import button_data, card_text, choices, only_card
from tests.support.mentoring import GOOD
from tests.support.support_college import AMY, BEN, HAL, SCORES, amy_logs_session, college, refer
from tests.support.teams import Place, TeamsClient, User, cards_to

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


async def support_to_good(
    teams: TeamsClient, app: web.Application, clock: FixedClock, ap: User
) -> int:
    """Tom asks for support; `ap` is asked and takes on a Support-to-good programme; Tom
    accepts it. The programme's id."""
    await refer(teams)
    await tick(app, clock)
    data = button_data(cards_to(teams.connector, ap)[-1], "support.accept")
    await teams.execute(ap, "support.accept", {**data, "kind": "support_to_good"})
    answer = await teams.answer(TUTOR, "support.consent", data)
    return int(button_data(answer, "programme.open")["programme_id"])


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
    answer = await teams.answer(user, "rate.chart", {"programme_id": pid}, place)
    if isinstance(answer, dict) and "data:image/png" in str(answer):
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
    pid = await support_to_good(teams, teams_app, clock, AMY)
    await teams.execute(
        AMY, "programme.objectives", {"programme_id": pid, "objectives": OBJ, "milestones": ""}
    )
    await amy_logs_session(teams, pid, "coaching", "2026-11-23", notes=NOTE)
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


# --- mentoring and coaching (issue 14, point 5) ------------------------------------------------
#
# Tom (tutor) -> Mia (his line manager) -> Dee (hers: his management chain). Max mentors Tom;
# Cora is the AP running Tom's support programme (his coach); Ari another AP; Quinn quality;
# Rita the person Tom agrees may receive his reviews; Uma a tutor with nothing to do with him.

MAX = User("max", "Max Mentor", "max@college.ac.uk")
CORA = User("cora", "Cora Coach", "cora@college.ac.uk")
ARI = User("ari", "Ari Other", "ari@college.ac.uk")
DEE = User("dee", "Dee Director", "dee@college.ac.uk")
RITA = User("rita", "Rita Recipient", "rita@college.ac.uk")
UMA = User("uma", "Uma Unrelated", "uma@college.ac.uk")
MENTORING_PEOPLE = (ADMIN, TUTOR, MANAGER, DEE, MAX, CORA, ARI, QUINN, RITA, UMA)
MENTORING_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,"
    "learning_in_libraries,start_date\n"
    """Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk,no,2019-09-01
Mia Manager,mia@college.ac.uk,Hitchin,Maths,practical,dee@college.ac.uk,no,2010-09-01
Dee Director,dee@college.ac.uk,Hitchin,Maths,practical,,no,2005-09-01
Max Mentor,max@college.ac.uk,Stevenage,Maths,classroom,,no,2012-09-01
Cora Coach,cora@college.ac.uk,Hitchin,Engineering,practical,,no,2015-09-01
Ari Other,ari@college.ac.uk,Stevenage,English,classroom,,no,2016-09-01
Rita Recipient,rita@college.ac.uk,Stevenage,English,classroom,,no,2014-09-01
Uma Unrelated,uma@college.ac.uk,Hitchin,Maths,practical,,no,2017-09-01
"""
)

M_AGREE, M_MEETING = "AGREEMENT-SECRET", "MEETING-SECRET"
M_OBS_MENTEE, M_EVAL, M_OBS_MENTOR = "OBS-OF-MENTEE-SECRET", "EVALUATION-SECRET", "OBS-OF-MENTOR"
M_REVIEW, M_GROW = "meetings logged", "GROW-SECRET"  # the review's first line; Tom's goal
M_EXISTS_TEAM = "Your team members with a mentor: Tom Tutor"
M_EXISTS_COUNT = "1 of 2 ("  # Max's line on the capacity card: how many, nothing else
M_RECORDS = {
    M_AGREE: "agreement",
    M_MEETING: "meeting log",
    M_OBS_MENTEE: "mentor's observation of the mentee",
    M_EVAL: "mentee's evaluation of that observation",
    M_OBS_MENTOR: "mentee's observation of the mentor",
    M_REVIEW: "review report",
    M_GROW: "GROW coaching notes",
    M_EXISTS_TEAM: "that Tom has a mentor (his managers' view)",
    M_EXISTS_COUNT: "that Max mentors someone (capacity numbers)",
}
THE_PAIRS = {M_AGREE, M_MEETING, M_OBS_MENTEE, M_EVAL, M_OBS_MENTOR}
M_ROLES: dict[str, User] = {
    "mentee": TUTOR,
    "mentor": MAX,
    "coach (his AP)": CORA,
    "another AP": ARI,
    "line manager": MANAGER,
    "management chain": DEE,
    "quality team": QUINN,
    "review recipient": RITA,
    "unrelated tutor": UMA,
    "org admin": ADMIN,
}
_P1, _P2, _P3, _P4 = (
    "agreed, review drafted, notes private",
    "review sent, notes shared with the mentor",
    "notes shared with the coach",
    "ended as not a good fit",
)
_MANAGERS = {
    "line manager": {M_EXISTS_TEAM},
    "management chain": {M_EXISTS_TEAM},
    "quality team": {M_EXISTS_COUNT},
    "org admin": {M_EXISTS_COUNT},
}
# phase -> role -> what has reached them by the end of it (everything else is denied). The
# last phase counts only what reaches them after the end, and only for the roles listed.
M_MATRIX: dict[str, dict[str, set[str]]] = {
    _P1: {"mentee": THE_PAIRS | {M_REVIEW, M_GROW}, "mentor": THE_PAIRS | {M_REVIEW}, **_MANAGERS},
    _P2: {
        "mentee": THE_PAIRS | {M_REVIEW, M_GROW},
        "mentor": THE_PAIRS | {M_REVIEW, M_GROW},
        "review recipient": {M_REVIEW},
        **_MANAGERS,
    },
    _P3: {
        "mentee": THE_PAIRS | {M_REVIEW, M_GROW},
        "mentor": THE_PAIRS | {M_REVIEW, M_GROW},
        "coach (his AP)": {M_GROW},
        "review recipient": {M_REVIEW},
        **_MANAGERS,
    },
    _P4: {
        "mentor": set(),
        "line manager": set(),
        "management chain": set(),
        "quality team": set(),
        "org admin": set(),
    },
}


async def _mentoring_reads(teams: TeamsClient, user: User, ids: dict[str, int], since: int) -> str:
    """Every way `user` can try to read the mentoring and coaching records, plus what was
    pushed to them since `since`; also the OTLA and learning-walk views, where a mentor's
    observation must never show up."""
    seen: list[str] = []
    for words in ("agreement", "mentor", "mentor capacity", "observations", "walks"):
        for sent in await teams.say(user, words):
            seen += [sent.text or "", *(card_text(c) for c in sent.cards)]
    for verb, data in (
        ("agreement.open", {"rel": ids["rel"]}),
        ("agreement.edit", {"rel": ids["rel"]}),
        ("mentoring.meeting.open", {"rel": ids["rel"]}),
        ("mentoring.evaluate.open", {"entry": ids["entry"]}),
        ("coach.resume", {"conv": ids["conv"]}),
    ):
        body, sent = await teams.execute(user, verb, data)
        value = body.get("value")
        seen.append(card_text(value) if isinstance(value, dict) else str(body))
        seen += [card_text(c) for s in sent for c in s.cards]
    seen.append(_pushed(teams, user, since))
    return "\n".join(seen)


async def _check_mentoring(
    teams: TeamsClient, phase: str, ids: dict[str, int], since: int, failures: list[str]
) -> None:
    roles = M_MATRIX[phase] if phase == _P4 else {r: M_MATRIX[phase].get(r, set()) for r in M_ROLES}
    for role, allowed in roles.items():
        seen = await _mentoring_reads(teams, M_ROLES[role], ids, since)
        for marker, record in M_RECORDS.items():
            if (marker in seen) != (marker in allowed):
                want = "allowed" if marker in allowed else "denied"
                failures.append(f"{phase} | {record} | {role}: should be {want}")


async def test_mentoring_and_coaching_records_by_role_over_http(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    connector = teams.connector
    await college(teams, MENTORING_LIST, MENTORING_PEOPLE)
    for email, role in (
        (CORA.email, "advanced_practitioner"),
        (ARI.email, "advanced_practitioner"),
    ):
        assert "Saved: roles" in card_text(
            only_card(await teams.say(ADMIN, f"admin grant {email} {role}"))
        )
    failures: list[str] = []
    since = len(connector.messages())

    # Tom's coach: Cora takes on his Support-to-good programme.
    await support_to_good(teams, teams_app, clock, CORA)

    # Max offers to mentor maths; Tom chooses him; Max accepts; they agree.
    await teams.say(MAX, "mentor offer")
    await teams.execute(
        MAX, "mentor.offer", {"specialisms": "Maths", "campus": "Stevenage", "capacity": "2"}
    )
    card = only_card(await teams.say(TUTOR, "mentor maths"))
    await teams.execute(
        TUTOR,
        "mentor.choose",
        {"first": choices(card, "first")["Max Mentor"], "specialism": "maths"},
    )
    await tick(teams_app, clock)
    rel_id = int(button_data(cards_to(connector, MAX)[-1], "mentor.accept")["rel"])
    await teams.execute(MAX, "mentor.accept", {"rel": rel_id})
    agreement = {
        **GOOD,
        "objective_1_measure": f"3 starters used and observed once ({M_AGREE})",
        "recipients": RITA.email,
    }
    await teams.execute(MAX, "agreement.save", {"rel": rel_id, **agreement})
    await teams.execute(TUTOR, "agreement.confirm", {"rel": rel_id})
    await teams.execute(
        MAX,
        "mentoring.meeting",
        {"rel": rel_id, "held_on": "2026-11-23", "discussed": M_MEETING, "progress_1": "20"},
    )
    observe = {"rel": rel_id, "held_on": "2026-11-23"}
    await teams.execute(
        MAX, "mentoring.observe", {**observe, "who": "mentee", "notes": M_OBS_MENTEE}
    )
    await teams.execute(
        TUTOR, "mentoring.observe", {**observe, "who": "mentor", "notes": M_OBS_MENTOR}
    )
    entry = next(e for e in await rows(teams_app, MentoringEntry) if e.discussed == M_OBS_MENTEE)
    await teams.execute(TUTOR, "mentoring.evaluate", {"entry": entry.id, "evaluation": M_EVAL})
    clock.set(START + timedelta(days=7))
    await teams.execute(
        MAX,
        "mentoring.meeting",
        {"rel": rel_id, "held_on": "2026-11-30", "discussed": "Plans for December"},
    )
    # Tom's private GROW notes.
    card = only_card(await teams.say(TUTOR, "coach grow"))
    body, _ = await teams.execute(
        TUTOR, "coach.answer", {**button_data(card, "coach.answer"), "answer": M_GROW}
    )
    for answer in ("Reality", "Options"):
        body, _ = await teams.execute(
            TUTOR, "coach.answer", {**button_data(body["value"], "coach.answer"), "answer": answer}
        )
    done = await teams.answer(
        TUTOR,
        "coach.answer",
        {**button_data(body["value"], "coach.answer"), "action_1": "Ask Max", "by_1": "2026-12-18"},
    )
    assert "Share with Max Mentor" in card_text(done) and "Share with Cora Coach" in card_text(done)
    conv_id = int(button_data(done, "coach.share")["conv"])
    # The initial review point: both reminded, the draft to Tom; Rita gets nothing yet.
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    await tick(teams_app, clock)
    ids = {"rel": rel_id, "entry": entry.id, "conv": conv_id}
    await _check_mentoring(teams, _P1, ids, since, failures)

    # A mentor's observation is never an OTLA or a learning walk, nor counted as one.
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        for model in (Observation, StoredWalk):
            assert await uow.session.scalar(select(func.count()).select_from(model)) == 0
    for user in (TUTOR, MAX, QUINN, MANAGER):
        for words in ("observations", "walks"):
            said = "\n".join(
                (s.text or "") + "".join(card_text(c) for c in s.cards)
                for s in await teams.say(user, words)
            )
            assert M_OBS_MENTEE not in said and M_OBS_MENTOR not in said, (user.name, words)

    # Tom reads the review, so it goes to Rita; he shares his notes with Max (only).
    draft = next(c for c in cards_to(connector, TUTOR) if "the draft" in card_text(c))
    await teams.execute(TUTOR, "mentoring.review.seen", button_data(draft, "mentoring.review.seen"))
    max_id, cora_id = await person_id(teams_app, MAX), await person_id(teams_app, CORA)
    await teams.execute(TUTOR, "coach.share", {"conv": conv_id, "with": max_id})
    await tick(teams_app, clock)
    (review,) = await rows(teams_app, MentoringReview)
    assert review.recipients == [await person_id(teams_app, RITA)]
    await _check_mentoring(teams, _P2, ids, since, failures)

    # Someone else can't share Tom's notes, nor Tom share them with someone he didn't choose.
    body, _ = await teams.execute(MAX, "coach.share", {"conv": conv_id, "with": max_id})
    assert "private" in str(body["value"])
    body, _ = await teams.execute(
        TUTOR, "coach.share", {"conv": conv_id, "with": await person_id(teams_app, ARI)}
    )
    assert "only with your mentor or your coach" in str(body["value"])

    await teams.execute(TUTOR, "coach.share", {"conv": conv_id, "with": cora_id})
    await tick(teams_app, clock)
    await _check_mentoring(teams, _P3, ids, since, failures)

    # Tom ends it: the mentor's and the managers' view of it end with it.
    await teams.execute(TUTOR, "mentor.not_fit", {"rel": rel_id})
    since = len(connector.messages())
    await tick(teams_app, clock)
    await _check_mentoring(teams, _P4, ids, since, failures)

    assert not failures, "\n".join(failures)
