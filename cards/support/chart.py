"""The self-rating chart: start vs middle vs end, one row per activity, as a small PNG.

Pure: data in, PNG bytes out (matplotlib's object API with the Agg canvas; no pyplot, no global
state, so it is safe in a worker thread). Sized for a phone: 360 px wide.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

STAGE_COLOURS = MappingProxyType({"start": "#b0b7c3", "middle": "#5b8def", "end": "#1f7a3a"})


def confidence_chart(
    items: Sequence[tuple[str, str]], series: Sequence[tuple[str, Mapping[str, int]]]
) -> bytes:
    """`items` are (label, key) of the checklist; `series` (stage, scores by key) in order."""
    rows = len(items)
    fig = Figure(figsize=(4.0, 0.42 * rows + 0.9), dpi=90)
    ax = fig.add_subplot()
    bars = max(len(series), 1)
    height = 0.8 / bars
    for i, (stage, scores) in enumerate(series):
        ax.barh(
            [r + i * height for r in range(rows)],
            [int(scores.get(key, 0)) for _, key in items],
            height=height,
            label=stage.capitalize(),
            color=STAGE_COLOURS.get(stage, "#888888"),
        )
    ax.set_yticks(
        [r + height * (bars - 1) / 2 for r in range(rows)],
        labels=[textwrap.fill(label, 26) for label, _ in items],
        fontsize=6.5,
    )
    ax.invert_yaxis()
    ax.set_xlim(0, 10)
    ax.set_xticks(range(0, 11, 2))
    ax.tick_params(axis="x", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout(pad=0.4)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
