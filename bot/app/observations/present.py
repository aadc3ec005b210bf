"""Records → card views, for one person: what they may see and what their next step is.

Handlers and notices use the same presenters, so a reminder shows the same card as the command.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.app.events import Events, WalksOnDay
from bot.app.observations.lifecycle import Loaded, day_label, name_of, when
from bot.domain.access import Actor, Permission, can
from bot.domain.local_time import LONDON, london_day
from bot.domain.observations import (
    DATED,
    ActionOwner,
    Move,
    ObservationClock,
    ObservationState,
    a_week_on,
    available_moves,
    grade_choices,
    report_is_late,
    state_seen,
    teams_meeting_link,
    theme,
    themes,
)
from cards.observations import (
    ActionLine,
    Button,
    DocumentLine,
    ObservationCardView,
    ProposalView,
    ReportFormView,
    ReportView,
    observation_card,
)
from storage.models import Organisation
from storage.observations import ObservationReport, Observations

S = ObservationState
REPORT_LATE = "The report is late (due within 3 days of the observation)."


def meeting_link(loaded: Loaded) -> str | None:
    obs = loaded.obs
    if obs.starts_at is None or obs.ends_at is None:
        return None
    subject = f"OTLA: {name_of(loaded.tutor)}" + (f" – {obs.course}" if obs.course else "")
    attendees = [p.email or "" for p in (loaded.observer, loaded.tutor) if p is not None]
    return teams_meeting_link(subject, obs.starts_at, obs.ends_at, attendees)


async def warnings_for(
    session: AsyncSession, events: Events, loaded: Loaded, now: datetime
) -> list[str]:
    obs = loaded.obs
    found: list[str] = []
    if obs.status in DATED and obs.starts_at is not None and obs.starts_at > now:
        day = london_day(obs.starts_at)
        for walks in await events.ask(session, WalksOnDay(obs.org_id, obs.tutor_id, day)):
            found += [
                f"A learning walk is already planned that day: {walk}. Choose another date?"
                for walk in walks
            ]
        if obs.due_by is not None and day > obs.due_by:
            found.append(
                f"That is after the new tutor's 6-week deadline ({day_label(obs.due_by)})."
            )
    if report_is_late(obs.status, obs.starts_at, now):
        found.append(REPORT_LATE)
    return found


async def observation_view(
    session: AsyncSession,
    events: Events,
    loaded: Loaded,
    actor: Actor,
    now: datetime,
    *,
    headline: str | None = None,
    message: str | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> ObservationCardView:
    obs = loaded.obs
    facts = loaded.facts
    moves = available_moves(actor, facts, now)
    ref = {"observation_id": obs.id}
    proposal = None
    if obs.proposed_by is not None and obs.proposed_starts_at is not None:
        proposer = loaded.observer if obs.proposed_by == obs.observer_id else loaded.tutor
        proposal = ProposalView(
            by=name_of(proposer),
            course=obs.proposed_course,
            when=when(obs.proposed_starts_at, obs.proposed_ends_at),
            note=obs.proposal_note,
            room=obs.proposed_room,
            starts=obs.proposed_starts_at.isoformat(),
        )
    buttons: list[Button] = []
    if Move.CONFIRM_PLANNED in moves:
        # The date the card shows: `planned` confirms only that one (a re-agreed date is new).
        agreed = {**ref, "agreed": obs.starts_at.isoformat()} if obs.starts_at else ref
        buttons.append(Button("On the planning list & EBS", "otla.planned", agreed, primary=True))
    if Move.RECORD_OBSERVED in moves or Move.SUBMIT_REPORT in moves:
        buttons.append(Button("Write the report", "otla.report.open", ref, primary=True))
    if (Move.CHECK in moves) or (Move.APPROVE in moves):
        buttons.append(Button("Open the report", "otla.report.open", ref, primary=True))
    elif facts.subject.approved and can(actor, Permission.READ_OBSERVATION, facts.subject):
        buttons.append(Button("Read the report", "otla.report.open", ref))
    link = meeting_link(loaded) if obs.status in DATED else None
    if link:
        buttons.append(Button("Add to Teams calendar", url=link))
    documents = await Observations(session).documents(obs.id)
    show_docs = can(actor, Permission.READ_OBSERVATION_DOCUMENTS, facts.subject) and (
        obs.status in (S.ALLOCATED, *DATED) or bool(documents)
    )
    seen = state_seen(actor, obs.status, facts.subject)
    due = None
    if obs.starts_at is not None and seen in (*DATED, S.OBSERVED, S.RETURNED):
        due = day_label(ObservationClock(obs.starts_at, obs.starts_at).report_due)
    # The report's lateness is the observer's and the quality team's (not a line manager's).
    warnings = await warnings_for(session, events, loaded, now)
    if seen is not obs.status:
        warnings = [w for w in warnings if w != REPORT_LATE]
    return ObservationCardView(
        observation_id=obs.id,
        tutor=name_of(loaded.tutor),
        observer=loaded.observer_name,
        course=obs.course or obs.proposed_course,
        when=when(obs.starts_at, obs.ends_at) or "To be agreed",
        status=seen.label,
        headline=headline,
        message=message,
        due=due,
        warnings=warnings,
        proposal=proposal,
        can_accept=Move.AGREE_DATE in moves,
        can_propose=Move.PROPOSE_DATE in moves,
        collapse_proposal=(obs.starts_at is not None or proposal is not None)
        and not (errors and {"course", "day", "start", "end", "note"} & set(errors)),
        proposal_values=values or proposal_defaults(loaded, now),
        errors=errors or {},
        documents=[DocumentLine(d.id, d.name, d.url) for d in documents],
        show_documents=show_docs,
        can_share_documents=can(actor, Permission.SHARE_OBSERVATION_DOCUMENTS, facts.subject)
        and obs.status in (S.ALLOCATED, *DATED),
        buttons=buttons,
    )


def proposal_defaults(loaded: Loaded, now: datetime) -> dict[str, str]:
    """A week on (the first working day from then), 10:00–11:00, the course already known: less
    to type on a phone."""
    obs = loaded.obs
    source = obs.proposed_starts_at or obs.starts_at
    if source is not None:
        start = source.astimezone(LONDON)
        end = (obs.proposed_ends_at or obs.ends_at or source + timedelta(hours=1)).astimezone(
            LONDON
        )
        day = start.date()
        times = (f"{start:%H:%M}", f"{end:%H:%M}")
    else:
        day = a_week_on(london_day(now))
        times = ("10:00", "11:00")
    return {
        "course": obs.proposed_course or obs.course,
        "day": day.isoformat(),
        "start": times[0],
        "end": times[1],
    }


# ---------------------------------------------------------------- the report


def owner_choices(loaded: Loaded) -> list[tuple[str, str]]:
    choices = [(f"{name_of(loaded.tutor)} (tutor)", ActionOwner.TUTOR.value)]
    if loaded.managers:
        choices.append(
            (f"{name_of(loaded.managers[0])} (line manager)", ActionOwner.LINE_MANAGER.value)
        )
    return choices


def report_values(report: ObservationReport | None) -> dict[str, str]:
    """A stored report as the card's input values (multi-selects comma-separated)."""
    if report is None:
        return {}
    values = {
        "strength_themes": ",".join(report.strength_themes),
        "strengths": report.strengths,
        "area_themes": ",".join(report.area_themes),
        "areas": report.areas,
        "suggestions": report.suggestions,
        "grade": report.grade or "",
        "best_practice": "true" if report.best_practice else "false",
        "best_practice_note": report.best_practice_note,
    }
    for i, action in enumerate(report.actions, start=1):
        values[f"action_{i}"] = str(action.get("text", ""))
        values[f"action_{i}_owner"] = str(action.get("owner", ActionOwner.TUTOR.value))
        values[f"action_{i}_date"] = str(action.get("target", ""))
    return values


