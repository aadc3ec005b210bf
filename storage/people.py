"""Organisations, people, roles, teams and conversation references."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import Any, cast

from sqlalchemy import (
    Column,
    Select,
    String,
    Table,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, manager_of_class
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from bot.app.turn import UserRef, Where
from bot.domain.access import Role
from bot.domain.emails import normal_email
from bot.domain.tutors import TutorRow
from storage.db import driver_selects
from storage.models import (
    IN_LIST,
    MAX_ID,
    AuditEntry,
    Base,
    Channel,
    ConversationRef,
    Organisation,
    Person,
    ProcessedActivity,
    Repository,
    RoleGrant,
    Team,
    TeamMember,
    get_in_org,
    given,
)
from storage.reminders import Schedule

log = logging.getLogger(__name__)

# Why a team's channels are not posted to (`ConversationRef.blocked_reason`): the whole team
# (TLC removed, the team deleted or archived; `taken_out_of`, until `back_in`), or one channel.
REMOVED_FROM_TEAM = "TLC was removed from the team"
TEAM_DELETED = "the team was deleted"
TEAM_ARCHIVED = "the team was archived (read-only in Teams)"
TEAM_OUT = (REMOVED_FROM_TEAM, TEAM_DELETED, TEAM_ARCHIVED)
CHANNEL_DELETED = "the channel was deleted"


@dataclass(frozen=True)
class Sighting:
    """What one source tells TLC about a person; any part may be missing."""

    aad_object_id: str | None = None
    teams_user_id: str | None = None
    email: str | None = None
    name: str = ""
    name_is_real: bool = True  # False for a stand-in (an email used as a name)
    seen: bool = True  # seen in Teams now (not a list someone imported)


# PostgreSQL's "deadlock detected" and "could not serialize": the other transaction won.
_RETRYABLE_STATES = frozenset({"40P01", "40001"})
# Every turn of a known person runs it: built once (an immutable statement), as building it
# and its cache key afresh cost ~50 us of CPU a turn. On PostgreSQL asyncpg runs it itself
# (`DriverSelects`: plain columns, the person's then the role), and `_attached` makes the
# `Person`; on SQLite the session loads it (cheaper there than plain columns and `_attached`).
_PEOPLE = cast(Table, Person.__table__)
# In the unit of work's `session.info`: {org id: the people `identify` merged others into},
# until `lines_joined` is asked.
_MERGED = "people.merged"
_PERSON_AND_ROLES = (
    select(Person, RoleGrant.role)
    .outerjoin(RoleGrant, RoleGrant.person_id == Person.id)
    .where(Person.id == bindparam("person_id"))
)


# The same, with the stored answer to a card submission (`Dispatcher`'s replay check) beside
# them: a retry of a stored submit reads nothing else, a first submit one statement fewer.
_PERSON_ROLES_AND_ANSWER = _PERSON_AND_ROLES.add_columns(
    select(ProcessedActivity.response)
    .where(
        ProcessedActivity.org_id == bindparam("org_id"),
        ProcessedActivity.activity_key == bindparam("activity_key"),
    )
    .scalar_subquery()
)

# Who holds any of some roles (a referral asks on every submit): built once, each person once,
# by name. The team's (`team_pk`) are its members, and only if it is the organisation's team: a
# team id from a card can be forged, and must not reach another organisation's people.
_HOLDING = select(RoleGrant.person_id).where(RoleGrant.role.in_(bindparam("roles", expanding=True)))
_MEMBERS = (
    select(TeamMember.person_id)
    .join(Team, Team.id == TeamMember.team_pk)
    .where(TeamMember.team_pk == bindparam("team_pk"), Team.org_id == bindparam("org_id"))
)
_HOLDERS = (
    select(Person)
    .where(Person.org_id == bindparam("org_id"), Person.id.in_(_HOLDING))
    .order_by(Person.name, Person.id)
)
_TEAM_HOLDERS = _HOLDERS.where(Person.id.in_(_MEMBERS))
_HOLDER_IDS = (
    select(RoleGrant.person_id)
    .join(Person, RoleGrant.person_id == Person.id)
    .where(
        Person.org_id == bindparam("org_id"),
        RoleGrant.role.in_(bindparam("roles", expanding=True)),
    )
)
# Each role's holders, for several roles in one statement (a referral's APs and whom a waiting
# referral is told).
_HOLDERS_OF_ANY = _HOLDER_IDS.with_only_columns(Person, RoleGrant.role).order_by(
    Person.name, Person.id
)
# A walk's channel readers on every HA27 save (issue 17): the team's members who hold a role.
_TEAM_HOLDER_IDS = _MEMBERS.join(RoleGrant, RoleGrant.person_id == TeamMember.person_id).where(
    RoleGrant.role.in_(bindparam("roles", expanding=True))
)
_MANAGER = aliased(Person)
_PEOPLE_AND_LINE_MANAGERS = (
    select(Person, _MANAGER.id)
    .outerjoin(
        _MANAGER,
        and_(
            Person.line_manager_email != "",
            _MANAGER.org_id == Person.org_id,
            _MANAGER.email == Person.line_manager_email,
        ),
    )
    .where(Person.org_id == bindparam("org_id"), Person.id.in_(bindparam("ids", expanding=True)))
    .order_by(Person.name, Person.id)
)

# A person's name holds 200 characters; an email may have up to 254.
_NAME_LENGTH = cast(String, _PEOPLE.c.name.type).length
_PERSON_KEYS = tuple(c.key for c in _PEOPLE.c)  # a `Person`'s attributes, in column order
_NEW_PERSON = manager_of_class(Person).new_instance  # an instance with no values, no events


def stand_in_name(email: str) -> str:
    """The email standing in for the name of someone TLC has not met (known only by email):
    as much of it as a name holds."""
    return email[:_NAME_LENGTH]


# An audit entry, written at once (a Core INSERT built once; nothing reads it back on the turn).
_INSERT_AUDIT = insert(cast(Table, AuditEntry.__table__))


def is_identity_race(exc: BaseException) -> bool:
    """A failure that means another transaction stored or merged the same person first."""
    if isinstance(exc, IntegrityError | StaleDataError):
        return True
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return state in _RETRYABLE_STATES or "database is locked" in str(orig)
    return False


async def retry_identity[T](
    work: Callable[[], Awaitable[T]], *, attempts: int = 6, what: str = "people"
) -> T:
    """Run `work` (which opens its own transaction) again when it lost a race on people: the
    next attempt reads what the winner stored. Anything else, or the last loss, propagates."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except Exception as exc:
            if not is_identity_race(exc) or attempt == attempts:
                raise
            log.info("%s: lost a race (%s), attempt %d", what, type(exc).__name__, attempt)
            await asyncio.sleep(random.uniform(0, 0.02 * attempt))
    raise AssertionError("unreachable")


class Directory(Repository):
    """Who is who in an organisation, and where the bot can reach them."""

    async def organisation(self, org_id: str, now: datetime) -> Organisation:
        """The organisation row, created on first sight; safe when two first turns race."""
        org = await self.session.get(Organisation, org_id)
        if org is None:
            await self._insert_once(
                Organisation, ["id"], id=org_id, name="", settings={}, created_at=now
            )
            org = await self.session.get(Organisation, org_id)
            assert org is not None
        return org

    async def person_by_aad(self, org_id: str, aad_object_id: str) -> Person | None:
        return await self.one(
            Person, Person.org_id == org_id, Person.aad_object_id == aad_object_id
        )

    async def person_by_email(self, org_id: str, email: str) -> Person | None:
        return await self.one(Person, Person.org_id == org_id, Person.email == normal_email(email))

    async def person(self, org_id: str, person_id: int) -> Person | None:
        return await get_in_org(self.session, Person, org_id, person_id)

    async def name_in_message(self, org_id: str, person_id: int | None, nobody: str) -> str:
        """How a message names someone: their name or email; `nobody` when no one is set."""
        if person_id is None:
            return nobody
        person = await self.person(org_id, person_id)
        if person is None:
            return "someone who has left"
        return person.name or person.email or "a colleague"

    async def current(self, person: Person) -> Person | None:
        """The row `person` lives on now: itself, or the row it was merged into."""
        found = await self.session.get(Person, person.id)
        if found is not None:
            return found
        for column, value in (
            (Person.aad_object_id, person.aad_object_id),
            (Person.email, person.email),
            (Person.teams_user_id, person.teams_user_id),
        ):
            if value:
                found = await self.session.scalar(
                    select(Person).where(Person.org_id == person.org_id, column == value).limit(1)
                )
                if found is not None:
                    return found
        return None

    async def people(self, org_id: str, ids: Iterable[int]) -> Sequence[Person]:
        ids = list(ids)
        if not ids:
            return []
        rows = await self.session.scalars(
            select(Person).where(Person.org_id == org_id, Person.id.in_(ids)).order_by(Person.name)
        )
        return rows.all()

    async def seen(self, org_id: str, user: UserRef, now: datetime) -> Person:
        """Record a person seen on a turn (a message, an install, `membersAdded`)."""
        return await self.identify(
            org_id,
            Sighting(user.aad_object_id, user.teams_user_id, user.email, user.name),
            now,
        )

    async def identify(
        self, org_id: str, sighting: Sighting, now: datetime, *, prefer: int | None = None
    ) -> Person:
        """THE merge rule: every way TLC first meets a person (a message, an install,
        `membersAdded` without an email, a roster page, the tutor CSV, a role grant by email)
        ends here, so one person is one row.

        Every row that shares the AAD object id, the Teams user id or the email is the same
        person: they are merged into the oldest (lowest id), each empty attribute filled from the
        others, and everything that pointed at the others is moved over (`prefer` keeps a given
        row instead: the worker delivering to it holds a lock on its outbox row). Then what this
        sighting adds (ids, an email, a name) is written.

        Two events for the same person at once can both get here: the loser of a race fails
        with a duplicate key, a foreign key or a stale row, and `retry_identity` runs its work
        again, when it finds the winner's row.
        """
        email = normal_email(sighting.email) if sighting.email else None
        matches = [Person.aad_object_id == sighting.aad_object_id] if sighting.aad_object_id else []
        if sighting.teams_user_id:
            matches.append(Person.teams_user_id == sighting.teams_user_id)
        if email:
            matches.append(Person.email == email)
        found: list[Person] = []
        if matches:
            found = list(
                await self.session.scalars(
                    select(Person).where(Person.org_id == org_id, or_(*matches)).order_by(Person.id)
                )
            )
        if found:
            person = next((p for p in found if p.id == prefer), found[0])
            for duplicate in (p for p in found if p is not person):
                await self._merge(into=person, duplicate=duplicate)
            if len(found) > 1:
                self.session.info.setdefault(_MERGED, {}).setdefault(org_id, set()).add(person.id)
        else:
            person = Person(org_id=org_id, name="", created_at=now, learning_in_libraries=False)
            self.session.add(person)
        if sighting.aad_object_id:
            person.aad_object_id = sighting.aad_object_id
        if sighting.teams_user_id:
            person.teams_user_id = sighting.teams_user_id
        if sighting.name and (sighting.name_is_real or not person.name):
            person.name = sighting.name
        if email and not person.email:
            person.email = email
        if sighting.seen:
            person.last_seen_at = now
        await self.session.flush()
        return person

    async def _merge(self, into: Person, duplicate: Person) -> None:
        """Fold `duplicate` into `into`: its references move over, its attributes fill gaps."""
        import storage.tables  # noqa: F401 - every table that can point at a person

        # PostgreSQL: hold the duplicate's row (FOR UPDATE) before moving what points at it. A
        # concurrent turn writing a new row that refers to it (a role granted by email) holds a
        # key-share lock on it: we wait for that turn, then move its row too. Without this the
        # moves ran first and the final delete cascaded the new row away (a role lost). A turn
        # that comes after waits for us instead, then fails on the foreign key and is retried
        # (`retry_identity`) against the kept row. SQLite runs one writer at a time.
        await self.session.execute(
            select(Person.id).where(Person.id == duplicate.id).with_for_update()
        )

        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column is not Person.__table__.c.id:
                    continue
                column = fk.parent
                await self._drop_clashes(table, column, into.id, duplicate.id)
                await self.session.execute(
                    update(table).where(column == duplicate.id).values({column: into.id})
                )
        keep = {"id", "org_id", "aad_object_id", "teams_user_id", "email"}
        values = {c.key: getattr(duplicate, c.key) for c in Person.__table__.columns}
        # Free the unique ids on the duplicate first, then delete it, then give them to `into`.
        duplicate.aad_object_id = None
        duplicate.email = None
        await self.session.flush()
        await self.session.delete(duplicate)
        await self.session.flush()
        for key, value in values.items():
            if key in keep:
                if key != "id" and key != "org_id" and getattr(into, key) is None:
                    setattr(into, key, value)
            elif key == "created_at":
                into.created_at = min(into.created_at, value)
            elif key == "last_seen_at":
                if value is not None and (into.last_seen_at is None or value > into.last_seen_at):
                    into.last_seen_at = value
            elif value not in (None, "", False) and getattr(into, key) in (None, "", False):
                setattr(into, key, value)
        await self.session.flush()

    async def lines_joined(self, org_id: str) -> frozenset[int]:
        """The tutors whose line manager may have changed through the merges `identify` made in
        this unit of work since it was last asked: someone merged whom the tutor list gives a
        line manager (their Teams account met their row on the list), and everyone the list
        says a merged person manages (their manager's Teams account met the row the list
        keeps by their email). A row's line is its email's, so before the merge neither row
        had it whole. Each merge is answered once."""
        merged = self.session.info.get(_MERGED, {}).pop(org_id, set())
        people = await self.people(org_id, merged)
        tutors = {p.id for p in people if p.line_manager_email}
        for chunk in batched(sorted({p.email for p in people if p.email}), IN_LIST):
            managed = await self.session.scalars(
                select(Person.id).where(
                    Person.org_id == org_id, Person.line_manager_email.in_(chunk)
                )
            )
            tutors.update(managed)
        return frozenset(tutors)

    async def _drop_clashes(
        self, table: Table, column: Column[Any], into_id: int, duplicate_id: int
    ) -> None:
        """Rows of the duplicate that would break a unique rule once moved: the kept person
        already has their like (the same role, the same team), so they go."""
        for constraint in table.constraints:
            if not isinstance(constraint, UniqueConstraint) or column.name not in constraint:
                continue
            others = [c for c in constraint.columns if c is not column]
            theirs = table.alias("theirs")
            same = [theirs.c[c.name] == c for c in others]
            await self.session.execute(
                delete(table).where(
                    column == duplicate_id,
                    exists().where(theirs.c[column.name] == into_id, *same),
                )
            )

    async def person_and_roles(self, person_id: int) -> tuple[Person | None, frozenset[Role]]:
        """The person's row and their roles, read afresh, in one statement."""
        person, roles, _ = await self._person_read(_PERSON_AND_ROLES, {"person_id": person_id})
        return person, roles

    async def person_roles_and_answer(
        self, person_id: int, org_id: str, activity_key: str
    ) -> tuple[Person | None, frozenset[Role], dict[str, Any] | None]:
        """`person_and_roles`, and the answer stored for this card submission (None if it was
        never answered), in one statement."""
        params = {"person_id": person_id, "org_id": org_id, "activity_key": activity_key}
        person, roles, more = await self._person_read(_PERSON_ROLES_AND_ANSWER, params)
        return person, roles, (more[0] if more else None)

    async def _person_read(
        self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
    ) -> tuple[Person | None, frozenset[Role], Sequence[Any]]:
        """A statement of a person's rows, each a role (or None) and the same columns after it:
        the person, their roles and those columns (empty: nobody)."""
        driver = driver_selects(self.session)
        if driver is not None:
            rows: Sequence[Sequence[Any]] = await driver[statement].rows(self.session, params)
            at = len(_PEOPLE.c)  # the person's columns, then the role
            person = self._attached(rows[0]) if rows else None
        else:
            rows = (await self.session.execute(statement, params)).all()
            at = 1  # the person, then the role
            person = rows[0][0] if rows else None
        if not rows:
            return None, frozenset(), ()
        roles = frozenset(Role(row[at]) for row in rows if row[at] is not None)
        return person, roles, rows[0][at + 1 :]

    def _attached(self, row: Sequence[Any]) -> Person:
        """The `Person` of a row of the person's columns, in this unit of work as if the ORM had
        loaded it (clean: a change to it is flushed); the one already here if it is. Made as the
        ORM's loading makes one (`ClassManager.new_instance`, its values put in the instance's
        state, then made persistent), not through `Person(...)`, whose per-attribute events cost
        three times as much."""
        found = self.session.identity_map.get(identity_key(Person, row[0]))
        if isinstance(found, Person):
            return found
        person = _NEW_PERSON()
        instance_state(person).dict.update(zip(_PERSON_KEYS, row, strict=False))
        make_transient_to_detached(person)  # its values as loaded: no history to flush
        self.session.add(person)
        return person

    async def roles_of(self, person_ids: Iterable[int]) -> dict[int, frozenset[Role]]:
        """`roles` for many people, in one statement a chunk of 500 (no role: not listed)."""
        ids = sorted(set(person_ids))
        found: dict[int, set[Role]] = {}
        for chunk in batched(ids, IN_LIST):
            rows = await self.session.execute(
                select(RoleGrant.person_id, RoleGrant.role).where(RoleGrant.person_id.in_(chunk))
            )
            for person_id, role in rows:
                found.setdefault(person_id, set()).add(Role(role))
        return {person_id: frozenset(roles) for person_id, roles in found.items()}

    async def roles(self, person_id: int) -> frozenset[Role]:
        rows = await self.session.scalars(
            select(RoleGrant.role).where(RoleGrant.person_id == person_id)
        )
        return frozenset(Role(r) for r in rows)

    async def grant(
        self, person: Person, role: Role, by: int | None, now: datetime, why: str = ""
    ) -> bool:
        """Give a role; False if they already had it (also when a concurrent turn just gave it).
        Every grant that changes something is written to the audit log, with who and why."""
        added = await self._insert_once(
            RoleGrant,
            ["person_id", "role"],
            person_id=person.id,
            role=role.value,
            granted_by=by,
            granted_at=now,
        )
        if added:
            await self.audit(
                person.org_id, by, f"person:{person.id}", f"grant {role.value}", why, now
            )
        return added

    async def _insert_once(self, model: type[Base], unique: list[str], **values: object) -> bool:
        """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True if a row was added."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        result = await self.session.execute(
            insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke(
        self, person: Person, role: Role, by: int | None, now: datetime, why: str = ""
    ) -> bool:
        """Take a role away; False if they did not have it. Audited like `grant`."""
        result = await self.session.execute(
            delete(RoleGrant).where(RoleGrant.person_id == person.id, RoleGrant.role == role.value)
        )
        removed = bool(getattr(result, "rowcount", 0))
        if removed:
            await self.audit(
                person.org_id, by, f"person:{person.id}", f"revoke {role.value}", why, now
            )
        return removed

    async def has_org_admin(self, org_id: str) -> bool:
        found = await self.session.scalar(
            select(RoleGrant.id)
            .join(Person, Person.id == RoleGrant.person_id)
            .where(Person.org_id == org_id, RoleGrant.role == Role.ORG_ADMIN.value)
            .limit(1)
        )
        return found is not None

    async def role_changes(self, org_id: str, limit: int = 50) -> Sequence[AuditEntry]:
        """The newest grants and revokes of roles in an organisation, newest first."""
        q = (
            select(AuditEntry)
            .where(
                AuditEntry.org_id == org_id,
                AuditEntry.subject.startswith("person:"),
                or_(
                    AuditEntry.action.startswith("grant "), AuditEntry.action.startswith("revoke ")
                ),
            )
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(q)).all()

    async def holders(
        self, org_id: str, *roles: Role, team_pk: int | None = None
    ) -> Sequence[Person]:
        """Who holds any of these roles, by name, each once; with `team_pk`, only members of
        that team of the organisation (none for another organisation's team)."""
        values: dict[str, Any] = {"org_id": org_id, "roles": [r.value for r in roles]}
        if team_pk is None:
            return (await self.session.scalars(_HOLDERS, values)).all()
        if not 0 < team_pk <= MAX_ID:
            return []
        return (await self.session.scalars(_TEAM_HOLDERS, {**values, "team_pk": team_pk})).all()

    async def holder_ids(
        self, org_id: str, *roles: Role, team_pk: int | None = None
    ) -> frozenset[int]:
        """`holders`' ids: one statement, no rows to load."""
        values: dict[str, Any] = {"org_id": org_id, "roles": [r.value for r in roles]}
        if team_pk is None:
            return frozenset(await self.session.scalars(_HOLDER_IDS, values))
        if not 0 < team_pk <= MAX_ID:
            return frozenset()
        ids = await self.session.scalars(_TEAM_HOLDER_IDS, {**values, "team_pk": team_pk})
        return frozenset(ids)

    async def by_name(self, query: Select[Person]) -> Sequence[Person]:
        """The people `query` finds, by name, each once (a join may find someone twice)."""
        rows = await self.session.scalars(query.order_by(Person.name, Person.id))
        return rows.unique().all()

    async def team_tutors(self, org_id: str, team_pk: int) -> Sequence[Person]:
        """The tutors on the roster of the organisation's team: members on the tutor list or
        holding the tutor role (none for another organisation's team)."""
        if not 0 < team_pk <= MAX_ID:
            return []
        tutor_role = select(RoleGrant.person_id).where(RoleGrant.role == Role.TUTOR.value)
        return await self.by_name(
            select(Person)
            .join(TeamMember, TeamMember.person_id == Person.id)
            .join(Team, Team.id == TeamMember.team_pk)
            .where(
                TeamMember.team_pk == team_pk,
                Team.org_id == org_id,
                (Person.is_tutor.is_(True)) | Person.id.in_(tutor_role),
            )
        )

    async def tutors_among(self, people: Iterable[Person]) -> set[int]:
        """Which of these people are tutors (as `team_tutors` counts them): on the tutor list,
        or holding the tutor role (read only for those not on the list)."""
        people = list(people)
        found = {p.id for p in people if p.is_tutor}
        others = [p.id for p in people if not p.is_tutor]
        if others:
            found |= set(
                await self.session.scalars(
                    select(RoleGrant.person_id).where(
                        RoleGrant.role == Role.TUTOR.value, RoleGrant.person_id.in_(others)
                    )
                )
            )
        return found

    async def tutor_list(self, org_id: str, limit: int) -> Sequence[Person]:
        """The tutor list, by name (the first `limit`)."""
        return await self.rows(
            Person, order_by=(Person.name, Person.id), limit=limit, org_id=org_id, is_tutor=True
        )

    async def managed_by(self, org_id: str, manager_email: str | None) -> Sequence[Person]:
        """The people whose line manager this is (by the tutor list), by name."""
        if not manager_email:
            return []
        return await self.rows(
            Person,
            order_by=(Person.name, Person.id),
            org_id=org_id,
            line_manager_email=normal_email(manager_email),
        )

    async def campuses(self, org_id: str) -> list[str]:
        """The campuses on the tutor list, in order."""
        rows = await self.session.scalars(
            select(Person.campus)
            .where(Person.org_id == org_id, Person.campus != "")
            .distinct()
            .order_by(Person.campus)
        )
        return list(rows)

    async def people_and_line_managers(
        self, org_id: str, ids: Iterable[int]
    ) -> tuple[list[Person], dict[int, frozenset[int]]]:
        """These people (by name, as `people`) and each one's line managers (as
        `line_manager_ids`), in one read."""
        ids = list(ids)
        if not ids:
            return [], {}
        rows = await self.session.execute(_PEOPLE_AND_LINE_MANAGERS, {"org_id": org_id, "ids": ids})
        people: dict[int, Person] = {}
        managers: dict[int, set[int]] = {}
        for person, manager_id in rows.all():
            people.setdefault(person.id, person)
            found = managers.setdefault(person.id, set())
            if manager_id is not None:
                found.add(manager_id)
        return list(people.values()), {p: frozenset(m) for p, m in managers.items()}

    async def line_manager_ids(self, people: Iterable[Person]) -> dict[int, frozenset[int]]:
        """Each person's line managers (from the tutor list), by person id."""
        people = list(people)
        emails = {p.line_manager_email for p in people if p.line_manager_email}
        if not emails:
            return {p.id: frozenset() for p in people}
        rows = await self.session.execute(
            select(Person.email, Person.id).where(
                Person.org_id == people[0].org_id, Person.email.in_(emails)
            )
        )
        by_email = {str(e): int(i) for e, i in rows.all()}
        return {
            p.id: frozenset({by_email[p.line_manager_email]})
            if p.line_manager_email in by_email
            else frozenset()
            for p in people
        }

    async def holders_of(self, org_id: str, *roles: Role) -> dict[Role, list[Person]]:
        """Each role's holders (by name, as `holders`), for several roles in one statement."""
        rows = await self.session.execute(
            _HOLDERS_OF_ANY, {"org_id": org_id, "roles": [r.value for r in roles]}
        )
        found: dict[Role, list[Person]] = {role: [] for role in roles}
        for person, role in rows.all():
            found[Role(role)].append(person)
        return found

    async def by_email(self, org_id: str, email: str, now: datetime) -> Person:
        """The person with this email, recorded now if TLC has not met them (a role grant, a
        line manager named on the tutor list); the merge rule joins them up later."""
        address = normal_email(email)
        return await self.identify(
            org_id,
            Sighting(email=address, name=stand_in_name(address), name_is_real=False, seen=False),
            now,
        )

    async def import_tutors(
        self, org_id: str, rows: Sequence[TutorRow], now: datetime, by: int | None = None
    ) -> list[tuple[Person, bool]]:
        """Create or update tutors from the tutor list, in its order; True for each new person.
        Their line managers are recorded (by email) and get the line manager role.

        A list row's only id is its email, and one person has it: what `identify` would find
        and write (the name), done for the whole list at once: everyone it names read in one
        statement a chunk, the new ones added in one INSERT (anyone another turn stored in the
        meantime is kept, and updated like anyone known), the roles given in one INSERT (each
        grant that changes something audited, as `grant` does). A college's list is one Teams
        turn, which has 15 seconds."""
        listed: dict[str, dict[str, Any]] = {}  # email -> what the list says of them
        for row in rows:
            columns = listed.setdefault(normal_email(row.email), {"name": ""})
            columns.update(
                name=row.name or columns["name"],
                campus=row.campus,
                curriculum_area=row.curriculum_area,
                delivery_style=row.delivery_style.value if row.delivery_style else None,
                line_manager_email=(
                    normal_email(row.line_manager_email) if row.line_manager_email else None
                ),
                learning_in_libraries=row.learning_in_libraries,
                start_date=row.start_date,
                is_tutor=True,
            )
        managers = {normal_email(row.line_manager_email) for row in rows if row.line_manager_email}
        # Recorded as `by_email` would: their email stands in for a name until they are met.
        stand_ins = {email: {"name": stand_in_name(email)} for email in managers - listed.keys()}
        wanted = listed | stand_ins
        known = await self._by_emails(org_id, wanted)
        added = await self._add_people(
            org_id, {e: c for e, c in wanted.items() if e not in known}, now
        )
        # Stored by another turn since they were read (a message from one of them, the same
        # list sent twice at once): theirs is kept and the list written onto it, as to anyone
        # known.
        known |= await self._by_emails(org_id, wanted.keys() - known.keys() - added.keys())
        for email, columns in wanted.items():
            if email in added:
                continue  # added as the list says
            person = known[email]
            if email in stand_ins:
                person.name = person.name or stand_in_name(email)  # as `by_email` does
                continue
            for key, value in columns.items():
                if key != "name" or value:
                    setattr(person, key, value)
        known |= added
        await self.session.flush()
        imported: list[tuple[Person, bool]] = []
        seen: set[str] = set()
        for row in rows:
            email = normal_email(row.email)
            imported.append((known[email], email in added and email not in seen))
            seen.add(email)
        grants = [(person, Role.TUTOR) for person, _ in imported]
        grants += [(known[email], Role.LINE_MANAGER) for email in sorted(managers)]
        await self.grant_all(grants, by, now, "tutor list")
        return imported

    async def _add_people(
        self, org_id: str, new: Mapping[str, Mapping[str, Any]], now: datetime
    ) -> dict[str, Person]:
        """Add these people (email -> their columns) in one INSERT, by email; one another turn
        stored since they were read is left out (ON CONFLICT DO NOTHING), not an error."""
        if not new:
            return {}
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        added = await self.session.scalars(
            insert(Person)
            .on_conflict_do_nothing(index_elements=["org_id", "email"])
            .returning(Person),
            [
                {"org_id": org_id, "email": email, "created_at": now, **columns}
                for email, columns in sorted(new.items())
            ],
        )
        return {p.email: p for p in added if p.email}

    async def _by_emails(self, org_id: str, emails: Iterable[str]) -> dict[str, Person]:
        """The organisation's people with these emails (in `normal_email` form), by email."""
        wanted = sorted(emails)
        found: dict[str, Person] = {}
        for chunk in batched(wanted, IN_LIST):
            rows = await self.session.scalars(
                select(Person).where(Person.org_id == org_id, Person.email.in_(chunk))
            )
            found.update((p.email, p) for p in rows if p.email)
        return found

    async def met_emails(self, org_id: str) -> set[str]:
        """The emails of the organisation's people met in Teams (a message, an install, a roster),
        not only named on a list: one read of one column."""
        met = await self.session.scalars(
            select(Person.email).where(
                Person.org_id == org_id,
                Person.email.is_not(None),
                or_(Person.last_seen_at.is_not(None), Person.aad_object_id.is_not(None)),
            )
        )
        return {e for e in met if e}

    async def grant_all(
        self, grants: Sequence[tuple[Person, Role]], by: int | None, now: datetime, why: str
    ) -> None:
        """`grant` for many at once: the roles they lack are given in one INSERT a chunk, and
        each one given is audited."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        pairs = list(dict.fromkeys((person.id, role.value) for person, role in grants))
        org_of = {person.id: person.org_id for person, _ in grants}
        for chunk in batched(pairs, IN_LIST):
            added = await self.session.execute(
                insert(RoleGrant)
                .values(
                    [
                        {"person_id": p, "role": r, "granted_by": by, "granted_at": now}
                        for p, r in chunk
                    ]
                )
                .on_conflict_do_nothing(index_elements=["person_id", "role"])
                .returning(RoleGrant.person_id, RoleGrant.role)
            )
            given_now = sorted((row[0], row[1]) for row in added)
            if given_now:
                await self.session.execute(
                    _INSERT_AUDIT,
                    [
                        {
                            "org_id": org_of[p],
                            "actor_id": by,
                            "subject": f"person:{p}",
                            "action": f"grant {r}",
                            "detail": why,
                            "at": now,
                        }
                        for p, r in given_now
                    ],
                )

    async def line_managers_of(self, person: Person) -> Sequence[Person]:
        if not person.line_manager_email:
            return []
        manager = await self.person_by_email(person.org_id, person.line_manager_email)
        return [manager] if manager else []

    async def management_chain(self, person: Person, limit: int = 30) -> list[Person]:
        """Everyone above `person` by the tutor list: their line manager, that manager's line
        manager, and so on (a loop in the list stops the walk)."""
        chain: list[Person] = []
        seen = {person.id}
        current = person
        while len(chain) < limit:
            above = await self.line_managers_of(current)
            if not above or above[0].id in seen:
                break
            current = above[0]
            seen.add(current.id)
            chain.append(current)
        return chain

    async def team(self, org_id: str, where: Where, now: datetime) -> Team | None:
        if not where.team_id:
            return None
        team = await self.one(Team, Team.org_id == org_id, Team.team_id == where.team_id)
        if team is None:
            team = await self.added(
                Team(
                    org_id=org_id, team_id=where.team_id, name=where.team_name or "", created_at=now
                )
            )
        elif where.team_name and team.name != where.team_name:
            team.name = where.team_name
        if not team.installed:
            await self.back_in(team, now)  # Teams brings a team's activity only where TLC is
        if where.teams_channel_id:
            await self.channel_named(team, where.teams_channel_id, where.teams_channel_name)
        return team

    async def channel_named(self, team: Team, channel_id: str, name: str | None) -> None:
        """`team` has this channel, called `name` (when given): a channel TLC has not seen is
        recorded, a known one takes the name (Teams renamed it)."""
        channel = await self.one(
            Channel, Channel.team_pk == team.id, Channel.channel_id == channel_id
        )
        if channel is None:
            self.session.add(Channel(team_pk=team.id, channel_id=channel_id, name=name or ""))
        elif name:
            channel.name = name

    async def add_member(self, team: Team, person: Person, now: datetime | None = None) -> None:
        """`person` is in `team`; if that is news and TLC is installed there, their messages
        that failed for want of a way to reach them go again (`Schedule.resend_to`)."""
        exists = await self.session.scalar(
            select(TeamMember.id).where(
                TeamMember.team_pk == team.id, TeamMember.person_id == person.id
            )
        )
        if exists is None:
            self.session.add(TeamMember(team_pk=team.id, person_id=person.id))
            if team.installed and now is not None:
                # A team shared with TLC: a 1:1 chat can be opened with them now.
                await Schedule(self.session).resend_to([person.id], now)

    async def taken_out_of(self, team: Team, reason: str = REMOVED_FROM_TEAM) -> bool:
        """TLC was removed from `team` (or the team was deleted or archived, `reason`): it is
        no longer installed there, and its channels are not posted to (nor its roster read,
        nor 1:1 chats opened through it) until it is back. True only for the turn that found
        it installed: Teams says it twice (an installationUpdate and a conversationUpdate), at
        once, and it is to be told once. A deleted channel stays so (`CHANNEL_DELETED`)."""
        taken = await self.session.execute(
            update(Team)
            .where(Team.id == team.id, Team.installed.is_(True))
            .values(installed=False)
            .execution_options(synchronize_session=False)
        )
        await self._channels_blocked(team, None, None, reason, unless=CHANNEL_DELETED)
        await self.session.refresh(team)
        return bool(getattr(taken, "rowcount", 0))

    async def back_in(self, team: Team, now: datetime) -> None:
        """TLC is in `team` again (added back, the team restored or unarchived): its channels
        can be posted to (but a deleted one), and its members' messages that found no way to
        reach them go again (a 1:1 chat can be opened through it)."""
        team.installed = True
        await Schedule(self.session).resend_to(await self.member_ids(team), now)
        await self._channels_blocked(team, None, TEAM_OUT, None)

    async def channel_deleted(self, team: Team, channel_id: str) -> None:
        """The team's channel was deleted: nothing is posted in it until it is restored."""
        await self._channels_blocked(team, channel_id, None, CHANNEL_DELETED)

    async def channel_restored(self, team: Team, channel_id: str) -> None:
        """The team's deleted channel was restored: it can be posted to again."""
        await self._channels_blocked(team, channel_id, (CHANNEL_DELETED,), None)

    async def _channels_blocked(
        self,
        team: Team,
        channel_id: str | None,
        was: tuple[str, ...] | None,
        reason: str | None,
        *,
        unless: str | None = None,
    ) -> None:
        """Set why the conversations in `team`'s channels (in the one `channel_id`, or all),
        blocked for one of the reasons `was` (or whatever they were), and not for the reason
        `unless`, are not posted to (None: they are posted to)."""
        where = [ConversationRef.team_pk == team.id, ConversationRef.kind == "channel"]
        if channel_id is not None:
            where.append(
                or_(
                    ConversationRef.teams_channel_id == channel_id,
                    ConversationRef.conversation_id == channel_id,
                    ConversationRef.conversation_id.startswith(f"{channel_id};", autoescape=True),
                )
            )
        if was is not None:
            where.append(ConversationRef.blocked_reason.in_(was))
        if unless is not None:
            blocked = ConversationRef.blocked_reason
            where.append(or_(blocked.is_(None), blocked != unless))
        await self.session.execute(
            update(ConversationRef)
            .where(*where)
            .values(blocked_reason=reason)
            .execution_options(synchronize_session=False)
        )

    async def taken_out_of_chat(self, org_id: str, conversation_id: str, reason: str) -> None:
        """TLC was removed from a 1:1 or group chat: nothing is posted there until it is back
        (a 1:1 chat's messages then go again, as for someone who blocked TLC)."""
        await self.session.execute(
            update(ConversationRef)
            .where(
                ConversationRef.org_id == org_id,
                ConversationRef.conversation_id == conversation_id,
            )
            .values(blocked_reason=reason)
            .execution_options(synchronize_session=False)
        )

    async def team_of(self, org_id: str, team_id: str) -> Team | None:
        """The organisation's team with this Teams id, if TLC knows it (none is added)."""
        return await self.one(Team, Team.org_id == org_id, Team.team_id == team_id)

    async def known_as(self, org_id: str, users: Iterable[UserRef]) -> frozenset[int]:
        """The ids of the people TLC knows by these Teams ids (none is added)."""
        matches = []
        for user in users:
            if user.teams_user_id:
                matches.append(Person.teams_user_id == user.teams_user_id)
            if user.aad_object_id:
                matches.append(Person.aad_object_id == user.aad_object_id)
        if not matches:
            return frozenset()
        ids = await self.session.scalars(
            select(Person.id).where(Person.org_id == org_id, or_(*matches))
        )
        return frozenset(ids)

    async def member_ids(self, team: Team) -> Sequence[int]:
        """The people TLC has as members of `team`."""
        rows = await self.session.scalars(
            select(TeamMember.person_id).where(TeamMember.team_pk == team.id)
        )
        return rows.all()

    async def remove_members(self, team: Team, person_ids: Iterable[int]) -> None:
        """These people are no longer members of `team` (they left, or were removed)."""
        ids = list(person_ids)
        if ids:
            await self.session.execute(
                delete(TeamMember).where(
                    TeamMember.team_pk == team.id, TeamMember.person_id.in_(ids)
                )
            )

    async def remember_conversation(
        self, org_id: str, where: Where, person: Person | None, team: Team | None, now: datetime
    ) -> ConversationRef:
        ref = await self.one(
            ConversationRef,
            ConversationRef.org_id == org_id,
            ConversationRef.conversation_id == where.conversation_id,
        )
        # A 1:1 chat TLC did not have, or had found blocked: it can reach this person again.
        reachable_again = (
            where.kind == "personal"
            and person is not None
            and (ref is None or ref.blocked_reason is not None or ref.person_id != person.id)
        )
        if ref is None:
            ref = ConversationRef(org_id=org_id, conversation_id=where.conversation_id)
            self.session.add(ref)
        ref.kind = where.kind
        ref.service_url = where.service_url
        ref.channel_id = where.channel
        ref.bot_id = where.bot_id
        ref.bot_name = where.bot_name
        if where.kind == "personal" and person is not None:
            ref.person_id = person.id
        ref.team_pk = team.id if team else ref.team_pk
        ref.teams_channel_id = where.teams_channel_id
        ref.blocked_reason = None  # seen again: reachable again
        ref.updated_at = now
        if reachable_again and person is not None:
            await Schedule(self.session).resend_to([person.id], now)
        return ref

    async def conversation(self, org_id: str, conversation_id: str) -> ConversationRef | None:
        return await self.one(
            ConversationRef,
            ConversationRef.org_id == org_id,
            ConversationRef.conversation_id == conversation_id,
        )

    async def personal_conversation(self, person_id: int) -> ConversationRef | None:
        return await self.session.scalar(
            select(ConversationRef)
            .where(ConversationRef.person_id == person_id, ConversationRef.kind == "personal")
            .order_by(ConversationRef.updated_at.desc())
            .limit(1)
        )

    async def count_people(self, org_id: str) -> int:
        return int(
            await self.session.scalar(select(func.count(Person.id)).where(Person.org_id == org_id))
            or 0
        )

    async def audit(
        self,
        org_id: str,
        actor_id: int | None,
        subject: str,
        action: str,
        detail: str,
        now: datetime,
    ) -> None:
        """Write who did what, when, to the audit log: one INSERT built once, sent at once (no
        ORM flush: nothing reads the entry back on the turn, and it refers to no other row)."""
        await self.session.execute(
            _INSERT_AUDIT,
            {
                "org_id": org_id,
                "actor_id": actor_id,
                "subject": subject,
                "action": action,
                "detail": detail,
                "at": now,
            },
        )

    async def audit_trail(self, org_id: str, subject: str | None = None) -> Sequence[AuditEntry]:
        return await self.rows(AuditEntry, *given(AuditEntry, subject=subject), org_id=org_id)
