"""TLC in the Microsoft 365 Agents Playground, driven through its web UI in headless Chromium.

The Playground stands in for Teams: it installs the app, sends what the user types, renders the
bot's Adaptive Cards with the Teams look and sends card actions (Action.Execute invokes) back.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import time
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

import pytest

from tests.e2e.conftest import (
    ADMIN_EMAIL,
    DOCS_SCREENSHOTS,
    PERSONAL_CHAT,
    SCREENSHOTS,
    FirstDay,
)

pytestmark = pytest.mark.e2e

GREETING = "Hello, I'm TLC, your Teaching & Learning Companion."
CARD = ".ac-adaptiveCard"


def open_personal_chat(page: Any) -> None:
    page.get_by_role("treeitem", name="Personal Chat").click()


def open_greeted_personal_chat(page: Any) -> None:
    """Open the personal chat and wait for the bot's greeting, so what is said next is answered."""
    open_personal_chat(page)
    cards(page, GREETING).first.wait_for()


def say(page: Any, text: str) -> None:
    """Type into the composer (a contenteditable textbox) and press Enter, as a person would."""
    composer = page.locator("[contenteditable='true'][role='textbox']").last
    composer.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def mention(page: Any, text: str) -> None:
    """Post `@TLC <text>` as a new conversation in the open channel."""
    new_post = page.locator("[contenteditable='true'][role='textbox']").first
    new_post.click()
    page.keyboard.type("@")
    page.get_by_role("menuitem", name="TLC").click()
    page.keyboard.type(f" {text}")
    page.get_by_role("button", name="Post").click()


def cards(page: Any, text: str | re.Pattern[str]) -> Any:
    return page.locator(CARD).filter(has_text=text)


def screenshot(element: Any, name: str) -> None:
    """Keep a picture of what people see: build/screenshots always, docs/ when asked to update."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    element.screenshot(path=str(path))
    if os.environ.get("TLC_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / name)


def test_installing_the_app_shows_the_greeting(page: Any) -> None:
    open_personal_chat(page)
    greeting = cards(page, GREETING).first
    greeting.wait_for()
    assert "help" in greeting.inner_text()


def test_help_typed_in_the_personal_chat_shows_the_help_card(page: Any) -> None:
    open_greeted_personal_chat(page)
    say(page, "help")
    # Case-sensitive: the greeting says "Here is what I can do:", the help card's title is this.
    help_card = cards(page, re.compile("What I can do")).last
    help_card.wait_for()
    text = help_card.inner_text()
    assert "help" in text and "Show what I can do." in text
    assert "admin" in text  # the Playground's user is an org admin (TLC_ADMINS) and sees it
    screenshot(help_card, "playground-help-card.png")
    screenshot(page, "playground-help.png")


def test_help_with_an_at_mention_in_a_channel_answers_in_the_thread(page: Any) -> None:
    page.get_by_role("treeitem", name="General").click()
    cards(page, GREETING).first.wait_for()  # installed in the team: greeted in the channel
    mention(page, "help")
    help_card = cards(page, re.compile("What I can do")).first
    help_card.wait_for()
    assert "Mention me (@TLC) then a command" in help_card.inner_text()


def test_a_card_submit_round_trips_and_is_stored(page: Any) -> None:
    open_greeted_personal_chat(page)
    say(page, "admin")
    admin_card = cards(page, "TLC admin").last
    admin_card.get_by_role("button", name="Give a role").click()

    # Action.Execute: the Playground sends an adaptiveCard/action invoke and swaps in the reply.
    form = cards(page, "Give someone a role").last
    form.wait_for()
    form.get_by_label("Email").fill(ADMIN_EMAIL)
    form.get_by_role("combobox").click()
    page.get_by_role("option", name="Observer", exact=True).click()
    screenshot(form, "playground-role-form.png")
    form.get_by_role("button", name="Save").click()

    saved = cards(page, "Saved: roles").last
    saved.wait_for()
    assert "now has the role Observer" in saved.inner_text()

    # The grant was stored: a new turn reads it back from the database.
    say(page, "admin roles")
    roles = cards(page, "People and roles").last
    roles.wait_for()
    assert "Observer" in roles.inner_text()


def test_an_invalid_submit_comes_back_with_the_field_error(page: Any) -> None:
    open_greeted_personal_chat(page)
    say(page, "admin")
    cards(page, "TLC admin").last.get_by_role("button", name="Give a role").click()
    form = cards(page, "Give someone a role").last
    form.wait_for()
    # (A grant to someone TLC has not met yet is allowed: they are recorded by their email.)
    form.get_by_label("Email").fill("not-an-email")
    form.get_by_role("combobox").click()
    page.get_by_role("option", name="Tutor", exact=True).click()
    form.get_by_role("button", name="Save").click()
    error = cards(page, "not a valid email").last
    error.wait_for()
    assert "Give someone a role" in error.inner_text()  # the same card, with the error on it


# --- a college's first day, from an empty database (issue 11, point 7) ----------------------------
# The Playground's user is Ada, an org admin (TLC_ADMINS); in each group's first workflow she holds
# that group's role, given in Teams. Everyone else came from the team's roster or a member-added
# event, never from a seed.

PHONE_WIDTH = 360
TEAM_GENERAL = "team-tl"
TOM = "tom.tutor@college.ac.uk"  # the Playground's General channel has the team's id


def phone_screenshot(element: Any, name: str) -> None:
    """What a person sees on a phone: the card as the Playground draws it, 360 px wide (its own
    page does not shrink to a phone's width), kept as `screenshot` keeps pictures (docs/ with
    TLC_UPDATE_SCREENSHOTS=1). The page is made tall for the picture, so the Playground's bar
    does not cover a long card."""
    page = element.page
    page.set_viewport_size({"width": 1280, "height": 3000})
    element.evaluate(f"card => {{ card.style.width = '{PHONE_WIDTH}px'; }}")
    try:
        element.scroll_into_view_if_needed()
        screenshot(element, name)
    finally:
        element.evaluate("card => { card.style.width = ''; }")
        page.set_viewport_size({"width": 1280, "height": 900})


def rows(day: FirstDay, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the bot's database (its SQLite file) as stored, not as the bot said."""
    with contextlib.closing(sqlite3.connect(day.database, timeout=10)) as db:
        return list(db.execute(sql, params).fetchall())


