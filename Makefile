# The two commands of the README: `make demo` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint setup browser bench clean

setup: $(VENV)/.installed

# torch is pinned in pyproject.toml: an unpinned torch would pull GBs of CUDA packages on a CPU box.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

# The scorer ships with the code (nlp/shipped): no training. Its first use merges it into the packaged
# encoder and builds its int8 copy, in seconds, into ~/.cache/hypewatch.
# Rebuilding the shipped model is a deliberate act (README, "The scorer"):
#   $(BIN)/hypewatch train --real ../shared --out nlp/shipped/hypewatch-minilm
demo: setup
	$(BIN)/hypewatch run --today 2026-11-25   # the demo sources end on that day
	@echo "Try: $(BIN)/hypewatch sql \"SELECT * FROM daily_sentiment ORDER BY day DESC LIMIT 10\""

# Headless Chromium for the report test (Debian packages); the test skips with a reason without it.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	  echo "warning: could not install chromium; the browser test will be skipped"

# Lint, format and types first (seconds), then the tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# One worker per core, at most four (each holds torch and a model: about 1.5 GB), a test file's
# tests together (their module fixtures are built once); the slowest fifteen named at the end.
test: setup browser lint
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile --durations=15

# real_folds.py fine-tunes twice (hours on a CPU): run it by hand.
bench: setup
	for b in $(filter-out benchmarks/real_folds.py,$(wildcard benchmarks/*.py)); do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data outbox report.html models test-artifacts
