"""Benchmark: a progression session's export with as many contributions as actions. The SPEC's
export target (50,000 actions in under 5 s) is measured on the workbook; the Word document, a
report people read, is measured at the size of a very big session (1,000 actions).
Prints JSON; not a test.

    .venv/bin/python -m benchmarks.progression_export [actions] [document_actions]
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bot.app.progression_export import outcome_docx, outcome_xlsx
from bot.domain.progression import (
    AgreedAction,
    CardOutcome,
    Contribution,
    SessionOutcome,
    WayOfWorking,
)

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


def outcome(actions: int) -> SessionOutcome:
    per_card = max(1, actions // 18)
    cards = tuple(
        CardOutcome(
            f"{i // 3 + 1}.{i % 3 + 1}",
            "Exploring the idea of progression.",
            "What does the term 'progression' mean to you?",
            tuple(Contribution(f"Person {n}", "A thought " * 10, AT) for n in range(per_card)),
            tuple(
                AgreedAction(
                    f"Action {n}", f"Owner {n % 40}", date(2026, 12, 1) + timedelta(n % 90)
                )
                for n in range(per_card)
            ),
        )
        for i in range(18)
    )
    return SessionOutcome("Big group", WayOfWorking.TEAM, "Cara Coach", date(2026, 11, 23), cards)


def main() -> None:
    actions = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    document_actions = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    results: dict[str, object] = {}
    for name, build, size in (
        ("xlsx", outcome_xlsx, actions),
        ("docx", outcome_docx, document_actions),
    ):
        data = outcome(size)
        started = time.perf_counter()
        written = len(build(data))
        results[f"{name}_actions"] = sum(len(c.actions) for c in data.cards)
        results[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
        results[f"{name}_bytes"] = written
    print(json.dumps(results))


if __name__ == "__main__":
    main()
