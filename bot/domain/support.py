"""Self-referral and peer support programmes: the rules, in plain Python (SPEC section 3).

Seed 000 gives the programmes and their timelines; seed 001 the stance: access initiated by the
teacher, peer to peer, non-judgemental, kept apart from performance management — except the one
link the support-to-good programme makes openly (2-weekly updates to the line manager, and the
head of teaching & learning's review at week 12 without improvement).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.local_time import LONDON
from bot.domain.terms import Term, current_or_next_term

WEEK = timedelta(weeks=1)
EXTEND_FROM_WEEK = 6
OPTIONS_FILE = Path(__file__).with_name("support_options.json")


class ProgrammeRuleError(ValueError):
    """A programme was asked to do something its rules do not allow; the message says why."""


# ---------------------------------------------------------------------------------------------
# Options people choose from: data, not code (support_options.json; organisations may override).


@dataclass(frozen=True)
class Option:
    """An item people pick or tick (a topic, a checklist activity): the code keeps its key, people
    see its label."""

    key: str
    label: str


@cache
def _options() -> dict[str, tuple[Option, ...]]:
    raw = json.loads(OPTIONS_FILE.read_text(encoding="utf-8"))
    return {
        name: tuple(Option(str(o["key"]), str(o["label"])) for o in items)
        for name, items in raw.items()
    }


def topics() -> tuple[Option, ...]:
    """What a tutor may ask for support with."""
    return _options()["topics"]


def ways() -> tuple[Option, ...]:
    """How they would like the support: observing, team teaching, coaching, ..."""
    return _options()["ways"]


def times() -> tuple[Option, ...]:
    return _options()["times"]


def checklist(settings: Mapping[str, Any] | None = None) -> tuple[Option, ...]:
    """The competence checklist: the organisation's own list if it has one, else ours."""
    custom = (settings or {}).get("competence_checklist")
    if isinstance(custom, list) and custom:
        return tuple(Option(str(o["key"]), str(o["label"])) for o in custom)
    return _options()["competence_checklist"]


def checklist_from_lines(text: str, current: Sequence[Option]) -> list[Option]:
    """An edited list, one activity per line; an activity that keeps its label keeps its key,
    so earlier ratings of it still line up on the chart."""
    by_label = {o.label.casefold(): o.key for o in current}
    out: list[Option] = []
    used: set[str] = set()
    for line in text.splitlines():
        label = " ".join(line.strip(" -•\t").split())[:120]
        if not label:
            continue
        key = by_label.get(label.casefold()) or _slug(label)
        base, n = key, 2
        while key in used:
            key, n = f"{base}_{n}", n + 1
        used.add(key)
        out.append(Option(key, label))
    return out


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:40] or "activity"


def label_of(options: Iterable[Option], key: str) -> str:
    return next((o.label for o in options if o.key == key), key)


def topic_from_phrase(words: str) -> tuple[str | None, str]:
    """'I'd like some help with behaviour management' -> ('behaviour', ''); an unknown subject
    comes back as free text for the card's 'anything else' box."""
    match = re.search(r"\bwith (.+)$", words)
    wanted = (match.group(1) if match else "").strip(" .?!")
    if not wanted:
        return None, ""
    for option in topics():
        label = option.label.casefold()
        if wanted in label or label.split()[0] in wanted.split():
            return option.key, ""
    return None, wanted[:300]


# ---------------------------------------------------------------------------------------------
# Programmes


class ProgrammeKind(StrEnum):
    TOWARDS_OUTSTANDING = "towards_outstanding"
    SUPPORT_TO_GOOD = "support_to_good"
    NEW_STAFF = "new_staff"
    INFORMAL = "informal"

    @property
    def rules(self) -> ProgrammeRules:
        return RULES[self]

    @property
    def label(self) -> str:
        return RULES[self].label


