"""Draw the Teams app icons: color.png (192x192) and outline.png (32x32, white on transparent).

Run from the repository root after changing the design: `.venv/bin/python manifest/make_icons.py`.
The PNGs are committed; `tlc package` and tests/unit/test_manifest.py check their sizes and that
the outline is pure white on transparent.

The mark: a chat bubble holding three rising steps (a conversation about getting better).
Shapes are drawn as an alpha mask at 8x and scaled down, so edges are smooth and every visible
pixel of the outline is exactly white.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
ACCENT = (0x1F, 0x5F, 0x8B)  # the manifest's accentColor, #1F5F8B
SCALE = 8


def _bubble_mask(size: int, *, outline: bool) -> Image.Image:
    """The bubble with its steps, white (255) where the mark is, as an 'L' mask of `size`."""
    big = size * SCALE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    u = big / 32  # design on a 32-unit grid
    box = (3 * u, 4 * u, 29 * u, 23 * u)
    tail = [(8 * u, 22 * u), (8 * u, 29 * u), (15 * u, 22 * u)]
    radius = 5 * u
    if outline:
        stroke = 2.2 * u
        draw.rounded_rectangle(box, radius=radius, fill=255)
        draw.polygon(tail, fill=255)
        inner = (box[0] + stroke, box[1] + stroke, box[2] - stroke, box[3] - stroke)
        draw.rounded_rectangle(inner, radius=radius - stroke, fill=0)
        inner_tail = [
            (8 * u + stroke, 22 * u - stroke),
            (8 * u + stroke, 25.5 * u),
            (12 * u, 21 * u),
        ]
        draw.polygon(inner_tail, fill=0)
        steps_fill = 255
    else:
        draw.rounded_rectangle(box, radius=radius, fill=255)
        draw.polygon(tail, fill=255)
        steps_fill = 0
    # three rising steps inside the bubble
    base = 19 * u
    for i, height in enumerate((4, 7, 10)):
        left = (9 + i * 5.5) * u
        draw.rectangle((left, base - height * u, left + 3.6 * u, base), fill=steps_fill)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def color_icon() -> Image.Image:
    size = 192
    icon = Image.new("RGBA", (size, size), (*ACCENT, 255))
    # the mark at the centre, leaving Teams' recommended margin around it
    mark = _bubble_mask(128, outline=False)
    white = Image.new("RGBA", (128, 128), (255, 255, 255, 255))
    icon.paste(white, (32, 34), mark)
    # steps cut out of the bubble show the accent colour through
    return icon


def outline_icon() -> Image.Image:
    size = 32
    mask = _bubble_mask(size, outline=True)
    icon = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    icon.putalpha(mask)
    return icon


def main() -> None:
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
    print("wrote manifest/color.png and manifest/outline.png")


if __name__ == "__main__":
    main()
