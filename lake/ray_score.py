"""`hypewatch score --engine ray`: Parquet documents scored with Ray Data, here or on a cluster.

    Parquet ─> one row per document (turn rows grouped under theirs) ─> tasks on every CPU: split
    into sentences ─> a pool of actors, each loading the model once: score ─> kept in Ray's
    object store (spilled to disk when large) ─> written as the lake's datasets (lake/layout.py),
    partitioned by day

Splitting is a step of its own because it is slow (pysbd): one core does not keep a GPU busy, so
beside GPU actors it runs as tasks on every CPU (beside CPU actors, Ray fuses it into theirs).
Tasks and actors run the nightly path's own code (`nlp.sentences.document_sentences`, then
`hypewatch.scoring.score_sentences`): the same sentences, the same English rule, the same scorer,
so a sentence gets the label `hypewatch score` gives it with the same model and precision (int8
runs one sentence at a time for that: nlp.int8.ROWS_PER_RUN). On GPUs the actors run in fp16, one per GPU.

The input is any Parquet with `doc_id` and `text`: a row is a whole document, or, with `turn_no`,
one speaker turn of one (also `speaker`, `role`, `section`). Columns of the lake's documents
(`published_at`, `source`, `kind`, `language`, `tickers`, ...) are kept when present; others are
dropped. A folder written by `hypewatch export` is read whole (its documents and turns).
"""

from __future__ import annotations

import glob
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hypewatch.errors import HypewatchError
from hypewatch.nlp.glossary import Additions
from hypewatch.nlp.sentences import document_sentences
from hypewatch.records import Document, Sentence, Turn
from hypewatch.scoring import SentenceScorer, score_sentences
from hypewatch.storage.db import measure_macros
from hypewatch.storage.sql import load_queries
from hypewatch.storage.store import TURN_SCHEMA, sentence_row

from .layout import (
    DOC_SCORE_SCHEMA,
    DOC_SCORES,
    DOCUMENT_SCHEMA,
    DOCUMENTS,
    PARTITION,
    SENTENCE_SCHEMA,
    SENTENCES,
    TURNS,
    UNDATED,
)

logger = logging.getLogger(__name__)

# Documents per actor call: a few thousand sentences, enough to keep a GPU busy.
BATCH_DOCS = 64
RAY_EXTRA = "pip install 'hypewatch[ray]'"

TURN_FIELDS = [f for f in TURN_SCHEMA if f.name != "doc_id"]
SENTENCE_FIELDS = [f for f in SENTENCE_SCHEMA if f.name != "doc_id"]
SCORE_FIELDS = [f for f in DOC_SCORE_SCHEMA if f.name != "doc_id"]
_DAY = pa.field(PARTITION, pa.string())
_TURNS = pa.field("turns", pa.list_(pa.struct(TURN_FIELDS)))
_SENTENCES = pa.field("sentences", pa.list_(pa.struct(SENTENCE_FIELDS)))
# A row of input after reading: a document, or one turn of one (turn_no set).
PIECE_SCHEMA = pa.schema([*DOCUMENT_SCHEMA, _DAY, *(f for f in TURN_FIELDS if f.name != "text")])
# A document with its turns; then with its sentences split; then scored, with its measures.
_PIECES = pa.field(
    "pieces", pa.list_(pa.struct([("sent_no", pa.int32()), ("turn_no", pa.int32()), ("text", pa.string())]))
)
DOCUMENT_ROW = pa.schema([*DOCUMENT_SCHEMA, _DAY, _TURNS])
SPLIT_ROW = pa.schema([*DOCUMENT_ROW, _PIECES])
SCORED_ROW = pa.schema([*DOCUMENT_ROW, _SENTENCES, *SCORE_FIELDS])


class RayNotInstalled(HypewatchError, RuntimeError):
    """`--engine ray` without Ray installed."""


