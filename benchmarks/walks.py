"""Learning-walk benchmark: build the HA27 card, a term's spreadsheet and the completion list.

Run: .venv/bin/python -m benchmarks.walks  (prints one JSON object; no assertions)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.app.walk_documents import TutorRow, WalkRow, walks_xlsx
from bot.domain.terms import default_terms
from bot.domain.walks import TutorOnList, completion, themes
from cards.walks import WalkFormView, walk_form_card

WALKS = 5_000
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
    rows = [
        WalkRow(
            i,
            "2026-11-23",
            "Maths",
            "Tom, Tia",
            "Mia",
            "GCSE",
            25,
            "Questioning",
            True,
            "Questioning",
            "note " * 20,
            "Stretch",
            "",
            "Yes",
            False,
        )
        for i in range(WALKS)
    ]
    tutor_rows = [TutorRow(f"T{i}", f"t{i}@c.ac.uk", False, "", "done") for i in range(TUTORS)]
    tutors = [TutorOnList(i, f"Tutor {i}", i % 10 == 0) for i in range(TUTORS)]
    walked = {i: [term.start + timedelta(days=i % 90)] for i in range(0, TUTORS, 2)}
    result = {
        "ha27_card_150_tutors_ms": timed(lambda: walk_form_card(view)),
        "ha27_card_bytes": len(json.dumps(walk_form_card(view))),
        f"xlsx_{WALKS}_walks_ms": timed(lambda: walks_xlsx("Autumn", rows, tutor_rows), 1),
        f"completion_{TUTORS}_tutors_ms": timed(lambda: completion(tutors, walked, term)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
