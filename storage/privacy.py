"""People's data: who opened a confidential record (the access log), everything held about one
person (subject access), erasing a person, and purging stored copies after the retention period.

The access log belongs to the person whose records were opened: only they read it (`privacy`),
and nothing in TLC deletes another person's rows, admins included. Erasing a person removes
their own rows (nobody is left to read them) and keeps rows where they were the reader.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Index, Table
from sqlalchemy.types import Integer, String, Text

from bot.domain.tutors import COLUMNS as TUTOR_LIST_COLUMNS
from storage.documents import PendingDocument
from storage.models import (
    AuditEntry,
    Base,
    Organisation,
    OrganisationRow,
    Person,
    ProcessedActivity,
    Repository,
    belongs_to,
    refers_to,
)
from storage.outbox import CANCELLED, OutboxMessage
from storage.reminders import QUEUED, Schedule, back_in_queue

ERASED_NAME = "Erased person"


class AccessEntry(OrganisationRow):
    """One read of a confidential record by someone other than its owner."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_owner", "org_id", "owner_id", "at"),)

    owner_id: Mapped[int] = belongs_to("people")
    reader_id: Mapped[int | None] = refers_to("people")
    kind: Mapped[str] = mapped_column(String(40))  # self_referral | programme | self_ratings | ...
    record: Mapped[str] = mapped_column(String(100))  # table:id
    path: Mapped[str] = mapped_column(String(200))  # how it was opened
    at: Mapped[datetime]


KIND_LABELS = MappingProxyType(
    {
        "self_referral": "your request for support",
        "programme": "your support programme",
        "self_ratings": "your self-ratings",
        "session_notes": "your session notes",
        "reflections": "your reflections",
        "mentoring": "your mentoring agreement and meeting log",
        "mentoring_observation": "the observations of your teaching in your mentoring record",
        "mentoring_review": "your mentoring review",
        # Asked or active: a request not yet answered holds a mentor's place on capacity too.
        "mentoring_exists": (
            "that you are in a mentoring relationship or asked to be in one (nothing in it)"
        ),
        "coaching": "your coaching notes",
    }
)


class AccessLog(Repository):
    """Writes and reads access rows; reads are always for one owner, by that owner."""

    def record(
        self,
        org_id: str,
        owner_id: int,
        reader_id: int | None,
        kind: str,
        record: str,
        path: str,
        now: datetime,
    ) -> bool:
        """Note a read; a person reading their own record is not noted. True if noted.

        `reader_id` None: read outside Teams, at the command line (`tlc person export`)."""
        if owner_id == reader_id:
            return False
        self.session.add(
            AccessEntry(
                org_id=org_id,
                owner_id=owner_id,
                reader_id=reader_id,
                kind=kind[:40],
                record=record[:100],
                path=path[:200],
                at=now,
            )
        )
        return True

    async def of_owner(
        self, org_id: str, owner_id: int, since: datetime, limit: int = 200
    ) -> Sequence[AccessEntry]:
        rows = await self.session.scalars(
            select(AccessEntry)
            .where(
                AccessEntry.org_id == org_id,
                AccessEntry.owner_id == owner_id,
                AccessEntry.at >= since,
            )
            .order_by(AccessEntry.at.desc(), AccessEntry.id.desc())
            .limit(limit)
        )
        return rows.all()


# --- one person's data: where it lives ---------------------------------------------------------