class InputError(HypewatchError, ValueError):
    """The input names no Parquet files, or files without the columns needed."""


class NotEnoughCpus(HypewatchError, ValueError):
    """More actors than the cluster has CPUs to spare: reading and splitting would wait forever."""


class OutputNotEmpty(HypewatchError, FileExistsError):
    """The output folder holds files already: a second run into it would double every document."""


@dataclass(frozen=True)
class ModelSpec:
    """What the actors load: `model.*` of the config."""

    name: str = "default"
    base_dir: Path = Path(".")
    device: str = "auto"  # cpu: never a GPU, even where the cluster has some
    precision: str = "auto"
    batch_size: int = 64
    label_map: dict[str, str] = field(default_factory=dict)
    additions: Additions = Additions()  # model.ai_names, model.ai_terms


@dataclass
class Inputs:
    documents: list[str]
    turns: list[str]


@dataclass
class BackfillSummary:
    output: Path
    model_id: str
    documents: int
    sentences: int
    workers: int
    gpus_per_worker: float
    seconds: float

    def format(self) -> str:
        where = f"{self.workers} GPU actor(s)" if self.gpus_per_worker else f"{self.workers} CPU actor(s)"
        rate = self.sentences / self.seconds if self.seconds else 0.0
        return (
            f"scored {self.documents:,} documents, {self.sentences:,} sentences with {self.model_id} on "
            f"{where} in {self.seconds:.1f}s ({rate:,.0f} sentences/s); wrote {self.output}"
        )


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the [data] extra
    except ImportError as exc:
        raise RayNotInstalled(f"--engine ray needs Ray, which is not installed here ({exc}): {RAY_EXTRA}") from None
    return ray


def score_with_ray(
    input_patterns: str | list[str],
    output: Path,
    model: ModelSpec = ModelSpec(),
    *,
    address: str | None = None,
    workers: int | None = None,
    batch_docs: int = BATCH_DOCS,
    progress: bool = False,
    load_scorer: Callable[[], SentenceScorer] | None = None,
) -> BackfillSummary:
    """Score the documents of `input_patterns` (globs, Parquet files or folders, an export) into
    the lake at `output`. Joins the Ray session already open in this process, else the cluster at
    `address` (or $RAY_ADDRESS), else starts Ray on this machine for the call.

    `load_scorer` replaces the model of `model` (any object with `model_id` and `score`): it is
    called once in each actor."""
    ray = import_ray()
    inputs = find_inputs([input_patterns] if isinstance(input_patterns, str) else input_patterns)
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise OutputNotEmpty(
            f"{output}: the output folder is not empty; give a new one (each run writes "
            "every document it reads, so a second run into the same folder would double them)"
        )
    started = time.perf_counter()
    with _session(ray, address, progress):
        gpus = ray.cluster_resources().get("GPU", 0) if model.device != "cpu" else 0
        use_gpu = gpus >= 1
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = workers or (int(gpus) if use_gpu else max(1, cpus - 1))
        if workers > cpus - 1:  # each actor holds a CPU; tasks read and split on the rest
            raise NotEnoughCpus(
                f"{workers} scoring actor(s) need {workers + 1} CPUs (one for reading and "
                f"splitting), and Ray has {cpus}; give --workers {max(1, cpus - 1)} or fewer"
            )
        if load_scorer is None:
            model_id, package = _model_package(model, use_gpu)
            loader: Callable[[], SentenceScorer] = _PackagedModel(ray.put(package), model, use_gpu)
        else:
            model_id, loader = "(the caller's scorer)", load_scorer
        # Blocks of a few batches, however the input is filed: one big file must not go to one actor.
        documents = _documents(ray, inputs, partitions=cpus).repartition(target_num_rows_per_block=4 * batch_docs)
        try:
            scored = (
                documents.map_batches(split_documents, batch_format="pyarrow")
                .map_batches(
                    DocumentScorer,
                    fn_constructor_kwargs={"load_scorer": loader},
                    batch_size=batch_docs,
                    batch_format="pyarrow",
                    compute=ray.data.ActorPoolStrategy(size=workers),
                    num_cpus=1,
                    num_gpus=1 if use_gpu else 0,
                )
                .materialize()
            )  # scored once, written four ways
            for name, pick in (
                (DOCUMENTS, documents_of),
                (DOC_SCORES, doc_scores_of),
                (SENTENCES, sentences_of),
                (TURNS, turns_of),
            ):
                scored.map_batches(pick, batch_format="pyarrow").write_parquet(
                    str(output / name), partition_cols=[PARTITION]
                )
        except Exception as exc:
            raise _our_error(exc) or exc from None
        n_documents = scored.count()
    n_sentences = sum(pq.ParquetFile(f).metadata.num_rows for f in (output / SENTENCES).rglob("*.parquet"))
    return BackfillSummary(
        output, model_id, n_documents, n_sentences, workers, 1.0 if use_gpu else 0.0, time.perf_counter() - started
    )


