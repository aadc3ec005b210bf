"""`support`: self-referral in a 1:1 chat, matching to an AP, caseloads, and support offers.

Confidential by design (SPEC principle 1, seed 001 "developmental"): a referral is readable by
the tutor and the AP it is offered to; the head of T&L sees counts; line managers see nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext, with_loaded
from bot.app.form_fields import SaidYes, chosen, teaching_style
from bot.app.refusals import holder_names, refusal
from bot.app.router import PERSONAL, CardAction, Command, private_only
from bot.app.support import programmes
from bot.app.support.matching import (
    Proposal,
    ask_next_practitioner,
    in_conflict,
    practitioners,
    propose,
    rematch_waiting,
    why_waiting,
)
from bot.app.support.records import (
    CONSENT,
    CONSENT_ANSWER,
    HANDED_ON,
    OFFER,
    REFUSED,
    REMATCHED,
    STARTED,
    consent_actions,
    in_management_line,
    induction_offer_key,
    name_of,
    referral_subject,
    schedule,
    schedule_programme,
    termly_offer_key,
)
from bot.app.support.records import notify as notify_person
from bot.app.support.views import (
    referral_defaults,
    referral_form_view,
    referral_summary,
)
from bot.app.turn import Reply
from bot.domain import support as rules
from bot.domain.access import Permission, Role
from bot.domain.local_time import london
from bot.domain.support import ProgrammeKind, ProgrammeState, termly_offer_slot
from bot.domain.terms import term_for
from bot.domain.words import plural
from cards.base import escape_markdown, execute, said
from cards.support import (
    CaseloadCount,
    ReferralSaved,
    caseloads_card,
    note_card,
    referral_card,
    referral_saved_card,
)
from storage.models import Person
from storage.people import Directory
from storage.reminders import Schedule
from storage.support import (
    ACCEPTED,
    MATCHING,
    PROPOSED,
    WITHDRAWN,
    SupportProgrammeRecord,
    SupportRecords,
    SupportReferral,
)

PHRASES = (
    # "I'd like some help with behaviour management", "can I get support with questioning",
    # "need help with marking", "I want a mentor"
    r"^(i'?d like|i would like|i'?d love|can i (get|have)|could i (get|have)|may i have|"
    r"i need|i want|i'?m looking for|need|want|please can i (get|have)|looking for)\b.*"
    r"\b(help|support|coaching|coach|mentoring|mentor)\b",
    r"^(some )?(help|support) with\b",
    # "I'm struggling with behaviour", "I'm finding marking hard", "struggling with planning"
    r"^((i'?m|i am|i'?ve been|i have been) )?(really |a bit |quite |still )?"
    r"(struggling|finding it (hard|difficult|tough)|stuck|not coping)\b",
    r"^(i'?m|i am) finding \w.* (hard|difficult|tough)\b",
)

NOT_AN_AP = "Only the advanced practitioner this was sent to can answer it."


def _keys(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    return [v.strip() for v in str(value).split(",") if v.strip()]


class ReferralForm(BaseModel):
    """The self-referral card, parsed at the edge."""

    other_topic: str = Field(default="", max_length=300)
    topics: list[str] = []
    ways: list[str] = []
    campus: str = Field(min_length=1, max_length=200)
    times: list[str] = []
    similar_style: Annotated[bool, SaidYes] = False
    delivery_style: str | None = None

    @field_validator("topics", mode="before")
    @classmethod
    def _topics(cls, value: object, info: ValidationInfo) -> list[str]:
        keys = _keys(value)
        known = {o.key for o in rules.topics()}
        if any(k not in known for k in keys):
            raise ValueError("Choose from the list, or write it in your own words below")
        if not keys and not str(info.data.get("other_topic", "")).strip():
            raise ValueError("Choose at least one thing, or say it in your own words")
        return keys

    @field_validator("ways", mode="before")
    @classmethod
    def _ways(cls, value: object) -> list[str]:
        keys = _keys(value)
        known = {o.key for o in rules.ways()}
        if not keys or any(k not in known for k in keys):
            raise ValueError("Choose at least one way")
        return keys

    @field_validator("times", mode="before")
    @classmethod
    def _times(cls, value: object) -> list[str]:
        known = {o.key for o in rules.times()}
        return [k for k in _keys(value) if k in known]

    @field_validator("delivery_style", mode="before")
    @classmethod
    def _style(cls, value: object, info: ValidationInfo) -> str | None:
        style = teaching_style(value)
        if style is None and info.data.get("similar_style"):
            raise ValueError("Tell me how you mostly teach, so I can find someone similar")
        return style


class ReferralRef(BaseModel):
    referral_id: int


class AcceptForm(BaseModel):
    referral_id: int
    kind: Annotated[ProgrammeKind, chosen("Choose a programme")]


# --- the command ----------------------------------------------------------------------------


async def support(ctx: HandlerContext) -> Reply:
    """Ask for support with your teaching: confidential, just you and an AP.

    Usage: support
    Usage: I'd like some help with behaviour management
    Usage: support caseloads (head of T&L: counts per AP)
    Usage: support capacity name@college.ac.uk 8 (head of T&L)
    Usage: support offers off | on
    """
    words = ctx.args.split()
    sub = words[0] if words else ""
    if sub == "caseloads":
        if ctx.turn.where.kind != "personal":
            return Reply.text(private_only("support caseloads"))
        return await caseloads(ctx)
    if sub == "capacity":
        return await set_capacity(ctx, words[1:])
    if sub == "offers" and len(words) > 1 and words[1] in ("off", "on", "stop", "start"):
        return await _offers(ctx, words[1] in ("on", "start"))
    if ctx.turn.where.kind != "personal":
        return Reply.text(
            "Support requests are confidential, so let's do this in our 1:1 chat: "
            "message me **support** there."
        )
    records = SupportRecords(ctx.uow.session)
    current = await records.open_referral_of(ctx.turn.org_id, ctx.person.id)
    if current is not None:
        return await _status(ctx, current)
    values = referral_defaults(ctx.person, ctx.args)
    return Reply.show(referral_card(await referral_form_view(records, ctx.turn.org_id), values))


async def _status(ctx: HandlerContext, referral: SupportReferral) -> Reply:
    records = SupportRecords(ctx.uow.session)
    if referral.state == ACCEPTED:
        programme = await records.programme_for_referral(referral.id)
        if programme is not None:
            return await programmes.show_programme(ctx, programme)
    directory = ctx.directory
    lines = [referral_summary(referral)]
    actions = []
    if referral.state == MATCHING and referral.practitioner_id is not None:
        ap = await directory.person(ctx.turn.org_id, referral.practitioner_id)
        lines.append(f"I've asked **{ap.name if ap else 'an AP'}**; waiting for their reply.")
        actions.append(
            execute("Ask for someone else", "support.someone_else", {"referral_id": referral.id})
        )
    elif referral.state == PROPOSED and referral.practitioner_id is not None:
        ap_name = await name_of(directory, ctx.turn.org_id, referral.practitioner_id)
        lines.append(f"**{ap_name}** has proposed Support to good. It starts only if you say yes.")
        actions += consent_actions(referral.id)
    else:
        lines.append(await why_waiting(ctx.uow.session, referral, ctx.turn.now))
    actions.append(execute("Withdraw my request", "support.withdraw", {"referral_id": referral.id}))
    return Reply.show(note_card("Your request for support", lines, actions))


async def open_form(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """From an offer: one tap opens the self-referral card."""
    records = SupportRecords(ctx.uow.session)
    current = await records.open_referral_of(ctx.turn.org_id, ctx.person.id)
    if current is not None:
        return await _status(ctx, current)
    view = await referral_form_view(records, ctx.turn.org_id)
    return Reply.show(referral_card(view, referral_defaults(ctx.person)))


async def redisplay_referral(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    view = await referral_form_view(SupportRecords(ctx.uow.session), ctx.turn.org_id)
    return Reply.update(referral_card(view, values, errors))


async def refer(ctx: HandlerContext, form: ReferralForm) -> Reply:
    """Save the referral, then propose an AP and ask them."""
    now = ctx.services.clock.now()
    records = SupportRecords(ctx.uow.session)
    if await records.has_open_referral(ctx.turn.org_id, ctx.person.id):
        return Reply.text("You already have a request for support open. Say **support** to see it.")
    referral = SupportReferral(
        org_id=ctx.turn.org_id,
        tutor_id=ctx.person.id,
        topics=form.topics,
        other_topic=form.other_topic.strip(),
        ways=form.ways,
        campus=form.campus,
        preferred_times=form.times,
        times_note="",
        similar_style=form.similar_style,
        delivery_style=form.delivery_style or ctx.person.delivery_style,
        state=MATCHING,
        passed_ids=[],  # the column defaults, set here: `propose` reads them before the INSERT
        source="self",
        created_at=now,
        updated_at=now,
    )
    # Stored by `propose`, with the state it decides (one INSERT).
    if form.delivery_style and not ctx.person.delivery_style:
        ctx.person.delivery_style = form.delivery_style
    return Reply.update(referral_saved_card(await _proposed(ctx, referral, now)))


async def _proposed(ctx: HandlerContext, referral: SupportReferral, now: datetime) -> ReferralSaved:
    """Ask the next AP, and what the tutor is told of it (the APs are read once for both)."""
    return _saved(referral, await propose(ctx.uow.session, referral, now))


def _saved(referral: SupportReferral, proposal: Proposal) -> ReferralSaved:
    return ReferralSaved(
        referral.id,
        referral_summary(referral),
        proposal.chosen.name if proposal.chosen else None,
        proposal.reasons,
        proposal.waiting,
    )


async def _tutors_own(ctx: HandlerContext, form: ReferralRef) -> SupportReferral | Reply:
    """The referral the form names, if it is the asker's own; else the refusal."""
    referral = await SupportRecords(ctx.uow.session).referral(ctx.turn.org_id, form.referral_id)
    if referral is None or referral.tutor_id != ctx.person.id:
        return Reply.text(REFUSED)
    return referral


