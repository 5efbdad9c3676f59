"""Converters of PyTensor's linear algebra (``pytensor.tensor.linalg``) and of ``Blockwise``.

PyTensor applies each linear-algebra op to stacks of matrices by wrapping its *core op* (one
matrix) in a ``Blockwise``: ``pt.linalg.cholesky(x)`` is ``Blockwise(Cholesky(lower=True))(x)``
whatever ``x``'s rank.  The ``Blockwise`` converter is generic:

1. PyTensor's own dummy core node (the core op on core-shaped stand-ins of the inputs) gives
   the core op's parameters and the core output types;
2. the core op's converter builds the arignote graph on arignote stand-ins of those core
   shapes (so a core converter only ever thinks about one matrix);
3. arignote's ``vectorize_graph`` replaces the stand-ins by the real, batched inputs, and
   every op downstream is batched by its own rule (arignote's linear-algebra ops become
   arignote ``Blockwise`` nodes).

This keeps one route for every core op, linear algebra or not (any PyTensor op with a
converter can sit inside a ``Blockwise``), and the batch broadcasting is arignote's, checked
once, rather than repeated per converter.  A converter called on a bare core op (no
``Blockwise``, as ``Blockwise``'s dummy node or a user building ``Cholesky()(x)``) builds the
same core graph directly.  A core op whose parameters are inputs that must be known while
converting (a convolution's mode, ``fourier.py``) registers in :data:`blockwise_converters`
and is given the batched inputs instead.

The core converters build with ``arignote.tensor.linalg``'s functions where their parameters
map one to one, and with its op classes (same names and parameters as PyTensor's, minus
the ``overwrite_*`` flags, which only allow PyTensor to reuse buffers) where the function
would add graph around the op.  PyTensor's solvers report failure as NaN (``Cholesky`` of a
matrix that is not positive definite, a singular triangular system); arignote's ops do
the same.  ``KroneckerProduct`` and the matrix-equation solvers (Sylvester, discrete Lyapunov,
discrete Riccati) are ``OpFromGraph`` s in PyTensor; they convert to arignote's own ops here
rather than being inlined.  ``TRSYL``, the LAPACK step inside PyTensor's Sylvester graph (seen
when that graph is inlined), converts to arignote's Sylvester solver on its Schur-form inputs.
``BlockDiagonal`` converts through its base class ``BaseBlockDiagonal``.
"""

from __future__ import annotations

from typing import Any

from pytensor.tensor import blockwise as ptbw
from pytensor.tensor import linalg as ptl
from pytensor.tensor.linalg.constructors import BaseBlockDiagonal
from pytensor.tensor.linalg.solvers import linear_control as ptlc
from pytensor.tensor.type import TensorType as PtTensorType

import arignote.tensor as at
from arignote.graph.registry import Registry
from arignote.interop.pytensor.convert import (
    Converter,
    UnsupportedOps,
    check_outputs,
    convert_type,
    converters,
    nested_missing,
)
from arignote.tensor import linalg as atl
from arignote.tensor.functional import vectorize_graph
from arignote.tensor.type_other import NoneTypeT

__all__ = ["blockwise_converters"]

#: ``converter(core_op, node, *batched_inputs)`` of a ``Blockwise`` (``node``) by its core op type,
#: for core ops that must see the batched inputs themselves: a core op whose parameter is an
#: input that must be known while converting (a convolution's mode), which the generic route
#: would hide behind a stand-in
blockwise_converters: Registry[Converter] = Registry("PyTensor Blockwise converters")


@nested_missing.register(ptbw.Blockwise)
def _core_missing(op: Any) -> list[type]:
    """The core op's type when nothing converts it (with the ops nested in it in turn)."""
    core_type = type(op.core_op)
    if blockwise_converters.lookup(core_type) is not None:
        return []
    if converters.lookup(core_type) is None:
        return [core_type]
    nested = nested_missing.lookup(core_type)
    return nested(op.core_op) if nested is not None else []


