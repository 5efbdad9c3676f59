"""``vectorize_graph`` and ``at.vectorize``: graphs over any number of batch dims, against a
Python loop over the batch and against NumPy's ``np.vectorize``."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.graph.traversal import toposort
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.vectorize_node import vectorize_node
from tests.checks import random_array


def _looped(f, batch, *values):
    """``f`` (compiled on core inputs) run on every batch index of ``values`` (already
    broadcast to ``batch`` + core), stacked."""
    rows = [f(*[v[i] for v in values]) for i in np.ndindex(*batch)]
    if not rows:  # an empty batch: the core shapes, from a run on zeros
        core = f(*[np.zeros(v.shape[len(batch):]) for v in values])
        return [np.zeros(batch + np.shape(c)) for c in (core if isinstance(core, list) else [core])]
    first = rows[0] if isinstance(rows[0], list) else [rows[0]]
    stacked = []
    for k in range(len(first)):
        parts = [r[k] if isinstance(r, list) else r for r in rows]
        stacked.append(np.array(parts).reshape(batch + np.shape(first[k])))
    return stacked


# graphs on core inputs (a matrix and a vector), with the ops derivatives and models build
GRAPHS = {
    "elemwise": lambda A, v: at.exp(A) * v - 1,
    "dimshuffle_reduce": lambda A, v: (A.T * v[:, None]).sum(axis=0),
    "dot": lambda A, v: at.dot(A, v),
    "dot_matrix": lambda A, v: at.dot(A.T, A) + at.outer(v, v),
    "indexing": lambda A, v: A[1:, ::2] * v[0],
    "shapes": lambda A, v: at.zeros_like(A) + A.shape[0] + at.ones((A.shape[1],)) * v.sum(),
    "reshape": lambda A, v: at.reshape(A, (-1,)) * 2,
    "join": lambda A, v: at.concatenate([A, at.exp(A)], axis=1),     # a batching rule
    "sort": lambda A, v: at.sort(A, axis=1) + v,                       # no rule: a Blockwise
    "softmax": lambda A, v: at.special.softmax(A, axis=-1),
    "cumsum": lambda A, v: at.cumsum(A, axis=0) * v,
    "alloc": lambda A, v: at.alloc(v[0], 2, 3) + A[0, 0],
    "diagonal": lambda A, v: at.diagonal(at.dot(A, A.T)) + v[0],
}


@pytest.mark.parametrize("batch_a,batch_v", [((4,), ()), ((2, 3), (3,)), ((2, 1), (1, 5)), ((0,), (0,)),
                                             ((2, 3), (2, 3))])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_vectorize_graph_against_a_loop(rng, name, batch_a, batch_v):
    A, v = at.matrix("A"), at.vector("v")
    out = GRAPHS[name](A, v)
    A_b = at.tensor("Ab", shape=tuple(1 if n == 1 else None for n in batch_a) + (None, None))
    v_b = at.tensor("vb", shape=tuple(1 if n == 1 else None for n in batch_v) + (None,))
    batched = at.vectorize_graph(out, {A: A_b, v: v_b})
    a_val = random_array(rng, batch_a + (3, 4))
    v_val = random_array(rng, batch_v + (4,))
    got = arignote.function([A_b, v_b], batched, on_unused_input="ignore")(a_val, v_val)
    batch = np.broadcast_shapes(batch_a, batch_v)
    core = arignote.function([A, v], out, on_unused_input="ignore")
    (expected,) = _looped(core, batch, np.broadcast_to(a_val, batch + (3, 4)),
                          np.broadcast_to(v_val, batch + (4,)))
    # an output that depends on one input only has that input's batch dims
    got = np.broadcast_to(got, expected.shape)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_vectorize_graph_builds_the_batched_forms():
    A, v = at.matrix("A"), at.vector("v")
    A_b, v_b = at.tensor3("Ab"), at.tensor3("vb")[:, :, 0]
    out = at.vectorize_graph((at.exp(A) * v).sum(axis=0) + at.dot(A, v).sum(), {A: A_b, v: v_b})
    ops = {type(n.op).__name__ for n in toposort([out])}
    assert ops == {"Subtensor", "DimShuffle", "Elemwise", "CAReduce", "MatMul"}
    assert out.ndim == 2
    # an op with neither a batched form nor a batching rule becomes a Blockwise
    sorted_b = at.vectorize_graph(at.sort(A, axis=1), {A: A_b})
    assert isinstance(sorted_b.owner.op, Blockwise)


def test_vectorize_graph_structure_and_untouched_outputs():
    x, y = at.vector("x"), at.vector("y")
    xs = at.matrix("xs")
    single = at.vectorize_graph(x * 2, {x: xs})
    assert single.ndim == 2
    both = at.vectorize_graph([x * 2, y + 1], {x: xs})
    assert isinstance(both, list) and both[0].ndim == 2 and both[1] is not None
    assert both[1].ndim == 1  # does not depend on x: returned as it is
    same = at.vectorize_graph([x * 2], {x: at.vector("z")})
    assert same[0].ndim == 1


def test_vectorize_graph_errors():
    x = at.matrix("x")
    with pytest.raises(ValueError, match="fewer dimensions"):
        at.vectorize_graph(x * 2, {x: at.vector()})
    with pytest.raises(TypeError, match="keys"):
        at.vectorize_graph(x * 2, {"x": at.matrix()})


def test_vectorize_node_with_a_changed_unbatched_input():
    x, y = at.vector("x"), at.vector("y")
    node = (x + y).owner
    z = at.vector("z")
    (out,) = vectorize_node(node, at.matrix("xs"), z)
    assert out.ndim == 2 and z in out.owner.inputs


def test_gradient_of_a_vectorized_graph(rng):
    A, v = at.matrix("A"), at.vector("v")
    out = at.tanh(at.dot(A, v)).sum() + at.sort(v)[0]

    def build(A_b, v_b):
        return at.vectorize_graph(out, {A: A_b, v: v_b})
    verify_grad(build, [random_array(rng, (2, 3, 4)), random_array(rng, (2, 4))], rng=rng)
    verify_grad(build, [random_array(rng, (2, 1, 3, 4)), random_array(rng, (5, 4))], rng=rng)


# --- at.vectorize ------------------------------------------------------------------------------

def test_vectorize_with_a_signature(rng):
    def outer_and_inner(x, y):
        return x[:, None] * y[None, :], (x * y).sum()

    f = at.vectorize(outer_and_inner, signature="(a),(b)->(a,b),()")
    x = at.tensor("x", shape=(2, 3, 5))
    y = at.tensor("y", shape=(2, 3, 5))
    outer, inner = f(x, y)
    assert outer.type.shape == (2, 3, 5, 5) and inner.type.shape == (2, 3)
    assert not any(isinstance(n.op, Blockwise) for n in toposort([outer, inner]))
    xv, yv = random_array(rng, (2, 3, 5)), random_array(rng, (2, 3, 5))
    got = arignote.function([x, y], [outer, inner])(xv, yv)
    expected = np.vectorize(outer_and_inner_numpy, signature="(a),(b)->(a,b),()")(xv, yv)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e)


def outer_and_inner_numpy(x, y):
    return x[:, None] * y[None, :], (x * y).sum()


def test_vectorize_without_a_signature(rng):
    # as PyTensor (and unlike NumPy): the inputs are scalars at their core, the outputs are
    # what the function gives
    f = at.vectorize(lambda x: at.full((5, 3), x))
    x = at.tensor("x", shape=(4,))
    out = f(x)
    assert out.type.ndim == 3
    xv = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(out.eval({x: xv}), np.full((4, 5, 3), xv[:, None, None]))
    g = at.vectorize(lambda a, b: a * 2 + b)
    a, b = at.matrix("a"), at.vector("b")
    np.testing.assert_allclose(g(a, b).eval({a: np.ones((2, 3)), b: np.arange(3.0)}),
                               np.ones((2, 3)) * 2 + np.arange(3.0))


def test_vectorize_gives_every_output_the_batch_dims(rng):
    # as np.vectorize: an output that does not depend on every argument is broadcast
    f = at.vectorize(lambda x, y: (x * 2, y.sum()), signature="(n),(m)->(n),()")
    x, y = at.matrix("x"), at.vector("y")
    doubled, total = f(x, y)
    assert doubled.ndim == 2 and total.ndim == 1
    xv, yv = random_array(rng, (3, 4)), random_array(rng, (5,))
    got = arignote.function([x, y], [doubled, total])(xv, yv)
    np.testing.assert_allclose(got[0], xv * 2)
    np.testing.assert_allclose(got[1], np.full(3, yv.sum()))


def test_vectorize_of_ops_with_and_without_batched_forms(rng):
    def core(A, b):
        return at.sort(at.dot(A, b)) + at.cumsum(b)[-1]

    f = at.vectorize(core, signature="(m,n),(n)->(m)")
    A, b = at.tensor("A", shape=(None, None, 3, 4)), at.matrix("b")
    out = f(A, b)
    Av, bv = random_array(rng, (2, 5, 3, 4)), random_array(rng, (5, 4))
    got = arignote.function([A, b], out)(Av, bv)
    expected = np.vectorize(lambda a, c: np.sort(a @ c) + np.cumsum(c)[-1],
                            signature="(m,n),(n)->(m)")(Av, bv)
    np.testing.assert_allclose(got, expected)


def test_vectorize_errors():
    def func(x, y):
        return x + y, x - y

    x = at.tensor("x", shape=(5,))
    y = at.tensor("y", shape=())
    with pytest.raises(ValueError, match="1 argument"):
        at.vectorize(func, signature="(),()->()")(x)
    with pytest.raises(ValueError, match="1 output"):
        at.vectorize(func, signature="(),()->()")(x, y)
    with pytest.raises(ValueError, match="argument 1 .* fewer dimensions"):
        at.vectorize(func, signature="(a),(a)->(a),(a)")(x, y)
    with pytest.raises(ValueError, match="no outputs"):
        at.vectorize(lambda a, b: None)(x, y)
    with pytest.raises(ValueError, match="core dimension"):
        at.vectorize(lambda a: a.sum(), signature="(n)->(n)")(x)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        at.vectorize(lambda a, b: a + b)(at.tensor(shape=(2,)), at.tensor(shape=(3,)))
    with pytest.raises(TypeError, match="must be a tensor"):
        at.vectorize(func)(_not_a_tensor(), x)


def _not_a_tensor():
    from arignote.graph.basic import Variable
    from arignote.graph.type import Type

    return Variable(Type(), None, None, "r")


def test_vectorize_keeps_the_function_name():
    def my_function(x):
        return x * 2

    assert at.vectorize(my_function).__name__ == "my_function"
