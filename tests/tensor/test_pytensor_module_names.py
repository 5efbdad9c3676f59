"""PyTensor's module-level names under ``arignote.tensor.*`` (issue 16): each behaves as in
PyTensor on arignote's graphs (values against NumPy, derivatives against finite differences,
``isinstance`` against the nodes arignote builds)."""

import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad

RNG = np.random.default_rng(16)


# --- tensor.type, tensor.math tolerances ---------------------------------------------------

def test_dtype_lists():
    from arignote.tensor import type as tt

    assert tt.float_dtypes == ["float16", "float32", "float64"]
    assert tt.discrete_dtypes == ["bool", *tt.int_dtypes, *tt.uint_dtypes]
    assert tt.integer_dtypes == tt.int_dtypes + tt.uint_dtypes
    assert tt.continuous_dtypes == tt.float_dtypes + tt.complex_dtypes
    assert sorted(tt.all_dtypes) == sorted(tt.DTYPES)


def test_values_eq_approx_family():
    from arignote.tensor.type import (
        values_eq_approx,
        values_eq_approx_remove_inf,
        values_eq_approx_remove_inf_nan,
        values_eq_approx_remove_nan,
    )

    a = np.array([1.0, np.nan, np.inf])
    assert values_eq_approx(a, a.copy())  # NaN matches NaN, inf the same inf
    assert not values_eq_approx(a, np.array([1.0, np.nan, -np.inf]))
    assert not values_eq_approx(a, np.array([1.0, 2.0, np.inf]))
    assert values_eq_approx_remove_nan(a, np.array([1.0, 2.0, np.inf]))
    assert not values_eq_approx_remove_nan(a, np.array([1.0, 2.0, 3.0]))
    assert values_eq_approx_remove_inf(a, np.array([1.0, np.nan, 3.0]))
    assert values_eq_approx_remove_inf_nan(a, np.array([1.0, 5.0, 3.0]))
    assert not values_eq_approx(a, a.astype("float32"))  # dtypes differ
    assert values_eq_approx(np.array([1, 2]), np.array([1, 2])) and not values_eq_approx(
        np.array([1, 2]), np.array([1, 3]))


def test_allclose_tolerance_by_dtype():
    from arignote.tensor.math import _allclose

    x = np.ones(3)
    assert not _allclose(x, x + 1.5e-5)  # float64: NumPy's defaults
    assert _allclose(x.astype("float32"), x + 1.5e-5)  # the narrower dtype sets the tolerance
    assert _allclose(x.astype("float16"), x + 5e-4)
    assert not _allclose(x.astype("float16"), x + 5e-4, atol=0, rtol=1e-5)


# --- reductions: tensor.math.Sum & co. ------------------------------------------------------

def test_reduction_kinds_match_nodes():
    from arignote.tensor.elemwise import CAReduce
    from arignote.tensor.math import All, Any, Max, Min, Prod, Sum

    x = at.dmatrix("x")
    for fn, kind in [(at.sum, Sum), (at.prod, Prod), (at.max, Max), (at.min, Min),
                     (at.all, All), (at.any, Any)]:
        op = fn(x, axis=0).owner.op
        assert isinstance(op, kind) and isinstance(op, CAReduce)
        assert sum(isinstance(op, k) for k in (Sum, Prod, Max, Min, All, Any)) == 1
    assert not isinstance(at.exp(x).owner.op, Sum) and not isinstance(3, Sum)
    assert isinstance(at.sum(x).owner.op, Sum | Prod)  # PyTensor's tests use unions of them


