"""Matching a self-referral to an advanced practitioner, and asking them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.support.records import ASK, WAITING, in_management_line, notify, schedule
from bot.domain.access import Role
from bot.domain.support import (
    MatchRequest,
    Practitioner,
    capacity_of,
    match_reasons,
    rank_practitioners,
)
from storage.models import Person
from storage.people import Directory
from storage.support import MATCHING, SupportRecords, SupportReferral
from storage.support import WAITING as REFERRAL_WAITING


async def practitioners(
    session: AsyncSession, org_id: str, now: datetime, holders: Sequence[Person] | None = None
) -> list[Practitioner]:
    """Every AP in the organisation with their current caseload and capacity (`holders`: the
    AP role's holders, if the caller has just read them)."""
    directory = Directory(session)
    if holders is None:
        holders = await directory.holders(org_id, Role.ADVANCED_PRACTITIONER)
    if not holders:
        return []  # no AP: no capacity or caseload to read
    settings = (await directory.organisation(org_id, now)).settings
    counts = await SupportRecords(session).caseload_counts(org_id)
    return [
        Practitioner(
            person_id=p.id,
            name=p.name or p.email or "AP",
            campus=p.campus,
            curriculum_area=p.curriculum_area,
            delivery_style=p.delivery_style,
            caseload=counts.get(p.id, 0),
            capacity=capacity_of(settings, p.email),
        )
        for p in holders
    ]


async def in_conflict(directory: Directory, org_id: str, tutor_id: int, ap_id: int) -> bool:
    return ap_id in await in_management_line(directory, org_id, tutor_id)


@dataclass(frozen=True)
class Proposal:
    """Whom a referral's tutor was proposed, and why; or, with nobody asked, why it waits."""

    chosen: Practitioner | None
    reasons: list[str] = field(default_factory=list)
    waiting: str | None = None


async def ask_next_practitioner(
    session: AsyncSession, referral: SupportReferral, now: datetime
) -> tuple[Practitioner | None, list[str]]:
    proposal = await propose(session, referral, now)
    return proposal.chosen, proposal.reasons


async def propose(session: AsyncSession, referral: SupportReferral, now: datetime) -> Proposal:
    """Propose the best AP with room who has not passed and is not in the tutor's line-management
    chain (either way); ask them. With nobody free, the referral waits and the head of T&L is
    told that someone is waiting (not who, nor why); the tutor is told why, from the same APs."""
    directory = Directory(session)
    tutor = await directory.person(referral.org_id, referral.tutor_id)
    # The APs, and whom a waiting referral is told to, in one read (before anything is written).
    by_role = await directory.holders_of(
        referral.org_id, Role.ADVANCED_PRACTITIONER, Role.HEAD_OF_TL, Role.ORG_ADMIN
    )
    holders = by_role[Role.ADVANCED_PRACTITIONER]
    conflicted = await in_management_line(directory, referral.org_id, referral.tutor_id, holders)
    request = MatchRequest(
        campus="" if referral.campus == "any" else referral.campus,
        curriculum_area=tutor.curriculum_area if tutor else "",
        delivery_style=referral.delivery_style,
        similar_style=referral.similar_style,
        exclude=frozenset(
            [
                *referral.passed_ids,
                referral.tutor_id,
                *conflicted,
            ]
        ),
    )
    if referral.practitioner_id is not None:
        referral.practitioner_id = None
        await session.flush()
    aps = await practitioners(session, referral.org_id, now, holders)
    ranked = rank_practitioners(request, aps)
    told: set[int] = set()
    if not ranked:
        # Read with the APs, before a new referral is written: on SQLite its INSERT takes the
        # one write lock until the commit. With no AP at all, nobody can ever take it until
        # someone is made one: the admins can do that, so they are told too.
        roles = (Role.HEAD_OF_TL,) if aps else (Role.HEAD_OF_TL, Role.ORG_ADMIN)
        told = {p.id for role in roles for p in by_role[role]}
        told.discard(referral.tutor_id)
    referral.updated_at = now
    referral.state = MATCHING if ranked else REFERRAL_WAITING
    referral.practitioner_id = ranked[0].person_id if ranked else None
    if referral.id is None:
        # A new referral is stored once, as decided here (not inserted, then updated): a Core
        # INSERT, not an ORM flush.
        await SupportRecords(session).insert_referral(referral)
    if not ranked:
        for head in sorted(told):
            await schedule(
                session,
                referral.org_id,
                f"support-waiting:{referral.id}:{head}",
                WAITING,
                now,
                now,
                head,
            )
        return Proposal(None, waiting=waiting_reason(aps, referral.tutor_id, conflicted))
    chosen = ranked[0]
    reasons = match_reasons(request, chosen)
    await notify(
        session,
        referral.org_id,
        f"support-ask:{referral.id}:{chosen.person_id}",
        ASK,
        chosen.person_id,
        now,
        {"referral_id": referral.id, "reasons": reasons},
    )
    return Proposal(chosen, reasons)


async def rematch_waiting(session: AsyncSession, org_id: str, now: datetime) -> int:
    """A place came free: ask an AP about the longest-waiting referrals. Returns how many."""
    asked = 0
    for referral in await SupportRecords(session).waiting(org_id):
        chosen, _ = await ask_next_practitioner(session, referral, now)
        if chosen is None:
            break
        asked += 1
    return asked


NO_APS = (
    "TLC has no advanced practitioners (APs) yet, so your request is kept safe and waits for "
    "one. The people who run TLC here know that a request is waiting (not who or why), and "
    "I'll tell you as soon as an AP can take it on."
)
FULLY_BOOKED = "Every AP is fully booked just now; you're in the queue and I'll be in touch."
ALL_ASKED = (
    "Every AP with room has been asked already; you're in the queue, and I'll be in touch as "
    "soon as a place comes up."
)


async def why_waiting(session: AsyncSession, referral: SupportReferral, now: datetime) -> str:
    """Why a referral waits, told the way it is: no APs at all, every AP who may take it full,
    or every AP with room already asked. APs in the tutor's line-management chain never count:
    they may not take it (issue 12), so their room is no place for it."""
    conflicted = await in_management_line(Directory(session), referral.org_id, referral.tutor_id)
    aps = await practitioners(session, referral.org_id, now)
    return waiting_reason(aps, referral.tutor_id, conflicted)


def waiting_reason(aps: list[Practitioner], tutor_id: int, conflicted: frozenset[int]) -> str:
    aps = [ap for ap in aps if ap.person_id != tutor_id and ap.person_id not in conflicted]
    if not aps:
        return NO_APS
    if all(not ap.has_room for ap in aps):
        return FULLY_BOOKED
    return ALL_ASKED
