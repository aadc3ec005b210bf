"""Who may see (and retry) undelivered messages: org admins only, as a matrix over roles."""

from __future__ import annotations

import pytest

from bot.domain.access import Actor, Permission, Role, can


@pytest.mark.parametrize("role", list(Role))
def test_only_org_admins_see_undelivered_messages(role: Role) -> None:
    actor = Actor(person_id=1, org_id="tenant-1", roles=frozenset({role}))
    assert can(actor, Permission.VIEW_UNDELIVERED) is (role is Role.ORG_ADMIN)


def test_nobody_without_a_role_sees_them() -> None:
    assert not can(Actor(person_id=1, org_id="tenant-1"), Permission.VIEW_UNDELIVERED)
