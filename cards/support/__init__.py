"""Support cards: self-referral, matching, programmes, sessions, self-ratings, updates, reports.

Every card that carries developmental content says who can see it. Phone first: choice sets,
defaults filled in, one screen where possible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from adaptive_cards_python import elements as E

from bot.domain.words import plural
from cards import base
from cards.base import note_card as note_card  # re-exported: callers import it from here
from cards.inputs import EMPTY, choice_field, text_field

Choices = Sequence[tuple[str, str]]  # (label, value)
Values = Mapping[str, Any]
Errors = Mapping[str, str]

ONLY_YOU_AND_AP = "Only you and your advanced practitioner can see this."
YES_NO: Choices = (("Yes", "yes"), ("No preference", "no"))
STYLE_CHOICES: Choices = (("Practical / vocational", "practical"), ("Classroom", "classroom"))
SCORES: Choices = tuple((str(n), str(n)) for n in range(1, 11))


def _v(values: Values, key: str, default: str = "") -> str:
    value = values.get(key, default)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


# --- self-referral ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralFormView:
    topics: Choices
    ways: Choices
    times: Choices
    campuses: Choices


def referral_card(
    view: ReferralFormView, values: Values = EMPTY, errors: Errors = EMPTY
) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Ask for support"),
        base.text(
            "Confidential: only you and the advanced practitioner (AP) who supports you will "
            "see this. Your line manager won't.",
            subtle=True,
            size="small",
        ),
        *choice_field(
            "topics", "What would you like support with?", view.topics, values, errors, multi=True
        ),
        *text_field(
            "other_topic",
            "Anything else, in your words",
            values,
            errors,
            max_length=300,
            placeholder="e.g. a group that finds practicals hard",
        ),
        *choice_field(
            "ways", "How would you like it?", view.ways, values, errors, multi=True, expanded=True
        ),
        *choice_field("campus", "Campus", view.campuses, values, errors, required=True),
        *choice_field("times", "Good times for you", view.times, values, errors, multi=True),
        base.choice_input(
            "similar_style",
            "Someone who teaches in a similar style?",
            YES_NO,
            value=_v(values, "similar_style", "no"),
            expanded=True,
        ),
        *choice_field("delivery_style", "You mostly teach", STYLE_CHOICES, values, errors),
    ]
    return base.form_card(body, "support.refer", fallback_text="Ask for support", label="Send")


@dataclass(frozen=True)
class ReferralSaved:
    referral_id: int
    summary: str
    practitioner: str | None  # who has been asked, or None when the referral waits
    reasons: Sequence[str] = ()
    waiting: str | None = None  # why it waits (no APs yet, every AP full, ...)


def referral_saved_card(view: ReferralSaved) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Saved: your request for support"),
        base.text(view.summary),
    ]
    actions: list[base.Action] = []
    if view.practitioner:
        why = f" ({', '.join(view.reasons)})" if view.reasons else ""
        body.append(
            base.text(
                f"I've asked **{base.said(view.practitioner)}**{why}. You'll hear when they reply."
            )
        )
        actions.append(
            base.execute(
                "Ask for someone else", "support.someone_else", {"referral_id": view.referral_id}
            )
        )
    else:
        body.append(
            base.text(
                view.waiting
                or "Every AP is fully booked just now. You're first in the queue, and I'll tell "
                "you as soon as someone can take this on."
            )
        )
    body.append(
        base.facts(
            [
                ("Who can see it", "You, and the AP who takes it on"),
                ("Head of T&L", "Only that one more person is being supported; not who or why"),
                ("Your line manager", "Nothing"),
            ]
        )
    )
    return base.card(body, actions, fallback_text="Saved: your request for support")


@dataclass(frozen=True)
class ReferralForAp:
    referral_id: int
    tutor: str
    campus: str
    topics: str
    ways: str
    times: str
    style: str
    reasons: Sequence[str]
    programmes: Choices
    suggested: str
    # One line a programme ("Support to good: 8 weeks, …"): the choice's names alone say nothing
    # of how long each runs, or that one reports to the line manager.
    about_programmes: Sequence[str] = ()


def referral_for_ap_card(view: ReferralForAp, errors: Errors = EMPTY) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"{base.said(view.tutor)} would like support"),
        base.facts(
            [
                ("With", base.said(view.topics)),
                ("How", view.ways),
                ("Campus", base.said(view.campus)),
                ("Times", view.times),
                ("Teaches", view.style),
            ]
        ),
    ]
    if view.reasons:
        body.append(
            base.text("Suggested because you " + ", ".join(view.reasons) + ".", subtle=True)
        )
    body += base.with_error(
        base.choice_input(
            "kind", "Programme", view.programmes, value=view.suggested, required=True
        ),
        errors,
        "kind",
    )
    if view.about_programmes:
        body.append(
            base.text("\n".join(f"- {line}" for line in view.about_programmes), size="small")
        )
    body.append(
        base.text(f"Only you and {base.said(view.tutor)} can see this.", subtle=True, size="small")
    )
    data = {"referral_id": view.referral_id}
    return base.card(
        body,
        [
            base.execute("Accept", "support.accept", data, primary=True, saves=True),
            base.execute("Pass to another AP", "support.pass", data),
        ],
        fallback_text="A request for support",
    )


# --- programmes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineLine:
    when: str
    what: str
    done: bool = False


@dataclass(frozen=True)
class ActionLine:
    """An action agreed in a programme; `status` is its label where it is shown."""

    id: int
    text: str
    status: str = ""


@dataclass(frozen=True)
class ProgrammeView:
    programme_id: int
    tutor: str
    practitioner: str
    kind: str
    summary: str
    status: str  # "Week 3 of 8", "Under review", ...
    timeline: Sequence[TimelineLine]
    sessions: Sequence[TimelineLine]
    actions: Sequence[ActionLine]
    objectives: Sequence[str] = ()
    reflections: Sequence[str] = ()
    viewer: str = "tutor"  # tutor | practitioner | head
    can_extend: bool = False
    open_: bool = True
    line_manager_note: str = ""
    # Session notes ("you and the tutor only"): shown to exactly the tutor and their AP.
    notes: Sequence[TimelineLine] = ()
    can_end: bool = False  # the tutor may end a developmental programme themselves


def programme_card(view: ProgrammeView) -> base.CardDict:
    pid = {"programme_id": view.programme_id}
    heading = view.kind if view.viewer == "tutor" else f"{base.said(view.tutor)}: {view.kind}"
    body: list[base.Element] = [
        base.title(heading),
        base.facts(
            [
                ("Status", view.status),
                ("AP", base.said(view.practitioner)),
                *([("Tutor", base.said(view.tutor))] if view.viewer != "tutor" else []),
            ]
        ),
        base.text(base.said(view.summary), subtle=True, size="small"),
    ]
    if view.objectives:
        body.append(
            base.text("**Objectives**: " + "; ".join(base.said(o) for o in view.objectives))
        )
    if view.timeline:
        body.append(base.text("**Timeline**"))
        body.append(
            base.facts(
                [(t.when, ("✓ " if t.done else "") + base.said(t.what)) for t in view.timeline]
            )
        )
    if view.sessions:
        body.append(base.text("**Sessions**"))
        body.append(base.facts([(s.when, base.said(s.what)) for s in view.sessions[-6:]]))
    if view.actions:
        body.append(base.text("**Agreed actions**"))
        body.append(base.facts([(a.status, base.said(a.text)) for a in view.actions[-8:]]))
    if view.notes and view.viewer in ("tutor", "practitioner"):
        who = "you and your AP" if view.viewer == "tutor" else f"you and {base.said(view.tutor)}"
        body.append(base.text(f"**Session notes** ({who} only)"))
        body.append(base.facts([(n.when, base.said(n.what)) for n in view.notes[-6:]]))
    if view.reflections:
        body.append(base.text("**Reflections**"))
        body += [base.text(base.said(r), size="small") for r in view.reflections[-3:]]
    if view.viewer == "head":
        body.append(
            base.text(
                "You see this for the week-12 review only, until you record it. Not "
                f"{base.said(view.tutor)}'s reflections or session notes.",
                subtle=True,
                size="small",
            )
        )
    elif view.line_manager_note:
        body.append(base.text(base.said(view.line_manager_note), subtle=True, size="small"))
    else:
        body.append(
            base.text(
                ONLY_YOU_AND_AP
                if view.viewer == "tutor"
                else f"Only {base.said(view.tutor)} and their AP can see this.",
                subtle=True,
                size="small",
            )
        )
    actions: list[base.Action] = []
    if view.open_ and view.viewer == "practitioner":
        actions = [
            base.execute("Log a session", "programme.session.open", pid, primary=True),
            base.execute("Objectives", "programme.objectives.open", pid),
        ]
        more = [base.execute("Extend", "programme.extend", pid)] if view.can_extend else []
        more.append(base.execute("End programme", "programme.close", pid))
        body.append(base.actions_row(*more))
    elif view.open_ and view.viewer == "tutor":
        actions = [
            base.execute("Rate myself", "rate.open", pid, primary=True),
            base.execute("Add reflection", "programme.reflect.open", pid),
            base.execute("My chart", "rate.chart", pid),
        ]
        body.append(
            base.text("Rate your confidence, add a reflection, or see your chart.", size="small")
        )
        if view.can_end:
            body.append(base.actions_row(base.execute("End my programme", "programme.end", pid)))
    return base.card(body, actions, fallback_text=heading)


@dataclass(frozen=True)
class CaseloadLine:
    programme_id: int
    tutor: str
    kind: str
    status: str


def caseload_card(
    name: str, lines: Sequence[CaseloadLine], capacity: int, waiting: int = 0
) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"{name}: people you support"),
        base.text(f"{len(lines)} of {capacity} places in use.", subtle=True),
    ]
    if not lines:
        body.append(base.text("Nobody yet. New self-referrals will come to you here."))
    for line in lines[:15]:
        # The detail as text, the button only the name: a whole line is cut off on a phone.
        body.append(base.text(f"**{base.said(line.tutor)}**: {line.kind}, {line.status}"))
        body.append(
            base.actions_row(
                base.execute(line.tutor[:60], "programme.open", {"programme_id": line.programme_id})
            )
        )
    if waiting:
        body.append(
            base.text(
                f"{plural(waiting, 'referral')} waiting for an answer from you.", size="small"
            )
        )
    return base.card(body, fallback_text="People you support")


@dataclass(frozen=True)
class SessionFormView:
    programme_id: int
    tutor: str
    kinds: Choices
    today: str
    review: Sequence[ActionLine]  # actions agreed last time, to review now
    statuses: Choices
    sign_off: bool  # offer the sign-off outcome
    kind: str = ""  # the kind shown chosen (what the tutor asked for); else the first


def session_form_card(
    view: SessionFormView, values: Values = EMPTY, errors: Errors = EMPTY
) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Session with {base.said(view.tutor)}"),
        *base.with_error(
            base.choice_input(
                "kind",
                "What kind",
                view.kinds,
                value=_v(values, "kind", view.kind or view.kinds[0][1]),
                required=True,
            ),
            errors,
            "kind",
        ),
        *base.with_error(
            base.date_input(
                "held_on", "Date", value=_v(values, "held_on", view.today), required=True
            ),
            errors,
            "held_on",
        ),
    ]
    if view.review:
        body.append(base.text("**Actions agreed last time**"))
        for action in view.review:
            body += base.with_error(
                base.choice_input(
                    f"review_{action.id}",
                    action.text,
                    view.statuses,
                    value=_v(values, f"review_{action.id}", "done"),
                    required=True,
                ),
                errors,
                f"review_{action.id}",
            )
    body += [
        *text_field(
            "notes",
            "Notes (you and the tutor only)",
            values,
            errors,
            multiline=True,
            max_length=4000,
        ),
        *text_field(
            "actions",
            "Agreed actions, one per line",
            values,
            errors,
            multiline=True,
            max_length=2000,
        ),
    ]
    if view.sign_off:
        body += choice_field(
            "sign_off",
            "If this was the sign-off observation: standard met?",
            [("Met", "met"), ("Not yet met", "not_met")],
            values,
            errors,
        )
    return base.form_card(
        body,
        "programme.session",
        {"programme_id": view.programme_id},
        label="Save session",
        fallback_text="Log a session",
    )


def objectives_card(
    programme_id: int, tutor: str, objectives: str, milestones: str, errors: Errors = EMPTY
) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Objectives with {base.said(tutor)}"),
        *base.with_error(
            base.text_input(
                "objectives",
                "Objectives, one per line",
                value=objectives,
                multiline=True,
                max_length=2000,
            ),
            errors,
            "objectives",
        ),
        *base.with_error(
            base.text_input(
                "milestones",
                "Milestones, one per line (e.g. Week 4: ...)",
                value=milestones,
                multiline=True,
                max_length=2000,
            ),
            errors,
            "milestones",
        ),
        base.text(
            "Agree these together; the tutor sees them on their programme.",
            subtle=True,
            size="small",
        ),
    ]
    return base.form_card(
        body,
        "programme.objectives",
        {"programme_id": programme_id},
        fallback_text="Programme objectives",
    )


def reflection_card(programme_id: int, errors: Errors = EMPTY) -> base.CardDict:
    body: list[base.Element] = [
        base.title("A reflection"),
        *base.with_error(
            base.text_input(
                "text",
                "What went well, what you'd try next",
                multiline=True,
                max_length=4000,
                required=True,
            ),
            errors,
            "text",
        ),
        base.text(ONLY_YOU_AND_AP, subtle=True, size="small"),
    ]
    return base.form_card(body, "programme.reflect", {"programme_id": programme_id})


# --- competence self-rating ------------------------------------------------------------------


@dataclass(frozen=True)
class RatingFormView:
    programme_id: int
    stage: str  # start | middle | end
    items: Choices  # (label, key)
    previous: Mapping[str, int] = field(default_factory=dict)


def rating_card(
    view: RatingFormView, values: Values | None = None, errors: Errors | None = None
) -> base.CardDict:
    values, errors = values or {}, errors or {}
    body: list[base.Element] = [
        base.title(f"How confident do you feel? ({view.stage} of programme)"),
        base.text("1 = not yet confident, 10 = very confident.", subtle=True, size="small"),
    ]
    for label, key in view.items:
        default = values.get(key) or (str(view.previous[key]) if key in view.previous else "")
        body += base.with_error(
            base.choice_input(key, label, SCORES, value=str(default), required=True), errors, key
        )
    body.append(base.text(ONLY_YOU_AND_AP, subtle=True, size="small"))
    return base.form_card(
        body,
        "rate",
        {"programme_id": view.programme_id, "stage": view.stage},
        fallback_text="Rate your confidence",
    )


@dataclass(frozen=True)
class ChartView:
    programme_id: int
    image_url: str  # a data: URI with the PNG
    stages: Sequence[str]
    summary: str


def rating_chart_card(view: ChartView) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Your confidence: " + " vs ".join(view.stages)),
        E.Image(url=view.image_url, altText="Chart of your self-ratings", size="stretch"),
        base.text(view.summary),
        base.text(ONLY_YOU_AND_AP, subtle=True, size="small"),
    ]
    return base.card(
        body,
        [base.execute("Open my programme", "programme.open", {"programme_id": view.programme_id})],
        fallback_text="Your confidence chart",
    )


def checklist_card(lines: str, errors: Errors = EMPTY) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Competence checklist"),
        base.text(
            "The teaching activities tutors rate 1-10 during a programme. One per line.",
            subtle=True,
        ),
        *base.with_error(
            base.text_input(
                "lines", "Activities", value=lines, multiline=True, max_length=4000, required=True
            ),
            errors,
            "lines",
        ),
    ]
    return base.form_card(body, "rate.checklist")


# --- 2-weekly updates to the line manager (support to good) ----------------------------------


def update_draft_card(
    programme_id: int, tutor: str, number: int, total: int, draft: str, errors: Errors = EMPTY
) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Update {number} of {total} for {base.said(tutor)}'s line manager"),
        base.text(
            "Drafted from the record. Edit it; the tutor sees it before it is sent.",
            subtle=True,
            size="small",
        ),
        *base.with_error(
            base.text_input(
                "text", "Update", value=draft, multiline=True, max_length=2000, required=True
            ),
            errors,
            "text",
        ),
    ]
    return base.form_card(
        body,
        "programme.update",
        {"programme_id": programme_id, "number": number},
        label="Show the tutor",
        fallback_text="A draft update for a line manager",
    )


def update_for_tutor_card(
    update_id: int, number: int, practitioner: str, manager: str, text_: str
) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Before it goes: update {number} to {base.said(manager)}"),
        base.text(
            f"{base.said(practitioner)} wrote this 2-weekly update for your line manager, as your "
            "support-to-good programme says. Nothing else from your programme is shared."
        ),
        base.text(f"“{base.said(text_)}”"),
        base.text(
            "If you don't reply, it is sent 2 days after it reached you. Hold it back to talk "
            "it through first.",
            subtle=True,
            size="small",
        ),
    ]
    data = {"update_id": update_id}
    return base.card(
        body,
        [
            base.execute("Send it", "programme.update.approve", data, primary=True),
            base.execute("Talk to my AP first", "programme.update.query", data),
        ],
        fallback_text=f"Update {number} for your line manager",
    )


def update_for_line_manager_card(
    tutor: str, number: int, total: int, practitioner: str, text_: str, how_seen: str = ""
) -> base.CardDict:
    """`how_seen` says what really happened: "{tutor} approved this update." or "{tutor} was
    shown this update on <day> and didn't hold it back." """
    seen = how_seen or f"{base.said(tutor)} saw this update before it was sent."
    body: list[base.Element] = [
        base.title(f"Support update {number} of {total}: {base.said(tutor)}"),
        base.text(base.said(text_)),
        base.text(
            f"From {base.said(practitioner)} (AP). {seen} "
            "Session notes and self-ratings stay between them.",
            subtle=True,
            size="small",
        ),
    ]
    return base.card(body, fallback_text="A support update")


