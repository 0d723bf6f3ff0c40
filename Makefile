# One-command set-up: `make demo` and `make test` each create .venv, install
# infolens with what it needs (CPU PyTorch pinned by constraints.txt), and run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: venv demo test bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py constraints.txt src/infolens/estimators/_ksg2d.c
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/infolens demo

test: $(STAMP)
	$(PY) -m pytest -q --timeout=600

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
	find src -name "*.so" -delete
