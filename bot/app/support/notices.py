"""Proactive messages of the support capability, each drawn when sent from the records then.

A render returns None when the message is no longer relevant (a referral already answered, a
rating already given, an update already sent) or when the reader may no longer see it: every
render asks `can()` for the person it is about to reach.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.app.notices import NoticeContext, NoticeKind, about
from bot.app.privacy import opened_by_notice
from bot.app.support.matching import ask_next_practitioner, in_conflict, practitioners, why_waiting
from bot.app.support.programmes import TUTOR_CAN_OPT_OUT_DAYS, update_draft_text
from bot.app.support.records import (
    ASK,
    CONSENT,
    CONSENT_ANSWER,
    ENDED_BY_TUTOR,
    ESCALATED,
    HANDED_ON,
    MONTHLY_REPORT,
    OFFER,
    OFFERS_OPT_OUT,
    PROGRAMME_CHANGED,
    RATE_PROMPT,
    REMATCHED,
    REPORT_IN,
    REPORT_SHARED,
    REVIEW,
    REVIEW_OUTCOME,
    REVIEW_OVERDUE,
    SESSION_LOGGED,
    SIGN_OFF_DUE,
    SIGN_OFF_OVERDUE,
    STARTED,
    UPDATE_DUE,
    UPDATE_HELD,
    UPDATE_QUERIED,
    UPDATE_REVIEW,
    UPDATE_SENT,
    UPDATE_TO_LINE_MANAGER,
    WAITING,
    actor_for,
    caseload_of,
    consent_actions,
    heads_of_tl,
    line_manager_ids,
    name_of,
    notify,
    programme_subject,
    referral_subject,
    schedule_monthly_report,
    schedule_termly_offer,
    update_preview_key,
)
from bot.app.support.views import day, referral_for_ap, report_view, review_view
from bot.app.turn import Message
from bot.domain import support as rules
from bot.domain.access import Permission, Subject, can
from bot.domain.local_time import london
from bot.domain.support import ProgrammeKind, ProgrammeState, ReviewDecision, SessionKind
from bot.domain.terms import current_or_next_term
from bot.domain.words import plural
from cards.base import Action, execute, plain, said
from cards.support import (
    ReportFormView,
    ReportPromptLine,
    monthly_prompt_card,
    note_card,
    offer_card,
    referral_for_ap_card,
    report_for_head_card,
    review_card,
    update_draft_card,
    update_for_line_manager_card,
    update_for_tutor_card,
)
from storage.models import Person
from storage.reminders import CANCELLED, FAILED, OPTED_OUT, SENT
from storage.support import (
    HELD,
    MATCHING,
    PROPOSED,
    QUERIED,
    SENT_TO_LINE_MANAGER,
    WITH_TUTOR,
    LineManagerUpdate,
    SupportProgrammeRecord,
    SupportRecords,
    SupportSession,
)
from storage.support import WAITING as REFERRAL_WAITING


def _records(ctx: NoticeContext) -> SupportRecords:
    return SupportRecords(ctx.uow.session)


async def _allowed(
    ctx: NoticeContext, permission: Permission, subject: Subject | None = None
) -> bool:
    """May the person this item goes to see it, now?"""
    if ctx.item.person_id is None:
        return False
    actor = await actor_for(ctx.directory, ctx.item.org_id, ctx.item.person_id)
    return can(actor, permission, subject)


async def _programme(
    ctx: NoticeContext, permission: Permission, *, open_update: bool = False
) -> SupportProgrammeRecord | None:
    pid = int(ctx.payload.get("programme_id") or 0)
    programme = await _records(ctx).programme(ctx.item.org_id, pid)
    if programme is None:
        return None
    subject = await programme_subject(ctx.directory, programme, open_update=open_update)
    return programme if await _allowed(ctx, permission, subject) else None


async def _tutors_programme(
    ctx: NoticeContext, permission: Permission = Permission.READ_DEVELOPMENTAL
) -> SupportProgrammeRecord | None:
    """The programme a notice is about, when it goes to that programme's tutor and they may
    still see it (or, with `permission`, do what it asks)."""
    programme = await _programme(ctx, permission)
    if programme is None or programme.tutor_id != ctx.item.person_id:
        return None
    return programme


async def _name(ctx: NoticeContext, person_id: int | None) -> str:
    """How a notice names someone in this item's organisation: as written (`said`), so a
    display name like "[Sign in again](…)" is never live markdown in a card."""
    return said(await name_of(ctx.directory, ctx.item.org_id, person_id))


async def _line_managers(ctx: NoticeContext, tutor_id: int) -> str:
    """The tutor's line managers by name, for a line that says where an update goes."""
    managers = await line_manager_ids(ctx.directory, ctx.item.org_id, tutor_id)
    return " and ".join([await _name(ctx, m) for m in managers]) or "your line manager"


def _note(
    heading: str, lines: Sequence[str], actions: Sequence[Action] = (), *, small: str = ""
) -> Message:
    """A short notice (`note_card`) to send. Its notification reads the heading with the names
    in it (`plain`), as it always has; the card shows them as written."""
    return Message(
        card=note_card(heading, lines, actions, small=small, fallback_text=plain(heading))
    )