def eventually(day: FirstDay, sql: str, *params: Any, timeout: float = 30) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rows(day, sql, *params)
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"nothing stored for {sql} {params} after {timeout:.0f} s")


def mock_activity(day: FirstDay, conversation: str, kind: str, **changes: Any) -> None:
    """The Playground's "Mock an Activity": its own template for `kind`, edited, then sent."""
    base = f"{day.playground.url}/_internal/v1/customActivities"
    query = urllib.parse.urlencode({"conversationId": conversation, "type": kind})
    with urllib.request.urlopen(f"{base}/template?{query}", timeout=10) as resp:  # noqa: S310
        activity = json.loads(resp.read())
    activity.update(changes)
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        base, json.dumps(activity).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
        assert resp.status == 200


def first_day_in_the_team(day: FirstDay) -> None:
    """Tom is first seen joining the team, in a member-added event as the Playground's "Mock an
    Activity → Add user" sends it (no email in it); then TLC is installed in the team and reads
    its roster: still one Tom, with his email, so he can be reached."""
    page = day.page
    open_greeted_personal_chat(page)
    tom = {"id": "user-tom", "name": "Tom Tutor", "aadObjectId": "aad-tom"}
    mock_activity(day, TEAM_GENERAL, "userAdded", membersAdded=[tom])
    eventually(day, "SELECT id FROM people WHERE teams_user_id = 'user-tom'")
    page.get_by_role("treeitem", name="General").click()
    cards(page, GREETING).first.wait_for()
    eventually(day, "SELECT id FROM people WHERE teams_user_id = 'user-tom' AND email = ?", TOM)
    assert rows(day, "SELECT count(*) FROM people WHERE name = 'Tom Tutor'") == [(1,)]


def college_sends_at_any_hour(day: FirstDay) -> None:
    """The only write the test makes behind TLC's back: its messages may go out at any hour on
    any day (the sending-hours card starts at 06:00 at the earliest), as the test runs at any time."""
    with contextlib.closing(sqlite3.connect(day.database, timeout=10)) as db:
        (settings,) = db.execute("SELECT settings FROM organisations").fetchone()
        hours = {"start": "00:00", "end": "24:00", "weekends": True, "bank_holidays": True}
        db.execute(
            "UPDATE organisations SET settings = ?",
            (json.dumps({**json.loads(settings or "{}"), "sending_hours": hours}),),
        )
        db.commit()


def card_showing(page: Any, text: str | re.Pattern[str]) -> Any:
    """The newest card with `text`, once the Playground shows it."""
    found = cards(page, text).last
    found.wait_for()
    return found


def say_in_personal_chat(page: Any, text: str, answer: str | re.Pattern[str]) -> Any:
    open_personal_chat(page)
    say(page, text)
    return card_showing(page, answer)


