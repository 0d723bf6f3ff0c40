# One-command set-up: `make demo` and `make test` each create .venv, install
# infolens with what it needs (CPU PyTorch pinned by constraints.txt), and run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint bench screenshots check-reports clean

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py constraints.txt src/infolens/estimators/_ksg2d.c
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/infolens demo

test: lint
	$(PY) -m pytest -q --timeout=600

# ruff and mypy, configured in pyproject.toml (waivers listed there), versions pinned in
# constraints.txt; `make test` runs them first. `ruff format` has not been applied to the whole
# tree: the format check holds the files listed in FORMATTED (add a file once it is formatted).
FORMATTED := src/infolens/studies/flags.py src/infolens/studies/protocol.py src/infolens/estimators/neural/params.py src/infolens/plotting.py \
             src/infolens/studies/supervised.py tests/test_supervised.py

lint: $(STAMP)
	$(PY) -c "import ruff, mypy" 2>/dev/null || $(PIP) install -q -c constraints.txt -e ".[lint]"
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m ruff format --check $(FORMATTED)
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

# Every runs/**/report.html as a reader sees it (headless Chromium, 1,400 px wide) -> report.png.
# Installs Debian's chromium when missing and apt-get can; otherwise the script skips cleanly.
REPORTS ?= runs
screenshots: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "chromium not installed (no apt-get or not root)"
	$(PY) tools/screenshot_reports.py $(REPORTS)

# The legibility check alone (no Chromium): figure text >= 9 px at 1,400 px page width, no raw
# backticks, headings in words, tables in their scrolling wrapper (infolens.report.readability).
check-reports: $(STAMP)
	$(PY) tools/screenshot_reports.py --check-only $(REPORTS)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
	find src -name "*.so" -delete
