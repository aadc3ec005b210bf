"""Documents waiting for a person to accept them in Teams (exports, shared files).

Teams hands a bot somewhere to put a file only after the person presses Allow on a file consent
card, so the bytes wait here (never in process memory) until then, for a day at most.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class PendingDocument(Base):
    """A document offered to one person, kept until they accept or decline it, or it expires."""

    __tablename__ = "pending_documents"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PendingDocuments:
    """Reads and writes pending documents inside the caller's unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, document: PendingDocument) -> None:
        self.session.add(document)

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
        await self.session.execute(delete(PendingDocument).where(PendingDocument.expires_at < now))
