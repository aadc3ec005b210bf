"""Mentoring's proactive messages, drawn when they are sent from the records as they are then: a
request already answered, a nudge after a meeting was logged, or a report not yet seen by the
mentee is dropped (render -> None)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.app.mentoring import agreement as agreement_
from bot.app.mentoring import relationship
from bot.app.mentoring.coaching import action_words, companion_ids
from bot.app.mentoring.coaching import subject_of as coaching_subject
from bot.app.mentoring.directory import (
    GONE_MENTOR,
    RAN_ITS_COURSE,
    has_mentor_or_request,
    rematch,
    search_view,
)
from bot.app.mentoring.relationship import (
    READ_COACHING,
    READ_RECORD,
    READ_REVIEW,
    agreement_reads,
    name_of,
    record_of,
    subject_for,
)
from bot.app.notices import NoticeContext, NoticeKind
from bot.app.privacy import opened_by_notice
from bot.app.turn import Message
from bot.domain import mentoring as rules
from bot.domain.access import Actor, Permission, can
from cards.base import Action, execute, plain, said
from cards.mentoring import agreement_card, note_card, request_card, review_card, search_card
from cards.reminders import NextStep, reminder_card
from storage.mentoring import (
    ACTIVE,
    ASKED,
    DECLINED,
    DRAFTED,
    FINISHED,
    MEETING,
    SENT,
    WITHHELD,
    MentoringRecords,
    MentoringRelationship,
    MentoringReview,
)


async def _name(ctx: NoticeContext, org_id: str, person_id: int | None) -> str:
    """How a notice names someone: as written (`said`), so a display name like
    "[Sign in again](…)" is never live markdown in a card's heading or lines."""
    return said(await name_of(ctx.directory, org_id, person_id))


def _note(
    heading: str, lines: Sequence[str], actions: Sequence[Action] = (), *, small: str = ""
) -> Message:
    """A short notice (`note_card`) to send. Its notification reads the heading with the names
    in it (`plain`); the card shows them as written."""
    return Message(
        card=note_card(heading, lines, actions, small=small, fallback_text=plain(heading))
    )


async def _actor(ctx: NoticeContext) -> Actor | None:
    if ctx.item.person_id is None:
        return None
    return Actor(ctx.item.person_id, ctx.item.org_id, await ctx.directory.roles(ctx.item.person_id))


async def _rel(ctx: NoticeContext, key: str = "rel") -> MentoringRelationship | None:
    return await MentoringRecords(ctx.uow.session).relationship(
        ctx.item.org_id, int(ctx.payload.get(key) or 0)
    )


async def _active_for(
    ctx: NoticeContext, permission: Permission
) -> tuple[MentoringRelationship, Actor] | None:
    """The notice's relationship while it is active, and its reader, when they may still do
    `permission` on it (not a mentor who has come into the mentee's management chain since)."""
    rel = await _rel(ctx)
    actor = await _actor(ctx)
    if rel is None or actor is None or rel.state != ACTIVE:
        return None
    subject = await relationship.subject_for(ctx.directory, rel, actor.person_id)
    return (rel, actor) if can(actor, permission, subject) else None


async def render_request(ctx: NoticeContext) -> Message | None:
    rel = await _rel(ctx)
    if rel is None or rel.state != ASKED or ctx.item.person_id != rel.mentor_id:
        return None
    actor = await _actor(ctx)
    subject = await subject_for(ctx.directory, rel, rel.mentor_id)
    if actor is None or not can(actor, Permission.READ_MENTORING, subject):
        # Not theirs to be asked any more (a new tutor list put them in the mentee's chain
        # before this went): as on Accept, they have not taken it on, and the mentee chooses
        # again (no reason given). Nothing of the mentee reaches them.
        rel.state, rel.ended_at, rel.updated_at = DECLINED, ctx.now, ctx.now
        await rematch(ctx.uow.session, rel, ctx.now, "declined")
        return None
    mentee = await _name(ctx, rel.org_id, rel.mentee_id)
    opened_by_notice(ctx, rel.mentee_id, READ_RECORD, record_of(rel), "request sent to the mentor")
    return Message(card=request_card(mentee, rel.specialism, rel.id))


