"""Fixtures shared by integration test modules (no test module imports another)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.teams import TeamsClient
from tests.support.turn_kinds import turn_kinds


@pytest.fixture
async def kinds(teams: TeamsClient) -> dict[str, Any]:
    """The turns benchmark's set-up; each kind's turn, to run and count."""
    return await turn_kinds(teams)
