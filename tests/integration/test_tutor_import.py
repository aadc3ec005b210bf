"""The tutor list sent while other turns run: whole turns over HTTP, on SQLite and PostgreSQL.

A college's list takes seconds to import; meanwhile a tutor on it says hello for the first time,
or the admin sends the list again, or Teams sends the same message again. The import reads who
the list names first and adds the new people after: whoever another turn stored in between is
kept, and the list is written onto them."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.app.commands import build_events
from bot.app.turn import UserRef
from bot.app.tutor_import import import_tutor_text
from bot.clock import FixedClock
from bot.domain.access import Role
from bot.teams.web import create_app
from storage.db import Database
from storage.models import AuditEntry, Person, RoleGrant
from storage.people import Directory
from storage.reminders import ScheduledItem
from tests.conftest import ADMIN, QUINN, START, TUTOR, local_settings
from tests.support.cards import button_data, card_text, live_markdown, only_card
from tests.support.teams import Sent, TeamsClient, User, shared_file
from tests.support.workbooks import LEGACY_XLS

TUTORS = 40
LIST = "name,email,line_manager_email\n" + "".join(
    f"Tutor {n:02},tutor{n:02}@college.ac.uk,boss{n % 3}@college.ac.uk\n" for n in range(TUTORS)
)
WITH_TOM = LIST + "Tom Tutor (list),tom@college.ac.uk,boss0@college.ac.uk\n"
SORRY = "something went wrong"


@pytest.fixture
def teams_app(db: Database, clock: FixedClock) -> web.Application:
    """The bot on SQLite and on PostgreSQL (the shared `teams` fixture serves this app)."""
    return create_app(local_settings(db.url, admins=ADMIN.email), clock=clock, db=db)


def meanwhile(
    monkeypatch: pytest.MonkeyPatch, other_turn: Callable[[], Awaitable[list[Sent]]]
) -> list[list[Sent]]:
    """Run `other_turn` once, to its end, after the import has read who its list names and
    before it adds anyone: the moment another turn can store one of them first."""
    read = Directory._by_emails
    replies: list[list[Sent]] = []

    async def reading(self: Directory, org_id: str, emails: Iterable[str]) -> dict[str, Person]:
        found = await read(self, org_id, emails)
        if not replies:
            replies.append([])  # once: the other turn's own import reads too
            replies[0] = await other_turn()
        return found

    monkeypatch.setattr(Directory, "_by_emails", reading)
    return replies


def texts(sent: list[Sent]) -> str:
    return "\n".join([s.text or "" for s in sent] + [card_text(c) for s in sent for c in s.cards])


async def stored(db: Database) -> dict[str, Any]:
    async with db.unit_of_work() as uow:
        s = uow.session
        people = (await s.scalars(select(Person).order_by(Person.email))).all()
        grants = await s.execute(
            select(RoleGrant.role, func.count()).group_by(RoleGrant.role).order_by(RoleGrant.role)
        )
        audited = await s.execute(
            select(AuditEntry.action, func.count())
            .where(AuditEntry.detail == "tutor list")
            .group_by(AuditEntry.action)
            .order_by(AuditEntry.action)
        )
        offers = await s.scalar(
            select(func.count()).where(ScheduledItem.key.like("support-offer:%"))
        )
        imports = await s.scalar(select(func.count()).where(AuditEntry.action == "import"))
        return {
            "people": {p.email: p for p in people},
            "grants": {role: n for role, n in grants},
            "audited": {action: n for action, n in audited},
            "offers": offers,
            "imports": imports,
        }


async def test_a_tutor_saying_hello_while_the_list_imports_is_one_person_and_the_list_is_saved(
    teams: TeamsClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tom is on the list and says hello for the first time while it imports: his turn stores
    him with his email first. Before, the import's INSERT met his email and the admin's whole
    list was lost ("Sorry — something went wrong ... nothing was saved")."""
    await teams.say(ADMIN, "hello")
    teams.on_roster(TUTOR)
    hello = meanwhile(monkeypatch, lambda: teams.say(TUTOR, "hello"))
    sent = await teams.import_tutors(ADMIN, WITH_TOM)

    assert SORRY not in texts(hello[0])
    reply = texts(sent)
    assert SORRY not in reply and "Tutor list imported" in reply
    now = await stored(db)
    tom = now["people"]["tom@college.ac.uk"]
    assert (tom.aad_object_id, tom.name, tom.is_tutor) == (TUTOR.aad, "Tom Tutor (list)", True)
    assert tom.line_manager_email == "boss0@college.ac.uk" and tom.last_seen_at is not None
    assert len(now["people"]) == 1 + TUTORS + 1 + 3  # the admin, the list, Tom, 3 managers
    assert now["grants"] == {"line_manager": 3, "org_admin": 1, "tutor": TUTORS + 1}
    assert now["audited"] == {"grant line_manager": 3, "grant tutor": TUTORS + 1}
    assert now["offers"] == TUTORS + 1 and now["imports"] == 1


