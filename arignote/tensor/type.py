"""`TensorType`: n-dimensional arrays of one dtype with a static shape.

Each dimension of the static shape is an ``int`` (known length) or ``None``.
"""

# ruff: noqa: F822
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from arignote.config import config
from arignote.graph.type import Type
from arignote.tensor import approx as _approx

DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
)
_DTYPE_SET = frozenset(DTYPES)


_dtype_names: dict[Any, str] = {}


def normalize_dtype(dtype: Any) -> str:
    """The canonical name of ``dtype``; TypeError if arignote does not support it."""
    try:
        return _dtype_names[dtype]  # graph building calls this for every node
    except (KeyError, TypeError):
        pass
    if dtype == "floatX":

        return config.floatX
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None
    if name not in _DTYPE_SET:
        raise TypeError(f"dtype {name} is not supported; use one of {', '.join(DTYPES)}")
    try:
        _dtype_names[dtype] = name
    except TypeError:  # unhashable dtype-like
        pass
    return name


def normalize_shape(shape: Iterable[Any]) -> tuple[int | None, ...]:
    out: list[int | None] = []
    for dim in shape:
        if dim is None:
            out.append(None)
            continue
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)) or dim < 0:
            raise TypeError(f"a static shape holds non-negative ints or None, got {dim!r}")
        out.append(int(dim))
    return tuple(out)