def find_inputs(patterns: list[str]) -> Inputs:
    """The Parquet files the patterns name, told apart by their columns: turns have `turn_no`."""
    files: set[str] = set()
    for pattern in patterns:
        path = Path(pattern).expanduser()
        if path.is_dir() and (path / DOCUMENTS).is_dir():  # an export: its documents and their turns
            candidates = [*(path / DOCUMENTS).rglob("*.parquet"), *(path / TURNS).rglob("*.parquet")]
        elif path.is_dir():
            candidates = list(path.rglob("*.parquet"))
        else:
            candidates = [Path(p) for p in glob.glob(os.path.expanduser(pattern), recursive=True)]
        found = {str(p) for p in candidates if p.is_file()}
        if not found:
            raise InputError(f"{pattern}: no Parquet files there")
        files |= found
    inputs = Inputs([], [])
    for name in sorted(files):
        try:
            schema = pq.read_schema(name)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
            raise InputError(f"{name}: not a readable Parquet file: {exc}") from None
        missing = [c for c in ("doc_id", "text") if c not in schema.names]
        if missing:
            raise InputError(f"{name}: no column {', '.join(missing)}; documents need doc_id and text")
        if "sent_no" in schema.names:
            raise InputError(
                f"{name}: holds sentences (it has sent_no), not documents; give the documents "
                "(and turns) of a lake, not its sentences"
            )
        (inputs.turns if "turn_no" in schema.names else inputs.documents).append(name)
    return inputs


@contextmanager
def _session(ray: Any, address: str | None, progress: bool) -> Iterator[None]:
    """This process's Ray session if one is open (the caller's to close), else one for the call."""
    context = ray.data.DataContext.get_current()
    context.print_on_execution_start = False
    context.enable_progress_bars = progress
    if not logger.isEnabledFor(logging.DEBUG):  # Ray Data's notices and plans: for -vv only
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    if ray.is_initialized():
        yield
        return
    ray.init(
        address=address,
        include_dashboard=False,
        logging_level=logging.WARNING,
        log_to_driver=logger.isEnabledFor(logging.DEBUG),
    )
    try:
        yield
    finally:
        ray.shutdown()