@pytest.mark.parametrize("retry", [False, True], ids=["sent-again", "teams-retry"])
async def test_the_same_list_twice_at_once_imports_it_once_over(
    teams: TeamsClient, db: Database, monkeypatch: pytest.MonkeyPatch, retry: bool
) -> None:
    """The admin sends the list again while the first is still importing (or Teams sends the
    same message again): the second runs to its end first. Before, the first then met the
    people the second had added, and answered "Sorry ... nothing was saved" though the list was
    in, or a Teams retry's answer was that Sorry."""
    await teams.say(ADMIN, "hello")
    again = shared_file(teams.connector, "again.csv", LIST)
    activity_id = "import-1" if retry else None
    second = meanwhile(
        monkeypatch,
        lambda: teams.say(ADMIN, "admin import", attachments=[again], activity_id=activity_id),
    )
    first = shared_file(teams.connector, "first.csv", LIST)
    sent = await teams.say(ADMIN, "admin import", attachments=[first], activity_id=activity_id)

    assert "Tutor list imported" in texts(second[0])
    assert SORRY not in texts(sent)
    now = await stored(db)
    assert len(now["people"]) == 1 + TUTORS + 3
    assert all(p.is_tutor for e, p in now["people"].items() if e and e.startswith("tutor"))
    assert now["grants"] == {"line_manager": 3, "org_admin": 1, "tutor": TUTORS}
    assert now["audited"] == {"grant line_manager": 3, "grant tutor": TUTORS}
    assert now["offers"] == TUTORS
    assert now["imports"] == (1 if retry else 2)


async def test_a_line_manager_met_without_a_name_is_shown_by_their_email(db: Database) -> None:
    """Teams told TLC of Bea with an email but no name; the list names her only as a line
    manager. Her email stands in for the name, as for a manager TLC has not met (and as the
    per-row import did): before, she stayed nameless in pickers and on cards."""
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation("tenant-1", START)
        await directory.seen(
            "tenant-1", UserRef("29:bea", "aad-bea", "", "bea@college.ac.uk"), START
        )
        await uow.commit()
    async with db.unit_of_work() as uow:
        listed = "name,email,line_manager_email\nTia,tia@college.ac.uk,bea@college.ac.uk\n"
        await import_tutor_text(
            Directory(uow.session), "tenant-1", listed, None, START, build_events()
        )
        await uow.commit()
    now = await stored(db)
    bea = now["people"]["bea@college.ac.uk"]
    assert (bea.name, bea.aad_object_id, bea.is_tutor) == ("bea@college.ac.uk", "aad-bea", False)
    assert now["grants"] == {"line_manager": 1, "tutor": 1}


# A valid address of 252 characters (64 before the @), longer than a name's 200.
LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 56 + ".uk"