class TensorType(Type):
    """The type of arrays of ``dtype`` whose shape matches ``shape``."""

    __slots__ = ("dtype", "shape", "_hash", "numpy_dtype")

    def __init__(self, dtype: Any, shape: Iterable[Any] | None = None, *,
                 broadcastable: Iterable[bool] | None = None) -> None:
        if broadcastable is not None:
            # PyTensor's older spelling: True means a static length of 1
            if shape is not None:
                raise TypeError("TensorType: give shape or broadcastable, not both")
            shape = [1 if b else None for b in broadcastable]
        self.dtype = normalize_dtype(dtype)
        self.shape = normalize_shape(() if shape is None else shape)
        self.numpy_dtype = np.dtype(self.dtype)
        self._hash = hash((TensorType, self.dtype, self.shape))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        """PyTensor's view of the static shape: which dims are known to be 1."""
        return tuple(d == 1 for d in self.shape)

    def __eq__(self, other: object) -> bool:
        return (self is other or (type(other) is TensorType
                and self.dtype == other.dtype and self.shape == other.shape))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> Any:
        # made again, not copied: the cached hash is of this process's string hashing
        return (TensorType, (self.dtype, self.shape))

    def __str__(self) -> str:
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        if len(self.shape) == 1:
            dims += ","
        return f"Tensor{{{self.dtype}, ({dims})}}"

    __repr__ = __str__

    @property
    def carries_cotangents(self) -> bool:
        """Whether variables of this type carry derivatives: real and complex floats do."""
        return self.numpy_dtype.kind in "fc"

    def fit_cotangent(self, cot: Any, what: str) -> Any:
        """``cot`` as a cotangent of a variable of this type (see :mod:`arignote.tensor.cotangents`)."""
        from arignote.tensor.cotangents import fit_cotangent  # it builds on this module

        return fit_cotangent(self, cot, what)

    def add_cotangents(self, parts: Sequence[Any]) -> Any:
        """The elementwise sum of the cotangents ``parts``."""
        from arignote.tensor.math import add  # math builds on this module

        return add(*parts)

    def __call__(self, name: str | None = None, shape: Iterable[Any] | None = None) -> Any:
        """A new input variable of this type, or of this type with the static ``shape``
        (``at.dmatrix("A", shape=(5, None))``, as PyTensor's)."""
        if shape is None:
            return self.make_variable(name)
        shape = normalize_shape(shape)
        if len(shape) != len(self.shape):
            raise ValueError(f"{self}: a shape of {len(self.shape)} dimension(s) is needed, got {shape}")
        return TensorType(self.dtype, shape).make_variable(name)

    def clone(self, dtype: Any = None, shape: Iterable[Any] | None = None) -> TensorType:
        return TensorType(self.dtype if dtype is None else dtype,
                          self.shape if shape is None else shape)

    def is_super(self, other: Type) -> bool:
        return (isinstance(other, TensorType) and other.dtype == self.dtype
                and len(other.shape) == len(self.shape)
                and all(s is None or s == o for s, o in zip(self.shape, other.shape)))

    @staticmethod
    def values_eq(a: Any, b: Any, force_same_dtype: bool = True) -> bool:
        """Whether two values are equal: same shape (and dtype when ``force_same_dtype``),
        equal elements, NaN equal to NaN (PyTensor's ``TensorType.values_eq``)."""
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or (force_same_dtype and a.dtype != b.dtype):
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc"))

    #: approximate equality with tolerances by dtype (:func:`arignote.tensor.approx.values_eq_approx`)
    values_eq_approx = staticmethod(_approx.values_eq_approx)

    def filter_variable(self, other: Any, allow_convert: bool = True) -> Any:
        """As :meth:`Type.filter_variable`; a value (not a variable) becomes a constant first."""
        if not hasattr(other, "type"):
            from arignote.graph import hooks

            other = hooks.as_variable(other, dtype=self.dtype)
        return super().filter_variable(other, allow_convert)

    def convert_variable(self, var: Any) -> Any:
        """``var`` itself when its type is this one or narrower (more static lengths); with a
        static length this type has and ``var``'s lacks, ``specify_shape`` of it; else None."""
        other = var.type
        if self.is_super(other):
            return var
        if isinstance(other, TensorType) and other.is_super(self):
            from arignote.tensor.shape import specify_shape  # shape builds on this module

            return specify_shape(var, self.shape)
        return None

    # --- run-time values ---------------------------------------------------------

    def filter(self, value: Any, name: str = "value") -> np.ndarray:
        """``value`` as an ndarray of this type, or TypeError/ValueError naming ``name``.

        A value converts when NumPy casts it safely, or when the conversion
        loses nothing (checked by value); Python floats may become float32 as
        in PyTensor.  The rank and the known dims must match.
        """
        dtype = self.numpy_dtype
        if type(value) is np.ndarray and value.dtype == dtype:
            array = value
        else:
            array = self._convert(value, name)
        if array.ndim != len(self.shape):
            raise TypeError(f"{name}: expected an array with {len(self.shape)} dimension(s) "
                            f"({self}), got {array.ndim} (shape {array.shape})")
        for axis, (want, got) in enumerate(zip(self.shape, array.shape)):
            if want is not None and want != got:
                raise ValueError(f"{name}: dimension {axis} must have length {want} ({self}), "
                                 f"got shape {array.shape}")
        return array

    def _convert(self, value: Any, name: str) -> np.ndarray:
        dtype = self.numpy_dtype
        try:
            array = np.asarray(value)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name}: cannot convert {type(value).__name__} to {self}: {exc}") from None
        if array.dtype == dtype:
            return array
        if array.dtype.kind not in "biufc":
            raise TypeError(f"{name}: expected numbers of dtype {self.dtype}, got {array.dtype}")
        if np.can_cast(array.dtype, dtype, "safe"):
            return array.astype(dtype)
        python_float = isinstance(value, float) or (
            isinstance(value, (list, tuple)) and array.dtype == np.float64)
        with np.errstate(all="ignore"):
            converted = array.astype(dtype)
            if python_float and dtype.kind == "f":
                return converted  # PyTensor lets Python floats become float32
            same = np.array_equal(converted, array, equal_nan=array.dtype.kind in "fc")
        if not same:
            raise TypeError(f"{name}: converting {array.dtype} to {self.dtype} would lose "
                            f"information; cast the value first (for example "
                            f"np.asarray(value, dtype='{self.dtype}'))")
        return converted

    def constant_key(self, data: np.ndarray) -> Any:
        raw = data.tobytes()
        return raw if len(raw) <= 64 else hashlib.blake2b(raw, digest_size=20).digest()

    def value_zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)


_types: dict[tuple[Any, tuple[int | None, ...]], TensorType] = {}


def tensor_type(dtype: Any, shape: tuple[int | None, ...]) -> TensorType:
    """``TensorType(dtype, shape)`` for a normalized ``shape`` tuple, shared between callers.

    Types are immutable values, so one instance per (dtype, shape) serves every
    node; graph building and rewriting create node types at a high rate.
    """
    key = (dtype, shape)
    found = _types.get(key)
    if found is None:
        found = TensorType(dtype, shape)
        if len(_types) < 100_000:  # bounded: shapes are few in practice
            _types[key] = found
    return found


def tensor_type_of(value: np.ndarray) -> TensorType:
    """The exact type of an array value (every dim known)."""
    return TensorType(value.dtype, value.shape)