async def render_answered(ctx: NoticeContext) -> Message | None:
    rel = await _rel(ctx)
    if rel is None or ctx.item.person_id not in (rel.mentee_id, rel.mentor_id):
        return None
    answer = str(ctx.payload.get("answer"))
    if answer == "ended":  # the mentee said not a good fit; the mentor hears
        mentee = await _name(ctx, rel.org_id, rel.mentee_id)
        return _note(
            "Mentoring ended",
            [
                f"{said(mentee)} has decided to look for a different mentor. No reason is "
                "needed, and nothing is recorded against either of you."
            ],
        )
    if answer == RAN_ITS_COURSE:  # the other side ended a mentoring that had run its course
        return await _finished(ctx, rel)
    if answer == GONE_MENTOR:  # erased: no name to give, and nothing of theirs to show
        return await _mentor_gone(ctx, rel)
    mentor = await _name(ctx, rel.org_id, rel.mentor_id)
    if answer == "line":  # a new tutor list put the mentor in the mentee's management chain
        return await _ended_by_the_line(ctx, rel, mentor)
    if answer == "accepted":
        if rel.state != ACTIVE:
            return None
        return _note(
            f"{mentor} will be your mentor",
            ["Next, agree your mentoring agreement together."],
            [execute("Open the agreement", "agreement.edit", {"rel": rel.id}, primary=True)],
        )
    nxt = await _rel(ctx, "next")
    what = "can't take this on just now" if answer == "declined" else "thinks it isn't a good fit"
    if nxt is not None:
        chosen = await _name(ctx, rel.org_id, nxt.mentor_id)
        return _note(
            "Your mentoring request",
            [
                f"{said(mentor)} {what}. No reason needed. I've asked your next choice, "
                f"**{said(chosen)}**."
            ],
        )
    mentee_person = await ctx.directory.person(rel.org_id, rel.mentee_id)
    if mentee_person is None:
        return None
    view = await search_view(
        ctx.uow.session,
        mentee_person,
        rel.specialism,
        notice=f"{said(mentor)} {what}. No reason needed: choose someone else whenever you're "
        "ready.",
    )
    return Message(card=search_card(view))


async def _finished(ctx: NoticeContext, rel: MentoringRelationship) -> Message:
    """The other side ended the mentoring (`directory.finish`): who, and where its record is."""
    to_mentee = ctx.item.person_id == rel.mentee_id
    ender = await _name(ctx, rel.org_id, rel.mentor_id if to_mentee else rel.mentee_id)
    if to_mentee:
        lines = [
            f"{said(ender)} has ended your mentoring: it has run its course.",
            "Your agreement and meeting log stay with you: say **agreement** to read them. "
            "If you'd like a mentor again, say **mentor** and a subject.",
        ]
    else:
        lines = [
            f"{said(ender)} has ended your mentoring: it has run its course. "
            "Thank you for mentoring.",
            f"The agreement and meeting log stay with {said(ender)}.",
        ]
    return Message(card=note_card("Mentoring ended", lines))


async def _mentor_gone(ctx: NoticeContext, rel: MentoringRelationship) -> Message | None:
    """The mentee hears that their mentor (or the mentor they asked) is no longer in TLC."""
    if ctx.item.person_id != rel.mentee_id:
        return None
    nxt = await _rel(ctx, "next")
    if nxt is not None:
        chosen = await _name(ctx, rel.org_id, nxt.mentor_id)
        return _note(
            "Your mentoring request",
            [
                "The colleague you asked first is no longer in TLC, so they can't answer. "
                f"I've asked your next choice, **{said(chosen)}**."
            ],
        )
    mentee = await ctx.directory.person(rel.org_id, rel.mentee_id)
    if mentee is None:
        return None
    if rel.accepted_at is None:
        notice = (
            "The colleague you asked to mentor you is no longer in TLC, so they can't answer. "
            "Choose someone else whenever you're ready."
        )
    else:
        notice = (
            "Your mentor is no longer in TLC, so your mentoring has ended. Your agreement and "
            "meeting log stay yours to read (say **agreement**). Choose another mentor whenever "
            "you're ready."
        )
    view = await search_view(ctx.uow.session, mentee, rel.specialism, notice=notice)
    return Message(card=search_card(view))


async def _ended_by_the_line(
    ctx: NoticeContext, rel: MentoringRelationship, mentor: str
) -> Message | None:
    mentee = await ctx.directory.person(rel.org_id, rel.mentee_id)
    if mentee is None:
        return None
    why = "mentoring stays apart from line management"
    if ctx.item.person_id == rel.mentor_id:
        return _note(
            f"Mentoring {said(mentee.name or '')} has ended",
            [
                f"The tutor list now puts you in {said(mentee.name or '')}'s line "
                f"management, so you can't go on as their mentor: {why}. Their agreement "
                "and log stay theirs; none of it is visible to you now. I've told them why."
            ],
        )
    view = await search_view(
        ctx.uow.session,
        mentee,
        rel.specialism,
        notice=f"The tutor list now puts {said(mentor)} in your line management, so they "
        f"can't go on as your mentor: {why}. They no longer see your agreement or log, which "
        "stay yours. Choose another mentor whenever you're ready.",
    )
    return Message(card=search_card(view))


