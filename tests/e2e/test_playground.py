"""TLC in the Microsoft 365 Agents Playground, driven through its web UI in headless Chromium.

The Playground stands in for Teams: it installs the app, sends what the user types, renders the
bot's Adaptive Cards with the Teams look and sends card actions (Action.Execute invokes) back.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN_EMAIL, DOCS_SCREENSHOTS, SCREENSHOTS

pytestmark = pytest.mark.e2e

GREETING = "Hello, I'm TLC, your Teaching & Learning Companion."
CARD = ".ac-adaptiveCard"


def open_personal_chat(page: Any) -> None:
    page.get_by_role("treeitem", name="Personal Chat").click()


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
    open_personal_chat(page)
    cards(page, GREETING).first.wait_for()
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
    open_personal_chat(page)
    cards(page, GREETING).first.wait_for()
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
    open_personal_chat(page)
    cards(page, GREETING).first.wait_for()
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

    open_personal_chat(page)
    cards(page, GREETING).first.wait_for()
    page.get_by_role("treeitem", name="General").click()  # TLC in the team: its roster is read
    cards(page, GREETING).first.wait_for()
    open_personal_chat(page)
    say(page, "admin setup")
    setup = cards(page, "Set up TLC").last
    setup.get_by_role("button", name=re.compile(r"^Use Teaching & Learning's members")).click()
    page.get_by_text(re.compile(r"members are now tutors")).last.wait_for()
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