def _open_button(programme_id: int, label: str = "Open my programme") -> list[Any]:
    return [execute(label, "programme.open", {"programme_id": programme_id}, primary=True)]


def _log_session_button(programme_id: int) -> list[Any]:
    return [
        execute(
            "Log the session",
            "programme.session.open",
            {"programme_id": programme_id},
            primary=True,
        )
    ]


def _update_button(label: str, update: LineManagerUpdate) -> list[Any]:
    """The AP's button back to an update's form."""
    data = {"programme_id": update.programme_id, "number": update.number}
    return [execute(label, "programme.update.open", data, primary=True)]


# --- matching -------------------------------------------------------------------------------


async def render_ask(ctx: NoticeContext) -> Message | None:
    referral = await _records(ctx).referral(ctx.item.org_id, int(ctx.payload["referral_id"]))
    if referral is None or referral.state != MATCHING:
        return None
    if referral.practitioner_id != ctx.item.person_id:
        return None  # the tutor asked for someone else, or another AP was asked instead
    if not await _allowed(ctx, Permission.ANSWER_REFERRAL, referral_subject(referral)):
        return None
    tutor = await ctx.directory.person(ctx.item.org_id, referral.tutor_id)
    if tutor is None:
        return None
    ap_id = referral.practitioner_id
    if ap_id is not None and await in_conflict(
        ctx.directory, ctx.item.org_id, referral.tutor_id, ap_id
    ):
        # The tutor list changed since the ask: this AP is in the tutor's line-management chain.
        referral.passed_ids = [*referral.passed_ids, ap_id]
        await ask_next_practitioner(ctx.uow.session, referral, ctx.now)
        return None
    reasons = [str(r) for r in ctx.payload.get("reasons", [])]
    view = referral_for_ap(referral, tutor, reasons, london(ctx.now).date())
    record = f"support_referrals:{referral.id}"
    opened_by_notice(ctx, referral.tutor_id, "self_referral", record, "request sent to the AP")
    return Message(card=referral_for_ap_card(view))


async def render_consent(ctx: NoticeContext) -> Message | None:
    """To the tutor: the programme their AP proposed reports outward, so it waits for a yes.
    The card says in plain words what goes to whom, and what happens at week 12."""
    referral = await _records(ctx).referral(ctx.item.org_id, int(ctx.payload["referral_id"]))
    if referral is None or referral.state != PROPOSED or referral.tutor_id != ctx.item.person_id:
        return None
    ap = await _name(ctx, referral.practitioner_id)
    manager = await _line_managers(ctx, referral.tutor_id)
    return _note(
        f"{ap} suggests Support to good",
        [
            "**Support to good** is 8 weeks with objectives and milestones, ending with a "
            "sign-off observation.",
            f"**What it shares:** every 2 weeks a short update on attendance and progress "
            f"against your objectives goes to your line manager ({manager}). You see each "
            "one first and can hold it back to talk it through. Your session notes, "
            "reflections and self-ratings are never in it.",
            f"**Week 12:** if the sign-off isn't met, {ap} can extend by 4 weeks once. If "
            f"{ap} then records that there hasn't been enough improvement, the head of "
            "teaching & learning reviews your case and may pass a summary to your line "
            "manager. You'll be told at each step, and what was passed on.",
            "It starts only if you say yes. If you'd rather not, nothing is shared and "
            f"{ap} will suggest another way to work together.",
        ],
        consent_actions(referral.id),
    )


async def render_consent_answer(ctx: NoticeContext) -> Message | None:
    referral = await _records(ctx).referral(ctx.item.org_id, int(ctx.payload["referral_id"]))
    if referral is None or referral.practitioner_id != ctx.item.person_id:
        return None
    if not await _allowed(ctx, Permission.ANSWER_REFERRAL, referral_subject(referral)):
        return None
    tutor = await _name(ctx, referral.tutor_id)
    if ctx.payload.get("answer") == "yes":
        pid = int(ctx.payload.get("programme_id") or 0)
        return _note(
            f"{tutor} said yes",
            ["Support to good starts today."],
            _open_button(pid, "Open the programme"),
        )
    if referral.state != MATCHING:
        return None
    view = referral_for_ap(
        referral,
        await ctx.directory.person(ctx.item.org_id, referral.tutor_id) or _nobody(),
        [f"heard {tutor} would rather not start Support to good: choose another programme"],
        london(ctx.now).date(),
    )
    return Message(card=referral_for_ap_card(view))


def _waiting(count: int) -> str:
    """'1 self-referral is waiting', '2 self-referrals are waiting'."""
    return f"{plural(count, 'self-referral')} {'is' if count == 1 else 'are'} waiting"


def _nobody() -> Person:
    return Person(name="A tutor")


