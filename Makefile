# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
VENV   := .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/cockpit demo $(ARGS)

system-deps:
	bash .ci/system-deps

# Lint and types first (zero findings), then every test. pytest exits 5 when it collected
# no test: make fails on it like on any other non-zero.
test: $(STAMP) system-deps lint
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP) system-deps
	$(VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache
