"""Sparse matrices on JAX: ``jax.experimental.sparse.BCOO``.

Inside the jitted function a sparse value is a ``BCOO`` (COO with a static number of
stored entries, ``nse``).  :class:`SparseBoundary` converts at the wrapper: scipy.sparse
inputs become BCOO before the call, sparse outputs come back as (data, indices, shape)
arrays and are rebuilt as scipy.sparse matrices of the output's format (entries beyond the
matrix, BCOO's padding, are dropped; repeated entries are summed, as SciPy does).

What cannot be lowered, and why (each raises a JaxCompileError naming the op):

* ``csr_from_dense``/``csc_from_dense``: how many entries are stored depends on the values,
  and JAX fixes every size while tracing;
* ``CSM``, ``csm_properties`` and the ops built on them (the derivative of a structured
  function): BCOO keeps no CSR/CSC index arrays;
* ops that act on the *stored entries* (structured functions, ``sp_ones_like``, scaling,
  the structured derivative of ``structured_dot``) on a matrix made by sparse + sparse or
  sparse * sparse: SciPy drops entries that come out exactly zero there and BCOO keeps them,
  so the stored entries, and with them the results, would differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as scipy_sparse
from jax.experimental import sparse as jsparse

from arignote.backend.jax.registry import ShapeDependsOnValues, jax_impl
from arignote.graph.basic import Apply, Variable
from arignote.graph.traversal import walk_inputs
from arignote.sparse import basic, join, math, structured
from arignote.sparse.type import SparseTensorType
from arignote.tensor.random.type import RandomGeneratorType

__all__ = ["SparseBoundary"]


def to_bcoo(value: Any) -> Any:
    """A BCOO of a scipy.sparse matrix (a constant); BCOO values pass through."""
    if scipy_sparse.issparse(value):
        return jsparse.BCOO.from_scipy_sparse(value)
    return value


def _with_data(x: Any, data: Any) -> Any:
    """A BCOO storing ``data`` at the stored positions of ``x``."""
    return jsparse.BCOO((data, x.indices), shape=x.shape)


def _with_dtype(x: Any, dtype: Any) -> Any:
    return x if x.dtype == dtype else _with_data(x, x.data.astype(dtype))


def _todense(x: Any) -> Any:
    return x.todense() if isinstance(x, jsparse.BCOO) else x


def _canonical(x: Any) -> Any:
    """``x`` with each stored position once (repeats summed; the same static ``nse``)."""
    return x.sum_duplicates(nse=x.nse)


def _rows_cols(x: Any) -> tuple[Any, Any]:
    return x.indices[:, 0], x.indices[:, 1]


def _gather(values: Any, index: Any) -> Any:
    # padding entries carry an out-of-range index: read 0 for them (they are dropped anyway)
    return values.at[index].get(mode="fill", fill_value=0)


# --- which patterns are the same as SciPy's --------------------------------------------------

#: ops whose result stores exactly the entries SciPy's stores
_PATTERN_KEEPING = (basic.Transpose, basic.AsFormat, basic.Cast, basic.StructuredFill,
                    basic.SparseZeros, math.Neg, math.MulSD, math.ColScale, math.RowScale,
                    structured.StructuredElemwise, join.HStack, join.VStack)


def _pattern_like_scipy(var: Variable) -> bool:
    """Whether the stored entries of ``var`` under BCOO are SciPy's (no extra zeros)."""
    sparse_ancestors = walk_inputs(var, lambda node: [i for i in node.inputs
                                                      if isinstance(i.type, SparseTensorType)])
    return all(v.owner is None or isinstance(v.owner.op, _PATTERN_KEEPING) for v in sparse_ancestors)


def _stored_entries_reader(node: Apply) -> str | None:
    sparse_input = node.inputs[0]
    if _pattern_like_scipy(sparse_input):
        return None
    return (f"it acts on the stored entries of {sparse_input}, which comes from a sparse + sparse or "
            "sparse * sparse operation: SciPy drops the entries that come out exactly zero there "
            "and BCOO keeps them, so the results would differ (run it on the py or C backend)")


jax_impl.refuse(basic.CSM, basic.CSMProperties, basic.ValuesAt, join.SparseSlice,
                why="BCOO keeps no CSR/CSC index arrays (data, indices, indptr); run it on the py "
                    "or C backend")
