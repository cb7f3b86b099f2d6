"""A small PNG chart of a metric's recent days with the alert window shaded, for the email."""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure


def render_chart(points: Sequence[tuple[date, float | None]], *, window: tuple[date, date],
                 baseline: float | None = None, title: str = "", width_px: int = 640,
                 height_px: int = 220) -> bytes:
    """PNG bytes: daily values (None is a gap), the window shaded, the baseline as a dashed line."""
    dpi = 100
    # A bare Figure on an Agg canvas, not pyplot: no display needed, no global backend switch.
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.subplots()
    days = [d for d, _ in points]
    values = [float("nan") if v is None else v for _, v in points]
    ax.plot(days, values, color="#4c72b0", linewidth=1.2, marker="o", markersize=2)
    ax.axvspan(window[0] - timedelta(hours=12), window[1] + timedelta(hours=12), color="#dd8452", alpha=0.25,
               label="window")
    if baseline is not None:
        ax.axhline(baseline, color="#555555", linewidth=0.8, linestyle="--", label="baseline")
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
