"""The progression card activity (seed 004): the deck, how a session moves, and what it produced.

The deck is data (`cards/data/progression_deck.json`): 6 strategic issues x 3 lead questions, each
with its discussion prompts "over" the card, and a blank template for an organisation's own issues.
A session works through the chosen lead questions one card at a time; it can pause and resume.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bot.domain.local_time import LONDON

# ---------------------------------------------------------------------------------------- the deck


@dataclass(frozen=True)
class Prompt:
    """One discussion prompt (or note), with its lettered sub-points a), b), ... if any."""

    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeadQuestion:
    """One card: the lead question on the front, the discussion prompts on the back."""

    key: str  # "1.2"; an organisation's own cards continue the numbering, e.g. "7.1"
    issue_number: int
    question: str
    question_items: tuple[str, ...] = ()
    intro: str = ""
    prompts: tuple[Prompt, ...] = ()
    notes: tuple[Prompt, ...] = ()
    own: bool = False


@dataclass(frozen=True)
class StrategicIssue:
    number: int
    title: str
    questions: tuple[LeadQuestion, ...] = ()
    own: bool = False


@dataclass(frozen=True)
class DeckTemplate:
    """The blank card set an organisation fills in for its own strategic issue."""

    issue_label: str = "Strategic issue"
    question_label: str = "Lead question"
    prompts_label: str = "Discussion prompts"
    lead_questions: int = 3


@dataclass(frozen=True)
class Deck:
    issues: tuple[StrategicIssue, ...]
    template: DeckTemplate = DeckTemplate()
    title: str = ""
    approach: str = ""
    think_about: tuple[str, ...] = ()
    ways_of_working: tuple[str, ...] = ()
    groups: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Deck:
        activity = data.get("activity") or {}
        template = data.get("template") or {}
        return cls(
            issues=tuple(_issue(i) for i in data["issues"]),
            template=DeckTemplate(
                issue_label=str(template.get("issue_label", "Strategic issue")),
                question_label=str(template.get("question_label", "Lead question")),
                prompts_label=str(template.get("prompts_label", "Discussion prompts")),
                lead_questions=int(template.get("lead_questions", 3)),
            ),
            title=str(data.get("title", "")),
            approach=str(activity.get("approach", "")),
            think_about=tuple(activity.get("think_about") or ()),
            ways_of_working=tuple(activity.get("ways_of_working") or ()),
            groups=str(activity.get("groups", "")),
        )

    def issue(self, number: int) -> StrategicIssue | None:
        return next((i for i in self.issues if i.number == number), None)

    def card(self, key: str) -> LeadQuestion | None:
        for issue in self.issues:
            for question in issue.questions:
                if question.key == key:
                    return question
        return None

    @property
    def cards(self) -> list[LeadQuestion]:
        return [q for i in self.issues for q in i.questions]

    def cards_for(self, issue_numbers: Iterable[int]) -> list[str]:
        """The card keys for the chosen issues, in deck order."""
        wanted = set(issue_numbers)
        return [q.key for i in self.issues if i.number in wanted for q in i.questions]

    def next_issue_number(self) -> int:
        return max((i.number for i in self.issues), default=0) + 1

    def with_own(
        self, issues: Sequence[tuple[int, str]], questions: Sequence[LeadQuestion]
    ) -> Deck:
        """This deck plus an organisation's own issues and the lead questions it added."""
        merged = list(self.issues) + [
            StrategicIssue(number, title, own=True) for number, title in sorted(issues)
        ]
        by_issue: dict[int, list[LeadQuestion]] = {}
        for q in questions:
            by_issue.setdefault(q.issue_number, []).append(q)
        out = []
        for issue in merged:
            extra = sorted(by_issue.get(issue.number, []), key=lambda q: _key_order(q.key))
            out.append(replace(issue, questions=issue.questions + tuple(extra)))
        return replace(self, issues=tuple(out))


def own_question(
    issue_number: int, number: int, question: str, prompts: Sequence[str]
) -> LeadQuestion:
    """A lead question an organisation wrote for itself, numbered after the issue's others."""
    return LeadQuestion(
        key=f"{issue_number}.{number}",
        issue_number=issue_number,
        question=question,
        prompts=tuple(Prompt(p) for p in prompts),
        own=True,
    )


def prompt_lines(text: str) -> list[str]:
    """Discussion prompts typed one per line (bullets and blank lines allowed)."""
    lines = (re.sub(r"^\s*(?:[-*\u2022]|\d+[.)])\s*", "", ln).strip() for ln in text.splitlines())
    return [ln for ln in lines if ln]


def _key_order(key: str) -> tuple[int, int]:
    issue, _, number = key.partition(".")
    return int(issue), int(number or 0)


def _prompt(data: Mapping[str, Any]) -> Prompt:
    return Prompt(str(data["text"]), tuple(str(i) for i in data.get("items") or ()))


