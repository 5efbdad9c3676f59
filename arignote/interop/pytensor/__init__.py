"""PyTensor graphs in arignote: ``from_pytensor`` and a PyTensor ``Mode`` compiling with arignote.

PyTensor is an optional dependency: importing this package without it raises ImportError saying
so.  Converters are found by PyTensor op type in :data:`converters` (third parties register
their own ops there); each family of ops has its module:

- ``convert.py``: the registries (op, type, constant and nested-op converters), types, the
  graph walk, constants and shared variables;
- ``elemwise.py``: elementwise ops (by scalar op, composites included), ``DimShuffle``,
  reductions;
- ``shape_ops.py``, ``indexing.py``, ``products.py``: shapes, allocation, joins, extra ops,
  indexing and increments, slices and ``Choose``, products, sorting;
- ``linalg.py``, ``fourier.py``: linear algebra and ``Blockwise``; FFTs and convolutions;
- ``random.py``, ``checks.py``, ``op_from_graph.py``, ``python_ops.py``: random variables,
  run-time checks, ``OpFromGraph`` (inlined), ops wrapping Python functions;
- ``control_flow.py``, ``scan.py``: ``IfElse``; ``Scan`` as one arignote loop (taps, while
  loops, updated shared variables and generators, the mit-mot states of its gradient);
- ``typed_lists.py``, ``sparse_basic.py``, ``sparse_math.py``, ``xtensor.py``: typed lists,
  sparse matrices, named-dimension tensors (lowered by PyTensor's rewrites, then converted);
- ``linker.py``: the linker and :func:`mode`.
"""

try:
    import pytensor
except ImportError as exc:  # pragma: no cover - exercised without PyTensor installed
    raise ImportError("arignote.interop.pytensor needs PyTensor: pip install pytensor") from exc

from arignote.graph.registry import import_submodules
from arignote.interop.pytensor.convert import (
    ConvertedGraph,
    Converter,
    UnsupportedOps,
    converters,
    from_pytensor,
)
from arignote.interop.pytensor.linker import ArignoteLinker, mode

import_submodules(__name__)  # the op families register their converters

__all__ = ["ArignoteLinker", "ConvertedGraph", "Converter", "UnsupportedOps", "converters",
           "from_pytensor", "mode"]
