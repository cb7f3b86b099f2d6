"""The settings types the stages take: plain, validated values with no behaviour of the app.

The bottom layer (with records.py, errors.py, scopes.py and measures.py): it imports no stage,
so the crawler, the alerts and the report can take these as typed arguments. hypewatch/config.py
assembles them into the app's one Config from config.yaml.
"""

from __future__ import annotations

import os
import re
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .records import Kind
from .scopes import parse_scope

#: The rule name of the alert a quiet source raises (see alerts/stale.py).
SOURCE_STALE_RULE = "source-stale"
#: The channel name of the email digest in the `deliveries` table.
EMAIL_CHANNEL = "email"
#: `${NAME}` in a channel URL: replaced by the environment variable NAME when sending.
ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The alert metric of the capex-versus-returns gap, and the topics it weighs.
GAP_METRIC = "capex_returns_gap"
GAP_TOPICS = ("capex", "returns")
#: What an alert rule may watch (alerts/series.py: METRICS says how each is computed and tested).
METRIC_NAMES = (
    "hype_index",
    "hype_share",
    "skeptic_share",
    "fatigue_per_1k",
    GAP_METRIC,
    "n_docs",
    "n_sentences",
    "n_hype",
    "n_skeptic",
    "fatigue_mentions",
)


class Settings(BaseModel):
    """The base of every settings type: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_url(value: str) -> str:
    parts = urlparse(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


class Source(Settings):
    name: str = Field(min_length=1)
    kind: Kind = "news"
    feed: str | None = None  # an http(s) URL, or a local feed file
    urls: list[str] = Field(default_factory=list)  # single pages to fetch
    path: Path | None = None  # a folder (or file) of transcripts / pages
    allow_private: bool = False  # fetch from loopback/private addresses (tests, intranets)
    enabled: bool = True
    stale_days: int | None = Field(None, ge=0)  # None: alerts.stale_days; 0: never a source-stale alert

    @field_validator("urls")
    @classmethod
    def _urls_are_http(cls, urls: list[str]) -> list[str]:
        return [_check_url(u) for u in urls]

    @field_validator("feed")
    @classmethod
    def _feed_is_url_or_path(cls, feed: str | None) -> str | None:
        if feed and "://" in feed:
            _check_url(feed)
        return feed

    @model_validator(mode="after")
    def _has_something_to_read(self) -> Source:
        if not (self.feed or self.urls or self.path):
            raise ValueError(f"source {self.name!r} needs one of: feed, urls, path")
        return self

    @property
    def feed_is_url(self) -> bool:
        return bool(self.feed and "://" in self.feed)


class Crawl(Settings):
    user_agent: str = "hypewatch/0.1 (+https://github.com/hypewatch/hypewatch)"
    concurrency: int = Field(8, ge=1, le=256)
    per_host_concurrency: int = Field(2, ge=1, le=64)
    per_host_delay_s: float = Field(1.0, ge=0)
    timeout_s: float = Field(20, gt=0)
    max_bytes: int = Field(5_000_000, gt=0)
    max_redirects: int = Field(5, ge=0, le=30)
    retries: int = Field(3, ge=0, le=10)
    respect_robots: bool = True
    max_items_per_feed: int = Field(200, ge=1)
    # None: connect directly, whatever HTTP_PROXY & co. say; "env": the proxy variables; or a proxy URL
    proxy: str | None = None

    @field_validator("proxy")
    @classmethod
    def _proxy_form(cls, proxy: str | None) -> str | None:
        if proxy is None or proxy == "env":
            return proxy
        parts = urlparse(proxy)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be env or an http(s) proxy URL such as http://proxy.example:3128")
        if parts.password:
            raise ValueError(
                "a password must not be in the file: put the proxy URL in HTTPS_PROXY and HTTP_PROXY and set proxy: env"
            )
        return proxy


class Model(Settings):
    name: str = "default"  # "default", a Hugging Face model id, or a local folder
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: int = Field(64, ge=1, le=4096)
    # for a foreign sequence-classification model: its label names -> ours
    label_map: dict[str, Literal["hype", "skeptic", "neutral"]] = Field(default_factory=dict)
    # auto: fp16 on CUDA; on a CPU, int8 in ONNX Runtime for our model (the fastest, but a sentence's
    # score depends a little on its batch), bf16 or fp32 for a foreign one.
    precision: Literal["auto", "fp32", "bf16", "int8"] = "auto"
    # More AI names the model reads marked, as it reads those of its glossary (nlp/glossary.yaml):
    # this year's products. Names match in the case written ("Helios"), terms in any ("agent mesh").
    ai_names: list[str] = Field(default_factory=list)
    ai_terms: list[str] = Field(default_factory=list)

    @field_validator("ai_names", "ai_terms")
    @classmethod
    def _words(cls, phrases: list[str]) -> list[str]:
        for i, phrase in enumerate(phrases):
            if not re.search(r"\w", phrase):
                raise ValueError(f"item {i + 1}, {phrase!r}, has no word to match")
        return phrases


class Rule(Settings):
    name: str = Field(min_length=1)
    metric: str = "hype_index"
    scope: str = "all"
    window_days: int = Field(7, ge=1)
    baseline_days: int = Field(28, ge=2)
    threshold: float = Field(2.0, gt=0)
    min_docs: int = Field(5, ge=0)
    cooldown_days: int = Field(3, ge=0)
    method: Literal["counts", "zscore", "robust"] = "counts"  # see alerts/detect.py
    direction: Literal["both", "up", "down"] = "both"

    @field_validator("name")
    @classmethod
    def _not_source_stale(cls, name: str) -> str:
        if name == SOURCE_STALE_RULE:
            raise ValueError(
                f"{SOURCE_STALE_RULE!r} is the name of the alert a quiet source raises; call this rule something else"
            )
        return name

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRIC_NAMES:
            raise ValueError(f"unknown metric {metric!r}; one of: {', '.join(METRIC_NAMES)}")
        return metric

    @field_validator("scope")
    @classmethod
    def _scope_form(cls, scope: str) -> str:
        parse_scope(scope)  # its ScopeError is a ValueError: reported with the key and line
        return scope


class Smtp(Settings):
    host: str | None = None
    port: int = Field(25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password_env: str | None = "HYPEWATCH_SMTP_PASSWORD"
    timeout_s: float = Field(30, gt=0)

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class Email(Settings):
    to: list[str] = Field(default_factory=list)
    from_: str = Field("hypewatch@localhost", alias="from")
    smtp: Smtp = Smtp()
    outbox: Path = Path("outbox")
    subject_prefix: str = "[hypewatch]"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("to", "from_")
    @classmethod
    def _addresses(cls, value: list[str] | str) -> list[str] | str:
        # A typo found here, not by the SMTP server at send time, when the alerts are already due.
        for address in [value] if isinstance(value, str) else value:
            _, addr = parseaddr(address)
            local, at, domain = addr.rpartition("@")
            if not (at and local and domain) or any(c.isspace() for c in addr):
                raise ValueError(f"{address!r} is not an email address (name@example.com, or Name <name@example.com>)")
        return value


class Channel(Settings):
    """A notification target beyond the email digest: an Apprise URL (slack://, msteams://, ...)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    url: str  # secrets as ${ENV_VAR}, expanded from the environment when sending
    format: Literal["auto", "short", "markdown"] = "auto"  # auto: markdown where the service renders it
    rules: list[str] | None = None  # the alert rules it gets (source-stale included); None: all
    max_chars: int | None = Field(None, ge=100)  # a tighter size limit than the service's own

    @field_validator("name")
    @classmethod
    def _not_email(cls, name: str) -> str:
        if name == EMAIL_CHANNEL:
            raise ValueError(f"{EMAIL_CHANNEL!r} is the email digest's name; call this channel something else")
        return name

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, url: str) -> str:
        for name in ENV_REFERENCE.findall(url):
            if not ENV_NAME.fullmatch(name):
                raise ValueError(f"${{{name}}} is not an environment variable name")
        scheme, sep, _ = url.partition("://")
        if not sep or not scheme:
            raise ValueError(f"not an Apprise URL (scheme://...): {_redacted(url)!r}")
        from apprise.manager_plugins import NotificationManager  # only configs with channels pay for it

        if scheme.lower() not in NotificationManager().schemas():
            raise ValueError(f"{scheme}:// is not a service Apprise knows (see its list of URLs)")
        return url

    @property
    def env_names(self) -> list[str]:
        return list(dict.fromkeys(ENV_REFERENCE.findall(self.url)))

    @property
    def scheme(self) -> str:
        return self.url.partition("://")[0].lower()

    def takes(self, rule: str) -> bool:
        return self.rules is None or rule in self.rules


