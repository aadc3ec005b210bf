"""Each person's choices about proactive messages: the kinds of message they turned off, and
their own quiet times (hours and non-working days)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import batched
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import IN_LIST, Base, OrganisationRow, Repository, belongs_to


class NoticePreference(OrganisationRow):
    """One opt-out category (a NoticeKind's `opt_out`) a person turned off or back on."""

    __tablename__ = "notice_preferences"
    __table_args__ = (
        UniqueConstraint("person_id", "category", name="uq_notice_preferences_person_category"),
    )

    person_id: Mapped[int] = belongs_to("people")
    category: Mapped[str] = mapped_column(String(60))
    opted_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


class QuietHours(Base):
    """A person's own quiet times: no personal message before `start`, after `end` (London),
    or on `days_off` (0 = Monday). Empty: none of their own."""

    __tablename__ = "quiet_hours"

    person_id: Mapped[int] = belongs_to("people", primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64))
    start: Mapped[str | None] = mapped_column(String(5))
    end: Mapped[str | None] = mapped_column(String(5))
    days_off: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]


class Preferences(Repository):
    async def quiet(self, person_id: int) -> QuietHours | None:
        return await self.session.get(QuietHours, person_id)

    async def quiet_by(self, person_ids: Iterable[int]) -> dict[int, QuietHours]:
        ids = sorted(set(person_ids))
        out: dict[int, QuietHours] = {}
        for chunk in batched(ids, IN_LIST):
            rows = await self.session.scalars(
                select(QuietHours).where(QuietHours.person_id.in_(chunk))
            )
            out.update({r.person_id: r for r in rows})
        return out

    async def set_quiet(
        self,
        org_id: str,
        person_id: int,
        start: str | None,
        end: str | None,
        days_off: list[int],
        now: datetime,
    ) -> None:
        row = await self.quiet(person_id)
        if row is None:
            row = QuietHours(org_id=org_id, person_id=person_id)
            self.session.add(row)
        row.start, row.end, row.days_off, row.updated_at = start, end, sorted(days_off), now
        await self.session.flush()

    async def turned_off(self, person_id: int) -> set[str]:
        rows = await self.session.scalars(
            select(NoticePreference.category).where(
                NoticePreference.person_id == person_id, NoticePreference.opted_out.is_(True)
            )
        )
        return set(rows)

    async def turned_off_by(self, person_ids: Iterable[int]) -> dict[int, set[str]]:
        ids = sorted(set(person_ids))
        out: dict[int, set[str]] = {}
        for chunk in batched(ids, IN_LIST):
            rows = await self.session.execute(
                select(NoticePreference.person_id, NoticePreference.category).where(
                    NoticePreference.person_id.in_(chunk),
                    NoticePreference.opted_out.is_(True),
                )
            )
            for person_id, category in rows:
                out.setdefault(person_id, set()).add(category)
        return out

    async def choose(
        self, org_id: str, person_id: int, category: str, opted_out: bool, now: datetime
    ) -> bool:
        """Record one choice; True when it changed anything."""
        pref = await self.one(NoticePreference, person_id=person_id, category=category)
        if (pref is not None and pref.opted_out) == opted_out:
            return False  # no row is the same as opted in
        if pref is None:
            pref = NoticePreference(org_id=org_id, person_id=person_id, category=category)
            self.session.add(pref)
        pref.opted_out, pref.updated_at = opted_out, now
        await self.session.flush()
        return True