async def test_a_line_manager_with_a_long_email_is_recorded(
    teams: TeamsClient, db: Database
) -> None:
    """A manager TLC has not met is recorded with their email standing in for a name; a name
    holds 200 characters and an email up to 254. Before, on PostgreSQL, such a manager made the
    whole list fail ("Sorry — something went wrong ... nothing was saved"; value too long for
    type character varying(200)), and so did `admin grant` by that email."""
    await teams.say(ADMIN, "hello")
    sent = await teams.import_tutors(
        ADMIN, f"name,email,line_manager_email\nTia,tia@college.ac.uk,{LONG_EMAIL}\n"
    )
    assert "Tutor list imported" in texts(sent) and SORRY not in texts(sent)
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        manager = await directory.person_by_email("tenant-1", LONG_EMAIL)
        assert manager is not None and manager.name == LONG_EMAIL[:200]
        assert await directory.roles(manager.id) == {Role.LINE_MANAGER}
        tia = await directory.person_by_email("tenant-1", "tia@college.ac.uk")
        assert tia is not None and tia.line_manager_email == LONG_EMAIL
        other = "x" * 64 + LONG_EMAIL[64:]
        assert (await directory.by_email("tenant-1", other, START)).name == other[:200]


async def test_a_tutor_list_with_a_nul_byte_says_which_line_and_stores_nothing(
    teams: TeamsClient, db: Database
) -> None:
    """A NUL byte in a cell (a corrupt export, a file saved from another program): the admin
    hears which line and what to do, as for a cell too long to read, and nobody is stored.
    Before, the csv module read it (it has since Python 3.11) and PostgreSQL refused it: "Sorry —
    something went wrong ... nothing was saved"; SQLite stored a name with a NUL in it."""
    await teams.say(ADMIN, "hello")
    listed = "name,email\nRita Reader,rita@college.ac.uk\nSam\x00,sam@college.ac.uk\n"
    said = texts(await teams.import_tutors(ADMIN, listed))
    assert SORRY not in said and "Line 3" in said and "can't be read" in said
    assert list((await stored(db))["people"]) == [ADMIN.email]


