"""set_subtensor and inc_subtensor against NumPy's ``x[idx] = y`` and ``np.add.at``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.tensor.subtensor import AdvancedIncSubtensor, IncSubtensor
from tests.checks import check_against_numpy, random_array


def numpy_set(value, key, y):
    out = value.copy()
    out[key] = y
    return out


def numpy_inc(value, key, y):
    out = value.copy()
    np.add.at(out, key, y)
    return out


KEYS = [
    1, -1, slice(1, 3), slice(None, None, -2), (slice(None), 2), (Ellipsis, None, 1),
    (1, slice(None, None, -1)), (), slice(5, 2),
    [0, 2], [[0, 0], [2, 1]], (slice(None), [3, 0]), ([0, 1], slice(1, 3)), (slice(None), 1, [1, 0, 1]),
    np.array([True, False, True]), (slice(1, None), np.array([False, True, True, False])),
    ([0, 2], None, [1, 1]),
]


def _target_shape(key):
    return np.zeros((3, 4, 2))[key].shape


@pytest.mark.parametrize("key", KEYS, ids=repr)
@pytest.mark.parametrize("static", [False, True])
def test_set_and_inc_against_numpy(rng, key, static):
    value = random_array(rng, (3, 4, 2))
    target = _target_shape(key)
    ys = [random_array(rng, target), random_array(rng, target[-1:]), np.asarray(1.5)]
    if len(target) >= 2:
        ys.append(random_array(rng, (1,) + target[1:]))
    for y in ys:
        check_against_numpy(lambda x, y: at.set_subtensor(x[key], y),
                            lambda v, y: numpy_set(v, key, y), value, y, static=static)
        check_against_numpy(lambda x, y: at.inc_subtensor(x[key], y),
                            lambda v, y: numpy_inc(v, key, y), value, y, static=static)


def test_op_kinds_and_types():
    x = at.tensor("x", shape=(3, None))
    y = at.scalar("y")
    basic = at.set_subtensor(x[1:], y)
    assert isinstance(basic.owner.op, IncSubtensor) and basic.owner.op.set_instead_of_inc
    assert basic.type == x.type
    advanced = at.inc_subtensor(x[[0, 0]], y)
    assert isinstance(advanced.owner.op, AdvancedIncSubtensor)
    assert not advanced.owner.op.set_instead_of_inc
    assert at.inc_subtensor(x[1:], y) is at.inc_subtensor(x[1:], y)
    # PyTensor's keywords are accepted
    at.set_subtensor(x[0], y, inplace=True, tolerate_inplace_aliasing=True)
    at.inc_subtensor(x[0], y, inplace=False, tolerate_inplace_aliasing=False)


def test_symbolic_bounds_and_indices(rng):
    value = random_array(rng, (5, 3))
    i, j = np.asarray(1, "int32"), np.asarray(4, "int64")
    check_against_numpy(lambda x, y, i, j: at.set_subtensor(x[i:j], y),
                        lambda v, y, i, j: numpy_set(v, slice(i, j), y),
                        value, random_array(rng, (3,)), i, j)
    check_against_numpy(lambda x, y, i, j: at.inc_subtensor(x[j:i:-1, i], y),
                        lambda v, y, i, j: numpy_inc(v, (slice(j, i, -1), i), y),
                        value, random_array(rng, (3,)), i, j)
    idx = np.array([4, 0, 4, 4])
    check_against_numpy(lambda x, y, idx: at.inc_subtensor(x[idx], y),
                        lambda v, y, idx: numpy_inc(v, idx, y), value, random_array(rng, (4, 1)), idx)
    mask = rng.random(5) < 0.5
    check_against_numpy(lambda x, m: at.set_subtensor(x[m], 0.0),
                        lambda v, m: numpy_set(v, m, 0.0), value, mask)


def test_duplicates():
    x, idx = at.vector("x"), at.lvector("idx")
    y = at.vector("y")
    value = np.zeros(4)
    idx_value = np.array([0, 0, 2, 0])
    y_value = np.array([1.0, 2.0, 3.0, 4.0])
    inc = arignote.function([x, idx, y], at.inc_subtensor(x[idx], y))
    np.testing.assert_array_equal(inc(value, idx_value, y_value), [7.0, 0.0, 3.0, 0.0])
    set_ = arignote.function([x, idx, y], at.set_subtensor(x[idx], y))
    expected = value.copy()
    expected[idx_value] = y_value
    np.testing.assert_array_equal(set_(value, idx_value, y_value), expected)  # last wins
    once = arignote.function([x, idx, y], at.inc_subtensor(x[idx], y, ignore_duplicates=True))
    expected = value.copy()
    expected[idx_value] += y_value
    np.testing.assert_array_equal(once(value, idx_value, y_value), expected)
    m = at.matrix("m")
    f = arignote.function([m], at.inc_subtensor(m[[1, 1], [0, 0]], 1.0))
    np.testing.assert_array_equal(f(np.zeros((2, 2))), [[0.0, 0.0], [2.0, 0.0]])


def test_inputs_are_never_written(rng):
    x, y = at.matrix("x"), at.matrix("y")
    value, y_value = random_array(rng, (3, 3)), random_array(rng, (2, 3))
    before = value.copy()
    for out in (at.set_subtensor(x[1:], y), at.inc_subtensor(x[[0, 2]], y)):
        arignote.function([x, y], out)(value, y_value)
        np.testing.assert_array_equal(value, before)
    const = at.constant(np.ones((2, 2)))
    np.testing.assert_array_equal(at.set_subtensor(const[0], 5.0).eval(), [[5, 5], [1, 1]])
    np.testing.assert_array_equal(const.data, np.ones((2, 2)))


@pytest.mark.parametrize("x_dtype", ["float32", "float64", "int32", "bool"])
@pytest.mark.parametrize("y_dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_dtype_rules(rng, x_dtype, y_dtype):
    value = random_array(rng, (4,), x_dtype)
    y = random_array(rng, (2,), y_dtype)
    check_against_numpy(lambda x, y: at.set_subtensor(x[1:3], y),
                        lambda v, y: numpy_set(v, slice(1, 3), y), value, y)
    summed = np.result_type(x_dtype, y_dtype)
    if np.can_cast(summed, x_dtype, "same_kind"):
        check_against_numpy(lambda x, y: at.inc_subtensor(x[[1, 1]], y),
                            lambda v, y: numpy_inc(v, [1, 1], y), value, y, rtol=1e-6)
    else:
        with pytest.raises(TypeError, match="inc_subtensor: cannot add"):
            at.inc_subtensor(at.vector(dtype=x_dtype)[1:3], at.vector(dtype=y_dtype))
        with pytest.raises(Exception):  # noqa: B017 (NumPy refuses the same statement)
            value.copy()[1:3] += y


def test_python_scalars_are_weak():
    x8 = at.vector("x8", dtype="int8")
    out = at.inc_subtensor(x8[0], 3)
    assert out.dtype == "int8"
    np.testing.assert_array_equal(out.eval({x8: np.array([1, 2], "int8")}), [4, 2])
    with pytest.raises(OverflowError):
        at.set_subtensor(x8[0], 300)
    with pytest.raises(TypeError, match="cannot add"):
        at.inc_subtensor(x8[0], 1.5)
    truncated = at.set_subtensor(x8[0], 2.7)
    np.testing.assert_array_equal(truncated.eval({x8: np.array([1, 2], "int8")}), [2, 2])
    xf = at.vector("xf", dtype="float32")
    assert at.inc_subtensor(xf[0], 1.5).dtype == "float32"
    with pytest.raises(TypeError, match="imaginary"):
        at.set_subtensor(xf[0], 1j)


def test_build_time_errors():
    x = at.tensor("x", shape=(5, 3))
    with pytest.raises(ValueError, match="cannot broadcast a value of shape \\(2,\\)"):
        at.set_subtensor(x[1:3], at.vector(shape=(2,)))
    with pytest.raises(ValueError, match="cannot broadcast"):
        at.inc_subtensor(x[[0, 1]], np.ones((3, 3)))
    with pytest.raises(ValueError, match="cannot broadcast"):
        at.set_subtensor(x[0], np.ones((2, 3)))
    # extra leading axes of length 1 are fine, as in NumPy
    np.testing.assert_array_equal(
        at.set_subtensor(x[0], np.ones((1, 3))).eval({x: np.zeros((5, 3))})[0], np.ones(3))
    with pytest.raises(TypeError, match="set_subtensor: the first argument must be the result"):
        at.set_subtensor(x, 1.0)
    with pytest.raises(TypeError, match="inc_subtensor: the first argument"):
        at.inc_subtensor(x + 1, 1.0)
    with pytest.raises(TypeError, match="dtype"):
        IncSubtensor((0,))(x, at.vector(dtype="int32"))


def test_run_time_errors(rng):
    x, y, i = at.matrix("x"), at.vector("y"), at.lscalar("i")
    f = arignote.function([x, y], at.set_subtensor(x[0], y))
    with pytest.raises(ValueError, match="IncSubtensor"):
        f(np.zeros((2, 3)), np.ones(2))
    g = arignote.function([x, y, i], at.inc_subtensor(x[i], y))
    with pytest.raises(IndexError, match="IncSubtensor.*out of bounds"):
        g(np.zeros((2, 3)), np.ones(3), 2)
    idx = at.lvector("idx")
    h = arignote.function([x, idx], at.inc_subtensor(x[idx], 1.0))
    with pytest.raises(IndexError, match="AdvancedIncSubtensor.*out of bounds"):
        h(np.zeros((2, 3)), np.array([0, 2]))
    z = at.tensor3("z")
    k = arignote.function([z, x], at.set_subtensor(z[0], x))
    with pytest.raises(ValueError, match="broadcast"):
        k(np.zeros((2, 3, 3)), np.zeros((2, 3)))


@given(st.lists(st.integers(-4, 3), min_size=0, max_size=8), st.booleans())
def test_inc_is_add_at(indices, set_instead):
    x, idx, y = at.vector("x"), at.lvector("idx"), at.vector("y")
    out = at.inc_subtensor(x[idx], y, set_instead_of_inc=set_instead)
    value = np.arange(4.0)
    idx_value = np.array(indices, dtype="int64")
    y_value = np.arange(len(indices), dtype="float64") + 10
    expected = numpy_set(value, idx_value, y_value) if set_instead else numpy_inc(value, idx_value, y_value)
    np.testing.assert_array_equal(arignote.function([x, idx, y], out)(value, idx_value, y_value),
                                  expected)


def test_set_and_inc_methods_of_an_indexed_variable():
    # PyTensor's method spelling: x[idx].set(v) / x[idx].inc(v)
    x = at.dvector("x")
    i = at.lscalar("i")
    f = arignote.function([x, i], [x[i].set(0.0), x[1:].inc(2.0), x[[0, 0]].inc(1.0)], mode="PY")
    value = np.array([0.6, 0.3, 0.1])
    written, added, repeated = f(value, 1)
    np.testing.assert_array_equal(written, [0.6, 0.0, 0.1])
    np.testing.assert_array_equal(added, value + [0.0, 2.0, 2.0])
    np.testing.assert_array_equal(repeated, value + [2.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="result of indexing"):
        x.set(1.0)
