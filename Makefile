# One entry point for developers and CI alike.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run dev doctor test fuzz fmt lint typecheck pytest screenshots install install-dev browser bench clean

run: $(VENV)/.installed-local ## Start the local workspace, the app and the Apps proxy; open http://127.0.0.1:8000
	$(BIN)/python -m local_workspace run

dev: $(VENV)/.installed-local ## The local stack with the app in development mode: an edit reloads it and the open page
	$(BIN)/python -m local_workspace dev

doctor: $(VENV)/.installed-local ## Check configuration and connectivity (the local stack, or DATABRICKS_HOST's workspace)
	$(BIN)/python -m scripts.doctor

test: $(VENV)/.installed-dev browser lint typecheck pytest ## Everything CI runs

fuzz: $(VENV)/.installed-dev ## A long randomized fuzz run of the REST API (FUZZ_EXAMPLES per operation, default 500)
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/pytest tests/dashboard/test_api_fuzz.py -p no:cacheprovider

fmt: $(VENV)/.installed-dev ## Format and fix what ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev browser
	$(BIN)/pytest $(PYTEST_ARGS)

screenshots: $(VENV)/.installed-dev browser ## Regenerate the reference screenshots (tests/pages/screenshots/) after an intended change
	UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/pages/test_screenshots_browser.py -k every_page_looks -p no:cacheprovider

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
