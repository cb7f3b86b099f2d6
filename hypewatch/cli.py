"""The `hypewatch` command: a thin layer over the library.

Exit codes: 0 success, 1 a handled error (one line on stderr naming the cause), 2 bad usage.
Each command imports the stage it runs inside its function, so `hypewatch sql` starts without
loading torch, the crawler or Ray.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from . import __version__
from .config import Config, config_path_from_env, load_config
from .errors import HypewatchError
from .logs import log_to_file, setup_logging

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger(__name__)

# What `hypewatch sql` runs: one query. The sandbox of the read-only connection is what holds
# (storage.db.READ_ONLY_SETTINGS); this check refuses the rest first, in the command's own words.
# MULTI is DuckDB's type for PIVOT; PRAGMA and CALL list tables, columns and sizes.
QUERY_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL", "MULTI"})


class Failure(HypewatchError, click.ClickException):
    """A handled error: printed as one line, exit code 1."""

    def format_message(self) -> str:
        return self.message

    def show(self, file: Any = None) -> None:
        click.echo(f"hypewatch: {self.message}", err=True)


def handled(func: F) -> F:
    """Turn the library's named errors (HypewatchError) into one-line messages with exit code 1.
    Anything else is a bug: one line too, and its traceback with -v."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HypewatchError as exc:
            if _verbose():
                logger.error("%s", type(exc).__name__, exc_info=exc)
            raise Failure(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if _verbose():
                raise
            raise Failure(
                f"unexpected error (a bug; -v shows where): {type(exc).__name__}: "
                f"{(str(exc) or '').splitlines()[0] if str(exc) else ''}"
            ) from None

    return wrapper  # type: ignore[return-value]


def _verbose() -> bool:
    context = click.get_current_context(silent=True)
    state = context.find_object(State) if context else None
    return bool(state and state.verbose)


class State:
    def __init__(self, config_path: Path, verbose: int = 0) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def config_or_defaults(self) -> Config:
        """For the one-off tools (extract, classify, train), which also work without a config file."""
        return self.config if self.config_path.exists() else Config(base_dir=Path.cwd())


pass_state = click.make_pass_decorator(State)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hypewatch")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default ./config.yaml or $HYPEWATCH_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool) -> None:
    """Track hype, skepticism and AI fatigue in news and earnings calls."""
    setup_logging(-1 if quiet else verbose)
    ctx.obj = State(config_path_from_env(str(config_path) if config_path else None), verbose)


# --- setup ---------------------------------------------------------------------------------------


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@handled
def init(directory: Path) -> None:
    """Write a commented starter config.yaml into DIRECTORY (never overwrites one).

    Example: hypewatch init ~/hypewatch
    """
    target = directory / "config.yaml"
    if target.exists():
        raise Failure(f"{target} already exists; not overwriting it")
    starter = resources.files("hypewatch").joinpath("starter.yaml").read_text(encoding="utf-8")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target.write_text(starter, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"{target}: cannot write the config: {exc.strerror}") from None
    click.echo(f"wrote {target}")


# --- the job and its stages ---------------------------------------------------------------------


def _run_stages(state: State, stages: tuple[str, ...], today: date | None) -> None:
    from hypewatch.storage.db import ensure_folder

    from .job import run

    config = state.config
    ensure_folder(config.database_path)  # before the log and the run lock, which live beside it
    if config.log_file:
        log_to_file(config.database_path)
    result = run(config, stages, today=today, progress=sys.stderr.isatty())
    click.echo(_summary(result), err=True)
    if not result.ok:
        raise Failure(f"run {result.run_id} failed: {result.error}")
    if result.undelivered:
        raise Failure(
            f"run {result.run_id}: {result.undelivered} alert delivery(ies) not made "
            "(pending for a later run, or failed: see the warnings above and the deliveries table)"
        )


def _summary(result: Any) -> str:
    lines = [f"run {result.run_id}: {result.status} in {result.seconds:.1f}s"]
    for stage, counts in result.counts.items():
        shown = ", ".join(f"{k} {_inline(v)}" for k, v in counts.items() if not isinstance(v, list))
        lines.append(f"  {stage}: {shown}")
    lines += [f"  warning: {w}" for w in result.warnings[:20]]
    if len(result.warnings) > 20:
        lines.append(f"  ... and {len(result.warnings) - 20} more warnings (see the runs table)")
    return "\n".join(lines)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k} {v}" for k, v in value.items()) + ")" if value else "0"
    return str(value)


