"""FFTs and convolutions run through NumPy/SciPy in the C backend, on purpose.

Each node is one call of a compiled library routine (pocketfft, SciPy's
convolution with its choice of direct or FFT method): C code of ours would
not beat it, so the node is a Python step of the program.
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.fft import IRFFTOp, RFFTOp
from arignote.tensor.signal.conv import Convolve

#: one call of a compiled NumPy/SciPy routine
LIBRARY_CALLS = (Convolve, IRFFTOp, RFFTOp)


@c_lowering(*LIBRARY_CALLS)
def runs_library(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's NumPy/SciPy implementation, as a Python step of the program."""
    return python_step(node)
