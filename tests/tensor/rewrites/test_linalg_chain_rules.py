"""The rule of arignote/tensor/rewrites/linalg_chain.py: chains of matrix products in the
cheapest order where that provably costs less, values kept, linear cost in the chain."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.traversal import graph_inputs, toposort
from arignote.rewrite import optimize
from arignote.tensor.products import Dot, MatMul
from arignote.tensor.rewrites import linalg_chain
from arignote.tensor.rewrites.linalg_chain import MAX_FACTORS, dominated
from tests.tensor.rewrites.numerics_checks import assert_same_values, fired

DTYPES = ["float64", "float32"]
RULE = "matrix_chain_order"


def _rtol(dtype: str) -> float:
    return 1e-4 if dtype == "float32" else 1e-10


def _square(name: str, n, dtype: str = "float64") -> at.TensorVariable:
    return at.specify_shape(at.matrix(name, dtype=dtype), (n, n))


def _right_nested(out) -> bool:
    """Whether the last product's right operand is a product (``A @ (B @ v)``)."""
    final = optimize([out], exclude=["fusion"])[0]
    right = final.owner.inputs[1].owner
    return right is not None and isinstance(right.op, (Dot, MatMul))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matrix_vector_end_with_symbolic_n(dtype):
    n = at.iscalar("n")
    a, b = _square("a", n, dtype), _square("b", n, dtype)
    v = at.specify_shape(at.vector("v", dtype=dtype), (n,))
    out = a @ b @ v  # (a @ b) @ v: n³ + n², a @ (b @ v): 2n²
    assert RULE in fired(out)
    assert _right_nested(out)
    rng = np.random.default_rng(0)
    av, bv, vv = (rng.normal(size=s).astype(dtype) for s in ((5, 5), (5, 5), (5,)))
    got = arignote.function([a.owner.inputs[0], b.owner.inputs[0], v.owner.inputs[0], n], out)(av, bv, vv, 5)
    np.testing.assert_allclose(got, av @ bv @ vv, rtol=_rtol(dtype), atol=_rtol(dtype))


def test_same_matrix_twice_shares_its_lengths():
    # a @ a @ w: the contraction makes all lengths one symbol, without specify_shape
    a, w = at.matrix("a"), at.vector("w")
    assert RULE in fired(a @ a @ w)
    assert RULE not in fired(w @ a @ a)  # a row vector first: (w @ a) @ a is already best
    assert RULE in fired(w @ (a @ a))
    assert not _right_nested(w @ (a @ a))


@pytest.mark.parametrize("dtype", DTYPES)
def test_static_shapes(dtype):
    x = at.matrix("x", dtype=dtype, shape=(1000, 2))
    y = at.matrix("y", dtype=dtype, shape=(2, 1000))
    z = at.matrix("z", dtype=dtype, shape=(1000, 5))
    out = x @ y @ z  # 2e6 + 5e6 multiplications, against 1e4 + 1e4 for x @ (y @ z)
    assert RULE in fired(out)
    assert _right_nested(out)
    rng = np.random.default_rng(1)
    values = [rng.normal(size=s).astype(dtype) for s in ((1000, 2), (2, 1000), (1000, 5))]
    got = assert_same_values([x, y, z], out, *values, rtol=_rtol(dtype))
    want = values[0].astype("float64") @ values[1] @ values[2]
    np.testing.assert_allclose(got, want, rtol=_rtol(dtype), atol=_rtol(dtype) * 100)


def test_no_rewrite_when_the_order_is_best():
    x = at.matrix("x", shape=(5, 1000))
    y = at.matrix("y", shape=(1000, 2))
    z = at.matrix("z", shape=(2, 1000))
    assert RULE not in fired(x @ y @ z)  # (x @ y) @ z is the cheap order
    n = at.iscalar("n")
    a, b, c = _square("a", n), _square("b", n), _square("c", n)
    assert RULE not in fired(a @ b @ c)  # every order costs 2n³


def test_no_rewrite_when_costs_cannot_be_compared():
    # independent lengths: a @ (b @ v) is cheaper for some and dearer for others
    a, b, v = at.matrix("a"), at.matrix("b"), at.vector("v")
    assert RULE not in fired(a @ b @ v)
    # mixed dtypes: each order would round (and promote) differently
    c = at.matrix("c", dtype="float32")
    n = at.iscalar("n")
    assert RULE not in fired(_square("a", n) @ at.specify_shape(c, (n, n)) @ at.specify_shape(v, (n,)))


def test_a_product_used_elsewhere_stays_a_factor():
    n = at.iscalar("n")
    a, b = _square("a", n), _square("b", n)
    v = at.specify_shape(at.vector("v"), (n,))
    ab = a @ b
    assert RULE not in fired([ab @ v, ab])  # a @ b is computed anyway