async def render_waiting(ctx: NoticeContext) -> Message | None:
    """To the head of T&L (and, while there are no APs, the org admins): a count, never a name
    or a reason."""
    admin = await _allowed(ctx, Permission.MANAGE_ROLES)
    if not admin and not await _allowed(ctx, Permission.READ_CASELOAD_COUNTS):
        return None
    waiting = _records(ctx).waiting(ctx.item.org_id)
    count = len(await waiting)
    if count == 0:
        return None
    if not await practitioners(ctx.uow.session, ctx.item.org_id, ctx.now):
        return _note(
            "A request for support is waiting",
            [
                f"{_waiting(count)}: TLC has no advanced practitioners "
                "(APs) yet, so nobody can be asked.",
                "Give someone the AP role (**admin** → Set up TLC) and I'll ask them "
                "straight away.",
            ],
            [execute("Set up TLC", "admin.setup.open")] if admin else [],
            small="You see counts only; who and why stays confidential.",
        )
    if not await _allowed(ctx, Permission.READ_CASELOAD_COUNTS):
        return None  # APs exist now: the head of T&L manages capacity, not the admins
    aps = await practitioners(ctx.uow.session, ctx.item.org_id, ctx.now)
    why = (
        "every AP's caseload is full"
        if all(not ap.has_room for ap in aps)
        else "the APs with room have been asked already"
    )
    return _note(
        "Someone is waiting for an AP",
        [
            f"{_waiting(count)}: {why}.",
            "Raise a capacity with **support capacity** or free a place, and I'll ask an "
            "AP straight away.",
        ],
        small="You see counts only; who and why stays confidential.",
    )


async def render_rematched(ctx: NoticeContext) -> Message | None:
    referral = await _records(ctx).referral(ctx.item.org_id, int(ctx.payload["referral_id"]))
    if referral is None or referral.tutor_id != ctx.item.person_id:
        return None
    if referral.state == MATCHING and referral.practitioner_id is not None:
        ap = await _name(ctx, referral.practitioner_id)
        line = f"I've now asked **{ap}** to support you. You'll hear when they reply."
    elif referral.state == REFERRAL_WAITING:
        line = await why_waiting(ctx.uow.session, referral, ctx.now)
    else:
        return None
    lines = [line]
    if ctx.payload.get("line"):  # the AP came into one management line with them
        old = await _name(ctx, int(ctx.payload["line"]))
        lines[:0] = [
            f"The tutor list now puts **{old}** and you in one line of management, so "
            f"{old} can't go on supporting you: support stays apart from line management. "
            f"{old} no longer sees your programme or your request."
        ]
    elif ctx.payload.get("role"):  # an org admin took the AP role away from them
        old = await _name(ctx, int(ctx.payload["role"]))
        lines[:0] = [
            f"**{old}** is no longer an advanced practitioner in TLC, so they can't go on "
            f"supporting you. {old} no longer sees your programme or your request."
        ]
    if len(lines) > 1 and await _records(ctx).programme_for_referral(referral.id) is not None:
        lines.insert(
            1,
            "Your programme carries on where it was with your next AP once they accept. They "
            "will see all of it so far, as your previous AP did: sessions and their notes, "
            "actions, ratings and reflections.",
        )
    return _note("Your request for support", lines)


async def render_handed_on(ctx: NoticeContext) -> Message | None:
    """To an AP whose tutor went to another AP, because a new tutor list put them in one line
    of management or because their AP role was taken away: whom they no longer support, and
    why; nothing else of the programme."""
    referral = await _records(ctx).referral(ctx.item.org_id, int(ctx.payload["referral_id"]))
    if referral is None or ctx.item.person_id in (referral.practitioner_id, None):
        return None
    tutor = await _name(ctx, referral.tutor_id)
    if ctx.payload.get("why") == "role":
        why = (
            f"You no longer have the advanced practitioner role in TLC, so another AP will "
            f"support {tutor}."
        )
    else:
        why = (
            f"The tutor list now puts you and {tutor} in one line of management, so another "
            f"AP will support {tutor}: support stays apart from line management."
        )
    return _note(
        f"You no longer support {tutor}",
        [f"{why} {tutor}'s programme and request are no longer visible to you. I've told them."],
    )


# --- programme life ---------------------------------------------------------------------------


@about(_tutors_programme)
async def render_started(ctx: NoticeContext, programme: SupportProgrammeRecord) -> Message | None:
    if programme.state not in (ProgrammeState.ACTIVE.value,):
        return None
    ap = await _name(ctx, programme.practitioner_id)
    kind = ProgrammeKind(programme.kind)
    lines = [f"**{kind.label}**: {kind.rules.summary}", f"Who can see it: you and {ap}."]
    referral = await _records(ctx).referral(ctx.item.org_id, programme.referral_id)
    if kind == ProgrammeKind.SUPPORT_TO_GOOD:
        if programme.consented_at is not None:
            lines.append(f"You agreed to this programme on {day(programme.consented_at)}.")
        elif referral is None or referral.source != "self":
            lines.append("This programme was started for you: it was not your own request.")
        lines.append(
            "This programme sends a short update to your line manager every 2 weeks. "
            "You'll see each one before it goes; nothing else is shared. At week 12, only if "
            f"{ap} records that there hasn't been enough improvement, the head of teaching & "
            "learning reviews your case and may pass a summary to your line manager."
        )
    elif kind == ProgrammeKind.NEW_STAFF:
        lines.append(
            "New staff mentoring is part of starting at the college. Nothing from it goes to "
            f"your line manager; at the end {ap} records whether the sign-off standard was "
            "met and talks it through with you."
        )
    actions = [execute("Open my programme", "programme.open", {"programme_id": programme.id})]
    if await _records(ctx).rating(programme.id, "start") is None:
        # A programme passed on from another AP after its first rating has had it.
        lines.append("First, rate how confident you feel today: it takes a minute.")
        data = {"programme_id": programme.id}
        actions.insert(0, execute("Rate my confidence", "rate.open", data, primary=True))
    return _note(f"{ap} will support you", lines, actions)