def test_reduction_kinds_build_ops():
    from arignote.tensor.math import Max, Min, Prod, Sum

    x = at.dmatrix("x")
    v = RNG.normal(size=(3, 4))
    assert Sum(axis=1)(x) is at.sum(x, axis=1)  # the same op: nodes intern
    assert Sum(axis=[1, 0]).axis == (0, 1)
    np.testing.assert_allclose(Sum(axis=(1, 0))(x).eval({x: v}), v.sum())
    np.testing.assert_allclose(Min(axis=-1)(x).eval({x: v}), v.min(axis=-1))
    np.testing.assert_allclose(Max(axis=None)(x).eval({x: v}), v.max())
    np.testing.assert_allclose(Prod(axis=0, no_zeros_in_input=True)(x).eval({x: v}), v.prod(0))
    assert Sum(axis=0, dtype="float32")(x).dtype == "float32"
    assert Sum(axis=0)(at.bvector()).dtype == "int64"
    builder = Min(axis=-1)  # a negative axis is resolved per input
    assert builder.axis == -1 and pickle.loads(pickle.dumps(builder)) == builder
    with pytest.raises(ValueError, match="duplicate"):
        Sum(axis=(1, 1))


def test_reduction_kinds_gradients():
    from arignote.tensor.math import Min, Prod

    data = RNG.normal(size=(3, 4))
    verify_grad(lambda v: Min(axis=-1)(v).sum(), [data])
    with_zeros = np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 6.0], [0.0, 0.0, 9.0]])
    verify_grad(Prod(axis=1), [with_zeros])
    x = at.dmatrix("x")
    g = arignote.function([x], arignote.grad(Prod(axis=1)(x).sum(), x))
    np.testing.assert_allclose(g(with_zeros), [[6, 3, 2], [30, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_prod_without_zeros(axis):
    from arignote.tensor.math import ProdWithoutZeros

    x = at.dmatrix("x")
    v = np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 6.0], [0.0, 0.0, 9.0]])
    out = ProdWithoutZeros(axis=axis)(x)
    np.testing.assert_allclose(out.eval({x: v}), np.prod(np.where(v == 0, 1, v), axis=axis))
    assert ProdWithoutZeros(axis=0)(at.bmatrix()).dtype == "int64"
    assert ProdWithoutZeros(axis=0, dtype="float32")(x).dtype == "float32"
    assert not isinstance(out.owner.op, ProdWithoutZeros)
    # away from the zeros, the derivative of the product of the nonzero elements
    verify_grad(lambda m: ProdWithoutZeros(axis=axis)(m), [v + 0.5])


def test_math_private_names():
    from arignote.tensor.math import _conj, _dot, _matmul, isnan_
    from arignote.tensor.products import Dot, MatMul

    z = at.zvector("z")
    zv = np.array([1 + 2j, 3 - 1j])
    np.testing.assert_allclose(_conj(z).eval({z: zv}), np.conj(zv))
    assert isinstance(_dot, Dot) and isinstance(_matmul, MatMul) and isnan_ is at.isnan
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))
    np.testing.assert_allclose(_dot(a, b).eval(), a @ b)
    np.testing.assert_allclose(_matmul(a, b).eval(), a @ b)


# --- tensor.elemwise, tensor.basic, tensor.type_other ----------------------------------------

def test_elemwise_names():
    from arignote.scalar import math as sm
    from arignote.tensor.dimshuffle import DimShuffle as OwnDimShuffle
    from arignote.tensor.elemwise import CAReduce, DimShuffle
    from arignote.tensor.reduction import CAReduce as OwnCAReduce

    assert DimShuffle is OwnDimShuffle and CAReduce is OwnCAReduce
    x = at.dmatrix("x")
    assert DimShuffle(input_ndim=2, new_order=(1, "x", 0))(x).type.shape == (None, 1, None)
    v = RNG.normal(size=(2, 3))
    np.testing.assert_allclose(CAReduce(sm.Add(), axis=(1,))(x).eval({x: v}), v.sum(1))


def test_extract_diag():
    from arignote.tensor.basic import ExtractDiag

    x = at.dtensor3("x")
    v = RNG.normal(size=(3, 4, 5))
    assert isinstance(at.diagonal(x).owner.op, ExtractDiag)
    np.testing.assert_allclose(ExtractDiag(offset=1, axis1=0, axis2=2)(x).eval({x: v}),
                               np.diagonal(v, 1, 0, 2))
    np.testing.assert_allclose(ExtractDiag(offset=-1, axis1=-1, axis2=0)(x).eval({x: v}),
                               np.diagonal(v, -1, 2, 0))
    assert not isinstance(at.exp(x).owner.op, ExtractDiag)


