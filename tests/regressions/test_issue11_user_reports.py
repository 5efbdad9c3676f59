"""Silent wrong results reported by users and testers (issue 11), each with its fix's test."""

import warnings

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote import function, grad

MODES = ["PY", "FAST_RUN"]


# --- a NumPy array or scalar on the left of an operator ----------------------------------

@pytest.mark.parametrize("left", [np.array([1.0, 2.0, 3.0]), np.float64(2.0), np.float32(2.0),
                                  np.int64(2)])
def test_numpy_operand_on_the_left_builds_one_graph(left):
    v = at.vector("v")
    values = np.array([0.5, -1.0, 4.0])
    for build, reference in [(lambda a, b: a * b, np.multiply), (lambda a, b: a - b, np.subtract),
                             (lambda a, b: a / b, np.true_divide), (lambda a, b: a < b, np.less),
                             (lambda a, b: a ** b, np.power)]:
        expr = build(left, v)
        assert isinstance(expr, at.TensorVariable)
        np.testing.assert_allclose(expr.eval({v: values}), reference(left, values), rtol=1e-15)


def test_weighted_sum_and_mean_of_squares_with_numpy_data():
    v = at.vector("v")
    w = np.array([1.0, 2.0, 3.0])
    assert (w * v).sum().eval({v: np.ones(3)}) == 6.0
    obs = np.array([1.0, 2.0, 4.0])
    mu = at.scalar("mu")
    assert ((obs - mu) ** 2).mean().eval({mu: 2.0}) == pytest.approx(np.mean((obs - 2.0) ** 2))
    assert (w @ v).eval({v: np.ones(3)}) == 6.0


# --- an input made unnecessary by a static shape or by building is still used ------------

@pytest.mark.parametrize("mode", MODES)
def test_gradient_of_a_sum_uses_both_inputs(mode):
    a, b = at.scalar("a"), at.scalar("b")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = function([a, b], grad(a + b, a), mode=mode)
    assert f(1.0, 2.0) == 1.0


@pytest.mark.parametrize("mode", MODES)
def test_static_shapes_leave_inputs_used(mode):
    v = at.tensor("v", dtype="float64", shape=(3,))
    s = at.scalar("s")
    np.testing.assert_array_equal(function([v], at.zeros_like(v), mode=mode)(np.ones(3)), np.zeros(3))
    np.testing.assert_array_equal(function([v], at.ones_like(v), mode=mode)(np.ones(3)), np.ones(3))
    np.testing.assert_array_equal(function([v], v.shape, mode=mode)(np.ones(3)), [3])
    assert function([s], s.size, mode=mode)(2.0) == 1
    assert function([v], v.size, mode=mode)(np.ones(3)) == 3


def test_static_shape_still_known_when_built_from_the_shape_node():
    v = at.tensor("v", dtype="float64", shape=(3, 4))
    assert at.zeros_like(v).type.shape == (3, 4)
    assert at.zeros(v.shape).type.shape == (3, 4)


def test_a_truly_unused_input_still_raises():
    a, b = at.scalar("a"), at.scalar("b")
    with pytest.raises(arignote.compile.UnusedInputError):
        function([a, b], a * 2)


@pytest.mark.parametrize("mode", MODES)
def test_fill_broadcasts_against_the_model(mode):
    x = at.vector("x")
    f = function([x], [at.fill(x, 3.0), at.second(x[:, None], x)], mode=mode)
    filled, outer = f(np.arange(2.0))
    np.testing.assert_array_equal(filled, [3.0, 3.0])
    np.testing.assert_array_equal(outer, [[0.0, 1.0], [0.0, 1.0]])
    g = function([x], grad(at.fill(x, x * 2).sum(), x), mode=mode)(np.arange(3.0))
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])


# --- real-valued functions of small integers compute in float32, not float16 -------------

SMALL_INT_FUNCTIONS = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin",
                       "cos", "tan", "arcsinh", "sinh", "cosh", "tanh", "arctan", "softplus"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["int8", "uint8", "bool"])
@pytest.mark.parametrize("name", SMALL_INT_FUNCTIONS)
def test_small_integers_compute_in_float32(name, dtype, mode):
    x = at.vector("x", dtype=dtype)
    values = (np.array([0, 1, 2, 12, 100], dtype=dtype) if dtype != "bool"
              else np.array([True, False]))
    f = function([x], getattr(at, name)(x), mode=mode)
    out = f(values)
    assert out.dtype == np.float32
    with np.errstate(all="ignore"):
        if name == "softplus":
            expected = np.logaddexp(np.float32(0), values.astype(np.float32))
        else:
            expected = getattr(np, name)(values.astype(np.float32))
    # float32 libm functions are within a few ulps of the correctly rounded result
    np.testing.assert_allclose(out, expected, rtol=8 * np.finfo(np.float32).eps, atol=0)


@pytest.mark.parametrize("mode", MODES)
def test_exp_of_int8_twelve_is_not_inf(mode):
    x = at.scalar("x", dtype="int8")
    f = function([x], [at.exp(x), at.sqrt(x), at.arctan2(x, x + 1)], mode=mode)
    e, r, a = f(np.int8(12))
    assert e == pytest.approx(162754.79141900392, rel=1e-6)
    assert r == np.float32(np.sqrt(np.float32(12)))
    assert a == pytest.approx(np.arctan2(12, 13), rel=1e-6)


# --- derivatives ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_gradient_of_the_mask_idiom(mode):
    x = at.vector("x")
    values = np.array([-1.5, 0.5, 2.0, -0.25])
    g = function([x], grad((x * (x > 0)).sum(), x), mode=mode)(values)
    np.testing.assert_array_equal(g, (values > 0).astype(float))
    g2 = function([x], grad((x * (x > 0) * (x < 1)).sum(), x), mode=mode)(values)
    np.testing.assert_array_equal(g2, ((values > 0) & (values < 1)).astype(float))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("extremum", ["maximum", "minimum"])
def test_extremum_at_a_tie_passes_the_cotangent_once(extremum, mode):
    x, y = at.vector("x"), at.vector("y")
    fn = getattr(at, extremum)
    same = function([x], grad(fn(x, x).sum(), x), mode=mode)(np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(same, [1.0, 1.0])
    gx, gy = function([x, y], grad(fn(x, y).sum(), [x, y]), mode=mode)(
        np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0]))
    np.testing.assert_array_equal(gx + gy, [1.0, 1.0, 1.0])
    assert gx[0] == 1.0 and gy[0] == 0.0   # PyTensor's rule: the tie goes to the first
