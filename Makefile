# One command to run, one to test; each sets itself up in .venv on first use.
# The first interpreter that really runs and is 3.11 or newer (pyenv shims may exist but not run).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "OneScore needs Python 3.11 or newer on PATH (or PYTHON=/path/to/python3.11)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit("OneScore needs Python 3.11 or newer (found %s); set PYTHON=/path/to/python3.11" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/onescore serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Style, types (strict for the core) and the import contracts between the core and its edges.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
