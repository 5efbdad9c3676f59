"""Without JAX, arignote works and the JAX mode says what to install (runs with or without JAX)."""

import subprocess
import sys


def test_a_clear_error_when_jax_is_missing():
    # JAX hidden from the import system: arignote works, the JAX mode says what to install
    code = """
import sys
sys.modules["jax"] = None
import numpy as np, arignote, arignote.tensor as at
x = at.vector("x")
assert arignote.function([x], x + 1)(np.ones(2)).tolist() == [2.0, 2.0]
try:
    arignote.function([x], x + 1, mode="JAX")
except ImportError as exc:
    print(type(exc).__name__, exc)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "JaxUnavailableError" in result.stdout and "pip install 'arignote[jax]'" in result.stdout