@about(_tutors_programme)
async def render_session_logged(
    ctx: NoticeContext, programme: SupportProgrammeRecord
) -> Message | None:
    session = await ctx.uow.session.get(SupportSession, int(ctx.payload["session_id"]))
    if session is None or session.programme_id != programme.id:
        return None
    ap = await _name(ctx, programme.practitioner_id)
    agreed = [
        a.text for a in await _records(ctx).actions(programme.id) if a.session_id == session.id
    ]
    lines = [
        f"{ap} logged your {SessionKind(session.kind).label.lower()} on {day(session.held_on)}."
    ]
    if agreed:
        lines.append(
            "Agreed actions: "
            + "; ".join(said(a) for a in agreed)
            + ". We'll look at them next time."
        )
    return _note("Session logged", lines, _open_button(programme.id))


async def render_rate_prompt(ctx: NoticeContext) -> Message | None:
    programme = await _tutors_programme(ctx, Permission.WRITE_DEVELOPMENTAL)
    if programme is None:
        return None
    stage = str(ctx.payload.get("stage", ""))
    if programme.state != ProgrammeState.ACTIVE.value:
        return None
    if await _records(ctx).rating(programme.id, stage) is not None:
        return None
    words = {"middle": "half way", "end": "near the end"}.get(stage, "at this point")
    return _note(
        "How confident do you feel now?",
        [f"You're {words} through your programme: rate yourself again and see the change."],
        [execute("Rate now", "rate.open", {"programme_id": programme.id}, primary=True)],
    )


async def render_sign_off_due(ctx: NoticeContext) -> Message | None:
    programme = await _programme(ctx, Permission.RUN_PROGRAMME)
    if programme is None or programme.state != ProgrammeState.ACTIVE.value:
        return None
    p = programme.domain()
    if not p.rules.sign_off or p.sign_off == rules.SignOff.MET:
        return None
    tutor = await _name(ctx, programme.tutor_id)
    return _note(
        f"Sign-off observation: {tutor}",
        [
            f"{p.kind.label} ends on {day(p.ends_at or ctx.now)}: time for the sign-off "
            "observation. Log it as a session with its outcome."
        ],
        _log_session_button(programme.id),
    )


@about(_tutors_programme)
async def render_programme_changed(
    ctx: NoticeContext, programme: SupportProgrammeRecord
) -> Message | None:
    what = str(ctx.payload.get("what", ""))
    ap = await _name(ctx, programme.practitioner_id)
    if what == "extended":
        line = f"{ap} has extended your programme to {ctx.payload.get('until', '')}."
    elif what == "completed":
        line = "Your programme is complete. Well done — your chart shows how far you've come."
    elif what == "not_met":
        line = (
            f"Your programme has ended. The sign-off standard wasn't met this time; {ap} will "
            "talk through with you what comes next. Nothing from it goes to anyone else."
        )
    elif what == "ended_by_ap":
        line = (
            f"{ap} has recorded that your programme has ended, as you agreed together. "
            "Say **support** whenever you'd like more."
        )
    else:
        line = "Your programme has ended. Say **support** whenever you'd like more."
    return _note("Your support programme", [line], _open_button(programme.id))


# --- 2-weekly updates -------------------------------------------------------------------------


async def render_update_due(ctx: NoticeContext) -> Message | None:
    programme = await _programme(ctx, Permission.RUN_PROGRAMME)
    if programme is None or programme.kind != ProgrammeKind.SUPPORT_TO_GOOD.value:
        return None
    if programme.state not in (ProgrammeState.ACTIVE.value, ProgrammeState.UNDER_REVIEW.value):
        return None
    number = int(ctx.payload["number"])
    if await _records(ctx).update_number(programme.id, number) is not None:
        return None
    tutor = await _name(ctx, programme.tutor_id)
    draft = await update_draft_text(ctx.uow.session, programme, number)
    record = f"support_programmes:{programme.id}"
    opened_by_notice(ctx, programme.tutor_id, "session_notes", record, "2-weekly update draft")
    total = programme.domain().update_count()
    return Message(card=update_draft_card(programme.id, tutor, number, total, draft))


_Update = tuple[LineManagerUpdate, SupportProgrammeRecord]


