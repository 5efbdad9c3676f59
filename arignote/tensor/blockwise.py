"""Core ops lifted over leading batch dimensions: ``Blockwise`` (NumPy's generalized ufuncs).

A *core op* works on inputs of fixed ranks, declared by a NumPy-style signature
such as ``"(m,m),(m,n)->(m,n)"`` (its ``gufunc_signature``, or one given to
``Blockwise``).  ``Blockwise(core_op)`` applies it to inputs that carry any
number of extra leading (batch) dimensions:

- each input's trailing dims are its core dims (its group in the signature),
  the leading ones are batch dims;
- the batch dims of all inputs broadcast together, aligned on the right, and
  (as everywhere in arignote, see :mod:`arignote.tensor.broadcasting`) only a
  statically-1 length stretches;
- every output has the broadcast batch dims, then its core dims;
- core dims of the same name have the same length (checked when the graph is
  built where the lengths are static, and when it runs);
- a core dim may be a number instead of a name, as in NumPy's gufunc signatures
  (``"(3),(3)->(3)"``, ``"()->(2,a)"``): an input's dim of that length is checked
  when the graph is built (static lengths) and when it runs; an output's has
  that static length.

The node's NumPy implementation loops over the batch calling the core op's
(:mod:`arignote.tensor.blockwise_perform`); the JAX backend lowers it to
``jnp.vectorize`` of the core op's lowering.  Shapes, derivatives and
batching come from the core op's own rules, applied once to a *core node*:
the core op on core-rank stand-ins of the inputs, whose graphs are then
vectorized over the batch (:mod:`arignote.tensor.vectorize_node`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.op import Op, ShapeUnknown
from arignote.tensor.alloc import broadcast_to
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.batching import pad_after_batch
from arignote.tensor.blockwise_perform import BlockwiseRunner, fixed_length, perform_on_values
from arignote.tensor.broadcasting import broadcast_static_shapes, format_shape
from arignote.tensor.namespace_forwarding import names_elsewhere_getattr
from arignote.tensor.shape import shape_i, shape_tuple, specify_shape
from arignote.tensor.shape_inference import broadcast_shapes, dim, known_dim
from arignote.tensor.sum_to import sum_to_like
from arignote.tensor.type import TensorType

__all__ = ["Blockwise", "blockwise", "fixed_length", "parse_signature"]

Dims = tuple[str, ...]

#: a dim is a name, or a fixed length (NumPy's "frozen" dims)
_NAME = r"(?:[A-Za-z_]\w*|\d+)"
_GROUP = rf"\((?:{_NAME}(?:,{_NAME})*)?\)"
_GROUPS = rf"{_GROUP}(?:,{_GROUP})*"
_SIGNATURE = re.compile(rf"^{_GROUPS}->{_GROUPS}$")
_DIMS = re.compile(r"\(([^()]*)\)")


def parse_signature(signature: str) -> tuple[list[Dims], list[Dims]]:
    """``"(m,n),(n)->(m)"`` as ``([("m", "n"), ("n",)], [("m",)])``; ValueError when malformed.

    Dims are identifiers or fixed lengths (``"(3),(3)->(3)"``: see :func:`fixed_length`); a
    group may be empty (``()``: a 0-d core).
    """
    if not isinstance(signature, str):
        raise TypeError(f"a signature is a string such as '(m,n),(n)->(m)', got {signature!r}")
    text = re.sub(r"\s+", "", signature)
    if not _SIGNATURE.match(text):
        raise ValueError(f"not a valid gufunc signature: {signature!r} (expected groups of dim "
                         f"names or lengths such as '(m,n),(n)->(m)' or '(3),(3)->(3)')")
    left, right = text.split("->")

    def groups(part: str) -> list[Dims]:
        # "03" and "3" are one length: spelled one way, so that equal lengths are equal names
        return [tuple(str(int(d)) if d.isdigit() else d for d in g.split(",") if d)
                for g in _DIMS.findall(part)]
    return groups(left), groups(right)


@functools.lru_cache(maxsize=1024)
def _parsed(signature: str) -> tuple[tuple[Dims, ...], tuple[Dims, ...]]:
    inputs, outputs = parse_signature(signature)
    return tuple(inputs), tuple(outputs)


def format_signature(inputs: Sequence[Dims], outputs: Sequence[Dims]) -> str:
    """The signature string of these core dims (inverse of :func:`parse_signature`)."""
    def side(groups: Sequence[Dims]) -> str:
        return ",".join("(" + ",".join(g) + ")" for g in groups)
    return f"{side(inputs)}->{side(outputs)}"


def _group(dims: Dims) -> str:
    return "(" + ",".join(dims) + ")"


@dataclass(frozen=True)
class Blockwise(Op):
    """``core_op`` applied over the leading batch dims of its inputs (see the module docstring).

    ``signature`` defaults to ``core_op.gufunc_signature``; it is stored without
    blanks, so two ops with the same core op and signature are equal.
    """

    core_op: Op
    signature: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.core_op, Op):
            raise TypeError(f"Blockwise: the core op must be an Op, got {self.core_op!r}")
        signature = self.signature
        if signature is None:
            signature = getattr(self.core_op, "gufunc_signature", None)
            if signature is None:
                raise TypeError(f"Blockwise: {self.core_op} has no gufunc_signature; pass "
                                f"signature='(m,n),(n)->(m)' (say)")
        _parsed(signature)  # checks it
        object.__setattr__(self, "signature", re.sub(r"\s+", "", signature))

    @property
    def dims(self) -> tuple[tuple[Dims, ...], tuple[Dims, ...]]:
        """The core dim names of each input and of each output."""
        assert self.signature is not None  # set in __post_init__
        return _parsed(self.signature)

    def __str__(self) -> str:
        return f"Blockwise{{{self.core_op}, {self.signature}}}"

    __repr__ = __str__

    # --- building ---------------------------------------------------------------------

    def batch_ndims(self, inputs: Sequence[Variable]) -> list[int]:
        """How many batch dims each of ``inputs`` has (its rank less its core rank)."""
        return [x.type.ndim - len(dims) for x, dims in zip(inputs, self.dims[0])]

    def static_core_lengths(self, inputs: Sequence[Variable]) -> dict[str, int | None]:
        """The static length of every input core dim name (None: unknown); ValueError when
        two inputs give the same name different static lengths, or an input's static length
        is not the one the signature fixes."""
        known: dict[str, int | None] = {}
        first: dict[str, int] = {}
        for position, (x, dims) in enumerate(zip(inputs, self.dims[0])):
            core = x.type.shape[x.type.ndim - len(dims):]
            for axis, (name, n) in enumerate(zip(dims, core)):
                fixed = fixed_length(name)
                if fixed is not None:
                    if n is not None and n != fixed:
                        raise ValueError(f"{self}: input {position} ({x.type}) must have length {fixed} "
                                         f"in its core dimension {axis} {_group(dims)}, got {n}")
                    known[name] = fixed
                    continue
                have = known.get(name)
                if have is None:
                    known[name] = n
                    if n is not None:
                        first[name] = position
                elif n is not None and n != have:
                    raise ValueError(f"{self}: core dimension {name!r} has length {have} in input "
                                     f"{first[name]} but {n} in input {position} ({x.type})")
        return known

    def core_node(self, inputs: Sequence[Variable]) -> Apply:
        """The core op applied to core-rank stand-ins of ``inputs``.

        Each stand-in has the input's dtype and the static core lengths the
        signature's names give (a name static in one input is static in all).
        An input without batch dims that is a constant is passed itself, so
        that the core op can read its value (a shape, an axis).  Cached: the
        same input types give the same node.
        """
        lengths = self.static_core_lengths(inputs)
        key: list[Any] = []
        for x, dims in zip(inputs, self.dims[0]):
            if isinstance(x, Constant) and x.type.ndim == len(dims):
                key.append(x)
            else:
                key.append(TensorType(x.type.dtype, tuple(lengths[d] for d in dims)))
        return _core_node(self.core_op, tuple(key))

    def make_node(self, *inputs: Any) -> Apply:
        variables: list[Variable] = [as_tensor_variable(x) for x in inputs]
        in_dims, out_dims = self.dims
        if len(variables) != len(in_dims):
            raise TypeError(f"{self}: expected {len(in_dims)} input(s), got {len(variables)}")
        for position, (x, dims) in enumerate(zip(variables, in_dims)):
            if x.type.ndim < len(dims):
                raise TypeError(f"{self}: input {position} ({x.type}) has {x.type.ndim} dimension(s), "
                                f"fewer than its {len(dims)} core dimension(s) {_group(dims)}")
        self.static_core_lengths(variables)  # a fixed length that the static one contradicts
        variables = [_with_fixed_lengths(x, dims) for x, dims in zip(variables, in_dims)]
        batch_shapes = [x.type.shape[:n] for x, n in zip(variables, self.batch_ndims(variables))]
        try:
            batch = broadcast_static_shapes(batch_shapes, self)
        except ValueError:
            raise ValueError(f"{self}: the batch dimensions of the inputs, "
                             f"{' and '.join(map(format_shape, batch_shapes))}, cannot be broadcast "
                             f"together") from None
        lengths = self.static_core_lengths(variables)
        core = self.core_node(variables)
        if len(core.outputs) != len(out_dims):
            raise TypeError(f"{self}: the signature has {len(out_dims)} output(s), but {self.core_op} "
                            f"gives {len(core.outputs)}")
        types = []
        for position, (out, dims) in enumerate(zip(core.outputs, out_dims)):
            if not isinstance(out.type, TensorType) or out.type.ndim != len(dims):
                raise TypeError(f"{self}: the signature gives output {position} the core dimensions "
                                f"{_group(dims)}, but {self.core_op} gives it type {out.type}")
            for axis, (n, name) in enumerate(zip(out.type.shape, dims)):
                fixed = fixed_length(name)
                if fixed is not None and n is not None and n != fixed:
                    raise TypeError(f"{self}: the signature fixes the length of output {position}'s "
                                    f"core dimension {axis} to {fixed}, but {self.core_op} gives it "
                                    f"type {out.type}")
            shape = tuple(n if n is not None else lengths.get(name, fixed_length(name))
                          for n, name in zip(out.type.shape, dims))
            types.append(TensorType(out.type.dtype, batch + shape))
        return Apply.build(self, variables, types)

    # --- running ------------------------------------------------------------------------

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        """A loop over the batch calling the core op's implementation (see
        :mod:`arignote.tensor.blockwise_perform`)."""
        return BlockwiseRunner(node)

    def perform(self, *inputs: Any) -> Any:
        return perform_on_values(self, inputs)

    # --- shapes ---------------------------------------------------------------------------

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
        """The broadcast batch dims, then each output's core dims: the length the signature
        fixes, an input's length where the output's dim name is an input's, else the core
        op's own shape rule applied to the core node (when it does not read the core node's
        stand-ins), else the length of the output itself."""
        in_dims, out_dims = self.dims
        batch_parts, core_parts = [], []
        for shape, dims in zip(input_shapes, in_dims):
            split = len(shape) - len(dims)
            batch_parts.append(tuple(shape[:split]))
            core_parts.append(tuple(shape[split:]))
        batch = broadcast_shapes(batch_parts)
        by_name: dict[str, Variable] = {}
        for part, dims in zip(core_parts, in_dims):
            for name, entry in zip(dims, part):
                if name not in by_name or (known_dim(by_name[name]) is None and known_dim(entry) is not None):
                    by_name[name] = entry
        core_shapes: list[list[Variable | None]] | None = None
        results = []
        for position, dims in enumerate(out_dims):
            entries: list[Variable] = []
            for axis, name in enumerate(dims):
                fixed = fixed_length(name)
                entry = dim(fixed) if fixed is not None else by_name.get(name)
                if entry is None:
                    if core_shapes is None:
                        core_shapes = self._core_shapes(node, core_parts)
                    entry = core_shapes[position][axis]
                if entry is None:
                    entry = shape_i(node.outputs[position], len(batch) + axis)
                entries.append(entry)
            results.append(tuple(batch) + tuple(entries))
        return results

    def _core_shapes(self, node: Apply,
                     core_parts: list[tuple[Variable, ...]]) -> list[list[Variable | None]]:
        """The core op's shape rule on the core node, given the inputs' core lengths; None for
        an entry that reads the stand-ins (their values, or the core node's outputs)."""
        core = self.core_node(node.inputs)
        unknown: list[list[Variable | None]] = [[None] * o.type.ndim for o in core.outputs]
        infer = getattr(self.core_op, "infer_shape", None)
        if infer is None:
            return unknown
        try:
            inferred = infer(core, list(core_parts))
        except ShapeUnknown:
            return unknown
        stand_ins = {id(v) for v in core.inputs if not any(v is x for x in node.inputs)}
        stand_ins.update(id(o) for o in core.outputs)
        stops = {id(d) for part in core_parts for d in part}
        return [[None if _reads_any(entry, stand_ins, stops) else entry for entry in shape]
                for shape in inferred]

    # --- derivatives ------------------------------------------------------------------------

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The core op's pullback, built on the core node and vectorized over the batch; an
        input's cotangent is summed over the batch dims broadcasting gave it."""
        core = self.core_node(inputs)
        stand_ins = [None if c is None else o.type.make_variable(f"core_cotangent{k}")
                     for k, (o, c) in enumerate(zip(core.outputs, cotangents))]
        core_cotangents = self.core_op.pullback(core.inputs, core.outputs, stand_ins)
        replace = self._replacements(core, inputs, outputs)
        replace.update((s, c) for s, c in zip(stand_ins, cotangents) if s is not None and c is not None)
        lifted = _lift(core_cotangents, replace)
        return [None if g is None else _fit_cotangent(g, x) for g, x in zip(lifted, inputs)]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The core op's pushforward, built on the core node and vectorized over the batch
        (NotImplementedError, as the core op's, when it has none: forward mode then
        derives one from two pullbacks)."""
        core = self.core_node(inputs)
        stand_ins = [None if t is None else x.type.make_variable(f"core_tangent{k}")
                     for k, (x, t) in enumerate(zip(core.inputs, tangents))]
        core_tangents = self.core_op.pushforward(core.inputs, core.outputs, stand_ins)
        replace = self._replacements(core, inputs, outputs)
        replace.update((s, t) for s, t in zip(stand_ins, tangents) if s is not None and t is not None)
        lifted = _lift(list(core_tangents), replace)
        return [None if t is None else _fit_to_shape(t, out) for t, out in zip(lifted, outputs)]

    def differentiable_graph(self, inputs: Sequence[Variable],
                             outputs: Sequence[Variable]) -> list[Variable] | None:
        """The core op's graph (a fused node's), vectorized over the batch; None when the core
        op has its own derivative rules."""
        core = self.core_node(inputs)
        graph = self.core_op.differentiable_graph(core.inputs, core.outputs)
        if graph is None:
            return None
        lifted = _lift(list(graph), self._replacements(core, inputs, outputs, with_outputs=False))
        return [_fit_to_shape(g, out) for g, out in zip(lifted, outputs)]  # type: ignore[arg-type]

    @staticmethod
    def _replacements(core: Apply, inputs: Sequence[Variable], outputs: Sequence[Variable],
                      with_outputs: bool = True) -> dict[Variable, Variable]:
        replace = {c: x for c, x in zip(core.inputs, inputs) if c is not x}
        if with_outputs:
            replace.update(zip(core.outputs, outputs))
        return replace

    # --- batching ------------------------------------------------------------------------

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        """The same Blockwise with one more batch dim: a batched operand gets length-1 axes
        after its new axis, so that the new axis leads every operand's batch dims."""
        batch_ndim = max(self.batch_ndims(node.inputs), default=0)
        args = [pad_after_batch(x, batch_ndim + len(dims)) if flag else x
                for x, flag, dims in zip(inputs, batched, self.dims[0])]
        return list(self.make_node(*args).outputs)