def _redacted(url: str) -> str:
    """A URL as errors may show it: the scheme and what follows up to the first character."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest[:1]}..." if rest else url


def default_rules() -> list[Rule]:
    return [
        Rule(name="tone-shift", metric="hype_index"),
        Rule(name="skeptic-surge", metric="skeptic_share", direction="up"),
        Rule(name="fatigue-talk", metric="fatigue_per_1k", direction="up"),
    ]


class Alerts(Settings):
    rules: list[Rule] = Field(default_factory=default_rules)
    email: Email = Email()
    channels: list[Channel] = Field(default_factory=list)
    max_attempts: int = Field(5, ge=1, le=100)  # runs that try a channel delivery before it is `failed`
    stale_days: int = Field(7, ge=0)  # a source with nothing new this long raises source-stale; 0: never
    stale_cooldown_days: int = Field(14, ge=0)  # no second source-stale alert of a source this soon

    @model_validator(mode="after")
    def _channels_fit_rules(self) -> Alerts:
        names = [c.name for c in self.channels]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate channel names: {', '.join(dupes)}")
        known = {r.name for r in self.rules} | {SOURCE_STALE_RULE}
        for channel in self.channels:
            unknown = [r for r in channel.rules or () if r not in known]
            if unknown:
                raise ValueError(
                    f"channel {channel.name!r} names unknown rules: {', '.join(unknown)} "
                    f"(rules: {', '.join(sorted(known))})"
                )
        return self

    def stale_days_of(self, source: Source) -> int:
        return self.stale_days if source.stale_days is None else source.stale_days


class Report(Settings):
    path: Path = Path("report.html")
    url: str | None = None  # where readers open the report, for links in chat alerts; default: its path
    days: int = Field(120, ge=7)
    tickers: list[str] | None = None  # None: every ticker of the watchlist seen in the period
    on_run: bool = True


def resolve_path(base_dir: Path, path: Path | str) -> Path:
    """A path of the config: `~` expanded, relative ones against the config file's folder."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else (base_dir / path).resolve()
