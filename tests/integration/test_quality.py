"""What the quality team sees, over real HTTP (issue 16, points 1 and 2): the themes card and its
chart, the completion grid, and both in the workbook, their figures checked against the stored
walks and reports; the >= 5 rule and each record's readers; LiL tutors apart; a walk that visited
several tutors counted for each."""

from __future__ import annotations

import base64
import io
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp import web
from openpyxl import load_workbook
from PIL import Image

from bot.clock import FixedClock
from bot.domain.observations import ObservationState
from bot.domain.quality import theme_map
from storage.models import Organisation, Team
from storage.observations import Observations
from storage.people import Directory
from storage.walks import SAVED, WalkStore
from tests.conftest import ADMIN, LEE, MANAGER, QC, TIA, TUTOR
from tests.support.cards import card_nodes, card_text, live_markdown
from tests.support.loopback import RosterMember, Sent
from tests.support.teams import TENANT, Place, TeamsClient, User, shared_file
from tests.support.walks import Org

MAX = User("max", "Max Manager", "max@college.ac.uk")
SAM = User("sam", "Sam Slow", "sam@college.ac.uk")
ENGLISH_TUTORS = tuple(User(f"e{i}", f"Eve{i} English", f"eve{i}@college.ac.uk") for i in range(6))
MATHS = Place.channel("19:team-maths@thread.tacv2", team_name="Maths", channel_name="Quality")
ENGLISH = Place.channel("19:team-eng@thread.tacv2", team_name="English", channel_name="Quality")

TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries\n"
    "Tom Tutor,tom@college.ac.uk,North,Maths,classroom,mia@college.ac.uk,no\n"
    "Tia Tutor,tia@college.ac.uk,North,Maths,classroom,mia@college.ac.uk,no\n"
    "Sam Slow,sam@college.ac.uk,North,Maths,classroom,mia@college.ac.uk,no\n"
    "Lee Librarian,lee@college.ac.uk,Library,Maths,classroom,mia@college.ac.uk,yes\n"
    + "".join(
        f"{u.name},{u.email},South,English,classroom,max@college.ac.uk,no\n" for u in ENGLISH_TUTORS
    )
)
DAY = date(2026, 11, 10)  # in the autumn term; the clock stands at 23 Nov 2026


class College(Org):
    """The walks tests' organisation, with a college's worth of verbs."""

    async def say(self, user: User, text: str, place: Place | None = None) -> list[Sent]:
        return await self.teams.say(user, text, place, mention=place is not None)

    async def card(self, user: User, text: str) -> dict[str, Any]:
        sent = await self.say(user, text)
        assert sent and sent[0].cards, [s.text for s in sent]
        return sent[0].cards[0]

    async def press(self, user: User, verb: str, **data: Any) -> dict[str, Any]:
        body, _ = await self.teams.execute(user, verb, data)
        assert self.teams.last_status == 200, body
        value = body.get("value")
        assert isinstance(value, dict), body
        return value

    async def ids(self) -> dict[str, int]:
        async with self.db().unit_of_work() as uow:
            directory = Directory(uow.session)
            out = {}
            for user in (TUTOR, TIA, SAM, LEE, MANAGER, MAX, QC, *ENGLISH_TUTORS):
                person = await directory.person_by_email(TENANT, user.email)
                assert person is not None
                out[user.email] = person.id
            return out

    async def team_pk(self, name: str) -> int:
        async with self.db().unit_of_work() as uow:
            teams = await WalkStore(uow.session).teams(TENANT)
            return next(t.id for t in teams if t.name == name)


async def add_walk(
    c: College, team: str, author: User, tutors: list[User], well: list[str], better: list[str]
) -> None:
    ids = await c.ids()
    pk = await c.team_pk(team)
    now = c.clock.now()
    async with c.db().unit_of_work() as uow:
        row = WalkStore(uow.session).new_walk(TENANT, pk, None, ids[author.email], now)
        row.walk_date = DAY
        row.went_well = well
        row.even_better_if = better
        row.state = SAVED
        row.saved_at = now
        row.set_tutors(ids[t.email] for t in tutors)
        await uow.commit()


