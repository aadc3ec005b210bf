"""Teams-shaped activities, posted to the bot over real HTTP."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, cast

import aiohttp

from bot.app.turn import ConversationKind, Where
from tests.support.cards import card_text, only_card
from tests.support.loopback import LoopbackConnector, RosterMember, Sent

TENANT = "tenant-1"
BOT = {"id": "28:tlc-bot", "name": "TLC"}
FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"


def as_teams_sends(data: dict[str, Any]) -> dict[str, Any]:
    """A card submission as Teams and the Playground send it: untouched (empty) inputs absent."""
    return {k: v for k, v in data.items() if v != "" and v is not None}


@dataclass(frozen=True)
class User:
    key: str
    name: str
    email: str

    @property
    def teams_id(self) -> str:
        return f"29:{self.key}"

    @property
    def aad(self) -> str:
        return f"aad-{self.key}"

    def as_from(self) -> dict[str, Any]:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad}


@dataclass(frozen=True)
class Place:
    """A personal chat, a channel in a team, or a group chat."""

    conversation_id: str
    kind: str = "personal"
    team_id: str | None = None
    team_name: str | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    tenant: str = TENANT

    @classmethod
    def personal(cls, user: User, tenant: str = TENANT) -> Place:
        return cls(f"a:personal-{user.teams_id}", "personal", tenant=tenant)

    @classmethod
    def channel(
        cls,
        team: str = "19:team-maths@thread.tacv2",
        channel: str | None = None,
        team_name: str = "Maths",
        channel_name: str = "General",
    ) -> Place:
        channel = channel or team
        return cls(f"{channel};messageid=1", "channel", team, team_name, channel, channel_name)

    def where(self, service_url: str) -> Where:
        """The place as the bot sees it in a turn (what storage keeps of a conversation)."""
        return Where(
            conversation_id=self.conversation_id,
            kind=cast(ConversationKind, self.kind),
            service_url=service_url,
            team_id=self.team_id,
            team_name=self.team_name,
            teams_channel_id=self.channel_id,
            teams_channel_name=self.channel_name,
        )

    def conversation(self) -> dict[str, Any]:
        conv: dict[str, Any] = {
            "id": self.conversation_id,
            "conversationType": self.kind,
            "tenantId": self.tenant,
        }
        if self.kind != "personal":
            conv["isGroup"] = True
        return conv

    def channel_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"tenant": {"id": self.tenant}}
        if self.team_id:
            data["team"] = {"id": self.team_id, "name": self.team_name}
            data["channel"] = {"id": self.channel_id, "name": self.channel_name}
        return data


@dataclass
class TeamsClient:
    """Posts activities to `/api/messages` the way Teams does and returns what the bot sent."""

    bot_url: str
    connector: LoopbackConnector
    http: aiohttp.ClientSession
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    last_status: int = 0
    last_body: Any = None

    def _base(
        self, user: User, place: Place, type_: str, activity_id: str | None = None
    ) -> dict[str, Any]:
        """An activity from `user` in `place`, numbered in turn; `activity_id` (a Teams retry
        sends one again) takes the place of its number."""
        number = f"user-activity-{next(self._ids)}"
        return {
            "type": type_,
            "id": activity_id or number,
            "timestamp": "2026-11-23T10:00:00.000Z",
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": user.as_from(),
            "recipient": dict(BOT),
            "conversation": place.conversation(),
            "channelData": place.channel_data(),
            "locale": "en-GB",
        }

    async def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> list[Sent]:
        """Post one activity; return everything the bot sent to the connector during that turn."""
        before = len(self.connector.sent)
        async with self.http.post(self.bot_url, json=activity, headers=headers or {}) as resp:
            self.last_status = resp.status
            text = await resp.text()
            self.last_body = await resp.json(content_type=None) if text else None
        return self.connector.sent[before:]

    async def say(
        self,
        user: User,
        text: str,
        place: Place | None = None,
        *,
        mention: bool = False,
        attachments: list[dict[str, Any]] | None = None,
        activity_id: str | None = None,
    ) -> list[Sent]:
        """A typed message; `activity_id` to send one again as a Teams retry does."""
        place = place or Place.personal(user)
        activity = self._base(user, place, "message", activity_id)
        if mention:
            activity["text"] = f"<at>TLC</at> {text}"
            activity["entities"] = [
                {"type": "mention", "text": "<at>TLC</at>", "mentioned": dict(BOT)}
            ]
        else:
            activity["text"] = text
        if attachments:
            activity["attachments"] = attachments
        return await self.post(activity)

    async def submit(
        self,
        user: User,
        data: dict[str, Any],
        place: Place | None = None,
        *,
        reply_to: str = "bot-activity-1",
        activity_id: str | None = None,
    ) -> list[Sent]:
        """An Action.Submit: a message whose value carries the inputs and the verb. Inputs left
        empty are left out, as Teams does."""
        activity = self._base(user, place or Place.personal(user), "message", activity_id)
        activity["value"] = as_teams_sends(data)
        activity["replyToId"] = reply_to
        return await self.post(activity)

    async def execute(
        self,
        user: User,
        verb: str,
        data: dict[str, Any],
        place: Place | None = None,
        *,
        activity_id: str | None = None,
        reply_to: str | None = None,
        trigger: str = "manual",
    ) -> tuple[dict[str, Any], list[Sent]]:
        """An Action.Execute: an `adaptiveCard/action` invoke; returns (invoke response, sent).
        `reply_to` is the message the card is in (Teams sends it for cards in a conversation);
        `trigger` is "automatic" when Teams runs a card's refresh by itself."""
        activity = self._base(user, place or Place.personal(user), "invoke", activity_id)
        activity["name"] = "adaptiveCard/action"
        activity["value"] = {
            "action": {
                "type": "Action.Execute",
                "verb": verb,
                "data": {"verb": verb, **as_teams_sends(data)},
            },
            "trigger": trigger,
        }
        if reply_to:
            activity["replyToId"] = reply_to
        sent = await self.post(activity)
        body = self.last_body or {}
        if isinstance(body, dict) and isinstance(body.get("value"), dict):
            self.connector.check_cards(
                {"attachments": [{"contentType": str(body.get("type")), "content": body["value"]}]}
            )
        return body, sent

    async def answer(
        self, user: User, verb: str, data: dict[str, Any], place: Place | None = None, **how: Any
    ) -> Any:
        """The bot's answer to an Action.Execute (`execute`): the value of its invoke response,
        the card as it now is or a message."""
        body, _ = await self.execute(user, verb, data, place, **how)
        return body["value"]

    async def answer_file_consent(
        self, user: User, sent: list[Sent], name: str, action: str = "accept"
    ) -> list[Sent]:
        """Press Allow (or Decline) on the file consent card among `sent`, as Teams does: a
        `fileConsent/invoke` whose uploadInfo points into the person's OneDrive (here, the
        loopback connector's upload route, keyed by `name`). The card must be in their 1:1 chat:
        Teams offers files nowhere else."""
        consents = [
            (s, a)
            for s in sent
            for a in s.activity.get("attachments") or []
            if a.get("contentType") == FILE_CONSENT
        ]
        assert consents, f"no file consent card in {[s.activity for s in sent]}"
        where, consent = consents[0]
        assert where.conversation_id == Place.personal(user).conversation_id, where.conversation_id
        activity = self._base(user, Place.personal(user), "invoke")
        activity["name"] = "fileConsent/invoke"
        activity["value"] = {
            "type": "fileUpload",
            "action": action,
            "context": consent["content"]["acceptContext"],
            "uploadInfo": {
                "contentUrl": f"https://onedrive.example/{name}",
                "name": consent["name"],
                "uploadUrl": self.connector.upload_url(name),
                "uniqueId": f"file-{name}",
                "fileType": name.rsplit(".", 1)[-1],
            },
        }
        return await self.post(activity)

    async def accept_file(self, user: User, sent: list[Sent], name: str) -> bytes:
        """Allow the file offered among `sent`; returns the bytes the bot uploaded, once it has
        shown the file info card that opens the file in OneDrive."""
        after = await self.answer_file_consent(user, sent, name)
        assert self.last_status == 200, self.last_body
        info = [
            a
            for s in after
            for a in s.activity.get("attachments") or []
            if a.get("contentType") == FILE_INFO
        ]
        assert info and info[0]["contentUrl"] == f"https://onedrive.example/{name}", after
        return self.connector.uploads[name]

    async def install(self, user: User, place: Place) -> list[Sent]:
        activity = self._base(user, place, "installationUpdate")
        activity["action"] = "add"
        return await self.post(activity)

    async def members_added(
        self, user: User, place: Place, members: list[User], bot: bool = False
    ) -> list[Sent]:
        activity = self._base(user, place, "conversationUpdate")
        added = [m.as_from() for m in members] + ([dict(BOT)] if bot else [])
        activity["membersAdded"] = added
        return await self.post(activity)

    async def members_removed(self, user: User, place: Place, members: list[User]) -> list[Sent]:
        """`user` removes `members` from the team (or they leave): Teams' conversationUpdate."""
        activity = self._base(user, place, "conversationUpdate")
        activity["membersRemoved"] = [m.as_from() for m in members]
        return await self.post(activity)

    def on_roster(self, *users: User) -> None:
        """These people are in the team's roster, as Teams lists them when the bot reads it
        (with their email, which a conversation update never carries)."""
        for user in users:
            self.connector.add_member(RosterMember(user.teams_id, user.name, user.aad, user.email))

    async def import_tutors(
        self, admin: User, tutor_list: str | bytes, name: str = "tutors.csv"
    ) -> list[Sent]:
        """The admin shares the tutor list (`tutors.csv` unless named) in their 1:1 chat with
        `admin import`; text goes as UTF-8, bytes as they are."""
        attachment = shared_file(self.connector, name, tutor_list)
        return await self.say(admin, "admin import", attachments=[attachment])