def _issue(data: Mapping[str, Any]) -> StrategicIssue:
    number = int(data["number"])
    return StrategicIssue(
        number=number,
        title=str(data["title"]),
        questions=tuple(
            LeadQuestion(
                key=str(q["key"]),
                issue_number=number,
                question=str(q["question"]),
                question_items=tuple(q.get("question_items") or ()),
                intro=str(q.get("intro") or ""),
                prompts=tuple(_prompt(p) for p in q.get("prompts") or ()),
                notes=tuple(_prompt(p) for p in q.get("notes") or ()),
            )
            for q in data["questions"]
        ),
    )


# ------------------------------------------------------------------------------------- a session


class WayOfWorking(StrEnum):
    """Seed 004's ways of carrying out the activity, as Teams places."""

    ALONE = "alone"  # a 1:1 chat with the bot
    WITH_COLLEAGUE = "with_colleague"  # a group chat, e.g. with a senior colleague
    TEAM = "team"  # a team channel

    @property
    def label(self) -> str:
        return {
            WayOfWorking.ALONE: "On your own",
            WayOfWorking.WITH_COLLEAGUE: "With a senior colleague",
            WayOfWorking.TEAM: "With your team",
        }[self]


def way_of_working(conversation_kind: str) -> WayOfWorking:
    return {
        "personal": WayOfWorking.ALONE,
        "groupChat": WayOfWorking.WITH_COLLEAGUE,
    }.get(conversation_kind, WayOfWorking.TEAM)


class SessionState(StrEnum):
    CHOOSING = "choosing"  # the facilitator is picking the issues
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"

    @property
    def open(self) -> bool:
        return self is not SessionState.FINISHED


