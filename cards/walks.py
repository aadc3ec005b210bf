"""Learning-walk cards: the HA27 for a phone, its saved views, plans, completion and summaries.

Phone first (SPEC principle 2): one column, compact choice sets, labels on every input, defaults
filled in. Cards shown in a shared conversation never carry what a walk says; the full record
goes only to a private view (a 1:1 chat, or the invoking user's own copy of the card).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from adaptive_cards_python import actions as A
from adaptive_cards_python import elements as E

from bot.domain.words import plural
from cards import base
from cards.inputs import EMPTY, choice_field, date_field, text_field

Choices = Sequence[tuple[str, str]]  # (title, value)

READERS_NOTE = "Only the quality team, the team's managers and you can read it."
# The HA27's inputs are not marked isRequired: Teams would then refuse "Save draft" on a
# half-filled card. The server checks them on "Save" and sends the card back with the problems.
DRAFT_HINT = "All but the notes and the concern are needed to save. Save a draft any time."


@dataclass(frozen=True)
class DraftLine:
    walk_id: int
    label: str  # e.g. "Maths · 23 Nov"


@dataclass(frozen=True)
class ClashWarning:
    message: str  # who has an OTLA that day
    other_date: str | None  # ISO date offered instead
    other_label: str | None  # "Thu 26 Nov"


@dataclass(frozen=True)
class WalkFormView:
    """The HA27 on a phone. `values` are the inputs as strings (a draft, an edit or a retry)."""

    team_pk: int
    team_name: str
    tutors: Choices
    themes: Choices
    minutes: Choices
    today: str
    focus_default: str = ""
    channel: str | None = None
    walk_id: int | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    drafts: Sequence[DraftLine] = ()
    clash: ClashWarning | None = None
    heading: str = "Learning walk (HA27)"
    note: str | None = None
    no_tutors: str | None = None  # why the tutor picker is empty, and who can fix it
    fix_tutors: bool = False  # the viewer is an org admin: offer the buttons that fill it


def _context(view: WalkFormView) -> dict[str, Any]:
    data: dict[str, Any] = {"team_pk": view.team_pk}
    if view.channel:
        data["channel"] = view.channel
    if view.walk_id is not None:
        data["walk_id"] = view.walk_id
    return data


def _fix_tutors(view: WalkFormView) -> list[base.Element]:
    if view.tutors or not view.fix_tutors:
        return []
    return [
        base.actions_row(
            base.execute(
                "Use this team's members as tutors",
                "admin.setup.team_tutors",
                {"team_pk": view.team_pk, "back": "walk"},
            ),
            base.execute("Set up TLC", "admin.setup.open"),
        )
    ]


def walk_form_card(view: WalkFormView) -> base.CardDict:
    v, errors = view.values, view.errors
    body: list[base.Element] = [
        base.title(view.heading),
        base.text(base.said(view.team_name), subtle=True, size="small"),
    ]
    if view.note:
        body.append(base.text(view.note, size="small"))
    body.append(base.text(DRAFT_HINT, subtle=True, size="small"))
    if view.drafts:
        body.append(
            base.actions_row(
                *[
                    base.execute(f"Resume {d.label}", "walk.open", {"walk_id": d.walk_id})
                    for d in view.drafts[:2]
                ]
            )
        )
    if "form" in errors:
        body.append(E.TextBlock(text=errors["form"], wrap=True, color="attention"))
    if view.clash is not None:
        body.append(_clash_block(view))
    body += [
        *choice_field(
            "tutors",
            "Tutor(s) visited",
            view.tutors,
            v,
            errors,
            multi=True,
            placeholder="Pick one or more",
            empty=view.no_tutors or "no tutors known for this team yet.",
        ),
        *_fix_tutors(view),
        *base.with_error(
            base.date_input("walk_date", "Date", value=v.get("walk_date") or view.today),
            errors,
            "walk_date",
        ),
        *text_field(
            "course",
            "Course / session",
            v,
            errors,
            placeholder="e.g. ESOL Entry 3, Tue am",
            max_length=200,
        ),
        *base.with_error(
            base.choice_input(
                "minutes",
                "Minutes",
                view.minutes,
                value=v.get("minutes") or "25",
            ),
            errors,
            "minutes",
        ),
        *base.with_error(
            base.text_input(
                "focus",
                "Focus",
                value=v.get("focus") or view.focus_default,
                max_length=300,
            ),
            errors,
            "focus",
        ),
        *_themed("went_well", "What went well", view.themes, v, errors),
        *_themed("even_better_if", "Even better if / areas to develop", view.themes, v, errors),
        *choice_field(
            "verbal_feedback",
            "Verbal feedback given",
            [("Yes", "yes"), ("No", "no")],
            v,
            errors,
            expanded=True,
        ),
        base.toggle_input(
            "concern", "A concern for the tutor's 1:1", value=v.get("concern") == "true"
        ),
        *text_field(
            "concern_note",
            "Private note for the manager",
            v,
            errors,
            multiline=True,
            max_length=2000,
            placeholder="Never shown to the tutor",
        ),
    ]
    data = _context(view)
    return base.card(
        body,
        [
            base.execute("Save", "walk.save", data, primary=True, saves=True),
            base.execute("Save draft", "walk.draft", data, saves=True),
        ],
        fallback_text="Learning walk (HA27)",
    )


def _themed(
    key: str, label: str, themes: Choices, v: Mapping[str, str], errors: Mapping[str, str]
) -> list[base.Element]:
    return [
        # A theme not on the list (an old or hand-made card) is said here, not dropped silently.
        *choice_field(key, label, themes, v, errors, multi=True, placeholder="Pick themes"),
        *text_field(f"{key}_note", f"{label}: notes", v, errors, multiline=True, max_length=2000),
    ]


def _clash_block(view: WalkFormView) -> base.Element:
    clash = view.clash
    assert clash is not None
    data = _context(view)
    buttons = []
    if clash.other_date and clash.other_label:
        buttons.append(
            base.execute(
                f"Use {clash.other_label}",
                "walk.save",
                {**data, "use_date": clash.other_date},
                saves=True,
            )
        )
    buttons.append(
        base.execute("Save anyway", "walk.save", {**data, "confirm_clash": True}, saves=True)
    )
    return E.Container(
        style="warning",
        items=[
            E.TextBlock(text=clash.message, wrap=True, weight="bolder"),
            base.actions_row(*buttons),
        ],
    )


@dataclass(frozen=True)
class WalkSummaryView:
    """A saved walk as one reader may see it: the concern only for those allowed."""

    walk_id: int
    team_name: str
    tutors: str  # "Tom Tutor, Tia Tutor" or, for a tutor, "You and 1 other tutor"
    day: str
    course: str
    minutes: str
    focus: str
    went_well: Sequence[str]
    went_well_note: str
    even_better_if: Sequence[str]
    even_better_if_note: str
    verbal_feedback: str
    unplanned: bool
    concern_note: str | None = None  # None: not shown to this reader
    concern: bool = False
    can_edit: bool = False
    can_export: bool = False
    heading: str = "Learning walk"
    readers_note: str = READERS_NOTE


def walk_summary_card(view: WalkSummaryView) -> base.CardDict:
    body: list[base.Element] = [
        base.title(view.heading),
        base.text(
            f"{base.said(view.team_name)} · "
            + ("unplanned walk" if view.unplanned else "planned walk"),
            subtle=True,
            size="small",
        ),
        base.facts(
            [
                ("Tutor(s)", base.said(view.tutors)),
                ("Date", view.day),
                ("Course", base.said(view.course)),
                ("Minutes", view.minutes),
                ("Focus", base.said(view.focus)),
                ("Verbal feedback", view.verbal_feedback),
            ]
        ),
        *_feedback("What went well", view.went_well, view.went_well_note),
        *_feedback("Even better if", view.even_better_if, view.even_better_if_note),
    ]
    if view.concern_note is not None:
        note = base.said(view.concern_note) if view.concern_note else "(no note)"
        concern = (
            f"**Concern for the tutor's 1:1:** {note}" if view.concern else "No concern raised."
        )
        body.append(
            E.Container(
                style="attention" if view.concern else "emphasis",
                items=[E.TextBlock(text=concern, wrap=True, size="small")],
            )
        )
    body.append(base.text(view.readers_note, subtle=True, size="small"))
    buttons = []
    if view.can_edit:
        buttons.append(base.execute("Edit", "walk.edit", {"walk_id": view.walk_id}))
    if view.can_export:
        buttons.append(base.execute("Export .docx", "walk.export", {"walk_id": view.walk_id}))
    return base.card(body, buttons, fallback_text=f"Learning walk, {view.day}")


def _feedback(label: str, themes: Sequence[str], note: str) -> list[base.Element]:
    lines = [f"- {t}" for t in themes]
    if note:
        lines.append(base.said(note))
    return [
        E.TextBlock(text=label, wrap=True, weight="bolder", size="small", spacing="medium"),
        base.text("\n".join(lines) if lines else "—", size="small"),
    ]


@dataclass(frozen=True)
class WalkNoticeView:
    """What everyone in a shared conversation sees once a walk is saved: that it exists."""

    walk_id: int
    team_name: str
    day: str
    tutor_count: int
    author: str
    heading: str = "Learning walk saved"


def walk_saved_notice_card(view: WalkNoticeView) -> base.CardDict:
    tutors = "1 tutor" if view.tutor_count == 1 else f"{view.tutor_count} tutors"
    body = [
        base.title(view.heading),
        base.text(f"{base.said(view.author)} · {view.day} · {tutors}"),
        base.text(
            f"Saved to the {base.said(view.team_name)} learning-walk store. "
            "Only the quality team, the team's managers and the author can read it.",
            subtle=True,
            size="small",
        ),
    ]
    return base.card(
        body,
        [
            base.execute("View", "walk.view", {"walk_id": view.walk_id}),
            base.execute("Edit", "walk.edit", {"walk_id": view.walk_id}),
        ],
        fallback_text="Learning walk saved",
    )


def walk_draft_saved_card(walk_id: int, team_name: str, label: str) -> base.CardDict:
    body = [
        base.title("Draft saved"),
        base.text(f"{base.said(team_name)} · {label}"),
        base.text("Pick it up again any time: say **walk** and choose *Resume*.", subtle=True),
    ]
    return base.card(
        body,
        [
            base.execute("Resume now", "walk.open", {"walk_id": walk_id}),
            base.execute("Discard draft", "walk.discard", {"walk_id": walk_id}),
        ],
    )


def walk_team_picker_card(teams: Choices, errors: Mapping[str, str] = EMPTY) -> base.CardDict:
    body = [
        base.title("Learning walk (HA27)"),
        base.text("Which team is this walk for? It is saved in that team's store."),
        *base.with_error(
            base.choice_input("team_pk", "Team", teams, required=True, placeholder="Pick a team"),
            errors,
            "team_pk",
        ),
    ]
    return base.form_card(body, "walk.open", label="Next")


# --- Completion ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionLine:
    name: str
    status: str  # "done" | "outstanding" | "not_expected"
    detail: str = ""  # e.g. "23 Nov" or the window


@dataclass(frozen=True)
class CompletionView:
    team_pk: int
    team_name: str
    term_label: str
    window_label: str | None
    focus: str | None
    lines: Sequence[CompletionLine]
    can_plan: bool = False


def walk_completion_card(view: CompletionView) -> base.CardDict:
    done = [ln for ln in view.lines if ln.status == "done"]
    outstanding = [ln for ln in view.lines if ln.status == "outstanding"]
    optional = [ln for ln in view.lines if ln.status == "not_expected"]
    sub = view.term_label
    if view.window_label:
        sub += f" · window {view.window_label}"
    body: list[base.Element] = [
        base.title(f"Learning walks: {base.escape_markdown(view.team_name)}"),
        base.text(sub, subtle=True),
    ]
    if view.focus:
        body.append(base.text(f"Focus: {base.said(view.focus)}", size="small"))
    body.append(
        base.facts(
            [
                ("Done", str(len(done))),
                ("Outstanding", str(len(outstanding))),
                ("LiL (not expected)", str(len(optional))),
            ]
        )
    )
    if not view.lines:
        body.append(base.text("No tutors on this team's roster yet.", subtle=True))
    for heading, group in (
        ("Outstanding", outstanding),
        ("Done", done),
        ("Learning in Libraries", optional),
    ):
        if group:
            body.append(E.TextBlock(text=heading, weight="bolder", size="small", spacing="medium"))
            body.append(base.facts([(base.said(ln.name), ln.detail or "—") for ln in group[:60]]))
            if len(group) > 60:
                body.append(base.text(f"…and {len(group) - 60} more.", subtle=True, size="small"))
    buttons = [base.execute("Log a walk", "walk.open", {"team_pk": view.team_pk}, primary=True)]
    if view.can_plan:
        buttons.append(base.execute("Plan walks", "walk.plan.open", {"team_pk": view.team_pk}))
    return base.card(body, buttons, fallback_text=f"Learning walks: {view.team_name}")


@dataclass(frozen=True)
class TeamCount:
    team_pk: int
    team_name: str
    done: int
    outstanding: int
    names: Sequence[str] = ()


def walk_overview_card(term_label: str, teams: Sequence[TeamCount]) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Learning walks: all teams"),
        base.text(term_label, subtle=True),
    ]
    if not teams:
        body.append(base.text("No teams yet: add me to a team and mention me there once."))
    else:
        body.append(
            base.facts(
                [
                    (base.said(t.team_name), f"{t.done} done, {t.outstanding} outstanding")
                    for t in teams
                ]
            )
        )
    return base.card(body, fallback_text="Learning walks: all teams")


@dataclass(frozen=True)
class MyWalkLine:
    walk_id: int
    day: str
    focus: str


LATEST = 5  # a list shows the latest few, one line each; the rest are one tap away


def _cut(value: str, length: int = 50) -> str:
    return value if len(value) <= length else value[: length - 1].rstrip() + "…"


def my_walks_card(
    name: str, walks: Sequence[MyWalkLine], *, everything: bool = False
) -> base.CardDict:
    """A person's walks, newest first, one line each: the feedback shows when a walk is opened,
    so a year of walks is still one screen."""
    body: list[base.Element] = [
        base.title("Your learning walks"),
        base.text(name, subtle=True, size="small"),
    ]
    if not walks:
        body.append(base.text("No learning walks recorded for you yet."))
    shown = walks if everything else walks[:LATEST]
    for w in shown:
        body.append(
            E.Container(
                items=[
                    base.text(
                        f"{w.day} · {base.said(_cut(w.focus)) if w.focus else 'no focus given'}"
                    )
                ],
                selectAction=base.execute("Open", "walk.view", {"walk_id": w.walk_id}),
                spacing="small",
            )
        )
    if shown:
        body.append(base.text("Tap a walk to read its feedback.", subtle=True, size="small"))
    buttons = []
    if len(shown) < len(walks):
        body.append(base.text(f"Your latest {len(shown)}.", subtle=True, size="small"))
        buttons.append(base.execute("Show all", "run", {"command": "walks all"}))
    return base.card(body, buttons, fallback_text="Your learning walks")


# --- Planning -----------------------------------------------------------------------------------

WINDOWS = 3


@dataclass(frozen=True)
class PlanFormView:
    teams: Choices
    terms: Choices
    walkers: Choices
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def walk_plan_card(view: PlanFormView) -> base.CardDict:
    v, errors = view.values, view.errors
    body: list[base.Element] = [
        base.title("Plan learning walks"),
        base.text(
            "One plan per team and term. Saving again replaces it.", subtle=True, size="small"
        ),
    ]
    if "form" in errors:
        body.append(E.TextBlock(text=errors["form"], wrap=True, color="attention"))
    body += [
        *choice_field("team_pk", "Team", view.teams, v, errors, required=True),
        *choice_field("term", "Term", view.terms, v, errors, required=True),
        *text_field(
            "focus",
            "Focus / theme",
            v,
            errors,
            required=True,
            max_length=300,
            placeholder="e.g. Questioning to check learning",
        ),
        *text_field("linked_to", "Linked to (QIP action or training)", v, errors, max_length=300),
    ]
    for i in range(1, WINDOWS + 1):
        block = _window_inputs(i, v, errors)
        if i == 1:
            body += block
        else:
            shown = any(v.get(f"window{i}_{k}") for k in ("start", "end", "course_type"))
            body.append(E.Container(id=f"window{i}", isVisible=shown or None, items=block))
    body.append(
        base.actions_row(
            A.ToggleVisibility(
                title="Another window (other course type)",
                targetElements=["window2", "window3"],
            )
        )
    )
    body += choice_field(
        "walkers", "Who walks", view.walkers, v, errors, multi=True, placeholder="Pick one or more"
    )
    return base.form_card(body, "walk.plan.save", label="Save plan")


def _window_inputs(i: int, v: Mapping[str, str], errors: Mapping[str, str]) -> list[base.Element]:
    return [
        E.TextBlock(text=f"Window {i}", weight="bolder", size="small", spacing="medium"),
        *date_field(f"window{i}_start", "From", v, errors, required=i == 1),
        *date_field(f"window{i}_end", "To", v, errors, required=i == 1),
        base.text_input(
            f"window{i}_course_type",
            "Course type (optional)",
            value=v.get(f"window{i}_course_type"),
            placeholder="e.g. ESOL",
            max_length=100,
        ),
    ]


@dataclass(frozen=True)
class PlanSavedView:
    team_name: str
    term_label: str
    focus: str
    linked_to: str
    windows: Sequence[str]
    walkers: str
    created: bool
    notices: int  # end-of-window notices scheduled


def walk_plan_saved_card(view: PlanSavedView) -> base.CardDict:
    body = [
        base.title("Plan saved" if view.created else "Plan updated"),
        base.facts(
            [
                ("Team", base.said(view.team_name)),
                ("Term", view.term_label),
                ("Focus", base.said(view.focus)),
                ("Linked to", view.linked_to),
                ("Window(s)", "; ".join(view.windows)),
                ("Who walks", view.walkers),
            ]
        ),
        base.text(
            f"At the end of each window I'll tell the managers which walks are outstanding "
            f"({plural(view.notices, 'notice')} scheduled).",
            subtle=True,
            size="small",
        ),
    ]
    return base.card(body, fallback_text="Learning-walk plan saved")


PlanImportView = base.ImportCounts  # what importing learning-walk plans did


def walk_plan_import_card(view: PlanImportView) -> base.CardDict:
    body = base.import_summary("Learning-walk plans imported", "New plans", view)
    body.append(
        base.text(
            "Columns: team, term, focus, linked_to, window_start, window_end, course_type, "
            "walkers (emails separated by ;). One row per window.",
            subtle=True,
            size="small",
        )
    )
    return base.card(body)


# --- End of a window: what is outstanding -------------------------------------------------------


@dataclass(frozen=True)
class OutstandingTeam:
    team_pk: int
    team_name: str
    window_label: str
    focus: str
    tutors: Sequence[str]


def window_end_card(team: OutstandingTeam) -> base.CardDict:
    """To a team's managers on the window's last day. The team's name in a heading is escaped,
    not `said`: it is no secret, and the notification names the team (as the search card's
    subject, cards.mentoring)."""
    n = len(team.tutors)
    body = [
        base.title(f"Learning walks outstanding: {base.escape_markdown(team.team_name)}"),
        base.text(f"The window {team.window_label} (focus: {base.said(team.focus)}) ends today."),
        base.text(f"{plural(n, 'tutor')} still to walk:"),
        base.text("\n".join(f"- {base.said(t)}" for t in team.tutors[:40]), size="small"),
    ]
    if n > 40:
        body.append(base.text(f"…and {n - 40} more.", subtle=True, size="small"))
    return base.card(
        body,
        [
            base.execute("Log a walk", "walk.open", {"team_pk": team.team_pk}, primary=True),
            base.execute("See completion", "run", {"command": "walks"}),
        ],
        fallback_text=f"Learning walks outstanding: {team.team_name}",
    )


def window_end_quality_card(day: str, teams: Sequence[OutstandingTeam]) -> base.CardDict:
    """To the quality team: the whole organisation's outstanding walks for windows ended."""
    total = sum(len(t.tutors) for t in teams)
    body: list[base.Element] = [
        base.title("Learning walks outstanding: all teams"),
        base.text(f"Windows ending {day}: {plural(total, 'walk')} outstanding."),
    ]
    for t in teams[:20]:
        body += [
            E.TextBlock(
                text=f"{base.said(t.team_name)} ({len(t.tutors)})",
                weight="bolder",
                size="small",
                spacing="medium",
                wrap=True,
            ),
            base.text(", ".join(t.tutors[:30]) + ("…" if len(t.tutors) > 30 else ""), size="small"),
        ]
    return base.card(
        body,
        [base.execute("Open the walks summary", "run", {"command": "walks summary"})],
        fallback_text="Learning walks outstanding: all teams",
    )


