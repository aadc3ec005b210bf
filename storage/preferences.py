"""Each person's choices about proactive messages: the kinds of message they turned off."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class NoticePreference(Base):
    """One opt-out category (a NoticeKind's `opt_out`) a person turned off or back on."""

    __tablename__ = "notice_preferences"
    __table_args__ = (
        UniqueConstraint("person_id", "category", name="uq_notice_preferences_person_category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(60))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class Preferences:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
        for i in range(0, len(ids), 500):
            rows = await self.session.execute(
                select(NoticePreference.person_id, NoticePreference.category).where(
                    NoticePreference.person_id.in_(ids[i : i + 500]),
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
        pref = await self.session.scalar(
            select(NoticePreference).where(
                NoticePreference.person_id == person_id, NoticePreference.category == category
            )
        )
        if pref is None:
            if not opted_out:
                return False
            self.session.add(
                NoticePreference(
                    org_id=org_id,
                    person_id=person_id,
                    category=category,
                    opted_out=True,
                    updated_at=now,
                )
            )
            await self.session.flush()
            return True
        if pref.opted_out == opted_out:
            return False
        pref.opted_out, pref.updated_at = opted_out, now
        await self.session.flush()
        return True