class Move(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    NEXT = "next"
    FINISH = "finish"
    LAST_NEXT = "last_next"  # "next" on the last card: the session is done
    REOPEN = "reopen"  # the facilitator picks a finished session up again


class NotNow(Exception):
    """That move does not apply in the session's state (e.g. "next" on a paused session)."""


# The whole state table: (state, move) -> new state. Anything else is NotNow.
MOVES: Mapping[tuple[SessionState, Move], SessionState] = MappingProxyType(
    {
        (SessionState.CHOOSING, Move.START): SessionState.RUNNING,
        (SessionState.CHOOSING, Move.FINISH): SessionState.FINISHED,
        (SessionState.RUNNING, Move.NEXT): SessionState.RUNNING,
        (SessionState.RUNNING, Move.LAST_NEXT): SessionState.FINISHED,
        (SessionState.RUNNING, Move.PAUSE): SessionState.PAUSED,
        (SessionState.RUNNING, Move.RESUME): SessionState.RUNNING,
        (SessionState.RUNNING, Move.FINISH): SessionState.FINISHED,
        (SessionState.PAUSED, Move.RESUME): SessionState.RUNNING,
        (SessionState.PAUSED, Move.PAUSE): SessionState.PAUSED,
        (SessionState.PAUSED, Move.FINISH): SessionState.FINISHED,
        (SessionState.FINISHED, Move.REOPEN): SessionState.RUNNING,
    }
)


def move(state: SessionState, what: Move) -> SessionState:
    try:
        return MOVES[(state, what)]
    except KeyError:
        raise NotNow(f"cannot {what.value} a session that is {state.value}") from None


def next_move(position: int, total: int) -> Move:
    """Which move "next" is at `position` of `total` cards."""
    return Move.LAST_NEXT if position + 1 >= total else Move.NEXT


# ----------------------------------------------------------------------------------- the outcomes


@dataclass(frozen=True)
class Contribution:
    by: str
    text: str
    at: datetime


@dataclass(frozen=True)
class AgreedAction:
    what: str
    owner: str
    due_on: date
    done: bool = False
    # Why its owner is not doing it, if they said so ("Not doing it"): neither done nor open.
    not_doing: str | None = None

    @property
    def open(self) -> bool:
        return not self.done and self.not_doing is None

    @property
    def state(self) -> str:
        """The export's "Done" column: Yes, No, or Not doing it."""
        return "Yes" if self.done else "No" if self.not_doing is None else "Not doing it"


@dataclass(frozen=True)
class CardOutcome:
    key: str
    issue_title: str
    question: str
    contributions: tuple[Contribution, ...] = ()
    actions: tuple[AgreedAction, ...] = ()


@dataclass(frozen=True)
class SessionOutcome:
    """What one group produced: contributions and agreed actions, card by card."""

    group: str
    way: WayOfWorking
    facilitator: str
    started_on: date
    cards: tuple[CardOutcome, ...] = ()
    session_id: int = 0

    @property
    def actions(self) -> list[tuple[str, AgreedAction]]:
        return [(c.key, a) for c in self.cards for a in c.actions]

    @property
    def contribution_count(self) -> int:
        return sum(len(c.contributions) for c in self.cards)

    def owners(self) -> list[tuple[str, list[tuple[str, AgreedAction]]]]:
        """Who owns what: each owner's actions, soonest first; owners by name."""
        by_owner: dict[str, list[tuple[str, AgreedAction]]] = {}
        for key, action in self.actions:
            by_owner.setdefault(action.owner, []).append((key, action))
        return [
            (owner, sorted(items, key=lambda item: item[1].due_on))
            for owner, items in sorted(by_owner.items(), key=lambda kv: kv[0].lower())
        ]


@dataclass(frozen=True)
class ComparedCard:
    """One lead question and what each group made of it (None: that group did not cover it)."""

    key: str
    question: str
    by_group: tuple[CardOutcome | None, ...] = field(default_factory=tuple)


def compare(outcomes: Sequence[SessionOutcome]) -> list[ComparedCard]:
    """Several groups' outcomes side by side, card by card, in the order the cards came."""
    keys: list[str] = []
    questions: dict[str, str] = {}
    for outcome in outcomes:
        for c in outcome.cards:
            if c.key not in questions:
                keys.append(c.key)
                questions[c.key] = c.question
    keys.sort(key=_key_order)
    return [
        ComparedCard(
            key,
            questions[key],
            tuple(next((c for c in o.cards if c.key == key), None) for o in outcomes),
        )
        for key in keys
    ]


def due_problem(due_on: date, today: date) -> str | None:
    if due_on < today:
        return "Choose today or a later date."
    if due_on > today + timedelta(days=366):
        return "Choose a date within the next year."
    return None


REMIND_DAYS_BEFORE = 2
MORNING = time(9, 0)


def action_reminder_at(due_on: date, now: datetime) -> datetime | None:
    """When to remind an action's owner: 09:00 (London) two days before it is due; straight away
    if that has passed but the due date has not; never once the due date has come."""
    at = datetime.combine(due_on - timedelta(days=REMIND_DAYS_BEFORE), MORNING, LONDON)
    if at >= now:
        return at.astimezone(UTC)
    if now < datetime.combine(due_on, MORNING, LONDON):
        return now
    return None


def action_reminders(due_on: date, now: datetime) -> dict[str, datetime | None]:
    """When an action's owner hears about it, by stage: two days before (`before`), at 09:00
    on the day (`due`) and, if it is still open, at 09:00 the day after (`overdue`). None: that
    moment has passed."""
    on_the_day = datetime.combine(due_on, MORNING, LONDON)
    after = datetime.combine(due_on + timedelta(days=1), MORNING, LONDON)
    return {
        "before": action_reminder_at(due_on, now),
        "due": on_the_day.astimezone(UTC) if on_the_day >= now else None,
        "overdue": after.astimezone(UTC) if after >= now else None,
    }


# ----------------------------------------------------------------------- coaching-card prompts

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class PromptSchedule:
    """Post the next card to a channel every week on `weekday` (0 = Monday) at `at` (London)."""

    weekday: int
    at: time

    @property
    def label(self) -> str:
        return f"every {WEEKDAYS[self.weekday].title()} at {self.at:%H:%M}"

    def next_after(self, now: datetime) -> datetime:
        """The next time strictly after `now`, in UTC (London's clocks, summer time included)."""
        local = now.astimezone(LONDON)
        days = (self.weekday - local.weekday()) % 7
        for extra in (0, 7):
            day = local.date() + timedelta(days=days + extra)
            at = datetime.combine(day, self.at, LONDON)
            if at > now:
                return at.astimezone(UTC)
        raise AssertionError("unreachable: a week later is always after now")

    def to_json(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "at": f"{self.at:%H:%M}"}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PromptSchedule:
        hour, minute = (int(x) for x in str(data["at"]).split(":"))
        return cls(int(data["weekday"]), time(hour, minute))


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(am|pm)?$")


def parse_prompt_schedule(text: str) -> PromptSchedule:
    """ "monday 09:00", "every Tue at 2pm", "fri 9 30" -> a schedule; ValueError says what's wrong.
    No day means Monday; no time means 09:00."""
    words = [w for w in re.split(r"[\s,]+", text.lower().strip()) if w]
    weekday: int | None = None
    numbers: list[str] = []
    meridiem = ""
    for word in words:
        day = _weekday(word)
        if day is not None:
            weekday = day
        elif word in ("am", "pm"):
            meridiem = word
        elif _TIME.match(word):
            numbers.append(word)
        elif word not in ("every", "each", "on", "at", "weekly", "week", "a", "the"):
            raise ValueError(f"I don't understand \u201c{word}\u201d. Try e.g. monday 09:00.")
    hour, minute = 9, 0
    if numbers:
        m = _TIME.match(numbers[0])
        assert m is not None
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        meridiem = m.group(3) or meridiem
        if len(numbers) > 1 and m.group(2) is None and numbers[1].isdigit():
            minute = int(numbers[1])  # "09 00": the colon was lost on the way in
    if meridiem == "pm" and hour < 12:
        hour += 12
    if meridiem == "am" and hour == 12:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError("That time doesn't exist. Try e.g. 09:00 or 2pm.")
    return PromptSchedule(weekday if weekday is not None else 0, time(hour, minute))


def _weekday(word: str) -> int | None:
    word = word.rstrip("s") if len(word) > 4 else word
    for i, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return i
    return None