def _with_fixed_lengths(x: Variable, dims: Dims) -> Variable:
    """``x``, asserted (``specify_shape``) to have the core lengths the signature fixes where
    its static shape does not say: the check then runs on every backend, and survives the
    rewrites that replace the loop by the core op or its batched form."""
    split = x.type.ndim - len(dims)
    wanted = [fixed_length(name) if n is None else None
              for n, name in zip(x.type.shape[split:], dims)]
    if all(n is None for n in wanted):
        return x
    return specify_shape(x, [None] * split + wanted)


@functools.lru_cache(maxsize=1024)
def _core_node(core_op: Op, key: tuple[Any, ...]) -> Apply:
    stand_ins = [k if isinstance(k, Variable) else k.make_variable(f"core{position}")
                 for position, k in enumerate(key)]
    return core_op.make_node(*stand_ins)


def _reads_any(entry: Variable, forbidden: set[int], stops: set[int]) -> bool:
    """Whether the graph of ``entry`` reaches one of ``forbidden`` (ids), not walking past ``stops``."""
    seen: set[int] = set()
    stack = [entry]
    while stack:
        var = stack.pop()
        key = id(var)
        if key in forbidden:
            return True
        if key in seen or key in stops or var.owner is None:
            continue
        seen.add(key)
        stack.extend(var.owner.inputs)
    return False


