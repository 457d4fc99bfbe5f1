# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast test-lowest system-deps lint bench docs docs-site clean

$(BIN)/lambdoctor: pyproject.toml
	@test -d $(VENV) || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "lambdoctor needs Python 3.11 or later; $(PYTHON) is older: make PYTHON=python3.12 ..."; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/lambdoctor

demo: $(BIN)/lambdoctor
	$(BIN)/lambdoctor scan examples/shop --fail-on never

# --format html lays graphs out with Graphviz's dot, and its tests open the pages in Debian's Chromium: installed
# with apt where it is there and we are root (these machines), else the browser tests skip and say why
system-deps:
	@if ! command -v dot >/dev/null || ! command -v chromium >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q graphviz chromium >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null && apt-get install -y -q graphviz chromium >/dev/null; }; \
	  else echo "note: graphviz and chromium are not installed: the HTML report tests will skip"; fi; \
	fi

test: $(BIN)/lambdoctor system-deps
	$(BIN)/ruff check src tests bench ci
	$(BIN)/mypy
	$(BIN)/lint-imports  # the layers of docs/architecture.md (contracts in pyproject.toml)
	$(BIN)/pytest

# the suite on the declared lower bound of every runtime dependency (ci/lowest_constraints.py pins them) and the
# lowest supported Python (3.11), in .venv-lowest; the local runtime's tests are left to `make test` (they
# exercise the handlers' Pythons, not lambdoctor's dependencies)
LOWEST_PYTHON ?= python3.11
test-lowest: $(BIN)/lambdoctor system-deps
	test -d .venv-lowest || $(LOWEST_PYTHON) -m venv .venv-lowest
	$(BIN)/python ci/lowest_constraints.py > .venv-lowest/constraints.txt
	.venv-lowest/bin/pip install -q --upgrade pip
	.venv-lowest/bin/pip install -q -c .venv-lowest/constraints.txt -e '.[test]'
	.venv-lowest/bin/python -c 'import click, duckdb, boto3; print("lowest:", click.__version__, duckdb.__version__, boto3.__version__)'
	.venv-lowest/bin/pytest -q --ignore=tests/runtime

# the suite without the tests marked slow (the 1,000-function account): for the edit-test loop, not for CI
test-fast: $(BIN)/lambdoctor
	$(BIN)/pytest -m "not slow"

docs: $(BIN)/lambdoctor
	$(BIN)/python -m lambdoctor.docgen docs/rules
	$(BIN)/python ci/screenshots.py  # the README's pictures of the HTML reports (docs/img/)

# the docs as a static site in site/ (publish it, then set docs-url so that SARIF links to its rule pages)
docs-site: docs
	$(BIN)/mkdocs build --strict

bench: $(BIN)/lambdoctor
	$(BIN)/python bench/run_scan_bench.py
	cd bench && ../$(BIN)/python run_code_bench.py
	$(BIN)/python bench/run_iac_bench.py
	$(BIN)/python bench/run_logs_bench.py 1024 3
	$(BIN)/python bench/run_audit_bench.py 1000 3

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
