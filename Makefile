# Two commands do all set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM ?= /usr/bin/chromium
PORT ?= 8000

.PHONY: run test lint format bench soak install install-dev browser-deps clean

$(PY):
	@bash scripts/make-venv.sh $(VENV)

# Stamps keyed on the requirement files' contents: a re-run installs nothing unless they change.
$(VENV)/.installed-%: requirements.txt requirements-dev.txt | $(PY)
	@rm -f $(VENV)/.installed-$*
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements$(if $(filter dev,$*),-dev,).txt
	@touch $@

install: $(VENV)/.installed-prod
install-dev: $(VENV)/.installed-dev

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py load_content
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

browser-deps: node_modules/.package-lock.json
	@bash scripts/ensure-chromium.sh $(CHROMIUM)

# pytest-xdist: the suite in TEST_WORKERS processes, each with its own test database (and Redis database).
TEST_WORKERS ?= 2

test: install-dev browser-deps
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	@bash scripts/ensure-apt.sh wrk
	$(PY) bench/run.py $(BENCH_ARGS)

soak: install
	$(PY) bench/soak.py

# A simulated live class (bench/classroom.py): 200 learners on `make run`'s SQLite without Redis, then 1,000
# on PostgreSQL + Redis when BENCH_DATABASE_URL (an existing, disposable database) and BENCH_REDIS_URL are set.
bench-classroom: install
	DATABASE_URL= REDIS_URL= $(PY) bench/classroom.py --learners 200
	@if [ -n "$${BENCH_DATABASE_URL:-}" ]; then \
	  DATABASE_URL="$$BENCH_DATABASE_URL" REDIS_URL="$${BENCH_REDIS_URL:-}" $(PY) bench/classroom.py --learners 1000; \
	else echo "1,000 learners: set BENCH_DATABASE_URL=postgres://... and BENCH_REDIS_URL=redis://... to run them"; fi

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