def test_first_day_a_tutor_self_refers(first_day: FirstDay) -> None:
    day, page = first_day, first_day.page
    first_day_in_the_team(day)
    open_personal_chat(page)
    say(page, f"admin grant {ADMIN_EMAIL} tutor")
    page.get_by_text("now has the role Tutor").last.wait_for()
    form = say_in_personal_chat(page, "support", "Ask for support")
    form.get_by_role("button", name="Send").click()  # untouched: Teams sends no inputs at all
    refused = card_showing(page, "Choose at least one way")
    assert "Choose at least one thing" in refused.inner_text()
    phone_screenshot(refused, "first-day-referral-refused.png")
    assert rows(day, "SELECT id FROM support_referrals") == []
    # A tutor with no campus on record starts at "Any campus" (the Playground's listbox for a
    # second card with the same inputs is not reliably the one it opens, so it is read, not clicked).
    assert refused.get_by_role("combobox", name="Campus").input_value() == "Any campus"
    other = refused.get_by_label("Anything else, in your words")
    other.fill("A group that finds practicals hard")
    refused.get_by_role("checkbox", name="One-to-one coaching").check()
    assert other.input_value() == "A group that finds practicals hard"
    phone_screenshot(refused, "first-day-referral-filled.png")
    refused.get_by_role("button", name="Send").click()
    (referral,) = eventually(day, "SELECT id, other_topic, ways, campus FROM support_referrals")
    assert referral[1] == "A group that finds practicals hard"
    assert "coaching" in referral[2] and referral[3] == "any"
    # The form turns into what was saved (by its own title: the help card says "Ask for support"
    # too). On the first day there is no AP yet: the tutor is told the request waits for one.
    saved = card_showing(page, "Saved: your request for support")
    assert "A group that finds practicals hard" in saved.inner_text()
    assert "no advanced practitioners (APs) yet" in saved.inner_text()
    phone_screenshot(saved, "first-day-referral-saved.png")


def person_id(day: FirstDay, email: str) -> int:
    ((found,),) = rows(day, "SELECT id FROM people WHERE email = ?", email)
    return int(found)


def team_members_become_tutors(day: FirstDay) -> None:
    """The guided setup: the college named, then "use this team's members as tutors", then Tom's
    details edited."""
    page = day.page
    setup = say_in_personal_chat(page, "admin setup", "Set up TLC")
    # Saved with the box left empty first (Teams leaves the input out): the card says what to do.
    setup.get_by_role("button", name="Save the name").click()
    setup = card_showing(page, "Write your college's name.")
    setup.get_by_label("College name (in the header of every export)").fill("Riverside College")
    setup.get_by_role("button", name="Save the name").click()
    setup = card_showing(page, "College name saved")
    phone_screenshot(setup, "first-day-setup-college-name.png")
    assert rows(day, "SELECT name FROM organisations") == [("Riverside College",)]
    setup.get_by_role("button", name=re.compile(r"Use Teaching & Learning's members")).click()
    listing = card_showing(page, "Tutors' details in Teaching & Learning")
    phone_screenshot(listing, "first-day-tutors-from-the-team.png")
    listing.get_by_role("button", name="Edit Tom Tutor").click()
    form = card_showing(page, "Tom Tutor: details")
    form.get_by_label("Campus").fill("North")
    form.get_by_label("Curriculum area").fill("Maths")
    form.get_by_role("radio", name="Classroom-based").check()
    phone_screenshot(form, "first-day-tutor-details.png")
    form.get_by_role("button", name="Save").click()
    cards(page, "Saved Tom Tutor's details.").last.wait_for()
    assert rows(
        day, "SELECT campus, curriculum_area, delivery_style FROM people WHERE email = ?", TOM
    ) == [("North", "Maths", "classroom")]


def grant_self(page: Any, role: str, label: str) -> None:
    open_personal_chat(page)
    say(page, f"admin grant {ADMIN_EMAIL} {role}")
    page.get_by_text(f"now has the role {label}").last.wait_for()


