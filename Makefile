# Entry points for a fresh machine with Python 3.11+, pip and make:
#   make serve   set up, then run the MCP server over stdio against the embedded Aircall sandbox
#   make test    set up, then run linters, the type checker and the whole test suite
#   make bench   run every benchmarks/*_bench.py and print its figures (BENCH_QUICK=1: shorter runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AGENT ?= support-agent
STAMP := $(VENV)/.installed

.PHONY: setup serve test lint typecheck pytest bench lock tooltable clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("aircall-mcp needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

serve: setup
	$(BIN)/aircall-mcp serve --sandbox --grants grants --agent $(AGENT)

test: setup lint typecheck pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

BENCH_QUICK ?=

bench: setup
	for b in benchmarks/*_bench.py; do echo "== $$b"; BENCH_QUICK=$(BENCH_QUICK) $(BIN)/python $$b || exit 1; done

tooltable: setup
	$(BIN)/python -m aircall_mcp.tooltable README.md

lock: setup
	{ echo "# Pinned versions for CI and the quick start (pip install -c constraints.txt). Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -vi '^aircall'; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
