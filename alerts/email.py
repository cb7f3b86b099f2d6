"""The alert digest: one email per run holding every pending alert.

The message is multipart/alternative: a plain-text part, and an HTML part wrapped in
multipart/related with one inline PNG chart per alert (referenced as <img src="cid:...">).
Sentences, titles and URLs come from the web, so the HTML is rendered by Jinja with autoescape
on, and only http(s) URLs become links.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from importlib import resources
from urllib.parse import urlparse

import duckdb
import jinja2

from hypewatch.records import Alert
from hypewatch.settings import SOURCE_STALE_RULE, Email

from .chart import Span, render_chart
from .series import Counts, Q, load_series, metric, scope_params

CHART_DAYS = 90
SENTENCES_PER_CATEGORY = 3
CATEGORIES = ("hype", "skeptic", "fatigue")
SUBJECT_ALERTS = 3  # alerts named in the subject before "+N more"
DETAILED_ALERTS = 12  # alerts shown with chart and sentences; the rest (a backfill) get one line each
MSGID_DOMAIN = "hypewatch"  # make_msgid's default looks up the host's FQDN, which can hang


@dataclass(frozen=True)
class Evidence:
    """A sentence behind a shift, with where it was read."""

    text: str
    probability: float
    source: str
    title: str | None
    url: str
    day: date


@dataclass
class AlertSection:
    """Everything the digest shows about one alert."""

    alert: Alert
    chart_png: bytes
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # hype / skeptic / fatigue
    chart_days: int = CHART_DAYS

    @property
    def detail(self) -> dict:
        return json.loads(self.alert.detail) if self.alert.detail else {}

    @property
    def direction(self) -> str:
        return "up" if (self.alert.zscore or 0) > 0 else "down"

    @property
    def headline(self) -> str:
        return headline(self.alert)

    @property
    def is_stale(self) -> bool:
        return is_stale(self.alert)

    @property
    def window_label(self) -> str:
        w = self.detail.get("window", {})
        return f"{w['start']} to {w['end']}" if w else f"the window ending {self.alert.day}"

    @property
    def baseline_label(self) -> str:
        b = self.detail.get("baseline", {})
        return f"{b['start']} to {b['end']}" if b else "the days before"

    @property
    def window_interval(self) -> str:
        return _interval(self.detail.get("window", {}))

    @property
    def baseline_interval(self) -> str:
        """The pooled baseline's interval; it names the pooled value where the rule's center is
        another (the median or mean of daily values)."""
        baseline = self.detail.get("baseline", {})
        interval = _interval(baseline)
        pooled = baseline.get("pooled")
        if interval and pooled is not None and _num(pooled) != _num(self.alert.baseline):
            return f"pooled {_num(pooled)}, {interval}"
        return interval

    @property
    def clears_label(self) -> str:
        """Whether the window's interval clears the baseline's, in words; empty for alerts stored
        before intervals were."""
        clears = self.detail.get("clears")
        if clears is None:
            return ""
        if clears:
            return "The window's 95% interval clears the baseline's: the move stands out of the noise."
        return "The window's 95% interval overlaps the baseline's: the move may be noise."

    @property
    def statistic_label(self) -> str:
        """How the shift was measured: the effect with its interval and z, or the daily-values z."""
        detail, z = self.detail, f"{self.alert.zscore:+.2f}"
        test = detail.get("test")
        if detail.get("method") == "counts" and test:
            effect = (
                f"rate ratio {_num(test['value'])}"
                if test["effect"] == "rate ratio"
                else f"difference {_signed(test['value'])}"
            )
            high = (
                "unbounded"
                if test["high"] is None
                else (_num(test["high"]) if test["effect"] == "rate ratio" else _signed(test["high"]))
            )
            low = _num(test["low"]) if test["effect"] == "rate ratio" else _signed(test["low"])
            kind = "Poisson rates" if test["kind"] == "rates" else "proportions"
            spread = detail.get("dispersion", 1.0)
            noise = f", day-to-day dispersion {spread:.1f}" if spread > 1 else ""
            fallback = (
                f"; the baseline's daily values leave the {detail['fallback_from']} rule no spread to"
                " divide by (most days alike), so the counts decided"
                if detail.get("fallback_from")
                else ""
            )
            return f"{effect} (95% interval {low} to {high}); z {z}, a test on {kind}{noise}{fallback}"
        method = "median and MAD" if detail.get("method") == "robust" else "mean and standard deviation"
        return f"z-score {z} ({method} of the baseline's daily values)"

    @property
    def n_docs(self) -> int | None:
        return self.detail.get("window", {}).get("n_docs")


def is_stale(alert: Alert) -> bool:
    return alert.rule == SOURCE_STALE_RULE


def headline(alert: Alert) -> str:
    """'hype_index down (all)', or 'example-news quiet (9 days)' for a source-stale alert."""
    if is_stale(alert):
        return f"{alert.scope.removeprefix('source:')} quiet ({alert.value:.0f} days)"
    return f"{alert.metric} {'up' if (alert.zscore or 0) > 0 else 'down'} ({alert.scope})"


def window_of(alert: Alert) -> tuple[date, date]:
    detail = json.loads(alert.detail) if alert.detail else {}
    if detail.get("window"):
        return date.fromisoformat(detail["window"]["start"]), date.fromisoformat(detail["window"]["end"])
    if detail.get("quiet_since"):  # a source-stale alert: the quiet days
        return datetime.fromisoformat(detail["quiet_since"]).date(), alert.day
    return alert.day - timedelta(days=6), alert.day


def load_section(
    conn: duckdb.DuckDBPyConnection,
    alert: Alert,
    *,
    chart_days: int = CHART_DAYS,
    per_category: int = SENTENCES_PER_CATEGORY,
) -> AlertSection:
    """Read what the digest shows about an alert: its chart and the sentences behind it (for a
    source-stale alert: the source's documents per day)."""
    start, end = window_of(alert)
    m = metric("n_docs" if is_stale(alert) else alert.metric)
    first = alert.day - timedelta(days=chart_days - 1)
    by_day = {row.day: row.counts for row in load_series(conn, alert.scope, first, alert.day)}
    points, bands = [], []
    for offset in range(chart_days):
        day = first + timedelta(days=offset)
        counts = by_day.get(day, Counts())
        interval = None if is_stale(alert) else m.interval(counts, 1)
        points.append((day, m.value(counts, 1)))
        bands.append((interval.low, interval.high) if interval else (None, None))
    if is_stale(alert):
        png = render_chart(
            points,
            window=(start, end),
            baseline=None,
            bands=bands,
            title=f"{m.name} ({alert.scope}), last {chart_days} days",
        )
        return AlertSection(alert, png, {}, chart_days)
    detail = json.loads(alert.detail) if alert.detail else {}
    png = render_chart(
        points,
        window=(start, end),
        baseline=alert.baseline,
        bands=bands,
        window_span=_span(detail.get("window")),
        baseline_span=_span(detail.get("baseline")),
        title=f"{alert.metric} ({alert.scope}), last {chart_days} days",
    )
    return AlertSection(alert, png, load_evidence(conn, alert, per_category=per_category), chart_days)


def load_evidence(
    conn: duckdb.DuckDBPyConnection, alert: Alert, *, per_category: int = SENTENCES_PER_CATEGORY
) -> dict[str, list[Evidence]]:
    """The strongest hype, skeptic and fatigue sentences of the alert's scope and window."""
    start, end = window_of(alert)
    evidence = {}
    for category in CATEGORIES:
        rows = conn.execute(
            Q["top_sentences"],
            {
                **scope_params(alert.scope),
                "category": category,
                "start": start,
                "end": end,
                "limit": per_category,
            },
        ).fetchall()
        evidence[category] = [Evidence(*row) for row in rows]
    return evidence


def subject_for(alerts: Sequence[Alert], prefix: str = "[hypewatch]") -> str:
    """'[hypewatch] 2 alerts: hype_index down (all), skeptic_share up (kind:news)'."""
    named = [headline(a) for a in alerts[:SUBJECT_ALERTS]]
    if len(alerts) > SUBJECT_ALERTS:
        named.append(f"+{len(alerts) - SUBJECT_ALERTS} more")
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    return f"{prefix} {count}: {', '.join(named)}".strip()


def compose_digest(
    sections: Sequence[AlertSection], email: Email, *, now: datetime, more: Sequence[Alert] = ()
) -> EmailMessage:
    """The digest email: each section in full, then `more` alerts one line each; no I/O."""
    if not sections:
        raise ValueError("a digest needs at least one alert")
    cids = [make_msgid("chart", domain=MSGID_DOMAIN)[1:-1] for _ in sections]
    subject = subject_for([s.alert for s in sections] + list(more), email.subject_prefix)
    context = {"items": list(zip(sections, cids)), "more": list(more), "now": now, "subject": subject}

    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = email.from_
    if email.to:
        msg["To"] = ", ".join(email.to)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = digest_message_id([s.alert.alert_id for s in sections] + [a.alert_id for a in more])
    msg.set_content(_template("digest.txt.j2", html=False).render(context))
    msg.add_alternative(_template("digest.html.j2", html=True).render(context), subtype="html")
    html_part = msg.get_payload()[1]
    for n, (section, cid) in enumerate(zip(sections, cids), 1):
        html_part.add_related(
            section.chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            filename=f"chart-{n}.png",
            disposition="inline",
        )
    return msg


def digest_message_id(alert_ids: Sequence[str]) -> str:
    """The same alerts make the same Message-ID, so a digest sent again (the run died before it
    could record the first send) is recognisable as the same message by mail clients."""
    digest = hashlib.sha256("\n".join(sorted(alert_ids)).encode("utf-8")).hexdigest()[:32]
    return f"<digest-{digest}@{MSGID_DOMAIN}>"


def _span(part: dict | None) -> Span | None:
    """The window's or baseline's level and interval from an alert's detail; None for alerts stored
    before intervals were (the baseline is then a line across the chart)."""
    if not part or "low" not in part:
        return None
    value = part.get("pooled", part.get("value"))
    return Span(date.fromisoformat(part["start"]), date.fromisoformat(part["end"]), value, part["low"], part["high"])


def _interval(part: dict) -> str:
    if "low" not in part:
        return ""
    return f"95% interval {_num(part['low'])} to {_num(part['high'])}"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _num(value)


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def _is_web(url: str | None) -> bool:
    return bool(url) and urlparse(url).scheme in ("http", "https")


@cache
def _template(name: str, *, html: bool) -> jinja2.Template:
    env = jinja2.Environment(autoescape=html, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["num"] = _num
    env.filters["is_web"] = _is_web
    env.filters["z"] = lambda z: "n/a" if z is None else f"{z:+.2f}"
    env.filters["headline"] = headline
    return env.from_string(resources.files("hypewatch.alerts").joinpath(name).read_text(encoding="utf-8"))
