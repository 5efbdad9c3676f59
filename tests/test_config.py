"""`arignote.config`: flags, temporary changes and the environment variable."""

import os
import subprocess
import sys

import pytest

import arignote.tensor as at
from arignote.config import Config, config


def test_floatx_controls_default_dtype():
    assert at.vector().dtype == config.floatX
    with config.change_flags(floatX="float32"):
        assert at.vector().dtype == "float32"
        assert at.constant(1.5).dtype == "float32"
        assert at.dvector().dtype == "float64"
    assert config.floatX == "float64"


def test_unknown_and_invalid_flags_raise():
    with pytest.raises(AttributeError, match="no flag 'floatY'"):
        config.floatY = "float32"
    with pytest.raises(ValueError, match="floatX must be one of"):
        config.floatX = "int8"


def test_environment_variable(monkeypatch):
    monkeypatch.setenv("ARIGNOTE_FLAGS", "floatX=float32,trace_source=false")
    fresh = Config()
    assert fresh.floatX == "float32" and fresh.trace_source is False
    monkeypatch.setenv("ARIGNOTE_FLAGS", "nonsense=1")
    with pytest.raises(ValueError, match="unknown flag 'nonsense'"):
        Config()


def test_environment_variable_in_a_fresh_process():
    env = dict(os.environ, ARIGNOTE_FLAGS="floatX=float32")
    code = "import arignote.tensor as at; print(at.vector().dtype)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "float32"


def test_pytensor_flags_cxx_openmp_and_optimizer_verbose(capsys):
    import shutil

    # cxx: the C compiler in use ("" switches the C backend off: FAST_RUN runs on py, quietly)
    found = config.cxx
    assert found in ("", shutil.which("gcc"), shutil.which("clang"), shutil.which("cc"),
                     shutil.which(config.c_compiler or "gcc"))
    import warnings

    import numpy as np

    import arignote

    x = at.dvector("x")
    with config.change_flags(cxx=""), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert config.cxx == "" and config.c_backend is False
        f = arignote.function([x], at.exp(x) * 3.0)
        assert type(f.program).__name__ == "PyProgram"
        np.testing.assert_array_equal(f(np.zeros(2)), [3.0, 3.0])
        # every C mode runs on py then, as PyTensor's default linker runs Python code
        g = arignote.function([x], at.exp(x) * 4.0, mode=arignote.Mode("c").excluding("fusion"))
        assert type(g.program).__name__ == "PyProgram"
        np.testing.assert_array_equal(g(np.zeros(2)), [4.0, 4.0])
    assert config.cxx == found and config.c_backend is True and config.c_compiler == ""
    with pytest.raises(TypeError, match="cxx must be a string"):
        config.cxx = None
    if found:  # a command chooses that compiler, through c_compiler
        with config.change_flags(cxx=found):
            assert config.c_compiler == found and config.cxx == found
        assert config.c_compiler == ""
    # OpenMP switches: accepted (with their checks), no effect on what compiles
    with config.change_flags(openmp=True, openmp_elemwise_minsize=10):
        assert config.openmp and config.openmp_elemwise_minsize == 10
    with pytest.raises(ValueError):
        config.openmp_elemwise_minsize = -1
    # optimizer_verbose prints each rule firing as compilation rewrites
    import arignote

    x = at.dvector("x")
    with config.change_flags(optimizer_verbose=True):
        f = arignote.function([x], at.log(1 + at.exp(x)), mode="PY")
    printed = capsys.readouterr().out
    assert "rewriting: " in printed and "softplus" in printed.lower()
    assert f([0.0])[0] == pytest.approx(0.6931471805599453, rel=1e-15)
