"""config.cast_policy: "custom" (Python numbers weak, NumPy 2's rule) and PyTensor's
"numpy+floatX" (Python numbers typed alone, a float64 kept at a float32 floatX)."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile import program_cache
from arignote.config import config
from arignote.scalar.basic import upcast

DTYPES = ("bool", "int8", "uint8", "int16", "uint16", "int32", "int64", "uint64",
          "float16", "float32", "float64", "complex64", "complex128")
LITERALS = (True, 3, -2, 1.5, 2j)
OPS = (operator.add, operator.mul)


def _literal_dtype(lit: object) -> np.dtype:
    # "numpy+floatX": np.asarray's dtype, but a Python float is floatX
    return np.dtype(config.floatX) if isinstance(lit, float) else np.asarray(lit).dtype


def _expected_numpy_floatx(*dtypes: np.dtype) -> np.dtype:
    result = np.result_type(*dtypes)
    if (config.floatX == "float32" and result == np.float64
            and all(np.dtype(d) != np.float64 for d in dtypes)):
        return np.dtype("float32")
    return result


def _operand(dtype: str) -> tuple[at.TensorVariable, np.ndarray]:
    rng = np.random.default_rng(abs(hash(dtype)) % 1000)
    values = rng.integers(1, 4, size=3).astype(dtype) if dtype != "bool" else np.array([True, False, True])
    return at.vector("x", dtype=dtype), values


def test_the_flag_takes_both_policies_and_nothing_else():
    assert config.cast_policy == "custom"
    with config.change_flags(cast_policy="numpy+floatX"):
        assert config.cast_policy == "numpy+floatX"
    with pytest.raises(ValueError, match="cast_policy"):
        with config.change_flags(cast_policy="numpy"):
            pass


def test_the_policy_is_part_of_the_program_cache_key():
    assert "cast_policy" not in program_cache._NEUTRAL_FLAGS


@pytest.mark.parametrize("floatx", ["float64", "float32"])
def test_custom_policy_types_python_numbers_weakly(floatx):
    with config.change_flags(floatX=floatx):
        for dtype in DTYPES:
            x, _ = _operand(dtype)
            for lit in LITERALS:
                if isinstance(lit, int) and not isinstance(lit, bool) and lit < 0 and dtype[0] in "ub":
                    continue
                expected = np.result_type(np.zeros(1, dtype), lit)
                assert (x + lit).dtype == expected.name, (dtype, lit)
        assert at.constant(1.5).dtype == floatx
        assert at.constant([1.5, 2.0]).dtype == floatx


@pytest.mark.parametrize("floatx", ["float64", "float32"])
def test_numpy_floatx_policy_types_python_numbers_alone(floatx):
    with config.change_flags(floatX=floatx, cast_policy="numpy+floatX"):
        for dtype in DTYPES:
            x, _ = _operand(dtype)
            for lit in LITERALS:
                expected = _expected_numpy_floatx(np.dtype(dtype), _literal_dtype(lit))
                for op in OPS:
                    assert op(x, lit).dtype == expected.name, (op, dtype, lit)
                    assert op(lit, x).dtype == expected.name, (op, lit, dtype)
        assert at.constant(1.5).dtype == floatx
        assert at.constant(56).dtype == "int64"
        assert at.constant(np.float64(1.5)).dtype == "float64"  # a NumPy float is typed already
        assert at.constant([1.5, 2.0]).dtype == "float64"  # PyTensor: a list has NumPy's dtype
        assert at.constant([]).dtype == floatx


@pytest.mark.parametrize("floatx", ["float64", "float32"])
@pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "float32", "float64", "complex64"])
def test_numpy_floatx_literal_values_match_numpy(floatx, dtype):
    with config.change_flags(floatX=floatx, cast_policy="numpy+floatX"):
        x, values = _operand(dtype)
        outputs = [x + 1.5, 3 * x, x - 2, 2j * x]
        f = arignote.function([x], outputs)
        got = f(values)
    # NumPy on the literals as 0-d arrays of their policy dtypes (not weak)
    wants = [values + np.asarray(1.5, floatx), np.asarray(3) * values, values - np.asarray(2),
             np.asarray(2j) * values]
    for out, value, want in zip(outputs, got, wants):
        assert value.dtype == out.dtype
        np.testing.assert_allclose(value, want.astype(out.dtype), rtol=1e-6)


@pytest.mark.parametrize("floatx", ["float64", "float32", "float16"])
def test_variables_keep_a_narrow_floatx_under_numpy_floatx(floatx):
    narrow = np.dtype(floatx).itemsize < 8
    with config.change_flags(floatX=floatx, cast_policy="numpy+floatX"):
        for a in DTYPES:
            for b in DTYPES:
                if "bool" in (a, b):
                    continue
                got = (at.vector(dtype=a) * at.vector(dtype=b)).dtype
                want = np.result_type(a, b)
                explicit = max((np.dtype(d).itemsize for d in (a, b) if np.dtype(d).kind == "f"),
                               default=0)
                if narrow and want.kind == "f" and want.itemsize > np.dtype(floatx).itemsize \
                        and explicit <= np.dtype(floatx).itemsize:
                    want = np.dtype(floatx)
                assert got == want.name, (a, b)
                assert upcast(a, b) == want
        # a real-valued function of wide integers is float64 (PyTensor widens them first)...
        assert at.exp(at.lvector()).dtype == "float64"
        assert at.arctan2(at.lvector(), at.fvector()).dtype == "float64"
        # ...but true division types like * does
        assert (at.lvector() / at.fvector()).dtype == ("float64" if floatx == "float64" else "float32"
                                                       if floatx == "float32" else "float64")


def test_a_kept_float32_computes_numpys_values():
    with config.change_flags(floatX="float32", cast_policy="numpy+floatX"):
        x, y = at.lvector("x"), at.fvector("y")
        z = (x + y) * 2 - y / x
        assert z.dtype == "float32"
        f = arignote.function([x, y], [z, z.sum()])
    a = np.array([1, 5, -7])
    b = np.array([0.25, -1.5, 3.0], dtype="float32")
    want = (a + b.astype("float64")) * 2 - b / a
    out, total = f(a, b)
    assert out.dtype == "float32" and total.dtype == "float32"
    np.testing.assert_allclose(out, want, rtol=1e-6)
    np.testing.assert_allclose(total, want.sum(), rtol=1e-6)


def test_upcast_follows_numpy_outside_numpy_floatx():
    with config.change_flags(floatX="float32"):
        assert upcast("int64", "float32") == "float64"
    with config.change_flags(floatX="float32", cast_policy="numpy+floatX"):
        assert upcast("int64", "float32") == "float32"
        assert upcast("float64", "float32") == "float64"
        assert upcast("int8", "int16") == "int16"
    with config.change_flags(floatX="float16", cast_policy="numpy+floatX"):
        assert upcast("int16", "float16") == "float16"
        assert upcast("float32", "float16") == "float32"


BOUNDS = ("int8", "int32", "int64", "uint16", "float16", "float32", "float64")


@pytest.mark.parametrize("floatx", ["float64", "float32"])
def test_arange_dtype_under_numpy_floatx(floatx):
    with config.change_flags(floatX=floatx, cast_policy="numpy+floatX"):
        for a in BOUNDS:
            for b in BOUNDS:
                want = np.arange(np.array(0, a), np.array(1, b)).dtype
                if floatx == "float32" and want == np.float64 and "float64" not in (a, b):
                    want = np.dtype("float32")
                assert at.arange(at.scalar(dtype=a), at.scalar(dtype=b)).dtype == want.name, (a, b)
        assert at.arange(3).dtype == "int64"
        assert at.arange(2.5).dtype == floatx
        assert at.arange(at.iscalar()).dtype == "int64"


def test_arange_under_the_default_policy_is_unchanged():
    with config.change_flags(floatX="float32"):
        assert at.arange(at.fscalar()).dtype == "float64"
        assert at.arange(2.5).dtype == "float64"
        assert at.arange(at.iscalar()).dtype == "int64"


def test_arange_values_under_numpy_floatx():
    with config.change_flags(floatX="float32", cast_policy="numpy+floatX"):
        start, stop, step = at.fscalars("start", "stop", "step")
        out = at.arange(start, stop, step)
        assert out.dtype == "float32"
        f = arignote.function([start, stop, step], out)
        for bounds in [(0, 5, 1), (-5, 1.1, 1.2), (1.3, 2, -2.1), (10, 2, 2)]:
            args = np.asarray(bounds, dtype="float32")
            np.testing.assert_allclose(f(*args), np.arange(*args, dtype="float32"), rtol=3e-7)
        n = at.lscalar("n")
        g = arignote.function([n], at.arange(0.5, n))
        np.testing.assert_allclose(g(4), np.arange(0.5, 4, dtype="float32"))


INTS = ("bool", "int8", "uint8", "int16", "uint16", "int32", "int64")


@pytest.mark.parametrize("floatx", ["float64", "float32"])
def test_integer_true_division_is_floatx_under_either_policy(floatx):
    rng = np.random.default_rng(7)
    policy = "numpy+floatX" if floatx == "float32" else "custom"  # both policies are covered
    with config.change_flags(floatX=floatx, cast_policy=policy):
        pairs = [(a, b) for a in INTS for b in INTS]
        inputs, outputs = [], []
        for a, b in pairs:
            x, y = at.vector(dtype=a), at.vector(dtype=b)
            assert (x / y).dtype == floatx, (a, b)  # PyTensor: integer / integer is floatX
            assert (x / 3).dtype == floatx and (2 / y).dtype == floatx
            inputs += [x, y]
            outputs.append(x / y)
        f = arignote.function(inputs, outputs)
    values = []
    for a, b in pairs:
        values.append(rng.integers(0, 2, 8).astype(a) if a == "bool" else rng.integers(-50, 50, 8).astype(a))
        values.append(np.ones(8, b) if b == "bool" else rng.integers(1, 50, 8).astype(b))
    for out, got, x, y in zip(outputs, f(*values), values[::2], values[1::2]):
        # PyTensor divides in double and stores the result's dtype
        assert got.dtype == out.dtype
        np.testing.assert_array_equal(got, (x.astype("float64") / y).astype(got.dtype))


def test_integer_true_division_is_floatx_under_the_default_policy_too():
    with config.change_flags(floatX="float32"):
        assert (at.bvector() / at.bvector()).dtype == "float32"
        assert (at.lvector() / at.lvector()).dtype == "float32"
    assert (at.bvector() / at.bvector()).dtype == "float64"
    assert (at.lvector() / at.lvector()).dtype == "float64"
