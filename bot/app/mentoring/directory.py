"""`mentor`: the mentor directory. Staff offer themselves; a mentee searches by specialism, sees
up to five matches with why, and chooses or ranks them; the mentor accepts or declines; either
side can say "not a good fit" and the mentee is re-matched, no reason asked.

Seed 003 warns against mentoring "allocated rather than chosen": a coordinator may suggest
matches (`mentor suggest`), which reach the mentee as choices, never as an assignment. A line
manager, or anyone above them, is never offered as a person's mentor.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext, with_loaded
from bot.app.form_fields import TeachingStyle, chosen, whole_number
from bot.app.mentoring import relationship
from bot.app.mentoring.relationship import (
    ANSWERED,
    GONE,
    OFFERED,
    READ_EXISTS,
    REQUEST,
    SUGGESTED,
    chain_ids,
    excluded_for,
    name_of,
    record_of,
    tell,
)
from bot.app.privacy import opened
from bot.app.refusals import holder_names
from bot.app.router import PERSONAL, CardAction, Command, normalise
from bot.app.turn import Reply
from bot.domain import mentoring as rules
from bot.domain.access import Permission, Role
from bot.domain.words import plural
from cards.base import Action, escape_markdown, execute, said
from cards.mentoring import (
    CapacityLine,
    ExternalView,
    SearchView,
    SuggestionView,
    capacity_card,
    note_card,
    offer_card,
    search_card,
)
from storage.mentoring import (
    ACTIVE,
    ASKED,
    DECLINED,
    ENDED,
    NOT_A_FIT,
    MentoringRecords,
    MentoringRelationship,
    MentorOffer,
    MentorWish,
)
from storage.models import Person
from storage.people import Directory

ALREADY_ENDED = "This mentoring relationship has already ended."
GONE_MENTOR = "gone"  # an answer: the mentor was erased (`mentor_leaves`)
RAN_ITS_COURSE = "finished"  # an answer: the other side ended a mentoring that ran its course
ONE_TO_ONE = (
    "Mentoring is between you and your mentor, so let's do this in our 1:1 chat: message me "
    "**mentor** there."
)


class OfferForm(BaseModel):
    specialisms: str = Field(min_length=1, max_length=300)
    campus: str = Field(default="", max_length=200)
    delivery_style: Annotated[str | None, TeachingStyle] = None
    capacity: Annotated[int, chosen("Choose how many mentees at once")] = Field(ge=1, le=5)
    job_title: str = Field(default="", max_length=200)
    institution: str = Field(default="", max_length=200)

    @field_validator("specialisms")
    @classmethod
    def _specialisms(cls, value: str) -> str:
        if not [s for s in value.split(",") if s.strip()]:
            raise ValueError("Name at least one subject you could mentor in")
        return value

    def specialism_list(self) -> list[str]:
        return [s.strip() for s in self.specialisms.split(",") if s.strip()]


# ----------------------------------------------------------------------------- the command


async def mentor(ctx: HandlerContext) -> Reply:
    """Find a mentor by subject, or offer to mentor.

    Usage: mentor maths
    Usage: mentor offer | mentor stop
    Usage: mentor capacity (managers and quality: that relationships exist, nothing more)
    Usage: mentor suggest name@college.ac.uk maths (head of T&L / coordinator)
    Usage: mentor external Name; partner college; maths, English; contact route
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    if sub == "capacity":
        return await capacity(ctx)
    if sub == "suggest":
        return await suggest_to(ctx, words[1:])
    if sub == "external":
        # The raw words: the table's normalised args have lost the semicolons. Found whatever
        # the capitals ("Mentor External ..."), or the entry was lost and the list shown.
        found = re.search("external", ctx.turn.text, re.IGNORECASE)
        return await external(ctx, ctx.turn.text[found.end() :].strip() if found else "")
    if ctx.turn.where.kind != "personal":
        return Reply.text(ONE_TO_ONE)
    if sub == "offer":
        return await _offer_form(ctx)
    if sub in ("stop", "withdraw"):
        return await _stop_offering(ctx)
    if not words:
        return await _overview(ctx)
    return Reply.show(search_card(await _search_or_wait(ctx, _as_typed(ctx))))


async def _search_or_wait(ctx: HandlerContext, query: str) -> SearchView:
    """The person's own search. When nobody offers the subject, it is kept for them, and they
    are told when someone offers it (`tell_those_waiting`); not while they have a mentor or a
    request open, when no such message would be sent (`notices.render_offered`)."""
    view = await search_view(ctx.uow.session, ctx.person, query)
    key = rules.specialism_key(view.query)
    if view.suggestions or not key or await has_mentor_or_request(ctx.uow.session, ctx.person):
        return view
    records = MentoringRecords(ctx.uow.session)
    wish = await records.wish(ctx.turn.org_id, ctx.person.id, key)
    if wish is None:
        wish = MentorWish(
            org_id=ctx.turn.org_id,
            person_id=ctx.person.id,
            specialism=view.query[:200],
            key=key[:200],
            created_at=ctx.services.clock.now(),
        )
        records.add(wish)
        await records.flush()
    return replace(view, waiting=True, wish=wish.id)


