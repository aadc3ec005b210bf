"""Importing the tutor list: the same code for a CSV sent in chat and for `tlc import-tutors`."""

from __future__ import annotations

from datetime import datetime

from bot.app.mentoring.directory import end_across_lines
from bot.app.observations.induction import on_tutors_imported
from bot.app.observations.schedule import to_new_line_managers
from bot.app.support.referrals import hand_on_across_lines, offer_to_imported_tutors
from bot.app.walks.plans import notify_todays_overseers
from bot.clock import SystemClock
from bot.domain.tutors import parse_tutor_csv
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
    *,
    most: int | None = None,
) -> ImportResult:
    """Good rows are saved, bad rows come back by line number. More than `most` rows: nothing is
    saved (`TooManyRows`)."""
    parsed = parse_tutor_csv(content)
    if most is not None and len(parsed.rows) > most:
        raise TooManyRows(len(parsed.rows), most)
    settings = (await directory.organisation(org_id, now)).settings
    created = updated = 0
    people = []
    for person, is_new in await directory.import_tutors(org_id, parsed.rows, now, actor_id):
        people.append(person)
        created += is_new
        updated += not is_new
    await offer_to_imported_tutors(directory.session, org_id, people, now, settings)
    await on_tutors_imported(directory.session, org_id, people, now, actor_id)  # HA24 + OTLA
    # Line managers may have changed: nobody supports or mentors someone in their line.
    await hand_on_across_lines(directory.session, org_id, now)
    await end_across_lines(directory.session, org_id, now)
    await to_new_line_managers(directory.session, org_id, {p.id for p in people}, now)  # OTLA
    await notify_todays_overseers(directory.session, org_id, now)  # walks' window ends
    if not people:
        # Nothing imported: nothing changed, so nothing to audit (the problems go back to them).
        return ImportResult(0, 0, [(p.line, p.message) for p in parsed.problems])
    await directory.audit(
        org_id,
        actor_id,
        "tutor-list",
        "import",
        f"{created} new, {updated} updated, {plural(len(parsed.problems), 'problem')}",
        now,
    )
    return ImportResult(created, updated, [(p.line, p.message) for p in parsed.problems])


async def import_file(
    url: str, org_id: str, content: str
) -> tuple[int, int, list[tuple[int, str]]]:
    """`tlc import-tutors`: the list's text imported in one transaction of its own."""
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
            )
            await uow.commit()
    finally:
        await db.dispose()
    return result.created, result.updated, list(result.problems)
