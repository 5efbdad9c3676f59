"""Structured elementwise ops: a function applied to the stored entries of a sparse
matrix only, keeping its pattern (PyTensor's ``structured_*`` and the zero-preserving
functions ``sin``, ``sqrt``, ``tanh``, ...).

One op class, :class:`StructuredElemwise`, names its function; the function's NumPy
implementation runs on the stored data and its derivative comes from the tensor function of
the same name, differentiated on the data vector (so every rule of ``arignote.tensor``
applies, and the gradient is structured: only the stored entries get one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special

import arignote.tensor as at
from arignote.autodiff.reverse import pull_back
from arignote.graph.basic import Apply, Variable
from arignote.sparse.basic import CSM, SparseOp, ValuesAt, as_format, csm_properties, sparse_type
from arignote.sparse.variable import as_sparse_variable
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.type import TensorType

__all__ = [
    "STRUCTURED_FUNCTIONS", "StructuredElemwise", "abs", "sin", "sinh", "arcsin", "arcsinh", "tan",
    "tanh", "arctan", "arctanh", "rint", "sign", "ceil", "floor", "log1p", "expm1", "deg2rad",
    "rad2deg", "trunc", "sqr", "sqrt", "conj", "structured_sigmoid", "structured_exp",
    "structured_log", "structured_pow", "structured_minimum", "structured_maximum", "structured_add",
]

#: name -> (NumPy function, arignote.tensor function, number of scalar operands)
STRUCTURED_FUNCTIONS: dict[str, tuple[Callable[..., Any], Callable[..., Any], int]] = {
    "abs": (np.abs, at.abs, 0), "sin": (np.sin, at.sin, 0), "sinh": (np.sinh, at.sinh, 0),
    "arcsin": (np.arcsin, at.arcsin, 0), "arcsinh": (np.arcsinh, at.arcsinh, 0),
    "tan": (np.tan, at.tan, 0), "tanh": (np.tanh, at.tanh, 0), "arctan": (np.arctan, at.arctan, 0),
    "arctanh": (np.arctanh, at.arctanh, 0), "rint": (np.rint, at.round_half_to_even, 0),
    "sign": (np.sign, at.sign, 0), "ceil": (np.ceil, at.ceil, 0), "floor": (np.floor, at.floor, 0),
    "log1p": (np.log1p, at.log1p, 0), "expm1": (np.expm1, at.expm1, 0),
    "deg2rad": (np.deg2rad, at.deg2rad, 0), "rad2deg": (np.rad2deg, at.rad2deg, 0),
    "trunc": (np.trunc, at.trunc, 0), "sqr": (np.square, at.sqr, 0), "sqrt": (np.sqrt, at.sqrt, 0),
    "conj": (np.conj, at.conj, 0), "sigmoid": (scipy.special.expit, at.sigmoid, 0),
    "exp": (np.exp, at.exp, 0), "log": (np.log, at.log, 0),
    "pow": (np.power, at.pow, 1), "minimum": (np.minimum, at.minimum, 1),
    "maximum": (np.maximum, at.maximum, 1), "add": (np.add, at.add, 1),
}


@dataclass(frozen=True)
class StructuredElemwise(SparseOp):
    """``name`` applied to the stored entries of a sparse matrix (with 0-d scalar operands
    for the binary ones: ``pow``, ``minimum``, ``maximum``, ``add``); the pattern is kept."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in STRUCTURED_FUNCTIONS:
            raise ValueError(f"StructuredElemwise: unknown function {self.name!r}; "
                             f"one of {sorted(STRUCTURED_FUNCTIONS)}")

    def __str__(self) -> str:
        return f"Structured{{{self.name}}}"

    def make_node(self, x: Any, *scalars: Any) -> Apply:
        x = as_sparse_variable(x)
        _, tensor_fn, n_scalars = STRUCTURED_FUNCTIONS[self.name]
        if len(scalars) != n_scalars:
            raise TypeError(f"{self}: takes {n_scalars} scalar operand(s) after the sparse matrix, "
                            f"got {len(scalars)}")
        operands = [as_tensor_variable(s) for s in scalars]
        for s in operands:
            if s.ndim != 0:
                raise TypeError(f"{self}: the operand {s} must be a scalar (0-d), got {s.type}")
        # the output dtype is the tensor function's on a vector of the stored entries
        dtype = tensor_fn(TensorType(x.dtype, (None,))(), *operands).dtype
        return Apply.build(self, [x, *operands], [sparse_type(x.format, dtype, x.type.shape)])

    def py_impl(self, node: Apply) -> Any:
        numpy_fn = STRUCTURED_FUNCTIONS[self.name][0]
        dtype = node.outputs[0].type.dtype

        def run(x: Any, *scalars: Any) -> Any:
            out = x.astype(dtype, copy=True)
            with np.errstate(all="ignore"):  # NaN and inf as NumPy gives them, no warnings
                out.data = np.asarray(numpy_fn(x.data, *scalars), dtype=dtype)
            return out
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, *scalars = inputs
        gz = cotangents[0]
        if gz is None:
            return [None] * len(inputs)
        data, indices, indptr, shape = csm_properties(x)
        dz = ValuesAt(x.format)(as_format(gz, x.format), indices, indptr)
        tensor_fn = STRUCTURED_FUNCTIONS[self.name][1]
        grads = pull_back([tensor_fn(data, *scalars)], [data, *scalars], [dz])
        g_data = grads[0]
        gx = None if g_data is None else CSM(x.format)(g_data, indices, indptr, shape)
        return [gx, *grads[1:]]