@dataclass(frozen=True)
class ProgrammeRules:
    """What a kind of programme involves; the defaults are an informal arrangement's (no
    timeline, sign-off, extensions, updates or review), so each kind names what it adds."""

    label: str
    summary: str
    weeks: int | None = None  # None: as and when, no timeline
    sign_off: bool = False  # a sign-off observation at the end
    extension_weeks: int = 0  # how long one extension is (0: cannot be extended)
    max_extensions: int | None = 0  # None: "extended as required"
    update_every_weeks: int | None = None  # updates to the line manager
    review_at_week: int | None = None  # head of T&L reviews the case if no improvement by then


RULES: Mapping[ProgrammeKind, ProgrammeRules] = MappingProxyType(
    {
        ProgrammeKind.TOWARDS_OUTSTANDING: ProgrammeRules(
            "Towards outstanding",
            weeks=6,
            extension_weeks=2,
            max_extensions=None,
            summary="6 weeks of developmental observations, joint reflection and agreed actions. "
            "No sign-off; it can be extended as needed.",
        ),
        ProgrammeKind.SUPPORT_TO_GOOD: ProgrammeRules(
            "Support to good",
            weeks=8,
            sign_off=True,
            extension_weeks=4,
            max_extensions=1,
            update_every_weeks=2,
            review_at_week=12,
            summary="8 weeks with objectives and milestones and a sign-off observation. "
            "A short update goes to your line manager every 2 weeks; you see each one first.",
        ),
        ProgrammeKind.NEW_STAFF: ProgrammeRules(
            "New staff mentoring",
            weeks=8,
            sign_off=True,
            extension_weeks=4,
            max_extensions=1,
            summary="8 weeks of coaching on teaching, learning, assessment and college processes, "
            "ending with a sign-off observation.",
        ),
        ProgrammeKind.INFORMAL: ProgrammeRules(
            "Informal support",
            summary="As and when: peer observation, team teaching, coaching. No timeline.",
        ),
    }
)


