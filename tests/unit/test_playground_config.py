"""The Agents Playground config shipped for `./dev playground`: the bot is called TLC there, as
the README and the bot's hints say, and the Playground accepts the file (exactly five users)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tests" / "e2e" / "playground.json"


def test_the_shipped_playground_config_names_the_bot_tlc() -> None:
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["bot"]["name"] == "TLC"
    assert len(config["users"]) == 5  # the Playground insists on exactly five
    emails = [u["email"] for u in [config["currentUser"], *config["users"]]]
    assert len(set(emails)) == 6 and all("@" in e for e in emails)


def test_dev_playground_uses_it_and_the_readme_says_how_to_load_tutors() -> None:
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert "M365_AGENTS_PLAYGROUND_CONFIG_PATH" in dev and "playground.json" in dev
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    assert f"TLC_ADMINS={config['currentUser']['email']}" in readme
    assert "Use this team's members" in readme and "admin import" in readme
    assert "@TLC" in readme