# (table, column): rows that are the person's own. Deleted on erasure, exported in full, with
# every row that hangs off them by a foreign key (a programme's sessions, an observation's report).
# Any future table with a `tutor_id` column referring to people is the tutor's own as well.
OWN: frozenset[tuple[str, str]] = frozenset(
    {
        ("role_grants", "person_id"),
        ("team_members", "person_id"),
        ("conversation_refs", "person_id"),
        ("notice_preferences", "person_id"),
        ("quiet_hours", "person_id"),
        ("support_offer_preferences", "person_id"),
        ("pending_documents", "person_id"),
        ("scheduled_items", "person_id"),
        ("outbox_messages", "person_id"),
        ("learning_walk_tutors", "person_id"),
        ("observer_quotas", "observer_id"),
        ("access_log", "owner_id"),
        # Mentoring and coaching: the mentee's record (its meetings, observations and reviews
        # hang off it), a person's own coaching notes, their offer to mentor, and the subjects
        # they are waiting for a mentor in.
        ("mentoring_relationships", "mentee_id"),
        ("coaching_conversations", "person_id"),
        ("mentor_offers", "person_id"),
        ("mentor_wishes", "person_id"),
    }
)
# (table, column): what the person wrote or took on in a group's record (a card session's
# contributions and the actions the group agreed). Exported in full, like their own rows, but
# kept on erasure: other people rely on them. The person becomes a former participant there, and
# their name and email are taken out of the group's words.
KEPT_FOR_GROUP: frozenset[tuple[str, str]] = frozenset(
    {("card_actions", "owner_id"), ("card_contributions", "person_id")}
)
# Words that replace an erased person's name or email in a group's record.
FORMER_PARTICIPANT = "a former participant"
# JSON lists of person ids: (table, column) -> exported as a mention. Each list loses the person
# on erasure. A mentee's ranking of mentors is the mentee's confidential choice: the mentors it
# names are not told they are in it.
JSON_PEOPLE = MappingProxyType(
    {
        ("support_referrals", "passed_ids"): True,
        ("walk_plans", "walker_ids"): True,
        ("card_sessions", "participant_ids"): True,
        ("mentoring_reviews", "recipients"): True,
        ("coaching_conversations", "shared_with"): True,
        ("mentoring_relationships", "next_choices"): False,
    }
)
# Audit subjects that are a person: `person:<id>`, and their HA24 induction checklist.
_AUDIT_SUBJECTS = ("person:{}", "ha24:{}")
# Integer columns that name a person without a foreign key (who wrote, granted, logged...).
_MENTION_NAMES = frozenset(
    {"actor_id", "reader_id", "practitioner_id", "observer_id", "author_id", "owner_id"}
)
# Never exported to the admin who asks: the person reads it themselves (`privacy`).
NOT_EXPORTED = frozenset({"access_log"})
# Columns left out of an export, with why: a message's body is a copy of what TLC showed the
# person, and it quotes other people's records (an AP's cards draw the tutor's request and
# notes, each read already in that tutor's log); the row itself (when, what kind, what became
# of it) is exported.
WITHHELD = MappingProxyType(
    {
        ("outbox_messages", "message"): "not exported: a copy of what TLC sent, which can quote "
        "other people's records"
    }
)
# Kinds of confidential record, for the access rows an export writes.
CONFIDENTIAL_KINDS = MappingProxyType(
    {
        "support_referrals": "self_referral",
        "support_programmes": "programme",
        "competence_ratings": "self_ratings",
        "support_sessions": "session_notes",
        "support_reflections": "reflections",
        "mentoring_relationships": "mentoring",
        "mentoring_reviews": "mentoring_review",
        "coaching_conversations": "coaching",
    }
)


def _tables() -> list[Table]:
    import storage.tables  # noqa: F401 - every table is known

    return [t for t in Base.metadata.sorted_tables if t.name != "people"]


def _refers_to_people(table: Table, column: str) -> bool:
    col = table.c[column]
    return any(fk.column.table.name == "people" for fk in col.foreign_keys)


def _is_own(table: Table, column: str) -> bool:
    if (table.name, column) in OWN:
        return True
    return column == "tutor_id" and _refers_to_people(table, column)


def _person_columns(table: Table) -> list[str]:
    out = []
    for col in table.columns:
        named = col.name in _MENTION_NAMES or col.name.endswith("_by")
        if _refers_to_people(table, col.name) or (isinstance(col.type, Integer) and named):
            out.append(col.name)
    return out


