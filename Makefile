# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
VENV   := .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/cockpit demo $(ARGS)

system-deps:
	bash .ci/system-deps

# pytest exits 5 when it collected no test: make fails on it like on any other non-zero.
test: $(STAMP) system-deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(STAMP) system-deps
	$(VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache
