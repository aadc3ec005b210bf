"""`agreement`: the mentoring agreement after seed 003 appendix 5, the meeting log, developmental
observations, and review reports that go out only after the mentee has seen them.

Either side proposes (the first version, or a change); it takes effect only when the other
confirms, and who confirmed what when is kept on the relationship.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext, with_loaded
from bot.app.form_fields import whole_number
from bot.app.mentoring import relationship
from bot.app.mentoring.relationship import (
    CONFIRM,
    CONFIRMED,
    GONE,
    NUDGE,
    READ_RECORD,
    REFUSED,
    REPORT,
    REVIEW_DUE,
    REVIEW_WITHHELD,
    agreement_reads,
    name_of,
    record_of,
    tell,
)
from bot.app.privacy import opened
from bot.app.router import HELP_ONLY, PERSONAL, CardAction, Command
from bot.app.turn import Reply
from bot.domain import mentoring as rules
from bot.domain.access import Permission
from bot.domain.emails import normal_email
from bot.domain.local_time import day_label, london
from cards.base import CardDict, execute, said
from cards.mentoring import (
    AgreementView,
    ObjectiveView,
    PartyView,
    agreement_card,
    agreement_form_card,
    evaluation_form_card,
    meeting_form_card,
    note_card,
    observation_form_card,
)
from storage.mentoring import (
    ACTIVE,
    ASKED,
    MEETING,
    OBSERVED_MENTEE,
    OBSERVED_MENTOR,
    SENT,
    WITHHELD,
    MentoringEntry,
    MentoringRecords,
    MentoringRelationship,
    MentoringReview,
)
from storage.models import Organisation
from storage.people import Directory
from storage.reminders import Schedule

NOT_YET = "Your mentor hasn't accepted yet: the agreement comes once they have."
ENDED = (
    "This mentoring relationship has ended: you can still read its agreement, but nothing in it "
    "can be changed or added."
)
# A meeting is logged against the objectives both have agreed.
NOT_AGREED = (
    "Meetings are logged against your agreed objectives: log one once you have both confirmed "
    "the agreement."
)
# The mentor's view of the records ends with the relationship; they stay with the mentee.
MENTOR_NOW_MANAGER = (
    "You're in {mentee}'s line-management chain now, so their mentoring record is closed to you: "
    "mentoring stays apart from line management. Ask your development coordinator to find them "
    "another mentor."
)
MENTOR_AFTER_END = (
    "This mentoring relationship has ended: its agreement and log stay with your mentee and are "
    "no longer open to you."
)


def _id(value: object) -> int:
    return whole_number(value) or 0


async def _load(
    ctx: HandlerContext, values: dict[str, Any], *, write: bool = False
) -> MentoringRelationship | Reply:
    rel = await MentoringRecords(ctx.uow.session).relationship(
        ctx.turn.org_id, _id(values.get("rel"))
    )
    if rel is None:
        return Reply.text(GONE)
    subject = await relationship.subject_for(ctx.directory, rel, ctx.person.id)
    if not ctx.can(Permission.READ_MENTORING, subject):
        if ctx.person.id != rel.mentor_id:
            return Reply.text(REFUSED)
        if ctx.person.id in subject.line_manager_ids:
            mentee = await name_of(ctx.directory, rel.org_id, rel.mentee_id)
            return Reply.text(MENTOR_NOW_MANAGER.format(mentee=said(mentee)))
        # Its mentor, once it has ended: no longer part of it (bot.domain.mentoring).
        return Reply.text(GONE if rel.accepted_at is None else MENTOR_AFTER_END)
    if rel.accepted_at is None:
        return Reply.text(NOT_YET if rel.state == ASKED else GONE)
    if write and not ctx.can(Permission.WRITE_MENTORING, subject):
        return Reply.text(ENDED)  # closed once it has ended (bot.domain.mentoring)
    return rel


async def _writable(ctx: HandlerContext, values: dict[str, Any]) -> MentoringRelationship | Reply:
    return await _load(ctx, values, write=True)


async def _agreed(ctx: HandlerContext, values: dict[str, Any]) -> MentoringRelationship | Reply:
    """A writable relationship whose agreement both have confirmed (for meetings)."""
    rel = await _writable(ctx, values)
    if isinstance(rel, MentoringRelationship) and not rel.agreement:
        return Reply.text(NOT_AGREED)
    return rel


# ------------------------------------------------------------------------------- the view


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


async def logged_meetings(records: MentoringRecords, rel_id: int) -> list[rules.LoggedMeeting]:
    """The meetings logged in a relationship, as the rules read them."""
    return [
        rules.LoggedMeeting(
            m.held_on,
            m.discussed,
            {int(k): v for k, v in m.next_steps.items()},
            {int(k): int(v) for k, v in m.progress.items()},
        )
        for m in await records.entries(rel_id, MEETING)
    ]


async def agreement_view(
    session: AsyncSession, rel: MentoringRelationship, viewer: int, notice: str = ""
) -> AgreementView:
    directory = Directory(session)
    records = MentoringRecords(session)
    shown = rel.proposal if rel.proposal and not rel.agreement else rel.agreement
    shown = shown or defaults(rel, london(rel.updated_at).date())
    offer = await records.offer_of(rel.org_id, rel.mentor_id)
    mentee_name = await relationship.past_name(directory, rel.org_id, rel.mentee_id, "mentee")
    mentor_name = await relationship.past_name(directory, rel.org_id, rel.mentor_id, "mentor")
    meetings = await logged_meetings(records, rel.id)
    progress = rules.latest_progress(meetings)
    objectives = [
        ObjectiveView(
            said(o.what),
            said(o.measure),
            day_label(o.by),
            rules.progress_bar(progress.get(i, 0)),
        )
        for i, o in enumerate(_objectives(shown), start=1)
    ]
    observations: list[tuple[str, int | None]] = []
    for entry in await records.entries(rel.id):
        if entry.kind == MEETING:
            continue
        who = (
            "Mentor observed mentee" if entry.kind == OBSERVED_MENTEE else "Mentee observed mentor"
        )
        line = f"{day_label(entry.held_on)}, {who}: {said(entry.discussed)}"
        if entry.evaluation:
            line += f" (Mentee's evaluation: {said(entry.evaluation)})"
        can_evaluate = (
            entry.kind == OBSERVED_MENTEE and viewer == rel.mentee_id and not entry.evaluation
        )
        observations.append((line, entry.id if can_evaluate else None))
    pending = ""
    can_confirm = False
    if rel.proposal is not None and rel.state == ACTIVE:
        proposer = await name_of(directory, rel.org_id, rel.proposed_by)
        if rel.proposed_by == viewer:
            other = await name_of(directory, rel.org_id, rel.other(viewer))
            pending = (
                f"Waiting for {said(other)} to confirm your "
                f"{'change' if rel.agreement else 'agreement'}."
            )
        else:
            can_confirm = True
            pending = (
                f"{said(proposer)} proposed {'a change' if rel.agreement else 'this agreement'}: "
                "confirm it to put it in effect."
            )
            if rel.agreement:
                changes = _changes(rel.agreement, rel.proposal)
                pending += " Proposed: " + said("; ".join(changes))
    recipients = await _recipients(directory, rel.org_id, shown)
    nobody_told = ""
    if rel.agreement and not recipients and rel.state == ACTIVE:
        nobody_told = _nobody_told(viewer == rel.mentee_id, said(mentee_name))
    # Everything either of them typed (and their names) is shown as written: plain text.
    mentee_name, mentor_name = said(mentee_name), said(mentor_name)
    names = {rel.mentee_id: mentee_name, rel.mentor_id: mentor_name}
    return AgreementView(
        rel_id=rel.id,
        mentee=PartyView(
            mentee_name,
            said(str(shown.get("mentee_specialism") or rel.specialism)),
            said(str(shown.get("mentee_job_title") or "")),
            said(str(shown.get("mentee_institution") or "")),
        ),
        mentor=PartyView(
            mentor_name,
            said(", ".join(offer.specialisms)) if offer else "",
            said(offer.job_title) if offer else "",
            said(offer.institution) if offer else "",
        ),
        mentor_agrees=[said(str(c)) for c in shown.get("mentor_agrees") or []],
        mentee_agrees=[said(str(c)) for c in shown.get("mentee_agrees") or []],
        organisation_agrees=[said(str(c)) for c in shown.get("organisation_agrees") or []],
        objectives=objectives,
        meeting=said(str(shown.get("meeting") or "")),
        reviews=[(p.label, day_label(p.due)) for p in _reviews(shown)],
        recipients=[said(r) for r in recipients],
        nobody_told=nobody_told,
        confirmations=[_history_line(c, names) for c in rel.confirmations],
        in_effect=bool(rel.agreement),
        pending=pending,
        can_confirm=can_confirm,
        meetings=[f"{day_label(m.held_on)}: {said(m.discussed)}" for m in meetings],
        observations=observations,
        notice=notice,
        ended="" if rel.state == ACTIVE else day_label(rel.ended_at or rel.updated_at),
        proposal=_proposal_key(rel) if can_confirm else "",
    )


def _history_line(entry: dict[str, Any], names: dict[int, str]) -> str:
    """One step of the agreement's history in plain words: "Ben Bright proposed the agreement
    on Mon 23 Nov 2026", "Tom Tutor confirmed it on ...", "... proposed changes on ..."."""
    who = said(names.get(int(entry["by"]), "someone"))
    first = int(entry["version"]) <= 1
    if entry["what"] == "confirmed":
        what = "confirmed it" if first else "confirmed the changes"
    else:
        what = "proposed the agreement" if first else "proposed changes"
    return f"{who} {what} on {day_label(datetime.fromisoformat(entry['at']))}"


