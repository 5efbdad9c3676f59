"""A compiled function made again: unpickling (``pickle.loads``) and ``f.copy()``.

A function is pickled as the arguments it was made from (its graphs, mode, updates...) and
the state of its inputs holding state; unpickling compiles it again, which finds its
rewritten graph and C code in the caches when this machine compiled it before.  The shared
variables travel with the pickle: one pickle holding a function and its shared variables
keeps them together (the unpickled function updates the unpickled variables).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from arignote.compile.function import Function, _pairs
from arignote.compile.io import Container
from arignote.compile.mode import get_mode
from arignote.compile.shared import SHARED_KINDS
from arignote.graph.basic import Variable

__all__ = ["copy_function", "rebuild_function"]


def rebuild_function(args: dict[str, Any], defaults: list[list[Any] | None]) -> Function:
    """The function made from ``args`` (``Function._build_args``), its inputs' state restored."""
    made = _make(args)
    # the cells themselves: functions pickled (or deep-copied) together that shared a cell
    # (In(value=f._finder[x])) share the unpickled one
    made._defaults = list(defaults)
    return made


def _make(args: dict[str, Any]) -> Function:
    return Function(args["inputs"], args["outputs"], get_mode(args["mode"]), args["updates"],
                    args["givens"], args["on_unused_input"], args["name"], args["trust_input"],
                    args["trace"], args["no_default_updates"], args["allow_input_downcast"],
                    args["profile"])


def copy_function(f: Function, share_memory: bool, swap: Mapping[Variable, Variable] | None,
                  delete_updates: bool, name: str | None, profile: Any) -> Function:
    """See :meth:`Function.copy`.  As PyTensor's: the copy reads and updates the same shared
    variables as ``f`` (``swap`` replaces some); ``share_memory`` is about a function's
    intermediate storage, which arignote's programs do not keep between calls, so it changes
    nothing here."""
    mapping: dict[Variable, Variable] = {}
    for old, new in (swap or {}).items():
        if not isinstance(old, SHARED_KINDS) or not isinstance(new, SHARED_KINDS):
            raise TypeError(f"copy(swap=): {old} -> {new} must map shared variables to shared variables")
        if old.type != new.type:
            raise TypeError(f"copy(swap=): {new} has type {new.type}, "
                            f"which does not match {old.type} of {old}")
        mapping[old] = new
    args = dict(f._build_args)
    args["name"] = name if name else (f"{f.name} copy" if f.name else None)
    args["profile"] = bool(profile)
    if delete_updates:
        args["updates"], args["no_default_updates"] = None, True
        # an input only the updates read is still an input of the copy (its signature is the
        # original's, as in PyTensor); the original passed the unused-input check with them
        args["on_unused_input"] = "ignore"
    else:
        args["updates"] = [(mapping.get(var, var), expr) for var, expr in _pairs(args["updates"], "updates")]
    args["givens"] = [*_pairs(args["givens"], "givens"), *mapping.items()]
    made = _make(args)
    # the state of an input holding state is the copy's own, except a cell given as a
    # Container (In(value=cell)), which stays shared, as PyTensor's copy keeps its In values
    made._defaults = [None if d is None else d if isinstance(spec.value, Container) else [copy.deepcopy(d[0])]
                      for d, spec in zip(f._defaults, f.input_specs)]
    return made
