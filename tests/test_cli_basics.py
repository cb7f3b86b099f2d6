"""`hypewatch sql` and the run lock, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from store_helpers import some_documents


@pytest.fixture
def db_config(tmp_path: Path, write_config) -> Path:
    store = some_documents(tmp_path / "hw.duckdb")
    return write_config(f"database: {store.path.name}\n")


def sql(hypewatch_cmd, config: Path, query: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "sql", query, *extra], capture_output=True, text=True
    )


def test_sql_prints_csv_json_and_table(hypewatch_cmd, db_config: Path):
    query = "SELECT doc_id, len(tickers) AS n FROM documents ORDER BY doc_id"
    assert sql(hypewatch_cmd, db_config, query, "--format", "csv").stdout.splitlines() == ["doc_id,n", "d0,1", "d1,2"]
    assert json.loads(sql(hypewatch_cmd, db_config, query, "--format", "json").stdout) == [
        {"doc_id": "d0", "n": 1},
        {"doc_id": "d1", "n": 2},
    ]
    table = sql(hypewatch_cmd, db_config, query).stdout
    assert "doc_id" in table and "d1" in table


def test_a_source_folder_gone_missing_does_not_lock_the_user_out_of_their_data(hypewatch_cmd, tmp_path, write_config):
    # A drive not mounted tonight, a folder moved: the crawl names it (tests/test_faults_crawl.py),
    # the data already stored stays readable.
    store = some_documents(tmp_path / "hw.duckdb")
    config = write_config(
        f"database: {store.path.name}\nsources:\n  - {{name: calls, kind: transcripts, path: unmounted/}}\n"
        "  - {name: wire, feed: moved.rss}\n"
    )
    done = sql(hypewatch_cmd, config, "SELECT count(*) AS n FROM documents", "--format", "csv")
    assert (done.returncode, done.stdout.splitlines(), done.stderr) == (0, ["n", "2"], "")


def test_sql_is_read_only(hypewatch_cmd, db_config: Path):
    done = sql(hypewatch_cmd, db_config, "DELETE FROM documents")
    assert done.returncode == 1
    assert "read-only" in done.stderr.lower()
    assert sql(hypewatch_cmd, db_config, "SELECT count(*) FROM documents", "--format", "csv").stdout.split() == [
        "count_star()",
        "2",
    ]


def test_sql_error_is_one_line(hypewatch_cmd, db_config: Path):
    done = sql(hypewatch_cmd, db_config, "SELECT nope FROM documents")
    assert done.returncode == 1
    assert done.stderr.startswith("hypewatch: SQL error:") and done.stderr.count("\n") == 1


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from hypewatch.runlock import RunLock
    with RunLock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(30)
""")


def test_a_second_run_is_refused_while_one_is_going(hypewatch_cmd, db_config: Path, tmp_path: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / "hw.duckdb")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        done = subprocess.run([*hypewatch_cmd, "--config", str(db_config), "run"], capture_output=True, text=True)
        assert done.returncode == 1
        assert f"another run is in progress (pid {holder.pid}, started 20" in done.stderr
    finally:
        holder.kill()
        holder.wait()


def test_train_names_a_real_sentence_folder_without_data(hypewatch_cmd, tmp_path: Path):
    done = subprocess.run(
        [*hypewatch_cmd, "train", "--out", str(tmp_path / "model"), "--real", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert f"--real {tmp_path}: no data/ folder there" in done.stderr
    assert not (tmp_path / "model").exists()


def test_train_dev_only_needs_real_sentences(hypewatch_cmd, tmp_path: Path):
    done = subprocess.run(
        [*hypewatch_cmd, "train", "--out", str(tmp_path / "model"), "--dev-only"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "--dev-only goes with --real DIR" in done.stderr
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize(("asked", "trained"), [(["--epochs", "3"], 3), (["--start-from", "default"], 1)])
def test_train_refuses_to_average_more_epochs_than_it_trains(hypewatch_cmd, tmp_path: Path, asked, trained):
    done = subprocess.run(
        [*hypewatch_cmd, "train", "--out", str(tmp_path / "model"), *asked, "--average-last", str(trained + 1)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert f"--average-last {trained + 1}: more epochs than the {trained} trained" in done.stderr
    assert not (tmp_path / "model").exists()


def test_train_with_fewer_epochs_than_the_recipe_averages_is_not_refused(hypewatch_cmd, tmp_path: Path):
    # The recipe averages its last 4 epochs; asking for 1 epoch keeps that one, as before --average-last.
    done = subprocess.run(
        [*hypewatch_cmd, "train", "--out", str(tmp_path / "model"), "--epochs", "1", "--real", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "--average-last" not in done.stderr
    assert f"--real {tmp_path}: no data/ folder there" in done.stderr  # got past the recipe to the data