# --- variables: PyTensor's constructors ------------------------------------------------------

def tensor(name: str | None = None, dtype: Any = None, shape: Sequence[int | None] | None = None,
           *, ndim: int | None = None, broadcastable: Sequence[bool] | None = None) -> Any:
    """A new input variable of the given dtype (default ``config.floatX``) and static shape.

    ``tensor("x", shape=(None, 3))``: a matrix with 3 columns.  Give ``ndim``
    instead of ``shape`` when no length is known.
    """
    if isinstance(name, TensorType):
        return name.make_variable()
    if broadcastable is not None:
        shape = [1 if b else None for b in broadcastable]
    if shape is None:
        shape = (None,) * (ndim or 0)
    elif ndim is not None and ndim != len(shape):
        raise ValueError(f"tensor: ndim={ndim} disagrees with shape={shape}")
    return TensorType(config.floatX if dtype is None else dtype, shape).make_variable(name)


#: the static shapes of PyTensor's named kinds of tensors
_KINDS: dict[str, tuple[int | None, ...]] = {
    "scalar": (), "vector": (None,), "matrix": (None, None), "row": (1, None), "col": (None, 1),
    **{f"tensor{n}": (None,) * n for n in range(3, 8)}}
#: the dtype each one-letter prefix names (``dmatrix``: a float64 matrix)
_PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32",
             "d": "float64", "c": "complex64", "z": "complex128"}
#: the plural of each kind (``matrices``, ``tensor3s``)
_PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows", "col": "cols",
            **{f"tensor{n}": f"tensor{n}s" for n in range(3, 8)}}


def _kind_constructor(kind: str, static: tuple[int | None, ...]) -> Callable[..., Any]:
    def make(name: str | None = None, dtype: Any = None,
             shape: Sequence[int | None] | None = None) -> Any:
        if shape is None:
            shape = static
        elif len(shape) != len(static):
            raise ValueError(f"{kind}: expected a shape of length {len(static)}, got {shape}")
        return tensor(name, dtype, shape)
    make.__name__ = make.__qualname__ = kind
    make.__doc__ = f"A new {kind} input variable (dtype ``config.floatX`` unless given)."
    return make


def _plural(make: Callable[..., Any], plural: str) -> Callable[..., Any]:
    """PyTensor's plural constructors: ``dscalars("x", "y")`` and ``dscalars(["x", "y"])``
    give a list; ``dscalars(3)`` three unnamed; one name (``dscalars("x")``) one variable;
    a string of several characters one variable per character, as PyTensor's."""
    def many(*names: Any) -> Any:
        if names and isinstance(names[0], int):
            return [make() for _ in range(names[0])]
        spelled: Any = names[0] if len(names) == 1 else names
        if len(spelled) == 1:
            return make(spelled if isinstance(spelled, str) else spelled[0])
        return [make(name) for name in spelled]
    many.__name__ = many.__qualname__ = plural
    return many


_constructors: dict[str, Any] = {}
for _kind, _static in _KINDS.items():
    _constructors[_kind] = _kind_constructor(_kind, _static)
    _constructors[_PLURALS[_kind]] = _plural(_constructors[_kind], _PLURALS[_kind])
    for _prefix, _dtype in _PREFIXES.items():
        # a named type: ``dmatrix("x")`` calls it, and ``x.type is dmatrix`` holds, as in PyTensor
        _named = TensorType(_dtype, _static)
        _constructors[_prefix + _kind] = _named
        _constructors[_prefix + _PLURALS[_kind]] = _plural(_named, _prefix + _PLURALS[_kind])
globals().update(_constructors)
del _kind, _static, _prefix, _dtype, _named

