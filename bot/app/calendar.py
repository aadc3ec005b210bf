"""An agreed date in people's calendars, kept up to date (issue 16, point 5), behind one interface.

`Calendar.put` sends a new or changed event, `Calendar.cancel` withdraws it. Two kinds:

- `IcsCalendar`, the default, needs no set-up: each person is offered an iCalendar (.ics) file
  through the document flow (a file consent card in their 1:1 chat). The event's UID never
  changes; SEQUENCE counts the changes, so a calendar that imported the first file updates the
  same event from the next one, and METHOD:CANCEL removes it.
- `GraphCalendar` creates the event (a Teams meeting) in the organiser's Microsoft 365 calendar
  through Microsoft Graph (`POST /users/{organiser}/events`, `PATCH` on a change, `POST .../cancel`
  on a cancellation), with the app's own credentials (client credentials, application permission
  `Calendars.ReadWrite`): see docs/CALENDAR.md. If Graph cannot be reached or refuses, people are
  offered the .ics file instead, so the date is never lost.

What goes in an event: when, the course and the room, who. Never anything from a report.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import aiohttp
import icalendar
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import documents
from bot.domain.local_time import LONDON

log = logging.getLogger(__name__)
PRODUCT = "-//TLC//Teaching & Learning Companion//EN"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True)
class Attendee:
    person_id: int
    name: str
    email: str


@dataclass(frozen=True)
class CalendarEvent:
    """One event as every calendar sees it. `sequence` is 0 when first sent, then one more for
    each change or cancellation; `event_id` is the provider's id once it has one."""

    org_id: str
    uid: str
    sequence: int
    summary: str
    course: str
    room: str
    starts_at: datetime
    ends_at: datetime
    organiser: Attendee
    attendees: tuple[Attendee, ...]
    file_name: str
    event_id: str | None = None

    @property
    def everyone(self) -> tuple[Attendee, ...]:
        return (self.organiser, *[a for a in self.attendees if a != self.organiser])

    @property
    def description(self) -> str:
        lines = [self.summary, f"Course: {self.course or 'to be confirmed'}"]
        lines.append(f"Room: {self.room or 'to be confirmed'}")
        lines.append("Agreed in TLC. Any change or cancellation will follow from TLC.")
        return "\n".join(lines)


class Calendar(Protocol):
    async def put(self, session: AsyncSession, event: CalendarEvent, now: datetime) -> str | None:
        """Send a new or changed event; returns the provider's event id, if it has one."""
        ...

    async def cancel(self, session: AsyncSession, event: CalendarEvent, now: datetime) -> None:
        """Withdraw the event from everyone's calendar."""
        ...