def test_first_day_a_manager_logs_a_walk_for_a_tutor_from_the_roster(first_day: FirstDay) -> None:
    day, page = first_day, first_day.page
    first_day_in_the_team(day)
    team_members_become_tutors(day)
    grant_self(page, "line_manager", "Line manager")
    page.get_by_role("treeitem", name="General").click()
    mention(page, "walk")
    form = card_showing(page, "Tutor(s) visited")
    form.get_by_role("combobox", name="Tutor(s) visited").click()
    page.get_by_text("Tom Tutor", exact=True).last.click()  # a name from the team's roster
    page.keyboard.press("Escape")
    form.get_by_label("Course / session").fill("GCSE Maths resit, Tue am")
    form.get_by_label("Focus", exact=True).fill("Checking understanding")
    form.get_by_label("What went well: notes").fill("Clear modelling of the method")
    form.get_by_label("Even better if / areas to develop: notes").fill("More wait time")
    form.get_by_role("radio", name="Yes").check()
    phone_screenshot(form, "first-day-walk-form.png")
    form.get_by_role("button", name="Save", exact=True).click()
    (walk,) = eventually(day, "SELECT id, course FROM learning_walks WHERE state != 'draft'")
    assert walk[1] == "GCSE Maths resit, Tue am"
    visited = rows(day, "SELECT person_id FROM learning_walk_tutors WHERE walk_id = ?", walk[0])
    assert visited == [(person_id(day, TOM),)]
    phone_screenshot(cards(page, "GCSE Maths resit").last, "first-day-walk-saved.png")


def test_first_day_a_coaching_team_agrees_an_action_with_a_real_person(
    first_day: FirstDay,
) -> None:
    day, page = first_day, first_day.page
    first_day_in_the_team(day)
    page.get_by_role("treeitem", name="General").click()
    mention(page, "cards")
    setup = card_showing(page, "Strategic issues to cover")
    phone_screenshot(setup, "first-day-cards-setup.png")
    setup.get_by_role("button", name="Start").click()
    card_showing(page, "Agree an action")
    form = cards(page, "What will be done").last
    for _ in range(3):
        # The live card is updated for everyone after Start (the Playground has no per-person
        # views, so that update turns the card back to its front): press again if it did.
        cards(page, "Agree an action").last.get_by_role("button", name="Agree an action").click()
        form.wait_for()
        page.wait_for_timeout(3000)
        if form.is_visible():
            break
    form.get_by_label("What will be done").fill("Map our progression routes")
    form.get_by_role("combobox", name="Who").click()
    page.get_by_role("option", name="Tom Tutor", exact=True).click()  # from the team's roster
    phone_screenshot(form, "first-day-cards-action.png")
    form.get_by_role("button", name="Save action").click()
    (action,) = eventually(day, "SELECT what, owner_id FROM card_actions")
    assert action == ("Map our progression routes", person_id(day, TOM))
    shown = card_showing(page, "Map our progression routes")
    assert "Tom Tutor" in shown.inner_text() and "Someone" not in shown.inner_text()
    phone_screenshot(shown, "first-day-cards-agreed.png")


def test_first_day_the_quality_team_allocates_an_observer_and_the_tutor_hears(
    first_day: FirstDay,
) -> None:
    day, page = first_day, first_day.page
    first_day_in_the_team(day)
    college_sends_at_any_hour(day)
    team_members_become_tutors(day)
    grant_self(page, "quality_coordinator", "Quality coordinator")
    grant_self(page, "observer", "Observer")
    form = say_in_personal_chat(page, "observe", "Allocate an observer")
    form.get_by_role("combobox", name="Tutor").click()
    page.get_by_role("option", name="Tom Tutor", exact=True).click()  # from the team's roster
    form.get_by_role("combobox", name="Observer").click()
    page.get_by_role("option", name="Ada Admin", exact=True).click()
    phone_screenshot(form, "first-day-otla-allocate.png")
    form.get_by_role("button", name="Allocate").click()
    tom = person_id(day, TOM)
    ((observation, observer),) = eventually(
        day, "SELECT id, observer_id FROM observations WHERE tutor_id = ?", tom
    )
    assert observer == person_id(day, ADMIN_EMAIL)
    # The observer hears in chat (the worker sends it), and proposes a class and a date.
    told = cards(page, "You're observing Tom Tutor").last
    told.wait_for(timeout=60_000)
    told.get_by_label("Class / course").fill("GCSE Maths resit")
    shown = told.get_by_role("combobox", name="Date").input_value()  # TLC suggests a date
    when = datetime.strptime(shown, "%B %d, %Y").date()  # noqa: DTZ007 - a date, not a time
    phone_screenshot(told, "first-day-otla-propose.png")
    told.get_by_role("button", name="Propose a date").click()
    eventually(
        day,
        "SELECT id FROM observations WHERE id = ? AND proposed_course = ? "
        "AND substr(proposed_starts_at, 1, 10) = ?",
        observation,
        "GCSE Maths resit",
        when.isoformat(),
    )
    # The proposal reaches Tom: a message to him went out through the Playground's connector.
    ((conversation, message),) = eventually(
        day,
        "SELECT conversation_id, message FROM outbox_messages "
        "WHERE person_id = ? AND kind = 'otla.proposal' AND state = 'sent'",
        tom,
        timeout=60,
    )
    assert conversation and conversation != PERSONAL_CHAT  # Tom's own 1:1 chat, not Ada's
    assert "Ada Admin proposed a date for the observation" in message
    phone_screenshot(cards(page, "GCSE Maths resit").last, "first-day-otla-proposed.png")