_today = click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Evaluate alerts as of this day (default: today, UTC).",
)


@main.command("run")
@_today
@pass_state
@handled
def run_cmd(state: State, today: datetime | None) -> None:
    """The nightly job: crawl, score, detect shifts, send alerts, write the report.

    Example: hypewatch run
    """
    _run_stages(state, ("crawl", "score", "alerts", "report"), today.date() if today else None)


@main.command()
@pass_state
@handled
def crawl(state: State) -> None:
    """Fetch feeds, pages and transcripts and store new documents."""
    _run_stages(state, ("crawl",), None)


@main.command()
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: the database's unscored documents, here. ray: Parquet documents on a Ray cluster.",
)
@click.option(
    "--input",
    "input_patterns",
    metavar="GLOB",
    multiple=True,
    help="With --engine ray: Parquet documents (a glob, a file, a folder, or an export's folder); "
    "may be given more than once.",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="With --engine ray: a new folder for the scored Parquet (load it with `hypewatch import`).",
)
@click.option(
    "--address",
    default=None,
    help="With --engine ray: the cluster to join (default $RAY_ADDRESS, else Ray on this machine).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="With --engine ray: scoring actors (default: one per GPU, else one per CPU but one).",
)
@pass_state
@handled
def score(
    state: State,
    engine: str,
    input_patterns: tuple[str, ...],
    output: Path | None,
    address: str | None,
    workers: int | None,
) -> None:
    """Score documents that are stored but not yet scored by the configured model.

    With --engine ray, score Parquet documents with Ray Data instead (on this machine, or on the
    cluster at --address), into a Parquet lake partitioned by day.

    Example: hypewatch score --engine ray --input data/lake --output backfill/2019
    """
    if engine == "local":
        if input_patterns or output or address or workers:
            raise click.UsageError("--input, --output, --address and --workers go with --engine ray")
        _run_stages(state, ("score",), None)
        return
    if not input_patterns or output is None:
        raise click.UsageError("--engine ray needs --input GLOB and --output DIR")
    from hypewatch.lake.ray_score import ModelSpec, import_ray, score_with_ray

    import_ray()  # before reading the config: without Ray, that is all there is to say
    config = state.config_or_defaults
    m = config.model
    model = ModelSpec(
        name=m.name,
        base_dir=config.base_dir,
        device=m.device,
        precision=m.precision,
        batch_size=m.batch_size,
        label_map=dict(m.label_map),
        additions=config.glossary_additions,
    )
    summary = score_with_ray(
        list(input_patterns), output, model, address=address, workers=workers, progress=sys.stderr.isatty()
    )
    click.echo(summary.format(), err=True)


@main.command("export")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--full", is_flag=True, help="Write every day again, not only the days that changed.")
@pass_state
@handled
def export_cmd(state: State, directory: Path | None, full: bool) -> None:
    """Write documents, turns, sentences and scores as Parquet partitioned by day (default DIR:
    `lake/` beside the database). Only the days that changed since the last export are written.

    Example: hypewatch export data/lake
    """
    from hypewatch.lake.export import export_lake
    from hypewatch.storage.db import ready_for_reading

    database = state.config.database_path
    ready_for_reading(database)
    summary = export_lake(database, directory or database.parent / "lake", full=full)
    click.echo(summary.format(), err=True)


@main.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_state
@handled
def import_cmd(state: State, directory: Path) -> None:
    """Load scored Parquet (from `score --engine ray` or `export`) into the database; importing
    the same files again adds nothing.

    Example: hypewatch import backfill/2019
    """
    from hypewatch.lake.load import import_lake
    from hypewatch.storage import Store
    from hypewatch.storage.db import ensure_folder

    from .runlock import RunLock

    database = state.config.database_path
    ensure_folder(database)
    with RunLock(database):  # not beside a nightly run: both replace sentences
        summary = import_lake(Store(database), directory)
    click.echo(summary.format(), err=True)