def test_basic_builders():
    from arignote.tensor.basic import (
        AllocEmpty,
        Choose,
        PermuteRowElements,
        ScalarFromTensor,
        TensorFromScalar,
    )

    out = AllocEmpty("float32")(2, 3)
    assert out.dtype == "float32" and out.eval().shape == (2, 3)
    a, choices = np.array([[0, 1], [2, 0]]), RNG.normal(size=(3, 2, 2))
    np.testing.assert_allclose(Choose()(a, choices).eval(), np.choose(a, choices))
    np.testing.assert_allclose(Choose(mode="wrap")(a + 3, choices).eval(), np.choose(a, choices))
    x, perm = RNG.normal(size=(2, 4)), np.array([2, 0, 3, 1])
    np.testing.assert_allclose(PermuteRowElements(inverse=False)(x, perm).eval(), x[:, perm])
    inverse = PermuteRowElements(inverse=True)(x, perm).eval()
    np.testing.assert_allclose(inverse[:, perm], x)
    s = at.lscalar("s")
    assert TensorFromScalar()(ScalarFromTensor()(s)) is s  # scalars are 0-d tensors here
    assert not isinstance(s, PermuteRowElements)  # no node is one of them
    with pytest.raises(TypeError, match="0-d"):
        ScalarFromTensor()(at.dvector())


def test_alloc_lengths_one_by_one():
    from arignote.tensor.basic import Alloc

    value, n = at.dscalar("v"), at.lscalar("n")
    out = Alloc()(value, 2, n)
    assert out.type.shape == (2, None) and out.owner.op == Alloc(2)
    np.testing.assert_allclose(out.eval({value: 1.5, n: 3}), np.full((2, 3), 1.5))
    assert isinstance(at.alloc(value, 2, 3).owner.op, Alloc)
    with pytest.raises(TypeError):
        Alloc()(value, at.dmatrix())
    with pytest.raises(TypeError, match="one shape vector"):
        Alloc(2)(value, 2, 3)


def test_constant_ndim():
    from arignote.tensor.basic import constant

    x = constant(np.array(2, dtype="int8"))
    y = constant(x, ndim=2)
    assert y.type.shape == (1, 1) and y.dtype == "int8"
    np.testing.assert_array_equal(constant(y, ndim=0).data, 2)
    assert constant(np.ones((1, 1, 3)), ndim=1).type.shape == (3,)
    with pytest.raises(ValueError, match="2 dimensions|1 dimensions"):
        constant(np.ones((2, 3)), ndim=1)


@pytest.mark.parametrize("offset,axis1,axis2", [(0, 0, 1), (1, 0, 2), (-2, 2, 0), (1, -1, -2)])
def test_alloc_diag(offset, axis1, axis2):
    from arignote.tensor.basic import alloc_diag

    d = at.dmatrix("d")
    v = RNG.normal(size=(3, 4))
    out = alloc_diag(d, offset=offset, axis1=axis1, axis2=axis2).eval({d: v})
    a1, a2 = sorted((axis1 % 3, axis2 % 3))
    assert out.ndim == 3 and out.shape[a1] == out.shape[a2] == 4 + abs(offset)
    np.testing.assert_allclose(np.diagonal(out, offset, a1, a2), v)
    assert np.count_nonzero(out) == np.count_nonzero(v)
    verify_grad(lambda x: alloc_diag(x, offset=offset, axis1=axis1, axis2=axis2), [v])


