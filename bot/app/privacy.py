"""People's data is theirs: the access log and `privacy`, subject access export, erasure.

Every read of another person's confidential record (a self-referral, a programme, self-ratings,
session notes) calls `opened` (or `opened_by_notice` when the worker draws it), which writes an
access row: who, when, which record, which path. The owner reads their rows with `privacy` in a
1:1 chat; nobody else reads them, and nobody deletes them.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import timedelta
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import documents
from bot.app.context import HandlerContext, permitted
from bot.app.dispatch import retry_key
from bot.app.form_fields import Lowered
from bot.app.notices import NoticeContext, NoticeKind
from bot.app.progression.session import org_deck
from bot.app.router import CardAction, Command
from bot.app.turn import Message, Reply
from bot.domain.access import Permission
from bot.domain.local_time import london
from cards.base import said
from cards.privacy import (
    AccessLine,
    access_log_card,
    erased_card,
    exported_card,
    person_data_card,
)
from storage.mentoring import MentoringRecords
from storage.models import Person
from storage.people import Directory
from storage.privacy import (
    CONFIDENTIAL_KINDS,
    ERASED_NAME,
    KIND_LABELS,
    AccessLog,
    Erasure,
    erase_person,
    export_person,
    is_erased,
)
from storage.progression import CardSession
from storage.reminders import Schedule

LOOK_BACK = timedelta(days=365)
SHOWN = 50
EXPORTED = "privacy.exported"
NOT_ALLOWED = "Sorry, only an org admin can do that. Ask your TLC admin if you need it."
_SCOPES = MappingProxyType(
    {"personal": "1:1 chat", "channel": "channel", "groupChat": "group chat"}
)


# --- writing access rows, at each read point ---------------------------------------------------


def opened(ctx: HandlerContext, owner_id: int, kind: str, record: str, how: str) -> None:
    """`ctx.person` has just been shown `owner_id`'s confidential `record` (e.g. "programme:3")."""
    where = _SCOPES.get(ctx.turn.where.kind, ctx.turn.where.kind)
    AccessLog(ctx.uow.session).record(
        ctx.turn.org_id,
        owner_id,
        ctx.person.id,
        kind,
        record,
        f"{how}, {where}",
        ctx.services.clock.now(),
    )


def opened_by_notice(ctx: NoticeContext, owner_id: int, kind: str, record: str, how: str) -> None:
    """The worker is drawing `owner_id`'s record into a message to the item's person."""
    if ctx.item.person_id is None:
        return
    AccessLog(ctx.uow.session).record(
        ctx.item.org_id, owner_id, ctx.item.person_id, kind, record, f"{how}, 1:1 chat", ctx.now
    )


# --- `privacy`: who opened my records ----------------------------------------------------------


async def privacy(ctx: HandlerContext) -> Reply:
    """Who has opened your confidential records in the last 12 months (only you see it).

    Usage: privacy
    """
    if ctx.args.strip():
        return Reply.text(
            "`privacy` shows who opened **your** records, to you alone. Nobody can read "
            "or delete anyone else's list, admins included."
        )
    now = ctx.services.clock.now()
    log = AccessLog(ctx.uow.session)
    rows = await log.of_owner(ctx.turn.org_id, ctx.person.id, now - LOOK_BACK, limit=SHOWN + 1)
    readers = {r.reader_id for r in rows if r.reader_id is not None}
    people = {p.id: p for p in await ctx.directory.people(ctx.turn.org_id, readers)}
    lines = []
    for row in rows[:SHOWN]:
        reader = people.get(row.reader_id) if row.reader_id is not None else None
        if reader is None:
            who = "An admin, at the command line" if row.reader_id is None else "Someone who left"
        else:
            who = reader.name or reader.email or ERASED_NAME
        when = london(row.at)
        lines.append(
            AccessLine(
                who=who,
                what=KIND_LABELS.get(row.kind, "a record of yours"),
                when=f"{when:%a} {when.day} {when:%b %Y} at {when:%H:%M}",
                how=row.path,
            )
        )
    return Reply.show(access_log_card(lines, more=max(0, len(rows) - SHOWN)))


# --- subject access export ---------------------------------------------------------------------


