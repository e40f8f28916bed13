# Maillage — the only commands to learn. See README.md.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MAILLAGE := $(BIN)/maillage
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo is not DEBUG: French error pages, no stack traces, a secret key generated once per install
# (kept in .venv, outside git) so signed links cannot be forged on an exposed demo. E-mails are kept in
# the « Boîte d'envoi (démo) » page; links in them use SITE_URL.
DEMO_SECRET := $(VENV)/demo-secret-key
DEMO_ENV = DEMO_MODE=1 DEBUG=0 SECRET_KEY_FILE=$(DEMO_SECRET) SITE_URL=http://$(HOST):$(PORT) \
  ALLOWED_HOSTS=$(HOST),localhost,127.0.0.1 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 \
  CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 STATIC_MANIFEST=0 WHITENOISE_USE_FINDERS=1 \
  EMAIL_BACKEND=maillage.core.mail.OutboxBackend LOG_FORMAT=text


.PHONY: browser-deps install demo demo-data serve migrate worker deploy-check test test-fast test-browser lint fix bench messages vendor deps clean

$(BIN)/activate:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements/base.txt requirements/dev.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed ## Install everything into .venv

$(DEMO_SECRET): $(BIN)/activate
	@umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

demo-data: install $(DEMO_SECRET) ## Migrate and load the (fictitious) demo data
	$(DEMO_ENV) $(MAILLAGE) migrate --no-input -v0
	$(DEMO_ENV) $(MAILLAGE) load-territories
	$(DEMO_ENV) $(MAILLAGE) seed-demo

demo: demo-data ## Install, migrate, load demo data and serve on http://127.0.0.1:8000
	@echo ""
	@echo "  Maillage (démonstration) : http://$(HOST):$(PORT)/"
	@echo "  Connexion démo : coordination@demo.maillage.fr / demo-maillage-2026 (voir README pour les autres rôles)"
	@echo ""
	@echo "  Courriels : gardés dans « Boîte d'envoi (démo) » (bandeau du haut, une fois connecté)"
	@echo ""
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(MAILLAGE) worker --no-startup-delay & worker=$$!; \
	$(DEMO_ENV) $(MAILLAGE) runserver $(HOST):$(PORT)

browser-deps: ## Debian's chromium for the browser tests (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils; \
	  else echo "Installez chromium : sudo apt-get install -y chromium poppler-utils" >&2; exit 1; fi; }

test: install browser-deps ## Run the whole test suite (browser tests included), on two processes
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n 2

# Compiled modules are kept between runs even where the environment sets PYTHONDONTWRITEBYTECODE.
test-fast: install ## The suite without the browser tests and the slow crawls/property runs (two processes)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -m "not browser and not slow" -n 2

lint: install ## ruff, mypy, migrations up to date, Django checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy maillage config
	DJANGO_SETTINGS_MODULE=config.settings_test $(MAILLAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings_test $(MAILLAGE) check

fix: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Performance figures beside their baselines (needs BENCH_DATABASE_URL to a PostgreSQL database you can fill)
	$(BIN)/python -m maillage.bench all

messages: install
	cd maillage && DJANGO_SETTINGS_MODULE=config.settings_test ../$(MAILLAGE) makemessages -l fr --ignore "static/vendor/*"

vendor: ## Refresh front-end libraries from the npm registry into maillage/static/vendor
	$(PY) scripts/vendor_assets.py

deps: install
	$(BIN)/pip freeze > /tmp/maillage-freeze.txt && echo "Compare with requirements/*.txt"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

migrate: install ## Apply the database migrations, then store again the API items an upgrade made stale
	$(MAILLAGE) migrate --no-input
	$(MAILLAGE) refresh-standard-documents

serve: install ## Production server: checks migrations, collects static files, runs gunicorn (docs/operations.md)
	@$(MAILLAGE) migrate --check >/dev/null 2>&1 || { echo "Des migrations ne sont pas appliquées : lancez « make migrate » (après une sauvegarde : « $(MAILLAGE) backup »)." >&2; exit 1; }
	$(MAILLAGE) collectstatic --no-input -v0
	$(BIN)/gunicorn -c python:config.gunicorn_conf

worker: install ## Background jobs worker (imports, PDF, e-mails): run beside the server
	$(MAILLAGE) worker

deploy-check: install ## collectstatic and `check --deploy` with the production settings (CI runs it)
	@static=$$(mktemp -d) && trap 'rm -rf "$$static"' EXIT && \
	export DEBUG=0 STATIC_ROOT="$$static" ALLOWED_HOSTS=maillage.example.org SITE_URL=https://maillage.example.org \
	  SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" && \
	$(MAILLAGE) collectstatic --no-input -v0 && \
	$(MAILLAGE) check --deploy --fail-level WARNING && \
	echo "collectstatic et check --deploy : OK ($$(find "$$static" -type f | wc -l) fichiers statiques)"
