"""The nightly job at scale: a full `hypewatch run` over 5,000 articles spread across 90 days, then
a second run with nothing new.

A local server process serves the articles on 10 hosts (127.0.0.1 ... 127.0.0.10), one RSS feed
each. The articles are made of real sentences (the project's labeled corpus and, where
../shared is present, sentences of the real earnings calls), so the scorer does real work.
The job runs as users run it: `hypewatch run` in a subprocess, with the default model.

    .venv/bin/python benchmarks/nightly.py [--articles 5000] [--model default]

Targets: the nothing-new re-run < 10 s; peak RSS (job + extraction workers) < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The loopback server of the tests serves the articles (tests/ is no package).
sys.path.append(str(ROOT / "tests"))

from crawl import RssSampler  # noqa: E402
from crawl_server import CrawlServer, Reply  # noqa: E402

LAST_DAY = date(2026, 11, 25)
DAYS = 90


def sentence_pool() -> list[str]:
    from hypewatch.nlp.corpus import load_corpus
    from hypewatch.nlp.sentences import split_sentences

    pool = [e.text for e in load_corpus()]
    shared = ROOT.parent / "shared" / "data" / "transcripts"
    for path in sorted(shared.glob("*/*.txt")):
        pool += [s for s in split_sentences(path.read_text(encoding="utf-8", errors="replace")) if len(s.split()) > 5]
    return sorted(set(pool))


def site(pool: list[str], hosts: list[str], port: int, articles: int) -> dict[str, dict[str, Reply]]:
    rng = random.Random(5)
    routes: dict[str, dict[str, Reply]] = {h: {} for h in hosts}
    items: dict[str, list[str]] = {h: [] for h in hosts}
    for n in range(articles):
        host = hosts[n % len(hosts)]
        day = LAST_DAY - timedelta(days=n % DAYS)
        body = "".join(f"<p>{' '.join(rng.sample(pool, 3))}</p>" for _ in range(5))
        routes[host][f"/story/{n}"] = Reply(
            body=(
                f"<!doctype html><html lang='en'><head><title>Story {n}</title></head><body>"
                f"<nav><a href='/'>Home</a> <a href='/markets'>Markets</a></nav>"
                f"<article><h1>Story {n}</h1>{body}</article><footer>Copyright {host}</footer></body></html>"
            )
        )
        stamp = format_datetime(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc))
        items[host].append(
            f"<item><title>Story {n}</title><link>http://{host}:{port}/story/{n}</link>"
            f"<pubDate>{stamp}</pubDate></item>"
        )
    for host in hosts:
        routes[host]["/feed.xml"] = Reply(
            body=f"<?xml version='1.0'?><rss version='2.0'><channel><title>{host}</title>{''.join(items[host])}</channel></rss>",
            content_type="application/rss+xml",
        )
    return routes


def serve(pool: list[str], hosts: list[str], port: int, articles: int, ready, stop) -> None:
    servers = [
        CrawlServer(routes, host=host, port=port).__enter__()
        for host, routes in site(pool, hosts, port, articles).items()
    ]
    ready.set()
    stop.wait()
    for server in servers:
        server.__exit__()


def run_job(config: Path, exclude: set[int]) -> tuple[float, int, dict]:
    sampler = RssSampler(exclude=exclude)
    sampler.start()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "hypewatch", "--config", str(config), "run", "--today", LAST_DAY.isoformat()],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    if done.returncode != 0:
        sys.exit(f"hypewatch run failed:\n{done.stderr[-3000:]}")
    import duckdb

    conn = duckdb.connect(str(config.parent / "hw.duckdb"), read_only=True)
    counts = json.loads(conn.execute("SELECT counts FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()[0])
    conn.close()
    return elapsed, sampler.peak, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--model", default="default")  # the shipped model
    args = parser.parse_args()
    if args.model != "default" and not (Path(args.model) / "hypewatch.json").exists():
        sys.exit(f"no model at {args.model}: build it with `hypewatch train` (or pass --model)")
    hosts = [f"127.0.0.{i}" for i in range(1, args.hosts + 1)]
    port = 19_000 + os.getpid() % 10_000
    pool = sentence_pool()

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    server = context.Process(target=serve, args=(pool, hosts, port, args.articles, ready, stop), daemon=True)
    server.start()
    if not ready.wait(300):
        sys.exit("the article server did not start")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        sources = "\n".join(
            f"  - {{name: {h}, feed: 'http://{h}:{port}/feed.xml', allow_private: true}}" for h in hosts
        )
        config.write_text(
            f"database: hw.duckdb\nsources:\n{sources}\n"
            f"crawl: {{per_host_delay_s: 0, concurrency: 8, max_items_per_feed: {args.articles}}}\n"
            f"model: {{name: '{args.model}'}}\n"
            f"alerts: {{email: {{outbox: outbox/}}}}\nreport: {{path: report.html}}\n"
        )
        print(
            f"{args.articles:,} articles over {DAYS} days on {args.hosts} hosts; sentence pool {len(pool):,}; "
            f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
        )
        for label in ("full run", "nothing new"):
            elapsed, peak, counts = run_job(config, exclude={server.pid})
            stages = ", ".join(f"{name} {c.get('seconds', 0):.1f} s" for name, c in counts.items())
            print(f"{label}: {elapsed:.1f} s wall ({stages}); peak RSS {peak / 2**20:,.0f} MiB")
            print(
                f"  crawl: {counts['crawl'].get('new')} new, {counts['crawl'].get('unchanged')} unchanged; "
                f"score: {counts['score'].get('documents')} documents, {counts['score'].get('sentences')} sentences "
                f"({counts['score'].get('scored')} scored, {counts['score'].get('from_cache')} from cache)"
            )
    stop.set()
    server.join(10)
    print("targets: nothing-new re-run < 10 s; peak RSS < 2,048 MiB")


if __name__ == "__main__":
    main()
