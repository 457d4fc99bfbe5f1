# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast lint bench docs clean

$(BIN)/lambdoctor: pyproject.toml
	@test -d $(VENV) || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "lambdoctor needs Python 3.11 or later; $(PYTHON) is older: make PYTHON=python3.12 ..."; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/lambdoctor

demo: $(BIN)/lambdoctor
	$(BIN)/lambdoctor scan examples/shop --fail-on never

test: $(BIN)/lambdoctor
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports  # the layers of docs/architecture.md (contracts in pyproject.toml)
	$(BIN)/pytest

# the suite without the tests marked slow (the 1,000-function account): for the edit-test loop, not for CI
test-fast: $(BIN)/lambdoctor
	$(BIN)/pytest -m "not slow"

docs: $(BIN)/lambdoctor
	$(BIN)/python -m lambdoctor.docgen docs/rules

bench: $(BIN)/lambdoctor
	$(BIN)/python bench/run_scan_bench.py
	cd bench && ../$(BIN)/python run_code_bench.py
	$(BIN)/python bench/run_iac_bench.py
	$(BIN)/python bench/run_logs_bench.py 1024 3
	$(BIN)/python bench/run_audit_bench.py 1000 3

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
