"""Cards for mentoring and guided coaching (seed 003): the mentor directory, the agreement after
appendix 5, the meeting log with each objective's progress as a bar, observations, reviews, and
the GROW / OSKAR card that updates in place one question at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adaptive_cards_python import actions as A
from adaptive_cards_python import elements as E

from bot.domain.words import plural
from cards import base
from cards.base import note_card as note_card  # re-exported: callers import it from here
from cards.inputs import EMPTY, choice_field, date_field, text_field

STYLES = (("Practical / vocational", "practical"), ("Classroom-based", "classroom"))
DEVELOPMENTAL = (
    "Developmental: never graded, and never counted as an OTLA, a learning walk or any "
    "management observation."
)
PRIVATE = (
    "Only the two of you can read this. Line managers and quality staff see only that it exists."
)


def _v(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    return None if value is None else str(value)


# ------------------------------------------------------------------------ the directory


def offer_card(values: Mapping[str, Any], errors: Mapping[str, str] = EMPTY) -> base.CardDict:
    """Offer yourself as a mentor."""
    body: list[base.Element] = [
        base.title("Offer to mentor"),
        base.text(
            "Colleagues searching the mentor directory will see your specialisms, campus and "
            "how you teach. You choose how many mentees at once; each mentoring agreement sets "
            "out the time your college gives it.",
            subtle=True,
        ),
        *text_field(
            "specialisms",
            "Your subject specialisms (separate with commas)",
            values,
            errors,
            required=True,
            placeholder="e.g. maths, functional skills maths",
            max_length=300,
        ),
        *text_field("campus", "Campus", values, errors, max_length=200),
        *choice_field(
            "delivery_style", "How you mostly teach", STYLES, values, errors, expanded=True
        ),
        *base.with_error(
            base.choice_input(
                "capacity",
                "Mentees at once",
                [(str(n), str(n)) for n in range(1, 6)],
                value=_v(values, "capacity") or "1",
                required=True,
            ),
            errors,
            "capacity",
        ),
        *text_field("job_title", "Your full job title", values, errors),
        *text_field("institution", "Your institution", values, errors),
    ]
    return base.form_card(body, "mentor.offer", fallback_text="Offer", label="Offer")


@dataclass(frozen=True)
class SuggestionView:
    person_id: int
    name: str
    specialisms: Sequence[str]
    campus: str
    reasons: Sequence[str]


@dataclass(frozen=True)
class ExternalView:
    name: str
    route: str
    specialisms: Sequence[str]
    contact: str


@dataclass(frozen=True)
class SearchView:
    query: str
    suggestions: Sequence[SuggestionView]
    nearest: Sequence[str] = ()
    external: Sequence[ExternalView] = ()
    notice: str = ""
    suggested_by: str = ""
    externals_listed: bool = False  # the college lists external mentors, for any subject
    # Who to ask about mentors from outside when none is shown: the head of teaching & learning,
    # by name if given; or, when nobody holds that role (`helpers_are_admins`), the org admins.
    helpers: Sequence[str] = ()
    helpers_are_admins: bool = False
    waiting: bool = False  # nobody offers the subject: the person is told when someone does
    wish: int | None = None  # the stored wait (`waiting`), which its button stops


def _who_to_ask(view: SearchView) -> str:
    """ "your head of teaching & learning, Hana Head"; with nobody in that role, the org admins."""
    named = " or ".join(base.said(n) for n in view.helpers)
    if not view.helpers_are_admins:
        return "your head of teaching & learning" + (f", {named}" if named else "")
    admins = "your TLC admin" + ("s" if len(view.helpers) > 1 else "")
    return (
        f"{admins}{f', {named}' if named else ''} (nobody here is head of teaching & learning yet)"
    )


def search_card(
    view: SearchView, errors: Mapping[str, str] = EMPTY, chosen: Mapping[str, str] = EMPTY
) -> base.CardDict:
    """Up to five matches, each with why; the mentee chooses one, or ranks up to three.
    `chosen`: what they picked (by picker), kept when the card comes back with `errors`."""
    # A subject, a campus, a reason: the words of whoever wrote them (the mentee's search, a
    # mentor's offer, the college's list of external mentors), shown as written. Escaped, not
    # `said`: the directory is no secret, and the subject is the heading, and so the
    # notification's text, which leaves out what is said (a plain subject reads the same).
    esc = base.escape_markdown
    query = esc(view.query)
    heading = f"Mentors for {query}" if view.query else "Mentors"
    body: list[base.Element] = [base.title(heading)]
    if view.notice:
        body.append(base.text(view.notice))
    if view.suggested_by:
        body.append(
            base.text(
                f"{view.suggested_by} suggested these for you. It's your choice: pick one, "
                "rank a few, or none.",
                subtle=True,
            )
        )
    actions: list[base.Action] = []
    if view.suggestions:
        for i, s in enumerate(view.suggestions, start=1):
            body.append(
                E.Container(
                    separator=True,
                    items=[
                        base.text(f"**{i}. {base.said(s.name)}**"),
                        base.facts(
                            [
                                ("Specialisms", esc(", ".join(s.specialisms))),
                                ("Campus", esc(s.campus)),
                                ("Why", esc("; ".join(s.reasons))),
                            ]
                        ),
                    ],
                )
            )
        choices = [(s.name, str(s.person_id)) for s in view.suggestions]
        pickers = (
            ("first", "First choice", True),
            ("second", "Second choice (optional)", False),
            ("third", "Third choice (optional)", False),
        )[: len(choices)]  # no second choice to make when there is one mentor
        body.append(
            base.text(
                "Choose your mentor, or rank up to three: if your first choice can't, "
                "I'll ask your second."
                if len(pickers) > 1
                else "Choose your mentor: I'll ask them for you.",
                subtle=True,
            )
        )
        # One mentor to choose: chosen already (the choice is required, and it is the only one).
        only = choices[0][1] if len(choices) == 1 else None
        offered = {value for _, value in choices}
        for key, label, required in pickers:
            value = only or (chosen.get(key) if chosen.get(key) in offered else None)
            body += base.with_error(
                base.choice_input(key, label, choices, value=value, required=required), errors, key
            )
        # Under the choice it sends, and saying whom it asks: below the list of external
        # mentors, a bare "Ask" read as asking them.
        ask = f"Ask {view.suggestions[0].name}" if only else "Ask my first choice"
        body.append(
            base.actions_row(
                base.execute(
                    ask, "mentor.choose", {"specialism": view.query}, primary=True, saves=True
                )
            )
        )
    else:
        body.append(base.text(f"Nobody here offers to mentor in **{query or 'that'}** yet."))
        if view.waiting:
            body.append(
                base.text(
                    "I've noted it: I'll message you when someone offers to mentor in it, "
                    "unless you have a mentor by then."
                )
            )
            if view.wish is not None:
                actions.append(
                    base.execute(
                        f"Stop waiting for {view.query}", "mentor.wish.cancel", {"wish": view.wish}
                    )
                )
        if view.nearest:
            nearest = esc(", ".join(view.nearest))
            body.append(base.text(f"Nearest specialisms in house: {nearest}"))
            actions += [
                base.execute(f"Mentors for {s}", "mentor.search", {"query": s})
                for s in view.nearest[:3]
            ]
    if view.external:
        body.append(base.text("**Outside the college**", size="medium"))
        body.append(base.text("Contact them yourself: I don't ask them for you.", subtle=True))
        for e in view.external:
            body.append(
                base.facts(
                    [
                        (esc(e.name), esc(e.route)),
                        ("Specialisms", esc(", ".join(e.specialisms))),
                        ("Contact", esc(e.contact)),
                    ]
                )
            )
    elif not view.suggestions and view.externals_listed:
        body.append(
            base.text(
                "None of the external mentors your college lists covers "
                f"**{query or 'that'}**: say **mentor external** to see them "
                f"all, or, for a mentor in **{query or 'it'}** from elsewhere, ask "
                f"{_who_to_ask(view)}.",
                subtle=True,
            )
        )
    elif not view.suggestions:
        body.append(
            base.text(
                f"Your college hasn't listed external mentors yet. To find a mentor in "
                f"**{query or 'it'}** outside the college (a partner college, a brokerage or a "
                f"voucher scheme), ask {_who_to_ask(view)}.",
                subtle=True,
            )
        )
    if "form" in errors:
        body.append(base.error_text(errors["form"]))
    return base.card(body, actions, fallback_text=heading)


def request_card(mentee: str, specialism: str, rel_id: int, note: str = "") -> base.CardDict:
    lines = [
        f"**{base.said(mentee)}** would like you as their mentor"
        + (f" for **{base.said(specialism)}**." if specialism else "."),
        "If you accept, you'll write the mentoring agreement together: three SMART "
        "objectives, when and where to meet, and review points.",
    ]
    if note:
        lines.append(note)
    return note_card(
        "A mentoring request",
        lines,
        [
            base.execute("Accept", "mentor.accept", {"rel": rel_id}, primary=True),
            base.execute("Decline", "mentor.decline", {"rel": rel_id}),
        ],
        small="Declining needs no reason.",
    )


@dataclass(frozen=True)
class CapacityLine:
    mentor: str
    specialisms: str
    mentees: int
    capacity: int


def capacity_card(
    lines: Sequence[CapacityLine], reports_with_mentor: Sequence[str], open_count: int
) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Mentoring capacity"),
        base.text(
            f"{plural(open_count, 'mentoring relationship')} in place or being agreed. You can see "
            "that they exist; what's in them stays between mentor and mentee.",
            subtle=True,
        ),
        base.facts(
            [
                (
                    base.said(ln.mentor),
                    f"{ln.mentees} of {ln.capacity} ({base.escape_markdown(ln.specialisms)})",
                )
                for ln in lines
            ]
            or [("Mentors", "none offered yet")]
        ),
    ]
    if reports_with_mentor:
        names = base.said(", ".join(reports_with_mentor))
        body.append(base.text(f"Your team members with a mentor: {names}"))
    return base.card(body, fallback_text="Mentoring capacity")


# --------------------------------------------------------------------------- the agreement


@dataclass(frozen=True)
class PartyView:
    name: str
    specialisms: str
    job_title: str
    institution: str


@dataclass(frozen=True)
class ObjectiveView:
    what: str
    measure: str
    by: str
    bar: str


@dataclass(frozen=True)
class AgreementView:
    rel_id: int
    mentee: PartyView
    mentor: PartyView
    mentor_agrees: Sequence[str]
    mentee_agrees: Sequence[str]
    organisation_agrees: Sequence[str]
    objectives: Sequence[ObjectiveView]
    meeting: str
    reviews: Sequence[tuple[str, str]]
    recipients: Sequence[str]
    confirmations: Sequence[str]  # the agreement's history, a line a step, in plain words
    in_effect: bool
    pending: str = ""  # who proposed what is waiting for confirmation
    can_confirm: bool = False
    meetings: Sequence[str] = ()
    observations: Sequence[tuple[str, int | None]] = ()  # (line, entry id to evaluate)
    notice: str = ""
    ended: str = ""  # when the relationship ended: the card is then read-only
    proposal: str = ""  # which proposal the card shows (its Confirm confirms that one only)
    # In effect with nobody to receive the reports: that they go nowhere, and how to name someone.
    nobody_told: str = ""


def _bullets(items: Sequence[str]) -> base.Element:
    return base.text("\n".join(f"- {i}" for i in items) or "—")


TERMS = "agreement-terms"  # the container of who the two are and what each agrees


def _terms(view: AgreementView) -> list[base.Element]:
    """Who the two are and the standard clauses (appendix 5: 23 of them, some 1,500 px on a
    phone), after the objectives, meetings and observations and folded under a button. Open
    only on a first agreement waiting for this person's confirmation: that is what they agree."""
    first_read = view.can_confirm and not view.in_effect and not view.ended
    return [
        base.actions_row(
            A.ToggleVisibility(title="What each of us agrees", targetElements=[TERMS])
        ),
        E.Container(
            id=TERMS,
            isVisible=None if first_read else False,
            items=[
                base.facts(
                    [
                        ("Mentee", view.mentee.name),
                        ("Mentee's specialism", view.mentee.specialisms),
                        ("Mentee's job title", view.mentee.job_title),
                        ("Mentee's institution", view.mentee.institution),
                        ("Mentor", view.mentor.name),
                        ("Mentor's specialism", view.mentor.specialisms),
                        ("Mentor's job title", view.mentor.job_title),
                        ("Mentor's institution", view.mentor.institution),
                    ]
                ),
                base.text("**The mentor agrees:**"),
                _bullets(view.mentor_agrees),
                base.text("**The mentee agrees:**"),
                _bullets(view.mentee_agrees),
                base.text("**The organisation agrees:**"),
                _bullets(view.organisation_agrees),
            ],
        ),
    ]


