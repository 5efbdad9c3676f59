"""``Blockwise``: core ops lifted over batch dims, against NumPy, on every backend."""

import pickle
from dataclasses import dataclass

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.jax.registry import jax_impl
from arignote.compile import get_mode
from arignote.gradient import verify_grad
from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.graph.traversal import toposort
from arignote.tensor.blockwise import Blockwise, blockwise, fixed_length, parse_signature
from arignote.tensor.products import Diagonal, Dot, MatMul
from arignote.tensor.shape_inference import shape_of
from arignote.tensor.type import TensorType
from tests.checks import default_tolerance, random_array, symbolic_like

# --- test-only core ops --------------------------------------------------------------


@dataclass(frozen=True)
class OuterSum(Op):
    """``x[:, None] + scale * y[None, :]``, and ``x.sum() * y.sum()``: two outputs, a core dim
    per input, no batched form of its own."""

    scale: float = 1.0
    gufunc_signature = "(m),(n)->(m,n),()"

    def make_node(self, x, y):
        x, y = at.as_tensor_variable(x), at.as_tensor_variable(y)
        dtype = np.result_type(x.type.numpy_dtype, y.type.numpy_dtype).name
        return Apply.build(self, [x, y], [TensorType(dtype, (x.type.shape[0], y.type.shape[0])),
                                          TensorType(dtype, ())])

    def perform(self, x, y):
        dtype = np.result_type(x, y)
        return ((x[:, None] + self.scale * y[None, :]).astype(dtype),
                np.asarray(x.sum() * y.sum(), dtype=dtype))

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[0][0], input_shapes[1][0]), ()]

    def pullback(self, inputs, outputs, cotangents):
        x, y = inputs
        g_outer, g_prod = cotangents
        gx, gy = at.zeros_like(x), at.zeros_like(y)
        if g_outer is not None:
            gx = gx + g_outer.sum(axis=1)
            gy = gy + self.scale * g_outer.sum(axis=0)
        if g_prod is not None:
            gx = gx + g_prod * y.sum()
            gy = gy + g_prod * x.sum()
        return [gx, gy]


@dataclass(frozen=True)
class Differences(Op):
    """``np.diff``: its output core dim is named after no input, and it has no shape rule."""

    gufunc_signature = "(n)->(p)"

    def make_node(self, x):
        x = at.as_tensor_variable(x)
        n = x.type.shape[0]
        return Apply.build(self, [x], [TensorType(x.dtype, (None if n is None else max(n - 1, 0),))])

    def perform(self, x):
        return np.diff(x)

    def pullback(self, inputs, outputs, cotangents):
        g = cotangents[0]
        return [at.concatenate([-g[:1], g[:-1] - g[1:], g[-1:]])]


@jax_impl.register(OuterSum)
def _outer_sum_jax(op, node, ctx):
    import jax.numpy as jnp

    dtype = node.outputs[0].type.numpy_dtype
    return lambda x, y: ((x[:, None] + op.scale * y[None, :]).astype(dtype),
                         (jnp.sum(x) * jnp.sum(y)).astype(dtype))


@jax_impl.register(Differences)
def _differences_jax(op, node, ctx):
    import jax.numpy as jnp

    return jnp.diff


def loop_mode():
    """The default mode (whichever backend this run tests) without the rule that turns a
    Blockwise of an op with a batched form into that form: the loop itself runs."""
    return get_mode(None).excluding("blockwise_to_batched_form")


def _core_op(build, *core_types):
    """The op of ``build`` applied to variables of ``core_types``."""
    return build(*[t.make_variable() for t in core_types]).owner.op


SUM0 = _core_op(lambda x: at.sum(x), TensorType("float64", (None,)))
INDEX = _core_op(lambda x, i: x[i], TensorType("float64", (None,)), TensorType("int64", ()))

