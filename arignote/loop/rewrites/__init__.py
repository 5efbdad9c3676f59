"""Loop rewrites, registered in the rewrite phases when this package is imported.

- ``body.py``: each phase rewrites loop bodies too (same rules, same mode).
- ``simplify.py``: local rules: hoist loop-invariant work, drop unused inputs,
  constant carries.
- ``passes.py``, ``merge.py``: whole-graph passes: unused outputs and carries,
  loops in lockstep merged, only the last rows kept where only they are read.
"""

from arignote.loop.rewrites import body, passes, simplify  # noqa: F401