def agreement_card(view: AgreementView) -> base.CardDict:
    heading = f"Mentoring agreement: {view.mentee.name} and {view.mentor.name}"
    body: list[base.Element] = [base.title(heading)]
    if view.notice:
        body.append(base.text(view.notice, size="medium"))
    state = "In effect" if view.in_effect else "Not yet agreed by both"
    if view.ended:
        state = f"Ended {view.ended}: kept for you to read, and nothing in it can change"
    body.append(base.text(f"{state}. {PRIVATE}", subtle=True, size="small"))
    body.append(base.text("**Objectives agreed between mentor and mentee**"))
    if not view.objectives:
        body.append(base.text("None yet: three SMART objectives go in the agreement form."))
    for i, o in enumerate(view.objectives, start=1):
        body.append(base.text(f"{i}. {o.what} (measure: {o.measure}; by {o.by})"))
        body.append(base.text(o.bar, subtle=True, size="small"))
    body.append(
        base.facts(
            [
                ("When and where we meet", view.meeting),
                *view.reviews,
                ("Reports go to", ", ".join(view.recipients) or "nobody yet"),
            ]
        )
    )
    if view.nobody_told:
        body.append(base.text(view.nobody_told, size="medium"))
    if view.confirmations:
        body.append(base.text("\n".join(view.confirmations), subtle=True, size="small"))
    if view.pending:
        body.append(base.text(view.pending, size="medium"))
    if view.meetings:
        body.append(base.text("**Meeting log**"))
        body.append(_bullets(view.meetings))
    actions: list[base.Action] = []
    if view.can_confirm and not view.ended:
        actions.append(
            base.execute(
                "Confirm",
                "agreement.confirm",
                {"rel": view.rel_id, **({"proposal": view.proposal} if view.proposal else {})},
                primary=True,
            )
        )
    if view.observations or not view.ended:
        body.append(base.text("**Observations** (" + DEVELOPMENTAL + ")"))
        if not view.observations:
            body.append(base.text("None yet: each of you observes the other once a year."))
        for line, entry_id in view.observations:
            body.append(base.text(f"- {line}"))
            if entry_id is not None and not view.ended:
                body.append(
                    base.actions_row(
                        base.execute(
                            "Evaluate this observation",
                            "mentoring.evaluate.open",
                            {"entry": entry_id},
                        )
                    )
                )
    if not view.ended:
        # The yearly observation is each side's duty (appendix 5): its button, too long for a
        # row of three on a phone, goes under the observations, where it is always in sight.
        body.append(
            base.actions_row(
                base.execute(
                    "Record an observation", "mentoring.observe.open", {"rel": view.rel_id}
                )
            )
        )
    body += _terms(view)
    if view.ended:
        return base.card(body, fallback_text="Your past mentoring agreement")
    # The next step is the coloured button: Confirm, when it waits on this person; else logging
    # a meeting, once in effect; else filling in an agreement nobody has proposed yet (without
    # it, the first card after a match showed four plain buttons and no obvious next step).
    next_step = not view.can_confirm
    if view.in_effect:  # meetings are logged against the agreed objectives
        actions.append(
            base.execute(
                "Log a meeting", "mentoring.meeting.open", {"rel": view.rel_id}, primary=next_step
            )
        )
    actions += [
        base.execute(
            "Propose a change" if view.in_effect else "Fill in / edit",
            "agreement.edit",
            {"rel": view.rel_id},
            primary=next_step and not view.in_effect and not view.pending,
        ),
        base.execute("Not a good fit", "mentor.not_fit", {"rel": view.rel_id}, more=True),
        base.execute("We've finished: end it", "mentor.end", {"rel": view.rel_id}, more=True),
    ]
    return base.card(body, actions, fallback_text="Your mentoring agreement")


