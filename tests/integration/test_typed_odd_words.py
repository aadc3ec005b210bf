"""Every typed command, with odd words after it, is answered: never "something went wrong", never
a 5xx, no ERROR logged. The words are the kinds people slip into (a year of twenty digits, a
superscript two, a time past midnight, an email with nothing around the @) and the kinds an
attacker sends (markdown, a mention, 3,000 characters).

Each command is tried from each line of its help ("Usage: cards schedule monday 09:00"): the
line as written with its last word made odd, and its command and sub-command followed by each
odd word. The asker holds every role, so each command goes past its door to its parsing."""

from __future__ import annotations

import pytest

from bot.app.commands import build_router
from bot.domain.access import Role
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.support.teams import TeamsClient, set_up_college

ROUTER, _ = build_router()

ODD_WORDS = (
    "99999999999999999999",
    "1/1/99999999999999999999",
    "2200000000",
    "\u00b2",
    "-1",
    "0",
    "2026-13-45",
    "25:61",
    "@",
    "a@",
    "**bold** [link](https://example.com)",
    "<at>Someone</at>",
    "x" * 3000,
    "9" * 5000,  # more digits than int() reads
    "\u2460",  # ①: a digit to isdigit(), not to int()
    '"',
)
TUTORS = "name,email,line_manager_email\nTom Tutor,tom@college.ac.uk,mia@college.ac.uk\n"


def _tries(usage: list[str], word: str) -> list[str]:
    """What to type for one command: each help line with its last word odd, and the command and
    its sub-command (where the line has one) followed by each odd word."""
    heads = {word}
    typed = []
    for line in usage:
        call = line.partition(" (")[0].split()
        if len(call) > 1 and call[1].isalpha():
            heads.add(f"{call[0]} {call[1]}")
        if len(call) > 1:
            typed += [" ".join([*call[:-1], odd]) for odd in ODD_WORDS[:4]]
    typed += [f"{head} {odd}" for head in sorted(heads) for odd in ODD_WORDS]
    return list(dict.fromkeys(typed))


@pytest.mark.parametrize("word", sorted(c.word for c in ROUTER.commands))
async def test_every_command_with_odd_words_is_answered(
    teams: TeamsClient, word: str, caplog: pytest.LogCaptureFixture
) -> None:
    roles = tuple((ADMIN.email, r.value) for r in Role if r is not Role.ORG_ADMIN)
    await set_up_college(teams, ADMIN, (TUTOR, MANAGER), TUTORS, roles)
    command = ROUTER.command(word)
    assert command is not None
    for typed in _tries(command.usage, word):
        caplog.clear()
        sent = await teams.say(ADMIN, typed)
        assert teams.last_status < 500, (typed, teams.last_body)
        said = " ".join((s.text or "") for s in sent)
        assert "went wrong" not in said, (typed, said)
        errors = [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
        assert not errors, (typed, errors)