def _lift(core_graph: Sequence[Variable | None], replace: dict[Variable, Variable]) -> list[Variable | None]:
    """``core_graph`` (None entries kept) vectorized over the batch dims of ``replace``'s values."""
    # here, not at the top: vectorize_node builds Blockwise nodes
    from arignote.tensor.vectorize_node import vectorize_variables

    present = [v for v in core_graph if v is not None]
    lifted = iter(vectorize_variables(present, replace))
    return [None if v is None else next(lifted) for v in core_graph]


def _fit_cotangent(g: Variable, x: Variable) -> Variable:
    """The vectorized cotangent ``g`` of the input ``x``: summed over the batch dims ``x`` was
    broadcast along, or broadcast to ``x``'s shape where it does not vary along them."""
    g = as_tensor_variable(g)
    if g.type.ndim >= x.type.ndim:
        g = sum_to_like(g, x)
    return _fit_to_shape(g, x)


def _fit_to_shape(v: Variable, like: Variable) -> Variable:
    """``v`` (whose shape broadcasts to ``like``'s) with ``like``'s shape and dtype."""
    v = as_tensor_variable(v)
    short = v.type.ndim < like.type.ndim
    stretched = any(have == 1 and want != 1 for have, want in
                    zip(v.type.shape[::-1], like.type.shape[::-1]))
    if short or stretched:
        v = broadcast_to(v, shape_tuple(like))
    if v.type.dtype != like.type.dtype:
        v = cast(v, like.type.dtype)
    return v


def blockwise(core_op: Op, *inputs: Any, signature: str | None = None) -> Any:
    """``core_op`` applied to ``inputs``, over their leading batch dimensions if they have any
    beyond the core ranks of the signature (``core_op.gufunc_signature`` by default): the core
    op's own node when none has, else a :class:`Blockwise` node.  One variable, or a list
    when the op has several outputs."""
    op = Blockwise(core_op, signature)
    variables = [as_tensor_variable(x) for x in inputs]
    in_dims, out_dims = op.dims
    # lengths the signature fixes: the Blockwise node checks them and gives them statically
    fixes = any(fixed_length(name) is not None for dims in (*in_dims, *out_dims) for name in dims)
    if (not fixes and len(variables) == len(in_dims)
            and all(v.type.ndim == len(d) for v, d in zip(variables, in_dims))):
        return core_op(*variables)
    return op(*variables)


# PyTensor's other names of this module, defined on it in blockwise_compat
__getattr__ = names_elsewhere_getattr(__name__, {
    "BlockwiseWithCoreShape": "arignote.tensor.blockwise_compat",
    "vectorize_node_fallback": "arignote.tensor.blockwise_compat"})