async def render_suggested(ctx: NoticeContext) -> Message | None:
    person = await ctx.directory.person(ctx.item.org_id, ctx.item.person_id or 0)
    if person is None or await has_mentor_or_request(ctx.uow.session, person):
        return None  # they have chosen since: suggestions would only muddle it
    by = await _name(ctx, ctx.item.org_id, int(ctx.payload.get("by") or 0) or None)
    view = await search_view(
        ctx.uow.session, person, str(ctx.payload.get("query") or ""), suggested_by=by
    )
    return Message(card=search_card(view)) if view.suggestions else None


async def render_offered(ctx: NoticeContext) -> Message | None:
    """Someone now offers the subject the person searched for in vain: the mentors to choose
    from, unless they have a mentor or a request open by now (or nobody fits them after all)."""
    person = await ctx.directory.person(ctx.item.org_id, ctx.item.person_id or 0)
    if person is None or await has_mentor_or_request(ctx.uow.session, person):
        return None
    query = str(ctx.payload.get("query") or "")
    view = await search_view(ctx.uow.session, person, query)
    if not view.suggestions:
        return None
    notice = "You searched for a mentor in this subject: now someone offers it."
    return Message(card=search_card(replace(view, notice=notice)))


async def _agreement_message(ctx: NoticeContext, notice: str, how: str) -> Message | None:
    found = await _active_for(ctx, Permission.READ_MENTORING)
    if found is None:
        return None
    rel, actor = found
    view = await agreement_.agreement_view(ctx.uow.session, rel, actor.person_id, notice)
    for owner, kind, record in await agreement_reads(ctx.uow.session, rel, actor.person_id):
        opened_by_notice(ctx, owner, kind, record, how)
    return Message(card=agreement_card(view))


async def render_confirm(ctx: NoticeContext) -> Message | None:
    rel = await _rel(ctx)
    if rel is None or rel.proposal is None or rel.proposed_by == ctx.item.person_id:
        return None
    return await _agreement_message(ctx, "Please check and confirm.", "agreement to confirm")


async def render_confirmed(ctx: NoticeContext) -> Message | None:
    return await _agreement_message(
        ctx, "Confirmed by both of you: it's in effect.", "agreement confirmed"
    )


async def _draft(
    ctx: NoticeContext, rel: MentoringRelationship, point_key: str
) -> MentoringReview | None:
    """The review for this occurrence of the point: the point's key and its agreed date, so a
    relationship in its second year, with January moved on a year, gets a new January report."""
    records = MentoringRecords(ctx.uow.session)
    points = {p.key: p for p in agreement_._reviews(rel.agreement)}
    point = points.get(point_key)
    if point is None:
        return None
    occurrence = f"{point.key}:{point.due.isoformat()}"
    existing = await records.review_at(rel.id, occurrence)
    if existing is not None:
        return existing
    # Drafted before reviews were kept per occurrence, under the bare key, for this date.
    legacy = await records.review_at(rel.id, point.key)
    if legacy is not None and legacy.drafted_at.date() >= point.due:
        return legacy
    meetings = await agreement_.logged_meetings(records, rel.id)
    review = MentoringReview(
        org_id=rel.org_id,
        relationship_id=rel.id,
        point=occurrence,
        label=point.label,
        lines=rules.draft_review(point.label, agreement_._objectives(rel.agreement), meetings),
        recipients=[int(i) for i in rel.agreement.get("recipient_ids") or []],
        state=DRAFTED,
        drafted_at=ctx.now,
    )
    records.add(review)
    await records.flush()
    return review


def _review_record(review: MentoringReview) -> str:
    return f"mentoring_reviews:{review.id}"


