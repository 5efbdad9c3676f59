"""Draws that may consume their generator: the shared generators a call replaces.

A draw copies its input generator before drawing (a draw never changes a value it reads: the
graph is pure).  When the generator is a shared variable that the same call replaces by the
end of a chain of draws from it (``rng -> d1 -> r1 -> d2 -> r2``, update ``{rng: r2}``), and
each link is read by the next draw alone, the copies are wasted: the old values are never read
again.  Such draws are rebuilt to draw from the generator itself (PyTensor does the same for an
updated shared generator); :func:`~arignote.tensor.random.ownership.consumable_draws` decides.
One consequence, as in PyTensor: a call that fails after such a draw leaves the shared
generator advanced although no update was stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.graph.basic import Variable
from arignote.graph.traversal import consumers, toposort
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.random.ownership import consumable_draws, drawing_in_place
from arignote.tensor.random.type import RandomGeneratorSharedVariable

__all__ = ["consume_updated_generators"]


def consume_updated_generators(outputs: Sequence[Variable], n_user_outputs: int,
                               updated: Sequence[Any]) -> list[Variable]:
    """``outputs`` (the user outputs, then one per variable of ``updated``) with the draws that
    may consume their generator (see the module docstring) drawing in place."""
    outputs = list(outputs)
    updates = [(var, new) for var, new in zip(updated, outputs[n_user_outputs:])
               if isinstance(var, RandomGeneratorSharedVariable) and new.owner is not None]
    if not updates:
        return outputs
    users = consumers(outputs)
    owned = [var for var, new in updates if _chain_reaches(var, new, users)]
    if not owned:
        return outputs
    nodes = toposort(outputs)
    return drawing_in_place(nodes, outputs, consumable_draws(nodes, outputs, owned))


def _chain_reaches(var: Variable, update: Variable, users: Any) -> bool:
    """Whether ``update`` is the end of a chain of draws from ``var``, each generator on the way
    read by the next draw alone."""
    current = var
    while current is not update:
        readers = users.get(current, ())
        if len(readers) != 1:
            return False
        (reader, position), = readers
        if not isinstance(reader.op, RandomVariable) or position != 0:
            return False
        current = reader.outputs[0]
    return current is not var