@with_loaded(_tutors_own)
async def someone_else(ctx: HandlerContext, form: ReferralRef, referral: SupportReferral) -> Reply:
    """The tutor would rather work with a different AP: no reason needed."""
    now = ctx.services.clock.now()
    if referral.state == WITHDRAWN:
        return Reply.text("That request was withdrawn. Say **support** to ask again.")
    programme = await SupportRecords(ctx.uow.session).programme_for_referral(referral.id)
    proposal = await _pass_on(ctx.uow.session, referral, programme, referral.practitioner_id, now)
    return Reply.update(referral_saved_card(_saved(referral, proposal)))


async def _pass_on(
    session: AsyncSession,
    referral: SupportReferral,
    programme: SupportProgrammeRecord | None,
    ap_id: int | None,
    now: datetime,
) -> Proposal:
    """The tutor goes to another AP: `ap_id` is passed over from now on, a programme already
    running loses its AP (who no longer sees it) and carries on with the next to accept."""
    referral.proposed_kind = None
    if ap_id is not None:
        referral.passed_ids = [*referral.passed_ids, ap_id]
    if programme is not None and programme.practitioner_id is not None:
        programme.practitioner_id = None
        programme.updated_at = now
    return await propose(session, referral, now)


@with_loaded(_tutors_own)
async def withdraw(ctx: HandlerContext, form: ReferralRef, referral: SupportReferral) -> Reply:
    """Withdraw works at every stage before a programme starts: matching, waiting for an AP, or
    a proposed programme not yet accepted. After that, the programme has its own way out."""
    now = ctx.services.clock.now()
    if referral.state == WITHDRAWN:
        return Reply.text("That request was already withdrawn. Say **support** to ask again.")
    if referral.state == ACCEPTED:
        programme = await SupportRecords(ctx.uow.session).programme_for_referral(referral.id)
        return Reply.show(
            note_card(
                "Your programme has already started",
                [
                    "There's no request left to withdraw: it became a programme. Open it to "
                    "see how to end it."
                ],
                [execute("Open my programme", "programme.open", {"programme_id": programme.id})]
                if programme is not None
                else [],
            )
        )
    had_ap = referral.practitioner_id
    referral.state = WITHDRAWN
    referral.practitioner_id = None
    referral.proposed_kind = None
    referral.updated_at = now
    await ctx.uow.session.flush()
    if had_ap is not None:
        await rematch_waiting(ctx.uow.session, ctx.turn.org_id, now)
    return Reply.update(
        note_card("Request withdrawn", ["No problem. Say **support** whenever you'd like some."])
    )