@main.command("alerts")
@_today
@click.option(
    "--test",
    "test",
    is_flag=True,
    help="Send one test message to the email address and every channel, and say how each went.",
)
@pass_state
@handled
def alerts_cmd(state: State, today: datetime | None, test: bool) -> None:
    """Detect shifts and quiet sources, and send pending alerts to email and every channel.

    Example: hypewatch alerts --test
    """
    if not test:
        _run_stages(state, ("alerts",), today.date() if today else None)
        return
    from datetime import timezone

    from hypewatch.alerts import send_test_messages

    config = state.config
    email = config.alerts.email
    results = send_test_messages(
        email, config.alerts.channels, outbox=config.resolve(email.outbox), now=datetime.now(timezone.utc)
    )
    for result in results:
        click.echo(result.line())
    failed = [r.channel for r in results if not r.ok]
    if failed:
        raise Failure(f"{len(failed)} of {len(results)} channel(s) failed the test: {', '.join(failed)}")


@main.command("report")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output HTML file.")
@pass_state
@handled
def report_cmd(state: State, out: Path | None) -> None:
    """Write a self-contained HTML report with charts of the series.

    Example: hypewatch report --out /tmp/hype.html
    """
    from hypewatch.report import write_report

    config = state.config
    path = write_report(
        config.database_path,
        out or config.resolve(config.report.path),
        days=config.report.days,
        tickers=config.report.tickers,
    )
    click.echo(str(path))


# --- one-off tools ------------------------------------------------------------------------------


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@pass_state
@handled
def sql(state: State, query: str, fmt: str) -> None:
    """Run read-only SQL on the database.

    Example: hypewatch sql "SELECT day, hype_index FROM daily_sentiment ORDER BY day DESC LIMIT 7"
    """
    import duckdb

    from hypewatch.storage.db import damage_error, reading

    _check_query(query)
    database = state.config.database_path
    with reading(database) as conn:
        try:
            if fmt == "table":
                relation = conn.sql(query)
                if relation is not None:
                    relation.show(max_width=max(shutil.get_terminal_size().columns, 100), max_rows=200)
                return
            cursor = conn.execute(query)
        except duckdb.Error as exc:
            raise damage_error(database, exc) or Failure(f"SQL error: {str(exc).splitlines()[0]}") from None
        if cursor.description is None:
            return
        columns = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        click.echo(json.dumps([dict(zip(columns, r)) for r in rows], default=_json_default, indent=2))


def _check_query(query: str) -> None:
    """Refuse anything but one query: no COPY, EXPORT, ATTACH, SET, INSTALL, no second statement."""
    import duckdb

    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise Failure(f"SQL error: {str(exc).splitlines()[0]}") from None
    if not statements:
        raise Failure("SQL refused: the query is empty")
    if len(statements) > 1:
        raise Failure(f"SQL refused: one statement at a time, not {len(statements)}")
    try:
        kind = statements[0].type.name
    except ValueError:  # a statement type newer than the Python enum (UPDATE EXTENSIONS)
        kind = "?"
    if kind not in QUERY_STATEMENTS:
        words = re.sub(r"/\*.*?\*/|--[^\n]*", " ", statements[0].query, flags=re.S).split()
        word = words[0].upper() if words else kind
        raise Failure(f"SQL refused: {word} is not a query; `hypewatch sql` is read-only")


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@pass_state
@handled
def extract(state: State, inputs: tuple[str, ...]) -> None:
    """Extract article pages (URLs or files) to JSON Lines: url, title, published_at, language, text.

    Example: hypewatch extract https://example.com/story.html saved-page.html
    """
    from hypewatch.crawler.extract import extract_article

    def one(name: str, data: bytes) -> dict[str, Any]:
        article = extract_article(data, url=name if "://" in name else None, where=name)
        return {
            "url": article.url or name,
            "title": article.title,
            "published_at": article.published_at.isoformat() if article.published_at else None,
            "language": article.language,
            "text": article.text,
            "stub": article.stub,
        }

    _each_input(state, inputs, one)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@pass_state