async def add_report(
    c: College, tutor: User, strengths: list[str], areas: list[str], state: ObservationState
) -> None:
    ids = await c.ids()
    now = c.clock.now()
    async with c.db().unit_of_work() as uow:
        repo = Observations(uow.session)
        obs = await repo.create(TENANT, ids[tutor.email], "2026/27", state, now)
        obs.observer_id = ids[QC.email]
        obs.starts_at = datetime(2026, 11, 5, 10, tzinfo=UTC)
        report = await repo.report_for_writing(obs, now)
        report.strength_themes = strengths
        report.area_themes = areas
        await uow.commit()


@pytest.fixture
async def college(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> AsyncIterator[College]:
    """Maths (Mia manages Tom, Tia, Sam; Lee is Learning in Libraries) and English (Max manages
    six tutors); Quinn is the quality coordinator."""
    cast = (QC, MAX, TIA, SAM, LEE, *ENGLISH_TUTORS)
    for user in cast:
        teams.connector.add_member(RosterMember(user.teams_id, user.name, user.aad, user.email))
    await teams.say(
        ADMIN, "admin import", attachments=[shared_file(teams.connector, "t.csv", TUTOR_LIST)]
    )
    for user in (MANAGER, TUTOR, TIA, SAM, LEE):
        await teams.say(user, "hello", MATHS, mention=True)
    for user in (MAX, *ENGLISH_TUTORS):
        await teams.say(user, "hello", ENGLISH, mention=True)
    for user in (ADMIN, MANAGER, TUTOR, *cast):
        await teams.say(user, "hello")
    await teams.say(ADMIN, f"admin grant {QC.email} quality_coordinator")
    c = College(teams, teams_app, clock)
    # Maths: one walk visits Tom and Tia together; another visits Tom alone.
    await add_walk(c, "Maths", MANAGER, [TUTOR, TIA], ["planning"], ["questioning"])
    await add_walk(c, "Maths", MANAGER, [TUTOR], ["planning", "engagement"], ["feedback"])
    # English: six walks Mia may not open; "digital" on all six, "stretch" on four.
    for i, tutor in enumerate(ENGLISH_TUTORS):
        await add_walk(c, "English", MAX, [tutor], ["digital"], ["stretch"] if i < 4 else [])
    # Tom's approved OTLA names "assessment" (the walks' "feedback") and "questioning".
    await add_report(c, TUTOR, ["assessment"], ["questioning"], ObservationState.APPROVED)
    await add_report(c, ENGLISH_TUTORS[0], ["planning"], ["digital"], ObservationState.SENT)
    await add_report(c, ENGLISH_TUTORS[1], ["planning"], [], ObservationState.REPORT_SUBMITTED)
    teams.connector.clear()
    yield c


def fact_values(card: dict[str, Any]) -> list[dict[str, str]]:
    """Strengths, areas to develop and CPD, each as {title: value} ({} where the card says —)."""
    sections: dict[str, dict[str, str]] = {}
    current = ""
    for item in card["body"]:
        if item.get("type") == "TextBlock" and str(item.get("weight")).lower() == "bolder":
            current = item["text"]
            sections[current] = {}
        elif item.get("type") == "FactSet" and current:
            sections[current] = {f["title"]: f["value"] for f in item["facts"]}
    return [sections[k] for k in ("Strengths", "Areas to develop", "CPD they point to")]


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in card_nodes(card) if n.get("type") == "Action.Execute"]


def image(card: dict[str, Any]) -> tuple[Image.Image, str]:
    img = next(i for i in card["body"] if i.get("type") == "Image")
    url = img["url"]
    assert url.startswith("data:image/png;base64,")
    png = base64.b64decode(url.removeprefix("data:image/png;base64,"))
    return Image.open(io.BytesIO(png)), img["altText"]


