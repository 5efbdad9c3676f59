"""PyTensor's ``pytensor.graph.*`` names on arignote's graphs: equal_computations, NominalVariable,
clone, vectorize_graph/_vectorize_node, apply_ancestors/applys_between, HasInnerGraph, the
errors of graph.utils, NullType, and the rewriters of graph.rewriting.basic."""

import pickle
import sys

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph import FunctionGraph, rewrite_graph
from arignote.graph.basic import Apply, Constant, NominalVariable, clone, equal_computations
from arignote.graph.null_type import NullType
from arignote.graph.op import HasInnerGraph, Op
from arignote.graph.replace import _vectorize_node, node_vectorizers, vectorize_graph
from arignote.graph.rewriting.basic import (
    MergeOptimizer,
    NodeRewriter,
    check_stack_trace,
    dfs_rewriter,
    in2out,
    node_rewriter,
    out2in,
)
from arignote.graph.traversal import apply_ancestors, applys_between
from arignote.graph.utils import InconsistencyError, MethodNotDefined
from arignote.scalar.math import Exp, Log
from arignote.tensor.elemwise import Elemwise

# --- equal_computations ------------------------------------------------------------------------

def test_equal_computations_on_the_same_and_on_mapped_inputs():
    x, y = at.vector("x"), at.vector("y")
    assert equal_computations([at.exp(x) + 1], [at.exp(x) + 1])
    assert not equal_computations([at.exp(x) + 1], [at.exp(y) + 1])
    assert equal_computations([at.exp(x) + 1], [at.exp(y) + 1], [x], [y])
    assert not equal_computations([at.exp(x) + 1], [at.exp(y) + 2], [x], [y])
    assert not equal_computations([at.exp(x) + 1], [at.log(y) + 1], [x], [y])
    # the mapping pairs x with y only: x against x is still the same variable
    assert equal_computations([x * y], [y * x], [x, y], [y, x])
    assert equal_computations([x * y], [x * y], [x, y], [y, x])  # the same object: equal
    with pytest.raises(ValueError):
        equal_computations([x], [x, y])


def test_equal_computations_constants_values_and_dtypes():
    x = at.vector("x")
    assert equal_computations([at.constant(np.array([1.0, np.nan]))], [np.array([1.0, np.nan])])
    assert not equal_computations([x], [np.array([1.0])])
    c32, c64 = at.constant(np.float32(2.0)), at.constant(np.float64(2.0))
    assert not equal_computations([c32], [c64])
    assert isinstance(c32, Constant)


def test_equal_computations_mapped_inputs_must_be_of_one_kind():
    x, m = at.vector("x"), at.matrix("m")
    assert not equal_computations([at.exp(x)], [at.exp(m)], [x], [m])


def test_equal_computations_walks_deep_graphs():
    x, y = at.dscalar("x"), at.dscalar("y")
    a, b = x, y
    for i in range(sys.getrecursionlimit() + 200):
        a, b = a + i, b + i
    assert equal_computations([a], [b], [x], [y])


# --- NominalVariable, clone --------------------------------------------------------------------

def test_nominal_variables_are_interned_by_type_and_id():
    t = at.vector("x").type
    a, b = NominalVariable(1, t), NominalVariable(1, t)
    assert a is b and a is not NominalVariable(2, t)
    assert isinstance(a, NominalVariable) and a.ndim == 1 and str(a) == "i1"
    # alpha-equivalence: graphs on nominal inputs built twice are the same graph
    assert (at.exp(a) + 1) is (at.exp(NominalVariable(1, t)) + 1)
    assert pickle.loads(pickle.dumps(a)) is a
    f = arignote.function([a], a * 2)
    np.testing.assert_allclose(f(np.arange(3.0)), [0, 2, 4])


def test_clone_copies_inputs_and_rebuilds_the_graph():
    x, w = at.vector("x"), at.vector("w")
    out = at.exp(x) * w
    (new_x,), (new_out,) = clone([x], [out])
    assert new_x is not x and new_x.type == x.type and new_x.name == "x"
    assert new_out is not out
    assert w not in arignote.graph.graph_inputs([new_out])  # an orphan: copied too
    (same_x,), (same_out,) = clone([x], [out], copy_inputs=False)
    assert same_x is x and same_out is out
    (x2,), (out2,) = clone([x], [out], copy_orphans=False)
    assert equal_computations([out2], [out], [x2], [x])
    f = arignote.function([x2, w], out2)
    np.testing.assert_allclose(f(np.ones(2), np.full(2, 2.0)), 2 * np.e)


# --- vectorize, traversal ------------------------------------------------------------------------

