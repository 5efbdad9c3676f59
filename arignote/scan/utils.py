"""``pytensor.scan.utils``: ``until``, the stopping condition a step function may return."""

from arignote.loop.scan import until

__all__ = ["until"]