@dataclass
class Holdings:
    """Where one person appears: their own rows (with their dependants) and mentions."""

    own: dict[str, set[Any]] = field(default_factory=dict)  # table -> primary keys
    kept: dict[str, set[Any]] = field(default_factory=dict)  # KEPT_FOR_GROUP rows: table -> pks
    mentions: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)  # table -> (pk, col)


def _pk(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


async def holdings(session: AsyncSession, org_id: str, person_id: int) -> Holdings:
    found = Holdings()
    tables = _tables()
    for table in tables:
        pk = _pk(table)
        for column in _person_columns(table):
            q = select(pk).where(table.c[column] == person_id)
            if "org_id" in table.c:
                q = q.where(table.c["org_id"] == org_id)
            ids = list(await session.scalars(q))
            if not ids:
                continue
            if (table.name, column) in KEPT_FOR_GROUP:
                found.kept.setdefault(table.name, set()).update(ids)
            elif _is_own(table, column):
                found.own.setdefault(table.name, set()).update(ids)
            else:
                found.mentions.setdefault(table.name, []).extend((i, column) for i in ids)
        for (name, column), exported in JSON_PEOPLE.items():
            if name == table.name and exported:
                ids = await _listed_in(session, table, column, org_id, person_id)
                found.mentions.setdefault(table.name, []).extend((i, column) for i in ids)
    subjects = [s.format(person_id) for s in _AUDIT_SUBJECTS]
    about = list(
        await session.scalars(
            select(AuditEntry.id).where(
                AuditEntry.org_id == org_id, AuditEntry.subject.in_(subjects)
            )
        )
    )
    if about:
        found.mentions.setdefault("audit_entries", []).extend((i, "subject") for i in about)
    # Rows that hang off an own row (foreign key to it) are part of it.
    changed = True
    while changed:
        changed = False
        for table in tables:
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                parent_ids = found.own.get(parent)
                if not parent_ids or parent == "people" or fk.ondelete != "CASCADE":
                    continue
                q = select(_pk(table)).where(fk.parent.in_(list(parent_ids)))
                new = set(await session.scalars(q)) - found.own.get(table.name, set())
                if new:
                    found.own.setdefault(table.name, set()).update(new)
                    changed = True
    # A mention inside a row that is deleted (or exported in full) anyway is not a mention.
    for name in list(found.mentions):
        own = found.own.get(name, set()) | found.kept.get(name, set())
        kept = [(i, c) for i, c in found.mentions[name] if i not in own]
        if kept:
            found.mentions[name] = kept
        else:
            del found.mentions[name]
    return found


async def _listed_in(
    session: AsyncSession, table: Table, column: str, org_id: str, person_id: int
) -> list[Any]:
    """Rows whose JSON list `column` holds `person_id` (read and matched here: SQLite and
    PostgreSQL search JSON differently, and these lists are short)."""
    pk = _pk(table)
    q = select(pk, table.c[column])
    if "org_id" in table.c:
        q = q.where(table.c["org_id"] == org_id)
    return [i for i, ids in (await session.execute(q)).all() if person_id in _int_list(ids)]


def _int_list(value: Any) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"bytes": len(value), "base64": base64.b64encode(value).decode("ascii")}
    return value


async def _rows(session: AsyncSession, table: Table, ids: Iterable[Any]) -> list[dict[str, Any]]:
    pk = _pk(table)
    rows = await session.execute(select(table).where(pk.in_(list(ids))).order_by(pk))
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in rows]


# A person's own record: their id, what the tutor list says of them, how Teams knows them, and
# when they were added and last seen (the export's JSON is written with its keys sorted).
PERSON_FIELDS = (
    "id",
    *TUTOR_LIST_COLUMNS,
    "aad_object_id",
    "teams_user_id",
    "is_tutor",
    "created_at",
    "last_seen_at",
)


