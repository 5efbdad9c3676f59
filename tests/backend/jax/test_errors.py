"""Errors on the JAX backend: one error for every node JAX cannot trace, run-time checks,
messages naming the op and the user line."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import numpy as np  # noqa: E402

import arignote  # noqa: E402
import arignote.tensor as at  # noqa: E402
from arignote.backend.jax import JaxCompileError  # noqa: E402


def test_one_error_lists_every_node_that_cannot_work():
    x, n, i = at.vector("x"), at.lscalar("n"), at.lscalar("i")
    zeros = at.zeros(n)                      # line A
    uniq = at.unique(x)                      # line B
    head = x[:i]                             # line C
    fine = at.exp(x).sum()
    with pytest.raises(JaxCompileError) as info:
        arignote.function([x, n, i], [zeros, uniq, head, fine], mode="JAX")
    error = info.value
    assert len(error.problems) == 3 and error.only_static_shapes
    text = str(error)
    assert "3 problems" in text
    assert "Alloc" in text and "depends on the value of n" in text
    assert "Unique" in text and "Subtensor" in text and "depends on the value of i" in text
    assert text.count("test_errors.py:") == 3  # each names the user line that built it


def test_what_is_static_is_accepted():
    # the same ops are fine when their shape-deciding inputs come from shapes or constants
    x = at.vector("x")
    f = arignote.function([x], [at.zeros(x.shape[0] * 2), x[: x.shape[0] - 1], at.unique(at.arange(3) % 2)],
                          mode="JAX")
    zeros, head, uniq = f(np.arange(4.0))
    assert zeros.shape == (8,) and head.tolist() == [0.0, 1.0, 2.0] and uniq.tolist() == [0, 1]


def test_index_out_of_range_raises_index_error():
    x, i, idx = at.vector("x"), at.lscalar("i"), at.lvector("idx")
    f = arignote.function([x, i], x[i], mode="JAX")
    assert f(np.arange(3.0), -3) == 0.0
    with pytest.raises(IndexError, match=r"Subtensor.*test_errors.py:\d+.*index 3 is out of bounds for "
                                         r"axis 0 with size 3"):
        f(np.arange(3.0), 3)
    g = arignote.function([x, idx], [x[idx], at.inc_subtensor(x[idx], 1.0)], mode="JAX")
    with pytest.raises(IndexError, match="index -7 is out of bounds"):
        g(np.arange(3.0), np.array([0, -7, 1]))
    np.testing.assert_array_equal(g(np.arange(3.0), np.array([2, 2]))[1], [0.0, 1.0, 4.0])


def test_errors_known_while_tracing_name_the_node():
    a, b = at.matrix("a"), at.matrix("b")
    f = arignote.function([a, b], a + b, mode="JAX")
    with pytest.raises(ValueError, match=r"Add \(built at .*test_errors.py:\d+\): operands could not be "
                                         r"broadcast together with shapes \(2, 3\) \(3, 2\)"):
        f(np.ones((2, 3)), np.ones((3, 2)))
    g = arignote.function([a, b], at.dot(a, b), mode="JAX")
    with pytest.raises(ValueError, match="not aligned"):
        g(np.ones((2, 3)), np.ones((2, 3)))


def test_integer_power_with_negative_exponent():
    x, k = at.lvector("x"), at.lvector("k")
    f = arignote.function([x, k], x ** k, mode="JAX")
    np.testing.assert_array_equal(f(np.array([2, 3]), np.array([3, 0])), [8, 1])
    with pytest.raises(ValueError, match="negative integer powers"):
        f(np.array([2, 3]), np.array([1, -1]))


def test_integer_division_by_zero_is_zero_as_in_numpy():
    x, y = at.ivector("x"), at.ivector("y")
    f = arignote.function([x, y], [x // y, x % y], mode="JAX")
    a, b = np.array([5, -5, 7], dtype=np.int32), np.array([0, 3, 0], dtype=np.int32)
    with np.errstate(all="ignore"):
        expected = [a // b, a % b]
    for got, want in zip(f(a, b), expected):
        np.testing.assert_array_equal(got, want)


def test_specify_shape_with_a_length_known_at_run_time():
    x, n = at.matrix("x"), at.lscalar("n")
    f = arignote.function([x, n], at.specify_shape(x, (None, n)) * 2, mode="JAX")
    assert f(np.ones((2, 3)), 3).shape == (2, 3)
    with pytest.raises(ValueError, match=r"expected shape \(None, 4\), got \(2, 3\)"):
        f(np.ones((2, 3)), 4)


def _error_of(f, *args):
    with pytest.raises(Exception) as info:
        f(*args)
    return info.value


@pytest.mark.parametrize("case", ["x[i]", "x[idx]", "x[1, idx]", "inc x[i]", "set x[idx]"])
def test_an_index_into_an_empty_axis_raises_index_error_as_on_py(case):
    # XLA's gather cannot clamp an index into an axis of length 0 (TypeError while tracing)
    x, y, i, idx = at.matrix("x"), at.vector("y"), at.lscalar("i"), at.lvector("idx")
    graphs = {"x[i]": ([x, i], x[i], (np.zeros((0, 3)), 0)),
              "x[idx]": ([x, idx], x[idx], (np.zeros((0, 3)), np.array([0, -1]))),
              "x[1, idx]": ([x, idx], x[1, idx], (np.zeros((2, 0)), np.array([0]))),
              "inc x[i]": ([x, y, i], at.inc_subtensor(x[i], y), (np.zeros((0, 3)), np.ones(3), -1)),
              "set x[idx]": ([x, y, idx], at.set_subtensor(x[idx], y), (np.zeros((0, 3)), np.ones(3),
                                                                        np.array([2])))}
    inputs, output, args = graphs[case]
    py = _error_of(arignote.function(inputs, output, mode="PY"), *args)
    f = arignote.function(inputs, output, mode="JAX")
    jx = _error_of(f, *args)
    assert type(py) is IndexError and type(jx) is IndexError
    assert str(jx) == str(py)  # "<node> (built at ...): index 0 is out of bounds for axis 0 with size 0"
    # an empty index array reads and writes nothing, as in NumPy
    empty = [np.zeros(0, np.int64) if np.ndim(a) == 1 and a.dtype.kind == "i" else a for a in args]
    if any(e is not a for e, a in zip(empty, args)):
        assert f(*empty).shape == arignote.function(inputs, output, mode="PY")(*empty).shape


def test_running_out_of_memory_raises_memory_error():
    x = at.vector("x")
    # 10**15 float64 = 8e15 bytes: XLA refuses it before touching memory (more than a 47-bit
    # address space holds, so no allocator can grant it and the test cannot exhaust the machine)
    f = arignote.function([x], at.zeros((x.shape[0],) * 3), mode="JAX")
    with pytest.raises(MemoryError, match="RESOURCE_EXHAUSTED") as info:
        f(np.zeros(10**5))
    assert isinstance(info.value.__cause__, jax.errors.JaxRuntimeError)
    # other run-time checks keep their types (the checkify path)
    i = at.lscalar("i")
    g = arignote.function([x, i], [at.zeros((x.shape[0],) * 3), x[i]], mode="JAX")
    with pytest.raises(MemoryError):
        g(np.zeros(10**5), 0)


def test_a_lowering_giving_the_wrong_shape_is_an_internal_error():
    # the translation checks each lowered value against its output's type while tracing: a
    # lowering returning a 1-tuple, or a value of another shape, fails loudly instead of
    # passing numbers of the wrong shape on (as unravel_index into one dimension once did)
    import dataclasses

    from arignote.backend.jax import jax_impl
    from arignote.tensor.flat_index import UnravelIndex

    x = at.lvector("x")
    good = arignote.function([x], at.unravel_index(x, (5,))[0], mode="JAX")  # loads the lowerings
    np.testing.assert_array_equal(good(np.arange(3)), np.arange(3))
    original = jax_impl.entry(UnravelIndex("C"))
    try:
        for wrong, message in ((lambda i, d: (i,), "gave a tuple"),
                               (lambda i, d: i[None], r"gave a value of shape \(1, 3\)")):
            jax_impl.add(UnravelIndex, dataclasses.replace(original, lower=lambda op, node, ctx, w=wrong: w),
                         replace=True)
            f = arignote.function([x], at.unravel_index(x, (6,))[0], mode="JAX")
            with pytest.raises(TypeError, match=f"internal error: the JAX lowering of UnravelIndex.*{message}"
                               ):
                f(np.arange(3))
    finally:
        jax_impl.add(UnravelIndex, original, replace=True)
