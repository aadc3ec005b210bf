"""A progression session's outcomes as a Word document or an Excel workbook, for the team's files.

Both are built from a `SessionOutcome` alone: contributions and agreed actions per card, and who
owns what. No clock, no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from bot.app.word import WordDocument
from bot.app.xlsx import About, Cell, Chart, Overdue, Sheet, workbook
from bot.domain.progression import SessionOutcome

ExportFormat = Literal["docx", "xlsx"]
# What, Who, By when, Done: 15.9 cm, the width of A4 inside 2.54 cm margins.
ACTION_WIDTHS_CM = (8.4, 4.0, 2.3, 1.2)


def filename(outcome: SessionOutcome, fmt: ExportFormat) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in outcome.group).strip("-") or "group"
    return f"progression-cards-{safe}-{outcome.started_on:%Y-%m-%d}.{fmt}"


def export(outcome: SessionOutcome, fmt: ExportFormat, organisation: str = "") -> bytes:
    if fmt == "docx":
        return outcome_docx(outcome, organisation=organisation)
    return outcome_xlsx(outcome, organisation=organisation)


def outcome_docx(outcome: SessionOutcome, *, organisation: str = "") -> bytes:
    """The summary for reading and filing: A4, the organisation in the page header, each card's
    contributions as bullets and its actions as a table, then who owns what."""
    doc = WordDocument(f"Progression cards: {outcome.group}", organisation, outcome.facilitator)
    doc.heading(f"Progression cards: {outcome.group}", 1)
    doc.paragraph(
        f"{outcome.way.label}. Facilitated by {outcome.facilitator}. "
        f"Started {outcome.started_on:%d %B %Y}."
    )
    for c in outcome.cards:
        doc.heading(f"{c.key} {c.question}", 2)
        doc.paragraph(f"Strategic issue: {c.issue_title}")
        if c.contributions:
            doc.heading("Contributions", 3)
            for x in c.contributions:
                doc.bullet(f"{x.by}: {x.text}")
        if c.actions:
            doc.heading("Agreed actions", 3)
            doc.table(
                ("What", "Who", "By when", "Done"),
                ((a.what, a.owner, f"{a.due_on:%d %b %Y}", a.state) for a in c.actions),
                widths=ACTION_WIDTHS_CM,
            )
            for a in c.actions:
                if a.not_doing is not None:
                    doc.paragraph(f"{a.owner} is not doing \u201c{a.what}\u201d: {a.not_doing}")
        if not c.contributions and not c.actions:
            doc.paragraph("Nothing added.")
    owners = outcome.owners()
    if owners:
        doc.heading("Who owns what", 2)
        for owner, items in owners:
            doc.heading(owner, 3)
            for key, a in items:
                when = f"by {a.due_on:%d %b %Y}" if a.not_doing is None else "not doing it"
                doc.bullet(f"{a.what} (card {key}, {when})")
    doc.footer(f"Progression cards: {outcome.group}, started {outcome.started_on:%d %b %Y}.")
    return doc.save()


def outcome_xlsx(outcome: SessionOutcome, *, organisation: str = "") -> bytes:
    """After the About sheet: one row per contribution, one per action (those past their date
    and still open highlighted; one its owner is not doing says so, and why), and each card's
    actions done, open and not being done, charted."""
    contributions: Iterator[list[Cell]] = (
        [c.key, c.question, c.issue_title, x.by, x.text]
        for c in outcome.cards
        for x in c.contributions
    )
    actions: Iterator[list[Cell]] = (
        [c.key, c.question, a.what, a.owner, a.due_on, a.state, a.not_doing]
        for c in outcome.cards
        for a in c.actions
    )
    title = f"Progression cards: {outcome.group}"
    return workbook(
        Sheet(
            "Contributions",
            ("Card", "Lead question", "Strategic issue", "Who", "Contribution"),
            contributions,
            widths=(6, 50, 30, 20, 70),
        ),
        Sheet(
            "Actions",
            ("Card", "Lead question", "What", "Who", "By when", "Done", "Why not"),
            actions,
            widths=(6, 50, 50, 20, 12, 12, 40),
            overdue=Overdue(due="By when", done="Done", open_value="No"),
        ),
        Sheet(
            "By card",
            ("Card", "Contributions", "Actions done", "Actions open", "Not doing"),
            [
                [
                    c.key,
                    len(c.contributions),
                    sum(a.done for a in c.actions),
                    sum(a.open for a in c.actions),
                    sum(a.not_doing is not None for a in c.actions),
                ]
                for c in outcome.cards
            ],
            chart=Chart(
                "Actions by card", ("Actions done", "Actions open", "Not doing"), stacked=True
            ),
        ),
        title=title,
        about=About(
            title,
            organisation=organisation,
            group=outcome.group,
            facilitator=outcome.facilitator,
            day=outcome.started_on,
            notes=(outcome.way.label,),
        ),
    )
