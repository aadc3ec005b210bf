"""`settings`: which proactive messages a person gets, and (org admins) the sending hours.

A person can turn off the kinds of personal message that have an opt-out category (offers of
support). Reminders that carry a deadline (`opt_out=None`) are never turned off: the card says
which areas they come from, in people's words, so nobody silences them without knowing. What
is posted in a team's channel (the weekly coaching cards) is the team's choice, not a person's:
its facilitator or an org admin starts and stops it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from bot.app.context import HandlerContext, permitted, redrawn
from bot.app.form_fields import chosen, whole_number
from bot.app.notices import NoticeKind, NoticeKinds
from bot.app.router import CardAction, Command
from bot.app.turn import Reply
from bot.domain.access import Permission
from bot.domain.local_time import london_day
from bot.domain.sending_hours import SendingHours, parse_clock
from bot.domain.terms import (
    TERM_NAMES,
    Term,
    academic_year_of,
    calendar_csv,
    check_terms,
    closure_lines,
    parse_terms,
    terms_for,
    with_calendar,
)
from cards.base import CardDict
from cards.preferences import (
    DAYS,
    END_CHOICES,
    KEEP,
    START_CHOICES,
    OptOutChoice,
    SettingsSaved,
    SettingsView,
    sending_hours_card,
    sending_hours_saved_card,
    settings_card,
    settings_saved_card,
    term_dates_card,
    term_dates_saved_card,
)
from storage.preferences import Preferences

ADMINS_ONLY = "Sorry, only an org admin can change the sending hours."
TERMS_ADMINS_ONLY = "Sorry, only an org admin can set the term dates and closure days."


# Each opt-out category as people would say it, and what it means for them.
CATEGORY_WORDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "self_referral_offers": (
            "Offers of coaching support",
            "Now and then I offer you time with an advanced practitioner: when you start, after an "
            "observation and once a term. You can always ask for support yourself.",
        ),
        "mentoring_meeting_nudges": (
            "Nudges to meet your mentor",
            "When nothing has been logged with your mentor or mentee for a while, I remind you "
            "both. Reviews you agreed still come.",
        ),
    }
)

# The messages that carry a deadline, by the part of the work they come from (a kind's prefix).
AREAS: Mapping[str, str] = MappingProxyType(
    {
        "otla": "Observations: dates to agree, reports to write, check and approve",
        "support": "Coaching support: sessions, updates, reviews and reports",
        "walks": "Learning walks: your copies, and walks still to do at the end of a window",
        "cards": "Progression cards: the actions you agreed, before and when they're due",
        "documents": "Documents you asked for",
        "notice": "Messages from your organisation with a next step",
    }
)
OTHER_AREA = "Other reminders with a deadline"


def humanise(name: str) -> str:
    """An opt-out category as people say it (an unknown one, from its name)."""
    if name in CATEGORY_WORDS:
        return CATEGORY_WORDS[name][0]
    words = name.replace("_", " ").replace("-", " ").replace(".", " ").split()
    return " ".join(words).capitalize()


def _area(kind: NoticeKind) -> str | None:
    """The area a deadline message belongs to; None for what is no message of its own (the
    update of a card someone just pressed on)."""
    if kind.asked_for and not kind.description:
        return None
    if kind.kind == "otla.file":
        return AREAS["documents"]
    return AREAS.get(kind.kind.split(".", 1)[0], OTHER_AREA)


def catalogue(kinds: NoticeKinds) -> tuple[dict[str, list[NoticeKind]], list[str]]:
    """Personal opt-out categories with their kinds, and the areas of the always-sent kinds."""
    categories: dict[str, list[NoticeKind]] = {}
    always: list[str] = []
    for kind in kinds.all():
        if kind.opt_out:
            categories.setdefault(kind.opt_out, []).append(kind)
            continue
        area = _area(kind)
        if area is not None and area not in always:
            always.append(area)
    order = {words: i for i, words in enumerate([*AREAS.values(), OTHER_AREA])}
    return dict(sorted(categories.items())), sorted(always, key=lambda a: order.get(a, 99))


def _choices(categories: dict[str, list[NoticeKind]], turned_off: set[str]) -> list[OptOutChoice]:
    return [
        OptOutChoice(
            category,
            humanise(category),
            CATEGORY_WORDS[category][1]
            if category in CATEGORY_WORDS
            else "; ".join(k.description for k in kinds if k.description),
            category not in turned_off,
        )
        for category, kinds in categories.items()
    ]


async def _settings_view(ctx: HandlerContext) -> SettingsView:
    categories, always = catalogue(ctx.services.notices)
    prefs = Preferences(ctx.uow.session)
    turned_off = await prefs.turned_off(ctx.person.id)
    quiet = await prefs.quiet(ctx.person.id)
    org = await ctx.directory.organisation(ctx.turn.org_id, ctx.services.clock.now())
    return SettingsView(
        choices=_choices(categories, turned_off),
        always=always,
        sending_hours=SendingHours.from_settings(org.settings).describe(),
        admin=ctx.can(Permission.MANAGE_SETTINGS),
        quiet_start=quiet.start if quiet else None,
        quiet_end=quiet.end if quiet else None,
        days_off=list(quiet.days_off or []) if quiet else [],
    )


def describe_quiet(start: str | None, end: str | None, days_off: Iterable[int]) -> str | None:
    parts = []
    if start:
        parts.append(f"not before {start}")
    if end:
        parts.append(f"not after {'midnight' if end == '24:00' else end}")
    days = [DAYS[d] + "s" for d in sorted(set(days_off)) if 0 <= d <= 6]
    if days:
        parts.append("never on " + ", ".join(days))
    return "; ".join(parts) or None


async def settings(ctx: HandlerContext) -> Reply:
    """Choose which messages I send you (and, for admins, when I send them).

    Usage: settings
    """
    return Reply.show(settings_card(await _settings_view(ctx)))


async def open_settings(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return Reply.show(settings_card(await _settings_view(ctx)))


def _after_start(start: object, end: str | None) -> None:
    """A time of day chosen as an end must come after the start chosen with it (the end of the
    day always does); nothing to compare while either is left out."""
    if isinstance(start, str) and start and end:
        begins, ends = parse_clock(start), parse_clock(end)
        if begins is not None and ends is not None and ends <= begins:
            raise ValueError("The end must come after the start")


class PreferencesForm(BaseModel):
    """The settings card: `keep.<category>` toggles, "true" to keep getting those messages."""

    model_config = ConfigDict(extra="allow")

    quiet_start: str | None = None  # absent when left empty: no quiet time of one's own
    quiet_end: str | None = None
    days_off: list[int] = []

    @model_validator(mode="after")
    def _toggles(self) -> PreferencesForm:
        for key, value in (self.model_extra or {}).items():
            if key.startswith(KEEP) and str(value).lower() not in ("true", "false"):
                raise ValueError(f"{key} must be on or off")
        return self

    @field_validator("quiet_start")
    @classmethod
    def _quiet_start(cls, value: str | None) -> str | None:
        if value and value not in _STARTS:
            raise ValueError("Choose a time from the list")
        return value or None

    @field_validator("quiet_end")
    @classmethod
    def _quiet_end(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value and value not in _ENDS:
            raise ValueError("Choose a time from the list")
        _after_start(info.data.get("quiet_start"), value)
        return value or None

    @field_validator("days_off", mode="before")
    @classmethod
    def _days_off(cls, value: object) -> object:
        if isinstance(value, str):
            value = [p.strip() for p in value.split(",") if p.strip()]
        weekdays = {str(d) for d in range(7)}
        if isinstance(value, list) and any(str(d) not in weekdays for d in value):
            raise ValueError("Choose days from the list")
        return value

    def wanted(self) -> dict[str, bool]:
        return {
            key.removeprefix(KEEP): str(value).lower() == "true"
            for key, value in (self.model_extra or {}).items()
            if key.startswith(KEEP)
        }


async def save_settings(ctx: HandlerContext, form: PreferencesForm) -> Reply:
    categories, always = catalogue(ctx.services.notices)
    prefs = Preferences(ctx.uow.session)
    now = ctx.services.clock.now()
    for category, wanted in form.wanted().items():
        if category in categories:  # a stale card may name a kind that no longer exists
            await prefs.choose(ctx.turn.org_id, ctx.person.id, category, not wanted, now)
    turned_off = await prefs.turned_off(ctx.person.id)
    await prefs.set_quiet(
        ctx.turn.org_id, ctx.person.id, form.quiet_start, form.quiet_end, form.days_off, now
    )
    saved = SettingsSaved(
        turned_off=_labels(c for c in categories if c in turned_off),
        still_on=_labels(c for c in categories if c not in turned_off),
        always=always,
        quiet=describe_quiet(form.quiet_start, form.quiet_end, form.days_off),
    )
    return Reply.update(settings_saved_card(saved))


async def redisplay_settings(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    view = await _settings_view(ctx)
    problem = "; ".join(errors.values())
    card = settings_card(view)
    card["body"].insert(
        1, {"type": "TextBlock", "text": problem, "color": "attention", "wrap": True}
    )
    return Reply.update(card)


def _labels(categories: Iterable[str]) -> list[str]:
    return [humanise(c) for c in categories]


_STARTS = frozenset(v for _, v in START_CHOICES)
_ENDS = frozenset(v for _, v in END_CHOICES)


class SendingHoursForm(BaseModel):
    start: str
    end: str
    weekends: bool = False
    bank_holidays: bool = False
    term_time_only: bool = False

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        if value not in _STARTS:
            raise ValueError("Choose a start time from the list")
        return value

    @field_validator("end")
    @classmethod
    def _end(cls, value: str, info: ValidationInfo) -> str:
        if value not in _ENDS:
            raise ValueError("Choose an end time from the list")
        _after_start(info.data.get("start"), value)
        return value


@permitted(Permission.MANAGE_SETTINGS, ADMINS_ONLY)
async def open_sending_hours(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    org = await ctx.directory.organisation(ctx.turn.org_id, ctx.services.clock.now())
    current = SendingHours.from_settings(org.settings).to_settings()
    values = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in current.items()}
    return Reply.show(sending_hours_card(values))


redisplay_sending_hours = redrawn(sending_hours_card)


@permitted(Permission.MANAGE_SETTINGS, ADMINS_ONLY)
async def save_sending_hours(ctx: HandlerContext, form: SendingHoursForm) -> Reply:
    now = ctx.services.clock.now()
    org = await ctx.directory.organisation(ctx.turn.org_id, now)
    before = SendingHours.from_settings(org.settings)
    hours = SendingHours(
        start=parse_clock(form.start) or before.start,
        end=parse_clock(form.end),
        weekends=form.weekends,
        bank_holidays=form.bank_holidays,
        term_time_only=form.term_time_only,
        closed=before.closed,
        term_settings=org.settings,
    )
    org.settings = {**(org.settings or {}), "sending_hours": hours.to_settings()}
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, "organisation", "sending hours", hours.describe(), now
    )
    return Reply.update(sending_hours_saved_card(hours.describe()))


# ------------------------------------------------------------ term dates and closure days

MAX_CALENDAR_BYTES = 200_000


def _year_of(ctx: HandlerContext, values: dict[str, Any] | None = None) -> int:
    raw = str((values or {}).get("year") or "")
    if (year := whole_number(raw[:4])) is not None:
        return year
    return academic_year_of(london_day(ctx.services.clock.now()))


def _label(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


async def _calendar_card(
    ctx: HandlerContext,
    start_year: int,
    values: dict[str, str] | None = None,
    closures: str | None = None,
    errors: dict[str, str] | None = None,
) -> CardDict:
    org = await ctx.directory.organisation(ctx.turn.org_id, ctx.services.clock.now())
    settings = org.settings or {}
    current = terms_for(date(start_year, 9, 1), settings)
    own = any(
        academic_year_of(t.start) == start_year for t in parse_terms(settings.get("terms", []))
    )
    shown = {}
    for term in current:
        if term.name in TERM_NAMES:
            shown[f"{term.name}_start"] = term.start.isoformat()
            shown[f"{term.name}_end"] = term.end.isoformat()
    if closures is None:
        closures = "\n".join(
            f"{c['date']} {c.get('name', '')}".strip() for c in settings.get("closures", [])
        )
    return term_dates_card(
        _label(start_year), {**shown, **(values or {})}, closures, errors, defaults=not own
    )


@permitted(Permission.MANAGE_SETTINGS, TERMS_ADMINS_ONLY)
async def terms_command(ctx: HandlerContext) -> Reply:
    """Term dates and closure days (INSET, college closed) for the academic year (org admins).

    Usage: terms
    Usage: terms (with a CSV or Excel file: kind,name,start,end rows; kind is term or closure)
    """
    if ctx.list_file is not None:
        return await _import_calendar(ctx)
    return Reply.show(await _calendar_card(ctx, _year_of(ctx)))


async def _import_calendar(ctx: HandlerContext) -> Reply:
    content = await ctx.sent_list("terms", "", limit=MAX_CALENDAR_BYTES)
    if isinstance(content, Reply):
        return content
    try:
        terms, closures = calendar_csv(content)
    except ValueError as exc:
        return Reply.text(f"I couldn't read that calendar: {exc} Nothing was changed.")
    if not terms and not closures:
        return Reply.text("That file has no terms or closures in it. Nothing was changed.")
    return await _save_calendar(ctx, terms, closures, replace_closures=False)


async def _save_calendar(
    ctx: HandlerContext,
    terms: list[Term],
    closures: list[tuple[date, str]],
    *,
    replace_closures: bool,
) -> Reply:
    now = ctx.services.clock.now()
    org = await ctx.directory.organisation(ctx.turn.org_id, now)
    org.settings = with_calendar(org.settings, terms, closures, replace_closures=replace_closures)
    lines = [f"{t.label}: {t.start:%a %d %b %Y} to {t.end:%a %d %b %Y}" for t in terms]
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, "organisation", "term dates", "; ".join(lines), now
    )
    hours = SendingHours.from_settings(org.settings)
    return Reply.update(
        term_dates_saved_card(lines, len(org.settings.get("closures", [])), hours.term_time_only)
    )


@permitted(Permission.MANAGE_SETTINGS, TERMS_ADMINS_ONLY)
async def open_terms(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    return Reply.show(await _calendar_card(ctx, _year_of(ctx, values)))


TermDay = Annotated[date, chosen("Choose a date")]


class TermDatesForm(BaseModel):
    year: str = ""
    autumn_start: TermDay
    autumn_end: TermDay
    spring_start: TermDay
    spring_end: TermDay
    summer_start: TermDay
    summer_end: TermDay
    closures: str = ""

    def terms(self) -> list[Term]:
        out = []
        for name in TERM_NAMES:
            start, end = getattr(self, f"{name}_start"), getattr(self, f"{name}_end")
            year = academic_year_of(start)
            out.append(Term(name, _label(year), start, end))
        return out


@permitted(Permission.MANAGE_SETTINGS, TERMS_ADMINS_ONLY)
async def redisplay_terms(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    kept = {k: str(v) for k, v in values.items() if isinstance(v, str) and k != "closures"}
    card = await _calendar_card(
        ctx, _year_of(ctx, values), kept, str(values.get("closures") or ""), errors
    )
    return Reply.update(card)


@permitted(Permission.MANAGE_SETTINGS, TERMS_ADMINS_ONLY)
async def save_terms(ctx: HandlerContext, form: TermDatesForm) -> Reply:
    values = {k: v.isoformat() for k, v in form.model_dump().items() if isinstance(v, date)}
    try:
        terms = check_terms(form.terms())
        if {academic_year_of(t.start) for t in terms} != {academic_year_of(terms[0].start)}:
            raise ValueError("All three terms belong to one academic year (September to August).")
    except ValueError as exc:
        card = await _calendar_card(
            ctx, _year_of(ctx, {"year": form.year}), values, form.closures, {"form": str(exc)}
        )
        return Reply.update(card)
    try:
        closures = closure_lines(form.closures)
    except ValueError as exc:
        card = await _calendar_card(
            ctx, _year_of(ctx, {"year": form.year}), values, form.closures, {"closures": str(exc)}
        )
        return Reply.update(card)
    return await _save_calendar(ctx, terms, closures, replace_closures=True)


ROWS: tuple[Command | CardAction, ...] = (
    # Personal choices: in a channel the card would show them to everyone.
    Command(
        "settings",
        settings,
        aliases=("preferences", "opt-out", "optout"),
        scopes=frozenset({"personal"}),
    ),
    CardAction("settings.open", open_settings, idempotent=False),
    CardAction(
        "settings.save",
        save_settings,
        form=PreferencesForm,
        redisplay=redisplay_settings,
    ),
    CardAction("settings.hours.open", open_sending_hours, idempotent=False, private=False),
    # Stored: `terms` with a CSV saves the calendar, so a Teams retry of the same message runs
    # nothing again (a late one does not put back dates changed since).
    Command(
        "terms", terms_command, aliases=("closures", "term-dates"), admin_only=True, stored=True
    ),
    CardAction("settings.terms.open", open_terms, idempotent=False, private=False),
    CardAction(
        "settings.terms", save_terms, form=TermDatesForm, redisplay=redisplay_terms, private=False
    ),
    CardAction(
        "settings.hours",
        save_sending_hours,
        form=SendingHoursForm,
        redisplay=redisplay_sending_hours,
        private=False,
    ),
)
