"""Looking at graphs: `debugprint` (PyTensor's `dprint`), `pprint` (`pp`), `pydotprint`
(a picture through graphviz) and the `Print` op (prints a value when it is computed)."""

from arignote.graph import hooks as _hooks
from arignote.printing import print_lowering as _print_lowering
from arignote.printing.debugprint import debugprint
from arignote.printing.graph_picture import pydotprint
from arignote.printing.pretty import pp, pprint
from arignote.printing.print_op import Print

#: PyTensor's name
dprint = debugprint

# `Variable.dprint()` (arignote/graph/hooks.py)
_hooks.dprint.install(debugprint)

__all__ = ["Print", "debugprint", "dprint", "pp", "pprint", "pydotprint"]