async def export_person(
    session: AsyncSession, person: Person, now: datetime
) -> tuple[dict[str, Any], Holdings]:
    """Everything TLC holds about `person`, as plain JSON-ready data."""
    found = await holdings(session, person.org_id, person.id)
    records: dict[str, list[dict[str, Any]]] = {}
    by_name = {t.name: t for t in _tables()}
    yours = {
        n: found.own.get(n, set()) | found.kept.get(n, set()) for n in {*found.own, *found.kept}
    }
    for name in sorted(yours):
        if name in NOT_EXPORTED:
            continue
        rows = await _rows(session, by_name[name], yours[name])
        for (table, column), why in WITHHELD.items():
            if table == name:
                for row in rows:
                    row[column] = why
        records[name] = rows
    mentions = {
        name: [{"id": _plain(i), "as": column} for i, column in sorted(found.mentions[name])]
        for name in sorted(found.mentions)
    }
    await _what_was_done(session, mentions.get("audit_entries", []))
    org = await session.get(Organisation, person.org_id)
    data: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "organisation": {"id": person.org_id, "name": org.name if org else ""},
        "person": {k: _plain(getattr(person, k)) for k in PERSON_FIELDS},
        "records": records,
        "mentioned_in": mentions,
        "notes": [
            "records: what TLC holds that is yours, in full.",
            "mentioned_in: records that belong to other people or teams and name you "
            "(as author, observer, AP...); their content is theirs.",
            "Who has opened your records: say `privacy` to TLC in a 1:1 chat.",
        ],
    }
    return data, found


async def _what_was_done(session: AsyncSession, refs: list[dict[str, Any]]) -> None:
    """An audit entry about the person says what was done and when; who did it, and its detail,
    stay in the audit log (the detail can name other people)."""
    ids = [r["id"] for r in refs if r["as"] == "subject"]
    if not ids:
        return
    rows = await session.execute(
        select(AuditEntry.id, AuditEntry.action, AuditEntry.at).where(AuditEntry.id.in_(ids))
    )
    found = {i: (action, at) for i, action, at in rows.all()}
    for ref in refs:
        if ref["as"] == "subject" and ref["id"] in found:
            ref["action"], ref["at"] = found[ref["id"]][0], _plain(found[ref["id"]][1])


@dataclass(frozen=True)
class Erasure:
    deleted: dict[str, int]
    anonymised: dict[str, int]


async def erase_person(session: AsyncSession, person: Person, now: datetime) -> Erasure:
    """Delete the person's own rows; leave records that belong to others, where the person
    becomes an anonymous placeholder (the `people` row, emptied). A group's record keeps what
    they wrote or took on, without their name; messages waiting to go that name them are drawn
    again from what is left."""
    found = await holdings(session, person.org_id, person.id)
    deleted: dict[str, int] = {}
    for table in reversed(_tables()):  # dependants first
        ids = found.own.get(table.name)
        if not ids:
            continue
        await session.execute(delete(table).where(_pk(table).in_(list(ids))))
        deleted[table.name] = len(ids)
    anonymised = {name: {i for i, _ in rows} for name, rows in found.mentions.items()}
    for name, ids in found.kept.items():
        anonymised.setdefault(name, set()).update(ids)
    counts = {name: len(ids) for name, ids in anonymised.items()}
    traces = _traces(person)
    for name, unnamed in (await _unname_in_groups(session, person.org_id, traces)).items():
        counts[f"{name} (their name taken out)"] = unnamed
    counts.update(await _leave_lists(session, person.org_id, person.id))
    redrawn = await _redraw_queued(session, person.org_id, [*traces, *_ids(person)], now)
    if redrawn:
        counts["outbox_messages (queued, naming them: drawn again)"] = redrawn
    counts.update(await _forget_copies(session, person.org_id))
    email = person.email
    if email:
        n = await session.scalar(
            select(func.count())
            .select_from(Person)
            .where(Person.org_id == person.org_id, Person.line_manager_email == email)
        )
        if n:
            await session.execute(
                update(Person)
                .where(Person.org_id == person.org_id, Person.line_manager_email == email)
                .values(line_manager_email=None)
            )
            counts["people (line manager)"] = int(n)
    person.name = ERASED_NAME
    person.email = None
    person.aad_object_id = None
    person.teams_user_id = None
    person.campus = ""
    person.curriculum_area = ""
    person.delivery_style = None
    person.line_manager_email = None
    person.learning_in_libraries = False
    person.start_date = None
    person.is_tutor = False
    person.last_seen_at = None
    await session.flush()
    return Erasure(deleted, counts)


