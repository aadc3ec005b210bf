"""The spreadsheets people already work with.

- the observation planning & monitoring sheet (seed 002, step 5);
- the action review sheet, the ARS (step 11);

The builders take plain rows and return bytes; the handlers gather the rows and check who asks.
Workbooks are written by the shared `bot.app.xlsx`: an About sheet first, then tables, with
overdue rows highlighted and the planning sheet's completion by curriculum area as a chart.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from functools import partial
from operator import attrgetter
from typing import Any

from bot.app import documents, xlsx
from bot.app.context import HandlerContext
from bot.app.observations.lifecycle import name_of
from bot.app.refusals import refusal
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.domain.access import Permission, Role
from bot.domain.local_time import LONDON, london_day
from bot.domain.observations import academic_year, monitoring_status
from storage.observations import Observations

ONLY_QUALITY = "Sorry, the exports are for the quality team."


def only_quality(ctx: HandlerContext) -> str:
    """ONLY_QUALITY, with how an org admin gives themselves the quality team's role."""
    return refusal(ctx, ONLY_QUALITY, Role.QUALITY_COORDINATOR, "export it")


@dataclass(frozen=True)
class PlanningLine:
    tutor: str
    email: str
    campus: str
    curriculum_area: str
    learning_in_libraries: bool
    observer: str
    kind: str
    course: str
    day: date | None
    start: str
    end: str
    status: str
    monitoring: str
    due_by: date | None
    report_submitted: date | None
    actions: int


@dataclass(frozen=True)
class ActionLogLine:
    """One row of the action review sheet: its fields are the sheet's columns, in order."""

    tutor: str
    observed: date | None
    course: str
    observer: str
    action: str
    owner: str
    target: date
    outcome: str
    outcome_recorded: date | None
    completed: date | None
    status: str


PLANNING_HEADERS = (
    "Tutor",
    "Email",
    "Campus",
    "Curriculum area",
    "Learning in Libraries",
    "Observer",
    "Type",
    "Course",
    "Planned date",
    "Start",
    "End",
    "Status",
    "Monitoring",
    "New tutor OTLA by",
    "Report submitted",
    "Actions",
)

ACTION_HEADERS = (
    "Tutor",
    "Observed",
    "Course",
    "Observer",
    "Action",
    "Owner",
    "Target date",
    "Outcome",
    "Outcome recorded",
    "Completed",
    "Status",
)
ACTION_ROW = attrgetter(*(f.name for f in fields(ActionLogLine)))  # a line's cells, in order


def planning_workbook(
    year: str,
    lines: Iterable[PlanningLine],
    *,
    organisation: str = "",
    prepared_by: str = "",
    on: date | None = None,
) -> bytes:
    """The planning & monitoring sheet; new tutors' observations past their date without a
    report are highlighted; a second sheet charts completion by curriculum area."""
    lines = list(lines)
    rows = (
        (
            ln.tutor,
            ln.email,
            ln.campus,
            ln.curriculum_area,
            "yes" if ln.learning_in_libraries else "no",
            ln.observer,
            ln.kind,
            ln.course,
            ln.day,
            ln.start,
            ln.end,
            ln.status,
            ln.monitoring,
            ln.due_by,
            ln.report_submitted,
            ln.actions,
        )
        for ln in lines
    )
    return xlsx.prepared_workbook(
        f"Observation planning & monitoring {year}",
        xlsx.Sheet(
            f"Planning {year.replace('/', '-')}",
            PLANNING_HEADERS,
            rows,
            overdue=xlsx.Overdue(due="New tutor OTLA by", done="Report submitted"),
        ),
        _completion_by_area(lines),
        group=f"Every observation in {year}",
        organisation=organisation,
        prepared_by=prepared_by,
        on=on,
    )


def _completion_by_area(lines: Iterable[PlanningLine]) -> xlsx.Sheet:
    planned: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for ln in lines:
        area = ln.curriculum_area or "(none)"
        planned[area] += 1
        done[area] += ln.report_submitted is not None
    rows: list[list[xlsx.Cell]] = [
        [area, planned[area], done[area], planned[area] - done[area]]
        for area in sorted(planned, key=str.lower)
    ]
    return xlsx.Sheet(
        "By curriculum area",
        ("Curriculum area", "Observations", "Reports in", "Still to come"),
        rows,
        chart=xlsx.Chart(
            "Completion by curriculum area", ("Reports in", "Still to come"), stacked=True
        ),
    )