# (core op, signature, NumPy reference of the whole batched call, input shapes, input dtypes)
CASES = {
    "dot_batch": (Dot(), "(m,k),(k,n)->(m,n)", np.matmul, [(4, 2, 3), (3, 5)]),
    "dot_both_batched": (Dot(), "(m,k),(k,n)->(m,n)", np.matmul, [(2, 4, 2, 3), (4, 3, 5)]),
    "dot_stretch": (Dot(), "(m,k),(k,n)->(m,n)", np.matmul, [(1, 2, 3), (4, 3, 5)]),
    "dot_inner": (Dot(), "(k),(k)->()", lambda a, b: (a * b).sum(-1), [(3, 1, 4), (2, 4)]),
    "matmul_core": (MatMul(), "(p,m,k),(k,n)->(p,m,n)", lambda a, b: np.matmul(a, b[:, None]),
                    [(2, 3, 2, 3), (2, 3, 4)]),
    "diagonal": (Diagonal(0, 0, 1), "(m,n)->(k)", lambda x: np.diagonal(x, 0, -2, -1), [(2, 3, 4, 3)]),
    "diagonal_offset": (Diagonal(1, 1, 0), "(m,n)->(k)", lambda x: np.diagonal(x, 1, -1, -2),
                        [(5, 3, 4)]),
    "sum": (SUM0, "(n)->()", lambda x: x.sum(-1), [(2, 3, 4)]),
    "outer_sum": (OuterSum(2.0), None,
                  lambda x, y: (x[..., :, None] + 2.0 * y[..., None, :], x.sum(-1) * y.sum(-1)),
                  [(3, 1, 2), (4, 5)]),
    "differences": (Differences(), None, lambda x: np.diff(x, axis=-1), [(2, 3, 5)]),
}


def _values(rng, shapes, dtype="float64"):
    return [random_array(rng, s, dtype) for s in shapes]


def _check(outs, expected, dtype=None):
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    assert len(outs) == len(expected)
    for got, want in zip(outs, expected):
        want = np.asarray(want, dtype=dtype or np.asarray(want).dtype)
        assert got.shape == want.shape
        rtol, atol = default_tolerance(got.dtype)
        np.testing.assert_allclose(got, want, rtol=rtol * 10, atol=atol * 10)


def _compile_case(name, shapes, dtype="float64", mode=None):
    core_op, signature, reference, _ = CASES[name]
    op = Blockwise(core_op, signature)
    inputs = [at.tensor(f"x{i}", dtype=dtype, shape=tuple(1 if n == 1 else None for n in s))
              for i, s in enumerate(shapes)]
    outs = op(*inputs)
    return op, inputs, outs, arignote.function(inputs, outs, mode=mode), reference


# --- the signature ---------------------------------------------------------------------

def test_parse_signature():
    assert parse_signature("(m,n),(n)->(m)") == ([("m", "n"), ("n",)], [("m",)])
    assert parse_signature(" (m, n) , () -> (m), () ") == ([("m", "n"), ()], [("m",), ()])
    assert parse_signature("(x_1)->(x_1,y)") == ([("x_1",)], [("x_1", "y")])
    for bad in ["(m,n)", "(m)(n)->()", "((m))->()", "(m,)->()", "(m)->", "->(m)", "(1.5)->()", "(-1)->()",
                "(m?)->()"]:
        with pytest.raises(ValueError, match="signature"):
            parse_signature(bad)
    with pytest.raises(TypeError):
        parse_signature(None)


def test_op_identity_and_pickling():
    a = Blockwise(Dot(), "(m,k),(k,n)->(m,n)")
    b = Blockwise(Dot(), "(m, k), (k, n) -> (m, n)")
    assert a == b and hash(a) == hash(b)
    assert a != Blockwise(Dot(), "(k),(k)->()")
    assert Blockwise(OuterSum(2.0)) == Blockwise(OuterSum(2.0), "(m),(n)->(m,n),()")
    assert Blockwise(OuterSum(2.0)) != Blockwise(OuterSum(3.0))
    for op in (a, Blockwise(OuterSum(2.0)), Blockwise(SUM0, "(n)->()")):
        assert pickle.loads(pickle.dumps(op)) == op
    assert str(a) == "Blockwise{Dot, (m,k),(k,n)->(m,n)}"
    with pytest.raises(TypeError, match="gufunc_signature"):
        Blockwise(Dot())
    with pytest.raises(ValueError, match="signature"):
        Blockwise(Dot(), "(m,k)(k,n)->(m,n)")


def test_graph_with_blockwise_pickles(rng):
    x, y = at.matrix("x"), at.tensor3("y")
    outer, total = Blockwise(OuterSum(2.0))(x, y)
    out = (outer.sum() + total.sum())
    again = pickle.loads(pickle.dumps(out))
    a, b = _values(rng, [(3, 2), (4, 3, 5)])
    np.testing.assert_allclose(arignote.function([x, y], out)(a, b),
                               arignote.function(_inputs_named(again, ["x", "y"]), again)(a, b))


