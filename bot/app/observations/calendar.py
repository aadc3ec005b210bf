"""The agreed OTLA date in the observer's and the tutor's calendars (issue 16, point 5).

When they agree a date, each is sent the event (by default an .ics file through the document
flow; with Microsoft Graph set up, a Teams meeting in the observer's calendar). A new date sends
the same event again with its SEQUENCE one higher; a new observer cancels the old one's event.
The event says when, the course and the room: nothing from a report.
"""

from __future__ import annotations

from datetime import datetime

from bot.app.calendar import Attendee, Calendar, CalendarEvent, IcsCalendar
from bot.app.context import HandlerContext
from bot.app.observations.lifecycle import Loaded, name_of
from storage.models import Person


def calendar_of(ctx: HandlerContext) -> Calendar:
    return ctx.services.calendar or IcsCalendar()


def _attendee(person: Person) -> Attendee:
    return Attendee(person.id, name_of(person), person.email or "")


def otla_event(loaded: Loaded, observer: Person) -> CalendarEvent | None:
    """The event as it stands (None without a date); its SEQUENCE is the number sent before."""
    obs = loaded.obs
    if obs.starts_at is None or obs.ends_at is None:
        return None
    summary = f"OTLA observation: {name_of(loaded.tutor)} with {name_of(observer)}"
    return CalendarEvent(
        org_id=obs.org_id,
        uid=f"otla-{obs.id}@{obs.org_id}.tlc",
        sequence=obs.calendar_sequence,
        summary=summary,
        course=obs.course,
        room=obs.room,
        starts_at=obs.starts_at,
        ends_at=obs.ends_at,
        organiser=_attendee(observer),
        attendees=(_attendee(loaded.tutor),),
        file_name=f"OTLA-{obs.id}.ics",
        event_id=obs.calendar_event_id,
    )


async def date_agreed(ctx: HandlerContext, loaded: Loaded, now: datetime) -> None:
    """Send the agreed (or changed) date to both calendars."""
    if loaded.observer is None:
        return
    event = otla_event(loaded, loaded.observer)
    if event is None:
        return
    loaded.obs.calendar_event_id = await calendar_of(ctx).put(ctx.uow.session, event, now)
    loaded.obs.calendar_sequence += 1


async def date_cancelled(ctx: HandlerContext, loaded: Loaded, now: datetime) -> None:
    """The agreed date no longer stands (a new observer will agree another): cancel the event,
    if one was sent. Call it before the date and the observer are cleared."""
    obs = loaded.obs
    if loaded.observer is None or obs.calendar_sequence == 0:
        return
    event = otla_event(loaded, loaded.observer)
    if event is None:
        return
    await calendar_of(ctx).cancel(ctx.uow.session, event, now)
    obs.calendar_sequence += 1
    obs.calendar_event_id = None