jax_impl.refuse(basic.SparseFromDense, why=ShapeDependsOnValues(
    "how many entries a sparse matrix made from a dense one stores depends on the values, "
    "and JAX must know every size while tracing"))


# --- lowerings -----------------------------------------------------------------------------

@jax_impl.register(basic.SparseShape)
def _shape(op: Any, node: Apply, ctx: Any) -> Any:
    return lambda x: np.array(x.shape, dtype=np.int64)  # BCOO shapes are static


@jax_impl.register(basic.DenseFromSparse)
def _dense(op: Any, node: Apply, ctx: Any) -> Any:
    return lambda x: to_bcoo(x).todense()


@jax_impl.register(basic.Transpose)
def _transpose(op: Any, node: Apply, ctx: Any) -> Any:
    return lambda x: to_bcoo(x).T


@jax_impl.register(basic.AsFormat)
def _as_format(op: Any, node: Apply, ctx: Any) -> Any:
    return to_bcoo  # CSR and CSC are both one BCOO


@jax_impl.register(basic.Cast)
def _cast(op: Any, node: Apply, ctx: Any) -> Any:
    return lambda x: _with_dtype(to_bcoo(x), np.dtype(op.dtype))


@jax_impl.register(basic.StructuredFill, unsupported=_stored_entries_reader)
def _fill(op: Any, node: Apply, ctx: Any) -> Any:
    def run(x: Any) -> Any:
        x = _canonical(to_bcoo(x))
        return _with_data(x, jnp.full_like(x.data, op.value))
    return run


@jax_impl.register(basic.SparseZeros)
def _zeros(op: Any, node: Apply, ctx: Any) -> Any:
    dtype = np.dtype(node.outputs[0].type.dtype)
    return lambda x: jsparse.BCOO((jnp.zeros(0, dtype), jnp.zeros((0, 2), np.int32)), shape=x.shape)


@jax_impl.register(math.Neg)
def _neg(op: Any, node: Apply, ctx: Any) -> Any:
    return lambda x: -to_bcoo(x)


def _binary(combine: Callable[[Any, Any], Any], dense: bool = False) -> Callable[..., Any]:
    def lower(op: Any, node: Apply, ctx: Any) -> Any:
        dtype = np.dtype(node.outputs[0].type.dtype)

        def run(x: Any, y: Any) -> Any:
            result = combine(to_bcoo(x), to_bcoo(y))
            if isinstance(result, jsparse.BCOO):
                return _with_dtype(result, dtype)
            return jnp.asarray(result).astype(dtype)
        return run
    return lower


jax_impl.register(math.AddSS)(_binary(lambda x, y: x + y))
jax_impl.register(math.AddSD)(_binary(lambda x, y: x.todense() + y))
jax_impl.register(math.MulSS)(_binary(lambda x, y: x * y))
jax_impl.register(math.MulSD)(_binary(lambda x, y: x * y))
jax_impl.register(math.StructuredDot)(_binary(lambda a, b: a @ b))


jax_impl.register(math.Dot)(_binary(lambda x, y: _todense(x @ y)))


@jax_impl.register(math.ColScale, math.RowScale, unsupported=_stored_entries_reader)
def _scale(op: Any, node: Apply, ctx: Any) -> Any:
    dtype = np.dtype(node.outputs[0].type.dtype)

    def run(x: Any, s: Any) -> Any:
        x = _with_dtype(to_bcoo(x), dtype)
        return _with_data(x, x.data * _gather(jnp.asarray(s, dtype), _rows_cols(x)[op.axis]))
    return run


@jax_impl.register(math.StructuredDotGrad, unsupported=_stored_entries_reader)
def _structured_dot_grad(op: Any, node: Apply, ctx: Any) -> Any:
    dtype = np.dtype(node.outputs[0].type.dtype)

    def run(a: Any, b: Any, gz: Any) -> Any:
        a = _canonical(to_bcoo(a))
        b, gz = _todense(to_bcoo(b)), _todense(to_bcoo(gz))
        rows, cols = _rows_cols(a)
        values = jnp.sum(_gather(gz, rows) * _gather(b, cols), axis=1)
        return _with_data(a, values.astype(dtype))
    return run


