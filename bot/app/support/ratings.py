"""`rate`: the competence self-rating (seed 000): a checklist of teaching activities rated 1-10
at the start, middle and end of a programme, and a chart of start vs middle vs end."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.app.context import HandlerContext, with_loaded
from bot.app.form_fields import whole_number
from bot.app.privacy import opened
from bot.app.router import PERSONAL, CardAction, Command
from bot.app.support.programmes import ProgrammeRef
from bot.app.support.records import REFUSED, programme_subject
from bot.app.support.views import rating_change
from bot.app.turn import Reply
from bot.domain import support as rules
from bot.domain.access import Permission
from bot.domain.support import RatingStage
from cards.base import said
from cards.support import (
    ChartView,
    RatingFormView,
    checklist_card,
    note_card,
    rating_card,
    rating_chart_card,
)
from cards.support.chart import confidence_chart, data_uri
from storage.support import CompetenceRating, SupportProgrammeRecord, SupportRecords

NO_PROGRAMME = (
    "Self-ratings belong to a support programme. If you'd like one, say **support**: "
    "it's confidential."
)


class RatingForm(ProgrammeRef):
    """The self-rating card: `programme_id`, `stage`, and one 1-10 score per checklist key."""

    model_config = ConfigDict(extra="allow")

    stage: RatingStage

    def scores(self, keys: Sequence[str]) -> tuple[dict[str, int], dict[str, str]]:
        extra = self.model_extra or {}
        scores: dict[str, int] = {}
        errors: dict[str, str] = {}
        for key in keys:
            raw = str(extra.get(key, "")).strip()
            score = whole_number(raw)
            if score is None or not 1 <= score <= 10:
                errors[key] = "Choose 1 to 10"
            else:
                scores[key] = score
        return scores, errors


class ChecklistForm(BaseModel):
    lines: str


async def rate(ctx: HandlerContext) -> Reply:
    """Rate how confident you feel (1-10) and see your progress as a chart.

    Usage: rate
    Usage: rate chart
    Usage: rate checklist (head of T&L or admin: edit the list)
    """
    sub = ctx.args.split()[0] if ctx.args.split() else ""
    if sub == "checklist":
        return await _checklist(ctx)
    if ctx.turn.where.kind != "personal":
        return Reply.text("Self-ratings are private: message me **rate** in our 1:1 chat.")
    programme = await SupportRecords(ctx.uow.session).current_programme_of(
        ctx.turn.org_id, ctx.person.id
    )
    if programme is None:
        return Reply.text(NO_PROGRAMME)
    if sub == "chart":
        return await _chart(ctx, programme, update=False)
    return await _form(ctx, programme, update=False)


async def _own[F: ProgrammeRef](ctx: HandlerContext, form: F) -> SupportProgrammeRecord | Reply:
    """The tutor's own programme: only they rate themselves; anyone else is refused."""
    records = SupportRecords(ctx.uow.session)
    programme = await records.programme(ctx.turn.org_id, form.programme_id)
    if programme is None or programme.tutor_id != ctx.person.id:
        return Reply.text(REFUSED)
    subject = await programme_subject(ctx.directory, programme)
    return programme if ctx.can(Permission.WRITE_DEVELOPMENTAL, subject) else Reply.text(REFUSED)


_Programme = SupportProgrammeRecord


async def _settings(ctx: HandlerContext) -> Mapping[str, Any]:
    org = await ctx.directory.organisation(ctx.turn.org_id, ctx.services.clock.now())
    return org.settings


async def _form(
    ctx: HandlerContext, programme: _Programme, *, update: bool, sent: RatingForm | None = None
) -> Reply:
    """The rating card: for the programme's stage now, or again as `sent`, with what to fix."""
    ratings = await SupportRecords(ctx.uow.session).ratings(programme.id)
    now = ctx.services.clock.now()
    stage = sent.stage if sent else None
    stage = stage or programme.domain().rating_stage(now, [RatingStage(r.stage) for r in ratings])
    previous = {k: int(v) for k, v in (ratings[-1].scores if ratings else {}).items()}
    items = [(o.label, o.key) for o in rules.checklist(await _settings(ctx))]
    values, errors = None, None
    if sent:
        values, errors = {**(sent.model_extra or {})}, sent.scores([k for _, k in items])[1]
    card_ = rating_card(RatingFormView(programme.id, stage.value, items, previous), values, errors)
    return Reply.update(card_) if update else Reply.show(card_)


@with_loaded(_own)
async def open_form(ctx: HandlerContext, form: ProgrammeRef, programme: _Programme) -> Reply:
    return await _form(ctx, programme, update=False)


@with_loaded(_own)
async def save(ctx: HandlerContext, form: RatingForm, programme: _Programme) -> Reply:
    options = rules.checklist(await _settings(ctx))
    scores, errors = form.scores([o.key for o in options])
    if errors:
        return await _form(ctx, programme, update=True, sent=form)
    records = SupportRecords(ctx.uow.session)
    rating = await records.rating(programme.id, form.stage.value)
    if rating is None:
        rating = CompetenceRating(
            org_id=programme.org_id,
            programme_id=programme.id,
            tutor_id=programme.tutor_id,
            stage=form.stage.value,
        )
        records.add(rating)
    rating.scores = scores
    rating.labels = {o.key: o.label for o in options}
    rating.rated_at = ctx.services.clock.now()
    await records.flush()
    return await _chart(ctx, programme, update=True)


