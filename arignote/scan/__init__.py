"""PyTensor's ``pytensor.scan`` package: its import paths over arignote's loops (`arignote.loop`).

- ``basic``: ``scan``;  ``views``: ``map``, ``reduce``, ``foldl``, ``foldr``;
- ``utils``: ``until``;  ``op``: ``Scan`` (arignote's loop op, `arignote.loop.Loop`).

At the package root ``arignote.scan`` is the function, as ``pytensor.scan`` is: the root
imports this package first and binds the function after, so ``import arignote.scan.op``
still works and leaves ``arignote.scan`` the function.  PyTensor's ``scan_checkpoints`` is
not here: arignote has no checkpointed loop.
"""

from arignote.scan import basic, op, utils, views
from arignote.scan.basic import scan
from arignote.scan.op import Scan
from arignote.scan.utils import until
from arignote.scan.views import foldl, foldr, map, reduce

__all__ = ["Scan", "basic", "foldl", "foldr", "map", "op", "reduce", "scan", "until", "utils", "views"]
