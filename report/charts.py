"""The report's charts: matplotlib figures saved as SVG text to inline into the page.

Figures are built without pyplot. Text stays text (`svg.fonttype: none`), so the charts are small, sharp and searchable; matplotlib
escapes it. Mathtext is off, so a `$` in a company name is just a dollar sign. Every chart gets its
own id prefix, since several inline SVGs in one page must not share element ids.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .data import AlertMark, Call, Period, Series, TopicSeries

COLORS = {
    "all": "#1f2933",
    "news": "#2563eb",
    "transcripts": "#d97706",
    "hype": "#c2410c",
    "skeptic": "#1d4ed8",
    "alert": "#dc2626",
    "grid": "#e5e7eb",
}
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "hypewatch",  # fixed salt: the same data gives the same file
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#9ca3af",
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.8,
    "xtick.color": "#4b5563",
    "ytick.color": "#4b5563",
    "legend.frameon": False,
    "legend.fontsize": 8,
}
WIDE = (9.0, 3.0)  # inches; the page scales the SVG to its column


@contextmanager
def _figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], **kwargs) -> Iterator[tuple[Figure, Any]]:
    """A figure in the report's style. Figure, not pyplot: no global state, no GUI backend to pick."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=figsize, layout="constrained")
        yield fig, fig.subplots(nrows, ncols, **kwargs)


def to_svg(fig: Figure, chart_id: str) -> str:
    """The figure as an <svg> element for inlining: no XML prolog, every id prefixed by chart_id."""
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    # ids and references to them live only inside tags, never in (escaped) text content
    text = re.sub(r'(<[^<>]*?\s)id="([^"]*)"', rf'\1id="{chart_id}-\2"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{chart_id}-\1"', text)
    return text


def tone_chart(series: dict[str, Series], alerts: Sequence[AlertMark], period: Period) -> str:
    """Hype index: 7-day windows of everything and of news, single days of everything and of calls."""
    with _figure(figsize=WIDE) as (fig, ax):
        everything, news, calls = series["all"], series["news"], series["transcripts"]
        ax.scatter(
            everything.days,
            _nan(everything.hype_index),
            s=8,
            color=COLORS["all"],
            alpha=0.3,
            linewidths=0,
            label="all, single days",
        )
        _band(ax, everything.days, everything.hype_index_7d_low, everything.hype_index_7d_high, COLORS["all"])
        ax.plot(everything.days, _nan(everything.hype_index_7d), color=COLORS["all"], lw=2.2, label="all, 7 days")
        if news.has_data:
            ax.plot(news.days, _nan(news.hype_index_7d), color=COLORS["news"], lw=1.4, label="news, 7 days")
        if calls.has_data:
            _error_bars(
                ax, calls.days, calls.hype_index, calls.hype_index_low, calls.hype_index_high, COLORS["transcripts"]
            )
            ax.scatter(
                calls.days,
                _nan(calls.hype_index),
                s=30,
                marker="D",
                color=COLORS["transcripts"],
                zorder=3,
                label="earnings calls, day",
            )
        ax.axhline(0, color="#9ca3af", lw=0.8)
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel("hype index")
        _mark_alerts(ax, [a for a in alerts if chart_for(a) == "tone"])
        _date_axis(ax, period)
        _legend_above(ax)
        return to_svg(fig, "tone")


def shares_chart(series: dict[str, Series], alerts: Sequence[AlertMark], period: Period) -> str:
    """Hype share above skeptic share: 7-day windows of everything and news, single days of calls."""
    with _figure(2, 1, figsize=(WIDE[0], 4.4), sharex=True) as (fig, (top, bottom)):
        for ax, label, title in ((top, "hype", "hype share"), (bottom, "skeptic", "skeptic share")):
            everything = series["all"]
            _band(
                ax,
                everything.days,
                _percent(getattr(everything, f"{label}_share_7d_low")),
                _percent(getattr(everything, f"{label}_share_7d_high")),
                COLORS["all"],
            )
            for name in ("all", "news"):
                if series[name].has_data:
                    ax.plot(
                        series[name].days,
                        _percent(getattr(series[name], f"{label}_share_7d")),
                        color=COLORS[name],
                        lw=2.2 if name == "all" else 1.4,
                        label=f"{name}, 7 days",
                    )
            ax.plot(
                everything.days,
                _percent(getattr(everything, f"expected_{label}_share_7d")),
                color=COLORS["all"],
                lw=1.0,
                ls=(0, (1, 1.5)),
                label="all, expected",
            )
            calls = series["transcripts"]
            if calls.has_data:
                shares = _shares(getattr(calls, f"n_{label}"), calls.n_sentences)
                _error_bars(
                    ax,
                    calls.days,
                    _percent(shares),
                    _percent(getattr(calls, f"{label}_share_low")),
                    _percent(getattr(calls, f"{label}_share_high")),
                    COLORS["transcripts"],
                )
                ax.scatter(
                    calls.days,
                    _percent(shares),
                    s=30,
                    marker="D",
                    color=COLORS["transcripts"],
                    zorder=3,
                    label="earnings calls, day",
                )
            ax.set_ylabel(f"{title}, %")
            ax.set_ylim(bottom=0)
            _mark_alerts(ax, [a for a in alerts if chart_for(a) == "shares"])
        _legend_above(top)
        _date_axis(bottom, period)
        return to_svg(fig, "shares")