# --- week-12 review (head of T&L) ------------------------------------------------------------


@dataclass(frozen=True)
class ReviewView:
    programme_id: int
    tutor: str
    practitioner: str
    started: str
    weeks: str
    sessions: int
    sign_off: str
    objectives: Sequence[str]
    rating: str


def review_card(view: ReviewView, errors: Errors = EMPTY) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Week-12 review: {base.said(view.tutor)}"),
        base.text(
            "Support to good has reached week 12 without enough improvement. This is the "
            "one point where the programme links to performance management."
        ),
        base.facts(
            [
                ("AP", base.said(view.practitioner)),
                ("Started", view.started),
                ("Length", view.weeks),
                ("Sessions", str(view.sessions)),
                ("Sign-off", view.sign_off),
                ("Self-rating", view.rating),
            ]
        ),
    ]
    if view.objectives:
        body.append(
            base.text(
                "Objectives: " + "; ".join(base.said(o) for o in view.objectives), size="small"
            )
        )
    body += [
        *base.with_error(
            base.choice_input(
                "decision",
                "Decision",
                [
                    ("Continue support", "continue"),
                    ("Pass to line manager", "refer"),
                    ("Close: improvement seen", "close"),
                ],
                required=True,
            ),
            errors,
            "decision",
        ),
        *base.with_error(
            base.text_input(
                "note",
                "Note (goes to the line manager if passed on)",
                multiline=True,
                max_length=2000,
            ),
            errors,
            "note",
        ),
    ]
    return base.form_card(
        body,
        "programme.review",
        {"programme_id": view.programme_id},
        label="Record decision",
        fallback_text="A week-12 review",
    )


