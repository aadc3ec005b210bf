"""A college's first day, as its admins and quality team type and press things in Teams: what
a mistyped command, a setup save or a spreadsheet saved the European way answers, and what it
stores."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app import context
from bot.domain.access import Role
from bot.domain.uploads import read_list
from bot.teams.web import BOT_KEY
from storage.models import AuditEntry, Organisation, Person, RoleGrant
from tests.conftest import ADMIN, QUINN, YEAR_2026
from tests.support.cards import card_text
from tests.support.teams import TENANT, Place, TeamsClient, shared_file
from tests.support.workbooks import LEGACY_XLS, xlsx

SORRY = "something went wrong"


async def _count(app: web.Application, model: type[object]) -> int:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _said(sent: list[object]) -> str:
    texts = [s.activity.get("text") or "" for s in sent]  # type: ignore[attr-defined]
    cards = [card_text(c) for s in sent for c in s.cards]  # type: ignore[attr-defined]
    return "\n".join([*texts, *cards])


async def test_admin_grant_with_a_mistyped_email_says_so_and_gives_no_role(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    people, grants = await _count(teams_app, Person), await _count(teams_app, RoleGrant)
    said = _said(await teams.say(ADMIN, "admin grant quinn quality coordinator"))
    assert SORRY not in said
    assert "Give someone a role" in said and "email" in said.lower()
    # Nothing stored: no person "quinn", no role.
    assert await _count(teams_app, Person) == people
    assert await _count(teams_app, RoleGrant) == grants


async def test_a_role_given_on_the_setup_card_is_in_the_audit_once_with_where_it_came_from(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "admin")
    await teams.execute(ADMIN, "admin.setup.roles", {"quality_emails": "quinn@college.ac.uk"})
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        quinn = await uow.session.scalar(
            select(Person).where(Person.email == "quinn@college.ac.uk")
        )
        assert quinn is not None
        rows = (
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.subject == f"person:{quinn.id}")
            )
        ).all()
    assert [(r.action, r.detail) for r in rows] == [
        (f"grant {Role.QUALITY_COORDINATOR.value}", "setup")
    ]
    log = _said(await teams.say(ADMIN, "admin audit"))
    assert log.count("quinn@college.ac.uk") == 1


async def _tutors(teams_app: web.Application) -> dict[str | None, tuple[str, str]]:
    """The stored tutors: email -> (name, campus)."""
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(Person).where(Person.is_tutor.is_(True)))).all()
        return {p.email: (p.name, p.campus) for p in rows}


async def test_a_tutor_list_saved_with_semicolons_or_as_unicode_text_is_imported(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Excel in a European locale saves "CSV" with semicolons; "Unicode Text" is UTF-16 with
    tabs. Both are read, not refused as "missing column(s): name, email"."""
    await teams.say(ADMIN, "hello")
    semicolons = "\ufeffName;Email;Campus\nRita Reader;rita@college.ac.uk;North, Site 2\n"
    sent = await teams.import_tutors(ADMIN, semicolons)
    said = _said(sent)
    assert "missing column" not in said
    unicode_text = "name\temail\ncampus\n".replace("\ncampus", "\tcampus")
    unicode_text += "Sam Scholar\tsam@college.ac.uk\tSouth\n"
    sent = await teams.import_tutors(ADMIN, unicode_text.encode("utf-16"), "tutors2.csv")
    assert "missing column" not in _said(sent)
    assert await _tutors(teams_app) == {
        "rita@college.ac.uk": ("Rita Reader", "North, Site 2"),
        "sam@college.ac.uk": ("Sam Scholar", "South"),
    }


