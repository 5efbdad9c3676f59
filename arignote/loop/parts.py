"""A loop node taken apart into editable parts, and put together again.

Rewrites of loops, their derivative and their batching rule remove, add
and merge inputs and outputs.  They take the node apart
(:meth:`LoopParts.of`), edit plain lists, and rebuild
(:meth:`LoopParts.build`), which renames the formals to the canonical ones
of their new positions, so that rewriting equal loops gives equal loops.
Every inner expression in the parts refers to the formals listed in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from arignote.graph.basic import Apply, Variable
from arignote.loop.body import substitute
from arignote.loop.formals import depth_of, formal
from arignote.loop.op import Loop
from arignote.rewrite.trace import render


def value_name(var: Variable, limit: int = 40) -> str:
    """A readable name for a formal standing for ``var`` (its name, or a short rendering)."""
    if var.name:
        return var.name

    text = render(var, depth=2)
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class Carry:
    init: Variable      # outer initial value
    formal: Variable    # inner input
    update: Variable    # inner new value
    final: Variable | None = None  # the old node's output, when this carry comes from one


@dataclass
class Stacked:
    value: Variable     # inner per-step value
    keep: int | None
    output: Variable | None = None  # the old node's output


@dataclass
class LoopParts:
    n_steps: Variable
    seqs: list[tuple[Variable, Variable]] = field(default_factory=list)    # (outer, formal)
    carries: list[Carry] = field(default_factory=list)
    consts: list[tuple[Variable, Variable]] = field(default_factory=list)  # (outer, formal)
    ys: list[Stacked] = field(default_factory=list)
    stop: Variable | None = None
    steps_done: Variable | None = None  # the old node's step count output (while loops)
    truncate_gradient: int = -1
    name: str | None = None
    depth: int = 1

    @classmethod
    def of(cls, node: Apply) -> LoopParts:
        op = cast(Loop, node.op)
        n_steps, seqs, inits, consts = op.outer_parts(node)
        outs = node.outputs
        depth = max((depth_of(v) for v in op.inner_inputs), default=1) or 1
        return cls(
            n_steps=n_steps,
            seqs=list(zip(seqs, op.seq_inputs)),
            carries=[Carry(i, f, u, outs[j]) for j, (i, f, u) in
                     enumerate(zip(inits, op.carry_inputs, op.carry_outputs))],
            consts=list(zip(consts, op.const_inputs)),
            ys=[Stacked(v, k, outs[op.n_carries + j]) for j, (v, k) in enumerate(zip(op.y_outputs, op.keep))],
            stop=op.stop_output, steps_done=outs[-1] if op.until else None,
            truncate_gradient=op.truncate_gradient, name=op.name, depth=depth)

    @property
    def formals(self) -> list[Variable]:
        return [f for _, f in self.seqs] + [c.formal for c in self.carries] + [f for _, f in self.consts]

    @property
    def inner_outputs(self) -> list[Variable]:
        outs = [c.update for c in self.carries] + [y.value for y in self.ys]
        return outs + ([self.stop] if self.stop is not None else [])

    def substitute_inner(self, mapping: dict[Variable, Variable]) -> None:
        """Apply ``mapping`` to every inner expression at once."""
        new = substitute(self.inner_outputs, mapping)
        for c in self.carries:
            c.update = new.pop(0)
        for y in self.ys:
            y.value = new.pop(0)
        if self.stop is not None:
            self.stop = new.pop(0)

    def build(self) -> Apply:
        """The loop node of these parts, with canonical formals."""
        old = self.formals
        canonical = [formal(self.depth, k, v.type, v.name) for k, v in enumerate(old)]
        mapping = {a: b for a, b in zip(old, canonical) if a is not b}
        outputs = substitute(self.inner_outputs, mapping)
        op = Loop(canonical, outputs, len(self.seqs), len(self.carries), keep=[y.keep for y in self.ys],
                  until=self.stop is not None, truncate_gradient=self.truncate_gradient, name=self.name)
        return op.make_node(self.n_steps, *[s for s, _ in self.seqs], *[c.init for c in self.carries],
                            *[k for k, _ in self.consts])

    def replacements(self, node: Apply) -> dict[Variable, Variable]:
        """The old outputs (recorded in the parts) mapped to the outputs of the built ``node``."""
        op = cast(Loop, node.op)
        result: dict[Variable, Variable] = {}
        for c, new in zip(self.carries, node.outputs[:op.n_carries]):
            if c.final is not None:
                result[c.final] = new
        for y, new in zip(self.ys, node.outputs[op.n_carries:op.n_carries + op.n_ys]):
            if y.output is not None:
                result[y.output] = new
        if self.steps_done is not None and op.until:
            result[self.steps_done] = node.outputs[-1]
        return result
