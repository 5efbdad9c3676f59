import numpy as np
import pytest
from hypothesis import settings

import arignote

settings.register_profile("ci", max_examples=30, deadline=None)
settings.load_profile("ci")


def pytest_addoption(parser):
    # Runs the suite with another default mode, e.g. ``pytest --mode JAX tests/tensor``:
    # every test that compiles without naming a mode then uses that backend.
    parser.addoption("--mode", default=None,
                     help="default compilation mode for the run (a name such as PY, C, JAX)")


def pytest_configure(config):
    # Tests compile graphs after patching arignote's internals (a failing compiler, counted
    # rules), which the whole-function cache cannot see: it is off here, and on in the tests
    # of the cache itself (tests/compile/test_program_cache.py), over a corpus of graphs.
    arignote.config.program_cache = False
    name = config.getoption("--mode")
    if name is not None:
        arignote.compile.get_mode(name)  # fail early on an unknown name
        arignote.config.mode = name


def pytest_report_header(config):
    return f"arignote default mode: {arignote.config.mode}"


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


@pytest.hookimpl(hookwrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    # Under --mode JAX, a graph that JAX cannot trace (a shape that depends on
    # input values: unique, nonzero, a size given as an input) raises
    # JaxCompileError by design; such tests are expected failures there, with
    # the error as the reason.  A missing lowering still fails the test.
    outcome = yield
    if arignote.config.mode != "JAX" or outcome.excinfo is None:
        return
    error = outcome.excinfo[1]
    if getattr(error, "only_static_shapes", False) is True:
        outcome.force_exception(pytest.xfail.Exception(f"JAX needs static shapes: {error}"))
    elif getattr(error, "only_foreign_ops", False) is True:  # an op a test defines, NumPy only
        outcome.force_exception(pytest.xfail.Exception(f"an op without a JAX lowering: {error}"))