async def test_a_tutor_list_with_mac_line_endings_is_imported(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with CR alone, and an .xlsx renamed .csv is
    binary. Before, both reached the csv module's "new-line character seen in unquoted field":
    "Sorry — something went wrong on my side" and nothing imported. Now the first is read as
    any CSV, and the second as the workbook it is (before this: "missing column"). An .xls
    renamed .csv is told to be saved again, and nothing of it is stored."""
    await teams.say(ADMIN, "hello")
    mac = 'name,email,campus\rRita Reader,rita@college.ac.uk,North\r"Sam Scholar",sam@college.ac.uk,\r'
    said = _said(await teams.import_tutors(ADMIN, mac.encode("cp1252")))
    assert "went wrong" not in said and "New tutors\n2\n" in said, said
    renamed = xlsx(("name", "email"), ("Tom Tutor", "tom@college.ac.uk"))
    said = _said(await teams.import_tutors(ADMIN, renamed, "renamed.csv"))
    assert "went wrong" not in said and "New tutors\n1\n" in said, said
    said = _said(await teams.import_tutors(ADMIN, LEGACY_XLS, "old.csv"))
    assert "can't read" in said and "Excel Workbook (.xlsx) or as CSV" in said, said
    assert await _tutors(teams_app) == {
        "rita@college.ac.uk": ("Rita Reader", "North"),
        "sam@college.ac.uk": ("Sam Scholar", ""),
        "tom@college.ac.uk": ("Tom Tutor", ""),
    }


async def test_a_tutor_list_sent_as_an_excel_workbook_is_imported(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Colleges keep the tutor list in Excel. Its first sheet is read as a CSV is: start dates
    as real dates or typed, empty cells empty, a bad row told by its row number. Before, the
    .xlsx was answered "Send the tutor list as a .csv file" and nothing was imported."""
    await teams.say(ADMIN, "hello")
    listed = xlsx(
        ("Name", "Email", "Campus", "Learning in libraries", "Start date", "Line manager email"),
        ("Rita Reader", "rita@college.ac.uk", "North", True, date(2026, 9, 1), None),
        ("Sam Scholar", "sam@college.ac.uk", None, "no", "02/09/2026", "mia@college.ac.uk"),
        (None, None, None, None, None, None),
        ("Bad Row", "not-an-email", "South", None, None, None),
        ("Tia Trainee", "tia@college.ac.uk", 2, 0, None, None),
    )
    said = _said(await teams.import_tutors(ADMIN, listed, "Tutors 2026.xlsx"))
    assert SORRY not in said and ".csv" not in said
    assert "Tutor list imported" in said and "New tutors\n3" in said
    assert "Line 5" in said and "email" in said
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(Person).where(Person.is_tutor.is_(True)))).all()
        tutors = {
            p.email: (p.name, p.campus, p.learning_in_libraries, p.start_date, p.line_manager_email)
            for p in rows
        }
    assert tutors == {
        "rita@college.ac.uk": ("Rita Reader", "North", True, date(2026, 9, 1), None),
        "sam@college.ac.uk": ("Sam Scholar", "", False, date(2026, 9, 2), "mia@college.ac.uk"),
        "tia@college.ac.uk": ("Tia Trainee", "2", False, None, None),
    }


