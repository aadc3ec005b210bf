"""A turn as TLC sees it: who said what, where. The Teams layer builds these from activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ConversationKind = Literal["personal", "channel", "groupChat"]


@dataclass(frozen=True)
class UserRef:
    teams_user_id: str
    aad_object_id: str | None
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Where:
    conversation_id: str
    kind: ConversationKind
    service_url: str
    channel: str = "msteams"  # the Bot Framework channel id
    bot_id: str = ""
    bot_name: str = ""
    team_id: str | None = None
    team_name: str | None = None
    teams_channel_id: str | None = None
    teams_channel_name: str | None = None


@dataclass(frozen=True)
class FileRef:
    """A file a user sent in chat (Teams gives the bot a short-lived download URL)."""

    name: str
    download_url: str
    file_type: str = ""


@dataclass(frozen=True)
class Turn:
    org_id: str
    user: UserRef
    where: Where
    now: datetime
    activity_id: str | None = None
    text: str = ""
    verb: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    via_invoke: bool = False
    reply_to_id: str | None = None
    files: tuple[FileRef, ...] = ()
    # Teams asking for a card's current state by itself (a card's `refresh`): nobody pressed.
    automatic: bool = False


@dataclass(frozen=True)
class Message:
    """Something the bot says: text, a card, or both (the text is the card's fallback), and
    maybe other attachments. Documents go through `bot.app.documents` (a file consent card)."""

    text: str | None = None
    card: dict[str, Any] | None = None
    # Other Bot Framework attachments, as they are sent (a file consent card, a file info card).
    attachments: list[dict[str, Any]] = field(default_factory=list)
    # Not a new message: the id of a message the bot posted earlier, to update in place for
    # everyone in its conversation (Bot Connector updateActivity).
    update_id: str | None = None


@dataclass
class Reply:
    """What a turn answers: messages to send, and maybe the card that replaces the one submitted."""

    messages: list[Message] = field(default_factory=list)
    card: dict[str, Any] | None = None

    @classmethod
    def text(cls, text: str) -> Reply:
        return cls(messages=[Message(text=text)])

    @classmethod
    def show(cls, card: dict[str, Any], text: str | None = None) -> Reply:
        return cls(messages=[Message(text=text, card=card)])

    @classmethod
    def update(cls, card: dict[str, Any], *then: Message) -> Reply:
        return cls(messages=list(then), card=card)

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": [
                {"text": m.text, "card": m.card, "attachments": m.attachments}
                for m in self.messages
            ],
            "card": self.card,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(
            messages=[
                Message(
                    text=m.get("text"), card=m.get("card"), attachments=m.get("attachments") or []
                )
                for m in data["messages"]
            ],
            card=data.get("card"),
        )
