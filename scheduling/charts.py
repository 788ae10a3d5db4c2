"""Charts as SVG text: fairness bars around zero and balances over quarters.

Pure functions from numbers to markup; every label is escaped here, so callers may
inline the result. Each chart carries a <title> and <desc> (role="img") for screen
readers; the page also prints the same figures as a table. Colours come from CSS
classes, not attributes, so a page can restyle them (dark mode) under a strict CSP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

ROW = 22  # px per person in the fairness chart
LABEL = 190  # px of names left of the plot
WIDTH = 720
TOP = 28
BOTTOM = 24


@dataclass(frozen=True)
class Bar:
    """One person's balance now and at the end of what is published, in days."""

    label: str
    now: float
    projected: float
    note: str = ""  # e.g. "weight 0.5"


@dataclass(frozen=True)
class Box:
    """A rectangle of a chart, in the chart's own pixels."""

    x: float
    y: float
    width: float
    height: float
    kind: str  # "now" or "projected"


@dataclass(frozen=True)
class FairnessLayout:
    """Where everything of a fairness chart goes: shared by the SVG and the PNG."""

    width: int
    height: int
    zero: float  # x of the zero line
    scale: float  # px per day
    limit: float  # the axis runs from -limit to +limit days
    boxes: tuple[Box, ...]
    rows: tuple[float, ...]  # each person's row top


def fairness_layout(bars: Sequence[Bar]) -> FairnessLayout:
    """Bars around a zero line, one row per person: the solid bar is now, the thin one
    the end of what is published. The axis is at least ±1 day, so a fair team looks
    fair rather than blown up."""
    limit = max([1.0, *(abs(b.now) for b in bars), *(abs(b.projected) for b in bars)])
    plot = WIDTH - LABEL - 20
    zero = LABEL + plot / 2
    scale = (plot / 2) / limit
    boxes: list[Box] = []
    rows: list[float] = []
    for index, bar in enumerate(bars):
        top = TOP + index * ROW
        rows.append(top)
        for value, kind, y, height in (
            (bar.now, "now", top + 3, 10.0),
            (bar.projected, "projected", top + 14, 5.0),
        ):
            length = abs(value) * scale
            x = zero - length if value < 0 else zero
            boxes.append(Box(round(x, 1), y, round(max(length, 0.5), 1), height, kind))
    height = TOP + len(bars) * ROW + BOTTOM
    return FairnessLayout(WIDTH, height, zero, scale, limit, tuple(boxes), tuple(rows))


def days(value: float) -> str:
    """A balance as people read it: +0.5, -1.25, 0."""
    text = f"{value:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def fairness_svg(bars: Sequence[Bar], *, title: str, chart_id: str = "fairness") -> str:
    """The fairness chart: each person's balance now and projected, bars around zero.

    Args:
        bars: one per person, in the order to draw them.
        title: what the chart is, for its <title>.
        chart_id: prefix of the ids its <title> and <desc> get (unique on a page).
    """
    layout = fairness_layout(bars)
    worst_now = max((abs(b.now) for b in bars), default=0.0)
    worst_projected = max((abs(b.projected) for b in bars), default=0.0)
    desc = (
        f"{len(bars)} people. The largest balance either way is {_size(worst_now)} days "
        f"now and {_size(worst_projected)} days at the end of what is published. "
        "The table of people lists every figure."
    )
    out = [_open(chart_id, layout.width, layout.height, title, desc)]
    out.append(_axis(layout))
    for index, (bar, top) in enumerate(zip(bars, layout.rows, strict=True)):
        note = f" ({escape(bar.note)})" if bar.note else ""
        out.append(
            f'<g class="person"><title>{escape(bar.label)}{note}: {days(bar.now)} now, '
            f"{days(bar.projected)} at the end of the plan</title>"
            f'<text class="name" x="{LABEL - 8}" y="{top + 15}" text-anchor="end">'
            f"{escape(_short(bar.label))}{note}</text>"
        )
        for box in layout.boxes[2 * index : 2 * index + 2]:
            out.append(
                f'<rect class="bar {box.kind}{" neg" if _negative(box, layout) else ""}" '
                f'x="{box.x}" y="{box.y}" width="{box.width}" height="{box.height}"/>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _size(value: float) -> str:
    """A distance from zero, unsigned: 0.5, 1.25."""
    return days(abs(value)).lstrip("+")


def _negative(box: Box, layout: FairnessLayout) -> bool:
    return box.x < layout.zero


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )


