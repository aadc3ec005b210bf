"""Self-referrals, support programmes and everything recorded in them (SPEC section 3).

These are developmental records: they belong to the tutor and their AP. Reads go through
`bot.domain.access.can` in the use cases; this module only stores and finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Index, UniqueConstraint
from sqlalchemy.types import JSON, String, Text

from bot.domain.support import (
    ActionStatus,
    ProgrammeKind,
    ProgrammeState,
    SignOff,
    SupportProgramme,
)
from storage.models import (
    Base,
    OrganisationRow,
    Records,
    belongs_to,
    get_in_org,
    insert_row,
    inserting,
    refers_to,
)
from storage.preferences import Preferences

OFFERS_CATEGORY = "self_referral_offers"  # NoticeKind.opt_out of self-referral offers

# Referral states
MATCHING = "matching"  # waiting for an AP to accept
WAITING = "waiting"  # no AP has room: the head of T&L knows someone is waiting
PROPOSED = "proposed"  # an AP proposed a programme that needs the tutor's consent first
ACCEPTED = "accepted"
WITHDRAWN = "withdrawn"

# 2-weekly update states
WITH_TUTOR = "with_tutor"  # the tutor sees it before it goes
QUERIED = "queried"  # the tutor wants to talk about it first
SENT_TO_LINE_MANAGER = "sent"
HELD = "held"  # the tutor's preview could not be delivered: nothing goes until they have seen it


class SupportReferral(OrganisationRow):
    """A tutor's request for support, in their words and choices."""

    __tablename__ = "support_referrals"
    __table_args__ = (Index("ix_support_referrals_org_state", "org_id", "state"),)

    tutor_id: Mapped[int] = belongs_to("people", index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    other_topic: Mapped[str] = mapped_column(Text, default="")
    ways: Mapped[list[str]] = mapped_column(JSON, default=list)
    campus: Mapped[str] = mapped_column(String(200), default="")
    preferred_times: Mapped[list[str]] = mapped_column(JSON, default=list)
    times_note: Mapped[str] = mapped_column(String(300), default="")
    similar_style: Mapped[bool] = mapped_column(default=False)
    delivery_style: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=MATCHING)
    practitioner_id: Mapped[int | None] = refers_to("people")
    passed_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # APs not to ask again
    source: Mapped[str] = mapped_column(String(40), default="self")
    # A programme the AP proposed that starts only when the tutor accepts it (PROPOSED).
    proposed_kind: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SupportProgrammeRecord(OrganisationRow):
    """A programme as stored; `domain()` and `apply()` convert to and from the rules object."""

    __tablename__ = "support_programmes"
    __table_args__ = (
        UniqueConstraint("referral_id", name="uq_support_programmes_referral"),
        Index("ix_support_programmes_practitioner", "org_id", "practitioner_id", "state"),
    )

    referral_id: Mapped[int] = belongs_to("support_referrals")
    tutor_id: Mapped[int] = belongs_to("people", index=True)
    practitioner_id: Mapped[int | None] = refers_to("people")
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    extensions: Mapped[int] = mapped_column(default=0)
    extra_weeks: Mapped[int] = mapped_column(default=0)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    milestones: Mapped[list[str]] = mapped_column(JSON, default=list)
    sign_off: Mapped[str | None] = mapped_column(String(20))
    escalated_at: Mapped[datetime | None]
    review_decision: Mapped[str | None] = mapped_column(String(30))
    review_note: Mapped[str] = mapped_column(Text, default="")
    # The tutor accepted the programme on a card (Support to good from a self-referral).
    consented_at: Mapped[datetime | None]
    # The head of T&L recorded the week-12 review: their access to the programme ends here.
    reviewed_at: Mapped[datetime | None]
    # The tutor chose to let monthly reports mention their self-ratings (off by default).
    ratings_in_reports: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def domain(self) -> SupportProgramme:
        return SupportProgramme(
            kind=ProgrammeKind(self.kind),
            started_at=self.started_at,
            state=ProgrammeState(self.state),
            extensions=self.extensions,
            extra_weeks=self.extra_weeks,
            sign_off=SignOff(self.sign_off) if self.sign_off else None,
            escalated_at=self.escalated_at,
            objectives=list(self.objectives),
        )

    def apply(self, programme: SupportProgramme, now: datetime) -> None:
        self.state = programme.state.value
        self.extensions = programme.extensions
        self.extra_weeks = programme.extra_weeks
        self.sign_off = programme.sign_off.value if programme.sign_off else None
        self.escalated_at = programme.escalated_at
        self.objectives = list(programme.objectives)
        self.ends_at = programme.ends_at
        self.updated_at = now