def _by_date(values: Mapping[str, Any], *fields: tuple[str, str]) -> list[tuple[str, str]]:
    """Date fields in the order of their dates (a December start's April report comes before
    the next January's), when each holds a date; otherwise as given."""
    days: list[date] = []
    for key, _ in fields:
        try:
            days.append(date.fromisoformat(str(values.get(key) or "")))
        except ValueError:
            return list(fields)
    return [f for _, f in sorted(zip(days, fields, strict=True), key=lambda pair: pair[0])]


def agreement_form_card(
    rel_id: int, values: Mapping[str, Any], errors: Mapping[str, str] = EMPTY
) -> base.CardDict:
    """The agreement as a form: lists one item a line, three SMART objectives, meetings, reviews
    and recipients. Saving proposes it; the other person confirms."""
    body: list[base.Element] = [
        base.title("Mentoring agreement"),
        base.text(
            "Edit the lists in your own words (one item a line). Objectives and when you meet "
            "can wait until you have talked; each objective you write needs a specific action, "
            "a measure and a date in the future. When you save, the other person is asked to "
            "confirm; nothing changes until they do.",
            subtle=True,
        ),
    ]
    for key, label in (
        ("mentee_job_title", "Mentee's full job title (optional)"),
        ("mentee_institution", "Mentee's institution (optional)"),
        ("mentee_specialism", "Mentee's subject specialism"),
    ):
        body += text_field(key, label, values, errors)
    for key, label in (
        ("mentor_agrees", "The mentor agrees"),
        ("mentee_agrees", "The mentee agrees"),
        ("organisation_agrees", "The organisation agrees"),
    ):
        body += text_field(key, label, values, errors, multiline=True, max_length=4000)
    for n in (1, 2, 3):
        body.append(base.text(f"**Objective {n}**"))
        body += text_field(f"objective_{n}_what", "What will be done", values, errors)
        body += text_field(f"objective_{n}_measure", "How we'll know (the measure)", values, errors)
        body += date_field(f"objective_{n}_by", "By when", values, errors)
    body += text_field(
        "meeting",
        "When and where we'll meet",
        values,
        errors,
        placeholder="e.g. Every other Tuesday 4pm, in the staff room",
    )
    body += base.with_error(
        base.choice_input(
            "meet_every_weeks",
            "Nudge us if no meeting is logged for",
            [(f"{n} weeks", str(n)) for n in (2, 3, 4, 6, 8)],
            value=_v(values, "meet_every_weeks") or "4",
        ),
        errors,
        "meet_every_weeks",
    )
    for key, label in _by_date(
        values,
        ("review_initial", "Initial review (after the first half term)"),
        ("review_january", "Report (January)"),
        ("review_april", "Report (April)"),
    ):
        body += date_field(key, label, values, errors)
    body += text_field(
        "recipients",
        "Reports go to (emails, separated by commas; the mentee agrees to each)",
        values,
        errors,
    )
    if "form" in errors:
        body.append(base.error_text(errors["form"]))
    return base.form_card(
        body,
        "agreement.save",
        {"rel": rel_id},
        label="Save and ask the other to confirm",
        fallback_text="Mentoring agreement",
    )


