"""Shape rules: shapes read from inputs, and no-op shape nodes removed."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.rewrite import explain, optimize
from arignote.scalar.math import Cast
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.shape import MakeVector, SpecifyShape
from arignote.tensor.variable import TensorConstant

REFERENCE = arignote.Mode(optimizer=None)


def rewritten(*outputs, mode=None):
    """The outputs after the rule phases (fusion left out: these tests look at the rules' forms)."""
    chosen = arignote.compile.mode.get_mode(mode).excluding("fusion")
    return optimize(list(outputs), chosen.optimizer, chosen.include, chosen.exclude)


def op_names(*outputs):
    names = set()
    for node in toposort(outputs):
        scalar = getattr(node.op, "scalar_op", None)
        names.add(type(node.op).__name__ if scalar is None else type(scalar).__name__)
    return names


def fired(*outputs, mode=None):
    return explain(list(outputs), mode).rules_fired()


def same_values(inputs, outputs, *values):
    """The rewritten function agrees with the unrewritten one (values, dtypes, shapes).

    Floats may differ in the last bits when the default mode is the C backend, whose
    exp, log, ... (libmvec's vector variants) are within 4 ulp of NumPy's.
    """
    got = arignote.function(inputs, outputs, on_unused_input="ignore")(*values)
    want = arignote.function(inputs, outputs, mode=REFERENCE, on_unused_input="ignore")(*values)
    got, want = (got, want) if isinstance(outputs, list) else ([got], [want])
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        if g.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=4 * np.finfo(g.dtype).eps, atol=0)
        else:
            np.testing.assert_array_equal(g, w)


# --- shapes from inputs ---------------------------------------------------------------------

def test_shape_of_a_product_reads_the_input_shapes():
    x, y = at.matrix("x"), at.matrix("y")
    out = at.exp(x).dot(y).shape[0]
    (final,) = rewritten(out)
    assert final is at.shape_i(x, 0)
    assert fired(out) == ["shape_from_inputs", "index_shape_vector"]
    same_values([x, y], out, np.ones((3, 4)), np.ones((4, 5)))


def test_whole_shape_of_a_computation():
    x, y = at.matrix("x"), at.vector("y")
    out = (at.tanh(x) * y).shape
    (final,) = rewritten(out)
    # unknown lengths do not stretch, so each length is one input's: no run-time tests
    assert op_names(final) <= {"MakeVector", "ShapeI"}
    assert "Tanh" not in op_names(final)
    for shapes in [((3, 4), (4,)), ((0, 1), (1,)), ((2, 0), (0,))]:
        same_values([x, y], out, np.ones(shapes[0]), np.ones(shapes[1]))
    row, col = at.tensor("row", shape=(1, None)), at.tensor("col", shape=(None, 1))
    out = (row * col).shape  # both stretch
    for shapes in [((1, 4), (3, 1)), ((1, 0), (2, 1))]:
        same_values([row, col], out, np.ones(shapes[0]), np.ones(shapes[1]))


def test_static_shapes_fold_to_constants():
    x = at.tensor("x", shape=(3, 4))
    y = at.tensor("y", shape=(4, None))
    (final,) = rewritten(at.exp(x).dot(y).shape)
    assert final.owner is not None and isinstance(final.owner.op, MakeVector)
    assert isinstance(final.owner.inputs[0], TensorConstant) and int(final.owner.inputs[0].data) == 3
    (first,) = rewritten(at.exp(x).dot(y).shape[0])
    assert isinstance(first, TensorConstant) and int(first.data) == 3


def test_shape_i_of_a_computation():
    x = at.matrix("x")
    out = at.shape_i(at.sum(at.exp(x), axis=0), 0)
    (final,) = rewritten(out)
    assert final is at.shape_i(x, 1)
    assert fired(out) == ["shape_i_from_inputs"]


def test_partly_static_input_shape_becomes_a_vector_with_constants():
    x = at.tensor("x", shape=(None, 3))
    (final,) = rewritten(at.shape(x))
    assert isinstance(final.owner.op, MakeVector)
    assert final.owner.inputs[0] is at.shape_i(x, 0)
    same_values([x], at.shape(x), np.ones((2, 3)))


def test_shapes_of_inputs_stay_as_they_are():
    x = at.matrix("x")
    assert fired(at.shape(x)) == []
    assert fired(at.shape_i(x, 1)) == []
    (final,) = rewritten(at.shape(x)[1])
    assert final is at.shape_i(x, 1)


def test_shapes_that_need_the_value_are_left_alone():
    x = at.vector("x")
    out = at.unique(at.exp(x)).shape
    assert "shape_from_inputs" not in fired(out)
    assert "Unique" in op_names(*rewritten(out))
    same_values([x], out, np.array([1.0, 2.0, 1.0]))


