"""The fairness chart as a PNG, for Slack's image block (Slack shows no SVG).

Pillow draws the same boxes scheduling.charts lays out for the SVG, so the two agree;
names are drawn as text, never interpreted.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from scheduling.charts import LABEL, TOP, Bar, days, fairness_layout

# Slack shows images up to a few thousand pixels; beyond this many people the PNG
# keeps the first ones and says how many more the page has.
MAX_BARS = 60
_COLOURS = {"now": (47, 109, 181), "neg": (179, 84, 30), "projected": (138, 92, 194)}


def fairness_png(bars: Sequence[Bar]) -> bytes:
    """The chart of `bars` (at most MAX_BARS of them drawn) as PNG bytes."""
    shown = list(bars[:MAX_BARS])
    layout = fairness_layout(shown)
    extra = len(bars) - len(shown)
    height = layout.height + (20 if extra else 0)
    image = Image.new("RGB", (layout.width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=12)
    bottom = layout.height - 24
    draw.line([(layout.zero, TOP - 6), (layout.zero, bottom)], fill=(26, 26, 26), width=1)
    whole = int(layout.limit)
    step = max(1, round(layout.limit / 5))
    for day in range(-whole, whole + 1, step):
        x = layout.zero + day * layout.scale
        if day:
            draw.line([(x, TOP - 6), (x, bottom)], fill=(208, 208, 208), width=1)
        draw.text((x, bottom + 10), days(day), fill=(89, 89, 89), font=font, anchor="mm")
    for index, (bar, top) in enumerate(zip(shown, layout.rows, strict=True)):
        label = bar.label if len(bar.label) <= 26 else bar.label[:24] + "..."
        if bar.note:
            label += f" ({bar.note})"
        draw.text((LABEL - 8, top + 10), label, fill=(26, 26, 26), font=font, anchor="rm")
        for box in layout.boxes[2 * index : 2 * index + 2]:
            colour = _COLOURS[box.kind]
            if box.kind == "now" and box.x < layout.zero:
                colour = _COLOURS["neg"]
            draw.rectangle([(box.x, box.y), (box.x + box.width, box.y + box.height)], fill=colour)
    if extra:
        more = f"... and {extra} more on the page"
        draw.text((8, height - 14), more, fill=(89, 89, 89), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
