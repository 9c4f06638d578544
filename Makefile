# Two commands for a newcomer: `make run` and `make test`.
# Only python3 (3.11+) and make are needed; everything else is installed here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install translations messages migrate seed worker beat lint format e2e browsers clean

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The lock (uv.lock) pins every version; --inexact keeps uv itself in the venv.
$(VENV)/.installed: $(PY) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --inexact --quiet
	touch $@

install: $(VENV)/.installed

translations: install
	$(MANAGE) compile_translations

setup: install translations

migrate: setup
	$(MANAGE) migrate --noinput

# The public base URL (links in emails, canonical and hreflang, the sitemap) follows
# HOST and PORT unless SITE_URL is given.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL

seed: migrate
	$(MANAGE) seed_demo

run: seed
	@echo ""
	@echo "Returns Hub is starting:"
	@echo "  Site (en)     http://$(HOST):$(PORT)/"
	@echo "  Site (fr, de) http://$(HOST):$(PORT)/fr/  http://$(HOST):$(PORT)/de/"
	@echo "  Admin         http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

# The whole suite; browser tests skip (saying why) where chromium is missing.
# TEST_SELECT narrows it, e.g. `make test TEST_SELECT="not e2e"`.
# TEST_WORKERS processes share it out (pytest-xdist), each on a test database
# of its own; TEST_WORKERS=0 runs it in this process.
TEST_SELECT ?=
TEST_WORKERS ?= 2
test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) $(if $(TEST_SELECT),-m "$(TEST_SELECT)") $(PYTEST_ARGS)

e2e: setup browsers
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

# Debian's chromium drives the browser tests; Playwright's own download is
# not used because build machines have no general internet access.
browsers:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

worker: setup
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.production} \
	  $(VENV)/bin/celery -A config worker --loglevel=INFO

beat: setup
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.production} \
	  $(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

messages: install
	$(MANAGE) makemessages --all --ignore=.venv --ignore=var --no-obsolete

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var db.sqlite3