def meeting_form_card(
    rel_id: int,
    objectives: Sequence[str],
    values: Mapping[str, Any],
    errors: Mapping[str, str] = EMPTY,
) -> base.CardDict:
    body: list[base.Element] = [base.title("Log a mentoring meeting")]
    body += date_field("held_on", "Date", values, errors, required=True)
    body += text_field(
        "discussed",
        "What we discussed",
        values,
        errors,
        multiline=True,
        required=True,
        max_length=4000,
    )
    for n, what in enumerate(objectives, start=1):
        body.append(base.text(f"**Objective {n}:** {base.said(what)}"))
        body += text_field(f"next_{n}", "Next steps", values, errors, max_length=500)
        body += choice_field(
            f"progress_{n}",
            "Progress so far",
            [(f"{p}%", str(p)) for p in range(0, 101, 10)],
            values,
            errors,
        )
    return base.form_card(body, "mentoring.meeting", {"rel": rel_id}, fallback_text="Log a meeting")


def observation_form_card(
    rel_id: int, values: Mapping[str, Any], errors: Mapping[str, str] = EMPTY
) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Record a mentoring observation"),
        base.text(DEVELOPMENTAL, subtle=True),
        *choice_field(
            "who",
            "Who observed whom",
            [
                ("The mentor observed the mentee", "mentee"),
                ("The mentee observed the mentor", "mentor"),
            ],
            values,
            errors,
            required=True,
            expanded=True,
        ),
        *date_field("held_on", "Date", values, errors, required=True),
        *text_field(
            "notes",
            "What went well, and what to try next",
            values,
            errors,
            multiline=True,
            required=True,
            max_length=4000,
        ),
    ]
    return base.form_card(
        body, "mentoring.observe", {"rel": rel_id}, fallback_text="Record an observation"
    )