class ProgrammeState(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    UNDER_REVIEW = "under_review"  # week 12 without improvement: with the head of T&L
    CLOSED = "closed"


class SignOff(StrEnum):
    MET = "met"
    NOT_MET = "not_met"


class ReviewDecision(StrEnum):
    CONTINUE = "continue"  # keep supporting
    REFER = "refer"  # pass appropriate information to the line manager (seed 000)
    CLOSE = "close"  # improvement seen after all


class RatingStage(StrEnum):
    START = "start"
    MIDDLE = "middle"
    END = "end"


class CheckpointKind(StrEnum):
    RATING = "rating"
    UPDATE = "update"  # the 2-weekly update to the line manager
    SIGN_OFF = "sign_off"
    END = "end"
    REVIEW = "review"


@dataclass(frozen=True)
class Checkpoint:
    kind: CheckpointKind
    due: datetime
    label: str
    number: int = 0  # the update's number, 1.., or 0
    stage: RatingStage | None = None


@dataclass
class SupportProgramme:
    """One person's programme with their AP. `extend`, `record_sign_off` and `timeline` carry
    the rules of seed 000; nothing here knows about Teams or the database."""

    kind: ProgrammeKind
    started_at: datetime
    state: ProgrammeState = ProgrammeState.ACTIVE
    extensions: int = 0
    extra_weeks: int = 0
    sign_off: SignOff | None = None
    escalated_at: datetime | None = None
    objectives: list[str] = field(default_factory=list)

    @property
    def rules(self) -> ProgrammeRules:
        return self.kind.rules

    @property
    def active(self) -> bool:
        return self.state == ProgrammeState.ACTIVE

    @property
    def weeks(self) -> int | None:
        base = self.rules.weeks
        return None if base is None else base + self.extra_weeks

    @property
    def ends_at(self) -> datetime | None:
        weeks = self.weeks
        return None if weeks is None else self.started_at + weeks * WEEK

    def week(self, now: datetime) -> int:
        """Which week of the programme `now` falls in, from 1."""
        return max(0, (now - self.started_at).days) // 7 + 1

    def can_extend(self, now: datetime | None = None) -> str | None:
        """None if an extension is allowed (at `now`, when given), otherwise why not. An
        extension is possible only from week 6."""
        r = self.rules
        if not self.active:
            return "The programme is no longer running."
        if r.extension_weeks == 0:
            return f"{r.label} has no timeline to extend."
        if self.sign_off == SignOff.MET:
            return "The sign-off observation was met; there is nothing to extend."
        if r.max_extensions is not None and self.extensions >= r.max_extensions:
            return f"{r.label} can be extended once, by {r.extension_weeks} weeks, and it has been."
        if now is not None and self.week(now) < EXTEND_FROM_WEEK:
            return f"A programme can be extended from week {EXTEND_FROM_WEEK}."
        return None

    def extend(self, now: datetime, weeks: int | None = None) -> datetime:
        """Extend the programme; returns the new end. Support to good and new staff mentoring:
        once, by exactly 4 weeks (8 + 4). Towards outstanding: as required (2 weeks unless
        told otherwise). Informal support has no timeline."""
        problem = self.can_extend(now)
        if problem:
            raise ProgrammeRuleError(problem)
        r = self.rules
        if r.max_extensions is not None and weeks not in (None, r.extension_weeks):
            raise ProgrammeRuleError(f"{r.label} is extended by {r.extension_weeks} weeks.")
        add = weeks if weeks is not None else r.extension_weeks
        if not 1 <= add <= 6:
            raise ProgrammeRuleError("Extend by 1 to 6 weeks at a time.")
        self.extensions += 1
        self.extra_weeks += add
        self.sign_off = None  # a new sign-off observation at the new end
        end = self.ends_at
        assert end is not None
        return end

    def record_sign_off(self, outcome: SignOff, now: datetime) -> ProgrammeState:
        """The sign-off observation's outcome. Met: complete. Not met: the AP may extend once;
        support to good not met after its extension goes to the head of T&L's review. This
        recorded outcome is the only way a case reaches the head: time alone never does."""
        if not self.rules.sign_off:
            raise ProgrammeRuleError(f"{self.rules.label} has no sign-off observation.")
        if not self.active:
            raise ProgrammeRuleError("The programme is no longer running.")
        self.sign_off = outcome
        if outcome == SignOff.MET:
            self.state = ProgrammeState.COMPLETED
        elif self.can_extend() is not None:
            if self.rules.review_at_week is not None:
                self.escalate(now)
            else:
                self.state = ProgrammeState.COMPLETED  # standard not met after +4: AP reports
        return self.state

    def outcome_overdue(self, now: datetime) -> bool:
        """Support to good, week 12 (or later), still running and no outcome recorded that ends
        or escalates it: the AP is reminded, and the head told only that a review is overdue."""
        at = self.rules.review_at_week
        if at is None or self.state != ProgrammeState.ACTIVE:
            return False
        return now >= self.started_at + at * WEEK

    @property
    def standard_not_met(self) -> bool:
        """Ended with the sign-off standard not met (new staff mentoring after its extension)."""
        return self.sign_off == SignOff.NOT_MET and self.state == ProgrammeState.COMPLETED

    def escalate(self, now: datetime) -> bool:
        """Hand the case to the head of T&L's review; False if it already was."""
        if self.rules.review_at_week is None:
            raise ProgrammeRuleError(f"{self.rules.label} is never escalated.")
        if self.escalated_at is not None:
            return False
        self.state = ProgrammeState.UNDER_REVIEW
        self.escalated_at = now
        return True

    def complete(self, now: datetime) -> None:
        if self.state in (ProgrammeState.COMPLETED, ProgrammeState.CLOSED):
            raise ProgrammeRuleError("The programme has already ended.")
        if self.rules.sign_off and self.sign_off != SignOff.MET and self.active:
            raise ProgrammeRuleError(
                "This programme ends with a sign-off observation: log it as a session."
            )
        self.state = ProgrammeState.COMPLETED

    def decide_review(self, decision: ReviewDecision) -> ProgrammeState:
        """The head of T&L's decision at the week-12 review."""
        if self.state != ProgrammeState.UNDER_REVIEW:
            raise ProgrammeRuleError("The programme is not waiting for a review.")
        self.state = {
            ReviewDecision.CONTINUE: ProgrammeState.ACTIVE,
            ReviewDecision.REFER: ProgrammeState.CLOSED,
            ReviewDecision.CLOSE: ProgrammeState.COMPLETED,
        }[decision]
        return self.state

    def close(self) -> None:
        """Stopped early (the tutor's choice, or a change of plan)."""
        self.state = ProgrammeState.CLOSED

    def rating_due_at(self, stage: RatingStage) -> datetime | None:
        end = self.ends_at
        if end is None or self.weeks is None:
            return self.started_at if stage == RatingStage.START else None
        if stage == RatingStage.START:
            return self.started_at
        if stage == RatingStage.MIDDLE:
            base = self.rules.weeks or 0
            return self.started_at + (base // 2) * WEEK
        return end - WEEK

    def rating_stage(self, now: datetime, done: Iterable[RatingStage]) -> RatingStage:
        """Which rating a tutor is asked for now: the latest stage whose time has come and that
        is not done yet; otherwise the latest whose time has come (to re-rate)."""
        done = set(done)
        reached = [
            s
            for s in RatingStage
            if (at := self.rating_due_at(s)) is not None and at - timedelta(days=3) <= now
        ] or [RatingStage.START]
        pending = [s for s in reached if s not in done]
        return pending[-1] if pending else reached[-1]

    def update_count(self) -> int:
        every, weeks = self.rules.update_every_weeks, self.weeks
        return 0 if every is None or weeks is None else weeks // every

    def update_due_at(self, number: int) -> datetime:
        every = self.rules.update_every_weeks or 0
        return self.started_at + number * every * WEEK

    def timeline(self) -> list[Checkpoint]:
        """Every checkpoint of the programme, in date order (empty for informal support)."""
        end = self.ends_at
        if end is None:
            return []
        points = [
            Checkpoint(CheckpointKind.RATING, at, f"Self-rating ({stage.value})", stage=stage)
            for stage in RatingStage
            if (at := self.rating_due_at(stage)) is not None
        ]
        points += [
            Checkpoint(
                CheckpointKind.UPDATE, self.update_due_at(n), f"Update {n} to line manager", n
            )
            for n in range(1, self.update_count() + 1)
        ]
        if self.rules.sign_off:
            points.append(Checkpoint(CheckpointKind.SIGN_OFF, end - WEEK, "Sign-off observation"))
        points.append(Checkpoint(CheckpointKind.END, end, "Planned end"))
        if self.rules.review_at_week is not None:
            at = self.started_at + self.rules.review_at_week * WEEK
            points.append(Checkpoint(CheckpointKind.REVIEW, at, "Week-12 review if no improvement"))
        return sorted(points, key=lambda c: (c.due, c.kind.value))


def suggested_programme(start_date: date | None, today: date) -> ProgrammeKind:
    """What an AP is offered first: mentoring for new staff, informal support otherwise."""
    return ProgrammeKind.NEW_STAFF if is_new_staff(start_date, today) else ProgrammeKind.INFORMAL


class SessionKind(StrEnum):
    DEVELOPMENTAL_OBSERVATION = "developmental_observation"
    FEEDBACK = "feedback"
    JOINT_REFLECTION = "joint_reflection"
    COACHING = "coaching"
    TEAM_TEACHING = "team_teaching"
    PEER_OBSERVATION = "peer_observation"
    SIGN_OFF_OBSERVATION = "sign_off_observation"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        return {"open": "Agreed", "in_progress": "In progress", "not_started": "Not yet"}.get(
            self.value, "Done"
        )


def actions_from_lines(text: str, limit: int = 10) -> list[str]:
    lines = [" ".join(ln.strip(" -•\t").split()) for ln in text.splitlines()]
    return [ln[:300] for ln in lines if ln][:limit]


# ---------------------------------------------------------------------------------------------
# Matching a self-referral to an AP


@dataclass(frozen=True)
class Practitioner:
    person_id: int
    name: str
    campus: str = ""
    curriculum_area: str = ""
    delivery_style: str | None = None
    caseload: int = 0
    capacity: int = 10

    @property
    def has_room(self) -> bool:
        return self.caseload < self.capacity


@dataclass(frozen=True)
class MatchRequest:
    campus: str
    curriculum_area: str = ""
    delivery_style: str | None = None
    similar_style: bool = False
    exclude: frozenset[int] = frozenset()


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().casefold() == b.strip().casefold())


def match_reasons(request: MatchRequest, ap: Practitioner) -> list[str]:
    reasons = []
    if _same(request.campus, ap.campus):
        reasons.append(f"works at {ap.campus}")
    if request.similar_style and _same(request.delivery_style, ap.delivery_style):
        reasons.append("teaches in a similar style")
    if _same(request.curriculum_area, ap.curriculum_area):
        reasons.append(f"knows {ap.curriculum_area}")
    return reasons


def rank_practitioners(request: MatchRequest, aps: Iterable[Practitioner]) -> list[Practitioner]:
    """APs with room on their caseload, best first: same campus, then similar style of delivery
    (when the tutor asked for it), then curriculum area; ties go to the lightest caseload."""

    def key(ap: Practitioner) -> tuple[int, float, int, str]:
        score = 0
        if _same(request.campus, ap.campus):
            score += 4
        if request.similar_style and _same(request.delivery_style, ap.delivery_style):
            score += 3
        if _same(request.curriculum_area, ap.curriculum_area):
            score += 2
        return (-score, ap.caseload / max(ap.capacity, 1), ap.caseload, ap.name)

    eligible = [ap for ap in aps if ap.has_room and ap.person_id not in request.exclude]
    return sorted(eligible, key=key)


DEFAULT_CAPACITY = 10


def capacity_of(settings: Mapping[str, Any] | None, email: str | None) -> int:
    """An AP's caseload capacity: their own setting, the organisation's default, or 10."""
    caps = (settings or {}).get("ap_capacity") or {}
    if not isinstance(caps, Mapping):
        return DEFAULT_CAPACITY
    mine = caps.get((email or "").lower())
    value = mine if mine is not None else caps.get("default", DEFAULT_CAPACITY)
    return int(value)


# ---------------------------------------------------------------------------------------------
# Self-referral offers: at induction, after an observation with actions, and once a term


def at_london(day: date, hour: int = 10) -> datetime:
    """A time of day in London, as an aware datetime (stored as UTC by the caller)."""
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def is_new_staff(start_date: date | None, today: date) -> bool:
    """Started within the last 8 weeks, or about to start."""
    return start_date is not None and start_date >= today - timedelta(weeks=8)


def induction_offer_at(start_date: date, now: datetime) -> datetime:
    """The offer reaches new staff in their first week: their third day, or tomorrow."""
    return max(at_london(start_date + timedelta(days=2)), now + timedelta(days=1))


def after_observation_offer_at(now: datetime) -> datetime:
    """A day after the approved report reaches them: time to read it first."""
    return now + timedelta(days=1)


def termly_offer_slot(
    now: datetime, settings: Mapping[str, Any] | None = None
) -> tuple[Term, datetime]:
    """The universal offer: two weeks into each term; a term with under three weeks left waits
    for the next one."""
    today = now.astimezone(LONDON).date()
    term = current_or_next_term(today, settings)
    day = max(term.start + timedelta(days=14), today + timedelta(days=1))
    if day > term.end - timedelta(days=21):
        term = current_or_next_term(term.end + timedelta(days=1), settings)
        day = term.start + timedelta(days=14)
    return term, at_london(day)


def next_term_slot(term: Term, settings: Mapping[str, Any] | None = None) -> tuple[Term, datetime]:
    nxt = current_or_next_term(term.end + timedelta(days=1), settings)
    return nxt, at_london(nxt.start + timedelta(days=14))


# ---------------------------------------------------------------------------------------------
# Written reports: drafted from the record, edited by the AP


@dataclass(frozen=True)
class SessionSummary:
    held_on: date
    kind: SessionKind


@dataclass(frozen=True)
class ActionSummary:
    text: str
    status: ActionStatus


@dataclass(frozen=True)
class ReportDraft:
    sessions: str
    actions: str
    progress: str
    concerns: str


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_label(key: str) -> str:
    year, month = (int(p) for p in key.split("-"))
    return date(year, month, 1).strftime("%B %Y")


def month_end_prompt_at(day: date) -> datetime:
    """15:00 London on the last weekday of `day`'s month."""
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    while last.weekday() >= 5:
        last -= timedelta(days=1)
    return at_london(last, 15)


def rating_change(
    first: Mapping[str, int], latest: Mapping[str, int], labels: Sequence[Option]
) -> tuple[float, list[str]]:
    """Average change between two self-ratings, and the activities that moved most."""
    keys = [k for k in first if k in latest]
    if not keys:
        return 0.0, []
    change = sum(latest[k] - first[k] for k in keys) / len(keys)
    best = sorted(keys, key=lambda k: latest[k] - first[k], reverse=True)
    grew = [label_of(labels, k) for k in best if latest[k] > first[k]][:3]
    return round(change, 1), grew


def draft_report(
    programme: SupportProgramme,
    now: datetime,
    sessions: Sequence[SessionSummary],
    actions: Sequence[ActionSummary],
    rating: tuple[float, list[str]] | None,
) -> ReportDraft:
    """The AP's monthly report on one person, drafted from the record for them to edit."""
    if sessions:
        lines = [f"{s.held_on:%d %b}: {s.kind.label.lower()}" for s in sessions]
        sessions_text = f"{len(sessions)} session(s) this month. " + "; ".join(lines) + "."
    else:
        sessions_text = "No sessions this month."
    done = [a for a in actions if a.status == ActionStatus.DONE]
    still = [a for a in actions if a.status != ActionStatus.DONE]
    actions_text = f"{len(done)} action(s) done, {len(still)} open."
    if still:
        actions_text += " Open: " + "; ".join(a.text for a in still[:5]) + "."
    progress = f"{programme.kind.label}, week {programme.week(now)}"
    progress += f" of {programme.weeks}." if programme.weeks else "."
    if rating is not None:
        change, grew = rating
        progress += f" Self-rating changed by {change:+.1f} on average"
        progress += f" (most in {', '.join(grew)})." if grew else "."
    concerns = "" if sessions else "No contact this month."
    return ReportDraft(sessions_text, actions_text, progress, concerns)


def draft_update(
    programme: SupportProgramme,
    number: int,
    sessions: Sequence[SessionSummary],
    actions: Sequence[ActionSummary],
) -> str:
    """A short 2-weekly update for the line manager: attendance and progress against the
    objectives, never the session notes themselves."""
    total = programme.update_count()
    parts = [f"Update {number} of {total} ({programme.kind.label})."]
    parts.append(
        f"Sessions in the last fortnight: {len(sessions)}"
        + (f" ({', '.join(s.kind.label.lower() for s in sessions)})." if sessions else ".")
    )
    done = sum(a.status == ActionStatus.DONE for a in actions)
    parts.append(f"Agreed actions done so far: {done} of {len(actions)}.")
    if programme.objectives:
        parts.append("Working towards: " + "; ".join(programme.objectives[:3]) + ".")
    return " ".join(parts)
