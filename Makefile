# Engagement Assessment: the two commands (`make run`, `make test`) and a few more.
# Everything installs itself: a virtualenv in .venv, uv inside it (with pip), and the
# locked dependencies from requirements/*.txt (hash-checked).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# A random key each run: check --deploy must see a production-strength secret.
DEPLOY_ENV := DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=engagement-assessment.example \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/engagement_assessment \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/0

.DEFAULT_GOAL := help
.PHONY: help install run test lint format check-deploy security audit system-deps lock bench clean

help:
	@echo "make run    install, migrate, load the register and demo data, serve http://127.0.0.1:8000"
	@echo "make test   install and run the checks and the whole test suite (PostgreSQL, Redis)"
	@echo "make bench  run the benchmarks in bench/ and print their figures"
	@echo "make lock   recompile requirements/*.txt from pyproject.toml"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: requirements/dev.txt | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.txt
	@touch $@

install: $(VENV)/.installed

system-deps:
	@bash scripts/system-deps.sh

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Static security checks: bandit fails on any finding of medium or high severity (its six
# low-severity findings are each explained by a comment where they stand).
security: install
	$(BIN)/bandit -q -c pyproject.toml -r . --severity-level medium

# Known vulnerabilities in the locked dependencies (pip-audit asks PyPI's vulnerability
# service, which these build machines cannot reach: run it where it can, not in make test).
audit: install
	$(BIN)/pip-audit --strict --disable-pip --require-hashes -r requirements/production.txt

check-deploy: install
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

# Two processes (pytest-xdist), each with its own test database and Redis database.
TEST_PROCESSES ?= 2

test: install system-deps lint check-deploy security
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/upload_memory.py
	$(BIN)/python bench/letters.py
	$(BIN)/python bench/deadline_day.py
	$(BIN)/python bench/results_load.py

lock: | $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet -o requirements/production.txt
	$(BIN)/uv pip compile pyproject.toml --group dev --universal --python-version 3.11 --generate-hashes --quiet -o requirements/dev.txt

clean:
	rm -rf $(VENV) staticfiles .test-media .pytest_cache db.sqlite3
