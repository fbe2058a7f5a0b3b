# Casusregie — `make run` to try it, `make test` to check it.
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app casusregie.app
PORT   ?= 8080
PYTEST_ARGS ?=
# axe-core, the accessibility rules the browser tests run (tests/test_wcag_crawl.py);
# fetched from the npm registry at install, never from a CDN at run time.
AXE_VERSION := 4.11.0
AXE_DIR     := tests/e2e/vendor/axe-core-$(AXE_VERSION)


.PHONY: compile-translations install run serve migrate test test-sqlite test-postgres lint translations bench clean

install: $(VENV)/.installed $(AXE_DIR)/axe.min.js

$(VENV)/.installed: pyproject.toml setup.py constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	# The example plugin of docs/plugins.md, installed as its own distribution for the tests.
	$(PY) -m pip install --quiet --no-deps -e tests/plugins/casus_voorbeeld
	@touch $@
	@$(MAKE) --no-print-directory compile-translations

$(AXE_DIR)/axe.min.js:
	@mkdir -p $(AXE_DIR)
	cd $(AXE_DIR) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
		tar xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 && rm axe-core-$(AXE_VERSION).tgz
	@test -s $@

# The .mo files are built from the committed .po sources, never committed themselves.
compile-translations:
	@$(PY) scripts/catalogue.py compile

# The demo shows the built-in plugins; other targets and the tests enable none by default.
migrate run: export CASUS_PLUGINS ?= zorg,jongerenwerk,bestuurlijk

migrate: install compile-translations
	$(FLASK) db upgrade
	$(FLASK) casus plugins-upgrade
	$(FLASK) casus init

run: migrate
	@$(FLASK) casus has-cases || $(FLASK) casus seed-demo
	@echo ""
	@echo "  Casusregie runs on http://127.0.0.1:$(PORT)"
	@echo "  Demo accounts (password: $${CASUS_DEMO_PASSWORD:-Casusregie-demo-2026}):"
	@echo "    beheerder coordinator regisseur politie om ggd jongerenwerk privacy"
	@echo ""
	PORT=$(PORT) $(PY) run.py

lint: install compile-translations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# The whole check, timed: the duration is printed at the end (target: under 10 minutes).
# The two databases' runs are independent (each makes its own throwaway databases), so
# they run side by side on two cores; each run's output is printed whole when it ends.
test: install
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint && \
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres; \
	status=$$?; \
	end=$$(date +%s); \
	echo ""; \
	echo "make test took $$(( (end - start) / 60 )) min $$(( (end - start) % 60 )) s (exit $$status)"; \
	exit $$status

test-sqlite: install compile-translations
	@echo "=================== Casusregie test suite on SQLite ==================="
	CASUS_TEST_DB=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install compile-translations
	@echo "================= Casusregie test suite on PostgreSQL ================="
	@if $(PY) -m tests.postgres_check; then \
		CASUS_TEST_DB=postgresql $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required under CI but is not reachable." >&2; exit 1; \
	else \
		echo ""; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!  PostgreSQL is not reachable: the PostgreSQL run was SKIPPED.    !!"; \
		echo "!!  Start it or set CASUS_TEST_POSTGRES_URL to test on PostgreSQL.  !!"; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

# Extract messages from app/, reports/ and each plugins/<name>/, update every catalogue,
# take the Dutch from translations/incoming/*.tsv, fill in English, compile, list gaps.
translations: install
	$(PY) scripts/catalogue.py all

# Benchmarks at BENCH_CASES cases (default small; BENCH_CASES=100000 for the city-scale
# figures) on SQLite and PostgreSQL, over HTTP against gunicorn in production mode, with
# CPU per request and, on PostgreSQL, a growth table from a tenth of the cases. Installs wrk for the load test
# when it can (falls back to Python threads). BENCH_ARGS passes more options, e.g. --fresh.
BENCH_CASES ?= 2000
BENCH_LOAD_SECONDS ?= 30
BENCH_ARGS ?=

bench: export CASUS_PLUGINS ?= zorg,jongerenwerk,bestuurlijk
bench: install compile-translations
	@command -v wrk >/dev/null 2>&1 || (apt-get install -y -qq wrk >/dev/null 2>&1 || \
		sudo -n apt-get install -y -qq wrk >/dev/null 2>&1) || \
		echo "wrk not installed: the load test uses Python threads"
	CASUS_RATELIMIT_ENABLED=false $(PY) -m benchmarks.run --cases $(BENCH_CASES) \
		--load-seconds $(BENCH_LOAD_SECONDS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache tests/e2e/vendor
