"""config.yaml, parsed once into a validated, typed object.

Errors name the key and its line: `config.yaml:12: crawl.timeout_s: Input should be a valid number`.
Relative paths resolve against the config file's folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator

from hypewatch.nlp.glossary import Additions
from hypewatch.nlp.topics import TopicDefinition, TopicError, TopicTagger, default_ai_terms, default_topics

from .errors import HypewatchError
from .scopes import parse_scope
from .settings import (
    EMAIL_CHANNEL,
    ENV_REFERENCE,
    GAP_METRIC,
    GAP_TOPICS,
    SOURCE_STALE_RULE,
    Alerts,
    Channel,
    Crawl,
    Email,
    Model,
    Report,
    Rule,
    Settings,
    Smtp,
    Source,
    resolve_path,
)

__all__ = [  # the settings types, here too: the config is where users meet them
    "EMAIL_CHANNEL",
    "ENV_REFERENCE",
    "GAP_METRIC",
    "GAP_TOPICS",
    "SOURCE_STALE_RULE",
    "Alerts",
    "AiMentions",
    "Channel",
    "Config",
    "ConfigError",
    "Crawl",
    "Email",
    "Model",
    "Report",
    "Rule",
    "Smtp",
    "Source",
    "Topic",
    "config_path_from_env",
    "load_config",
    "merge_topics",
    "parse_config",
]

DEFAULT_CONFIG_NAME = "config.yaml"


class ConfigError(HypewatchError):
    """The config file is missing, unreadable or invalid. The message names the file, line and key."""


class Topic(Settings):
    """A topic of `topics:`: a new one, or changes to a default one of the same name (the keys
    given replace the default's; `add_phrases` and `add_exclude` extend its lists)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str | None = None
    phrases: list[str] | None = None
    exclude: list[str] | None = None
    add_phrases: list[str] = Field(default_factory=list)
    add_exclude: list[str] = Field(default_factory=list)
    enabled: bool = True


class AiMentions(Settings):
    terms: list[str] = Field(default_factory=default_ai_terms, min_length=1)


def merge_topics(changes: list[Topic], defaults: list[TopicDefinition]) -> list[TopicDefinition]:
    """The defaults with the config's topics applied: replaced or extended by name, dropped when
    `enabled: false`, new ones added after them in the config's order."""
    merged = {t.name: t for t in defaults}
    for i, change in enumerate(changes):
        base = merged.get(change.name)
        if base is None and change.phrases is None and not change.add_phrases:
            raise TopicError(
                f"topics[{i}]: a new topic needs phrases (the defaults are {', '.join(t.name for t in defaults)})"
            )
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


class Config(Settings):
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

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, sources: list[Source]) -> list[Source]:
        names = [s.name for s in sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate source names: {', '.join(dupes)}")
        return sources

    @property
    def glossary_additions(self) -> Additions:
        """What `model.ai_names` and `model.ai_terms` add to the model's glossary."""
        return Additions(tuple(self.model.ai_names), tuple(self.model.ai_terms))

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

    def crawl_arguments(self) -> dict[str, Any]:
        """What the crawler takes from the config: `crawl_sources(**config.crawl_arguments(), ...)`."""
        return {
            "sources": [s for s in self.sources if s.enabled],
            "settings": self.crawl,
            "base_dir": self.base_dir,
            "watchlist": self.watchlist,
        }

    def resolve(self, path: Path | str) -> Path:
        return resolve_path(self.base_dir, path)

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
        raise ConfigError(
            f"{path}: not a text file (byte {exc.start + 1} is not UTF-8); a config is YAML text"
        ) from None
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
    _check_duplicate_keys(node, filename)
    try:
        config = Config.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, node, filename)) from None
    _check_topics(config, node, filename)
    _check_rule_topics(config, node, filename)
    return config


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
    """A rule's topic scope, and the capex-versus-returns metric, need their topics configured; a
    source scope, its source (else a misspelt name would watch nothing, silently)."""
    names = [t.name for t in config.topic_definitions]
    sources = [s.name for s in config.sources]
    for i, rule in enumerate(config.alerts.rules):
        scope = parse_scope(rule.scope)
        if scope.kind == "source" and scope.value not in sources:
            line = _line_of(node, ("alerts", "rules", i, "scope"))
            raise ConfigError(
                f"{filename}:{line}: alerts.rules[{i}].scope: no source {scope.value!r} "
                f"(sources: {', '.join(sources) or 'none'})"
            )
        topic = scope.topic
        needed = [(topic, "scope")] if topic else []
        needed += [(t, "metric") for t in GAP_TOPICS if rule.metric == GAP_METRIC]
        for name, key in needed:
            if name not in names:
                line = _line_of(node, ("alerts", "rules", i, key))
                raise ConfigError(
                    f"{filename}:{line}: alerts.rules[{i}].{key}: no topic {name!r} (topics: {', '.join(names)})"
                )


def _check_duplicate_keys(node: yaml.Node | None, filename: str, key: str = "") -> None:
    """A key given twice in one mapping: YAML keeps the last silently, so a second `alerts:` block
    would drop the first one's rules without a word."""
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicate_keys(item, filename, f"{key}[{i}]")
    elif isinstance(node, yaml.MappingNode):
        first_line: dict[Any, int] = {}
        for k, v in node.value:
            name = f"{key}.{k.value}".lstrip(".")
            if isinstance(k, yaml.ScalarNode) and k.value in first_line:
                raise ConfigError(
                    f"{filename}:{k.start_mark.line + 1}: {name}: given twice (first on line {first_line[k.value]});"
                    " keep one"
                )
            if isinstance(k, yaml.ScalarNode):
                first_line[k.value] = k.start_mark.line + 1
            _check_duplicate_keys(v, filename, name)


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
