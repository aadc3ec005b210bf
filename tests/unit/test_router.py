"""Matching commands: case, extra words, misspellings, natural phrasings; help from docstrings."""

from __future__ import annotations

import pytest

from bot.app.commands import build_router
from bot.app.context import HandlerContext
from bot.app.router import Command, Router
from bot.app.turn import Reply


async def _walk(ctx: HandlerContext) -> Reply:
    """Log a learning walk on the HA27.

    Usage: walk
    Usage: walk export
    """
    return Reply.text("walk")


async def _walks(ctx: HandlerContext) -> Reply:
    """See who has had a learning walk this term."""
    return Reply.text("walks")


async def _support(ctx: HandlerContext) -> Reply:
    """Ask for confidential support."""
    return Reply.text("support")


async def _help(ctx: HandlerContext) -> Reply:
    """Show what I can do."""
    return Reply.text("help")


@pytest.fixture
def router() -> Router:
    return Router(
        [
            Command("help", _help),
            Command("walk", _walk),
            Command("walks", _walks),
            Command(
                "support", _support, phrases=(r"\b(i'?d like|can i get) (some )?(help|support)\b",)
            ),
        ]
    )


@pytest.mark.parametrize(
    ("text", "word", "args"),
    [
        ("walk", "walk", ""),
        ("WALK", "walk", ""),
        ("  Walk  export ", "walk", "export"),
        ("walks", "walks", ""),
        ("wlak", "walk", ""),
        ("walkss", "walks", ""),
        ("please walk", "walk", ""),
        ("could you show walks please", "walks", "please"),
        ("suport", "support", ""),
        ("I'd like some help with behaviour management", "support", None),
        ("", "help", ""),
        ("help!", "help", ""),
    ],
)
def test_forgiving_matching(router: Router, text: str, word: str, args: str | None) -> None:
    match = router.match(text)
    assert match.command is not None, text
    assert match.command.word == word
    if args is not None:
        assert match.args == args


def test_unknown_text_suggests_the_nearest_commands(router: Router) -> None:
    match = router.match("wakl around")
    assert match.command is not None  # close enough to walk
    match = router.match("xyzzy")
    assert match.command is None
    assert len(match.suggestions) >= 1
    assert set(match.suggestions) <= {"help", "walk", "walks", "support"}


def test_help_text_comes_from_the_docstring(router: Router) -> None:
    walk = router.match("walk").command
    assert walk is not None
    assert walk.summary == "Log a learning walk on the HA27."
    assert walk.usage == ["walk", "walk export"]


def test_a_word_cannot_be_registered_twice(router: Router) -> None:
    with pytest.raises(ValueError, match="taken"):
        router.add(Command("walk", _walks))


def test_the_real_table_has_help_and_admin_with_summaries() -> None:
    router, _ = build_router()
    words = {c.word for c in router.listed()}
    assert {"help", "admin"} <= words
    assert all(c.summary for c in router.listed()), "every listed command needs a docstring"
    assert {"run", "admin.role"} <= set(router.actions)


def test_a_command_can_work_in_more_scopes_than_its_menu_offers() -> None:
    r = Router()
    r.add(Command("help", _help))
    r.add(Command("support", _support, menu_scopes=frozenset({"personal"})))
    assert [c.word for c in r.menu("personal")] == ["help", "support"]
    assert [c.word for c in r.menu("channel")] == ["help"]
    assert [c.word for c in r.listed("channel")] == ["help", "support"]  # still answers there
    assert r.command("SUPPORT") is r.commands[1]
    assert r.command("nothing") is None


def test_a_channel_message_cannot_have_a_personal_opt_out() -> None:
    from bot.app.notices import NoticeContext, NoticeKind, NoticeKinds
    from bot.app.turn import Message

    async def render(_: NoticeContext) -> Message | None:
        return None

    kinds = NoticeKinds()
    with pytest.raises(ValueError, match="team's choice"):
        kinds.add(NoticeKind("x.prompt", render, opt_out="prompts", to_channel=True))


def test_a_stored_answer_is_a_write_and_the_commands_that_disclose_store_theirs() -> None:
    """A command whose answer is stored for Teams retries must commit it: `stored` without
    `writes` is refused when the table is built. The typed commands that write the access log
    (or other rows) are stored."""
    with pytest.raises(ValueError, match="stored answer is a write"):
        Command("peek", _help, stored=True, writes=False)
    table, _ = build_router()
    stored = ("admin", "agreement", "cards", "coach", "mentor", "observe", "programme")
    for word in (*stored, "support", "terms", "walk"):
        command = table.command(word)
        assert command is not None and command.stored and command.writes, word
    help_command = table.command("help")
    assert help_command is not None and not help_command.stored
    # Typed exports keep a document: only that sub-command is stored, so a list read is not.
    for word in ("actions", "ars", "observations", "themes", "walks"):
        command = table.command(word)
        assert command is not None and not command.stored, word
        assert command.stores("export") and command.stores("Export"), word
        assert not command.stores("") and not command.stores("autumn"), word
    with pytest.raises(ValueError, match="stored answer is a write"):
        Command("peek", _help, stored_subs=("export",), writes=False)