def test_vectorize_graph_and_vectorize_node():
    x, m = at.vector("x"), at.matrix("m")
    out = at.exp(x).sum()
    batched = vectorize_graph(out, {x: m})
    value = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(batched.eval({m: value}), np.exp(value).sum(axis=1))
    node = at.exp(x).owner
    new = _vectorize_node(node.op, node, m)
    assert new.inputs == (m,) and new.outputs[0].ndim == 2
    with pytest.raises(ValueError):
        _vectorize_node(at.log(x).owner.op, node, m)


class _RowNormalize(Op):
    """A PyTensor-protocol op on a vector (x / sum(x)) whose user registers how to batch it."""

    __props__ = ()

    def make_node(self, x):
        x = at.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] / inputs[0].sum()


class _RowNormalizeSubclass(_RowNormalize):
    pass


def test_vectorize_node_register_batches_a_users_op():
    calls = []

    @_vectorize_node.register(_RowNormalize)
    def batch_row_normalize(op, node, x):
        calls.append(type(op))
        return [x / x.sum(axis=-1, keepdims=True)]  # outputs (an Apply works too)

    try:
        assert _vectorize_node.dispatch(_RowNormalizeSubclass) is batch_row_normalize
        v, m = at.dvector("v"), at.dtensor3("m")
        for op_type in (_RowNormalize, _RowNormalizeSubclass):
            out = at.exp(op_type()(v))
            batched = vectorize_graph(out, {v: m})
            value = np.random.default_rng(1).uniform(1, 2, size=(2, 3, 4))
            np.testing.assert_allclose(arignote.function([m], batched)(value),
                                       np.exp(value / value.sum(axis=-1, keepdims=True)), rtol=1e-15)
        assert calls == [_RowNormalize, _RowNormalizeSubclass]
        # the same function also batches through at.vectorize and vectorize_graph's other users
        _vectorize_node.register(_RowNormalize, lambda op, node, x: (x * 2.0).owner)
        doubled = vectorize_graph(_RowNormalize()(v), {v: at.dmatrix("w")})
        assert doubled.owner.op == at.mul(at.dmatrix("w"), 2.0).owner.op
        _vectorize_node.register(_RowNormalize, lambda op, node, x: [x, x])
        with pytest.raises(ValueError, match="gave 2 output"):
            vectorize_graph(_RowNormalize()(v), {v: at.dmatrix("w")})
        with pytest.raises(TypeError, match="op class"):
            _vectorize_node.register(_RowNormalize())
    finally:
        node_vectorizers.remove(_RowNormalize)


def test_apply_ancestors_and_applys_between():
    x = at.vector("x")
    y = at.exp(x)
    z = at.log(y) + 1
    assert [n.op.scalar_op.__class__ for n in apply_ancestors([z])] == [
        Exp, Log, type(z.owner.op.scalar_op)]
    assert list(applys_between([y], [z])) == [at.log(y).owner, z.owner]
    assert list(applys_between([x], z)) == list(apply_ancestors([z]))
    assert list(apply_ancestors([x])) == []


def test_has_inner_graph_marks_ops_with_a_body():
    x = at.vector("x")
    out, _ = arignote.scan(lambda v: v * 2, sequences=[x])
    kinds = [isinstance(n.op, HasInnerGraph) for n in arignote.graph.toposort([out])]
    assert any(kinds) and not all(kinds)
    assert not isinstance(at.exp(x).owner.op, HasInnerGraph)
    assert not isinstance(x, HasInnerGraph)


def test_graph_utils_errors_and_null_type():
    assert issubclass(MethodNotDefined, NotImplementedError)
    assert issubclass(InconsistencyError, Exception)
    v = NullType()()
    assert isinstance(v.type, NullType)
    x = at.dscalar("x")
    with pytest.raises(arignote.gradient.NullTypeGradError):
        arignote.grad(x * 2, x, known_grads={x * 2: NullType("no")()})


# --- graph.rewriting.basic -------------------------------------------------------------------

@node_rewriter([Elemwise])
def exp_of_log(fgraph, node):
    if isinstance(node.op.scalar_op, Exp):
        arg = node.inputs[0]
        if arg.owner is not None and isinstance(arg.owner.op, Elemwise) \
                and isinstance(arg.owner.op.scalar_op, Log):
            return [arg.owner.inputs[0]]
    return None


@node_rewriter([Log])  # a scalar op class: offered the elementwise nodes mapping it
def log_to_log1p_minus(fgraph, node):
    return False


