"""Privacy cards: who opened your records; an admin's subject access export and erasure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cards import base
from cards.inputs import EMPTY


@dataclass(frozen=True)
class AccessLine:
    who: str
    what: str
    when: str
    how: str


def access_log_card(lines: Sequence[AccessLine], more: int = 0) -> base.CardDict:
    body = [
        base.title("Who has opened your records"),
        base.text(
            "Your support, mentoring and coaching records, opened by anyone but you in the "
            "last 12 months. Only you can see this list.",
            subtle=True,
        ),
    ]
    if not lines:
        body.append(base.text("Nobody but you has opened them."))
    for line in lines:
        body.append(
            base.text(f"**{base.said(line.who)}** opened {line.what}, {line.when} ({line.how})")
        )
    if more:
        body.append(base.text(f"…and {more} earlier.", subtle=True))
    return base.card(body, fallback_text="Who has opened your records")


def exported_card(admin: str | None) -> base.CardDict:
    """`admin`: who exported it; None when they cannot be named (gone, or erased since)."""
    heading = "Your data was exported"
    who = f"{admin} (an org admin)" if admin else "An org admin"
    body = [
        base.title(heading),
        base.text(
            f"{who} exported everything TLC holds about you, as a subject "
            "access request asks. It is in your access log: say **privacy** to see who has "
            "opened your records."
        ),
    ]
    return base.card(body, fallback_text=heading)


def person_data_card(
    values: Mapping[str, str] = EMPTY, errors: Mapping[str, str] = EMPTY
) -> base.CardDict:
    body = [
        base.title("A person's data"),
        base.text(
            "Export sends you everything TLC holds about one person (a JSON file and a readable "
            "document) to give them. Erase deletes their own records and leaves an anonymous "
            "placeholder in records that belong to others. Both are written to the audit log, "
            "and the person's access log shows the export.",
            subtle=True,
        ),
        *base.email_field(values, errors),
        *base.with_error(
            base.toggle_input(
                "confirm",
                "To erase: I understand this cannot be undone",
                value=values.get("confirm") == "true",
            ),
            errors,
            "confirm",
        ),
    ]
    return base.card(
        body,
        [
            base.execute("Export", "admin.person.export", primary=True, saves=True),
            base.execute("Erase", "admin.person.erase", saves=True),
        ],
    )


def erased_card(
    who: str, deleted: Mapping[str, int], anonymised: Mapping[str, int]
) -> base.CardDict:
    body = [
        base.title("Erased"),
        base.text(f"{who}: their own records are deleted; others' records keep an anonymous name."),
        base.text("**Deleted**"),
        base.facts([(k, str(v)) for k, v in sorted(deleted.items())] or [("Nothing", "0")]),
        base.text("**Anonymised**"),
        base.facts([(k, str(v)) for k, v in sorted(anonymised.items())] or [("Nothing", "0")]),
    ]
    return base.card(body, [base.execute("Another person", "admin.person.open")])