def _inputs_named(out, names):
    from arignote.graph.traversal import graph_inputs

    found = {v.name: v for v in graph_inputs([out])}
    return [found[n] for n in names]


# --- building ----------------------------------------------------------------------------

def test_static_output_types():
    op = Blockwise(Dot(), "(m,k),(k,n)->(m,n)")
    a = at.tensor("a", shape=(None, 1, 2, 3))
    b = at.tensor("b", shape=(5, 3, None))
    assert op(a, b).type == TensorType("float64", (None, 5, 2, None))
    # a name static in one input is static in every input and output
    c = at.tensor("c", shape=(4, None, 3))
    d = at.tensor("d", shape=(None, 6))
    assert op(c, d).type.shape == (4, None, 6)
    mixed = op(at.tensor("e", dtype="int32", shape=(2, 2, 3)), at.matrix("f", dtype="float32"))
    assert mixed.dtype == "float64"


def test_build_errors():
    op = Blockwise(Dot(), "(m,k),(k,n)->(m,n)")
    with pytest.raises(TypeError, match="input 1 .* fewer than its 2 core dimension"):
        op(at.matrix(), at.vector())
    with pytest.raises(TypeError, match="expected 2 input"):
        op(at.matrix())
    with pytest.raises(ValueError, match="batch dimensions .* cannot be broadcast"):
        op(at.tensor(shape=(2, 3, 3)), at.tensor(shape=(4, 3, 3)))
    with pytest.raises(ValueError, match="core dimension 'k' has length 3 in input 0 but 4 in input 1"):
        op(at.tensor(shape=(2, 2, 3)), at.tensor(shape=(4, 5)))
    with pytest.raises(TypeError, match="signature has 2 output"):
        Blockwise(Dot(), "(m,k),(k,n)->(m,n),()")(at.matrix(), at.matrix())
    with pytest.raises(TypeError, match="core dimensions \\(m\\)"):
        Blockwise(Dot(), "(m,k),(k,n)->(m)")(at.matrix(), at.matrix())


def test_blockwise_function_uses_the_core_op_without_batch_dims():
    a, b = at.matrix("a"), at.matrix("b")
    assert isinstance(blockwise(Dot(), a, b, signature="(m,k),(k,n)->(m,n)").owner.op, Dot)
    out = blockwise(Dot(), at.tensor3("c"), b, signature="(m,k),(k,n)->(m,n)")
    assert out.owner.op == Blockwise(Dot(), "(m,k),(k,n)->(m,n)")
    outer, total = blockwise(OuterSum(), at.matrix(), at.vector())
    assert outer.ndim == 3 and total.ndim == 1


# --- values ------------------------------------------------------------------------------

