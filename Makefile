# `make demo` and `make test` each set up .venv (once) and run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-slow bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

# The default suite runs on FAST_RUN (the C backend where a compiler works, else py);
# the op suite then runs again on the other linker, so both give the same results.
test: $(STAMP)
	$(PY) -m pytest -q -n 2 tests
	$(PY) -m pytest -q -n 2 --mode PY tests/tensor

test-slow: $(STAMP)
	$(PY) -m pytest -q -n 2 -m slow tests

# Benchmarks run in their own environment (.bench-venv) with PyTensor and JAX beside arignote.
bench:
	bash benchmarks/run.sh

clean:
	rm -rf $(VENV) build *.egg-info
