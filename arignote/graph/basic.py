"""Variables, constants and nodes of the graph, with interning.

Nodes are immutable and interned: an :class:`Apply` is unique for its
``(op, inputs)`` and a :class:`Constant` for its type and value, so building
the same expression twice gives the same object.  The intern tables hold
their entries weakly, so a graph nobody references is collected.

Interning is atomic, so threads building the same expression at once get the
same object: a lookup that finds the entry takes no lock; one that misses
builds the object without a lock, then inserts it under ``_intern_lock``
unless another thread inserted one first (then that one is returned).
"""

from __future__ import annotations

import threading
import weakref

# what WeakValueDictionary uses: atomic under the GIL (a private name, not in the type stubs)
from _weakref import _remove_dead_weakref  # type: ignore[attr-defined]
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from arignote.config import config
from arignote.graph import hooks
from arignote.graph.sourceinfo import _carried, format_source, user_source
from arignote.graph.type import NullType, Type

if TYPE_CHECKING:
    from arignote.graph.op import Op


class Variable:
    """A symbolic value: a graph input (``owner is None``) or a node output."""

    __slots__ = ("type", "owner", "index", "name", "__weakref__")

    if TYPE_CHECKING:
        # For the type checker only: the variable classes of the layers above add their
        # attributes (a tensor's ndim and dtype, a constant's data), which code reaches through
        # a plain Variable; such attributes are typed Any.  At run time a missing one still raises.
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, type: Type, owner: Apply | None = None, index: int | None = None,
                 name: str | None = None) -> None:
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name

    # Variables compare by identity: ``==`` is never elementwise (as in PyTensor).
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        if self.owner is not None:
            op_name = str(self.owner.op)
            if len(self.owner.outputs) == 1:
                return f"{op_name}.0"
            return f"{op_name}.{self.index}"
        return f"<{self.type}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A computed variable pickles as its node's output, and the node as its op applied
        # to its inputs: unpickling interns them again (see Apply.__reduce_ex__)
        if self.owner is not None:
            return (_output_of, (self.owner, self.index))
        return super().__reduce_ex__(protocol)

    def eval(self, inputs_to_values: dict | None = None, **function_kwargs: Any) -> Any:
        """Compile this variable (cached) and evaluate it at ``inputs_to_values``;
        ``function_kwargs`` (``mode=``...) go to ``arignote.function``."""
        # compiling is arignote.compile's job
        return hooks.evaluate(self, inputs_to_values, **function_kwargs)

    def dprint(self, **kwargs: Any) -> Any:
        """Print this variable's graph (``arignote.debugprint``); returns this variable."""
        return hooks.dprint(self, **kwargs)


# a gradient that cannot be computed is a plain variable (``NullType(why)()`` makes one)
NullType.variable_class = Variable


class Constant(Variable):
    """A graph input with a fixed value; interned by type and value."""

    __slots__ = ("data",)

    def __init__(self, type: Type, data: Any, name: str | None = None) -> None:
        super().__init__(type, None, None, name)
        self.data = data

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (intern_constant, (self.type, self.data, self.name))

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        text = str(self.data).replace("\n", "")
        return text if len(text) <= 20 else text[:17] + "..."


_constants: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
# Guards the insertions into both intern tables (only misses take it).  Re-entrant: creating
# an object can run a collection, and a finalizer may build a graph in the same thread.
_intern_lock = threading.RLock()


def intern_constant(type: Type, data: Any, name: str | None = None) -> Constant:
    """The unique constant of ``type`` holding ``data`` (already filtered)."""
    key = (type, type.constant_key(data))
    found = _constants.get(key)
    if found is not None:
        return found
    const = type.constant_class(type, data, name)
    with _intern_lock:
        found = _constants.get(key)  # another thread may have interned it meanwhile
        if found is not None:
            return found
        _constants[key] = const
    return const