def is_erased(name: str | None, email: str | None, teams_user_id: str | None) -> bool:
    """The placeholder an erased person leaves: their name gone, nothing to reach them by."""
    return name == ERASED_NAME and not email and not teams_user_id


def _traces(person: Person) -> list[str]:
    """What names the person in stored words: their name and email."""
    return [t for t in (person.name or "", person.email or "") if _named(t)]


def _ids(person: Person) -> list[str]:
    """What names them in a drawn card besides: their Teams ids (a mention, a refresh list)."""
    return [t for t in (person.teams_user_id or "", person.aad_object_id or "") if _named(t)]


def _named(trace: str) -> bool:
    return len(trace.strip()) >= 3 and trace != ERASED_NAME


def _unnamed(text: str, traces: Sequence[str]) -> str:
    """`text` with each trace, as a whole word (not "Ann" in "Annual"), replaced: the longest
    first (the email before a name it starts with)."""
    for trace in sorted(traces, key=len, reverse=True):
        whole = rf"(?<!\w){re.escape(trace)}(?!\w)"
        text = re.sub(whole, FORMER_PARTICIPANT, text, flags=re.IGNORECASE)
    return text


async def _unname_in_groups(
    session: AsyncSession, org_id: str, traces: Sequence[str]
) -> dict[str, int]:
    """Take the person's name and email out of the card sessions' words (the actions agreed,
    why one was dropped, what was said), whoever wrote them."""
    from storage.progression import CardAction, CardContribution, CardSession

    if not traces:
        return {}
    out: dict[str, int] = {}
    for model, columns in (
        (CardAction, ("what", "dropped_reason")),
        (CardContribution, ("text",)),
    ):
        named = or_(
            *(
                func.lower(getattr(model, c)).contains(t.lower(), autoescape=True)
                for c in columns
                for t in traces
            )
        )
        rows = await session.scalars(
            select(model)
            .join(CardSession, CardSession.id == model.session_id)
            .where(CardSession.org_id == org_id, named)
        )
        n = 0
        for row in rows:
            changed = False
            for c in columns:
                value = getattr(row, c)
                if value and (unnamed := _unnamed(value, traces)) != value:
                    setattr(row, c, unnamed)
                    changed = True
            n += changed
        if n:
            out[model.__tablename__] = n
    return out


async def _leave_lists(session: AsyncSession, org_id: str, person_id: int) -> dict[str, int]:
    """The person leaves every JSON list of people (a session's participants, a plan's walkers,
    who a coaching conversation is shared with...)."""
    by_name = {t.name: t for t in _tables()}
    out: dict[str, int] = {}
    for name, column in JSON_PEOPLE:
        table = by_name[name]
        ids = await _listed_in(session, table, column, org_id, person_id)
        for i in ids:
            value = await session.scalar(select(table.c[column]).where(_pk(table) == i))
            left = [v for v in _int_list(value) if v != person_id]
            await session.execute(update(table).where(_pk(table) == i).values({column: left}))
        if ids:
            out[f"{name} ({column.replace('_', ' ')})"] = len(ids)
    return out


REDRAWN = "drawn again: it named a person who has since been erased"


