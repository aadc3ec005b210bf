"""`actions`: the action review log (the ARS, seed 002 step 12). The line manager records the
outcome, then marks the action completed after observable improvement; the last one completed
closes the observation's actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.app.context import HandlerContext
from bot.app.observations import exports
from bot.app.observations.forms import ActionOutcomeForm, ActionRef
from bot.app.observations.lifecycle import apply_follow, day_label, load, name_of
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.domain.access import Permission, Subject
from bot.domain.local_time import london_day
from bot.domain.observations import Move, ObservationState
from cards.observations import ActionItemView, ActionsView, actions_card
from storage.models import Person
from storage.observations import ActionReviewEntry, Observations
from storage.people import Directory
from storage.reminders import Schedule

NOT_YOURS = "Sorry, that action isn't one you can change."
FIRST = 40  # actions looked at for one card


async def actions(ctx: HandlerContext) -> Reply:
    """The action review log: your actions, your tutors' actions, or everyone's.

    Usage: actions
    Usage: actions all (quality team: every open action)
    Usage: actions export (quality team: the log as XLSX)
    """
    sub = (ctx.args.split() or [""])[0].lower()
    if sub == "export":
        return await exports.export_actions(ctx, {})
    return Reply.show(actions_card(await _view(ctx, everyone=sub == "all")))


async def _view(
    ctx: HandlerContext,
    *,
    everyone: bool = False,
    note: str | None = None,
    errors: dict[str, str] | None = None,
) -> ActionsView:
    repo = Observations(ctx.uow.session)
    org = ctx.turn.org_id
    managed = await ctx.directory.managed_by(ctx.turn.org_id, ctx.person.email)
    found: dict[int, ActionReviewEntry] = {}
    for entry in await repo.actions(org, tutor_ids=[ctx.person.id]):
        found[entry.id] = entry
    # A line manager's own actions are read as their tutors' (below): one who owned an action
    # before the tutor list gave the tutor a new line manager no longer reads it.
    if managed:
        for entry in await repo.actions(org, tutor_ids=[p.id for p in managed]):
            found[entry.id] = entry
    quality = ctx.can(Permission.VIEW_QUALITY_DASHBOARD)
    if quality and (everyone or not found):
        for entry in await repo.actions(org, open_only=True):
            found[entry.id] = entry
    # Open ones first, soonest first; a card shows a dozen, the export has the rest.
    entries = sorted(found.values(), key=lambda e: (e.completed_at is not None, e.target_date))
    items = await _items(ctx, entries[:FIRST])
    heading = "Action review log" if managed or quality else "My actions"
    return ActionsView(
        heading, items, can_export=quality, errors=errors or {}, note=note, total=len(entries)
    )


async def _items(ctx: HandlerContext, entries: Sequence[ActionReviewEntry]) -> list[ActionItemView]:
    today = london_day(ctx.services.clock.now())
    directory = Directory(ctx.uow.session)
    people: dict[int, Person | None] = {}
    managers: dict[int, frozenset[int]] = {}

    async def person(pid: int | None) -> Person | None:
        if pid is None:
            return None
        if pid not in people:
            people[pid] = await directory.person(ctx.turn.org_id, pid)
        return people[pid]

    items = []
    for e in entries:
        tutor = await person(e.tutor_id)
        if e.tutor_id not in managers:
            managers[e.tutor_id] = (
                frozenset(m.id for m in await directory.line_managers_of(tutor))
                if tutor
                else frozenset()
            )
        subject = Subject(
            org_id=e.org_id, tutor_id=e.tutor_id, line_manager_ids=managers[e.tutor_id]
        )
        may_record = ctx.can(Permission.RECORD_ACTION_OUTCOME, subject) and e.completed_at is None
        overdue = e.completed_at is None and today > e.target_date
        items.append(
            ActionItemView(
                action_id=e.id,
                tutor=name_of(tutor),
                text=e.text,
                owner=name_of(await person(e.owner_id)),
                target=day_label(e.target_date),
                status=status(e),
                outcome=e.outcome,
                overdue=overdue,
                can_record=may_record,
                can_complete=may_record and bool(e.outcome),
            )
        )
    items.sort(key=lambda i: (i.status == "Completed", not i.overdue))
    return items


def status(entry: ActionReviewEntry) -> str:
    if entry.completed_at is not None:
        return "Completed"
    return "Outcome recorded" if entry.outcome else "Open"


async def _editable(ctx: HandlerContext, action_id: int) -> ActionReviewEntry | None:
    repo = Observations(ctx.uow.session)
    entry = await repo.action(ctx.turn.org_id, action_id)
    if entry is None:
        return None
    tutor = await ctx.directory.person(ctx.turn.org_id, entry.tutor_id)
    lm_ids = (
        frozenset(m.id for m in await ctx.directory.line_managers_of(tutor))
        if tutor
        else frozenset()
    )
    subject = Subject(org_id=entry.org_id, tutor_id=entry.tutor_id, line_manager_ids=lm_ids)
    if not ctx.can(Permission.RECORD_ACTION_OUTCOME, subject):
        return None
    return entry


async def record_outcome(ctx: HandlerContext, form: ActionOutcomeForm) -> Reply:
    now = ctx.services.clock.now()
    entry = await _editable(ctx, form.action_id)
    if entry is None:
        return Reply.text(NOT_YOURS)
    if entry.completed_at is not None:
        return Reply.text("That action is already completed.")
    entry.outcome, entry.outcome_by, entry.outcome_at = form.outcome, ctx.person.id, now
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, f"action:{entry.id}", "record outcome", form.outcome, now
    )
    note = "Outcome saved. Mark it completed once you see the improvement."
    return Reply.update(actions_card(await _view(ctx, note=note)))


async def redisplay_outcome(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    key = f"outcome_{values.get('action_id', '')}"
    shown = {key: errors.get("outcome") or next(iter(errors.values()), "Please check this")}
    return Reply.update(actions_card(await _view(ctx, errors=shown)))


async def complete(ctx: HandlerContext, form: ActionRef) -> Reply:
    now = ctx.services.clock.now()
    entry = await _editable(ctx, form.action_id)
    if entry is None:
        return Reply.text(NOT_YOURS)
    if not entry.outcome:
        errors = {f"outcome_{entry.id}": "Record the outcome first"}
        return Reply.update(actions_card(await _view(ctx, errors=errors)))
    if entry.completed_at is None:
        entry.completed_at, entry.completed_by = now, ctx.person.id
        await ctx.directory.audit(
            ctx.turn.org_id, ctx.person.id, f"action:{entry.id}", "complete", "", now
        )
        await Schedule(ctx.uow.session).cancel(
            ctx.turn.org_id, f"otla-action:{entry.id}:overdue", now
        )
        await ctx.uow.session.flush()
        await _close_if_done(ctx, entry.observation_id)
    return Reply.update(actions_card(await _view(ctx, note="Completed. Thank you.")))


async def _close_if_done(ctx: HandlerContext, observation_id: int) -> None:
    repo = Observations(ctx.uow.session)
    if await repo.open_action_count(observation_id):
        return
    loaded = await load(ctx.uow.session, ctx.turn.org_id, observation_id)
    if loaded is not None and loaded.obs.status is ObservationState.ACTIONS_OPEN:
        await apply_follow(
            ctx.uow.session, ctx.person.id, loaded, Move.CLOSE_ACTIONS, ctx.services.clock.now()
        )


ROWS: tuple[CardAction, ...] = (
    CardAction(
        "otla.action.outcome",
        record_outcome,
        form=ActionOutcomeForm,
        redisplay=redisplay_outcome,
    ),
    CardAction("otla.action.complete", complete, form=ActionRef),
)
