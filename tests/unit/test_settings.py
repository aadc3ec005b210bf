"""Settings come from the environment; a bad one stops start-up with one line that names it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings
from storage.db import POOL_SIZE, Database


def test_defaults_are_local_mode_on_a_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MicrosoftAppId", "MicrosoftAppPassword", "DATABASE_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.local_mode
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.port == 3978


def test_the_pool_size_is_a_setting_that_reaches_the_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Several instances on one PostgreSQL server share its max_connections: each instance's
    pool (kept and most opened) is `TLC_DB_POOL_SIZE`, 40 unless set."""
    monkeypatch.delenv("TLC_DB_POOL_SIZE", raising=False)
    assert load_settings().db_pool_size == POOL_SIZE == 40
    monkeypatch.setenv("TLC_DB_POOL_SIZE", "12")
    settings = load_settings()
    assert settings.db_pool_size == 12
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/pool.db", pool_size=settings.db_pool_size)
    pool = db.engine.sync_engine.pool
    assert (pool.size(), pool._max_overflow) == (12, 0)  # type: ignore[attr-defined]


def test_bot_framework_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("MicrosoftAppPassword", "secret")
    monkeypatch.setenv("MicrosoftAppType", "SingleTenant")
    monkeypatch.setenv("MicrosoftAppTenantId", "tenant-x")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/test")
    settings = load_settings()
    assert not settings.local_mode
    assert settings.app_tenant_id == "tenant-x"
    assert settings.database_url.startswith("postgresql+asyncpg://")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"),
        ({"MicrosoftAppType": "Bogus"}, "MicrosoftAppType"),
        ({"MicrosoftAppId": "x"}, "MicrosoftAppPassword"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert named in message
    assert "\n" not in message


def test_start_up_stops_with_the_line_and_no_traceback(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "start"],
        env={"PORT": "not-a-port", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Bad setting PORT")
    assert "Traceback" not in result.stderr
