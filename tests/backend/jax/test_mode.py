"""The JAX mode: the same programs as on the py backend, shared variables, updates, rewrites."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import numpy as np  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import arignote  # noqa: E402
import arignote.tensor as at  # noqa: E402
from arignote.backend.jax.linker import JaxProgram  # noqa: E402
from arignote.compile.mode import get_mode  # noqa: E402
from arignote.graph.traversal import toposort  # noqa: E402
from arignote.tensor.blas import Gemm  # noqa: E402
from arignote.tensor.composite import Composite  # noqa: E402
from arignote.tensor.elemwise import Elemwise  # noqa: E402

JAX = arignote.Mode(linker="jax")


def both(inputs, outputs, *values, **kwargs):
    """The outputs on the py and the JAX backends."""
    py = arignote.function(inputs, outputs, mode="PY", **kwargs)(*values)
    jx = arignote.function(inputs, outputs, mode="JAX", **kwargs)(*values)
    return py, jx


def assert_same(py, jx, rtol=1e-12):
    py, jx = (py, jx) if isinstance(py, list) else ([py], [jx])
    for a, b in zip(py, jx):
        assert isinstance(b, np.ndarray) and b.flags.writeable
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=rtol, atol=1e-14, equal_nan=True)


def test_the_name_and_the_mode():
    assert get_mode("JAX") == arignote.Mode("jax", "fast_run")
    x = at.vector("x")
    f = arignote.function([x], x * 2, mode="JAX")
    assert isinstance(f.program, JaxProgram)
    np.testing.assert_array_equal(f(np.arange(3.0)), [0.0, 2.0, 4.0])


def test_a_logistic_regression_matches_py(rng):
    X, y = at.matrix("X"), at.vector("y")
    w, b = at.vector("w"), at.scalar("b")
    p = at.sigmoid(X @ w + b)
    loss = -(y * at.log(p) + (1 - y) * at.log1p(-p)).mean() + 0.01 * (w ** 2).sum()
    values = (rng.normal(size=(50, 4)), (rng.random(50) < 0.5).astype(float), rng.normal(size=4),
              np.array(0.3))
    assert_same(*both([X, y, w, b], [loss, p, p.argmax(), X.T @ (p - y)], *values))


def test_shared_variables_and_updates():
    x = at.vector("x")
    W = arignote.shared(np.ones((3, 3)), name="W")
    count = arignote.shared(np.int64(0), name="count")
    cost = at.tanh(W @ x).sum()
    f = arignote.function([x], cost, updates={W: W * 0.5, count: count + 1}, mode="JAX")
    first = f(np.ones(3))
    np.testing.assert_allclose(first, 3 * np.tanh(3.0))
    np.testing.assert_array_equal(W.get_value(), np.full((3, 3), 0.5))
    assert f(np.ones(3)) == pytest.approx(3 * np.tanh(1.5))
    assert count.get_value() == 2
    W.set_value(np.zeros((3, 3)))  # a new value is read at the next call
    assert f(np.ones(3)) == 0.0
    assert isinstance(W.get_value(), np.ndarray)


def test_keyword_arguments_and_givens():
    x, y = at.vector("x"), at.vector("y")
    f = arignote.function([x, y], x - y, mode="JAX")
    np.testing.assert_array_equal(f(y=np.ones(2), x=np.zeros(2)), [-1.0, -1.0])
    z = at.vector("z")
    g = arignote.function([z], x * 2, givens={x: z + 1}, mode="JAX")
    np.testing.assert_array_equal(g(np.zeros(2)), [2.0, 2.0])


def test_outputs_never_share_memory_with_inputs():
    x = at.vector("x")
    f = arignote.function([x], [x, x, x[::-1]], mode="JAX")
    value = np.arange(3.0)
    a, b, c = f(value)
    a[0] = 100.0
    assert b[0] == 0.0 and value[0] == 0.0 and c.flags.writeable


def test_one_compilation_per_input_signature():
    x = at.vector("x")
    f = arignote.function([x], at.exp(x).sum(), mode="JAX")
    for n in (3, 3, 3, 4, 4):
        f(np.ones(n))
    assert f.program.jitted._cache_size() == 2


def test_shapes_are_static_while_tracing(rng):
    # reshape, alloc and arange sized by other arrays' shapes: known while JAX traces
    x, m = at.vector("x"), at.matrix("m")
    n = x.shape[0]
    out = [at.zeros((n, 2)) + 1, at.arange(n) * 2, m.reshape((m.shape[0] * m.shape[1],)),
           at.eye(n), x[: n // 2], at.concatenate([x, x])[n:], at.tile(x, (2,))]
    assert_same(*both([x, m], out, rng.normal(size=5), rng.normal(size=(2, 3))))


def test_rewrites_skip_fusion_and_blas():
    x, y, z = at.matrix("x"), at.matrix("y"), at.matrix("z")
    out = at.exp(z + 1) * 2 + x @ y
    f = arignote.function([x, y, z], out, mode="JAX")
    ops = [node.op for node in toposort(f.graph_outputs)]
    assert not any(isinstance(op, Gemm) for op in ops)
    assert not any(isinstance(getattr(op, "scalar_op", None), Composite) for op in ops)
    py = arignote.function([x, y, z], out, mode="PY")
    assert any(isinstance(op, Gemm) or isinstance(getattr(op, "scalar_op", None), Composite)
               for op in (n.op for n in toposort(py.graph_outputs)))


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "int16"), ("int8", "uint8"),
                                    ("float16", "int16"), ("int32", "bool")])
def test_composites_built_by_fusion_run_on_jax(rng, dtypes):
    def body(a, b):
        return [at.exp(-(a * a)) + at.sin(b) * 2, at.maximum(a, b) * 3]
    composite = Composite.from_function(body, dtypes)
    x, y = at.tensor("x", dtype=dtypes[0], shape=(None, None)), at.tensor("y", dtype=dtypes[1], shape=(None,))
    outs = Elemwise(composite)(x, y)
    a = (rng.normal(size=(3, 4)) * 3).astype(dtypes[0])
    b = (rng.normal(size=4) * 3).astype(dtypes[1])
    py, jx = both([x, y], outs, a, b)
    for p, j in zip(py, jx):
        assert p.dtype == j.dtype
        # a real function of a bool or 8/16-bit integer computes in float32 whatever the
        # output dtype, and XLA's float32 sin/exp may differ from NumPy's by an ulp or two:
        # a few float32 ulps then, else the output dtype's (float16 outputs: 1e-3)
        narrow = p.dtype.itemsize <= 4 or min(np.dtype(d).itemsize for d in dtypes) <= 2
        np.testing.assert_allclose(j, p, rtol=1e-3 if p.dtype.itemsize <= 2 else
                                   8 * np.finfo(np.float32).eps if narrow else 1e-12)


def test_fused_graphs_from_the_default_rewrites_run_on_jax(rng):
    # a graph rewritten for the py backend (with fusion) linked by the JAX linker
    x, y = at.vector("x"), at.vector("y")
    out = at.exp(-x ** 2) * at.sin(y) + at.log1p(at.exp(x))
    rewritten = arignote.function([x, y], out, mode="PY").graph_outputs
    assert any(isinstance(getattr(n.op, "scalar_op", None), Composite) for n in toposort(rewritten))
    program = JaxProgram([x, y], rewritten)
    a, b = rng.normal(size=7), rng.normal(size=7)
    np.testing.assert_allclose(program.run(a, b)[0], np.exp(-a ** 2) * np.sin(b) + np.log1p(np.exp(a)),
                               rtol=1e-13)


UNARY = ["exp", "log1p", "tanh", "sigmoid", "softplus", "erf", "gammaln", "sqrt", "abs", "neg", "sqr"]
BINARY = ["add", "sub", "mul", "true_div", "maximum", "minimum", "arctan2", "pow"]


@st.composite
def programs(draw):
    """A random elementwise program over two inputs, with broadcasting."""
    n_nodes = draw(st.integers(1, 8))
    pool = ["x", "y"]
    steps = []
    for _ in range(n_nodes):
        if draw(st.booleans()):
            steps.append(("u", draw(st.sampled_from(UNARY)), draw(st.sampled_from(pool))))
        else:
            steps.append(("b", draw(st.sampled_from(BINARY)), draw(st.sampled_from(pool)),
                          draw(st.sampled_from(pool))))
        pool.append(len(steps) - 1)
    return steps


@given(programs(), st.sampled_from(["float64", "float32"]))
def test_random_programs_agree_with_py(steps, dtype):
    x = at.tensor("x", dtype=dtype, shape=(None, None))
    y = at.tensor("y", dtype=dtype, shape=(None,))
    values = {"x": x, "y": y}
    results = []
    for k, step in enumerate(steps):
        if step[0] == "u":
            fn = getattr(at, step[1])
            arg = values[step[2]]
            out = fn(at.abs(arg) + 0.5 if step[1] in ("sqrt", "gammaln") else arg)
        else:
            a, b = values[step[2]], values[step[3]]
            out = (at.pow(at.abs(a) + 0.5, at.clip(b, -2, 2)) if step[1] == "pow"
                   else getattr(at, step[1])(a, b))
        values[k] = out
        results.append(out)
    rng = np.random.default_rng(len(steps))
    a = rng.uniform(-2, 2, size=(3, 4)).astype(dtype)
    b = rng.uniform(0.5, 2, size=4).astype(dtype)
    py, jx = both([x, y], results, a, b, on_unused_input="ignore")
    for p, j in zip(py, jx):
        assert p.dtype == j.dtype and p.shape == j.shape
        # chains of up to 8 ops amplify rounding (a difference of close values): the tolerance
        # is relative to the largest magnitude of the output
        finite = np.abs(p[np.isfinite(p)])
        scale = float(finite.max()) if finite.size else 1.0
        eps = 1e-4 if dtype == "float32" else 1e-11
        np.testing.assert_allclose(j, p, rtol=eps * 10, atol=eps * scale, equal_nan=True)
