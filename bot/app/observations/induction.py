"""New tutors (seed 002): the HA24 induction checklist, and an OTLA within the first 6 weeks of
delivery, counted from the start date on the tutor list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.app.observations import schedule
from bot.app.observations.forms import InductionForm
from bot.app.observations.lifecycle import audit, day_label, name_of
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.domain.access import Actor, Permission, Role, Subject
from bot.domain.local_time import london_day
from bot.domain.observations import (
    ObservationFacts,
    ObservationState,
    academic_year,
    induction_deadline,
    induction_items,
    is_new_tutor,
    state_seen,
)
from cards.observations import InductionView, NewTutorLine, induction_card, new_tutors_card
from storage.models import Person
from storage.observations import InductionChecklist, Observations
from storage.people import Directory
from storage.reminders import Schedule

NOT_YOURS = "Sorry, that checklist is for the tutor's line manager and the quality team."


async def on_tutors_imported(
    session: AsyncSession,
    org_id: str,
    tutors: Sequence[Person],
    now: datetime,
    by: int | None = None,
) -> int:
    """Called after a tutor list import: each new tutor gets an HA24 checklist and an OTLA due
    within 6 weeks of their start date; the quality coordinator is asked to allocate it and the
    line manager gets the checklist (whoever is their line manager when it is sent; if a later
    list leaves them none, `by`, who imported this one, hears so). Returns how many new tutors
    were found."""
    today = london_day(now)
    repo = Observations(session)
    directory = Directory(session)
    found = 0
    for tutor in tutors:
        if not is_new_tutor(tutor.start_date, today):
            continue
        assert tutor.start_date is not None
        found += 1
        due = induction_deadline(tutor.start_date)
        year = academic_year(max(tutor.start_date, today))
        obs = await repo.for_tutor(org_id, tutor.id, year)
        fresh = obs is None
        if obs is None:
            obs = await repo.create(
                org_id,
                tutor.id,
                year,
                ObservationState.UNALLOCATED,
                now,
                kind="induction",
                due_by=due,
            )
            await audit(
                session,
                org_id,
                None,
                obs.id,
                "create",
                f"new tutor: OTLA by {due.isoformat()}",
                now,
            )
        elif obs.due_by != due:
            obs.due_by = due
        _, created = await repo.start_checklist(org_id, tutor.id, tutor.start_date, now)
        if fresh:  # told once; the planning list keeps showing it until it is allocated
            for qc in await directory.holders(org_id, Role.QUALITY_COORDINATOR):
                await schedule.tell(
                    session, obs, f"new-tutor:{qc.id}", schedule.NEW_TUTOR, qc.id, now, now
                )
        if created:
            # Addressed to the line manager now; the notice follows a change before it goes
            # (and tells `by` if a change leaves the tutor with none).
            for person_id in [m.id for m in await directory.line_managers_of(tutor)]:
                await Schedule(session).put(
                    org_id,
                    f"ha24:{tutor.id}:{person_id}",
                    schedule.INDUCTION,
                    now,
                    now,
                    person_id=person_id,
                    payload={"tutor_id": tutor.id, "by": by},
                )
    return found


async def checklist_view(
    session: AsyncSession,
    checklist: InductionChecklist,
    tutor: Person,
    actor: Actor,
    saved_note: str | None = None,
) -> InductionView:
    """The HA24 for a line manager or the quality team; the OTLA's state as `actor` may see it
    (a line manager: "Planned" until the report is approved, `state_seen`)."""
    repo = Observations(session)
    obs = await repo.for_tutor(
        tutor.org_id, tutor.id, academic_year(checklist.start_date or checklist.created_at.date())
    )
    status = "Not planned"
    if obs is not None:
        facts = ObservationFacts(obs.org_id, obs.status, obs.tutor_id, obs.observer_id)
        status = state_seen(actor, obs.status, facts.subject).label
    due = induction_deadline(checklist.start_date) if checklist.start_date else None
    return InductionView(
        tutor_id=tutor.id,
        tutor=name_of(tutor),
        start=day_label(checklist.start_date) or "not given",
        otla_by=day_label(due) or "—",
        otla_status=status,
        items=[(i.label, i.key) for i in induction_items()],
        done=[i.key for i in induction_items() if i.key in checklist.done],
        can_edit=True,
        saved_note=saved_note,
    )


async def _subject(ctx: HandlerContext, tutor: Person) -> Subject:
    managers = await ctx.directory.line_managers_of(tutor)
    return Subject(
        org_id=tutor.org_id, tutor_id=tutor.id, line_manager_ids=frozenset(m.id for m in managers)
    )


async def _managed(ctx: HandlerContext, tutor_id: int) -> tuple[Person, InductionChecklist] | None:
    """The tutor and their checklist, if the person asking manages it (None: no such checklist
    in this organisation, or not theirs: both are told NOT_YOURS)."""
    tutor = await ctx.directory.person(ctx.turn.org_id, tutor_id)
    checklist = await Observations(ctx.uow.session).checklist(ctx.turn.org_id, tutor_id)
    if tutor is None or checklist is None:
        return None
    if not ctx.can(Permission.MANAGE_INDUCTION, await _subject(ctx, tutor)):
        return None
    return tutor, checklist


async def open_checklist(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    try:
        tutor_id = int(values.get("tutor_id", ""))
    except (TypeError, ValueError):
        return Reply.text(NOT_YOURS)
    managed = await _managed(ctx, tutor_id)
    if managed is None:
        return Reply.text(NOT_YOURS)
    tutor, checklist = managed
    view = await checklist_view(ctx.uow.session, checklist, tutor, ctx.actor)
    return Reply.show(induction_card(view))


async def save(ctx: HandlerContext, form: InductionForm) -> Reply:
    now = ctx.services.clock.now()
    managed = await _managed(ctx, form.tutor_id)
    if managed is None:
        return Reply.text(NOT_YOURS)
    tutor, checklist = managed
    known = {i.key for i in induction_items()}
    ticked = [k for k in form.done if k in known]
    if form.shown is not None:
        # Someone else may have ticked items since this card was drawn: keep those; untick only
        # what this card showed ticked and now does not.
        unticked = set(form.shown) - set(form.done)
        ticked += [k for k in checklist.done if k not in unticked and k not in ticked]
    done = {k: v for k, v in checklist.done.items() if k in ticked}
    for k in ticked:
        done.setdefault(k, {"by": ctx.person.id, "at": now.isoformat()})
    checklist.done = done
    checklist.updated_at = now
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, f"ha24:{tutor.id}", "update", ",".join(sorted(done)), now
    )
    view = await checklist_view(ctx.uow.session, checklist, tutor, ctx.actor, "Saved.")
    return Reply.update(induction_card(view))


async def list_new(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    """New tutors' checklists: all of them for the quality team, their own tutors for a manager."""
    repo = Observations(ctx.uow.session)
    quality = ctx.actor.in_quality_team
    managed = {p.id for p in await ctx.directory.managed_by(ctx.turn.org_id, ctx.person.email)}
    if not quality and not managed:
        return Reply.text(NOT_YOURS)
    items = [
        NewTutorLine(
            tutor.id,
            name_of(tutor),
            day_label(checklist.start_date) or "—",
            f"{len(checklist.done)} of {len(induction_items())} done",
        )
        for checklist, tutor in await repo.checklists(ctx.turn.org_id)
        if quality or tutor.id in managed
    ]
    return Reply.show(new_tutors_card(items))


ROWS: tuple[CardAction, ...] = (
    CardAction("otla.ha24.list", list_new, idempotent=False),
    CardAction("otla.ha24.open", open_checklist, idempotent=False),
    CardAction("otla.ha24.save", save, form=InductionForm),
)
