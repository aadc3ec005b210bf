"""The Teams app package: manifest.json checked offline, the bot's app id put in, icons beside it.

`manifest/manifest.json` holds `${{MicrosoftAppId}}` where the app id goes. Its bot command lists
come from the router's table (what `help` lists, with each handler's summary); `tlc package`
writes them into the zip and `tlc package --update-manifest` into the committed file. The schema
is vendored in `manifest/schema/` so validation never needs the network.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft4Validator
from PIL import Image, UnidentifiedImageError

from bot.app.router import Router
from bot.app.turn import ConversationKind

PLACEHOLDER = "${{MicrosoftAppId}}"
MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifest"
SCHEMA_FILE = "schema/MicrosoftTeams.schema.json"
PACKAGE_NAME = "tlc-teams-app.zip"

# Teams' limits for a bot's command menu (stricter than the JSON schema's).
MAX_COMMANDS = 10
MAX_TITLE = 32
MAX_DESCRIPTION = 128

# Router scopes and the manifest's names for them, in the manifest's order.
SCOPES: tuple[tuple[ConversationKind, str], ...] = (
    ("personal", "personal"),
    ("channel", "team"),
    ("groupChat", "groupChat"),
)
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ICONS = MappingProxyType({"color": (192, 192), "outline": (32, 32)})


class ManifestError(Exception):
    """The package cannot be built; `problems` says why, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class CommandLists:
    lists: list[dict[str, Any]]
    dropped: dict[str, list[str]]  # manifest scope -> commands past Teams' limit of 10
    problems: list[str]


def command_lists(router: Router) -> CommandLists:
    """One list per distinct set of commands, in table order, at most 10 per scope."""
    problems: list[str] = []
    for command in router.listed():
        if len(command.word) > MAX_TITLE:
            problems.append(
                f"command {command.word!r} is longer than Teams' {MAX_TITLE} characters"
            )
        if not command.summary:
            problems.append(f"command {command.word!r} has no summary (its docstring's first line)")
        elif len(command.summary) > MAX_DESCRIPTION:
            problems.append(
                f"command {command.word!r}: its summary is {len(command.summary)} characters; "
                f"Teams allows {MAX_DESCRIPTION}"
            )
    grouped: dict[tuple[tuple[str, str], ...], list[str]] = {}
    dropped: dict[str, list[str]] = {}
    for kind, scope in SCOPES:
        listed = router.menu(kind)
        if len(listed) > MAX_COMMANDS:
            dropped[scope] = [c.word for c in listed[MAX_COMMANDS:]]
        key = tuple((c.word, c.summary) for c in listed[:MAX_COMMANDS])
        if key:
            grouped.setdefault(key, []).append(scope)
    lists = [
        {
            "scopes": scopes,
            "commands": [{"title": word, "description": summary} for word, summary in commands],
        }
        for commands, scopes in grouped.items()
    ]
    return CommandLists(lists, dropped, problems)


def load_template(manifest_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    path = manifest_dir / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError([f"{path}: not found"]) from exc
    except json.JSONDecodeError as exc:
        raise ManifestError([f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})"]) from exc
    if not isinstance(data, dict):
        raise ManifestError([f"{path}: the manifest must be a JSON object"])
    return data


def schema_problems(manifest: dict[str, Any], manifest_dir: Path = MANIFEST_DIR) -> list[str]:
    """Every way the manifest breaks the vendored Teams schema, as `where: what` lines."""
    schema = json.loads((manifest_dir / SCHEMA_FILE).read_text(encoding="utf-8"))
    validator = Draft4Validator(schema)
    found = []
    for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{where}: {error.message}")
    return found


def icon_problems(manifest: dict[str, Any], manifest_dir: Path = MANIFEST_DIR) -> list[str]:
    found: list[str] = []
    icons = manifest.get("icons") or {}
    for kind, size in ICONS.items():
        name = icons.get(kind)
        if not isinstance(name, str):
            continue  # the schema check reports it
        path = manifest_dir / name
        if not path.exists():
            found.append(f"icons/{kind}: {name} is missing")
            continue
        try:
            image = Image.open(path)
        except (OSError, UnidentifiedImageError):
            found.append(f"icons/{kind}: {name} is not an image")
            continue
        with image:
            if image.format != "PNG":
                found.append(f"icons/{kind}: {name} is {image.format}, not PNG")
            if image.size != size:
                found.append(
                    f"icons/{kind}: {name} is {image.size[0]}x{image.size[1]}, "
                    f"Teams needs {size[0]}x{size[1]}"
                )
            if kind == "outline":
                found.extend(_outline_problems(name, image.convert("RGBA")))
    return found


def _outline_problems(name: str, image: Image.Image) -> list[str]:
    data = image.tobytes()
    pixels = [(data[i], data[i + 1], data[i + 2], data[i + 3]) for i in range(0, len(data), 4)]
    if not any(a == 0 for *_, a in pixels):
        return [f"icons/outline: {name} has no transparent background"]
    coloured = [(r, g, b) for r, g, b, a in pixels if a > 0 and (r, g, b) != (255, 255, 255)]
    if coloured:
        return [f"icons/outline: {name} must be white on transparent ({len(coloured)} pixels not)"]
    return []


def with_app_id(manifest: dict[str, Any], app_id: str) -> dict[str, Any]:
    """The manifest with every `${{MicrosoftAppId}}` replaced by the app id."""
    text = json.dumps(manifest)
    return dict(json.loads(text.replace(PLACEHOLDER, app_id)))


def build(router: Router, app_id: str, manifest_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    """The manifest for this app id, with the router's command lists; ManifestError if invalid."""
    app_id = app_id.strip()
    if not app_id:
        raise ManifestError(
            ["no app id: set MicrosoftAppId (the Azure Bot's Microsoft App ID) or pass --app-id"]
        )
    if not GUID.match(app_id):
        raise ManifestError([f"app id {app_id!r} is not a GUID like 00000000-0000-0000-0000-…"])
    template = load_template(manifest_dir)
    commands = command_lists(router)
    manifest = with_app_id(template, app_id)
    for bot in manifest.get("bots") or []:
        if isinstance(bot, dict):
            bot["commandLists"] = commands.lists
    problems = [
        *commands.problems,
        *schema_problems(manifest, manifest_dir),
        *icon_problems(manifest, manifest_dir),
    ]
    for i, bot in enumerate(manifest.get("bots") or []):
        if isinstance(bot, dict) and bot.get("botId") != app_id:
            problems.append(
                f"bots/{i}/botId is {bot.get('botId')!r}, not the app id: write {PLACEHOLDER}"
            )
    if problems:
        raise ManifestError(problems)
    return manifest


def write_package(
    router: Router, app_id: str, out: Path, manifest_dir: Path = MANIFEST_DIR
) -> dict[str, Any]:
    """Validate, then write the zip Teams takes: manifest.json and the two icons at its root."""
    manifest = build(router, app_id, manifest_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for kind in ICONS:
            name = manifest["icons"][kind]
            zf.write(manifest_dir / name, arcname=name)
    return manifest


def update_template(router: Router, manifest_dir: Path = MANIFEST_DIR) -> bool:
    """Write the router's command lists into the committed manifest.json; True if it changed."""
    path = manifest_dir / "manifest.json"
    template = load_template(manifest_dir)
    lists = command_lists(router).lists
    changed = False
    for bot in template.get("bots") or []:
        if isinstance(bot, dict) and bot.get("commandLists") != lists:
            bot["commandLists"] = lists
            changed = True
    if changed:
        path.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed
