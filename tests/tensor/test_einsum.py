"""``at.einsum`` against ``np.einsum``: values, dtypes, static shapes, errors, paths,
derivatives, and the BLAS products it becomes on the C backend."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.graph.traversal import toposort
from arignote.tensor import einsum_path
from arignote.tensor.einsum_path import contraction_path
from tests.checks import random_array, symbolic_like

MODES = ["PY", "FAST_RUN", "JAX"]

# (subscripts, operand shapes): every case NumPy's einsum accepts
CASES = [
    # matrix products, explicit and implicit
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("ji,jk->ki", [(3, 2), (3, 4)]),
    ("ij,j->i", [(2, 3), (3,)]),
    ("j,jk->k", [(3,), (3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,i", [(5,), (5,)]),
    # outer products and elementwise products
    ("i,j->ij", [(2,), (3,)]),
    ("i,j", [(2,), (3,)]),
    ("ij,k->kji", [(2, 3), (4,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ji->ij", [(2, 3), (3, 2)]),
    # a single operand: transpose, sums, trace, diagonals
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ijk->j", [(2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii->", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("iii->i", [(2, 2, 2)]),
    ("ijij->ij", [(2, 3, 2, 3)]),
    ("i", [(4,)]),
    ("ba", [(2, 3)]),
    # scalars
    ("", [()]),
    ("->", [()]),
    (",->", [(), ()]),
    (",i->i", [(), (3,)]),
    # batches of matrices (matmul on stacks)
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("bij,bjk->bki", [(5, 2, 3), (5, 3, 4)]),
    ("bi,bij->bj", [(4, 3), (4, 3, 5)]),
    ("bi,bi->b", [(4, 3), (4, 3)]),
    ("abij,bajk->abik", [(2, 3, 2, 3), (3, 2, 3, 2)]),
    # several summed labels at once (reshaped into one)
    ("abcd,cdb->a", [(2, 3, 4, 5), (4, 5, 3)]),
    ("ijk,jkl->il", [(2, 3, 4), (3, 4, 5)]),
    # labels summed in one operand only, and diagonals meeting products
    ("ij,kl->jk", [(2, 3), (4, 5)]),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("ii,ij->j", [(3, 3), (3, 4)]),
    # ellipses, with broadcasting of their length-1 and missing axes
    ("...ij,...jk->...ik", [(5, 2, 3), (1, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 3), (6, 5, 3, 4)]),
    ("...ij,...jk", [(1, 5, 2, 3), (4, 1, 3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...j,j...k->...ik", [(2, 3, 4), (4, 3, 5)]),
    ("ij...,jk...->ik...", [(2, 3), (3, 4)]),
    # labelled axes of length 1 broadcast too
    ("ij,jk->ik", [(2, 1), (5, 4)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    # many operands: the path search chooses the order
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cd,bde->ae", [(2, 3, 4), (4, 5), (3, 5, 6)]),
    ("ea,fb,abcd,gc,hd->efgh", [(2, 3), (2, 3), (3, 3, 3, 3), (2, 3), (2, 3)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ij,jk,kl,lm,mn->ni", [(2, 3), (3, 4), (4, 2), (2, 5), (5, 3)]),
    ("bij,bjk,bkl->bil", [(3, 2, 3), (3, 3, 4), (3, 4, 2)]),
    ("Ab,bC", [(2, 3), (3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    # empty axes
    ("ij,jk->ik", [(2, 0), (0, 3)]),
    ("ij,jk->ik", [(0, 2), (2, 3)]),
]

CASE_IDS = [f"{subscripts.replace(' ', '_')}:{'x'.join(map(str, shapes))}"
            for subscripts, shapes in CASES]


def _summed_count(subscripts: str, shapes) -> int:
    """How many products each result element sums (1 when nothing is summed)."""
    inputs, _, output = subscripts.replace(" ", "").partition("->")
    lengths: dict[str, int] = {}
    for term, shape in zip(inputs.split(","), shapes):
        before, _, after = term.partition("...")  # ellipsis axes are never summed
        named = list(zip(before, shape)) + list(zip(after, shape[len(shape) - len(after):]))
        for label, n in named:
            lengths[label] = max(lengths.get(label, 1), n)
    if "->" not in subscripts:
        counts = {c: inputs.count(c) for c in lengths}
        output = "".join(c for c in lengths if counts[c] == 1)
    return int(np.prod([n for c, n in lengths.items() if c not in output], dtype=np.int64))


def assert_matches_einsum(got, subscripts, values, expected_dtype=None):
    """``got`` equal to ``np.einsum`` up to the rounding of a reordered sum.

    Error analysis: each result element is a sum of ``s`` products of ``p``
    factors; any evaluation order, ours or NumPy's, is within
    ``(s + p) * eps * sum(|products|)`` of the exact value (the standard bound
    for recursive summation), so the two are within twice that.  The scale
    ``sum(|products|)`` is ``np.einsum`` of the absolute values, which also
    covers results that cancel to near zero.  (A complex product's rounding is at
    most sqrt(2) times a real one's, within the factor 2 of eps = 2u.)  Integer
    results are exact: NumPy's and ours wrap around alike.
    """
    expected = np.einsum(subscripts, *values)
    got = np.asarray(got)
    assert got.dtype == (expected.dtype if expected_dtype is None else expected_dtype)
    assert got.shape == expected.shape
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected)
        return
    eps = np.finfo(expected.dtype).eps
    steps = _summed_count(subscripts, [np.shape(v) for v in values]) + len(values)
    scale = np.einsum(subscripts, *[np.abs(np.asarray(v)).astype(np.float64) for v in values])
    bound = 2 * steps * eps * scale + np.finfo(expected.dtype).tiny
    error = np.abs(got.astype(np.complex128) - expected)
    assert np.all(error <= bound), f"{subscripts}: error {error.max()} over bound"


def _compile(subscripts, values, mode, static=False, **kwargs):
    inputs = [symbolic_like(v, static, f"x{k}") for k, v in enumerate(values)]
    out = at.einsum(subscripts, *inputs, **kwargs)
    return arignote.function(inputs, out, mode=mode), out


def _skip_without_jax(mode):
    if mode == "JAX":
        pytest.importorskip("jax", reason="the JAX mode needs jax")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("subscripts, shapes", CASES, ids=CASE_IDS)
def test_cases_against_numpy(subscripts, shapes, mode, rng):
    _skip_without_jax(mode)
    values = [random_array(rng, s) for s in shapes]
    f, out = _compile(subscripts, values, mode)
    got = f(*values)
    assert_matches_einsum(got, subscripts, values)
    assert all(d is None or d == n for d, n in zip(out.type.shape, np.shape(got)))


@pytest.mark.parametrize("subscripts, shapes", CASES, ids=CASE_IDS)
def test_static_shapes_are_numpy_shapes(subscripts, shapes, rng):
    values = [random_array(rng, s) for s in shapes]
    inputs = [symbolic_like(v, static=True) for v in values]
    assert at.einsum(subscripts, *inputs).type.shape == np.einsum(subscripts, *values).shape
    f, _ = _compile(subscripts, values, "PY", static=True)
    assert_matches_einsum(f(*values), subscripts, values)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("int32", "int32"), ("int8", "int8"),
                                    ("int64", "float32"), ("int8", "float64"), ("uint8", "int16"),
                                    ("float32", "float64"), ("bool", "bool"), ("bool", "int32"),
                                    ("complex128", "float64")])
@pytest.mark.parametrize("subscripts, shapes", [("ij,jk->ik", [(3, 4), (4, 2)]),
                                                ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
                                                ("ij,kj->", [(3, 4), (2, 4)]),
                                                ("ii,i->i", [(3, 3), (3,)]),
                                                ("i,j->ij", [(3,), (2,)])])
def test_dtypes_follow_numpy(subscripts, shapes, dtypes, mode, rng):
    _skip_without_jax(mode)
    # int8 sums wrap around in NumPy's einsum as in ours: large values make them wrap
    values = [random_array(rng, s, d, low=-100, high=100) for s, d in zip(shapes, dtypes)]
    f, out = _compile(subscripts, values, mode)
    assert out.type.dtype == np.einsum(subscripts, *values).dtype
    assert_matches_einsum(f(*values), subscripts, values)


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_int8_operand_is_summed_in_the_result_dtype(mode):
    # NumPy casts to the common dtype first: 100 + 100 must not wrap to -56 in int8
    x, y = np.full((2,), 100, dtype=np.int8), np.ones((3,), dtype=np.float32)
    f, _ = _compile("i,j->j", [x, y], mode)
    np.testing.assert_array_equal(f(x, y), np.einsum("i,j->j", x, y))


# --- random expressions ---------------------------------------------------------------------

@st.composite
def expressions(draw):
    """A random einsum: operand terms over a few labels, lengths (some 1, which
    broadcast), an explicit or implicit output, sometimes an ellipsis."""
    labels = "abcdeA"
    lengths = {c: draw(st.integers(1, 3)) for c in labels}
    n_operands = draw(st.integers(1, 4))
    use_ellipsis = draw(st.booleans())
    ellipsis_shape = draw(st.lists(st.integers(1, 3), max_size=2)) if use_ellipsis else []
    terms, shapes = [], []
    for _ in range(n_operands):
        term = draw(st.lists(st.sampled_from(labels), max_size=4))
        shape = [lengths[c] for c in term]
        # a label of length > 1 may meet a broadcasting length 1 in some operand
        shape = [1 if n > 1 and draw(st.integers(0, 5)) == 0 and term.count(c) == 1 else n
                 for c, n in zip(term, shape)]
        if use_ellipsis:
            kept = draw(st.integers(0, len(ellipsis_shape)))
            own = [1 if draw(st.booleans()) else n for n in ellipsis_shape[len(ellipsis_shape) - kept:]]
            position = draw(st.integers(0, len(term)))
            shape = shape[:position] + own + shape[position:]
            term = term[:position] + ["..."] + term[position:]
        terms.append("".join(term))
        shapes.append(tuple(shape))
    used = sorted({c for t in terms for c in t if c in string.ascii_letters})
    if draw(st.booleans()):
        output = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
        subscripts = ",".join(terms) + "->" + ("..." if use_ellipsis else "") + output
    else:
        subscripts = ",".join(terms)
    return subscripts, shapes


@pytest.mark.parametrize("mode", MODES)
@given(expression=expressions(), seed=st.integers(0, 2**32 - 1))
def test_random_expressions_against_numpy(mode, expression, seed):
    _skip_without_jax(mode)
    subscripts, shapes = expression
    rng = np.random.default_rng(seed)
    values = [random_array(rng, s) for s in shapes]
    expected = np.einsum(subscripts, *values)
    inputs = [symbolic_like(v, static=bool(seed % 2)) for v in values]
    out = at.einsum(subscripts, *inputs)
    assert all(d is None or d == n for d, n in zip(out.type.shape, expected.shape))
    got = arignote.function(inputs, out, mode=mode)(*values)
    assert_matches_einsum(got, subscripts, values)


# --- derivatives ----------------------------------------------------------------------------

@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (1, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("i,j->ij", [(2,), (3,)]),
    ("abcd,cdb->a", [(2, 3, 2, 2), (2, 2, 3)]),
    ("ij,ij->", [(2, 3), (1, 3)]),
])
def test_gradients(subscripts, shapes, rng):
    values = [random_array(rng, s) for s in shapes]
    verify_grad(lambda *xs: at.einsum(subscripts, *xs), values, rng=rng)


# --- lowering: BLAS products on the C backend ------------------------------------------------

def _kernels(subscripts, shapes, static=False):
    values = [np.ones(s) for s in shapes]
    f, _ = _compile(subscripts, values, "FAST_RUN", static=static)
    assert_matches_einsum(f(*values), subscripts, values)
    return f.program.describe()


def test_matrix_chain_becomes_blas_products():
    kernels = _kernels("ij,jk,kl->il", [(20, 3), (3, 30), (30, 4)], static=True)
    products = [k for k in kernels if k.startswith("Dot")]
    assert len(products) == 2 and all(k.endswith("C runtime") for k in products), kernels
    assert not any(k.startswith(("Sum", "Elemwise", "CAReduce")) for k in kernels), kernels


def test_unknown_lengths_still_become_blas_products():
    kernels = _kernels("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)])
    assert sum(k.startswith("Dot") and k.endswith("C runtime") for k in kernels) == 2, kernels


def test_batched_product_is_a_matmul():
    kernels = _kernels("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)])
    assert any(k.startswith("MatMul") for k in kernels), kernels


def test_outer_product_is_elementwise():
    x, y = at.vector("x"), at.vector("y")
    out = at.einsum("i,j->ij", x, y)
    ops = {type(node.op).__name__ for node in toposort([out])}
    assert "Dot" not in ops and "MatMul" not in ops, ops


# --- paths ---------------------------------------------------------------------------------

# (ij,jk) first builds a 1000 x 1000 intermediate, (jk,kl) a 2 x 2 one: every search
# (greedy too, which looks at intermediate sizes) must start with the latter
CHAIN = (["ij", "jk", "kl"], "il", {"i": 1000, "j": 2, "k": 1000, "l": 2})


def test_path_search_avoids_large_intermediates():
    more = ("dp", "branch-2") if einsum_path.opt_einsum is not None else ()
    for optimize in (None, True, "auto", "greedy", "optimal", *more):
        assert contraction_path(*CHAIN, optimize)[0] == (1, 2), optimize


def test_path_search_without_opt_einsum(monkeypatch, rng):
    monkeypatch.setattr(einsum_path, "opt_einsum", None)
    for optimize in (None, True, "greedy", "optimal"):
        assert contraction_path(*CHAIN, optimize)[0] == (1, 2), optimize
    with pytest.raises(ValueError, match="needs opt_einsum"):
        contraction_path(*CHAIN, "dp")
    values = [random_array(rng, s) for s in [(2, 3), (3, 4), (4, 5), (5, 2)]]
    f, _ = _compile("ij,jk,kl,lm->im", values, "PY")
    assert_matches_einsum(f(*values), "ij,jk,kl,lm->im", values)


def test_unknown_lengths_get_a_default_for_the_search():
    # unknown lengths count as long (einsum_path.UNKNOWN_LENGTH), the static 2s as short
    lengths = {"i": None, "j": 2, "k": None, "l": 2}
    assert contraction_path(["ij", "jk", "kl"], "il", lengths, None)[0] == (1, 2)


@pytest.mark.parametrize("optimize", [None, True, False, "greedy", "optimal", "dp",
                                      ["einsum_path", (1, 2), (0, 1)], [(0, 1), (0, 1)],
                                      [(0, 1, 2)]])
def test_optimize_choices_give_the_same_values(optimize, rng):
    if optimize == "dp" and einsum_path.opt_einsum is None:
        pytest.skip("opt_einsum (an optional extra) is not installed")
    values = [random_array(rng, s) for s in [(2, 3), (3, 4), (4,)]]
    f, _ = _compile("ij,jk,k->i", values, "PY", optimize=optimize)
    assert_matches_einsum(f(*values), "ij,jk,k->i", values)


@pytest.mark.parametrize("optimize, message", [
    ("fastest", "optimize='fastest'"),
    ([(0, 3)], "distinct positions"),
    ([(0, 1)], "leaves 2 operands"),
    ([("a", "b")], "not a tuple of operand positions"),
])
def test_bad_optimize(optimize, message):
    x = at.matrix("x")
    with pytest.raises(ValueError, match=message):
        at.einsum("ij,jk,k->i", x, x, at.vector("v"), optimize=optimize)


# --- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("subscripts, shapes, message", [
    ("ij,jk->ik", [(2, 3)], r"2 operand term\(s\) but 1 operand"),
    ("ij", [(2, 3), (3,)], r"1 operand term\(s\) but 2 operand"),
    ("ijk", [(2, 3)], r"term 0 'ijk' has 3 label\(s\) but operand 0 has 2 dimension"),
    ("i", [(2, 3)], "use '...'"),
    ("ij...", [(2,)], r"has 2 label\(s\) but operand 0 has 1"),
    ("i1", [(2, 3)], "character '1'"),
    ("i.j", [(2, 3)], "not part of one ellipsis"),
    ("i,i->j", [(2,), (2,)], "output label 'j'"),
    ("i,i->ii", [(2,), (2,)], "repeats the label 'i'"),
    ("ij->i->j", [(2, 3)], "more than one '->'"),
    ("i>j", [(2, 3)], "outside '->'"),
    ("...i->i", [(2, 3)], "no '...' to keep them"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "label 'j' .* has length 3 in operand 0 but 4 in operand 1"),
    ("ii->i", [(2, 3)], "label 'i' is repeated in term 0 .* different lengths"),
    ("ii->i", [(1, 3)], "different lengths"),
])
def test_bad_subscripts(subscripts, shapes, message):
    inputs = [at.tensor(f"x{k}", shape=s) for k, s in enumerate(shapes)]
    with pytest.raises(ValueError, match=message):
        at.einsum(subscripts, *inputs)


def test_bad_call():
    with pytest.raises(ValueError, match="no operands"):
        at.einsum("ij")
    with pytest.raises(TypeError, match="subscripts must be a string"):
        at.einsum(at.matrix(), [0, 1])


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
@pytest.mark.parametrize("subscripts, shapes", [
    ("ii->i", [(2, 3)]),                       # a diagonal of a non-square matrix
    ("ijk,jk->i", [(2, 2, 3), (3, 2)]),        # summed lengths swapped: equal products
    ("ij,jk->ik", [(2, 3), (4, 5)]),
    ("ij,ij->ij", [(2, 3), (2, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (3, 3, 2)]),
])
def test_lengths_that_disagree_at_run_time(subscripts, shapes, mode):
    values = [np.ones(s) for s in shapes]
    f, _ = _compile(subscripts, values, mode)
    with pytest.raises(ValueError):
        f(*values)
