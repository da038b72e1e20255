# safezones: `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= out/demo
SHARED ?= ../shared/data

.PHONY: demo test lint typecheck pytest hooks data lab clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "safezones needs Python 3.11 or newer: run make PYTHON=python3.11 ..."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,notebook]"
	@touch $(STAMP)

## demo: set up, then score every shipped scenario: maps and tables in out/demo, a memo in out/demo-memo
demo: $(STAMP)
	$(BIN)/safezones compare scenarios/*.toml --out $(OUT)
	$(BIN)/safezones memo scenarios/*.toml --out $(OUT)-memo --from $(OUT)

## test: set up, then lint, type-check and run every test
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks notebooks
	$(BIN)/ruff format --check src tests scripts benchmarks  # notebooks keep their compact cells
	$(BIN)/lint-imports --no-logo  # the layer contract in pyproject.toml [tool.importlinter]

typecheck: $(STAMP)
	$(BIN)/mypy

# One worker a core; a file's tests share a worker, so a module fixture (a scenario run, the
# README tour) is computed once: 141 s against 157 s with --dist worksteal for the README,
# hostile-text, bad-input and benchmark tests on 2 busy cores (2026-12-01).
pytest: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

## hooks: run the lint and type checks (.pre-commit-config.yaml) before each commit
hooks: $(STAMP)
	$(BIN)/pre-commit install

## data: rebuild the bundled data in src/safezones/data from ../shared/data
data: $(STAMP)
	$(BIN)/python scripts/build_data.py --source $(SHARED)

## lab: set up, add JupyterLab, and open the notebooks in notebooks/
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet "jupyterlab>=4.2"
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) out build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