async def render_review_due(ctx: NoticeContext) -> Message | None:
    """Both hear the review is due; the mentee gets the draft to read, and nothing goes out to
    the recipients until they have."""
    rel = await _rel(ctx)
    actor = await _actor(ctx)
    if rel is None or actor is None or not rel.agreement:
        return None
    subject = await relationship.subject_for(ctx.directory, rel, actor.person_id)
    if not can(actor, Permission.WRITE_MENTORING, subject):
        return None  # ended, or its mentor is now in the mentee's chain (bot.domain.access)
    review = await _draft(ctx, rel, str(ctx.payload.get("point")))
    if review is None:
        return None
    recipients = [p.name for p in await ctx.directory.people(rel.org_id, review.recipients)]
    if ctx.item.person_id == rel.mentee_id:
        return Message(
            card=review_card(
                f"{review.label} is due: the draft",
                review.lines,
                recipients,
                review.id if review.state == DRAFTED else None,
            )
        )
    if ctx.item.person_id != rel.mentor_id:
        return None
    mentee = await _name(ctx, rel.org_id, rel.mentee_id)
    opened_by_notice(ctx, rel.mentee_id, READ_REVIEW, _review_record(review), "review draft")
    return Message(
        card=review_card(
            f"{review.label} is due",
            [
                f"I've drafted it from your meeting log and the objectives, and shown it to "
                f"{said(mentee)}. It goes to the agreed recipients only if {said(mentee)} says so.",
                *review.lines,
            ],
            recipients,
            None,
            mentee=mentee,
        )
    )


async def render_report(ctx: NoticeContext) -> Message | None:
    records = MentoringRecords(ctx.uow.session)
    review = await records.review(ctx.item.org_id, int(ctx.payload.get("review") or 0))
    if review is None or review.state != SENT or review.seen_at is None:
        return None
    rel = await records.relationship(ctx.item.org_id, review.relationship_id)
    actor = await _actor(ctx)
    if rel is None or actor is None:
        return None
    subject = await relationship.subject_for(
        ctx.directory, rel, actor.person_id, frozenset(review.recipients)
    )
    if not can(actor, Permission.READ_MENTORING, subject):
        return None
    mentee = await _name(ctx, rel.org_id, rel.mentee_id)
    mentor = await _name(ctx, rel.org_id, rel.mentor_id)
    opened_by_notice(ctx, rel.mentee_id, READ_REVIEW, _review_record(review), "review sent to you")
    return _note(
        f"Mentoring {review.label.lower()}: {mentee}",
        [said(line) for line in review.lines],
        small=f"From {said(mentor)}, sent with {said(mentee)}'s agreement after they read it.",
    )


async def render_withheld(ctx: NoticeContext) -> Message | None:
    """The mentor hears the mentee chose not to send the review on (nothing of why), even if
    the relationship has ended since: the mentee was told the mentor would hear it, the mentor
    saw the draft and would otherwise wait for a report that never comes, and the notice holds
    nothing of the record. Not a mentor who has since come into the mentee's management chain
    (READ_MENTORING with the chain: seed 003's dual relationship), nor one erased (no actor)."""
    records = MentoringRecords(ctx.uow.session)
    review = await records.review(ctx.item.org_id, int(ctx.payload.get("review") or 0))
    rel = await _rel(ctx)
    if review is None or rel is None or review.state != WITHHELD:
        return None
    actor = await _actor(ctx)
    if actor is None or ctx.item.person_id != rel.mentor_id:
        return None
    # Asked as while the relationship was open (an ended one has no mentor to ask about): is
    # this the mentor, and not now in the mentee's management chain?
    subject = replace(
        await relationship.subject_of(ctx.directory, rel), practitioner_id=rel.mentor_id
    )
    if not can(actor, Permission.READ_MENTORING, subject):
        return None
    mentee = await _name(ctx, rel.org_id, rel.mentee_id)
    return _note(
        f"{review.label}: not sent",
        [
            f"{said(mentee)} read the draft and chose not to send it on, so nobody "
            "received it. That's their call: no reason needed."
        ],
    )


async def render_nudge(ctx: NoticeContext) -> Message | None:
    """ "Nothing logged for 4 weeks" to either of the pair who may still write to the record: not
    a mentor who has come into the mentee's management chain since (how often the pair meet is
    the mentee's record, not their line manager's to learn)."""
    found = await _active_for(ctx, Permission.WRITE_MENTORING)
    if found is None:
        return None
    rel, _ = found
    since = date.fromisoformat(str(ctx.payload.get("since")))
    meetings = await MentoringRecords(ctx.uow.session).entries(rel.id, MEETING)
    if any(m.held_on > since for m in meetings):
        return None
    other = await _name(ctx, rel.org_id, rel.other(ctx.item.person_id or 0))
    weeks = int(rel.agreement.get("meet_every_weeks") or 4)
    return Message(
        card=reminder_card(
            "Time for a mentoring meeting?",
            [f"Nothing has been logged with {said(other)} for {weeks} weeks."],
            [
                NextStep("Log a meeting", "mentoring.meeting.open", {"rel": rel.id}),
                NextStep("Open the agreement", "agreement.open", {"rel": rel.id}),
                # A pair who have finished end it here, not by turning every nudge off.
                execute("We've finished: end it", "mentor.end", {"rel": rel.id}, more=True),
            ],
            note="Finished mentoring? End it from the **…** menu. Turn these nudges off in "
            "**settings**.",
        )
    )