@jax_impl.register(math.SpSum)
def _sp_sum(op: Any, node: Apply, ctx: Any) -> Any:
    dtype = np.dtype(node.outputs[0].type.dtype)

    def run(x: Any) -> Any:
        x = to_bcoo(x)
        if op.axis is None:
            return jnp.sum(x.data, dtype=dtype)  # padding entries hold zeros
        return x.sum(op.axis).todense().astype(dtype)
    return run


_JAX_FUNCTIONS: dict[str, Callable[..., Any]] = {"sigmoid": jax.nn.sigmoid, "sqr": jnp.square,
                                                  "pow": jnp.power}


@jax_impl.register(structured.StructuredElemwise, unsupported=_stored_entries_reader)
def _structured(op: Any, node: Apply, ctx: Any) -> Any:
    fn = _JAX_FUNCTIONS.get(op.name) or getattr(jnp, op.name)
    dtype = np.dtype(node.outputs[0].type.dtype)

    def run(x: Any, *scalars: Any) -> Any:
        x = _canonical(to_bcoo(x))
        return _with_data(x, jnp.asarray(fn(x.data, *scalars)).astype(dtype))
    return run


@jax_impl.register(join.HStack, join.VStack)
def _stack(op: Any, node: Apply, ctx: Any) -> Any:
    dtype = np.dtype(op.dtype)
    return lambda *blocks: jsparse.bcoo_concatenate(
        [_with_dtype(to_bcoo(b), dtype) for b in blocks], dimension=op.axis)


# --- the wrapper's conversions -------------------------------------------------------------

class SparseBoundary:
    """Sparse values crossing the JAX linker's wrapper: scipy.sparse in and out, BCOO inside
    ``jit``.  A sparse output travels as three arrays appended after the others.  It works
    inside the random generators' boundary, which drops the generator outputs from the
    traced function's results (so they are left out of the numbering here)."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> None:
        outputs = [v for v in outputs if not isinstance(v.type, RandomGeneratorType)]
        self.inputs = [i for i, v in enumerate(inputs) if isinstance(v.type, SparseTensorType)]
        self.outputs = {j: v.type for j, v in enumerate(outputs) if isinstance(v.type, SparseTensorType)}
        self.n_outputs = len(outputs)

    @classmethod
    def find(cls, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> SparseBoundary | None:
        """The boundary of a graph, or None when no sparse value crosses it."""
        boundary = cls(inputs, outputs)
        return boundary if boundary.inputs or boundary.outputs else None

    def traced(self, fn: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        """``fn`` giving each sparse output as (data, indices, shape) arrays at the end, and a
        placeholder in its place."""
        outputs = self.outputs

        def run(*args: Any) -> list[Any]:
            results = list(fn(*args))
            parts: list[Any] = []
            for j in outputs:
                value = to_bcoo(results[j])
                parts += [value.data, value.indices, np.array(value.shape, dtype=np.int64)]
                results[j] = np.zeros(0)
            return results + parts
        return run

    def wrap(self, run: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        """``run`` (the jitted call) taking and giving scipy.sparse matrices."""
        inputs, outputs, n_outputs = self.inputs, self.outputs, self.n_outputs

        def call(*values: Any) -> list[Any]:
            args = list(values)
            for i in inputs:
                args[i] = jsparse.BCOO.from_scipy_sparse(args[i])
            results = run(*args)
            out, extra = list(results[:n_outputs]), results[n_outputs:]
            for k, (j, kind) in enumerate(outputs.items()):
                data, indices, shape = extra[3 * k:3 * k + 3]
                out[j] = _to_scipy(data, indices, tuple(int(s) for s in shape), kind)
            return out
        return call


def _to_scipy(data: np.ndarray, indices: np.ndarray, shape: tuple[int, ...], kind: SparseTensorType) -> Any:
    inside = (indices[:, 0] < shape[0]) & (indices[:, 1] < shape[1])  # BCOO pads beyond the shape
    coo = scipy_sparse.coo_matrix((data[inside], (indices[inside, 0], indices[inside, 1])), shape=shape)
    matrix = coo.tocsr() if kind.format == "csr" else coo.tocsc()  # sums repeated entries
    return matrix.astype(kind.dtype, copy=False)
