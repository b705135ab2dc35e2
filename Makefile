# sipas: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Debian packages, each installed only when missing: Chromium for the browser tests,
# gettext for compilemessages, Liberation fonts (metric-compatible with Times New Roman)
# for the documents, poppler-utils (pdftoppm) to look at rendered PDFs, the Pango library
# WeasyPrint draws text with, Cairo for the charts drawn into DOCX files, npm for the front-end files, venv support for Debian's own Python,
# PgBouncer for the test of sipas behind a transaction pooler (it installs to /usr/sbin, off the PATH of most users).
APT_NEEDED := $(strip \
	$(if $(shell command -v chromium),,chromium) \
	$(if $(shell command -v msgfmt),,gettext) \
	$(if $(shell fc-list 2>/dev/null | grep "Liberation Serif"),,fonts-liberation2) \
	$(if $(shell command -v pdftoppm),,poppler-utils) \
	$(if $(shell ldconfig -p 2>/dev/null | grep libpangoft2-1.0),,libpangoft2-1.0-0) \
	$(if $(shell ldconfig -p 2>/dev/null | grep libcairo.so.2),,libcairo2) \
	$(if $(shell command -v npm),,npm) \
	$(if $(shell command -v pgbouncer || test -x /usr/sbin/pgbouncer && echo y),,pgbouncer) \
	$(if $(shell $(PYTHON) -c "import ensurepip, venv" 2>/dev/null && echo ok),,python3-venv))
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENDOR := static/vendor

.PHONY: run serve test ci lint format migrations-check messages install system-deps assets clean samples

# Settings are off-by-default production ones (sipas/settings.py); the developer's targets turn
# DEBUG on unless the environment says otherwise. `make serve` takes its settings from a file.
run test install messages lint migrations-check samples: export DEBUG ?= true

# `make run` also writes .env (DEBUG=true) once, so that manage.py commands work in any new shell.
run: install
	test -f .env || printf '# Development settings (make run). Production: deploy/sipas.env.example\nDEBUG=true\n' > .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_units
	$(PY) manage.py load_forms
	$(PY) manage.py load_procedures
	$(PY) manage.py seed_demo --verbosity 2
	$(PY) manage.py runserver 127.0.0.1:8000

# Production on this machine: settings from SIPAS_ENV_FILE (default .env.production), see docs/deploy.md.
serve: install
	deploy/serve.sh

test: install lint migrations-check
	$(BIN)/pytest

ci:
	bash .ci/run

install: system-deps $(VENV)/.installed assets messages

system-deps:
ifneq ($(APT_NEEDED),)
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(APT_NEEDED)
endif

# The stamp lives inside the virtualenv: delete .venv and everything is installed again.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/pip || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
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

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

# Every report of a demo unit in every format, and each page as PNG to look at (artifacts/samples/).
# DOCX pages go through LibreOffice, which only this target needs. Run after `make run` has seeded the database.
SAMPLES := artifacts/samples
samples: install
	command -v soffice >/dev/null || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-writer-nogui
	mkdir -p $(SAMPLES)
	for fmt in pdf docx xlsx; do \
	  $(PY) manage.py render_report notice --unit 09556 --month $$(date -d "$$(date +%Y-%m-01) -1 day" +%Y-%m) --format $$fmt -o $(SAMPLES)/notice.$$fmt && \
	  $(PY) manage.py render_report period --unit 09556 --quarter $$($(PY) -c "import datetime as d; t = d.date.today(); q = (t.month - 1) // 3; print(f'{t.year}-Q{q}' if q else f'{t.year - 1}-Q4')") --format $$fmt -o $(SAMPLES)/period.$$fmt && \
	  $(PY) manage.py render_report annual --unit 75-SCT --year $$(date +%Y) --format $$fmt -o $(SAMPLES)/annual.$$fmt || exit 1; \
	done
	cd $(SAMPLES) && soffice --headless --convert-to pdf --outdir docx-pdf *.docx >/dev/null
	cd $(SAMPLES) && for f in *.pdf docx-pdf/*.pdf; do pdftoppm -r 60 -png "$$f" "$${f%.pdf}"; done
	@echo "Look at $(SAMPLES)/*.png and $(SAMPLES)/docx-pdf/*.png"

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles artifacts
