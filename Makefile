# Entry points for a fresh machine with Python 3.11+, pip and make:
#   make serve   set up, then run the MCP server over stdio against the embedded Aircall sandbox
#   make test    set up, then run linters, the type checker and the whole test suite
#   make bench   run every benchmarks/*_bench.py and print its figures (BENCH_QUICK=1: shorter runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AGENT ?= support-agent
STAMP := $(VENV)/.installed
EXAMPLE_GRANTS := src/aircall_mcp/examples/grants

.PHONY: setup serve test lint typecheck pytest bench lock tooltable clean redis-server

setup: $(STAMP)

# Setup is silent on stdout (its messages go to stderr): `make serve` may run it, and there stdout is the protocol.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("aircall-mcp needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	@echo "setting up $(VENV) (one minute, once)" >&2
	@$(PYTHON) -m venv $(VENV) >&2
	@PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]" >&2
	@touch $(STAMP)

# `@`: make echoes nothing, so a client reading the server's stdout sees only MCP. The grants are the examples
# shipped in the package (`aircall-mcp init` copies them where an installed server looks).
serve: setup
	@$(BIN)/aircall-mcp serve --sandbox --grants $(EXAMPLE_GRANTS) --agent $(AGENT)

test: setup lint typecheck pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: setup
	$(BIN)/mypy

# The suite runs under coverage (config in pyproject.toml): each process, the tests' subprocesses included, writes
# its own data file; they are combined and `coverage report` fails below the floor (fail_under).
pytest: setup redis-server
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

BENCH_QUICK ?=

# The shared-state tests start their own redis-server; install it where we may (root on Debian), else say how.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } || \
	  { echo "the tests need redis-server: install it (Debian/Ubuntu: apt-get install redis-server)"; exit 1; }

bench: setup
	for b in benchmarks/*_bench.py; do echo "== $$b"; BENCH_QUICK=$(BENCH_QUICK) $(BIN)/python $$b || exit 1; done

# The README's generated tables: tools (from the catalogue) and configuration (from the settings model).
tooltable: setup
	$(BIN)/python -m aircall_mcp.tooltable README.md
	$(BIN)/python -m aircall_mcp.configtable README.md
	$(BIN)/python -m aircall_mcp.toolschemas

lock: setup
	{ echo "# Pinned versions for CI and the quick start (pip install -c constraints.txt). Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -vi '^aircall'; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
