"""The chat message of one alert (Slack, Teams, Discord, ntfy, webhooks), and fitting it into a
service's size limit. Pure functions: no I/O.

A message is a title, lines (each a sentence or one quoted sentence with its link) and a footer
(where the report is). A message over the service's limit loses whole lines from the end, and
says so in a note before the footer; it is never cut silently, nor in the middle of a sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from hypewatch.errors import HypewatchError
from hypewatch.records import Alert

from .email import Evidence, _num, headline, is_stale, window_of

#: Sentences quoted behind a shift.
EVIDENCE_SENTENCES = 3
#: Which sentences explain a move: (metric, direction) -> categories, most telling first.
EVIDENCE_ORDER: dict[tuple[str, str], tuple[str, ...]] = {
    ("hype_index", "up"): ("hype", "skeptic"),
    ("hype_index", "down"): ("skeptic", "hype"),
    ("hype_share", "up"): ("hype",),
    ("hype_share", "down"): ("skeptic", "hype"),
    ("n_hype", "up"): ("hype",),
    ("n_hype", "down"): ("skeptic", "hype"),
    ("skeptic_share", "up"): ("skeptic",),
    ("skeptic_share", "down"): ("hype", "skeptic"),
    ("n_skeptic", "up"): ("skeptic",),
    ("n_skeptic", "down"): ("hype", "skeptic"),
}
DEFAULT_EVIDENCE_ORDER = ("hype", "skeptic", "fatigue")
# Characters that Markdown (and the chat dialects Apprise turns it into) would read as markup.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


class MessageTooLong(HypewatchError, ValueError):
    """Even the first line of the alert does not fit the service's size limit."""


@dataclass(frozen=True)
class ChatMessage:
    title: str
    lines: tuple[str, ...]
    footer: str | None
    markdown: bool

    def render(self, kept: int | None = None, note: str | None = None) -> str:
        """The body with the first `kept` lines (all by default), the note, then the footer."""
        parts = list(self.lines[:kept] if kept is not None else self.lines)
        if note:
            parts.append(f"_{note}_" if self.markdown else note)
        if self.footer:
            parts.append(self.footer)
        return ("\n\n" if self.markdown else "\n").join(parts)


@dataclass(frozen=True)
class FittedBody:
    text: str
    left_out: int  # lines cut to fit; 0 when the whole message fits


def compose(
    alert: Alert, evidence: dict[str, list[Evidence]], *, markdown: bool, report_link: str | None
) -> ChatMessage:
    """The message of one alert: a shift with the sentences behind it, or a quiet source."""
    lines = _stale_lines(alert, markdown) if is_stale(alert) else _shift_lines(alert, evidence, markdown)
    footer = None
    if report_link:
        web = report_link.startswith(("http://", "https://"))
        footer = f"[Open the report]({report_link})" if markdown and web else f"Report: {report_link}"
    return ChatMessage(title=f"hypewatch: {headline(alert)}", lines=tuple(lines), footer=footer, markdown=markdown)


def fit(message: ChatMessage, fits: Callable[[str], bool], *, service: str, limit: int) -> FittedBody:
    """The longest body that `fits`: whole, or cut after a line with a note saying so."""
    whole = message.render()
    if fits(whole):
        return FittedBody(whole, 0)
    total = len(message.lines)
    for kept in range(total - 1, 0, -1):
        note = (
            f"[Cut to fit {service}'s {limit:,}-character limit: {total - kept} of {total} lines left out; "
            "the report has the whole alert.]"
        )
        body = message.render(kept, note)
        if fits(body):
            return FittedBody(body, total - kept)
    raise MessageTooLong(f"the alert does not fit {service}'s {limit:,}-character limit even cut to its first line")


def pick_evidence(
    alert: Alert, evidence: dict[str, list[Evidence]], limit: int = EVIDENCE_SENTENCES
) -> list[tuple[str, Evidence]]:
    """The sentences that explain the move: the telling category first, then the others."""
    direction = "up" if (alert.zscore or 0) > 0 else "down"
    if alert.metric.startswith("fatigue"):
        order: Sequence[str] = ("fatigue",)
    else:
        order = EVIDENCE_ORDER.get((alert.metric, direction), DEFAULT_EVIDENCE_ORDER)
    picked = [(category, e) for category in order for e in evidence.get(category, [])]
    return picked[:limit]


def _shift_lines(alert: Alert, evidence: dict[str, list[Evidence]], markdown: bool) -> list[str]:
    detail = json.loads(alert.detail) if alert.detail else {}
    start, end = window_of(alert)
    baseline = detail.get("baseline", {})
    since = f" ({baseline['start']} to {baseline['end']})" if baseline else ""
    docs = detail.get("window", {}).get("n_docs")
    bold = (lambda s: f"**{s}**") if markdown else (lambda s: s)
    z = f"{alert.zscore:+.2f}" if alert.zscore is not None else "n/a"
    lines = [
        f"{bold(alert.metric)} was {bold(_num(alert.value))} over {_span(start, end)} against a baseline of "
        f"{_num(alert.baseline)}{since}: z-score {bold(z)}"
        + (f", {docs} documents in the window." if docs is not None else "."),
        f"Rule {alert.rule}, scope {alert.scope}, day {alert.day}.",
    ]
    for category, e in pick_evidence(alert, evidence):
        text = _untrusted(e.text, markdown)
        where = _untrusted(f"{e.source}: {e.title}" if e.title else e.source, markdown)
        if markdown:
            link = f"[{where}]({e.url})" if e.url.startswith(("http://", "https://")) else f"{where} {e.url}"
            lines.append(f"> “{text}”\n> {category}, p={e.probability:.2f} · {link} ({e.day})")
        else:
            lines.append(f"“{text}” ({category}, p={e.probability:.2f}) {where}, {e.day}: {e.url}")
    return lines


def _stale_lines(alert: Alert, markdown: bool) -> list[str]:
    detail = json.loads(alert.detail) if alert.detail else {}
    source = alert.scope.removeprefix("source:")
    name = f"**{source}**" if markdown else source
    lines = [
        f"Nothing new from {name} for {alert.value:.0f} days, since {detail.get('quiet_since', '?')[:10]} "
        f"(its limit: {alert.baseline:.0f} days)."
    ]
    if detail.get("failing_since"):
        error = _untrusted(detail.get("last_error") or "no error recorded", markdown)
        lines.append(f"It has failed on every crawl since {detail['failing_since'][:10]}: {error}")
    lines.append("A quiet source is not a calm market: its documents are missing from the series until it is fixed.")
    return lines


def _span(start: date, end: date) -> str:
    return f"{start} to {end}"


def _untrusted(text: str, markdown: bool) -> str:
    """Text from the web, shown as text: no markup, and no @channel / @everyone pings."""
    text = " ".join(text.split()).replace("@", "@\u200b")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text) if markdown else text
