"""``pytensor.scan.views``: ``map``, ``reduce``, ``foldl``, ``foldr`` (arignote's, `arignote.loop.scan`)."""

from arignote.loop.scan import foldl, foldr, map, reduce

__all__ = ["foldl", "foldr", "map", "reduce"]
