"""Summaries drafted for people, never sent without them (issue 16, point 3; seed 002 "quality
team involvement" and "the manager's summary of walks in their PMG report").

- `walks summary`, and a notice to the quality team at each window's end: the term's key
  findings with a draft termly summary (themes, counts, outstanding walks, example strengths)
  that they edit on the card, save, and export as an A4 Word document.
- `walks pmg`: a line manager's paragraph on their teams' walks, to edit and copy.

Every figure comes from the stored walks and the tutor list, at the moment of asking; nothing
is sent to anyone but the person who asked, and only what they chose to save or export.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import documents
from bot.app.context import HandlerContext
from bot.app.form_fields import as_text
from bot.app.notices import NoticeContext
from bot.app.refusals import refusal
from bot.app.turn import Message, Reply
from bot.app.walks.access import (
    PRIVATE_ONLY,
    local_today,
    names_of,
    no_team_yet,
    org_settings,
    quality_notice_day,
    quality_only,
    short_day,
)
from bot.app.walks.reports import key_findings_view, team_completion, term_named
from bot.app.word import WordDocument
from bot.domain.access import Permission, Role
from bot.domain.local_time import london
from bot.domain.terms import Term, current_or_next_term, term_for, terms_for
from bot.domain.walks import (
    CompletionCounts,
    KeyFindings,
    WalkFacts,
    key_findings,
    pmg_paragraph,
    strength_examples,
    termly_summary,
)
from cards.walks import PmgView, SummaryDraft, key_findings_card, pmg_card
from storage.models import Team
from storage.walks import WalkStore, walk_facts

MAX_SUMMARY = 8000


async def _term_records(
    session: AsyncSession, org_id: str, term: Term, teams: Sequence[Team]
) -> tuple[list[WalkFacts], list[str], list[tuple[str, CompletionCounts]], CompletionCounts]:
    """The saved walks of these teams in the term (with their went-well notes), each team's
    completion and all the teams' (each tutor once), straight from the store."""
    store = WalkStore(session)
    wanted = {t.id: t.name or "Team" for t in teams}
    rows = [
        r for r in await store.saved_between(org_id, term.start, term.end) if r.team_pk in wanted
    ]
    facts = [walk_facts(r, wanted[r.team_pk]) for r in rows]
    completion, everyone = [], []
    for team in teams:
        _, done = await team_completion(session, org_id, team, term)
        completion.append((team.name or "Team", CompletionCounts.of(done)))
        everyone.append(done)
    overall = CompletionCounts.across(everyone)
    return facts, [r.went_well_note for r in rows], completion, overall


async def draft_summary(session: AsyncSession, org_id: str, term: Term) -> str:
    """The termly summary of key findings across every team, drafted from the records."""
    teams = list(await WalkStore(session).teams(org_id))
    facts, notes, completion, overall = await _term_records(session, org_id, term, teams)
    found = key_findings(facts, term.label)
    examples = strength_examples(zip(facts, notes, strict=True))
    return termly_summary(found, facts, completion, examples, overall)


async def summary_card(
    session: AsyncSession, org_id: str, term: Term, today: date, note: str | None = None
) -> dict[str, Any]:
    """Key findings with the summary to edit: as last saved, else a fresh draft."""
    view = await key_findings_view(session, org_id, term)
    saved = await WalkStore(session).summary(org_id, term.key)
    if saved is not None:
        who = await names_of(session, org_id, [saved.edited_by] if saved.edited_by else [])
        by = who.get(saved.edited_by or 0, "someone")
        text = saved.text
        about = f"Saved by {by} on {short_day(london(saved.edited_at).date())}."
    else:
        text = await draft_summary(session, org_id, term)
        about = f"Drafted from the records on {short_day(today)}."
    about += " Edit it, then save it or export it as a Word document: I send it to nobody."
    draft = SummaryDraft(term.key, text, note or about)
    return key_findings_card(replace(view, draft=draft))


async def summary(ctx: HandlerContext, text: str) -> Reply:
    """`walks summary [term]`: the quality team's key findings and termly summary."""
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(quality_only(ctx))
    if ctx.turn.where.kind != "personal":
        return Reply.text(PRIVATE_ONLY)
    try:
        term = await term_named(ctx, text)
    except ValueError as exc:
        return Reply.text(str(exc))
    card = await summary_card(ctx.uow.session, ctx.turn.org_id, term, local_today(ctx))
    return Reply.show(card)


async def _term_of(ctx: HandlerContext, values: dict[str, Any]) -> Term | None:
    key = as_text(values.get("term_key")).strip()
    settings = await org_settings(ctx.uow.session, ctx.turn.org_id)
    today = local_today(ctx)
    years = [today, today.replace(year=today.year - 1), today.replace(year=today.year + 1)]
    return next((t for d in years for t in terms_for(d, settings) if t.key == key), None)