async def _redraw_queued(
    session: AsyncSession, org_id: str, traces: Sequence[str], now: datetime
) -> int:
    """A message to someone else, drawn and waiting in the outbox, that names the person (a
    card quoting them, their request drawn for an AP) does not go as drawn: it is withdrawn and
    its item drawn again at the next tick, from what is left (where they are a former
    participant, and their own records are gone, so a message about those is not sent)."""
    if not traces:
        return 0
    needles = [json.dumps(t, ensure_ascii=False)[1:-1].lower() for t in traces]
    queued = await session.execute(
        select(OutboxMessage.id, OutboxMessage.item_id, OutboxMessage.item_revision).where(
            OutboxMessage.org_id == org_id, OutboxMessage.state == QUEUED
        )
    )
    n = 0
    for message_id, item_id, revision in queued.all():
        body = await session.scalar(
            select(OutboxMessage.message).where(OutboxMessage.id == message_id)
        )
        drawn = json.dumps(body, ensure_ascii=False).lower()
        if not any(needle in drawn for needle in needles):
            continue
        # Only if still queued: on PostgreSQL a sender may hold it, and sends it first.
        withdrawn = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == QUEUED)
            .values(state=CANCELLED, last_error=REDRAWN, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if not _count(withdrawn):
            continue
        n += 1
        # The item was drawn into this message and not re-scheduled since: draw it again now.
        await Schedule(session).settle(item_id, revision, **back_in_queue(now))
    return n


async def _forget_copies(session: AsyncSession, org_id: str) -> dict[str, int]:
    """Forget the organisation's stored copies of what TLC said: retry replies and the bodies
    of messages already sent. They name people and quote their records (an AP's stored answer
    holds the tutor's name and session notes) but say neither whom they are about nor, for a
    reply, who it went to (its key is a hash), so an erasure cannot pick out the person's: all
    go, as the retention period would take them. A reply's row stays, emptied, so a late Teams
    retry of a submission still runs nothing; a queued message is left to be sent (one that
    names the person was withdrawn and drawn again, above)."""
    out: dict[str, int] = {}
    replies = await session.execute(
        update(ProcessedActivity)
        .where(ProcessedActivity.org_id == org_id)
        .values(response={})
        .execution_options(synchronize_session=False)
    )
    bodies = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.state != QUEUED,
            func.length(cast(OutboxMessage.message, Text)) > 2,
        )
        .values(message={})
        .execution_options(synchronize_session=False)
    )
    if n := _count(replies):
        out["processed_activities (stored replies, emptied)"] = n
    if n := _count(bodies):
        out["outbox_messages (sent copies, emptied)"] = n
    return out


# --- retention ---------------------------------------------------------------------------------

# How long a stored answer to a submission is shown again to a Teams retry of it. Teams retries
# within seconds; later, what it showed (a tutor's record, to someone who may have lost access
# since) is not repeated, and the hourly purge empties it.
REPLAY_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class Purged:
    replies: int
    bodies: int
    documents: int = 0
    answers: int = 0  # stored answers emptied once past `REPLAY_FOR`


async def purge_expired(session: AsyncSession, now: datetime, keep: timedelta) -> Purged:
    """Forget stored retry replies and the bodies of proactive messages older than `keep`.

    A stored reply is emptied sooner, once no retry may be shown it (`REPLAY_FOR`); its row
    stays until `keep`, so a late retry still runs nothing. An outbox row stays (when it went,
    to whom, what became of it) without its card; a queued message is never touched. Documents
    nobody accepted in time (an export waits a day for its consent) go too.
    """
    cutoff = now - keep
    replies = await session.execute(
        delete(ProcessedActivity).where(ProcessedActivity.created_at < cutoff)
    )
    answers = await session.execute(
        update(ProcessedActivity)
        .where(
            ProcessedActivity.created_at < now - REPLAY_FOR,
            func.length(cast(ProcessedActivity.response, Text)) > 2,
        )
        .values(response={})
        .execution_options(synchronize_session=False)
    )
    bodies = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state != QUEUED,
            OutboxMessage.updated_at < cutoff,
            func.length(cast(OutboxMessage.message, Text)) > 2,
        )
        .values(message={})
        .execution_options(synchronize_session=False)
    )
    documents = await session.execute(
        delete(PendingDocument).where(PendingDocument.expires_at < now)
    )
    return Purged(_count(replies), _count(bodies), _count(documents), _count(answers))


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