def _nobody_told(to_mentee: bool, mentee: str) -> str:
    """An agreement in effect that names nobody to receive the reports: each review the mentee
    sends on goes nowhere. Seed 003 (appendix 5) emails them to the mentee's personal tutor and
    course leader; the mentee, whose reports they are, agrees to each, so they are the one asked
    to name them."""
    if to_mentee:
        return (
            "Nobody is named to receive your review reports, so they will go nowhere until you "
            "name someone. They usually go to your personal tutor and course leader: press "
            "**Propose a change** and add their college emails under *Reports go to*."
        )
    return (
        f"Nobody is named to receive {mentee}'s review reports, so they will go nowhere until "
        f"{mentee} names someone (usually their personal tutor and course leader) with "
        "**Propose a change**."
    )


def _proposal_key(rel: MentoringRelationship) -> str:
    """Names what is proposed, by its content: a card's Confirm confirms only what it showed."""
    text = json.dumps(rel.proposal, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def agreement_for(
    ctx: HandlerContext, rel: MentoringRelationship, notice: str = ""
) -> CardDict:
    """The agreement card for the person who pressed, with an access row for each record of the
    other person's that it shows them."""
    view = await agreement_view(ctx.uow.session, rel, ctx.person.id, notice)
    for owner, kind, record in await agreement_reads(ctx.uow.session, rel, ctx.person.id):
        opened(ctx, owner, kind, record, "mentoring agreement")
    return agreement_card(view)


def _mentor_opened(ctx: HandlerContext, rel: MentoringRelationship, how: str) -> None:
    """A form pre-filled from the mentee's agreement, shown to the mentor."""
    if ctx.person.id == rel.mentor_id:
        opened(ctx, rel.mentee_id, READ_RECORD, record_of(rel), how)


def _objectives(agreement: dict[str, Any]) -> list[rules.Objective]:
    return [rules.Objective.from_json(o) for o in agreement.get("objectives") or []]


def _reviews(agreement: dict[str, Any]) -> list[rules.ReviewPoint]:
    return [rules.ReviewPoint.from_json(p) for p in agreement.get("reviews") or []]


_CHANGE_LABELS = MappingProxyType(
    {
        "mentee_job_title": "the mentee's job title",
        "mentee_institution": "the mentee's institution",
        "mentee_specialism": "the mentee's specialism",
        "objectives": "objectives",
        "meeting": "when and where you meet",
        "reviews": "review points",
        "recipients": "who receives the reports",
        "mentor_agrees": "what the mentor agrees",
        "mentee_agrees": "what the mentee agrees",
        "organisation_agrees": "what the organisation agrees",
        "meet_every_weeks": "the meeting nudge",
    }
)


def _proposed(key: str, new: dict[str, Any]) -> str:
    """What one part of the agreement would become, in words."""
    if key == "objectives":
        return ", ".join(
            f"{i}. {said(o.what)} (measure: {said(o.measure)}; by {day_label(o.by)})"
            for i, o in enumerate(_objectives(new), start=1)
        )
    if key == "reviews":
        return ", ".join(f"{p.label} {day_label(p.due)}" for p in _reviews(new))
    if key == "meet_every_weeks":
        return f"after {new.get(key)} weeks without a meeting"
    value = new.get(key)
    if isinstance(value, list):
        return " / ".join(said(str(v)) for v in value) or "nobody"
    return said(str(value)) if value else "(blank)"


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each part a proposal changes, with what it would become: the other person confirms
    what they can see."""
    return [
        f"{label}: {_proposed(key, new)}"
        for key, label in _CHANGE_LABELS.items()
        if old.get(key) != new.get(key)
    ] or ["details"]


def defaults(rel: MentoringRelationship, today: date) -> dict[str, Any]:
    t = rules.template()
    return {
        "mentee_specialism": rel.specialism,
        "mentor_agrees": list(t.mentor_agrees),
        "mentee_agrees": list(t.mentee_agrees),
        "organisation_agrees": list(t.organisation_agrees),
        "objectives": [],
        "meeting": "",
        "meet_every_weeks": t.meet_every_weeks,
        "reviews": [p.to_json() for p in rules.review_points(today)],
        "recipients": [],
        "recipient_ids": [],
    }


def form_values(agreement: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mentee_job_title": agreement.get("mentee_job_title", ""),
        "mentee_institution": agreement.get("mentee_institution", ""),
        "mentee_specialism": agreement.get("mentee_specialism", ""),
        "mentor_agrees": "\n".join(agreement.get("mentor_agrees") or []),
        "mentee_agrees": "\n".join(agreement.get("mentee_agrees") or []),
        "organisation_agrees": "\n".join(agreement.get("organisation_agrees") or []),
        "meeting": agreement.get("meeting", ""),
        "meet_every_weeks": str(agreement.get("meet_every_weeks") or 4),
        "recipients": ", ".join(agreement.get("recipients") or []),
    }
    for n, o in enumerate(_objectives(agreement), start=1):
        values[f"objective_{n}_what"] = o.what
        values[f"objective_{n}_measure"] = o.measure
        values[f"objective_{n}_by"] = o.by.isoformat()
    for p in _reviews(agreement):
        values[f"review_{p.key}"] = p.due.isoformat()
    return values


# ---------------------------------------------------------------------------- use cases


async def _recipients(directory: Directory, org_id: str, agreement: dict[str, Any]) -> list[str]:
    """Who receives the reports, as the agreement shows them: each one's name and the email
    agreed (the email alone where there is no name to give)."""
    emails = [str(e) for e in agreement.get("recipients") or []]
    ids = [int(i) for i in agreement.get("recipient_ids") or []]
    if len(ids) != len(emails):
        return emails
    shown = []
    for person_id, email in zip(ids, emails, strict=True):
        name = await name_of(directory, org_id, person_id)
        shown.append(said(email if name in (email, "someone") else f"{name} ({email})"))
    return shown


async def agreement(ctx: HandlerContext) -> Reply:
    """Your mentoring agreement: objectives, meetings, observations and reviews.

    Usage: agreement
    """
    if ctx.turn.where.kind != "personal":
        return Reply.text(
            "Mentoring agreements are private to mentor and mentee: say **agreement** in our "
            "1:1 chat."
        )
    records = MentoringRecords(ctx.uow.session)
    active = [r for r in await records.open_of(ctx.turn.org_id, ctx.person.id) if r.state == ACTIVE]
    # Asked of each as `agreement.open` asks it: a mentor who has come into the mentee's
    # management chain since opens nothing of the record, by this command either.
    rels: list[MentoringRelationship] = []
    closed: list[MentoringRelationship] = []
    for r in active:
        subject = await relationship.subject_for(ctx.directory, r, ctx.person.id)
        (rels if ctx.can(Permission.READ_MENTORING, subject) else closed).append(r)
    past = [] if len(rels) == 1 else await relationship.past_readable(ctx, 10)
    if closed and not rels and not past:
        mentee = await name_of(ctx.directory, closed[0].org_id, closed[0].mentee_id)
        return Reply.text(MENTOR_NOW_MANAGER.format(mentee=said(mentee)))
    if not rels and not past:
        return Reply.text(
            "You don't have a mentoring agreement yet. Say **mentor maths** (or your subject) to "
            "find a mentor."
        )
    if len(rels) + len(past) > 1:
        actions = []
        for r in [*rels, *past]:
            other = await relationship.past_name(
                ctx.directory,
                r.org_id,
                r.other(ctx.person.id),
                "mentor" if r.mentee_id == ctx.person.id else "mentee",
            )
            label = other if r.state == ACTIVE else f"{other} (ended)"
            actions.append(execute(label, "agreement.open", {"rel": r.id}))
        return Reply.show(note_card("Your mentoring agreements", ["Which one?"], actions))
    return Reply.show(await agreement_for(ctx, [*rels, *past][0]))


@with_loaded(_load)
async def open_agreement(
    ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship
) -> Reply:
    return Reply.show(await agreement_for(ctx, rel))


async def _known(session: AsyncSession, rel: MentoringRelationship) -> dict[str, str]:
    """What TLC already knows of the mentee for a first agreement: the job title and institution
    they gave when offering to mentor, if they did; else the college's own name (admin setup)."""
    offer = await MentoringRecords(session).offer_of(rel.org_id, rel.mentee_id)
    org = await session.get(Organisation, rel.org_id)
    known = {
        "mentee_job_title": offer.job_title if offer else "",
        "mentee_institution": (offer.institution if offer else "") or (org.name if org else ""),
    }
    return {k: v for k, v in known.items() if v}


@with_loaded(_writable)
async def edit(ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship) -> Reply:
    first = defaults(rel, london(ctx.services.clock.now()).date())
    base = rel.proposal or rel.agreement or {**first, **await _known(ctx.uow.session, rel)}
    _mentor_opened(ctx, rel, "agreement form")
    return Reply.show(agreement_form_card(rel.id, form_values(base)))


async def _parse(
    ctx: HandlerContext, rel: MentoringRelationship, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted form as an agreement, and a message for each field that is wrong."""
    errors: dict[str, str] = {}
    today = london(ctx.services.clock.now()).date()
    objectives: list[dict[str, str]] = []
    for n in range(1, rules.OBJECTIVES + 1):
        what = str(values.get(f"objective_{n}_what") or "").strip()[:300]
        measure = str(values.get(f"objective_{n}_measure") or "").strip()[:300]
        raw_by = values.get(f"objective_{n}_by")
        if not (what or measure or str(raw_by or "").strip()):
            # Seed 003: the mentor agrees *to agree* the objectives, over the course; an
            # agreement starts without them, and each one written is checked as SMART.
            continue
        by = _date(raw_by)
        problems = rules.objective_problems(what, measure, by, today)
        if raw_by not in (None, "") and by is None:
            problems["by"] = "Use a date like 2027-03-31."
        for key, message in problems.items():
            errors[f"objective_{n}_{key}"] = message
        if not problems and by is not None:
            objectives.append(rules.Objective(what, measure, by).to_json())
    reviews = []
    # A review point's reminder and draft come on its morning: a date already gone would never
    # come, so only one the agreement already has (kept as it was) may be in the past.
    agreed = {p.key: p.due for p in _reviews(rel.agreement)}
    for point in rules.template().reports:
        raw = values.get(f"review_{point.key}")
        due = _date(raw)
        if due is None:
            errors[f"review_{point.key}"] = "Choose a date."
        elif due <= today and agreed.get(point.key) != due:
            errors[f"review_{point.key}"] = "Choose a date in the future."
        else:
            reviews.append(rules.ReviewPoint(point.key, point.label, due).to_json())
    recipients: list[str] = []
    recipient_ids: list[int] = []
    emails = [e for e in map(normal_email, str(values.get("recipients") or "").split(",")) if e]
    if len(emails) > rules.MOST_RECIPIENTS:
        errors["recipients"] = f"At most {rules.MOST_RECIPIENTS} people can receive the reports."
        emails = []  # none looked up: the card keeps what was typed
    for email in emails:
        person = await ctx.directory.person_by_email(ctx.turn.org_id, email)
        if person is None:
            errors["recipients"] = f"I don't know {email}: they need to be someone at the college."
            break
        if person.id not in recipient_ids:
            recipients.append(email)
            recipient_ids.append(person.id)
    lists = {}
    for key in ("mentor_agrees", "mentee_agrees", "organisation_agrees"):
        items = rules.lines_of(str(values.get(key) or ""))[:30]
        if not items:
            errors[key] = "Keep at least one line."
        lists[key] = [i[:400] for i in items]
    weeks = str(values.get("meet_every_weeks") or "4")
    # Also agreed as they go (appendix 5: "to discuss and agree when and where to meet").
    meeting = str(values.get("meeting") or "").strip()[:300]
    agreement = {
        "mentee_job_title": str(values.get("mentee_job_title") or "").strip()[:200],
        "mentee_institution": str(values.get("mentee_institution") or "").strip()[:200],
        "mentee_specialism": str(values.get("mentee_specialism") or rel.specialism).strip()[:200],
        **lists,
        "objectives": objectives,
        "meeting": meeting,
        "meet_every_weeks": every if (every := whole_number(weeks) or 0) in range(1, 13) else 4,
        "reviews": sorted(reviews, key=lambda p: str(p["due"])),  # as the card lists them
        "recipients": recipients,
        "recipient_ids": recipient_ids,
    }
    return agreement, errors


@with_loaded(_writable)
async def save(ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship) -> Reply:
    """Propose the agreement (or a change to it): nothing takes effect until the other confirms."""
    proposed, errors = await _parse(ctx, rel, values)
    if errors:
        return Reply.update(agreement_form_card(rel.id, values, errors))
    if proposed == rel.agreement:
        return Reply.update(await agreement_for(ctx, rel, "Nothing changed."))
    other = rel.other(ctx.person.id)
    if proposed == rel.proposal and rel.proposed_by == ctx.person.id:
        # Saved again as it stands: still the same request, not a second one.
        other_name = await name_of(ctx.directory, rel.org_id, other)
        return Reply.update(
            await agreement_for(ctx, rel, f"Nothing changed: it's waiting for {other_name}.")
        )
    now = ctx.services.clock.now()
    rel.proposal = proposed
    rel.proposed_by = ctx.person.id
    rel.proposed_at = now
    rel.updated_at = now
    rel.confirmations = [
        *rel.confirmations,
        {
            "by": ctx.person.id,
            "what": "proposed",
            "version": rel.version + 1,
            "at": now.isoformat(),
        },
    ]
    await tell(
        ctx.uow.session,
        rel.org_id,
        f"mentoring-confirm:{rel.id}:{rel.version + 1}",
        CONFIRM,
        other,
        now,
        {"rel": rel.id, "version": rel.version + 1},
    )
    other_name = await name_of(ctx.directory, rel.org_id, other)
    return Reply.update(
        await agreement_for(ctx, rel, f"Saved. I've asked {other_name} to confirm.")
    )


@with_loaded(_writable)
async def confirm(ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship) -> Reply:
    if rel.proposal is None:
        return Reply.update(await agreement_for(ctx, rel, "Already confirmed."))
    if rel.proposed_by == ctx.person.id:
        return Reply.text("You proposed this: the other person confirms it.")
    shown = values.get("proposal")  # absent on cards from before it was named
    if shown not in (None, "") and str(shown) != _proposal_key(rel):
        # Proposed again since that card was drawn: confirm only what has been seen.
        return Reply.update(
            await agreement_for(
                ctx, rel, "The proposal has changed since that card: check it as it is now."
            )
        )
    now = ctx.services.clock.now()
    rel.agreement = rel.proposal
    rel.proposal = None
    rel.version += 1
    rel.updated_at = now
    rel.confirmations = [
        *rel.confirmations,
        {"by": ctx.person.id, "what": "confirmed", "version": rel.version, "at": now.isoformat()},
    ]
    proposer = rel.proposed_by or rel.other(ctx.person.id)
    rel.proposed_by, rel.proposed_at = None, None
    await schedule_reviews(ctx.uow.session, rel, now)
    await schedule_nudges(ctx.uow.session, rel, london(now).date(), now)
    await tell(
        ctx.uow.session,
        rel.org_id,
        f"mentoring-confirmed:{rel.id}:{rel.version}",
        CONFIRMED,
        proposer,
        now,
        {"rel": rel.id, "version": rel.version},
    )
    return Reply.update(await agreement_for(ctx, rel, "Confirmed by both of you: it's in effect."))


async def _tell_both(
    session: AsyncSession,
    rel: MentoringRelationship,
    key: str,
    kind: str,
    now: datetime,
    about: dict[str, Any],
    due: datetime,
) -> None:
    """The same reminder to the mentee and the mentor, each under `key`:<their id>, with the
    relationship in its payload."""
    for person in (rel.mentee_id, rel.mentor_id):
        payload = {"rel": rel.id, **about}
        await tell(session, rel.org_id, f"{key}:{person}", kind, person, now, payload, due=due)


async def schedule_reviews(
    session: AsyncSession, rel: MentoringRelationship, now: datetime
) -> None:
    """A reminder to both at each review point still to come (re-scheduled on each change)."""
    await Schedule(session).cancel_prefix(rel.org_id, f"mentoring-review:{rel.id}:", now)
    for point in _reviews(rel.agreement):
        due = rules.morning_of(point.due)
        if due < now:
            continue
        key = f"mentoring-review:{rel.id}:{point.key}"
        await _tell_both(session, rel, key, REVIEW_DUE, now, {"point": point.key}, due)


async def schedule_nudges(
    session: AsyncSession, rel: MentoringRelationship, last: date, now: datetime
) -> None:
    weeks = int(rel.agreement.get("meet_every_weeks") or rules.template().meet_every_weeks)
    due = rules.morning_of(last + timedelta(weeks=weeks))
    about = {"since": last.isoformat()}
    await _tell_both(session, rel, f"mentoring-nudge:{rel.id}", NUDGE, now, about, max(due, now))


# ------------------------------------------------------------- meetings and observations


async def _log(
    ctx: HandlerContext,
    rel: MentoringRelationship,
    kind: str,
    held_on: date,
    discussed: str,
    now: datetime,
    *,
    next_steps: dict[str, str] | None = None,
    progress: dict[str, int] | None = None,
) -> None:
    """An entry in the relationship's log, by whoever pressed: a meeting (with its next steps
    and progress by objective) or a developmental observation (with neither)."""
    ctx.uow.session.add(
        MentoringEntry(
            org_id=rel.org_id,
            relationship_id=rel.id,
            kind=kind,
            held_on=held_on,
            discussed=discussed[:4000],
            next_steps=next_steps or {},
            progress=progress or {},
            evaluation="",
            logged_by=ctx.person.id,
            created_at=now,
        )
    )
    await ctx.uow.session.flush()


@with_loaded(_agreed)
async def open_meeting(
    ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship
) -> Reply:
    objectives = [o.what for o in _objectives(rel.agreement)]
    today = london(ctx.services.clock.now()).date().isoformat()
    # Each objective's progress starts where it stands: a blank picker read as "none yet".
    progress = rules.latest_progress(
        await logged_meetings(MentoringRecords(ctx.uow.session), rel.id)
    )
    values = {"held_on": today, **{f"progress_{n}": str(p) for n, p in progress.items()}}
    _mentor_opened(ctx, rel, "meeting log form")
    return Reply.show(meeting_form_card(rel.id, objectives, values))


@with_loaded(_agreed)
async def log_meeting(
    ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship
) -> Reply:
    objectives = _objectives(rel.agreement)
    now = ctx.services.clock.now()
    today = london(now).date()
    errors: dict[str, str] = {}
    held_on = _date(values.get("held_on"))
    if held_on is None:
        errors["held_on"] = "Choose the date you met."
    elif held_on > today:
        errors["held_on"] = "Log a meeting once it has happened."
    discussed = str(values.get("discussed") or "").strip()
    if not discussed:
        errors["discussed"] = "Say what you discussed."
    progress: dict[str, int] = {}
    next_steps: dict[str, str] = {}
    for n in range(1, len(objectives) + 1):
        raw = str(values.get(f"progress_{n}") or "").strip()
        if raw:
            done = whole_number(raw)
            if done is None or not 0 <= done <= 100:
                errors[f"progress_{n}"] = "Choose from the list."
            else:
                progress[str(n)] = done
        step = str(values.get(f"next_{n}") or "").strip()[:500]
        if step:
            next_steps[str(n)] = step
    if errors or held_on is None:
        return Reply.update(meeting_form_card(rel.id, [o.what for o in objectives], values, errors))
    await _log(ctx, rel, MEETING, held_on, discussed, now, next_steps=next_steps, progress=progress)
    # From the latest meeting logged: one logged late, held before another, moves nothing
    # (a nudge counted from it would be dropped as soon as due, and none would come again).
    latest = max(
        m.held_on for m in await MentoringRecords(ctx.uow.session).entries(rel.id, MEETING)
    )
    await schedule_nudges(ctx.uow.session, rel, latest, now)
    return Reply.update(await agreement_for(ctx, rel, "Meeting logged."))


@with_loaded(_writable)
async def open_observation(
    ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship
) -> Reply:
    today = london(ctx.services.clock.now()).date().isoformat()
    # Each records what they observed (`record_observation`): the other side, chosen already.
    observed = "mentor" if rel.side(ctx.person.id) == "mentee" else "mentee"
    return Reply.show(observation_form_card(rel.id, {"held_on": today, "who": observed}))


@with_loaded(_writable)
async def record_observation(
    ctx: HandlerContext, values: dict[str, Any], rel: MentoringRelationship
) -> Reply:
    """A developmental observation: no grade field exists, and it is never an OTLA."""
    now = ctx.services.clock.now()
    errors: dict[str, str] = {}
    who = str(values.get("who") or "")
    if who not in ("mentee", "mentor"):
        errors["who"] = "Say who observed whom."
    elif who == rel.side(ctx.person.id):
        # Each records only what they observed: the observed side never writes it for them.
        errors["who"] = (
            "Your mentor records their observation of you; you record yours of them."
            if who == "mentee"
            else "Your mentee records their observation of you; you record yours of them."
        )
    held_on = _date(values.get("held_on"))
    if held_on is None:
        errors["held_on"] = "Choose the date."
    elif held_on > london(now).date():
        errors["held_on"] = "Record an observation once it has happened."
    notes = str(values.get("notes") or "").strip()
    if not notes:
        errors["notes"] = "Write what went well and what to try next."
    if errors or held_on is None:
        return Reply.update(observation_form_card(rel.id, values, errors))
    kind = OBSERVED_MENTEE if who == "mentee" else OBSERVED_MENTOR
    await _log(ctx, rel, kind, held_on, notes, now)
    return Reply.update(await agreement_for(ctx, rel, "Observation recorded."))


_Observed = tuple[MentoringEntry, MentoringRelationship]


async def _for_mentee[Row: (MentoringEntry, MentoringReview)](
    ctx: HandlerContext,
    row: Row | None,
    refused: str,
    decided: Callable[[Row], str],
    theirs: Callable[[Row], bool] = lambda _: True,
) -> tuple[Row, MentoringRelationship] | Reply:
    """A row of a relationship, with the relationship, for its mentee to decide on while it
    lasts. Or why not: gone; `refused` to anyone else, or for a row not `theirs` to decide on;
    ended; or what they `decided` already (a card from before that, which changes nothing)."""
    records = MentoringRecords(ctx.uow.session)
    rel = await records.relationship(ctx.turn.org_id, row.relationship_id) if row else None
    if row is None or rel is None:
        return Reply.text(GONE)
    if ctx.person.id != rel.mentee_id or not theirs(row):
        return Reply.text(refused)
    if not ctx.can(Permission.WRITE_MENTORING, relationship.bare_subject(rel)):
        return Reply.text(ENDED)  # a card from before the end changes nothing
    if already := decided(row):
        return Reply.text(already)
    return row, rel


def _evaluated(entry: MentoringEntry) -> str:
    """An Evaluate card from before the first evaluation was saved: it changes nothing."""
    if not entry.evaluation:
        return ""
    return (
        f"You've already evaluated this observation (\u201c{entry.evaluation}\u201d): "
        "your evaluation stays as you saved it."
    )


async def _entry(ctx: HandlerContext, values: dict[str, Any]) -> _Observed | Reply:
    """The mentor's observation of the mentee, for the mentee alone to evaluate, once."""
    entry = await MentoringRecords(ctx.uow.session).entry(ctx.turn.org_id, _id(values.get("entry")))
    return await _for_mentee(
        ctx,
        entry,
        "Only the mentee evaluates the mentor's observation of them.",
        _evaluated,
        lambda e: e.kind == OBSERVED_MENTEE,
    )


@with_loaded(_entry)
async def open_evaluation(ctx: HandlerContext, values: dict[str, Any], found: _Observed) -> Reply:
    entry, _ = found
    return Reply.show(evaluation_form_card(entry.id, entry.discussed))


@with_loaded(_entry)
async def evaluate(ctx: HandlerContext, values: dict[str, Any], found: _Observed) -> Reply:
    entry, rel = found
    text = str(values.get("evaluation") or "").strip()
    if not text:
        return Reply.update(
            evaluation_form_card(
                entry.id, entry.discussed, {"evaluation": "Write your evaluation."}
            )
        )
    entry.evaluation = text[:2000]
    return Reply.update(await agreement_for(ctx, rel, "Evaluation saved."))


# --------------------------------------------------------------------------------- reviews


_Review = tuple[MentoringReview, MentoringRelationship]


def _withheld(review: MentoringReview) -> str:
    """A review the mentee held back stays held back."""
    if review.state != WITHHELD:
        return ""
    return f"You chose not to send the {review.label.lower()}: nothing went, and it stays that way."


async def _own_review(ctx: HandlerContext, values: dict[str, Any]) -> _Review | Reply:
    """A drafted review, for its mentee alone to send on or hold back."""
    review = await MentoringRecords(ctx.uow.session).review(
        ctx.turn.org_id, _id(values.get("review"))
    )
    refused = "Only the mentee sends the review on, once they've read it."
    return await _for_mentee(ctx, review, refused, _withheld)


@with_loaded(_own_review)
async def review_seen(ctx: HandlerContext, values: dict[str, Any], found: _Review) -> Reply:
    """The mentee has read the drafted review and said yes: now, and only now, it goes to the
    recipients (without the meeting notes, if they chose so)."""
    review, rel = found
    now = ctx.services.clock.now()
    if review.state != SENT:
        if values.get("notes") == "leave":
            review.lines = rules.without_notes(review.lines)
        # To those the draft named that the agreement still names: a recipient the pair have
        # since taken off it (the mentee, say, on seeing where the draft would go) gets nothing.
        agreed_to = {int(i) for i in rel.agreement.get("recipient_ids") or []}
        review.recipients = [p for p in review.recipients if p in agreed_to]
        review.state, review.seen_at, review.sent_at = SENT, now, now
        for person in review.recipients:
            await tell(
                ctx.uow.session,
                rel.org_id,
                f"mentoring-report:{review.id}:{person}",
                REPORT,
                person,
                now,
                {"review": review.id},
            )
    names = [p.name for p in await ctx.directory.people(rel.org_id, review.recipients)]
    lines = [
        f"Sent to {said(', '.join(names))}."
        if names
        else "Nobody is named to receive it: kept between you two."
    ]
    return Reply.update(note_card(f"{review.label}: sent", lines))


@with_loaded(_own_review)
async def review_withhold(ctx: HandlerContext, values: dict[str, Any], found: _Review) -> Reply:
    """The mentee holds the drafted review back: recorded, nobody receives it, and the mentor
    is told it was not sent."""
    review, rel = found
    if review.state == SENT:
        names = [p.name for p in await ctx.directory.people(rel.org_id, review.recipients)]
        return Reply.text(
            f"The {review.label.lower()} has already been sent"
            + (f" to {said(', '.join(names))}" if names else "")
            + ", so it can't be held back now."
        )
    now = ctx.services.clock.now()
    review.state, review.seen_at = WITHHELD, now
    await tell(
        ctx.uow.session,
        rel.org_id,
        f"mentoring-review-withheld:{review.id}",
        REVIEW_WITHHELD,
        rel.mentor_id,
        now,
        {"rel": rel.id, "review": review.id},
    )
    mentor = await name_of(ctx.directory, rel.org_id, rel.mentor_id)
    return Reply.update(
        note_card(
            f"{review.label}: not sent",
            [f"Nobody receives it. I've told {said(mentor)} you chose not to send it on."],
        )
    )


# The opens that show the mentor the mentee's record write the access log: they are stored
# like a submit, so a Teams retry is answered from the store and logged once.
ROWS: tuple[Command | CardAction, ...] = (
    Command(
        "agreement",
        agreement,
        aliases=("agreements",),
        scopes=PERSONAL,
        menu_scopes=HELP_ONLY,
        stored=True,  # shown to the mentor, the agreement writes the access log
    ),
    CardAction("agreement.open", open_agreement),
    CardAction("agreement.edit", edit),
    CardAction("agreement.save", save),
    CardAction("agreement.confirm", confirm),
    CardAction("mentoring.meeting.open", open_meeting),
    CardAction("mentoring.meeting", log_meeting),
    CardAction("mentoring.observe.open", open_observation, idempotent=False),
    CardAction("mentoring.observe", record_observation),
    CardAction("mentoring.evaluate.open", open_evaluation, idempotent=False),
    CardAction("mentoring.evaluate", evaluate),
    CardAction("mentoring.review.seen", review_seen),
    CardAction("mentoring.review.withhold", review_withhold),
)