def _named(fn: Callable[..., Any], name: str, doc: str) -> Callable[..., Any]:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _on_entries(name: str, public: str | None = None) -> Callable[[Any], Any]:
    """The function ``public`` (default ``name``): ``name`` of the stored entries; a
    ``structured_`` one (PyTensor's) is not zero at zero, the others are."""
    def apply(x: Any) -> Any:
        return StructuredElemwise(name)(x)
    tail = "(zero stays zero)" if public is None else "only"
    return _named(apply, public or name,
                  f"``{name}`` of the stored entries of the sparse matrix ``x`` {tail}.")


def _with_scalar(name: str) -> Callable[[Any, Any], Any]:
    """The function ``structured_<name>``: ``name`` of each stored entry and a scalar."""
    def apply(x: Any, y: Any) -> Any:
        return StructuredElemwise(name)(x, y)
    return _named(apply, f"structured_{name}", f"``{name}(entry, y)`` of each stored entry of the "
                                               "sparse matrix ``x`` and the scalar ``y``.")


abs = _on_entries("abs")
sin = _on_entries("sin")
sinh = _on_entries("sinh")
arcsin = _on_entries("arcsin")
arcsinh = _on_entries("arcsinh")
tan = _on_entries("tan")
tanh = _on_entries("tanh")
arctan = _on_entries("arctan")
arctanh = _on_entries("arctanh")
rint = _on_entries("rint")
sign = _on_entries("sign")
ceil = _on_entries("ceil")
floor = _on_entries("floor")
log1p = _on_entries("log1p")
expm1 = _on_entries("expm1")
deg2rad = _on_entries("deg2rad")
rad2deg = _on_entries("rad2deg")
trunc = _on_entries("trunc")
sqr = _on_entries("sqr")
sqrt = _on_entries("sqrt")
conj = _on_entries("conj")
structured_sigmoid = _on_entries("sigmoid", "structured_sigmoid")
structured_exp = _on_entries("exp", "structured_exp")
structured_log = _on_entries("log", "structured_log")
structured_pow = _with_scalar("pow")
structured_minimum = _with_scalar("minimum")
structured_maximum = _with_scalar("maximum")
structured_add = _with_scalar("add")

sgn = sign
conjugate = structured_conjugate = conj