# --- Summaries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnView:
    month_label: str
    walks: int
    tutors_visited: int
    unplanned: int
    by_team: Sequence[tuple[str, int]]
    otlas: int = 0  # annual observations that took place in the month
    by_month: Sequence[MonthCount] = ()  # the academic year so far, for the return's history


@dataclass(frozen=True)
class MonthCount:
    month: str  # "Nov 2026"
    walks: int
    otlas: int


def monthly_return_card(view: ReturnView) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Provider return: learning walks, {view.month_label}"),
        base.facts(
            [
                ("Learning walks", str(view.walks)),
                ("Tutors visited", str(view.tutors_visited)),
                ("Unplanned", str(view.unplanned)),
                ("OTLAs observed", str(view.otlas)),
            ]
        ),
    ]
    if view.by_team:
        body.append(E.TextBlock(text="By team", weight="bolder", size="small"))
        body.append(base.facts([(team, str(n)) for team, n in view.by_team[:40]]))
    if view.by_month:
        body.append(E.TextBlock(text="By month: walks · OTLAs", weight="bolder", size="small"))
        body.append(base.facts([(m.month, f"{m.walks} · {m.otlas}") for m in view.by_month[:12]]))
    return base.card(body, fallback_text=f"Learning walks in {view.month_label}: {view.walks}")