def evaluation_form_card(
    entry_id: int, observation: str, errors: Mapping[str, str] = EMPTY
) -> base.CardDict:
    body: list[base.Element] = [
        base.title("Evaluate your mentor's observation"),
        base.text(base.said(observation), subtle=True),
        *base.with_error(
            base.text_input(
                "evaluation", "Your evaluation", multiline=True, required=True, max_length=2000
            ),
            errors,
            "evaluation",
        ),
    ]
    return base.form_card(body, "mentoring.evaluate", {"entry": entry_id}, fallback_text="Evaluate")


def review_card(
    heading: str,
    lines: Sequence[str],
    recipients: Sequence[str],
    review_id: int | None,
    *,
    mentee: str = "",
) -> base.CardDict:
    """The drafted review, for the mentee to see before anything is sent: they send it, send it
    without the meeting notes, or hold it back. Nothing goes without their yes.
    `mentee`: their name, on the mentor's copy (which is not addressed to the mentee)."""
    actions: list[base.Action] = []
    small = (
        f"Nothing is sent unless {mentee} says so."
        if mentee
        else "Nothing is sent unless you, the mentee, say so."
    )
    if review_id is not None:
        data = {"review": review_id}
        actions += [
            base.execute("Send it", "mentoring.review.seen", data, primary=True),
            base.execute("Send, no notes", "mentoring.review.seen", {**data, "notes": "leave"}),
            base.execute("Don't send", "mentoring.review.withhold", data),
        ]
        small += (
            " **Send, no notes** leaves out what was discussed; **Don't send** keeps it between "
            "you two."
        )
    if recipients:
        small += " It goes to: " + ", ".join(base.said(r) for r in recipients) + "."
    else:
        small += " Your agreement names nobody to receive reports, so it stays with you two."
    # The lines hold what the pair wrote in the log: shown as written, never as markdown.
    return note_card(heading, [base.said(line) for line in lines], actions, small=small)


