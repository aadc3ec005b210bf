"""Learning-walk benchmark: the HA27 card and the completion list (exports: benchmarks.exports).

Run: .venv/bin/python -m benchmarks.walks  (prints one JSON object; no assertions)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.domain.terms import default_terms
from bot.domain.walks import TutorOnList, completion, themes
from cards.walks import WalkFormView, walk_form_card

TUTORS = 2_000


def timed(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def main() -> None:
    term = default_terms(2026)[0]
    view = WalkFormView(
        team_pk=1,
        team_name="Maths",
        tutors=[(f"Tutor {i}", str(i)) for i in range(150)],
        themes=[(label, key) for key, label in themes().items()],
        minutes=[("25", "25")],
        today="2026-11-23",
    )
    tutors = [TutorOnList(i, f"Tutor {i}", i % 10 == 0) for i in range(TUTORS)]
    walked = {i: [term.start + timedelta(days=i % 90)] for i in range(0, TUTORS, 2)}
    result = {
        "ha27_card_150_tutors_ms": timed(lambda: walk_form_card(view)),
        "ha27_card_bytes": len(json.dumps(walk_form_card(view))),
        f"completion_{TUTORS}_tutors_ms": timed(lambda: completion(tutors, walked, term)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