@dataclass(frozen=True)
class FindingsGroup:
    group: str
    walks: int
    strengths: Sequence[str]  # "Questioning (4)"
    areas: Sequence[str]


@dataclass(frozen=True)
class SummaryView:
    term_label: str
    walks: int
    strengths: Sequence[str]
    areas: Sequence[str]
    by_focus: Sequence[FindingsGroup]
    by_team: Sequence[FindingsGroup]
    chart_data_url: str | None = None
    draft: SummaryDraft | None = None


@dataclass(frozen=True)
class SummaryDraft:
    """The termly summary to edit: drafted from the records, or as someone last saved it."""

    term_key: str
    text: str
    note: str  # where the text came from: "Drafted from the records…" / "Saved by …"


def key_findings_card(view: SummaryView) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Learning walks: key findings"),
        base.text(f"{view.term_label} · {plural(view.walks, 'walk')}", subtle=True),
    ]
    if view.chart_data_url:
        body.append(
            E.Image(
                url=view.chart_data_url,
                altText="Chart: most frequent strengths and areas to develop",
                size="stretch",
            )
        )
    body += [
        E.TextBlock(text="Strengths", weight="bolder", size="small", spacing="medium"),
        base.text(", ".join(view.strengths) or "—", size="small"),
        E.TextBlock(text="Areas to develop", weight="bolder", size="small"),
        base.text(", ".join(view.areas) or "—", size="small"),
    ]
    for heading, groups in (("By focus", view.by_focus), ("By team", view.by_team)):
        if groups:
            body.append(E.TextBlock(text=heading, weight="bolder", spacing="large"))
            for g in groups[:LATEST]:
                body.append(
                    base.text(
                        f"**{g.group}** ({g.walks}): went well — "
                        f"{', '.join(g.strengths) or '—'}; even better if — "
                        f"{', '.join(g.areas) or '—'}",
                        size="small",
                    )
                )
            if len(groups) > LATEST:
                body.append(
                    base.text(f"…and {len(groups) - LATEST} more in the export.", subtle=True)
                )
    if view.draft is not None:
        body += _summary_draft(view.draft)
    return base.card(
        body,
        [base.execute("Export the term", "run", {"command": "walks export"})],
        fallback_text=f"Learning walks: key findings, {view.term_label}",
    )


