"""A small PNG chart of a metric's recent days with the alert window shaded, for the email.

It draws what the alert states: each day's value with its 95% interval as a light band, the
baseline's pooled level and interval over the baseline days, and the window's value and interval
over the window days, so a reader sees at a glance whether the two intervals clear each other.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

HALF_DAY = timedelta(hours=12)


@dataclass(frozen=True)
class Span:
    """A level with its interval over a run of days (the window's, or the baseline's)."""

    start: date
    end: date  # inclusive
    value: float
    low: float | None = None
    high: float | None = None


def render_chart(
    points: Sequence[tuple[date, float | None]],
    *,
    window: tuple[date, date],
    baseline: float | None = None,
    title: str = "",
    width_px: int = 640,
    height_px: int = 220,
    bands: Sequence[tuple[float | None, float | None]] | None = None,
    window_span: Span | None = None,
    baseline_span: Span | None = None,
) -> bytes:
    """PNG bytes: daily values (None is a gap) with their `bands` (low, high), the window shaded,
    and the baseline as a dashed line (across the chart, or over `baseline_span` with its interval);
    `window_span` draws the window's pooled value and interval."""
    dpi = 100
    # A bare Figure on an Agg canvas, not pyplot: no display needed, no global backend switch.
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.subplots()
    days = [d for d, _ in points]
    values = [float("nan") if v is None else v for _, v in points]
    if bands is not None:
        ax.fill_between(
            days,
            [_nan(low) for low, _ in bands],
            [_nan(high) for _, high in bands],
            color="#4c72b0",
            alpha=0.15,
            linewidth=0,
            label="day, 95% interval",
        )
    ax.plot(days, values, color="#4c72b0", linewidth=1.2, marker="o", markersize=2)
    ax.axvspan(window[0] - HALF_DAY, window[1] + HALF_DAY, color="#dd8452", alpha=0.25, label="window")
    if baseline_span is not None:
        _span(ax, baseline_span, "#555555", "baseline")
    elif baseline is not None:
        ax.axhline(baseline, color="#555555", linewidth=0.8, linestyle="--", label="baseline")
    if window_span is not None:
        _span(ax, window_span, "#c44e52", "window value")
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best", frameon=False)
    buf = io.BytesIO()
    canvas.print_png(buf)
    return buf.getvalue()


def _span(ax, span: Span, color: str, label: str) -> None:
    left, right = span.start - HALF_DAY, span.end + HALF_DAY
    ax.hlines(span.value, left, right, color=color, linewidth=1.4, linestyle="--", label=label)
    if span.low is not None and span.high is not None:
        ax.fill_between([left, right], [span.low] * 2, [span.high] * 2, color=color, alpha=0.18, linewidth=0)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value
