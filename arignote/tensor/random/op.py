"""``RandomVariable``: one draw from a distribution, as a pure node (PyTensor's protocol).

A node takes a generator, a ``size`` and the distribution's parameters, and gives the next
generator and the draw: ``next_rng, x = op.make_node(rng, size, *params).outputs``.  Its NumPy
implementation copies the generator (unless ``inplace``) and calls :meth:`rng_fn`, by default
the ``numpy.random.Generator`` method of the op's ``name``, so a compiled function's draws are
NumPy's, bit for bit, for the same generator and the same sequence of draws.  Draws are never
constant-folded.

``size`` is always an input, an int64 vector: empty means "no size" (NumPy's ``size=None``:
the parameters' batch shapes broadcast together).  NumPy's ``size=()`` with batched
parameters, which NumPy refuses, is therefore read as ``size=None`` here.

The op's ``signature`` (NumPy's gufunc notation, ``"(),(p)->(p)"``) gives each parameter's
core rank (``ndims_params``) and the draw's (``ndim_supp``); the leading (batch) axes of the
parameters broadcast together, or ``size`` gives the batch shape, which the parameters' batch
shapes must broadcast to.  A distribution is a subclass setting ``name``, ``signature`` and
``dtype`` as class attributes (and ``rng_fn`` where the draw is not one Generator method
call); an instance of it is the user's function: ``normal(0.0, 1.0, size=3, rng=rng)``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from arignote.config import config
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, NotDifferentiable, Op
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.broadcasting import broadcast_static_shapes
from arignote.tensor.random.generator_maker import default_rng
from arignote.tensor.random.type import RandomGeneratorType, random_generator_type
from arignote.tensor.shape import as_shape_vector, shape_entry_facts, static_entries
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["RandomVariable", "default_rng", "normalize_size_param", "parse_signature", "signature_of",
           "size_is_none"]

#: a parameter's check: (predicate on its value, what it must be)
Check = tuple[Callable[[np.ndarray], Any], str]

_SIGNATURE = re.compile(r"^\s*(\((\w+(,\w+)*)?\)(,\((\w+(,\w+)*)?\))*)?->\((\w+(,\w+)*)?\)\s*$")


def parse_signature(signature: str) -> tuple[list[tuple[str, ...]], tuple[str, ...]]:
    """``"(),(p)->(p)"`` as ``([(), ("p",)], ("p",))``: each parameter's core dimensions and the
    draw's (one output)."""
    compact = signature.replace(" ", "")
    if not _SIGNATURE.match(compact):
        raise ValueError(f"not a gufunc signature with one output: {signature!r}")
    inputs, output = compact.split("->")
    groups = re.findall(r"\(([^)]*)\)", inputs)
    return ([tuple(d for d in g.split(",") if d) for g in groups],
            tuple(d for d in output.strip("()").split(",") if d))


def signature_of(ndims_params: Sequence[int], ndim_supp: int) -> str:
    """A signature with the given core ranks, parameters of matching rank sharing the draw's
    core dimensions (on the right): ``(0, 1), 1 -> "(),(d0)->(d0)"``."""
    def dims(rank: int) -> str:
        return ",".join(f"d{i}" for i in range(max(ndim_supp, rank) - rank, max(ndim_supp, rank)))
    return ",".join(f"({dims(n)})" for n in ndims_params) + f"->({dims(ndim_supp)})"


#: ``size=None``: the empty size vector
NO_SIZE: Variable = constant(np.zeros(0, dtype=np.int64))


def normalize_size_param(size: Any, what: str = "size") -> Variable:
    """``size`` as an int64 vector of known length (``None``: the empty vector)."""
    if size is None:
        return NO_SIZE
    vector = as_shape_vector(size, what)
    if vector.type.shape[0] is None:
        raise ValueError(f"{what} must have a known length (a tuple of ints or scalars), got {vector.type}")
    return vector


def size_is_none(size: Variable) -> bool:
    """Whether the ``size`` input of a draw means "no size" (it is empty)."""
    return bool(size.type.shape[0] == 0)