def test_mask_and_nonzero_shapes_count_instead_of_indexing():
    x = at.matrix("x")
    outs = [x[x > 0].shape[0], at.nonzero(at.exp(x) - 1)[1].shape[0]]
    finals = rewritten(*outs)
    assert not {"AdvancedSubtensor", "Nonzero"} & op_names(*finals)
    same_values([x], outs, np.array([[1.0, -2.0, 0.0], [3.0, 0.0, 0.5]]))


def test_reshape_and_alloc_shapes_come_from_their_targets():
    x, n = at.matrix("x"), at.scalar("n", dtype="int32")
    outs = [at.reshape(x, (n, -1)).shape, at.zeros((n, 3)).shape, at.arange(n).shape[0]]
    finals = rewritten(*outs)
    assert not {"Reshape", "Alloc", "ARange"} & op_names(*finals)
    same_values([x, n], outs, np.ones((4, 3)), np.int32(2))


def test_vector_of_an_inputs_lengths_becomes_its_shape():
    x = at.matrix("x")
    out = at.make_vector(at.shape_i(x, 0), at.shape_i(x, 1))
    (final,) = rewritten(out)
    assert final is at.shape(x)
    assert fired(out) == ["shape_from_its_entries"]
    # not when the order differs, or a length is missing
    for other in [at.make_vector(at.shape_i(x, 1), at.shape_i(x, 0)), at.make_vector(at.shape_i(x, 0))]:
        assert fired(other) == []


def test_reading_entries_of_a_vector():
    a, b = at.scalar("a", dtype="int32"), at.scalar("b", dtype="int64")
    vector = at.make_vector(a, b, at.constant(np.int64(7)))
    (first,) = rewritten(vector[0])
    assert first.owner is not None and isinstance(first.owner.op.scalar_op, Cast)
    assert first.owner.inputs[0] is a
    (tail,) = rewritten(vector[1:])
    assert isinstance(tail.owner.op, MakeVector) and tail.owner.inputs[0] is b
    same_values([a, b], [vector[0], vector[1:], vector[::-1], vector[-1]], np.int32(3), np.int64(4))
    # symbolic indices are left to the general rules
    i = at.scalar("i", dtype="int64")
    assert "index_shape_vector" not in fired(vector[i])


# --- no-op removal --------------------------------------------------------------------------

def test_redundant_specify_shape_is_removed():
    x = at.tensor("x", shape=(3, None))
    out = SpecifyShape((3, None))(x)
    assert rewritten(out) == [x]
    assert fired(out, mode="FAST_COMPILE") == ["remove_redundant_specify_shape"]
    y = at.matrix("y")
    symbolic = at.specify_shape(y, (y.shape[1], None))
    same = at.specify_shape(y, (y.shape[0], None))
    assert isinstance(symbolic.owner.op, SpecifyShape) and isinstance(same.owner.op, SpecifyShape)
    assert rewritten(same) == [y]
    assert SpecifyShape.__name__ in op_names(*rewritten(symbolic))


def test_needed_specify_shape_stays_and_checks():
    x = at.matrix("x")
    n = at.scalar("n", dtype="int64")
    out = at.specify_shape(x, (n, 2))
    (final,) = rewritten(out)
    assert "SpecifyShape" in op_names(final)
    f = arignote.function([x, n], out)
    f(np.ones((3, 2)), 3)
    with pytest.raises(Exception, match="SpecifyShape"):
        f(np.ones((3, 2)), 4)


@pytest.mark.parametrize("build", [
    lambda x: x.reshape(x.shape),
    lambda x: x.reshape((x.shape[0], x.shape[1])),
    lambda x: at.reshape(at.exp(x), at.exp(x).shape),
])
def test_reshape_to_own_shape_is_removed(build):
    x = at.matrix("x")
    out = build(x)
    assert "Reshape" not in op_names(*rewritten(out))
    same_values([x], out, np.arange(6.0).reshape(2, 3))


def test_reshape_with_a_wildcard():
    v = at.vector("v")
    assert rewritten(at.reshape(v, (-1,))) == [v]
    x = at.tensor("x", shape=(3, None))
    assert rewritten(x.reshape((x.shape[0], -1))) == [x]
    # NumPy refuses (0, -1) for an empty x: unless the other lengths are known
    # not to be 0, the node stays, with its error
    for y in [at.matrix("y"), at.tensor("y", shape=(None, 3))]:
        out = y.reshape((y.shape[0], -1))
        assert "Reshape" in op_names(*rewritten(out))
        with pytest.raises(Exception):  # noqa: B017 (NumPy's error, whatever its class)
            arignote.function([y], out)(np.zeros((0, 3)))


def test_reshape_to_another_shape_stays():
    x = at.matrix("x")
    for out in [x.reshape((x.shape[1], x.shape[0])), x.reshape((2, 3)), at.flatten(x)]:
        assert "Reshape" in op_names(*rewritten(out))
        same_values([x], out, np.arange(6.0).reshape(2, 3))