def fatigue_chart(series: dict[str, Series], alerts: Sequence[AlertMark], period: Period) -> str:
    """AI-fatigue mentions per day, news stacked under transcripts; above them, mentions per 1,000
    sentences over 7 days with its interval, the rate the fatigue alerts test."""
    with _figure(2, 1, figsize=(WIDE[0], 4.4), sharex=True) as (fig, (top, bottom)):
        everything, news, calls = series["all"], series["news"], series["transcripts"]
        _band(top, everything.days, everything.fatigue_per_1k_7d_low, everything.fatigue_per_1k_7d_high, COLORS["all"])
        top.plot(everything.days, _nan(everything.fatigue_per_1k_7d), color=COLORS["all"], lw=2.2, label="all, 7 days")
        if news.has_data:
            top.plot(news.days, _nan(news.fatigue_per_1k_7d), color=COLORS["news"], lw=1.4, label="news, 7 days")
        top.set_ylabel("per 1,000 sentences")
        top.set_ylim(bottom=0)
        bottom.bar(news.days, news.fatigue_mentions, width=0.8, color=COLORS["news"], label="news")
        bottom.bar(
            calls.days,
            calls.fatigue_mentions,
            width=0.8,
            bottom=news.fatigue_mentions,
            color=COLORS["transcripts"],
            label="earnings calls",
        )
        bottom.set_ylabel("mentions per day")
        bottom.yaxis.get_major_locator().set_params(integer=True)
        for ax in (top, bottom):
            _mark_alerts(ax, [a for a in alerts if chart_for(a) == "fatigue"])
            _legend_above(ax)
        _date_axis(bottom, period)
        return to_svg(fig, "fatigue")


def ticker_chart(series: Series, alerts: Sequence[AlertMark], period: Period, chart_id: str) -> str:
    """One ticker: its hype index over its hype and skeptic shares, 7-day windows."""
    ticker = series.name.removeprefix("ticker:")
    with _figure(2, 1, figsize=(4.4, 3.0), sharex=True, height_ratios=(1, 1)) as (fig, (top, bottom)):
        _band(top, series.days, series.hype_index_7d_low, series.hype_index_7d_high, COLORS["all"])
        top.plot(series.days, _nan(series.hype_index_7d), color=COLORS["all"], lw=1.6)
        top.axhline(0, color="#9ca3af", lw=0.8)
        top.set_ylim(-1.05, 1.05)
        top.set_ylabel("index")
        top.set_title(f"{ticker}  ·  {series.totals().n_docs} documents")
        bottom.plot(series.days, _percent(series.hype_share_7d), color=COLORS["hype"], lw=1.4)
        bottom.plot(series.days, _percent(series.skeptic_share_7d), color=COLORS["skeptic"], lw=1.4)
        bottom.set_ylim(bottom=0)
        bottom.set_ylabel("share, %")
        for ax in (top, bottom):
            _mark_alerts(ax, alerts)
        _date_axis(bottom, period)
        return to_svg(fig, chart_id)


def calls_chart(calls: Sequence[Call]) -> str:
    """Per call, two dumbbells: management vs analysts, and prepared remarks vs Q&A."""
    calls = list(reversed(calls))  # newest on top
    labels = [f"{_short(c.label)}  ({c.call_date:%b %d})" if c.call_date else _short(c.label) for c in calls]
    y = list(range(len(calls)))
    with _figure(1, 2, figsize=(WIDE[0], 0.9 + 0.3 * len(calls)), sharey=True) as (fig, (left, right)):
        for ax, (a, a_label, a_color), (b, b_label, b_color) in (
            (left, ("management", "management", COLORS["all"]), ("analysts", "analysts", COLORS["news"])),
            (right, ("prepared", "prepared remarks", COLORS["transcripts"]), ("qa", "Q&A", COLORS["skeptic"])),
        ):
            xa = _nan([getattr(c, a) for c in calls])
            xb = _nan([getattr(c, b) for c in calls])
            ax.hlines(y, xa, xb, color="#cbd5e1", lw=2.5)
            ax.scatter(xa, y, color=a_color, s=28, zorder=3, label=a_label)
            ax.scatter(xb, y, color=b_color, s=28, zorder=3, marker="D", label=b_label)
            ax.axvline(0, color="#9ca3af", lw=0.8)
            ax.set_xlim(-1.05, 1.05)
            ax.set_xlabel("hype index")
            ax.grid(axis="x", color=COLORS["grid"])
            _legend_above(ax)
        left.set_yticks(y, labels)
        left.set_ylim(-0.6, len(calls) - 0.4)
        return to_svg(fig, "calls")