# --- the HA27 on a phone (issue 18, point 6) -----------------------------------------------------

PHONE = {"width": 360, "height": 740}
# On a 740 px phone Teams keeps about 200 px for itself: the status bar, the chat's header, the
# sender's name over the card and the compose box. The rest is the card before any scrolling.
CARD_IN_SIGHT = PHONE["height"] - 200


def test_a_manager_logs_a_whole_walk_on_a_phone(page: Any, e2e_dir: Any) -> None:
    """The HA27 (16 themes, the team's roster) 360 px wide: the first theme picker is in sight
    without scrolling; a complete walk (tutor, course, focus, a theme that went well and one to
    develop, verbal feedback) is saved as it was filled in."""
    import sqlite3

    open_greeted_personal_chat(page)
    page.get_by_role("treeitem", name="General").click()  # TLC in the team: its roster is read
    cards(page, GREETING).first.wait_for()
    open_personal_chat(page)
    say(page, "admin setup")
    setup = cards(page, "Set up TLC").last
    setup.get_by_role("button", name=re.compile(r"^Use Teaching & Learning's members")).click()
    page.get_by_text(re.compile(r"members are (now|already) tutors")).last.wait_for()
    say(page, f"admin grant {ADMIN_EMAIL} line_manager")
    page.get_by_text("now has the role Line manager").last.wait_for()

    page.get_by_role("treeitem", name="General").click()
    mention(page, "walk")
    form = cards(page, "Tutor(s) visited").last
    form.wait_for()
    # The Playground's page does not shrink to a phone: its card is drawn 360 px wide instead.
    page.set_viewport_size({"width": 1280, "height": 3000})
    form.evaluate(f"card => {{ card.style.width = '{PHONE['width']}px'; }}")
    form.scroll_into_view_if_needed()
    picker = form.get_by_role("combobox", name="What went well")
    card_top, box = form.bounding_box()["y"], picker.bounding_box()
    assert box["y"] + box["height"] - card_top <= CARD_IN_SIGHT, (
        f"the first theme picker ends {box['y'] + box['height'] - card_top:.0f} px down the card"
    )

    form.get_by_role("combobox", name="Tutor(s) visited").click()
    page.get_by_text("Tom Tutor", exact=True).last.click()
    page.keyboard.press("Escape")
    form.get_by_label("Course / session").fill("GCSE Maths resit, Tue am")
    form.get_by_label("Focus", exact=True).fill("Checking understanding")
    picker.click()
    page.get_by_text("Questioning and checking learning", exact=True).last.click()
    page.keyboard.press("Escape")
    form.get_by_role("combobox", name="Even better if / areas to develop").click()
    page.get_by_text("Stretch and challenge", exact=True).last.click()
    page.keyboard.press("Escape")
    form.get_by_role("radio", name="Yes").check()
    screenshot(form, "playground-walk-phone.png")
    form.get_by_role("button", name="Save", exact=True).click()
    cards(page, "Learning walk saved").last.wait_for()

    with sqlite3.connect(e2e_dir / "tlc.db", timeout=10) as db:
        saved = db.execute(
            "SELECT course, went_well, even_better_if, verbal_feedback, id FROM learning_walks "
            "WHERE state = 'saved'"
        ).fetchall()
        assert [row[:4] for row in saved] == [
            ("GCSE Maths resit, Tue am", '["questioning"]', '["stretch"]', 1)
        ]
        visited = db.execute(
            "SELECT p.name FROM learning_walk_tutors t JOIN people p ON p.id = t.person_id "
            "WHERE t.walk_id = ?",
            (saved[0][4],),
        ).fetchall()
        assert visited == [("Tom Tutor",)]


# --- mentoring, as two people meet it (seed 003) --------------------------------------------------
# Ada (the Playground's user) offers to mentor; Tom, whom the Playground cannot be, speaks through
# its "Mock an Activity" endpoint: his messages and card presses go to TLC as Teams sends them.

TOM_USER = {"id": "user-tom", "name": "Tom Tutor", "aadObjectId": "aad-tom"}


