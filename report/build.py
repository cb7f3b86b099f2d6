"""Writing the report: gather the period's figures, draw the charts, render one self-contained page."""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jinja2
from markupsafe import Markup

from hypewatch.errors import HypewatchError
from hypewatch.storage import Store, db

from . import charts
from .data import Period, ReportData, gather

logger = logging.getLogger(__name__)

RECENT_DAYS = 7  # the "last week" of the key figures: the series' trailing 7-day window, whose intervals they show


class ReportWriteError(HypewatchError):
    """The report file (or its folder) cannot be written."""


def write_report(
    store_or_path: Store | Path | str, out: Path, *, days: int, tickers: list[str] | None, today: date | None = None
) -> Path:
    """Write the HTML report of the `days` days ending `today` (UTC) to `out` and return its path.

    `tickers`: the tickers to chart one by one; None charts the most mentioned ones of the period.
    The file is replaced whole, so a browser never sees half a report.
    """
    store = store_or_path if isinstance(store_or_path, Store) else _reader(Path(store_or_path))
    today = today or datetime.now(timezone.utc).date()
    with store.read() as conn:
        data = gather(conn, Period.ending(today, days), tickers)
    html = render(data, generated_at=datetime.now(timezone.utc))
    out = Path(out)
    try:
        _replace(out, html)
    except OSError as exc:
        raise ReportWriteError(f"{out}: cannot write the report: {exc.strerror}") from None
    logger.info("report written to %s (%s to %s, %d bytes)", out, data.period.start, data.period.end, len(html))
    return out


def _reader(path: Path) -> Store:
    # The report only reads: a read-only database file is enough unless its schema is older.
    # No file yet: create it, for a report that says there is no data yet.
    if not path.exists():
        return Store(path)
    db.ready_for_reading(path)
    return Store(path, migrate=False)


def _replace(out: Path, html: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=out.parent, prefix=f".{out.name}.", suffix=".tmp", delete=False
    )
    try:
        with tmp:
            tmp.write(html)
        os.chmod(tmp.name, 0o644)  # a temp file is private (0600); a report is meant to be read
        os.replace(tmp.name, out)
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise


def render(data: ReportData, *, generated_at: datetime) -> str:
    """The page as a string: charts inlined as SVG, every string from the database escaped."""
    chart_svgs: dict[str, Markup] = {}
    ticker_svgs: list[tuple[str, Markup]] = []
    if data.has_data:
        chart_svgs = {
            "tone": Markup(charts.tone_chart(data.series, data.alerts, data.period)),
            "shares": Markup(charts.shares_chart(data.series, data.alerts, data.period)),
            "fatigue": Markup(charts.fatigue_chart(data.series, data.alerts, data.period)),
        }
        for i, ticker in enumerate(data.tickers):
            series = data.series[f"ticker:{ticker}"]
            alerts = [a for a in data.alerts if charts.chart_for(a) == series.name]
            ticker_svgs.append((ticker, Markup(charts.ticker_chart(series, alerts, data.period, f"ticker{i}"))))
    if data.calls:
        chart_svgs["calls"] = Markup(charts.calls_chart(data.calls))
    if data.has_topics:
        chart_svgs["topics"] = Markup(charts.topics_chart(data.topics, data.alerts, data.period))

    everything = data.series["all"]
    return (
        _environment()
        .get_template("template.html.j2")
        .render(
            data=data,
            generated_at=generated_at,
            charts=chart_svgs,
            ticker_charts=ticker_svgs,
            recent_days=RECENT_DAYS,
            recent=everything.totals(RECENT_DAYS),
            whole=everything.totals(),
            news=data.series["news"].totals(),
            transcripts=data.series["transcripts"].totals(),
        )
    )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hypewatch.report", ""),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pct=pct, index=signed_index, web_url=web_url, counts=counts_summary, duration=duration, utc_minute=utc_minute
    )
    return env


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


signed_index = charts.signed  # +0.42 / −0.17 / – (the charts' titles write it so too)


def web_url(url: str | None) -> str | None:
    """The URL if a browser may follow it: http(s) only, so no `javascript:` link gets into the page."""
    if url and urlparse(url).scheme in ("http", "https"):
        return url
    return None


def counts_summary(counts: dict[str, Any]) -> str:
    """`{"crawl": {"new": 3, "failed": 0}}` -> `crawl: new 3, failed 0`; stages without figures left out."""
    parts = []
    for stage, figures in counts.items():
        if isinstance(figures, dict):
            shown = [
                f"{k.replace('_', ' ')} {v}"
                for k, v in figures.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            ]
            if shown:
                parts.append(f"{stage}: {', '.join(shown)}")
        elif isinstance(figures, (int, float)) and not isinstance(figures, bool):
            parts.append(f"{stage} {figures}")
    return " · ".join(parts)


def utc_minute(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "–"
    seconds = int((end - start).total_seconds())
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