# ------------------------------------------------------------------------------ coaching


@dataclass(frozen=True)
class CoachView:
    conv_id: int
    model: str  # "GROW" / "OSKAR"
    step_no: int
    steps: int
    step_label: str
    question: str
    hint: str = ""
    answer: str = ""
    scale: bool = False
    actions: bool = False
    earlier: Sequence[tuple[str, str]] = ()
    paused: bool = False
    notice: str = ""
    action_values: Mapping[str, str] = field(default_factory=dict)


def coach_card(view: CoachView, errors: Mapping[str, str] = EMPTY) -> base.CardDict:
    """One card for the whole conversation: the question now, earlier answers above it."""
    heading = f"{view.model} · {view.step_no} of {view.steps}: {view.step_label}"
    body: list[base.Element] = [base.title(heading)]
    if view.notice:
        body.append(base.text(view.notice))
    if view.earlier:
        # The person's own answers: shown as they typed them, as everywhere else.
        body.append(base.facts([(label, base.said(answer)) for label, answer in view.earlier]))
    data = {"conv": view.conv_id, "step": view.step_no - 1}
    if view.paused:
        body.append(base.text("Paused. Pick it up whenever you like: your answers are kept."))
        return base.card(
            body,
            [base.execute("Resume", "coach.resume", data, primary=True)],
            fallback_text=heading,
        )
    body.append(base.text(f"**{view.question}**"))
    if view.scale:
        body += base.with_error(
            base.choice_input(
                "answer",
                "0 to 10",
                [(str(n), str(n)) for n in range(11)],
                value=view.answer or None,
                required=True,
            ),
            errors,
            "answer",
        )
    elif view.actions:
        body += base.with_error(
            base.text_input(
                "answer", "Your thoughts (optional)", value=view.answer, multiline=True
            ),
            errors,
            "answer",
        )
        for n in (1, 2, 3):
            label = f"Action {n}" + ("" if n == 1 else " (optional)")
            body += text_field(f"action_{n}", label, view.action_values, errors, max_length=300)
            body += date_field(f"by_{n}", "By when", view.action_values, errors)
    else:
        body += base.with_error(
            base.text_input(
                "answer",
                "Your answer",
                value=view.answer,
                multiline=True,
                placeholder=view.hint or None,
                max_length=2000,
            ),
            errors,
            "answer",
        )
    body.append(
        base.text("Private to you unless you choose to share it.", subtle=True, size="small")
    )
    actions: list[base.Action] = [
        base.execute(
            "Finish" if view.actions else "Next", "coach.answer", data, primary=True, saves=True
        )
    ]
    if view.step_no > 1:
        actions.append(base.execute("Back", "coach.back", data))
    actions.append(base.execute("Pause", "coach.pause", data))
    return base.card(body, actions, fallback_text=heading)


