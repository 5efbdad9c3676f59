# `make demo` and `make test` each set up .venv (once) and run.
# The newest Python >= 3.12 the machine has (PyTensor 3 and PyMC need it), else python3 with a note.
PYTHON ?= $(shell bash tools/find-python.sh)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-jax test-slow lint bench conformance clean

# The op, loop, gradient and log-density suites on the JAX backend.  `make test` runs this
# subset (about 5 minutes on 2 cores: each test compiles with XLA); `make test-jax` runs all
# of it (reductions, special functions and extra ops add about 10 minutes).  Skipped, with a note, without JAX.
JAX_SUBSET := tests/tensor/test_elemwise.py tests/tensor/test_shape.py tests/tensor/test_alloc.py \
	tests/tensor/test_join.py tests/tensor/test_products.py tests/tensor/test_sort.py \
	tests/tensor/test_subtensor.py tests/tensor/test_subtensor_inc.py \
	tests/tensor/test_subtensor_take.py tests/tensor/linalg tests/loop tests/autodiff tests/logprob
JAX_ALL := tests/tensor tests/loop tests/autodiff tests/logprob --ignore=tests/tensor/rewrites
HAVE_JAX = $(PY) -c 'import jax' 2>/dev/null

# setup.py builds the C runtime module at install: a changed runtime source reinstalls
$(STAMP): pyproject.toml setup.py $(wildcard arignote/backend/c/runtime/*)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

# The default suite runs on FAST_RUN (the C backend where a compiler works, else py);
# the op and log-density suites then run again on the other linker, so both give the same results.
test: $(STAMP)
	$(PY) -m pytest -q -n 2 tests
	$(PY) -m pytest -q -n 2 --mode PY tests/tensor tests/logprob
	@if $(HAVE_JAX); then $(PY) -m pytest -q -n 2 --mode JAX $(JAX_SUBSET); \
	else echo "JAX is not installed: the JAX runs of the op suite are skipped"; fi

test-jax: $(STAMP)
	@if $(HAVE_JAX); then $(PY) -m pytest -q -n 2 --mode JAX $(JAX_ALL); \
	else echo "JAX is not installed: pip install 'arignote[jax]'"; exit 1; fi

test-slow: $(STAMP)
	$(PY) -m pytest -q -n 2 -m slow tests

# Static checks, one command per line (add a check as one more line): the layer contract of
# DESIGN.md section 6, imports inside functions included (import-linter); lint rules (ruff) and
# types (mypy).  pyproject.toml holds the contracts and the settings of each.
lint: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(VENV)/bin/ruff check arignote tests
	$(VENV)/bin/mypy arignote

# PyTensor's own test files against arignote (needs ../shared/pytensor-conformance): the README's figures.
conformance: $(STAMP)
	$(PY) -m pip install --quiet -e '.[conformance]'
	bash tools/conformance.sh

# Benchmarks run in their own environment (.bench-venv) with PyTensor and JAX beside arignote.
bench:
	bash benchmarks/run.sh

clean:
	rm -rf $(VENV) build *.egg-info arignote/backend/c/arignote_runtime*.so