async def stored_counts(c: College) -> tuple[Counter[str], Counter[str], int, int]:
    """Strength and area counts per theme label straight from the stored rows: saved walks and
    approved reports, each theme once per record, the two forms' keys mapped to one theme."""
    themes = theme_map()
    well: Counter[str] = Counter()
    better: Counter[str] = Counter()
    async with c.db().unit_of_work() as uow:
        walks = await WalkStore(uow.session).saved_between(TENANT, date(2026, 9, 1), DAY)
        reports = await Observations(uow.session).approved_reports_between(
            TENANT, datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
        )
        pairs: list[tuple[list[str], list[str]]] = [
            (w.went_well, w.even_better_if) for w in walks
        ] + [(r.strength_themes, r.area_themes) for _, r in reports]
    for strengths, areas in pairs:
        well.update({t.label for k in strengths if (t := themes.of(k))})
        better.update({t.label for k in areas if (t := themes.of(k))})
    return well, better, len(walks), len(reports)


async def test_the_quality_team_sees_every_theme_counted_from_the_stored_records(
    college: College,
) -> None:
    c = college
    card = await c.card(QC, "themes")
    text = card_text(card)
    well, better, walks, reports = await stored_counts(c)
    assert (walks, reports) == (8, 2)  # a submitted report is not counted until approved
    assert "From 8 learning walks and 2 approved OTLA reports." in text
    strengths, areas, cpd = fact_values(card)[:3]
    assert {k: int(v) for k, v in strengths.items()} == dict(well)
    assert {k: int(v.split(" · ")[0]) for k, v in areas.items()} == dict(better)
    # Walks' "feedback" and the report's "assessment" are one theme.
    assert strengths["Assessment and feedback"] == "1" and areas["Assessment and feedback"]
    assert areas["Questioning and checking learning"] == "2 · CPD: Questioning techniques"
    assert cpd["Questioning techniques"] == "2" and cpd["Stretch and challenge for every learner"]
    picture, alt = image(card)
    assert picture.width == 360 and picture.format == "PNG"
    assert len(json.dumps(card)) < 80_000  # inside Teams' message size, picture included
    assert "Digital skills and technology: 6 strengths, 1 area to develop" in alt
    examples = [b for b in buttons(card) if b["verb"] in ("walk.view", "otla.report.open")]
    assert any(b["title"].startswith("Walk: Eve") for b in examples)
    assert "Records you may not open" not in text
    # An example opens the walk, and the open itself checks who asks.
    walk_button = next(b for b in examples if b["verb"] == "walk.view")
    opened = await c.press(QC, "walk.view", walk_id=walk_button["data"]["walk_id"])
    assert "Learning walk" in card_text(opened)


async def test_a_manager_sees_other_teams_only_as_totals_of_five_or_more(
    college: College,
) -> None:
    c = college
    card = await c.card(MANAGER, "themes")
    text = card_text(card)
    strengths, areas, _ = fact_values(card)[:3]
    # Mia opens the two Maths walks and Tom's report (she is his line manager). The six English
    # walks count only as totals of >= 5: "digital" (6) is shown, "stretch" (4) is not; Eve0's
    # report (1) is not counted at all.
    assert "From 8 learning walks and 1 approved OTLA report." in text
    assert strengths["Digital skills and technology"] == "6"
    assert "Stretch and challenge" not in areas and "Stretch" not in text
    assert strengths["Planning and preparation"] == "2"  # not 3: Eve0's report stays out
    assert "Digital skills and technology" not in areas
    assert "Records you may not open count only where at least 5" in text
    titles = [b["title"] for b in buttons(card) if b["verb"] in ("walk.view", "otla.report.open")]
    assert titles and all("Eve" not in t for t in titles)
    assert any(t.startswith("Walk: Tom Tutor, Tia Tutor") for t in titles)
    # Narrowed to English, nothing is hers to open, and a narrowed picture counts only her own
    # records (the organisation's total less a team's could leave fewer than 5: see
    # test_quality_review.py); the card says where the others are counted.
    english = await c.team_pk("English")
    narrowed = await c.press(MANAGER, "quality.themes", scope=f"team:{english}")
    assert "English" in card_text(narrowed)
    strengths, areas, _ = fact_values(narrowed)[:3]
    assert strengths == {} and areas == {}
    assert "only records you may open are counted" in card_text(narrowed)
    assert not [b for b in buttons(narrowed) if b["verb"] == "walk.view"]
    # What the examples would have opened, she could not open anyway.
    async with c.db().unit_of_work() as uow:
        eve_walks = await WalkStore(uow.session).saved_between(TENANT, DAY, DAY, english)
    refused, _ = await c.teams.execute(MANAGER, "walk.view", {"walk_id": eve_walks[0].id})
    assert "isn't yours to see" in str(refused)