async def _start_programme(
    ctx: HandlerContext,
    referral: SupportReferral,
    kind: ProgrammeKind,
    practitioner_id: int,
    *,
    consented: bool = False,
) -> SupportProgrammeRecord:
    now = ctx.services.clock.now()
    session = ctx.uow.session
    records = SupportRecords(session)
    referral.state, referral.updated_at, referral.proposed_kind = ACCEPTED, now, None
    referral.practitioner_id = practitioner_id
    programme = SupportProgrammeRecord(
        org_id=referral.org_id,
        referral_id=referral.id,
        tutor_id=referral.tutor_id,
        kind=kind.value,
        state=ProgrammeState.ACTIVE.value,
        started_at=now,
        extensions=0,
        extra_weeks=0,
        objectives=[],
        milestones=[],
        review_note="",
        consented_at=now if consented else None,
        ratings_in_reports=False,
        created_at=now,
    )
    programme.apply(programme.domain(), now)
    programme.practitioner_id = practitioner_id
    records.add(programme)
    await _runs_with_ap(session, referral, programme, now)
    return programme


async def _tell_tutor(
    session: AsyncSession, referral: SupportReferral, kind: str, key: str, now: datetime
) -> None:
    """Tell the tutor about their referral (the notice reads it afresh when it is sent)."""
    payload = {"referral_id": referral.id}
    await notify_person(session, referral.org_id, key, kind, referral.tutor_id, now, payload)


