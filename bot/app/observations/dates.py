"""Agreeing the date in chat (seed 002, steps 3-5): the observer proposes a class, date and time;
the tutor accepts or suggests another; the development officer puts it on the planning list.
Also the tutor's planning and tracking documents, kept with the observation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.app import documents
from bot.app.context import HandlerContext, with_loaded
from bot.app.events import WalksOnDay
from bot.app.observations import calendar, schedule
from bot.app.observations.forms import (
    AcceptForm,
    DocumentLinkForm,
    PlannedForm,
    ProposalForm,
)
from bot.app.observations.lifecycle import (
    Loaded,
    apply,
    day_label,
    load,
    moved,
    name_of,
    shown_again,
    when,
)
from bot.app.observations.present import asker_card
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.domain.access import Permission, Role
from bot.domain.local_time import at_london, london_day
from bot.domain.observations import (
    DATED,
    Move,
    MoveRefused,
    ObservationState,
    available_moves,
    last_proposal_day,
)
from cards.base import said
from storage.observations import ObservationDocument, Observations

S = ObservationState
NOT_YOURS = "Sorry, that observation isn't one you can see."
MAX_FILE = 5_000_000


async def record_proposal(
    ctx: HandlerContext,
    observation_id: int,
    course: str,
    starts_at: datetime,
    ends_at: datetime,
    note: str,
    now: datetime,
    room: str = "",
) -> Loaded:
    """Keep the proposal and tell the other person (MoveRefused if it is not theirs to make)."""
    loaded = await load(ctx.uow.session, ctx.turn.org_id, observation_id)
    if loaded is None:
        raise MoveRefused(NOT_YOURS)
    detail = f"proposed {course} {starts_at.isoformat()}–{ends_at.isoformat()}"
    await apply(ctx.uow.session, ctx.actor, loaded, Move.PROPOSE_DATE, now, detail)
    obs = loaded.obs
    obs.proposed_by = ctx.person.id
    obs.proposed_course = course
    obs.proposed_room = room
    obs.proposed_starts_at, obs.proposed_ends_at = starts_at, ends_at
    obs.proposal_note = note
    obs.updated_at = now
    other = obs.tutor_id if ctx.person.id == obs.observer_id else obs.observer_id
    assert other is not None
    await schedule.cancel(ctx.uow.session, obs.org_id, obs.id, ("proposal:", "allocated:"), now)
    await schedule.tell_about_date(
        ctx.uow.session, obs, "proposal", schedule.PROPOSAL, other, starts_at, now
    )
    return loaded


async def propose(ctx: HandlerContext, form: ProposalForm) -> Reply:
    now = ctx.services.clock.now()
    starts_at, ends_at = at_london(form.day, form.start), at_london(form.day, form.end)
    values = {
        "course": form.course,
        "room": form.room,
        "day": form.day.isoformat(),
        "start": f"{form.start:%H:%M}",
        "end": f"{form.end:%H:%M}",
        "note": form.note,
    }
    if starts_at <= now:
        return await redisplay_proposal(
            ctx,
            {**values, **form.model_dump(include={"observation_id"})},
            {"day": "Choose a date and time still to come"},
        )
    found = await load(ctx.uow.session, ctx.turn.org_id, form.observation_id)
    if found is not None:
        latest = last_proposal_day(found.obs.academic_year, london_day(now))
        if form.day > latest:
            return await redisplay_proposal(
                ctx,
                {**values, **form.model_dump(include={"observation_id"})},
                {"day": f"Choose a date by {day_label(latest)}, within this observation's year"},
            )
    try:
        loaded = await record_proposal(
            ctx, form.observation_id, form.course, starts_at, ends_at, form.note, now, form.room
        )
    except MoveRefused as exc:
        return Reply.text(str(exc))
    other = loaded.tutor if ctx.person.id == loaded.obs.observer_id else loaded.observer
    question = WalksOnDay(loaded.obs.org_id, loaded.obs.tutor_id, form.day)
    walks = [w for found in await ctx.services.events.ask(ctx.uow.session, question) for w in found]
    message = f"I've asked {said(name_of(other))} to accept {when(starts_at, ends_at)}."
    if walks:
        message += f" Note: a learning walk is already planned that day ({said('; '.join(walks))})."
    return Reply.update(await asker_card(ctx, loaded, "Date proposed", message))


@with_loaded(shown_again(Permission.READ_OBSERVATION_PLAN, NOT_YOURS))
async def redisplay_proposal(
    ctx: HandlerContext, values: Mapping[str, Any], loaded: Loaded, errors: dict[str, str]
) -> Reply:
    shown = {k: str(v) for k, v in values.items() if v is not None}
    return Reply.update(await asker_card(ctx, loaded, values=shown, errors=errors))


async def accept(ctx: HandlerContext, form: AcceptForm) -> Reply:
    """The other person accepts the proposed date: it is agreed, the reminders are set (or moved),
    the development officer is told, and a Teams meeting link is ready."""
    now = ctx.services.clock.now()
    session = ctx.uow.session
    loaded = await load(session, ctx.turn.org_id, form.observation_id)
    if loaded is None:
        return Reply.text(NOT_YOURS)
    obs = loaded.obs
    proposer = obs.proposed_by
    shown, current = form.proposed, obs.proposed_starts_at
    ours = ctx.can(Permission.AGREE_OBSERVATION_DATE, loaded.subject)
    if ours and shown is not None and current is not None and shown != current:
        # An Accept on an older card: the proposal it showed was replaced since.
        now_proposed = when(obs.proposed_starts_at, obs.proposed_ends_at)
        message = f"That date was changed since: {now_proposed} is proposed now. Nothing agreed."
        return Reply.update(await asker_card(ctx, loaded, "The proposal changed", message))
    try:
        await apply(
            session,
            ctx.actor,
            loaded,
            Move.AGREE_DATE,
            now,
            f"{obs.proposed_course} {when(obs.proposed_starts_at, obs.proposed_ends_at)}"
            + (f" (was {when(obs.starts_at, obs.ends_at)})" if obs.starts_at else ""),
        )
    except MoveRefused as exc:
        return Reply.text(str(exc))
    obs.course = obs.proposed_course or obs.course
    obs.room = obs.proposed_room
    obs.starts_at, obs.ends_at = obs.proposed_starts_at, obs.proposed_ends_at
    obs.forget_proposal()
    obs.updated_at = now
    await session.flush()
    await calendar.date_agreed(ctx, loaded, now)
    await schedule.cancel(session, obs.org_id, obs.id, ("proposal:", "plan:", "agreed:"), now)
    await schedule.schedule_date_bound(session, loaded, now)
    await schedule.tell_role(
        session, loaded, Role.DEVELOPMENT_OFFICER, "plan", schedule.TO_PLAN, now, now
    )
    if proposer is not None:
        await schedule.tell_about_date(
            session, obs, "agreed", schedule.AGREED, proposer, obs.starts_at, now
        )
    return Reply.update(
        await asker_card(
            ctx,
            loaded,
            "Date agreed",
            "I'm sending you both the date for your calendars (an .ics file in our 1:1 chat, "
            "or straight into your calendar), and any later change or cancellation.",
        )
    )


async def planned(ctx: HandlerContext, form: PlannedForm) -> Reply:
    """The development officer has the date on the planning list and in EBS (seed 002, step 5):
    the date the card showed. From an older card, whose date was agreed again since, they are
    shown the date agreed now, and nothing is confirmed."""
    now = ctx.services.clock.now()
    shown = await load(ctx.uow.session, ctx.turn.org_id, form.observation_id)
    if shown is not None and _agreed_again(ctx, shown, form.agreed, now):
        obs = shown.obs
        message = (
            f"The date was agreed again since: {when(obs.starts_at, obs.ends_at)} now. Add that "
            "to the planning list and EBS, then press the button on this card."
        )
        return Reply.update(await asker_card(ctx, shown, "The date changed", message))
    loaded = await moved(ctx, form.observation_id, Move.CONFIRM_PLANNED, now, NOT_YOURS)
    if isinstance(loaded, str):
        return Reply.text(loaded)
    await schedule.cancel(ctx.uow.session, loaded.obs.org_id, loaded.obs.id, ("plan:",), now)
    return Reply.update(
        await asker_card(ctx, loaded, "Planned", "Thanks: it's on the planning list.")
    )


def _agreed_again(
    ctx: HandlerContext, loaded: Loaded, agreed: datetime | None, now: datetime
) -> bool:
    """Whether the officer's card showed a date agreed before the one agreed now (a card
    without `agreed` predates the field: it confirms as it always did)."""
    starts = loaded.obs.starts_at
    return (
        agreed is not None
        and starts is not None
        and agreed != starts
        and Move.CONFIRM_PLANNED in available_moves(ctx.actor, loaded.facts, now)
    )


# ---------------------------------------------------------------- documents


async def share_link(ctx: HandlerContext, form: DocumentLinkForm) -> Reply:
    now = ctx.services.clock.now()
    loaded = await load(ctx.uow.session, ctx.turn.org_id, form.observation_id)
    if loaded is None or not ctx.can(Permission.SHARE_OBSERVATION_DOCUMENTS, loaded.subject):
        return Reply.text("Sorry, only the tutor shares their documents for an observation.")
    if loaded.obs.status not in (S.ALLOCATED, *DATED):
        # The button is only on the card until the observation; an old card still has it.
        return Reply.text(
            "Planning documents are shared before the observation; this one is at "
            f"\u201c{loaded.obs.status.label}\u201d, so nothing was added."
        )
    name = form.doc_url.split("?")[0].rstrip("/").rsplit("/", 1)[-1][:120] or "Document"
    await _keep(ctx, loaded, name, now, url=form.doc_url)
    return Reply.update(
        await asker_card(ctx, loaded, "Document shared", f"{said(name)} is with the observation.")
    )


async def share_files(ctx: HandlerContext) -> Reply:
    """Files the tutor sends in chat with `observations docs`, kept with their next observation."""
    now = ctx.services.clock.now()
    repo = Observations(ctx.uow.session)
    mine = await repo.where(
        ctx.turn.org_id, states=(S.ALLOCATED, *DATED), tutor_ids=[ctx.person.id]
    )
    if not mine:
        return Reply.text("You have no observation coming up to share documents for.")
    if not ctx.turn.files:
        return Reply.text(
            "Attach your planning and tracking documents to a message with the words "
            "**observations docs**, or share a link on your observation card."
        )
    loaded = await load(ctx.uow.session, ctx.turn.org_id, mine[-1].id)
    assert loaded is not None
    kept = []
    for file in ctx.turn.files[:10]:
        content = await ctx.services.fetch_file(file)
        if len(content) > MAX_FILE:
            continue
        await _keep(ctx, loaded, file.name[:300] or "file", now, content=content)
        kept.append(file.name)
    if not kept:
        return Reply.text("Those files are too large (5 MB each at most): share a link instead.")
    return Reply.show(
        await asker_card(
            ctx, loaded, "Documents kept", f"Kept with your observation: {said(', '.join(kept))}."
        )
    )


async def _keep(
    ctx: HandlerContext,
    loaded: Loaded,
    name: str,
    now: datetime,
    *,
    url: str | None = None,
    content: bytes | None = None,
) -> None:
    obs = loaded.obs
    Observations(ctx.uow.session).add_document(
        ObservationDocument(
            org_id=obs.org_id,
            observation_id=obs.id,
            name=name,
            url=url,
            content=content,
            added_by=ctx.person.id,
            added_at=now,
        )
    )
    await ctx.directory.audit(
        obs.org_id, ctx.person.id, f"observation:{obs.id}", "document", name, now
    )
    if obs.observer_id is not None:
        await schedule.tell(
            ctx.uow.session,
            obs,
            f"docs:{obs.observer_id}",
            schedule.DOCUMENTS,
            obs.observer_id,
            now,
            now,
        )


async def get_document(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    try:
        document_id = int(values.get("document_id", ""))
    except (TypeError, ValueError):
        return Reply.text(NOT_YOURS)
    repo = Observations(ctx.uow.session)
    doc = await repo.document(ctx.turn.org_id, document_id)
    loaded = await load(ctx.uow.session, ctx.turn.org_id, doc.observation_id) if doc else None
    if (
        doc is None
        or loaded is None
        or not ctx.can(Permission.READ_OBSERVATION_DOCUMENTS, loaded.subject)
    ):
        return Reply.text(NOT_YOURS)
    if doc.url:
        return Reply.text(f"[{said(doc.name)}]({doc.url})")
    return await documents.send(
        ctx, doc.name, doc.content or b"", f"Shared by {name_of(loaded.tutor)}"
    )


ROWS: tuple[CardAction, ...] = (
    CardAction("otla.propose", propose, form=ProposalForm, redisplay=redisplay_proposal),
    CardAction("otla.accept", accept, form=AcceptForm),
    CardAction("otla.planned", planned, form=PlannedForm),
    CardAction(
        "otla.doc.link",
        share_link,
        form=DocumentLinkForm,
        redisplay=redisplay_proposal,
    ),
    # A shared link names the document and where it is: never posted in a shared place.
    CardAction("otla.doc.get", get_document),
)
