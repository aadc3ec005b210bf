"""`coach grow` / `coach oskar` / `coach review`: a guided coaching conversation, one question at
a time on one card that updates in place (seed 003: GROW under the Subject Learning Coaches,
OSKAR in CEL's solutions-focused work).

The person can pause, resume and go back. The last step turns into actions with dates, followed
up the way every other agreed action is (a reminder two days before it is due, with a Done
button). `coach review` asks the scaling question again and shows the change as a picture.
Notes are private to the person; they may share them with their mentor or their coach (the AP
running their support programme).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext, with_loaded
from bot.app.form_fields import whole_number
from bot.app.mentoring.relationship import COACH_ACTION, COACH_SHARED, name_of, tell
from bot.app.mentoring.relationship import subject_of as subject_of_relationship
from bot.app.router import PERSONAL, CardAction, Command
from bot.app.support.records import programme_subject
from bot.app.turn import Reply
from bot.domain import mentoring as rules
from bot.domain.access import Actor, Permission, Subject, can
from bot.domain.local_time import day_label, london
from bot.domain.progression import action_reminder_at
from cards.base import said
from cards.mentoring import (
    CoachView,
    coach_card,
    coach_change_card,
    coach_done_card,
    coach_review_card,
    note_card,
)
from cards.mentoring.chart import scale_chart
from cards.support.chart import data_uri
from storage.mentoring import (
    ACTIVE,
    FINISHED,
    PAUSED,
    TALKING,
    CoachingConversation,
    MentoringRecords,
)
from storage.people import Directory
from storage.reminders import Schedule
from storage.support import OPEN_PROGRAMME_STATES, SupportRecords

REFUSED = "Sorry, those coaching notes are private to the person they belong to."
NOT_FINISHED = (
    "Nothing was shared: finish the conversation first. Its last card shows all your notes "
    "and actions, and offers to share them with your mentor or coach."
)


def subject_of(conv: CoachingConversation) -> Subject:
    return Subject(
        org_id=conv.org_id, tutor_id=conv.person_id, shared_with=frozenset(conv.shared_with)
    )


def _id(value: object) -> int:
    return whole_number(value) or 0


def view_of(
    conv: CoachingConversation, notice: str = "", actions: dict[str, str] | None = None
) -> CoachView:
    model = rules.coaching_model(conv.model)
    assert model is not None
    step = model.step(conv.step)
    earlier = [
        (s.label, conv.answers.get(s.key, ""))
        for s in model.steps[: conv.step]
        if conv.answers.get(s.key)
    ]
    return CoachView(
        conv_id=conv.id,
        model=model.label,
        step_no=conv.step + 1,
        steps=len(model.steps),
        step_label=step.label,
        question=step.question,
        hint=step.hint,
        answer=conv.answers.get(step.key, ""),
        scale=step.scale,
        actions=step.actions,
        earlier=earlier,
        paused=conv.state == PAUSED,
        notice=notice,
        action_values=actions or _action_values(conv),
    )


def _action_values(conv: CoachingConversation) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, a in enumerate(conv.actions, start=1):
        out[f"action_{n}"] = str(a.get("what", ""))
        out[f"by_{n}"] = str(a.get("by", ""))
    return out


async def coach(ctx: HandlerContext) -> Reply:
    """A guided coaching conversation (GROW or OSKAR), private to you.

    Usage: coach grow
    Usage: coach oskar
    Usage: coach review (OSKAR: how far you've come on the scale)
    """
    if ctx.turn.where.kind != "personal":
        return Reply.text("Coaching notes are private: say **coach grow** in our 1:1 chat.")
    words = ctx.args.split()
    sub = words[0] if words else ""
    typed = ctx.turn.text.lower().split()
    if not sub and typed and typed[0] in rules.coaching_models():  # "grow" / "oskar" on its own
        sub = typed[0]
    if sub == "review":
        return await _review(ctx)
    records = MentoringRecords(ctx.uow.session)
    mine = await records.conversations_of(ctx.turn.org_id, ctx.person.id)
    unfinished = [c for c in mine if c.state in (TALKING, PAUSED)]
    if sub in ("resume", "continue") or (not sub and unfinished):
        if not unfinished:
            return Reply.text("Nothing to pick up. Say **coach grow** or **coach oskar** to start.")
        conv = unfinished[0]
        conv.state = TALKING
        return Reply.show(coach_card(view_of(conv, "Picking up where you left off.")))
    model = rules.coaching_model(sub)
    if model is None:
        return Reply.text(
            "Say **coach grow** (Goal, Reality, Options, Will) or **coach oskar** (Outcome, "
            "Scaling, Know-how, Affirm + action, Review)."
        )
    same = [c for c in unfinished if c.model == model.key]
    if same:
        conv = same[0]
        conv.state = TALKING
        return Reply.show(coach_card(view_of(conv, "Picking up where you left off.")))
    now = ctx.services.clock.now()
    conv = CoachingConversation(
        org_id=ctx.turn.org_id,
        person_id=ctx.person.id,
        model=model.key,
        step=0,
        answers={},
        state=TALKING,
        scales=[],
        actions=[],
        shared_with=[],
        created_at=now,
        updated_at=now,
    )
    records.add(conv)
    await records.flush()
    # Another model's conversation left unfinished stays: say where it is, so it isn't lost.
    others = sorted({c.model for c in unfinished})
    notice = "".join(
        f"Your unfinished {other.upper()} conversation is kept: say **coach {other}** to pick "
        "it up. "
        for other in others
    ).strip()
    return Reply.show(coach_card(view_of(conv, notice)))


async def _load(ctx: HandlerContext, values: dict[str, Any]) -> CoachingConversation | Reply:
    conv = await MentoringRecords(ctx.uow.session).conversation(
        ctx.turn.org_id, _id(values.get("conv"))
    )
    if conv is None:
        return Reply.text("I can't find that conversation any more. Say **coach grow** to start.")
    if conv.person_id != ctx.person.id:
        return Reply.text(REFUSED)
    return conv


def _stale(conv: CoachingConversation, values: dict[str, Any]) -> bool:
    return str(values.get("step")) != str(conv.step)


@with_loaded(_load)
async def answer(ctx: HandlerContext, values: dict[str, Any], conv: CoachingConversation) -> Reply:
    if conv.state == FINISHED:
        return Reply.update(await _done(ctx, conv))
    if _stale(conv, values) or conv.state == PAUSED:
        conv.state = TALKING
        return Reply.update(coach_card(view_of(conv)))
    model = rules.coaching_model(conv.model)
    assert model is not None
    step = model.step(conv.step)
    now = ctx.services.clock.now()
    text = str(values.get("answer") or "").strip()[:2000]
    errors: dict[str, str] = {}
    if step.scale:
        scale = rules.parse_scale(values.get("answer"))
        if scale is None:
            errors["answer"] = "Choose a number from 0 to 10."
    elif not step.actions and not text:
        errors["answer"] = "Write a few words, or press Pause and come back to it."
    actions: list[dict[str, Any]] = []
    if step.actions:
        today = london(now).date()
        for n in (1, 2, 3):
            what = str(values.get(f"action_{n}") or "").strip()[:300]
            raw = str(values.get(f"by_{n}") or "").strip()
            if not what and not raw:
                continue
            if not what:
                errors[f"action_{n}"] = "Say what you'll do."
                continue
            try:
                by = date.fromisoformat(raw[:10])
            except ValueError:
                errors[f"by_{n}"] = "Choose a date."
                continue
            if by <= today:
                errors[f"by_{n}"] = "Choose a date in the future."
                continue
            actions.append({"what": what, "by": by.isoformat(), "done_at": None})
        if not actions and not errors:
            errors["action_1"] = "Write at least one action with a date."
    if errors:
        typed = {k: str(v) for k, v in values.items() if k.startswith(("action_", "by_"))}
        view = view_of(conv, actions=typed)
        view = CoachView(**{**view.__dict__, "answer": str(values.get("answer") or "")})
        return Reply.update(coach_card(view, errors))
    conv.answers = {**conv.answers, step.key: text}
    conv.updated_at = now
    if step.scale:
        # The conversation's own reading is the first: answered again (after Back) it is
        # replaced, not added to; the readings after it are `coach review`'s.
        reading = {"at": now.isoformat(), "value": int(text), "note": ""}
        conv.scales = [reading, *conv.scales[1:]]
    if model.is_last(conv.step):
        conv.actions = actions
        conv.state = FINISHED
        for n, action in enumerate(actions, start=1):
            remind = action_reminder_at(date.fromisoformat(action["by"]), now)
            if remind is not None:
                await tell(
                    ctx.uow.session,
                    conv.org_id,
                    f"coach-action:{conv.id}:{n}",
                    COACH_ACTION,
                    conv.person_id,
                    now,
                    {"conv": conv.id, "n": n},
                    due=remind,
                )
        return Reply.update(await _done(ctx, conv, "Well done: your actions are saved."))
    conv.step += 1
    return Reply.update(coach_card(view_of(conv)))


@with_loaded(_load)
async def back(ctx: HandlerContext, values: dict[str, Any], conv: CoachingConversation) -> Reply:
    if conv.state == FINISHED:
        return Reply.update(await _done(ctx, conv))
    if not _stale(conv, values) and conv.step > 0:
        conv.step -= 1
        conv.updated_at = ctx.services.clock.now()
    conv.state = TALKING
    return Reply.update(coach_card(view_of(conv)))


@with_loaded(_load)
async def pause(ctx: HandlerContext, values: dict[str, Any], conv: CoachingConversation) -> Reply:
    if conv.state != FINISHED:
        conv.state = PAUSED
        conv.updated_at = ctx.services.clock.now()
        return Reply.update(coach_card(view_of(conv)))
    return Reply.update(await _done(ctx, conv))


@with_loaded(_load)
async def resume(ctx: HandlerContext, values: dict[str, Any], conv: CoachingConversation) -> Reply:
    if conv.state == FINISHED:
        return Reply.update(await _done(ctx, conv))
    conv.state = TALKING
    conv.updated_at = ctx.services.clock.now()
    return Reply.update(coach_card(view_of(conv)))


async def companion_ids(session: AsyncSession, org_id: str, person_id: int) -> list[int]:
    """Who the person may share their notes with, if they choose, as things are now: their
    mentor (while the relationship is active) and their coach (the AP running their support
    programme, while it is open and they still hold the AP role: a revoked AP loses access).
    Not a mentor or an AP who has come into one management line with the person since: what
    `can()` says of their reading the mentoring record or running the programme, it says of
    the notes."""
    ids: list[int] = []
    directory = Directory(session)
    for rel in await MentoringRecords(session).open_of(org_id, person_id):
        if rel.state != ACTIVE or rel.mentee_id != person_id:
            continue
        mentor = Actor(rel.mentor_id, org_id, await directory.roles(rel.mentor_id))
        if can(mentor, Permission.READ_MENTORING, await subject_of_relationship(directory, rel)):
            ids.append(rel.mentor_id)
    programme = await SupportRecords(session).current_programme_of(org_id, person_id)
    if (
        programme is not None
        and programme.state in OPEN_PROGRAMME_STATES
        and programme.practitioner_id is not None
    ):
        # As for the programme itself: an AP who has come into one management line with them
        # since the match (a stand-in line manager joined up with them, say) is no coach.
        coach = Actor(
            programme.practitioner_id, org_id, await directory.roles(programme.practitioner_id)
        )
        if can(coach, Permission.RUN_PROGRAMME, await programme_subject(directory, programme)):
            ids.append(programme.practitioner_id)
    return [i for i in dict.fromkeys(ids) if i != person_id]


async def companions(ctx: HandlerContext) -> list[tuple[int, str]]:
    """`companion_ids` of the person asking, with names."""
    return [
        (person_id, await name_of(ctx.directory, ctx.turn.org_id, person_id))
        for person_id in await companion_ids(ctx.uow.session, ctx.turn.org_id, ctx.person.id)
    ]


def action_words(action: Mapping[str, Any]) -> str:
    """A coaching action as people read it: "Ask Ben (by Fri 18 Dec 2026)"."""
    return f"{action['what']} (by {day_label(date.fromisoformat(str(action['by'])))})"


async def _done(
    ctx: HandlerContext, conv: CoachingConversation, notice: str = ""
) -> dict[str, Any]:
    model = rules.coaching_model(conv.model)
    assert model is not None
    return coach_done_card(
        conv.id,
        model.label,
        [(s.label, conv.answers.get(s.key, "") or "—") for s in model.steps],
        [action_words(a) for a in conv.actions],
        share_with=[(i, name, i in conv.shared_with) for i, name in await companions(ctx)],
        notice=notice,
        reviewable=model.review is not None,
    )


@with_loaded(_load)
async def share(ctx: HandlerContext, values: dict[str, Any], conv: CoachingConversation) -> Reply:
    """The person chooses to share their notes with their mentor or their coach: a finished
    conversation's only, from its done card, which shows every note and action that goes (and
    afterwards whom it went to). An unfinished one could still change after the share, so what
    reached the mentor or coach would be notes the person never saw go: refused, unchanged."""
    if conv.state != FINISHED:
        return Reply.update(coach_card(view_of(conv, NOT_FINISHED)))
    allowed = [i for i, _ in await companions(ctx)]
    if not allowed:
        return Reply.text("You don't have a mentor or coach to share with yet.")
    raw = values.get("with")
    if raw in (None, ""):
        # A button from before the card named whom it shares with: the person chooses again
        # (their mentor or coach may not be the one that button was for).
        return Reply.update(await _done(ctx, conv, "Choose whom to share your notes with."))
    chosen = _id(raw)
    if chosen not in allowed:
        return Reply.text("You can share your notes only with your mentor or your coach.")
    now = ctx.services.clock.now()
    if chosen not in conv.shared_with:
        conv.shared_with = [*conv.shared_with, chosen]
        await tell(
            ctx.uow.session,
            conv.org_id,
            f"coach-shared:{conv.id}:{chosen}",
            COACH_SHARED,
            chosen,
            now,
            {"conv": conv.id},
        )
    return Reply.update(await _done(ctx, conv, "Shared."))


@with_loaded(_load)
async def action_done(
    ctx: HandlerContext, values: dict[str, Any], conv: CoachingConversation
) -> Reply:
    n = _id(values.get("n"))
    if not 1 <= n <= len(conv.actions):
        return Reply.text("I can't find that action any more.")
    now = ctx.services.clock.now()
    actions = [dict(a) for a in conv.actions]
    actions[n - 1]["done_at"] = actions[n - 1].get("done_at") or now.isoformat()
    conv.actions = actions
    await Schedule(ctx.uow.session).cancel(conv.org_id, f"coach-action:{conv.id}:{n}", now)
    return Reply.update(
        note_card("Done", [f"Marked done: {said(actions[n - 1]['what'])}. Well done."])
    )


# -------------------------------------------------------------------------- OSKAR review


def _last_oskar(convs: list[CoachingConversation]) -> CoachingConversation | None:
    for conv in convs:
        if conv.model == "oskar" and conv.scales:
            return conv
    return None


async def _review(ctx: HandlerContext) -> Reply:
    convs = list(
        await MentoringRecords(ctx.uow.session).conversations_of(ctx.turn.org_id, ctx.person.id)
    )
    conv = _last_oskar(convs)
    if conv is None:
        return Reply.text(
            "There's nothing to review yet: **coach oskar** asks where you are on a 0-10 scale, "
            "and **coach review** looks at how far you've come since."
        )
    before = int(conv.scales[-1]["value"])
    return Reply.show(coach_review_card(conv.id, conv.answers.get("outcome", ""), before))


@with_loaded(_load)
async def review(ctx: HandlerContext, values: dict[str, Any], conv: CoachingConversation) -> Reply:
    if not conv.scales:
        return Reply.text("That conversation has no scale to review.")
    before = int(conv.scales[-1]["value"])
    scale = rules.parse_scale(values.get("scale"))
    if scale is None:
        return Reply.update(
            coach_review_card(
                conv.id,
                conv.answers.get("outcome", ""),
                before,
                {"scale": "Choose a number from 0 to 10."},
            )
        )
    difference = str(values.get("difference") or "").strip()[:2000]
    now = ctx.services.clock.now()
    conv.scales = [*conv.scales, {"at": now.isoformat(), "value": scale, "note": difference}]
    conv.updated_at = now
    points = []
    for i, s in enumerate(conv.scales):
        when = london(datetime.fromisoformat(str(s["at"])))
        points.append(("Start" if i == 0 else f"{when:%d %b}", int(s["value"])))
    image = data_uri(scale_chart(points))
    return Reply.update(
        coach_change_card(
            conv.answers.get("outcome", ""), rules.scale_change(before, scale), image, difference
        )
    )


ROWS: tuple[Command | CardAction, ...] = (
    # Stored: `coach grow` starts (or picks up) a conversation, so a Teams retry of the same
    # message runs nothing again (a late one does not pick up a conversation paused since).
    Command("coach", coach, aliases=("coaching", "grow", "oskar"), scopes=PERSONAL, stored=True),
    CardAction("coach.answer", answer),
    CardAction("coach.back", back),
    CardAction("coach.pause", pause),
    CardAction("coach.resume", resume),
    CardAction("coach.share", share),
    CardAction("coach.review", review),
    CardAction("coach.action.done", action_done),
)