async def _runs_with_ap(
    session: AsyncSession,
    referral: SupportReferral,
    programme: SupportProgrammeRecord,
    now: datetime,
) -> None:
    """The programme runs with its (new) AP from now: saved, its prompts planned, and the tutor
    told who supports them."""
    await session.flush()
    await schedule_programme(session, programme, now)
    await notify_person(
        session,
        referral.org_id,
        f"support-started:{programme.id}:{programme.practitioner_id}",
        STARTED,
        referral.tutor_id,
        now,
        {"programme_id": programme.id},
    )


async def accept(ctx: HandlerContext, form: AcceptForm) -> Reply:
    """The AP takes the referral on. A developmental programme starts now; Support to good from
    a self-referral is only proposed: it reports to the line manager, so the tutor says yes
    first. A programme passed on from another AP continues as it was."""
    now = ctx.services.clock.now()
    session = ctx.uow.session
    records = SupportRecords(session)
    referral = await records.referral(ctx.turn.org_id, form.referral_id)
    if referral is None or not ctx.can(Permission.ANSWER_REFERRAL, referral_subject(referral)):
        return Reply.text(NOT_AN_AP)
    if referral.state != MATCHING:
        return Reply.text("This request has already been answered.")
    tutor = await ctx.directory.person(ctx.turn.org_id, referral.tutor_id)
    name = tutor.name if tutor else "the tutor"
    if await in_conflict(ctx.directory, ctx.turn.org_id, referral.tutor_id, ctx.person.id):
        referral.passed_ids = [*referral.passed_ids, ctx.person.id]
        await ask_next_practitioner(session, referral, now)
        return Reply.update(
            note_card(
                "Passed to another AP",
                [
                    f"You're in {name}'s line-management chain, so another AP will support "
                    "them: support stays apart from line management. You no longer see this "
                    "request."
                ],
            )
        )
    programme = await records.programme_for_referral(referral.id)
    if programme is not None:  # passed on: the programme continues with this AP
        referral.state, referral.updated_at = ACCEPTED, now
        programme.practitioner_id = ctx.person.id
        programme.updated_at = now
        await _runs_with_ap(session, referral, programme, now)
        kind = ProgrammeKind(programme.kind)
        return Reply.update(
            note_card(
                f"Accepted: {name}",
                [
                    f"You now support {name} on their {kind.label} programme, passed on from "
                    f"their previous AP; it carries on where it was. I've told {name}."
                ],
                [execute("Open the programme", "programme.open", {"programme_id": programme.id})],
            )
        )
    if form.kind == ProgrammeKind.SUPPORT_TO_GOOD and referral.source == "self":
        referral.state, referral.proposed_kind = PROPOSED, form.kind.value
        referral.updated_at = now
        key = f"support-consent:{referral.id}:{ctx.person.id}"
        await _tell_tutor(session, referral, CONSENT, key, now)
        return Reply.update(
            note_card(
                f"Proposed: Support to good for {name}",
                [
                    f"It starts only when {name} says yes: Support to good sends updates to "
                    f"their line manager, so I've shown {name} what it shares first. "
                    "You'll hear their answer."
                ],
            )
        )
    programme = await _start_programme(ctx, referral, form.kind, ctx.person.id)
    return Reply.update(
        note_card(
            f"Accepted: {name}",
            [f"{form.kind.label} starts today. I've told {name}."],
            [execute("Open the programme", "programme.open", {"programme_id": programme.id})],
        )
    )