async def person_export(
    directory: Directory,
    person: Person,
    reader_id: int | None,
    how: str,
    now: Any,
) -> tuple[bytes, bytes, str]:
    """The JSON file, the readable document, and a file stem, for everything about `person`.

    Each confidential record in it gets an access row in the person's log (who exported it)."""
    session = directory.session
    data, found = await export_person(session, person, now)
    await _card_sessions_in_words(session, person.org_id, data["records"])
    log = AccessLog(session)
    for table, kind in CONFIDENTIAL_KINDS.items():
        for record_id in sorted(found.own.get(table, ())):
            log.record(person.org_id, person.id, reader_id, kind, f"{table}:{record_id}", how, now)
    # A mentee's observations of their mentor's teaching are in the mentee's record and about
    # the mentor: as the mentee's reading them is in the mentor's log, so is an export of them.
    # (Imported here: mentoring writes this module's access log, so it imports this module.)
    from bot.app.mentoring.relationship import READ_OBSERVATION

    records = MentoringRecords(session)
    entries = found.own.get("mentoring_entries", ())
    for rel_id, mentor_id in await records.observed_mentors(person.org_id, entries):
        record = f"mentoring_relationships:{rel_id}"
        log.record(person.org_id, mentor_id, reader_id, READ_OBSERVATION, record, how, now)
    await directory.audit(
        person.org_id,
        reader_id,
        f"person:{person.id}",
        "export person data",
        ", ".join(f"{k}: {len(v)}" for k, v in sorted(data["records"].items())),
        now,
    )
    raw = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode()
    doc = await asyncio.to_thread(_readable, data)
    stem = f"tlc-data-person-{person.id}-{now:%Y-%m-%d}"
    return raw, doc, stem


async def _card_sessions_in_words(
    session: AsyncSession, org_id: str, records: dict[str, list[dict[str, Any]]]
) -> None:
    """What the person said in a card session, and the actions they took on, read as the
    session showed them: which group, which issue and card (its question), not only ids."""
    rows = [*records.get("card_contributions", ()), *records.get("card_actions", ())]
    if not rows:
        return
    deck = await org_deck(session, org_id)
    groups = {
        s.id: s.group_name
        for s in await session.scalars(
            select(CardSession).where(
                CardSession.org_id == org_id,
                CardSession.id.in_({r["session_id"] for r in rows}),
            )
        )
    }
    for row in rows:
        question = deck.card(str(row.get("card_key")))
        issue = deck.issue(question.issue_number) if question else None
        row["group"] = groups.get(row["session_id"], "")
        row["issue"] = issue.title if issue else ""
        row["card"] = f"{question.key}: {question.question}" if question else row.get("card_key")