@pytest.mark.parametrize("loop", [False, True], ids=["default", "loop"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_against_numpy(rng, name, loop):
    shapes = CASES[name][3]
    values = _values(rng, shapes)
    _, _, _, f, reference = _compile_case(name, shapes, mode=loop_mode() if loop else None)
    _check(f(*values), reference(*values))


@pytest.mark.parametrize("dtype", ["float32", "int64", "complex128"])
@pytest.mark.parametrize("name", ["dot_batch", "diagonal", "outer_sum"])
def test_dtypes(rng, name, dtype):
    shapes = CASES[name][3]
    values = _values(rng, shapes, dtype)
    _, _, outs, f, reference = _compile_case(name, shapes, dtype, mode=loop_mode())
    got = f(*values)
    got = got if isinstance(got, list) else [got]
    outs = outs if isinstance(outs, list) else [outs]
    for g, o in zip(got, outs):
        assert g.dtype == o.type.numpy_dtype
    _check(got, reference(*values))


@pytest.mark.parametrize("loop", [False, True], ids=["default", "loop"])
@pytest.mark.parametrize("name,shapes,expected", [
    ("dot_batch", [(0, 2, 3), (3, 5)], [(0, 2, 5)]),
    ("dot_both_batched", [(2, 0, 2, 3), (0, 3, 5)], [(2, 0, 2, 5)]),
    ("diagonal", [(0, 4, 3)], [(0, 3)]),
    ("outer_sum", [(0, 2), (3,)], [(0, 2, 3), (0,)]),
    ("differences", [(3, 0, 5)], [(3, 0, 4)]),
])
def test_empty_batch(rng, name, shapes, expected, loop):
    _, _, outs, f, _ = _compile_case(name, shapes, mode=loop_mode() if loop else None)
    got = f(*_values(rng, shapes))
    got = got if isinstance(got, list) else [got]
    assert [g.shape for g in got] == expected
    outs = outs if isinstance(outs, list) else [outs]
    assert [g.dtype for g in got] == [o.type.numpy_dtype for o in outs]


def test_empty_batch_shape_from_a_run_on_zeros(rng):
    # Differences names its output dim after no input and has no shape rule: an empty batch
    # runs the core op once on zeros of the core shapes to learn its output's core shape
    from arignote.tensor.blockwise_perform import BlockwiseRunner

    x = at.tensor3("x")
    runner = BlockwiseRunner(Blockwise(Differences())(x).owner)
    assert runner.core_output_shapes([(7,)]) == [(6,)]
    assert runner.sources == [[None]]
    assert Blockwise(Differences()).perform(np.zeros((2, 0, 7))).shape == (2, 0, 6)


def test_perform_on_plain_values(rng):
    op = Blockwise(Dot(), "(m,k),(k,n)->(m,n)")
    a, b = _values(rng, [(4, 1, 2, 3), (5, 3, 2)])
    np.testing.assert_allclose(op.perform(a, b), np.matmul(a, b))
    outer, total = Blockwise(OuterSum()).perform(*_values(rng, [(2, 3), (4,)]))
    assert outer.shape == (2, 3, 4) and total.shape == (2,)


def test_index_varying_along_the_batch(rng):
    x, i = at.matrix("x"), at.vector("i", dtype="int64")
    out = Blockwise(INDEX, "(n),()->()")(x, i)
    a = random_array(rng, (4, 6))
    idx = np.array([0, 5, -1, 2])
    np.testing.assert_allclose(arignote.function([x, i], out)(a, idx), a[np.arange(4), idx])
    with pytest.raises(IndexError):
        arignote.function([x, i], out)(a, np.array([0, 6, 0, 0]))


def test_core_op_with_a_constant_input():
    # an unbatched constant reaches the core op as itself, so its value can decide shapes
    x = at.tensor3("x")
    out = at.vectorize(lambda v: at.reshape(v, (2, 3)), signature="(n)->(a,b)")(x[:, :, :6])
    assert out.type.shape[-2:] == (2, 3)


def test_same_results_on_every_linker(rng):
    x, y = at.matrix("x"), at.tensor3("y")
    outer, total = Blockwise(OuterSum(0.5))(x, y)
    a, b = _values(rng, [(3, 2), (4, 3, 5)])
    results = []
    for linker in ("py", "c"):
        try:
            mode = arignote.compile.Mode(linker=linker)
            results.append(arignote.function([x, y], [outer, total], mode=mode)(a, b))
        except arignote.backend.c.CompilerUnavailable:
            continue
    for other in results[1:]:
        for r0, r1 in zip(results[0], other):
            np.testing.assert_array_equal(r0, r1)


def test_c_backend_runs_the_loop_as_a_numpy_step(rng):
    x, y = at.matrix("x"), at.tensor3("y")
    outer, _ = Blockwise(OuterSum())(x, y)
    try:
        f = arignote.function([x, y], outer, mode="C")
    except arignote.backend.c.CompilerUnavailable:
        pytest.skip("no C compiler")
    assert any("Blockwise" in line for line in f.program.describe())
    a, b = _values(rng, [(3, 2), (4, 3, 5)])
    np.testing.assert_allclose(f(a, b), a[:, :, None] + b[:, :, None, :])


# --- run-time errors --------------------------------------------------------------------

def test_core_dims_must_agree_at_run_time(rng):
    op = Blockwise(OuterSum(), "(m),(m)->(m,m),()")
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], op(x, y)[1], mode=loop_mode())
    with pytest.raises(ValueError, match="core dimension 'm' has length 3 in input 0 .* but 4 in input 1"):
        f(np.zeros((2, 3)), np.zeros((2, 4)))