def _summary_draft(draft: SummaryDraft) -> list[base.Element]:
    ref = {"term_key": draft.term_key}
    return [
        E.TextBlock(text="Termly summary (draft)", weight="bolder", spacing="large"),
        base.text(draft.note, subtle=True, size="small"),
        base.text_input(
            "summary_text", "Summary", value=draft.text, multiline=True, max_length=8000
        ),
        base.actions_row(
            base.execute("Save", "walks.summary.save", ref, primary=True, saves=True),
            base.execute("Export as Word", "walks.summary.export", ref, saves=True),
            base.execute("Draft again", "walks.summary.redraft", ref),
        ),
    ]


@dataclass(frozen=True)
class PmgView:
    term_label: str
    teams: Sequence[str]
    paragraph: str


def pmg_card(view: PmgView) -> base.CardDict:
    """A manager's PMG paragraph, drafted to copy and edit: TLC sends it nowhere."""
    return base.card(
        [
            base.title("Learning walks for your PMG report"),
            base.text(f"{view.term_label} · {', '.join(view.teams) or 'no team yet'}", subtle=True),
            base.text(
                "Drafted from the walks on record. Edit it here and copy it into your report: "
                "I don't send it to anyone.",
                subtle=True,
                size="small",
            ),
            base.text_input(
                "pmg_text", "PMG paragraph", value=view.paragraph, multiline=True, max_length=4000
            ),
        ],
        fallback_text=f"Learning walks for your PMG report, {view.term_label}",
    )


