"""The nightly job: crawl -> score -> alerts -> report, each stage recorded in `runs`.

Stages talk to the database only through short transactions, so `hypewatch sql` works beside a
run; a stage that fails is recorded and the next stages still run on what is stored.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from hypewatch.alerts import detect_and_save, detect_stale_and_save, send_pending
from hypewatch.crawler.crawl import crawl
from hypewatch.report import write_report
from hypewatch.storage import DatabaseBusy, Store

from .config import Config
from .runlock import RunLock
from .scoring import no_counts, score_pending, tag_pending

logger = logging.getLogger(__name__)

STAGES = ("crawl", "score", "alerts", "report")


@dataclass
class RunContext:
    config: Config
    store: Store
    today: date
    progress: bool = False
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        logger.warning(message)
        self.warnings.append(message)


@dataclass
class RunResult:
    run_id: int
    status: str  # ok | warnings | failed
    counts: dict[str, Any]
    warnings: list[str]
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @property
    def undelivered(self) -> int:
        """Deliveries this run could not make (pending for a later run, or given up): the run did
        not do its job."""
        counts = self.counts.get("alerts", {})
        return int(counts.get("pending", 0)) + int(counts.get("failed", 0))


def run(
    config: Config, stages: tuple[str, ...] = STAGES, *, today: date | None = None, progress: bool = False
) -> RunResult:
    """Run the given stages under the run lock; raise RunInProgress if another run holds it."""
    with RunLock(config.database_path):
        store = Store(config.database_path)
        started = datetime.now(timezone.utc)
        run_id = store.start_run(os.getpid(), started)
        logger.info("run %d started: %s on %s", run_id, ", ".join(stages), config.database_path)
        ctx = RunContext(config=config, store=store, today=today or started.date(), progress=progress)
        counts: dict[str, Any] = {}
        errors: list[str] = []
        t0 = time.perf_counter()
        for name in stages:
            if name == "report" and not config.report.on_run and len(stages) > 1:
                continue
            stage_t0 = time.perf_counter()
            try:
                counts[name] = STAGE_FUNCTIONS[name](ctx)
            except Exception as exc:  # noqa: BLE001 - a failed stage is recorded, the rest go on
                logger.exception("stage %s failed", name)
                errors.append(f"{name}: {exc}")
                counts[name] = {"failed": True}
            counts[name]["seconds"] = round(time.perf_counter() - stage_t0, 3)
            logger.info("run %d: %s %s", run_id, name, counts[name])
        status = "failed" if errors else ("warnings" if ctx.warnings else "ok")
        error = "; ".join(errors) or None
        store.finish_run(run_id, status=status, counts=counts, warnings=ctx.warnings, error=error)
        logger.info(
            "run %d finished: %s (%d warnings)%s", run_id, status, len(ctx.warnings), f": {error}" if error else ""
        )
        return RunResult(run_id, status, counts, ctx.warnings, error, time.perf_counter() - t0)


def crawl_stage(ctx: RunContext) -> dict[str, Any]:
    sources = [s for s in ctx.config.sources if s.enabled]
    if not sources:
        disabled = len(ctx.config.sources)
        ctx.warn(
            "no sources configured: nothing to crawl"
            + (f" (all {disabled} are disabled)" if disabled else "; add some under `sources:` in the config")
        )
    summary = crawl(
        **ctx.config.crawl_arguments(),
        http_cache=ctx.store.http_cache(),
        known=ctx.store.known_documents(),
        retries=ctx.store.crawl_retries(),
        sink=ctx.store.add_documents,
        state_sink=ctx.store.save_crawl_state,
    )
    ctx.warnings.extend(summary.warnings)  # the crawler has logged each one already
    return summary.as_dict()


def score_stage(ctx: RunContext) -> dict[str, Any]:
    from hypewatch.nlp.onnx_scorer import identify, load_scorer, precision_variants  # torch: only when needed

    model, base_dir = ctx.config.model, ctx.config.base_dir
    tagger = ctx.config.topic_tagger()
    try:
        ctx.store.save_topic_definitions(tagger.topics, tagger.fingerprint)
    except DatabaseBusy as exc:  # a table for readers: the next run writes it
        ctx.warn(f"topic definitions not saved, the next run saves them: {exc}")
    # First the documents scored before topics existed, or before their definitions changed:
    # topics only, no model needed (one that would score them again retags them as it does).
    retagged = tag_pending(ctx.store, tagger, warn=ctx.warn)
    additions = ctx.config.glossary_additions
    known_id = identify(
        model.name, device=model.device, base_dir=base_dir, precision=model.precision, additions=additions
    )
    if known_id and not ctx.store.documents_to_score(known_id, limit=1, scored_alike=precision_variants(known_id)):
        counts = no_counts()  # nothing to score: no need to load the model
    else:
        scorer = load_scorer(
            model.name,
            device=model.device,
            base_dir=base_dir,
            label_map=model.label_map or None,
            precision=model.precision,
            batch_size=model.batch_size,
            additions=additions,
        )
        counts = score_pending(ctx.store, scorer, tagger, progress=ctx.progress, warn=ctx.warn)
    return {**counts, "retagged": retagged}


def alerts_stage(ctx: RunContext) -> dict[str, Any]:
    settings = ctx.config.alerts
    raised = detect_and_save(ctx.store, settings.rules, today=ctx.today)
    stale = detect_stale_and_save(ctx.store, ctx.config.sources, settings)
    report = send_pending(
        ctx.store,
        settings.email,
        outbox=ctx.config.resolve(settings.email.outbox),
        now=datetime.now(timezone.utc),
        channels=settings.channels,
        max_attempts=settings.max_attempts,
        report_link=report_link(ctx.config),
    )
    for problem in [*report.errors, *report.warnings]:
        ctx.warn(problem)
    return {"raised": len(raised) + len(stale), "sent": report.sent, "pending": report.pending, "failed": report.failed}


def report_link(config: Config) -> str:
    """Where a chat alert tells readers to find the report: report.url, else the file's path."""
    return config.report.url or str(config.resolve(config.report.path))


def report_stage(ctx: RunContext) -> dict[str, Any]:
    cfg = ctx.config.report
    out = write_report(ctx.store, ctx.config.resolve(cfg.path), days=cfg.days, tickers=cfg.tickers, today=ctx.today)
    return {"path": str(out)}


STAGE_FUNCTIONS: dict[str, Callable[[RunContext], dict[str, Any]]] = {
    "crawl": crawl_stage,
    "score": score_stage,
    "alerts": alerts_stage,
    "report": report_stage,
}