async def _update(ctx: NoticeContext) -> _Update | None:
    update = await _records(ctx).update(ctx.item.org_id, int(ctx.payload["update_id"]))
    if update is None:
        return None
    programme = await _records(ctx).programme(ctx.item.org_id, update.programme_id)
    return (update, programme) if programme is not None else None


def _update_in(
    *states: str, to_ap: bool = False
) -> Callable[[NoticeContext], Awaitable[_Update | None]]:
    """A notice's loader: the update, when it is in one of `states` and the notice goes to its
    programme's tutor (or, `to_ap`, its AP)."""

    async def load(ctx: NoticeContext) -> _Update | None:
        found = await _update(ctx)
        if found is None or found[0].state not in states:
            return None
        reader = found[1].practitioner_id if to_ap else found[1].tutor_id
        return found if reader == ctx.item.person_id else None

    return load


@about(_update_in(WITH_TUTOR))
async def render_update_review(ctx: NoticeContext, found: _Update) -> Message | None:
    """The tutor sees the update before it is sent (SPEC principle 1)."""
    update, programme = found
    ap = await _name(ctx, programme.practitioner_id)
    managers = await _line_managers(ctx, programme.tutor_id)
    return Message(card=update_for_tutor_card(update.id, update.number, ap, managers, update.text))


@about(_update)
async def render_update_to_line_manager(ctx: NoticeContext, found: _Update) -> Message | None:
    """Seen before sent, proven: the update goes only after the tutor approved it, or after
    the stated time has passed since their preview was *delivered*. A failed preview holds the
    update and tells the AP; a preview not yet delivered waits."""
    update, programme = found
    if update.state not in (WITH_TUTOR, SENT_TO_LINE_MANAGER):
        return None  # the tutor asked to talk about it first, or it is held
    subject = await programme_subject(ctx.directory, programme, open_update=True)
    if not await _allowed(ctx, Permission.READ_PROGRAMME_UPDATE, subject):
        return None
    tutor = await _name(ctx, programme.tutor_id)
    if update.approved_at is not None:
        how_seen = f"{tutor} approved this update on {day(update.approved_at)}."
    elif update.state == SENT_TO_LINE_MANAGER and update.sent_at is not None:
        how_seen = f"{tutor} was shown this update before it was sent."
    else:
        preview = await ctx.schedule.get(ctx.item.org_id, update_preview_key(update.id))
        if preview is None or preview.state in (FAILED, CANCELLED, OPTED_OUT):
            update.state = HELD
            if programme.practitioner_id is not None:
                await notify(
                    ctx.uow.session,
                    ctx.item.org_id,
                    f"support-update-held:{update.id}:{ctx.now:%Y%m%d%H%M}",
                    UPDATE_HELD,
                    programme.practitioner_id,
                    ctx.now,
                    {"update_id": update.id},
                )
            return None
        wait_until = (
            preview.sent_at + timedelta(days=TUTOR_CAN_OPT_OUT_DAYS)
            if preview.state == SENT and preview.sent_at is not None
            else None
        )
        if wait_until is None or ctx.now < wait_until:
            # Not delivered yet, or delivered too recently: try again later.
            again = wait_until or ctx.now + timedelta(hours=6)
            await ctx.schedule.put(
                ctx.item.org_id,
                ctx.item.key,
                ctx.item.kind,
                max(again, ctx.now + timedelta(hours=1)),
                ctx.now,
                person_id=ctx.item.person_id,
                payload=dict(ctx.payload),
            )
            return None
        how_seen = (
            f"{tutor} was shown this update on {day(preview.sent_at or ctx.now)} and didn't "
            "hold it back."
        )
    first = update.state != SENT_TO_LINE_MANAGER
    update.state = SENT_TO_LINE_MANAGER
    update.sent_at = update.sent_at or ctx.now
    if first:  # the tutor knows, as it happens, what went to their line manager
        await notify(
            ctx.uow.session,
            ctx.item.org_id,
            f"support-update-sent:{update.id}",
            UPDATE_SENT,
            programme.tutor_id,
            ctx.now,
            {"update_id": update.id},
        )
    ap = await _name(ctx, programme.practitioner_id)
    total = programme.domain().update_count()
    record = f"line_manager_updates:{update.id}"
    opened_by_notice(ctx, programme.tutor_id, "programme", record, "2-weekly update")
    return Message(
        card=update_for_line_manager_card(tutor, update.number, total, ap, update.text, how_seen)
    )


@about(_update_in(SENT_TO_LINE_MANAGER))
async def render_update_sent(ctx: NoticeContext, found: _Update) -> Message | None:
    """To the tutor: exactly what went to their line manager, and when."""
    update, programme = found
    managers = await _line_managers(ctx, programme.tutor_id)
    return _note(
        f"Update {update.number} went to {managers}",
        [
            f"Sent {day(update.sent_at or ctx.now)}, word for word: “{update.text}”",
            "Nothing else from your programme was shared.",
        ],
    )


@about(_update_in(HELD, to_ap=True))
async def render_update_held(ctx: NoticeContext, found: _Update) -> Message | None:
    """To the AP: the tutor's preview could not be delivered, so the update is held."""
    return await _to_ap(
        ctx,
        found,
        "Update {number} is held: {tutor} hasn't seen it",
        "I couldn't show {tutor} the update, so it has not gone to their line manager. Nothing "
        "goes until they have seen it. Check they can receive messages from me, then show it "
        "to them again.",
        "Show it again",
    )


