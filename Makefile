# Two commands do all set-up on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint bench eval clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench,dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/jiuye run

# The browser tests drive Debian's chromium; install it when we can (root with apt-get),
# otherwise those tests skip and say why.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing chromium and chromium-driver for the browser tests..."; \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	         chromium chromium-driver; }; } >/dev/null 2>&1 \
	    || echo "Could not install chromium: the browser tests will be skipped."; \
	else echo "chromium/chromedriver not found: the browser tests will be skipped."; fi

test: $(STAMP_TEST) browser
	$(BIN)/python -m pytest -q

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Every script prints its table and writes build/bench/<script>.json (about 40 minutes).
bench: $(STAMP_TEST)
	$(BIN)/python bench/turns.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/wechat.py
	$(BIN)/python bench/scaleout.py
	$(BIN)/python bench/vacancies.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/packages.py

# The shipped conversation suites (eval/suites/), reports in build/eval/.
eval: $(STAMP_TEST)
	$(BIN)/jiuye eval eval/suites/ --json build/eval/report.json --junit build/eval/junit.xml \
	  --html build/eval/report.html

clean:
	rm -rf $(VENV) build *.egg-info
