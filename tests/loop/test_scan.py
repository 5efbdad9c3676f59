"""scan, map, reduce, foldl, foldr against NumPy loops (PyTensor's semantics)."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.loop import LoopTypeError

NO_REWRITES = arignote.Mode(optimizer=None)
MODES = [None, NO_REWRITES]


def compile_both(inputs, outputs, **kwargs):
    return [arignote.function(inputs, outputs, mode=m, **kwargs) for m in MODES]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_recurrence_with_sequence_and_non_sequence(rng, dtype):
    x = at.matrix("x", dtype=dtype)
    h0 = at.vector("h0", dtype=dtype)
    W = at.matrix("W", dtype=dtype)
    out, updates = arignote.scan(lambda xt, h, W: at.tanh(W @ h + xt), sequences=x, outputs_info=h0,
                                 non_sequences=W)
    assert updates == {}
    xv = rng.normal(size=(7, 4)).astype(dtype)
    hv = rng.normal(size=4).astype(dtype)
    Wv = rng.normal(size=(4, 4)).astype(dtype)
    expected, h = [], hv
    for row in xv:
        h = np.tanh(Wv @ h + row)
        expected.append(h)
    for f in compile_both([x, h0, W], out):
        got = f(xv, hv, Wv)
        assert got.dtype == dtype and got.shape == (7, 4)
        np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_output_taps_fibonacci_and_longer_initial():
    x0 = at.vector("x0")
    out, _ = arignote.scan(lambda a, b: a + b, outputs_info=dict(initial=x0, taps=[-2, -1]), n_steps=8)
    for f in compile_both([x0], out):
        np.testing.assert_array_equal(f([0.0, 1.0]), [1, 2, 3, 5, 8, 13, 21, 34])
    # taps given out of order, and an initial value longer than the taps need (first rows used)
    out, _ = arignote.scan(lambda a, c: 10 * a + c, outputs_info=dict(initial=x0, taps=[-1, -3]),
                           n_steps=4)
    init = np.array([1.0, 2.0, 3.0, 99.0])
    hist = list(init[:3])
    for _ in range(4):
        hist.append(10 * hist[-1] + hist[-3])
    for f in compile_both([x0], out):
        np.testing.assert_allclose(f(init), hist[3:])


def test_sequence_taps(rng):
    s = at.vector("s")
    out, _ = arignote.scan(lambda a, b, c: a + 10 * b + 100 * c, sequences=dict(input=s, taps=[-1, 0, 2]))
    v = rng.normal(size=9)
    expected = [v[t] + 10 * v[t + 1] + 100 * v[t + 3] for t in range(9 - 3)]
    for f in compile_both([s], out):
        np.testing.assert_allclose(f(v), expected)
    # only future taps, and only past taps (PyTensor pretends tap 0 is used when cutting)
    out, _ = arignote.scan(lambda a: a, sequences=dict(input=s, taps=[2]))
    for f in compile_both([s], out):
        np.testing.assert_allclose(f(v), v[2:])
    out, _ = arignote.scan(lambda a, b: a - b, sequences=dict(input=s, taps=[-3, -1]))
    for f in compile_both([s], out):
        np.testing.assert_allclose(f(v), v[0:6] - v[2:8])


def test_go_backwards_and_n_steps(rng):
    s = at.vector("s")
    acc0 = at.scalar("acc0")
    out, _ = arignote.scan(lambda x, acc: acc * 2 + x, sequences=s, outputs_info=acc0, go_backwards=True)
    v = rng.normal(size=6)
    expected, acc = [], 0.5
    for x in v[::-1]:
        acc = acc * 2 + x
        expected.append(acc)
    for f in compile_both([s, acc0], out):
        np.testing.assert_allclose(f(v, 0.5), expected)
    # n_steps shorter than the sequence: the first rows (the last ones going backwards)
    n = at.iscalar("n")
    out, _ = arignote.scan(lambda x: x * 3, sequences=s, n_steps=n, go_backwards=True)
    for f in compile_both([s, n], out):
        np.testing.assert_allclose(f(v, 4), v[::-1][:4] * 3)
        with pytest.raises(ValueError, match="sequence 0 has 6 rows, fewer than the 7 steps"):
            f(v, 7)


def test_several_sequences_shortest_sets_the_length(rng):
    a, b = at.vector("a"), at.matrix("b")
    out, _ = arignote.scan(lambda x, y: y * x, sequences=[a, b])
    av, bv = rng.normal(size=5), rng.normal(size=(3, 2))
    for f in compile_both([a, b], out):
        np.testing.assert_allclose(f(av, bv), bv * av[:3, None])


def test_mixed_outputs_and_map_like_outputs(rng):
    s = at.vector("s")
    total0 = at.scalar("t0")
    outs, _ = arignote.scan(lambda x, tot: [tot + x, x ** 2, at.stack([x, tot])], sequences=s,
                            outputs_info=[total0, None, None])
    v = rng.normal(size=5)
    tot, totals, stacks = 1.5, [], []
    for x in v:
        stacks.append([x, tot])
        tot = tot + x
        totals.append(tot)
    for f in compile_both([s, total0], outs):
        got = f(v, 1.5)
        np.testing.assert_allclose(got[0], totals)
        np.testing.assert_allclose(got[1], v ** 2)
        np.testing.assert_allclose(got[2], stacks)
    # no outputs_info at all: every output is a map
    outs, _ = arignote.scan(lambda x: [x + 1, x * 2], sequences=s)
    for f in compile_both([s], outs):
        got = f(v)
        np.testing.assert_allclose(got[0], v + 1)
        np.testing.assert_allclose(got[1], v * 2)


def test_free_variables_and_outer_expressions(rng):
    W = at.matrix("W")
    W2 = W ** 2  # computed outside, used inside without being passed
    shared = arignote.shared(np.arange(3.0), name="bias")
    h0 = at.vector("h0")
    out, updates = arignote.scan(lambda h: W2 @ h + shared, outputs_info=h0, n_steps=3)
    assert updates == {}
    node = out.owner
    assert any(v is W2 for v in node.inputs) and any(v is shared for v in node.inputs)
    Wv, hv = rng.normal(size=(3, 3)), rng.normal(size=3)
    h, expected = hv, []
    for _ in range(3):
        h = Wv ** 2 @ h + np.arange(3.0)
        expected.append(h)
    for f in compile_both([W, h0], out):
        np.testing.assert_allclose(f(Wv, hv), expected)


def test_shared_variable_updates_become_carries():
    counter = arignote.shared(np.int64(0), name="counter")
    k = at.iscalar("k")
    out, updates = arignote.scan(lambda: {counter: counter + 1}, n_steps=k)
    assert list(updates) == [counter]
    f = arignote.function([k], [], updates=updates)
    f(5)
    assert counter.get_value() == 5
    f(3)
    assert counter.get_value() == 8
    # the step reads the current value of an updated shared variable
    acc = arignote.shared(np.float64(1.0), name="acc")
    out, updates = arignote.scan(lambda: (acc * 2, {acc: acc * 2}), n_steps=4)
    f = arignote.function([], out, updates=updates)
    np.testing.assert_allclose(f(), [2, 4, 8, 16])
    assert acc.get_value() == 16
    with pytest.raises(ValueError, match="updates shared variables"):
        arignote.scan(lambda: {acc: acc * 2}, n_steps=4, return_updates=False)


def test_return_list_and_return_updates():
    s = at.vector("s")
    out = arignote.scan(lambda x: x * 2, sequences=s, return_updates=False)
    assert isinstance(out, at.TensorVariable)
    outs, _ = arignote.scan(lambda x: x * 2, sequences=s, return_list=True)
    assert isinstance(outs, list) and len(outs) == 1


def test_until_stops_after_the_step_where_it_holds():
    q = at.scalar("q")
    out, _ = arignote.scan(lambda h: (h * 2, arignote.until(h * 2 > 50)), outputs_info=q, n_steps=100)
    for f in compile_both([q], out):
        np.testing.assert_array_equal(f(1.0), [2, 4, 8, 16, 32, 64])
        np.testing.assert_array_equal(f(100.0), [200])
    # never true: runs n_steps
    out, _ = arignote.scan(lambda h: (h + 1, arignote.until(h < -1)), outputs_info=q, n_steps=5)
    for f in compile_both([q], out):
        np.testing.assert_array_equal(f(0.0), [1, 2, 3, 4, 5])
    # with sequences: the shortest bounds it; outputs, updates and until together
    s = at.vector("s")
    hits = arignote.shared(np.int64(0), name="hits")
    out, updates = arignote.scan(lambda x: (x * 10, {hits: hits + 1}, arignote.until(x > 2)), sequences=s)
    f = arignote.function([s], out, updates=updates)
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0, 4.0]), [10, 20, 30])
    assert hits.get_value() == 3


def test_while_loop_grows_its_buffers_past_the_first_capacity():
    q = at.scalar("q")
    out, _ = arignote.scan(lambda h: (h + 1, arignote.until(h + 1 >= 1000)), outputs_info=q, n_steps=10 ** 9)
    f = arignote.function([q], out)
    np.testing.assert_array_equal(f(0.0), np.arange(1.0, 1001.0))


def test_zero_steps_give_empty_outputs_with_the_right_row_shape(rng):
    x = at.matrix("x")
    h0 = at.vector("h0")
    W = at.matrix("W")
    n = at.iscalar("n")
    outs, _ = arignote.scan(lambda xt, h, W: [at.tanh(W @ h + xt), at.outer(h, xt)], sequences=x,
                            outputs_info=[h0, None], non_sequences=W, n_steps=n)
    Wv = rng.normal(size=(3, 3))
    for f in compile_both([x, h0, W, n], outs):
        a, b = f(np.zeros((4, 3)), np.ones(3), Wv, 0)
        assert a.shape == (0, 3) and b.shape == (0, 3, 3)
        assert a.dtype == "float64"
    # a row shape only a step can tell (nonzero): found by running the body once
    s = at.vector("s")
    out, _ = arignote.scan(lambda x: at.nonzero(at.stack([x, x, 0 * x]))[0], sequences=s, n_steps=n)
    for f in compile_both([s, n], out):
        assert f(np.ones(3), 0).shape == (0, 2)
        np.testing.assert_array_equal(f(np.ones(3), 2), [[0, 1], [0, 1]])


def test_map_reduce_foldl_foldr(rng):
    s = at.vector("s")
    k = at.scalar("k")
    v = rng.normal(size=6)
    squares, _ = arignote.map(lambda x, k: x ** 2 + k, sequences=s, non_sequences=k)
    np.testing.assert_allclose(arignote.function([s, k], squares)(v, 0.5), v ** 2 + 0.5)
    a0 = at.scalar("a0")
    total, _ = arignote.reduce(lambda x, acc: acc * 0.5 + x, sequences=s, outputs_info=a0)
    left, _ = arignote.foldl(lambda x, acc: acc * 0.5 + x, sequences=s, outputs_info=a0)
    right, _ = arignote.foldr(lambda x, acc: acc * 0.5 + x, sequences=s, outputs_info=a0)

    def fold(values, acc):
        for x in values:
            acc = acc * 0.5 + x
        return acc
    f = arignote.function([s, a0], [total, left, right])
    got = f(v, 2.0)
    np.testing.assert_allclose(got[0], fold(v, 2.0))
    np.testing.assert_allclose(got[1], fold(v, 2.0))
    np.testing.assert_allclose(got[2], fold(v[::-1], 2.0))
    assert total.ndim == 0
    only = arignote.reduce(lambda x, acc: acc + x, sequences=s, outputs_info=a0, return_updates=False)
    np.testing.assert_allclose(arignote.function([s, a0], only)(v, 0.0), v.sum())


def test_nested_scans_read_the_outer_slice(rng):
    m = at.matrix("m")

    def row_cumsum(row):
        inner, _ = arignote.scan(lambda x, acc: acc + x * row[0], sequences=row,
                                 outputs_info=at.zeros((), dtype=row.dtype))
        return inner
    out, _ = arignote.scan(row_cumsum, sequences=m)
    v = rng.normal(size=(4, 5))
    expected = np.cumsum(v * v[:, :1], axis=1)
    for f in compile_both([m], out):
        np.testing.assert_allclose(f(v), expected)


def test_integer_and_bool_states():
    n = at.iscalar("n")
    out, _ = arignote.scan(lambda a, b: [b, a + b], outputs_info=[np.int64(0), np.int64(1)], n_steps=n)
    f = arignote.function([n], out)
    a, _ = f(10)
    assert a.dtype == "int64"
    np.testing.assert_array_equal(a, [1, 1, 2, 3, 5, 8, 13, 21, 34, 55])
    flags, _ = arignote.scan(lambda x, seen: at.or_(seen, x > 0), sequences=at.vector("v"),
                             outputs_info=np.bool_(False))
    assert flags.dtype == "bool"


def test_build_errors_name_what_is_wrong():
    s = at.vector("s")
    h32 = at.vector("h", dtype="float32")
    with pytest.raises(LoopTypeError, match="dtype float32 but the step returns float64"):
        arignote.scan(lambda x, h: h + x, sequences=s, outputs_info=h32)
    with pytest.raises(LoopTypeError, match="1 dimension.*returns 0"):
        arignote.scan(lambda x, h: x, sequences=s, outputs_info=s)
    with pytest.raises(ValueError, match="must be negative"):
        arignote.scan(lambda h: h, outputs_info=dict(initial=s, taps=[1]), n_steps=2)
    with pytest.raises(ValueError, match="no initial value"):
        arignote.scan(lambda x: x, sequences=s, outputs_info=dict(taps=[-1]))
    with pytest.raises(ValueError, match="outputs_info has 2 entries but the step function returned 1"):
        arignote.scan(lambda x, a: x, sequences=s, outputs_info=[at.scalar(), None])
    with pytest.raises(ValueError, match="number of steps"):
        arignote.scan(lambda: at.constant(1.0))
    with pytest.raises(ValueError, match="n_steps must be >= 0"):
        arignote.scan(lambda h: h, outputs_info=at.scalar(), n_steps=-2)
    with pytest.raises(TypeError, match="n_steps must be a 0-d integer"):
        arignote.scan(lambda h: h, outputs_info=at.scalar(), n_steps=at.scalar())
    with pytest.raises(LoopTypeError, match="0-d"):
        arignote.scan(lambda x: x, sequences=at.scalar("z"))
    with pytest.raises(ValueError, match="must return its outputs"):
        arignote.scan(lambda x: "nope", sequences=s)
    with pytest.raises(LoopTypeError, match="0-d"):
        arignote.until(s > 0)
    with pytest.raises(ValueError, match="truncate_gradient"):
        arignote.scan(lambda x: x, sequences=s, truncate_gradient=0)
    with pytest.raises(ValueError, match="unexpected keys \\['return_steps'\\]"):
        arignote.scan(lambda h: h, outputs_info=dict(initial=at.scalar(), return_steps=2), n_steps=3)
    with pytest.raises(ValueError, match="unexpected keys \\['tap'\\]"):
        arignote.scan(lambda x: x, sequences=dict(input=s, tap=[0]))


def test_strict_requires_shared_variables_as_non_sequences():
    W = arignote.shared(np.eye(2), name="W")
    h0 = at.vector("h0")
    with pytest.raises(ValueError, match="shared variable W"):
        arignote.scan(lambda h: W @ h, outputs_info=h0, n_steps=2, strict=True)
    out, _ = arignote.scan(lambda h, W: W @ h, outputs_info=h0, non_sequences=W, n_steps=2, strict=True)
    np.testing.assert_allclose(arignote.function([h0], out)([1.0, 2.0]), [[1, 2], [1, 2]])


def test_run_time_errors_name_the_step_and_the_inner_node():
    s = at.vector("s")
    h0 = at.vector("h0")
    # the carry grows: refused at the step where it happens
    out, _ = arignote.scan(lambda x, h: at.concatenate([h, h])[: 2 + at.cast(x, "int64")],
                           sequences=s, outputs_info=h0)
    f = arignote.function([s, h0], out)
    np.testing.assert_allclose(f([0.0, 0.0], [1.0, 2.0]), [[1, 2], [1, 2]])
    with pytest.raises(ValueError, match="carry 0 has shape \\(3,\\) at step 1"):
        f([0.0, 1.0], [1.0, 2.0])
    # an error raised by an inner node names it, its line and the step
    m = at.tensor3("m")
    out, _ = arignote.scan(lambda row, h: row @ h, sequences=m, outputs_info=h0)
    f = arignote.function([m, h0], out)
    with pytest.raises(ValueError, match=r"at step 0 of Loop.*test_scan.py"):
        f(np.ones((2, 3, 3)), np.ones(4))
