"""Confidentiality of support records as a matrix: every record kind against every role.

Self-referrals, session notes, self-ratings and reflections: the tutor and their AP only (the
head of T&L too once the case is escalated at week 12). Line managers: only the support-to-good
2-weekly updates. Quality roles: nothing.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.access import Actor, Permission, Role, Subject, can

ORG = "org-1"
ACTORS: dict[str, Actor] = {
    "tutor": Actor(1, ORG, frozenset({Role.TUTOR})),
    "their AP": Actor(2, ORG, frozenset({Role.ADVANCED_PRACTITIONER, Role.TUTOR})),
    "other AP": Actor(3, ORG, frozenset({Role.ADVANCED_PRACTITIONER})),
    "line manager": Actor(4, ORG, frozenset({Role.LINE_MANAGER})),
    "head of T&L": Actor(5, ORG, frozenset({Role.HEAD_OF_TL})),
    "quality coordinator": Actor(6, ORG, frozenset({Role.QUALITY_COORDINATOR})),
    "development officer": Actor(7, ORG, frozenset({Role.DEVELOPMENT_OFFICER})),
    "development coordinator": Actor(8, ORG, frozenset({Role.DEVELOPMENT_COORDINATOR})),
    "org admin": Actor(9, ORG, frozenset({Role.ORG_ADMIN})),
    "another tutor": Actor(10, ORG, frozenset({Role.TUTOR})),
    "their AP, other org": Actor(2, "org-2", frozenset({Role.ADVANCED_PRACTITIONER})),
    "their AP, role revoked": Actor(2, ORG, frozenset({Role.TUTOR})),
}

PROGRAMME = Subject(ORG, tutor_id=1, practitioner_id=2, line_manager_ids=frozenset({4}))
ESCALATED = replace(PROGRAMME, escalated=True)
UPDATE = replace(PROGRAMME, open_to_line_manager=True)  # a support-to-good 2-weekly update
TUTOR_AND_AP = {"tutor", "their AP"}

# (what is being done, permission, subject) -> who may
MATRIX: dict[tuple[str, Permission, Subject | None], set[str]] = {
    (
        "read a self-referral / session notes / self-rating / reflection",
        Permission.READ_DEVELOPMENTAL,
        PROGRAMME,
    ): TUTOR_AND_AP,
    (
        "read them once the case is escalated at week 12",
        Permission.READ_DEVELOPMENTAL,
        ESCALATED,
    ): TUTOR_AND_AP | {"head of T&L"},
    ("write a reflection or self-rating", Permission.WRITE_DEVELOPMENTAL, PROGRAMME): TUTOR_AND_AP,
    ("log a session, extend, sign off", Permission.RUN_PROGRAMME, PROGRAMME): {"their AP"},
    ("answer a referral offered to them", Permission.ANSWER_REFERRAL, PROGRAMME): {"their AP"},
    (
        "read a support-to-good 2-weekly update",
        Permission.READ_PROGRAMME_UPDATE,
        UPDATE,
    ): TUTOR_AND_AP | {"line manager"},
    (
        "read any other programme record as an update",
        Permission.READ_PROGRAMME_UPDATE,
        PROGRAMME,
    ): TUTOR_AND_AP,
    ("read the AP's monthly report", Permission.READ_SUPPORT_REPORT, PROGRAMME): TUTOR_AND_AP
    | {"head of T&L"},
    ("review the case at week 12", Permission.REVIEW_SUPPORT_CASE, ESCALATED): {"head of T&L"},
    ("review a case that was not escalated", Permission.REVIEW_SUPPORT_CASE, PROGRAMME): set(),
    ("see caseload counts", Permission.READ_CASELOAD_COUNTS, None): {
        "head of T&L",
        "their AP",
        "other AP",
        "their AP, other org",
    },
    ("set AP capacity", Permission.MANAGE_PRACTITIONERS, None): {"head of T&L", "org admin"},
}

CASES = [
    pytest.param(actor, permission, subject, actor in allowed, id=f"{what} | {actor}")
    for (what, permission, subject), allowed in MATRIX.items()
    for actor in ACTORS
]


@pytest.mark.parametrize(("actor", "permission", "subject", "expected"), CASES)
def test_support_confidentiality_matrix(
    actor: str, permission: Permission, subject: Subject | None, expected: bool
) -> None:
    assert can(ACTORS[actor], permission, subject) is expected


def test_quality_roles_see_nothing_of_support() -> None:
    quality = [
        ACTORS[a] for a in ("quality coordinator", "development officer", "development coordinator")
    ]
    for (_, permission, subject), _allowed in MATRIX.items():
        for actor in quality:
            assert not can(actor, permission, subject)


def test_an_ap_in_one_management_line_with_the_tutor_is_not_their_ap() -> None:
    """A new tutor list can put the AP above the tutor (or below) after the match: from then on
    they read, write and run nothing of the programme, and the tutor keeps their own."""
    conflicted = replace(PROGRAMME, conflicted_ids=frozenset({2}))
    for permission in (
        Permission.READ_DEVELOPMENTAL,
        Permission.WRITE_DEVELOPMENTAL,
        Permission.RUN_PROGRAMME,
        Permission.READ_SUPPORT_REPORT,
        Permission.READ_PROGRAMME_UPDATE,
    ):
        assert can(ACTORS["their AP"], permission, PROGRAMME), permission
        assert not can(ACTORS["their AP"], permission, conflicted), permission
        assert can(ACTORS["tutor"], permission, conflicted) is (
            permission != Permission.RUN_PROGRAMME
        ), permission