_Proposal = tuple[SupportReferral, int]


async def _proposal_to_answer(ctx: HandlerContext, form: ReferralRef) -> _Proposal | Reply:
    """The referral whose proposed programme this tutor is answering, and its AP; or why there
    is none."""
    referral = await _tutors_own(ctx, form)
    if isinstance(referral, Reply):
        return referral
    if referral.state != PROPOSED or referral.practitioner_id is None:
        return Reply.text("There's no programme waiting for your answer.")
    return referral, referral.practitioner_id


@with_loaded(_proposal_to_answer)
async def consent(ctx: HandlerContext, form: ReferralRef, found: _Proposal) -> Reply:
    """The tutor accepts the programme their AP proposed: only now does it start."""
    now = ctx.services.clock.now()
    referral, ap_id = found
    kind = ProgrammeKind(referral.proposed_kind or ProgrammeKind.SUPPORT_TO_GOOD.value)
    programme = await _start_programme(ctx, referral, kind, ap_id, consented=True)
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, f"support-programme:{programme.id}", "consent", kind, now
    )
    await notify_person(
        ctx.uow.session,
        referral.org_id,
        f"support-consent-answer:{referral.id}:yes",
        CONSENT_ANSWER,
        ap_id,
        now,
        {"referral_id": referral.id, "answer": "yes", "programme_id": programme.id},
    )
    return Reply.update(
        note_card(
            f"{kind.label} starts today",
            ["Thanks. Your AP knows; the first step is a quick confidence rating."],
            [execute("Open my programme", "programme.open", {"programme_id": programme.id})],
        )
    )


@with_loaded(_proposal_to_answer)
async def decline(ctx: HandlerContext, form: ReferralRef, found: _Proposal) -> Reply:
    """The tutor would rather not: nothing starts, and the AP suggests something else."""
    referral, ap_id = found
    now = ctx.services.clock.now()
    referral.state, referral.proposed_kind, referral.updated_at = MATCHING, None, now
    await notify_person(
        ctx.uow.session,
        referral.org_id,
        f"support-consent-answer:{referral.id}:no:{now:%Y%m%d%H%M}",
        CONSENT_ANSWER,
        ap_id,
        now,
        {"referral_id": referral.id, "answer": "no"},
    )
    return Reply.update(
        note_card(
            "Understood: Support to good won't start",
            [
                "Nothing has been shared. I've asked your AP to suggest another way to work "
                "together, with nothing going to your line manager."
            ],
        )
    )