async def test_a_sent_list_is_read_off_the_event_loop(
    teams: TeamsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unzipping and parsing a large workbook takes seconds: read on the event loop, every other
    person's turn would wait for it. It is read in a worker thread, and imported all the same."""
    readers: list[int] = []

    def reading(name: str, file_type: str, raw: bytes) -> str:
        readers.append(threading.get_ident())
        return read_list(name, file_type, raw)

    monkeypatch.setattr(context, "read_list", reading)
    await teams.say(ADMIN, "hello")
    listed = xlsx(("name", "email"), ("Rita Reader", "rita@college.ac.uk"))
    said = _said(await teams.import_tutors(ADMIN, listed, "tutors.xlsx"))
    assert "New tutors\n1" in said
    assert len(readers) == 1 and readers[0] != threading.get_ident()


async def test_a_file_named_xlsx_that_is_not_a_workbook_is_answered_and_changes_nothing(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    people, audit = await _count(teams_app, Person), await _count(teams_app, AuditEntry)
    for content in (b"name,email\nRita Reader,rita@college.ac.uk\n", b"PK\x03\x04 broken"):
        said = _said(await teams.import_tutors(ADMIN, content, "tutors.xlsx"))
        assert SORRY not in said
        assert "can't read" in said and "tutors.xlsx" in said and "nothing was imported" in said
    # An Excel 97-2003 workbook, or a Word file: before, "Send the tutor list as a .csv or Excel
    # (.xlsx) file", as if nothing had been sent. Now: what to save it as.
    for name, content in (("tutors.xls", LEGACY_XLS), ("tutors.docx", b"PK\x03\x04 doc")):
        said = _said(await teams.import_tutors(ADMIN, content, name))
        assert "can't read" in said and name in said and "nothing was imported" in said, said
        assert "Excel Workbook (.xlsx) or as CSV" in said
    assert await _count(teams_app, Person) == people
    assert await _count(teams_app, AuditEntry) == audit


async def test_the_quality_team_typing_admin_is_told_what_they_can_do_there(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The quality team keeps the tutor list (`admin import`, `admin tutors`) but `admin` is
    hidden from their help: typing it must not answer only "only an org admin can do that"."""
    teams.on_roster(QUINN)  # Teams gives her email when asked
    await teams.say(QUINN, "hello")
    await teams.say(ADMIN, f"admin grant {QUINN.email} quality_coordinator")
    grants = await _count(teams_app, RoleGrant)
    said = _said(await teams.say(QUINN, "admin"))
    assert "Ada Admin" in said  # who to ask for roles
    assert "admin import" in said and "admin tutors" in said
    sent = await teams.import_tutors(QUINN, "name,email\nTom Tutor,tom@college.ac.uk\n")
    assert "Tutor list imported" in _said(sent)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        quinn = await uow.session.scalar(select(Person).where(Person.email == QUINN.email))
        assert quinn is not None
        roles = set(
            await uow.session.scalars(select(RoleGrant.role).where(RoleGrant.person_id == quinn.id))
        )
    assert roles == {Role.QUALITY_COORDINATOR.value}
    assert await _count(teams_app, RoleGrant) == grants + 1  # Tom's tutor role, nothing else


YEAR_2027 = {
    "autumn_start": "2027-09-06",
    "autumn_end": "2027-12-17",
    "spring_start": "2028-01-04",
    "spring_end": "2028-03-24",
    "summer_start": "2028-04-10",
    "summer_end": "2028-07-07",
}


async def _terms(app: web.Application) -> list[dict[str, str]]:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, TENANT)
        assert org is not None
        return list(org.settings.get("terms", []))


async def test_term_dates_saved_on_the_setup_card_keep_next_years_and_stay_in_one_year(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Next year's dates, set on the term dates card, survive this year's saved on the setup
    card; and the setup card refuses terms running across two academic years, like that card."""
    await teams.say(ADMIN, "admin")
    body, _ = await teams.execute(ADMIN, "settings.terms", {"year": "2027/28", **YEAR_2027})
    assert len(await _terms(teams_app)) == 3
    await teams.execute(ADMIN, "admin.setup.terms", YEAR_2026)
    starts = [t["start"] for t in await _terms(teams_app)]
    assert starts == [
        YEAR_2026["autumn_start"],
        "2027-01-05",
        "2027-04-12",
        *[YEAR_2027[k] for k in ("autumn_start", "spring_start", "summer_start")],
    ]
    # Autumn 2026, then spring and summer a year later: two academic years, refused.
    across = {**YEAR_2027, "autumn_start": "2026-09-07", "autumn_end": "2026-12-18"}
    body, _ = await teams.execute(ADMIN, "admin.setup.terms", across)
    assert "one academic year" in card_text(body["value"])
    assert [t["start"] for t in await _terms(teams_app)] == starts


async def test_taking_org_admin_from_someone_named_in_tlc_admins_is_refused_not_undone_later(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """TLC_ADMINS makes its people org admins on every message: taking the role away in Teams
    would be undone at their next word, so it is refused, saying why and what to do."""
    teams.on_roster(QUINN)
    await teams.say(ADMIN, "hello")  # named in TLC_ADMINS (the test settings)
    await teams.say(QUINN, "hello")
    await teams.say(ADMIN, f"admin grant {QUINN.email} org admin")
    said = _said(await teams.say(QUINN, f"admin revoke {ADMIN.email} org admin"))
    assert "TLC_ADMINS" in said
    await teams.say(ADMIN, "hello")
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        ada = await uow.session.scalar(select(Person).where(Person.email == ADMIN.email))
        assert ada is not None
        actions = [
            r.action
            for r in await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.subject == f"person:{ada.id}")
            )
        ]
    assert actions == [f"grant {Role.ORG_ADMIN.value}"]  # never taken away, never given again


async def test_a_tutor_list_with_a_cell_too_long_to_read_says_which_line_and_stores_nothing(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """A list whose third line has a cell longer than the csv module reads (a pasted essay, a
    corrupt export): the importer hears which line and what to do, not "something went
    wrong", and nobody on the list is stored."""
    await teams.say(ADMIN, "hello")
    text = "name,email,campus\nRita Reader,rita@college.ac.uk,North\n"
    text += f'Sam Scholar,sam@college.ac.uk,"{"x" * 300_000}"\n'
    sent = await teams.import_tutors(ADMIN, text)
    said = _said(sent)
    assert SORRY not in said
    assert "far too long" in said and "Line 3" in said
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tutors = (await uow.session.scalars(select(Person).where(Person.is_tutor.is_(True)))).all()
    assert tutors == []


async def test_a_tutor_list_larger_than_one_network_read_is_imported_whole(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """A college's whole list, 3,000 tutors (about 200 KB): every row is stored. The download
    used one read, which returns only what has arrived so far, so a list past about 64 KB lost
    its last rows without a word."""
    await teams.say(ADMIN, "hello")
    text = "name,email,campus,curriculum_area\n" + "".join(
        f"Tutor {n:04},tutor{n:04}@college.ac.uk,North Campus Building {n % 7},Construction\n"
        for n in range(3000)
    )
    assert len(text) > 200_000
    sent = await teams.import_tutors(ADMIN, text)
    assert "These rows were not imported" not in _said(sent)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        count = await uow.session.scalar(
            select(func.count(Person.id)).where(Person.is_tutor.is_(True))
        )
        last = await uow.session.scalar(
            select(Person.name).where(Person.email == "tutor2999@college.ac.uk")
        )
    assert (count, last) == (3000, "Tutor 2999")


async def test_a_role_change_asked_for_in_a_channel_is_not_announced_there(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """An org admin types `@TLC admin grant …` in a team channel, or submits the role form
    there: the result ("… now has the role Advanced practitioner") would be posted for the whole
    team. The channel hears to use the 1:1 chat, and no role changes."""
    await teams.say(ADMIN, "hello")
    channel = Place.channel()
    sent = await teams.say(
        ADMIN, "admin grant quinn@college.ac.uk advanced practitioner", channel, mention=True
    )
    said = _said(sent)
    assert "1:1 chat" in said and "advanced practitioner" not in said.lower()
    sent = await teams.submit(
        ADMIN,
        {
            "verb": "admin.role",
            "email": "quinn@college.ac.uk",
            "role": "advanced_practitioner",
            "action": "grant",
        },
        channel,
    )
    posted = [s for s in sent if s.conversation_id == channel.conversation_id]
    assert posted and all(s.cards == [] for s in posted)
    assert "1:1 chat" in _said(posted)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        granted = await uow.session.scalar(
            select(func.count(RoleGrant.id)).where(
                RoleGrant.role == Role.ADVANCED_PRACTITIONER.value
            )
        )
    assert granted == 0


async def test_an_admin_command_missing_its_role_or_mistyped_says_what_is_wrong(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """`admin grant quinn@…` without a role, `admin grant` alone, and `admin rolse` used to
    answer with the admin menu and not a word about what was wrong."""
    await teams.say(ADMIN, "hello")
    grants, audit = await _count(teams_app, RoleGrant), await _count(teams_app, AuditEntry)
    for typed, expected in (
        (f"admin grant {QUINN.email}", ["Give someone a role", "Which role?", QUINN.email]),
        ("admin revoke", ["Give someone a role", "Which role?", "Whose?"]),
        ("admin rolse", ["I don't know **admin rolse**", "roles, audit"]),
    ):
        said = _said(await teams.say(ADMIN, typed))
        assert SORRY not in said
        assert all(e in said for e in expected), (typed, said)
    # Nothing changed: no role given, nothing audited.
    assert await _count(teams_app, RoleGrant) == grants
    assert await _count(teams_app, AuditEntry) == audit


async def test_a_list_too_long_for_one_teams_turn_is_refused_whole_with_what_to_do(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """A list sent in chat is imported within one Teams turn (15 seconds): past 5,000 rows it is
    refused whole, with how to send it, and nothing is stored."""
    await teams.say(ADMIN, "hello")
    people = await _count(teams_app, Person)
    text = "name,email\n" + "".join(f"T {n},t{n}@college.ac.uk\n" for n in range(5001))
    said = _said(await teams.import_tutors(ADMIN, text))
    assert "That list has 5,001 tutors" in said and "5,000 at most" in said, said
    assert "tlc import-tutors" in said
    assert await _count(teams_app, Person) == people


async def test_a_tutor_list_sent_without_admin_import_says_how_to_import_it(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The setup card asks for the CSV "with the words admin import"; an admin who drops the file
    into the chat alone (Teams sends no text), or with words of their own, got the help card or
    "Sorry, I didn't understand", with no word about the file. They are told what it takes to
    import it, and nothing is imported."""
    await teams.say(ADMIN, "hello")
    people, grants = await _count(teams_app, Person), await _count(teams_app, RoleGrant)
    tutor_list = "name,email\nTom Tutor,tom@college.ac.uk\n"
    for words, name in (("", "tutors.csv"), ("here is our tutor list", "tutors.xlsx")):
        sent = await teams.say(
            ADMIN, words, attachments=[shared_file(teams.connector, name, tutor_list)]
        )
        said = _said(sent)
        assert "didn't understand" not in said and "What I can do" not in said, said
        assert name in said and "**admin import**" in said, said
    assert await _count(teams_app, Person) == people
    assert await _count(teams_app, RoleGrant) == grants