def topics_chart(topics: Sequence[TopicSeries], alerts: Sequence[AlertMark], period: Period) -> str:
    """Small multiples: each topic's weekly hype index, a dot's size its number of sentences."""
    shown = [t for t in topics if t.totals.n_sentences]
    ncols = min(3, len(shown))
    nrows = -(-len(shown) // ncols)
    with _figure(nrows, ncols, figsize=(WIDE[0], 2.1 * nrows), sharex=True, sharey=True, squeeze=False) as (fig, axes):
        most = max(max(t.n_sentences) for t in shown)
        for ax, topic in zip(axes.flat, shown):
            index = _nan(topic.hype_index)
            ax.plot(topic.weeks, index, color=COLORS["all"], lw=1.4)
            ax.scatter(
                topic.weeks,
                index,
                s=[8 + 60 * n / most for n in topic.n_sentences],
                color=COLORS["transcripts"],
                zorder=3,
                linewidths=0,
            )
            ax.axhline(0, color="#9ca3af", lw=0.8)
            ax.set_ylim(-1.05, 1.05)
            total = topic.totals
            ax.set_title(f"{topic.name}  ·  {total.n_sentences} sentences  ·  {signed(total.hype_index)}")
            _mark_alerts(ax, [a for a in alerts if chart_for(a) == f"topic:{topic.name}"])
            _date_axis(ax, period)
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
        for ax in list(axes.flat)[len(shown) :]:
            ax.set_visible(False)
        for row in axes:
            row[0].set_ylabel("hype index")
        return to_svg(fig, "topics")


def signed(value: float | None) -> str:
    """A hype index as the report writes it: +0.42, −0.17 (a real minus sign), – for none."""
    return "–" if value is None else f"{value:+.2f}".replace("-", "−")


def chart_for(alert: AlertMark) -> str:
    """Which chart shows an alert: tickers on their own chart, topics on theirs, the rest by the
    metric that moved."""
    topic = next((p.removeprefix("topic:") for p in alert.scope.split(",") if p.startswith("topic:")), None)
    if topic:
        return f"topic:{topic}"
    if alert.metric == "capex_returns_gap":
        return "topics"
    if alert.scope.startswith("ticker:"):
        return alert.scope
    if alert.metric in ("hype_share", "skeptic_share"):
        return "shares"
    if alert.metric.startswith("fatigue"):
        return "fatigue"
    return "tone"


def _mark_alerts(ax: Axes, alerts: Sequence[AlertMark]) -> None:
    """A dashed line and a marker on each day with an alert; the line's SVG id names the day."""
    panel = ax.figure.axes.index(ax)
    for i, day in enumerate(sorted({a.day for a in alerts})):
        ax.axvline(day, color=COLORS["alert"], lw=1, ls=(0, (3, 2)), alpha=0.8, gid=f"alert-{panel}-{day:%Y%m%d}")
        ax.plot(
            [day],
            [1.0],
            marker="v",
            ms=6,
            color=COLORS["alert"],
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            label="alert" if i == 0 else None,
        )


def _band(ax: Axes, days: Sequence, low: Sequence[float | None], high: Sequence[float | None], color: str) -> None:
    """A line's 95% interval as a light band (no legend entry: the page's note names it); its SVG
    id names the panel."""
    panel = ax.figure.axes.index(ax)
    ax.fill_between(days, _nan(low), _nan(high), color=color, alpha=0.12, linewidth=0, gid=f"interval-{panel}")


def _error_bars(
    ax: Axes,
    days: Sequence,
    values: Sequence[float | None],
    low: Sequence[float | None],
    high: Sequence[float | None],
    color: str,
) -> None:
    """Single days' 95% intervals as vertical bars, where the day has a value."""
    shown = [(d, lo, hi) for d, v, lo, hi in zip(days, _nan(values), _nan(low), _nan(high)) if v == v]
    if shown:
        ax.vlines(
            [d for d, _, _ in shown],
            [lo for _, lo, _ in shown],
            [hi for _, _, hi in shown],
            color=color,
            lw=1.2,
            alpha=0.7,
            zorder=2,
            gid=f"day-intervals-{ax.figure.axes.index(ax)}",
        )


def _legend_above(ax: Axes) -> None:
    """A one-row legend over the plot, so no line is hidden under it."""
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=len(handles),
        borderaxespad=0.2,
        handlelength=1.6,
        columnspacing=1.4,
    )


def _date_axis(ax: Axes, period: Period) -> None:
    # half a day of margin each side, so the first and last day's bars are whole
    ax.set_xlim(mdates.date2num(period.start) - 0.7, mdates.date2num(period.end) + 0.7)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=9))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))


def _short(text: str, limit: int = 40) -> str:
    """Long names would squeeze the plot; the table under the chart has them whole."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _nan(values: Sequence[float | None]) -> list[float]:
    """None -> NaN, which matplotlib leaves as a gap in the line."""
    return [float("nan") if v is None else float(v) for v in values]


def _shares(counts: Sequence[int], totals: Sequence[int]) -> list[float | None]:
    return [c / t if t else None for c, t in zip(counts, totals)]


def _percent(values: Sequence[float | None]) -> list[float]:
    return [100.0 * v for v in _nan(values)]
