# sipas: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMPS := .make
# Debian packages: Chromium for the browser tests, gettext for compilemessages,
# Liberation fonts (metric-compatible with Times New Roman) for the documents.
APT_PACKAGES := chromium fonts-liberation2 gettext
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENDOR := static/vendor

.PHONY: run test ci lint format migrations-check messages install system-deps assets clean

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_units
	$(PY) manage.py seed_demo --verbosity 2
	$(PY) manage.py runserver 127.0.0.1:8000

test: install lint migrations-check
	$(BIN)/pytest

ci:
	bash .ci/run

install: system-deps $(STAMPS)/python assets messages

system-deps: $(STAMPS)/apt

$(STAMPS)/apt: Makefile
	@mkdir -p $(STAMPS)
	@if command -v chromium >/dev/null && command -v msgfmt >/dev/null && fc-list | grep -q "Liberation Serif"; then \
		echo "system packages present"; \
	else \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(APT_PACKAGES); \
	fi
	@touch $@

$(STAMPS)/python: requirements.txt requirements-dev.txt
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

assets: $(VENDOR)/bootstrap/bootstrap.min.css

$(VENDOR)/bootstrap/bootstrap.min.css: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	@touch $@

messages: $(STAMPS)/python
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

lint: $(STAMPS)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMPS)/python
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMPS)/python
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) $(STAMPS) node_modules $(VENDOR) staticfiles artifacts
