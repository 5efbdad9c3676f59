"""PyTensor's run-time checks converted to arignote (arignote/interop/pytensor/checks.py).

A check passes its value through unchanged (compared exactly) or raises the op's own exception
class; arignote's functions prefix a runtime error's message with the node that raised it, so
the message is checked to end with the op's ``msg``.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.raise_op import Assert, CheckAndRaise  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor, mode  # noqa: E402

BACKENDS = ["c", "py", pytest.param("jax", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]


class ParameterValueError(ValueError):
    """As PyMC's (pymc.logprob.utils): a ValueError subclass."""


class CheckParameterValue(CheckAndRaise):
    """PyMC's op as PyMC defines it (without importing PyMC): a CheckAndRaise subclass with an
    extra prop, raising ParameterValueError."""

    __props__ = ("msg", "exc_type", "can_be_replaced_by_ninf")

    def __init__(self, msg: str = "", can_be_replaced_by_ninf: bool = False):
        super().__init__(ParameterValueError, msg)
        self.can_be_replaced_by_ninf = can_be_replaced_by_ninf


def _functions(inputs, output, backend):
    """The graph of one output compiled by arignote directly and through PyTensor's Mode."""
    converted = from_pytensor([output], inputs)
    direct = arignote.function(converted.inputs, converted.outputs,
                               mode={"c": "FAST_RUN", "py": "PY", "jax": "JAX"}[backend])
    return [lambda *v: direct(*v)[0], pytensor.function(inputs, output, mode=mode(backend))]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("op", "exc_type"), [
    (Assert("x must be positive"), AssertionError),
    (CheckAndRaise(OverflowError, "too large"), OverflowError),
    (CheckParameterValue("sigma > 0", can_be_replaced_by_ninf=True), ParameterValueError),
], ids=["Assert", "CheckAndRaise", "CheckParameterValue"])
def test_checks_pass_values_through_or_raise_the_same_exception(op, exc_type, backend):
    x = pt.dvector("x")
    s = pt.dscalar("s")
    out = op(x * 2 + s, pt.all(x > 0), pt.lt(s, 10))  # two conditions, scalars
    good, bad_x, bad_s = (np.array([1.0, 2.0]), 3.0), (np.array([1.0, -2.0]), 3.0), (np.array([1.0]), 11.0)
    want = pytensor.function([x, s], out)(*good)
    for f in _functions([x, s], out, backend):
        np.testing.assert_array_equal(f(*good), want)
        for bad in (bad_x, bad_s):
            with pytest.raises(exc_type) as info:
                f(*bad)
            assert type(info.value) is exc_type
            assert str(info.value).endswith(op.msg)


def test_check_gradient_goes_to_the_value():
    x = pt.dvector("x")
    out = Assert("positive")(x ** 3, pt.all(x > 0))
    grad = pt.grad(out.sum(), x)  # PyTensor's graph: the check's pullback passes it through
    value = np.array([0.5, 1.0, 2.0])
    converted = from_pytensor([out, grad], [x])
    got = arignote.function(converted.inputs, converted.outputs)(value)
    want = pytensor.function([x], [out, grad])(value)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-15)  # x**3 and 3 x**2: within an ulp or two
    # arignote's own derivative of the converted graph agrees too
    own = arignote.grad(converted.outputs[0].sum(), converted.inputs[0])
    np.testing.assert_allclose(arignote.function(converted.inputs, own)(value), want[1], rtol=1e-15)


def test_check_on_a_non_tensor_value():
    # the checked value can be any variable: here a random generator (PyMC checks parameters
    # of a draw this way)
    rng = pytensor.shared(np.random.default_rng(3))
    p = pt.dscalar("p")
    checked = Assert("p in [0, 1]")(rng, pt.and_(pt.ge(p, 0), pt.le(p, 1)))
    draw = pt.random.bernoulli(p, size=(4,), rng=checked)
    converted = from_pytensor([draw], [p])
    f = arignote.function(converted.inputs, converted.outputs)
    assert f(0.5)[0].shape == (4,)
    with pytest.raises(AssertionError, match=r"p in \[0, 1\]$"):
        f(1.5)
