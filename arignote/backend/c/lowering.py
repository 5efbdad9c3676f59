"""The C backend's rewrites: a pass in the ``lowering`` phase that only the C linker selects.

``fuse_reductions`` turns a reduction whose input is an elementwise node
used by nothing else into one `ElemwiseReduce` node, so the elementwise
values are never stored.  The pass carries the tags ``optional`` (a mode
runs it only when asked) and ``c`` (``compile.pipeline.rewrite_for_mode``
asks for it when the mode's linker is ``"c"``); the graph stays pure and
runs on every linker either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from arignote.backend.c.ops import ElemwiseReduce
from arignote.graph.basic import Apply, Variable
from arignote.graph.sourceinfo import carry_source
from arignote.graph.traversal import toposort
from arignote.rewrite.phases import OPTIONAL, lowering
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.reduction import Argmax, Argmin, CAReduce

#: the tag that makes a mode run this module's passes
C_TAG = "c"


@lowering.graph_pass(name="c_fuse_reductions", tags=(OPTIONAL, C_TAG))
def fuse_reductions(outputs: Sequence[Variable]) -> list[Variable]:
    """Each reduction (or arg-reduction) of an ``Elemwise`` node whose result is used only
    there, as one node."""
    outputs = list(outputs)
    nodes = toposort(outputs)
    uses: dict[Variable, int] = {}
    for node in nodes:
        for var in node.inputs:
            uses[var] = uses.get(var, 0) + 1
    kept = set(outputs)
    mapping: dict[Variable, Variable] = {}
    fused_any = False
    # inputs first, each node rebuilt on its inputs' new forms as the walk goes: a reduction
    # fused below this one must be seen by it (a fused node built on the old inputs would keep
    # the old graph below alive beside the new one, computing it twice)
    for node in nodes:
        op = node.op
        producer = _fusable_producer(node, uses, kept)
        if producer is not None and isinstance(op, (CAReduce, Argmax, Argmin)):
            with carry_source(node.source):
                fused = ElemwiseReduce(op, producer.op.scalar_op)(
                    *[mapping.get(v, v) for v in producer.inputs])
            mapping[node.outputs[0]] = fused
            fused_any = True
            continue
        new_inputs = [mapping.get(v, v) for v in node.inputs]
        if any(a is not b for a, b in zip(new_inputs, node.inputs)):
            with carry_source(node.source):
                rebuilt = node.op.make_node(*new_inputs).outputs
            mapping.update(zip(node.outputs, rebuilt))
    if not fused_any:
        return outputs
    return [mapping.get(v, v) for v in outputs]


def _fusable_producer(node: Apply, uses: dict[Variable, int], kept: set[Variable]) -> Apply | None:
    """The elementwise node whose result the reduction ``node`` alone reads, if any."""
    if not isinstance(node.op, (CAReduce, Argmax, Argmin)):
        return None
    source = node.inputs[0]
    producer = source.owner
    if (producer is None or not isinstance(producer.op, Elemwise) or len(producer.outputs) != 1
            or uses.get(source, 0) != 1 or source in kept):
        return None
    return producer
