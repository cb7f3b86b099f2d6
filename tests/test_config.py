"""config.yaml is validated once; every mistake names the key and its line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hypewatch.config import ConfigError, load_config

GOOD = """\
database: db/hw.duckdb
sources:
  - name: wire
    kind: news
    feed: https://example.com/rss.xml
  - name: calls
    kind: transcripts
    path: calls/
crawl:
  concurrency: 4
alerts:
  rules:
    - name: tone-shift
      metric: hype_index
      scope: ticker:NVDA
"""


def test_email_addresses_may_carry_a_display_name(write_config):
    text = "alerts:\n  email: {to: ['Ann Lee <ann@example.com>', desk@example.com], from: hw@localhost}\n"
    assert load_config(write_config(text)).alerts.email.to == ["Ann Lee <ann@example.com>", "desk@example.com"]


def test_valid_config_resolves_paths_against_its_folder(write_config, tmp_path: Path):
    (tmp_path / "calls").mkdir()
    config = load_config(write_config(GOOD))
    assert config.database_path == tmp_path / "db" / "hw.duckdb"
    assert config.resolve(config.sources[1].path) == tmp_path / "calls"
    assert config.crawl.concurrency == 4
    assert config.crawl.timeout_s == 20  # defaults fill what is not given
    assert config.alerts.rules[0].scope == "ticker:NVDA"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: []\ncrawl:\n  concurency: 4\n", "config.yaml:3: crawl.concurency: unknown key"),
        ("sources: []\ncrawl:\n  timeout_s: soon\n", "config.yaml:3: crawl.timeout_s: Input should be a valid number"),
        ("sources:\n  - name: a\n    feed: ftp://x.org/feed\n", "config.yaml:3: sources[0].feed: not an http(s) URL"),
        ("sources:\n  - name: a\n    kind: podcasts\n    feed: https://x.org/f\n", "config.yaml:3: sources[0].kind:"),
        ("sources:\n  - name: a\n    urls: [https://x.org/a, 'not a url']\n", "config.yaml:3: sources[0].urls"),
        ("alerts:\n  rules:\n    - name: r\n      scope: planet:mars\n", "config.yaml:4: alerts.rules[0].scope"),
        ("sources: [\n", "config.yaml:2: invalid YAML"),
        (
            "alerts:\n  email:\n    to: [ann@example.com, desk.example.com]\n",
            "config.yaml:3: alerts.email.to: 'desk.example.com' is not an email address",
        ),
        ("alerts:\n  email: {from: hypewatch}\n", "config.yaml:2: alerts.email.from: 'hypewatch' is not an email"),
        (
            "alerts:\n  rules:\n    - name: r\n      metric: hype_ratio\n",
            "config.yaml:4: alerts.rules[0].metric: unknown metric 'hype_ratio'; one of: hype_index, hype_share",
        ),
        (
            "sources:\n  - {name: wire, feed: https://x.org/f}\nalerts:\n  rules:\n    - {name: r, scope: 'source:wrie'}\n",
            "config.yaml:5: alerts.rules[0].scope: no source 'wrie' (sources: wire)",
        ),
        # YAML keeps the last of a key given twice: the first alerts block would vanish silently.
        (
            "sources: []\nalerts:\n  rules: []\nreport: {days: 3}\nalerts:\n  email: {to: [a@b.c]}\n",
            "config.yaml:5: alerts: given twice (first on line 2); keep one",
        ),
        ("sources:\n  - {name: a, feed: https://x.org/f, name: b}\n", "config.yaml:2: sources[0].name: given twice"),
        (
            "sources:\n  - {name: a, feed: https://x.org/f}\n  - {name: a, feed: https://x.org/g}\n",
            "config.yaml:1: sources: duplicate source names: a",
        ),
    ],
)
def test_config_errors_name_key_and_line(write_config, tmp_path: Path, text: str, message: str):
    with pytest.raises(ConfigError) as error:
        load_config(write_config(text))
    assert str(error.value).replace(f"{tmp_path}/", "").startswith(message)


def test_missing_config_file_says_how_to_make_one(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found.*hypewatch init"):
        load_config(tmp_path / "absent.yaml")


def test_cli_exits_1_with_one_line_naming_the_key(write_config, hypewatch_cmd):
    path = write_config("sources: []\nmodel:\n  device: tpu\n")
    done = subprocess.run([*hypewatch_cmd, "--config", str(path), "sql", "SELECT 1"], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "config.yaml:3: model.device" in done.stderr


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path: Path, hypewatch_cmd):
    first = subprocess.run([*hypewatch_cmd, "init", str(tmp_path)], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    config = load_config(tmp_path / "config.yaml")
    assert config.sources[0].name == "example-news"
    assert config.alerts.rules[0].metric == "hype_index"
    again = subprocess.run([*hypewatch_cmd, "init", str(tmp_path)], capture_output=True, text=True)
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_usage_errors_exit_2(hypewatch_cmd):
    done = subprocess.run([*hypewatch_cmd, "sql"], capture_output=True, text=True)
    assert done.returncode == 2
