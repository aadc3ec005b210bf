"""Settings from environment variables, with the Bot Framework's own names for its credentials."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./tlc.db"


def _tlc(name: str, default: Any, **rules: Any) -> Any:
    """A TLC setting: from the environment variable TLC_<NAME>, or given by its own name."""
    return Field(default, validation_alias=AliasChoices(f"TLC_{name.upper()}", name), **rules)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_id: str = Field(default="", validation_alias=AliasChoices("MicrosoftAppId", "app_id"))
    app_password: str = Field(
        default="", validation_alias=AliasChoices("MicrosoftAppPassword", "app_password")
    )
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        default="MultiTenant", validation_alias=AliasChoices("MicrosoftAppType", "app_type")
    )
    app_tenant_id: str = Field(
        default="", validation_alias=AliasChoices("MicrosoftAppTenantId", "app_tenant_id")
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("HOST", "host"))
    port: int = Field(default=3978, ge=1, le=65535, validation_alias=AliasChoices("PORT", "port"))
    admins: str = _tlc(
        "admins",
        "",
        description="Comma-separated UPNs/emails who are org admins wherever they appear.",
    )
    run_worker: bool = _tlc("run_worker", True)
    db_pool_size: int = _tlc(
        "db_pool_size",
        40,
        ge=1,
        le=1000,
        description="Database connections one instance keeps (and the most it opens). On "
        "PostgreSQL, instances x this must stay under the server's max_connections.",
    )
    proactive_rate: float = _tlc(
        "proactive_rate",
        47.0,
        gt=0,
        le=50,
        description="Proactive requests per second per tenant, all workers together (Teams: 50).",
    )
    worker_slots: int = _tlc("worker_slots", 8, ge=1, le=32)
    worker_interval: float = _tlc("worker_interval", 15.0, gt=0)
    retention_days: int = _tlc(
        "retention_days",
        30,
        ge=1,
        le=3650,
        description="Days to keep stored retry replies and the bodies of sent proactive messages.",
    )
    # Where the bot reaches the Bot Framework's OpenID metadata; overridable for loopback tests.
    openid_metadata_url: str = _tlc("openid_metadata_url", "")

    login_url: str = _tlc("login_url", "https://login.microsoftonline.com")

    # Where an agreed OTLA date goes (docs/CALENDAR.md): "ics" offers each person a calendar
    # file (no set-up); "graph" writes the event to the organiser's Microsoft 365 calendar.
    calendar: Literal["ics", "graph"] = _tlc("calendar", "ics")
    graph_url: str = _tlc("graph_url", "https://graph.microsoft.com/v1.0")
    graph_client_id: str = _tlc("graph_client_id", "")
    graph_client_secret: str = _tlc("graph_client_secret", "")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("app_password")
    @classmethod
    def _no_stray_whitespace(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _credentials_complete(self) -> Settings:
        if self.app_id and not self.app_password:
            raise ValueError("MicrosoftAppPassword is required when MicrosoftAppId is set")
        if self.app_type == "SingleTenant" and self.app_id and not self.app_tenant_id:
            raise ValueError("MicrosoftAppTenantId is required for a SingleTenant app")
        if self.app_type == "UserAssignedMSI":
            raise ValueError("MicrosoftAppType UserAssignedMSI is not supported yet")
        return self

    @property
    def local_mode(self) -> bool:
        """No app id: accept unauthenticated requests (Agents Playground, Emulator)."""
        return not self.app_id

    def exposed_warning(self) -> str | None:
        """Local mode takes requests without a token: said aloud when it listens beyond this
        machine, where anyone who reaches the port could speak to the bot as anyone."""
        if not self.local_mode or _is_loopback(self.host):
            return None
        return (
            f"local mode (no MicrosoftAppId) accepts unauthenticated requests, and it is "
            f"listening on {self.host or 'every address'}, not only this machine. Anyone who "
            "can reach the port can act as any user. Set HOST=127.0.0.1, or set MicrosoftAppId."
        )

    @property
    def admin_emails(self) -> frozenset[str]:
        return frozenset(a.strip().lower() for a in self.admins.split(",") if a.strip())

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url.removeprefix(prefix))
        return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # "", "0.0.0.0"-like names, or a host name: not only this machine


class SettingsError(Exception):
    """A setting is wrong; the message is one line that names it."""


def load_settings() -> Settings:
    """Settings from the environment, or a `SettingsError` whose message is one line naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:
            raise SettingsError(f"Bad settings: {message}") from exc
        raise SettingsError(f"Bad setting {first['loc'][0]}: {message}") from exc
