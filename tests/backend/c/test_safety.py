"""Compiled code checks what it reads: bad shapes, dtypes and indices raise, never crash."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.backend.c.helpers import C, assert_close


def test_wrong_shapes_raise_naming_the_op_and_line():
    x, y = at.dvector("x"), at.dvector("y")
    f = arignote.function([x, y], at.exp(x) * y + 1, mode=C)
    with pytest.raises(ValueError, match=r"Composite\{.*\} \(built at .*test_safety.py:\d+\): operands "
                                         r"could not be broadcast together with shapes \(2,\) \(3,\)"):
        f(np.ones(2), np.ones(3))
    z = at.dmatrix("z")
    g = arignote.function([x, z], (x + z).sum(axis=0), mode=C)
    with pytest.raises(ValueError, match=r"\(4,\) \(2,3\)"):
        g(np.ones(4), np.ones((2, 3)))


@pytest.mark.parametrize("bad", [np.ones(3, dtype="float32"), np.ones(3, dtype="int64"), [1.0, 2.0, 3.0],
                                 np.ones((3, 1)), np.float64(1.0)])
def test_trusted_inputs_of_the_wrong_kind_raise(bad):
    x = at.dvector("x")
    f = arignote.function([x], at.exp(x) + 1, mode=C, trust_input=True)
    with pytest.raises((TypeError, ValueError)):
        f(bad)


def test_static_shapes_are_checked_before_reading(rng):
    x = at.tensor("x", dtype="float64", shape=(1,))
    y = at.dvector("y")
    f = arignote.function([x, y], x * y, mode=C, trust_input=True)
    assert_close(f(np.array([2.0]), np.arange(3.0)), np.arange(3.0) * 2)
    with pytest.raises(ValueError, match="input 0 has shape \\(5,\\), but its type says it has one element"):
        f(np.ones(5), np.ones(5))


def test_byteswapped_and_unaligned_inputs(rng):
    x = at.dvector("x")
    f = arignote.function([x], at.exp(x) * 2, mode=C, trust_input=True)
    value = rng.normal(size=10)
    swapped = value.astype(">f8")
    assert_close(f(swapped), np.exp(value) * 2)
    raw = np.zeros(10 * 8 + 1, dtype=np.uint8)
    unaligned = raw[1:].view(np.float64)
    unaligned[:] = value
    assert not unaligned.flags.aligned
    assert_close(f(unaligned), np.exp(value) * 2)


def test_python_steps_name_the_op():
    x = at.dvector("x")
    f = arignote.function([x], at.sort(x)[at.argmax(x) + 5], mode=C)
    with pytest.raises(IndexError, match=r"Subtensor.*built at .*test_safety.py"):
        f(np.arange(3.0))


def test_calls_from_several_threads(rng):
    x = at.dmatrix("x")
    f = arignote.function([x], (at.exp(x) * 2).sum(axis=1), mode=C)
    values = [rng.normal(size=(200, 300)) for _ in range(4)]
    expected = [np.exp(v).sum(axis=1) * 2 for v in values]
    errors = []

    def work(k):
        try:
            for _ in range(20):
                assert_close(f(values[k]), expected[k])
        except Exception as exc:  # collected: a thread's assertion would be lost otherwise
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_results_survive_later_calls(rng):
    # buffers are reused only inside one call: results handed out are never written again
    x = at.dvector("x")
    f = arignote.function([x], [at.exp(x) + 1, at.sin(x).sum()], mode=C)
    first = f(np.zeros(4))
    kept = [a.copy() for a in first]
    f(np.ones(4))
    for a, b in zip(first, kept):
        np.testing.assert_array_equal(a, b)


def test_inputs_are_never_written(rng):
    x = at.dvector("x")
    f = arignote.function([x], at.exp(x) * 3 + x, mode=C)
    value = rng.normal(size=100)
    copy = value.copy()
    f(value)
    np.testing.assert_array_equal(value, copy)
    read_only = value.copy()
    read_only.flags.writeable = False
    assert_close(f(read_only), np.exp(value) * 3 + value)