async def render_coach_action(ctx: NoticeContext) -> Message | None:
    conv = await MentoringRecords(ctx.uow.session).conversation(
        ctx.item.org_id, int(ctx.payload.get("conv") or 0)
    )
    n = int(ctx.payload.get("n") or 0)
    if conv is None or not 1 <= n <= len(conv.actions) or conv.person_id != ctx.item.person_id:
        return None
    action = conv.actions[n - 1]
    if action.get("done_at"):
        return None
    due = date.fromisoformat(str(action["by"]))
    return Message(
        card=reminder_card(
            "An action from your coaching is due soon",
            [f"**{said(action['what'])}**, by {due:%A %d %B}."],
            [NextStep("Done", "coach.action.done", {"conv": conv.id, "n": n})],
        )
    )


async def render_coach_shared(ctx: NoticeContext) -> Message | None:
    conv = await MentoringRecords(ctx.uow.session).conversation(
        ctx.item.org_id, int(ctx.payload.get("conv") or 0)
    )
    actor = await _actor(ctx)
    if (
        conv is None
        or actor is None
        or not can(actor, Permission.READ_COACHING, coaching_subject(conv))
    ):
        return None
    model = rules.coaching_model(conv.model)
    if model is None or conv.state != FINISHED:
        # Only a finished conversation is shared (`coaching.share`): one still open could hold
        # notes written after the share, which its owner never saw go.
        return None
    # Shared with their mentor or coach: if that has ended since, the notes stay with them.
    if actor.person_id not in await companion_ids(ctx.uow.session, conv.org_id, conv.person_id):
        return None
    owner = await _name(ctx, conv.org_id, conv.person_id)
    opened_by_notice(
        ctx,
        conv.person_id,
        READ_COACHING,
        f"coaching_conversations:{conv.id}",
        "coaching notes shared with you",
    )
    lines = [f"**{s.label}:** {said(conv.answers.get(s.key) or '—')}" for s in model.steps]
    lines += [f"Action: {said(action_words(a))}" for a in conv.actions]
    return _note(
        f"{said(owner)} shared their {model.label} notes with you",
        lines,
        small="Shared by their choice; for you only.",
    )


NOTICES = (
    NoticeKind(relationship.REQUEST, render_request, description="Someone asks you to mentor them"),
    NoticeKind(
        relationship.ANSWERED, render_answered, description="Answers to a mentoring request"
    ),
    NoticeKind(
        relationship.CONFIRM,
        render_confirm,
        description="A mentoring agreement or change waiting for your confirmation",
    ),
    NoticeKind(
        relationship.CONFIRMED,
        render_confirmed,
        description="Your mentoring agreement was confirmed",
    ),
    NoticeKind(
        relationship.REVIEW_DUE, render_review_due, description="A mentoring review point is due"
    ),
    NoticeKind(relationship.REPORT, render_report, description="A mentoring report sent to you"),
    NoticeKind(
        relationship.REVIEW_WITHHELD,
        render_withheld,
        description="Your mentee chose not to send a drafted review on",
    ),
    NoticeKind(
        relationship.NUDGE,
        render_nudge,
        opt_out=relationship.NUDGES_OPT_OUT,
        description="A nudge when no mentoring meeting has been logged for a while",
    ),
    NoticeKind(
        relationship.SUGGESTED,
        render_suggested,
        description="Mentors suggested for you to choose from",
    ),
    NoticeKind(
        relationship.OFFERED,
        render_offered,
        description="Someone now offers to mentor in a subject you searched for",
    ),
    NoticeKind(
        relationship.COACH_ACTION,
        render_coach_action,
        description="An action from your coaching conversation is due soon",
    ),
    NoticeKind(
        relationship.COACH_SHARED,
        render_coach_shared,
        description="Coaching notes someone chose to share with you",
    ),
)
