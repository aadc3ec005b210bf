"""Mentor offers, mentoring relationships and agreements, meetings and observations, reviews,
and guided coaching conversations (seed 003).

Developmental records: readable by the people in the relationship only (a coaching conversation by
its owner, and whoever they share it with). Reads go through `bot.domain.access.can` in the use
cases; this module only stores and finds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import batched
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Index, UniqueConstraint
from sqlalchemy.types import JSON, String, Text

# Relationship states: the domain's (who is in a relationship depends on them).
from bot.domain.mentoring import ACTIVE as ACTIVE
from bot.domain.mentoring import ASKED as ASKED
from bot.domain.mentoring import DECLINED as DECLINED
from bot.domain.mentoring import ENDED as ENDED
from bot.domain.mentoring import NOT_A_FIT as NOT_A_FIT
from bot.domain.mentoring import OPEN_STATES as OPEN_STATES
from bot.domain.mentoring import WITHDRAWN as WITHDRAWN
from storage.models import IN_LIST, OrganisationRow, Records, belongs_to, get_in_org, given

# Entry kinds
MEETING = "meeting"
OBSERVED_MENTEE = "observed_mentee"  # the mentor observed the mentee
OBSERVED_MENTOR = "observed_mentor"  # the mentee observed the mentor

# Review states
DRAFTED = "drafted"  # with the mentee: nothing goes until they have seen it
SENT = "sent"
WITHHELD = "withheld"  # the mentee read it and chose not to send it: nobody receives it

# Coaching states
TALKING = "active"
PAUSED = "paused"
FINISHED = "finished"


class MentorOffer(OrganisationRow):
    """Someone offering to mentor: their specialisms, campus, style and how many at once."""

    __tablename__ = "mentor_offers"
    __table_args__ = (UniqueConstraint("org_id", "person_id", name="uq_mentor_offers_person"),)

    person_id: Mapped[int] = belongs_to("people")
    specialisms: Mapped[list[str]] = mapped_column(JSON, default=list)
    campus: Mapped[str] = mapped_column(String(200), default="")
    delivery_style: Mapped[str | None] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(default=1)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    institution: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MentorWish(OrganisationRow):
    """A subject someone searched for a mentor in when nobody offered it: they are told when
    someone does (`key` is the subject as `specialism_key` reads it; `specialism` as typed)."""

    __tablename__ = "mentor_wishes"
    __table_args__ = (
        UniqueConstraint("org_id", "person_id", "key", name="uq_mentor_wishes_person_key"),
    )

    person_id: Mapped[int] = belongs_to("people")
    specialism: Mapped[str] = mapped_column(String(200), default="")
    key: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class MentoringRelationship(OrganisationRow):
    """One mentee and one mentor: the request, then the agreement and everything under it.

    `agreement` is what both confirmed (empty until then); `proposal` a version one of them has
    put forward that takes effect only when the other confirms it. `confirmations` records who
    confirmed which version when."""

    __tablename__ = "mentoring_relationships"
    __table_args__ = (
        Index("ix_mentoring_relationships_mentee", "org_id", "mentee_id", "state"),
        Index("ix_mentoring_relationships_mentor", "org_id", "mentor_id", "state"),
        # One open request or relationship per mentee (0091): two presses at once ask one mentor.
        Index(
            "uq_mentoring_relationships_open_mentee",
            "org_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("state IN ('asked', 'active')"),
            postgresql_where=text("state IN ('asked', 'active')"),
        ),
    )

    mentee_id: Mapped[int] = belongs_to("people")
    mentor_id: Mapped[int] = belongs_to("people")
    specialism: Mapped[str] = mapped_column(String(200), default="")
    next_choices: Mapped[list[int]] = mapped_column(JSON, default=list)  # the mentee's ranking
    state: Mapped[str] = mapped_column(String(20), default=ASKED)
    agreement: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=0)
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    proposed_by: Mapped[int | None]
    proposed_at: Mapped[datetime | None]
    confirmations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def side(self, person_id: int) -> str | None:
        if person_id == self.mentee_id:
            return "mentee"
        if person_id == self.mentor_id:
            return "mentor"
        return None

    def other(self, person_id: int) -> int:
        return self.mentor_id if person_id == self.mentee_id else self.mentee_id


class MentoringEntry(OrganisationRow):
    """A meeting logged, or a developmental observation (never graded, never an OTLA)."""

    __tablename__ = "mentoring_entries"

    relationship_id: Mapped[int] = belongs_to("mentoring_relationships", index=True)
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date]
    discussed: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # objective no. ->
    progress: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # objective no. -> %
    evaluation: Mapped[str] = mapped_column(Text, default="")  # the mentee's, of an observation
    logged_by: Mapped[int]
    created_at: Mapped[datetime]


class MentoringReview(OrganisationRow):
    """A review point's report: drafted from the log, seen by the mentee, then sent."""

    __tablename__ = "mentoring_reviews"
    __table_args__ = (
        UniqueConstraint("relationship_id", "point", name="uq_mentoring_reviews_point"),
    )

    relationship_id: Mapped[int] = belongs_to("mentoring_relationships")
    point: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100), default="")
    lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    recipients: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default=DRAFTED)
    drafted_at: Mapped[datetime]
    seen_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