# --- monthly AP reports ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPromptLine:
    programme_id: int
    tutor: str
    done: bool


def monthly_prompt_card(
    month: str, month_label: str, lines: Sequence[ReportPromptLine]
) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Monthly report: {month_label}"),
        base.text(
            "A written report on each person you support goes to the head of teaching & "
            "learning. I've drafted each from the record; check and send."
        ),
    ]
    for line in lines:
        label = f"{'✓ ' if line.done else ''}{line.tutor}"
        body.append(
            base.actions_row(
                base.execute(
                    label,
                    "programme.report.open",
                    {"programme_id": line.programme_id, "month": month},
                )
            )
        )
    return base.card(body, fallback_text=f"Monthly report: {month_label}")


@dataclass(frozen=True)
class ReportFormView:
    programme_id: int
    month: str
    month_label: str
    tutor: str
    sessions: str
    actions: str
    progress: str
    concerns: str


# The monthly report's boxes, in order: (input id, which is also the ReportFormView field; label;
# whether it must be filled in).
REPORT_BOXES = (
    ("sessions", "Sessions held", True),
    ("actions", "Actions", False),
    ("progress", "Progress", True),
    ("concerns", "Concerns", False),
)


def report_form_card(view: ReportFormView, errors: Errors = EMPTY) -> base.CardDict:
    drafted = {key: getattr(view, key) for key, _, _ in REPORT_BOXES}
    body: list[base.Element] = [base.title(f"{base.said(view.tutor)}: {view.month_label}")]
    for key, label, required in REPORT_BOXES:
        body += text_field(
            key, label, drafted, errors, multiline=True, max_length=2000, required=required
        )
    body.append(
        base.text(
            "Goes to the head of teaching & learning. The tutor is sent a copy.",
            subtle=True,
            size="small",
        )
    )
    return base.form_card(
        body,
        "programme.report",
        {"programme_id": view.programme_id, "month": view.month},
        label="Send to head of T&L",
        fallback_text=f"Monthly report to the head of T&L: {view.month_label}",
    )