async def redisplay_accept(
    ctx: HandlerContext, values: dict[str, Any], errors: dict[str, str]
) -> Reply:
    return Reply.text("Choose a programme, then Accept.")


async def pass_(ctx: HandlerContext, form: ReferralRef) -> Reply:
    """The AP can't take it on: ask the next AP, and tell the tutor who."""
    now = ctx.services.clock.now()
    referral = await SupportRecords(ctx.uow.session).referral(ctx.turn.org_id, form.referral_id)
    if referral is None or not ctx.can(Permission.ANSWER_REFERRAL, referral_subject(referral)):
        return Reply.text(NOT_AN_AP)
    if referral.state != MATCHING:
        return Reply.text("This request has already been answered.")
    referral.passed_ids = [*referral.passed_ids, ctx.person.id]
    chosen, _ = await ask_next_practitioner(ctx.uow.session, referral, now)
    key = f"support-rematched:{referral.id}:{ctx.person.id}"
    await _tell_tutor(ctx.uow.session, referral, REMATCHED, key, now)
    if chosen is None:  # nobody else to ask (the only AP, or the others full or asked already)
        tutor = await ctx.directory.person(ctx.turn.org_id, referral.tutor_id)
        name = said(tutor.name) if tutor else "The tutor"
        return Reply.update(
            note_card(
                "Passed: waiting for an AP",
                [
                    f"No other AP can take it just now, so {name}'s request waits until one "
                    f"can; I've told {name}. You no longer see this request."
                ],
            )
        )
    return Reply.update(
        note_card("Passed", ["Thanks; I'll ask another AP. You no longer see this request."])
    )


async def hand_on_across_lines(session: AsyncSession, org_id: str, now: datetime) -> None:
    """After a new tutor list: a tutor whose AP (running their programme, proposing one, or
    asked to) is now in one management line with them goes to another AP, as when the tutor
    asks for someone else: no AP in a tutor's line supports them (SPEC principle 5). A running
    programme carries on where it was with the next AP to accept. The tutor is told why and
    whom I've asked; the AP is told they no longer support them."""
    directory = Directory(session)
    aps = await directory.holders(org_id, Role.ADVANCED_PRACTITIONER)
    for referral, programme, ap_id in await SupportRecords(session).with_an_ap(org_id):
        ap = [p for p in aps if p.id == ap_id]
        if await in_management_line(directory, org_id, referral.tutor_id, ap):
            await _hand_on(session, referral, programme, ap_id, now, "line")


async def hand_on_from_former_ap(
    session: AsyncSession, org_id: str, ap_id: int, now: datetime
) -> None:
    """After an org admin takes the AP role away: every tutor that AP was supporting, proposing
    a programme to or asked to support goes to another AP, as above. Without this they would
    wait on someone who can no longer answer, read or run anything of theirs."""
    for referral, programme, asked in await SupportRecords(session).with_an_ap(org_id):
        if asked == ap_id:
            await _hand_on(session, referral, programme, ap_id, now, "role")


async def _hand_on(
    session: AsyncSession,
    referral: SupportReferral,
    programme: SupportProgrammeRecord | None,
    ap_id: int,
    now: datetime,
    why: str,
) -> None:
    """`_pass_on`, then the tutor told why (`why`: "line" or "role") and whom I've asked, and
    the AP told whom they no longer support."""
    org_id = referral.org_id
    await _pass_on(session, referral, programme, ap_id, now)
    key = f"support-rematched:{referral.id}:{ap_id}"
    payload: dict[str, Any] = {"referral_id": referral.id, why: ap_id}
    await notify_person(session, org_id, key, REMATCHED, referral.tutor_id, now, payload)
    key = f"support-handed-on:{referral.id}:{ap_id}"
    payload = {"referral_id": referral.id, "tutor_id": referral.tutor_id, "why": why}
    await notify_person(session, org_id, key, HANDED_ON, ap_id, now, payload)