@converters.register(ptbw.Blockwise)
def _blockwise(op: Any, node: Any, *inputs: Any) -> Any:
    """The core op's converted graph on core stand-ins, vectorized over the real inputs."""
    core_op = op.core_op
    special = blockwise_converters.lookup(type(core_op))
    if special is not None:
        return special(core_op, node, *inputs)
    converter = converters.lookup(type(core_op))
    if converter is None:
        raise UnsupportedOps([type(core_op)])
    # PyTensor's own dummy core node: the core op's node on inputs of the core ranks (static
    # core lengths kept), so the core converter sees the core output types PyTensor expects
    core_node = op._create_dummy_core_node(node.inputs)
    stand_ins = [convert_type(v.type).make_variable(v.name) for v in core_node.inputs]
    core_outputs = check_outputs(core_node, converter(core_op, core_node, *stand_ins))
    return vectorize_graph(core_outputs, dict(zip(stand_ins, inputs, strict=True)))


# --- decompositions -------------------------------------------------------------------------

@converters.register(ptl.Cholesky)
def _cholesky(op: Any, node: Any, x: Any) -> Any:
    # PyTensor's op returns NaN when the factorisation fails; its on_error="raise" is a
    # CheckAndRaise node after this one (converted in checks.py)
    return atl.cholesky(x, lower=op.lower, on_error="nan")


@converters.register(ptl.LU)
def _lu(op: Any, node: Any, a: Any) -> Any:
    return atl.lu(a, permute_l=op.permute_l, p_indices=op.p_indices)


@converters.register(ptl.LUFactor)
def _lu_factor(op: Any, node: Any, a: Any) -> Any:
    return atl.lu_factor(a)


@converters.register(ptl.PivotToPermutations)
def _pivot_to_permutation(op: Any, node: Any, pivots: Any) -> Any:
    return atl.pivot_to_permutation(pivots, inverse=op.inverse)


@converters.register(ptl.LUFactorTridiagonal)
def _lu_factor_tridiagonal(op: Any, node: Any, dl: Any, d: Any, du: Any) -> Any:
    return atl.LUFactorTridiagonal()(dl, d, du)


@converters.register(ptl.QR)
def _qr(op: Any, node: Any, a: Any) -> Any:
    if op.pivoting:
        raise NotImplementedError("from_pytensor: arignote has no pivoted QR (QR with pivoting=True)")
    if op.mode == "full":
        return atl.QR("complete")(a)
    if op.mode == "economic":
        return atl.QR("reduced")(a)
    if op.mode == "r":
        # scipy's (and PyTensor's) mode="r" is the complete R (m x n), NumPy's the reduced one
        return atl.QR("complete")(a)[1]
    if op.mode == "raw":
        # PyTensor gives LAPACK's geqrf output (m x n), its tau, and R read from it; NumPy's
        # raw mode (arignote's) gives the same Householder data transposed (n x m)
        h, tau = atl.QR("raw")(a)
        packed = h.T
        return [packed, tau, at.triu(packed[: a.shape[1]])]
    raise ValueError(f"from_pytensor: unknown QR mode {op.mode!r}")


@converters.register(ptl.SVD)
def _svd(op: Any, node: Any, a: Any) -> Any:
    return atl.svd(a, full_matrices=op.full_matrices, compute_uv=op.compute_uv)


@converters.register(ptl.Eig)
def _eig(op: Any, node: Any, a: Any) -> Any:
    return atl.eig(a)


@converters.register(ptl.Eigh)
def _eigh(op: Any, node: Any, a: Any, b: Any = None) -> Any:
    return atl.eigh(a, b, lower=op.lower, driver=op.driver)


@converters.register(ptl.Eigvalsh)
def _eigvalsh(op: Any, node: Any, a: Any, b: Any = None) -> Any:
    return atl.eigvalsh(a, b, lower=op.lower)


@converters.register(ptl.Schur)
def _schur(op: Any, node: Any, a: Any) -> Any:
    return atl.schur(a, output=op.output, sort=op.sort)


@converters.register(ptl.QZ)
def _qz(op: Any, node: Any, a: Any, b: Any) -> Any:
    return atl.qz(a, b, output="complex" if op.complex_output else "real", sort=op.sort,
                  return_eigenvalues=op.return_eigenvalues)


# --- linear systems -------------------------------------------------------------------------

@converters.register(ptl.Solve)
def _solve(op: Any, node: Any, a: Any, b: Any) -> Any:
    return atl.solve(a, b, assume_a=op.assume_a, lower=op.lower, b_ndim=op.b_ndim)


@converters.register(ptl.SolveTriangular)
def _solve_triangular(op: Any, node: Any, a: Any, b: Any) -> Any:
    # PyTensor's solve_triangular(trans=...) transposes a in the graph, so the op has no trans
    return atl.solve_triangular(a, b, lower=op.lower, unit_diagonal=op.unit_diagonal, b_ndim=op.b_ndim)