def _cli_import(url: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "import-tutors", str(path), "--org", "tenant-1"],
        env={"DATABASE_URL": url, "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _stored_name(url: str, email: str) -> str | None:
    db = Database(url)
    try:
        async with db.unit_of_work() as uow:
            found = await Directory(uow.session).person_by_email("tenant-1", email)
            return found.name if found else None
    finally:
        await db.dispose()


def test_the_command_line_reads_a_list_as_chat_does_and_says_when_there_is_no_file(
    tmp_path: Path,
) -> None:
    """`tlc import-tutors` with the list Excel saves on a UK Windows PC (Windows-1252: José),
    which the chat already read: before, a UnicodeDecodeError traceback. A path with no file:
    before, a FileNotFoundError traceback; now one line, and exit code 2."""
    listed = tmp_path / "tutors.csv"
    listed.write_bytes("name,email\nJosé Ortiz,jose@college.ac.uk\n".encode("cp1252"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    done = _cli_import(url, listed)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert "1 new, 0 updated, 0 rows with problems" in done.stdout
    assert asyncio.run(_stored_name(url, "jose@college.ac.uk")) == "José Ortiz"
    missing = _cli_import(url, tmp_path / "not-there.csv")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert f"can't read {tmp_path / 'not-there.csv'}: No such file or directory" in missing.stderr


def test_the_command_line_imports_an_excel_workbook_as_chat_does(tmp_path: Path) -> None:
    """`tlc import-tutors tutors.xlsx`: the chat's `admin import` takes the list as Excel keeps
    it, so the command line does too (its first sheet). Before, the workbook's zip bytes were
    read as CSV text: a _csv.Error traceback, and nobody imported. A file named
    .xlsx that isn't a workbook is refused in one line, exit code 2, and nothing is stored."""
    book = Workbook()
    book.active.append(("name", "email", "line_manager_email"))
    book.active.append(("José Ortiz", "jose@college.ac.uk", "mia@college.ac.uk"))
    book.active.append(("Rita Reader", "rita@college.ac.uk", "mia@college.ac.uk"))
    book.active.append(("Tom Tutor", "tom@college.ac.uk", "mia@colege.ac.uk"))
    listed = tmp_path / "tutors.xlsx"
    book.save(listed)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    done = _cli_import(url, listed)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr
    assert "3 new, 0 updated, 0 rows with problems" in done.stdout
    # As in chat, a line manager that looks like a slip is imported and pointed out.
    assert (
        "check: line manager mia@colege.ac.uk (imported as written): did you mean mia@college.ac.uk?"
        in done.stdout
    )
    assert asyncio.run(_stored_name(url, "jose@college.ac.uk")) == "José Ortiz"
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name,email\nSam Scholar,sam@college.ac.uk\n")
    refused = _cli_import(url, fake)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "can't read" in refused.stderr and "Excel workbook" in refused.stderr
    assert asyncio.run(_stored_name(url, "sam@college.ac.uk")) is None


def test_the_command_line_refuses_an_old_xls_as_chat_does(tmp_path: Path) -> None:
    """`tlc import-tutors tutors.xls` (Excel 97-2003): the chat answers "save it as .xlsx or
    CSV", so the command line does, in one line, exit code 2, nothing stored. Before, the .xls
    was read as CSV text and answered only "missing column"."""
    legacy = tmp_path / "tutors.xls"
    legacy.write_bytes(LEGACY_XLS)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    refused = _cli_import(url, legacy)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert f"can't read {legacy}" in refused.stderr
    assert "Excel Workbook (.xlsx) or as CSV" in refused.stderr
    assert "new" not in refused.stdout
    # Any other name the admin gives is read as CSV text, as it always was (a .txt export).
    text = tmp_path / "tutors.txt"
    text.write_text("name,email\nSam Scholar,sam@college.ac.uk\n")
    done = _cli_import(url, text)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert asyncio.run(_stored_name(url, "sam@college.ac.uk")) == "Sam Scholar"


async def test_a_tutor_named_as_their_own_line_manager_is_a_problem_with_that_line(
    teams: TeamsClient, db: Database
) -> None:
    """Tom's row names Tom (in capitals) as his line manager. Before, it was accepted silently:
    Tom was stored as managing himself and given the line manager role. Now his line says so,
    he is not stored, and the rest of the list imports."""
    await teams.say(ADMIN, "hello")
    listed = (
        "name,email,line_manager_email\n"
        "Rita Reader,rita@college.ac.uk,mia@college.ac.uk\n"
        "Tom Tutor,tom@college.ac.uk,TOM@College.ac.uk\n"
    )
    said = texts(await teams.import_tutors(ADMIN, listed))
    assert "Tutor list imported" in said and "Line 3" in said
    assert "tom@college.ac.uk is named as their own line manager" in said
    now = await stored(db)
    assert set(now["people"]) == {ADMIN.email, "rita@college.ac.uk", "mia@college.ac.uk"}
    assert now["people"]["rita@college.ac.uk"].line_manager_email == "mia@college.ac.uk"
    assert now["grants"] == {"line_manager": 1, "org_admin": 1, "tutor": 1}


async def test_a_problem_line_shows_the_cells_as_typed_not_as_a_link(
    teams: TeamsClient, db: Database
) -> None:
    """A list exported from elsewhere has a link typed in an email cell. Its problem line quotes
    the cell as typed: before, the admin's card showed a live "Sign in again" link."""
    await teams.say(ADMIN, "hello")
    listed = (
        "name,email,line_manager_email\n"
        "Rita Reader,rita@college.ac.uk,\n"
        "Tom Tutor,[Sign in again](https://evil.example),\n"
    )
    (card,) = [c for s in await teams.import_tutors(ADMIN, listed) for c in s.cards]
    assert "Line 3" in card_text(card)
    assert live_markdown(card, "sign in again") == []  # (the email cell, lower-cased)
    assert set((await stored(db))["people"]) == {ADMIN.email, "rita@college.ac.uk"}


async def test_a_tutor_list_over_2_mb_is_answered_and_nothing_is_imported(
    teams: TeamsClient, db: Database
) -> None:
    """A list larger than any college's (2 MB) is refused with its limit and what to do; nobody
    on it is stored."""
    await teams.say(ADMIN, "hello")
    row = "Tom Tutor,tom@college.ac.uk,mia@college.ac.uk," + "x" * 200 + "\n"
    listed = "name,email,line_manager_email,notes\n" + row * 10_000
    said = texts(await teams.import_tutors(ADMIN, listed))
    assert "too large for a list (2 MB at most), so nothing was imported" in said
    assert "each with the words **admin import**" in said
    assert set((await stored(db))["people"]) == {ADMIN.email}


async def test_a_line_manager_typed_with_a_slip_is_imported_and_pointed_out(
    teams: TeamsClient, db: Database
) -> None:
    """One row names mia@colege.ac.uk where the others name mia@college.ac.uk; another names
    Dan at a domain nobody else has (colleg.ac.uk); Quinn, met in Teams, is typed quin@. Before,
    each was silently made a line manager who never turns up, and the tutor's reminders and
    programme notes waited for them. Now each is imported as written (the admin may know
    better) and the answer asks them to check it, naming the address meant. A new manager
    nobody has met, and not close to anyone (Sam), is not pointed out."""
    teams.on_roster(QUINN)  # met in Teams: his email comes from the roster
    await teams.say(ADMIN, "hello")
    await teams.say(QUINN, "hello")
    listed = (
        "name,email,line_manager_email\n"
        "Rita Reader,rita@college.ac.uk,mia@college.ac.uk\n"
        "Tia Tutor,tia@college.ac.uk,mia@college.ac.uk\n"
        "Tom Tutor,tom@college.ac.uk,mia@colege.ac.uk\n"
        "Lee Librarian,lee@college.ac.uk,dan@colleg.ac.uk\n"
        "Leo Learner,leo@college.ac.uk,quin@college.ac.uk\n"
        "Pat Painter,pat@college.ac.uk,sam.jones@college.ac.uk\n"
    )
    said = texts(await teams.import_tutors(ADMIN, listed))
    assert "New tutors\n6\n" in said and "Rows with problems\n0" in said, said
    assert "Worth a check" in said
    assert "mia@colege.ac.uk\ndid you mean mia@college.ac.uk?" in said
    assert "dan@colleg.ac.uk\ndid you mean dan@college.ac.uk?" in said
    assert "quin@college.ac.uk\ndid you mean quinn@college.ac.uk?" in said
    assert "sam.jones" not in said
    now = await stored(db)
    assert now["people"]["tom@college.ac.uk"].line_manager_email == "mia@colege.ac.uk"
    assert "mia@colege.ac.uk" in now["people"]  # imported as written
    # Sent again with the slips fixed: nothing to check.
    fixed = listed.replace("colege", "college").replace("colleg.", "college.")
    said = texts(await teams.import_tutors(ADMIN, fixed.replace("quin@", "quinn@")))
    assert "Worth a check" not in said, said
    now = await stored(db)
    assert now["people"]["tom@college.ac.uk"].line_manager_email == "mia@college.ac.uk"
    # Pasted on the setup card: its notice says the same.
    pasted = "name,email,line_manager_email\nNed Newton,ned@college.ac.uk,mia@colege.ac.uk\n"
    response, _ = await teams.execute(ADMIN, "admin.setup.tutors", {"tutor_csv": pasted})
    said = card_text(response["value"])
    assert (
        "Worth a check, line managers that look like a slip: mia@colege.ac.uk: did you mean mia@college.ac.uk?"
        in said
    ), said
    assert (await stored(db))["people"][
        "ned@college.ac.uk"
    ].line_manager_email == "mia@colege.ac.uk"


async def test_a_list_with_only_its_header_says_it_has_no_tutors_and_what_a_line_is(
    teams: TeamsClient, db: Database
) -> None:
    """A header line and nothing under it, sent in chat and pasted on the setup card. Before:
    "Tutor list imported", 0 new, 0 rows with problems; and "Nothing imported: no rows." Now
    each says the list has no tutors in it and shows a tutor's line; nothing is stored."""
    await teams.say(ADMIN, "hello")
    said = texts(await teams.import_tutors(ADMIN, "name,email,line_manager_email\n"))
    assert "Tutor list: nothing imported" in said and "Tutor list imported" not in said
    assert "Line 2" in said and "the list has no tutors in it" in said
    assert "Tom Tutor,tom.tutor@college.ac.uk,mia.manager@college.ac.uk" in said
    response, _ = await teams.execute(
        ADMIN, "admin.setup.tutors", {"tutor_csv": "name,email,campus\r\n"}
    )
    pasted = card_text(response["value"])
    assert "Nothing imported: line 2: the list has no tutors in it" in pasted
    now = await stored(db)
    assert list(now["people"]) == [ADMIN.email] and now["imports"] == 0


async def test_an_unclosed_quote_says_which_line_and_stores_nothing(
    teams: TeamsClient, db: Database
) -> None:
    """Sam's name opens a quote that never closes, so a lenient CSV reading swallows the lines
    after it into his name. Before: "Line 4: email: missing" (Rita imported, Tia silently
    lost). Now the line with the unclosed quote is named, in chat and on the setup card, and
    nothing is stored, as for any line that can't be read."""
    await teams.say(ADMIN, "hello")
    listed = (
        "name,email\n"
        "Rita Reader,rita@college.ac.uk\n"
        '"Sam Scholar,sam@college.ac.uk\n'
        "Tia Teacher,tia@college.ac.uk\n"
    )
    said = texts(await teams.import_tutors(ADMIN, listed))
    assert "Line 3" in said and 'unclosed quote (")' in said and "missing" not in said
    response, _ = await teams.execute(ADMIN, "admin.setup.tutors", {"tutor_csv": listed})
    assert "Nothing imported: line 3: this line has an unclosed quote" in card_text(
        response["value"]
    )
    now = await stored(db)
    assert list(now["people"]) == [ADMIN.email] and now["imports"] == 0


# Zoë's college has an internationalised domain: Teams may give its IDNA ("ASCII") form.
ZOE = User("zoe", "Zoë Zed", "Zoe@XN--BCHER-KVA.ac.uk")
MEG = User("meg", "Meg Manager", "meg@bücher.ac.uk")


async def test_an_email_with_an_idna_domain_and_its_unicode_form_are_one_person(
    teams: TeamsClient, db: Database
) -> None:
    """Zoë says hello with the IDNA form of her domain; the list names her in Unicode and her
    line manager Meg in the IDNA form; Meg says hello in Unicode; the setup card gives Zoë a
    role by the IDNA form again. Before, each form was its own person: two Zoës (one the
    tutor, the other the one Teams knows) and two Megs (the line manager role on the one
    Teams does not know)."""
    await teams.say(ADMIN, "hello")
    teams.on_roster(ZOE, MEG)
    await teams.say(ZOE, "hello")
    said = texts(
        await teams.import_tutors(
            ADMIN,
            "name,email,line_manager_email\nZoë Zed,zoe@bücher.ac.uk,MEG@xn--bcher-kva.ac.uk\n",
        )
    )
    assert "Tutor list imported" in said
    await teams.say(MEG, "hello")
    await teams.execute(ADMIN, "admin.setup.roles", {"aps_emails": "zoe@xn--bcher-kva.ac.uk"})
    now = await stored(db)
    assert set(now["people"]) == {ADMIN.email, "zoe@bücher.ac.uk", "meg@bücher.ac.uk"}
    zoe, meg = now["people"]["zoe@bücher.ac.uk"], now["people"]["meg@bücher.ac.uk"]
    assert (zoe.aad_object_id, zoe.is_tutor, zoe.line_manager_email) == (
        ZOE.aad,
        True,
        "meg@bücher.ac.uk",
    )
    assert meg.aad_object_id == MEG.aad
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        assert await directory.roles(zoe.id) == {Role.TUTOR, Role.ADVANCED_PRACTITIONER}
        assert await directory.roles(meg.id) == {Role.LINE_MANAGER}
        assert [p.id for p in await directory.managed_by("tenant-1", MEG.email)] == [zoe.id]


# 323 characters: more than `people.email` holds (320).
TOO_LONG = "a" * 64 + "@" + ".".join(c * 63 for c in "bcde") + ".uk"


async def test_a_typed_email_too_long_to_store_is_refused_on_the_setup_card(
    teams: TeamsClient, db: Database
) -> None:
    """Who's who with a 323-character email typed for the line managers and a good one for
    the quality team. Before: on SQLite both were stored and given roles; on PostgreSQL, "Sorry
    — something went wrong". Now the card says the email is too long, and nothing changes:
    not even the good email's person is recorded."""
    await teams.say(ADMIN, "hello")
    response, _ = await teams.execute(
        ADMIN,
        "admin.setup.roles",
        {"quality_emails": "quinn@college.ac.uk", "managers_emails": TOO_LONG},
    )
    shown = card_text(response["value"])
    assert "Too long for an email address (323 characters; 320 at most)" in shown
    assert SORRY not in shown
    now = await stored(db)
    assert list(now["people"]) == [ADMIN.email] and now["grants"] == {"org_admin": 1}


def workbook(*rows: tuple[str, ...]) -> bytes:
    """A tutor list as Excel keeps it: an .xlsx's bytes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_workbook_with_a_bad_row_says_how_to_fix_it_and_where_setup_goes_on(
    teams: TeamsClient, db: Database
) -> None:
    """A new college's admin sends the tutor list as .xlsx from the setup card's step 2; one
    email is mistyped. Before, the answer listed "Line 3 email: value is not a valid email
    address" and stopped: not which email, nor what to do with the line, nor how to go back to
    the setup's other steps. Now the line names the email, the card says to fix the line and
    send the list again, and a button takes the admin back to the setup."""
    await teams.say(ADMIN, "hello")
    listed = workbook(
        ("name", "email", "campus"),
        ("Rita Reader", "rita@college.ac.uk", "North"),
        ("Sam Smith", "sam.smith@college", "North"),
    )
    sent = await teams.import_tutors(ADMIN, listed, name="tutors.xlsx")
    card = only_card(sent)
    said = card_text(card)
    assert "Tutor list imported" in said and "Line 3" in said
    assert "sam.smith@college is not a valid email address" in said
    assert "value is" not in said  # pydantic's words, not the admin's
    assert "Fix these lines in the list and send it again with the words **admin import**" in said
    assert button_data(card, "admin.setup.open") == {"verb": "admin.setup.open"}
    now = await stored(db)
    assert set(now["people"]) == {ADMIN.email, "rita@college.ac.uk"}
    assert now["people"]["rita@college.ac.uk"].campus == "North"


async def test_a_workbook_whose_email_column_is_named_otherwise_says_what_its_header_reads(
    teams: TeamsClient, db: Database
) -> None:
    """A college's own spreadsheet heads its columns "Name", "Email address", "Campus". Before,
    the answer was "Line 1 missing column: email", and the admin, whose list has an email
    column, could not tell what to change. Now it quotes the first line as read and says to
    name the column email; nothing is stored."""
    await teams.say(ADMIN, "hello")
    listed = workbook(
        ("Name", "Email address", "Campus"), ("Rita Reader", "rita@college.ac.uk", "North")
    )
    said = card_text(only_card(await teams.import_tutors(ADMIN, listed, name="staff.xlsx")))
    assert "Tutor list: nothing imported" in said
    assert "send it again with the words **admin import**." in said  # none imported to update
    assert (
        "missing column: email. The first line names the columns and reads "
        "“Name, Email address, Campus”: name the column email there"
    ) in said
    assert set((await stored(db))["people"]) == {ADMIN.email}
