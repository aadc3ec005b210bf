"""The shape the code keeps (docs/ARCHITECTURE.md): one package per capability, capabilities that talk
through the app's own event bus, no module-level mutable state, the Bot Framework in one folder."""

from __future__ import annotations

import ast
import importlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.app.commands import build_events, build_notice_kinds, capability_notices, capability_rows
from bot.app.events import Events, ObservationApproved, PlannedObservations, WalksOnDay
from bot.app.router import CardAction

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("bot", "cards", "storage")
CAPABILITIES = ("walks", "observations", "support", "progression", "mentoring")
MUTABLE_CALLS = {
    "list",
    "dict",
    "set",
    "defaultdict",
    "OrderedDict",
    "deque",
    "Counter",
    "bytearray",
}


def _sources() -> list[Path]:
    return [
        p
        for layer in LAYERS
        for p in sorted((ROOT / layer).rglob("*.py"))
        if "migrations" not in p.parts
    ]


def _is_mutable(value: ast.expr) -> bool:
    if isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in MUTABLE_CALLS
    return False


def mutable_module_state(source: str) -> list[str]:
    """Module-level names bound to a mutable container, and `global` statements."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and _is_mutable(node.value):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value and _is_mutable(node.value):
            targets = [node.target]
        else:
            continue
        found += [ast.unparse(t) for t in targets if ast.unparse(t) != "__all__"]
    found += [f"global {', '.join(n.names)}" for n in ast.walk(tree) if isinstance(n, ast.Global)]
    return found


def test_the_scan_finds_module_level_mutable_state() -> None:
    assert mutable_module_state("A = []\nB: dict[str, int] = {}\nC = set()\n") == ["A", "B", "C"]
    assert mutable_module_state("def f() -> None:\n    global X\n") == ["global X"]
    assert mutable_module_state("A = (1,)\nB = frozenset()\n__all__ = ['A']\n") == []


def test_no_module_level_mutable_state() -> None:
    found = {
        str(p.relative_to(ROOT)): names
        for p in _sources()
        if (names := mutable_module_state(p.read_text(encoding="utf-8")))
    }
    assert found == {}


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_bot_framework_stays_in_bot_teams() -> None:
    outside = [
        str(p.relative_to(ROOT))
        for p in _sources()
        if any(m.split(".")[0].startswith("botbuilder") for m in imported_modules(p.read_text()))
        and (ROOT / "bot" / "teams") not in p.parents
    ]
    assert outside == []
    # The scan does see botbuilder where it is used (authentication reads a botbuilder Activity).
    assert "botbuilder.schema" in imported_modules((ROOT / "bot/teams/web.py").read_text())


def test_nothing_is_named_common_utils_or_helpers() -> None:
    vague = {"common", "utils", "util", "helpers", "misc"}
    named = [
        str(p.relative_to(ROOT))
        for p in _sources()
        if {part.removesuffix(".py") for part in p.relative_to(ROOT).parts} & vague
        or any(p.stem.endswith(f"_{v}") for v in vague)
    ]
    assert named == []


@pytest.mark.parametrize("name", CAPABILITIES)
def test_each_capability_is_a_package_that_exports_its_rows_and_notices(name: str) -> None:
    package = importlib.import_module(f"bot.app.{name}")
    assert package.__file__ is not None and package.__file__.endswith("__init__.py")
    assert "ROWS" in package.__all__ and "NOTICES" in package.__all__
    assert all(row in capability_rows() for row in package.ROWS)
    assert all(kind in capability_notices() for kind in package.NOTICES)
    doc = package.__doc__ or ""
    assert "seed" in doc.lower() and "SPEC" in doc


# Card verbs of the capabilities that hold people's records whose answer carries nothing of one:
# an export answers "I'm sending it to our 1:1 chat", the themes are counts across records.
SHARED_SAFE = frozenset({"otla.export.planning", "otla.export.actions", "otla.themes"})


@pytest.mark.parametrize("name", ["observations", "support", "mentoring", "privacy"])
def test_every_card_verb_about_someones_record_is_private(name: str) -> None:
    """A card submitted in a channel or group chat is answered there, for everyone: a verb
    whose answer shows a report, a programme, a relationship or a person's data is `private`,
    so pressed in a shared place it says where to ask instead (and an Action.Execute there
    answers the presser alone)."""
    rows = importlib.import_module(f"bot.app.{name}").ROWS
    shared = [r.verb for r in rows if isinstance(r, CardAction) and not r.private]
    assert [verb for verb in shared if verb not in SHARED_SAFE] == []


def test_no_capability_module_sits_beside_its_package() -> None:
    app = ROOT / "bot" / "app"
    loose = [p.name for p in app.glob("*.py") if p.stem.split("_")[0] in {*CAPABILITIES, "walk"}]
    assert loose == []


def test_each_app_gets_a_bus_of_its_own() -> None:
    first, second = build_events(), build_events()

    async def extra(session: Any, question: WalksOnDay) -> list[str]:
        return ["only on the first"]

    first.answer(WalksOnDay, extra)
    assert extra in first.responders(WalksOnDay)
    assert extra not in second.responders(WalksOnDay)
    # Each is wired once, whatever else happens in the process.
    assert len(second.responders(WalksOnDay)) == 1
    assert len(second.responders(PlannedObservations)) == 1
    assert len(second.subscribers(ObservationApproved)) == 1
    assert build_notice_kinds(second).events is second


async def test_a_question_gets_every_answer_and_an_event_every_subscriber() -> None:
    bus = Events()
    heard: list[ObservationApproved] = []

    async def walks_a(session: Any, q: WalksOnDay) -> list[str]:
        return [f"A {q.day.isoformat()}"]

    async def walks_b(session: Any, q: WalksOnDay) -> list[str]:
        return []

    async def hear(session: Any, event: ObservationApproved) -> None:
        heard.append(event)

    question = WalksOnDay("org", 7, date(2026, 12, 4))
    assert await bus.ask(None, question) == []  # type: ignore[arg-type]
    bus.answer(WalksOnDay, walks_a)
    bus.answer(WalksOnDay, walks_b)
    bus.answer(WalksOnDay, walks_a)  # twice changes nothing
    assert await bus.ask(None, question) == [["A 2026-12-04"], []]  # type: ignore[arg-type]
    bus.subscribe(ObservationApproved, hear)
    event = ObservationApproved("org", 1, 7, frozenset(), 2, None)  # type: ignore[arg-type]
    await bus.publish(None, event)  # type: ignore[arg-type]
    assert heard == [event]
