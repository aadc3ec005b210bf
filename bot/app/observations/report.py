"""`report`: the observer writes (drafts, submits), the development officer checks or returns it,
the development coordinator approves it, and it goes to the tutor and their line manager
(seed 002, steps 8-11). Actions land on the action review log on approval."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.app.context import HandlerContext, with_loaded
from bot.app.events import ObservationApproved
from bot.app.form_fields import whole_number
from bot.app.observations import schedule
from bot.app.observations.forms import (
    CheckedVersion,
    CheckForm,
    ObservationRef,
    ReportDraftForm,
    ReportForm,
    ReturnForm,
)
from bot.app.observations.lifecycle import (
    Loaded,
    apply,
    apply_follow,
    audit,
    day_label,
    load,
    moved,
    name_of,
    shown_again,
    when,
)
from bot.app.observations.present import (
    report_form_view,
    report_values,
    report_view,
)
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.domain.access import Permission, Role
from bot.domain.local_time import LONDON, london_day
from bot.domain.observations import (
    DATED,
    REPORT_IN_PROGRESS,
    ActionOwner,
    Move,
    MoveRefused,
    ObservationState,
    after_approval,
    available_moves,
    grade_choices,
)
from cards.base import said
from cards.observations import Button, message_card, report_card, report_form_card
from storage.models import Organisation
from storage.observations import ActionReviewEntry, ObservationReport, Observations

S = ObservationState
NOT_YOURS = "Sorry, that report isn't one you can see."
BACK_WITH = (
    "This report is back with {observer} for correction: you'll see it when it is submitted again."
)


async def report(ctx: HandlerContext) -> Reply:
    """Write, check, approve or read an observation report.

    Usage: report
    Usage: report 12
    """
    words = ctx.args.split()
    if words and (number := whole_number(words[0].lstrip("#"))) is not None:
        return await _open(ctx, number)
    waiting = await _waiting_for_me(ctx)
    if len(waiting) == 1:
        return await _open(ctx, waiting[0])
    from bot.app.observations.views import todo

    return await todo(ctx)


async def _waiting_for_me(ctx: HandlerContext) -> list[int]:
    """Reports whose next step is mine: to write, to check or to approve."""
    repo = Observations(ctx.uow.session)
    org = ctx.turn.org_id
    ids = [
        o.id
        for o in await repo.where(
            org, states=(*DATED, *REPORT_IN_PROGRESS), observer_id=ctx.person.id
        )
        if o.status in REPORT_IN_PROGRESS
        or (o.starts_at is not None and o.starts_at <= ctx.services.clock.now())
    ]
    # Not their own report to check or approve: a colleague does (`bot.domain.access`).
    if ctx.actor.has(Role.DEVELOPMENT_OFFICER):
        ids += [
            o.id
            for o in await repo.where(org, states=(S.REPORT_SUBMITTED,))
            if o.observer_id != ctx.person.id
        ]
    if ctx.actor.has(Role.DEVELOPMENT_COORDINATOR):
        ids += [
            o.id
            for o in await repo.where(org, states=(S.CHECKED,))
            if o.observer_id != ctx.person.id
        ]
    return ids


async def open_report(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    try:
        return await _open(ctx, int(values.get("observation_id", "")))
    except (TypeError, ValueError):
        return Reply.text(NOT_YOURS)


async def _org(ctx: HandlerContext) -> Organisation | None:
    return await ctx.uow.session.get(Organisation, ctx.turn.org_id)


async def _open(ctx: HandlerContext, observation_id: int, headline: str | None = None) -> Reply:
    now = ctx.services.clock.now()
    loaded = await load(ctx.uow.session, ctx.turn.org_id, observation_id)
    if loaded is None:
        return Reply.text(NOT_YOURS)
    repo = Observations(ctx.uow.session)
    stored = await repo.report(loaded.obs)
    moves = available_moves(ctx.actor, loaded.facts, now)
    if Move.RECORD_OBSERVED in moves or Move.SUBMIT_REPORT in moves:
        view = report_form_view(loaded, stored, await _org(ctx))
        return Reply.show(report_form_card(view, report_values(stored)))
    readable = ctx.can(Permission.READ_OBSERVATION, loaded.subject)
    if readable and loaded.obs.status is S.RETURNED:
        # The stored report is the observer's correction in progress: nobody else's to read.
        return Reply.text(BACK_WITH.format(observer=loaded.observer_name))
    if readable and stored is not None and stored.submitted_at is not None:
        view_ = report_view(loaded, stored, ctx.actor, now, headline=headline)
        return Reply.show(report_card(view_))
    if ctx.can(Permission.WRITE_REPORT, loaded.subject) and loaded.obs.status in (
        S.ALLOCATED,
        *DATED,
    ):
        start = when(loaded.obs.starts_at, loaded.obs.ends_at) or "once a date is agreed"
        return Reply.text(f"You can write the report once the observation has started ({start}).")
    if readable:
        return Reply.text("There is no report yet.")
    return Reply.text(NOT_YOURS)


async def _writable(
    ctx: HandlerContext, observation_id: int, now: datetime
) -> tuple[Loaded, ObservationReport]:
    """The observation for its observer to write: recorded as observed on the first save."""
    loaded = await load(ctx.uow.session, ctx.turn.org_id, observation_id)
    if loaded is None or not ctx.can(Permission.WRITE_REPORT, loaded.subject):
        raise MoveRefused(NOT_YOURS)
    if loaded.obs.status in DATED:
        await apply(ctx.uow.session, ctx.actor, loaded, Move.RECORD_OBSERVED, now)
    if loaded.obs.status not in REPORT_IN_PROGRESS:
        raise MoveRefused(f"This report is at \u201c{loaded.obs.status.label}\u201d: not now.")
    report_ = await Observations(ctx.uow.session).report_for_writing(loaded.obs, now)
    return loaded, report_


async def _grades(ctx: HandlerContext) -> tuple[str, ...] | None:
    org = await _org(ctx)
    return grade_choices(org.settings if org else None)


def _grade_errors(form: ReportDraftForm, grades: tuple[str, ...] | None) -> dict[str, str]:
    """A grade not on the organisation's list comes back on the card (ungraded: none is kept)."""
    if grades and form.grade is not None and form.grade not in grades:
        return {"grade": "Choose a grade from the list"}
    return {}


def _as_values(form: ReportDraftForm) -> dict[str, Any]:
    """The form as its card's inputs, to show it again."""
    values = {k: v for k, v in form.model_dump(mode="json").items()}
    values["strength_themes"] = ",".join(form.strength_themes)
    values["area_themes"] = ",".join(form.area_themes)
    values["best_practice"] = "true" if form.best_practice else "false"
    return values


def _store(
    report_: ObservationReport,
    form: ReportDraftForm,
    now: datetime,
    grades: tuple[str, ...] | None,
) -> None:
    report_.strength_themes = form.strength_themes
    report_.strengths = form.strengths
    report_.area_themes = form.area_themes
    report_.areas = form.areas
    report_.suggestions = form.suggestions
    report_.actions = form.raw_actions()
    report_.grade = form.grade if grades else None
    report_.best_practice = form.best_practice
    report_.best_practice_note = form.best_practice_note
    report_.updated_at = now


async def save_draft(ctx: HandlerContext, form: ReportDraftForm) -> Reply:
    now = ctx.services.clock.now()
    grades = await _grades(ctx)
    if errors := _grade_errors(form, grades):
        return await redisplay_report(ctx, _as_values(form), errors)
    try:
        loaded, report_ = await _writable(ctx, form.observation_id, now)
    except MoveRefused as exc:
        return Reply.text(str(exc))
    _store(report_, form, now, grades)
    await audit(
        ctx.uow.session, ctx.turn.org_id, ctx.person.id, loaded.obs.id, "save_draft", "", now
    )
    note = f"Draft saved {now.astimezone(LONDON):%H:%M}. Submit it when it's ready."
    view = report_form_view(loaded, report_, await _org(ctx), saved_note=note)
    return Reply.update(report_form_card(view, report_values(report_)))