def test_node_rewriter_applied_by_the_walkers():
    x = at.vector("x")
    out = at.exp(at.log(at.exp(at.log(x)))) * 2
    for walker in (out2in, in2out, dfs_rewriter):
        fg = FunctionGraph([x], [out])
        walker(exp_of_log, log_to_log1p_minus).rewrite(fg)
        assert fg.outputs[0] is x * 2
        assert [type(n.op.scalar_op) for n in fg.toposort()] == [type((x * 2).owner.op.scalar_op)]
    assert isinstance(exp_of_log, NodeRewriter) and str(exp_of_log) == "exp_of_log"


def test_node_rewriter_tracks_instances_and_dicts_and_sees_the_fgraph():
    x = at.vector("x")
    seen = []
    exp_op = at.exp(x).owner.op

    @node_rewriter([exp_op])
    def exp_to_sqr(fgraph, node):
        seen.append(fgraph)
        return {node.outputs[0]: at.sqr(node.inputs[0])}

    fg = FunctionGraph([x], [at.exp(x) + at.log(x)])
    out2in(exp_to_sqr).rewrite(fg)
    assert fg.outputs[0] is at.sqr(x) + at.log(x) and seen == [fg]
    value = np.array([0.5, 2.0])
    np.testing.assert_allclose(fg.outputs[0].eval({x: value}), value ** 2 + np.log(value))


def test_node_rewriter_rejects_functions_and_empty_tracks():
    with pytest.raises(TypeError, match="function"):
        node_rewriter([at.dot])  # a function of several ops; elementwise functions name their op
    with pytest.raises(ValueError):
        node_rewriter([])


def test_node_rewriter_replacing_other_variables_is_refused():
    x, y = at.vector("x"), at.vector("y")

    @node_rewriter([Elemwise])
    def elsewhere(fgraph, node):
        return {y: x}

    with pytest.raises(Exception, match="not an output"):
        out2in(elsewhere).rewrite(FunctionGraph([x, y], [at.exp(x)]))


def test_rewrite_graph_with_a_custom_rewrite():
    x = at.vector("x")
    out = at.exp(at.log(x)) + 1
    assert rewrite_graph(out, include=(), custom_rewrite=exp_of_log) is x + 1
    assert rewrite_graph([out], include=(), custom_rewrite=out2in(exp_of_log)) == [x + 1]
    fg = FunctionGraph([x], [out])
    assert rewrite_graph(fg, include=(), custom_rewrite=exp_of_log).outputs == [x + 1]


def test_merge_optimizer_leaves_interned_graphs_as_they_are():
    x = at.vector("x")
    fg = FunctionGraph([x], [at.exp(x) + at.exp(x)])
    before = list(fg.outputs)
    MergeOptimizer().rewrite(fg)
    assert fg.outputs == before and len(fg.toposort()) == 2


def test_check_stack_trace():
    x = at.vector("x")
    f = arignote.function([x], at.exp(x) * 2, mode="FAST_COMPILE")
    assert check_stack_trace(f)
    assert check_stack_trace(f, ops_to_check="all")
    assert check_stack_trace(f, ops_to_check=[Exp])
    assert check_stack_trace(f.maker.fgraph, ops_to_check=lambda node: True)
    with pytest.raises(ValueError):
        check_stack_trace(f, ops_to_check=[Log])
    assert check_stack_trace(f, ops_to_check=[Log], bug_print="ignore")
    with arignote.config.change_flags(trace_source=False):
        y = at.vector("y")
        g = arignote.function([y], at.cosh(y) * 3, mode="FAST_COMPILE")
    assert not check_stack_trace(g)


def test_shape_feature_gives_the_symbolic_shapes_of_a_graph():
    from arignote.graph import FunctionGraph
    from arignote.tensor.rewriting.shape import ShapeFeature

    m = at.iscalar("m")
    sd = at.dscalar("sd")
    draw = at.random.normal(at.ones((m,)), sd, size=(2, m))
    fgraph = FunctionGraph(outputs=[draw], clone=False, features=[ShapeFeature()])
    feature = fgraph.shape_feature
    s0, s1 = feature.shape_tuple(draw)
    assert feature.shape_of[draw] == (s0, s1) and feature.get_shape(draw, 1) is s1
    f = arignote.function([m, sd], [s0, s1, draw], on_unused_input="ignore", mode="PY")
    n0, n1, value = f(3, 1.0)
    assert (n0, n1) == value.shape == (2, 3)
    assert feature.same_shape(draw, draw) and not feature.same_shape(draw, draw, 0, 1)
    assert feature.shape_tuple(m) == ()
    fgraph.remove_feature(feature)
    assert not hasattr(fgraph, "shape_feature")


