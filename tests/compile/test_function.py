"""`function` semantics: inputs, outputs, updates, givens, shared variables, eval, modes."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile.function import MissingInputError, UnusedInputError


def test_single_and_multiple_outputs():
    x = at.vector("x")
    f = arignote.function([x], x * 2)
    assert isinstance(f(np.ones(2)), np.ndarray)
    g = arignote.function([x], [x * 2, x + 1])
    a, b = g(np.ones(2))
    np.testing.assert_allclose(a, [2, 2])
    np.testing.assert_allclose(b, [2, 2])
    h = arignote.function([x], (x * 2,))
    assert isinstance(h(np.ones(2)), list)


def test_zero_d_outputs_are_arrays():
    x = at.scalar("x")
    out = arignote.function([x], x + 1)(2.0)
    assert isinstance(out, np.ndarray) and out.shape == () and out == 3.0


def test_shared_variables_and_updates():
    w = arignote.shared(np.zeros(3), name="w")
    x = at.vector("x")
    step = arignote.function([x], (w * x), updates={w: w + x})
    np.testing.assert_allclose(step(np.ones(3)), np.zeros(3))
    np.testing.assert_allclose(w.get_value(), np.ones(3))
    np.testing.assert_allclose(step(np.full(3, 2.0)), np.full(3, 2.0))
    np.testing.assert_allclose(w.get_value(), np.full(3, 3.0))
    w.set_value(np.arange(3.0))
    np.testing.assert_allclose(step(np.ones(3)), np.arange(3.0))


def test_updates_are_simultaneous_and_accept_pairs():
    a = arignote.shared(np.array(1.0), name="a")
    b = arignote.shared(np.array(2.0), name="b")
    swap = arignote.function([], [], updates=[(a, b), (b, a)])
    swap()
    assert a.get_value() == 2.0 and b.get_value() == 1.0


def test_update_with_only_shared_inputs_counts_calls():
    count = arignote.shared(np.int64(0), name="count")
    tick = arignote.function([], count, updates={count: count + 1})
    assert [int(tick()) for _ in range(3)] == [0, 1, 2]
    assert count.get_value() == 3


def test_shared_value_is_copied_unless_borrowed():
    data = np.zeros(2)
    s = arignote.shared(data)
    data[0] = 5
    assert s.get_value()[0] == 0
    view = s.get_value(borrow=True)
    assert view is s.get_value(borrow=True)
    got = s.get_value()
    got[1] = 7
    assert s.get_value()[1] == 0


def test_shared_set_value_checks_type():
    s = arignote.shared(np.zeros((2, 2)), name="s")
    s.set_value(np.ones((3, 3)))  # shapes may change
    with pytest.raises(TypeError, match="shared variable s.*2 dimension"):
        s.set_value(np.ones(3))
    with pytest.raises(TypeError, match="would lose information"):
        arignote.shared(np.zeros(2, dtype="int32"), name="i").set_value(np.array([0.5, 1.0]))


def test_update_type_must_match():
    s = arignote.shared(np.zeros(2), name="s")
    with pytest.raises(TypeError, match="update"):
        arignote.function([], [], updates={s: at.matrix("m")})
    with pytest.raises(TypeError, match="not a shared variable"):
        arignote.function([], [], updates={at.vector("v"): s})


def test_givens_substitute_before_compiling():
    x, y = at.vector("x"), at.vector("y")
    z = at.exp(x) + y
    f = arignote.function([y], z, givens={x: y * 2})
    v = np.array([0.5, 1.0])
    np.testing.assert_allclose(f(v), np.exp(v * 2) + v)
    s = arignote.shared(np.array([1.0, 2.0]), name="data")
    g = arignote.function([y], z, givens=[(x, s)])
    np.testing.assert_allclose(g(v), np.exp([1.0, 2.0]) + v)


def test_outputs_never_alias_inputs_or_each_other():
    x = at.vector("x")
    f = arignote.function([x], [x, x.T, x, x * 2])
    v = np.ones(3)
    outs = f(v)
    for out in outs:
        assert not np.shares_memory(out, v)
    assert not np.shares_memory(outs[0], outs[2])
    c = arignote.function([], at.constant(np.arange(3.0)))()
    c[0] = 10  # returned constants are writable copies
    assert arignote.function([], at.constant(np.arange(3.0)))()[0] == 0


def test_keyword_arguments():
    x, y = at.scalar("x"), at.scalar("y")
    f = arignote.function([x, y], x - y)
    assert f(y=1.0, x=3.0) == 2.0
    assert f(3.0, y=1.0) == 2.0
    with pytest.raises(TypeError, match="no input named 'z'"):
        f(z=1.0)
    with pytest.raises(TypeError, match="missing value for input 1"):
        f(x=2.0)


def test_wrong_number_of_arguments():
    x = at.vector("x")
    f = arignote.function([x], x + 1)
    with pytest.raises(TypeError, match="takes 1 argument"):
        f()
    with pytest.raises(TypeError, match="takes 1 argument"):
        f(np.ones(2), np.ones(2))


def test_wrong_rank_and_lossy_dtype_name_the_input():
    x = at.dmatrix("x")
    n = at.ivector("n")
    f = arignote.function([x, n], x * 2, on_unused_input="ignore")
    with pytest.raises(TypeError, match=r"input 0 \(x\): expected an array with 2 dimension"):
        f(np.ones(3), np.ones(3, dtype="int32"))
    with pytest.raises(TypeError, match=r"input 1 \(n\): converting float64 to int32 would lose"):
        f(np.ones((2, 2)), np.array([0.5]))
    # lossless conversions are fine
    np.testing.assert_allclose(f([[1, 2]], np.array([1.0, 2.0]))[0], [2, 4])
    with pytest.raises(TypeError, match=r"input 0 \(x\): expected numbers"):
        f(np.array(["a"]), [1])


def test_static_shape_of_input_is_checked():
    x = at.tensor("x", shape=(2, None))
    f = arignote.function([x], x + 1)
    with pytest.raises(ValueError, match=r"x\): dimension 0 must have length 2"):
        f(np.ones((3, 2)))


def test_python_float_may_downcast_to_float32():
    x = at.fscalar("x")
    f = arignote.function([x], x * 2)
    assert f(0.1).dtype == np.float32


def test_unused_and_missing_inputs():
    x, y = at.vector("x"), at.vector("y")
    with pytest.raises(UnusedInputError, match="input 1 \\(y\\) is not used"):
        arignote.function([x, y], x + 1)
    with pytest.warns(UserWarning, match="not used"):
        arignote.function([x, y], x + 1, on_unused_input="warn")
    arignote.function([x, y], x + 1, on_unused_input="ignore")
    with pytest.raises(MissingInputError, match="need input y"):
        arignote.function([x], x + y)


def test_bad_inputs_list():
    x = at.vector("x")
    with pytest.raises(TypeError, match="inputs must be a list"):
        arignote.function(x, x)
    with pytest.raises(TypeError, match="is a constant"):
        arignote.function([at.constant(1.0)], x, on_unused_input="ignore")
    with pytest.raises(MissingInputError, match="need input x"):
        arignote.function([x + 1], x, on_unused_input="ignore")  # x + 1 is given; x itself is not
    with pytest.raises(ValueError, match="given twice"):
        arignote.function([x, x], x)


def test_an_input_computed_from_others_cuts_the_graph_there():
    # PyTensor's rule: the caller gives the value of an intermediate variable, and what it is
    # computed from is not needed (nor updated)
    x = at.dscalar("x")
    y = x + 1.0
    f = arignote.function([x, y], [y * 3.0, y + x])
    assert [float(v) for v in f(1.0, 10.0)] == [30.0, 11.0]
    with pytest.raises(UnusedInputError, match="input 0"):
        arignote.function([x, y], y * 2.0)
    counter = arignote.shared(0)
    counter.default_update = counter + 1
    doubled = counter * 2
    g = arignote.function([doubled], doubled + 1)
    assert g(20) == 21 and counter.get_value() == 0  # counter is not read: no update
    m = at.dmatrix("m")
    h = arignote.function([m.T], m.T * 2.0)
    np.testing.assert_array_equal(h(np.ones((3, 2))), np.full((3, 2), 2.0))


def test_eval_with_variables_and_names():
    x, y = at.vector("x"), at.vector("y")
    z = x * y
    np.testing.assert_allclose(z.eval({x: [1.0, 2.0], y: [3.0, 4.0]}), [3.0, 8.0])
    np.testing.assert_allclose(z.eval({"x": [1.0, 2.0], "y": [1.0, 1.0]}), [1.0, 2.0])
    assert (at.constant(2.0) * 3).eval() == 6.0
    with pytest.raises(ValueError, match="no input named 'q'"):
        z.eval({"q": 1.0})


def test_modes():
    x = at.vector("x")
    for mode in ("FAST_RUN", "FAST_COMPILE", arignote.Mode(linker="py", optimizer=None),
                 arignote.Mode("py", "fast_compile"), None):
        f = arignote.function([x], at.exp(x) + 1, mode=mode)
        np.testing.assert_allclose(f(np.zeros(2)), [2.0, 2.0])
    with pytest.raises(ValueError, match="unknown mode"):
        arignote.function([x], x, mode="FASTEST")
    with pytest.raises(ValueError, match="unknown linker"):
        arignote.Mode(linker="fortran")
    with pytest.raises(ValueError, match="unknown optimizer"):
        arignote.Mode(optimizer="o9")


def test_constants_are_folded_at_compile_time():
    x = at.vector("x")
    c = at.exp(at.constant(np.array([0.0, 1.0]))) * 2.0
    f = arignote.function([x], x + c)
    assert len(f.program.nodes) == 1
    np.testing.assert_allclose(f(np.zeros(2)), 2 * np.exp([0.0, 1.0]))
    g = arignote.function([x], x + c, mode=arignote.Mode("py", None))
    assert len(g.program.nodes) == 3


def test_runtime_error_names_op_and_user_line():
    x = at.vector("x")
    y = at.vector("y")
    z = at.exp(x) + y
    f = arignote.function([x, y], z)
    with pytest.raises(ValueError, match=r"(Add|Composite\{.*\}) \(built at .*test_function.py:\d+\): "
                                         r"operands could not"):
        f(np.ones(2), np.ones(3))


def test_trust_input_skips_checks():
    x = at.vector("x")
    f = arignote.function([x], x + 1, trust_input=True)
    np.testing.assert_allclose(f(np.zeros(2)), [1.0, 1.0])


def test_failure_on_constants_is_left_for_run_time():
    x = at.vector("x")
    c = at.constant(np.array([2])) ** at.constant(np.array([-1]))  # NumPy refuses to compute it
    f = arignote.function([x], x + c)
    with pytest.raises(ValueError, match=r"Pow \(built at .*test_function.py:\d+\): Integers to negative"):
        f(np.ones(1))
