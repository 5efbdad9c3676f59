"""The structured-matrix ops (``kron`` of two matrices, ``block_diag``) in the C backend: each
runs its NumPy implementation as one step.

Both only copy (``block_diag``) or multiply once (``kron``) every entry of their output, in
NumPy's compiled loops; a generated kernel would save the Python call around them alone.
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.linalg.products import KroneckerProduct
from arignote.tensor.linalg.structure import BlockDiagonal


@c_lowering(KroneckerProduct, BlockDiagonal)
def runs_numpy_structure(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's NumPy implementation, as a Python step of the program."""
    return python_step(node)