@about(_update_in(WITH_TUTOR, QUERIED, HELD, to_ap=True))  # not sent yet
async def render_update_queried(ctx: NoticeContext, found: _Update) -> Message | None:
    return await _to_ap(
        ctx,
        found,
        "{tutor} would like to talk first",
        "{tutor} has held back update {number} before it goes to their line manager. Have a "
        "chat, then edit and show them again.",
        "Edit the update",
    )


async def _to_ap(
    ctx: NoticeContext, found: _Update, headline: str, line: str, button: str
) -> Message:
    """To the AP about an update that has not gone: `{tutor}` and `{number}` filled in, and a
    button to open it."""
    update, programme = found
    names = {"tutor": await _name(ctx, programme.tutor_id), "number": update.number}
    return _note(
        headline.format_map(names), [line.format_map(names)], _update_button(button, update)
    )


# --- week-12 review ---------------------------------------------------------------------------


async def render_review(ctx: NoticeContext) -> Message | None:
    """Week 12 without improvement: the case goes to the head of T&L (the one link to
    performance management, seed 000)."""
    pid = int(ctx.payload.get("programme_id") or 0)
    programme = await _records(ctx).programme(ctx.item.org_id, pid)
    if programme is None or programme.review_decision is not None:
        return None
    p = programme.domain()
    if p.state != ProgrammeState.UNDER_REVIEW:
        return None  # only a recorded "not enough improvement" escalates; time never does
    subject = await programme_subject(ctx.directory, programme)
    if not await _allowed(ctx, Permission.REVIEW_SUPPORT_CASE, subject):
        return None
    org = await ctx.directory.organisation(ctx.item.org_id, ctx.now)
    view = await review_view(ctx.directory, _records(ctx), programme, org.settings)
    record = f"support_programmes:{programme.id}"
    opened_by_notice(ctx, programme.tutor_id, "programme", record, "week-12 review")
    return Message(card=review_card(view))


async def render_ended_by_tutor(ctx: NoticeContext) -> Message | None:
    programme = await _programme(ctx, Permission.RUN_PROGRAMME)
    if programme is None or programme.practitioner_id != ctx.item.person_id:
        return None
    tutor = await _name(ctx, programme.tutor_id)
    kind = ProgrammeKind(programme.kind)
    return _note(
        f"{tutor} has ended their programme",
        [f"{tutor} ended their {kind.label.lower()} programme. It's off your caseload."],
    )


@about(_tutors_programme)
async def render_escalated(ctx: NoticeContext, programme: SupportProgrammeRecord) -> Message | None:
    """To the tutor, as it happens: the case has gone to the head of T&L, and what they see."""
    if programme.state != ProgrammeState.UNDER_REVIEW.value:
        return None
    ap = await _name(ctx, programme.practitioner_id)
    who = (
        "the head of teaching & learning now reviews your case."
        if await heads_of_tl(ctx.directory, ctx.item.org_id, programme.tutor_id)
        else "the head of teaching & learning reviews your case. The college hasn't named "
        "one in TLC yet who is outside your line management: your case waits for them, and "
        "nothing goes anywhere until then."
    )
    return _note(
        "Your programme goes to the week-12 review",
        [
            f"{ap} recorded that the sign-off standard wasn't met after the extension, so, "
            f"as Support to good says, {who}",
            "**What the head sees, until the review is recorded:** your programme card "
            "(timeline, sessions, agreed actions, objectives), the sign-off outcome and "
            "your self-rating chart. **Never** your reflections.",
            "You'll be told the outcome, and exactly what, if anything, goes to your line manager.",
        ],
        _open_button(programme.id),
    )


async def render_sign_off_overdue(ctx: NoticeContext) -> Message | None:
    """To the AP: week 12 and no outcome recorded. Nothing goes to the head but a count."""
    programme = await _programme(ctx, Permission.RUN_PROGRAMME)
    if programme is None or not programme.domain().outcome_overdue(ctx.now):
        return None
    tutor = await _name(ctx, programme.tutor_id)
    return _note(
        f"Week 12: record {tutor}'s sign-off outcome",
        [
            "Support to good has reached week 12 and no sign-off outcome is recorded. Log "
            "the sign-off observation with its outcome, or end the programme with "
            f"{tutor}.",
            'Only a recorded "not met" after the extension goes to the head of teaching '
            "& learning's review. If nothing is recorded, the head is told only that a "
            "review is overdue: not who, nor anything about it.",
        ],
        _log_session_button(programme.id),
    )


async def render_review_overdue(ctx: NoticeContext) -> Message | None:
    """To the head of T&L: that a review is overdue, with no content at all."""
    if not await _allowed(ctx, Permission.READ_CASELOAD_COUNTS):
        return None
    pid = int(ctx.payload.get("programme_id") or 0)
    programme = await _records(ctx).programme(ctx.item.org_id, pid)
    if programme is None or not programme.domain().outcome_overdue(ctx.now):
        return None
    return _note(
        "A week-12 review is overdue",
        [
            "A support programme passed week 12 without a recorded sign-off outcome. Its AP "
            "has been reminded to record one."
        ],
        small="You see that it is overdue only; who and why stays confidential.",
    )


