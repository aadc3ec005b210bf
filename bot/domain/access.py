"""Who may do what. Every read and every write in TLC asks `can()`; nothing else decides.

Two worlds are kept apart (SPEC, principle 1): quality-assurance records (observations, learning
walks) have their own readers; developmental records (self-referrals, coaching and mentoring notes,
self-ratings, AP support records) belong to the tutor and their AP alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Role(StrEnum):
    TUTOR = "tutor"
    OBSERVER = "observer"
    LINE_MANAGER = "line_manager"
    QUALITY_COORDINATOR = "quality_coordinator"
    DEVELOPMENT_OFFICER = "development_officer"
    DEVELOPMENT_COORDINATOR = "development_coordinator"
    ADVANCED_PRACTITIONER = "advanced_practitioner"
    HEAD_OF_TL = "head_of_teaching_and_learning"
    ORG_ADMIN = "org_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: Mapping[Role, str] = MappingProxyType(
    {
        Role.TUTOR: "Tutor",
        Role.OBSERVER: "Observer",
        Role.LINE_MANAGER: "Line manager",
        Role.QUALITY_COORDINATOR: "Quality coordinator",
        Role.DEVELOPMENT_OFFICER: "Development officer",
        Role.DEVELOPMENT_COORDINATOR: "Development coordinator",
        Role.ADVANCED_PRACTITIONER: "Advanced practitioner",
        Role.HEAD_OF_TL: "Head of teaching & learning",
        Role.ORG_ADMIN: "Org admin",
    }
)

QUALITY_TEAM = frozenset(
    {Role.QUALITY_COORDINATOR, Role.DEVELOPMENT_OFFICER, Role.DEVELOPMENT_COORDINATOR}
)


class Permission(StrEnum):
    """Things a person may want to do. Capabilities add theirs here and a rule in `can()`."""

    MANAGE_ROLES = "manage_roles"
    IMPORT_TUTORS = "import_tutors"
    MANAGE_SETTINGS = "manage_settings"
    VIEW_PEOPLE = "view_people"
    # Developmental world (self-referral, coaching, mentoring, self-rating, reflections).
    READ_DEVELOPMENTAL = "read_developmental"
    WRITE_DEVELOPMENTAL = "write_developmental"
    READ_CASELOAD_COUNTS = "read_caseload_counts"
    READ_PROGRAMME_UPDATE = "read_programme_update"
    # Quality-assurance world (learning walks, observations).
    PLAN_WALKS = "plan_walks"
    RECORD_WALK = "record_walk"
    READ_WALK = "read_walk"
    READ_WALK_CONCERN = "read_walk_concern"
    ALLOCATE_OBSERVER = "allocate_observer"
    READ_OBSERVATION = "read_observation"
    READ_OBSERVATION_STAGE = "read_observation_stage"
    CHECK_REPORT = "check_report"
    APPROVE_REPORT = "approve_report"
    RECORD_ACTION_OUTCOME = "record_action_outcome"
    VIEW_QUALITY_DASHBOARD = "view_quality_dashboard"
    # Progression card activity (seed 004): group work in a channel, a group chat or a 1:1 chat.
    TAKE_PART_IN_CARDS = "take_part_in_cards"
    FACILITATE_CARDS = "facilitate_cards"
    ADD_TO_DECK = "add_to_deck"
    UPDATE_CARD_ACTION = "update_card_action"
    # Support programmes (seed 000): what only the tutor's AP, or the head of T&L, may do.
    RUN_PROGRAMME = "run_programme"
    ANSWER_REFERRAL = "answer_referral"
    READ_SUPPORT_REPORT = "read_support_report"
    REVIEW_SUPPORT_CASE = "review_support_case"
    MANAGE_PRACTITIONERS = "manage_practitioners"
    # Annual observations (OTLA): the lifecycle's other owners.
    AGREE_OBSERVATION_DATE = "agree_observation_date"
    CONFIRM_OBSERVATION_PLANNED = "confirm_observation_planned"
    WRITE_REPORT = "write_report"
    ACKNOWLEDGE_REPORT = "acknowledge_report"
    READ_OBSERVATION_PLAN = "read_observation_plan"
    SHARE_OBSERVATION_DOCUMENTS = "share_observation_documents"
    READ_OBSERVATION_DOCUMENTS = "read_observation_documents"
    ALLOCATE_LIL = "allocate_lil"
    PICK_LIL_COURSE = "pick_lil_course"
    MANAGE_INDUCTION = "manage_induction"
    EDIT_WALK = "edit_walk"
    VIEW_WALK_COMPLETION = "view_walk_completion"
    # The themes picture (issue 16): counts over records, each one's readers respected.
    VIEW_THEMES = "view_themes"
    EDIT_THEME_MAP = "edit_theme_map"
    # Reminders and proactive messages.
    VIEW_UNDELIVERED = "view_undelivered"
    # People's data (UK GDPR): subject access export and erasure, by org admins only. The access
    # log has no permission: its owner reads it, and nobody else, by construction.
    MANAGE_PEOPLE_DATA = "manage_people_data"
    # Mentoring and guided coaching (seed 003): the mentee is `tutor_id`, the mentor
    # `practitioner_id`; a coaching conversation's owner is `tutor_id`.
    READ_MENTORING = "read_mentoring"
    WRITE_MENTORING = "write_mentoring"
    SEE_MENTORING_EXISTS = "see_mentoring_exists"
    READ_COACHING = "read_coaching"
    SUGGEST_MENTORS = "suggest_mentors"


@dataclass(frozen=True)
class Actor:
    """The person asking, with the roles they hold in their organisation."""

    person_id: int
    org_id: str
    roles: frozenset[Role] = frozenset()

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def in_quality_team(self) -> bool:
        return bool(self.roles & QUALITY_TEAM)


@dataclass(frozen=True)
class Subject:
    """Facts about the record being read or written; only what the rules need.

    `tutor_id` is whose record it is; `author_id` who wrote it; `line_manager_ids` the tutor's
    line managers; `practitioner_id` the tutor's AP; `channel_readers` people who read the channel
    store it was saved in; `approved` whether a report has been approved; `shared_with` people the
    tutor chose to share a developmental record with; `open_to_line_manager` records the programme
    sends openly to the line manager (support-to-good 2-weekly updates); `closed` a record that
    takes no more writes (an ended mentoring relationship); `conflicted_ids` people in one
    management line with the tutor (above them in the tutor list, or below), who may not be
    their AP however they came to be (a new tutor list after the match).
    """

    org_id: str
    tutor_id: int | None = None
    author_id: int | None = None
    line_manager_ids: frozenset[int] = frozenset()
    practitioner_id: int | None = None
    observer_id: int | None = None
    channel_readers: frozenset[int] = frozenset()
    approved: bool = False
    escalated: bool = False
    open_to_line_manager: bool = False
    shared_with: frozenset[int] = field(default_factory=frozenset)
    closed: bool = False
    conflicted_ids: frozenset[int] = frozenset()


def can(actor: Actor, permission: Permission, subject: Subject | None = None) -> bool:
    """Decide one read or write. Organisation boundaries come first, always."""
    if subject is not None and subject.org_id != actor.org_id:
        return False
    rule = _RULES[permission]
    return rule(actor, subject)


def _is(subject: Subject | None, person_id: int, *attrs: str) -> bool:
    return subject is not None and any(getattr(subject, a) == person_id for a in attrs)


def _admin(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.ORG_ADMIN)


def _admin_or_quality(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.ORG_ADMIN) or actor.in_quality_team


def _their_ap(actor: Actor, s: Subject) -> bool:
    # The tutor's AP, while they still hold the role: a revoked AP loses access at once (and
    # one whose programme was passed on is no longer its practitioner_id). Nor an AP who has
    # come into one management line with the tutor since the match (SPEC principle 5).
    return (
        actor.person_id == s.practitioner_id
        and actor.has(Role.ADVANCED_PRACTITIONER)
        and actor.person_id not in s.conflicted_ids
    )


def _read_developmental(actor: Actor, s: Subject | None) -> bool:
    # Only the tutor, their AP, whoever the tutor shared with, and the head of T&L while a
    # week-12 review is open (`escalated`: from the escalation until the review is recorded).
    # Line managers and quality staff never, by role alone.
    if s is None:
        return False
    if actor.person_id == s.tutor_id or _their_ap(actor, s) or actor.person_id in s.shared_with:
        return True
    return s.escalated and _free_head(actor, s)


def _free_head(actor: Actor, s: Subject) -> bool:
    # A head of T&L, but not one in one management line with the tutor (their line manager,
    # above them, or below): holding the head's role too does not lift the line manager's bar
    # on the developmental record (SPEC principles 1 and 5, no conflicts).
    return (
        actor.has(Role.HEAD_OF_TL)
        and actor.person_id not in s.conflicted_ids
        and actor.person_id not in s.line_manager_ids
    )


def _write_developmental(actor: Actor, s: Subject | None) -> bool:
    return s is not None and (actor.person_id == s.tutor_id or _their_ap(actor, s))


def _caseload_counts(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.HEAD_OF_TL, Role.ADVANCED_PRACTITIONER)


def _programme_update(actor: Actor, s: Subject | None) -> bool:
    if _read_developmental(actor, s):
        return True
    return s is not None and s.open_to_line_manager and actor.person_id in s.line_manager_ids


def _plan_walks(actor: Actor, _: Subject | None) -> bool:
    return actor.in_quality_team or actor.has(Role.LINE_MANAGER)


def _record_walk(actor: Actor, _: Subject | None) -> bool:
    return actor.in_quality_team or actor.has(
        Role.LINE_MANAGER, Role.OBSERVER, Role.ADVANCED_PRACTITIONER
    )


def _read_walk(actor: Actor, s: Subject | None) -> bool:
    if s is None:
        return False
    if _is(s, actor.person_id, "author_id", "tutor_id") or actor.in_quality_team:
        # The whole quality team reads the walk itself: completion, summaries, the provider
        # return (SPEC section 1, "quality team views"). Not its concern note: see below.
        return True
    return actor.person_id in s.channel_readers or actor.person_id in s.line_manager_ids


def _read_walk_concern(actor: Actor, s: Subject | None) -> bool:
    # The concern note is for the manager's 1:1, never for the tutor (seed 002). Beside the
    # author and the tutor's line managers, only the readers of the channel it was saved in:
    # the team's managers and the quality staff who are members of that team (SPEC section 1),
    # never the whole quality team by role alone.
    if s is None or actor.person_id == s.tutor_id:
        return False
    return (
        actor.person_id == s.author_id
        or actor.person_id in s.line_manager_ids
        or actor.person_id in s.channel_readers
    )


def _edit_walk(actor: Actor, s: Subject | None) -> bool:
    # Only the author changes an HA27 (a draft or a saved one).
    return _is(s, actor.person_id, "author_id")


def _walk_completion(actor: Actor, _: Subject | None) -> bool:
    return actor.in_quality_team or actor.has(Role.LINE_MANAGER)


def _allocate(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.QUALITY_COORDINATOR)


def _the_observer(actor: Actor, s: Subject | None) -> bool:
    # The allocated observer, while they hold the observer role: an admin's revoke ends their
    # access to every observation not yet approved (SPEC principle 5); an approved report they
    # wrote stays readable to them.
    return (
        s is not None
        and actor.person_id == s.observer_id
        and (s.approved or actor.has(Role.OBSERVER))
    )


def _read_observation(actor: Actor, s: Subject | None) -> bool:
    if s is None:
        return False
    if _the_observer(actor, s) or actor.in_quality_team:
        return True
    if not s.approved:
        return False
    return actor.person_id == s.tutor_id or actor.person_id in s.line_manager_ids


def _read_stage(actor: Actor, s: Subject | None) -> bool:
    # How far an observation has gone between the planned date and approval (observed, report
    # in, returned for correction, checked, late) is the observer's, the quality team's and the
    # tutor's own business. A line manager or team manager learns no more than that it is
    # planned until the report is approved (seed 002, step 10: it goes to them then).
    if s is None:
        return False
    return _read_observation(actor, s) or actor.person_id == s.tutor_id


def _not_their_own(actor: Actor, s: Subject | None) -> bool:
    # Nobody quality-assures a report they wrote (seed 002, step 10: the officer checks it,
    # the coordinator approves it): an observer who also holds either role leaves that step
    # on their own report to a colleague.
    return s is None or s.observer_id is None or actor.person_id != s.observer_id


def _check(actor: Actor, s: Subject | None) -> bool:
    return actor.has(Role.DEVELOPMENT_OFFICER) and _not_their_own(actor, s)


def _approve(actor: Actor, s: Subject | None) -> bool:
    return actor.has(Role.DEVELOPMENT_COORDINATOR) and _not_their_own(actor, s)


def _action_outcome(actor: Actor, s: Subject | None) -> bool:
    return s is not None and actor.person_id in s.line_manager_ids


def _quality_dashboard(actor: Actor, _: Subject | None) -> bool:
    return actor.in_quality_team


def _take_part_in_cards(actor: Actor, s: Subject | None) -> bool:
    # A session belongs to the group that runs it: its facilitator (author) and the people in
    # the place where it runs (channel_readers). Not the org's managers or quality team by role.
    return s is not None and (
        actor.person_id == s.author_id or actor.person_id in s.channel_readers
    )


def _facilitate_cards(actor: Actor, s: Subject | None) -> bool:
    # Running a session (start, pause, resume, finish, reopen, its schedule): the facilitator
    # who started it, or an org admin. One whose facilitator has left the group has none
    # (`author_id` None): anyone still in the group may run it, and takes it over.
    if s is None:
        return False
    if actor.person_id == s.author_id or actor.has(Role.ORG_ADMIN):
        return True
    return s.author_id is None and actor.person_id in s.channel_readers


def _add_to_deck(actor: Actor, s: Subject | None) -> bool:
    # An organisation's own issues and lead questions: an org admin, or a session's facilitator.
    return actor.has(Role.ORG_ADMIN) or (s is not None and actor.person_id == s.author_id)


def _update_card_action(actor: Actor, s: Subject | None) -> bool:
    # An agreed action: its owner (tutor_id) or the facilitator of the session that agreed it.
    return s is not None and actor.person_id in (s.tutor_id, s.author_id)


def _run_programme(actor: Actor, s: Subject | None) -> bool:
    # Sessions, extensions and sign-off are the tutor's AP's to record; nobody else's.
    return s is not None and _their_ap(actor, s)


def _support_report(actor: Actor, s: Subject | None) -> bool:
    # The AP's monthly written report goes to the head of T&L (seed 000); the tutor it is about
    # is sent it too (issue 12). Line managers and quality staff never: nor a head of T&L who
    # is the tutor's line manager.
    if s is None:
        return False
    return actor.person_id == s.tutor_id or _their_ap(actor, s) or _free_head(actor, s)


def _review_case(actor: Actor, s: Subject | None) -> bool:
    return s is not None and s.escalated and _free_head(actor, s)


def _manage_practitioners(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.HEAD_OF_TL, Role.ORG_ADMIN)


def _agree_date(actor: Actor, s: Subject | None) -> bool:
    # The observer and the tutor agree the class and date between them (seed 002, step 3).
    return _is(s, actor.person_id, "tutor_id") or _the_observer(actor, s)


def _confirm_planned(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.DEVELOPMENT_OFFICER)


def _write_report(actor: Actor, s: Subject | None) -> bool:
    return _the_observer(actor, s)


def _acknowledge(actor: Actor, s: Subject | None) -> bool:
    return s is not None and s.approved and actor.person_id == s.tutor_id


def _read_plan(actor: Actor, s: Subject | None) -> bool:
    # When and what: the observer, the tutor, their line manager (who gets the 1-week reminder)
    # and the quality team. Not the report: that is READ_OBSERVATION.
    if s is None:
        return False
    if _is(s, actor.person_id, "tutor_id") or _the_observer(actor, s) or actor.in_quality_team:
        return True
    return actor.person_id in s.line_manager_ids


def _share_documents(actor: Actor, s: Subject | None) -> bool:
    return _is(s, actor.person_id, "tutor_id")


def _read_documents(actor: Actor, s: Subject | None) -> bool:
    # The tutor's planning and tracking documents are for the observer to review beforehand.
    return (
        _is(s, actor.person_id, "tutor_id")
        or _the_observer(actor, s)
        or (s is not None and actor.in_quality_team)
    )


def _allocate_lil(actor: Actor, _: Subject | None) -> bool:
    # Learning in Libraries: the development coordinator gives each observer a number of tutors.
    return actor.has(Role.QUALITY_COORDINATOR, Role.DEVELOPMENT_COORDINATOR)


def _pick_lil_course(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.OBSERVER) or actor.in_quality_team


def _manage_induction(actor: Actor, s: Subject | None) -> bool:
    if actor.in_quality_team:
        return True
    return s is not None and actor.person_id in s.line_manager_ids


def _read_mentoring(actor: Actor, s: Subject | None) -> bool:
    # The mentee and the mentor, and nobody else: not the line manager, not quality, not the
    # head of T&L, not an org admin (seed 003: mentoring stays apart from management). A review
    # report reaches the people the mentee agreed to (`shared_with`) once the mentee has seen it.
    return _in_mentoring(actor, s) or (s is not None and actor.person_id in s.shared_with)


def _in_mentoring(actor: Actor, s: Subject | None) -> bool:
    # A mentor who has come into the mentee's management chain since (a new tutor list made
    # them the line manager) is no longer in it: the dual relationship seed 003 warns of.
    if s is None:
        return False
    if actor.person_id == s.tutor_id:
        return True
    return actor.person_id == s.practitioner_id and actor.person_id not in s.line_manager_ids


def _write_mentoring(actor: Actor, s: Subject | None) -> bool:
    # The pair, while the relationship is open: once it has ended, nothing in it changes.
    return _in_mentoring(actor, s) and s is not None and not s.closed


def _mentoring_exists(actor: Actor, s: Subject | None) -> bool:
    # That a relationship exists (for capacity), never what is in it.
    if _in_mentoring(actor, s):
        return True
    if actor.in_quality_team or actor.has(Role.HEAD_OF_TL, Role.ORG_ADMIN):
        return True
    return s is not None and actor.person_id in s.line_manager_ids


def _read_coaching(actor: Actor, s: Subject | None) -> bool:
    # A person's own GROW / OSKAR notes; their coach or mentor only if they chose to share.
    return s is not None and (actor.person_id == s.tutor_id or actor.person_id in s.shared_with)


def _suggest_mentors(actor: Actor, _: Subject | None) -> bool:
    return actor.has(Role.HEAD_OF_TL, Role.DEVELOPMENT_COORDINATOR, Role.ORG_ADMIN)


_RULES = MappingProxyType(
    {
        Permission.MANAGE_ROLES: _admin,
        Permission.IMPORT_TUTORS: _admin_or_quality,
        Permission.MANAGE_SETTINGS: _admin,
        Permission.VIEW_PEOPLE: _admin_or_quality,
        Permission.READ_DEVELOPMENTAL: _read_developmental,
        Permission.WRITE_DEVELOPMENTAL: _write_developmental,
        Permission.READ_CASELOAD_COUNTS: _caseload_counts,
        Permission.READ_PROGRAMME_UPDATE: _programme_update,
        Permission.PLAN_WALKS: _plan_walks,
        Permission.RECORD_WALK: _record_walk,
        Permission.READ_WALK: _read_walk,
        Permission.READ_WALK_CONCERN: _read_walk_concern,
        Permission.ALLOCATE_OBSERVER: _allocate,
        Permission.READ_OBSERVATION: _read_observation,
        Permission.READ_OBSERVATION_STAGE: _read_stage,
        Permission.CHECK_REPORT: _check,
        Permission.APPROVE_REPORT: _approve,
        Permission.RECORD_ACTION_OUTCOME: _action_outcome,
        Permission.VIEW_QUALITY_DASHBOARD: _quality_dashboard,
        Permission.TAKE_PART_IN_CARDS: _take_part_in_cards,
        Permission.FACILITATE_CARDS: _facilitate_cards,
        Permission.ADD_TO_DECK: _add_to_deck,
        Permission.UPDATE_CARD_ACTION: _update_card_action,
        Permission.RUN_PROGRAMME: _run_programme,
        Permission.ANSWER_REFERRAL: _run_programme,
        Permission.READ_SUPPORT_REPORT: _support_report,
        Permission.REVIEW_SUPPORT_CASE: _review_case,
        Permission.MANAGE_PRACTITIONERS: _manage_practitioners,
        Permission.AGREE_OBSERVATION_DATE: _agree_date,
        Permission.CONFIRM_OBSERVATION_PLANNED: _confirm_planned,
        Permission.WRITE_REPORT: _write_report,
        Permission.ACKNOWLEDGE_REPORT: _acknowledge,
        Permission.READ_OBSERVATION_PLAN: _read_plan,
        Permission.SHARE_OBSERVATION_DOCUMENTS: _share_documents,
        Permission.READ_OBSERVATION_DOCUMENTS: _read_documents,
        Permission.ALLOCATE_LIL: _allocate_lil,
        Permission.PICK_LIL_COURSE: _pick_lil_course,
        Permission.MANAGE_INDUCTION: _manage_induction,
        Permission.EDIT_WALK: _edit_walk,
        Permission.VIEW_WALK_COMPLETION: _walk_completion,
        Permission.VIEW_THEMES: _walk_completion,
        Permission.EDIT_THEME_MAP: _admin_or_quality,
        Permission.VIEW_UNDELIVERED: _admin,
        Permission.MANAGE_PEOPLE_DATA: _admin,
        Permission.READ_MENTORING: _read_mentoring,
        Permission.WRITE_MENTORING: _write_mentoring,
        Permission.SEE_MENTORING_EXISTS: _mentoring_exists,
        Permission.READ_COACHING: _read_coaching,
        Permission.SUGGEST_MENTORS: _suggest_mentors,
    }
)
