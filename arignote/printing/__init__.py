"""Looking at graphs: `debugprint` (PyTensor's `dprint`) and `pprint`."""

from arignote.graph import hooks as _hooks
from arignote.printing.debugprint import debugprint, pprint

#: PyTensor's name
dprint = debugprint

# `Variable.dprint()` (arignote/graph/hooks.py)
_hooks.dprint.install(debugprint)

__all__ = ["debugprint", "dprint", "pprint"]
