"""Activity shapes TLC refuses before a turn runs: ids too long or not text (issue 17 reads
them as a tree, each object once; the messages name the same paths)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.teams.activities import ID_LIMITS, MalformedActivity, require_shape


def activity() -> dict[str, Any]:
    return {
        "type": "message",
        "id": "1",
        "serviceUrl": "https://smba.example/",
        "conversation": {"id": "a:1", "tenantId": "t"},
        "from": {"id": "29:1", "name": "Tom"},
        "recipient": {"id": "28:bot", "name": "TLC"},
        "channelData": {"tenant": {"id": "t"}, "team": {"id": "19:t"}, "channel": {"id": "19:c"}},
    }


def put(body: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    node = body
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return body


@pytest.mark.parametrize("path", list(ID_LIMITS), ids=".".join)
def test_every_id_has_its_limit_and_must_be_text(path: tuple[str, ...]) -> None:
    name, start = ".".join(path), "https://" if path == ("serviceUrl",) else ""
    longest = start + "x" * (ID_LIMITS[path] - len(start))
    require_shape(put(activity(), path, longest))
    with pytest.raises(MalformedActivity, match=f"^{name} is too long$"):
        require_shape(put(activity(), path, longest + "x"))
    if path not in (("conversation", "id"), ("from", "id")):  # required: refused as missing
        with pytest.raises(MalformedActivity, match=f"^{name} must be text$"):
            require_shape(put(activity(), path, 12))


def test_an_id_inside_something_other_than_an_object_is_not_looked_for() -> None:
    body = activity()
    body["channelData"] = {"tenant": "t", "team": ["19:t"], "channel": None}
    assert require_shape(body) is body