# the named types and constructors made above, spelled out for readers (the linter cannot see
# names made through globals(): F822 is off for this file, at its top)
__all__ = [
    "DTYPES", "TensorType", "normalize_dtype", "normalize_shape", "tensor", "tensor_type", "tensor_type_of",
    "scalar", "scalars", "bscalar", "bscalars", "wscalar", "wscalars", "iscalar", "iscalars", "lscalar",
    "lscalars", "fscalar", "fscalars", "dscalar", "dscalars", "cscalar", "cscalars", "zscalar", "zscalars",
    "vector", "vectors", "bvector", "bvectors", "wvector", "wvectors", "ivector", "ivectors", "lvector",
    "lvectors", "fvector", "fvectors", "dvector", "dvectors", "cvector", "cvectors", "zvector", "zvectors",
    "matrix", "matrices", "bmatrix", "bmatrices", "wmatrix", "wmatrices", "imatrix", "imatrices", "lmatrix",
    "lmatrices", "fmatrix", "fmatrices", "dmatrix", "dmatrices", "cmatrix", "cmatrices", "zmatrix",
    "zmatrices", "row", "rows", "brow", "brows", "wrow", "wrows", "irow", "irows", "lrow", "lrows", "frow",
    "frows", "drow", "drows", "crow", "crows", "zrow", "zrows", "col", "cols", "bcol", "bcols", "wcol",
    "wcols", "icol", "icols", "lcol", "lcols", "fcol", "fcols", "dcol", "dcols", "ccol", "ccols", "zcol",
    "zcols", "tensor3", "tensor3s", "btensor3", "btensor3s", "wtensor3", "wtensor3s", "itensor3",
    "itensor3s", "ltensor3", "ltensor3s", "ftensor3", "ftensor3s", "dtensor3", "dtensor3s", "ctensor3",
    "ctensor3s", "ztensor3", "ztensor3s", "tensor4", "tensor4s", "btensor4", "btensor4s", "wtensor4",
    "wtensor4s", "itensor4", "itensor4s", "ltensor4", "ltensor4s", "ftensor4", "ftensor4s", "dtensor4",
    "dtensor4s", "ctensor4", "ctensor4s", "ztensor4", "ztensor4s", "tensor5", "tensor5s", "btensor5",
    "btensor5s", "wtensor5", "wtensor5s", "itensor5", "itensor5s", "ltensor5", "ltensor5s", "ftensor5",
    "ftensor5s", "dtensor5", "dtensor5s", "ctensor5", "ctensor5s", "ztensor5", "ztensor5s", "tensor6",
    "tensor6s", "btensor6", "btensor6s", "wtensor6", "wtensor6s", "itensor6", "itensor6s", "ltensor6",
    "ltensor6s", "ftensor6", "ftensor6s", "dtensor6", "dtensor6s", "ctensor6", "ctensor6s", "ztensor6",
    "ztensor6s", "tensor7", "tensor7s", "btensor7", "btensor7s", "wtensor7", "wtensor7s", "itensor7",
    "itensor7s", "ltensor7", "ltensor7s", "ftensor7", "ftensor7s", "dtensor7", "dtensor7s", "ctensor7",
    "ctensor7s", "ztensor7", "ztensor7s"
]

# PyTensor's tuples of named types by kind of number (``x.type in at.float_vector_types``);
# ``int_types`` and the like (without a rank) are the scalar ones
_BY_KIND = {"int": "bwil", "float": "fd", "complex": "cz"}
_TYPE_LISTS = {f"{kind}_{rank}_types": tuple(_constructors[p + rank] for p in prefixes)
               for kind, prefixes in _BY_KIND.items() for rank in ("scalar", "vector", "matrix")}
_TYPE_LISTS.update({f"{kind}_types": _TYPE_LISTS[f"{kind}_scalar_types"] for kind in _BY_KIND})
globals().update(_TYPE_LISTS)
__all__ += list(_TYPE_LISTS)

# PyTensor's lists of dtype names by kind (``x.dtype in at.type.float_dtypes``), in its order;
# module names only, as in PyTensor (not in __all__, so not in the tensor namespace)
int_dtypes = ["int8", "int16", "int32", "int64"]
uint_dtypes = ["uint8", "uint16", "uint32", "uint64"]
float_dtypes = ["float16", "float32", "float64"]
complex_dtypes = ["complex64", "complex128"]
integer_dtypes = int_dtypes + uint_dtypes
discrete_dtypes = ["bool", *integer_dtypes]
continuous_dtypes = float_dtypes + complex_dtypes
all_dtypes = discrete_dtypes + continuous_dtypes

# PyTensor's comparisons of values of this type (the module has them; tests pass them around)
values_eq_approx = _approx.values_eq_approx
values_eq_approx_remove_inf = _approx.values_eq_approx_remove_inf
values_eq_approx_remove_nan = _approx.values_eq_approx_remove_nan
values_eq_approx_remove_inf_nan = _approx.values_eq_approx_remove_inf_nan
values_eq_approx_always_true = _approx.values_eq_approx_always_true