async def test_only_quality_and_managers_see_themes_and_only_in_private(college: College) -> None:
    c = college
    for words in ("themes", "completion", "observations themes"):
        sent = await c.say(TUTOR, words)
        assert "for the quality team and line managers" in sent[0].text and not sent[0].cards
    sent = await c.say(QC, "themes", MATHS)
    assert not sent[0].cards and "1:1" in sent[0].text
    # The old button and command lead to the same picture.
    old = await c.press(QC, "otla.themes")
    assert "Themes & CPD" in card_text(old)
    assert "Themes & CPD" in card_text(await c.card(QC, "observations themes"))


async def test_a_period_and_a_campus_narrow_the_picture(college: College) -> None:
    c = college
    south = await c.press(QC, "quality.themes", scope="campus:South", period="year")
    text = card_text(south)
    assert "Academic year 2026/27 · South campus" in text
    assert "From 6 learning walks and 1 approved OTLA report." in text
    # The spring term has not started: the current term is shown.
    spring = await c.card(QC, "themes spring")
    assert "Themes & CPD: Autumn term 2026/27 · Whole organisation" in card_text(spring)


async def test_the_cpd_map_is_the_organisations_to_edit(college: College) -> None:
    c = college
    mine = await c.card(MANAGER, "themes cpd")
    assert "Questioning techniques" in card_text(mine)
    assert not [b for b in buttons(mine) if b["verb"] == "quality.cpd"]  # hers to read only
    refused, _ = await c.teams.execute(
        MANAGER, "quality.cpd", {"theme": "questioning", "cpd": "Something else"}
    )
    assert "only the quality team or an org admin" in str(refused)
    shown = await c.card(QC, "themes cpd")
    assert [b for b in buttons(shown) if b["verb"] == "quality.cpd"]
    changed = await c.press(QC, "quality.cpd", theme="questioning", cpd="Questioning workshop")
    assert "now points to: Questioning workshop" in card_text(changed)
    async with c.db().unit_of_work() as uow:
        org = await uow.session.get(Organisation, TENANT)
        assert org is not None
        assert org.settings["theme_cpd"] == {"questioning": "Questioning workshop"}
    _, areas, cpd = fact_values(await c.card(MANAGER, "themes"))[:3]
    assert areas["Questioning and checking learning"] == "2 · CPD: Questioning workshop"
    assert cpd["Questioning workshop"] == "2"
    for bad in ({"theme": "juggling", "cpd": "Circus"}, {"theme": "questioning", "cpd": "x" * 201}):
        card = await c.press(QC, "quality.cpd", **bad)
        assert "Nothing changed" in card_text(card)
    # An empty CPD (absent from the submit, as Teams sends it) puts the default back.
    await c.press(QC, "quality.cpd", theme="questioning")
    async with c.db().unit_of_work() as uow:
        org = await uow.session.get(Organisation, TENANT)
        assert org is not None and org.settings["theme_cpd"] == {}


def grid(card: dict[str, Any]) -> dict[str, str]:
    """Each team's lines on the completion card: {team: 'Walks: …'}."""
    out: dict[str, str] = {}
    for item in card["body"]:
        if item.get("type") == "Container":
            lines = [i["text"] for i in item["items"]]
            out[lines[0].strip("*")] = " | ".join(lines[1:])
    return out


