"""Documents waiting for a person to accept them in Teams (exports, shared files).

Teams hands a bot somewhere to put a file only after the person presses Allow on a file consent
card, so the bytes wait here (never in process memory) until then. A document whose offer has
not reached the person yet (waiting, or failed) is kept whatever its `expires_at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import LargeBinary, String, delete, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Repository, belongs_to
from storage.reminders import FAILED, PENDING, QUEUED, ScheduledItem

UNDELIVERED = (PENDING, QUEUED, FAILED)


class PendingDocument(Base):
    """A document offered to one person, kept until they accept or decline it, or it expires."""

    __tablename__ = "pending_documents"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = belongs_to("people")
    name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PendingDocuments(Repository):
    """Reads and writes pending documents inside the caller's unit of work."""

    def add(self, document: PendingDocument) -> None:
        self.session.add(document)

    async def waiting(self, token: str) -> PendingDocument | None:
        """The document behind a token, whatever its expiry (its offer is on its way)."""
        return await self.session.get(PendingDocument, token)

    async def named(
        self, org_id: str, person_id: int, name: str | None = None
    ) -> Sequence[PendingDocument]:
        """Documents of this name (any name: None) still waiting for this person."""
        rows = await self.session.scalars(
            select(PendingDocument).where(
                PendingDocument.org_id == org_id,
                PendingDocument.person_id == person_id,
                *([PendingDocument.name == name] if name is not None else []),
            )
        )
        return rows.all()

    async def get(self, token: str, now: datetime) -> PendingDocument | None:
        """The document behind a token, if it has not expired."""
        document = await self.session.get(PendingDocument, token)
        return document if document is not None and document.expires_at > now else None

    async def for_person(
        self, org_id: str, token: str, person_id: int, now: datetime
    ) -> PendingDocument | None:
        """The document, only for the person it was offered to."""
        document = await self.get(token, now)
        if document is None or document.org_id != org_id or document.person_id != person_id:
            return None
        return document

    async def remove(self, document: PendingDocument) -> None:
        await self.session.delete(document)

    async def forget_expired(self, now: datetime) -> None:
        """Drop documents offered and not accepted in time; never one whose offer has not
        reached the person (still waiting, or failed)."""
        undelivered = exists().where(
            ScheduledItem.org_id == PendingDocument.org_id,
            ScheduledItem.key == "document:" + PendingDocument.token,
            ScheduledItem.state.in_(UNDELIVERED),
        )
        await self.session.execute(
            delete(PendingDocument)
            .where(PendingDocument.expires_at < now, ~undelivered)
            .execution_options(synchronize_session=False)
        )
