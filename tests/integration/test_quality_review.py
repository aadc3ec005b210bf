"""Fresh-eyes review of the quality team's views and exports, over real HTTP: what a reader who
may not see a walk's concern finds in a term's export, the term the completion grid opens on in
a holiday, and odd months typed into the provider return."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import load_workbook

from storage.models import Team
from storage.walks import StoredWalk, WalkStore
from tests.conftest import ADMIN, DOT, MANAGER, QUINN
from tests.integration.test_quality import (  # noqa: F401  (fixtures)
    DAY,
    ENGLISH_TUTORS,
    MAX,
    QC,
    SAM,
    College,
    add_walk,
    college,
    fact_values,
    grid,
)
from tests.integration.test_walks import mia_walks, org  # noqa: F401  (fixtures)
from tests.support.cards import card_text
from tests.support.loopback import RosterMember
from tests.support.teams import TENANT
from tests.support.walks import Org


def _walk_rows(data: bytes) -> list[dict[str, object]]:
    book = load_workbook(io.BytesIO(data))
    rows = list(book["Learning walks"].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


async def test_a_term_export_says_a_concern_was_raised_only_to_its_readers(org: Org) -> None:  # noqa: F811
    """Dot (development officer, not a reader of the Maths channel) reads the walk but never its
    concern: the card does not tell her one was raised, and nor may the term's workbook."""
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    assert walk.concern and walk.concern_note
    org.connector.add_member(RosterMember(DOT.teams_id, DOT.name, DOT.aad, DOT.email))
    await org.teams.say(DOT, "hello")
    await org.teams.say(ADMIN, f"admin grant {DOT.email} development_officer")

    sent = await org.teams.say(QUINN, "walks export autumn")
    [mine] = _walk_rows(await org.teams.accept_file(QUINN, sent, "quinn.xlsx"))
    assert mine["Concern raised"] == "yes"  # Quinn reads the Maths channel: she may know

    sent = await org.teams.say(DOT, "walks export autumn")
    [hers] = _walk_rows(await org.teams.accept_file(DOT, sent, "dot.xlsx"))
    assert hers["Walk"] == walk.id and hers["Went well: notes"]  # the walk itself is hers to read
    assert hers["Concern raised"] in (None, "—"), hers


async def test_completion_opens_on_the_term_just_ended_in_a_holiday(college: College) -> None:  # noqa: F811
    """In August every term of the year has ended: `completion` shows the summer term (the one
    just gone), as `themes` does, not the spring."""
    c = college
    await add_walk(c, "Maths", MANAGER, [SAM], ["planning"], [])
    async with c.db().unit_of_work() as uow:
        [summer_walk] = [
            w
            for w in await WalkStore(uow.session).saved_between(TENANT, DAY, DAY)
            if w.tutor_ids == [(await c.ids())[SAM.email]]
        ]
        summer_walk.walk_date = date(2027, 6, 8)
        await uow.commit()
    c.clock.set(datetime(2027, 8, 10, 9, tzinfo=UTC))
    card = await c.card(QC, "completion")
    assert "Completion at a glance: Summer term 2026/27" in card_text(card)
    # Sam's summer walk is the one that counts; Tom and Tia were walked in the autumn.
    assert grid(card)["Maths"].startswith("Walks: walked 1 · outstanding 2")
    themes = await c.card(QC, "themes")
    assert "Themes & CPD: Summer term 2026/27" in card_text(themes)


async def test_a_month_out_of_range_in_the_provider_return_gets_an_answer(org: Org) -> None:  # noqa: F811
    """`walks return` takes what is typed: a month whose academic year or following month falls
    outside the calendar gets the same clear answer as a malformed one, never an error."""
    await mia_walks(org, "Tom")
    for month in ("0001-01", "0001-08", "9999-12", "2026-00", "2026-11-31"):
        sent = await org.teams.say(QUINN, f"walks return {month}")
        assert [s.text for s in sent] == [
            "Give the month as YYYY-MM, e.g. `walks return 2026-11`."
        ], month
    early = await org.teams.say(QUINN, "walks return 0001-09")  # on the calendar: no walks
    assert "Learning walks\n0" in card_text(early[0].cards[0])
    shown = await org.teams.say(QUINN, "walks return 2026-11")
    assert "Learning walks\n1" in card_text(shown[0].cards[0])