def ics_file(event: CalendarEvent, now: datetime, *, cancel: bool = False) -> bytes:
    """The event as an iCalendar file (RFC 5545), in Europe/London time with its VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", now)
    item.add("dtstart", event.starts_at.astimezone(LONDON))
    item.add("dtend", event.ends_at.astimezone(LONDON))
    item.add("summary", event.summary)
    item.add("location", event.room or event.course)
    item.add("description", event.description)
    item.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organiser = icalendar.vCalAddress(f"mailto:{event.organiser.email}")
    organiser.params["cn"] = event.organiser.name
    item.add("organizer", organiser)
    for person in event.attendees:
        who = icalendar.vCalAddress(f"mailto:{person.email}")
        who.params["cn"] = person.name
        who.params["role"] = "REQ-PARTICIPANT"
        item.add("attendee", who)
    cal.add_component(item)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


class IcsCalendar:
    """The default: an .ics file offered to each person through the document flow."""

    async def put(self, session: AsyncSession, event: CalendarEvent, now: datetime) -> str | None:
        changed = "The new date for" if event.sequence else "Add to your calendar:"
        await self._offer(session, event, now, f"{changed} {event.summary}", cancel=False)
        return None

    async def cancel(self, session: AsyncSession, event: CalendarEvent, now: datetime) -> None:
        await self._offer(session, event, now, f"Cancelled: {event.summary}", cancel=True)

    async def _offer(
        self, session: AsyncSession, event: CalendarEvent, now: datetime, about: str, cancel: bool
    ) -> None:
        data = ics_file(event, now, cancel=cancel)
        for person in event.everyone:
            await documents.offer(
                session, event.org_id, person.person_id, event.file_name, data, about, now
            )


@dataclass(frozen=True)
class GraphSettings:
    graph_url: str  # https://graph.microsoft.com/v1.0
    login_url: str  # https://login.microsoftonline.com
    client_id: str
    client_secret: str


class GraphError(Exception):
    """Graph answered with an error, or could not be reached."""


class GraphCalendar:
    """The event in the organiser's Microsoft 365 calendar, as a Teams meeting, via Graph.

    The app acquires a token for the organisation's tenant (the Teams tenant id) with its own
    client id and secret, then writes to `/users/{organiser's email}/events`. Whatever fails
    falls back to `fallback` (the .ics files), and is logged. The call happens on the turn that
    agrees the date, so it is given a few seconds only: Teams waits for the card's answer.
    """

    def __init__(self, settings: GraphSettings, fallback: Calendar, timeout: float = 4.0) -> None:
        self.settings = settings
        self.fallback = fallback
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def put(self, session: AsyncSession, event: CalendarEvent, now: datetime) -> str | None:
        body = graph_event(event)
        try:
            if event.event_id:
                body.pop("transactionId")  # only for creating: Graph's guard against doubles
                await self._call("PATCH", event, f"/events/{event.event_id}", body)
                return event.event_id
            created = await self._call("POST", event, "/events", body)
            return str(created["id"])
        except (GraphError, aiohttp.ClientError, TimeoutError, KeyError) as exc:
            log.warning("Graph calendar: %s; sending .ics files instead", exc)
            await self.fallback.put(session, event, now)
            return event.event_id

    async def cancel(self, session: AsyncSession, event: CalendarEvent, now: datetime) -> None:
        try:
            if not event.event_id:
                raise GraphError("no Graph event to cancel")
            comment = {"comment": f"Cancelled: {event.summary}. TLC will send any new date."}
            await self._call("POST", event, f"/events/{event.event_id}/cancel", comment)
        except (GraphError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Graph calendar: %s; sending .ics cancellations instead", exc)
            await self.fallback.cancel(session, event, now)

    async def _call(
        self, method: str, event: CalendarEvent, path: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        async with aiohttp.ClientSession(timeout=self.timeout) as http:
            token = await self._token(http, event.org_id)
            url = f"{self.settings.graph_url}/users/{event.organiser.email}{path}"
            headers = {"Authorization": f"Bearer {token}"}
            async with http.request(method, url, json=body, headers=headers) as response:
                if response.status >= 400:
                    raise GraphError(f"{method} {path}: HTTP {response.status}")
                if response.status == 204 or response.content_length == 0:
                    return {}
                answer = await response.json()
                return answer if isinstance(answer, dict) else {}

    async def _token(self, http: aiohttp.ClientSession, tenant: str) -> str:
        url = f"{self.settings.login_url}/{tenant}/oauth2/v2.0/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            "scope": GRAPH_SCOPE,
        }
        async with http.post(url, data=form) as response:
            if response.status >= 400:
                raise GraphError(f"token: HTTP {response.status}")
            answer = await response.json()
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            raise GraphError("token: no access_token")
        return str(token)


def graph_event(event: CalendarEvent) -> dict[str, Any]:
    """The Graph `event` resource: times in Europe/London, a Teams meeting, no report content."""

    def at(moment: datetime) -> dict[str, str]:
        local = moment.astimezone(LONDON).replace(tzinfo=None)
        return {"dateTime": local.isoformat(timespec="seconds"), "timeZone": "Europe/London"}

    attendees: Sequence[Attendee] = event.attendees
    return {
        "subject": event.summary,
        "body": {"contentType": "text", "content": event.description},
        "start": at(event.starts_at),
        "end": at(event.ends_at),
        "location": {"displayName": event.room or event.course},
        "attendees": [
            {"emailAddress": {"address": a.email, "name": a.name}, "type": "required"}
            for a in attendees
        ],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "transactionId": event.uid,
    }


def calendar_from(
    kind: str, graph_url: str, login_url: str, client_id: str, client_secret: str
) -> Calendar:
    """The calendar the settings ask for: `graph` with credentials, else the .ics files."""
    files = IcsCalendar()
    if kind == "graph" and client_id and client_secret:
        return GraphCalendar(GraphSettings(graph_url, login_url, client_id, client_secret), files)
    return files
