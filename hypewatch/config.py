"""config.yaml, parsed once into a validated, typed object.

Errors name the key and its line: `config.yaml:12: crawl.timeout_s: Input should be a valid number`.
Relative paths resolve against the config file's folder.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import HypewatchError
from hypewatch.nlp.topics import TopicDefinition, TopicError, TopicTagger, default_ai_terms, default_topics

from .scopes import parse_scope

DEFAULT_CONFIG_NAME = "config.yaml"
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


class ConfigError(HypewatchError):
    """The config file is missing, unreadable or invalid. The message names the file, line and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_url(value: str) -> str:
    parts = urlparse(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


class Source(_Strict):
    name: str = Field(min_length=1)
    kind: Literal["news", "transcripts"] = "news"
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


class Crawl(_Strict):
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
            raise ValueError("a password must not be in the file: put the proxy URL in HTTPS_PROXY "
                             "and HTTP_PROXY and set proxy: env")
        return proxy


class Model(_Strict):
    name: str = "default"  # "default", a Hugging Face model id, or a local folder
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: int = Field(64, ge=1, le=4096)
    # for a foreign sequence-classification model: its label names -> ours
    label_map: dict[str, Literal["hype", "skeptic", "neutral"]] = Field(default_factory=dict)
    # auto: fp16 on CUDA; on a CPU, int8 in ONNX Runtime for our model (the fastest, but a sentence's
    # score depends a little on its batch), bf16 or fp32 for a foreign one.
    precision: Literal["auto", "fp32", "bf16", "int8"] = "auto"


class Rule(_Strict):
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
            raise ValueError(f"{SOURCE_STALE_RULE!r} is the name of the alert a quiet source raises; "
                             "call this rule something else")
        return name

    @field_validator("scope")
    @classmethod
    def _scope_form(cls, scope: str) -> str:
        parse_scope(scope)  # its ScopeError is a ValueError: reported with the key and line
        return scope


class Smtp(_Strict):
    host: str | None = None
    port: int = Field(25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password_env: str | None = "HYPEWATCH_SMTP_PASSWORD"
    timeout_s: float = Field(30, gt=0)

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class Email(_Strict):
    to: list[str] = Field(default_factory=list)
    from_: str = Field("hypewatch@localhost", alias="from")
    smtp: Smtp = Smtp()
    outbox: Path = Path("outbox")
    subject_prefix: str = "[hypewatch]"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Channel(_Strict):
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


class Alerts(_Strict):
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
                raise ValueError(f"channel {channel.name!r} names unknown rules: {', '.join(unknown)} "
                                 f"(rules: {', '.join(sorted(known))})")
        return self

    def stale_days_of(self, source: Source) -> int:
        return self.stale_days if source.stale_days is None else source.stale_days


class Report(_Strict):
    path: Path = Path("report.html")
    url: str | None = None  # where readers open the report, for links in chat alerts; default: its path
    days: int = Field(120, ge=7)
    tickers: list[str] | None = None  # None: every ticker of the watchlist seen in the period
    on_run: bool = True


class Topic(_Strict):
    """A topic of `topics:`: a new one, or changes to a default one of the same name (the keys
    given replace the default's; `add_phrases` and `add_exclude` extend its lists)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str | None = None
    phrases: list[str] | None = None
    exclude: list[str] | None = None
    add_phrases: list[str] = Field(default_factory=list)
    add_exclude: list[str] = Field(default_factory=list)
    enabled: bool = True


class AiMentions(_Strict):
    terms: list[str] = Field(default_factory=default_ai_terms, min_length=1)


def merge_topics(changes: list[Topic], defaults: list[TopicDefinition]) -> list[TopicDefinition]:
    """The defaults with the config's topics applied: replaced or extended by name, dropped when
    `enabled: false`, new ones added after them in the config's order."""
    merged = {t.name: t for t in defaults}
    for i, change in enumerate(changes):
        base = merged.get(change.name)
        if base is None and change.phrases is None and not change.add_phrases:
            raise TopicError(f"topics[{i}]: a new topic needs phrases "
                             f"(the defaults are {', '.join(t.name for t in defaults)})")
        base = base or TopicDefinition(change.name)
        merged[change.name] = TopicDefinition(
            change.name,
            change.description if change.description is not None else base.description,
            tuple(change.phrases if change.phrases is not None else base.phrases) + tuple(change.add_phrases),
            tuple(change.exclude if change.exclude is not None else base.exclude) + tuple(change.add_exclude),
        )
        if not change.enabled:
            del merged[change.name]
    return list(merged.values())


class Config(_Strict):
    database: Path = Path("data/hypewatch.duckdb")
    sources: list[Source] = Field(default_factory=list)
    crawl: Crawl = Crawl()
    model: Model = Model()
    alerts: Alerts = Alerts()
    report: Report = Report()
    watchlist: dict[str, list[str]] | None = None  # ticker -> names; None: the built-in list
    topics: list[Topic] = Field(default_factory=list)  # changes to the default topics, and new ones
    ai_mentions: AiMentions = AiMentions()
    log_file: bool = True

    base_dir: Path = Field(Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique_source_names(self) -> Config:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate source names: {', '.join(dupes)}")
        return self

    @field_validator("topics")
    @classmethod
    def _topic_names_unique(cls, topics: list[Topic]) -> list[Topic]:
        names = [t.name for t in topics]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"topic {dupes[0]} is given twice")
        return topics

    @property
    def topic_definitions(self) -> list[TopicDefinition]:
        return merge_topics(self.topics, default_topics())

    def topic_tagger(self) -> TopicTagger:
        return TopicTagger(self.topic_definitions, self.ai_mentions.terms)

    def resolve(self, path: Path | str) -> Path:
        path = Path(path).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def database_path(self) -> Path:
        return self.resolve(self.database)


def load_config(path: Path | str) -> Config:
    """Read and validate a config file; raise ConfigError naming file, line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `hypewatch init`)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a text file (byte {exc.start + 1} is not UTF-8); a config is YAML text") from None
    if "\x00" in text:
        raise ConfigError(f"{path}: not a text file (it holds NUL bytes); a config is YAML text")
    return parse_config(text, base_dir=path.resolve().parent, filename=str(path))


def parse_config(text: str, base_dir: Path, filename: str = DEFAULT_CONFIG_NAME) -> Config:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        raise ConfigError(f"{filename}: the config file is empty; `hypewatch init` writes a starter one")
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}:1: the config must be a mapping of keys")
    try:
        config = Config.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, node, filename)) from None
    _check_paths(config, node, filename)
    _check_topics(config, node, filename)
    _check_rule_topics(config, node, filename)
    return config


def _check_paths(config: Config, node: yaml.Node | None, filename: str) -> None:
    for i, source in enumerate(config.sources):
        for key in ("path", "feed"):
            value = getattr(source, key)
            if value is None or (key == "feed" and source.feed_is_url):
                continue
            if not config.resolve(value).exists():
                line = _line_of(node, ("sources", i, key))
                raise ConfigError(f"{filename}:{line}: sources[{i}].{key}: no such file or folder: {config.resolve(value)}")


def _check_topics(config: Config, node: yaml.Node | None, filename: str) -> None:
    """Each topic of the config on its own, so an error names its line: a new topic needs
    phrases, and every phrase must be one the tagger can look for."""
    defaults = default_topics()
    for i in range(len(config.topics)):
        try:
            TopicTagger(merge_topics(config.topics[: i + 1], defaults))
        except TopicError as exc:
            line = _line_of(node, ("topics", i))
            message = str(exc).removeprefix(f"topics[{i}]: ")
            raise ConfigError(f"{filename}:{line}: topics[{i}]: {message}") from None
    try:
        TopicTagger([], config.ai_mentions.terms)
    except TopicError as exc:
        raise ConfigError(f"{filename}:{_line_of(node, ('ai_mentions', 'terms'))}: {exc}") from None


def _check_rule_topics(config: Config, node: yaml.Node | None, filename: str) -> None:
    """A rule's topic scope, and the capex-versus-returns metric, need their topics configured."""
    names = [t.name for t in config.topic_definitions]
    for i, rule in enumerate(config.alerts.rules):
        topic = parse_scope(rule.scope).topic
        needed = [(topic, "scope")] if topic else []
        needed += [(t, "metric") for t in GAP_TOPICS if rule.metric == GAP_METRIC]
        for name, key in needed:
            if name not in names:
                line = _line_of(node, ("alerts", "rules", i, key))
                raise ConfigError(f"{filename}:{line}: alerts.rules[{i}].{key}: no topic {name!r} "
                                  f"(topics: {', '.join(names)})")


def _describe(exc: ValidationError, node: yaml.Node | None, filename: str) -> str:
    error = exc.errors()[0]
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(top level)"
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        msg = "unknown key"
    return f"{filename}:{_line_of(node, loc)}: {key}: {msg}"


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest node along loc that exists in the YAML tree."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def config_path_from_env(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("HYPEWATCH_CONFIG") or DEFAULT_CONFIG_NAME)