@with_loaded(shown_again(Permission.WRITE_REPORT, NOT_YOURS))
async def redisplay_report(
    ctx: HandlerContext, values: Mapping[str, Any], loaded: Loaded, errors: dict[str, str]
) -> Reply:
    stored = await Observations(ctx.uow.session).report(loaded.obs)
    view = report_form_view(loaded, stored, await _org(ctx))
    shown = {k: str(v) for k, v in values.items() if v is not None}
    return Reply.update(report_form_card(view, shown, errors))


async def submit(ctx: HandlerContext, form: ReportForm) -> Reply:
    now = ctx.services.clock.now()
    grades = await _grades(ctx)
    errors = _grade_errors(form, grades)
    loaded = await load(ctx.uow.session, ctx.turn.org_id, form.observation_id)
    if loaded is not None and loaded.obs.starts_at is not None:
        day = london_day(loaded.obs.starts_at)
        errors |= {
            f"action_{i}_date": "The target date must be after the observation"
            for i in range(1, 4)
            if (d := getattr(form, f"action_{i}_date")) is not None and d <= day
        }
    if errors:
        return await redisplay_report(ctx, _as_values(form), errors)
    try:
        loaded, report_ = await _writable(ctx, form.observation_id, now)
        _store(report_, form, now, grades)
        await apply(ctx.uow.session, ctx.actor, loaded, Move.SUBMIT_REPORT, now)
    except MoveRefused as exc:
        return Reply.text(str(exc))
    report_.submitted_at = now
    session, obs = ctx.uow.session, loaded.obs
    await schedule.cancel(session, obs.org_id, obs.id, ("write", "day2", "late:", "returned"), now)
    await schedule.schedule_waiting(
        session, loaded, Role.DEVELOPMENT_OFFICER, schedule.TO_CHECK, now
    )
    view = report_view(loaded, report_, ctx.actor, now, headline="Submitted for checking")
    return Reply.update(report_card(view))


# ---------------------------------------------------------------- check, return, approve