def test_infer_static_shape():
    from arignote.tensor.basic import infer_static_shape

    x = at.tensor("x", shape=(3, None))
    n = at.lscalar("n")
    entries, static = infer_static_shape([2, n, x.shape[0], x.shape[1]])
    assert static == (2, None, 3, None) and all(e.ndim == 0 for e in entries)
    assert infer_static_shape(at.as_tensor_variable(np.array([4, 5])))[1] == (4, 5)
    with pytest.raises(TypeError, match="Shapes must be scalar integers"):
        infer_static_shape([at.dscalar()])
    with pytest.raises(TypeError, match="Shapes must be scalar integers"):
        infer_static_shape((at.as_tensor_variable([[1, 2]]),))


def test_none_const():
    from arignote.tensor import NoneConst
    from arignote.tensor.basic import NotScalarConstantError, get_underlying_scalar_constant_value
    from arignote.tensor.type_other import NoneConst as other_none_const

    assert NoneConst is other_none_const and NoneConst.data is None
    assert get_underlying_scalar_constant_value(NoneConst) is None
    with pytest.raises(NotScalarConstantError):
        get_underlying_scalar_constant_value(None)
    with pytest.raises(TypeError):
        at.shape(NoneConst)


# --- tensor.shape, tensor.blas, tensor.extra_ops -------------------------------------------

def test_specify_shape_direct():
    from arignote.tensor.shape import _specify_shape

    x = at.dmatrix("x")
    assert _specify_shape(x, 2, None).type.shape == (2, None)
    with pytest.raises(TypeError):
        _specify_shape([[1, 2, 3], [4, 5, 6]], *(2.2, 3))
    with pytest.raises(ValueError):
        _specify_shape(x, 4)
    f = arignote.function([x], _specify_shape(x, 2, 3))
    with pytest.raises(ValueError):
        f(np.zeros((3, 2)))


def test_dot22():
    from arignote.tensor.blas import Dot22

    x, y = at.dmatrix("x"), at.dmatrix("y")
    f = arignote.function([x, y], x @ y)
    assert any(isinstance(node.op, Dot22) for node in f.maker.fgraph.apply_nodes)
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))
    np.testing.assert_allclose(Dot22()(x, y).eval({x: a, y: b}), a @ b)
    with pytest.raises(TypeError, match="matrices"):
        Dot22()(at.dvector(), y)
    assert not isinstance(at.exp(x).owner.op, Dot22)


def test_extra_ops_names():
    from arignote.tensor.extra_ops import (
        Bartlett,
        CpuContiguous,
        FillDiagonal,
        FillDiagonalOffset,
        RavelMultiIndex,
        SearchSorted,
        SearchsortedOp,
        UnravelIndex,
        cpu_contiguous,
    )
    from arignote.tensor.flat_index import RavelMultiIndex as OwnRavel
    from arignote.tensor.flat_index import UnravelIndex as OwnUnravel

    assert RavelMultiIndex is OwnRavel and UnravelIndex is OwnUnravel
    a, v = np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 0.5, 4.0])
    assert SearchsortedOp() == SearchSorted("left")
    np.testing.assert_array_equal(SearchsortedOp()(a, v).eval(), np.searchsorted(a, v))
    np.testing.assert_array_equal(SearchsortedOp(side="right")(a, v).eval(),
                                  np.searchsorted(a, v, side="right"))
    assert isinstance(at.searchsorted(a, v).owner.op, SearchsortedOp)
    np.testing.assert_allclose(Bartlett()(6).eval(), np.bartlett(6))
    m = RNG.normal(size=(3, 4))
    expected = m.copy()
    np.fill_diagonal(expected, 5.0)
    np.testing.assert_allclose(FillDiagonal()(m, 5.0).eval(), expected)
    expected = m.copy()
    expected[[0, 1, 2], [1, 2, 3]] = 7.0
    np.testing.assert_allclose(FillDiagonalOffset()(m, 7.0, 1).eval(), expected)
    x = at.dtensor3("x")
    np.testing.assert_allclose(CpuContiguous()(x).eval({x: m[None]}), m[None])
    verify_grad(cpu_contiguous, [RNG.normal(size=(5, 7, 2))])


