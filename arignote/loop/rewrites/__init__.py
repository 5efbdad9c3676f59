"""Loop rewrites, registered in the rewrite phases when this package is imported.

- ``body.py``: each phase rewrites loop bodies too (same rules, same mode).
- ``simplify.py``: local rules: hoist loop-invariant work, drop unused inputs,
  constant carries.
- ``push_out.py``: carry-free work done for all steps at once outside the loop,
  accumulations turned into sums and matrix products.
- ``passes.py``, ``merge.py``: whole-graph passes: unused outputs and carries,
  loops in lockstep merged, only the last rows kept where only they are read.
- ``carried_buffers.py``: a buffer carried only to pass one element per step
  (a scan gradient's mit-mot buffer) becomes a scalar carry and a sequence.
"""

from arignote.graph.registry import import_submodules

# Every module is imported (package discovery).  Rules are offered a loop node in registration
# order: the body rules first (each phase rewrites the body before the loop is looked at), then
# simplify before push out; the rest follow in name order.
import_submodules(__name__, first=("body", "simplify"))