def test_unknown_batch_length_does_not_stretch(rng):
    op = Blockwise(OuterSum())
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], op(x, y)[1], mode=loop_mode())
    with pytest.raises(ValueError, match="batch dimensions"):
        f(np.zeros((1, 3)), np.zeros((2, 4)))
    # a static 1 stretches
    row = at.tensor("row", shape=(1, None))
    g = arignote.function([row, y], op(row, y)[1], mode=loop_mode())
    assert g(np.ones((1, 3)), np.ones((2, 4))).shape == (2,)


# --- shapes ---------------------------------------------------------------------------------

# --- lengths fixed by the signature ("(3),(3)->(3)", NumPy's frozen dims) --------------------

def test_parse_fixed_lengths():
    assert parse_signature("(3),(3)->(3)") == ([("3",), ("3",)], [("3",)])
    assert parse_signature("()->(2,a)") == ([()], [("2", "a")])
    assert parse_signature("(03,m)->(m)") == ([("3", "m")], [("m",)])  # one spelling per length
    assert fixed_length("3") == 3 and fixed_length("m") is None


def test_fixed_lengths_give_static_output_lengths():
    outer, total = Blockwise(OuterSum(), "(2),(n)->(2,n),()")(at.matrix("x"), at.vector("y"))
    assert outer.type.shape == (None, 2, None) and total.type.shape == (None,)
    # an output length named by no input, fixed by the signature
    (diffs,) = [Blockwise(Differences(), "(n)->(4)")(at.matrix("x"))]
    assert diffs.type.shape == (None, 4)
    # the core op's static length must not contradict it
    with pytest.raises(TypeError, match="fixes the length of output 0"):
        Blockwise(Differences(), "(n)->(3)")(at.matrix("x", shape=(None, 5)))


def test_fixed_input_length_checked_when_built():
    op = Blockwise(OuterSum(), "(2),(3)->(2,3),()")
    with pytest.raises(ValueError, match="must have length 3 in its core dimension 0"):
        op(at.matrix("x"), at.matrix("y", shape=(None, 4)))
    with pytest.raises(ValueError, match="must have length 2"):
        blockwise(OuterSum(), at.vector("x", shape=(5,)), at.vector("y"), signature="(2),(3)->(2,3),()")


@pytest.mark.parametrize("loop", [True, False])
def test_fixed_lengths_at_run_time(rng, loop):
    mode = loop_mode() if loop else None
    x, y = at.matrix("x"), at.vector("y")
    outer, total = Blockwise(OuterSum(), "(2),(3)->(2,3),()")(x, y)
    assert outer.type.shape == (None, 2, 3)
    f = arignote.function([x, y], [outer, total, outer.shape], mode=mode)
    a, b = _values(rng, [(4, 2), (3,)])
    got = f(a, b)
    _check(got[:2], [a[:, :, None] + b[None, None, :], a.sum(-1) * b.sum()])
    np.testing.assert_array_equal(got[2], [4, 2, 3])
    with pytest.raises(ValueError, match=r"\(None, 2\)"):
        f(np.ones((4, 3)), b)
    with pytest.raises(ValueError, match="3"):
        f(a, np.ones(4))
    # without batch dims the node is its core op, and the check stays
    u, v = at.vector("u"), at.vector("v")
    g = arignote.function([u, v], blockwise(OuterSum(), u, v, signature="(2),(n)->(2,n),()")[0], mode=mode)
    np.testing.assert_allclose(g(np.ones(2), np.ones(3)), np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match="2"):
        g(np.ones(3), np.ones(3))


def test_fixed_output_length_at_run_time(rng):
    x = at.matrix("x")
    out = Blockwise(Differences(), "(n)->(4)")(x)
    f = arignote.function([x], [out, out.shape], mode=loop_mode())
    value = rng.normal(size=(3, 5))
    got, shape = f(value)
    np.testing.assert_allclose(got, np.diff(value, axis=-1))
    np.testing.assert_array_equal(shape, [3, 4])
    # the shape without running the loop: the length is the signature's
    assert not _reads(shape_of(out)[1:], out.owner)
    # a core result of another length: the loop says so
    runner = Blockwise(Differences(), "(n)->(4)").py_impl(out.owner)
    with pytest.raises(ValueError, match="fixes the length of output 0"):
        runner(np.ones((3, 6)))


