# Every target that needs Python builds ./.venv first, from the lock files.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The matcher compiled with Cython (setup.py, bot/match/speedups.py): again whenever its
# source changes. The record of the compiled sources is the target.
COMPILED := bot/match/compiled.json
COMPILED_SOURCES := bot/match/text.py bot/match/matcher.py bot/match/matcher.pxd bot/match/speedups.py setup.py

.PHONY: venv test test-fast lint format run demo bench lock clean

venv: $(COMPILED)

$(STAMP): requirements.lock requirements-dev.lock requirements-build.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock -r requirements-dev.lock -r requirements-build.lock
	touch $(STAMP)

$(COMPILED): $(STAMP) $(COMPILED_SOURCES)
	$(BIN)/python setup.py --quiet build_ext --inplace

# Two processes (pytest-xdist): most of the suite waits on subprocesses and servers.
test: $(COMPILED)
	$(BIN)/python -m pytest -q -n 2

# The edit loop: everything but the tests marked slow (see pyproject.toml's markers).
test-fast: $(COMPILED)
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: $(COMPILED)
	$(BIN)/python -m bot run

demo: $(COMPILED)
	$(BIN)/python demo/run.py

bench: $(COMPILED)
	$(BIN)/python bench/poll.py

# Re-resolve the pins after editing requirements*.in.
lock:
	rm -rf .lockvenv && $(PY) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet -r requirements.in
	(echo "# Runtime pins: regenerate with 'make lock' after editing requirements.in."; .lockvenv/bin/pip freeze) > requirements.lock
	.lockvenv/bin/pip freeze > .lockvenv/runtime.txt
	.lockvenv/bin/pip install --quiet -r requirements-dev.in
	(echo "# Dev pins on top of requirements.lock: regenerate with 'make lock'."; .lockvenv/bin/pip freeze | grep -vxFf .lockvenv/runtime.txt) > requirements-dev.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) build $(COMPILED) bot/match/*.so