async def _checker_card(
    ctx: HandlerContext, loaded: Loaded, headline: str, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    stored = await Observations(ctx.uow.session).report(loaded.obs)
    assert stored is not None
    now = ctx.services.clock.now()
    return report_card(
        report_view(loaded, stored, ctx.actor, now, headline=headline, errors=errors)
    )


async def _corrected_since(ctx: HandlerContext, form: CheckedVersion) -> Reply | None:
    """The checker's card showed a version of the report that has been corrected and submitted
    again since (another officer returned it): the version now, to read before passing or
    returning it; None when the card is current (or predates the field)."""
    if form.submitted is None:
        return None
    loaded = await load(ctx.uow.session, ctx.turn.org_id, form.observation_id)
    if loaded is None or not ctx.can(Permission.CHECK_REPORT, loaded.subject):
        return None  # refused as any check is, by the move
    stored = await Observations(ctx.uow.session).report(loaded.obs)
    if stored is None or stored.submitted_at in (None, form.submitted):
        return None
    if loaded.obs.status is not S.REPORT_SUBMITTED:
        return None  # not to check now: the move says why
    headline = "Corrected since you opened it: please read it again, then pass or return it"
    return Reply.update(await _checker_card(ctx, loaded, headline))


async def check(ctx: HandlerContext, form: CheckForm) -> Reply:
    if (again := await _corrected_since(ctx, form)) is not None:
        return again
    now = ctx.services.clock.now()
    comment = form.comment.strip()
    loaded = await moved(ctx, form.observation_id, Move.CHECK, now, NOT_YOURS, comment)
    if isinstance(loaded, str):
        return Reply.text(loaded)
    session, obs = ctx.uow.session, loaded.obs
    await schedule.cancel(session, obs.org_id, obs.id, ("check:", "check-nudge:"), now)
    await schedule.schedule_waiting(
        session, loaded, Role.DEVELOPMENT_COORDINATOR, schedule.TO_APPROVE, now
    )
    return Reply.update(await _checker_card(ctx, loaded, "Checked: passed for approval"))


async def return_for_correction(ctx: HandlerContext, form: ReturnForm) -> Reply:
    if (again := await _corrected_since(ctx, form)) is not None:
        return again
    now = ctx.services.clock.now()
    loaded = await moved(ctx, form.observation_id, Move.RETURN, now, NOT_YOURS, form.comment)
    if isinstance(loaded, str):
        return Reply.text(loaded)
    session, obs = ctx.uow.session, loaded.obs
    stored = await Observations(session).report_for_writing(obs, now)
    stored.return_comment, stored.returned_by = form.comment, ctx.person.id
    await schedule.cancel(session, obs.org_id, obs.id, ("check:", "check-nudge:"), now)
    assert obs.observer_id is not None
    await schedule.tell(session, obs, "returned", schedule.RETURNED, obs.observer_id, now, now)
    return Reply.update(
        await _checker_card(ctx, loaded, f"Returned to {loaded.observer_name} for correction")
    )


@with_loaded(shown_again(Permission.CHECK_REPORT, NOT_YOURS))
async def redisplay_check(
    ctx: HandlerContext, values: Mapping[str, Any], loaded: Loaded, errors: dict[str, str]
) -> Reply:
    if loaded.obs.status is S.RETURNED:  # an old card: the report is a correction in progress
        return Reply.text(BACK_WITH.format(observer=loaded.observer_name))
    if loaded.obs.status is not S.REPORT_SUBMITTED:
        return Reply.text(f"This report is at \u201c{loaded.obs.status.label}\u201d: not now.")
    return Reply.update(await _checker_card(ctx, loaded, "Check the report", errors))


async def approve(ctx: HandlerContext, form: ObservationRef) -> Reply:
    """Approve, send to the tutor and line manager in 1:1 chat, put the actions on the log."""
    now = ctx.services.clock.now()
    session = ctx.uow.session
    loaded = await moved(ctx, form.observation_id, Move.APPROVE, now, NOT_YOURS)
    if isinstance(loaded, str):
        return Reply.text(loaded)
    obs = loaded.obs
    await schedule.cancel(session, obs.org_id, obs.id, ("approve:", "approve-nudge:"), now)
    stored = await Observations(session).report_for_writing(obs, now)
    entries = await _land_actions(ctx, loaded, stored, now)
    for move in after_approval(bool(entries)):
        await apply_follow(session, ctx.person.id, loaded, move, now)
        if move is Move.SEND:
            managers = sorted(loaded.manager_ids - {obs.tutor_id})
            for person_id in [obs.tutor_id, *managers]:
                # The tutor's copy names the line managers who also receive it.
                also: dict[str, Any] = {"also_to": managers} if person_id == obs.tutor_id else {}
                await schedule.tell(
                    session,
                    obs,
                    f"report-to:{person_id}",
                    schedule.REPORT_SENT,
                    person_id,
                    now,
                    now,
                    **also,
                )
    if entries:
        event = ObservationApproved(
            obs.org_id, obs.id, obs.tutor_id, loaded.manager_ids, len(entries), now
        )
        await ctx.services.events.publish(session, event)
    sent_to = [name_of(loaded.tutor), *(name_of(m) for m in loaded.managers)]
    return Reply.update(
        await _checker_card(ctx, loaded, f"Approved and sent to {' and '.join(sent_to)}")
    )


async def _land_actions(
    ctx: HandlerContext, loaded: Loaded, stored: ObservationReport, now: datetime
) -> list[ActionReviewEntry]:
    """The report's actions become lines on the action review log (seed 002, step 11)."""
    repo = Observations(ctx.uow.session)
    manager = loaded.managers[0] if loaded.managers else None
    entries = []
    for action in stored.actions:
        if not action.get("text") or not action.get("target"):
            continue
        by_manager = action.get("owner") == ActionOwner.LINE_MANAGER.value and manager is not None
        entry = ActionReviewEntry(
            org_id=loaded.obs.org_id,
            observation_id=loaded.obs.id,
            tutor_id=loaded.obs.tutor_id,
            owner_id=manager.id if by_manager and manager else loaded.obs.tutor_id,
            owner_role=ActionOwner.LINE_MANAGER.value if by_manager else ActionOwner.TUTOR.value,
            text=str(action["text"]),
            target_date=date.fromisoformat(str(action["target"])),
            outcome="",
            created_at=now,
        )
        repo.add_action(entry)
        entries.append(entry)
    await ctx.uow.session.flush()
    for entry in entries:
        await schedule.schedule_action_overdue(ctx.uow.session, entry, now)
    return entries


async def chase(ctx: HandlerContext, form: ObservationRef) -> Reply:
    """The development officer reminds the observer of a late report."""
    now = ctx.services.clock.now()
    loaded = await load(ctx.uow.session, ctx.turn.org_id, form.observation_id)
    if loaded is None or not ctx.can(Permission.CHECK_REPORT, loaded.subject):
        return Reply.text(NOT_YOURS)
    obs = loaded.obs
    if obs.status not in (*DATED, *REPORT_IN_PROGRESS) or obs.observer_id is None:
        return Reply.text("That report is no longer waiting for the observer.")
    await schedule.tell(
        ctx.uow.session, obs, "chase", schedule.REPORT_REMINDER, obs.observer_id, now, now
    )
    await audit(ctx.uow.session, obs.org_id, ctx.person.id, obs.id, "chase", "late report", now)
    return Reply.text(f"I've reminded {said(loaded.observer_name)}.")


async def acknowledge(ctx: HandlerContext, form: ObservationRef) -> Reply:
    now = ctx.services.clock.now()
    loaded = await load(ctx.uow.session, ctx.turn.org_id, form.observation_id)
    if loaded is None or not ctx.can(Permission.ACKNOWLEDGE_REPORT, loaded.subject):
        return Reply.text(NOT_YOURS)
    if loaded.obs.acknowledged_at is None:
        loaded.obs.acknowledged_at = now
        await audit(
            ctx.uow.session, ctx.turn.org_id, ctx.person.id, loaded.obs.id, "acknowledge", "", now
        )
    stored = await Observations(ctx.uow.session).report(loaded.obs)
    if stored is None:
        return Reply.text(NOT_YOURS)
    done = message_card(
        "Thanks: acknowledged",
        [f"Your report from {day_label(loaded.obs.starts_at)} is acknowledged."],
        [Button("My actions", "run", {"command": "actions"}, primary=True)],
    )
    return Reply.update(done)


ROWS: tuple[CardAction, ...] = (
    # The report names the tutor and says what to develop: never posted in a shared place.
    CardAction("otla.report.open", open_report, idempotent=False),
    CardAction(
        "otla.report.save",
        save_draft,
        form=ReportDraftForm,
        redisplay=redisplay_report,
    ),
    CardAction("otla.report.submit", submit, form=ReportForm, redisplay=redisplay_report),
    CardAction("otla.check", check, form=CheckForm, redisplay=redisplay_check),
    CardAction(
        "otla.return",
        return_for_correction,
        form=ReturnForm,
        redisplay=redisplay_check,
    ),
    CardAction("otla.approve", approve, form=ObservationRef),
    CardAction("otla.ack", acknowledge, form=ObservationRef),
    CardAction("otla.chase", chase, form=ObservationRef),
)
