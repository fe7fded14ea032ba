# The only commands anyone needs: `make demo` starts the assistant, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
GOVASSIST := $(VENV)/bin/govassist

.DEFAULT_GOAL := help
.PHONY: help setup demo test test-fast test-system loadtest lint check index train validate-data browser

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup:  ## create/refresh .venv (py>=3.11) and .venv-rasa (py3.10, rasa 3.6.21); skips work already done
	@bash scripts/bootstrap.sh

demo: setup  ## install, build what is missing, start the whole assistant and print the URLs
	@$(GOVASSIST) demo

test: setup  ## run the whole suite (real Redis, PostgreSQL, Rasa server, Chromium)
	@bash scripts/test.sh

test-fast: setup  ## the suite without Rasa training, servers or the browser
	@$(PY) -m pytest -m "not slow and not rasa and not browser" -q

test-system: setup  ## only the scale-out and fault tests (real processes, several minutes)
	@$(PY) -m pytest tests/system -s

loadtest: setup  ## locust at increasing concurrency against a running assistant (HOST=…)
	@$(PY) scripts/loadtest.py --host $${HOST:-http://127.0.0.1:8000}

lint: setup  ## format and fix
	@$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

check: setup  ## lint and type-check without changing anything
	@$(VENV)/bin/ruff check . && $(VENV)/bin/mypy knowledge search feedback channels govassist bot/actions

index: setup  ## build the search index if the KB or encoder changed
	@$(GOVASSIST) index build

train: setup  ## train the Rasa model if its inputs changed
	@$(GOVASSIST) train

validate-data: setup  ## validate the knowledge base and the Rasa training data
	@$(GOVASSIST) kb validate && $(GOVASSIST) train --validate-only

browser:  ## install Debian's chromium for the widget tests (never downloads a browser build)
	@bash scripts/ensure-chromium.sh
