"""Loops: one loop op with functional semantics, and PyTensor's ``scan`` on top.

- :class:`Loop` (``op.py``): the op; its body is an inner graph.
- ``scan``, ``map``, ``reduce``, ``foldl``, ``foldr``, ``until`` (``scan.py``): PyTensor's API.
- ``loop(step, init, xs=None, n_steps=None)`` (``carry.py``): the carry-style form.
- ``execute.py`` runs loops on the ``py`` backend, ``derivative.py`` differentiates
  them, ``batching.py`` batches them (``Loop.batch``: vectorized Jacobians), ``rewrites/`` holds
  their rewrites (registered when this package is imported).

``arignote.loop`` is both this package and the carry-style function: the
module is callable (``arignote.loop(step, init, xs)``), so the public name
PyTensor-style code expects and the folder a reader looks for coincide.
"""

import sys
import types
from typing import Any

from arignote.loop import jacobian_rows as _jacobian_rows  # installs the jacobian_rows hook
from arignote.loop import rewrites  # registers the loop rewrites
from arignote.loop.carry import loop
from arignote.loop.op import Loop, LoopTypeError
from arignote.loop.scan import ScanUpdates, foldl, foldr, map, reduce, scan, until

__all__ = ["Loop", "LoopTypeError", "ScanUpdates", "foldl", "foldr", "loop", "map", "reduce", "scan",
           "until"]


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`arignote.loop.carry.loop`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return loop(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
