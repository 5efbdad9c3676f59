"""Loop rewrites, registered in the rewrite phases when this package is imported.

- ``body.py``: each phase rewrites loop bodies too (same rules, same mode).
- ``simplify.py``: local rules: hoist loop-invariant work, drop unused inputs,
  constant carries.
- ``push_out.py``: carry-free work done for all steps at once outside the loop,
  accumulations turned into sums and matrix products.
- ``passes.py``, ``merge.py``: whole-graph passes: unused outputs and carries,
  loops in lockstep merged, only the last rows kept where only they are read.
"""

# the order is the order rules are offered a loop node: simplify first, then push out
from arignote.loop.rewrites import body, simplify, push_out, passes  # noqa: F401, I001
