"""The PostgreSQL rule for tests: fail in CI when it is missing, skip on a laptop."""

from __future__ import annotations

import pytest

from tests.support.databases import no_postgres


def test_missing_postgres_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL tests"):
        no_postgres("connection refused")


def test_missing_postgres_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is needed"):
        no_postgres("connection refused")
