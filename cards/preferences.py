"""Settings cards: which messages a person gets, and the organisation's sending hours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cards import base
from cards.inputs import EMPTY, date_field

KEEP = "keep."  # input id prefix: keep.<category> is "true" when the person wants them
START_CHOICES = tuple(
    (f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in range(6, 13) for m in (0, 30)
)
END_CHOICES = (
    *((f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in range(13, 24) for m in (0, 30)),
    ("Midnight", "24:00"),
)


@dataclass(frozen=True)
class OptOutChoice:
    category: str
    label: str
    description: str
    wanted: bool


@dataclass(frozen=True)
class SettingsView:
    choices: Sequence[OptOutChoice]
    always: Sequence[str]  # messages that carry a deadline: never turned off
    sending_hours: str
    admin: bool = False
    quiet_start: str | None = None  # the person's own quiet times ("09:00"), none if None
    quiet_end: str | None = None
    days_off: Sequence[int] = ()


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _quiet(view: SettingsView) -> list[object]:
    return [
        base.text("**Your quiet times**"),
        base.text(
            "For messages to you alone, on top of the sending hours: for example the days you "
            "don't work. Leave empty for none.",
            subtle=True,
            size="small",
        ),
        base.choice_input(
            "quiet_start",
            "Not before",
            START_CHOICES,
            value=view.quiet_start,
            placeholder="Any time",
        ),
        base.choice_input(
            "quiet_end", "Not after", END_CHOICES, value=view.quiet_end, placeholder="Any time"
        ),
        base.choice_input(
            "days_off",
            "Days I don't work",
            [(d, str(i)) for i, d in enumerate(DAYS)],
            value=",".join(str(d) for d in view.days_off) or None,
            multi=True,
            placeholder="None",
        ),
    ]


TEAM_CHOICE = (
    "Coaching cards posted in a team's channel are the team's choice: its facilitator or an org "
    "admin starts and stops them (**cards schedule off**)."
)


def _always(always: Sequence[str]) -> list[object]:
    lines = [base.text("**Always sent** — reminders that carry a deadline can't be turned off:")]
    if always:
        lines.append(base.text("\n".join(f"- {a}" for a in always), size="small"))
    lines.append(base.text(TEAM_CHOICE, subtle=True, size="small"))
    return lines


def settings_card(view: SettingsView) -> base.CardDict:
    body: list[object] = [base.title("Your message settings")]
    if view.choices:
        body.append(base.text("Turn off the kinds of message you'd rather not get."))
        for choice in view.choices:
            body.append(
                base.toggle_input(KEEP + choice.category, choice.label, value=choice.wanted)
            )
            if choice.description:
                body.append(base.text(choice.description, subtle=True, size="small"))
    else:
        body.append(base.text("There are no messages you can turn off yet."))
    body.extend(_always(view.always))
    body.append(base.facts([("Sending hours", view.sending_hours)]))
    body.append(
        base.text(
            "Anything due outside these hours waits until they start.", subtle=True, size="small"
        )
    )
    body.extend(_quiet(view))
    actions = [base.execute("Save", "settings.save", primary=True, saves=True)]
    if view.admin:
        body.append(
            base.text(
                "For the organisation: change sending hours, term dates and closures, or see "
                "undelivered messages.",
                subtle=True,
                size="small",
            )
        )
        actions.append(base.execute("Sending hours", "settings.hours.open"))
        actions.append(base.execute("Term dates", "settings.terms.open"))
        actions.append(base.execute("Undelivered", "notices.undelivered"))
    return base.card(body, actions, fallback_text="Your message settings")


@dataclass(frozen=True)
class SettingsSaved:
    turned_off: Sequence[str]
    still_on: Sequence[str]
    always: Sequence[str]
    quiet: str | None = None  # the person's own quiet times, said in words


def settings_saved_card(saved: SettingsSaved) -> base.CardDict:
    body: list[object] = [base.title("Saved: your message settings")]
    if saved.turned_off:
        body.append(base.text("You turned off: " + ", ".join(saved.turned_off) + "."))
    else:
        body.append(base.text("You get every kind of message."))
    if saved.still_on and saved.turned_off:
        body.append(base.text("You still get: " + ", ".join(saved.still_on) + "."))
    if saved.quiet:
        body.append(base.text(f"Your quiet times: {saved.quiet}."))
    body.extend(_always(saved.always))
    return base.card(
        body, [base.execute("Change again", "settings.open")], fallback_text="Settings saved"
    )


def sending_hours_card(
    values: Mapping[str, str] = EMPTY, errors: Mapping[str, str] = EMPTY
) -> base.CardDict:
    body: list[object] = [
        base.title("Sending hours"),
        base.text(
            "When TLC may send reminders and other messages to your organisation.", subtle=True
        ),
        *base.with_error(
            base.choice_input(
                "start", "From", START_CHOICES, value=values.get("start", "08:00"), required=True
            ),
            errors,
            "start",
        ),
        *base.with_error(
            base.choice_input(
                "end", "Until", END_CHOICES, value=values.get("end", "18:00"), required=True
            ),
            errors,
            "end",
        ),
        base.toggle_input("weekends", "Weekends too", value=values.get("weekends") == "true"),
        base.toggle_input(
            "bank_holidays", "Bank holidays too", value=values.get("bank_holidays") == "true"
        ),
        base.toggle_input(
            "term_time_only", "Only in term time", value=values.get("term_time_only") == "true"
        ),
    ]
    return base.form_card(body, "settings.hours")


def sending_hours_saved_card(description: str) -> base.CardDict:
    body = [
        base.title("Saved: sending hours"),
        base.text(f"TLC now sends messages {description}."),
        base.text(
            "Messages due outside these hours wait until they start.", subtle=True, size="small"
        ),
    ]
    return base.card(body, [base.execute("Back to settings", "settings.open")])


TERM_FIELDS = tuple(
    (f"{name}_{edge}", f"{name.capitalize()} term {'starts' if edge == 'start' else 'ends'}")
    for name in ("autumn", "spring", "summer")
    for edge in ("start", "end")
)


def term_dates_card(
    year: str,
    values: Mapping[str, str],
    closures: str,
    errors: Mapping[str, str] | None = None,
    *,
    defaults: bool = False,
) -> base.CardDict:
    """An admin sets the academic year's term dates and closure days (INSET, college closed)."""
    errors = errors or {}
    body: list[object] = [base.title(f"Term dates and closures {year}")]
    if defaults:
        body.append(
            base.text(
                "These are the usual dates for England until you set your own.",
                subtle=True,
                size="small",
            )
        )
    if "form" in errors:
        body.append(base.error_text(errors["form"]))
    for field_id, label in TERM_FIELDS:
        body += date_field(field_id, label, values, errors, required=True)
    body.extend(
        base.with_error(
            base.text_input(
                "closures",
                "Closure days, one a line (e.g. 2026-10-30 INSET)",
                value=closures or None,
                multiline=True,
                max_length=4000,
            ),
            errors,
            "closures",
        )
    )
    body.append(
        base.text(
            "Or send a CSV or Excel file here with the word **terms**: rows of kind (term or "
            "closure), name, start, end.",
            subtle=True,
            size="small",
        )
    )
    return base.form_card(
        body, "settings.terms", {"year": year}, fallback_text=f"Term dates and closures {year}"
    )


def term_dates_saved_card(
    lines: Sequence[str], closures: int, term_time_only: bool
) -> base.CardDict:
    body: list[object] = [
        base.title("Saved: term dates and closures"),
        *(base.text(x) for x in lines),
    ]
    body.append(base.text(f"Closure days: {closures}."))
    if not term_time_only:
        body.append(
            base.text(
                "Closure days already keep me quiet. To keep quiet between terms too, turn on "
                "term time only in the sending hours.",
                subtle=True,
                size="small",
            )
        )
    return base.card(
        body,
        [
            base.execute("Change again", "settings.terms.open"),
            base.execute("Sending hours", "settings.hours.open"),
        ],
        fallback_text="Term dates saved",
    )
