"""The table: every command word and every card verb, in one place.

Each capability contributes its rows and its notice kinds in `CAPABILITIES`; `help` and the Teams
manifest's command lists are generated from this table.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import (
    actions,
    admin,
    documents,
    mentoring,
    observations,
    preferences,
    privacy,
    progression,
    quality,
    reminders,
    roster,
    support,
    walks,
)
from bot.app.events import (
    Events,
    LeftPlace,
    LinesJoined,
    ObservationApproved,
    ObservationsByMonth,
    PlannedObservations,
    RolesGiven,
    RoleTakenAway,
    SupportsTutor,
    TutorsListed,
    WalksOnDay,
)
from bot.app.help import Help
from bot.app.mentoring.directory import end_across_lines
from bot.app.notices import NoticeKind, NoticeKinds
from bot.app.observations.induction import on_tutors_imported
from bot.app.observations.schedule import to_new_line_managers, to_new_role_holders
from bot.app.router import CardAction, Command, Router
from bot.app.support import referrals
from bot.app.support.matching import rematch_waiting
from bot.app.support.records import reviews_for_new_head
from bot.app.walks.plans import after_roles_given, notify_todays_overseers
from bot.domain.access import Role
from bot.domain.mentoring import OPEN_STATES as MENTORING_OPEN
from storage.mentoring import MentoringRecords
from storage.observations import observed_by_month, planned_observation_dates
from storage.progression import CardSessions
from storage.support import OPEN_PROGRAMME_STATES, SupportRecords
from storage.walks import WalkStore

# Each capability's command words and card verbs, and its kinds of proactive message. The order is
# the Teams menu's (10 a scope): what people reach for most often first.
CAPABILITIES: tuple[tuple[Sequence[Command | CardAction], Sequence[NoticeKind]], ...] = (
    (walks.ROWS, walks.NOTICES),
    (observations.ROWS, observations.NOTICES),
    (quality.ROWS, quality.NOTICES),
    (support.ROWS, support.NOTICES),
    (mentoring.ROWS, mentoring.NOTICES),
    (progression.ROWS, progression.NOTICES),
    (actions.ROWS, ()),
    (documents.ROWS, documents.NOTICES),
    (preferences.ROWS, ()),
    (reminders.ROWS, reminders.NOTICES),
    (privacy.ROWS, privacy.NOTICES),
    ((), roster.NOTICES),
)


def build_router() -> tuple[Router, Help]:
    router = Router()
    help_ = Help(router)
    router.add(
        Command(
            "help", help_.command, aliases=("hi", "hello", "menu", "?", "commands"), writes=False
        ),
        CardAction("run", help_.run, idempotent=False),
    )
    router.add(*capability_rows())
    router.add(*admin.ROWS)
    return router, help_


def capability_rows() -> list[Command | CardAction]:
    """Rows from each capability module (learning walks, observations, support, mentoring,
    cards, settings)."""
    return [row for rows, _ in CAPABILITIES for row in rows]


def build_notice_kinds(events: Events | None = None) -> NoticeKinds:
    """Every kind of proactive message, from each capability module; their renderers ask `events`
    (a bus of their own from `build_events()` unless the app's is given)."""
    kinds = NoticeKinds(events if events is not None else build_events())
    kinds.add(*capability_notices())
    return kinds


def capability_notices() -> list[NoticeKind]:
    """Notice kinds from each capability module (reminders, offers, prompts, escalations)."""
    return [kind for _, kinds in CAPABILITIES for kind in kinds]


def build_events() -> Events:
    """One app's bus: where one capability's event or question is another's cue, wired here."""
    events = Events()
    events.subscribe(ObservationApproved, _offer_support_after_observation)
    events.subscribe(LeftPlace, _leave_card_sessions)
    events.subscribe(RoleTakenAway, _hand_on_a_former_aps_tutors)
    events.subscribe(RoleTakenAway, _withdraw_waiting_documents)
    events.subscribe(RolesGiven, _window_ends_to_new_overseers)
    events.subscribe(RolesGiven, _week_12_reviews_to_new_heads)
    events.subscribe(RolesGiven, _report_steps_to_new_officers)
    events.subscribe(RolesGiven, _waiting_requests_to_new_aps)
    events.subscribe(TutorsListed, _offers_to_listed_tutors)
    events.subscribe(TutorsListed, _new_tutors_observed)
    events.subscribe(TutorsListed, _across_new_lines)
    events.subscribe(LinesJoined, _across_joined_lines)
    events.answer(WalksOnDay, _walks_on_day)
    events.answer(SupportsTutor, _their_ap)
    events.answer(SupportsTutor, _their_mentor)
    events.answer(PlannedObservations, _planned_otla)
    events.answer(ObservationsByMonth, _observed_by_month)
    return events


async def _observed_by_month(
    session: AsyncSession, question: ObservationsByMonth
) -> Mapping[date, int]:
    # Seed 002: the monthly provider return counts OTLAs beside learning walks.
    return await observed_by_month(session, question.org_id, question.start, question.end)


async def _planned_otla(
    session: AsyncSession, question: PlannedObservations
) -> Mapping[int, Sequence[date]]:
    # Seed 002: a learning walk must not fall on the day of a tutor's planned OTLA.
    return await planned_observation_dates(session, question.org_id, list(question.tutor_ids))


async def _leave_card_sessions(session: AsyncSession, event: LeftPlace) -> None:
    # Seed 004: a session belongs to the group that runs it; someone who left takes no part.
    await CardSessions(session).forget_participants(
        event.org_id, event.person_ids, event.team_pk, event.conversation_id
    )


async def _hand_on_a_former_aps_tutors(session: AsyncSession, event: RoleTakenAway) -> None:
    # Seed 000: a tutor is never left waiting on an AP who can no longer support them.
    if event.role == Role.ADVANCED_PRACTITIONER.value:
        await referrals.hand_on_from_former_ap(session, event.org_id, event.person_id, event.at)


async def _withdraw_waiting_documents(session: AsyncSession, event: RoleTakenAway) -> None:
    # A file made with what the role let them read is not theirs to accept once it is gone.
    await documents.withdraw_for(session, event.org_id, event.person_id, event.at)


async def _window_ends_to_new_overseers(session: AsyncSession, event: RolesGiven) -> None:
    # Seed 001: a new line manager or quality-team member hears at the plans' window ends.
    roles = [Role(role) for _, role in event.grants]
    await after_roles_given(session, event.org_id, roles, event.at)


async def _week_12_reviews_to_new_heads(session: AsyncSession, event: RolesGiven) -> None:
    # Seed 000: a case gone to week-12 review is reviewed by a head of T&L named after it went.
    for person_id, role in event.grants:
        if role == Role.HEAD_OF_TL.value:
            await reviews_for_new_head(session, event.org_id, person_id, event.at)


async def _report_steps_to_new_officers(session: AsyncSession, event: RolesGiven) -> None:
    # Seed 002: a report late, or waiting to be checked or approved, is a new holder's to chase.
    await to_new_role_holders(session, event.org_id, event.grants, event.at)


async def _waiting_requests_to_new_aps(session: AsyncSession, event: RolesGiven) -> None:
    # Seed 000: a request kept safe while no AP had room (or there were none) is asked now.
    if any(role == Role.ADVANCED_PRACTITIONER.value for _, role in event.grants):
        await rematch_waiting(session, event.org_id, event.at)


async def _offers_to_listed_tutors(session: AsyncSession, event: TutorsListed) -> None:
    # Seed 000: new staff are offered support at induction, every tutor once a term.
    await referrals.offer_to_imported_tutors(session, event.org_id, event.tutors, event.at)


async def _new_tutors_observed(session: AsyncSession, event: TutorsListed) -> None:
    # Seed 002: a new tutor gets the HA24 checklist and an OTLA within 6 weeks of starting.
    await on_tutors_imported(session, event.org_id, event.tutors, event.at, event.by)


async def _across_new_lines(session: AsyncSession, event: TutorsListed) -> None:
    """A tutor list says who line-manages whom: nobody supports or mentors someone in their
    line (SPEC principle 5), and whoever manages a tutor now hears what their manager was
    promised (the OTLA's week-before note, walks' window ends)."""
    if event.from_list:
        await _across_lines(session, event.org_id, {t.id for t in event.tutors}, event.at)


async def _across_joined_lines(session: AsyncSession, event: LinesJoined) -> None:
    """Someone's Teams account met the row the tutor list keeps by their email: the line it
    names is theirs now, and follows as after a list."""
    await _across_lines(session, event.org_id, event.tutor_ids, event.at)


async def _across_lines(
    session: AsyncSession, org_id: str, tutor_ids: Collection[int], at: datetime
) -> None:
    await referrals.hand_on_across_lines(session, org_id, at)
    await end_across_lines(session, org_id, at)
    await to_new_line_managers(session, org_id, tutor_ids, at)
    await notify_todays_overseers(session, org_id, at)


async def _their_ap(session: AsyncSession, question: SupportsTutor) -> bool:
    programme = await SupportRecords(session).current_programme_of(
        question.org_id, question.tutor_id
    )
    return (
        programme is not None
        and programme.state in OPEN_PROGRAMME_STATES
        and programme.practitioner_id == question.person_id
    )


async def _their_mentor(session: AsyncSession, question: SupportsTutor) -> bool:
    return any(
        rel.mentor_id == question.person_id and rel.state in MENTORING_OPEN
        for rel in await MentoringRecords(session).of_mentee(question.org_id, question.tutor_id)
    )


async def _walks_on_day(session: AsyncSession, question: WalksOnDay) -> list[str]:
    return await WalkStore(session).on_day(question.org_id, question.tutor_id, question.day)


async def _offer_support_after_observation(
    session: AsyncSession, event: ObservationApproved
) -> None:
    # Seed 000 / SPEC 3: a report that produced actions is followed by a self-referral offer.
    if event.action_count > 0:
        await referrals.offer_after_observation(
            session, event.org_id, event.tutor_id, event.approved_at
        )