# Characters XML 1.0 (and so Word) cannot hold; typed text may carry them.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _readable(data: dict[str, Any]) -> bytes:
    """The export as a Word document: the person, then each kind of record, field by field."""
    from docx import Document

    doc = Document()
    person = data["person"]
    who = _XML_UNSAFE.sub("", str(person.get("name") or person.get("email")))
    doc.add_heading(f"What TLC holds about {who}", 0)
    doc.add_paragraph(
        f"Organisation {data['organisation']['name'] or data['organisation']['id']}; "
        f"exported {data['exported_at'][:16].replace('T', ' ')} UTC."
    )
    for note in data["notes"]:
        doc.add_paragraph(note, style="List Bullet")
    doc.add_heading("About you", 1)
    _fields(doc, person)
    for name, rows in data["records"].items():
        doc.add_heading(_label(name), 1)
        for row in rows:
            _fields(doc, row)
            doc.add_paragraph("")
    if data["mentioned_in"]:
        doc.add_heading("Records of others that name you", 1)
        for name, refs in data["mentioned_in"].items():
            doc.add_paragraph(f"{_label(name)}: {len(refs)}", style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _fields(doc: Any, row: dict[str, Any]) -> None:
    table = doc.add_table(rows=0, cols=2)
    for key, value in row.items():
        cells = table.add_row().cells
        cells[0].text = _label(key)
        if isinstance(value, dict) and "base64" in value:
            value = f"a file of {value.get('bytes')} bytes (in the JSON file)"
        elif isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        cells[1].text = "" if value is None else _XML_UNSAFE.sub("", str(value))[:5000]


# --- the admin card -----------------------------------------------------------------------------


class PersonForm(BaseModel):
    email: Annotated[EmailStr, Lowered]
    confirm: bool = False


@permitted(Permission.MANAGE_PEOPLE_DATA, NOT_ALLOWED)
async def open_person_card(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return Reply.show(person_data_card())


@permitted(Permission.MANAGE_PEOPLE_DATA, NOT_ALLOWED)
async def redisplay_person(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    shown = {k: str(v) for k, v in values.items() if isinstance(v, str | bool | int)}
    return Reply.update(person_data_card(shown, errors))


async def _find(ctx: HandlerContext, form: PersonForm) -> Person | Reply:
    person = await ctx.directory.person_by_email(ctx.turn.org_id, str(form.email))
    if person is None:
        return Reply.update(
            person_data_card(
                {"email": str(form.email)}, {"email": "Nobody with that email in TLC."}
            )
        )
    return person


@permitted(Permission.MANAGE_PEOPLE_DATA, NOT_ALLOWED)
async def export_card(ctx: HandlerContext, form: PersonForm) -> Reply:
    found = await _find(ctx, form)
    if isinstance(found, Reply):
        return found
    if not await documents.can_send(ctx):
        # Nothing is made, logged or told: the files could not reach the admin.
        error = "The files only come to our 1:1 chat. Say hello to me in our 1:1 chat first."
        return Reply.update(person_data_card({"email": str(form.email)}, {"email": error}))
    now = ctx.services.clock.now()
    raw, doc, stem = await person_export(
        ctx.directory, found, ctx.person.id, "subject access export by an admin", now
    )
    who = found.name or found.email or "this person"
    await tell_exported(ctx, found, now)
    first = await documents.send(ctx, f"{stem}.json", raw, f"Everything TLC holds about {who}")
    second = await documents.send(ctx, f"{stem}.docx", doc, f"The same, to read: {who}")
    return Reply.update(
        person_data_card({"email": str(form.email)}), *first.messages, *second.messages
    )


@permitted(Permission.MANAGE_PEOPLE_DATA, NOT_ALLOWED)
async def erase_card(ctx: HandlerContext, form: PersonForm) -> Reply:
    if not form.confirm:
        return Reply.update(
            person_data_card(
                {"email": str(form.email)},
                {"confirm": "Turn this on to erase: it cannot be undone."},
            )
        )
    found = await _find(ctx, form)
    if isinstance(found, Reply):
        return found
    if found.id == ctx.person.id:
        return Reply.update(
            person_data_card(
                {"email": str(form.email)},
                {
                    "email": "You can't erase yourself here: ask another admin, or use `tlc person "
                    "erase`."
                },
            )
        )
    erasure = await erase(ctx.directory, found, ctx.person.id, ctx.services.clock.now())
    # Named by number, not by the email typed: this answer is stored (a Teams retry of it).
    return Reply.update(erased_card(f"Person {found.id}", erasure.deleted, erasure.anonymised))


async def erase(directory: Directory, person: Person, actor_id: int | None, now: Any) -> Erasure:
    """Erase `person` and write what was erased to the audit log (counts, no names). A mentee
    whose mentor this was is not left tied to the placeholder (`mentor_leaves`)."""
    # Imported here: mentoring writes this module's access log, so it imports this module.
    from bot.app.mentoring.directory import mentor_leaves

    await mentor_leaves(directory.session, person, now)
    erasure = await erase_person(directory.session, person, now)
    await directory.audit(
        person.org_id,
        actor_id,
        f"person:{person.id}",
        "erase person",
        "deleted "
        + ", ".join(f"{k}: {v}" for k, v in sorted(erasure.deleted.items()))
        + "; anonymised "
        + ", ".join(f"{k}: {v}" for k, v in sorted(erasure.anonymised.items())),
        now,
    )
    return erasure


async def tell_exported(ctx: HandlerContext, person: Person, now: Any) -> None:
    """The person hears that their data was exported, and by whom: one notice a turn, keyed by
    `retry_key` (an activity id alone repeats across conversations, so two admins' exports could
    leave one notice naming one of them)."""
    await Schedule(ctx.uow.session).put(
        ctx.turn.org_id,
        f"privacy-exported:{person.id}:{retry_key(ctx.turn)}",
        EXPORTED,
        now,
        now,
        person_id=person.id,
        payload={"by": ctx.person.id, "at": now.isoformat()},
    )


async def render_exported(ctx: NoticeContext) -> Message | None:
    by = ctx.payload.get("by")
    admin = await ctx.directory.person(ctx.item.org_id, by) if isinstance(by, int) else None
    who = None  # gone, or erased since (a waiting notice is drawn again without their name)
    if admin is not None and not is_erased(admin.name, admin.email, admin.teams_user_id):
        # As written (`said`): a display name like "[Sign in again](…)" is never a live link.
        name = admin.name or admin.email
        who = said(name) if name else None
    return Message(card=exported_card(who))


NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind(EXPORTED, render_exported, None, "Person: an admin exported your data"),
)

ROWS: tuple[Command | CardAction, ...] = (
    Command("privacy", privacy, scopes=frozenset({"personal"})),
    CardAction("admin.person.open", open_person_card, idempotent=False),
    CardAction(
        "admin.person.export",
        export_card,
        form=PersonForm,
        redisplay=redisplay_person,
    ),
    CardAction("admin.person.erase", erase_card, form=PersonForm, redisplay=redisplay_person),
)