class Apply:
    """One application of an op to input variables, with its output variables.

    Build nodes with :meth:`Apply.build` (ops do this in ``make_node``); it
    returns the existing node when the same ``(op, inputs)`` was built before.
    """

    __slots__ = ("op", "inputs", "outputs", "source", "__weakref__")

    op: Op
    inputs: tuple[Variable, ...]
    outputs: tuple[Variable, ...]
    source: tuple[str, int] | None

    def __new__(cls, op: Any = None, inputs: Sequence[Variable] | None = None,
                outputs: Sequence[Variable] | None = None) -> Apply:
        """PyTensor's ``Apply(op, inputs, outputs)``: the interned node of ``op`` on ``inputs``
        with outputs of the types of ``outputs`` (new variables, as ``x.type()`` makes); the
        node's own output variables are made here (``Apply.build`` is the direct way)."""
        if op is None or inputs is None or outputs is None:
            raise TypeError("Apply(op, inputs, outputs): give the op, its inputs and its outputs "
                            "(or build the node with Apply.build(op, inputs, types))")
        for position, var in enumerate(outputs):
            if not isinstance(var, Variable) or var.owner is not None:
                raise TypeError(f"Apply: output {position} must be a new variable (type()), got {var!r}")
        return Apply.build(op, list(inputs), [var.type for var in outputs])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # built by __new__ (Apply.build): nothing more to set

    @staticmethod
    def build(op: Op, inputs: Sequence[Variable], output_types: Sequence[Type]) -> Apply:
        """The interned node applying ``op`` to ``inputs``."""
        inputs = tuple(inputs)
        # Keyed by the inputs' ids, not the inputs: a key holding its inputs would
        # keep each dead node's inputs alive until its entry is purged, so a dead
        # chain of n nodes would take n garbage collections to go.  The ids are
        # safe because a live node keeps its inputs alive, and an entry whose node
        # died is never returned by the weak dictionary.
        key = (op, *map(id, inputs))
        ref = _nodes.get(key)
        if ref is not None:
            node = ref()
            if node is not None:
                return node
        for position, var in enumerate(inputs):
            if not isinstance(var, Variable):
                raise TypeError(f"{op}: input {position} must be a Variable, got {type(var).__name__}")
        node = object.__new__(Apply)
        node.op = op
        node.inputs = inputs
        node.outputs = tuple(t.variable_class(t, node, i, None) for i, t in enumerate(output_types))
        node.source = user_source() if config.trace_source else None
        new_ref = weakref.KeyedRef(node, _forget_node, key)
        with _intern_lock:
            # another thread may have built the same node since the lookup above; setdefault
            # checks and inserts with one hashing of the key, as the unlocked code did
            ref = _nodes.setdefault(key, new_ref)
            if ref is not new_ref:
                found = ref()
                if found is not None:
                    return found
                _nodes[key] = new_ref  # a dead entry whose callback has not run yet
        return node

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_build_with_source, (self.op, self.inputs, tuple(o.type for o in self.outputs), self.source))

    @property
    def out(self) -> Variable:
        """The single output of this node."""
        if len(self.outputs) != 1:
            raise ValueError(f"{self.op} has {len(self.outputs)} outputs, not one")
        return self.outputs[0]

    @property
    def nin(self) -> int:
        return len(self.inputs)

    @property
    def nout(self) -> int:
        return len(self.outputs)

    def where(self) -> str:
        """The user line that built this node, as ``file:line`` ("" if unknown)."""
        return format_source(self.source)

    def __repr__(self) -> str:
        return f"{self.op}({', '.join(map(str, self.inputs))})"


# (op, *input ids) -> weak reference to the node.  A plain dict of keyed weak
# references: a lookup is a dict get and a call, cheaper than WeakValueDictionary.
_nodes: dict[tuple[Any, ...], weakref.KeyedRef] = {}


def _forget_node(ref: weakref.KeyedRef) -> None:
    # Removes the entry only if it still holds a dead reference, in one step: the slot may
    # hold a newer node by now, inserted by another thread between a check and a delete.
    # No lock: this runs whenever a node dies, possibly inside ``_intern_lock``'s block.
    _remove_dead_weakref(_nodes, ref.key)