class RandomVariable(Op):
    """A draw from a distribution: inputs ``(rng, size, *params)``, outputs ``(next_rng, draw)``.

    Class attributes a distribution sets (or constructor arguments, as PyTensor's): ``name``;
    ``signature`` (or the older ``ndims_params`` and ``ndim_supp``); ``dtype`` (``"floatX"``:
    ``config.floatX``; None: each call must give one); ``param_names`` (for messages);
    ``checks`` (per parameter name, a check of its values).  The op's identity is
    ``__props__``; :meth:`clone` makes the op with some of them changed.
    """

    __props__: ClassVar[tuple[str, ...]] = ("name", "signature", "dtype", "inplace")
    #: ``op(...)`` gives the draw (output 1); ``return_next_rng=True`` gives both
    default_output: ClassVar[int] = 1
    #: draws are never evaluated at compile time
    foldable: ClassVar[bool] = False
    #: per parameter name, checks on its value (:meth:`check_parameters`)
    checks: ClassVar[dict[str, Check]] = {}

    name: str
    signature: str
    dtype: str | None = None
    #: draw from the input generator itself, not a copy: only where nothing else reads it (a
    #: shared generator the same call replaces by this draw's next one: compile/generators.py)
    inplace: bool = False
    param_names: tuple[str, ...] | None = None

    def __init__(self, name: str | None = None, ndim_supp: int | None = None,
                 ndims_params: Sequence[int] | None = None, dtype: Any = None,
                 inplace: bool | None = None, signature: str | None = None) -> None:
        cls = type(self)
        self.name = name if name is not None else getattr(cls, "name", None)  # type: ignore[assignment]
        if not self.name:
            raise TypeError(f"{cls.__name__}: a RandomVariable needs a name")
        if signature is None:
            signature = getattr(cls, "signature", None)
        if signature is None:
            ndim_supp = ndim_supp if ndim_supp is not None else getattr(cls, "ndim_supp", None)
            ndims_params = ndims_params if ndims_params is not None else getattr(cls, "ndims_params", None)
            if ndim_supp is None or ndims_params is None:
                raise TypeError(f"{self.name}: give a signature (or ndims_params and ndim_supp)")
            signature = signature_of(ndims_params, ndim_supp)
        self.signature = signature
        self.inputs_sig, self.output_sig = parse_signature(signature)
        self.ndims_params: tuple[int, ...] = tuple(len(s) for s in self.inputs_sig)
        self.ndim_supp: int = len(self.output_sig)
        if dtype is None:
            dtype = getattr(cls, "dtype", None)
        self.dtype = None if dtype is None else (dtype if dtype == "floatX" else np.dtype(dtype).name)
        self.inplace = bool(inplace if inplace is not None else getattr(cls, "inplace", False))
        names = getattr(cls, "param_names", None)
        if names is None or len(names) != len(self.ndims_params):
            names = tuple(f"param{i}" for i in range(len(self.ndims_params)))
        self.param_names = tuple(names)

    # --- identity -------------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        # an op is a value (nodes are interned on it): each attribute is set once, when built
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.{name}: ops are immutable; make a new "
                                 f"one with clone({name}=...)")
        object.__setattr__(self, name, value)

    def _props(self) -> tuple[Any, ...]:
        return tuple(getattr(self, p) for p in self.__props__)

    def _props_dict(self) -> dict[str, Any]:
        return {p: getattr(self, p) for p in self.__props__}

    def clone(self, **changes: Any) -> RandomVariable:
        """This op with the props in ``changes`` replaced (itself when none changes)."""
        props = self._props_dict()
        if all(props[k] == v for k, v in changes.items()):
            return self
        return type(self)(**{**props, **changes})

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._props() == other._props()

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def params(self) -> dict[str, Any]:
        return self._props_dict()

    def __str__(self) -> str:
        return f"{self.name}_rv{{{self.dtype}{', inplace' if self.inplace else ''}}}"

    __repr__ = __str__

    # --- the node's parts (PyTensor's accessors) --------------------------------------------

    def rng_param(self, node: Apply) -> Variable:
        return node.inputs[0]

    def size_param(self, node: Apply) -> Variable:
        return node.inputs[1]

    def dist_params(self, node: Apply) -> list[Variable]:
        return list(node.inputs[2:])

    def batch_ndim(self, node: Apply) -> int:
        return int(node.outputs[1].ndim - self.ndim_supp)

    def update(self, node: Apply) -> dict[Variable, Variable]:
        """The generator this draw replaces, and by what: ``{rng: next_rng}``."""
        return {node.inputs[0]: node.outputs[0]}

    # --- building -------------------------------------------------------------------------

    def _call(self, *params: Any, size: Any = None, rng: Any = None, dtype: Any = None,
              name: str | None = None, return_next_rng: bool = False) -> Any:
        """The draw with ``params``; without ``rng``, from a new shared generator whose default
        update is the next generator (a compiled function gives new numbers at each call); with
        ``return_next_rng``, ``(next_rng, draw)`` as PyTensor 3 gives them."""
        from arignote.tensor.random.type import RandomGeneratorSharedVariable, shared_generator

        op = self
        if dtype is not None:
            # any dtype: the draws are cast to it (Theano's tutorials draw binomial masks as
            # floats; PyTensor refuses an int <-> float change, arignote casts)
            op = self.clone(dtype=dtype if dtype == "floatX" else np.dtype(dtype).name)
        fresh = rng is None
        if fresh:
            rng = shared_generator(np.random.default_rng(), name=f"{self.name}_rng", borrow=True)
        node = op.make_node(rng, size, *params)
        next_rng, draw = node.outputs
        if fresh:
            assert isinstance(rng, RandomGeneratorSharedVariable)
            rng.default_update = next_rng
        if name is not None:
            draw.name = name
        assert isinstance(draw, TensorVariable)
        return (next_rng, draw) if return_next_rng else draw

    if TYPE_CHECKING:
        # each distribution's __call__ names its parameters (PyTensor's signatures), which a
        # method here would make incompatible overrides of one another
        __call__: Callable[..., Any]
    else:
        __call__ = _call

    def make_node(self, rng: Any, size: Any, *params: Any) -> Apply:
        if not isinstance(getattr(rng, "type", None), RandomGeneratorType):
            raise TypeError(f"{self.name}: rng must be a random generator variable "
                            f"(arignote.shared(np.random.default_rng(seed))), got {rng!r}")
        op = self
        if op.dtype is None:
            raise TypeError(f"{self.name}: the op has no dtype; give dtype= when drawing")
        if op.dtype == "floatX":  # commit to a dtype: the node's identity must not follow config
            op = op.clone(dtype=str(config.floatX))
        size = normalize_size_param(size, f"{self.name}: size")
        if len(params) != len(op.ndims_params):
            raise TypeError(f"{self.name}: expected {len(op.ndims_params)} parameters "
                            f"({', '.join(op.param_names or ())}), got {len(params)}")
        values = [as_tensor_variable(p) for p in params]
        for p, name, core in zip(values, op.param_names or (), op.ndims_params):
            if p.ndim < core:
                raise ValueError(f"{self.name}: {name} must have at least {core} dimension(s), "
                                 f"got {p.type}")
        shape = op._static_shape(size, values)
        draw = TensorType(str(op.dtype), shape)
        return Apply.build(op, [rng, size, *values], [random_generator_type, draw])

    def _static_shape(self, size: Variable, params: Sequence[Variable]) -> tuple[int | None, ...]:
        batch_shapes = [p.type.shape[:p.ndim - core] for p, core in zip(params, self.ndims_params)]
        core = self.support_shape_static(params)
        if size_is_none(size):
            return (*broadcast_static_shapes(batch_shapes, self.name), *core)
        given = tuple(static_entries(shape_entry_facts(size, size.type.shape[0])))
        # the parameters must broadcast to ``size``: a clash known now is an error now
        broadcast_static_shapes([*batch_shapes, given], self.name)
        return (*given, *core)

    def support_shape_static(self, params: Sequence[Variable]) -> tuple[int | None, ...]:
        """The draw's core shape known at build time, from the signature: a number, or the
        length of a parameter's core axis of the same name (``dirichlet``'s ``alpha``)."""
        return tuple(self._core_entries([p.type.shape for p in params], None))

    def _core_entries(self, shapes: Sequence[Sequence[Any]], unknown: Any) -> list[Any]:
        """Per core axis of the draw: its fixed length, or the entry of a parameter's shape
        of the same name (``unknown`` when neither)."""
        entries: list[Any] = []
        for d in self.output_sig:
            if d.isdigit():
                entries.append(int(d))
                continue
            found = unknown
            for s, sig in zip(shapes, self.inputs_sig):
                if d in sig:
                    found = s[len(s) - len(sig) + sig.index(d)]
                    if found is not None:
                        break
            entries.append(found)
        return entries

    # --- running --------------------------------------------------------------------------

    def rng_fn(self, rng: np.random.Generator, *args: Any, **kwargs: Any) -> Any:
        """The draw (``args``: the parameters' values, then the size tuple or None), advancing
        ``rng``: by default ``Generator.<name>(*params, size)``."""
        return getattr(rng, self.name)(*args, **kwargs)

    def perform(self, rng: np.random.Generator, size: np.ndarray,
                *params: Any) -> tuple[np.random.Generator, np.ndarray]:
        shape = tuple(int(s) for s in size) or None
        self.check_parameters(params)
        generator = rng if self.inplace else copy.deepcopy(rng)
        try:
            draw = self.rng_fn(generator, *params, shape)
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None
        return generator, np.asarray(draw, dtype=np.dtype(str(self.dtype)))

    def check_parameters(self, params: Sequence[np.ndarray]) -> None:
        """ValueError naming the distribution and the parameter when a value is outside the
        distribution's domain (NumPy would raise with its own wording, or draw NaNs)."""
        for name, value in zip(self.param_names or (), params):
            check = self.checks.get(name)
            if check is None:
                continue
            predicate, must_be = check
            ok = predicate(np.asarray(value))
            if not bool(np.all(ok)):
                raise ValueError(f"{self.name}: {name} must be {must_be}, got {np.asarray(value)!r}")

    def _infer_shape(self, size: Any, dist_params: Sequence[Any],
                     param_shapes: Sequence[Any] | None = None) -> tuple[Variable, ...]:
        """The draw's shape, one 0-d int64 variable per axis, for ``size`` and ``dist_params``
        (PyTensor's helper of the same name)."""
        from arignote.tensor.shape import shape_i

        params = [as_tensor_variable(p) for p in dist_params]
        if param_shapes is None:
            param_shapes = [tuple(shape_i(p, i) for i in range(p.ndim)) for p in params]
        node = self.make_node(random_generator_type.make_variable(), size, *params)
        found = self.infer_shape(node, [(), (), *param_shapes])[1]
        if found is None:
            raise NotImplementedError(f"{self.name}: the draw's shape cannot be inferred from its parameters")
        return tuple(found)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[Any]:
        from arignote.tensor.shape_inference import broadcast_shapes, vector_entries

        size, shapes = node.inputs[1], input_shapes[2:]
        if size_is_none(size):
            batch = tuple(broadcast_shapes([s[:len(s) - core] for s, core in zip(shapes, self.ndims_params)]))
        else:
            batch = tuple(vector_entries(size, size.type.shape[0]))
        core = self._core_entries(shapes, None)
        if any(c is None for c in core):
            return [None, None]
        return [None, (*batch, *(c if isinstance(c, Variable) else constant(np.int64(c)) for c in core))]

    # --- batching -------------------------------------------------------------------------

    def batch(self, node: Apply, inputs: Sequence[Any], batched: Sequence[bool], size: Any) -> list[Any]:
        """The draw with a new leading batch axis: batched parameters keep it (aligned with
        the draw's batch axes), and a ``size`` gains it; the generator is not batched (one
        generator draws every row)."""
        from arignote.tensor.dimshuffle import expand_dims
        from arignote.tensor.join import concatenate

        if batched[0] or batched[1]:
            raise NoBatchingRule(f"{self}: a batch of generators or of sizes cannot be drawn from")
        rng, old_size, params = inputs[0], inputs[1], list(inputs[2:])
        if size_is_none(old_size):
            return list(self.make_node(rng, old_size, *params).outputs)
        length = old_size.type.shape[0]
        new_size = concatenate([as_tensor_variable(size, dtype="int64").reshape((1,)), old_size])
        aligned = []
        for p, is_batched, core in zip(params, batched[2:], self.ndims_params):
            if is_batched:
                missing = length + core - (p.ndim - 1)
                p = expand_dims(p, list(range(1, 1 + missing))) if missing > 0 else p
            aligned.append(p)
        return list(self.make_node(rng, new_size, *aligned).outputs)

    # --- derivatives ----------------------------------------------------------------------

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        raise NotDifferentiable(f"{self.name}: a draw has no derivative with respect to its "
                                "parameters (only reparameterised draws do)")
