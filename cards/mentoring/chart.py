"""OSKAR's review as a picture: where someone put themselves on the 0-10 scale each time.

Pure: data in, PNG bytes out (matplotlib's object API with the Agg canvas, as the support chart).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def scale_chart(points: Sequence[tuple[str, int]]) -> bytes:
    """`points` are (label, 0-10) in order; the last bar is highlighted."""
    fig = Figure(figsize=(4.0, 1.9), dpi=90)
    ax = fig.add_subplot()
    labels = [label for label, _ in points]
    values = [value for _, value in points]
    colours = ["#b0b7c3"] * max(len(points) - 1, 0) + ["#1f7a3a"]
    ax.bar(range(len(points)), values, color=colours[: len(points)], width=0.6)
    for x, v in enumerate(values):
        ax.text(x, v + 0.2, str(v), ha="center", fontsize=8)
    ax.set_xticks(range(len(points)), labels=labels, fontsize=7)
    ax.set_ylim(0, 10.8)
    ax.set_yticks(range(0, 11, 2))
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(pad=0.4)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)  # type: ignore[no-untyped-call]
    return buffer.getvalue()