def interned_node_count() -> int:
    """How many nodes the intern table holds (for tests and diagnostics)."""
    return len(_nodes)


def _output_of(node: Apply, index: int) -> Variable:
    """Output ``index`` of ``node`` (how a pickled computed variable is rebuilt)."""
    return node.outputs[index]


def _build_with_source(op: Op, inputs: Sequence[Variable], output_types: Sequence[Type],
                       source: tuple[str, int] | None) -> Apply:
    """The interned node, recording ``source`` if it is new (how a pickled node is rebuilt)."""
    token = _carried.set(source)
    try:
        return Apply.build(op, inputs, output_types)
    finally:
        _carried.reset(token)


# --- PyTensor's graph utilities on interned graphs -------------------------------------------------

class NominalVariable(Variable):
    """PyTensor's ``NominalVariable(id, type)``: the one input variable of ``type`` numbered
    ``id`` (the same object every time it is asked for), so graphs built on nominal inputs
    compare equal when they compute the same thing (alpha-equivalence).  An instance is
    also an instance of the type's own variable class (a tensor's has the tensor methods)."""

    __slots__ = ("id",)
    _instances: ClassVar[dict[tuple[Type, Any], NominalVariable]] = {}
    _classes: ClassVar[dict[type, type]] = {}

    def __new__(cls, id: Any, typ: Type, name: str | None = None) -> NominalVariable:
        key = (typ, id)
        found = NominalVariable._instances.get(key)
        if found is None:
            base = typ.variable_class
            kind = NominalVariable._classes.get(base)
            if kind is None:
                # the nominal form of the type's variable class (its methods, this class's identity)
                kind = type(f"Nominal{base.__name__}", (NominalVariable, base), {"__slots__": ()})
                NominalVariable._classes[base] = kind
            found = object.__new__(kind)
            Variable.__init__(found, typ, None, None, name)
            found.id = id
            with _intern_lock:
                found = NominalVariable._instances.setdefault(key, found)
        return found

    def __init__(self, id: Any, typ: Type, name: str | None = None) -> None:
        pass  # made by __new__ (interned): nothing more to set

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (NominalVariable, (self.id, self.type, self.name))

    def __str__(self) -> str:
        return self.name if self.name is not None else f"i{self.id}"

    def __repr__(self) -> str:
        return f"NominalVariable({self.id!r}, {self.type!r})"


def _same_class(a: Type, b: Type) -> bool:
    # PyTensor's Type.in_same_class: one dtype and the same dims known to be 1 (tensors); else equal
    if a == b:
        return True
    if getattr(a, "dtype", None) is None or getattr(a, "shape", None) is None:
        return False
    return (type(a) is type(b) and a.dtype == getattr(b, "dtype", None)
            and tuple(d == 1 for d in a.shape) == tuple(d == 1 for d in getattr(b, "shape", ())))


def _same_constant(x: Constant, y: Constant, strict_dtype: bool) -> bool:
    if x is y:
        return True
    import numpy as np  # numpy only here: the graph layer's core does not need it

    if strict_dtype and x.type != y.type:
        return False
    try:
        return bool(np.array_equal(x.data, y.data, equal_nan=True))
    except TypeError:  # not numbers (equal_nan needs them)
        return bool(np.array_equal(x.data, y.data))


