"""The one permission function, tested as a matrix of who asks × what × whose record."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.access import Actor, Permission, Role, Subject, can

ORG = "org-1"
TUTOR, AP, MANAGER, OTHER_MANAGER, OTHER_TUTOR, QC, DO, DC, HEAD, ADMIN, OBSERVER = range(1, 12)

CAST: dict[str, Actor] = {
    "tutor": Actor(TUTOR, ORG, frozenset({Role.TUTOR})),
    "their AP": Actor(AP, ORG, frozenset({Role.ADVANCED_PRACTITIONER})),
    "their line manager": Actor(MANAGER, ORG, frozenset({Role.LINE_MANAGER})),
    "another manager": Actor(OTHER_MANAGER, ORG, frozenset({Role.LINE_MANAGER})),
    "another tutor": Actor(OTHER_TUTOR, ORG, frozenset({Role.TUTOR})),
    "quality coordinator": Actor(QC, ORG, frozenset({Role.QUALITY_COORDINATOR})),
    "development officer": Actor(DO, ORG, frozenset({Role.DEVELOPMENT_OFFICER})),
    "development coordinator": Actor(DC, ORG, frozenset({Role.DEVELOPMENT_COORDINATOR})),
    "head of T&L": Actor(HEAD, ORG, frozenset({Role.HEAD_OF_TL})),
    "org admin": Actor(ADMIN, ORG, frozenset({Role.ORG_ADMIN})),
    "observer": Actor(OBSERVER, ORG, frozenset({Role.OBSERVER})),
}

REFERRAL = Subject(ORG, tutor_id=TUTOR, practitioner_id=AP, line_manager_ids=frozenset({MANAGER}))
ESCALATED = replace(REFERRAL, escalated=True)
UPDATE = replace(REFERRAL, open_to_line_manager=True)
REPORT_DRAFT = Subject(
    ORG, tutor_id=TUTOR, observer_id=OBSERVER, line_manager_ids=frozenset({MANAGER})
)
REPORT_APPROVED = replace(REPORT_DRAFT, approved=True)
# Mentoring (seed 003): the mentee is `tutor_id`, the mentor `practitioner_id` (here "their AP"
# stands for the mentor); a review report reaches the recipients the mentee agreed to.
MENTORING = Subject(ORG, tutor_id=TUTOR, practitioner_id=AP, line_manager_ids=frozenset({MANAGER}))
MENTORING_REPORT = replace(MENTORING, shared_with=frozenset({OTHER_TUTOR}))
# A learning walk saved in a channel whose team has the quality coordinator as a member (and
# neither the development officer nor the development coordinator).
WALK = Subject(
    ORG,
    tutor_id=TUTOR,
    author_id=OBSERVER,
    line_manager_ids=frozenset({MANAGER}),
    channel_readers=frozenset({QC}),
)
COACHING = Subject(ORG, tutor_id=TUTOR, line_manager_ids=frozenset({MANAGER}))
COACHING_SHARED = Subject(ORG, tutor_id=TUTOR, shared_with=frozenset({AP}))

# The quality team: who reads observations and walks, and edits the themes, by role.
QUALITY_TEAM = {"quality coordinator", "development officer", "development coordinator"}

# (permission, subject) -> who may; everyone else in CAST may not.
MATRIX: list[tuple[Permission, Subject | None, set[str]]] = [
    (Permission.MANAGE_ROLES, None, {"org admin"}),
    (Permission.IMPORT_TUTORS, None, {"org admin", *QUALITY_TEAM}),
    (Permission.READ_DEVELOPMENTAL, REFERRAL, {"tutor", "their AP"}),
    (Permission.READ_DEVELOPMENTAL, ESCALATED, {"tutor", "their AP", "head of T&L"}),
    (Permission.WRITE_DEVELOPMENTAL, REFERRAL, {"tutor", "their AP"}),
    (Permission.READ_PROGRAMME_UPDATE, UPDATE, {"tutor", "their AP", "their line manager"}),
    (Permission.READ_PROGRAMME_UPDATE, REFERRAL, {"tutor", "their AP"}),
    (Permission.READ_CASELOAD_COUNTS, None, {"head of T&L", "their AP"}),
    (Permission.READ_OBSERVATION, REPORT_DRAFT, {"observer", *QUALITY_TEAM}),
    (
        Permission.READ_OBSERVATION,
        REPORT_APPROVED,
        {
            "observer",
            *QUALITY_TEAM,
            "tutor",
            "their line manager",
        },
    ),
    (Permission.ALLOCATE_OBSERVER, None, {"quality coordinator"}),
    (Permission.CHECK_REPORT, None, {"development officer"}),
    (Permission.APPROVE_REPORT, None, {"development coordinator"}),
    (Permission.READ_WALK, WALK, {"tutor", "observer", "their line manager", *QUALITY_TEAM}),
    # The concern note: the author, the line manager and the channel's quality readers only.
    (Permission.READ_WALK_CONCERN, WALK, {"observer", "their line manager", "quality coordinator"}),
    # The themes picture: what each record's readers may see of it is decided record by record.
    (Permission.VIEW_THEMES, None, {"their line manager", "another manager", *QUALITY_TEAM}),
    (Permission.EDIT_THEME_MAP, None, {*QUALITY_TEAM, "org admin"}),
    # Mentoring and coaching records: the people in the relationship only.
    (Permission.READ_MENTORING, MENTORING, {"tutor", "their AP"}),
    (Permission.READ_MENTORING, MENTORING_REPORT, {"tutor", "their AP", "another tutor"}),
    (Permission.WRITE_MENTORING, MENTORING_REPORT, {"tutor", "their AP"}),
    (
        Permission.SEE_MENTORING_EXISTS,
        MENTORING,
        {
            "tutor",
            "their AP",
            "their line manager",
            *QUALITY_TEAM,
            "head of T&L",
            "org admin",
        },
    ),
    (Permission.READ_COACHING, COACHING, {"tutor"}),
    (Permission.READ_COACHING, COACHING_SHARED, {"tutor", "their AP"}),
    (Permission.SUGGEST_MENTORS, None, {"head of T&L", "development coordinator", "org admin"}),
]


@pytest.mark.parametrize(("permission", "subject", "allowed"), MATRIX)
def test_permission_matrix(
    permission: Permission, subject: Subject | None, allowed: set[str]
) -> None:
    verdicts = {name: can(actor, permission, subject) for name, actor in CAST.items()}
    assert {name for name, ok in verdicts.items() if ok} == allowed


def test_nobody_reads_across_organisations() -> None:
    foreign = Subject("org-2", tutor_id=TUTOR, practitioner_id=AP)
    assert not any(can(a, Permission.READ_DEVELOPMENTAL, foreign) for a in CAST.values())


def test_quality_roles_never_see_developmental_records_by_role() -> None:
    strong = Actor(99, ORG, frozenset(Role))  # every role at once, but not the tutor's AP
    assert not can(strong, Permission.READ_DEVELOPMENTAL, REFERRAL)


def test_every_permission_has_a_rule() -> None:
    for permission in Permission:
        can(CAST["tutor"], permission, REFERRAL)  # raises KeyError if a rule is missing


def test_an_observer_without_the_observer_role_keeps_only_approved_reports() -> None:
    """A revoked observer (still `observer_id` on the record) reads, dates and writes nothing
    not yet approved; the approved report they wrote stays readable to them."""
    revoked = Actor(OBSERVER, ORG, frozenset())
    for permission in (
        Permission.READ_OBSERVATION,
        Permission.WRITE_REPORT,
        Permission.AGREE_OBSERVATION_DATE,
        Permission.READ_OBSERVATION_PLAN,
        Permission.READ_OBSERVATION_DOCUMENTS,
    ):
        assert not can(revoked, permission, REPORT_DRAFT), permission
    assert can(revoked, Permission.READ_OBSERVATION, REPORT_APPROVED)