async def test_completion_counts_each_tutor_visited_and_keeps_lil_apart(college: College) -> None:
    c = college
    card = await c.card(QC, "completion")
    rows = grid(card)
    # Maths: Tom and Tia were both on one walk, so both count as walked; Sam is outstanding.
    # Lee (Learning in Libraries) is not in the Maths row at all, but apart, not expected.
    assert rows["Maths"].startswith("Walks: walked 2 · outstanding 1")
    assert "OTLA: no observer 2 · approved 1" in rows["Maths"]
    assert rows["English"].startswith("Walks: walked 6 · outstanding 0")
    assert "no observer 4 · report in 1 · approved 1" in rows["English"]
    assert rows["Learning in Libraries"].startswith("Walks: walked 0 · not expected each term 1")
    text = card_text(card)
    assert "Learning in Libraries (no walk expected each term)" in text
    picture, alt = image(card)
    assert picture.width == 360
    assert "Maths: walks walked 2, outstanding 1, not expected 0" in alt
    # The same from the stored rows: every tutor visited on a saved walk this term.
    ids = await c.ids()
    async with c.db().unit_of_work() as uow:
        walked = await WalkStore(uow.session).walked_on(TENANT, ids.values(), date(2026, 9, 1), DAY)
    assert {ids[TUTOR.email], ids[TIA.email]} <= walked.keys()
    assert ids[SAM.email] not in walked and ids[LEE.email] not in walked


async def test_a_manager_sees_other_teams_completion_only_in_cells_of_five_or_more(
    college: College,
) -> None:
    c = college
    rows = grid(await c.card(MANAGER, "completion"))
    assert rows["Maths"].startswith("Walks: walked 2 · outstanding 1")
    # English's six tutors are not Mia's: "walked 6" is a total of >= 5; "report in 1" and
    # "approved 1" are single tutors and stay out; "no observer 4" too.
    assert rows["English"].startswith("Walks: walked 6 · outstanding 0")
    assert "OTLA: none yet" in rows["English"]


async def test_the_export_has_a_themes_chart_and_coloured_completion(college: College) -> None:
    c = college
    _, sent = await c.teams.execute(QC, "quality.export", {})
    data = await c.teams.accept_file(QC, sent, "quality.xlsx")
    book = load_workbook(io.BytesIO(data))
    themes = book["Themes"]
    well, better, _, _ = await stored_counts(c)
    rows = {r[0]: (r[1], r[2], r[3]) for r in themes.iter_rows(min_row=2, values_only=True)}
    assert {k: v[0] for k, v in rows.items() if v[0]} == dict(well)
    assert {k: v[1] for k, v in rows.items() if v[1]} == dict(better)
    assert rows["Questioning and checking learning"][2] == "Questioning techniques"
    assert len(themes._charts) == 1  # a native Excel chart
    people = book["Completion by tutor"]
    header = [cell.value for cell in people[1]]
    assert header[:4] == ["Tutor", "Campus", "Teams", "Learning in Libraries"]
    autumn = header.index("Autumn term 2026/27")
    table = {r[0]: r for r in people.iter_rows(min_row=2, values_only=True)}
    assert table["Tom Tutor"][autumn] == "Walked" and table["Tia Tutor"][autumn] == "Walked"
    assert table["Sam Slow"][autumn] == "Outstanding"
    assert table["Lee Librarian"][autumn] == "Not expected" and table["Lee Librarian"][3] == "yes"
    assert table["Tom Tutor"][-1] == "Approved" and table["Sam Slow"][-1] == "No observer"
    ranges = [str(r.sqref) for r in people.conditional_formatting]
    assert any(r.startswith(chr(ord("A") + autumn)) for r in ranges)
    by_team = {r[0]: r for r in book["Completion by team"].iter_rows(min_row=2, values_only=True)}
    assert by_team["Maths"][1:3] == (2, 1) and by_team["Learning in Libraries"][3] == 1


async def test_a_managers_export_names_only_the_tutors_they_may_read(college: College) -> None:
    c = college
    _, sent = await c.teams.execute(MANAGER, "quality.export", {})
    data = await c.teams.accept_file(MANAGER, sent, "mine.xlsx")
    book = load_workbook(io.BytesIO(data))
    names = [r[0] for r in book["Completion by tutor"].iter_rows(min_row=2, values_only=True)]
    assert set(names) == {"Tom Tutor", "Tia Tutor", "Sam Slow", "Lee Librarian"}
    where = [r[1] for r in book["Best practice"].iter_rows(min_row=2, values_only=True)]
    assert where and all("Eve" not in w for w in where)
    themes = {r[0]: r[1] for r in book["Themes"].iter_rows(min_row=2, values_only=True)}
    assert themes["Digital skills and technology"] == 6 and "Stretch and challenge" not in themes