def as_tom(day: FirstDay, **activity: Any) -> None:
    fresh = f"tom-{time.monotonic_ns()}"  # each a new activity, as Teams sends
    mock_activity(day, PERSONAL_CHAT, "install", **{"from": TOM_USER, "id": fresh, **activity})


def tom_presses(day: FirstDay, verb: str, data: dict[str, Any]) -> None:
    action = {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **data}}
    as_tom(day, type="invoke", name="adaptiveCard/action", value={"action": action})


def test_first_day_a_new_tutor_finds_a_mentor_and_they_agree(first_day: FirstDay) -> None:
    day, page = first_day, first_day.page
    first_day_in_the_team(day)  # Tom is known from the team's roster: nothing else is set up
    college_sends_at_any_hour(day)
    form = say_in_personal_chat(page, "mentor offer", "Offer to mentor")
    form.get_by_label("Your subject specialisms (separate with commas)").fill("Maths")
    form.get_by_label("Campus").fill("North")
    form.get_by_label("Your full job title").fill("Lecturer in maths")
    form.get_by_label("Your institution").fill("Riverside College")
    phone_screenshot(form, "mentoring-offer-form.png")
    form.get_by_role("button", name="Offer").click()
    thanks = card_showing(page, "Thank you for offering to mentor")
    phone_screenshot(thanks, "mentoring-offer-saved.png")
    ada = person_id(day, ADMIN_EMAIL)
    eventually(day, "SELECT id FROM mentor_offers WHERE person_id = ?", ada)

    # Tom asks for a mentor in maths and chooses Ada.
    as_tom(day, type="message", text="mentor maths")
    search = card_showing(page, "Ada Admin")
    phone_screenshot(search, "mentoring-search.png")
    tom_presses(day, "mentor.choose", {"first": str(ada), "specialism": "maths"})
    ((rel,),) = eventually(
        day, "SELECT id FROM mentoring_relationships WHERE mentor_id = ? AND state = 'asked'", ada
    )
    request = cards(page, re.compile("would like you as")).last
    request.wait_for(timeout=60_000)
    assert "seed" not in request.inner_text()  # no project jargon before a real person
    phone_screenshot(request, "mentoring-request.png")
    request.get_by_role("button", name=re.compile("Accept")).click()
    eventually(day, "SELECT id FROM mentoring_relationships WHERE id = ? AND state = 'active'", rel)
    phone_screenshot(cards(page, "mentor").last, "mentoring-accepted.png")

    # Ada writes the agreement.
    agreement = say_in_personal_chat(page, "agreement", "Mentoring agreement")
    phone_screenshot(agreement, "mentoring-agreement-empty.png")
    agreement.get_by_role("button", name="Fill in / edit").click()
    form = card_showing(page, "Edit the lists in your own words")
    phone_screenshot(form, "mentoring-agreement-form.png")
    # Objectives may wait, but one written is checked as SMART: a vague one is refused.
    form.get_by_label("What will be done").nth(0).fill("Improve maths")
    form.get_by_role("button", name="Save").click()
    refused = card_showing(page, "Make it specific")
    phone_screenshot(refused, "mentoring-agreement-refused.png")
    assert rows(day, "SELECT proposal FROM mentoring_relationships") == [(None,)]
    objectives = (
        (
            "Plan three practical maths starters for my level 2 group",
            "3 starters used",
            "2027-03-31",
        ),
        (
            "Use mini whiteboards to check area calculations every session",
            "Used in 8 sessions",
            "2027-04-30",
        ),
        (
            "Observe a colleague teaching functional skills maths",
            "One observation, one idea used",
            "2027-05-28",
        ),
    )
    for n, (what, measure, by) in enumerate(objectives):
        refused.get_by_label("What will be done").nth(n).fill(what)
        refused.get_by_label("How we'll know (the measure)").nth(n).fill(measure)
        refused.get_by_label("By when").nth(n).fill(by)
    refused.get_by_label("When and where we'll meet").fill("Tuesdays 4pm, North staff room")
    phone_screenshot(refused, "mentoring-agreement-filled.png")
    refused.get_by_role("button", name=re.compile("Save")).click()
    saved = card_showing(page, "I've asked Tom Tutor to confirm")
    phone_screenshot(saved, "mentoring-agreement-proposed.png")
    ((proposal,),) = rows(day, "SELECT proposal FROM mentoring_relationships")
    assert [o["what"] for o in json.loads(proposal)["objectives"]] == [o[0] for o in objectives]

    # Tom confirms; Ada hears, and logs their first meeting.
    tom_presses(day, "agreement.confirm", {"rel": str(rel)})
    eventually(
        day, "SELECT id FROM mentoring_relationships WHERE version = 1 AND proposed_by IS NULL"
    )
    heard = cards(page, "Confirmed by both of you").last
    heard.wait_for(timeout=60_000)
    assert "In effect" in heard.inner_text()
    phone_screenshot(heard, "mentoring-agreement-confirmed.png")
    agreement = say_in_personal_chat(page, "agreement", "In effect")
    agreement.get_by_role("button", name="Log a meeting").click()
    meeting = card_showing(page, "Log a mentoring meeting")
    phone_screenshot(meeting, "mentoring-meeting-form.png")
    meeting.get_by_label("What we discussed").fill("Starters: one tried, went well")
    meeting.get_by_role("button", name="Save").click()
    logged = card_showing(page, "Meeting logged")
    phone_screenshot(logged, "mentoring-meeting-logged.png")
    assert rows(day, "SELECT kind, discussed FROM mentoring_entries") == [
        ("meeting", "Starters: one tried, went well")
    ]

    # It ends: its records stay with Tom, and Ada, his mentor, no longer opens them.
    # "Not a good fit" is in the card's "…" menu (`fit_row`): the yearly observation stays in sight.
    logged.get_by_role("button", name=re.compile(r"^(\.\.\.|…|More options)$")).click()
    page.get_by_role("menuitem", name="Not a good fit").click()
    card_showing(page, "I'll help Tom Tutor find another mentor")
    eventually(day, "SELECT id FROM mentoring_relationships WHERE state = 'not_a_fit'")
    open_personal_chat(page)
    say(page, "agreement")
    page.get_by_text("You don't have a mentoring agreement").last.wait_for()


