# Debitor — quick start: `make run` (web, worker and beat on the embedded PostgreSQL server
# under var/postgres/ + filesystem broker) and `make test` (the whole suite). Both create and
# update .venv first; the embedded server keeps running afterwards (`make stop-db` stops it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: install run test lint messages migrate demo check-deploy system-deps browser-deps clean stop-db psql

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages: gettext (msgfmt) for translations; Pango, HarfBuzz's subsetter (halves
# WeasyPrint's render time) and the Liberation/DejaVu/Noto fonts for the PDF documents (Noto: other
# scripts and CJK, core.fonts); poppler-utils (pdftotext, pdftoppm) to read rendered pages. Installed
# when missing and we are root.
SYSTEM_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core fonts-noto-core fonts-noto-cjk poppler-utils
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
	      || { echo "Installing failed: run 'sudo apt-get install $$missing' and then make again."; exit 1; }; \
	  else echo "Missing system packages: run 'sudo apt-get install $$missing' (Debian/Ubuntu) and then make again."; exit 1; fi; \
	fi

# The browser tour (tests/browser/): Debian's Chromium (Playwright cannot download its own browser
# here) and axe-core from the npm registry, pinned in package-lock.json.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || { echo "Installing failed: run 'sudo apt-get install chromium' and then make again."; exit 1; }; \
	  else echo "The browser tour needs Chromium: run 'sudo apt-get install chromium' and then make again."; exit 1; fi; \
	fi
	@command -v npm >/dev/null 2>&1 || { echo "The browser tour needs npm: run 'sudo apt-get install npm' and then make again."; exit 1; }
	@[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

messages: system-deps $(MO_FILES)

migrate: install messages
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo_data

# No collectstatic: local settings serve static files from the apps' folders (WhiteNoise finders).
run: demo
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m config.embedded_postgres start; fi
	PATH="$(abspath $(BIN)):$$PATH" PORT=$(PORT) $(BIN)/honcho start --procfile Procfile --app-root .

test: install messages
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The deploy check connects to no database: any PostgreSQL URL satisfies production's requirement.
check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DATABASE_URL=$${DATABASE_URL:-postgres://debitor@localhost:5432/debitor} \
	SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-debitor.example.com} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# The embedded PostgreSQL server of var/ (or DEBITOR_VAR_DIR): stop it, or open psql on it.
stop-db:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m config.embedded_postgres stop; fi

psql: install
	$$($(BIN)/python -m config.embedded_postgres psql-command)

clean: stop-db
	rm -rf $(VENV) var
