"""Complete small PyTensor programs, in the style its tutorial teaches, run on arignote.

Each program builds its graph, compiles its functions with ``pytensor.function(...,
mode=...)`` and calls them (shared variables updated, reset with ``set_value``, functions
copied...), returning everything it observed: the results of every call and the values of its
shared variables along the way.  It runs twice, from scratch each time (fresh shared
variables): with arignote's Mode on the backend of the run (``--mode``) and with PyTensor's
default mode; the two records must agree.

Tolerances, per program (``eps`` = 2.2e-16):

- integer programs, and float ones made of the same correctly rounded operations (+, -, *,
  /, sqrt, comparisons) in the same order, agree exactly;
- elementwise ``exp``/``log``/``tanh``/powers differ by an ulp or two between libms (numba's,
  arignote's C, NumPy's), and sums and dot products may be ordered differently (BLAS,
  vectorized reductions): relative ``k * eps`` for k operations on a value, so 1e-13 for the
  short graphs here (k of a few dozen at most);
- the logistic regression's gradient descent repeats a step that contracts the error (a
  convex problem, small step): the difference stays about one step's rounding divided by
  (1 - contraction), ~1e-13 * 100 at most: 1e-11;
- the loops' recurrences (a few dozen steps of tanh/dot of order-1 values) add one step's
  error per step: 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor import In, shared  # noqa: E402
from pytensor.gradient import hessian, jacobian, pullback, pushforward  # noqa: E402
from pytensor.scan.utils import until  # noqa: E402

from arignote.interop.pytensor import mode  # noqa: E402
from tests.interop.helpers import backend  # noqa: E402

EXACT = 0.0
SEED = 4242


def _arignote_mode():
    return mode(backend())


def _compare(program, rtol, *, values_match=True):
    """``program(mode)`` run with arignote's Mode and with PyTensor's default mode: the same
    record (a list of arrays), exactly (``rtol`` 0) or to ``rtol`` relative to each array's
    largest entry."""
    got = program(_arignote_mode())
    want = program(None)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape, (i, g.dtype, w.dtype, g.shape, w.shape)
        if not values_match:
            continue
        if rtol == 0:
            np.testing.assert_array_equal(g, w, err_msg=f"record entry {i}")
        else:
            scale = max(float(np.max(np.abs(w))) if w.size else 0.0, 1.0)
            np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * scale, err_msg=f"record entry {i}")
    return want


# --- functions: several outputs, named inputs --------------------------------------------

def _logistic_and_several_outputs(m):
    x = pt.dmatrix("x")
    logistic = pytensor.function([x], 1 / (1 + pt.exp(-x)), mode=m)
    logistic_tanh = pytensor.function([x], (1 + pt.tanh(x / 2)) / 2, mode=m)
    a, b = pt.dmatrices("a", "b")
    diff = a - b
    f = pytensor.function([a, b], [diff, abs(diff), diff**2], mode=m)
    grid = [[0.0, 1.0], [-1.0, -2.0]]
    return [logistic(grid), logistic_tanh(grid), *f([[1, 1], [1, 1]], [[0, 1], [2, 3]]),
            *f(np.linspace(-2, 2, 6).reshape(2, 3), np.ones((2, 3)) / 3)]


def test_logistic_function_and_several_outputs():
    record = _compare(_logistic_and_several_outputs, 1e-15 * 8)  # exp/tanh: a few ulps
    np.testing.assert_allclose(record[0], record[1], rtol=1e-15 * 8)  # the two forms agree


def _named_inputs(m):
    # PyTensor 3 refuses default values on inputs (``In(y, value=1)``): names and keywords remain
    x, y, w = pt.dscalars("x", "y", "w")
    add = pytensor.function([x, In(y)], x + y, mode=m)
    f = pytensor.function([x, In(y), In(w, name="w_by_name")], (x + y) * w, mode=m)
    s = pt.fscalar("s")  # a Python float downcast to float32 on request
    down = pytensor.function([In(s, allow_downcast=True)], s * 2 + 1, mode=m)
    return [add(33, 1), add(33, y=2), f(33, 1, 2), f(33, 2, w_by_name=2), f(33, y=0, w_by_name=1),
            f(x=1.5, y=0.25, w_by_name=-4), down(0.1)]


def test_named_inputs_and_keyword_calls():
    record = _compare(_named_inputs, EXACT)
    assert [float(v) for v in record[:5]] == [34.0, 35.0, 68.0, 70.0, 33.0]


# --- shared variables, updates, givens, copies ----------------------------------------------

def _accumulator(m):
    record = []
    state = shared(0)
    inc = pt.iscalar("inc")
    accumulator = pytensor.function([inc], state, updates=[(state, state + inc)], mode=m)
    decrementor = pytensor.function([inc], state, updates=[(state, state - inc)], mode=m)
    record.append(state.get_value())
    for step in (1, 300, 7):
        record += [accumulator(step), state.get_value()]
    state.set_value(-1)
    record += [accumulator(3), state.get_value(), decrementor(2), state.get_value()]
    # givens: the state replaced by an input, the shared value left alone
    foo = pt.scalar(dtype=state.dtype)
    skip_shared = pytensor.function([inc, foo], state * 2 + inc, givens=[(state, foo)], mode=m)
    record += [skip_shared(1, 3), state.get_value()]
    return record


def test_accumulator_with_updates_set_value_and_givens():
    record = _compare(_accumulator, EXACT)
    assert [int(v) for v in record] == [0, 0, 1, 1, 301, 301, 308, -1, 2, 2, 0, 7, 0]


def _copies(m):
    record = []
    state = pytensor.shared(0)
    inc = pt.iscalar("inc")
    accumulator = pytensor.function([inc], state, updates=[(state, state + inc)], mode=m)
    record += [accumulator(10), state.get_value()]
    new_state = pytensor.shared(0)
    new_accumulator = accumulator.copy(swap={state: new_state})
    record += [new_accumulator(100), new_state.get_value(), state.get_value()]
    null_accumulator = accumulator.copy(delete_updates=True)
    record += [null_accumulator(9000), state.get_value()]
    record += [accumulator(1), new_accumulator(2), state.get_value(), new_state.get_value()]
    return record


def test_copies_of_functions():
    record = _compare(_copies, EXACT)
    assert [int(v) for v in record] == [0, 10, 0, 100, 10, 10, 10, 10, 100, 11, 102]


# --- a real example: logistic regression --------------------------------------------------

def _logistic_regression(m, steps=60):
    rng = np.random.default_rng(SEED)
    n, feats = 40, 7
    data = (rng.standard_normal((n, feats)), rng.integers(size=n, low=0, high=2).astype("float64"))
    x, y = pt.dmatrix("x"), pt.dvector("y")
    w = pytensor.shared(rng.standard_normal(feats) * 0.1, name="w")
    b = pytensor.shared(0.0, name="b")
    p_1 = 1 / (1 + pt.exp(-pt.dot(x, w) - b))
    prediction = p_1 > 0.5
    xent = -y * pt.log(p_1) - (1 - y) * pt.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w**2).sum()
    gw, gb = pt.grad(cost, [w, b])
    train = pytensor.function([x, y], [prediction, xent], updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)),
                              mode=m)
    predict = pytensor.function([x], prediction, mode=m)
    record = []
    for step in range(steps):
        pred, err = train(*data)
        if step % 20 == 0:
            record += [pred, err, w.get_value(), b.get_value()]
    record += [w.get_value(), b.get_value(), predict(data[0])]
    return record


def test_logistic_regression_trained_by_gradient_descent():
    record = _compare(_logistic_regression, 1e-11)
    assert record[-1].dtype == bool


# --- derivatives ----------------------------------------------------------------------------

def _derivatives(m):
    x = pt.dscalar("x")
    square_grad = pytensor.function([x], pt.grad(x**2, x), mode=m)
    xm = pt.dmatrix("xm")
    dlogistic = pytensor.function([xm], pt.grad(pt.sum(1 / (1 + pt.exp(-xm))), xm), mode=m)
    v = pt.dvector("v")
    y = v**2 + pt.sin(v) * v[::-1]
    j_scan = pytensor.scan(lambda i, y, v: pt.grad(y[i], v), sequences=pt.arange(y.shape[0]),
                           non_sequences=[y, v], return_updates=False)
    cost = (pt.exp(v / 3) * v).sum()
    g = pt.grad(cost, v)
    h_scan = pytensor.scan(lambda i, g, v: pt.grad(g[i], v), sequences=pt.arange(g.shape[0]),
                           non_sequences=[g, v], return_updates=False)
    f = pytensor.function([v], [j_scan, jacobian(y, v), h_scan, hessian(cost, v)], mode=m)
    value = np.array([0.5, -1.0, 2.0, 0.25])
    return [square_grad(4.0), square_grad(94.2), dlogistic([[0, 1], [-1, -2]]), *f(value)]


def test_gradient_jacobian_and_hessian_also_through_scan():
    record = _compare(_derivatives, 1e-13)
    np.testing.assert_allclose(record[0], 8.0)
    np.testing.assert_allclose(record[4], record[3], rtol=1e-14)  # scan's and jacobian()'s
    np.testing.assert_allclose(record[6], record[5], rtol=1e-14)  # scan's and hessian()'s


def _vectorized_jacobian(m):
    # the Jacobian as one vectorized pullback (rows of the identity as cotangents)
    v = pt.dvector("v")
    y = v**2 + pt.sin(v) * v[::-1]
    f = pytensor.function([v], [jacobian(y, v, vectorize=True), jacobian(y, v)], mode=m)
    return f(np.array([0.5, -1.0, 2.0, 0.25]))


def test_vectorized_jacobian():
    record = _compare(_vectorized_jacobian, 1e-13)
    np.testing.assert_allclose(record[0], record[1], rtol=1e-14)


def _r_op_and_l_op(m):
    w_mat, v_mat = pt.dmatrix("W"), pt.dmatrix("V")
    x, u = pt.dvector("x"), pt.dvector("u")
    y = pt.tanh(pt.dot(x, w_mat))
    jv = pushforward(y, w_mat, v_mat)
    vj = pullback(y, w_mat, u)
    f = pytensor.function([w_mat, v_mat, x, u], [jv, vj], mode=m)
    rng = np.random.default_rng(SEED)
    return [*f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1], [2, 2]),
            *f(rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2))]


def test_r_op_and_l_op():
    _compare(_r_op_and_l_op, 1e-13)


# --- loops ----------------------------------------------------------------------------------

#: JAX must know every loop's number of steps while tracing: there the programs compile one
#: function per count (a constant) where the tutorial passes it as an input
STEPS_AS_INPUT = backend() != "jax"


def _loop_function(build, m, steps):
    """``build(n_steps) -> (inputs, outputs, updates)`` compiled with the count as an input
    (given ``steps`` at each call) or, on JAX, as the constant ``steps``."""
    n = pt.iscalar("n") if STEPS_AS_INPUT else pt.constant(np.int32(steps))
    inputs, outputs, updates = build(n)
    f = pytensor.function([*inputs, n] if STEPS_AS_INPUT else inputs, outputs, updates=updates, mode=m)
    return (lambda *args: f(*args, steps)) if STEPS_AS_INPUT else f


def _power(m):
    a = pt.dvector("A")

    def build(k):
        powers = pytensor.scan(lambda prior, a: prior * a, outputs_info=pt.ones_like(a), non_sequences=a,
                               n_steps=k, return_updates=False)
        return [a], [powers[-1], powers], None
    return [*_loop_function(build, m, 2)(np.arange(10, dtype="float64")),
            *_loop_function(build, m, 7)(np.linspace(-1.5, 1.5, 5))]


def test_power_by_repeated_multiplication():
    # products of the same factors in the same order: exact
    record = _compare(_power, EXACT)
    np.testing.assert_array_equal(record[0], np.arange(10) ** 2)


def _polynomial(m):
    coefficients = pt.dvector("coefficients")
    x = pt.dscalar("x")
    terms = pytensor.scan(lambda coeff, exponent, x: coeff * (x**exponent),
                          sequences=[coefficients, pt.arange(10)], non_sequences=x, return_updates=False)
    polynomial = pytensor.function([coefficients, x], terms.sum(), mode=m)
    return [polynomial(np.asarray([1, 0, 2], dtype="float64"), 3.0),
            polynomial(np.linspace(-1, 1, 12), 0.7)]


def test_polynomial_from_its_coefficients():
    # x**e (pow) may differ by an ulp between libms, and the sum of 10 terms adds ~10 eps
    record = _compare(_polynomial, 1e-14)
    assert float(record[0]) == 19.0


def _cumulative_sums_and_sequences(m):
    v = pt.dvector("v")
    running = pytensor.scan(lambda x_t, total: total + x_t, sequences=v, outputs_info=pt.zeros(()),
                            return_updates=False)
    big = pt.dmatrix("X")
    trace = pytensor.scan(lambda i, j, t: big[i, j] + t, sequences=[pt.arange(big.shape[0]),
                                                                     pt.arange(big.shape[1])],
                          outputs_info=pt.zeros(()), return_updates=False)[-1]
    norms = pytensor.scan(lambda row: pt.sqrt((row**2).sum()), sequences=[big], return_updates=False)
    col_norms = pytensor.scan(lambda col: pt.sqrt((col**2).sum()), sequences=[big.T], return_updates=False)
    f = pytensor.function([v, big], [running, pt.cumsum(v), trace, norms, col_norms], mode=m)
    rng = np.random.default_rng(SEED)
    x = np.diag(np.arange(1, 6, dtype="float64"), 1)
    return [*f(rng.normal(size=9), x), *f(np.linspace(0, 1, 4), rng.normal(size=(4, 4)))]


def test_cumulative_sums_trace_and_norms():
    # additions in the same order, sqrt correctly rounded: exact, except the row norms' sums
    # of squares, which a vectorized reduction may order differently: 6 terms, 6 eps
    record = _compare(_cumulative_sums_and_sequences, 6 * 2.3e-16)
    np.testing.assert_allclose(record[0], record[1], rtol=1e-14)


def _recurrences(m):
    x0, w_mat, u_mat, v_mat = pt.dvector("X"), pt.dmatrix("W"), pt.dmatrix("U"), pt.dmatrix("V")
    y_seq, p_seq = pt.dmatrix("Y"), pt.dmatrix("P")
    rnn = pytensor.scan(lambda y, p, x_tm1: pt.tanh(pt.dot(x_tm1, w_mat) + pt.dot(y, u_mat)
                                                    + pt.dot(p, v_mat)),
                        sequences=[y_seq, p_seq[::-1]], outputs_info=[x0], return_updates=False)
    init, b = pt.dmatrix("init"), pt.dvector("b")
    two_taps = pytensor.scan(
        lambda x_tm2, x_tm1: pt.dot(x_tm2, u_mat) + pt.dot(x_tm1, v_mat) + pt.tanh(pt.dot(x_tm1, w_mat) + b),
        n_steps=10, outputs_info=[dict(initial=init, taps=[-2, -1])], return_updates=False)
    f = pytensor.function([x0, w_mat, y_seq, u_mat, p_seq, v_mat, init, b], [rnn, two_taps], mode=m,
                          on_unused_input="ignore")
    rng = np.random.default_rng(SEED)
    small = [rng.normal(size=(2, 2)) * 0.3 for _ in range(3)]
    return f(np.array([0.0, 1.0]), small[0], rng.normal(size=(5, 2)), small[1], rng.normal(size=(5, 2)),
             small[2], np.array([[0.0, 0.0], [0.0, 1.0]]), np.ones(2))


def test_recurrences_with_sequences_and_taps():
    _compare(_recurrences, 1e-12)


def _shared_update_in_a_loop(m):
    k = pytensor.shared(0)

    def build(n):
        _, updates = pytensor.scan(lambda: {k: (k + 1)}, n_steps=n)
        return [], [], updates
    record = [k.get_value()]
    for steps in (5, 3):
        _loop_function(build, m, steps)()
        record.append(k.get_value())
    k.set_value(100)
    _loop_function(build, m, 1)()
    record.append(k.get_value())
    # a loop reading and updating a float shared variable: x <- 0.5 x + 1, five times a call
    x = pytensor.shared(np.float64(0.0), name="x")
    _, updates = pytensor.scan(lambda: {x: 0.5 * x + 1}, n_steps=5)
    step = pytensor.function([], [], updates=updates, mode=m)
    for _ in range(3):
        step()
        record.append(x.get_value())
    return record


def test_loop_updating_a_shared_variable():
    record = _compare(_shared_update_in_a_loop, EXACT)
    assert [int(v) for v in record[:4]] == [0, 5, 8, 101]


def _until(m):
    max_value = pt.dscalar("max_value")
    doubled = pytensor.scan(lambda prev, max_value: (prev * 2, until(prev * 2 > max_value)),
                            outputs_info=pt.constant(1.0), non_sequences=max_value, n_steps=1024,
                            return_updates=False)
    f = pytensor.function([max_value], doubled, mode=m)
    return [f(45.0), f(1000.0), f(0.5)]


def test_loop_stopped_by_until():
    record = _compare(_until, EXACT)
    np.testing.assert_array_equal(record[0], [2, 4, 8, 16, 32, 64])


# --- random numbers -------------------------------------------------------------------------

def _random_streams(m):
    record = []
    rng = pt.random.shared_rng(seed=123)
    next_rng, rv_u = rng.uniform(0, 1, size=(2, 2))
    final_rng, rv_n = next_rng.normal(0, 1, size=(2, 2))
    f = pytensor.function([], [rv_u, rv_n], updates={rng: final_rng}, mode=m)
    record += f() + f()
    rng.set_value(np.random.default_rng(42))
    record += f()
    rng.set_value(np.random.default_rng(42))
    record += f()  # reseeded: the same draws again
    with pytest.warns(FutureWarning, match="RandomStream is deprecated"):
        srng = pytensor.tensor.random.utils.RandomStream(seed=234)
    rv_u2 = srng.uniform(0, 1, size=(3,))
    rv_n2 = srng.normal(0, 1, size=(3,))
    # the stream's generators carry a default_update: each call advances them
    g = pytensor.function([], rv_u2 + rv_n2, mode=m)
    frozen = pytensor.function([], rv_u2, no_default_updates=True, mode=m)
    record += [g(), g(), frozen(), frozen()]
    srng.seed(902340)
    record += [g()]
    return record


def test_random_streams_and_shared_generators():
    # the same NumPy draws, then the same additions: exact (uniform's affine map, normal's
    # location/scale, a few operations in the same order: 2 ulps at most); JAX draws from its
    # own keys: only the layout and the behaviour (advance, reseed, frozen) compare
    same_numbers = backend() != "jax"
    want = _compare(_random_streams, 1e-15 * 4, values_match=same_numbers)
    got = _random_streams(_arignote_mode())
    for record in (want, got):
        assert not np.array_equal(record[0], record[2])  # the generator advanced
        np.testing.assert_array_equal(record[4], record[6])  # reseeding repeats the draws
        np.testing.assert_array_equal(record[5], record[7])
        assert not np.array_equal(record[8], record[9])  # default_update advanced the stream
        np.testing.assert_array_equal(record[10], record[11])  # no_default_updates: frozen