def _our_error(exc: BaseException) -> BaseException | None:
    """The error of ours (a bad column, a missing model) that Ray wrapped in its own, if any:
    its message already says what and where, without the worker's traceback."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, HypewatchError):
            return seen
        seen = getattr(seen, "cause", None) or seen.__cause__
    return None


# --- reading ---------------------------------------------------------------------------------------


def _documents(ray: Any, inputs: Inputs, partitions: int) -> Any:
    """One row per document (DOCUMENT_ROW), its turns in order. Grouping turns under their
    document shuffles the input into `partitions` parts (Ray's default, 200, is for big clusters)."""
    if not inputs.turns:
        return ray.data.read_parquet(inputs.documents).map_batches(documents_from, batch_format="pyarrow")
    pieces = [
        ray.data.read_parquet(files).map_batches(pieces_from, batch_format="pyarrow")
        for files in (inputs.documents, inputs.turns)
        if files
    ]
    rows = pieces[0].union(*pieces[1:]) if len(pieces) > 1 else pieces[0]
    return rows.groupby("doc_id", num_partitions=partitions).map_groups(assemble, batch_format="pyarrow")


def documents_from(batch: pa.Table) -> pa.Table:
    """Rows that are whole documents, in DOCUMENT_ROW form."""
    columns = _conformed(batch, DOCUMENT_SCHEMA)
    turns = pa.array([[]] * batch.num_rows, _TURNS.type)
    return pa.Table.from_arrays(
        [*columns, _days(batch, columns[DOCUMENT_SCHEMA.names.index("published_at")]), turns], schema=DOCUMENT_ROW
    )


def pieces_from(batch: pa.Table) -> pa.Table:
    """Documents and turns alike in PIECE_SCHEMA (a document's turn_no is null)."""
    fields = [f for f in PIECE_SCHEMA if f.name != PARTITION]
    columns = _conformed(batch, pa.schema(fields))
    day = _days(batch, columns[[f.name for f in fields].index("published_at")])
    arrays = {f.name: c for f, c in zip(fields, columns)} | {PARTITION: day}
    return pa.Table.from_arrays([arrays[f.name] for f in PIECE_SCHEMA], schema=PIECE_SCHEMA)


def assemble(group: pa.Table) -> pa.Table:
    """The rows of one doc_id: its document row (or, without one, what its turns tell) and its
    turns in order. A transcript's text is its turns' text, as the crawler stores it."""
    rows = group.to_pylist()
    turns = sorted((r for r in rows if r["turn_no"] is not None), key=lambda r: r["turn_no"])
    doc = next((r for r in rows if r["turn_no"] is None), None)
    if doc is None:
        doc = {name: None for name in DOCUMENT_SCHEMA.names} | {
            "doc_id": rows[0]["doc_id"],
            "kind": "transcripts",
            "text": "\n\n".join(t["text"] or "" for t in turns),
            PARTITION: next((t[PARTITION] for t in turns if t[PARTITION] != UNDATED), UNDATED),
        }
    doc = {name: doc.get(name) for name in DOCUMENT_ROW.names if name != "turns"}
    doc["turns"] = [{f.name: t.get(f.name) for f in TURN_FIELDS} for t in turns]
    return pa.Table.from_pylist([doc], schema=DOCUMENT_ROW)


def _conformed(batch: pa.Table, schema: pa.Schema) -> list[pa.ChunkedArray | pa.Array]:
    columns = []
    for f in schema:
        if f.name not in batch.column_names:
            columns.append(pa.nulls(batch.num_rows, f.type))
        elif pa.types.is_timestamp(f.type):
            columns.append(_utc(batch.column(f.name), f.name))
        else:
            try:
                columns.append(batch.column(f.name).cast(f.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise InputError(
                    f"column {f.name}: cannot read {batch.schema.field(f.name).type} as {f.type}: {exc}"
                ) from None
    return columns


def _utc(column: pa.ChunkedArray, name: str) -> pa.ChunkedArray:
    """A time column as UTC microseconds: naive times and plain dates are taken as UTC, strings
    need ISO 8601 (with or without an offset)."""
    utc = pa.timestamp("us", tz="UTC")
    kind = column.type
    try:
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return pa.array([_parse_time(v) for v in column.to_pylist()], utc)
        if pa.types.is_date(kind):
            return pc.assume_timezone(column.cast(pa.timestamp("us")), "UTC")
        if pa.types.is_timestamp(kind) and kind.tz is None:
            return pc.assume_timezone(column, "UTC").cast(utc)
        return column.cast(utc)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        raise InputError(f"column {name}: cannot read {kind} as a time: {exc}") from None


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _days(batch: pa.Table, published_at: pa.ChunkedArray) -> pa.ChunkedArray:
    """The partition: the UTC day published, else the input's own `day` partition, else undated."""
    days = pc.strftime(published_at, format="%Y-%m-%d")
    if PARTITION in batch.column_names:
        days = pc.coalesce(days, batch.column(PARTITION).cast(pa.string()))
    return pc.fill_null(days, UNDATED)


# --- scoring ----------------------------------------------------------------------------------------

Q = load_queries("hypewatch.storage", "queries.sql")


def split_documents(batch: pa.Table) -> pa.Table:
    """Each document's sentences (SPLIT_ROW `pieces`), numbered as the nightly run numbers them.
    As the nightly run: stubs and syndicated copies are kept, not scored, so not split."""
    pieces = []
    for row in batch.to_pylist():
        scorable = row["status"] in (None, "ok")
        sentences = document_sentences(_document(row)) if scorable else []
        pieces.append([{"sent_no": s.sent_no, "turn_no": s.turn_no, "text": s.text} for s in sentences])
    return batch.append_column(_PIECES, pa.array(pieces, _PIECES.type))


class DocumentScorer:
    """A Ray actor's work: the model loaded once, then batches of split documents scored."""

    def __init__(self, load_scorer: Callable[[], SentenceScorer]) -> None:
        self.scorer = load_scorer()

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = batch.to_pylist()
        model_id = self.scorer.model_id
        scorable = [row for row in rows if row["status"] in (None, "ok")]
        pairs = []
        for row in scorable:
            doc = _document(row)
            pairs += [
                (doc, Sentence(doc_id=doc.doc_id, sent_no=p["sent_no"], text=p["text"], turn_no=p["turn_no"]))
                for p in row["pieces"]
            ]
        sentences: dict[str, list[dict[str, Any]]] = {row["doc_id"]: [] for row in scorable}
        for scored in score_sentences(pairs, self.scorer):
            sentences[scored.sentence.doc_id].append(sentence_row(scored, model_id))
        measures = _measures(list(sentences), [s for group in sentences.values() for s in group])
        now = datetime.now(timezone.utc)
        for row in rows:
            del row["pieces"]
            if row["doc_id"] in sentences:
                row.update(scored_by=model_id, scored_at=now, **measures[row["doc_id"]])
            else:
                row.update(scored_by=None, scored_at=None)
            row["sentences"] = [
                {f.name: s.get(f.name) for f in SENTENCE_FIELDS} for s in sentences.get(row["doc_id"], [])
            ]
        return pa.Table.from_pylist(rows, schema=SCORED_ROW)


def _document(row: dict[str, Any]) -> Document:
    turns = [
        Turn(
            speaker=t["speaker"] or "",
            role=t["role"] or "other",
            section=t["section"] or "prepared",
            text=t["text"] or "",
        )
        for t in row["turns"]
    ]
    return Document(
        doc_id=row["doc_id"],
        source=row["source"] or "",
        kind=row["kind"] or "news",
        url=row["url"] or "",
        title=row["title"],
        published_at=row["published_at"],
        fetched_at=row["fetched_at"],
        language=row["language"],
        tickers=row["tickers"] or [],
        text=row["text"] or "",
        turns=turns,
    )


def _measures(doc_ids: list[str], sentence_rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """doc_scores of these documents, by the database's own query (doc_scores_of_batch)."""
    conn = duckdb.connect()
    try:
        conn.execute(measure_macros())
        conn.register("ids", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
        conn.register("batch", pa.Table.from_pylist(sentence_rows, schema=SENTENCE_SCHEMA))
        table = conn.sql(Q["doc_scores_of_batch"]).to_arrow_table()
    finally:
        conn.close()
    return {row["doc_id"]: {f.name: row[f.name] for f in SCORE_FIELDS} for row in table.to_pylist()}


class _PackagedModel:
    """Loads the model in an actor from the files the driver put in the object store, so the
    cluster's machines need no copy of the model folder."""

    def __init__(self, package: Any, model: ModelSpec, use_gpu: bool) -> None:
        self.package, self.model, self.use_gpu = package, model, use_gpu

    def __call__(self) -> SentenceScorer:
        import ray

        from hypewatch.nlp.onnx_scorer import read_additions
        from hypewatch.nlp.scorer import Scorer

        package = ray.get(self.package)
        name = self.model.name
        if package is not None:
            folder = Path(tempfile.mkdtemp(prefix="hypewatch-model-")) / package["name"]
            folder.mkdir()
            for filename, data in package["files"].items():
                (folder / filename).write_bytes(data)
            name = str(folder)
        scorer = Scorer.load(
            name,
            device="cuda" if self.use_gpu else "cpu",
            base_dir=self.model.base_dir,
            label_map=self.model.label_map or None,
            precision=self.model.precision,  # type: ignore[arg-type]
            batch_size=self.model.batch_size,
            threads=None if self.use_gpu else 1,
        )
        read_additions(scorer, self.model.additions)
        return scorer


def _model_package(model: ModelSpec, use_gpu: bool) -> tuple[str, dict[str, Any] | None]:
    """The model id the actors will give, and the model folder's files for them (None: a hub id,
    which each actor loads itself). Loading it here first makes a missing model one clear error
    before any actor starts, and builds a CPU run's int8 copy once, not once per actor."""
    from hypewatch.nlp import int8
    from hypewatch.nlp.onnx_scorer import read_additions
    from hypewatch.nlp.scorer import Scorer, model_folder

    precision = "fp32" if use_gpu else model.precision  # here only to check it: no int8 copy for GPUs
    scorer = Scorer.load(
        model.name,
        device="cpu",
        base_dir=model.base_dir,
        label_map=model.label_map or None,
        precision=precision,
        batch_size=model.batch_size,
    )  # type: ignore[arg-type]
    read_additions(scorer, model.additions)
    model_id = scorer.model_id
    if use_gpu:
        model_id = model_id + ("-fp16" if model.precision != "fp32" else "")
    folder = model_folder(model.name, model.base_dir)
    if not folder.is_dir():
        return model_id, None
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.startswith("int8-")}
    if isinstance(scorer.net, int8.OnnxRunner):
        files[scorer.net.path.name] = scorer.net.path.read_bytes()
    return model_id, {"name": folder.name, "files": files}


# --- writing ----------------------------------------------------------------------------------------


def documents_of(batch: pa.Table) -> pa.Table:
    return batch.select([*DOCUMENT_SCHEMA.names, PARTITION])


def doc_scores_of(batch: pa.Table) -> pa.Table:
    return batch.filter(pc.is_valid(batch.column("scored_by"))).select([*DOC_SCORE_SCHEMA.names, PARTITION])


def sentences_of(batch: pa.Table) -> pa.Table:
    return _flatten(batch, "sentences", SENTENCE_SCHEMA)


def turns_of(batch: pa.Table) -> pa.Table:
    return _flatten(batch, "turns", TURN_SCHEMA)


def _flatten(batch: pa.Table, column: str, schema: pa.Schema) -> pa.Table:
    """One row per item of a list column, with its document's doc_id and day."""
    lists = batch.column(column).combine_chunks()
    parents = pc.list_parent_indices(lists)
    items = pc.list_flatten(lists)
    arrays = {"doc_id": batch.column("doc_id").take(parents), PARTITION: batch.column(PARTITION).take(parents)}
    arrays |= {f.name: items.field(f.name) for f in schema if f.name != "doc_id"}
    return pa.Table.from_arrays([arrays[n] for n in [*schema.names, PARTITION]], schema=pa.schema([*schema, _DAY]))
