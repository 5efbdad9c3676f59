"""arignote: define, differentiate, rewrite and compile symbolic array graphs.

    import arignote
    import arignote.tensor as at

    x = at.vector("x")
    f = arignote.function([x], at.exp(x).sum())
"""

from arignote._version import __version__  # noqa: I001
from arignote.config import config
from arignote import tensor
from arignote.compile import Function, Mode, function, shared
from arignote.graph import Apply, Constant, Op, Type, Variable, clone_replace, graph_replace
from arignote.printing import debugprint, pprint
from arignote import printing
from arignote import gradient
from arignote.gradient import Lop, Rop, grad, hessian, jacobian
from arignote import loop  # callable: arignote.loop(step, init, xs)
from arignote.loop import foldl, foldr, map, reduce, scan, until

__all__ = ["Apply", "Constant", "Function", "Lop", "Mode", "Op", "Rop", "Type", "Variable",
           "clone_replace", "config", "debugprint", "foldl", "foldr", "function", "grad", "gradient",
           "graph_replace", "hessian", "jacobian", "loop", "map", "pprint", "printing", "reduce",
           "scan", "shared", "tensor", "until"]
