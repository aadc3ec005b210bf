"""The quality team's pictures as PNG (matplotlib's Agg canvas, no display): themes as paired
bars, completion as a team x status grid. Both are drawn 360 px wide, the width of Teams on a
phone, with text no smaller than 8 pt at 100 dpi (about 11 px), so they read without zooming.

They travel inside the card as data: URIs (Adaptive Cards take them in `Image.url` since 1.2, on
every renderer Teams uses), so nothing has to serve them and no link outlives the card. Teams
draws card images up to 1024 x 1024 px and under 1 MB, and a whole message must stay under
100 KB (PLATFORM.md: aim under 80 KB): a 64-colour PNG here is 5-15 KB."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from PIL import Image

from bot.domain.quality import (
    LIL,
    WALK_COLUMNS,
    WALK_LABELS,
    CompletionGrid,
    GridRow,
    OtlaStage,
)

DPI = 100
WIDTH_IN = 3.6  # 360 px
FONT = 8
PALETTE = 64
STRENGTH, AREA = "#2e7d32", "#c62828"
# One colour per column: good news green, waiting amber/red, neither grey.
_WALK_COLOURS = ("#2e7d32", "#c62828", "#757575")
_OTLA_COLOURS = ("#c62828", "#ef6c00", "#f9a825", "#0277bd", "#6a1b9a", "#2e7d32")
MAX_GRID_ROWS = 14


def _png(fig: Figure) -> bytes:
    """The figure as a PNG of at most 64 colours: a third of the bytes of a full-colour one,
    so a card with its picture stays well inside Teams' message size (PLATFORM.md)."""
    FigureCanvasAgg(fig)
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=DPI)
    size = (round(fig.get_figwidth() * DPI), round(fig.get_figheight() * DPI))
    image = Image.frombuffer("RGBA", size, raw.getvalue())
    out = io.BytesIO()
    image.convert("RGB").quantize(colors=PALETTE).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _wrapped(label: str, width: int = 22, lines: int = 3) -> str:
    return "\n".join(textwrap.wrap(label, width)[:lines])


def themes_png(rows: Sequence[tuple[str, int, int]]) -> bytes:
    """(theme, strengths, areas) pairs of bars, the first row at the top."""
    n = max(len(rows), 1)
    fig = Figure(figsize=(WIDTH_IN, 0.42 * n + 0.9))
    ax = fig.add_subplot()
    ys = [n - 1 - i for i in range(len(rows))]
    height = 0.4
    strengths = ax.barh([y + height / 2 for y in ys], [r[1] for r in rows], height, color=STRENGTH)
    areas = ax.barh([y - height / 2 for y in ys], [r[2] for r in rows], height, color=AREA)
    for bars in (strengths, areas):
        ax.bar_label(
            bars, fontsize=FONT - 1, padding=2, labels=[str(int(b.get_width()) or "") for b in bars]
        )
    ax.set_yticks(ys, [_wrapped(r[0]) for r in rows], fontsize=FONT)
    ax.set_ylim(-0.7, n - 0.3)
    ax.tick_params(axis="x", labelsize=FONT)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.15)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(
        handles=[
            Patch(color=STRENGTH, label="Strengths"),
            Patch(color=AREA, label="Areas to develop"),
        ],
        loc="upper center",
        ncols=2,
        fontsize=FONT,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / (0.42 * n + 0.9)))
    return _png(fig)


def _tint(colour: str, strength: float) -> tuple[float, float, float]:
    """`colour` laid over white at `strength` (0 white, 1 the colour itself)."""
    rgb = to_rgb(colour)
    return (
        1 - strength * (1 - rgb[0]),
        1 - strength * (1 - rgb[1]),
        1 - strength * (1 - rgb[2]),
    )


def _row_label(group: str) -> str:
    if group == LIL:
        return "LiL tutors"
    return group if len(group) <= 18 else group[:17].rstrip() + "…"


def completion_png(grid: CompletionGrid) -> bytes:
    """Teams down the side; walk status then OTLA stage across; each cell the number of tutors,
    shaded by its share of the row. Learning-in-Libraries tutors sit apart under a line."""
    rows: list[GridRow] = list(grid.rows[:MAX_GRID_ROWS])
    if grid.lil is not None:
        rows.append(grid.lil)
    columns = [WALK_LABELS[s] for s in WALK_COLUMNS] + [s.value for s in OtlaStage]
    colours = _WALK_COLOURS + _OTLA_COLOURS
    n = max(len(rows), 1)
    # Fixed margins in inches (no tight_layout: it draws the figure twice to measure it).
    top, bottom, left = 0.95, 0.3, 1.25  # room for the headers and team names
    height = 0.26 * n + top + bottom
    fig = Figure(figsize=(WIDTH_IN, height))
    ax = fig.add_axes(
        (left / WIDTH_IN, bottom / height, 1 - (left + 0.25) / WIDTH_IN, 0.26 * n / height)
    )
    ax.set_axis_off()
    cells = []
    for r, row in enumerate(rows):
        values = (*row.walks, *row.otla)
        shares = [v / row.tutors if row.tutors else 0.0 for v in values]
        cells.append([_tint(colours[c], 0.12 + 0.78 * share) for c, share in enumerate(shares)])
        y = n - r - 0.5
        ax.text(-0.2, y, _row_label(row.group), ha="right", va="center", fontsize=FONT)
        for c, (value, share) in enumerate(zip(values, shares, strict=True)):
            ax.text(
                c + 0.5,
                y,
                str(value),
                ha="center",
                va="center",
                fontsize=FONT - 0.5,
                color="white" if share > 0.55 else "black",
            )
    ax.imshow(
        cells or [[(1.0, 1.0, 1.0)] * len(columns)],
        extent=(0, len(columns), 0, n),
        aspect="auto",
        interpolation="nearest",
    )
    for c, label in enumerate(columns):
        ax.text(c + 0.3, n + 0.1, label, rotation=60, ha="left", va="bottom", fontsize=FONT - 0.5)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(0, n)
    ax.axvline(len(WALK_COLUMNS), color="black", lw=1.2)
    if grid.lil is not None:
        ax.axhline(1, color="black", lw=1.2)
    ax.text(len(WALK_COLUMNS) / 2, -0.15, "Walks this term", ha="center", va="top", fontsize=FONT)
    ax.text(
        len(WALK_COLUMNS) + len(OtlaStage) / 2,
        -0.15,
        "OTLA this year",
        ha="center",
        va="top",
        fontsize=FONT,
    )
    return _png(fig)