def equal_computations(xs: Sequence[Any], ys: Sequence[Any], in_xs: Sequence[Variable] | None = None,
                       in_ys: Sequence[Variable] | None = None, strict_dtype: bool = True) -> bool:
    """Whether each ``xs[i]`` computes what ``ys[i]`` computes: the same ops applied to equal
    inputs, taking ``in_xs[k]`` and ``in_ys[k]`` as the same variable (PyTensor's function).

    Graphs are interned, so equal graphs on the same inputs are usually the same object and
    the walk stops there; it is needed only where ``in_xs``/``in_ys`` map inputs, or for
    constants of different dtypes (``strict_dtype=False``).  Plain values (arrays) compare
    with constants by value.
    """
    import numpy as np

    if len(xs) != len(ys):
        raise ValueError("equal_computations: xs and ys must have the same number of entries")
    in_xs, in_ys = list(in_xs or ()), list(in_ys or ())
    if len(in_xs) != len(in_ys):
        return False
    known: dict[tuple[int, int], bool] = {}
    for a, b in zip(in_xs, in_ys):
        if not _same_class(a.type, b.type):
            return False
        known[(id(a), id(b))] = True
    mapped_x = {id(a) for a in in_xs}

    def leaf_equal(x: Variable, y: Variable) -> bool:
        # an input equals itself or its partner in the mapping (found in `known`)
        if isinstance(x, Constant) and isinstance(y, Constant):
            return _same_constant(x, y, strict_dtype)
        return x is y

    def equal(x: Variable, y: Variable) -> bool:
        # iterative: graphs may be deeper than Python's recursion limit
        stack: list[tuple[Variable, Variable, bool]] = [(x, y, False)]
        while stack:
            a, b, expanded = stack.pop()
            key = (id(a), id(b))
            if key in known:
                if not known[key]:
                    return False
                continue
            if a is b:  # the same object computes the same thing, whatever the mapping says
                known[key] = True
                continue
            if (a.owner is None) != (b.owner is None):
                known[key] = False
                return False
            if a.owner is None:
                known[key] = leaf_equal(a, b)
                if not known[key]:
                    return False
                continue
            na, nb = a.owner, b.owner
            assert nb is not None  # both have an owner (checked above)
            if a.index != b.index or na.op != nb.op or len(na.inputs) != len(nb.inputs) \
                    or len(na.outputs) != len(nb.outputs):
                known[key] = False
                return False
            if expanded:
                known[key] = all(known.get((id(p), id(q)), False) for p, q in zip(na.inputs, nb.inputs))
                if not known[key]:
                    return False
                continue
            stack.append((a, b, True))
            stack.extend((p, q, False) for p, q in zip(na.inputs, nb.inputs))
        return known.get((id(x), id(y)), True)

    for x, y in zip(xs, ys):
        if not isinstance(x, Variable) or not isinstance(y, Variable):
            if isinstance(x, Variable):
                x, y = y, x
            if isinstance(y, Variable):
                if not (isinstance(y, Constant) and np.array_equal(y.data, x, equal_nan=True)):
                    return False
            elif not np.array_equal(x, y, equal_nan=True):
                return False
            continue
        if id(x) not in mapped_x and not _same_class(x.type, y.type):
            return False
        if not equal(x, y):
            return False
    return True


def clone(inputs: Sequence[Variable], outputs: Sequence[Variable], copy_inputs: bool = True,
          copy_orphans: bool | None = None, clone_inner_graphs: bool = False
          ) -> tuple[list[Variable], list[Variable]]:
    """PyTensor's ``clone``: ``(new inputs, new outputs)``, the graph from ``inputs`` to
    ``outputs`` on new input variables (same types and names) when ``copy_inputs``; other
    root variables are copied too when ``copy_orphans`` (default: ``copy_inputs``), except
    constants, which are values (interned, never copied).  Nodes are interned, so the graph
    is distinct from the original exactly when some root was copied."""
    from arignote.graph.replace import rebuild  # replace builds on this module
    from arignote.graph.traversal import graph_inputs

    if copy_orphans is None:
        copy_orphans = copy_inputs
    mapping: dict[Variable, Variable] = {}
    if copy_inputs:
        for var in inputs:
            mapping[var] = var.type.make_variable(var.name)
    if copy_orphans:
        for var in graph_inputs(outputs):
            if var not in mapping and not isinstance(var, Constant) and var not in inputs:
                mapping[var] = var.type.make_variable(var.name)
    new_outputs = rebuild(list(outputs), mapping)
    return [mapping.get(v, v) for v in inputs], new_outputs
