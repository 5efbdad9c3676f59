"""PyTensor's Scan converted into arignote's loop (arignote/interop/pytensor/scan.py).

Each graph is evaluated three ways: ``arignote.function`` of ``from_pytensor``'s graph,
``pytensor.function`` with arignote's Mode (the linker converts the same graph), and PyTensor's
own ``pytensor.function``, on random inputs.  Tolerances: both libraries do the same float
operations in the same order per step (sums, products, ``tanh``, ``dot`` of a few terms);
libm/BLAS may differ by an ulp or two per operation, and the recurrences here are contracting
(|derivative| <= 1, weights scaled by 0.3) or short (Fibonacci, 12 steps), so the error stays
within ~steps * ulps: 1e-12 relative in float64 and 1e-5 in float32 (eps 6e-8, times ~20
steps and the growth of Fibonacci's terms).  The gradients (PyTensor's ``pt.grad`` graphs,
with mit-mot states) are the same sums run backwards, same bound; one of them is also checked
against central finite differences (error O(h^2) ~ 1e-10 for h = 1e-5 on terms of order 1,
plus rounding eps/h ~ 1e-11: 1e-6 relative).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
import scipy.stats  # noqa: E402
from pytensor.scan.op import Scan  # noqa: E402
from pytensor.scan.utils import until  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor, mode  # noqa: E402
from arignote.loop.op import Loop  # noqa: E402

RTOL = {"float64": 1e-12, "float32": 1e-5, "int64": 0, "int32": 0}
BACKENDS = ["c", "py", pytest.param("jax", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]
MODES = {"c": "FAST_RUN", "py": "PY", "jax": "JAX"}
RNG = np.random.default_rng(3318)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(3318)


def _scan(*args, **kwargs):
    return pytensor.scan(*args, return_updates=False, **kwargs)


def _has_scan(outputs):
    fgraph = pytensor.graph.fg.FunctionGraph(outputs=outputs, clone=False)
    return any(isinstance(n.op, Scan) for n in fgraph.toposort())


def _compare(inputs, outputs, values, backend="c", rtol=1e-12, pytensor_rewrites=None):
    """The converted graph, the linker and PyTensor agree (dtype, shape, values)."""
    assert _has_scan(outputs)
    converted = from_pytensor(outputs, inputs)
    loops = [n for n in arignote.graph.traversal.toposort(converted.outputs) if isinstance(n.op, Loop)]
    assert loops  # the scan became a loop
    got = arignote.function(converted.inputs, converted.outputs, mode=MODES[backend])(*values)
    linked = pytensor.function(inputs, outputs, mode=mode(backend, pytensor_rewrites))(*values)
    want = pytensor.function(inputs, outputs)(*values)
    for g, k, w in zip(got, linked, want, strict=True):
        w = np.asarray(w)
        for value in (np.asarray(g), np.asarray(k)):
            assert value.dtype == w.dtype and value.shape == w.shape
            np.testing.assert_allclose(value, w, rtol=rtol, atol=0)
    return want


def _values(dtype, *shapes):
    out = []
    for shape in shapes:
        if dtype.startswith("int"):
            out.append(RNG.integers(-5, 6, size=shape).astype(dtype))
        else:
            out.append(RNG.normal(size=shape).astype(dtype))
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("row", [(), (3,), (1, 4)], ids=["scalar", "vector", "matrix"])
def test_cumulative_sum(dtype, row, backend):
    x = pt.tensor("x", dtype=dtype, shape=(None, *row))
    h0 = pt.tensor("h0", dtype=dtype, shape=(None,) * len(row))
    ys = _scan(lambda xt, h: h + xt, sequences=[x], outputs_info=[h0])
    outputs = [ys]
    if dtype.startswith("float"):
        outputs += pt.grad((ys ** 2).sum(), [x, h0])
    # h0 of shape (4, 4) against rows (1, 4): PyTensor broadcasts the step's sum to (4, 4)
    x_value, h_value = _values(dtype, (7, *row), tuple(4 if d == 1 else d for d in row))
    if row == (1, 4):
        h_value = h_value[:1]  # a carry keeps its shape: (1, 4)
    want = _compare([x, h0], outputs, [x_value, h_value], backend, RTOL[dtype])
    np.testing.assert_allclose(want[0], h_value + np.cumsum(x_value, axis=0), rtol=max(RTOL[dtype], 1e-6))


def _rnn(dtype="float64"):
    x = pt.tensor("x", dtype=dtype, shape=(None, 3))
    h0 = pt.tensor("h0", dtype=dtype, shape=(4,))
    w = pt.tensor("w", dtype=dtype, shape=(4, 4))
    u = pt.tensor("u", dtype=dtype, shape=(3, 4))
    b = pt.tensor("b", dtype=dtype, shape=(4,))

    def step(xt, h, w, u, b):
        return pt.tanh(h @ w + xt @ u + b)

    hs = _scan(step, sequences=[x], outputs_info=[h0], non_sequences=[w, u, b])
    return [x, h0, w, u, b], hs


def _rnn_values(dtype="float64", steps=9):
    x, h0, w, u, b = _values(dtype, (steps, 3), (4,), (4, 4), (3, 4), (4,))
    return [x, h0, (0.3 * w).astype(dtype), (0.3 * u).astype(dtype), b]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rnn_with_non_sequences_and_its_gradient(dtype, backend):
    inputs, hs = _rnn(dtype)
    loss = (hs[-1] ** 2).sum() + hs.sum()
    _compare(inputs, [hs, *pt.grad(loss, inputs)], _rnn_values(dtype), backend, RTOL[dtype])


def test_rnn_gradient_against_finite_differences():
    inputs, hs = _rnn()
    loss = (hs[-1] ** 2).sum() + hs.sum()
    converted = from_pytensor([loss, *pt.grad(loss, inputs)], inputs)
    f = arignote.function(converted.inputs, converted.outputs)
    values = _rnn_values()
    _, *grads = f(*values)
    h = 1e-5
    for k, (value, grad) in enumerate(zip(values, grads, strict=True)):
        fd = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = [v.copy() for v in values], [v.copy() for v in values]
            up[k][index] += h
            down[k][index] -= h
            fd[index] = (f(*up)[0] - f(*down)[0]) / (2 * h)
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_fibonacci_taps(dtype, backend):
    init = pt.tensor("init", dtype=dtype, shape=(None,))
    # JAX needs the number of steps while tracing: a constant there, an input elsewhere
    n = pt.constant(np.int32(12)) if backend == "jax" else pt.iscalar("n")
    fib = _scan(lambda a, b: a + b, outputs_info=[{"initial": init, "taps": [-2, -1]}], n_steps=n)
    outputs = [fib]
    if dtype.startswith("float"):
        outputs.append(pt.grad(fib.sum(), init))
    value = np.array([1, 1], dtype=dtype) if dtype == "int32" else _values(dtype, (2,))[0]
    inputs, values = ([init], [value]) if backend == "jax" else ([init, n], [value, np.int32(12)])
    want = _compare(inputs, outputs, values, backend, RTOL[dtype])
    if dtype == "int32":
        np.testing.assert_array_equal(want[0][:5], [2, 3, 5, 8, 13])


@pytest.mark.parametrize("backend", BACKENDS)
def test_taps_with_a_gap_and_sequence_taps(backend):
    # an output reading 3 and 1 steps back (a carry in between that no tap reads), and a
    # sequence read at t-1, t and t+2
    x = pt.dvector("x")
    init = pt.dmatrix("init")
    k = pt.dvector("k")

    def step(x_m1, x_0, x_p2, y_m3, y_m1, k):
        return 0.5 * y_m3 - 0.3 * y_m1 + k * (x_m1 + 2 * x_0 - x_p2)

    ys = _scan(step, sequences=[{"input": x, "taps": [-1, 0, 2]}],
               outputs_info=[{"initial": init, "taps": [-3, -1]}], non_sequences=[k])
    outputs = [ys, *pt.grad((ys ** 2).sum(), [x, init, k])]
    _compare([x, init, k], outputs, _values("float64", (10,), (3, 2), (2,)), backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_while_loop(backend):
    x0 = pt.dscalar("x0")
    limit = pt.dscalar("limit")

    def step(x, limit):
        new = x * 1.5 + 0.25
        return new, until(new > limit)

    xs = _scan(step, outputs_info=[x0], non_sequences=[limit], n_steps=50)
    if backend == "jax":
        # the buffer's length depends on the values, and JAX must know every shape while
        # tracing: refused with an error that says so (even for xs[-1], read through the buffer)
        converted = from_pytensor([xs[-1]], [x0, limit])
        with pytest.raises(Exception, match="until"):
            arignote.function(converted.inputs, converted.outputs, mode="JAX")
        return
    for start, stop in [(1.0, 20.0), (1.0, 1e300), (30.0, 20.0)]:  # stops early; never; at once
        want = _compare([x0, limit], [xs, xs.shape[0]], [np.float64(start), np.float64(stop)], backend)
    assert want[1] == 1 and want[0][0] == 30.0 * 1.5 + 0.25  # one step, then stopped


@pytest.mark.parametrize("backend", BACKENDS)
def test_nit_sot_outputs(backend):
    x = pt.dmatrix("x")
    h0 = pt.dvector("h0")

    def step(xt, h):
        new = h + xt
        return new, (xt ** 2).sum(), pt.cast(new > 0, "int8")  # sit-sot, two nit-sots

    h, sq, positive = _scan(step, sequences=[x], outputs_info=[h0, None, None])
    doubled = _scan(lambda xt: 2 * xt, sequences=[x])  # a map: nit-sot only
    outputs = [h, sq, positive, doubled, *pt.grad(sq.sum() + h.sum() + doubled.sum(), [x, h0])]
    _compare([x, h0], outputs, _values("float64", (6, 3), (3,)), backend)


@pytest.mark.parametrize("backend", ["c", "py"])
def test_zero_steps(backend):
    h0 = pt.dvector("h0")
    n = pt.lscalar("n")
    ys, zs = _scan(lambda h: [h * 2, h.sum()], outputs_info=[h0, None], n_steps=n)
    converted = from_pytensor([ys, zs], [h0, n])
    f = arignote.function(converted.inputs, converted.outputs, mode=MODES[backend])
    value = np.array([1.0, 2.0])
    got_ys, got_zs = f(value, np.int64(0))
    want_ys, want_zs = pytensor.function([h0, n], [ys, zs])(value, np.int64(0))
    assert got_ys.shape == want_ys.shape == (0, 2) and got_zs.shape == want_zs.shape == (0,)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nested_scan(backend):
    x = pt.dmatrix("x")

    def row_cumprod(row):
        return _scan(lambda v, acc: acc * v, sequences=[row], outputs_info=[pt.constant(np.float64(1.0))])

    def step(row, total):
        return total + row_cumprod(row)

    totals = _scan(step, sequences=[x], outputs_info=[pt.zeros(x.shape[1])])
    outputs = [totals, pt.grad(totals.sum(), x)]
    _compare([x], outputs, [RNG.uniform(0.5, 1.5, size=(4, 5))], backend)


@pytest.mark.parametrize("backend", ["c", "py"])
def test_pytensor_rewritten_buffers(backend):
    # PyTensor's rewrites change the Scan nodes before the linker converts them (buffers
    # shrunk to the rows read, inner graphs fused into Composites, in-place flags)
    inputs, hs = _rnn()
    init = pt.dvector("init")
    fib = _scan(lambda a, b: a * 0.5 + b, outputs_info=[{"initial": init, "taps": [-2, -1]}], n_steps=7)
    outputs = [hs[-1], hs[-2], fib[-1]]
    values = [*_rnn_values(), RNG.normal(size=2)]
    linked = pytensor.function([*inputs, init], outputs, mode=mode(backend, "fast_run"))(*values)
    want = pytensor.function([*inputs, init], outputs)(*values)
    for k, w in zip(linked, want, strict=True):
        np.testing.assert_allclose(k, w, rtol=1e-12)


def _buffer_cases():
    """Scan nodes applied to buffers of other lengths than ``scan`` makes (PyTensor's rewrites
    make such nodes): (inputs, output, values for each (buffer rows, steps) case)."""
    x, h0, extra, n = pt.dvector("x"), pt.dvector("h0"), pt.lscalar("extra"), pt.lscalar("n")

    def step(xt, h):
        new = h * 0.9 + xt
        return new, until(new > 3.0)

    def step2(xt, a, b):
        return 0.5 * a + b + xt

    while_node = _scan(step, sequences=[x], outputs_info=[h0[0]]).owner.inputs[0].owner
    taps_node = _scan(step2, sequences=[x], outputs_info=[{"initial": h0, "taps": [-2, -1]}]
                      ).owner.inputs[0].owner
    # the buffer: the initial rows then `extra` rows (PyTensor reads only the initial rows)
    yield ([x, h0, extra, n], while_node.op(n, x, pt.concatenate([h0[:1], pt.zeros(extra)])),
           [(2, 8), (12, 8), (9, 9), (3, 3), (0, 0)])
    yield ([x, h0, extra, n], taps_node.op(n, x, pt.concatenate([h0[:2], pt.zeros(extra)])),
           [(3, 8), (12, 8), (8, 8), (0, 0)])


@pytest.mark.parametrize("backend", ["c", "py"])
def test_buffers_of_other_lengths(backend):
    # PyTensor keeps a shorter buffer circular and returns its last rows in order; a longer one
    # gets zeros after the last step, and a while loop that stops early returns n_steps - done
    # rows fewer (its Python implementation, FAST_COMPILE: its other backends disagree on that
    # last case and return the rows computed)
    xv = np.linspace(0.1, 1.0, 10)
    for inputs, output, cases in _buffer_cases():
        converted = from_pytensor([output], inputs)
        f = arignote.function(converted.inputs, converted.outputs, mode=MODES[backend])
        reference = pytensor.function(inputs, output, mode="FAST_COMPILE")
        for extra, steps in cases:
            values = [xv, np.array([0.5, -0.25]), np.int64(extra), np.int64(steps)]
            got, want = f(*values)[0], reference(*values)
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Scan return signature will change:DeprecationWarning")
@pytest.mark.parametrize("backend", ["c", "py"])
def test_shared_variable_updated_by_the_step(backend):
    # a shared tensor the step updates is an untraced state: its final value is an output
    total = pytensor.shared(np.zeros(3), name="total")
    x = pt.dmatrix("x")
    ys, updates = pytensor.scan(lambda xt: ((xt * total).sum(), {total: total + xt}), sequences=[x],
                                return_updates=True)
    values = RNG.normal(size=(5, 3))
    converted = from_pytensor([ys, updates[total]], [x])
    got = arignote.function(converted.inputs, converted.outputs, mode=MODES[backend])(values)
    want = pytensor.function([x], [ys, updates[total]])(values)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    np.testing.assert_allclose(got[1], values.sum(axis=0), rtol=1e-12)
    f = pytensor.function([x], ys, updates=updates, mode=mode(backend))
    f(values)
    np.testing.assert_allclose(total.get_value(), values.sum(axis=0), rtol=1e-12)


def _random_walk():
    rng = pytensor.shared(np.random.default_rng(7), name="rng")
    x0 = pt.dscalar("x0")

    def step(x, rng):
        next_rng, draw = pt.random.normal(x, 1.0, rng=rng, return_next_rng=True)
        return draw, next_rng

    walk, last_rng = _scan(step, outputs_info=[x0, rng], n_steps=2000)
    return rng, x0, walk, last_rng


@pytest.mark.parametrize("backend", ["c", "py"])
def test_random_draws_same_numbers(backend):
    # the generator is an untraced state: each step draws new numbers, from NumPy's generator
    # as PyTensor does, so the same seed gives the same walk
    rng, x0, walk, last_rng = _random_walk()
    converted = from_pytensor([walk, last_rng], [x0])
    got, got_rng = arignote.function(converted.inputs, converted.outputs, mode=MODES[backend])(0.5)
    want = pytensor.function([x0], walk, mode="FAST_COMPILE")(0.5)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert len(np.unique(np.diff(got))) == got.size - 1  # new numbers at each step
    # the final generator is the output: the next call goes on from there
    expected_rng = np.random.default_rng(7)
    expected_rng.standard_normal(2000)
    assert got_rng.bit_generator.state == expected_rng.bit_generator.state
    # through the linker, with the update of the shared generator
    f = pytensor.function([x0], walk, updates={rng: last_rng}, mode=mode(backend))
    rng.set_value(np.random.default_rng(7))
    first, second = f(0.5), f(0.5)
    np.testing.assert_allclose(first, want, rtol=1e-12)
    assert not np.allclose(first, second)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
def test_random_draws_jax_follow_the_distribution():
    # JAX draws from its own keys: the steps of the walk are N(0, 1), independent (a KS test
    # at the 1e-3 level with a fixed seed, and the lag-1 correlation within 4 standard errors)
    _, x0, walk, _ = _random_walk()
    converted = from_pytensor([walk], [x0])
    got = arignote.function(converted.inputs, converted.outputs, mode="JAX")(0.5)[0]
    steps = np.diff(np.concatenate([[0.5], got]))
    assert got.shape == (2000,)
    assert scipy.stats.kstest(steps, "norm").pvalue > 1e-3
    assert abs(np.corrcoef(steps[:-1], steps[1:])[0, 1]) < 4 / np.sqrt(steps.size)


def test_unsupported_inner_op_is_named():
    x = pt.dvector("x")

    class Odd(pytensor.graph.op.Op):
        def make_node(self, v):
            return pytensor.graph.basic.Apply(self, [v], [v.type()])

        def perform(self, node, inputs, outputs):
            outputs[0][0] = inputs[0]

    ys = _scan(lambda xt: Odd()(xt), sequences=[x])
    with pytest.raises(NotImplementedError, match="Odd"):
        from_pytensor([ys], [x])


@pytest.mark.filterwarnings("ignore:Scan return signature will change:DeprecationWarning")
def test_pymc_scan_models_logp_and_gradient():
    # PyMC derives the log-density of a scan-defined distribution as another scan, and its
    # gradient (mit-mot) through pt.grad; values of order 100: 1e-10 relative as in
    # test_pymc_models.py (a few ulps per operation over ~30 steps)
    pm = pytest.importorskip("pymc")
    from pymc.pytensorf import collect_default_updates

    y = np.cumsum(RNG.normal(size=30)) * 0.3

    def ar_dist(init, rho, sigma, n_steps, size):
        def step(x_tm2, x_tm1, rho, sigma):
            x = x_tm1 * rho[0] + x_tm2 * rho[1] + pm.Normal.dist(sigma=sigma)
            return x, collect_default_updates([x])

        return pytensor.scan(step, outputs_info=[{"initial": init, "taps": [-2, -1]}],
                             non_sequences=[rho, sigma], n_steps=n_steps, strict=True,
                             return_updates=True)[0]

    with pm.Model() as ar2:
        rho = pm.Normal("rho", 0, 0.2, size=2)
        sigma = pm.HalfNormal("sigma", 0.2)
        init = pm.Normal("init", size=2)
        pm.CustomDist("ar", init, rho, sigma, 30, dist=ar_dist, observed=y)
    with pm.Model() as latent:
        rho = pm.Uniform("rho", -1, 1)
        sigma = pm.HalfNormal("sigma", 1)
        eps = pm.Normal("eps", 0, 1, shape=30)
        x = _scan(lambda e, prev, rho, sigma: rho * prev + sigma * e, sequences=[eps],
                  outputs_info=[pt.constant(np.float64(0.0))], non_sequences=[rho, sigma])
        pm.Normal("y", x, 0.5, observed=y)
    for model in (ar2, latent):
        point = model.initial_point()
        for name, value in point.items():
            point[name] = value + RNG.normal(0, 0.3, np.shape(value))
        assert _has_scan([model.logp()])
        for compile_ in (model.compile_logp, model.compile_dlogp):
            got, want = compile_(mode=mode())(point), compile_()(point)
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