async def _save_edited(ctx: HandlerContext, values: dict[str, Any]) -> tuple[Term, str] | str:
    """Keep the text on the card as the term's summary: the term and text, or why not."""
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return quality_only(ctx)
    term = await _term_of(ctx, values)
    if term is None:
        return "I don't know that term any more: say `walks summary` again."
    text = as_text(values.get("summary_text")).strip()
    if not text:
        return "The summary is empty: write it, or press **Draft again**."
    if len(text) > MAX_SUMMARY:
        return f"The summary is too long ({len(text)} characters; {MAX_SUMMARY} at most)."
    now = ctx.services.clock.now()
    await WalkStore(ctx.uow.session).save_summary(
        ctx.turn.org_id, term.key, text, ctx.actor.person_id, now
    )
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.actor.person_id, f"walk-summary:{term.key}", "save", "", now
    )
    return term, text


async def save(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    saved = await _save_edited(ctx, values)
    if isinstance(saved, str):
        return Reply.text(saved)
    card = await summary_card(ctx.uow.session, ctx.turn.org_id, saved[0], local_today(ctx))
    return Reply.update(card)


async def export(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """Save what is on the card, and send it as an A4 Word document to the asker's 1:1 chat."""
    saved = await _save_edited(ctx, values)
    if isinstance(saved, str):
        return Reply.text(saved)
    term, text = saved
    now = ctx.services.clock.now()
    data = await asyncio.to_thread(
        partial(
            summary_docx,
            term.label,
            text,
            organisation=await documents.organisation_name(ctx),
            prepared_by=ctx.person.name or "",
            on=london(now).date(),
        )
    )
    name = f"learning-walks-summary-{term.key.replace('/', '-')}.docx"
    sent = await documents.send(ctx, name, data, f"Termly summary of learning walks, {term.label}")
    if ctx.turn.where.kind == "personal":
        card = await summary_card(ctx.uow.session, ctx.turn.org_id, term, local_today(ctx))
        return Reply.update(card, *sent.messages)
    return sent


async def redraft(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """Throw away the saved text and draft again from the records as they are now."""
    if not ctx.can(Permission.VIEW_QUALITY_DASHBOARD):
        return Reply.text(quality_only(ctx))
    term = await _term_of(ctx, values)
    if term is None:
        return Reply.text("I don't know that term any more: say `walks summary` again.")
    await WalkStore(ctx.uow.session).forget_summary(ctx.turn.org_id, term.key)
    card = await summary_card(ctx.uow.session, ctx.turn.org_id, term, local_today(ctx))
    return Reply.update(card)


def summary_docx(
    term_label: str, text: str, *, organisation: str, prepared_by: str, on: date
) -> bytes:
    """The termly summary as an A4 Word document, one paragraph per paragraph of the text."""
    doc = WordDocument(f"Learning walks: termly summary, {term_label}", organisation, prepared_by)
    doc.heading(f"Learning walks: termly summary, {term_label}", 1)
    doc.paragraph(f"Prepared by {prepared_by or 'the quality team'}, {on:%-d %B %Y}.", size=9)
    for part in (p.strip() for p in text.split("\n\n")):
        if part:
            doc.paragraph(part)
    doc.footer(f"Learning walks, {term_label}. Concern notes are never included.")
    return doc.save()


async def render_summary_notice(ctx: NoticeContext) -> Message | None:
    """At a window's end, to each quality-team member: the term's summary to edit."""
    session = ctx.uow.session
    day = await quality_notice_day(ctx)
    if day is None:
        return None
    term = term_for(day, await org_settings(session, ctx.item.org_id))
    if term is None:
        return None
    note = (
        f"Learning-walk windows ended on {short_day(day)}. Here is the {term.label} so far, "
        "drafted from the records: edit it, then save it or export it. I send it to nobody."
    )
    saved = await WalkStore(session).summary(ctx.item.org_id, term.key)
    card = await summary_card(
        session, ctx.item.org_id, term, london(ctx.now).date(), None if saved else note
    )
    return Message(card=card)


async def pmg(ctx: HandlerContext, text: str) -> Reply:
    """`walks pmg`: a paragraph on your teams' learning walks for your PMG report."""
    if not ctx.can(Permission.VIEW_WALK_COMPLETION):
        return Reply.text(
            refusal(
                ctx, "Sorry, the PMG paragraph is for line managers.", Role.LINE_MANAGER, "write it"
            )
        )
    if ctx.turn.where.kind != "personal":
        return Reply.text(PRIVATE_ONLY)
    try:
        term = (
            await term_named(ctx, text)
            if text.strip()
            else current_or_next_term(
                local_today(ctx), await org_settings(ctx.uow.session, ctx.turn.org_id)
            )
        )
    except ValueError as exc:
        return Reply.text(str(exc))
    store = WalkStore(ctx.uow.session)
    teams = list(await store.teams_of(ctx.actor.person_id))  # the teams they are in
    if not teams:
        return Reply.text(await no_team_yet(ctx, "then ask me for the PMG paragraph again"))
    facts, _, _, counts = await _term_records(ctx.uow.session, ctx.turn.org_id, term, teams)
    found: KeyFindings = key_findings(facts, term.label)
    names = [t.name or "Team" for t in teams]
    paragraph = pmg_paragraph(names, found, facts, counts)
    return Reply.show(pmg_card(PmgView(term.label, names, paragraph)))
