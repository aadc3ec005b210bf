"""Teams activities in, TLC turns out; TLC replies in, Bot Framework activities out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bot.app.roster import TeamChange
from bot.app.turn import ConversationKind, FileRef, Message, Turn, UserRef, Where
from cards.base import markdown, plain

LOCAL_TENANT = "local"  # the Bot Framework Emulator sends no tenant
_AT_TAG = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


class MalformedActivity(ValueError):
    """The request body is not an activity TLC can answer."""


def _get(data: dict[str, Any], *path: str) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


MAX_DEPTH = 32  # Teams' deepest activity (a card's data inside an invoke) is far below this
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
# The longest each id may be (what Teams sends is far shorter; what TLC stores is no longer).
ID_LIMITS: Mapping[tuple[str, ...], int] = MappingProxyType(
    {
        ("id",): 200,
        ("replyToId",): 200,
        ("channelId",): 40,
        ("serviceUrl",): 400,
        ("conversation", "id"): 400,
        ("conversation", "tenantId"): 64,
        ("channelData", "tenant", "id"): 64,
        ("channelData", "team", "id"): 200,
        ("channelData", "team", "name"): 200,
        ("channelData", "channel", "id"): 200,
        ("channelData", "channel", "name"): 200,
        ("from", "id"): 200,
        ("from", "aadObjectId"): 64,
        ("from", "name"): 200,
        ("recipient", "id"): 200,
        ("recipient", "name"): 200,
    }
)
MEMBER_LIMITS = MappingProxyType({"id": 200, "aadObjectId": 64, "name": 200})


@dataclass(frozen=True)
class _Limits:
    """`ID_LIMITS` as a tree, so each object of the activity is looked into once: the ids of
    this object (`leaves`: key, limit) and the objects inside it (`branches`: key, subtree)."""

    at: str
    leaves: tuple[tuple[str, int], ...]
    branches: tuple[tuple[str, _Limits], ...]

    @classmethod
    def of(cls, limits: Mapping[tuple[str, ...], int], at: tuple[str, ...] = ()) -> _Limits:
        here = [p for p in limits if p[: len(at)] == at and len(p) > len(at)]
        leaves = tuple((p[-1], limits[p]) for p in here if len(p) == len(at) + 1)
        inner = dict.fromkeys(p[len(at)] for p in here if len(p) > len(at) + 1)
        branches = tuple((key, cls.of(limits, (*at, key))) for key in inner)
        return cls("".join(f"{k}." for k in at), leaves, branches)

    def check(self, node: dict[str, Any]) -> None:
        for key, limit in self.leaves:
            value = node.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise MalformedActivity(f"{self.at}{key} must be text")
            if len(value) > limit:
                raise MalformedActivity(f"{self.at}{key} is too long")
        for key, limits in self.branches:
            inner = node.get(key)
            if isinstance(inner, dict):
                limits.check(inner)


_ID_TREE = _Limits.of(ID_LIMITS)


def check_raw(raw: bytes) -> None:
    """Refuse, before parsing, what no client of TLC sends: NUL characters and JSON nested
    deeper than `MAX_DEPTH` (which would exhaust the parser)."""
    if b"\x00" in raw or b"\\u0000" in raw:
        raise MalformedActivity("the activity contains a NUL character")
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return  # (what Teams sends) not that many brackets, so none is nested that deep
    depth = 0
    for bracket in _BRACKETS.finditer(_JSON_STRING.sub(b'""', raw)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise MalformedActivity("the activity is nested too deeply")
        else:
            depth -= 1


def _check_ids(body: dict[str, Any]) -> None:
    _ID_TREE.check(body)
    for key in ("membersAdded", "membersRemoved"):
        members = body.get(key)
        if members is None:
            continue
        if not isinstance(members, list):
            raise MalformedActivity(f"{key} must be a list")
        for member in members:
            if not isinstance(member, dict):
                continue
            for field, limit in MEMBER_LIMITS.items():
                value = member.get(field)
                if value is not None and (not isinstance(value, str) or len(value) > limit):
                    raise MalformedActivity(f"{key} has an id that is not short text")


def require_shape(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise MalformedActivity("the body must be a JSON object (an activity)")
    _check_ids(body)
    if not isinstance(body.get("type"), str) or not body["type"]:
        raise MalformedActivity("the activity has no type")
    if not isinstance(_get(body, "conversation", "id"), str):
        raise MalformedActivity("the activity has no conversation.id")
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"].startswith("http"):
        raise MalformedActivity("the activity has no serviceUrl")
    if not isinstance(_get(body, "from", "id"), str):
        raise MalformedActivity("the activity has no from.id")
    for key in ("value", "channelData", "recipient", "from", "conversation"):
        if (
            key in body
            and body[key] is not None
            and not isinstance(body[key], dict | list | str | int | float | bool)
        ):
            raise MalformedActivity(f"{key} has an unexpected type")
    if "entities" in body and not isinstance(body["entities"], list | type(None)):
        raise MalformedActivity("entities must be a list")
    if "attachments" in body and not isinstance(body["attachments"], list | type(None)):
        raise MalformedActivity("attachments must be a list")
    return body


def tenant_of(body: dict[str, Any]) -> str:
    return str(
        _get(body, "conversation", "tenantId")
        or _get(body, "channelData", "tenant", "id")
        or LOCAL_TENANT
    )


def strip_mentions(body: dict[str, Any]) -> str:
    text = str(body.get("text") or "")
    bot_id = _get(body, "recipient", "id")
    for entity in body.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "mention":
            mentioned = _get(entity, "mentioned", "id")
            if mentioned == bot_id and isinstance(entity.get("text"), str):
                text = text.replace(entity["text"], " ")
    text = _AT_TAG.sub(" ", text)
    return " ".join(text.replace("&nbsp;", " ").split())


# A conversationUpdate's channelData.eventType for what happened to a team or its channel
# (Microsoft's "Conversation events in your Teams bot"); member events are read from
# membersAdded and membersRemoved instead.
TEAM_CHANGES: Mapping[str, TeamChange] = MappingProxyType(
    {
        "channelCreated": TeamChange.CHANNEL_NAMED,
        "channelRenamed": TeamChange.CHANNEL_NAMED,
        "channelDeleted": TeamChange.CHANNEL_DELETED,
        "channelRestored": TeamChange.CHANNEL_RESTORED,
        "teamRenamed": TeamChange.TEAM_RENAMED,
        "teamDeleted": TeamChange.TEAM_DELETED,
        "teamHardDeleted": TeamChange.TEAM_DELETED_FOR_GOOD,
        "teamArchived": TeamChange.TEAM_ARCHIVED,
        "teamUnarchived": TeamChange.TEAM_BACK,
        "teamRestored": TeamChange.TEAM_BACK,
    }
)


def team_change(body: dict[str, Any]) -> TeamChange | None:
    """What a conversationUpdate says happened to its team or channel, if anything."""
    event = _get(body, "channelData", "eventType")
    return TEAM_CHANGES.get(event) if isinstance(event, str) else None


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the activity, or an empty one where it has something else."""
    return value if isinstance(value, dict) else {}


