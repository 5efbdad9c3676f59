"""The tensor rule library, by domain; importing it registers every rule in its phase.

Every module of this package is imported (package discovery), so a new rule
module needs no entry anywhere; modules holding only helpers register nothing.
"""

from arignote.graph.registry import import_submodules

# Rules offered the same node are tried in registration order.  These modules go first, in
# this order, because their rules must see a node before other modules' rules do (the order
# the rule set is tested in): no-op removal (a cast to the same dtype, a reshape to the own
# shape) before any rule of the node's kind; the reduction rules before the gradient forms'
# sum rules; the log rules, then the softmax and log-sum-exp forms, before the product rules
# of stabilize_gradients and stabilize_handwritten take the same quotients apart.  Every
# other module follows in name order.
_FIRST = ("shape_noops", "reductions", "stabilize", "stabilize_reductions")

import_submodules(__name__, first=_FIRST)