@converters.register(ptl.CholeskySolve)
def _cho_solve(op: Any, node: Any, c: Any, b: Any) -> Any:
    return atl.cho_solve((c, op.lower), b, b_ndim=op.b_ndim)


@converters.register(ptl.SolveLUFactorTridiagonal)
def _solve_lu_factor_tridiagonal(op: Any, node: Any, *inputs: Any) -> Any:
    return atl.SolveLUFactorTridiagonal(b_ndim=op.b_ndim, transposed=op.transposed)(*inputs)


# PyTensor's matrix-equation solvers are OpFromGraphs around LAPACK's trsyl and a Schur
# decomposition; arignote has them as ops (with their own derivatives): convert to those
# rather than inlining PyTensor's inner graphs
@converters.register(ptlc.SolveSylvester)
def _solve_sylvester(op: Any, node: Any, a: Any, b: Any, q: Any) -> Any:
    return atl.solve_sylvester(a, b, q)


@converters.register(ptlc.TRSYL)
def _trsyl(op: Any, node: Any, a: Any, b: Any, c: Any) -> Any:
    """LAPACK's trsyl: ``A X + X B = C`` for ``A``, ``B`` in real Schur form (quasi upper
    triangular), as inside PyTensor's ``solve_sylvester`` graph.  trsyl reads only the upper
    Hessenberg part of each (its subdiagonal marks the 2 x 2 blocks): the general solver on
    that part solves the same equation."""
    return atl.solve_sylvester(at.triu(a, -1), at.triu(b, -1), c)


@converters.register(ptlc.SolveBilinearDiscreteLyapunov)
def _solve_discrete_lyapunov(op: Any, node: Any, a: Any, q: Any) -> Any:
    return atl.solve_discrete_lyapunov(a, q, method="bilinear")


@converters.register(ptlc.SolveDiscreteARE)
def _solve_discrete_are(op: Any, node: Any, a: Any, b: Any, q: Any, r: Any) -> Any:
    return atl.solve_discrete_are(a, b, q, r)


@converters.register(ptl.Lstsq)
def _lstsq(op: Any, node: Any, a: Any, b: Any, rcond: Any) -> Any:
    # rcond=None (NoneConst) is NumPy's default cutoff, as arignote's None
    rcond = None if isinstance(getattr(rcond, "type", None), NoneTypeT) else rcond
    return atl.lstsq(a, b, rcond, b_ndim=node.inputs[1].type.ndim)


@converters.register(ptl.TensorSolve)
def _tensorsolve(op: Any, node: Any, a: Any, b: Any) -> Any:
    return atl.tensorsolve(a, b, axes=op.axes)


# --- inverses, determinants, products, functions --------------------------------------------

@converters.register(ptl.MatrixInverse)
def _inv(op: Any, node: Any, a: Any) -> Any:
    return atl.inv(a)


@converters.register(ptl.MatrixPinv)
def _pinv(op: Any, node: Any, a: Any) -> Any:
    return atl.pinv(a, hermitian=op.hermitian)


@converters.register(ptl.TensorInv)
def _tensorinv(op: Any, node: Any, a: Any) -> Any:
    return atl.tensorinv(a, ind=op.ind)


@converters.register(ptl.Det)
def _det(op: Any, node: Any, a: Any) -> Any:
    return atl.det(a)


@converters.register(ptl.SLogDet)
def _slogdet(op: Any, node: Any, a: Any) -> Any:
    return list(atl.slogdet(a))


@converters.register(ptl.KroneckerProduct)
def _kron(op: Any, node: Any, a: Any, b: Any) -> Any:
    return atl.kron(a, b)


@converters.register(BaseBlockDiagonal)
def _block_diag(op: Any, node: Any, *matrices: Any) -> Any:
    # the base class: BlockDiagonal, and any subclass with a dense (tensor) output
    if not isinstance(node.outputs[0].type, PtTensorType):
        raise NotImplementedError(f"from_pytensor: {type(op).__name__} builds a "
                                  f"{node.outputs[0].type}, not a dense tensor: not supported")
    return atl.block_diag(*matrices)


@converters.register(ptl.Expm)
def _expm(op: Any, node: Any, a: Any) -> Any:
    return atl.expm(a)