def test_to_one_hot():
    from arignote.tensor.extra_ops import to_one_hot

    y = at.lvector("y")
    v = np.array([1, 3, 0, 3])
    out = to_one_hot(y, 4)
    assert out.dtype == arignote.config.floatX
    np.testing.assert_array_equal(out.eval({y: v}), np.eye(4)[v])
    assert to_one_hot(y, 10, dtype="int32").dtype == "int32"
    with pytest.raises(TypeError, match="integer vector"):
        to_one_hot(at.dvector(), 3)


# --- tensor.subtensor -----------------------------------------------------------------------

def test_advanced_indexing_functions():
    from arignote.tensor import subtensor as st

    x = at.dmatrix("x")
    v = RNG.normal(size=(5, 4))
    idx = np.array([[0, 2, 1], [3, 3, 0]])
    out = st.advanced_subtensor(x, slice(1, None), idx)
    np.testing.assert_allclose(out.eval({x: v}), v[1:, idx])
    y = np.ones((2, 4))
    rows = np.array([0, 0])
    expected = v.copy()
    np.add.at(expected, rows, y)
    np.testing.assert_allclose(st.advanced_inc_subtensor(x, y, rows).eval({x: v}), expected)
    expected = v.copy()
    expected[[1, 3]] = 0.0
    np.testing.assert_allclose(st.advanced_set_subtensor(x, 0.0, [1, 3]).eval({x: v}), expected)
    with pytest.warns(FutureWarning):
        np.testing.assert_allclose(st.advanced_subtensor1(x, [4, 0]).eval({x: v}), v[[4, 0]])
    with pytest.warns(FutureWarning):
        st.advanced_inc_subtensor1(x, 1.0, [0])
    with pytest.warns(FutureWarning):
        st.advanced_set_subtensor1(x, 1.0, [0])


def test_as_index_literal_and_provable_signs():
    from arignote.tensor.basic import NotScalarConstantError
    from arignote.tensor.subtensor import _is_provably_non_negative, _is_provably_positive, as_index_literal

    one = at.as_tensor_variable(1)
    assert as_index_literal(slice(None, one)) == slice(None, 1)
    assert as_index_literal(slice(one, None, at.as_tensor_variable(2))) == slice(1, None, 2)
    assert as_index_literal(None) is None and as_index_literal(3) == 3
    with pytest.raises(NotScalarConstantError):
        as_index_literal(at.lscalar())
    with pytest.raises(TypeError):
        as_index_literal("a")
    x = at.dmatrix("x")
    n = at.lscalar("n")
    assert _is_provably_non_negative(x.shape[0]) and not _is_provably_positive(x.shape[0])
    assert _is_provably_positive(at.as_tensor_variable(np.array([1, 2])))
    assert not _is_provably_positive(at.as_tensor_variable(np.array([0, 2])))
    assert _is_provably_positive(at.as_tensor_variable(np.array([0, 2])), strict=False)
    assert _is_provably_positive(at.maximum(n, 1)) and not _is_provably_positive(at.minimum(n, 1))
    assert not _is_provably_non_negative(n) and _is_provably_non_negative(at.scalar(dtype="uint8"))


_IX = np.ix_(np.array([True, True]), np.array([True]), np.array([True, True]))


@pytest.mark.parametrize("shape,index", [
    ((5, 6, 7, 8), (slice(None, None),)),
    ((5, 6, 7, 8), (2,)),
    ((5, 6, 7, 8), _IX[:2]),
    ((5, 6, 7, 8), (*_IX[:1], slice(None, None), *_IX[1:2], slice(None, None))),
    ((5, 4), ([1, 3, 2], slice(1, 3))),
    ((5, 6, 7), (slice(None, None), [1, 2, 3], slice(None, None))),
    ((5, 6), (slice(None, None, -2), None, np.array([[1], [2]]))),
])
def test_indexed_result_shape(shape, index):
    from arignote.tensor.subtensor import indexed_result_shape

    array = np.zeros(shape)
    expected = array[index].shape
    as_vars = [i if i is None or isinstance(i, slice) else at.as_tensor_variable(i) for i in index]
    out = indexed_result_shape(at.as_tensor_variable(array).shape, as_vars)
    assert tuple(int(d.eval()) for d in out) == expected
    as_shapes = [i if i is None or isinstance(i, slice) else np.shape(i) for i in index]
    out = indexed_result_shape(shape, as_shapes, indices_are_shapes=True)
    assert tuple(int(d.eval()) for d in out) == expected


