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
from arignote.compile.io import In, Out
from arignote.compile.builders import OpFromGraph
from arignote.compile.ops import as_op, wrap_py
from arignote.compile.jax_wrap import wrap_jax
from arignote.graph import Apply, Constant, Op, Type, Variable, clone_replace, graph_replace
from arignote.printing import debugprint, dprint, pprint
from arignote import printing
from arignote import gradient
from arignote.gradient import Lop, Rop, grad, hessian, jacobian, pullback, pushforward
from arignote.compile.mode import get_mode
from arignote import ifelse
from arignote import logprob
from arignote import loop  # callable: arignote.loop(step, init, xs)
# PyTensor's import paths of the same names: the packages first, so that the functions bound
# below win (`arignote.scan` is the function, as `pytensor.scan`; `import arignote.scan.op` works)
from arignote import link  # PyTensor's linker objects (Mode(linker=CLinker()))
from arignote import scan as _scan_package
from arignote.loop import foldl, foldr, map, reduce, scan, until

del _scan_package

# PyTensor exports the derivative functions from its tensor module too (`pt.grad`): the tensor
# layer cannot import the layer above it, so the package root, which imports both, puts them there
for _name in ("grad", "jacobian", "hessian", "Lop", "Rop", "pullback", "pushforward"):
    setattr(tensor, _name, getattr(gradient, _name))
del _name

__all__ = ["Apply", "Constant", "Function", "In", "Lop", "Mode", "Op", "OpFromGraph", "Out", "Rop", "Type",
           "Variable",
           "clone_replace", "config", "debugprint", "dprint", "foldl", "foldr", "function", "grad",
           "gradient", "get_mode", "graph_replace", "hessian", "ifelse", "logprob", "pullback",
           "pushforward", "jacobian", "loop", "map", "pprint", "printing",
           "reduce", "scan", "shared", "tensor", "until", "wrap_jax", "wrap_py", "as_op"]