def buttons_cut_at_phone_width(card: Any) -> list[str]:
    """The card drawn 360 px wide (as `phone_screenshot` draws it): the buttons whose right edge
    goes past the card's content (inside its padding, where the Playground clips them), so
    their titles are cut off on a phone."""
    page = card.page
    page.set_viewport_size({"width": 1280, "height": 3000})
    card.evaluate(f"card => {{ card.style.width = '{PHONE_WIDTH}px'; }}")
    try:
        padding = card.evaluate("card => parseFloat(getComputedStyle(card).paddingRight)")
        right = card.bounding_box()["x"] + PHONE_WIDTH - padding
        found = card.get_by_role("button")
        cut = []
        for n in range(found.count()):
            button = found.nth(n)
            box = button.bounding_box()
            if box is not None and box["x"] + box["width"] > right + 0.5:
                cut.append(button.inner_text())
        return cut
    finally:
        card.evaluate("card => { card.style.width = ''; }")
        page.set_viewport_size({"width": 1280, "height": 900})


def test_first_day_the_setup_cards_buttons_fit_a_phone(first_day: FirstDay) -> None:
    """The guided setup with the Playground's team (Teaching & Learning) known: every button,
    "Use Teaching & Learning's members" too, within the card 360 px wide."""
    day, page = first_day, first_day.page
    first_day_in_the_team(day)
    setup = say_in_personal_chat(page, "admin setup", "Use Teaching & Learning's members")
    assert "Set up TLC" in setup.inner_text()
    assert buttons_cut_at_phone_width(setup) == []
    phone_screenshot(setup, "first-day-setup.png")


def test_first_day_tlc_taken_out_of_the_team_and_added_back(first_day: FirstDay) -> None:
    """The Playground's own "uninstall" activity in the team: TLC stops there (stored), the org
    admin hears it once in the 1:1 chat, and its "install" activity brings the team back."""
    day, page = first_day, first_day.page
    first_day_in_the_team(day)
    college_sends_at_any_hour(day)  # the admins' notice keeps the sending hours (08:00-18:00)
    assert rows(day, "SELECT installed FROM teams") == [(1,)]
    mock_activity(day, TEAM_GENERAL, "uninstall")
    eventually(day, "SELECT id FROM teams WHERE installed = 0")
    blocked = rows(
        day,
        "SELECT DISTINCT blocked_reason FROM conversation_refs WHERE kind = 'channel'",
    )
    assert blocked == [("TLC was removed from the team",)]
    open_personal_chat(page)
    told = page.get_by_text(re.compile(r"TLC was removed from the team")).last
    told.wait_for(timeout=30_000)
    phone_screenshot(told, "team-taken-out-notice.png")
    mock_activity(day, TEAM_GENERAL, "install")
    eventually(day, "SELECT id FROM teams WHERE installed = 1")
    assert rows(
        day,
        "SELECT count(*) FROM conversation_refs WHERE blocked_reason IS NOT NULL",
    ) == [(0,)]


