"""Crawl throughput: pages fetched + extracted + stored per second, and peak memory.

A local server process serves 2,000 article pages on 20 hosts (127.0.0.1 ... 127.0.0.20, each its
own host to the crawler), one RSS feed per host. The crawl runs as in production (robots.txt
checked, extraction in the process pool, documents stored in batches through
`Store.add_documents` into a temporary DuckDB file), with politeness delays off.

    .venv/bin/python benchmarks/crawl.py [--hosts 20] [--pages 2000]

Target: >= 60 pages/s on 2 cores, peak RSS (crawler + extraction workers) < 1 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The loopback server of the tests serves the articles (tests/ is no package).
sys.path.append(str(ROOT / "tests"))

from crawl_server import CrawlServer, Reply  # noqa: E402

WORDS = (
    "the of and to in a is that for on with as was by at from it be this are have an which has "
    "chip demand data center revenue quarter growth cloud model training inference server "
    "market investors analysts supply margin capacity customers billion percent year company "
    "said would could new first more than its their over after about into earnings guidance"
).split()
COMPANIES = ["Nvidia", "Microsoft", "Broadcom", "Oracle", "Micron", "TSMC", "CoreWeave", "Alphabet"]


def article_html(rng: random.Random, host: str, n: int) -> str:
    paragraphs = []
    for _ in range(rng.randint(8, 14)):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            words = rng.choices(WORDS, k=rng.randint(12, 24))
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), rng.choice(COMPANIES))
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(30))
    related = "".join(f'<li><a href="/story/{i}">Related story number {i} about markets</a></li>' for i in range(10))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story {n} on {host}</title>'
        f'<meta property="article:published_time" content="2024-11-0{1 + n % 9}T10:00:00Z">'
        f'<script>window.analytics = {{"id": {n}}};</script><style>body {{ font: 16px serif; }}</style></head>'
        f"<body><header><ul>{nav}</ul></header><main><article><h1>Story {n} on {host}</h1>"
        f'<p class="byline">By A. Reporter</p>{body}</article>'
        f"<aside><h2>Related</h2><ul>{related}</ul></aside></main>"
        f"<footer>Copyright {host}. All rights reserved. Terms. Privacy.</footer></body></html>"
    )


def feed_xml(host: str, port: int, pages: int) -> str:
    items = "".join(
        f"<item><title>Story {n}</title><link>http://{host}:{port}/story/{n}</link>"
        f"<pubDate>Tue, 05 Nov 2024 12:00:00 GMT</pubDate></item>"
        for n in range(pages)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}</title>{items}</channel></rss>'


def serve(hosts: list[str], port: int, pages: int, ready: multiprocessing.Event, stop: multiprocessing.Event) -> None:
    rng = random.Random(42)
    servers = []
    for host in hosts:
        routes = {f"/story/{n}": Reply(body=article_html(rng, host, n)) for n in range(pages)}
        routes["/feed.xml"] = Reply(body=feed_xml(host, port, pages), content_type="application/rss+xml")
        servers.append(CrawlServer(routes, host=host, port=port).__enter__())
    ready.set()
    stop.wait()
    for server in servers:
        server.__exit__()


class RssSampler(threading.Thread):
    """Peak of (this process + its children, except the server) resident memory, from /proc."""

    def __init__(self, exclude: set[int]) -> None:
        super().__init__(daemon=True)
        self.exclude = exclude
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, sum(_rss(pid) for pid in _family(os.getpid()) if pid not in self.exclude))
            time.sleep(0.05)


def _family(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            pids += _family(int(child))
    return pids


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_seconds() -> tuple[float, float]:
    """CPU time of this process, and of its reaped children (the extraction workers, not the server)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main() -> None:
    # Imported here, not at the top: spawned processes (the page server, the extraction workers)
    # import this script again, and should not load the database and HTTP stack for nothing.
    from hypewatch.config import Config, Crawl, Source
    from hypewatch.crawler.crawl import crawl_sources
    from hypewatch.storage.store import Store

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=2000, help="pages in all")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    per_host = args.pages // args.hosts
    hosts = [f"127.0.0.{i}" for i in range(1, args.hosts + 1)]
    port = 18_000 + os.getpid() % 10_000

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    server = context.Process(target=serve, args=(hosts, port, per_host, ready, stop), daemon=True)
    server.start()
    if not ready.wait(120):
        sys.exit("the page server did not start")

    settings = Crawl(per_host_delay_s=0, concurrency=args.concurrency, per_host_concurrency=2, timeout_s=30)
    sources = [Source(name=host, feed=f"http://{host}:{port}/feed.xml", allow_private=True) for host in hosts]
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(sources=sources, crawl=settings, base_dir=Path(tmp))
        store = Store(Path(tmp) / "bench.duckdb")
        sampler = RssSampler(exclude={server.pid})
        sampler.start()
        start = time.perf_counter()
        cpu_start = _cpu_seconds()
        summary = asyncio.run(
            crawl_sources(
                **config.crawl_arguments(),
                http_cache={},
                known=store.known_documents(),
                sink=store.add_documents,
                state_sink=store.save_crawl_state,
            )
        )
        elapsed = time.perf_counter() - start
        # the extraction workers have exited and been reaped by now
        cpu_main, cpu_workers = (end - begin for end, begin in zip(_cpu_seconds(), cpu_start))
        cpu = cpu_main + cpu_workers
        sampler.running = False
        sampler.join()
        with store.read() as conn:
            stored = conn.execute("select count(*) from documents").fetchone()[0]
    stop.set()
    server.join(10)

    print(f"hosts: {args.hosts}, pages listed: {per_host * args.hosts}, cpus: {os.cpu_count()}")
    print(f"summary: {summary.as_dict()}")
    print(f"documents stored: {stored} in {elapsed:.1f} s (extraction pool start-up included)")
    print(f"throughput: {stored / elapsed:.1f} pages/s fetched + extracted + stored (target >= 60)")
    print(
        f"CPU: {cpu:.1f} s in all, {1000 * cpu / stored:.1f} ms a page ({1000 * cpu_main / stored:.1f} ms in the "
        f"crawler, {1000 * cpu_workers / stored:.1f} ms in the workers), so about "
        f"{2 * stored / cpu:.0f} pages/s on 2 otherwise idle cores (load now: {os.getloadavg()[0]:.1f})"
    )
    print(f"peak RSS, crawler + extraction workers: {sampler.peak / 2**20:.0f} MiB (target < 1024)")


if __name__ == "__main__":
    main()