def test_basic_shape():
    from arignote.tensor.subtensor import basic_shape

    n = at.lscalar("n")
    out = basic_shape((5, n, 4), (slice(1, 3), slice(None, None, -2), None))
    assert [int(d.eval({n: 7})) if d.owner else int(d.eval()) for d in out] == [2, 4, 1]
    with pytest.raises(ValueError, match="Invalid index"):
        basic_shape((5,), (2,))


def test_canonical_form_slice_numbers_and_errors():
    from arignote.tensor import NoneConst
    from arignote.tensor.subtensor import get_canonical_form_slice

    assert get_canonical_form_slice(slice(3, 7, 2), 10) == (slice(3, 7, 2), 1)
    assert get_canonical_form_slice(slice(None, None, -1), 10) == (slice(0, 10, 1), -1)
    assert get_canonical_form_slice(slice(at.as_tensor_variable(1), None, np.int64(2)),
                                    at.as_tensor_variable(7)) == (slice(1, 7, 2), 1)
    for bad in (NoneConst, None, at.dvector()):
        with pytest.raises(ValueError, match="not a supported slice"):
            get_canonical_form_slice(bad, 5)
    n = at.lscalar("n")
    zero, minus_one = at.as_tensor_variable(0), at.as_tensor_variable(-1)
    assert get_canonical_form_slice(zero, n) == (zero, 1)
    assert get_canonical_form_slice(minus_one, n)[0].eval({n: 5}) == 4
    i = at.lscalar("i")
    index, direction = get_canonical_form_slice(i, n)
    assert direction == 1 and [int(index.eval({i: v, n: 5})) for v in (-2, 3)] == [3, 3]


_BOUNDS = [-8, -5, -4, -1, 0, 1, 4, 5, 8]


@pytest.mark.parametrize("parts", ["bes", "-es", "b-s", "be-", "beK"])
def test_canonical_form_slice_symbolic(parts):
    from itertools import product

    from arignote.tensor.subtensor import get_canonical_form_slice

    start, stop, step, length = at.iscalars("b", "e", "s", "l")
    given = [start if parts[0] == "b" else None, stop if parts[1] == "e" else None,
             {"s": step, "-": None, "K": -2}[parts[2]]]
    inputs = [v for v in given if isinstance(v, at.TensorVariable)]
    canonical, direction = get_canonical_form_slice(slice(*given), length)
    f = arignote.function([*inputs, length], [at.as_tensor_variable(v) for v in
                                              (canonical.start, canonical.stop, canonical.step,
                                               direction)])
    ranges = [_BOUNDS if v is start or v is stop else [-6, -3, -1, 2, 5] for v in inputs]
    a = np.arange(5)
    for values in product(*ranges):
        b, e, s, d = (int(v) for v in f(*values, 5))
        assert 0 <= b <= e <= 5 and s > 0
        py = iter(values)
        key = slice(*[next(py) if isinstance(v, at.TensorVariable) else v for v in given])
        np.testing.assert_array_equal(a[b:e:s][::d], a[key])


# --- linalg, random, blockwise, utils, einsum ----------------------------------------------