def test_dominated():
    n, m = ("n", 0), ("n", 1)
    assert dominated({(n, n): 2}, {(n, n, n): 1, (n, n): 1})
    assert not dominated({(n, n): 2}, {(n, n): 2})               # equal: no gain
    assert not dominated({(n,): 1, (m,): 1}, {(n, m): 1, (): 1})  # n + m vs n m + 1: n = 1
    assert dominated({(): 20000}, {(): 7000000})
    assert not dominated({(n, n, n): 1}, {(n, n): 5})            # n³ vs 5 n²


@pytest.mark.parametrize("dtype", DTYPES)
def test_longer_chain_values(dtype):
    rng = np.random.default_rng(2)
    shapes = [(30, 2), (2, 40), (40, 3), (3, 50), (50,)]
    xs = [at.tensor(f"x{k}", dtype=dtype, shape=s) for k, s in enumerate(shapes)]
    out = xs[0]
    for x in xs[1:]:
        out = out @ x
    assert RULE in fired(out)
    values = [rng.normal(size=s).astype(dtype) for s in shapes]
    got = assert_same_values(xs, out, *values, rtol=_rtol(dtype))
    want = np.linalg.multi_dot([v.astype("float64") for v in values])
    np.testing.assert_allclose(got, want, rtol=_rtol(dtype) * 10, atol=_rtol(dtype) * 10)


def test_batched_matmul():
    rng = np.random.default_rng(3)
    a = at.tensor("a", shape=(4, 100, 2))
    b = at.tensor("b", shape=(4, 2, 100))
    c = at.tensor("c", shape=(4, 100, 3))
    out = at.matmul(at.matmul(a, b), c)
    assert RULE in fired(out)
    values = [rng.normal(size=x.type.shape) for x in (a, b, c)]
    got = assert_same_values([a, b, c], out, *values)
    np.testing.assert_allclose(got, values[0] @ values[1] @ values[2], rtol=1e-10)


def test_gemm_still_made_after_reassociation():
    x = at.matrix("x", shape=(1000, 2))
    y = at.matrix("y", shape=(2, 1000))
    z = at.matrix("z", shape=(1000, 5))
    w = at.matrix("w", shape=(1000, 5))
    out = w + 2.0 * (x @ y @ z)
    ops = [type(n.op).__name__ for n in toposort(optimize([out]))]
    assert "Gemm" in ops, ops
    rng = np.random.default_rng(4)
    values = [rng.normal(size=v.type.shape) for v in (x, y, z, w)]
    assert_same_values([x, y, z, w], out, *values, rtol=1e-9)


@pytest.fixture
def factors_read(monkeypatch):
    """How many factors the rule reads over a whole rewrite."""
    count = {"factors": 0}
    original = linalg_chain._factors

    def counting(var, links, out):
        before = len(out)
        original(var, links, out)
        count["factors"] += len(out) - before
    monkeypatch.setattr(linalg_chain, "_factors", counting)
    return count


def _long_chain(k: int):
    n = at.iscalar("n")
    mats = [_square(f"a{i}", n) for i in range(k)]
    out = mats[0]
    for m in mats[1:]:
        out = out @ m
    return out @ at.specify_shape(at.vector("v"), (n,))


def test_long_chain_costs_linear_time(factors_read):
    """Doubling the chain doubles the factors read; each chain holds MAX_FACTORS at most."""
    reads = []
    for k in (100, 200):
        out = _long_chain(k)
        assert RULE in fired(out)  # the last MAX_FACTORS factors: matrix-vector products
        factors_read["factors"] = 0
        optimize([out])
        reads.append(factors_read["factors"])
    assert reads[1] <= 2 * reads[0] + 10, reads
    assert reads[0] <= 3 * 100, reads


def test_long_chain_values():
    out = _long_chain(40)
    rng = np.random.default_rng(5)
    n = 4
    mats = [np.eye(n) + 0.1 * rng.normal(size=(n, n)) for _ in range(40)]
    vec = rng.normal(size=n)
    values = {f"a{i}": m for i, m in enumerate(mats)} | {"v": vec, "n": np.int32(n)}
    inputs = graph_inputs([out])
    got = arignote.function(inputs, out)(*[values[x.name] for x in inputs])
    np.testing.assert_allclose(got, np.linalg.multi_dot([*mats, vec]), rtol=1e-10)


def test_chain_is_cut_every_max_factors():
    # the last chain (at most MAX_FACTORS factors) ends with the vector: its products become
    # matrix-vector ones; the chains before it are products of square matrices, best as they are
    out = _long_chain(3 * MAX_FACTORS)
    final = optimize([out], exclude=["fusion"])[0]
    products = [n for n in toposort([final]) if isinstance(n.op, Dot)]
    assert len(products) == 3 * MAX_FACTORS
    vector_products = [n for n in products if n.outputs[0].type.ndim == 1]
    assert 2 <= len(vector_products) < MAX_FACTORS
