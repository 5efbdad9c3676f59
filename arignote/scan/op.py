"""``pytensor.scan.op``: ``Scan`` is arignote's loop op, so ``isinstance(node.op, Scan)`` finds loops.

``ScanInfo`` (the layout PyTensor's ``Scan`` is constructed from) exists so that code
importing it loads; arignote's loop op has its own layout and is built by ``scan``, so
making one raises.
"""

from typing import Any, NoReturn

from arignote.loop.op import Loop as Scan

__all__ = ["Scan", "ScanInfo"]


class ScanInfo:
    """PyTensor's description of a ``Scan`` node's inputs; not available here (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            "ScanInfo describes the inputs of PyTensor's Scan op, which arignote does not have: "
            "its loop op (arignote.loop.Loop, also arignote.scan.op.Scan) has its own layout; "
            "build loops with arignote.scan / arignote.loop instead")
