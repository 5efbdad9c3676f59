"""Draws that may consume their generator: the shared generators a call replaces.

A draw copies its input generator before drawing (a draw never changes a value it reads: the
graph is pure).  When the generator is a shared variable that the same call replaces by this
draw's next generator, and nothing else in the graph reads it, the copy is wasted: the old value
is never read again.  Such draws are rebuilt to draw from the generator itself (PyTensor does
the same for an updated shared generator).  One consequence, as in PyTensor: a call that fails
after such a draw leaves the shared generator advanced although no update was stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from arignote.graph.basic import Variable
from arignote.graph.replace import graph_replace
from arignote.graph.traversal import consumers
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.random.type import RandomGeneratorSharedVariable

__all__ = ["consume_updated_generators"]


def consume_updated_generators(outputs: Sequence[Variable], n_user_outputs: int,
                               updated: Sequence[Any]) -> list[Variable]:
    """``outputs`` (the user outputs, then one per variable of ``updated``) with each draw that
    reads a shared generator only it reads, and whose next generator is that generator's update
    (and not also a user output), drawing in place."""
    outputs = list(outputs)
    user_outputs = {id(v) for v in outputs[:n_user_outputs]}
    users = None
    replacements: list[tuple[Variable, Variable]] = []
    for var, new in zip(updated, outputs[n_user_outputs:]):
        node = new.owner
        if (not isinstance(var, RandomGeneratorSharedVariable) or node is None
                or not isinstance(node.op, RandomVariable) or node.op.inplace
                or node.inputs[0] is not var or new is not node.outputs[0] or id(new) in user_outputs):
            continue
        if users is None:
            users = consumers(outputs)
        if len({id(user) for user, _ in users.get(var, ())}) != 1:
            continue  # another node reads the old generator: it must stay as it was
        op = dataclasses.replace(node.op, inplace=True)
        rebuilt = op.make_node(*node.inputs)
        replacements.extend(zip(node.outputs, rebuilt.outputs))
    if not replacements:
        return outputs
    return list(graph_replace(outputs, replacements))