@handled
def transcript(state: State, inputs: tuple[str, ...]) -> None:
    """Parse earnings-call transcripts (URLs or txt/html/json files) to JSON Lines of speaker turns.

    Example: hypewatch transcript nvda-q3-2025.txt
    """
    from dataclasses import asdict

    from hypewatch.crawler.companies import DEFAULT_WATCHLIST
    from hypewatch.crawler.workers import parse_call

    watchlist = state.config_or_defaults.watchlist or DEFAULT_WATCHLIST

    def one(name: str, data: bytes) -> dict[str, Any]:
        if not data.strip():
            raise ValueError(f"{name}: the file is empty")
        parsed = parse_call(data, name, watchlist)
        record = asdict(parsed)
        record["call_date"] = parsed.call_date.isoformat() if parsed.call_date else None
        return record

    _each_input(state, inputs, one)


def _each_input(state: State, inputs: Iterable[str], handle: Callable[[str, bytes], dict[str, Any]]) -> None:
    failed = False
    for name in inputs:
        try:
            record = handle(name, _read_input(state, name))
        except Exception as exc:  # noqa: BLE001 - one bad input must not stop the others
            failed = True
            record = {"input": name, "error": str(exc) or type(exc).__name__}
        click.echo(json.dumps(record, ensure_ascii=False, default=_json_default))
    if failed:
        sys.exit(1)


def _read_input(state: State, name: str) -> bytes:
    if "://" in name:
        from hypewatch.crawler.http import fetch_one

        return fetch_one(name, state.config_or_defaults.crawl).body
    from hypewatch.crawler.crawl import read_local

    try:
        return read_local(Path(name))
    except OSError as exc:
        raise OSError(f"{name}: {exc.strerror or exc}") from None


@main.command()
@click.argument("source", default="-", type=click.File("rb"))
@pass_state
@handled
def classify(state: State, source: BinaryIO) -> None:
    """Score sentences and tag their topics: plain text (one per line) or JSON Lines with a `text`
    field, and optionally `kind`, news or transcripts, the kind of source it comes from, and
    `previous`, the sentence before it, which the model reads for the kinds it learned so (the
    shipped one: transcripts). Scores are those the score stage gives; plain lines are news.

    Example: echo "Demand for GPUs is insatiable." | hypewatch classify
    """
    from hypewatch.records import KINDS

    name = getattr(source, "name", "<input>")
    texts, extras = [], []
    outputs: list[dict[str, str] | None] = []  # in input order: an error record, or None for the next score
    for number, line in _decoded(source):
        try:
            record = _parse_line(line)
            if record.get("kind", "news") not in KINDS:
                raise ValueError(f"kind {record['kind']!r}: not one of {', '.join(KINDS)}")
        except ValueError as exc:
            logger.warning("%s:%d: %s", name, number, exc)
            outputs.append({"input": f"{name}:{number}", "error": str(exc)})
            continue
        texts.append(record.pop("text"))
        extras.append(record)
        outputs.append(None)
    scorer = _load_scorer(state) if texts else None
    tagger = state.config_or_defaults.topic_tagger()
    # As the score stage gives it: the sentence before only for a kind the model reads so.
    reads_before = scorer.context_kinds if scorer else frozenset()
    previous = [
        str(extra.get("previous") or "") if extra.get("kind", "news") in reads_before else "" for extra in extras
    ]
    unread = sorted({extra.get("kind", "news") for extra in extras if extra.get("previous")} - reads_before)
    if scorer is not None and scorer.context and unread:
        logger.warning(
            "%s: `previous` is not read for %s: the model reads those sentence by sentence, as the score stage does",
            name,
            " or ".join(unread),
        )
    scores = scorer.score(texts, previous=previous) if scorer else []
    if scorer is not None and scorer.calibration is not None:
        scores = scorer.calibration.for_kinds(scores, [extra.get("kind", "news") for extra in extras])
    scored = iter(zip(texts, extras, scores))
    for problem in outputs:
        if problem is not None:
            click.echo(json.dumps(problem, ensure_ascii=False))
            continue
        text, extra, result = next(scored)
        tags = tagger.tag(text)
        score = result.__dict__
        record = {
            **extra,
            "text": text,
            "label": score["label"],
            "topics": tags.topics,
            **score,
            "ai_mentions": tags.ai_mentions,
        }
        click.echo(json.dumps(record, ensure_ascii=False))
    if any(outputs):
        sys.exit(1)


