"""Card views built from the support records (read-only; callers have checked `can()`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.app.support.records import caseload_of, name_of
from bot.domain import support as rules
from bot.domain.local_time import london
from bot.domain.support import (
    ActionStatus,
    ActionSummary,
    CheckpointKind,
    ProgrammeKind,
    ProgrammeState,
    RatingStage,
    SessionKind,
    SessionSummary,
)
from cards.support import (
    ActionLine,
    CaseloadLine,
    ProgrammeView,
    ReferralForAp,
    ReferralFormView,
    ReportFormView,
    ReviewView,
    TimelineLine,
)
from storage.models import Person
from storage.people import Directory
from storage.support import (
    CompetenceRating,
    SupportProgrammeRecord,
    SupportRecords,
    SupportReferral,
)

PROGRAMME_CHOICES = tuple((k.label, k.value) for k in ProgrammeKind)


def _about(kind: ProgrammeKind) -> str:
    """What the AP chooses between, in a line: how long, whether it ends with a sign-off, and
    whether it reports to the line manager (a self-referral's tutor is then asked first)."""
    r = rules.RULES[kind]
    line = f"**{r.label}**: " + (f"{r.weeks} weeks" if r.weeks else "as and when, no timeline")
    if r.sign_off:
        line += ", ending with a sign-off observation"
    if r.update_every_weeks:
        line += f"; an update goes to their line manager every {r.update_every_weeks} weeks"
    return line + "."


ABOUT_PROGRAMMES = tuple(_about(k) for k in ProgrammeKind)
SESSION_CHOICES = tuple((k.label, k.value) for k in SessionKind)
REVIEW_STATUSES = (
    (ActionStatus.DONE.label, ActionStatus.DONE.value),
    (ActionStatus.IN_PROGRESS.label, ActionStatus.IN_PROGRESS.value),
    (ActionStatus.NOT_STARTED.label, ActionStatus.NOT_STARTED.value),
)


def day(at: datetime | date) -> str:
    d = london(at).date() if isinstance(at, datetime) else at
    return f"{d:%a} {d.day} {d:%b}"


def labels(keys: Sequence[str], options: Sequence[rules.Option], other: str = "") -> str:
    words = [rules.label_of(options, k) for k in keys]
    if other:
        words.append(f"“{other}”")
    return ", ".join(words) or "—"


def referral_summary(referral: SupportReferral) -> str:
    what = labels(referral.topics, rules.topics(), referral.other_topic)
    how = labels(referral.ways, rules.ways())
    return f"Support with {what}; by {how}."


async def referral_form_view(records: SupportRecords, org_id: str) -> ReferralFormView:
    campuses = await Directory(records.session).campuses(org_id)
    return ReferralFormView(
        topics=[(o.label, o.key) for o in rules.topics()],
        ways=[(o.label, o.key) for o in rules.ways()],
        times=[(o.label, o.key) for o in rules.times()],
        campuses=[*((c, c) for c in campuses), ("Any campus", "any")],
    )


def referral_defaults(person: Person, words: str = "") -> dict[str, Any]:
    topic, other = rules.topic_from_phrase(words) if words else (None, "")
    return {
        "topics": topic or "",
        "other_topic": other,
        "campus": person.campus or "any",
        "delivery_style": person.delivery_style or "",
        "similar_style": "no",
    }


def referral_for_ap(
    referral: SupportReferral, tutor: Person, reasons: Sequence[str], today: date
) -> ReferralForAp:
    style = {"practical": "Practical / vocational", "classroom": "Classroom"}.get(
        referral.delivery_style or "", "—"
    )
    if referral.similar_style:
        style += " (would like someone similar)"
    return ReferralForAp(
        referral_id=referral.id,
        tutor=tutor.name or tutor.email or "A tutor",
        campus=referral.campus if referral.campus != "any" else "Any",
        topics=labels(referral.topics, rules.topics(), referral.other_topic),
        ways=labels(referral.ways, rules.ways()),
        times=labels(referral.preferred_times, rules.times(), referral.times_note),
        style=style,
        reasons=reasons,
        programmes=PROGRAMME_CHOICES,
        suggested=rules.suggested_programme(tutor.start_date, today).value,
        about_programmes=ABOUT_PROGRAMMES,
    )


def status_of(programme: SupportProgrammeRecord, now: datetime) -> str:
    p = programme.domain()
    if p.state == ProgrammeState.UNDER_REVIEW:
        return "With the head of T&L for review"
    if p.state != ProgrammeState.ACTIVE:
        return p.state.value.replace("_", " ").capitalize()
    if p.weeks is None:
        return "Running (as and when)"
    extended = " (extended)" if p.extensions else ""
    return f"Week {min(p.week(now), p.weeks)} of {p.weeks}{extended}"


async def programme_view(
    directory: Directory,
    records: SupportRecords,
    programme: SupportProgrammeRecord,
    viewer: str,
    now: datetime,
) -> ProgrammeView:
    p = programme.domain()
    org = programme.org_id
    ratings = {r.stage for r in await records.ratings(programme.id)}
    updates = {u.number for u in await records.updates(programme.id)}
    timeline = []
    for point in p.timeline():
        if point.kind == CheckpointKind.REVIEW and p.sign_off == rules.SignOff.MET:
            continue
        done = (
            point.kind == CheckpointKind.RATING
            and point.stage is not None
            and point.stage.value in ratings
        ) or (point.kind == CheckpointKind.UPDATE and point.number in updates)
        timeline.append(TimelineLine(day(point.due), point.label, done))
    rows = await records.sessions(programme.id)
    sessions = [TimelineLine(day(s.held_on), SessionKind(s.kind).label) for s in rows]
    notes = [TimelineLine(day(s.held_on), s.notes) for s in rows if s.notes]
    actions = [
        ActionLine(a.id, a.text, ActionStatus(a.status).label)
        for a in await records.actions(programme.id)
    ]
    reflections = [r.text for r in await records.reflections(programme.id)]
    note = ""
    if p.kind == ProgrammeKind.SUPPORT_TO_GOOD and viewer == "tutor":
        note = (
            "Only you and your AP see this. A short update goes to your line manager every "
            "2 weeks; you see each one before it is sent. Ending this programme is decided "
            "with your AP."
        )
        if p.state == ProgrammeState.UNDER_REVIEW:
            note = (
                "You, your AP and, until the week-12 review is recorded, the head of teaching "
                "& learning see this (never your reflections or session notes)."
            )
    return ProgrammeView(
        programme_id=programme.id,
        tutor=await name_of(directory, org, programme.tutor_id),
        practitioner=await name_of(directory, org, programme.practitioner_id),
        kind=p.kind.label,
        summary=p.rules.summary,
        status=status_of(programme, now),
        timeline=timeline,
        sessions=sessions,
        actions=actions,
        objectives=list(programme.objectives) + list(programme.milestones),
        reflections=reflections if viewer in ("tutor", "practitioner") else [],
        viewer=viewer,
        can_extend=p.can_extend(now) is None,
        open_=p.active,
        line_manager_note=note,
        notes=notes if viewer in ("tutor", "practitioner") else [],
        can_end=viewer == "tutor" and p.active and p.kind != ProgrammeKind.SUPPORT_TO_GOOD,
    )


async def caseload_lines(
    directory: Directory, practitioner_id: int, org: str, now: datetime
) -> list[CaseloadLine]:
    return [
        CaseloadLine(
            p.id,
            await name_of(directory, org, p.tutor_id),
            ProgrammeKind(p.kind).label,
            status_of(p, now),
        )
        for p in await caseload_of(directory, org, practitioner_id)
    ]


def session_summaries(rows: Sequence[Any]) -> list[SessionSummary]:
    return [SessionSummary(r.held_on, SessionKind(r.kind)) for r in rows]


def action_summaries(rows: Sequence[Any]) -> list[ActionSummary]:
    return [ActionSummary(r.text, ActionStatus(r.status)) for r in rows]


def rating_change(
    ratings: Sequence[CompetenceRating], settings: Mapping[str, Any]
) -> tuple[float, list[str]] | None:
    by_stage = {r.stage: r.scores for r in ratings}
    first = by_stage.get(RatingStage.START.value)
    latest = by_stage.get(RatingStage.END.value) or by_stage.get(RatingStage.MIDDLE.value)
    if not first or not latest:
        return None
    return rules.rating_change(first, latest, rules.checklist(settings))


async def report_view(
    directory: Directory,
    records: SupportRecords,
    programme: SupportProgrammeRecord,
    month: str,
    now: datetime,
    settings: Mapping[str, Any],
) -> ReportFormView:
    """The stored report for that month, or a draft from the record."""
    tutor = await name_of(directory, programme.org_id, programme.tutor_id)
    stored = await records.report(programme.id, month)
    if stored is not None:
        return ReportFormView(
            programme.id,
            month,
            rules.month_label(month),
            tutor,
            stored.sessions,
            stored.actions,
            stored.progress,
            stored.concerns,
        )
    year, mon = (int(x) for x in month.split("-"))
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    draft = rules.draft_report(
        programme.domain(),
        now,
        session_summaries(await records.sessions(programme.id, start, end)),
        action_summaries(await records.actions(programme.id)),
        # Self-ratings stay out of the report to the head unless the tutor opted in.
        rating_change(await records.ratings(programme.id), settings)
        if programme.ratings_in_reports
        else None,
    )
    return ReportFormView(
        programme.id,
        month,
        rules.month_label(month),
        tutor,
        draft.sessions,
        draft.actions,
        draft.progress,
        draft.concerns,
    )


async def review_view(
    directory: Directory,
    records: SupportRecords,
    programme: SupportProgrammeRecord,
    settings: Mapping[str, Any],
) -> ReviewView:
    p = programme.domain()
    change = rating_change(await records.ratings(programme.id), settings)
    return ReviewView(
        programme_id=programme.id,
        tutor=await name_of(directory, programme.org_id, programme.tutor_id),
        practitioner=await name_of(directory, programme.org_id, programme.practitioner_id),
        started=day(programme.started_at),
        weeks=f"{p.weeks} weeks" + (" (extended)" if p.extensions else ""),
        sessions=len(await records.sessions(programme.id)),
        sign_off={"met": "Met", "not_met": "Not met"}.get(p.sign_off or "", "Not held"),
        objectives=list(programme.objectives),
        rating=f"{change[0]:+.1f} on average" if change else "Not rated twice",
    )
