# Every target that needs Python builds ./.venv first, from the lock files.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test lint format run demo bench lock clean

venv: $(STAMP)

$(STAMP): requirements.lock requirements-dev.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: $(STAMP)
	$(BIN)/python -m bot run

demo: $(STAMP)
	$(BIN)/python demo/run.py

bench: $(STAMP)
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
	rm -rf $(VENV)