class SupportSession(OrganisationRow):
    """A session the AP logged: the notes are for the tutor and the AP only."""

    __tablename__ = "support_sessions"

    programme_id: Mapped[int] = belongs_to("support_programmes", index=True)
    kind: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[int | None]
    created_at: Mapped[datetime]


class SupportAction(OrganisationRow):
    """An action agreed in a session, reviewed at the next one."""

    __tablename__ = "support_actions"

    programme_id: Mapped[int] = belongs_to("support_programmes", index=True)
    session_id: Mapped[int] = belongs_to("support_sessions")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN.value)
    reviewed_in: Mapped[int | None]  # the session that reviewed it
    updated_at: Mapped[datetime]


class CompetenceRating(OrganisationRow):
    """A self-rating, 1-10 per checklist activity, at the start, middle or end."""

    __tablename__ = "competence_ratings"
    __table_args__ = (
        UniqueConstraint("programme_id", "stage", name="uq_competence_ratings_stage"),
    )

    programme_id: Mapped[int] = belongs_to("support_programmes")
    tutor_id: Mapped[int] = belongs_to("people")
    stage: Mapped[str] = mapped_column(String(10))
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the checklist as it was
    rated_at: Mapped[datetime]


class SupportReflection(OrganisationRow):
    """A tutor's own reflection, for them and their AP."""

    __tablename__ = "support_reflections"

    programme_id: Mapped[int] = belongs_to("support_programmes", index=True)
    tutor_id: Mapped[int] = belongs_to("people")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class LineManagerUpdate(OrganisationRow):
    """A support-to-good 2-weekly update: written by the AP, seen by the tutor, then sent."""

    __tablename__ = "line_manager_updates"
    __table_args__ = (
        UniqueConstraint("programme_id", "number", name="uq_line_manager_updates_number"),
    )

    programme_id: Mapped[int] = belongs_to("support_programmes")
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=WITH_TUTOR)
    written_by: Mapped[int | None]
    tutor_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]  # the tutor said "send it"
    sent_at: Mapped[datetime | None]


class SupportReport(OrganisationRow):
    """An AP's monthly written report on one person, to the head of T&L."""

    __tablename__ = "support_reports"
    __table_args__ = (UniqueConstraint("programme_id", "month", name="uq_support_reports_month"),)

    programme_id: Mapped[int] = belongs_to("support_programmes")
    practitioner_id: Mapped[int | None]
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    sessions: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[str] = mapped_column(Text, default="")
    concerns: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]


class SupportOfferPreference(Base):
    """Whether a person still wants self-referral offers.

    Interim: the reminders engine is gaining per-person opt-outs by category; until it does,
    the offer's render checks this row (category `self_referral_offers`).
    """

    __tablename__ = "support_offer_preferences"

    person_id: Mapped[int] = belongs_to("people", primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64))
    opted_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


OPEN_PROGRAMME_STATES = (ProgrammeState.ACTIVE.value, ProgrammeState.UNDER_REVIEW.value)


_INSERT_REFERRAL = inserting(SupportReferral)
# A tutor's referrals still open (asked on every referral submit), built once.
_OPEN_REFERRALS = (
    select(SupportReferral)
    .where(
        SupportReferral.state.in_((MATCHING, WAITING, PROPOSED, ACCEPTED)),
        SupportReferral.org_id == bindparam("org_id"),
        SupportReferral.tutor_id == bindparam("tutor_id"),
    )
    .order_by(SupportReferral.id.desc())
)

_REFERRALS = cast(Table, SupportReferral.__table__)
_PROGRAMMES = cast(Table, SupportProgrammeRecord.__table__)
# ...and only whether there is one, with each accepted one's programme state (Core columns: no
# rows loaded into the session, no read per accepted referral).
_OPEN_REFERRAL_STATES = (
    select(_REFERRALS.c.state, _PROGRAMMES.c.state)
    .select_from(_REFERRALS)
    .outerjoin(_PROGRAMMES, _PROGRAMMES.c.referral_id == _REFERRALS.c.id)
    .where(
        _REFERRALS.c.state.in_((MATCHING, WAITING, PROPOSED, ACCEPTED)),
        _REFERRALS.c.org_id == bindparam("org_id"),
        _REFERRALS.c.tutor_id == bindparam("tutor_id"),
    )
)


