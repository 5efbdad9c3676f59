"""Properties over random graphs and dtypes: gradients agree with finite differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.gradient import grad, verify_grad

UNARY = [at.tanh, at.sin, at.exp, at.sigmoid, at.softplus, at.sqr, at.arctan,
         lambda v: at.log1p(at.sqr(v)), lambda v: at.sqrt(1 + at.sqr(v))]
# (no maximum: built on each other, maxima tie structurally, and a tie gets PyTensor's rule,
# which is not the derivative; test_grad_api checks that rule)
BINARY = [at.add, at.sub, at.mul, lambda a, b: a / (1 + at.sqr(b)),
          lambda a, b: at.switch(at.gt(a, b), a * b, a - b)]
SHAPES = [(), (3,), (1, 3), (2, 1), (2, 3)]


@st.composite
def programs(draw):
    """A random expression over three inputs of broadcast-compatible shapes."""
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(3)]
    steps = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100),
                                    st.integers(0, 100)), min_size=1, max_size=6))
    reduce_axis = draw(st.sampled_from([None, 0, -1]))
    return shapes, steps, reduce_axis


def build(shapes, steps, reduce_axis):
    def fun(*inputs):
        values = list(inputs)
        for unary, f, i, j in steps:
            a, b = values[i % len(values)], values[j % len(values)]
            values.append(UNARY[f % len(UNARY)](a) if unary else BINARY[f % len(BINARY)](a, b))
        out = values[-1] + values[0] * 0.5  # every input takes part
        if reduce_axis is not None and out.ndim:
            out = at.sum(out, axis=reduce_axis)
        return out
    return fun


@given(programs(), st.integers(0, 2 ** 31 - 1))
def test_random_programs_match_finite_differences(program, seed):
    shapes, steps, reduce_axis = program
    rng = np.random.default_rng(seed)
    # values apart from each other: maximum and switch are smooth there
    values = [rng.permutation(max(1, int(np.prod(s)))).reshape(s) * 0.37 + rng.uniform(-1, 1) * 0.1
              for s in shapes]
    verify_grad(build(shapes, steps, reduce_axis), values, rng=rng)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float32_and_float64_gradients(dtype, rng):
    x = at.matrix("x", dtype=dtype)
    W = at.matrix("W", dtype=dtype)
    cost = at.special.log_softmax(at.tanh(x @ W), axis=1).sum() + at.max(x) + at.prod(W[0])
    gx, gW = grad(cost, [x, W])
    assert gx.dtype == dtype and gW.dtype == dtype
    xv = rng.normal(size=(3, 4)).astype(dtype)
    Wv = rng.normal(size=(4, 2)).astype(dtype)
    got = arignote.function([x, W], [gx, gW])(xv, Wv)
    ref_x = at.matrix("x")
    ref_W = at.matrix("W")
    ref_cost = (at.special.log_softmax(at.tanh(ref_x @ ref_W), axis=1).sum() + at.max(ref_x)
                + at.prod(ref_W[0]))
    expected = arignote.function([ref_x, ref_W], grad(ref_cost, [ref_x, ref_W]))(
        xv.astype("float64"), Wv.astype("float64"))
    for g, e in zip(got, expected):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, e, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-5)


def test_verify_grad_in_float32(rng):
    verify_grad(lambda a, b: at.tanh(a @ b).sum(axis=0) * at.exp(b[0]),
                [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")],
                rng=rng)
