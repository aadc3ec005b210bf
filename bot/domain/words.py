"""How TLC words a count: one helper, so every message says '1 row' and '2 rows' alike."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """`n` and the word for that many: '1 row', '0 rows', '2 rows'."""
    return f"{n} {word}{'' if n == 1 else 's'}"