# --- a support programme, from a self-referral (seed 000) ------------------------------------------
# Ada (the Playground's user) makes herself the college's only AP; Tom refers himself and rates
# himself through "Mock an Activity" (what TLC says back to him shows in the same chat).

SCORES = dict.fromkeys(
    (
        "planning",
        "activity_design",
        "differentiation",
        "questioning",
        "assessment",
        "behaviour",
        "maths_english",
        "digital",
        "inclusion",
        "work_links",
    ),
    "5",
)


def test_first_day_a_tutor_self_refers_and_an_ap_runs_the_programme(first_day: FirstDay) -> None:
    day, page = first_day, first_day.page
    first_day_in_the_team(day)
    college_sends_at_any_hour(day)
    admin = say_in_personal_chat(page, "admin", "TLC admin")
    admin.get_by_role("button", name="Give a role").click()
    form = card_showing(page, "Give someone a role")
    form.get_by_label("Email").fill(ADMIN_EMAIL)
    form.get_by_role("combobox").click()
    page.get_by_role("option", name="Advanced practitioner", exact=True).click()
    form.get_by_role("button", name="Save").click()
    card_showing(page, "now has the role Advanced practitioner")

    as_tom(day, type="message", text="support")
    phone_screenshot(card_showing(page, "Ask for support"), "support-referral-form.png")
    ways = {"topics": "behaviour", "ways": "coaching", "campus": "any", "times": "mornings"}
    tom_presses(day, "support.refer", ways)
    eventually(day, "SELECT id FROM support_referrals WHERE state = 'matching'")
    ask = cards(page, "Tom Tutor would like support").last
    ask.wait_for(timeout=60_000)  # the worker asks Ada, the only AP
    phone_screenshot(ask, "support-ap-asked.png")
    ask.get_by_role("combobox", name="Programme").click()
    page.get_by_role("option", name="Towards outstanding", exact=True).click()
    ask.get_by_role("button", name="Accept").click()
    accepted = card_showing(page, "Accepted: Tom Tutor")
    accepted.get_by_role("button", name="Open the programme").click()
    programme = card_showing(page, "Tom Tutor: Towards outstanding")
    phone_screenshot(programme, "support-programme-ap.png")
    ((pid,),) = rows(day, "SELECT id FROM support_programmes WHERE state = 'active'")

    programme.get_by_role("button", name="Log a session").click()
    session = card_showing(page, "Session with Tom Tutor")
    session.get_by_label("Notes (you and the tutor only)").fill("Talked through a noisy start.")
    session.get_by_label("Agreed actions, one per line").fill("Use a seating plan\nMeet at door")
    phone_screenshot(session, "support-session-form.png")
    session.get_by_role("button", name="Save session").click()
    eventually(day, "SELECT id FROM support_sessions WHERE programme_id = ?", pid)
    # Tom's note of the session lands in this chat too (the Playground has one chat): wait for
    # it, or it can arrive while the objectives are typed and the list redrawn loses them.
    card_showing(page, "logged your")
    programme = card_showing(page, "Sessions")
    programme.get_by_role("button", name="Objectives").click()
    objectives = card_showing(page, "Objectives with Tom Tutor")
    objectives.get_by_label("Objectives, one per line").fill("Calm, prompt starts to lessons")
    objectives.get_by_role("button", name="Save").click()
    eventually(
        day,
        "SELECT id FROM support_programmes WHERE objectives = ?",
        '["Calm, prompt starts to lessons"]',
    )
    # "End programme" sits right above "Log a session": one press asks, and nothing ends.
    programme = card_showing(page, "Calm, prompt starts to lessons")
    programme.get_by_role("button", name="End programme").click()
    phone_screenshot(card_showing(page, "End the programme?"), "support-end-asked.png")
    assert rows(day, "SELECT state FROM support_programmes") == [("active",)]

    as_tom(day, type="message", text="rate")
    phone_screenshot(card_showing(page, "How confident do you feel"), "support-rating-form.png")
    tom_presses(day, "rate", {"programme_id": str(pid), "stage": "start", **SCORES})
    ((stage, scores),) = eventually(day, "SELECT stage, scores FROM competence_ratings")
    assert stage == "start" and json.loads(scores)["behaviour"] == 5
    assert rows(
        day,
        "SELECT s.kind, a.text FROM support_sessions s JOIN support_actions a "
        "ON a.session_id = s.id ORDER BY a.id",
    ) == [("coaching", "Use a seating plan"), ("coaching", "Meet at door")]  # as Tom asked