async def test_a_term_typed_with_its_year_is_that_years_term(org: Org) -> None:  # noqa: F811
    """`walks export autumn 2025/26`: Teams' text loses the slash on its way to the command, so
    the year came as "2025 26" and was dropped: this autumn's walks came back, under this
    autumn's name. Last year's term is the one asked for; a year with no such term is refused."""
    await mia_walks(org, "Tom")
    await mia_walks(org, "Tia")
    [last_year, _] = await org.walks()
    async with org.db_session() as uow:
        walk = await uow.session.get(StoredWalk, last_year.id)
        walk.walk_date = date(2025, 11, 12)
        await uow.commit()

    sent = await org.teams.say(QUINN, "walks export autumn 2025/26")
    assert "learning-walks-2025-26-autumn.xlsx" in sent[0].text
    rows = _walk_rows(await org.teams.accept_file(QUINN, sent, "last-autumn.xlsx"))
    # A date cell (Excel's datetime), the day it was
    assert [(r["Walk"], str(r["Date"])[:10]) for r in rows] == [(last_year.id, "2025-11-12")]

    sent = await org.teams.say(QUINN, "walks export 2026/27 autumn")
    [this_autumn] = _walk_rows(await org.teams.accept_file(QUINN, sent, "this-autumn.xlsx"))
    assert str(this_autumn["Date"]) == "2026-11-23 00:00:00"

    refused = await org.teams.say(QUINN, "walks summary autumn 2019/20")
    assert "I don't know the term" in refused[0].text and not refused[0].cards


async def test_the_export_is_of_the_team_the_card_was_narrowed_to(college: College) -> None:  # noqa: F811
    """Narrowed to English, the card's Export gives English's workbook (the card's scope comes
    with the button's press, as its inputs do), not the whole organisation's."""
    c = college
    english = await c.team_pk("English")
    card = await c.press(QC, "quality.themes", scope=f"team:{english}")
    assert "English" in card_text(card)
    _, sent = await c.teams.execute(
        QC, "quality.export", {"period": "term:2026/27-autumn", "scope": f"team:{english}"}
    )
    book = load_workbook(io.BytesIO(await c.teams.accept_file(QC, sent, "english.xlsx")))
    themes = {r[0]: r[1:3] for r in book["Themes"].iter_rows(min_row=2, values_only=True)}
    # English's six walks and Eve0's approved report; none of Maths's walks or Tom's report.
    assert themes == {
        "Digital skills and technology": (6, 1),
        "Stretch and challenge": (0, 4),
        "Planning and preparation": (1, 0),
    }, themes
    people = [r[0] for r in book["Completion by tutor"].iter_rows(min_row=2, values_only=True)]
    assert sorted(people) == sorted(u.name for u in ENGLISH_TUTORS)
    teams = [r[0] for r in book["Completion by team"].iter_rows(min_row=2, values_only=True)]
    assert teams == ["English"]
    assert "English" in str(book["About"]["A1"].value)


async def test_a_manager_cannot_work_out_one_walk_by_subtracting_two_pictures(
    college: College,  # noqa: F811
) -> None:
    """Counts of records Mia may not open show only as totals of >= 5, but two pictures that
    overlap must not differ by fewer than 5 of them: one Science walk (Eve0, not Mia's) names
    "digital"; the whole organisation less English (and Maths) must not reveal it, and nor must
    the academic year less its terms."""
    c = college
    async with c.db().unit_of_work() as uow:
        uow.session.add(
            Team(org_id=TENANT, team_id="19:science", name="Science", created_at=c.clock.now())
        )
        await uow.commit()
    await add_walk(c, "Science", MAX, [ENGLISH_TUTORS[0]], ["digital"], [])

    def digital(card: dict[str, Any]) -> int:
        return int(fact_values(card)[0].get("Digital skills and technology", "0"))

    whole = await c.press(MANAGER, "quality.themes", scope="org")
    english = await c.press(MANAGER, "quality.themes", scope=f"team:{await c.team_pk('English')}")
    maths = await c.press(MANAGER, "quality.themes", scope=f"team:{await c.team_pk('Maths')}")
    left = digital(whole) - digital(english) - digital(maths)
    assert left == 0 or left >= 5, (digital(whole), digital(english), digital(maths))
    # The Science walk is Quinn's to open: the quality team sees every count, narrowed too.
    science = await c.press(QC, "quality.themes", scope=f"team:{await c.team_pk('Science')}")
    assert digital(science) == 1

    # In the spring, one more Science walk names "digital": the year less the autumn less the
    # spring must not show it either.
    await add_walk(c, "Science", MAX, [ENGLISH_TUTORS[1]], ["digital"], [])
    async with c.db().unit_of_work() as uow:
        rows = await WalkStore(uow.session).saved_between(TENANT, DAY, DAY)
        latest = await uow.session.get(StoredWalk, max(w.id for w in rows))
        assert latest is not None
        latest.walk_date = date(2027, 2, 10)
        await uow.commit()
    c.clock.set(datetime(2027, 2, 15, 9, tzinfo=UTC))
    year, autumn, spring = [
        digital(await c.press(MANAGER, "quality.themes", scope="org", period=p))
        for p in ("year:2026/27", "term:2026/27-autumn", "term:2026/27-spring")
    ]
    assert year - autumn - spring == 0, (year, autumn, spring)
