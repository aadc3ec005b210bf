"""What the mentoring use cases share: who may see a relationship, the management chain, names,
and telling the other person through the reminders engine.

Every scheduled item of this capability has a key that starts `mentoring-` or `coach-` and names
its record, so re-scheduling replaces instead of duplicating, and ending a relationship cancels
its future reminders by prefix.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.domain import mentoring as rules
from bot.domain.access import Permission, Subject
from storage.mentoring import (
    ACTIVE,
    ASKED,
    DECLINED,
    NOT_A_FIT,
    OBSERVED_MENTOR,
    MentoringRecords,
    MentoringRelationship,
)
from storage.models import Person
from storage.people import Directory
from storage.privacy import is_erased
from storage.reminders import Schedule, tell_person

REFUSED = (
    "Sorry, that's not yours to see: mentoring records stay between the mentee and the mentor."
)
GONE = "That mentoring relationship isn't available any more."

# Notice kinds
REQUEST = "mentoring.request"
ANSWERED = "mentoring.answered"
CONFIRM = "mentoring.confirm"
CONFIRMED = "mentoring.confirmed"
REVIEW_DUE = "mentoring.review_due"
REPORT = "mentoring.report"
REVIEW_WITHHELD = "mentoring.review_withheld"
NUDGE = "mentoring.nudge"
SUGGESTED = "mentoring.suggested"
OFFERED = "mentoring.offered"  # someone now offers a subject the person was waiting for
COACH_ACTION = "coach.action_due"
COACH_SHARED = "coach.shared"
NUDGES_OPT_OUT = "mentoring_meeting_nudges"

# Access-log kinds: storage.privacy.KIND_LABELS says each in the owner's words.
READ_RECORD = "mentoring"
READ_OBSERVATION = "mentoring_observation"
READ_REVIEW = "mentoring_review"
READ_EXISTS = "mentoring_exists"
READ_COACHING = "coaching"

Read = tuple[int, str, str]  # whose record, which kind, which record ("table:id")


def record_of(rel: MentoringRelationship) -> str:
    return f"mentoring_relationships:{rel.id}"


async def agreement_reads(
    session: AsyncSession, rel: MentoringRelationship, viewer: int
) -> list[Read]:
    """Whose records the agreement card shows `viewer`, for the access log: the mentee's whole
    record (agreement, meeting log, observations) to the mentor; to the mentee, the mentee's
    observations of the mentor's teaching, if there are any (the rest is the mentee's own)."""
    if viewer == rel.mentor_id:
        return [(rel.mentee_id, READ_RECORD, record_of(rel))]
    if viewer == rel.mentee_id and await MentoringRecords(session).entries(rel.id, OBSERVED_MENTOR):
        return [(rel.mentor_id, READ_OBSERVATION, record_of(rel))]
    return []


async def manager_map(directory: Directory, org_id: str) -> dict[str, str | None]:
    rows = await directory.session.execute(
        select(Person.email, Person.line_manager_email).where(Person.org_id == org_id)
    )
    return {(e or "").lower(): m for e, m in rows.all() if e}


async def chain_ids(directory: Directory, person: Person) -> frozenset[int]:
    """Ids of everyone in a person's management chain (line manager, their manager, ...)."""
    emails = rules.management_chain(person.email, await manager_map(directory, person.org_id))
    ids: set[int] = set()
    for email in emails:
        boss = await directory.person_by_email(person.org_id, email)
        if boss is not None:
            ids.add(boss.id)
    return frozenset(ids)


async def subject_of(
    directory: Directory, rel: MentoringRelationship, shared: frozenset[int] = frozenset()
) -> Subject:
    """The relationship with the mentee's management chain (who may see that it exists; a
    mentor who has come into it reads nothing, `bot.domain.access`)."""
    mentee = await directory.person(rel.org_id, rel.mentee_id)
    chain = await chain_ids(directory, mentee) if mentee else frozenset()
    return rules.relationship_subject(
        rel.org_id,
        rel.mentee_id,
        rel.mentor_id,
        rel.state,
        shared_with=shared,
        line_manager_ids=chain,
    )


async def subject_for(
    directory: Directory,
    rel: MentoringRelationship,
    reader_id: int,
    shared: frozenset[int] = frozenset(),
) -> Subject:
    """What `can()` decides `reader_id`'s reads and writes on: the chain is read only for the
    mentor of an open relationship, the one reader it can change the answer for."""
    if reader_id != rel.mentor_id or rel.state not in rules.OPEN_STATES:
        return bare_subject(rel, shared)
    return await subject_of(directory, rel, shared)


def bare_subject(rel: MentoringRelationship, shared: frozenset[int] = frozenset()) -> Subject:
    return rules.relationship_subject(
        rel.org_id, rel.mentee_id, rel.mentor_id, rel.state, shared_with=shared
    )


async def past_readable(ctx: HandlerContext, limit: int) -> list[MentoringRelationship]:
    """Ended relationships the person asking may still read (their mentee's view; a mentor's
    ends with the relationship), most recent first."""
    past = await MentoringRecords(ctx.uow.session).past_of(ctx.turn.org_id, ctx.person.id)
    return [r for r in past if ctx.can(Permission.READ_MENTORING, bare_subject(r))][:limit]


async def name_of(directory: Directory, org_id: str, person_id: int | None) -> str:
    return await directory.name_in_message(org_id, person_id, "someone")


async def past_name(directory: Directory, org_id: str, person_id: int, role: str) -> str:
    """How a past relationship names the other person: by name, or "a former mentor" once they
    have been erased (never the erasure placeholder)."""
    person = await directory.person(org_id, person_id)
    if person is None or is_erased(person.name, person.email, person.teams_user_id):
        return f"a former {role}"
    return person.name or person.email or "a colleague"


async def excluded_for(
    session: AsyncSession, directory: Directory, mentee: Person
) -> frozenset[int]:
    """Never offered to this mentee: their management chain, mentors who declined them or that
    either side said were not a good fit, and mentors they are already asking or working with."""
    out = set(await chain_ids(directory, mentee))
    for rel in await MentoringRecords(session).of_mentee(mentee.org_id, mentee.id):
        if rel.state in (DECLINED, NOT_A_FIT, ASKED, ACTIVE):
            out.add(rel.mentor_id)
    return frozenset(out)


tell = tell_person  # the name the mentoring modules use


async def cancel_relationship_reminders(
    session: AsyncSession, rel: MentoringRelationship, now: datetime
) -> None:
    schedule = Schedule(session)
    for family in ("review", "nudge", "confirm"):
        await schedule.cancel_prefix(rel.org_id, f"mentoring-{family}:{rel.id}:", now)
