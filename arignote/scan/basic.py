"""``pytensor.scan.basic``: the ``scan`` function (arignote's, `arignote.loop.scan`)."""

from arignote.loop.scan import scan

__all__ = ["scan"]
