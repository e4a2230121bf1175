# The two commands a user needs (README): `make run` and `make test`. Both set everything up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# The app and the CLI read WDP_DB when it is set; `make run` builds the sample there if absent.
DB ?= $(or $(WDP_DB),data/wdp.duckdb)
SERVE_FLAGS = --server.port $(PORT) --server.headless true --browser.gatherUsageStats false
REPLICAS ?= 2
APT = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq

.PHONY: run dev test lint unit process e2e lake seed sample bench chromium postgresql nginx \
	cluster cluster-stop clean help

help:
	@echo "make run    start the dashboard on the sample programme at http://localhost:$(PORT)"
	@echo "make dev    the same, reloading when a source file changes (for development)"
	@echo "make test   lint and every test (browser tests included), as CI runs them"
	@echo "make cluster       PostgreSQL, $(REPLICAS) app processes and nginx: http://localhost:8080"
	@echo "make cluster-stop  stop it all"
	@echo "make bench  benchmarks at national scale; writes docs/BENCHMARKS.md"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

# Seed into a temporary file and move it into place, so an interrupted seed never leaves a
# half-built database that the next `make run` would mistake for a finished one.
$(DB): | $(VENV)/.runtime
	rm -f "$(DB).building"
	$(PY) -m etl seed --db "$(DB).building"
	mv "$(DB).building" "$(DB)"

seed: $(VENV)/.runtime
	rm -f "$(DB)" "$(DB).building"
	$(MAKE) --no-print-directory "$(DB)"

# The dashboard works without chromium; only the board pack's charts need it, so a machine where
# it cannot be installed still starts (the Board pack page then says how to install it).
run: $(VENV)/.runtime $(DB)
	@$(MAKE) --no-print-directory chromium || echo "chromium could not be installed: board packs are off until it is."
	WDP_DB="$(DB)" $(PY) -m streamlit run dashboard.py $(SERVE_FLAGS) --server.fileWatcherType none

# Development: Streamlit watches the source files and offers to rerun when one changes. The
# watcher costs ~0.4 s of CPU for every new session (measured: docs/SCALING.md), so `make run`,
# `make cluster` and the deployment examples serve without it.
dev: $(VENV)/.runtime $(DB)
	WDP_DB="$(DB)" $(PY) -m streamlit run dashboard.py $(SERVE_FLAGS) --server.fileWatcherType auto

# Debian's chromium: the browser tests drive it, and the board pack draws its charts in it
# (never `playwright install`: it downloads, and fails). DejaVu: the PDF pack's Unicode font.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
		echo "Installing Debian's chromium (browser tests, board-pack charts)..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
			fonts-dejavu-core >/dev/null; \
	fi

# Debian's PostgreSQL and nginx: `make cluster` runs them, and the tests start their own (the
# suite runs on PostgreSQL storage too). Nothing is installed by hand.
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v pg_dump >/dev/null; then \
		echo "Installing Debian's postgresql (PostgreSQL storage, make cluster, the tests)..."; \
		$(APT) postgresql >/dev/null; \
	fi

nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
		echo "Installing Debian's nginx (make cluster, the tests)..."; \
		$(APT) nginx >/dev/null; \
	fi

# Several app processes over PostgreSQL storage, behind nginx (README: Several app processes).
cluster: $(VENV)/.runtime postgresql nginx
	@$(MAKE) --no-print-directory chromium || echo "chromium could not be installed: board packs are off until it is."
	$(PY) deploy/cluster.py start --replicas $(REPLICAS)

cluster-stop:
	@if [ -x $(PY) ]; then $(PY) deploy/cluster.py stop; else echo "No cluster is running."; fi

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Every test on the embedded DuckDB file, then every test but the browser ones on PostgreSQL
# storage (the Database contract, loads, pages, CLI, crashes; the cluster tests drive a browser
# through nginx on it in the first run).
test: lint chromium postgresql nginx
	$(PY) -m pytest
	$(PY) -m pytest --backend lake -m "not e2e"

# Three tiers, all run by `make test`: unit (in one process, about 10 minutes), process (the
# CLI and other programs in processes of their own, Chromium drawing board-pack charts), e2e
# (the real app in Chromium). A unit test that starts a process fails and says to mark it.
unit: $(VENV)/.dev postgresql
	$(PY) -m pytest -m "not e2e and not process"

process: $(VENV)/.dev chromium postgresql nginx
	$(PY) -m pytest -m process

e2e: $(VENV)/.dev chromium postgresql nginx
	$(PY) -m pytest -m e2e

# The same tiers on PostgreSQL storage (make test runs unit and process there too).
lake: $(VENV)/.dev chromium postgresql nginx
	$(PY) -m pytest --backend lake -m "not e2e"

# Regenerate the synthetic sample returns in data/sample (deterministic).
sample: $(VENV)/.runtime
	$(PY) -m etl.sample

# Every benchmark at national scale (bench/national.py builds the synthetic national database,
# ~5 min); prints the summary and writes docs/BENCHMARKS.md. Run it on an otherwise idle machine.
bench: $(VENV)/.dev chromium
	$(PY) bench/run_all.py $(if $(RUNS),--runs $(RUNS))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results