@dataclass(frozen=True)
class NotRun(Op):
    """A scalar to a matrix, never run: its shape rule reads its own value for the first
    length (which a signature fixing that length makes unnecessary)."""

    def make_node(self, x):
        return Apply.build(self, [at.as_tensor_variable(x)], [TensorType("float64", (None, None))])

    def perform(self, x):
        raise AssertionError("the core op must not run")

    def infer_shape(self, node, input_shapes):
        return [(node.outputs[0][0, 0].astype("int64"), at.as_tensor_variable(np.int64(3)))]


@pytest.mark.parametrize("rank", [0, 1])
def test_fixed_output_length_without_running_the_core_op(rank):
    # with batch dims or without (the node then becomes its core op, the length is kept)
    x = at.tensor("x", dtype="float64", shape=(None,) * rank)
    y = Blockwise(NotRun(), "()->(2,a)")(x)
    assert y.type.shape == (None,) * rank + (2, None)
    f = arignote.function([x], y.shape)
    np.testing.assert_array_equal(f(np.zeros((4,) * rank)), [4] * rank + [2, 3])


def test_fixed_lengths_gradient(rng):
    op = Blockwise(OuterSum(1.5), "(2),(n)->(2,n),()")
    verify_grad(lambda x, y: op(x, y)[0], _values(rng, [(3, 2), (3, 4)]), rng=rng, mode=loop_mode())
    verify_grad(lambda x, y: op(x, y)[1], _values(rng, [(3, 2), (4,)]), rng=rng)


def _reads(dims, node):
    return any(n is node for n in toposort([d for d in dims]))


def test_infer_shape_without_running_the_core_op():
    op = Blockwise(Diagonal(0, 0, 1), "(m,n)->(k)")
    x = at.tensor4("x")
    out = op(x)
    dims = shape_of(out)
    assert not _reads(dims, out.owner)  # k from Diagonal's own shape rule, on x's lengths
    f = arignote.function([x], out.shape)
    assert not any(isinstance(n.op, Blockwise) for n in toposort(f.graph_outputs))
    np.testing.assert_array_equal(f(np.zeros((2, 0, 3, 5))), [2, 0, 3])

    outer, total = Blockwise(OuterSum())(at.matrix("a"), at.tensor3("b"))
    assert not _reads(shape_of(outer), outer.owner)
    assert not _reads(shape_of(total), total.owner)


def test_infer_shape_falls_back_to_the_output():
    out = Blockwise(Differences())(at.matrix("x"))
    dims = shape_of(out)
    assert not _reads(dims[:1], out.owner)  # the batch dim comes from the input
    assert _reads(dims[1:], out.owner)     # the core op has no shape rule: the output's length


# --- derivatives -----------------------------------------------------------------------------

GRAD_CASES = ["dot_batch", "dot_stretch", "dot_inner", "matmul_core", "diagonal", "diagonal_offset",
              "sum", "outer_sum", "differences"]


@pytest.mark.parametrize("loop", [False, True], ids=["default", "loop"])
@pytest.mark.parametrize("name", GRAD_CASES)
def test_pullback_against_finite_differences(rng, name, loop):
    core_op, signature, _, shapes = CASES[name]
    op = Blockwise(core_op, signature)

    def build(*xs):
        out = op(*xs)
        return out[0] + out[1][..., None, None] if isinstance(out, list) else out
    verify_grad(build, _values(rng, shapes), rng=rng, mode=loop_mode() if loop else None)


def test_pullback_with_one_output_unused(rng):
    op = Blockwise(OuterSum(3.0))
    verify_grad(lambda x, y: op(x, y)[1], _values(rng, [(2, 3), (2, 4)]), rng=rng)
    verify_grad(lambda x, y: op(x, y)[0], _values(rng, [(1, 3), (2, 4)]), rng=rng)


def test_pullback_of_index_varying_along_the_batch(rng):
    i = at.constant(np.array([0, 3, 1], dtype="int64"))
    op = Blockwise(INDEX, "(n),()->()")
    verify_grad(lambda x: op(x, i), _values(rng, [(3, 4)]), rng=rng, mode=loop_mode())