def test_linalg_module_paths():
    from arignote.tensor import linalg
    from arignote.tensor.linalg.constructors import BlockDiagonal, block_diag
    from arignote.tensor.linalg.decomposition.cholesky import Cholesky, cholesky
    from arignote.tensor.linalg.decomposition.eigen import eig, eigh, eigvalsh
    from arignote.tensor.linalg.decomposition.svd import SVD, svd
    from arignote.tensor.linalg.inverse import MatrixInverse, pinv
    from arignote.tensor.linalg.solvers.core import SolveBase
    from arignote.tensor.linalg.solvers.general import Solve, solve
    from arignote.tensor.linalg.solvers.linear_control import solve_sylvester
    from arignote.tensor.linalg.solvers.psd import CholeskySolve, cho_solve
    from arignote.tensor.linalg.solvers.triangular import SolveTriangular, solve_triangular

    assert (block_diag, cholesky, eig, eigh, eigvalsh, svd, pinv, solve, cho_solve, solve_triangular,
            solve_sylvester) == (linalg.block_diag, linalg.cholesky, linalg.eig, linalg.eigh,
                                 linalg.eigvalsh, linalg.svd, linalg.pinv, linalg.solve,
                                 linalg.cho_solve, linalg.solve_triangular, linalg.solve_sylvester)
    assert (BlockDiagonal, Cholesky, SVD, MatrixInverse, Solve, CholeskySolve, SolveTriangular) == (
        linalg.structure.BlockDiagonal, linalg.Cholesky, linalg.SVD, linalg.MatrixInverse,
        linalg.Solve, linalg.CholeskySolve, linalg.SolveTriangular)
    assert issubclass(Solve, SolveBase) and issubclass(SolveTriangular, SolveBase)


def test_tensor_inv():
    from arignote.tensor.linalg import TensorInv

    a = RNG.normal(size=(2, 3, 6)) + np.eye(6).reshape(2, 3, 6) * 3
    np.testing.assert_allclose(TensorInv()(a).eval(), np.linalg.tensorinv(a, 2))
    b = RNG.normal(size=(6, 2, 3)) + np.eye(6).reshape(6, 2, 3) * 3
    np.testing.assert_allclose(TensorInv(ind=1)(b).eval(), np.linalg.tensorinv(b, 1))


def test_choice_without_replacement():
    from arignote.tensor.random.basic import ChoiceWithoutReplacement, broadcast_shapes, choice

    assert broadcast_shapes((3, 1), (4,)) == (3, 4)
    rng = arignote.shared(np.random.default_rng(3))
    a = np.arange(3 * 5 * 2).reshape((3, 5, 2))
    op = ChoiceWithoutReplacement(signature="(a0,a1),(1)->(s0,a1)", dtype="int64")
    assert isinstance(op, ChoiceWithoutReplacement)
    draws = op(a, (4,), rng=rng)
    assert draws.type.shape == (3, 4, 2)
    value = draws.eval()
    for i in range(3):
        assert np.unique(value[i]).size == 8 and np.all((value[i] >= i * 10) & (value[i] < (i + 1) * 10))
    op = ChoiceWithoutReplacement(signature="(a0,a1),(2)->(s0,s1,a1)", dtype="int64")
    draws = op(a, (4, 1), size=(2, 3), rng=rng)
    value = draws.eval()
    assert draws.type.shape == value.shape == (2, 3, 4, 1, 2)
    for j in range(2):
        for i in range(3):
            assert np.unique(value[j, i]).size == 8
            assert np.all((value[j, i] >= i * 10) & (value[j, i] < (i + 1) * 10))
    assert isinstance(choice(5, size=3, replace=False).owner.op, ChoiceWithoutReplacement)
    assert not isinstance(choice(5, size=3).owner.op, ChoiceWithoutReplacement)


