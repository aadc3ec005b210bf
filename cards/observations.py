"""Annual observation (OTLA) cards: allocation, the observation itself, the report, the action
review log and the quality team's views. Pure builders from typed views; times come formatted."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adaptive_cards_python import actions as A
from adaptive_cards_python import elements as E

from cards import base
from cards.inputs import EMPTY, choice_field, date_field, text_field, time_field

MAX_ROWS = 12  # rows on one card; the rest are in the exports
ACTION_ROWS = 5  # actions with an outcome box each: the first few; the rest are in the export


@dataclass(frozen=True)
class Button:
    """A next step: an Execute button, or (with `url`) a link."""

    label: str
    verb: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    primary: bool = False
    url: str | None = None


def _button(b: Button) -> Any:
    if b.url:
        return A.OpenUrl(title=b.label, url=b.url)
    return base.execute(b.label, b.verb, b.data, primary=b.primary)


def _buttons(buttons: Sequence[Button]) -> list[Any]:
    return [_button(b) for b in buttons]


def _warning(message: str) -> base.Element:
    return E.TextBlock(text=message, wrap=True, color="attention", weight="bolder")


def _section(heading: str) -> base.Element:
    return E.TextBlock(text=heading, weight="bolder", wrap=True, spacing="medium", separator=True)


def _listing[T](
    items: Sequence[T],
    entry: Callable[[T], list[base.Element]],
    none: str,
    spacing: str | None = None,
) -> list[base.Element]:
    """The first MAX_ROWS items, each set off by a line above; or what to say when there is none."""
    if not items:
        return [base.text(none)]
    return [E.Container(items=entry(i), separator=True, spacing=spacing) for i in items[:MAX_ROWS]]


def message_card(
    heading: str, lines: Sequence[str] = (), buttons: Sequence[Button] = ()
) -> base.CardDict:
    """A short card: a heading, a few lines, next-step buttons."""
    body = [base.title(heading), *(base.text(line) for line in lines)]
    # The notification reads the heading with any name in it (`plain`); the card shows it as
    # written.
    return base.card(body, _buttons(buttons), fallback_text=base.plain(heading))


# ---------------------------------------------------------------- allocation


@dataclass(frozen=True)
class AllocationFormView:
    tutors: Sequence[tuple[str, str]]  # (label, person id)
    observers: Sequence[tuple[str, str]]
    year: str
    can_lil: bool = False
    tutor_list_empty: bool = False  # no tutors at all (rather than every one allocated)
    can_set_up: bool = False  # the viewer is an org admin: offer the buttons that fix gaps


def allocation_card(
    view: AllocationFormView,
    values: Mapping[str, str] = EMPTY,
    errors: Mapping[str, str] = EMPTY,
) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Allocate an observer ({view.year})"),
        base.text("One formal observation a year for each tutor. The observer hears in chat."),
        *choice_field(
            "tutor_id",
            "Tutor",
            view.tutors,
            values,
            errors,
            required=True,
            placeholder="Choose a tutor",
            empty="nobody is on the tutor list yet. An org admin loads it: **admin** → Set up TLC."
            if view.tutor_list_empty
            else "every tutor on the list has an observer this year.",
        ),
        *choice_field(
            "observer_id",
            "Observer",
            view.observers,
            values,
            errors,
            placeholder="Choose an observer",
            empty="nobody holds an observer role yet. Type the observer's email below, or "
            "ask an org admin to give someone the Observer role (**admin**).",
        ),
        *text_field(
            "observer_email",
            "…or the observer's email",
            values,
            errors,
            placeholder="name@college.ac.uk",
            style="email",
        ),
        *text_field("course", "Course (optional)", values, errors, max_length=200),
    ]
    body.append(
        base.text(
            "Many at once: send a CSV or Excel file (tutor_email, observer_email, course) with "
            "the words **observe import**.",
            subtle=True,
            size="small",
        )
    )
    buttons = (
        [base.execute("Allocate", "otla.allocate", primary=True, saves=True)] if view.tutors else []
    )
    if view.can_set_up and view.tutor_list_empty:
        buttons.append(base.execute("Set up TLC", "admin.setup.open", primary=not view.tutors))
    if view.can_set_up and not view.observers:
        buttons.append(base.execute("Give a role", "admin.role.open"))
    if view.can_lil:
        body.append(
            base.text(
                "Learning in Libraries (LiL) tutors are allocated on their own card.", size="small"
            )
        )
        buttons.append(base.execute("LiL allocation", "otla.lil.open"))
    return base.card(body, buttons, fallback_text="Allocate an observer")


@dataclass(frozen=True)
class ImportView:
    heading: str
    done: int
    done_label: str
    problems: Sequence[tuple[int, str]]


def import_result_card(view: ImportView) -> base.CardDict:
    body = [base.title(view.heading), base.facts([(view.done_label, str(view.done))])]
    if view.problems:
        body.append(base.text("These rows were not used:", size="small"))
        problems = view.problems[:30]  # quoting cells as typed (the header row): plain text
        body.append(base.facts([(f"Line {line}", base.said(msg)) for line, msg in problems]))
    return base.card(body, fallback_text=view.heading)


# ---------------------------------------------------------------- the observation


@dataclass(frozen=True)
class ProposalView:
    by: str
    course: str
    when: str
    note: str = ""
    room: str = ""
    starts: str = ""  # ISO: Accept agrees only the proposal the card shows


@dataclass(frozen=True)
class DocumentLine:
    document_id: int
    name: str
    url: str | None  # a link; None for a file kept with the observation


@dataclass(frozen=True)
class ObservationCardView:
    observation_id: int
    tutor: str
    observer: str
    course: str
    when: str
    status: str
    headline: str | None = None
    message: str | None = None
    due: str | None = None
    warnings: Sequence[str] = ()
    proposal: ProposalView | None = None
    can_accept: bool = False
    can_propose: bool = False
    collapse_proposal: bool = False  # behind a "Suggest another date" button: shorter on phones
    proposal_values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    documents: Sequence[DocumentLine] = ()
    show_documents: bool = False
    can_share_documents: bool = False
    buttons: Sequence[Button] = ()


def observation_card(view: ObservationCardView) -> base.CardDict:
    ref = {"observation_id": view.observation_id}
    body: list[base.Element] = [
        base.title(view.headline or f"Observation: {base.said(view.tutor)}")
    ]
    if view.message:
        body.append(base.text(view.message))
    pairs = [
        ("Tutor", base.said(view.tutor)),
        ("Observer", base.said(view.observer)),
        ("Course", base.said(view.course)),
        ("When", view.when),
        ("Status", view.status),
    ]
    if view.due:
        pairs.append(("Report due", view.due))
    body.append(base.facts(pairs))
    body += [_warning(w) for w in view.warnings]
    if view.proposal is not None:
        p = view.proposal
        body.append(_section("Proposed date"))
        course = base.said(p.course) if p.course else "a class"
        room = f" in {base.said(p.room)}" if p.room else ""
        body.append(base.text(f"**{base.said(p.by)}** proposed **{course}**{room}, {p.when}."))
        if p.note:
            body.append(base.text(f"\u201c{base.said(p.note)}\u201d", subtle=True))
        if view.can_accept:
            accept = {**ref, "proposed": p.starts} if p.starts else ref
            body.append(
                base.actions_row(
                    base.execute("Accept this date", "otla.accept", accept, primary=True)
                )
            )
    extra: list[Any] = []
    if view.can_propose:
        heading = (
            "Suggest another date"
            if view.proposal or view.collapse_proposal
            else ("Propose a date")
        )
        form = _proposal_inputs(view)
        if view.collapse_proposal:
            inner = base.card(form, [base.execute(heading, "otla.propose", ref, saves=True)])
            inner.pop("$schema", None)
            extra.append(A.ShowCard(title=heading, card=inner))
        else:
            body.append(_section(heading))
            body += form
            body.append(base.actions_row(base.execute(heading, "otla.propose", ref, saves=True)))
    if view.show_documents:
        body.append(_section("Planning and tracking documents"))
        if not view.documents:
            body.append(base.text("None shared yet.", subtle=True))
        for doc in view.documents:
            if doc.url:
                body.append(base.text(f"[{base.said(doc.name)}]({doc.url})"))
            else:
                body.append(base.text(f"\U0001f4ce {base.said(doc.name)}"))
        files = [d for d in view.documents if not d.url][:4]
        if files:
            body.append(
                base.actions_row(
                    *[
                        base.execute(
                            f"Get {d.name[:30]}", "otla.doc.get", {"document_id": d.document_id}
                        )
                        for d in files
                    ]
                )
            )
    if view.can_share_documents:
        body += base.with_error(
            base.text_input(
                "doc_url", "Link to a document", value=None, placeholder="https://", style="url"
            ),
            view.errors,
            "doc_url",
        )
        body.append(
            base.text(
                "Or send files to me in this chat with the words **observations docs**.",
                subtle=True,
                size="small",
            )
        )
        body.append(base.actions_row(base.execute("Share link", "otla.doc.link", ref, saves=True)))
    return base.card(
        body,
        [*_buttons(view.buttons), *extra],
        fallback_text=base.plain(view.headline or "Observation"),
    )


def _proposal_inputs(view: ObservationCardView) -> list[base.Element]:
    v, errors = view.proposal_values, view.errors
    inputs: list[base.Element] = []
    inputs += text_field("course", "Class / course", v, errors, required=True)
    inputs += text_field("room", "Room (optional)", v, errors, max_length=200)
    inputs += date_field("day", "Date", v, errors, required=True)
    inputs += time_field("start", "Starts", v, errors, required=True)
    inputs += time_field("end", "Ends", v, errors, required=True)
    inputs += text_field("note", "Note (optional)", v, errors, max_length=300)
    return inputs


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ReportFormView:
    observation_id: int
    tutor: str
    course: str
    when: str
    due: str
    themes: Sequence[tuple[str, str]]  # (label, key)
    owners: Sequence[tuple[str, str]]  # (label, value): the tutor, their line manager
    grades: Sequence[str] | None = None
    return_comment: str | None = None
    saved_note: str | None = None
    action_slots: int = 3


def report_form_card(
    view: ReportFormView,
    values: Mapping[str, str] = EMPTY,
    errors: Mapping[str, str] = EMPTY,
) -> base.CardDict:
    v = values
    body: list[base.Element] = [
        base.title(f"OTLA report: {base.said(view.tutor)}"),
        base.facts(
            [("Course", base.said(view.course)), ("Observed", view.when), ("Due", view.due)]
        ),
    ]
    if view.return_comment:
        body.append(_warning("Returned for correction"))
        body.append(base.text(f"\u201c{base.said(view.return_comment)}\u201d"))
    if view.saved_note:
        body.append(base.text(view.saved_note, subtle=True, size="small"))
    if errors:
        body.append(base.error_text("Please check the fields marked below."))
    body.append(_section("Strengths"))
    body += choice_field("strength_themes", "Themes", view.themes, v, errors, multi=True)
    body += text_field("strengths", "What went well", v, errors, multiline=True)
    body.append(_section("Areas for development"))
    body += choice_field("area_themes", "Themes", view.themes, v, errors, multi=True)
    body += text_field("areas", "What to develop", v, errors, multiline=True)
    body.append(_section("Actions"))
    body.append(base.text("Each action has an owner and a target date.", subtle=True, size="small"))
    for i in range(1, view.action_slots + 1):
        body += text_field(f"action_{i}", f"Action {i}", v, errors, max_length=500)
        body += base.with_error(
            base.choice_input(
                f"action_{i}_owner",
                f"Action {i} owner",
                view.owners,
                value=v.get(f"action_{i}_owner") or (view.owners[0][1] if view.owners else None),
            ),
            errors,
            f"action_{i}_owner",
        )
        body += date_field(f"action_{i}_date", f"Action {i} target date", v, errors)
    body.append(_section("Suggestions for professional exploration"))
    body += text_field("suggestions", "Suggestions", v, errors, multiline=True)
    if view.grades:
        body += choice_field("grade", "Grade", [(g, g) for g in view.grades], v, errors)
    body.append(
        base.toggle_input(
            "best_practice", "An example of best practice", value=v.get("best_practice") == "true"
        )
    )
    body += text_field(
        "best_practice_note", "What others could learn from it", v, errors, max_length=500
    )
    ref = {"observation_id": view.observation_id}
    return base.card(
        body,
        [
            base.execute(
                "Submit for checking", "otla.report.submit", ref, primary=True, saves=True
            ),
            base.execute("Save draft", "otla.report.save", ref, saves=True),
        ],
        fallback_text=f"OTLA report: {view.tutor}",
    )


@dataclass(frozen=True)
class ActionLine:
    text: str
    owner: str
    target: str


@dataclass(frozen=True)
class ReportView:
    observation_id: int
    tutor: str
    observer: str
    course: str
    when: str
    status: str
    strength_themes: Sequence[str]
    strengths: str
    area_themes: Sequence[str]
    areas: str
    actions: Sequence[ActionLine]
    suggestions: str
    headline: str | None = None
    note: str | None = None  # under the title: e.g. who else received the report
    grade: str | None = None
    best_practice_note: str | None = None  # shown to the observer and the quality team
    return_comment: str | None = None
    acknowledged: str | None = None
    can_check: bool = False
    can_approve: bool = False
    can_acknowledge: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)
    buttons: Sequence[Button] = ()
    submitted: str = ""  # ISO: Pass and Return act only on the version the card shows


def report_card(view: ReportView) -> base.CardDict:
    ref = {"observation_id": view.observation_id}
    shown = {**ref, "submitted": view.submitted} if view.submitted else ref
    body: list[base.Element] = [
        base.title(view.headline or f"OTLA report: {base.said(view.tutor)}"),
        base.facts(
            [
                ("Tutor", base.said(view.tutor)),
                ("Observer", base.said(view.observer)),
                ("Course", base.said(view.course)),
                ("Observed", view.when),
                ("Status", view.status),
            ]
            + ([("Grade", view.grade)] if view.grade else [])
        ),
    ]
    if view.note:
        body.insert(1, base.text(view.note))
    if view.return_comment:
        body += [
            _warning("Returned for correction"),
            base.text(f"\u201c{base.said(view.return_comment)}\u201d"),
        ]
    body.append(_section("Strengths"))
    if view.strength_themes:
        body.append(base.text(", ".join(view.strength_themes), subtle=True, size="small"))
    body.append(base.text(base.said(view.strengths) if view.strengths else "—"))
    body.append(_section("Areas for development"))
    if view.area_themes:
        body.append(base.text(", ".join(view.area_themes), subtle=True, size="small"))
    body.append(base.text(base.said(view.areas) if view.areas else "—"))
    body.append(_section("Actions"))
    if not view.actions:
        body.append(base.text("No actions.", subtle=True))
    for i, a in enumerate(view.actions, start=1):
        body.append(base.text(f"{i}. {base.said(a.text)}"))
        body.append(
            base.text(f"Owner: {base.said(a.owner)} · by {a.target}", subtle=True, size="small")
        )
    body.append(_section("Suggestions for professional exploration"))
    body.append(base.text(base.said(view.suggestions) if view.suggestions else "—"))
    if view.best_practice_note is not None:
        body.append(
            base.text(
                "\u2b50 Best practice: "
                + (base.said(view.best_practice_note) if view.best_practice_note else "flagged")
            )
        )
    if view.acknowledged:
        body.append(base.text(view.acknowledged, subtle=True, size="small"))
    if view.can_check:
        body.append(_section("Check"))
        body += base.with_error(
            base.text_input(
                "comment",
                "Comment for the observer (needed to return it)",
                multiline=True,
                max_length=1000,
            ),
            view.errors,
            "comment",
        )
        body.append(
            base.text(
                "Pass it for approval, or return it to the observer for correction.", size="small"
            )
        )
        body.append(
            base.actions_row(
                base.execute("Pass for approval", "otla.check", shown, primary=True, saves=True),
                base.execute("Return to observer", "otla.return", shown, saves=True),
            )
        )
    if view.can_approve:
        body.append(
            base.actions_row(base.execute("Approve and send", "otla.approve", ref, primary=True))
        )
    if view.can_acknowledge:
        body.append(base.actions_row(base.execute("I've read it", "otla.ack", ref, primary=True)))
    return base.card(
        body, _buttons(view.buttons), fallback_text=base.plain(view.headline or "OTLA report")
    )


# ---------------------------------------------------------------- what to do next


@dataclass(frozen=True)
class TodoItem:
    text: str
    button: Button


@dataclass(frozen=True)
class TodoView:
    items: Sequence[TodoItem]
    more: Sequence[Button] = ()


def todo_card(view: TodoView) -> base.CardDict:
    body: list[base.Element] = [base.title("Observations: your next steps")]
    body += _listing(
        view.items,
        lambda item: [base.text(item.text), base.actions_row(_button(item.button))],
        "Nothing waiting for you. \u2705",
        spacing="small",
    )
    if len(view.items) > MAX_ROWS:
        body.append(base.text(f"…and {len(view.items) - MAX_ROWS} more.", subtle=True))
    return base.card(body, _buttons(view.more), fallback_text="Observations: your next steps")


# ---------------------------------------------------------------- quality team views


@dataclass(frozen=True)
class PlanningRow:
    tutor: str
    observer: str
    status: str
    when: str


@dataclass(frozen=True)
class PlanningView:
    year: str
    counts: Sequence[tuple[str, int]]
    rows: Sequence[PlanningRow]


def planning_card(view: PlanningView) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Observation planning & monitoring {view.year}"),
        base.facts([(label, str(n)) for label, n in view.counts]),
    ]
    if view.rows:
        body.append(_section("Needing attention first"))
        for row in view.rows[:MAX_ROWS]:
            body.append(base.text(f"**{base.said(row.tutor)}** · {row.status}"))
            body.append(
                base.text(f"{base.said(row.observer)} · {row.when}", subtle=True, size="small")
            )
        if len(view.rows) > MAX_ROWS:
            body.append(
                base.text(f"…and {len(view.rows) - MAX_ROWS} more in the export.", subtle=True)
            )
    return base.card(
        body,
        [
            base.execute("Export plan", "otla.export.planning"),
            base.execute("Export actions", "otla.export.actions"),
            base.execute("Themes & CPD", "quality.themes"),
            base.execute("Best practice", "otla.best"),
        ],
        fallback_text=f"Observation planning {view.year}",
    )


@dataclass(frozen=True)
class BestPracticeItem:
    tutor: str
    course: str
    when: str
    note: str
    themes: str


def best_practice_card(year: str, items: Sequence[BestPracticeItem]) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"Best practice examples {year}"),
        *_listing(
            items,
            lambda item: [
                base.text(f"**{base.said(item.tutor)}** · {base.said(item.course)}"),
                base.text(base.said(item.note) if item.note else "—"),
                base.text(f"{item.when} · {item.themes}", subtle=True, size="small"),
            ],
            "No observer has flagged an example yet this year.",
        ),
    ]
    return base.card(body, fallback_text=f"Best practice examples {year}")


# ---------------------------------------------------------------- the action review log


@dataclass(frozen=True)
class ActionItemView:
    action_id: int
    tutor: str
    text: str
    owner: str
    target: str
    status: str
    outcome: str = ""
    overdue: bool = False
    can_record: bool = False
    can_complete: bool = False


@dataclass(frozen=True)
class ActionsView:
    heading: str
    items: Sequence[ActionItemView]
    can_export: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None
    total: int | None = None  # how many there are in all, when `items` is the first few


def actions_card(view: ActionsView) -> base.CardDict:
    body: list[base.Element] = [base.title(view.heading)]
    if view.note:
        body.append(base.text(view.note, subtle=True))
    if not view.items:
        body.append(base.text("No actions here."))
    shown = [
        item
        for n, item in enumerate(view.items)
        if n < ACTION_ROWS or f"outcome_{item.action_id}" in view.errors
    ]
    for item in shown:
        ref = {"action_id": item.action_id}
        lines: list[base.Element] = [
            base.text(f"**{base.said(item.tutor)}**: {base.said(item.text)}"),
            base.text(
                f"Owner {base.said(item.owner)} · by {item.target} · {item.status}",
                subtle=not item.overdue,
                size="small",
            ),
        ]
        if item.overdue:
            lines.append(_warning("Overdue"))
        if item.outcome:
            lines.append(base.text(f"Outcome: {base.said(item.outcome)}", size="small"))
        if item.can_record:
            lines += base.with_error(
                base.text_input(
                    f"outcome_{item.action_id}",
                    "Outcome",
                    value=item.outcome or None,
                    multiline=True,
                    max_length=1000,
                ),
                view.errors,
                f"outcome_{item.action_id}",
            )
        buttons = []
        if item.can_record:
            buttons.append(base.execute("Record outcome", "otla.action.outcome", ref, saves=True))
        if item.can_complete:
            buttons.append(
                base.execute("Mark completed", "otla.action.complete", ref, primary=True)
            )
        if buttons:
            lines.append(base.actions_row(*buttons))
        body.append(E.Container(items=lines, separator=True))
    hidden = max(view.total or 0, len(view.items)) - len(shown)
    if hidden > 0:
        where = " in the export" if view.can_export else ""
        body.append(base.text(f"…and {hidden} more{where}.", subtle=True))
    actions = (
        [base.execute("Export action log (XLSX)", "otla.export.actions")] if view.can_export else []
    )
    return base.card(body, actions, fallback_text=view.heading)


# ---------------------------------------------------------------- Learning in Libraries


@dataclass(frozen=True)
class LilView:
    year: str
    quota: int
    picked: int
    courses: Sequence[tuple[str, str]]  # (label, course id)
    can_set_quotas: bool = False


def lil_card(view: LilView, errors: Mapping[str, str] = EMPTY) -> base.CardDict:
    left = max(view.quota - view.picked, 0)
    body: list[base.Element] = [
        base.title(f"Learning in Libraries {view.year}"),
        base.facts([("Your tutors this year", str(view.quota)), ("Picked", str(view.picked))]),
    ]
    actions = []
    if left and view.courses:
        body += base.with_error(
            base.choice_input(
                "course_id",
                "Course to observe",
                view.courses,
                required=True,
                placeholder="Choose a course",
            ),
            errors,
            "course_id",
        )
        body.append(base.text("The tutor is asked to accept the course's date.", subtle=True))
        actions.append(base.execute("Pick this course", "otla.lil.pick", primary=True, saves=True))
    else:
        if "course_id" in errors:
            body.append(base.error_text(errors["course_id"]))
        if not view.quota:
            body.append(
                base.text(
                    "You have no Learning in Libraries tutors to pick yet: the quality "
                    "coordinator sets how many (observe quota)."
                )
            )
        elif not left:
            body.append(base.text("You have picked all your tutors for this year. Thank you!"))
        else:
            body.append(base.text("No courses are waiting for an observer."))
    if view.can_set_quotas:
        body.append(
            base.text(
                "Coordinators: send the EBS course list (code, title, tutor_email, venue, date, "
                "start_time, end_time) with **observe courses**, and set each observer's number "
                "with **observe quota name@college.ac.uk 5**.",
                subtle=True,
                size="small",
            )
        )
    return base.card(body, actions, fallback_text=f"Learning in Libraries {view.year}")


# ---------------------------------------------------------------- new tutors (HA24)


@dataclass(frozen=True)
class InductionView:
    tutor_id: int
    tutor: str
    start: str
    otla_by: str
    otla_status: str
    items: Sequence[tuple[str, str]]  # (label, key)
    done: Sequence[str]
    can_edit: bool = False
    saved_note: str | None = None


def induction_card(view: InductionView) -> base.CardDict:
    body: list[base.Element] = [
        base.title(f"HA24 new tutor induction: {base.said(view.tutor)}"),
        base.facts(
            [
                ("Starts delivering", view.start),
                ("OTLA by", view.otla_by),
                ("OTLA", view.otla_status),
                ("Done", f"{len(view.done)} of {len(view.items)}"),
            ]
        ),
    ]
    if view.saved_note:
        body.append(base.text(view.saved_note, subtle=True, size="small"))
    actions = []
    if view.can_edit:
        body.append(
            base.choice_input(
                "done",
                "Done so far",
                view.items,
                value=",".join(view.done),
                multi=True,
                expanded=True,
            )
        )
        actions.append(
            base.execute(
                "Save",
                "otla.ha24.save",
                {"tutor_id": view.tutor_id, "shown": list(view.done)},
                primary=True,
                saves=True,
            )
        )
    else:
        labels = dict((k, lbl) for lbl, k in view.items)
        body += [base.text(f"\u2705 {labels[k]}") for k in view.done if k in labels]
    return base.card(body, actions, fallback_text=f"HA24 induction: {view.tutor}")


@dataclass(frozen=True)
class NewTutorLine:
    tutor_id: int
    tutor: str
    start: str
    progress: str


def new_tutors_card(items: Sequence[NewTutorLine]) -> base.CardDict:
    body: list[base.Element] = [
        base.title("New tutors: induction (HA24)"),
        *_listing(
            items,
            lambda item: [
                base.text(f"**{base.said(item.tutor)}** · starts {item.start} · {item.progress}"),
                base.actions_row(
                    base.execute("Open checklist", "otla.ha24.open", {"tutor_id": item.tutor_id})
                ),
            ],
            "No new tutors on the tutor list.",
        ),
    ]
    return base.card(body, fallback_text="New tutors: induction")