async def test_a_team_without_a_name_and_no_records_still_answers(college: College) -> None:
    c = college
    async with c.db().unit_of_work() as uow:
        uow.session.add(Team(org_id=TENANT, team_id="19:empty", name="", created_at=c.clock.now()))
        await uow.commit()
    card = await c.press(QC, "quality.themes", scope="team:999999", period="term:nonsense")
    assert "Whole organisation" in card_text(card)


async def test_a_team_named_like_a_link_is_shown_as_written_in_the_heading(
    college: College,
) -> None:
    """A team's owner names it in Teams, as anything: the quality coordinator's Themes & CPD
    heading, narrowed to that team, showed "[Sign in again](https://evil.example)" as a live
    link. Now it is shown as written."""
    c = college
    maths = await c.team_pk("Maths")
    async with c.db().unit_of_work() as uow:
        team = await uow.session.get(Team, maths)
        assert team is not None
        team.name = "[Sign in again](https://evil.example)"
        await uow.commit()
    card = await c.press(QC, "quality.themes", scope=f"team:{maths}")
    assert live_markdown(card) == []
    assert "\\[Sign in again\\](https://evil.example)" in card_text(card)


async def test_a_period_typed_of_another_academic_year_is_said_not_swapped(
    college: College,
) -> None:
    """`themes autumn 2025/26` or `completion 2019/20` showed this year's picture under this
    year's heading, as if it answered: now it says which periods it has."""
    c = college
    for typed in ("themes autumn 2025/26", "completion autumn 2019/20", "themes 2025/26 team x"):
        sent = await c.teams.say(QC, typed)
        assert [s.cards for s in sent] == [[]], typed
        assert "I can't show" in sent[0].text and "Autumn term 2026/27" in sent[0].text, typed
    for typed in ("themes autumn 2026/27", "themes year", "themes 2026/27", "themes autumn"):
        [card] = [c for s in await c.teams.say(QC, typed) for c in s.cards]
        assert "2026/27" in card_text(card), typed


async def test_a_manager_sees_an_otla_as_planned_until_its_report_is_approved(
    college: College,
) -> None:
    """Tia's OTLA has been observed and its report returned for correction. The quality team
    sees that; Mia, her line manager and Maths' manager, sees no more than that it is planned,
    on the completion card, in its export and on the observation's own card."""
    c = college
    await add_report(c, TIA, ["planning"], ["questioning"], ObservationState.RETURNED)
    assert "observed 1" in grid(await c.card(QC, "completion"))["Maths"]
    maths = grid(await c.card(MANAGER, "completion"))["Maths"]
    assert "date agreed 1" in maths and "observed" not in maths and "report in" not in maths
    _, sent = await c.teams.execute(MANAGER, "quality.export", {})
    book = load_workbook(io.BytesIO(await c.teams.accept_file(MANAGER, sent, "mine.xlsx")))
    table = {r[0]: r for r in book["Completion by tutor"].iter_rows(min_row=2, values_only=True)}
    assert table["Tia Tutor"][-1] == "Date agreed"
    ids = await c.ids()
    async with c.db().unit_of_work() as uow:
        obs = await Observations(uow.session).for_tutor(TENANT, ids[TIA.email], "2026/27")
        assert obs is not None
        obs_id = obs.id
    card = await c.press(MANAGER, "otla.open", observation_id=obs_id)
    text = card_text(card)
    assert "Planned" in text and "Returned" not in text and "late" not in text
    assert "Returned for correction" in card_text(
        await c.press(QC, "otla.open", observation_id=obs_id)
    )
    async with c.db().unit_of_work() as uow:  # what she was shown changed nothing stored
        obs = await Observations(uow.session).for_tutor(TENANT, ids[TIA.email], "2026/27")
        assert obs is not None and obs.status is ObservationState.RETURNED
