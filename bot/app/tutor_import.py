"""Importing the tutor list: the same code for a CSV sent in chat and for `tlc import-tutors`."""

from __future__ import annotations

from datetime import datetime

from bot.app.events import Events, TutorsListed
from bot.clock import SystemClock
from bot.domain.tutors import parse_tutor_csv, slips_in_line_managers
from bot.domain.words import plural
from cards.admin import ImportResult
from storage.db import Database
from storage.people import Directory

# The most rows a list sent in chat may have: it is imported within one Teams turn, which has
# 15 seconds (3,000 rows take 1-2 s; benchmarks/tutor_import.py). The CLI has no such limit.
MOST_IN_CHAT = 5_000


class TooManyRows(Exception):
    def __init__(self, rows: int, most: int) -> None:
        super().__init__(f"{rows} rows, {most} at most")
        self.rows, self.most = rows, most

    @property
    def answer(self) -> str:
        return (
            f"That list has {self.rows:,} tutors; a list sent in chat can have {self.most:,} at "
            "most, so nothing was imported. Send it in parts (each with the header row), or "
            "ask whoever runs TLC to import it with `tlc import-tutors`."
        )


async def import_tutor_text(
    directory: Directory,
    org_id: str,
    content: str,
    actor_id: int | None,
    now: datetime,
    events: Events,
    *,
    most: int | None = None,
) -> ImportResult:
    """Good rows are saved, bad rows come back by line number. More than `most` rows: nothing is
    saved (`TooManyRows`)."""
    parsed = parse_tutor_csv(content)
    if most is not None and len(parsed.rows) > most:
        raise TooManyRows(len(parsed.rows), most)
    await directory.organisation(org_id, now)  # made on first use (`tlc import-tutors`)
    # Read before the list's stand-ins are stored: who is met, not who the list names.
    slips = slips_in_line_managers(parsed.rows, await directory.met_emails(org_id))
    created = updated = 0
    people = []
    for person, is_new in await directory.import_tutors(org_id, parsed.rows, now, actor_id):
        people.append(person)
        created += is_new
        updated += not is_new
    if not people:
        # Nothing imported: nothing changed, so nothing to audit (the problems go back to them).
        return ImportResult(0, 0, [(p.line, p.message) for p in parsed.problems])
    # Each capability follows: offers, new tutors' OTLAs, and the management lines.
    await events.publish(
        directory.session, TutorsListed(org_id, tuple(people), actor_id, now, from_list=True)
    )
    await directory.audit(
        org_id,
        actor_id,
        "tutor-list",
        "import",
        f"{created} new, {updated} updated, {plural(len(parsed.problems), 'problem')}",
        now,
    )
    problems = [(p.line, p.message) for p in parsed.problems]
    return ImportResult(created, updated, problems, slips)


async def import_file(url: str, org_id: str, content: str) -> ImportResult:
    """`tlc import-tutors`: the list's text imported in one transaction of its own."""
    from bot.app.commands import build_events  # the app's wiring, which imports this module

    db = Database(url)
    try:
        await db.migrate()
        async with db.unit_of_work() as uow:
            result = await import_tutor_text(
                Directory(uow.session),
                org_id,
                content,
                None,
                SystemClock().now(),
                build_events(),
            )
            await uow.commit()
    finally:
        await db.dispose()
    return result