# --- Samples (cards/samples.py shows every card with these) --------------------------------------

_TUTORS = (("Tom Tutor", "3"), ("Tia Tutor", "4"), ("Lee Librarian (LiL)", "5"))
_THEMES = (("Questioning and checking learning", "questioning"), ("Resources", "resources"))
_MINUTES = tuple((str(m), str(m)) for m in (15, 20, 25, 30, 45))
_DOT_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGPQqzUCIgAGCg"
    "G7RoEkjQAAAABJRU5ErkJggg=="
)


def _sample_form(**extra: Any) -> base.CardDict:
    defaults: dict[str, Any] = {
        "team_pk": 1,
        "team_name": "Maths",
        "tutors": _TUTORS,
        "themes": _THEMES,
        "minutes": _MINUTES,
        "today": "2026-11-23",
        "focus_default": "Questioning to check learning",
        "channel": "19:maths@thread.tacv2",
    }
    return walk_form_card(WalkFormView(**{**defaults, **extra}))


def _sample_summary(**extra: Any) -> base.CardDict:
    defaults: dict[str, Any] = {
        "walk_id": 12,
        "team_name": "Maths",
        "tutors": "Tom Tutor, Tia Tutor",
        "day": "Mon 23 Nov 2026",
        "course": "GCSE Maths, Mon am",
        "minutes": "25",
        "focus": "Questioning to check learning",
        "went_well": ["Questioning and checking learning"],
        "went_well_note": "Every learner answered at least once.",
        "even_better_if": ["Resources"],
        "even_better_if_note": "",
        "verbal_feedback": "Yes",
        "unplanned": False,
    }
    return walk_summary_card(WalkSummaryView(**{**defaults, **extra}))


