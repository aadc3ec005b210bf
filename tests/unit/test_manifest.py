"""The Teams app package: manifest valid against the vendored schema, app id in, icons right,
command lists the router's own."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.app.commands import build_router
from bot.app.router import Command, Router
from bot.app.turn import Reply
from bot.cli import main
from bot.teams.manifest import (
    MANIFEST_DIR,
    PLACEHOLDER,
    ManifestError,
    build,
    command_lists,
    icon_problems,
    load_template,
    schema_problems,
    write_package,
)

APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
TEAMS_SCOPES = {"personal", "team", "groupChat"}


def router() -> Router:
    return build_router()[0]


def expected_lists(r: Router) -> list[dict[str, object]]:
    """What the menu should hold, worked out independently: per Teams scope, the listed
    commands offered in that scope, in table order, with their docstring summaries; admin-only
    commands stay out of the one menu Teams shows everyone."""
    by_scope = {
        scope: [
            {"title": c.word, "description": c.summary}
            for c in r.listed(kind)  # type: ignore[arg-type]
            if not c.admin_only and (c.menu_scopes is None or kind in c.menu_scopes)
        ][:10]
        for kind, scope in (
            ("personal", "personal"),
            ("channel", "team"),
            ("groupChat", "groupChat"),
        )
    }
    return [{"scope": s, "commands": by_scope[s]} for s in sorted(by_scope)]


def flatten(lists: list[dict[str, object]]) -> list[dict[str, object]]:
    out = []
    for entry in lists:
        for scope in entry["scopes"]:
            out.append({"scope": scope, "commands": entry["commands"]})
    return sorted(out, key=lambda e: str(e["scope"]))


def unzip(path: Path) -> tuple[dict[str, object], dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(files["manifest.json"]), files


def test_the_manifest_is_on_a_current_schema_with_the_three_bot_scopes() -> None:
    template = load_template()
    major, minor = (int(x) for x in template["manifestVersion"].split("."))
    assert (major, minor) >= (1, 19)
    schema = json.loads((MANIFEST_DIR / "schema" / "MicrosoftTeams.schema.json").read_text())
    assert schema["properties"]["manifestVersion"]["const"] == template["manifestVersion"]
    assert f"/v{template['manifestVersion']}/" in template["$schema"]
    (bot,) = template["bots"]
    assert set(bot["scopes"]) == TEAMS_SCOPES
    assert bot["botId"] == PLACEHOLDER and template["id"] == PLACEHOLDER
    assert bot["supportsFiles"] is True  # the tutor list arrives as a CSV sent in chat


def test_the_committed_command_lists_match_the_router() -> None:
    committed = load_template()["bots"][0]["commandLists"]
    assert flatten(committed) == expected_lists(router()), (
        "manifest/manifest.json is out of date with the command table: "
        "run `./dev package --update-manifest` and commit it"
    )


def test_package_writes_a_zip_whose_manifest_validates_and_carries_the_app_id(
    tmp_path: Path,
) -> None:
    out = tmp_path / "build" / "tlc-teams-app.zip"
    write_package(router(), APP_ID, out)
    manifest, files = unzip(out)
    assert set(files) == {"manifest.json", "color.png", "outline.png"}
    assert schema_problems(manifest) == []
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert PLACEHOLDER not in files["manifest.json"].decode()
    assert flatten(manifest["bots"][0]["commandLists"]) == expected_lists(router())
    with Image.open(io.BytesIO(files["color.png"])) as color:
        assert color.size == (192, 192)
    with Image.open(io.BytesIO(files["outline.png"])) as outline:
        assert outline.size == (32, 32)


def test_the_menu_lists_help_with_its_docstring_summary(tmp_path: Path) -> None:
    manifest = build(router(), APP_ID)
    (bot,) = manifest["bots"]
    for entry in bot["commandLists"]:
        titles = {c["title"]: c["description"] for c in entry["commands"]}
        assert titles["help"] == "Show what I can do."
        for command in entry["commands"]:
            assert len(command["title"]) <= 32 and 0 < len(command["description"]) <= 128
        assert len(entry["commands"]) <= 10


def test_the_committed_icons_are_the_right_size_and_the_outline_is_white_on_transparent() -> None:
    with Image.open(MANIFEST_DIR / "color.png") as color:
        assert (color.format, color.size) == ("PNG", (192, 192))
    with Image.open(MANIFEST_DIR / "outline.png") as outline:
        assert (outline.format, outline.size) == ("PNG", (32, 32))
        data = outline.convert("RGBA").tobytes()
    pixels = [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]
    assert any(a == 0 for *_, a in pixels), "the outline needs a transparent background"
    assert any(a == 255 for *_, a in pixels), "the outline needs something to show"
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a > 0)
    assert icon_problems(load_template()) == []


def broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "manifest"
    shutil.copytree(MANIFEST_DIR, folder)
    return folder


def test_a_broken_manifest_is_reported_clearly(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["developer"]
    manifest["accentColor"] = "blue"
    manifest["bots"][0]["scopes"] = ["personal", "everywhere"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError) as caught:
        write_package(router(), APP_ID, tmp_path / "out.zip", folder)
    problems = caught.value.problems
    assert any("'developer' is a required property" in p for p in problems)
    assert any(p.startswith("accentColor:") for p in problems)
    assert any(p.startswith("bots/0/scopes/1:") and "everywhere" in p for p in problems)
    assert not (tmp_path / "out.zip").exists()


def test_bad_icons_are_reported(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path)
    Image.new("RGBA", (32, 32), (200, 30, 30, 255)).save(folder / "outline.png")
    Image.new("RGB", (100, 100), (0, 0, 0)).save(folder / "color.png")
    problems = icon_problems(load_template(folder), folder)
    assert "icons/color: color.png is 100x100, Teams needs 192x192" in problems
    assert "icons/outline: outline.png has no transparent background" in problems
    coloured = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    coloured.putpixel((3, 3), (255, 0, 0, 255))
    coloured.save(folder / "outline.png")
    assert any("white on transparent" in p for p in icon_problems(load_template(folder), folder))


def test_an_app_id_that_is_not_a_guid_is_refused() -> None:
    with pytest.raises(ManifestError) as caught:
        build(router(), "my-bot")
    assert "not a GUID" in caught.value.problems[0]


def make_handler(summary: str) -> Any:
    async def handler(_: object) -> Reply:
        return Reply.text("")

    handler.__doc__ = summary
    return handler


def test_teams_limits_ten_commands_per_scope_and_short_descriptions() -> None:
    r = Router()
    r.add(*(Command(f"cmd{i}", make_handler(f"Command number {i}.")) for i in range(12)))
    r.add(Command("solo", make_handler("Only in 1:1 chat."), scopes=frozenset({"personal"})))
    r.add(Command("long", make_handler("x" * 129)))
    lists = command_lists(r)
    by_scope = {s: e["commands"] for e in lists.lists for s in e["scopes"]}
    assert [c["title"] for c in by_scope["personal"]] == [f"cmd{i}" for i in range(10)]
    assert lists.dropped["personal"] == ["cmd10", "cmd11", "solo", "long"]
    assert lists.dropped["team"] == ["cmd10", "cmd11", "long"]
    assert lists.problems == ["command 'long': its summary is 129 characters; Teams allows 128"]


def test_commands_in_fewer_scopes_get_their_own_list() -> None:
    r = Router()
    r.add(Command("help", make_handler("Show what I can do.")))
    r.add(Command("walk", make_handler("Plan a learning walk."), scopes=frozenset({"personal"})))
    lists = command_lists(r).lists
    assert lists == [
        {
            "scopes": ["personal"],
            "commands": [
                {"title": "help", "description": "Show what I can do."},
                {"title": "walk", "description": "Plan a learning walk."},
            ],
        },
        {
            "scopes": ["team", "groupChat"],
            "commands": [{"title": "help", "description": "Show what I can do."}],
        },
    ]


def test_tlc_package_takes_the_app_id_from_MicrosoftAppId(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    monkeypatch.setenv("MicrosoftAppPassword", "secret")
    assert main(["package"]) == 0
    manifest, _ = unzip(tmp_path / "build" / "tlc-teams-app.zip")
    assert manifest["id"] == APP_ID
    assert "tlc-teams-app.zip" in capsys.readouterr().out


def test_tlc_package_app_id_flag_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    other = "11111111-2222-3333-4444-555555555555"
    assert main(["package", "--app-id", other, "--out", "x.zip"]) == 0
    manifest, _ = unzip(tmp_path / "x.zip")
    assert manifest["bots"][0]["botId"] == other


def test_tlc_package_without_an_app_id_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    assert main(["package"]) == 1
    err = capsys.readouterr().err
    assert "MicrosoftAppId" in err and "--app-id" in err
    assert not (tmp_path / "build").exists()


def test_tlc_package_prints_each_schema_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = broken_copy(tmp_path)
    (folder / "manifest.json").write_text('{"manifestVersion": "1.22", "bots": [')
    monkeypatch.chdir(tmp_path)
    assert main(["package", "--app-id", APP_ID, "--manifest-dir", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "not valid JSON (line 1" in err


def test_update_manifest_rewrites_the_command_lists(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["bots"][0]["commandLists"] = []
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert main(["package", "--update-manifest", "--manifest-dir", str(folder)]) == 0
    updated = load_template(folder)["bots"][0]["commandLists"]
    assert flatten(updated) == expected_lists(router())
    assert load_template(folder)["id"] == PLACEHOLDER


def test_admin_commands_are_not_in_everyones_menu() -> None:
    titles = {
        c["title"] for lst in load_template()["bots"][0]["commandLists"] for c in lst["commands"]
    }
    assert "admin" not in titles
    assert "help" in titles


def test_each_scope_gets_the_menu_that_fits_it() -> None:
    """1:1: the personal commands (support, rate, programme, settings); team and group chat: the
    shared work (walk, cards, observations) and none of the confidential ones, nor the lists that
    name people (issue 10: those answer only in a 1:1 chat, so a shared menu does not offer them)
    unless, like `observations` (issue 11), their answer goes to the asker's 1:1 chat."""
    lists = command_lists(router()).lists
    by_scope = {s: [c["title"] for c in e["commands"]] for e in lists for s in e["scopes"]}
    assert {"support", "rate", "programme", "settings"} <= set(by_scope["personal"])
    assert "cards" not in by_scope["personal"]
    for scope in ("team", "groupChat"):
        assert {"walk", "cards", "observations", "help"} <= set(by_scope[scope])
        assert not {"support", "rate", "programme", "settings"} & set(by_scope[scope])
        private = {c.word for c in router().commands if c.private and not c.answers_in_private}
        assert not private & set(by_scope[scope])
    assert by_scope["personal"] != by_scope["team"]
    committed = load_template()["bots"][0]["commandLists"]
    assert {s: [c["title"] for c in e["commands"]] for e in committed for s in e["scopes"]} == (
        by_scope
    )
