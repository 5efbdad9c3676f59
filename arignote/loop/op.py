"""`Loop`: the one loop op.  Its step is an inner graph with plain functional semantics.

One step maps ``(sequence slices, carries, constants)`` to ``(new carries,
per-step outputs[, stop flag])``::

    carry = init
    for t in range(n_steps):
        carry, y_t, stop = body(seq_0[t], ..., carry, consts)
        ys.append(y_t)
        if stop: break
    return carry, stack(ys)[, number of steps done]

The node's inputs are ``[n_steps, *sequences, *initial carries, *constants]``
and its outputs ``[*final carries, *stacked per-step outputs]``, plus the
number of steps done when the loop has a stop condition (a while loop).
Nothing else is special: there are no taps, buffers or in-place flags.
PyTensor's ``scan`` (taps, ``until``, shared-variable updates) translates
into this form (:mod:`arignote.loop.scan`), and so does the carry-style
:func:`arignote.loop`.

Rules of the form
-----------------
- ``n_steps`` may be zero; the sequences need at least ``n_steps`` rows.
- A carry keeps its dtype, rank *and shape* from step to step (as in
  PyTensor's scan and JAX's ``lax.scan``); this is checked at run time where
  the static types cannot show it.  Per-step outputs keep their shape too.
- The body is closed: it uses only its formal inputs and constants
  (:mod:`arignote.loop.formals`), so traversing or rewriting it is
  traversing or rewriting an ordinary graph.
- ``keep[j]`` says how many of the last steps of per-step output ``j`` are
  kept: ``None`` for all of them, ``k`` for the last ``min(k, steps)`` rows
  (exactly ``stacked[-k:]``).  Rewrites set it when only the last states are
  read, so a long loop whose last state alone is used runs in constant memory.
- The stop flag is computed by the step from the step's inputs; the step's
  outputs are kept and the loop ends after it (PyTensor's ``until``).
- Carries and constants are tensors or random generators
  (``RandomGeneratorType``): a step that draws threads its generator as a
  carry (the draw's next generator is the carry's new value), so each step
  draws new numbers, NumPy's for the same sequence of draws.  Sequence
  rows, per-step outputs and the stop flag are tensors: a generator is
  carried, never stacked.  A generator given as a constant is the same
  value at every step, so its draws repeat (as in PyTensor's scan).

Compiling the body
------------------
The ``py`` backend runs :meth:`Loop.py_impl`, which writes the whole loop
and its body out as one Python function (:mod:`arignote.loop.execute`).
Under another linker that runs ``py_impl`` (an op it has no native code
for), the body is linked by that same linker (the linker states the link
under way in :mod:`arignote.graph.linking`, since this layer sits below the
compile layer) and the loop is driven around it.  A linker can
also ask for this explicitly: :meth:`Loop.make_driver` takes
``compile_body(inputs, outputs) -> callable`` (the callable maps the formal
inputs' values to the list of inner outputs' values), so the body is
compiled once, by whichever linker compiles the enclosing function.  A
linker that generates the whole loop natively (a C loop around the body's
code, JAX's ``lax.scan``) reads the op's parts: ``seq_inputs``,
``carry_inputs``, ``const_inputs``, ``carry_outputs``, ``y_outputs``,
``stop_output``, ``keep`` and the rules above.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.linking import current_linking
from arignote.graph.op import Op
from arignote.graph.traversal import graph_inputs, toposort
from arignote.graph.type import Type
from arignote.loop.shapes import loop_output_shapes
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.random.type import RandomGeneratorType
from arignote.tensor.shape_inference import known_dim
from arignote.tensor.type import TensorType

#: the largest step count: what a while loop without a bound gets
UNBOUNDED = 2 ** 63 - 1


class LoopTypeError(TypeError):
    """A loop was built from values of the wrong type; the message names the value."""


def compatible(a: Type, b: Type) -> bool:
    """Same dtype and rank, and no dim known in both with different lengths (tensors); the same
    type (anything else: generators)."""
    if not isinstance(a, TensorType) or not isinstance(b, TensorType):
        return a == b
    return (a.dtype == b.dtype and a.ndim == b.ndim
            and all(x is None or y is None or x == y for x, y in zip(a.shape, b.shape)))


def is_generator(var: Variable) -> bool:
    """Whether ``var`` is a random generator (a loop may carry it, never stack it)."""
    return isinstance(var.type, RandomGeneratorType)


def _describe(var: Variable) -> str:
    return f"{var.name or var} ({var.type})"


class Loop(Op):
    """A loop whose step is the graph from ``inner_inputs`` to ``inner_outputs``.

    ``inner_inputs`` are ``n_seqs`` sequence slices, ``n_carries`` carries,
    then constants; ``inner_outputs`` are the ``n_carries`` new carries, one
    per-step output per entry of ``keep``, then the stop flag when ``until``.
    ``truncate_gradient`` (-1: none) limits how many steps reverse-mode
    derivatives go back.  Immutable; equality is identity of the inner
    variables (structural, thanks to interning) and of the parameters.
    """

    foldable = False  # a loop may run long (or forever): never at compile time

    # set once by __init__ (the class forbids assignment)
    inner_inputs: tuple[Variable, ...]
    inner_outputs: tuple[Variable, ...]
    n_seqs: int
    n_carries: int
    keep: tuple[int | None, ...]
    until: bool
    truncate_gradient: int
    name: str | None
    _key: tuple[Any, ...]
    _hash: int
    _nodes: list[Apply] | None

    def __init__(self, inner_inputs: Sequence[Variable], inner_outputs: Sequence[Variable],
                 n_seqs: int, n_carries: int, keep: Sequence[int | None] = (), until: bool = False,
                 truncate_gradient: int = -1, name: str | None = None) -> None:
        inner_inputs, inner_outputs = tuple(inner_inputs), tuple(inner_outputs)
        keep = tuple(None if k is None else int(k) for k in keep)
        set_ = object.__setattr__
        set_(self, "inner_inputs", inner_inputs)
        set_(self, "inner_outputs", inner_outputs)
        set_(self, "n_seqs", int(n_seqs))
        set_(self, "n_carries", int(n_carries))
        set_(self, "keep", keep)
        set_(self, "until", bool(until))
        set_(self, "truncate_gradient", int(truncate_gradient))
        set_(self, "name", name)
        self._check()
        key = (tuple(map(id, inner_inputs)), tuple(map(id, inner_outputs)), self.n_seqs,
               self.n_carries, keep, self.until, self.truncate_gradient)
        set_(self, "_key", key)
        set_(self, "_hash", hash((Loop, key)))
        set_(self, "_nodes", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Loop ops are immutable")

    # --- the parts of the body ------------------------------------------------------
    @property
    def n_consts(self) -> int:
        return len(self.inner_inputs) - self.n_seqs - self.n_carries

    @property
    def n_ys(self) -> int:
        return len(self.keep)

    @property
    def seq_inputs(self) -> tuple[Variable, ...]:
        return self.inner_inputs[:self.n_seqs]

    @property
    def carry_inputs(self) -> tuple[Variable, ...]:
        return self.inner_inputs[self.n_seqs:self.n_seqs + self.n_carries]

    @property
    def const_inputs(self) -> tuple[Variable, ...]:
        return self.inner_inputs[self.n_seqs + self.n_carries:]

    @property
    def carry_outputs(self) -> tuple[Variable, ...]:
        return self.inner_outputs[:self.n_carries]

    @property
    def y_outputs(self) -> tuple[Variable, ...]:
        return self.inner_outputs[self.n_carries:self.n_carries + self.n_ys]

    @property
    def stop_output(self) -> Variable | None:
        return self.inner_outputs[-1] if self.until else None

    @property
    def inner_graph(self) -> tuple[tuple[Variable, ...], tuple[Variable, ...]]:
        """The body as ``(inner inputs, inner outputs)`` (printing and traversal read it)."""
        return self.inner_inputs, self.inner_outputs

    @property
    def nodes(self) -> list[Apply]:
        """The body's nodes in topological order (computed once)."""
        nodes = self._nodes
        if nodes is None:
            nodes = toposort(self.inner_outputs)
            object.__setattr__(self, "_nodes", nodes)
        return nodes

    def outer_parts(self, node: Apply) -> tuple[Variable, list[Variable], list[Variable], list[Variable]]:
        """``node``'s inputs split as ``(n_steps, sequences, initial carries, constants)``."""
        ins = node.inputs
        s, c = 1 + self.n_seqs, 1 + self.n_seqs + self.n_carries
        return ins[0], list(ins[1:s]), list(ins[s:c]), list(ins[c:])

    def replace(self, **changes: Any) -> Loop:
        """This loop with some constructor arguments changed."""
        args: dict[str, Any] = dict(inner_inputs=self.inner_inputs, inner_outputs=self.inner_outputs,
                    n_seqs=self.n_seqs, n_carries=self.n_carries, keep=self.keep, until=self.until,
                    truncate_gradient=self.truncate_gradient, name=self.name)
        args.update(changes)
        return Loop(**args)

    # --- checks -------------------------------------------------------------------------
    def _check(self) -> None:
        ins, outs = self.inner_inputs, self.inner_outputs
        if self.n_seqs < 0 or self.n_carries < 0 or self.n_seqs + self.n_carries > len(ins):
            raise ValueError(f"Loop: {self.n_seqs} sequences and {self.n_carries} carries do not fit "
                             f"{len(ins)} inner inputs")
        expected = self.n_carries + self.n_ys + self.until
        if len(outs) != expected:
            raise ValueError(f"Loop: expected {expected} inner outputs ({self.n_carries} carries, "
                             f"{self.n_ys} per-step outputs{', a stop flag' if self.until else ''}), "
                             f"got {len(outs)}")
        if not outs:
            raise ValueError("Loop: the loop computes nothing (no carries and no per-step outputs)")
        if len({id(v) for v in ins}) != len(ins):
            raise ValueError("Loop: the inner inputs must be distinct variables")
        for position, var in enumerate(ins):
            # carries and constants may be generators; a sequence's row is a tensor
            allowed = (TensorType,) if position < self.n_seqs else (TensorType, RandomGeneratorType)
            if var.owner is not None or isinstance(var, Constant) or not isinstance(var.type, allowed):
                what = "a tensor" if position < self.n_seqs else "a tensor or generator"
                raise TypeError(f"Loop: inner input {position} must be {what} input variable, got "
                                f"{var} of type {var.type}")
        for position, var in enumerate(outs):
            allowed = (TensorType, RandomGeneratorType) if position < self.n_carries else (TensorType,)
            if not isinstance(var.type, allowed):
                what = "carry" if position < self.n_carries else "per-step output or stop flag"
                hint = ("; a generator cannot be stacked: carry it instead" if is_generator(var) else "")
                raise TypeError(f"Loop: inner output {position} ({what}) must be a tensor, got "
                                f"{var.type}{hint}")
        for k in self.keep:
            if k is not None and k < 1:
                raise ValueError(f"Loop: keep entries are None or positive, got {k}")
        for position, (old, new) in enumerate(zip(self.carry_inputs, self.carry_outputs)):
            if not compatible(old.type, new.type):
                raise LoopTypeError(
                    f"Loop: carry {position} enters the step as {old.type} but leaves it as "
                    f"{new.type}; a carry keeps its dtype and shape from step to step")
        stop = self.stop_output
        if stop is not None and (stop.type.ndim != 0 or stop.type.dtype != "bool"):
            raise LoopTypeError(f"Loop: the stop flag must be a 0-d bool, got {stop.type}")
        formal = {id(v) for v in ins}
        for var in graph_inputs(outs):
            if id(var) not in formal:
                raise ValueError(f"Loop: the body uses {_describe(var)}, which is not one of its "
                                 "inner inputs (bodies are closed: pass outer values as constants)")

    # --- identity -------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return self is other or (type(other) is Loop and self._hash == other._hash
                                 and self._key == other._key
                                 and self.inner_inputs == other.inner_inputs
                                 and self.inner_outputs == other.inner_outputs)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> Any:
        return (Loop, (self.inner_inputs, self.inner_outputs, self.n_seqs, self.n_carries,
                       self.keep, self.until, self.truncate_gradient, self.name))

    def __str__(self) -> str:
        counts = ((self.n_seqs, "seq", "seqs"), (self.n_carries, "carry", "carries"),
                  (self.n_consts, "const", "consts"), (self.n_ys, "y", "ys"))
        parts = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
        if any(k is not None for k in self.keep):
            parts.append("keep=" + ",".join("all" if k is None else str(k) for k in self.keep))
        if self.until:
            parts.append("until")
        if self.truncate_gradient != -1:
            parts.append(f"truncate_gradient={self.truncate_gradient}")
        label = f"Loop{{{self.name}: " if self.name else "Loop{"
        return label + ", ".join(parts) + "}"

    __repr__ = __str__

    # --- building nodes ---------------------------------------------------------------
    def make_node(self, n_steps: Any, *outer: Any) -> Apply:
        n_steps = as_tensor_variable(n_steps)
        if n_steps.ndim != 0 or n_steps.type.numpy_dtype.kind not in "iu":
            raise LoopTypeError(f"{self}: the number of steps must be a 0-d integer, got {n_steps.type}")
        n_steps = cast(n_steps, "int64")
        if len(outer) != len(self.inner_inputs):
            raise TypeError(f"{self} takes {len(self.inner_inputs)} inputs after n_steps "
                            f"({self.n_seqs} sequences, {self.n_carries} initial carries, "
                            f"{self.n_consts} constants), got {len(outer)}")
        # a generator stays what it is; anything else becomes a tensor
        outer = tuple(v if isinstance(inner.type, RandomGeneratorType) else as_tensor_variable(v)
                      for v, inner in zip(outer, self.inner_inputs))
        for position, (var, inner) in enumerate(zip(outer, self.inner_inputs)):
            self._check_outer(position, var, inner)
        return Apply.build(self, [n_steps, *outer], self._output_types(n_steps))

    def _check_outer(self, position: int, var: Variable, inner: Variable) -> None:
        kind = inner.type
        if position < self.n_seqs:
            what = f"sequence {position}"
            if var.type.ndim != kind.ndim + 1:
                raise LoopTypeError(f"{self}: {what} must have {kind.ndim + 1} dimension(s) (one "
                                    f"step of it is {kind}), got {_describe(var)}")
            row = TensorType(var.type.dtype, var.type.shape[1:])
            if not compatible(kind, row):
                raise LoopTypeError(f"{self}: {what} has rows of type {row}, the step expects {kind}")
            return
        what = (f"initial carry {position - self.n_seqs}" if position < self.n_seqs + self.n_carries
                else f"constant {position - self.n_seqs - self.n_carries}")
        if not isinstance(getattr(var, "type", None), type(kind)):
            raise LoopTypeError(f"{self}: {what} must be of type {kind}, got {var!r}")
        if not compatible(kind, var.type):
            raise LoopTypeError(f"{self}: {what} must be of type {kind}, got {_describe(var)}")

    def _output_types(self, n_steps: Variable) -> list[Type]:
        steps = known_dim(n_steps)
        if self.until and steps != 0:
            steps = None
        types = [v.type for v in self.carry_inputs]
        for y, k in zip(self.y_outputs, self.keep):
            rows = steps if k is None or steps is None else min(steps, k)
            types.append(TensorType(y.type.dtype, (rows, *y.type.shape)))
        if self.until:
            types.append(TensorType("int64", ()))
        return types

    # --- meaning in other layers --------------------------------------------------------
    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
        return loop_output_shapes(self, node, input_shapes)

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        """The loop as a Python callable; its body is compiled by the linker at work.

        Under the ``py`` linker the body is written out inside the loop
        (:func:`arignote.loop.execute.python_loop`); under any other linker
        that runs this implementation (the ``c`` linker runs ops it has no C
        for this way), the body is linked by that linker, once, and the loop
        calls it at each step.
        """
        # here, not at the top: importing it there makes an import cycle
        from arignote.loop.execute import python_loop  # cycle: execute builds on this module

        state = current_linking()
        if state is None or state.mode.linker == "py":
            return python_loop(node)
        return self.make_driver(node, state.link)

    def make_driver(self, node: Apply, compile_body: Callable[[Sequence[Variable], Sequence[Variable]], Any]
                    ) -> Callable[..., Any]:
        """The loop of ``node`` driven around a body compiled by ``compile_body``.

        ``compile_body(inputs, outputs)`` gets the formal inputs and inner
        outputs and returns a callable from the inputs' values to the list of
        the outputs' values (or a linked program: its ``run`` is called, and
        its ``node_at_failure`` names the inner node of an error); it is
        called once.  This is the hook through which any linker runs loops
        with a body it compiled.
        """
        # here, not at the top: importing it there makes an import cycle
        from arignote.loop.execute import driven_loop  # cycle: execute builds on this module

        return driven_loop(node, compile_body)

    def perform(self, *inputs: Any) -> Any:
        raise NotImplementedError("Loop runs through py_impl(node) (it needs its node)")

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.loop.derivative import loop_pullback  # cycle: derivative builds on this module

        return loop_pullback(self, inputs, outputs, cotangents)

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.loop.batching import batch_loop  # batching builds on this module

        return batch_loop(node, inputs, batched, size)
