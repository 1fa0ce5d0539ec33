"""Charts as server-side SVG: bars, stacked bars and lines. Pure: data in, markup out.

No JavaScript and no build step: the page stays fast on a slow phone and the CSP stays strict
(colours are presentation attributes, not inline styles). Each chart is an `<svg role="img">`
named by its `<title>` and `<desc>`; the page puts the same numbers in a table beside it for
screen readers and for anyone who wants the exact values. Every mark carries its value in
`data-value` and in its own `<title>` (the tooltip), so tests read the numbers back.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

Number = float | int | Decimal
Format = Callable[[float], str]

PALETTE = ("#0b4f9c", "#b35c00", "#0b5d1e", "#6d28d9", "#a4161a", "#4a4a4a", "#0e7490")
"""Each has at least 3:1 contrast on white (WCAG 1.4.11 for graphics), 4.5:1 for text."""
WIDTH, HEIGHT = 480, 210
LEFT, RIGHT, TOP, BOTTOM = 60, 8, 12, 30
"""The plot area's margins: room for the y labels on the left, the x labels below."""
FONT = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


def series(name: str, values: Sequence[Number]) -> Series:
    return Series(name, tuple(float(v) for v in values))


def plain(value: float) -> str:
    """12 345 or 12 345,5: the axis's numbers, Norwegian style."""
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def nice_max(value: float) -> float:
    """The axis's top: 1, 2, 2.5 or 5 times a power of ten, at or above the largest value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop ends at 10


def bar_chart(
    title: str, desc: str, labels: Sequence[str], values: Sequence[Number], fmt: Format = plain
) -> Markup:
    return stacked_bar_chart(title, desc, labels, [series(title, values)], fmt)


def stacked_bar_chart(
    title: str,
    desc: str,
    labels: Sequence[str],
    stacks: Sequence[Series],
    fmt: Format = plain,
) -> Markup:
    """One bar per label, the series stacked bottom up in order; negative parts count as 0."""
    totals = [sum(max(s.values[i], 0.0) for s in stacks) for i in range(len(labels))]
    frame = _Frame(title, desc, labels, nice_max(max(totals, default=0.0)), fmt)
    slot = frame.plot_width / max(len(labels), 1)
    width = max(slot * 0.7, 1.0)
    parts = []
    for i, label in enumerate(labels):
        base = 0.0
        for n, one in enumerate(stacks):
            value = max(one.values[i], 0.0)
            y_top, y_bottom = frame.y(base + value), frame.y(base)
            base += value
            if value == 0:
                continue
            what = label if len(stacks) == 1 else f"{label}, {one.name}"
            name = f"{what}: {fmt(value)}"
            parts.append(
                f'<rect x="{frame.x0 + i * slot + (slot - width) / 2:.1f}" y="{y_top:.1f}" '
                f'width="{width:.1f}" height="{y_bottom - y_top:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}" data-series="{escape(one.name)}" '
                f'data-label="{escape(label)}" data-value="{_num(value)}">'
                f"<title>{escape(name)}</title></rect>"
            )
    return frame.svg("".join(parts), frame.x_labels(slot))


def line_chart(
    title: str, desc: str, labels: Sequence[str], lines: Sequence[Series], fmt: Format = plain
) -> Markup:
    """One line per series, a dot at each value (with its title)."""
    top = max((max(s.values, default=0.0) for s in lines), default=0.0)
    frame = _Frame(title, desc, labels, nice_max(top), fmt)
    step = frame.plot_width / max(len(labels) - 1, 1)
    parts = []
    for n, one in enumerate(lines):
        colour = PALETTE[n % len(PALETTE)]
        points = [(frame.x0 + i * step, frame.y(max(v, 0.0))) for i, v in enumerate(one.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'data-series="{escape(one.name)}"/>'
        )
        for (x, y), label, value in zip(points, labels, one.values, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}" '
                f'data-series="{escape(one.name)}" data-label="{escape(label)}" '
                f'data-value="{_num(value)}"><title>{escape(f"{label}, {one.name}: {fmt(value)}")}'
                "</title></circle>"
            )
    return frame.svg("".join(parts), frame.x_labels(step, centred=False))


class _Frame:
    """The axes, grid and labels every chart shares."""

    def __init__(
        self, title: str, desc: str, labels: Sequence[str], top: float, fmt: Format
    ) -> None:
        self.title, self.desc, self.labels, self.top, self.fmt = title, desc, labels, top, fmt
        self.x0, self.y0 = LEFT, HEIGHT - BOTTOM
        self.plot_width = WIDTH - LEFT - RIGHT
        self.plot_height = HEIGHT - TOP - BOTTOM
        self.id = "chart-" + hashlib.sha256(f"{title}\n{desc}".encode()).hexdigest()[:10]

    def y(self, value: float) -> float:
        return self.y0 - value / self.top * self.plot_height

    def grid(self) -> str:
        lines = []
        for k in range(5):
            value = self.top * k / 4
            y = self.y(value)
            lines.append(
                f'<line x1="{self.x0}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{"#6b6b6b" if k == 0 else "#d0d0d0"}" stroke-width="1"/>'
                f'<text x="{self.x0 - 6}" y="{y + FONT / 3:.1f}" text-anchor="end" '
                f'font-size="{FONT}" fill="#1a1a1a" class="tick">{escape(self.fmt(value))}</text>'
            )
        return "".join(lines)

    def x_labels(self, step: float, centred: bool = True) -> str:
        """At most eight labels, evenly spread, so they never overlap on a phone."""
        every = max(math.ceil(len(self.labels) / 8), 1)
        shift = step / 2 if centred else 0.0
        out = []
        for i, label in enumerate(self.labels):
            if i % every:
                continue
            out.append(
                f'<text x="{self.x0 + i * step + shift:.1f}" y="{self.y0 + FONT + 6}" '
                f'text-anchor="middle" font-size="{FONT}" fill="#1a1a1a">{escape(label)}</text>'
            )
        return "".join(out)

    def svg(self, marks: str, x_labels: str) -> Markup:
        return Markup(  # noqa: S704 - every text in it is escaped
            f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{self.id}-t {self.id}-d" xmlns="http://www.w3.org/2000/svg" '
            f'preserveAspectRatio="xMidYMid meet">'
            f'<title id="{self.id}-t">{escape(self.title)}</title>'
            f'<desc id="{self.id}-d">{escape(self.desc)}</desc>'
            f"{self.grid()}{marks}{x_labels}</svg>"
        )


def legend(stacks: Sequence[Series]) -> list[tuple[str, str]]:
    """Each series' name and colour, for the legend the page writes as text under the chart."""
    return [(one.name, PALETTE[n % len(PALETTE)]) for n, one in enumerate(stacks)]


def _num(value: float) -> str:
    """The value for `data-value`, to the øre, without float noise (0.1 + 0.2 reads 0.3)."""
    return format(Decimal(repr(round(value, 2))).normalize(), "f")