def test_broadcast_and_alloc_to_own_shape_are_removed():
    x = at.matrix("x")
    for out in [at.broadcast_to(x, x.shape), at.alloc(x, x.shape[0], x.shape[1]),
                at.broadcast_to(at.exp(x), (x.shape[0], x.shape[1]))]:
        assert not {"BroadcastTo", "Alloc"} & op_names(*rewritten(out))
        same_values([x], out, np.arange(6.0).reshape(2, 3))
    s = at.tensor("s", shape=(2, 1))
    assert rewritten(at.broadcast_to(s, (2, 1))) == [s]


def test_real_broadcasts_stay():
    x = at.matrix("x")
    row = at.tensor("row", shape=(1, None))
    outs = [at.broadcast_to(x, (3, x.shape[1])), at.alloc(row, 4, row.shape[1]),
            at.broadcast_to(x, (2, x.shape[0], x.shape[1]))]
    finals = rewritten(*outs)
    assert all({"BroadcastTo", "Alloc"} & op_names(f) for f in finals)
    same_values([x, row], outs, np.ones((3, 2)), np.ones((1, 2)))


def test_cast_to_the_same_dtype_is_removed():
    x = at.vector("x", dtype="int32")
    out = Elemwise(Cast("int32"))(x)
    assert rewritten(out) == [x]
    assert fired(out, mode="FAST_COMPILE") == ["remove_cast_to_same_dtype"]
    other = Elemwise(Cast("int64"))(x)
    assert rewritten(other) == [other]


def test_copies_are_removed_but_outputs_do_not_alias_inputs():
    x = at.vector("x")
    out = at.tensor_copy(x)
    assert rewritten(out) == [x]
    assert fired(out, mode="FAST_COMPILE") == ["remove_identity"]
    f = arignote.function([x], out)
    value = np.array([1.0, 2.0])
    result = f(value)
    result[0] = 5.0
    assert value[0] == 1.0
    y = at.exp(x)
    same_values([x], [at.tensor_copy(y) * 2, at.tensor_copy(y)], np.array([0.5, 1.0]))


# --- values over graphs that mix shapes ---------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_values_are_kept(dtype):
    x = at.matrix("x", dtype=dtype)
    y = at.vector("y", dtype=dtype)
    total = x + y if dtype != "bool" else at.logical_or(x, y)
    outs = [at.zeros_like(total), at.ones(total.shape, dtype=dtype), total.reshape((-1,)).shape,
            at.alloc(y, x.shape[0], y.shape[0]), at.broadcast_to(y, total.shape),
            at.specify_shape(total, (x.shape[0], y.shape[0])), total[1:].shape[0] * 2,
            at.sum(total, axis=0).shape]
    if dtype != "bool":  # (tensor_copy refuses booleans)
        outs.append(at.tensor_copy(total))
    inputs = [x, y]
    for shape in [(3, 4), (1, 4), (0, 4)]:
        xv = np.arange(np.prod(shape)).reshape(shape).astype(dtype)
        yv = (np.arange(4) % 2).astype(dtype)
        same_values(inputs, outs, xv, yv)
    column = at.tensor("column", dtype=dtype, shape=(None, 1))  # declared to stretch
    total = column + y if dtype != "bool" else at.logical_or(column, y)
    same_values([column, y], [at.zeros_like(total), total.shape, at.broadcast_to(y, total.shape)],
                np.ones((2, 1), dtype=dtype), np.ones(3, dtype=dtype))


def test_rules_reach_a_fixed_point_in_fast_compile_and_fast_run():
    x = at.matrix("x")
    y = at.tensor("y", shape=(None, 3))
    outs = [at.shape(at.exp(x)), at.make_vector(at.shape_i(x, 0), at.shape_i(x, 1)),
            at.reshape(y, at.shape(y)), at.shape(y), at.shape(y)[1:], at.zeros_like(at.exp(y) - y)]
    for mode in ["FAST_RUN", "FAST_COMPILE"]:
        rewritten(*outs, mode=mode)
        f = arignote.function([x, y], outs, mode=mode)
        f(np.ones((2, 2)), np.ones((4, 3)))


# --- every op: its shape compiles without computing it ----------------------------------------

def _cases():
    from tests.tensor.test_shape_inference import CASES

    return CASES


@pytest.mark.parametrize("name,build,values", _cases(), ids=[c[0] for c in _cases()])
def test_shape_of_every_op_compiles_without_the_op(name, build, values):
    from arignote.tensor.shape_inference import shape_info
    from tests.checks import symbolic_like

    values = [np.asarray(v) for v in values]
    inputs = [symbolic_like(v, False, f"x{i}") for i, v in enumerate(values)]
    outs = build(*inputs)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    shapes = [at.shape(o) for o in outs]
    finals = rewritten(*shapes)
    for out, final in zip(outs, finals):
        if out.owner is None or not shape_info(out).from_inputs:
            continue
        ops = {type(node.op) for node in toposort([final])}
        if not isinstance(out.owner.op, Elemwise):  # shape graphs have elementwise arithmetic
            assert type(out.owner.op) not in ops, name
        assert out.owner not in toposort([final]), name
    same_values(inputs, shapes, *values)