def to_turn(body: dict[str, Any], now: datetime) -> Turn:
    # `require_shape` checked that the conversation and the sender are objects.
    conversation, sender = body["conversation"], body["from"]
    recipient, channel_data = _object(body.get("recipient")), _object(body.get("channelData"))
    team, channel = _object(channel_data.get("team")), _object(channel_data.get("channel"))
    kind_raw = conversation.get("conversationType")
    kind: ConversationKind = (
        kind_raw if kind_raw in ("personal", "channel", "groupChat") else "personal"
    )
    user = UserRef(
        teams_user_id=str(sender["id"]),
        aad_object_id=sender.get("aadObjectId"),
        name=str(sender.get("name") or ""),
        email=None,
    )
    where = Where(
        conversation_id=str(conversation["id"]),
        kind=kind,
        service_url=str(body["serviceUrl"]),
        channel=str(body.get("channelId") or "msteams"),
        bot_id=str(recipient.get("id") or ""),
        bot_name=str(recipient.get("name") or ""),
        team_id=team.get("id"),
        team_name=team.get("name"),
        teams_channel_id=channel.get("id"),
        teams_channel_name=channel.get("name"),
    )
    verb: str | None = None
    data: dict[str, Any] = {}
    via_invoke = False
    value = body.get("value")
    if body["type"] == "invoke" and body.get("name") == "adaptiveCard/action":
        action = _get(body, "value", "action") or {}
        data = dict(action.get("data") or {}) if isinstance(action.get("data"), dict) else {}
        verb = str(action.get("verb") or data.get("verb") or "")
        via_invoke = True
    elif body["type"] == "invoke" and body.get("name") == "fileConsent/invoke":
        # The answer to a file consent card: its context names the verb that offered the file.
        data = dict(value) if isinstance(value, dict) else {}
        verb = str(_get(data, "context", "verb") or "file.consent")
        via_invoke = True
    elif isinstance(value, dict) and value.get("verb"):
        data = dict(value)
        verb = str(value["verb"])
    files = tuple(
        FileRef(
            name=str(a.get("name") or ""),
            download_url=str(_get(a, "content", "downloadUrl") or ""),
            file_type=str(_get(a, "content", "fileType") or ""),
        )
        for a in body.get("attachments") or []
        if isinstance(a, dict)
        and a.get("contentType") == "application/vnd.microsoft.teams.file.download.info"
        and _get(a, "content", "downloadUrl")
    )
    return Turn(
        org_id=tenant_of(body),
        user=user,
        where=where,
        now=now,
        activity_id=body.get("id"),
        text=strip_mentions(body),
        verb=verb,
        data=data,
        via_invoke=via_invoke,
        reply_to_id=body.get("replyToId"),
        files=files,
        automatic=via_invoke and _get(body, "value", "trigger") == "automatic",
    )


def message_activity(message: Message, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A message activity for one TLC `Message`, addressed back into the conversation of `body`."""
    activity: dict[str, Any] = {"type": "message"}
    if message.text:
        activity["text"] = markdown(message.text)
        activity["textFormat"] = "markdown"
    if message.card is not None:
        activity["attachments"] = [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": message.card}
        ]
        activity.setdefault("summary", plain(message.card.get("fallbackText") or "TLC"))
    if message.attachments:
        activity.setdefault("attachments", []).extend(message.attachments)
    if body is not None:
        activity["from"] = body.get("recipient")
        activity["recipient"] = body.get("from")
        activity["conversation"] = body.get("conversation")
        activity["replyToId"] = body.get("id")
        activity["channelId"] = body.get("channelId")
        activity["serviceUrl"] = body.get("serviceUrl")
    return activity