class SupportRecords(Records):
    """Finds and stores support records inside the caller's unit of work."""

    async def insert_referral(self, referral: SupportReferral) -> None:
        """Store a new referral: one Core INSERT, no ORM flush. It stays out of the session, so
        the caller changes nothing of it afterwards (as `propose`, which decides it first)."""
        await insert_row(self.session, _INSERT_REFERRAL, referral)

    async def referral(self, org_id: str, referral_id: int) -> SupportReferral | None:
        return await get_in_org(self.session, SupportReferral, org_id, referral_id)

    async def programme(self, org_id: str, programme_id: int) -> SupportProgrammeRecord | None:
        return await get_in_org(self.session, SupportProgrammeRecord, org_id, programme_id)

    async def programme_for_referral(self, referral_id: int) -> SupportProgrammeRecord | None:
        return await self.one(SupportProgrammeRecord, referral_id=referral_id)

    async def open_referral_of(self, org_id: str, tutor_id: int) -> SupportReferral | None:
        """The tutor's referral that is still being matched, waiting or running."""
        rows = await self.session.scalars(_OPEN_REFERRALS, {"org_id": org_id, "tutor_id": tutor_id})
        for referral in rows.all():
            if referral.state != ACCEPTED:
                return referral
            programme = await self.programme_for_referral(referral.id)
            if programme is None or programme.state in OPEN_PROGRAMME_STATES:
                return referral
        return None

    async def has_open_referral(self, org_id: str, tutor_id: int) -> bool:
        """Whether the tutor has a referral still open (`open_referral_of` finds one), in one
        read: a referral being matched, waiting or proposed, or accepted with its programme not
        started or still running."""
        rows = await self.session.execute(
            _OPEN_REFERRAL_STATES, {"org_id": org_id, "tutor_id": tutor_id}
        )
        return any(
            state != ACCEPTED or programme is None or programme in OPEN_PROGRAMME_STATES
            for state, programme in rows.all()
        )

    async def with_an_ap(
        self, org_id: str
    ) -> list[tuple[SupportReferral, SupportProgrammeRecord | None, int]]:
        """The organisation's referrals with an AP: asked (matching), proposed, or accepted with
        their programme still open; each with its programme, if it has one, and the AP (the
        programme's, or the one asked to take it on)."""
        rows = await self.session.execute(
            select(SupportReferral, SupportProgrammeRecord)
            .outerjoin(
                SupportProgrammeRecord, SupportProgrammeRecord.referral_id == SupportReferral.id
            )
            .where(
                SupportReferral.org_id == org_id,
                SupportReferral.state.in_((MATCHING, PROPOSED, ACCEPTED)),
                or_(
                    SupportReferral.state != ACCEPTED,
                    SupportProgrammeRecord.state.in_(OPEN_PROGRAMME_STATES),
                ),
            )
            .order_by(SupportReferral.id)
        )
        found: list[tuple[SupportReferral, SupportProgrammeRecord | None, int]] = []
        for referral, programme in rows.all():
            ap = (programme.practitioner_id if programme else None) or referral.practitioner_id
            if ap is not None:
                found.append((referral, programme, ap))
        return found

    async def current_programme_of(
        self, org_id: str, tutor_id: int
    ) -> SupportProgrammeRecord | None:
        return await self.first(
            SupportProgrammeRecord,
            order_by=(
                SupportProgrammeRecord.state.in_(OPEN_PROGRAMME_STATES).desc(),
                SupportProgrammeRecord.id.desc(),
            ),
            org_id=org_id,
            tutor_id=tutor_id,
        )

    async def caseload(self, org_id: str, practitioner_id: int) -> Sequence[SupportProgrammeRecord]:
        return await self.rows(
            SupportProgrammeRecord,
            SupportProgrammeRecord.state.in_(OPEN_PROGRAMME_STATES),
            order_by=SupportProgrammeRecord.started_at,
            org_id=org_id,
            practitioner_id=practitioner_id,
        )

    async def caseload_counts(self, org_id: str) -> dict[int, int]:
        """Open programmes per AP, plus referrals each AP has been asked about: counts only."""
        counts: dict[int, int] = {}
        rows = await self.session.execute(
            select(SupportProgrammeRecord.practitioner_id, func.count())
            .where(
                SupportProgrammeRecord.org_id == org_id,
                SupportProgrammeRecord.state.in_(OPEN_PROGRAMME_STATES),
                SupportProgrammeRecord.practitioner_id.is_not(None),
            )
            .group_by(SupportProgrammeRecord.practitioner_id)
        )
        for ap_id, n in rows.all():
            if ap_id is not None:
                counts[ap_id] = counts.get(ap_id, 0) + int(n)
        pending = await self.session.execute(
            select(SupportReferral.practitioner_id, func.count())
            .where(
                SupportReferral.org_id == org_id,
                SupportReferral.state.in_((MATCHING, PROPOSED)),
                SupportReferral.practitioner_id.is_not(None),
            )
            .group_by(SupportReferral.practitioner_id)
        )
        for ap_id, n in pending.all():
            if ap_id is not None:
                counts[ap_id] = counts.get(ap_id, 0) + int(n)
        return counts

    async def asked_of(self, org_id: str, practitioner_id: int) -> int:
        """How many referrals wait for this AP's answer (asked, not yet accepted or passed)."""
        found = await self.session.scalar(
            select(func.count())
            .select_from(SupportReferral)
            .where(
                SupportReferral.org_id == org_id,
                SupportReferral.practitioner_id == practitioner_id,
                SupportReferral.state == MATCHING,
            )
        )
        return int(found or 0)

    async def waiting(self, org_id: str) -> Sequence[SupportReferral]:
        return await self.rows(
            SupportReferral, order_by=SupportReferral.created_at, org_id=org_id, state=WAITING
        )

    async def sessions(
        self, programme_id: int, since: date | None = None, until: date | None = None
    ) -> Sequence[SupportSession]:
        q = select(SupportSession).where(SupportSession.programme_id == programme_id)
        if since is not None:
            q = q.where(SupportSession.held_on >= since)
        if until is not None:
            q = q.where(SupportSession.held_on < until)
        return (await self.session.scalars(q.order_by(SupportSession.held_on))).all()

    async def actions(self, programme_id: int) -> Sequence[SupportAction]:
        return await self.rows(SupportAction, programme_id=programme_id)

    async def open_actions(self, programme_id: int) -> list[SupportAction]:
        """Actions not yet done: the next session reviews them."""
        return [a for a in await self.actions(programme_id) if a.status != ActionStatus.DONE]

    async def ratings(self, programme_id: int) -> Sequence[CompetenceRating]:
        return await self.rows(
            CompetenceRating, order_by=CompetenceRating.rated_at, programme_id=programme_id
        )

    async def rating(self, programme_id: int, stage: str) -> CompetenceRating | None:
        return await self.one(CompetenceRating, programme_id=programme_id, stage=stage)

    async def reflections(self, programme_id: int) -> Sequence[SupportReflection]:
        return await self.rows(SupportReflection, programme_id=programme_id)

    async def update(self, org_id: str, update_id: int) -> LineManagerUpdate | None:
        return await get_in_org(self.session, LineManagerUpdate, org_id, update_id)

    async def update_number(self, programme_id: int, number: int) -> LineManagerUpdate | None:
        return await self.one(LineManagerUpdate, programme_id=programme_id, number=number)

    async def updates(self, programme_id: int) -> Sequence[LineManagerUpdate]:
        return await self.rows(
            LineManagerUpdate, order_by=LineManagerUpdate.number, programme_id=programme_id
        )

    async def sent_updates_for(
        self, org_id: str, tutor_ids: Sequence[int]
    ) -> Sequence[tuple[LineManagerUpdate, SupportProgrammeRecord]]:
        if not tutor_ids:
            return []
        rows = await self.session.execute(
            select(LineManagerUpdate, SupportProgrammeRecord)
            .join(
                SupportProgrammeRecord,
                SupportProgrammeRecord.id == LineManagerUpdate.programme_id,
            )
            .where(
                LineManagerUpdate.org_id == org_id,
                LineManagerUpdate.state == SENT_TO_LINE_MANAGER,
                SupportProgrammeRecord.tutor_id.in_(tutor_ids),
            )
            .order_by(LineManagerUpdate.sent_at.desc())
            .limit(20)
        )
        return [(u, p) for u, p in rows.all()]

    async def report(self, programme_id: int, month: str) -> SupportReport | None:
        return await self.one(SupportReport, programme_id=programme_id, month=month)

    async def report_by_id(self, org_id: str, report_id: int) -> SupportReport | None:
        return await get_in_org(self.session, SupportReport, org_id, report_id)

    async def under_review(self, org_id: str) -> Sequence[SupportProgrammeRecord]:
        return await self.rows(
            SupportProgrammeRecord, org_id=org_id, state=ProgrammeState.UNDER_REVIEW.value
        )

    async def offers_opted_out(self, person_id: int) -> bool:
        """Read from the one store of opt-outs (the `settings` card shows the same choice)."""
        return OFFERS_CATEGORY in await Preferences(self.session).turned_off(person_id)

    async def set_offers(self, org_id: str, person_id: int, wanted: bool, now: datetime) -> None:
        """ "Don't offer again" and `support offers on|off` write where `settings` reads."""
        await Preferences(self.session).choose(org_id, person_id, OFFERS_CATEGORY, not wanted, now)