def coach_done_card(
    conv_id: int,
    model: str,
    answers: Sequence[tuple[str, str]],
    actions: Sequence[str],
    *,
    share_with: Sequence[tuple[int, str, bool]] = (),
    notice: str = "",
    reviewable: bool = False,
) -> base.CardDict:
    """`share_with`: the person's mentor and coach, if they have them, as (id, name, shared).
    `reviewable`: the model has a scale that `coach review` comes back to (OSKAR); otherwise
    the card names the `actions` list, where the actions are kept with the rest."""
    heading = f"{model}: your actions"
    body: list[base.Element] = [base.title(heading)]
    if notice:
        body.append(base.text(notice))
    body.append(base.facts([(label, base.said(answer)) for label, answer in answers]))
    body.append(base.text("**Actions**"))
    body.append(_bullets([base.said(a) for a in actions]))
    body.append(
        base.text(
            "I'll remind you two days before each is due. "
            + (
                "Say **coach review** to see how far you've come on the scale."
                if reviewable
                else "Say **actions** to see them with everything else you've agreed."
            ),
            subtle=True,
        )
    )
    buttons: list[base.Action] = []
    for person_id, name, shared in share_with:
        if shared:
            body.append(base.text(f"Shared with {base.said(name)}.", subtle=True, size="small"))
        else:
            buttons.append(
                base.execute(
                    f"Share with {name}", "coach.share", {"conv": conv_id, "with": person_id}
                )
            )
    return base.card(body, buttons, fallback_text=heading)


def coach_review_card(
    conv_id: int, outcome: str, before: int | None, errors: Mapping[str, str] = EMPTY
) -> base.CardDict:
    heading = "OSKAR review"
    body: list[base.Element] = [base.title(heading), base.facts([("Outcome", base.said(outcome))])]
    if before is not None:
        body.append(base.text(f"Last time you said **{before}** out of 10."))
    body += base.with_error(
        base.choice_input(
            "scale",
            "Where are you on the scale now (0-10)?",
            [(str(n), str(n)) for n in range(11)],
            required=True,
        ),
        errors,
        "scale",
    )
    body += base.with_error(
        base.text_input(
            "difference",
            "What's better? What made the difference?",
            multiline=True,
            max_length=2000,
        ),
        errors,
        "difference",
    )
    return base.form_card(body, "coach.review", {"conv": conv_id}, fallback_text=heading)


def coach_change_card(outcome: str, change: str, image_url: str, difference: str) -> base.CardDict:
    heading = "OSKAR review: the change"
    body: list[base.Element] = [
        base.title(heading),
        base.facts([("Outcome", base.said(outcome)), ("Since last time", change)]),
        E.Image(url=image_url, altText=f"Your scale over time: {change}", size="stretch"),
    ]
    if difference:
        body.append(base.text(f"What made the difference: {base.said(difference)}"))
    return base.card(body, fallback_text=heading)