def test_blockwise_names():
    from arignote.tensor.blockwise import Blockwise, BlockwiseWithCoreShape, vectorize_node_fallback
    x = at.dmatrix("x")
    node = at.linalg.det(x).owner
    batched = at.dtensor3("b")
    out = vectorize_node_fallback(node.op, node, batched)
    assert isinstance(out.op, Blockwise | BlockwiseWithCoreShape)
    assert not isinstance(out.op, BlockwiseWithCoreShape)
    v = RNG.normal(size=(4, 3, 3))
    np.testing.assert_allclose(out.outputs[0].eval({batched: v}), np.linalg.det(v))
    node = at.dot(at.dvector(), at.dvector()).owner  # no gufunc signature: the node's ranks
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    out = vectorize_node_fallback(node.op, node, at.as_tensor_variable(a), at.as_tensor_variable(b))
    assert isinstance(out.op, Blockwise)
    np.testing.assert_allclose(out.outputs[0].eval(), np.einsum("bi,bi->b", a, b))
    rv = at.random.normal(rng=at.random.rng("g")).owner
    with pytest.raises(NotImplementedError, match="Cannot vectorize node"):
        vectorize_node_fallback(rv.op, rv, *rv.inputs)
    with pytest.raises(NotImplementedError, match="Numba"):
        BlockwiseWithCoreShape()


def test_tensor_utils():
    from arignote.tensor.utils import _parse_gufunc_signature, hash_from_ndarray

    assert _parse_gufunc_signature("(m, n),(n)->(m)") == ([("m", "n"), ("n",)], [("m",)])
    assert _parse_gufunc_signature("(),()->()") == ([(), ()], [()])
    with pytest.raises(ValueError):
        _parse_gufunc_signature("(m,n)(n)->(m)")
    x = RNG.normal(size=(5, 5))
    hashes = {hash_from_ndarray(np.asarray(d)) for d in
              [-2, -1, 0, 1, 2, np.zeros((1, 5)), np.zeros((1, 6)), np.zeros((5, 1)),
               np.zeros((0, 5)), np.zeros((5, 0)), x, x.astype("float32")]}
    assert len(hashes) == 12
    for view in (x[1:], x[::2], x[::-1], x.T):
        assert hash_from_ndarray(view) == hash_from_ndarray(view.copy())


def test_einsum_helpers():
    from functools import partial

    from arignote.tensor.einsum import _delta, _general_dot, _iota

    np.testing.assert_array_equal(_iota((4, 8), 0).eval(), np.broadcast_to(np.arange(4)[:, None], (4, 8)))
    np.testing.assert_array_equal(_iota((4, 8), 1).eval(), np.broadcast_to(np.arange(8), (4, 8)))
    np.testing.assert_array_equal(_delta((2, 2), (0, 1)).eval(), np.eye(2, dtype=bool))
    np.testing.assert_array_equal(_delta((2, 2, 2), (0, 1)).eval(),
                                  [[[1, 1], [0, 0]], [[0, 0], [1, 1]]])
    np.testing.assert_array_equal(_delta((3, 2), (0, 1)).eval(), np.eye(3, 2, dtype=bool))
    with pytest.raises(ValueError):
        _delta((3,), (0,))
    x = at.tensor("x", dtype="float64", shape=(5, 4, 2, 11, 13, 3))
    y = at.tensor("y", dtype="float64", shape=(4, 13, 5, 7, 11))
    axes = [(-3, -2), (-1, -4)]
    out = _general_dot((x, y), axes, [(0, 1), (0,)])
    assert out.type.shape == (5, 4, 2, 3, 5, 7)
    xv, yv = RNG.normal(size=x.type.shape), RNG.normal(size=y.type.shape)
    expected = np.vectorize(partial(np.tensordot, axes=axes),
                            signature="(l0,a0,a1,l1),(a1,r0,r1,a0)->(l0,l1,r0,r1)")(xv, yv)
    np.testing.assert_allclose(arignote.function([x, y], out)(xv, yv), expected)
    a, b = RNG.normal(size=(3, 4, 5)), RNG.normal(size=(3, 5, 2))
    np.testing.assert_allclose(_general_dot((a, b), [[2], [1]], [[0], [0]]).eval(), a @ b)
    np.testing.assert_allclose(_general_dot((a[0], b[0]), [[1], [0]], [[], []]).eval(), a[0] @ b[0])

