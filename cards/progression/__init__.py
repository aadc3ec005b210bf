"""The progression card activity's cards: one live card per session, turned over in place.

Every session card refreshes through the verb `cards.card` (Action.Execute), so whoever looks at it
sees the session as it is now: the setup while issues are chosen, the current lead question (front,
discussion prompts "over", or the action form) while it runs, the pause card, then the summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from adaptive_cards_python import elements as E

from bot.domain.progression import (
    AgreedAction,
    ComparedCard,
    DeckTemplate,
    LeadQuestion,
    Prompt,
    SessionOutcome,
    WayOfWorking,
)
from cards import base
from cards.inputs import choice_field, text_field

DECK_FILE = Path(__file__).parents[1] / "data" / "progression_deck.json"  # the deck is data
Side = Literal["front", "back", "action"]
REFRESH = "cards.card"
MAX_REFRESH_USERS = 60  # Teams refreshes automatically for at most 60 listed users
SHOWN_CONTRIBUTIONS = 8
SUMMARY_CONTRIBUTIONS = 5


def day(d: date) -> str:
    """A date as people say it on a card: "Fri 4 Dec"."""
    return f"{d:%a} {d.day} {d:%b}"


def _plain(value: str) -> str:
    """Deck words, shown as written: an organisation's own issues, lead questions and prompts
    are typed by its people (escaped: no live link, image or heading on anyone's card); the
    seed's footnote asterisks become stars, so they start no emphasis or list either. Not
    `said`: the deck's words are no one's private words, and a card's notification names
    its lead question."""
    return base.escape_markdown(value.replace("*", "\u2217"))


def _short(value: str, limit: int = 200) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026"


def _letter(i: int) -> str:
    return chr(ord("a") + i) + ")"


def _live(
    body: Sequence[base.Element],
    actions: Sequence[Any],
    session_id: int,
    *,
    position: int = 0,
    side: Side = "front",
    user_ids: Sequence[str] = (),
    fallback: str,
) -> base.CardDict:
    built = base.card(
        body,
        actions,
        fallback_text=fallback,
        refresh_verb=REFRESH,
        refresh_data={"session": session_id, "position": position, "side": side},
    )
    if user_ids:
        built["refresh"]["userIds"] = list(dict.fromkeys(user_ids))[:MAX_REFRESH_USERS]
    return built


# ------------------------------------------------------------------------------- the setup card


@dataclass(frozen=True)
class IssueChoice:
    number: int
    title: str
    cards: int
    own: bool = False


@dataclass(frozen=True)
class SetupView:
    session_id: int
    way: WayOfWorking
    group: str
    facilitator: str
    issues: Sequence[IssueChoice]
    chosen: Sequence[int] = ()
    errors: Mapping[str, str] = field(default_factory=dict)
    user_ids: Sequence[str] = ()


def setup_card(view: SetupView) -> base.CardDict:
    """The facilitator chooses the strategic issues to cover (all, or some) and names the group."""
    chosen = view.chosen or [i.number for i in view.issues]
    choices = [
        (f"{i.number}. {i.title}" + (" (our own)" if i.own else ""), str(i.number))
        for i in view.issues
        if i.cards
    ]
    body = [
        base.title("Progression cards"),
        base.text(
            f"{view.way.label} \u00b7 facilitated by {base.said(view.facilitator)}", subtle=True
        ),
        base.text(
            "One lead question at a time. Anyone here can add a contribution, turn the card "
            "over for its discussion prompts, and agree actions: what, who, by when.",
            size="small",
        ),
        *base.with_error(
            base.choice_input(
                "issues",
                "Strategic issues to cover",
                choices,
                value=",".join(str(n) for n in chosen),
                multi=True,
                expanded=True,
                required=True,
            ),
            view.errors,
            "issues",
        ),
        *base.with_error(
            base.text_input("group", "Group name", value=view.group, max_length=100),
            view.errors,
            "group",
        ),
    ]
    if "form" in view.errors:
        body.append(base.error_text(view.errors["form"]))
    data = {"session": view.session_id}
    return _live(
        body,
        [
            base.execute("Start", "cards.start", data, primary=True, saves=True),
            base.execute("Add our own issue", "cards.issue.open", data),
        ],
        view.session_id,
        user_ids=view.user_ids,
        fallback="Progression cards: choose the strategic issues to cover.",
    )


# --------------------------------------------------------------------------------- the live card


@dataclass(frozen=True)
class ContributionLine:
    by: str
    text: str


def _listed(line: str) -> base.Element:
    """One line of a list under its heading (a contribution, an action), close to the one before."""
    return E.TextBlock(text=line, wrap=True, spacing="small")


def _contribution(by: str, text: str, limit: int = 200) -> base.Element:
    """A contribution as a line: who, then what they said (cut short)."""
    return _listed(f"**{base.said(by)}:** {base.said(_short(text, limit))}")


def action_line(action: AgreedAction) -> str:
    """An agreed action as one line: done or not, what, who, by when."""
    mark = "\u2611" if action.done else "\u2610"
    what = action.what
    if action.not_doing is not None:
        what = f"{what} (not doing it: {action.not_doing})"
    return (
        f"{mark} {base.said(_short(what, 160))} \u2014 **{base.said(action.owner)}**, "
        f"by {day(action.due_on)}"
    )


@dataclass(frozen=True)
class LiveCardView:
    session_id: int
    position: int
    total: int
    way: WayOfWorking
    group: str
    issue_title: str
    card: LeadQuestion
    contributions: Sequence[ContributionLine] = ()
    actions: Sequence[AgreedAction] = ()
    side: Side = "front"
    owner_choices: Sequence[tuple[str, str]] = ()  # (name, person id)
    default_owner: str = ""
    default_due: str = ""  # ISO date
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    notice: str | None = None
    banner: str | None = None
    user_ids: Sequence[str] = ()

    @property
    def last(self) -> bool:
        return self.position + 1 >= self.total


def live_card(view: LiveCardView) -> base.CardDict:
    """The session's current lead question, on the face `view.side`."""
    build = {"front": _front, "back": _back, "action": _action_form}[view.side]
    body, actions = build(view)
    heading: list[base.Element] = []
    if view.banner:
        heading.append(E.TextBlock(text=view.banner, wrap=True, weight="bolder", color="accent"))
    heading.append(
        base.text(
            f"{view.way.label} \u00b7 {base.said(view.group)} \u00b7 "
            f"card {view.position + 1} of {view.total}",
            subtle=True,
            size="small",
        )
    )
    if view.notice:
        heading.append(E.TextBlock(text=view.notice, wrap=True, color="good", size="small"))
    built = _live(
        [*heading, *body],
        actions,
        view.session_id,
        position=view.position,
        side=view.side,
        user_ids=view.user_ids,
        fallback=f"Progression card {view.card.key}: {view.card.question}",
    )
    if view.side == "action" and len(view.owner_choices) > SEARCHABLE_FROM:
        _searchable(built, "who")
    return built


SEARCHABLE_FROM = 10  # more people than this: the "Who" list can be searched as you type


def _searchable(node: Any, input_id: str) -> None:
    """Teams' type-to-search choice set (`style: filtered`, Adaptive Cards 1.5), which the
    card library does not know yet: set on the built card."""
    if isinstance(node, dict):
        if node.get("type") == "Input.ChoiceSet" and node.get("id") == input_id:
            node["style"] = "filtered"
            node["placeholder"] = "Type a name"
            return
        for value in node.values():
            _searchable(value, input_id)
    elif isinstance(node, list):
        for item in node:
            _searchable(item, input_id)


def _ids(view: LiveCardView) -> dict[str, Any]:
    return {"session": view.session_id, "position": view.position}


def _next_button(view: LiveCardView) -> Any:
    return base.execute("Finish" if view.last else "Next card", "cards.next", _ids(view))


def _question(view: LiveCardView, *, big: bool = True) -> list[base.Element]:
    q = view.card
    issue = E.TextBlock(
        text=f"Strategic issue {q.issue_number}: {_plain(view.issue_title)}",
        wrap=True,
        size="small",
        weight="bolder",
    )
    out: list[base.Element] = [issue]
    words = f"{q.key} {_plain(q.question)}"
    out.append(base.title(words) if big else base.text(words))
    if q.question_items:
        out.append(base.text("\n".join(f"- {_plain(i)}" for i in q.question_items)))
    return out


def _front(view: LiveCardView) -> tuple[list[base.Element], list[Any]]:
    body = _question(view)
    if view.contributions:
        shown = view.contributions[-SHOWN_CONTRIBUTIONS:]
        body.append(
            E.TextBlock(
                text=f"Contributions ({len(view.contributions)})",
                weight="bolder",
                wrap=True,
                separator=True,
            )
        )
        if len(view.contributions) > len(shown):
            earlier = len(view.contributions) - len(shown)
            body.append(base.text(f"\u2026and {earlier} earlier (in the summary).", subtle=True))
        body.extend(_contribution(c.by, c.text, 300) for c in shown)
    if view.actions:
        body.append(E.TextBlock(text="Agreed actions", weight="bolder", wrap=True, separator=True))
        body.extend(_listed(action_line(a)) for a in view.actions)
    body.extend(
        text_field(
            "contribution",
            "Your contribution",
            view.values,
            view.errors,
            multiline=True,
            max_length=1000,
            placeholder="What do you think? Add it here.",
        )
    )
    body.append(
        base.actions_row(
            base.execute("Add", "cards.contribute", _ids(view), primary=True, saves=True),
            base.execute("See over", REFRESH, {**_ids(view), "side": "back"}),
        )
    )
    actions = [
        base.execute("Agree an action", REFRESH, {**_ids(view), "side": "action"}),
        _next_button(view),
        base.execute("Pause", "cards.pause", {"session": view.session_id}, more=True),
    ]
    return body, actions


def prompt_blocks(prompts: Sequence[Prompt], *, notes: bool = False) -> list[base.Element]:
    """Prompts as bullets with their lettered sub-points; notes (the seed's footnotes) smaller,
    without bullets, their sub-points dashed as in the seed."""
    size = "small" if notes else None
    out: list[base.Element] = []
    for p in prompts:
        lead = "" if notes else "\u2022 "
        out.append(
            E.TextBlock(
                text=lead + _plain(p.text), wrap=True, spacing="small", isSubtle=notes, size=size
            )
        )
        if p.items:
            marks = (
                ["\u2013"] * len(p.items) if notes else [_letter(i) for i in range(len(p.items))]
            )
            lines = [f"{m} {_plain(item)}" for m, item in zip(marks, p.items, strict=True)]
            out.append(
                E.TextBlock(
                    text="\n\n".join(lines), wrap=True, spacing="none", isSubtle=notes, size=size
                )
            )
    return out


def _back(view: LiveCardView) -> tuple[list[base.Element], list[Any]]:
    q = view.card
    body: list[base.Element] = [
        E.TextBlock(text=f"Discussion prompts {q.key}", wrap=True, size="small", weight="bolder"),
        base.text(_plain(q.question), subtle=True),
    ]
    if q.intro:
        body.append(base.text(_plain(q.intro)))
    body.extend(prompt_blocks(q.prompts))
    if not q.prompts:
        body.append(base.text("No discussion prompts on this card yet.", subtle=True))
    if q.notes:
        body.append(
            E.TextBlock(text="Notes", separator=True, size="small", isSubtle=True, spacing="medium")
        )
        body.extend(prompt_blocks(q.notes, notes=True))
    actions = [
        base.execute("Back to the question", REFRESH, {**_ids(view), "side": "front"}),
        _next_button(view),
    ]
    return body, actions


def _action_form(view: LiveCardView) -> tuple[list[base.Element], list[Any]]:
    body: list[base.Element] = [
        base.title("Agree an action"),
        base.text(f"{view.card.key} {_plain(view.card.question)}", subtle=True, size="small"),
        *text_field(
            "what",
            "What will be done",
            view.values,
            view.errors,
            required=True,
            multiline=True,
            max_length=300,
        ),
        *base.with_error(
            base.choice_input(
                "who",
                "Who",
                view.owner_choices,
                value=view.values.get("who") or view.default_owner,
                required=True,
            ),
            view.errors,
            "who",
        ),
        *base.with_error(
            base.date_input(
                "by_when",
                "By when",
                value=view.values.get("by_when") or view.default_due,
                required=True,
            ),
            view.errors,
            "by_when",
        ),
    ]
    actions = [
        base.execute("Save action", "cards.action", _ids(view), primary=True, saves=True),
        base.execute("Back", REFRESH, {**_ids(view), "side": "front"}),
    ]
    return body, actions


# ---------------------------------------------------------------------- pause, resume, summary


@dataclass(frozen=True)
class PausedView:
    session_id: int
    group: str
    way: WayOfWorking
    position: int
    total: int
    key: str
    question: str
    paused_on: date
    contributions: int
    actions: int
    in_channel: bool = True
    user_ids: Sequence[str] = ()


def paused_card(view: PausedView) -> base.CardDict:
    how = "mention me with **cards**" if view.in_channel else "say **cards**"
    body = [
        base.title(f"Paused at card {view.position + 1} of {view.total}"),
        base.text(
            f"{base.said(view.group)} \u00b7 {view.way.label} \u00b7 paused {day(view.paused_on)}",
            subtle=True,
        ),
        base.text(f"Next up: **{view.key}** {_plain(view.question)}"),
        base.facts(
            [
                ("Contributions so far", str(view.contributions)),
                ("Agreed actions", str(view.actions)),
            ]
        ),
        base.text(f"To pick up where you left off, press Resume or {how} here.", size="small"),
    ]
    data = {"session": view.session_id}
    return _live(
        body,
        [
            base.execute("Resume", "cards.resume", data, primary=True),
            base.execute("Summary so far", "cards.summary", data),
            base.execute("Finish", "cards.finish", data),
        ],
        view.session_id,
        position=view.position,
        user_ids=view.user_ids,
        fallback="Progression cards: paused.",
    )


@dataclass(frozen=True)
class ResumeOffer:
    session_id: int
    group: str
    state: str  # "running" | "paused"
    position: int
    total: int
    key: str
    question: str
    since: date


def resume_offer_card(offer: ResumeOffer) -> base.CardDict:
    status = "paused" if offer.state == "paused" else "under way"
    body = [
        base.title("Pick up where you left off?"),
        base.text(
            f"**{base.said(offer.group)}** has a session here, {status} since {day(offer.since)}: "
            f"card {offer.position + 1} of {offer.total}."
        ),
        base.text(f"{offer.key} {_plain(offer.question)}", subtle=True),
    ]
    data = {"session": offer.session_id}
    return base.card(
        body,
        [
            base.execute("Resume", "cards.resume", data, primary=True),
            base.execute("Start a new session", "cards.new", data),
        ],
        fallback_text="Progression cards: resume the session here?",
    )


@dataclass(frozen=True)
class SummaryView:
    outcome: SessionOutcome
    finished: bool
    user_ids: Sequence[str] = ()


def summary_card(view: SummaryView) -> base.CardDict:
    """Contributions and actions per card, then who owns what; the exports come to the 1:1
    chat of whoever presses Export (bot.app.documents)."""
    o = view.outcome
    heading = "Summary" if view.finished else "Summary so far"
    body: list[base.Element] = [
        base.title(f"{heading}: {base.said(o.group)}"),
        base.text(
            f"{o.way.label} \u00b7 facilitated by {base.said(o.facilitator)} \u00b7 "
            f"{o.contribution_count} contributions \u00b7 {len(o.actions)} actions",
            subtle=True,
            size="small",
        ),
    ]
    for c in o.cards:
        body.append(
            E.TextBlock(
                text=f"{c.key} {_plain(c.question)}", wrap=True, weight="bolder", separator=True
            )
        )
        if not c.contributions and not c.actions:
            body.append(base.text("Nothing added.", subtle=True, size="small"))
        shown = c.contributions[:SUMMARY_CONTRIBUTIONS]
        body.extend(_contribution(x.by, x.text) for x in shown)
        if len(c.contributions) > len(shown):
            more = len(c.contributions) - len(shown)
            body.append(
                base.text(f"\u2026and {more} more in the export.", subtle=True, size="small")
            )
        body.extend(_listed(action_line(a)) for a in c.actions)
    owners = o.owners()
    if owners:
        body.append(E.TextBlock(text="Who owns what", weight="bolder", wrap=True, separator=True))
        body.extend(
            _listed(
                f"**{base.said(owner)}**: "
                + "; ".join(
                    f"{base.said(_short(a.what, 80))} (by {day(a.due_on)})" for _, a in items
                )
            )
            for owner, items in owners
        )
    session = {"session": o.session_id}
    actions: list[Any] = [
        base.execute("Export (Word)", "cards.export", {**session, "format": "docx"}),
        base.execute("Export (Excel)", "cards.export", {**session, "format": "xlsx"}),
        base.execute("Compare groups", "cards.compare.open"),
    ]
    if not view.finished:
        actions.append(base.execute("Back to card", REFRESH, {"session": o.session_id}))
    else:
        actions.append(base.execute("Reopen", "cards.reopen", session))
    if not view.finished:
        return base.card(body, actions, fallback_text=f"Summary so far: {o.group}")
    return _live(
        body,
        actions,
        o.session_id,
        user_ids=view.user_ids,
        fallback=f"Progression cards summary: {o.group}",
    )


def refused(built: base.CardDict, why: str) -> base.CardDict:
    """The card as it is, with a polite word at the top for whoever pressed what they may not."""
    note = base.card([E.TextBlock(text=why, wrap=True, color="attention", weight="bolder")])[
        "body"
    ][0]
    return {**built, "body": [note, *built.get("body", [])]}


# ------------------------------------------------------------------------------------ compare


@dataclass(frozen=True)
class SessionChoice:
    session_id: int
    label: str


def compare_choice_card(
    choices: Sequence[SessionChoice], errors: Mapping[str, str] | None = None
) -> base.CardDict:
    errors = errors or {}
    if not choices:
        return base.card(
            [
                base.title("Compare groups"),
                base.text(
                    "No sessions to compare yet. Start one in each group's channel or chat "
                    "with **cards**, then come back here."
                ),
            ]
        )
    body = [
        base.title("Compare groups"),
        base.text(
            "Pick the groups that worked on the same issues; their outcomes appear side by "
            "side, card by card.",
            size="small",
        ),
        *base.with_error(
            base.choice_input(
                "sessions",
                "Sessions",
                [(c.label, str(c.session_id)) for c in choices],
                value=",".join(str(c.session_id) for c in choices[:2]),
                multi=True,
                expanded=True,
                required=True,
            ),
            errors,
            "sessions",
        ),
    ]
    return base.form_card(body, "cards.compare", label="Compare")


MAX_COMPARED = 4


def compare_card(groups: Sequence[str], cards_: Sequence[ComparedCard]) -> base.CardDict:
    """Each lead question, then one column per group with what it said and agreed."""
    body: list[base.Element] = [
        base.title("Side by side"),
        base.text(" \u00b7 ".join(base.said(g) for g in groups), subtle=True, size="small"),
    ]
    for compared in cards_:
        body.append(
            E.TextBlock(
                text=f"{compared.key} {_plain(compared.question)}",
                wrap=True,
                weight="bolder",
                separator=True,
            )
        )
        columns = []
        for group, outcome in zip(groups, compared.by_group, strict=True):
            items: list[base.Element] = [
                E.TextBlock(text=base.said(group), wrap=True, weight="bolder", size="small")
            ]
            if outcome is None:
                items.append(base.text("Not covered", subtle=True, size="small"))
            else:
                items.extend(
                    base.text(f"\u2022 {base.said(_short(c.text, 120))}", size="small")
                    for c in outcome.contributions[:4]
                )
                items.extend(
                    base.text(
                        f"\u2192 {base.said(_short(a.what, 80))} ({base.said(a.owner)})",
                        size="small",
                    )
                    for a in outcome.actions
                )
                if not outcome.contributions and not outcome.actions:
                    items.append(base.text("Nothing added", subtle=True, size="small"))
            columns.append(E.Column(width="stretch", items=items))
        body.append(E.ColumnSet(columns=columns))
    return base.card(body, fallback_text="Progression cards: groups side by side")


# --------------------------------------------------------------------- an organisation's own deck


def _prompts_input(
    id: str, label: str, values: Mapping[str, str], errors: Mapping[str, str]
) -> list[base.Element]:
    """The discussion prompts for the back of a lead question card, one per line."""
    field = base.text_input(
        id,
        label,
        value=values.get(id),
        multiline=True,
        max_length=3000,
        placeholder="One prompt per line",
    )
    return base.with_error(field, errors, id)


@dataclass(frozen=True)
class OwnIssueFormView:
    template: DeckTemplate
    number: int
    session_id: int | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def own_issue_card(view: OwnIssueFormView) -> base.CardDict:
    """The blank template: a strategic issue, its lead questions, and their discussion prompts."""
    t = view.template
    body: list[base.Element] = [
        base.title("Add your own strategic issue"),
        base.text(
            f"Fill in the blank card set: a strategic issue, up to {t.lead_questions} lead "
            "questions, and discussion prompts for the back of each (one per line).",
            size="small",
        ),
        *text_field(
            "title",
            f"{t.issue_label} {view.number}",
            view.values,
            view.errors,
            required=True,
            max_length=300,
        ),
    ]
    for i in range(1, t.lead_questions + 1):
        body.extend(
            base.with_error(
                base.text_input(
                    f"question{i}",
                    f"{t.question_label} {view.number}.{i}",
                    value=view.values.get(f"question{i}"),
                    required=i == 1,
                    max_length=500,
                ),
                view.errors,
                f"question{i}",
            )
        )
        body.extend(
            _prompts_input(
                f"prompts{i}", f"{t.prompts_label} {view.number}.{i}", view.values, view.errors
            )
        )
    data = {"session": view.session_id} if view.session_id else {}
    buttons = [base.execute("Save", "cards.issue", data, primary=True, saves=True)]
    if view.session_id:
        buttons.append(base.execute("Back", REFRESH, {"session": view.session_id}))
    return base.card(body, buttons, fallback_text="Add your own strategic issue")


@dataclass(frozen=True)
class OwnQuestionFormView:
    issues: Sequence[tuple[str, str]]  # (label, number)
    template: DeckTemplate
    session_id: int | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def own_question_card(view: OwnQuestionFormView) -> base.CardDict:
    t = view.template
    body: list[base.Element] = [
        base.title("Add a lead question"),
        *choice_field("issue", t.issue_label, view.issues, view.values, view.errors, required=True),
        *text_field(
            "question", t.question_label, view.values, view.errors, required=True, max_length=500
        ),
        *_prompts_input("prompts", t.prompts_label, view.values, view.errors),
    ]
    data = {"session": view.session_id} if view.session_id else {}
    return base.form_card(body, "cards.question", data, fallback_text="Add a lead question")


def deck_added_card(
    heading: str, cards_: Sequence[LeadQuestion], session_id: int | None = None
) -> base.CardDict:
    body: list[base.Element] = [base.title(heading)]
    body.extend(
        base.text(f"**{q.key}** {_plain(q.question)} ({len(q.prompts)} prompts)") for q in cards_
    )
    data = {"session": session_id} if session_id else {}
    buttons = [base.execute("Add a lead question", "cards.question.open", data)]
    if session_id:
        buttons.append(base.execute("Back to the session", REFRESH, {"session": session_id}))
    # The notification reads the heading with the issue's title in it (`plain`), as before.
    return base.card(body, buttons, fallback_text=base.plain(heading))


# -------------------------------------------------------------------- reminders and prompts


@dataclass(frozen=True)
class ActionReminderView:
    action_id: int
    what: str
    due_on: date
    group: str
    key: str
    question: str
    stage: str = "before"  # "before", "due" (on the day) or "overdue"


def _action_heading(view: ActionReminderView) -> str:
    if view.stage == "due":
        return "Action due today"
    if view.stage == "overdue":
        return f"Action overdue: it was due {day(view.due_on)}"
    return f"Action due {day(view.due_on)}"


def _action_buttons(action_id: int) -> list[Any]:
    data = {"action": action_id}
    return [
        base.execute("Done", "cards.action.done", data, primary=True),
        base.execute("More time", "cards.action.later", data),
        base.execute("Not doing it", "cards.action.drop", data),
    ]


def action_reminder_card(view: ActionReminderView) -> base.CardDict:
    heading = _action_heading(view)
    body = [
        base.title(heading),
        base.text(base.said(_short(view.what, 300))),
        base.text(
            f"Agreed in {base.said(view.group)} on card {view.key}: {_plain(view.question)}",
            subtle=True,
            size="small",
        ),
        base.text(
            "Let the group know where it stands: it shows on the session's card.", size="small"
        ),
    ]
    return base.card(body, _action_buttons(view.action_id), fallback_text=heading)


def action_later_card(
    action_id: int, what: str, due_on: date, value: str | None = None, error: str | None = None
) -> base.CardDict:
    """ "Needs more time": the new date."""
    body: list[base.Element] = [
        base.title("Needs more time"),
        base.text(base.said(_short(what, 300))),
        base.text(f"It was due {day(due_on)}. When will it be done?", size="small"),
        *base.with_error(
            base.date_input("by_when", "New date", value=value, required=True),
            {"by_when": error} if error else {},
            "by_when",
        ),
    ]
    return base.form_card(
        body,
        "cards.action.extend",
        {"action": action_id},
        label="Save the new date",
        fallback_text="Needs more time",
    )


def action_drop_card(action_id: int, what: str, error: str | None = None) -> base.CardDict:
    """ "Not doing it": and why, for the group."""
    body: list[base.Element] = [
        base.title("Not doing it"),
        base.text(base.said(_short(what, 300))),
        *base.with_error(
            base.text_input(
                "reason", "Why not? The group will see this.", required=True, max_length=300
            ),
            {"reason": error} if error else {},
            "reason",
        ),
    ]
    return base.form_card(
        body, "cards.action.dropped", {"action": action_id}, fallback_text="Not doing it"
    )


def action_done_card(what: str, owner: str) -> base.CardDict:
    return base.card(
        [
            base.title("Done"),
            base.text(f"\u2611 {base.said(_short(what, 300))} \u2014 **{base.said(owner)}**"),
        ],
        fallback_text="An action is done",
    )


def action_moved_card(what: str, due_on: date) -> base.CardDict:
    return base.card(
        [
            base.title("New date saved"),
            base.text(f"{base.said(_short(what, 300))} \u2014 now by {day(due_on)}."),
        ],
        fallback_text="An action has a new date",
    )


def action_dropped_card(what: str, reason: str) -> base.CardDict:
    return base.card(
        [
            base.title("Noted: not doing it"),
            base.text(f"~~{base.said(_short(what, 300))}~~"),
            base.text(base.said(reason), subtle=True),
        ],
        fallback_text="An action is dropped",
    )


@dataclass(frozen=True)
class DigestLine:
    what: str
    owner: str
    due_on: date
    group: str


def overdue_digest_card(lines: Sequence[DigestLine]) -> base.CardDict:
    """The facilitator's weekly look at actions past their date, from their sessions."""
    body: list[base.Element] = [
        base.title(f"Overdue actions from your sessions ({len(lines)})"),
        *(
            _listed(
                f"**{base.said(_short(x.what, 120))}** \u2014 {base.said(x.owner)}, "
                f"due {day(x.due_on)} ({base.said(x.group)})"
            )
            for x in lines
        ),
        base.text(
            "Their owners have been reminded. A word at the next session helps.", size="small"
        ),
    ]
    return base.card(body, fallback_text=f"{len(lines)} overdue actions from your sessions")


def schedule_moved_card(question: str, instead: str) -> base.CardDict:
    """The sending hours would move every post: say so, and set it as it will be on "OK"."""
    return base.card(
        [
            base.title("Coaching cards: a different time?"),
            base.text(question),
            base.text("Or say **cards schedule** with another day and time.", size="small"),
        ],
        [base.execute("OK", "cards.schedule.set", {"when": instead}, primary=True)],
        fallback_text=question,
    )


def prompts_scheduled_card(session_id: int, label: str | None, group: str) -> base.CardDict:
    if label is None:
        return base.card(
            [
                base.title("Coaching cards stopped"),
                base.text(f"I won't post cards for {base.said(group)} on a schedule any more."),
            ]
        )
    body = [
        base.title("Coaching cards " + label),
        base.text(
            f"I'll post {base.said(group)}'s next card here {label}, to keep the conversation "
            "going between sessions (never at night, weekends or on bank holidays)."
        ),
        base.text("To stop, press Stop or say **cards schedule off**.", size="small"),
    ]
    return base.card(
        body,
        [base.execute("Stop", "cards.schedule.off", {"session": session_id})],
        fallback_text="Coaching cards " + label,
    )
