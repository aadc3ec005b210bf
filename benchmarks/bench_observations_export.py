"""Export of the action review log: 50,000 actions to XLSX (SPEC target: under 5 s).

Run: .venv/bin/python benchmarks/bench_observations_export.py [count]
Prints one JSON line: how many rows, seconds, bytes, and whether the target was met.
"""

from __future__ import annotations

import io
import json
import sys
import time
from datetime import date, timedelta

from openpyxl import load_workbook

from bot.app.observations.exports import ActionLogLine, action_log_workbook

TARGET_SECONDS = 5.0


def lines(count: int) -> list[ActionLogLine]:
    start = date(2026, 12, 1)
    return [
        ActionLogLine(
            tutor=f"Tutor {i % 2000}",
            observed=start + timedelta(days=i % 90),
            course=f"Course {i % 300}",
            observer=f"Observer {i % 80}",
            action="Use directed, open questioning to check learning in every session",
            owner=f"Tutor {i % 2000}",
            target=start + timedelta(days=30 + i % 120),
            outcome="Seen in a learning walk" if i % 3 else "",
            outcome_recorded=start + timedelta(days=60) if i % 3 else None,
            completed=start + timedelta(days=90) if i % 5 == 0 else None,
            status="Completed" if i % 5 == 0 else "Open",
        )
        for i in range(count)
    ]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rows = lines(count)
    began = time.perf_counter()
    content = action_log_workbook(rows)
    seconds = time.perf_counter() - began
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    written = sum(1 for _ in sheet.iter_rows()) - 1
    print(
        json.dumps(
            {
                "benchmark": "action_review_log_xlsx",
                "rows": written,
                "seconds": round(seconds, 3),
                "bytes": len(content),
                "target_seconds": TARGET_SECONDS,
                "met": written == count and seconds < TARGET_SECONDS,
            }
        )
    )


if __name__ == "__main__":
    main()