# --- head of T&L: caseloads and capacity (counts, never content) ----------------------------


async def _caseloads_refused(ctx: HandlerContext) -> str:
    """Whom caseloads are for, with who is head of teaching & learning (the one to ask); an org
    admin also hears how to give themselves the role (`refusal`)."""
    heads = await holder_names(ctx.directory, ctx.turn.org_id, Role.HEAD_OF_TL)
    who = f", {said(' or '.join(heads))}," if heads else " (nobody holds that role yet)"
    refused = f"Caseloads are for the head of teaching & learning{who} and the APs."
    return refusal(ctx, refused, Role.HEAD_OF_TL, "see them")


async def caseloads(ctx: HandlerContext) -> Reply:
    if not ctx.can(Permission.READ_CASELOAD_COUNTS):
        return Reply.text(await _caseloads_refused(ctx))
    now = ctx.services.clock.now()
    records = SupportRecords(ctx.uow.session)
    rows = [
        CaseloadCount(ap.name, ap.campus, ap.caseload, ap.capacity)
        for ap in await practitioners(ctx.uow.session, ctx.turn.org_id, now)
    ]
    waiting = len(await records.waiting(ctx.turn.org_id))
    reviews = len(await records.under_review(ctx.turn.org_id))
    return Reply.show(caseloads_card(rows, waiting, reviews))


_CAPACITY = re.compile(r"^(?:(?P<email>\S+@\S+)\s+)?(?P<n>\d{1,2})$")


async def set_capacity(ctx: HandlerContext, words: list[str]) -> Reply:
    if not ctx.can(Permission.MANAGE_PRACTITIONERS):
        return Reply.text("Only the head of teaching & learning (or an org admin) sets capacity.")
    match = _CAPACITY.match(" ".join(words))
    if match is None:
        return Reply.text(
            "Say **support capacity 10** for everyone, or "
            "**support capacity name@college.ac.uk 6** for one AP."
        )
    who = (match.group("email") or "default").lower()
    if who != "default":
        refusal = await _not_an_ap(ctx, who)
        if refusal:
            return Reply.text(refusal)
    now = ctx.services.clock.now()
    org = await ctx.directory.organisation(ctx.turn.org_id, now)
    caps = dict(org.settings.get("ap_capacity") or {})
    caps[who] = int(match.group("n"))
    org.settings = {**org.settings, "ap_capacity": caps}
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, "support:capacity", "set", f"{who}={caps[who]}", now
    )
    asked = await rematch_waiting(ctx.uow.session, ctx.turn.org_id, now)
    more = f" I've asked APs about {plural(asked, 'waiting request')}." if asked else ""
    label = "every AP" if who == "default" else escape_markdown(who)
    return Reply.text(f"Saved: capacity {caps[who]} for {label}.{more}")


async def _not_an_ap(ctx: HandlerContext, email: str) -> str | None:
    """Why a capacity for this email would mean nothing (nobody by it, or not an AP), and how
    to make them one; None for an advanced practitioner."""
    person = await ctx.directory.person_by_email(ctx.turn.org_id, email)
    if person is not None and Role.ADVANCED_PRACTITIONER in await ctx.directory.roles(person.id):
        return None
    shown = escape_markdown(email)
    if person is None:
        who = f"I don't know anyone with the email {shown}"
    elif person.name:
        who = f"{escape_markdown(person.name)} ({shown}) is not an advanced practitioner"
    else:
        who = f"{shown} is not an advanced practitioner"
    grant = f"**admin grant {shown} advanced_practitioner**"
    how = (
        f"To make them one, say {grant} in our 1:1 chat (or pick them under *Advanced "
        "practitioners* in **admin setup**)"
        if ctx.actor.has(Role.ORG_ADMIN)
        else f"To make them one, an org admin says {grant}"
    )
    return (
        f"{who}, so I haven't saved a capacity: capacity is for APs. {how}; then set their "
        "capacity again."
    )


