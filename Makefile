# One entry point for developers and CI alike.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest install install-dev browser bench clean

run: $(VENV)/.installed-local ## Start the local workspace, the app and the Apps proxy; open http://127.0.0.1:8000
	$(BIN)/python -m local_workspace run

test: $(VENV)/.installed-dev browser lint typecheck pytest ## Everything CI runs

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev browser
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed-local
install-dev: $(VENV)/.installed-dev

browser: ## Headless Chromium and its driver for the Selenium tests
	@bash scripts/ensure_chromium.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A stamp per requirements set: a second `make run` installs nothing unless a requirements file changed.
$(VENV)/.installed-local: $(VENV)/bin/python requirements.txt requirements-local.txt
	$(BIN)/python -m pip install --quiet -r requirements-local.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-local requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache

bench: $(VENV)/.installed-dev ## Start the local stack on its own ports, measure, print and write bench/results/*.json
	$(BIN)/python -m bench