def _decoded(source: BinaryIO) -> Iterator[tuple[int, str]]:
    """Numbered lines as text, blank ones left out; a line that is not UTF-8 is still scored, its
    bad bytes shown as U+FFFD."""
    from hypewatch.crawler.charset import looks_binary

    name = getattr(source, "name", "<input>")
    data = source.read()  # whole: every line is held for scoring anyway
    if looks_binary(data):
        raise Failure(f"{name}: binary content, not text (classify reads a sentence or a JSON object per line)")
    for number, raw in enumerate(io.BytesIO(data), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            logger.warning("%s:%d: not UTF-8 (byte %d); undecodable bytes replaced", name, number, exc.start + 1)
            line = raw.decode("utf-8", errors="replace")
        if line.strip():
            yield number, line.rstrip("\r\n")


def _parse_line(line: str) -> dict[str, Any]:
    """A JSON object with a `text` string, or a plain line (also one that only starts with "{").
    A JSON object without its text is the user's mistake, not a sentence: ValueError."""
    if line.lstrip().startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            return {"text": line}
        if isinstance(record, dict):
            if not isinstance(record.get("text"), str):
                raise ValueError('a JSON line needs "text", a string')
            return record
    return {"text": line}


def _load_scorer(state: State) -> Any:
    from hypewatch.nlp.onnx_scorer import load_scorer  # torch only where the CPU's int8 path cannot serve

    config = state.config_or_defaults
    m = config.model
    return load_scorer(
        m.name,
        device=m.device,
        base_dir=config.base_dir,
        label_map=m.label_map or None,
        precision=m.precision,
        batch_size=m.batch_size,
        additions=config.glossary_additions,
    )


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the model (default: models/hypewatch-minilm beside the config; "
    "nlp/shipped/hypewatch-minilm rebuilds the shipped one).",
)
@click.option("--epochs", type=int, default=None, help="Training epochs (default: the tuned setting).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the shipped model's, 13).")
@click.option(
    "--average-last",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Keep the mean of the last N epochs' weights (default: the recipe's: 4 of 6, or 1 continuing).",
)
@click.option("--if-missing", is_flag=True, help="Do nothing when the model folder already exists.")
@click.option(
    "--real",
    "real_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also learn from the labeled real sentences, read from DIR/data (the shared folder).",
)
@click.option(
    "--dev-only",
    is_flag=True,
    help="With --real: learn from the dev half only, so the test half measures unseen calls.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Save the whole fine-tuned model (90 MB) instead of its change from the packaged encoder (under 2 MB).",
)
@click.option(
    "--context",
    type=click.IntRange(0, 1),
    default=None,
    help="1: the model also reads the sentence before each one, as its labelers did (default: the recipe's).",
)
@click.option(
    "--written-context",
    type=click.FloatRange(0, 1),
    default=None,
    metavar="SHARE",
    help="With context: this share of the written sentences is read after another one drawn at random "
    "(default: the recipe's).",
)
@click.option(
    "--kind-temperatures-from",
    "temperatures_from",
    metavar="MODEL",
    default=None,
    help="With --real: learn from the calibration calls too, and take the kind temperatures of MODEL, "
    "a model of the same recipe that kept them out (the shipped model's two steps).",
)
@click.option(
    "--start-from",
    default=None,
    metavar="MODEL",
    help="Continue training this model (a folder, or default: the shipped one) instead of the bare encoder.",
)
@pass_state
@handled
def train(
    state: State,
    out: Path | None,
    epochs: int | None,
    seed: int | None,
    average_last: int | None,
    if_missing: bool,
    real_dir: Path | None,
    dev_only: bool,
    full: bool,
    context: int | None,
    written_context: float | None,
    start_from: str | None,
    temperatures_from: str | None,
) -> None:
    """Train a scorer on the bundled labeled corpus, the way the shipped one was (on CUDA when model.device allows).

    Score with it by setting model.name to its folder (models/hypewatch-minilm).

    Example: hypewatch train --real ../shared
    """
    from hypewatch.nlp.model import META_FILE
    from hypewatch.nlp.scorer import TRAINED_MODEL_DIR

    base = state.config_or_defaults.base_dir
    out = out or base / TRAINED_MODEL_DIR
    if if_missing and (out / META_FILE).exists():
        click.echo(f"model already built: {out}", err=True)
        return
    for given, option in ((dev_only, "--dev-only"), (temperatures_from, "--kind-temperatures-from")):
        if given and real_dir is None:
            raise click.UsageError(f"{option} goes with --real DIR")
    _check_writable(out, "model folder")  # now, not after minutes of training

    from hypewatch.nlp.adapter import SHIPPED_BYTES
    from hypewatch.nlp.meta import is_hypewatch_folder
    from hypewatch.nlp.onnx_scorer import model_folder
    from hypewatch.nlp.real_eval import calibration_examples, training_examples
    from hypewatch.nlp.train import TrainConfig, kind_temperatures_of, take_kind_temperatures
    from hypewatch.nlp.train import train as train_model

    for name, option in ((start_from, "--start-from"), (temperatures_from, "--kind-temperatures-from")):
        if name and not is_hypewatch_folder(model_folder(name, Path("."))):  # now, not after minutes of training
            raise click.UsageError(f"{option} {name}: not a hypewatch model folder (no hypewatch.json there)")
    if temperatures_from:
        kind_temperatures_of(temperatures_from)

    chosen = (
        ("seed", seed),
        ("epochs", epochs),
        ("context", context),
        ("written_context", written_context),
        ("average_last", average_last),
    )
    asked = {name: value for name, value in chosen if value is not None}
    asked |= {"device": state.config_or_defaults.model.device, "shipped_bytes": None if full else SHIPPED_BYTES}
    config = TrainConfig.continuing(start_from, **asked) if start_from else TrainConfig(**asked)
    if average_last is not None and average_last > config.epochs:  # the recipe's 4 of fewer epochs: all of them
        raise click.UsageError(f"--average-last {average_last}: more epochs than the {config.epochs} trained")
    real, calibrate_kinds = None, None
    if real_dir is not None:
        if not (real_dir / "data").is_dir():
            raise click.UsageError(f"--real {real_dir}: no data/ folder there (transcripts and pages to read)")
        from hypewatch.transcript_sentences import transcript_sentences

        def call_sentences(file: str) -> list[str]:
            return transcript_sentences(real_dir / "data" / file)

        real = training_examples(
            real_dir,
            half="dev" if dev_only else None,
            calibration_calls=temperatures_from is not None,
            call_sentences=call_sentences,
        )
        calibrate_kinds = (
            None
            if temperatures_from
            else {"transcripts": calibration_examples(real_dir, call_sentences=call_sentences)}
        )
    report = train_model(out, config, real=real, calibrate_kinds=calibrate_kinds, progress=sys.stderr.isatty())
    if temperatures_from:
        report.calibration = take_kind_temperatures(out, temperatures_from)
    click.echo(report.format(), err=True)
    click.echo(
        f"score with it: set model.name: {out} in the config (model.name: default is the shipped model)", err=True
    )


@main.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_state
@handled
def evaluate(state: State, file: Path | None) -> None:
    """Per-class precision/recall/F1, macro-F1, fatigue F1 and a confusion matrix.

    FILE is JSON Lines with text, label, fatigue; default: the bundled held-out split.

    Example: hypewatch evaluate
    """
    from hypewatch.nlp.corpus import load_corpus, read_examples, split
    from hypewatch.nlp.evaluate import evaluate as run_eval

    try:
        examples = read_examples(file) if file else split(load_corpus())["heldout"]
    except UnicodeDecodeError:
        raise Failure(f"{file}: not a UTF-8 text file (JSON Lines expected)") from None
    click.echo(run_eval(_load_scorer(state), examples).format())


def _check_writable(folder: Path, what: str) -> None:
    """Fail with one line when folder can neither be created nor written."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise Failure(f"{folder}: cannot create the {what}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise Failure(f"{folder}: cannot create the {what}: {existing} is not writable")