async def render_review_outcome(ctx: NoticeContext) -> Message | None:
    pid = int(ctx.payload.get("programme_id") or 0)
    programme = await _records(ctx).programme(ctx.item.org_id, pid)
    if programme is None or programme.review_decision is None:
        return None
    decision = ReviewDecision(programme.review_decision)
    tutor = await _name(ctx, programme.tutor_id)
    if ctx.item.person_id in (programme.tutor_id, programme.practitioner_id):
        if not await _allowed(
            ctx, Permission.READ_DEVELOPMENTAL, await programme_subject(ctx.directory, programme)
        ):
            return None
        no_line_manager = bool(ctx.payload.get("no_line_manager"))
        line = {
            ReviewDecision.CONTINUE: "The head of teaching & learning has reviewed the "
            "programme: support continues.",
            ReviewDecision.CLOSE: "The head of teaching & learning has reviewed the programme "
            "and closed it: improvement has been seen.",
            ReviewDecision.REFER: "The head of teaching & learning has reviewed the programme "
            + (
                "and would pass a summary to the line manager, as the programme says at week "
                "12, but the tutor list names none: nothing was passed on."
                if no_line_manager
                else "and passed a summary to the line manager, as the programme says at week 12."
            ),
        }[decision]
        lines = [line]
        if (
            decision == ReviewDecision.REFER
            and ctx.item.person_id == programme.tutor_id
            and not no_line_manager
        ):
            lines.append(
                "This is exactly what your line manager was sent: "
                f"“{said(programme.review_note) if programme.review_note else '(no note)'}”"
            )
        return _note(f"Week-12 review: {tutor}", lines)
    # The line manager: only when referred, and only the head's note (seed 000).
    subject = await programme_subject(ctx.directory, programme, open_update=True)
    if decision != ReviewDecision.REFER or not await _allowed(
        ctx, Permission.READ_PROGRAMME_UPDATE, subject
    ):
        return None
    # A read of the tutor's programme, as the 2-weekly updates are: it shows in their `privacy`.
    record = f"support_programmes:{programme.id}"
    opened_by_notice(ctx, programme.tutor_id, "programme", record, "week-12 review summary")
    return _note(
        f"Support to good: {tutor}",
        [
            "The 12-week support-to-good programme ended without enough improvement. "
            "The head of teaching & learning passes this on:",
            said(programme.review_note) if programme.review_note else "(no note)",
        ],
    )


# --- monthly AP reports -----------------------------------------------------------------------


async def render_monthly_report(ctx: NoticeContext) -> Message | None:
    ap = ctx.item.person_id
    if ap is None:
        return None
    month = str(ctx.payload["month"])
    records = _records(ctx)
    caseload = await caseload_of(ctx.directory, ctx.item.org_id, ap)
    if not caseload:
        return None
    await schedule_monthly_report(ctx.uow.session, ctx.item.org_id, ap, ctx.now)  # the next one
    lines = [
        ReportPromptLine(
            p.id,
            await _name(ctx, p.tutor_id),
            await records.report(p.id, month) is not None,
        )
        for p in caseload
    ]
    return Message(card=monthly_prompt_card(month, rules.month_label(month), lines))


async def render_report_in(ctx: NoticeContext) -> Message | None:
    report = await _records(ctx).report_by_id(ctx.item.org_id, int(ctx.payload["report_id"]))
    if report is None:
        return None
    programme = await _records(ctx).programme(ctx.item.org_id, report.programme_id)
    if programme is None:
        return None
    subject = await programme_subject(ctx.directory, programme)
    if not await _allowed(ctx, Permission.READ_SUPPORT_REPORT, subject):
        return None
    org = await ctx.directory.organisation(ctx.item.org_id, ctx.now)
    view: ReportFormView = await report_view(
        ctx.directory, _records(ctx), programme, report.month, ctx.now, org.settings
    )
    ap = await _name(ctx, report.practitioner_id)
    record = f"support_reports:{report.id}"
    opened_by_notice(ctx, programme.tutor_id, "programme", record, "AP's monthly report")
    return Message(card=report_for_head_card(view, ap))


