"""Every card `./dev cards` writes passes the official Adaptive Cards SDK (npm `adaptivecards`,
pinned in package.json), not only our copy of its rules in `cards.schema`: it is parsed and its
properties validated as a host does before rendering. Needs Node and this folder's node_modules
(skips on a laptop without them, fails in CI)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cards.samples import SAMPLES, write_samples

from .conftest import HERE, missing

CHECKER = HERE / "official_renderer.cjs"
SDK = HERE / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.js"


def official_verdict(folder: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        missing("Node.js (node) on PATH")
    if not SDK.exists():
        missing(f"{SDK.relative_to(HERE)} (run `npm ci` in tests/e2e)")
    done = subprocess.run(
        [str(node), str(CHECKER), str(folder)],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    verdict: dict[str, Any] = json.loads(done.stdout)
    return verdict


def test_every_card_dev_cards_writes_passes_the_official_sdk(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert {p.stem for p in written} == set(SAMPLES)
    assert "otla-allocate-errors" in SAMPLES  # the card the renderer once refused
    assert official_verdict(tmp_path) == {}


def test_the_official_sdk_refuses_what_a_host_would(tmp_path: Path) -> None:
    """The check can fail: an empty choice set (what `otla-allocate-errors` once carried) and an
    element type the SDK does not know are both reported, by the SDK's own words."""
    broken = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "Input.ChoiceSet", "id": "tutor", "label": "Tutor", "choices": []},
            {"type": "Input.Tutor", "id": "who"},
        ],
    }
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    events = official_verdict(tmp_path)["broken.json"]
    assert ["Validation", "CollectionCantBeEmpty"] in [e[:2] for e in events]
    assert ["Parse", "UnknownElementType"] in [e[:2] for e in events]
