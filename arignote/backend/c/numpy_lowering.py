"""Ops the C backend runs through their NumPy implementation on purpose.

Registering an op here says that no C of ours would beat NumPy's: views
(a new array header over the same memory), and single calls of routines
NumPy already runs in compiled code (sorting, searching, ``tensordot``'s
BLAS).  The step is the same Python step an op without a lowering gets;
the registration records that it is a decision, not a missing kernel
(``tests/test_registry_coverage.py`` tells the two apart).  Run-time assertions,
``Split`` and ``Diagonal`` have C steps (``structural_lowering``).
"""

from __future__ import annotations

from arignote.autodiff.gradient_ops import GradientOp
from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.alloc import BroadcastTo
from arignote.tensor.extra_ops import BinCount, SearchSorted, Unique
from arignote.tensor.from_function import FromFunctionOp
from arignote.tensor.from_jax import JaxFunctionOp
from arignote.tensor.join import Flip
from arignote.tensor.nonzero import FlatNonzero, Nonzero
from arignote.tensor.op_from_graph import OpFromGraph
from arignote.tensor.products import TensorDot
from arignote.tensor.random.generator_maker import DefaultGeneratorMaker
from arignote.tensor.sort import ArgSort, Sort

#: views of their input
VIEWS = (BroadcastTo, Flip, GradientOp)
#: one call of a compiled NumPy routine
LIBRARY_CALLS = (ArgSort, BinCount, DefaultGeneratorMaker, FlatNonzero, Nonzero, SearchSorted, Sort,
                 TensorDot, Unique)
#: a user's Python function (wrap_py) or JAX function (wrap_jax): nothing else can run it; a
#: graph as an op compiled without rewriting (rewriting inlines it): its graph, linked by C,
#: called from a Python step
USER_FUNCTIONS = (FromFunctionOp, JaxFunctionOp, OpFromGraph)


@c_lowering(*VIEWS, *LIBRARY_CALLS, *USER_FUNCTIONS)
def runs_numpy(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's NumPy implementation, as a Python step of the program."""
    return python_step(node)
