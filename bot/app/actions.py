"""`actions`: a person's own open actions, wherever they were agreed: progression card sessions,
observation reports (the action review log), their support programme and their own GROW / OSKAR
coaching conversations.

Each line is shown only where its capability's own rule lets this person read it (`can`): a card
action to its owner; an observation action once the report is approved, to the tutor or the line
manager who owns it; a programme action to the tutor whose programme it is.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.app.context import HandlerContext
from bot.app.mentoring.coaching import subject_of as coaching_subject
from bot.app.observations.actions import actions as action_review_log
from bot.app.router import Command
from bot.app.turn import Message, Reply
from bot.domain import mentoring as coaching_rules
from bot.domain.access import Permission, Subject
from bot.domain.local_time import london_day
from bot.domain.support import ActionStatus
from cards.actions import ActionItem, my_actions_card
from storage.mentoring import MentoringRecords
from storage.observations import Observations
from storage.progression import CardSessions
from storage.support import SupportAction, SupportProgrammeRecord


async def _card_actions(ctx: HandlerContext) -> list[ActionItem]:
    repo = CardSessions(ctx.uow.session)
    out = []
    for action in await repo.open_actions_of(ctx.turn.org_id, ctx.person.id):
        row = await repo.get(ctx.turn.org_id, action.session_id)
        if row is None:
            continue
        subject = Subject(org_id=row.org_id, tutor_id=action.owner_id, author_id=row.facilitator_id)
        if not ctx.can(Permission.UPDATE_CARD_ACTION, subject):
            continue
        out.append(
            ActionItem("Progression cards", action.what, action.due_on, row.group_name, action.id)
        )
    return out


async def _observation_actions(ctx: HandlerContext) -> list[ActionItem]:
    observations = Observations(ctx.uow.session)
    entries = await observations.actions(ctx.turn.org_id, owner_id=ctx.person.id, open_only=True)
    out = []
    for entry in entries:
        obs = await observations.get(entry.org_id, entry.observation_id)
        if obs is None:
            continue
        tutor = await ctx.directory.person(ctx.turn.org_id, entry.tutor_id)
        managers = await ctx.directory.line_managers_of(tutor) if tutor else []
        subject = Subject(
            org_id=entry.org_id,
            tutor_id=entry.tutor_id,
            observer_id=obs.observer_id,
            approved=True,  # on the action review log only once the report is approved
            line_manager_ids=frozenset(m.id for m in managers),
        )
        if not ctx.can(Permission.READ_OBSERVATION, subject):
            continue
        about = (
            "your observation"
            if entry.tutor_id == ctx.person.id
            else (f"{tutor.name}'s observation" if tutor else "an observation")
        )
        out.append(ActionItem("Observations", entry.text, entry.target_date, about))
    return out


async def _programme_actions(ctx: HandlerContext) -> list[ActionItem]:
    rows = await ctx.uow.session.execute(
        select(SupportAction, SupportProgrammeRecord)
        .join(SupportProgrammeRecord, SupportProgrammeRecord.id == SupportAction.programme_id)
        .where(
            SupportProgrammeRecord.org_id == ctx.turn.org_id,
            SupportProgrammeRecord.tutor_id == ctx.person.id,
            SupportAction.status != ActionStatus.DONE.value,
        )
        .order_by(SupportAction.id)
    )
    out = []
    for action, programme in rows.all():
        subject = Subject(
            org_id=programme.org_id,
            tutor_id=programme.tutor_id,
            practitioner_id=programme.practitioner_id,
        )
        if not ctx.can(Permission.READ_DEVELOPMENTAL, subject):
            continue
        status = ActionStatus(action.status).label
        out.append(ActionItem("Your support programme", action.text, None, status))
    return out


async def _coaching_actions(ctx: HandlerContext) -> list[ActionItem]:
    out = []
    records = MentoringRecords(ctx.uow.session)
    for conv in await records.conversations_of(ctx.turn.org_id, ctx.person.id):
        if not ctx.can(Permission.READ_COACHING, coaching_subject(conv)):
            continue
        model = coaching_rules.coaching_model(conv.model)
        source = f"Coaching ({model.label})" if model else "Coaching"
        for action in conv.actions:
            if action.get("done_at"):
                continue
            due = date.fromisoformat(str(action["by"]))
            out.append(ActionItem(source, str(action["what"]), due, "your coaching conversation"))
    return out


async def actions(ctx: HandlerContext) -> Reply:
    """Your open actions, wherever you agreed them: card sessions, observations, support, coaching.

    Usage: actions
    Usage: actions all (quality team: every open observation action)
    Usage: actions export (quality team: the action review log as XLSX)
    """
    sub = (ctx.args.split() or [""])[0].lower()
    if sub or ctx.turn.where.kind != "personal":
        # The action review log's own uses; and in a channel nothing personal is listed.
        return await action_review_log(ctx)
    items = [
        *await _card_actions(ctx),
        *await _observation_actions(ctx),
        *await _programme_actions(ctx),
        *await _coaching_actions(ctx),
    ]
    today: date = london_day(ctx.services.clock.now())
    mine = Message(card=my_actions_card(items, today))
    keeps_log = ctx.can(Permission.VIEW_QUALITY_DASHBOARD) or bool(
        await ctx.directory.managed_by(ctx.turn.org_id, ctx.person.email)
    )
    if keeps_log:
        log = await action_review_log(ctx)
        return Reply(messages=[*log.messages, mine])
    return Reply(messages=[mine])


ROWS: tuple[Command, ...] = (
    # Names people and what they owe: answered only in a 1:1 chat (issue 10); an export's file
    # goes to the asker's 1:1 chat, so it may be asked for anywhere.
    Command(
        "actions",
        actions,
        aliases=("todo",),
        private=True,
        shared_ok=("export",),
        stored_subs=("export",),
    ),
)