def action_log_workbook(
    lines: Iterable[ActionLogLine],
    *,
    organisation: str = "",
    prepared_by: str = "",
    on: date | None = None,
) -> bytes:
    """The action review sheet; actions past their target date and not completed are
    highlighted."""
    return xlsx.prepared_workbook(
        "Action review sheet (ARS)",
        xlsx.Sheet(
            "Action review",
            ACTION_HEADERS,
            map(ACTION_ROW, lines),
            overdue=xlsx.Overdue(due="Target date", done="Completed"),
        ),
        group="Every observation's actions",
        organisation=organisation,
        prepared_by=prepared_by,
        on=on,
    )


# ---------------------------------------------------------------- handlers


async def planning_lines(ctx: HandlerContext, year: str) -> list[PlanningLine]:
    repo = Observations(ctx.uow.session)
    org = ctx.turn.org_id
    now = ctx.services.clock.now()
    submitted = await repo.submitted_dates(org, year)
    counts = await repo.action_counts(org, year)
    lines = []
    for obs, tutor, observer in await repo.planning_rows(org, year):
        start = obs.starts_at.astimezone(LONDON) if obs.starts_at else None
        end = obs.ends_at.astimezone(LONDON) if obs.ends_at else None
        state = obs.status
        lines.append(
            PlanningLine(
                tutor=name_of(tutor),
                email=tutor.email or "",
                campus=tutor.campus,
                curriculum_area=tutor.curriculum_area,
                learning_in_libraries=tutor.learning_in_libraries,
                observer=name_of(observer) if observer else "",
                kind=obs.kind,
                course=obs.course,
                day=start.date() if start else None,
                start=f"{start:%H:%M}" if start else "",
                end=f"{end:%H:%M}" if end else "",
                status=state.label,
                monitoring=monitoring_status(state, obs.starts_at, obs.due_by, now).value,
                due_by=obs.due_by,
                report_submitted=london_day(submitted[obs.id]) if obs.id in submitted else None,
                actions=counts.get(obs.id, 0),
            )
        )
    return lines


async def action_lines(ctx: HandlerContext, year: str | None = None) -> list[ActionLogLine]:
    repo = Observations(ctx.uow.session)
    lines = []
    for entry, obs, tutor, owner, observer in await repo.action_log_rows(ctx.turn.org_id, year):
        if entry.completed_at is not None:
            status = "Completed"
        else:
            status = "Outcome recorded" if entry.outcome else "Open"
        lines.append(
            ActionLogLine(
                tutor=name_of(tutor),
                observed=london_day(obs.starts_at) if obs.starts_at else None,
                course=obs.course,
                observer=name_of(observer) if observer else "",
                action=entry.text,
                owner=name_of(owner) if owner else "",
                target=entry.target_date,
                outcome=entry.outcome,
                outcome_recorded=london_day(entry.outcome_at) if entry.outcome_at else None,
                completed=london_day(entry.completed_at) if entry.completed_at else None,
                status=status,
            )
        )
    return lines


async def export_planning(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(only_quality(ctx))
    today = london_day(ctx.services.clock.now())
    year = academic_year(today)
    lines = await planning_lines(ctx, year)
    content = await asyncio.to_thread(
        partial(
            planning_workbook,
            year,
            lines,
            organisation=await documents.organisation_name(ctx),
            prepared_by=ctx.person.name,
            on=today,
        )
    )
    name = f"OTLA planning {year.replace('/', '-')}.xlsx"
    return await documents.send(ctx, name, content, f"Observation planning & monitoring {year}")


async def export_actions(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(only_quality(ctx))
    lines = await action_lines(ctx)
    today = london_day(ctx.services.clock.now())
    content = await asyncio.to_thread(
        partial(
            action_log_workbook,
            lines,
            organisation=await documents.organisation_name(ctx),
            prepared_by=ctx.person.name,
            on=today,
        )
    )
    return await documents.send(
        ctx, f"Action review log {today.isoformat()}.xlsx", content, "Action review sheet (ARS)"
    )


ROWS: tuple[CardAction, ...] = (
    CardAction("otla.export.planning", export_planning, private=False),
    CardAction("otla.export.actions", export_actions, private=False),
)