def report_for_head_card(view: ReportFormView, practitioner: str) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"AP report, {view.month_label}: {base.said(view.tutor)}"),
        base.facts(
            [
                ("From", base.said(practitioner)),
                ("Sessions", base.said(view.sessions)),
                ("Actions", base.said(view.actions)),
                ("Progress", base.said(view.progress)),
                ("Concerns", base.said(view.concerns) if view.concerns else "None"),
            ]
        ),
    ]
    return base.card(body, fallback_text="An AP's monthly report")


# --- caseloads (head of T&L: counts, never content) ------------------------------------------


@dataclass(frozen=True)
class CaseloadCount:
    name: str
    campus: str
    active: int
    capacity: int


def caseloads_card(rows: Sequence[CaseloadCount], waiting: int, reviews: int) -> base.CardDict:
    body: list[base.Element] = [
        base.title("AP caseloads"),
        base.facts(
            [
                (
                    f"{base.said(r.name)} ({base.said(r.campus) if r.campus else 'any campus'})",
                    f"{r.active} of {r.capacity}",
                )
                for r in rows
            ]
            or [("APs", "None yet: give someone the AP role")]
        ),
        base.facts([("Waiting for an AP", str(waiting)), ("Week-12 reviews open", str(reviews))]),
        base.text(
            "Counts only: who is supported, and why, stays between each tutor and their AP.",
            subtle=True,
            size="small",
        ),
    ]
    return base.card(body, fallback_text="AP caseloads")


# --- offers ----------------------------------------------------------------------------------


OFFER_OPENERS = MappingProxyType(
    {
        "induction": "Welcome! New to the college? An advanced practitioner can mentor you through "
        "your first weeks: coaching, college processes, a friendly observation.",
        "observation": "Your observation report is in. If you'd like a hand with any of the "
        "actions, an advanced practitioner can help — your choice, and confidential.",
        "term": "This term: fancy some support with your teaching? Coaching, team teaching, "
        "watching a colleague — whatever suits you.",
    }
)


def offer_card(reason: str) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Support, if you'd like it"),
        base.text(OFFER_OPENERS.get(reason, OFFER_OPENERS["term"])),
        base.text(
            "It's confidential: only you and the AP who supports you see it — not your line "
            "manager.",
            subtle=True,
            size="small",
        ),
        base.text(
            "**Yes, please** asks for support; **Don't offer** stops these offers (turn them "
            "back on in **settings**).",
            size="small",
        ),
    ]
    return base.card(
        body,
        [
            base.execute("Yes, please", "support.open", {"reason": reason}, primary=True),
            base.execute("Not now", "support.offers.later"),
            base.execute("Don't offer", "support.offers.stop"),
        ],
        fallback_text="Support, if you'd like it",
    )