async def render_report_shared(ctx: NoticeContext) -> Message | None:
    """To the tutor: the monthly report about them that went to the head, word for word."""
    report = await _records(ctx).report_by_id(ctx.item.org_id, int(ctx.payload["report_id"]))
    if report is None:
        return None
    programme = await _records(ctx).programme(ctx.item.org_id, report.programme_id)
    if programme is None or programme.tutor_id != ctx.item.person_id:
        return None
    subject = await programme_subject(ctx.directory, programme)
    if not await _allowed(ctx, Permission.READ_SUPPORT_REPORT, subject):
        return None
    ap = await _name(ctx, report.practitioner_id)
    share = not programme.ratings_in_reports
    went = (
        f"{ap} sent this to the head of teaching & learning, as your programme says:"
        if ctx.payload.get("to_head", True)
        else f"{ap} wrote this for your programme's record. TLC has no head of teaching & "
        "learning yet, so nobody else has it:"
    )
    return _note(
        f"{ap}'s monthly report about you, {rules.month_label(report.month)}",
        [
            went,
            f"**Sessions:** {report.sessions}",
            f"**Actions:** {report.actions or '—'}",
            f"**Progress:** {report.progress}",
            f"**Concerns:** {report.concerns or 'None'}",
            "Your self-ratings are "
            + ("left out unless you choose otherwise." if share else "included, as you chose."),
        ],
        [
            execute(
                "Include my self-ratings" if share else "Leave my self-ratings out",
                "programme.report.ratings",
                {"programme_id": programme.id, "share": "yes" if share else "no"},
            )
        ],
    )


# --- offers -----------------------------------------------------------------------------------


async def render_offer(ctx: NoticeContext) -> Message | None:
    """Friendly, one tap to start; never to someone who opted out or is already supported."""
    person_id = ctx.item.person_id
    if person_id is None:
        return None
    reason = str(ctx.payload.get("reason", "term"))
    org = await ctx.directory.organisation(ctx.item.org_id, ctx.now)
    if reason == "term":
        term = current_or_next_term(london(ctx.now).date(), org.settings)
        await schedule_termly_offer(
            ctx.uow.session, ctx.item.org_id, person_id, ctx.now, org.settings, after=term
        )
    records = _records(ctx)
    # Interim per-person opt-out (category `self_referral_offers`) until the reminders engine
    # checks NoticeKind.opt_out itself; then this line can go.
    if await records.offers_opted_out(person_id):
        return None
    if await records.open_referral_of(ctx.item.org_id, person_id) is not None:
        return None
    return Message(card=offer_card(reason))


_NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind(ASK, render_ask, description="A self-referral for an AP to accept or pass"),
    NoticeKind(CONSENT, render_consent, description="Tutor: a proposed programme to accept"),
    NoticeKind(CONSENT_ANSWER, render_consent_answer, description="AP: the tutor's answer"),
    NoticeKind(WAITING, render_waiting, description="Head of T&L: someone waits for an AP"),
    NoticeKind(REMATCHED, render_rematched, description="Tutor: another AP has been asked"),
    NoticeKind(HANDED_ON, render_handed_on, description="AP: a tutor went to another AP"),
    NoticeKind(STARTED, render_started, description="Tutor: your programme has started"),
    NoticeKind(SESSION_LOGGED, render_session_logged, description="Tutor: a session was logged"),
    NoticeKind(RATE_PROMPT, render_rate_prompt, description="Tutor: mid/end self-rating"),
    NoticeKind(SIGN_OFF_DUE, render_sign_off_due, description="AP: sign-off observation due"),
    NoticeKind(PROGRAMME_CHANGED, render_programme_changed, description="Tutor: extended/ended"),
    NoticeKind(UPDATE_DUE, render_update_due, description="AP: 2-weekly update, drafted"),
    NoticeKind(UPDATE_REVIEW, render_update_review, description="Tutor: see an update first"),
    NoticeKind(
        UPDATE_TO_LINE_MANAGER,
        render_update_to_line_manager,
        description="Line manager: support-to-good 2-weekly update",
    ),
    NoticeKind(UPDATE_SENT, render_update_sent, description="Tutor: what went to your LM"),
    NoticeKind(UPDATE_HELD, render_update_held, description="AP: an update is held"),
    NoticeKind(UPDATE_QUERIED, render_update_queried, description="AP: tutor held an update"),
    NoticeKind(REVIEW, render_review, description="Head of T&L: week-12 review"),
    NoticeKind(ENDED_BY_TUTOR, render_ended_by_tutor, description="AP: a tutor ended"),
    NoticeKind(ESCALATED, render_escalated, description="Tutor: your case goes to review"),
    NoticeKind(SIGN_OFF_OVERDUE, render_sign_off_overdue, description="AP: outcome overdue"),
    NoticeKind(REVIEW_OVERDUE, render_review_overdue, description="Head of T&L: overdue count"),
    NoticeKind(REVIEW_OUTCOME, render_review_outcome, description="Outcome of a week-12 review"),
    NoticeKind(MONTHLY_REPORT, render_monthly_report, description="AP: monthly report prompt"),
    NoticeKind(REPORT_SHARED, render_report_shared, description="Tutor: a report about you"),
    NoticeKind(REPORT_IN, render_report_in, description="Head of T&L: an AP's monthly report"),
    NoticeKind(
        OFFER,
        render_offer,
        opt_out=OFFERS_OPT_OUT,
        description="Self-referral offer: induction, after an observation, once a term",
    ),
)

# Every support notice says, by its kind alone, that someone is being supported: diagnostics
# must never show that next to a name (issue 12, point 9).
NOTICES: tuple[NoticeKind, ...] = tuple(replace(n, confidential=True) for n in _NOTICES)
