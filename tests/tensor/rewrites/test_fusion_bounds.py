"""Bounded fusion: groups larger than the bound are cut into composites within it, values kept."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.config import config
from arignote.graph.traversal import toposort
from arignote.rewrite.optimize import optimize
from arignote.scalar import math as sm
from arignote.tensor.composite import Composite
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.rewrites import fusion
from arignote.tensor.rewrites.fusion import FusionBound, _FusionPlanner, _narrow_wide_nodes, fuse

REFERENCE = arignote.Mode(optimizer=None)


def composites(outputs):
    return [n for n in toposort(outputs) if isinstance(getattr(n.op, "scalar_op", None), Composite)]


def operands(node):
    """What the C kernel of a composite node takes: inputs, distinct inner constants, outputs."""
    inner = node.op.scalar_op
    constants = {v for n in inner.nodes for v in n.inputs if v.owner is None and v not in inner.inputs}
    return len(node.inputs) + len(constants) + len(node.outputs)


def scalar_op_names(outputs):
    """Every scalar op the graph computes, inside composites or not, by name (with repeats)."""
    names = []
    for node in toposort(outputs):
        scalar_op = getattr(node.op, "scalar_op", None)
        if isinstance(scalar_op, Composite):
            names += [type(n.op.scalar_op).__name__ for n in scalar_op.nodes]
        elif scalar_op is not None:
            names.append(type(scalar_op).__name__)
    return sorted(names)


def close_to_reference(inputs, outputs, values, rtol):
    fast = arignote.function(inputs, outputs)(*values)
    slow = arignote.function(inputs, outputs, mode=REFERENCE)(*values)
    if not isinstance(fast, list):
        fast, slow = [fast], [slow]
    for got, want in zip(fast, slow):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


def sin_chain(x, steps, others=()):
    y = x
    for k in range(steps):
        y = at.sin(y) * 0.999 + (others[k % len(others)] if others else x)
    return y


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-5)])
def test_long_chain_is_cut_into_pieces_within_the_bound(rng, dtype, rtol):
    x = at.vector("x", dtype=dtype)
    out = sin_chain(x, 100)  # 300 ops
    with config.change_flags(fusion_max_ops=40):
        (fused,) = optimize([out])
        pieces = composites([fused])
        assert len(pieces) >= 8
        assert all(len(p.op.scalar_op.nodes) <= 40 for p in pieces)
        # consecutive segments: each reads the one value its predecessor leaves
        assert all(len(p.outputs) == 1 and len(p.inputs) <= 3 for p in pieces)
        close_to_reference([x], out, [rng.normal(size=37).astype(dtype)], rtol)
    (whole,) = optimize([out])
    assert scalar_op_names([fused]) == scalar_op_names([whole])  # nothing computed twice


def test_many_inputs_are_cut_within_the_operand_bound(rng):
    xs = [at.vector(f"a{k}") for k in range(60)]
    total = xs[0] * 0.0
    for a in xs:  # a log-density written term by term: one sum of 120 terms once rewritten
        total = total + at.log(1 + at.exp(a)) + at.log(at.sigmoid(a + 1))
    with config.change_flags(fusion_max_operands=16):
        (fused,) = optimize([total])
        pieces = composites([fused])
        assert len(pieces) > 4 and all(operands(p) <= 16 for p in pieces)
        # the wide sum became a chain: no elementwise node reads more than the bound allows
        assert all(len(n.inputs) <= 16 for n in toposort([fused]))
        close_to_reference(xs, total, [rng.normal(size=5) for _ in xs], 1e-12)


def test_broadcasting_inputs_keep_their_values(rng):
    m, row, col, s = at.matrix("m"), at.row("row"), at.col("col"), at.scalar("s")
    others = [row, col, s, at.exp(row) * 2.0]
    out = sin_chain(m, 60, others)
    with config.change_flags(fusion_max_ops=25, fusion_max_operands=6):
        (fused,) = optimize([out])
        assert len(composites([fused])) >= 4
        values = [rng.normal(size=(4, 5)), rng.normal(size=(1, 5)), rng.normal(size=(4, 1)), np.float64(0.3)]
        close_to_reference([m, row, col, s], out, values, 1e-12)


def test_intermediates_read_elsewhere_stay_outputs_of_their_piece(rng):
    x, y = at.vector("x"), at.vector("y")
    a = sin_chain(x, 20, [y])
    b = sin_chain(a, 20, [y])
    c = sin_chain(b, 20, [x])
    outs = [c, a, a.sum(), b * 2.0]  # a and b are read outside the group, a also by a reduction
    with config.change_flags(fusion_max_ops=30):
        fused = optimize(outs)
        pieces = composites(fused)
        assert len(pieces) >= 4 and any(len(p.outputs) > 1 for p in pieces)
        close_to_reference([x, y], outs, [rng.normal(size=6), rng.normal(size=6)], 1e-12)


def test_a_non_elementwise_consumer_between_pieces_makes_no_cycle(rng):
    v, w = at.vector("v"), at.matrix("w")
    a = sin_chain(v, 30)
    b = sin_chain(at.dot(w, a) + a, 30)  # a feeds the dot, whose result joins a's group's chain
    with config.change_flags(fusion_max_ops=20):
        (fused,) = optimize([b])
        assert len(composites([fused])) >= 6
        close_to_reference([v, w], b, [rng.normal(size=4), rng.normal(size=(4, 4)) * 0.3], 1e-12)


def random_dag(inputs, steps, seed):
    rng = np.random.default_rng(seed)
    pool = list(inputs)
    ops = [at.sin, at.tanh, lambda a: a * 1.5]
    for _ in range(steps):
        if rng.random() < 0.5:
            pool.append(ops[rng.integers(3)](pool[rng.integers(len(pool))]))
        else:
            pool.append(pool[rng.integers(len(pool))] + pool[-1 - rng.integers(min(len(pool), 20))])
    return pool[-1] + sum(pool[-30:-1])


def test_random_dag_values_and_no_node_twice(rng):
    xs = [at.vector(f"x{k}") for k in range(4)]
    out = random_dag(xs, 300, seed=3)
    (whole,) = optimize([out])
    with config.change_flags(fusion_max_ops=40, fusion_max_operands=12):
        (fused,) = optimize([out])
        close_to_reference(xs, out, [rng.normal(size=9) * 0.5 for _ in xs], 1e-10)
    assert len(composites([fused])) > 1
    # the same operations, once each; only the final sum of 30 terms is now a chain of sums
    def without_adds(outputs):
        return [name for name in scalar_op_names(outputs) if name != "Add"]
    assert without_adds([fused]) == without_adds([whole])


def test_pieces_partition_the_group():
    xs = [at.vector(f"x{k}") for k in range(3)]
    out = optimize([random_dag(xs, 200, seed=5) + sin_chain(xs[0], 60, xs)], exclude=["fusion"])
    whole_members = {n for g in _FusionPlanner(out, FusionBound(0, 0)).plan() for n in g.members}
    pieces = _FusionPlanner(out, FusionBound(max_ops=30, max_operands=10)).plan()
    assert len(pieces) >= 3
    seen = set()
    for piece in pieces:
        assert not seen & piece.members  # no node in two pieces
        seen |= piece.members
    # what no piece holds are runs of one node, left unfused: fewer than the cuts
    assert seen <= whole_members and len(whole_members - seen) < len(pieces)


def test_splitting_is_deterministic():
    def build():
        xs = [at.vector(f"x{k}") for k in range(3)]
        return optimize([random_dag(xs, 200, seed=7) + sin_chain(xs[1], 50, xs)])

    with config.change_flags(fusion_max_ops=25, fusion_max_operands=8):
        first, second = build(), build()
    shape = [[(str(n.op), len(n.inputs), len(n.outputs)) for n in toposort(outs)] for outs in (first, second)]
    assert shape[0] == shape[1]


def test_splitting_work_is_linear_in_the_group(monkeypatch):
    added = []
    original = fusion._Run.add_next

    def counting(run):
        added.append(run.end)
        original(run)
    monkeypatch.setattr(fusion._Run, "add_next", counting)
    x = at.vector("x")
    (out,) = optimize([sin_chain(x, 2000)], exclude=["fusion"])
    with config.change_flags(fusion_max_ops=7):
        (fused,) = fuse([out])
    members = len(toposort([out]))
    assert len(composites([fused])) > 500
    assert len(added) <= 3 * members  # members given back to the next run at a cut: bounded


def test_wide_sum_becomes_a_left_chain_with_the_same_terms(rng):
    xs = [at.vector(f"a{k}") for k in range(40)]
    wide = at.add(*[at.exp(a) for a in xs], *[at.tanh(a) for a in xs])
    (chained,) = _narrow_wide_nodes([wide], FusionBound(0, 16))
    adds = [n for n in toposort([chained])
            if isinstance(n.op, Elemwise) and isinstance(n.op.scalar_op, sm.Add)]
    assert len(adds) > 1 and all(len(n.inputs) <= 4 for n in adds)
    assert chained.type == wide.type
    # the terms of each input side by side: a link reads exp(a_k) and tanh(a_k) together
    first = adds[0]
    sources = [n.owner.inputs[0] for n in first.inputs if n.owner is not None]
    assert sources[:2] == [xs[0], xs[0]]
    py = arignote.Mode(linker="py", optimizer=None)
    values = [rng.normal(size=5) for _ in xs]
    np.testing.assert_allclose(arignote.function(xs, chained, mode=py)(*values),
                               arignote.function(xs, wide, mode=py)(*values), rtol=1e-13)


def test_wide_sum_of_mixed_dtypes_is_left_alone():
    ints = [at.vector(f"i{k}", dtype="int32") for k in range(20)]
    wide = at.add(*ints, at.vector("f"))  # the float input makes the sum float64
    (same,) = _narrow_wide_nodes([wide], FusionBound(0, 16))
    assert same is wide


def test_bound_off_reproduces_one_composite():
    x = at.vector("x")
    out = sin_chain(x, 3000)  # 9,000 ops
    with config.change_flags(fusion_max_ops=0, fusion_max_operands=0):
        (fused,) = optimize([out])
    assert len(toposort([fused])) == 1


def test_flags_reject_negative_values():
    with pytest.raises(ValueError):
        config.fusion_max_ops = -1
    with pytest.raises(ValueError):
        config.fusion_max_operands = -5