def shared_file(connector: LoopbackConnector, name: str, content: str | bytes) -> dict[str, Any]:
    """A file shared in a chat, as Teams sends it: a download link the bot fetches."""
    connector.files[name] = content.encode() if isinstance(content, str) else content
    return {
        "contentType": FILE_DOWNLOAD,
        "name": name,
        "content": {"downloadUrl": connector.file_url(name), "fileType": name.rsplit(".", 1)[-1]},
    }


async def set_up_college(
    teams: TeamsClient,
    admin: User,
    people: tuple[User, ...],
    tutor_list: str,
    roles: tuple[tuple[str, str], ...],
) -> None:
    """A college set up by its admin: `people` on the roster, the tutor list imported, everyone
    known to the bot in a 1:1 chat, and each `(email, role)` granted."""
    teams.on_roster(*people)
    await teams.say(admin, "hello")
    sent = await teams.import_tutors(admin, tutor_list)
    assert "Tutor list imported" in card_text(only_card(sent))
    for user in people:
        await teams.say(user, "hello")
    for email, role in roles:
        reply = await teams.say(admin, f"admin grant {email} {role}")
        assert "Saved: roles" in card_text(only_card(reply))


def chat(user: User) -> str:
    """The id of `user`'s 1:1 chat with the bot."""
    return Place.personal(user).conversation_id


def cards_to(connector: LoopbackConnector, user: User) -> list[dict[str, Any]]:
    """Every card the bot has sent to `user`'s 1:1 chat, oldest first."""
    return [c for s in connector.messages() if s.conversation_id == chat(user) for c in s.cards]


def texts_to(connector: LoopbackConnector, user: User) -> str:
    return "\n".join(card_text(c) for c in cards_to(connector, user))


def consent_for(sent: list[Sent], suffix: str) -> list[Sent]:
    """The messages in `sent` that ask for consent to send a file whose name ends in `suffix`."""
    return [
        s
        for s in sent
        if any(
            a.get("contentType") == FILE_CONSENT and str(a.get("name", "")).endswith(suffix)
            for a in s.activity.get("attachments") or []
        )
    ]