_OUTSTANDING = OutstandingTeam(
    1, "Maths", "16 Nov – 27 Nov 2026", "Questioning", ["Tom Tutor", "Tia Tutor"]
)

SAMPLES: Mapping[str, Any] = MappingProxyType(
    {
        "walks-form": lambda: _sample_form(drafts=[DraftLine(7, "Fri 20 Nov")]),
        "walks-form-errors": lambda: _sample_form(
            values={"course": "", "went_well_note": ""},
            errors={
                "tutors": "Choose at least one tutor",
                "course": "Give the course or session",
                "went_well_note": "Pick a theme or write what went well",
                "verbal_feedback": "Say whether you gave verbal feedback",
            },
        ),
        "walks-form-clash": lambda: _sample_form(
            values={"tutors": "3", "walk_date": "2026-11-25"},
            clash=ClashWarning(
                "Tom Tutor has an OTLA planned on Wed 25 Nov. A learning walk shouldn't fall on "
                "the same day: Thu 26 Nov is free, or save anyway.",
                "2026-11-26",
                "Thu 26 Nov",
            ),
        ),
        "walks-saved": lambda: _sample_summary(
            heading="Learning walk saved",
            concern=True,
            concern_note="Timekeeping: raise at the 1:1.",
            can_edit=True,
            can_export=True,
        ),
        "walks-tutor-view": lambda: _sample_summary(
            tutors="You and 1 other tutor", readers_note="Your feedback from this walk."
        ),
        "walks-saved-shared": lambda: walk_saved_notice_card(
            WalkNoticeView(12, "Maths", "Mon 23 Nov 2026", 2, "Mia Manager")
        ),
        "walks-draft-saved": lambda: walk_draft_saved_card(7, "Maths", "Mon 23 Nov 2026"),
        "walks-team-picker": lambda: walk_team_picker_card([("Maths", "1"), ("ESOL", "2")]),
        "walks-completion": lambda: walk_completion_card(
            CompletionView(
                1,
                "Maths",
                "Autumn term 2026/27",
                "16 Nov – 27 Nov 2026",
                "Questioning",
                [
                    CompletionLine("Tom Tutor", "done", "Mon 23 Nov"),
                    CompletionLine("Tia Tutor", "outstanding", "window 16 Nov – 27 Nov 2026"),
                    CompletionLine("Lee Librarian", "not_expected", "not expected each term"),
                ],
                can_plan=True,
            )
        ),
        "walks-overview": lambda: walk_overview_card(
            "Autumn term 2026/27", [TeamCount(1, "Maths", 5, 2), TeamCount(2, "ESOL", 3, 0)]
        ),
        "walks-mine": lambda: my_walks_card(
            "Tom Tutor", [MyWalkLine(12, "Mon 23 Nov 2026", "Questioning")]
        ),
        "walks-plan": lambda: walk_plan_card(
            PlanFormView(
                teams=[("Maths", "1"), ("ESOL", "2")],
                terms=[
                    ("Autumn term 2026/27", "2026/27-autumn"),
                    ("Spring term 2026/27", "2026/27-spring"),
                ],
                walkers=[("Mia Manager", "2"), ("Quinn Quality", "6")],
                values={"team_pk": "1", "term": "2026/27-autumn", "walkers": "2"},
            )
        ),
        "walks-plan-errors": lambda: walk_plan_card(
            PlanFormView(
                teams=[("Maths", "1")],
                terms=[("Autumn term 2026/27", "2026/27-autumn")],
                walkers=[("Mia Manager", "2")],
                values={"window2_start": "2026-12-01"},
                errors={
                    "focus": "Give the focus or theme",
                    "window2_end": "Give both dates of the window.",
                },
            )
        ),
        "walks-plan-saved": lambda: walk_plan_saved_card(
            PlanSavedView(
                "Maths",
                "Autumn term 2026/27",
                "Questioning",
                "QIP 2.1",
                ["16 Nov – 27 Nov 2026 (ESOL)", "30 Nov – 4 Dec 2026"],
                "Mia Manager",
                True,
                4,
            )
        ),
        "walks-plan-import": lambda: walk_plan_import_card(
            PlanImportView(3, 1, [(5, "team: I don't know a team called Art")])
        ),
        "walks-window-end": lambda: window_end_card(_OUTSTANDING),
        "walks-window-end-quality": lambda: window_end_quality_card("Fri 27 Nov", [_OUTSTANDING]),
        "walks-return": lambda: monthly_return_card(
            ReturnView(
                "November 2026",
                14,
                19,
                3,
                [("Maths", 8), ("ESOL", 6)],
                otlas=5,
                by_month=[MonthCount("Sep 2026", 2, 0), MonthCount("Oct 2026", 9, 3)],
            )
        ),
        "walks-pmg": lambda: pmg_card(
            PmgView(
                "Autumn term 2026/27",
                ["Maths"],
                "In the Autumn term 2026/27, 8 learning walks took place in Maths, with 9 tutor "
                "visits. 7 tutors have been walked this term and 1 of the 8 expected are "
                "outstanding.",
            )
        ),
        "walks-summary": lambda: key_findings_card(
            SummaryView(
                term_label="Autumn term 2026/27",
                walks=14,
                strengths=["Questioning and checking learning (6)", "Resources (4)"],
                areas=["Stretch and challenge (5)"],
                by_focus=[FindingsGroup("Questioning", 8, ["Questioning (5)"], ["Stretch (3)"])],
                by_team=[
                    FindingsGroup("Maths", 8, ["Resources (3)"], ["Pace and use of time (2)"])
                ],
                chart_data_url=_DOT_PNG,
                draft=SummaryDraft(
                    "2026/27-autumn",
                    "Learning walks, Autumn term 2026/27: 14 walks (19 tutor visits) across 2 "
                    "teams; 3 unplanned.",
                    "Drafted from the records on Mon 23 Nov. Edit it, then save or export it.",
                ),
            )
        ),
    }
)