NO_RATINGS = "No self-ratings yet. Say **rate** to do the first one."


async def show_chart(ctx: HandlerContext, form: ProgrammeRef) -> Reply:
    programme = await SupportRecords(ctx.uow.session).programme(ctx.turn.org_id, form.programme_id)
    if programme is None:
        return Reply.text(REFUSED)
    if not ctx.can(
        Permission.READ_DEVELOPMENTAL, await programme_subject(ctx.directory, programme)
    ):
        return Reply.text(REFUSED)
    if not await SupportRecords(ctx.uow.session).ratings(programme.id):
        if ctx.person.id == programme.tutor_id:
            return Reply.text(NO_RATINGS)
        tutor = await ctx.directory.name_in_message(ctx.turn.org_id, programme.tutor_id, "")
        return Reply.text(f"{said(tutor)} hasn't rated themselves yet: nothing to show.")
    record = f"support_programmes:{programme.id}"
    opened(ctx, programme.tutor_id, "self_ratings", record, "self-rating chart")
    return await _chart(ctx, programme, update=False)


async def _chart(ctx: HandlerContext, programme: SupportProgrammeRecord, *, update: bool) -> Reply:
    ratings = await SupportRecords(ctx.uow.session).ratings(programme.id)
    if not ratings:
        return Reply.text(NO_RATINGS)
    settings = await _settings(ctx)
    order = [s.value for s in RatingStage]
    series = sorted(((r.stage, r.scores) for r in ratings), key=lambda s: order.index(s[0]))
    items = _chart_items(rules.checklist(settings), ratings)
    png = await asyncio.to_thread(confidence_chart, items, series)
    change = rating_change(ratings, settings)
    if change is None:
        summary = "Saved. Rate again half way through and you'll see how far you've come."
    else:
        avg, grew = change
        summary = f"Average change since the start: {avg:+.1f}."
        if grew:
            summary += " Biggest gains: " + ", ".join(grew) + "."
    view = ChartView(programme.id, data_uri(png), [s for s, _ in series], summary)
    card_ = rating_chart_card(view)
    return Reply.update(card_) if update else Reply.show(card_)


def _chart_items(
    options: Sequence[rules.Option], ratings: Sequence[CompetenceRating]
) -> list[tuple[str, str]]:
    """The current checklist, plus any activity rated earlier and since removed from it."""
    items = [(o.label, o.key) for o in options]
    known = {k for _, k in items}
    for rating in ratings:
        for key, label in (rating.labels or {}).items():
            if key not in known:
                items.append((str(label), key))
                known.add(key)
    return items


async def _checklist(ctx: HandlerContext) -> Reply:
    if not (ctx.can(Permission.MANAGE_SETTINGS) or ctx.can(Permission.MANAGE_PRACTITIONERS)):
        return Reply.text("The head of teaching & learning or an org admin edits the checklist.")
    options = rules.checklist(await _settings(ctx))
    return Reply.show(checklist_card("\n".join(o.label for o in options)))


async def save_checklist(ctx: HandlerContext, form: ChecklistForm) -> Reply:
    if not (ctx.can(Permission.MANAGE_SETTINGS) or ctx.can(Permission.MANAGE_PRACTITIONERS)):
        return Reply.text("The head of teaching & learning or an org admin edits the checklist.")
    now = ctx.services.clock.now()
    org = await ctx.directory.organisation(ctx.turn.org_id, now)
    edited = rules.checklist_from_lines(form.lines, rules.checklist(org.settings))
    if len(edited) < 3:
        return Reply.update(checklist_card(form.lines, {"lines": "List at least 3 activities"}))
    org.settings = {
        **org.settings,
        "competence_checklist": [{"key": o.key, "label": o.label} for o in edited[:20]],
    }
    await ctx.directory.audit(
        ctx.turn.org_id,
        ctx.person.id,
        "support:checklist",
        "edit",
        f"{len(edited)} activities",
        now,
    )
    return Reply.update(
        note_card(
            "Saved: competence checklist",
            [f"{len(edited[:20])} activities. New self-ratings use it."],
        )
    )


async def redisplay_checklist(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    return Reply.update(checklist_card(str(values.get("lines", "")), errors))


ROWS: tuple[Command | CardAction, ...] = (
    Command("rate", rate, aliases=("rating", "confidence"), menu_scopes=PERSONAL),
    CardAction("rate.open", open_form, form=ProgrammeRef, idempotent=False),
    CardAction("rate", save, form=RatingForm),
    # Shown to the AP, the chart writes the access log: stored, so a retry is logged once.
    CardAction("rate.chart", show_chart, form=ProgrammeRef),
    CardAction(
        "rate.checklist",
        save_checklist,
        form=ChecklistForm,
        redisplay=redisplay_checklist,
    ),
)
