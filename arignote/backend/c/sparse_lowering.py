"""Sparse ops run through SciPy on the C backend, on purpose.

scipy.sparse already runs its kernels (CSR/CSC products, conversions, sums) in compiled
code; a C kernel of ours would redo them, and the values (sparse matrices) are Python
objects that the generated C does not hold.  Each op is therefore one Python step calling
its SciPy implementation (the registration records the decision; see
``tests/test_registry_coverage.py``).
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.sparse import basic, join, math, structured

SPARSE_OPS = (
    basic.AsFormat, basic.CSM, basic.CSMProperties, basic.Cast, basic.DenseFromSparse,
    basic.SparseFromDense, basic.SparseShape, basic.SparseZeros, basic.StructuredFill,
    basic.Transpose, basic.ValuesAt, join.HStack, join.SparseSlice, join.VStack, math.AddSD,
    math.AddSS, math.ColScale, math.Dot, math.MulSD, math.MulSS, math.Neg, math.RowScale,
    math.SpSum, math.StructuredDot, math.StructuredDotGrad, structured.StructuredElemwise,
)


@c_lowering(*SPARSE_OPS)
def runs_scipy(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's SciPy implementation, as a Python step of the program."""
    return python_step(node)