def test_function_graph_clients_are_worked_out_once_per_outputs():
    from arignote.graph import FunctionGraph

    x = at.dvector("x")
    y = at.exp(x)
    fgraph = FunctionGraph([x], [y * 2, y])
    clients = fgraph.clients
    assert clients is fgraph.clients  # not rebuilt
    assert sorted(pos for _, pos in clients[y]) == [0, 1]
    fgraph.replace(y, at.log(x))
    assert x in fgraph.clients and clients is not fgraph.clients


def test_sequential_node_rewriter_graph_rewriter_and_explicit_inputs():
    from arignote.graph import FunctionGraph, explicit_graph_inputs, graph_rewriter, node_rewriter
    from arignote.graph.rewriting.basic import SequentialNodeRewriter, out2in
    from arignote.scalar import Exp, Log

    x = at.dvector("x")
    weights = arignote.shared(np.ones(2), name="w")
    assert explicit_graph_inputs(at.exp(x) * weights + 1) == [x]

    asked = []

    @node_rewriter([Exp])
    def declines(fgraph, node):
        asked.append(node)
        return None

    @node_rewriter([Exp])
    def exp_of_log(fgraph, node):
        inner = node.inputs[0].owner
        if inner is not None and isinstance(getattr(inner.op, "scalar_op", None), Log):
            return [inner.inputs[0]]
        return None

    both = SequentialNodeRewriter(declines, exp_of_log)
    assert set(both.tracks()) == {Exp}
    fgraph = FunctionGraph([x], [at.exp(at.log(x)) * 2])
    out2in(both).rewrite(fgraph)
    assert asked  # the first rewriter was asked before the second answered
    f = arignote.function([x], fgraph.outputs[0], mode="PY")
    np.testing.assert_array_equal(f(np.array([-1.0, 3.0])), [-2.0, 6.0])  # log would give NaN

    @graph_rewriter
    def double_outputs(fgraph):
        fgraph.outputs = [o * 2 for o in fgraph.outputs]

    view = FunctionGraph([x], [x + 1])
    double_outputs.rewrite(view)
    assert arignote.function([x], view.outputs[0], mode="PY")(np.array([1.0]))[0] == 4.0


# --- FunctionGraph: memo and the replacement's type ------------------------------------------------

def test_function_graph_memo_records_and_substitutes():
    x, z = at.dvector("x"), at.dvector("z")
    out = at.exp(x) + 1.0
    memo = {}
    fg = FunctionGraph([x], [out], memo=memo)
    # nothing is copied: every variable and node maps to itself
    assert memo[x] is x and memo[out] is out and memo[out.owner] is out.owner
    assert memo[at.exp(x)] is at.exp(x)
    memo = {x: z}  # a prefilled memo substitutes, as PyTensor's clone does
    fg = FunctionGraph([x], [out], memo=memo)
    assert fg.inputs == [z] and fg.outputs == [at.exp(z) + 1.0]
    assert memo[out] is fg.outputs[0] and memo[out.owner] is fg.outputs[0].owner
    np.testing.assert_allclose(arignote.function(fg.inputs, fg.outputs[0])(np.zeros(2)), [2.0, 2.0])


def test_function_graph_replace_checks_the_type():
    x = at.dvector("x")
    fg = FunctionGraph([x], [at.exp(x)])
    with pytest.raises(TypeError, match="float32.*float64"):
        fg.replace(x, at.fvector("f"))
    with pytest.raises(TypeError, match="cannot convert"):
        fg.replace_all([(x, at.dmatrix("m"))])
    assert fg.outputs == [at.exp(x)]  # a refused replacement changes nothing
    # a narrower type is taken as is; a wider one gets the static shape checked at run time
    fixed = at.tensor("fixed", dtype="float64", shape=(3,))
    fg.replace(x, fixed)
    assert fg.outputs == [at.exp(fixed)]
    fg3 = FunctionGraph([fixed], [at.exp(fixed)])
    loose = at.dvector("loose")
    fg3.replace(fixed, loose)
    f = arignote.function([loose], fg3.outputs[0])
    np.testing.assert_allclose(f(np.zeros(3)), np.ones(3))
    with pytest.raises(Exception, match="shape|length|3"):
        f(np.zeros(4))
    assert at.dvector.filter_variable(fixed) is fixed
    with pytest.raises(TypeError, match="cannot convert"):
        at.dvector.filter_variable(loose.astype("int64"))
    assert at.dvector.filter_variable([1, 2]).type == at.TensorType("float64", shape=(2,))
    with pytest.raises(TypeError, match="cannot convert"):
        at.dvector.filter_variable(1.0)
