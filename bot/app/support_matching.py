"""Matching a self-referral to an advanced practitioner, and asking them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.support_common import ASK, WAITING, heads_of_tl, notify, schedule
from bot.domain.access import Role
from bot.domain.support import (
    MatchRequest,
    Practitioner,
    capacity_of,
    match_reasons,
    rank_practitioners,
)
from storage.people import Directory
from storage.support import MATCHING, SupportRecords, SupportReferral
from storage.support import WAITING as REFERRAL_WAITING


async def practitioners(session: AsyncSession, org_id: str, now: datetime) -> list[Practitioner]:
    """Every AP in the organisation with their current caseload and capacity."""
    directory = Directory(session)
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
        for p in await directory.holders(org_id, Role.ADVANCED_PRACTITIONER)
    ]


async def conflicted_practitioners(
    directory: Directory, org_id: str, tutor_id: int
) -> frozenset[int]:
    """APs who must never support this tutor: anyone in the tutor's line-management chain (their
    line manager, that manager's manager, ...), and anyone the tutor is above (the tutor is in
    the AP's own chain). Support stays apart from performance management (seeds 000, 001)."""
    tutor = await directory.person(org_id, tutor_id)
    if tutor is None:
        return frozenset()
    above_tutor = {p.id for p in await directory.management_chain(tutor)}
    out: set[int] = set()
    for ap in await directory.holders(org_id, Role.ADVANCED_PRACTITIONER):
        if ap.id == tutor_id:
            continue
        if ap.id in above_tutor or tutor_id in {p.id for p in await directory.management_chain(ap)}:
            out.add(ap.id)
    return frozenset(out)


async def in_conflict(directory: Directory, org_id: str, tutor_id: int, ap_id: int) -> bool:
    return ap_id in await conflicted_practitioners(directory, org_id, tutor_id)


async def ask_next_practitioner(
    session: AsyncSession, referral: SupportReferral, now: datetime
) -> tuple[Practitioner | None, list[str]]:
    """Propose the best AP with room who has not passed and is not in the tutor's line-management
    chain (either way); ask them. With nobody free, the referral waits and the head of T&L is
    told that someone is waiting (not who, nor why)."""
    directory = Directory(session)
    tutor = await directory.person(referral.org_id, referral.tutor_id)
    request = MatchRequest(
        campus="" if referral.campus == "any" else referral.campus,
        curriculum_area=tutor.curriculum_area if tutor else "",
        delivery_style=referral.delivery_style,
        similar_style=referral.similar_style,
        exclude=frozenset(
            [
                *referral.passed_ids,
                referral.tutor_id,
                *await conflicted_practitioners(directory, referral.org_id, referral.tutor_id),
            ]
        ),
    )
    if referral.practitioner_id is not None:
        referral.practitioner_id = None
        await session.flush()
    ranked = rank_practitioners(request, await practitioners(session, referral.org_id, now))
    referral.updated_at = now
    if not ranked:
        referral.state = REFERRAL_WAITING
        for head in await heads_of_tl(directory, referral.org_id):
            await schedule(
                session,
                referral.org_id,
                f"support-waiting:{referral.id}:{head}",
                WAITING,
                now,
                now,
                head,
            )
        return None, []
    chosen = ranked[0]
    reasons = match_reasons(request, chosen)
    referral.state = MATCHING
    referral.practitioner_id = chosen.person_id
    await notify(
        session,
        referral.org_id,
        f"support-ask:{referral.id}:{chosen.person_id}",
        ASK,
        chosen.person_id,
        now,
        {"referral_id": referral.id, "reasons": reasons},
    )
    return chosen, reasons


async def rematch_waiting(session: AsyncSession, org_id: str, now: datetime) -> int:
    """A place came free: ask an AP about the longest-waiting referrals. Returns how many."""
    asked = 0
    for referral in await SupportRecords(session).waiting(org_id):
        chosen, _ = await ask_next_practitioner(session, referral, now)
        if chosen is None:
            break
        asked += 1
    return asked
