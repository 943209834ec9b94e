# The two commands of the README: `make run` and `make test`. Everything they need, they install.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KFFLOW := $(VENV)/bin/kfflow
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Debian packages. To run: WeasyPrint's libraries and fonts with Swedish coverage. To test, also the
# browser for the UI journeys and the PDF tools the document tests read back with.
RUN_DEB_PACKAGES  := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation
TEST_DEB_PACKAGES := $(RUN_DEB_PACKAGES) chromium qpdf poppler-utils
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# Two workers, one per core: the suite is mostly waiting on databases, browsers and PDF layout.
PYTEST_ARGS ?= -n 2 -p no:cacheprovider

.PHONY: run test install system-deps run-deps postgres bench loadtest clean check-workflows

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import kfflow, flask, weasyprint, playwright" 
	touch $(STAMP)

install: $(STAMP)

# Installs only what is missing, so a machine that has everything never calls apt-get.
system-deps: DEB_PACKAGES = $(TEST_DEB_PACKAGES)
run-deps: DEB_PACKAGES = $(RUN_DEB_PACKAGES)
system-deps run-deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Start the local PostgreSQL when it does not answer.
postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "Starting PostgreSQL"; \
	  for v in $$(ls /etc/postgresql 2>/dev/null); do pg_ctlcluster --skip-systemctl-redirect $$v main start || true; done; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL does not answer at 127.0.0.1:5432"; exit 1; }

run: install run-deps
	$(KFFLOW) db upgrade
	$(KFFLOW) demo
	@echo "kfflow: http://$(HOST):$(PORT)/"
	$(KFFLOW) serve --host $(HOST) --port $(PORT)

test: install system-deps postgres
	KFFLOW_TEST_PG_URL=$(PG_ADMIN_URL) $(PY) -m pytest $(PYTEST_ARGS)

check-workflows: install
	$(KFFLOW) workflows check

# Each benchmark prints JSON and compares against a bare floor measured in the same run.
bench: install postgres
	$(PY) benchmarks/bench_fire.py
	$(PY) benchmarks/bench_list.py
	$(PY) benchmarks/bench_render.py
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_oidc.py
	$(PY) benchmarks/bench_heavy.py
	$(PY) benchmarks/bench_archive.py
	$(PY) benchmarks/bench_lagesbild.py
	$(PY) benchmarks/bench_ranking.py

# Locust against two nodes behind Caddy on loopback (benchmarks/loadtest.py); its figures are in the README.
LOADTEST_USERS ?= 50
LOADTEST_SECONDS ?= 60
loadtest: install postgres
	$(PY) benchmarks/loadtest.py --users $(LOADTEST_USERS) --duration $(LOADTEST_SECONDS)

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts

# --- test-only Node packages, installed project-locally in one npm call when either is missing: axe-core for the
# accessibility tests, `oidc-provider` (8.x runs on Node 20) as the real OpenID provider on loopback. One call, so
# npm never prunes the one while adding the other.
NODE_TEST_PACKAGES := axe-core@4 oidc-provider@8
AXE_JS := tests/.node/node_modules/axe-core/axe.min.js
OIDC_PROVIDER := tests/.node/node_modules/oidc-provider/package.json
$(AXE_JS) $(OIDC_PROVIDER) &:
	npm install --prefix tests/.node --no-audit --no-fund --silent $(NODE_TEST_PACKAGES)
test: $(AXE_JS) $(OIDC_PROVIDER)
bench: $(OIDC_PROVIDER)