# --- offers ---------------------------------------------------------------------------------


async def _offers(ctx: HandlerContext, wanted: bool) -> Reply:
    await SupportRecords(ctx.uow.session).set_offers(
        ctx.turn.org_id, ctx.person.id, wanted, ctx.services.clock.now()
    )
    if wanted:
        return Reply.text("Done: I'll offer support now and then (about once a term).")
    return Reply.text(
        "Done: no more offers. You can still say **support** any time; **support offers on** "
        "brings the offers back."
    )


async def stop_offers(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    await SupportRecords(ctx.uow.session).set_offers(
        ctx.turn.org_id, ctx.person.id, False, ctx.services.clock.now()
    )
    return Reply.update(
        note_card(
            "No more offers",
            [
                "Understood. Say **support** whenever you'd like some; **support offers on** "
                "turns the offers back on."
            ],
        )
    )


async def later(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return Reply.update(
        note_card("Maybe later", ["No problem. Say **support** whenever you'd like some."])
    )


async def offer_after_observation(
    session: AsyncSession, org_id: str, tutor_id: int, now: datetime
) -> None:
    """Called by the observations (OTLA) code when a report with actions is approved: a friendly
    offer of support reaches the tutor a day later (one per term, however many reports)."""
    org = await Directory(session).organisation(org_id, now)
    term = term_for(london(now).date(), org.settings)
    period = term.key if term else rules.month_key(london(now).date())
    await schedule(
        session,
        org_id,
        f"support-offer:observation:{period}:{tutor_id}",
        OFFER,
        rules.after_observation_offer_at(now),
        now,
        tutor_id,
        {"reason": "observation"},
    )


async def offer_to_imported_tutors(
    session: AsyncSession,
    org_id: str,
    people: Sequence[Person],
    now: datetime,
    settings: dict[str, Any] | None = None,
) -> None:
    """Tutors from the tutor list (or a team's members): new staff get an offer at induction,
    everyone a termly one. The offers already there are read in one statement a chunk.
    `settings`: the organisation's, when the caller has read them."""
    if settings is None:
        settings = (await Directory(session).organisation(org_id, now)).settings
    today = london(now).date()
    term, due = termly_offer_slot(now, settings)
    planned: list[tuple[str, datetime, int, dict[str, Any]]] = []
    for person in people:
        if person.start_date is not None and rules.is_new_staff(person.start_date, today):
            at = rules.induction_offer_at(person.start_date, now)
            planned.append((induction_offer_key(person.id), at, person.id, {"reason": "induction"}))
        terms = {"reason": "term", "term": term.key}
        planned.append((termly_offer_key(term.key, person.id), due, person.id, terms))
    existing = await Schedule(session).get_many(org_id, [key for key, *_ in planned])
    for key, at, person_id, payload in planned:
        await schedule(
            session, org_id, key, OFFER, at, now, person_id, payload, existing=existing.get(key)
        )


ROWS: tuple[Command | CardAction, ...] = (
    # Stored: `support capacity` and `support offers` write (settings, the audit log), so a
    # Teams retry of the same message runs nothing again.
    Command(
        "support",
        support,
        aliases=("self-refer", "referral"),
        phrases=PHRASES,
        menu_scopes=PERSONAL,
        stored=True,
    ),
    CardAction("support.open", open_form, idempotent=False),
    CardAction("support.refer", refer, form=ReferralForm, redisplay=redisplay_referral),
    CardAction("support.someone_else", someone_else, form=ReferralRef),
    CardAction("support.withdraw", withdraw, form=ReferralRef),
    CardAction("support.accept", accept, form=AcceptForm, redisplay=redisplay_accept),
    CardAction("support.pass", pass_, form=ReferralRef),
    CardAction("support.consent", consent, form=ReferralRef),
    CardAction("support.decline", decline, form=ReferralRef),
    CardAction("support.offers.stop", stop_offers),
    CardAction("support.offers.later", later),
)