def test_second_derivative(rng):
    op = Blockwise(Dot(), "(m,k),(k,n)->(m,n)")
    a, b = at.tensor3("a"), at.matrix("b")
    cost = (op(a, b) ** 2).sum()
    (ga,) = arignote.grad(cost, [a])
    hvp = arignote.grad((ga * a).sum(), b)
    av, bv = _values(rng, [(2, 3, 4), (4, 2)])
    # cost = sum((a @ b)^2): d/db of sum(grad_a * a) = 4 * a^T a b summed over the batch
    expected = 4 * np.einsum("bij,bik,kl->jl", av, av, bv)
    np.testing.assert_allclose(arignote.function([a, b], hvp)(av, bv), expected, rtol=1e-10)


@pytest.mark.parametrize("name", ["dot_batch", "diagonal", "outer_sum", "differences"])
def test_forward_mode_against_finite_differences(rng, name):
    core_op, signature, _, shapes = CASES[name]
    op = Blockwise(core_op, signature)
    xs = [symbolic_like(v, name=f"x{k}") for k, v in enumerate(_values(rng, shapes))]
    ts = [x.type.make_variable(f"t{k}") for k, x in enumerate(xs)]
    outs = op(*xs)
    outs = outs if isinstance(outs, list) else [outs]
    jvps = arignote.Rop(outs, xs, ts)
    values, tangents = _values(rng, shapes), _values(rng, shapes)
    f = arignote.function(xs, outs)
    got = arignote.function([*xs, *ts], jvps, on_unused_input="ignore")(*values, *tangents)
    eps = 1e-6
    plus = f(*[v + eps * t for v, t in zip(values, tangents)])
    minus = f(*[v - eps * t for v, t in zip(values, tangents)])
    for g, p, m in zip(got, plus, minus):
        np.testing.assert_allclose(g, (p - m) / (2 * eps), rtol=1e-6, atol=1e-7)


# --- batching ---------------------------------------------------------------------------------

def test_batching_rule_adds_a_leading_batch_dim(rng):
    from arignote.autodiff.vectorize import vectorize_graph as vectorize_one_axis

    op = Blockwise(OuterSum())
    x, y = at.tensor3("x"), at.vector("y")
    outer, total = op(x, y)
    xs = at.tensor("xs", shape=(None, None, None, None))
    batched = vectorize_one_axis([outer, total], {x: xs}, at.shape_i(xs, 0))
    assert batched[0].owner.op == op  # the same Blockwise, one batch dim more
    xv, yv = _values(rng, [(5, 2, 3, 4), (6,)])
    got = arignote.function([xs, y], batched)(xv, yv)
    f = arignote.function([x, y], [outer, total])
    for k in range(5):
        _check([g[k] for g in got], f(xv[k], yv))


def test_jacobian_through_blockwise(rng):
    op = Blockwise(Dot(), "(m,k),(k,n)->(m,n)")
    a, b = at.tensor3("a"), at.matrix("b")
    J = arignote.jacobian(op(a, b).flatten(), b)
    av, bv = _values(rng, [(2, 3, 4), (4, 2)])
    got = arignote.function([a, b], J)(av, bv)
    # d (a @ b)[p, i, j] / d b[k, l] = a[p, i, k] * (j == l)
    expected = np.einsum("pik,jl->pijkl", av, np.eye(2)).reshape(2 * 3 * 2, 4, 2)
    np.testing.assert_allclose(got, expected)


# --- rewrites -----------------------------------------------------------------------------------

def _ops(f):
    return [type(n.op) for n in toposort(f.graph_outputs)]


def test_blockwise_of_an_op_with_a_batched_form_becomes_that_form():
    a, b = at.tensor3("a"), at.matrix("b")
    f = arignote.function([a, b], Blockwise(Dot(), "(m,k),(k,n)->(m,n)")(a, b))
    assert Blockwise not in _ops(f)
    x = at.tensor3("x")
    f = arignote.function([x], Blockwise(SUM0, "(n)->()")(x))
    assert Blockwise not in _ops(f)
    g = arignote.function([a, b], Blockwise(Dot(), "(m,k),(k,n)->(m,n)")(a, b), mode=loop_mode())
    assert Blockwise in _ops(g)


def test_unbatched_blockwise_is_its_core_op():
    x, y = at.vector("x"), at.vector("y")
    outer, _ = Blockwise(OuterSum()).make_node(x, y).outputs
    f = arignote.function([x, y], outer)
    assert Blockwise not in _ops(f) and OuterSum in _ops(f)
