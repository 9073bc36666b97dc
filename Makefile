# HubEE Box — the two commands of the README are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint migrate demo test-pg screenshots backup restore clean-data help

help:
	@echo "make run   — install, migrate, load demo data on an empty database, start the box"
	@echo "make test  — install, lint (ruff), run every test (pytest)"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored" || true
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "is ignored" || true
	@$(PY) -c "import streamlit, sqlmodel, alembic, pytest, playwright" && touch $(STAMP)

migrate: $(STAMP)
	$(PY) -m core.cli migrate

demo: migrate
	$(PY) -m core.cli demo

run: migrate
	@$(PY) -m core.cli demo --if-empty
	@$(PY) -m core.cli welcome
	@$(PY) -m core.cli serve

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest -q

# The core suite against PostgreSQL: HUBEE_TEST_DATABASE_URL must name an empty database.
test-pg: $(STAMP)
	$(PY) -m pytest -q tests/core tests/unit tests/api

# Refresh the README's screenshots from the browser journeys.
screenshots: $(STAMP)
	HUBEE_SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q tests/e2e

backup: $(STAMP)
	$(PY) -m core.cli backup --to $(or $(BACKUP_DIR),backups)

# make restore ARCHIVE=backups/hubee-backup-….tar.gz (into an empty data directory)
restore: $(STAMP)
	@test -n "$(ARCHIVE)" || (echo "Usage : make restore ARCHIVE=chemin/de/l-archive.tar.gz" && exit 2)
	$(PY) -m core.cli restore $(ARCHIVE)

clean-data:
	rm -rf data/hubee.db* data/attachments data/mail data/inbound