def _axis(layout: FairnessLayout) -> str:
    """The zero line and a tick at each whole day (at most about ten ticks)."""
    bottom = layout.height - BOTTOM
    step = max(1, round(layout.limit / 5))
    parts = []
    whole = int(layout.limit)
    for day in range(-whole, whole + 1, step):
        x = round(layout.zero + day * layout.scale, 1)
        parts.append(
            f'<line class="{"zero" if day == 0 else "grid"}" x1="{x}" y1="{TOP - 6}" '
            f'x2="{x}" y2="{bottom}"/>'
            f'<text class="tick" x="{x}" y="{bottom + 16}" text-anchor="middle">'
            f"{days(day)}</text>"
        )
    parts.append(
        f'<text class="tick" x="{layout.zero}" y="{TOP - 12}" text-anchor="middle">'
        "fewer days than fair ← 0 → more days than fair</text>"
    )
    return '<g class="axis">' + "".join(parts) + "</g>"


def history_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    chart_id: str = "history",
) -> str:
    """Each person's balance at the end of each quarter, as one line per person.

    Args:
        labels: the quarters, oldest first.
        series: (name, balance at each quarter, None before they joined) per person.
        title: what the chart is, for its <title>.
        chart_id: prefix of the ids its <title> and <desc> get.
    """
    width, height, left, right, top, bottom = WIDTH, 300, 70, 60, 20, 40
    values = [v for _, points in series for v in points if v is not None]
    limit = max([1.0, *(abs(v) for v in values)])
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: float) -> float:
        return round(top + plot_h / 2 - v / limit * (plot_h / 2), 1)

    worst = [0.0] * len(labels)
    for _, points in series:
        for i, v in enumerate(points[: len(labels)]):
            if v is not None:
                worst[i] = max(worst[i], abs(v))
    desc = (
        f"{len(series)} people over {len(labels)} quarters. Largest balance either way "
        "at each quarter's end: "
        + "; ".join(f"{label} {_size(w)}" for label, w in zip(labels, worst, strict=True))
        + "."
    )
    out = [_open(chart_id, width, height, title, desc), '<g class="axis">']
    for v in (-limit, -1.0, 0.0, 1.0, limit) if limit > 1 else (-1.0, 0.0, 1.0):
        kind = "zero" if v == 0 else "grid"
        out.append(
            f'<line class="{kind}" x1="{left}" y1="{y(v)}" x2="{width - right}" y2="{y(v)}"/>'
            f'<text class="tick" x="{left - 6}" y="{y(v) + 4}" text-anchor="end">'
            f"{days(v)}</text>"
        )
    for i, label in enumerate(labels):
        out.append(
            f'<text class="tick" x="{x(i)}" y="{height - 14}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    out.append("</g>")
    xs = [x(i) for i in range(max((len(points) for _, points in series), default=0))]
    # y(v) inlined, ".1f" being what round(v, 1) prints: a thousand lines of points.
    half, middle = plot_h / 2, top + plot_h / 2
    for name, points in series:
        coords = " ".join(
            f"{xs[i]},{middle - v / limit * half:.1f}"
            for i, v in enumerate(points)
            if v is not None
        )
        if not coords:
            continue
        out.append(
            f'<polyline class="line" points="{coords}"><title>{escape(name)}</title></polyline>'
        )
    out.append("</svg>")
    return "".join(out)
