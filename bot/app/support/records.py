"""What the support use cases share: who may see a record (its Subject), names, scheduling keys.

Every scheduled item of the support capability has a key that starts `support-` and names its
record, so re-scheduling replaces instead of duplicating, and ending a programme can cancel its
future prompts by prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.access import Actor, Permission, Role, Subject, can
from bot.domain.local_time import LONDON
from bot.domain.support import (
    WEEK as WEEK_,
)
from bot.domain.support import (
    CheckpointKind,
    ProgrammeKind,
    ProgrammeState,
    RatingStage,
    month_end_prompt_at,
    month_key,
    next_term_slot,
    termly_offer_slot,
)
from bot.domain.terms import Term
from cards.base import execute
from storage.models import Person
from storage.people import Directory
from storage.reminders import CANCELLED, PENDING, Schedule, ScheduledItem, tell_person
from storage.support import SupportProgrammeRecord, SupportRecords, SupportReferral

REFUSED = (
    "Sorry, that's not yours to see: support records stay between a tutor and their "
    "advanced practitioner."
)
NO_PROGRAMME = "That programme isn't available any more."


async def actor_for(directory: Directory, org_id: str, person_id: int) -> Actor:
    return Actor(person_id=person_id, org_id=org_id, roles=await directory.roles(person_id))


async def caseload_of(
    directory: Directory, org_id: str, practitioner_id: int
) -> list[SupportProgrammeRecord]:
    """The open programmes an AP runs, as `can()` says now: not one whose tutor has come into
    one management line with them since the match (their caseload and month-end prompt would
    tell a line manager who in their line is on a programme, of what kind, how far in)."""
    actor = await actor_for(directory, org_id, practitioner_id)
    return [
        p
        for p in await SupportRecords(directory.session).caseload(org_id, practitioner_id)
        if can(actor, Permission.RUN_PROGRAMME, await programme_subject(directory, p))
    ]


async def line_manager_ids(directory: Directory, org_id: str, tutor_id: int) -> frozenset[int]:
    tutor = await directory.person(org_id, tutor_id)
    if tutor is None:
        return frozenset()
    return frozenset(m.id for m in await directory.line_managers_of(tutor))


async def in_management_line(
    directory: Directory, org_id: str, tutor_id: int, holders: Sequence[Person] | None = None
) -> frozenset[int]:
    """Of `holders` (by default the APs), those who must never support this tutor nor read
    their support: anyone in the tutor's line-management chain (their line manager, that
    manager's manager, ...), and anyone the tutor is above (the tutor is in their own chain).
    Support stays apart from performance management (seeds 000, 001; SPEC principle 5)."""
    tutor = await directory.person(org_id, tutor_id)
    if tutor is None:
        return frozenset()
    above_tutor = {p.id for p in await directory.management_chain(tutor)}
    out: set[int] = set()
    if holders is None:
        holders = await directory.holders(org_id, Role.ADVANCED_PRACTITIONER)
    for ap in holders:
        if ap.id == tutor_id:
            continue
        if ap.id in above_tutor or tutor_id in {p.id for p in await directory.management_chain(ap)}:
            out.add(ap.id)
    return frozenset(out)


async def programme_subject(
    directory: Directory, programme: SupportProgrammeRecord, *, open_update: bool = False
) -> Subject:
    """Facts about a programme for `can()`. `open_update`: the record being read is one of the
    support-to-good 2-weekly updates, which the programme sends openly to the line manager.
    An AP who has come into one management line with the tutor since the match, and a head of
    T&L in one line with the tutor, are named in `conflicted_ids`: the AP is no longer their
    AP, and the head reads none of it (`bot.domain.access`)."""
    ap = (
        await directory.person(programme.org_id, programme.practitioner_id)
        if programme.practitioner_id is not None
        else None
    )
    readers = [*([ap] if ap is not None else []), *await _heads(directory, programme.org_id)]
    return Subject(
        org_id=programme.org_id,
        tutor_id=programme.tutor_id,
        practitioner_id=programme.practitioner_id,
        line_manager_ids=await line_manager_ids(directory, programme.org_id, programme.tutor_id),
        conflicted_ids=await in_management_line(
            directory, programme.org_id, programme.tutor_id, readers
        ),
        # The head's access lasts from the escalation until the review is recorded.
        escalated=programme.state == ProgrammeState.UNDER_REVIEW.value,
        open_to_line_manager=open_update and programme.kind == ProgrammeKind.SUPPORT_TO_GOOD.value,
    )


def referral_subject(referral: SupportReferral) -> Subject:
    return Subject(
        org_id=referral.org_id,
        tutor_id=referral.tutor_id,
        practitioner_id=referral.practitioner_id,
    )


def update_preview_key(update_id: int) -> str:
    """One preview per update: showing it again re-arms the same key, so its delivery (the
    scheduled item's state and sent_at) is the proof the line-manager send checks."""
    return f"support-update-review:{update_id}"


def consent_actions(referral_id: int) -> list[Any]:
    data = {"referral_id": referral_id}
    return [
        execute("Yes, start Support to good", "support.consent", data, primary=True),
        execute("No, I'd rather not", "support.decline", data),
    ]


async def name_of(directory: Directory, org_id: str, person_id: int | None) -> str:
    return await directory.name_in_message(org_id, person_id, "your AP")


async def _heads(directory: Directory, org_id: str) -> Sequence[Person]:
    return await directory.holders(org_id, Role.HEAD_OF_TL)


async def heads_of_tl(directory: Directory, org_id: str, tutor_id: int) -> list[int]:
    """The heads of T&L who may hear of this tutor's support: none in one management line with
    the tutor (a head who line-manages them, or whom they manage)."""
    heads = await _heads(directory, org_id)
    conflicted = await in_management_line(directory, org_id, tutor_id, heads)
    return [p.id for p in heads if p.id not in conflicted]


async def schedule(
    session: AsyncSession,
    org_id: str,
    key: str,
    kind: str,
    due_at: datetime,
    now: datetime,
    person_id: int,
    payload: dict[str, Any] | None = None,
    *,
    existing: ScheduledItem | None | Literal["unread"] = "unread",
) -> bool:
    """Schedule an item unless one with this key was already sent: re-scheduling a programme
    (an extension, a new AP) must never send an old prompt twice. `existing`: the item with
    this key, if the caller has just read it (None: there is none)."""
    items = Schedule(session)
    if existing == "unread":
        existing = await items.get(org_id, key)
    if existing is not None and existing.state not in (PENDING, CANCELLED):
        return False
    if (
        existing is not None
        and existing.state == PENDING
        and (existing.kind, existing.person_id) == (kind, person_id)
        and existing.due_at == due_at
        and existing.payload == (payload or {})
    ):
        return False  # already waiting, as it is (the tutor list sent again)
    await items.put(
        org_id,
        key,
        kind,
        due_at,
        now,
        person_id=person_id,
        payload=payload or {},
        existing=existing,
    )
    return True


# --- what is scheduled, and when -------------------------------------------------------------

ASK = "support.ask"
WAITING = "support.waiting"
REMATCHED = "support.rematched"
HANDED_ON = "support.handed_on"
STARTED = "support.started"
SESSION_LOGGED = "support.session_logged"
RATE_PROMPT = "support.rate_prompt"
SIGN_OFF_DUE = "support.sign_off_due"
UPDATE_DUE = "support.update_due"
UPDATE_REVIEW = "support.update_review"
UPDATE_TO_LINE_MANAGER = "support.update_to_line_manager"
UPDATE_QUERIED = "support.update_queried"
REVIEW = "support.review"
REVIEW_OUTCOME = "support.review_outcome"
MONTHLY_REPORT = "support.monthly_report"
REPORT_IN = "support.report_in"
PROGRAMME_CHANGED = "support.programme_changed"
OFFER = "support.offer"
ENDED_BY_TUTOR = "support.ended_by_tutor"  # AP: the tutor ended a developmental programme
CONSENT = "support.consent"  # tutor: a programme that reports outward waits for your yes
CONSENT_ANSWER = "support.consent_answer"  # AP: the tutor said yes, or would rather not
SIGN_OFF_OVERDUE = "support.sign_off_overdue"  # AP: week 12 and no sign-off outcome recorded
REVIEW_OVERDUE = "support.review_overdue"  # head of T&L: a count, no content
ESCALATED = "support.escalated"  # tutor: your case has gone to the head of T&L
UPDATE_SENT = "support.update_sent"  # tutor: what went to your line manager
UPDATE_HELD = "support.update_held"  # AP: the tutor's preview failed; the update is held
REPORT_SHARED = "support.report_shared"  # tutor: a monthly report about you went to the head
OFFERS_OPT_OUT = "self_referral_offers"


async def schedule_programme(
    session: AsyncSession, programme: SupportProgrammeRecord, now: datetime
) -> None:
    """(Re)schedule a programme's prompts for its current tutor and AP: self-ratings, 2-weekly
    updates, the sign-off reminder, the week-12 review and the AP's monthly report."""
    org, pid = programme.org_id, programme.id
    ap = programme.practitioner_id
    rules = programme.domain()
    prompts: list[tuple[str, str, datetime, int, dict[str, Any]]] = []  # key, kind, due, to, data
    for point in rules.timeline():
        if point.kind == CheckpointKind.RATING and point.stage not in (None, RatingStage.START):
            stage = point.stage.value
            about = {"programme_id": pid, "stage": stage}
            prompts.append(
                (f"support-rate:{pid}:{stage}", RATE_PROMPT, point.due, programme.tutor_id, about)
            )
        elif ap is None:
            continue
        elif point.kind == CheckpointKind.UPDATE:
            about = {"programme_id": pid, "number": point.number}
            prompts.append(
                (f"support-update:{pid}:{point.number}", UPDATE_DUE, point.due, ap, about)
            )
        elif point.kind == CheckpointKind.SIGN_OFF:
            key = f"support-signoff:{pid}:{rules.extensions}"
            prompts.append((key, SIGN_OFF_DUE, point.due, ap, {"programme_id": pid}))
        elif point.kind == CheckpointKind.REVIEW:
            # Week 12 never sends a case to the head by itself: only the AP's recorded "not
            # enough improvement" does (log_session). Without an outcome, the AP is reminded,
            # and a week later the head hears only that a review is overdue.
            key = f"support-overdue:{pid}:ap"
            prompts.append((key, SIGN_OFF_OVERDUE, point.due, ap, {"programme_id": pid}))
            prompts += [
                (
                    f"support-overdue:{pid}:head:{head}",
                    REVIEW_OVERDUE,
                    point.due + WEEK_,
                    head,
                    {"programme_id": pid},
                )
                for head in await heads_of_tl(Directory(session), org, programme.tutor_id)
            ]
    for key, kind, due, person, about in prompts:
        await schedule(session, org, key, kind, max(due, now), now, person, about)
    if ap is not None:
        await schedule_monthly_report(session, org, ap, now)


async def schedule_review(
    session: AsyncSession, programme: SupportProgrammeRecord, due: datetime, now: datetime
) -> None:
    for head in await heads_of_tl(Directory(session), programme.org_id, programme.tutor_id):
        await schedule(
            session,
            programme.org_id,
            f"support-review:{programme.id}:{head}",
            REVIEW,
            due,
            now,
            head,
            {"programme_id": programme.id},
        )


async def reviews_for_new_head(
    session: AsyncSession, org_id: str, head_id: int, now: datetime
) -> int:
    """Someone was made head of T&L: each case waiting for its week-12 review (escalated, not yet
    decided) goes to them now, as it went to the heads of T&L there were then (none, perhaps:
    the tutor was told the head reviews it). Each review still checks its reader when it is
    sent (a head who line-manages the tutor does not get it). Returns how many."""
    count = 0
    for programme in await SupportRecords(session).under_review(org_id):
        if programme.review_decision is None:
            key = f"support-review:{programme.id}:{head_id}"
            payload = {"programme_id": programme.id}
            count += await schedule(session, org_id, key, REVIEW, now, now, head_id, payload)
    return count


async def cancel_programme_prompts(
    session: AsyncSession, programme: SupportProgrammeRecord, now: datetime
) -> None:
    schedule_ = Schedule(session)
    for family in ("rate", "update", "signoff", "review", "overdue"):
        await schedule_.cancel_prefix(programme.org_id, f"support-{family}:{programme.id}:", now)


async def schedule_monthly_report(
    session: AsyncSession, org_id: str, practitioner_id: int, now: datetime
) -> None:
    today = now.astimezone(LONDON).date()
    due = month_end_prompt_at(today)
    if due <= now:
        due = month_end_prompt_at(today.replace(day=28) + timedelta(days=7))
    month = month_key(due.date())
    await schedule(
        session,
        org_id,
        f"support-report:{practitioner_id}:{month}",
        MONTHLY_REPORT,
        due,
        now,
        practitioner_id,
        {"month": month},
    )


notify = tell_person  # the name the support modules use


# --- self-referral offers --------------------------------------------------------------------


def termly_offer_key(term_key: str, person_id: int) -> str:
    return f"support-offer:term:{term_key}:{person_id}"


def induction_offer_key(person_id: int) -> str:
    return f"support-offer:induction:{person_id}"


async def schedule_termly_offer(
    session: AsyncSession,
    org_id: str,
    person_id: int,
    now: datetime,
    settings: dict[str, Any] | None = None,
    *,
    after: Term | None = None,
) -> None:
    term, due = next_term_slot(after, settings) if after else termly_offer_slot(now, settings)
    await schedule(
        session,
        org_id,
        termly_offer_key(term.key, person_id),
        OFFER,
        due,
        now,
        person_id,
        {"reason": "term", "term": term.key},
    )