def report_form_view(
    loaded: Loaded,
    report: ObservationReport | None,
    org: Organisation | None,
    *,
    saved_note: str | None = None,
) -> ReportFormView:
    obs = loaded.obs
    due = ""
    if obs.starts_at is not None:
        due = day_label(ObservationClock(obs.starts_at, obs.starts_at).report_due)
    returned = report.return_comment if report and obs.status is S.RETURNED else None
    return ReportFormView(
        observation_id=obs.id,
        tutor=name_of(loaded.tutor),
        course=obs.course,
        when=when(obs.starts_at, obs.ends_at),
        due=due,
        themes=[(t.label, t.key) for t in themes()],
        owners=owner_choices(loaded),
        grades=grade_choices(org.settings if org else None),
        return_comment=returned or None,
        saved_note=saved_note,
    )


def _owner_label(loaded: Loaded, owner: str) -> str:
    if owner == ActionOwner.LINE_MANAGER.value and loaded.managers:
        return name_of(loaded.managers[0])
    return name_of(loaded.tutor)


def report_view(
    loaded: Loaded,
    report: ObservationReport,
    actor: Actor,
    now: datetime,
    *,
    headline: str | None = None,
    note: str | None = None,
    errors: Mapping[str, str] | None = None,
) -> ReportView:
    obs = loaded.obs
    moves = available_moves(actor, loaded.facts, now)
    subject = loaded.subject
    quality_side = actor.in_quality_team or actor.person_id == obs.observer_id
    actions = [
        ActionLine(
            str(a.get("text", "")), _owner_label(loaded, str(a.get("owner", ""))), _target(a)
        )
        for a in report.actions
    ]
    acknowledged = None
    if obs.acknowledged_at is not None:
        acknowledged = (
            f"{name_of(loaded.tutor)} acknowledged it on {day_label(obs.acknowledged_at)}."
        )
    return ReportView(
        observation_id=obs.id,
        tutor=name_of(loaded.tutor),
        observer=loaded.observer_name,
        course=obs.course,
        when=when(obs.starts_at, obs.ends_at),
        status=obs.status.label,
        strength_themes=_labels(report.strength_themes),
        strengths=report.strengths,
        area_themes=_labels(report.area_themes),
        areas=report.areas,
        actions=actions,
        suggestions=report.suggestions,
        headline=headline,
        note=note,
        grade=report.grade,
        best_practice_note=report.best_practice_note
        if report.best_practice and quality_side
        else None,
        return_comment=report.return_comment if quality_side and obs.status is S.RETURNED else None,
        acknowledged=acknowledged,
        can_check=Move.CHECK in moves,
        submitted=report.submitted_at.isoformat() if report.submitted_at else "",
        can_approve=Move.APPROVE in moves,
        can_acknowledge=can(actor, Permission.ACKNOWLEDGE_REPORT, subject)
        and obs.acknowledged_at is None,
        errors=errors or {},
    )


def _target(action: Mapping[str, Any]) -> str:
    raw = str(action.get("target", ""))
    try:
        return day_label(date.fromisoformat(raw)) if raw else ""
    except ValueError:
        return raw


def _labels(keys: list[str]) -> list[str]:
    return [t.label for k in keys if (t := theme(k)) is not None]


async def asker_card(
    ctx: HandlerContext,
    loaded: Loaded,
    headline: str | None = None,
    message: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The observation's card as the asker of this turn sees it now."""
    view = await observation_view(
        ctx.uow.session,
        ctx.services.events,
        loaded,
        ctx.actor,
        ctx.services.clock.now(),
        headline=headline,
        message=message,
        values=values,
        errors=errors,
    )
    return observation_card(view)