class CoachingConversation(OrganisationRow):
    """A GROW or OSKAR conversation: private to its owner unless they share it."""

    __tablename__ = "coaching_conversations"
    __table_args__ = (Index("ix_coaching_conversations_person", "org_id", "person_id", "state"),)

    person_id: Mapped[int] = belongs_to("people")
    model: Mapped[str] = mapped_column(String(20))
    step: Mapped[int] = mapped_column(default=0)
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=TALKING)
    scales: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    shared_with: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MentoringRecords(Records):
    # offers
    async def offer_of(self, org_id: str, person_id: int) -> MentorOffer | None:
        return await self.one(MentorOffer, org_id=org_id, person_id=person_id)

    async def offers(self, org_id: str) -> Sequence[MentorOffer]:
        return await self.rows(MentorOffer, org_id=org_id, active=True)

    async def mentee_counts(self, org_id: str) -> dict[int, int]:
        rows = await self.session.execute(
            select(MentoringRelationship.mentor_id, func.count())
            .where(
                MentoringRelationship.org_id == org_id,
                MentoringRelationship.state.in_(OPEN_STATES),
            )
            .group_by(MentoringRelationship.mentor_id)
        )
        return {int(mentor): int(n) for mentor, n in rows.all()}

    # subjects someone is waiting for a mentor in
    async def wish(self, org_id: str, person_id: int, key: str) -> MentorWish | None:
        return await self.one(MentorWish, org_id=org_id, person_id=person_id, key=key)

    async def wishes(self, org_id: str) -> Sequence[MentorWish]:
        return await self.rows(MentorWish, org_id=org_id)

    async def wishes_of(self, org_id: str, person_id: int) -> Sequence[MentorWish]:
        return await self.rows(MentorWish, org_id=org_id, person_id=person_id)

    async def wish_by_id(self, org_id: str, wish_id: int) -> MentorWish | None:
        return await get_in_org(self.session, MentorWish, org_id, wish_id)

    # relationships
    async def relationship(self, org_id: str, rel_id: int) -> MentoringRelationship | None:
        return await get_in_org(self.session, MentoringRelationship, org_id, rel_id)

    async def open_of(self, org_id: str, person_id: int) -> Sequence[MentoringRelationship]:
        """Relationships someone is in, as mentee or mentor, that are asked or active."""
        return await self.rows(
            MentoringRelationship,
            MentoringRelationship.state.in_(OPEN_STATES),
            or_(
                MentoringRelationship.mentee_id == person_id,
                MentoringRelationship.mentor_id == person_id,
            ),
            org_id=org_id,
        )

    async def past_of(self, org_id: str, person_id: int) -> Sequence[MentoringRelationship]:
        """Relationships someone was in, as mentee or mentor, that were accepted and have since
        ended, most recent first. Which of them they may still read is `can()`'s to say."""
        return await self.rows(
            MentoringRelationship,
            MentoringRelationship.state.not_in(OPEN_STATES),
            MentoringRelationship.accepted_at.is_not(None),
            or_(
                MentoringRelationship.mentee_id == person_id,
                MentoringRelationship.mentor_id == person_id,
            ),
            order_by=(MentoringRelationship.updated_at.desc(), MentoringRelationship.id.desc()),
            org_id=org_id,
        )

    async def of_mentee(self, org_id: str, mentee_id: int) -> Sequence[MentoringRelationship]:
        return await self.rows(MentoringRelationship, org_id=org_id, mentee_id=mentee_id)

    async def all_open(self, org_id: str) -> Sequence[MentoringRelationship]:
        return await self.rows(
            MentoringRelationship, MentoringRelationship.state.in_(OPEN_STATES), org_id=org_id
        )

    # meetings and observations
    async def entries(self, rel_id: int, kind: str | None = None) -> Sequence[MentoringEntry]:
        return await self.rows(
            MentoringEntry,
            *given(MentoringEntry, kind=kind),
            order_by=(MentoringEntry.held_on, MentoringEntry.id),
            relationship_id=rel_id,
        )

    async def observed_mentors(
        self, org_id: str, entry_ids: Iterable[int]
    ) -> list[tuple[int, int]]:
        """(relationship, mentor) for each relationship among `entry_ids` (a mentee's entries)
        that holds the mentee's observation of the mentor's teaching: a record about the mentor."""
        found: set[tuple[int, int]] = set()
        for chunk in batched(sorted(set(entry_ids)), IN_LIST):
            rows = await self.session.execute(
                select(MentoringRelationship.id, MentoringRelationship.mentor_id)
                .join(MentoringEntry, MentoringEntry.relationship_id == MentoringRelationship.id)
                .where(
                    MentoringRelationship.org_id == org_id,
                    MentoringEntry.id.in_(chunk),
                    MentoringEntry.kind == OBSERVED_MENTOR,
                )
            )
            found.update((int(rel), int(mentor)) for rel, mentor in rows.all())
        return sorted(found)

    async def entry(self, org_id: str, entry_id: int) -> MentoringEntry | None:
        return await get_in_org(self.session, MentoringEntry, org_id, entry_id)

    # reviews
    async def review(self, org_id: str, review_id: int) -> MentoringReview | None:
        return await get_in_org(self.session, MentoringReview, org_id, review_id)

    async def review_at(self, rel_id: int, point: str) -> MentoringReview | None:
        return await self.one(MentoringReview, relationship_id=rel_id, point=point)

    # coaching
    async def conversation(self, org_id: str, conv_id: int) -> CoachingConversation | None:
        return await get_in_org(self.session, CoachingConversation, org_id, conv_id)

    async def conversations_of(self, org_id: str, person_id: int) -> Sequence[CoachingConversation]:
        return await self.rows(
            CoachingConversation,
            order_by=(CoachingConversation.updated_at.desc(), CoachingConversation.id.desc()),
            org_id=org_id,
            person_id=person_id,
        )
