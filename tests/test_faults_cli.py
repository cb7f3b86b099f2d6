"""Faults at the command line: `hypewatch sql` as a sandbox, one line instead of a traceback, no quiet no-ops.

The real CLI in a subprocess (and the library's read connections in-process) on real DuckDB files;
the read-only cases run as an unprivileged user (root ignores file modes), and are skipped where no
such user can be switched to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from report_helpers import TODAY, build_demo_database
from store_helpers import some_documents

from hypewatch.storage import DatabaseDamaged, Store
from hypewatch.storage.db import latest_version, migrate, migrations, reading

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534
REPORT_DAYS = (date.today() - TODAY).days + 40  # `hypewatch report` ends today: reach back to the demo data


def hw(
    config: Path | None,
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    command = [*prefix, sys.executable, "-m", "hypewatch", *(["--config", str(config)] if config else []), *args]
    # In the config's folder, so that a relative path in SQL that got through lands where we look.
    done = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        timeout=300,
        cwd=config.parent if config else None,
        env={**os.environ, **(env or {})},
    )
    done.stdout, done.stderr = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    return done


def one_line(done: subprocess.CompletedProcess, starts: str = "hypewatch: ") -> str:
    """The handled-error contract: exit 1 and exactly one line on stderr, no traceback."""
    assert done.returncode == 1, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(starts), done.stderr
    return done.stderr.strip()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file and folder under folder, with a file's bytes: to show that nothing was written,
    added or removed."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


# --- `hypewatch sql`: a read-only sandbox ----------------------------------------------------------


@pytest.fixture
def sandbox(tmp_path: Path, write_config) -> Path:
    some_documents(tmp_path / "hw.duckdb")
    some_documents(tmp_path / "other.duckdb")
    (tmp_path / "secret.csv").write_text("k,v\npassword,hunter2\n", encoding="utf-8")
    return write_config("database: hw.duckdb\nlog_file: false\n")


ESCAPES = [
    "COPY (SELECT 'pwned') TO 'config.yaml'",
    "EXPORT DATABASE 'exported'",
    "ATTACH 'other.duckdb' AS o (READ_WRITE)",
    "ATTACH 'hw.duckdb' AS again (READ_WRITE)",
    "DETACH hw",
    "USE memory",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "PRAGMA enable_profiling",  # a PRAGMA passes the CLI's check: DuckDB's locked settings refuse it
    "SELECT * FROM read_csv('secret.csv')",
    "SELECT * FROM 'secret.csv'",
    "SELECT * FROM glob('*')",
    "SELECT 1; COPY (SELECT 1) TO 'dump.csv'",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "DELETE FROM documents",
    ".shell touch dump.csv",
    "UPDATE EXTENSIONS",
    " ; ",
]
TABLE_ESCAPES = [
    "COPY (SELECT 'pwned') TO 'config.yaml'",
    "SELECT * FROM read_csv('secret.csv')",
    "SELECT 1; COPY (SELECT 1) TO 'dump.csv'",
    "",
]


def test_sql_refuses_every_way_out_of_the_read_only_database(sandbox: Path):
    folder = sandbox.parent
    before = snapshot(folder)
    for fmt, queries in (("csv", ESCAPES), ("table", TABLE_ESCAPES)):
        for query in queries:
            line = one_line(hw(sandbox, "sql", "--format", fmt, "--", query))
            assert line.startswith(("hypewatch: SQL refused: ", "hypewatch: SQL error: ")), (query, line)
            assert "hunter2" not in line
    assert snapshot(folder) == before  # no file written, exported, attached into or deleted from
    assert hw(sandbox, "sql", "--format", "csv", "SELECT count(*) FROM documents").stdout.split() == [
        "count_star()",
        "2",
    ]
    assert one_line(hw(sandbox, "sql", "COPY documents TO 'x.csv'")) == (
        "hypewatch: SQL refused: COPY is not a query; `hypewatch sql` is read-only"
    )
    assert one_line(hw(sandbox, "sql", "SELECT * FROM read_csv('secret.csv')")).startswith(
        'hypewatch: SQL error: Permission Error: Cannot access file "secret.csv"'
    )


# The statements the CLI refuses by their type still meet DuckDB's own sandbox on every read
# connection (the report's and the alerts' go through Store.read, not through the CLI's check).
SANDBOX_ONLY = [
    "COPY (SELECT 'pwned') TO '{folder}/config.yaml'",
    "EXPORT DATABASE '{folder}/exported'",
    "ATTACH '{folder}/other.duckdb' AS o (READ_WRITE)",
    "ATTACH '{folder}/hw.duckdb' AS again (READ_WRITE)",
    "ATTACH ':memory:' AS scratch",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET allowed_directories = ['/']",
    "SELECT * FROM read_csv('{folder}/secret.csv')",
    "SELECT * FROM glob('{folder}/*')",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "DELETE FROM documents",
]


def test_every_read_connection_is_sandboxed_not_just_the_cli(sandbox: Path):
    folder = sandbox.parent
    before = snapshot(folder)
    store = Store(folder / "hw.duckdb", migrate=False)
    for statement in SANDBOX_ONLY:
        with store.read() as conn:
            with pytest.raises(duckdb.Error):
                conn.execute(statement.format(folder=folder)).fetchall()
    with store.read() as conn:
        assert conn.execute("SELECT current_setting('enable_external_access')").fetchall() == [(False,)]
        assert conn.execute("SELECT count(*) FROM documents").fetchall() == [(2,)]
        # The bulk paths hand DuckDB Arrow tables; that is in memory, not external access.
        conn.register("ids", pa.table({"doc_id": ["d1", "zz"]}))
        assert conn.execute("SELECT count(*) FROM documents JOIN ids USING (doc_id)").fetchall() == [(1,)]
    assert snapshot(folder) == before


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Querying with SQL") :]
    section = section[: section.index("\n## ", 5)]
    return [q.strip().rstrip(";") for q in re.findall(r"```sql\n(.*?)```", section, flags=re.S)]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo-db")
    build_demo_database(folder / "hw.duckdb")
    config = folder / "config.yaml"
    config.write_text(f"database: hw.duckdb\nlog_file: false\nreport: {{days: {REPORT_DAYS}}}\n", encoding="utf-8")
    return config


def test_the_readme_queries_and_every_format_still_work_in_the_sandbox(demo_db: Path):
    queries = readme_queries()
    assert len(queries) >= 7
    for query in queries:
        done = hw(demo_db, "sql", "--format", "csv", query)
        assert done.returncode == 0, (query, done.stderr)
        assert len(done.stdout.splitlines()) >= 2, (query, done.stdout)  # a header and rows
    listed = "SELECT run_id, status FROM runs ORDER BY run_id"
    assert json.loads(hw(demo_db, "sql", "--format", "json", listed).stdout) == [
        {"run_id": 1, "status": "ok"},
        {"run_id": 2, "status": "warnings"},
        {"run_id": 3, "status": "ok"},
    ]
    for query in (
        "SHOW TABLES",
        "DESCRIBE documents",
        "PIVOT documents ON kind USING count(*)",
        "EXPLAIN SELECT * FROM documents",
        "PRAGMA table_info('alerts')",
        "SUMMARIZE runs",
    ):
        done = hw(demo_db, "sql", query)
        assert done.returncode == 0 and done.stdout.strip(), (query, done.stderr)


def test_the_report_still_works_on_a_sandboxed_connection(demo_db: Path, tmp_path: Path):
    done = hw(demo_db, "report", "--out", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Broadcom" in html


# --- the report needs no write access -----------------------------------------------------------


@pytest.fixture
def unprivileged() -> tuple[str, ...]:
    """A command prefix that runs as an ordinary user, for whom file modes hold."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file modes cannot be put to the test")
    prefix = ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
    probe = subprocess.run([*prefix, sys.executable, "-c", "import hypewatch, duckdb"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run this Python: {probe.stderr.decode()[-200:]}")
    return prefix


def own_home(folder: Path) -> dict[str, str]:
    """The environment of an ordinary user whose home is `folder`: caches and settings there too,
    whatever XDG folders the person running the tests has set (nobody cannot write theirs)."""
    return {"HOME": str(folder), "XDG_CACHE_HOME": str(folder / ".cache"), "XDG_CONFIG_HOME": str(folder / ".config")}


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="hw-faults-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)


def read_only_database(folder: Path, *, upto: int | None = None) -> tuple[Path, Path]:
    """A database (schema `upto`, or current) and its config in a folder nobody else may write to."""
    data = folder / "data"
    data.mkdir()
    if upto is None:
        build_demo_database(data / "hw.duckdb")
    else:
        migrate(data / "hw.duckdb", upto=upto)
    config = folder / "config.yaml"
    config.write_text(f"database: data/hw.duckdb\nreport: {{days: {REPORT_DAYS}}}\n", encoding="utf-8")
    (data / "hw.duckdb").chmod(0o444)
    data.chmod(0o555)
    out = folder / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    return config, out


def test_report_reads_a_read_only_database(unprivileged, shared_dir: Path):
    config, out = read_only_database(shared_dir)
    before = snapshot(shared_dir / "data")
    done = hw(config, "report", "--out", str(out / "r.html"), env=own_home(out), prefix=unprivileged)
    assert done.returncode == 0, done.stderr
    html = (out / "r.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Broadcom" in html
    assert snapshot(shared_dir / "data") == before
    # and `sql`, the other reader, the same way
    done = hw(config, "sql", "--format", "csv", "SELECT count(*) FROM runs", env=own_home(out), prefix=unprivileged)
    assert (done.returncode, done.stdout.split()) == (0, ["count_star()", "3"]), done.stderr


def test_report_on_a_read_only_database_of_an_older_schema_says_so(unprivileged, shared_dir: Path):
    previous = migrations()[-2][0]  # the version before the newest (numbers may have gaps)
    config, out = read_only_database(shared_dir, upto=previous)
    done = hw(config, "report", "--out", str(out / "r.html"), env=own_home(out), prefix=unprivileged)
    line = one_line(done)
    assert f"schema version {previous}, older than this hypewatch's ({latest_version()})" in line
    assert "read-only" in line and not (out / "r.html").exists()


def test_a_run_in_a_folder_it_cannot_write_says_so_in_one_line(unprivileged, shared_dir: Path):
    config, out = read_only_database(shared_dir)
    for log_file in ("true", "false"):
        config.write_text(f"database: data/hw.duckdb\nlog_file: {log_file}\n", encoding="utf-8")
        line = one_line(hw(config, "crawl", env=own_home(out), prefix=unprivileged))
        assert line == f"hypewatch: {shared_dir / 'data'}: the database folder is not writable"
    model = shared_dir / "data" / "models" / "mine"  # checked before minutes of training, not after
    line = one_line(hw(config, "train", "--out", str(model), env=own_home(out), prefix=unprivileged))
    assert line == f"hypewatch: {model}: cannot create the model folder: {shared_dir / 'data'} is not writable"


# --- one line instead of a traceback ------------------------------------------------------------


def test_a_binary_or_empty_config_is_named_in_one_line(write_config, tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_bytes(bytes(range(256)) * 16)  # byte 129 is the first that UTF-8 cannot start with
    assert (
        one_line(hw(config, "run"))
        == f"hypewatch: {config}: not a text file (byte 129 is not UTF-8); a config is YAML text"
    )
    config.write_bytes(b"database: hw.duckdb\x00\n")
    assert (
        one_line(hw(config, "run"))
        == f"hypewatch: {config}: not a text file (it holds NUL bytes); a config is YAML text"
    )
    for empty in ("", "\n\n", "# only a comment\n"):
        config.write_text(empty, encoding="utf-8")
        assert one_line(hw(config, "sql", "SELECT 1")) == (
            f"hypewatch: {config}: the config file is empty; `hypewatch init` writes a starter one"
        )
    line = one_line(hw(None, "sql", "SELECT 1", env={"HYPEWATCH_CONFIG": str(tmp_path)}))
    assert line == f"hypewatch: {tmp_path}: cannot read config file: Is a directory"


def test_a_database_under_a_file_is_named_in_one_line(write_config, tmp_path: Path):
    (tmp_path / "afile").write_text("not a folder\n", encoding="utf-8")
    for log_file in ("true", "false"):
        config = write_config(f"database: afile/hw.duckdb\nlog_file: {log_file}\n")
        line = one_line(hw(config, "run"))
        assert line == f"hypewatch: {tmp_path / 'afile'}: not a folder, so the database hw.duckdb cannot be kept in it"
    config = write_config("database: afile/deeper/hw.duckdb\n")
    assert one_line(hw(config, "crawl")).startswith(f"hypewatch: {tmp_path / 'afile' / 'deeper'}: cannot create")
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "not a folder\n"


def test_a_log_file_that_cannot_be_opened_is_named_in_one_line(write_config, tmp_path: Path):
    (tmp_path / "hypewatch.log").mkdir()  # where the log file goes
    config = write_config("database: hw.duckdb\n")
    line = one_line(hw(config, "crawl"))
    assert line.startswith(f"hypewatch: {tmp_path / 'hypewatch.log'}: cannot write the log file: Is a directory")


def damaged_database(path: Path, damage: str) -> None:
    store = some_documents(path, n=400, text="Demand is strong and costs are high. " * 100)
    store.finish_run(store.start_run(1, datetime.now(timezone.utc)), status="ok", counts={}, warnings=[], error=None)
    size = path.stat().st_size
    if damage == "cut in half":
        os.truncate(path, size // 2)
    elif damage == "overwritten inside":
        with path.open("r+b") as f:
            f.seek(size // 2)
            f.write(b"\xff" * 5000)
    else:
        path.write_bytes(b"\x7fELF not a database " * 1000)


@pytest.mark.parametrize("damage", ["cut in half", "garbage"])
def test_a_damaged_database_file_is_named_for_sql_run_and_report(write_config, tmp_path: Path, damage: str):
    path = tmp_path / "hw.duckdb"
    damaged_database(path, damage)
    damaged = path.read_bytes()
    config = write_config("database: hw.duckdb\nlog_file: false\n")
    expected = f"hypewatch: the database file {path} is damaged or not a DuckDB file: "
    for args in (
        ("sql", "SELECT count(*) FROM documents"),
        ("sql", "--format", "csv", "SELECT * FROM runs"),
        ("run",),
        ("crawl",),
        ("report",),
    ):
        assert one_line(hw(config, *args)).startswith(expected), args
    assert path.read_bytes() == damaged  # nothing wrote into it (no run recorded, no migration)
    with pytest.raises(DatabaseDamaged):
        with reading(path) as conn:
            conn.execute("SELECT * FROM documents").fetchall()


def test_a_sqlite_file_named_as_the_database_is_refused_without_fetching_a_reader_for_it(write_config, tmp_path):
    # DuckDB would download its SQLite extension to open the file: code from the network, for a slip.
    import sqlite3

    path = tmp_path / "hw.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE documents (doc_id TEXT)")
    before = path.read_bytes()
    config = write_config("database: hw.db\nlog_file: false\n")
    for args in (("sql", "SELECT 1"), ("run",), ("report",)):
        line = one_line(hw(config, *args))
        assert line == f"hypewatch: the database file {path} is not a DuckDB file: it is a SQLite database", args
    assert path.read_bytes() == before


def test_damage_met_in_the_middle_of_a_query_is_named(write_config, tmp_path: Path):
    path = tmp_path / "hw.duckdb"
    damaged_database(path, "overwritten inside")  # the header is whole: it opens, then a block fails
    config = write_config("database: hw.duckdb\nlog_file: false\n")
    expected = f"hypewatch: the database file {path} is damaged or not a DuckDB file: Corrupt database file: "
    for fmt in ("table", "csv"):
        assert one_line(hw(config, "sql", "--format", fmt, "SELECT sum(length(text)) FROM documents")).startswith(
            expected
        )
    with pytest.raises(DatabaseDamaged):
        with reading(path) as conn:
            conn.execute("SELECT sum(length(text)) FROM documents").fetchall()


def test_classify_refuses_a_binary_input_in_one_line_before_scoring_any_of_it(tmp_path: Path, hypewatch_cmd):
    (tmp_path / "weights.bin").write_bytes(bytes(range(256)) * 64)
    for args, stdin, name in (
        (["weights.bin"], b"", "weights.bin"),
        ([], b"\x89PNG\r\n\x1a\n" + bytes(4000), "<stdin>"),
    ):
        done = subprocess.run(
            [*hypewatch_cmd, "classify", *args], cwd=tmp_path, input=stdin, capture_output=True, timeout=120
        )
        assert (done.returncode, done.stdout) == (1, b"")
        assert done.stderr.decode() == (
            f"hypewatch: {name}: binary content, not text (classify reads a sentence or a JSON object per line)\n"
        )


def test_classify_scores_the_valid_lines_of_a_non_utf8_input_and_names_the_bad_one(tmp_path: Path, tiny_model):
    config = tmp_path / "config.yaml"
    config.write_text(f"model: {{name: '{tiny_model}', precision: fp32}}\n", encoding="utf-8")
    data = (
        b"Demand for GPUs is insatiable.\n"
        b"\n"
        b"Investors doubt the \xff\xfe AI spending will pay off.\r\n"
        b'{"text": "Revenue was in line with guidance.", "id": 7}\n'
    )
    done = hw(config, "classify", stdin=data)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"<stdin>:3: not UTF-8 \(byte 21\); undecodable bytes replaced", done.stderr), done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["text"] for r in records] == [
        "Demand for GPUs is insatiable.",
        "Investors doubt the \ufffd\ufffd AI spending will pay off.",
        "Revenue was in line with guidance.",
    ]
    assert records[2]["id"] == 7 and all(r["label"] in ("hype", "skeptic", "neutral") for r in records)
    (tmp_path / "in.txt").write_bytes(data)
    done = hw(config, "--quiet", "classify", str(tmp_path / "in.txt"))
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 3 and done.stderr == ""


def test_classify_names_a_json_line_it_cannot_score_in_its_place_and_scores_the_rest(tmp_path: Path, tiny_model):
    config = tmp_path / "config.yaml"
    config.write_text(f"model: {{name: '{tiny_model}', precision: fp32}}\n", encoding="utf-8")
    data = (
        b'{"txt": "Demand for GPUs is insatiable."}\n'  # a misspelt key: scoring the JSON would hide it
        b"Investors doubt the AI spending will pay off.\n"
        b"\n"
        b'{"text": "Revenue was in line.", "kind": "podcast"}\n'
        b'{"text": null}\n'
        b"{Braces} start this plain sentence.\n"
    )
    (tmp_path / "in.jsonl").write_bytes(data)
    done = hw(config, "classify", "in.jsonl")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    needs_text = 'a JSON line needs "text", a string'
    assert records[0] == {"input": "in.jsonl:1", "error": needs_text}
    assert records[2] == {"input": "in.jsonl:4", "error": "kind 'podcast': not one of news, transcripts"}
    assert records[3] == {"input": "in.jsonl:5", "error": needs_text}
    assert [r.get("text") for r in records] == [
        None,
        "Investors doubt the AI spending will pay off.",
        None,
        None,
        "{Braces} start this plain sentence.",
    ]
    assert f"in.jsonl:1: {needs_text}" in done.stderr and "in.jsonl:4: kind 'podcast'" in done.stderr


def test_cuda_on_a_machine_without_it_is_one_line(write_config, tmp_path: Path):
    some_documents(tmp_path / "hw.duckdb")
    config = write_config("database: hw.duckdb\nlog_file: false\nmodel: {device: cuda}\n")
    no_gpu = {"CUDA_VISIBLE_DEVICES": ""}
    cuda = "model.device is 'cuda' but no CUDA device is available; set it to auto or cpu"
    assert one_line(hw(config, "classify", stdin=b"Demand is insatiable.\n", env=no_gpu)) == f"hypewatch: {cuda}"
    done = hw(config, "score", env=no_gpu)  # a failed stage: its line, the summary, the failure
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"ERROR hypewatch.job: stage score failed: {cuda}\n" in done.stderr
    assert done.stderr.endswith(f"failed: score: {cuda}\n")
    assert "Traceback" in hw(config, "-v", "score", env=no_gpu).stderr  # -v still shows where


@pytest.mark.parametrize(
    "damage, file, says",
    [
        ("cut", "hypewatch.json", r"damaged, not a model's description \(Expecting .+\)"),
        (
            "newer",
            "hypewatch.json",
            r"unknown field 'reads_tables': saved by a newer hypewatch\? Upgrade to use this model",
        ),
        ("kinds", "hypewatch.json", r"context_kinds \['articles'\]: a list of kinds of source \(news, transcripts\)"),
        ("cut", "adapter.safetensors", r"damaged, not a model's weights \(.+\)"),
        ("gone", "adapter.safetensors", r"missing: the model folder is incomplete"),
    ],
)
def test_a_model_folder_damaged_or_saved_by_a_newer_version_is_named_in_one_line(
    write_config, tmp_path, user_cache, damage, file, says
):
    from hypewatch.nlp.onnx_scorer import SHIPPED_MODEL_DIR

    model = tmp_path / "my-model"
    shutil.copytree(SHIPPED_MODEL_DIR, model)
    path = model / file
    if damage == "gone":
        path.unlink()
    elif damage == "cut":  # a copy that stopped half way
        path.write_bytes(path.read_bytes()[:300])
    else:
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta |= {"reads_tables": True} if damage == "newer" else {"context_kinds": ["articles"]}
        path.write_text(json.dumps(meta), encoding="utf-8")
    some_documents(tmp_path / "hw.duckdb")
    config = write_config(f"database: hw.duckdb\nlog_file: false\nmodel: {{name: {model}, device: cpu}}\n")
    line = one_line(hw(config, "classify", stdin=b"Demand is insatiable.\n"))  # user_cache: nothing merged at home
    assert re.fullmatch(rf"hypewatch: {re.escape(str(path))}: {says}", line), line
    done = hw(config, "score")  # the nightly stage: its line, nothing scored, no traceback
    assert done.returncode == 1 and "Traceback" not in done.stderr and str(path) in done.stderr


def test_a_hub_model_with_the_hub_out_of_reach_is_one_line_at_once(write_config, tmp_path: Path):
    config = write_config("database: hw.duckdb\nlog_file: false\nmodel: {name: some-org/no-such-model}\n")
    with socket.socket() as closed:  # a port nothing listens on: the hub is down
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    hub_down = {"HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf")}
    hub_down |= {v: "" for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")}
    # Told at once that the hub is out of reach, the hub's client never starts its half minute of retries.
    line = one_line(hw(config, "classify", stdin=b"Demand is insatiable.\n", env=hub_down))
    assert re.fullmatch(
        r"hypewatch: model 'some-org/no-such-model' is neither a local model folder nor loadable from the Hugging"
        r" Face hub: the hub cannot be reached \(127\.0\.0\.1: .+\) and the model is not in its cache",
        line,
    ), line


def test_bad_inputs_to_the_one_off_tools_are_one_line(write_config, tmp_path: Path):
    some_documents(tmp_path / "hw.duckdb")
    config = write_config("database: hw.duckdb\nlog_file: false\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n")
    for name in ("empty.txt", "blank.txt"):
        done = hw(config, "transcript", str(tmp_path / name))
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert json.loads(done.stdout) == {
            "input": str(tmp_path / name),
            "error": f"{tmp_path / name}: the file is empty",
        }
    for tool in ("extract", "transcript"):
        done = hw(config, tool, str(tmp_path))
        assert done.returncode == 1 and json.loads(done.stdout)["error"] == f"{tmp_path}: Is a directory"
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    line = one_line(hw(config, "report", "--out", str(tmp_path / "afile" / "r.html")))
    assert line.startswith(f"hypewatch: {tmp_path / 'afile' / 'r.html'}: cannot write the report: ")
    line = one_line(hw(config, "init", str(tmp_path / "afile" / "sub")))
    assert line == f"hypewatch: {tmp_path / 'afile' / 'sub' / 'config.yaml'}: cannot write the config: Not a directory"
    line = one_line(hw(config, "train", "--out", str(tmp_path / "afile" / "model")))
    assert (
        line
        == f"hypewatch: {tmp_path / 'afile' / 'model'}: cannot create the model folder: {tmp_path / 'afile'} is not a folder"
    )
    (tmp_path / "binary.jsonl").write_bytes(b'{"text": "caf\xe9", "label": "neutral", "fatigue": false}\n')
    line = one_line(hw(config, "evaluate", str(tmp_path / "binary.jsonl")))
    assert line == f"hypewatch: {tmp_path / 'binary.jsonl'}: not a UTF-8 text file (JSON Lines expected)"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


# --- quiet problems -----------------------------------------------------------------------------


def test_a_run_without_sources_warns_and_records_it(write_config, tmp_path: Path):
    for sources, why in (
        ("", "add some under `sources:` in the config"),
        ("sources: [{name: paused, feed: feed.xml, enabled: false}]\n", "(all 1 are disabled)"),
    ):
        (tmp_path / "feed.xml").write_text("<rss/>", encoding="utf-8")
        config = write_config(f"database: hw.duckdb\nlog_file: false\n{sources}")
        done = hw(config, "crawl")
        assert done.returncode == 0, done.stderr
        assert f"  warning: no sources configured: nothing to crawl{'; ' if not sources else ' '}{why}" in done.stderr
        with reading(tmp_path / "hw.duckdb") as conn:
            status, warnings = conn.execute("SELECT status, warnings FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        assert status == "warnings" and warnings[0].startswith("no sources configured")
