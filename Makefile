# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := wsgi
export PORT  # the trusted hosts default to this machine's names on it

.PHONY: run test test-quick system-packages-run system-packages-test seed-county bench clean vendor-workbox

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

$(BIN)/.installed-dev: requirements-dev.txt $(BIN)/.installed
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Debian packages the two commands need. Printing: a Chinese font, Pango and HarfBuzz for WeasyPrint (without them
# every printout would answer 503). The tests add poppler's pdftotext (they read the PDFs' text), Chromium (the
# browser tests) and pg_dump/pg_restore (the backup drill on PostgreSQL).
RUN_PACKAGES := fonts-wqy-microhei fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_PACKAGES := $(RUN_PACKAGES) poppler-utils chromium postgresql-client
SYSTEM_PACKAGES := sh scripts/system-packages

# Installed when they can be (as root, or with a sudo that asks no password); otherwise make stops before starting
# and names the one command to run.
system-packages-run:
	@$(SYSTEM_PACKAGES) $(RUN_PACKAGES)
system-packages-test:
	@$(SYSTEM_PACKAGES) $(TEST_PACKAGES)

run: system-packages-run $(BIN)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty --only-default-database
	@echo "Demo logins (when seeded by make run into the default SQLite database, or with DEMO=1): admin / demo-water-2026 (county), sheng01 / demo-water-2026 (province), shi01 / demo-water-2026 (city), zhen01 / demo-water-2026 (township), cun01 / demo-water-2026 (village), shuili01 / demo-water-2026 (the county's 水利局, a lead unit)"
	@echo "Pages: http://$(HOST):$(PORT)/   API docs: http://$(HOST):$(PORT)/api/v1/docs"
	@# The scheduler runs beside the web server in development, and stops with it.
	$(BIN)/flask scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) runs the suite on PostgreSQL.
test: system-packages-test $(BIN)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite without its slow part (schemathesis, the real browser): for the edit-test loop; `make test` is the check.
test-quick: system-packages-test $(BIN)/.installed-dev
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# Workbox, the service worker's caching and request queue, vendored from the npm registry into service/static/
# (the phone may never have reached a CDN). `make vendor-workbox WORKBOX_VERSION=x.y.z` refreshes it; needs npm.
WORKBOX_VERSION ?= 7.4.1
WORKBOX_MODULES := core routing strategies expiration background-sync
WORKBOX_DIR := service/static/vendor/workbox
vendor-workbox:
	rm -rf $(WORKBOX_DIR) && mkdir -p $(WORKBOX_DIR)
	tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	for module in $(WORKBOX_MODULES); do \
	  (cd $$tmp && npm pack -q workbox-$$module@$(WORKBOX_VERSION) >/dev/null) && \
	  tar xzf $$tmp/workbox-$$module-$(WORKBOX_VERSION).tgz -C $$tmp && \
	  cp $$tmp/package/build/workbox-$$module.prod.js $(WORKBOX_DIR)/ && \
	  cp $$tmp/package/LICENSE $(WORKBOX_DIR)/LICENSE && rm -rf $$tmp/package; \
	done
	printf 'Workbox %s (npm: %s), MIT licence (LICENSE). Refreshed by `make vendor-workbox`.\n' \
	  "$(WORKBOX_VERSION)" "$(addprefix workbox-,$(WORKBOX_MODULES))" > $(WORKBOX_DIR)/VERSION