WISH_GONE = (
    "That wait has already ended (stopped, or someone offered to mentor in it), so nothing "
    "changed. Say **mentor** to see what you're waiting for."
)


async def cancel_wish(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """The person stops waiting for a mentor in a subject: the stored wait goes, and they are
    no longer told when someone offers it. Only their own wait: anyone else's is refused."""
    records = MentoringRecords(ctx.uow.session)
    wish_id = _id(values.get("wish"))
    wish = None if wish_id is None else await records.wish_by_id(ctx.turn.org_id, wish_id)
    if wish is None:
        return Reply.text(WISH_GONE)
    if wish.person_id != ctx.person.id:
        return Reply.text(
            "Only the person waiting for a mentor in a subject can stop that wait, so nothing "
            "changed."
        )
    subject = wish.specialism
    await ctx.uow.session.delete(wish)
    await records.flush()
    lines, actions = await _overview_parts(ctx)
    done = (
        f"Done: you're no longer waiting for a mentor in **{escape_markdown(subject)}**, and "
        "I won't message you about it."
    )
    return Reply.update(note_card("Mentoring", [done, *lines], actions))


async def tell_those_waiting(session: AsyncSession, offer: MentorOffer, now: datetime) -> None:
    """Someone offers (or now also offers) a subject others were waiting for a mentor in: each
    of them who could choose this mentor is told once, with the mentors to choose from
    (`notices.render_offered`), and no longer waits for it."""
    records = MentoringRecords(session)
    directory = Directory(session)
    for wish in await records.wishes(offer.org_id):
        if wish.person_id == offer.person_id or not rules.covers(wish.key, offer.specialisms):
            continue
        # Only a mentor they could choose ends the wait: not their line manager, nor someone
        # who declined them or was not a good fit.
        person = await directory.person(offer.org_id, wish.person_id)
        if person is None:
            continue
        view = await search_view(session, person, wish.specialism)
        if offer.person_id not in {s.person_id for s in view.suggestions}:
            continue
        await tell(
            session,
            offer.org_id,
            f"mentoring-offered:{wish.person_id}:{wish.key}",
            OFFERED,
            wish.person_id,
            now,
            {"query": wish.specialism},
        )
        await session.delete(wish)


def _as_typed(ctx: HandlerContext) -> str:
    """The subject in the person's own capitals ("ESOL"): the command's words are lower-cased."""
    typed = " ".join(ctx.turn.text.split()[1:])
    return typed if normalise(typed) == ctx.args else ctx.args


async def _overview(ctx: HandlerContext) -> Reply:
    lines, actions = await _overview_parts(ctx)
    return Reply.show(note_card("Mentoring", lines, actions))


async def _overview_parts(ctx: HandlerContext) -> tuple[list[str], list[Action]]:
    """What `mentor` shows the person: their mentoring, their offer, the subjects they wait for
    a mentor in, and the buttons for each."""
    records = MentoringRecords(ctx.uow.session)
    lines = []
    actions: list[Action] = []
    opened = await records.open_of(ctx.turn.org_id, ctx.person.id)
    for rel in opened:
        other = await name_of(ctx.directory, rel.org_id, rel.other(ctx.person.id))
        role = "your mentor" if rel.side(ctx.person.id) == "mentee" else "your mentee"
        state = "waiting for an answer" if rel.state == ASKED else "agreement in place"
        if rel.state == ACTIVE and not rel.agreement:
            state = "agreement still to write and confirm"
        lines.append(f"**{said(other)}**, {role}: {state}.")
        if rel.state == ACTIVE:
            actions.append(execute(f"Open: {other}", "agreement.open", {"rel": rel.id}))
    for rel in await relationship.past_readable(ctx, 3):
        other = await relationship.past_name(
            ctx.directory, rel.org_id, rel.other(ctx.person.id), "mentor"
        )
        if other == "a former mentor":
            lines.append("The agreement with a former mentor is kept for you to read.")
            actions.append(execute("Open: former mentor", "agreement.open", {"rel": rel.id}))
            continue
        lines.append(f"**{said(other)}** was your mentor: the agreement is kept for you to read.")
        actions.append(execute(f"Open: {other} (ended)", "agreement.open", {"rel": rel.id}))
    offer = await records.offer_of(ctx.turn.org_id, ctx.person.id)
    offering = offer if offer is not None and offer.active else None
    if offering is not None:
        lines.append(
            f"You offer to mentor in {', '.join(offering.specialisms)} "
            f"({offering.capacity} at once)."
        )
    for wish in await records.wishes_of(ctx.turn.org_id, ctx.person.id):
        # Their own words, shown back to them as written (escaped, as the search card does).
        lines.append(
            f"You're waiting for a mentor in **{escape_markdown(wish.specialism)}**: I'll "
            "message you when someone offers to mentor in it."
        )
        actions.append(
            execute(f"Stop waiting for {wish.specialism}", "mentor.wish.cancel", {"wish": wish.id})
        )
    if not any(rel.mentee_id == ctx.person.id for rel in opened):
        # Also after a mentoring has ended: the way to a new mentor stays in sight.
        lines.append("Say **mentor maths** (or any subject) to find a mentor.")
    # Someone in the directory already offers: the same form changes what they offer.
    actions.append(
        execute("Change your offer" if offering else "Offer to mentor", "mentor.offer.open")
    )
    return lines, actions


async def _offer_form(ctx: HandlerContext) -> Reply:
    offer = await MentoringRecords(ctx.uow.session).offer_of(ctx.turn.org_id, ctx.person.id)
    values: dict[str, Any] = {
        "campus": ctx.person.campus,
        "delivery_style": ctx.person.delivery_style,
        "specialisms": ctx.person.curriculum_area,
        "capacity": "1",
    }
    if offer is not None:
        values.update(
            specialisms=", ".join(offer.specialisms),
            campus=offer.campus,
            delivery_style=offer.delivery_style,
            capacity=str(offer.capacity),
            job_title=offer.job_title,
            institution=offer.institution,
        )
    return Reply.show(offer_card(values))


async def open_offer(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return await _offer_form(ctx)


async def redisplay_offer(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    return Reply.update(offer_card(values, errors))


async def save_offer(ctx: HandlerContext, form: OfferForm) -> Reply:
    now = ctx.services.clock.now()
    records = MentoringRecords(ctx.uow.session)
    offer = await records.offer_of(ctx.turn.org_id, ctx.person.id)
    if offer is None:
        offer = MentorOffer(org_id=ctx.turn.org_id, person_id=ctx.person.id, created_at=now)
        records.add(offer)
    offer.specialisms = form.specialism_list()
    offer.campus = form.campus.strip()
    offer.delivery_style = form.delivery_style
    offer.capacity = form.capacity
    offer.job_title = form.job_title.strip()
    offer.institution = form.institution.strip()
    offer.active = True
    offer.updated_at = now
    await records.flush()
    await tell_those_waiting(ctx.uow.session, offer, now)
    return Reply.update(
        note_card(
            "Thank you for offering to mentor",
            [
                f"You're in the directory for {', '.join(offer.specialisms)}, up to "
                f"{plural(offer.capacity, 'mentee')} at once.",
                "When someone chooses you, I'll ask you first: you can accept or decline.",
            ],
            small="Say **mentor stop** to leave the directory.",
        )
    )


async def _stop_offering(ctx: HandlerContext) -> Reply:
    offer = await MentoringRecords(ctx.uow.session).offer_of(ctx.turn.org_id, ctx.person.id)
    if offer is None or not offer.active:
        return Reply.text("You're not in the mentor directory. Say **mentor offer** to join.")
    offer.active = False
    offer.updated_at = ctx.services.clock.now()
    return Reply.text(
        "Done: you're out of the directory. Your current mentees keep you as their mentor."
    )


# ------------------------------------------------------------------------------- searching


def _externals(settings: dict[str, Any]) -> list[rules.ExternalMentor]:
    return [rules.ExternalMentor.from_json(e) for e in settings.get("external_mentors") or []]


async def search_view(
    session: AsyncSession,
    mentee: Person,
    query: str,
    *,
    notice: str = "",
    suggested_by: str = "",
    chain_only: bool = False,
) -> SearchView:
    """Mentors for `mentee` on `query`. `chain_only`: leave out only their management chain,
    not the mentors of their own requests (asked, declined, not a good fit, working with):
    what a coordinator may be told."""
    directory = Directory(session)
    records = MentoringRecords(session)
    counts = await records.mentee_counts(mentee.org_id)
    offers = await records.offers(mentee.org_id)
    people = {p.id: p for p in await directory.people(mentee.org_id, [o.person_id for o in offers])}
    candidates = [
        rules.MentorOffer(
            o.person_id,
            people[o.person_id].name if o.person_id in people else "a colleague",
            tuple(o.specialisms),
            o.campus,
            o.delivery_style,
            o.capacity,
            counts.get(o.person_id, 0),
        )
        for o in offers
    ]
    facts = rules.Mentee(
        mentee.id,
        mentee.campus,
        mentee.delivery_style,
        (
            await chain_ids(directory, mentee)
            if chain_only
            else await excluded_for(session, directory, mentee)
        ),
    )
    found = rules.suggest(query, candidates, facts)
    org = await directory.organisation(mentee.org_id, mentee.created_at)
    listed = _externals(org.settings)
    external = rules.external_for(query, listed) if query.strip() else []
    nearest: list[str] = []
    if not found:
        nearest = [
            s
            for s in rules.nearest_specialisms(
                query, [s for c in candidates for s in c.specialisms]
            )
            if rules.specialism_key(s) != rules.specialism_key(query)
        ]
    helpers: list[str] = []
    admins = False
    if not found and not external:
        # The card's dead end names who can help: the head of T&L, or the org admins.
        helpers = await holder_names(directory, mentee.org_id, Role.HEAD_OF_TL)
        if not helpers:
            helpers = await holder_names(directory, mentee.org_id, Role.ORG_ADMIN)
            admins = True
    # The subject as the directory spells it ("English", "ESOL"), else as it was asked for.
    spelled = [s for c in candidates for s in c.specialisms] + [
        s for e in listed for s in e.specialisms
    ]
    key = rules.specialism_key(query)
    query = next((s for s in spelled if rules.specialism_key(s) == key), query)
    return SearchView(
        query=query.strip(),
        suggestions=[
            SuggestionView(
                s.offer.person_id, s.offer.name, s.offer.specialisms, s.offer.campus, s.reasons
            )
            for s in found
        ],
        nearest=nearest,
        external=[ExternalView(e.name, e.route, e.specialisms, e.contact) for e in external],
        notice=notice,
        suggested_by=suggested_by,
        externals_listed=bool(listed),
        helpers=helpers,
        helpers_are_admins=admins,
    )


async def search_again(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    query = str(values.get("query") or "").strip()[:100]
    return Reply.update(search_card(await search_view(ctx.uow.session, ctx.person, query)))


def _id(value: object) -> int | None:
    return whole_number(value or "")


RANKS: tuple[str, ...] = ("first", "second", "third")  # the search card's pickers


async def choose(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """The mentee's choice: one mentor, or a ranking of up to three. The first is asked now."""
    query = str(values.get("specialism") or "").strip()[:200]
    view = await search_view(ctx.uow.session, ctx.person, query)
    allowed = {s.person_id for s in view.suggestions}
    errors: dict[str, str] = {}
    ranked: list[int] = []
    for key in RANKS:
        raw = values.get(key)
        if raw in (None, ""):
            if key == "first":
                errors[key] = "Choose a mentor."
            continue
        chosen = _id(raw)
        if chosen is None or chosen not in allowed:
            errors[key] = "Choose someone from the list."
        elif chosen in ranked:
            errors[key] = "You've already chosen them above."
        else:
            ranked.append(chosen)
    if errors:
        picked = {key: str(values[key]) for key in RANKS if key in values}
        return Reply.update(search_card(view, errors, picked))
    records = MentoringRecords(ctx.uow.session)
    current = [
        r
        for r in await records.open_of(ctx.turn.org_id, ctx.person.id)
        if r.mentee_id == ctx.person.id
    ]
    if current:
        return await _already(ctx, current[0])
    now = ctx.services.clock.now()
    try:
        # The database keeps one open request per mentee: a second press at the same moment
        # (phone and desktop) that passed the check above loses here, and asks nobody.
        async with ctx.uow.session.begin_nested():
            rel = await ask(ctx.uow.session, ctx.turn.org_id, ctx.person.id, ranked, query, now)
    except IntegrityError:
        won = [
            r
            for r in await records.open_of(ctx.turn.org_id, ctx.person.id)
            if r.mentee_id == ctx.person.id
        ]
        if won:
            return await _already(ctx, won[0])
        return Reply.text("Someone else changed this just now: please choose again.")
    mentor_name = await name_of(ctx.directory, ctx.turn.org_id, rel.mentor_id)
    lines = [f"I've asked **{said(mentor_name)}**. I'll tell you as soon as they answer."]
    if len(ranked) > 1:
        lines.append("If they can't, I'll ask your next choice.")
    return Reply.update(note_card("Mentor asked", lines))


async def _already(ctx: HandlerContext, rel: MentoringRelationship) -> Reply:
    other = await name_of(ctx.directory, ctx.turn.org_id, rel.mentor_id)
    return Reply.text(
        f"You already have a mentoring request or mentor ({said(other)}). Say **mentor** to see it."
    )


async def ask(
    session: AsyncSession,
    org_id: str,
    mentee_id: int,
    ranked: list[int],
    specialism: str,
    now: datetime,
) -> MentoringRelationship:
    rel = MentoringRelationship(
        org_id=org_id,
        mentee_id=mentee_id,
        mentor_id=ranked[0],
        specialism=specialism,
        next_choices=ranked[1:],
        state=ASKED,
        agreement={},
        version=0,
        confirmations=[],
        created_at=now,
        updated_at=now,
    )
    MentoringRecords(session).add(rel)
    await session.flush()
    await tell(
        session, org_id, f"mentoring-request:{rel.id}", REQUEST, rel.mentor_id, now, {"rel": rel.id}
    )
    return rel


async def _mentor_answering(
    ctx: HandlerContext, values: dict[str, Any]
) -> MentoringRelationship | Reply:
    rel_id = _id(values.get("rel"))
    rel = await MentoringRecords(ctx.uow.session).relationship(ctx.turn.org_id, rel_id or 0)
    if rel is None:
        return Reply.text(GONE)
    if rel.mentor_id != ctx.person.id:
        return Reply.text("Only the mentor this request was sent to can answer it.")
    if rel.state != ASKED:
        return Reply.text("This request has already been answered.")
    return rel


@with_loaded(_mentor_answering)
async def accept(ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship) -> Reply:
    """The mentor takes the mentee on: next, they agree the agreement together. Not someone in
    the mentee's management chain (it may have changed since they were asked): for them it is
    a decline, and the mentee chooses again."""
    now = ctx.services.clock.now()
    mentee_person = await ctx.directory.person(rel.org_id, rel.mentee_id)
    if mentee_person is not None and ctx.person.id in await chain_ids(ctx.directory, mentee_person):
        rel.state, rel.ended_at, rel.updated_at = DECLINED, now, now
        await rematch(ctx.uow.session, rel, now, "declined")
        return Reply.update(
            note_card(
                "Not your mentee",
                [
                    f"You're in {mentee_person.name}'s line-management chain now, so you can't "
                    "be their mentor: mentoring stays apart from line management. I've told "
                    "them you can't take this on (no reason given), so they'll have someone else."
                ],
            )
        )
    full = await _cannot_take_on(ctx, rel)
    if full:
        # As a decline: the mentee's next choice is asked, or they choose again.
        rel.state, rel.ended_at, rel.updated_at = DECLINED, now, now
        await rematch(ctx.uow.session, rel, now, "declined")
        mentee = await name_of(ctx.directory, rel.org_id, rel.mentee_id)
        return Reply.update(
            note_card(
                "Not taken on",
                [
                    f"{full} I've told {said(mentee)} you can't take this on (no reason given), so "
                    "they'll have someone else."
                ],
            )
        )
    rel.state, rel.accepted_at, rel.updated_at = ACTIVE, now, now
    rel.next_choices = []
    await tell(
        ctx.uow.session,
        rel.org_id,
        f"mentoring-answer:{rel.id}:accepted",
        ANSWERED,
        rel.mentee_id,
        now,
        {"rel": rel.id, "answer": "accepted"},
    )
    mentee = await name_of(ctx.directory, rel.org_id, rel.mentee_id)
    return Reply.update(
        note_card(
            f"You're {mentee}'s mentor",
            [
                f"I've told {said(mentee)}. Next, agree your mentoring agreement: three SMART "
                "objectives, when and where you'll meet, and the review points."
            ],
            [execute("Fill in the agreement", "agreement.edit", {"rel": rel.id}, primary=True)],
        )
    )


async def _cannot_take_on(ctx: HandlerContext, rel: MentoringRelationship) -> str:
    """Why the mentor asked can't accept now (empty if they can): they have left the directory
    since being asked, or already mentor as many as they offered."""
    records = MentoringRecords(ctx.uow.session)
    offer = await records.offer_of(rel.org_id, ctx.person.id)
    if offer is None or not offer.active:
        return (
            "You've left the mentor directory since they asked, so you can't take on a new "
            "mentee. Say **mentor offer** to join again."
        )
    taking = [
        r
        for r in await records.open_of(rel.org_id, ctx.person.id)
        if r.mentor_id == ctx.person.id and r.state == ACTIVE
    ]
    if len(taking) >= offer.capacity:
        return (
            f"You already mentor {plural(len(taking), 'mentee')}, as many as you offered, so "
            "you can't take on another. Say **mentor offer** to change how many."
        )
    return ""


@with_loaded(_mentor_answering)
async def decline(ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship) -> Reply:
    now = ctx.services.clock.now()
    rel.state, rel.ended_at, rel.updated_at = DECLINED, now, now
    await rematch(ctx.uow.session, rel, now, "declined")
    return Reply.update(note_card("Declined", ["Thanks for letting them know. No reason needed."]))


async def rematch(
    session: AsyncSession, rel: MentoringRelationship, now: datetime, why: str
) -> MentoringRelationship | None:
    """After a decline or "not a good fit": ask the mentee's next ranked choice if they gave one
    (and that person is still free to ask), else tell the mentee to choose again."""
    directory = Directory(session)
    mentee = await directory.person(rel.org_id, rel.mentee_id)
    if mentee is None:
        return None
    excluded = await excluded_for(session, directory, mentee)
    records = MentoringRecords(session)
    offers = {o.person_id: o for o in await records.offers(rel.org_id)}
    counts = await records.mentee_counts(rel.org_id)
    free = [
        c
        for c in rel.next_choices
        if c not in excluded and c in offers and counts.get(c, 0) < offers[c].capacity
    ]
    choices, rel.next_choices = rel.next_choices, []
    new = None
    about: dict[str, Any] = {"rel": rel.id, "answer": why}
    if free:
        rest = [c for c in choices if c != free[0]]
        new = await ask(session, rel.org_id, rel.mentee_id, [free[0], *rest], rel.specialism, now)
        about["next"] = new.id
    await tell(
        session,
        rel.org_id,
        f"mentoring-answer:{rel.id}:{why}",
        ANSWERED,
        rel.mentee_id,
        now,
        about,
    )
    return new


async def _endable(ctx: HandlerContext, values: dict[str, Any]) -> MentoringRelationship | Reply:
    """The open relationship a button ends, or why not: gone, ended already, not theirs."""
    rel_id = _id(values.get("rel"))
    rel = await MentoringRecords(ctx.uow.session).relationship(ctx.turn.org_id, rel_id or 0)
    if rel is None:
        return Reply.text(GONE)
    if not ctx.can(Permission.WRITE_MENTORING, relationship.bare_subject(rel)):
        # Once it has ended it is closed to both of them (bot.domain.mentoring).
        if ctx.person.id in (rel.mentor_id, rel.mentee_id):
            return Reply.text(ALREADY_ENDED)
        return Reply.text(relationship.REFUSED)
    return rel


@with_loaded(_endable)
async def not_a_good_fit(
    ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship
) -> Reply:
    """Either side ends it, no reason asked; the mentee is re-matched."""
    now = ctx.services.clock.now()
    rel.state, rel.ended_at, rel.updated_at = NOT_A_FIT, now, now
    await relationship.cancel_relationship_reminders(ctx.uow.session, rel, now)
    if ctx.person.id == rel.mentee_id:
        await tell(
            ctx.uow.session,
            rel.org_id,
            f"mentoring-answer:{rel.id}:ended",
            ANSWERED,
            rel.mentor_id,
            now,
            {"rel": rel.id, "answer": "ended"},
        )
        view = await search_view(
            ctx.uow.session,
            ctx.person,
            rel.specialism,
            notice="Understood: no reason needed. Here are other mentors; choose again whenever "
            "you're ready.",
        )
        return Reply.update(search_card(view))
    await rematch(ctx.uow.session, rel, now, NOT_A_FIT)
    mentee = await name_of(ctx.directory, rel.org_id, rel.mentee_id)
    return Reply.update(
        note_card(
            "Not a good fit",
            [f"Understood, no reason needed. I'll help {said(mentee)} find another mentor."],
        )
    )


@with_loaded(_endable)
async def finish(ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship) -> Reply:
    """Either side ends a mentoring that has run its course (the objectives met, the course
    over): nobody is re-matched, its reminders stop, the other person is told, and the record
    stays with the mentee. The first press asks; only "Yes, end it" ends it."""
    other = await name_of(ctx.directory, rel.org_id, rel.other(ctx.person.id))
    if values.get("sure") != "yes":
        return Reply.update(
            note_card(
                "End your mentoring?",
                [
                    f"For when you and {said(other)} have finished: the objectives met, or the "
                    "course over. I'll tell them, stop the meeting nudges and review reminders, "
                    "and the agreement and meeting log stay with the mentee to read.",
                ],
                [
                    execute("Yes, end it", "mentor.end", {"rel": rel.id, "sure": "yes"}),
                    execute("No, keep it going", "agreement.open", {"rel": rel.id}),
                ],
            )
        )
    now = ctx.services.clock.now()
    rel.state, rel.ended_at, rel.updated_at = ENDED, now, now
    await relationship.cancel_relationship_reminders(ctx.uow.session, rel, now)
    told = rel.other(ctx.person.id)
    about = {"rel": rel.id, "answer": RAN_ITS_COURSE}
    await tell(
        ctx.uow.session,
        rel.org_id,
        f"mentoring-answer:{rel.id}:{RAN_ITS_COURSE}",
        ANSWERED,
        told,
        now,
        about,
    )
    kept = (
        "Your agreement and meeting log stay with you: say **agreement** to read them."
        if ctx.person.id == rel.mentee_id
        else f"The agreement and meeting log stay with {said(other)}."
    )
    return Reply.update(
        note_card("Mentoring ended", [f"Done: I've told {said(other)}. {kept}", "Thank you both."])
    )


async def end_across_lines(session: AsyncSession, org_id: str, now: datetime) -> None:
    """After a new tutor list: a mentor it puts in their mentee's management chain can't go on
    mentoring them (seed 003's dual relationship; the access rule already shuts them out), so
    the relationship ends. The mentee keeps their record and is told why, with other mentors
    to choose from; the mentor is told it has ended, and nothing else. (A mentor who is still
    only asked hears it when they press Accept: `accept`.)"""
    directory = Directory(session)
    managers = await relationship.manager_map(directory, org_id)
    for rel in await MentoringRecords(session).all_open(org_id):
        if rel.state != ACTIVE:
            continue
        mentee = await directory.person(org_id, rel.mentee_id)
        mentor = await directory.person(org_id, rel.mentor_id)
        if mentee is None or mentor is None or not mentor.email:
            continue
        if mentor.email.lower() not in rules.management_chain(mentee.email, managers):
            continue
        rel.state, rel.ended_at, rel.updated_at = ENDED, now, now
        await relationship.cancel_relationship_reminders(session, rel, now)
        for person_id in (rel.mentee_id, rel.mentor_id):
            key = f"mentoring-answer:{rel.id}:line:{person_id}"
            about = {"rel": rel.id, "answer": "line"}
            await tell(session, org_id, key, ANSWERED, person_id, now, about)


async def mentor_leaves(session: AsyncSession, mentor: Person, now: datetime) -> None:
    """The mentor is being erased: nobody is left to answer a request or to mentor, so the
    mentee is not left waiting on (or tied to) a placeholder. A request still asked is
    declined, and the mentee's next choice is asked if they ranked one; a relationship under
    way ends, its reminders stop, and the mentee keeps its record and is told, with other
    mentors to choose from. Nobody else hears anything."""
    for rel in await MentoringRecords(session).open_of(mentor.org_id, mentor.id):
        if rel.mentor_id != mentor.id:
            continue
        await relationship.cancel_relationship_reminders(session, rel, now)
        if rel.state == ASKED:
            rel.state, rel.ended_at, rel.updated_at = DECLINED, now, now
            await rematch(session, rel, now, GONE_MENTOR)
            continue
        rel.state, rel.ended_at, rel.updated_at = ENDED, now, now
        about = {"rel": rel.id, "answer": GONE_MENTOR}
        key = f"mentoring-answer:{rel.id}:{GONE_MENTOR}"
        await tell(session, rel.org_id, key, ANSWERED, rel.mentee_id, now, about)


# -------------------------------------------------------------- coordinators and managers


async def capacity(ctx: HandlerContext) -> Reply:
    """Who mentors how many: that relationships exist, for capacity; nothing that is in them."""
    records = MentoringRecords(ctx.uow.session)
    rels = await records.all_open(ctx.turn.org_id)
    org_wide = ctx.can(Permission.SEE_MENTORING_EXISTS)
    mine: list[MentoringRelationship] = []
    for rel in rels:
        # A line manager sees a relationship once it exists (accepted), never a request: that
        # someone in their team asked for a mentor, or who said no, is not theirs to know.
        if rel.state != ACTIVE:
            continue
        subject = await relationship.subject_of(ctx.directory, rel)
        if ctx.person.id in subject.line_manager_ids and ctx.can(
            Permission.SEE_MENTORING_EXISTS, subject
        ):
            mine.append(rel)
    email = (ctx.person.email or "").lower()
    manages = bool(email) and email in {
        (m or "").lower()
        for m in (await relationship.manager_map(ctx.directory, ctx.turn.org_id)).values()
    }
    if not org_wide and not mine and not manages and ctx.actor.has(Role.LINE_MANAGER):
        # The role is there, the team is not: the tutor list names each tutor's line manager.
        return Reply.text(
            "Nobody on the tutor list has you as their line manager yet, so I have no team of "
            "yours to show. An org admin sets that in the tutor list's line_manager_email column "
            "(**admin**)."
        )
    if not org_wide and not mine and not manages:
        return Reply.text(
            "Mentoring capacity is for line managers (their own team), the quality team and the "
            "head of teaching & learning."
        )
    # Each person whose relationship this shows hears who saw that it exists.
    for rel in mine:
        opened(ctx, rel.mentee_id, READ_EXISTS, record_of(rel), "mentoring capacity, your team")
    lines: list[CapacityLine] = []
    if org_wide:
        counts = await records.mentee_counts(ctx.turn.org_id)
        offers = await records.offers(ctx.turn.org_id)
        listed = {o.person_id for o in offers}
        for rel in rels:
            if rel.mentor_id in listed:  # their count shows it exists; nothing else does
                opened(ctx, rel.mentor_id, READ_EXISTS, record_of(rel), "mentoring capacity")
        for offer in offers:
            lines.append(
                CapacityLine(
                    await name_of(ctx.directory, offer.org_id, offer.person_id),
                    ", ".join(offer.specialisms),
                    counts.get(offer.person_id, 0),
                    offer.capacity,
                )
            )
    names = sorted({await name_of(ctx.directory, r.org_id, r.mentee_id) for r in mine})
    return Reply.show(capacity_card(lines, names, len(rels) if org_wide else len(mine)))


async def suggest_to(ctx: HandlerContext, words: list[str]) -> Reply:
    """A coordinator suggests matches; the mentee chooses (never an assignment)."""
    if not ctx.can(Permission.SUGGEST_MENTORS):
        return Reply.text(
            "Only the head of teaching & learning or a development coordinator suggests mentors."
        )
    if len(words) < 1 or "@" not in words[0]:
        return Reply.text("Say **mentor suggest name@college.ac.uk maths**.")
    mentee = await ctx.directory.person_by_email(ctx.turn.org_id, words[0])
    if mentee is None:
        return Reply.text(f"I don't know {said(words[0])} yet.")
    # As a search's subject is (`choose`): at most 200 characters. It keys the suggestion's
    # message, whose key column holds 300 (PostgreSQL refuses a longer one: a 500, no answer).
    query = " ".join(words[1:])[:200]
    # Whom the mentee has asked, and who declined or was not a good fit, is the pair's
    # business: the answer is decided on the directory and the mentee's management chain
    # alone, and names no number. The mentee sees those still free for them, when it goes.
    view = await search_view(ctx.uow.session, mentee, query, chain_only=True)
    if not view.suggestions:
        return Reply.text(
            f"Nobody in the directory fits {said(query) if query else 'that'} for "
            f"{said(mentee.name or words[0])} just now, so I haven't sent anything."
        )
    now = ctx.services.clock.now()
    # Someone with a mentor or a request open gets nothing; the answer is the same either way
    # (that they asked someone is the pair's business).
    if not await has_mentor_or_request(ctx.uow.session, mentee):
        await tell(
            ctx.uow.session,
            ctx.turn.org_id,
            f"mentoring-suggested:{mentee.id}:{rules.specialism_key(query) or 'any'}",
            SUGGESTED,
            mentee.id,
            now,
            {"query": query, "by": ctx.person.id},
        )
    return Reply.text(
        f"{said(mentee.name or words[0])} gets the mentors who fit to choose from, unless they "
        "already have a mentor or a request open. Nobody is assigned: it's their choice."
    )


async def has_mentor_or_request(session: AsyncSession, person: Person) -> bool:
    """Whether `person` has a mentoring request or a mentor now (as the mentee)."""
    return any(
        r.mentee_id == person.id
        for r in await MentoringRecords(session).open_of(person.org_id, person.id)
    )


async def external(ctx: HandlerContext, spec: str) -> Reply:
    """External mentors the organisation lists: partner colleges, brokerage, voucher systems."""
    now = ctx.services.clock.now()
    org = await ctx.directory.organisation(ctx.turn.org_id, now)
    listed = _externals(org.settings)
    if not spec:
        lines = [
            f"**{said(e.name)}** ({said(e.route)}): {said(', '.join(e.specialisms))}. "
            f"Contact: {said(e.contact)}"
            for e in listed
        ] or ["None listed yet."]
        return Reply.show(note_card("External mentors", lines))
    if not ctx.can(Permission.SUGGEST_MENTORS):
        return Reply.text(
            "Only the head of teaching & learning or a development coordinator lists external "
            "mentors."
        )
    parts = [p.strip() for p in spec.split(";")]
    if len(parts) != 4 or not all(parts):
        return Reply.text(
            "Say **mentor external Name; route (partner college, brokerage or voucher scheme); "
            "specialisms, separated by commas; how to contact them**."
        )
    entry = rules.ExternalMentor(
        parts[0], parts[1], tuple(s.strip() for s in parts[2].split(",") if s.strip()), parts[3]
    )
    org.settings = {
        **org.settings,
        "external_mentors": [*(e.to_json() for e in listed), entry.to_json()],
    }
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, "mentoring:external", "add", entry.name, now
    )
    return Reply.text(
        f"Listed: {said(entry.name)} ({said(entry.route)}) for "
        f"{said(', '.join(entry.specialisms))}."
    )


ROWS: tuple[Command | CardAction, ...] = (
    # Stored: `mentor capacity` writes the access log, `stop` / `suggest` / `external` write.
    Command("mentor", mentor, aliases=("mentors", "mentoring"), scopes=PERSONAL, stored=True),
    CardAction("mentor.offer.open", open_offer, idempotent=False),
    CardAction("mentor.offer", save_offer, form=OfferForm, redisplay=redisplay_offer),
    CardAction("mentor.search", search_again, idempotent=False),
    CardAction("mentor.wish.cancel", cancel_wish),
    CardAction("mentor.choose", choose),
    CardAction("mentor.accept", accept),
    CardAction("mentor.decline", decline),
    CardAction("mentor.not_fit", not_a_good_fit),
    CardAction("mentor.end", finish),
)
