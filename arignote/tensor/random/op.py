"""``RandomVariable``: one draw from a distribution, as a pure node.

A node takes a generator, an optional ``size`` and the distribution's parameters, and gives
the next generator and the draw: ``next_rng, x = op(rng, size, *params)``.  Its NumPy
implementation copies the generator and calls the ``numpy.random.Generator`` method of the
same name with the same arguments, so a compiled function's draws are NumPy's, bit for bit,
for the same generator and the same sequence of draws.  Draws are never constant-folded.

Parameters broadcast as NumPy's ``Generator`` broadcasts them: each parameter has a core
rank (``ndims_params``: 0 for a scalar, 1 for ``multinomial``'s ``p``...) and the draw has
``ndim_supp`` core axes; the leading (batch) axes of the parameters broadcast together, or
``size`` gives the batch shape, which the parameters' batch shapes must broadcast to.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from arignote.config import config
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, NotDifferentiable, Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.broadcasting import broadcast_static_shapes
from arignote.tensor.random.type import RandomGeneratorType, random_generator_type
from arignote.tensor.shape import as_shape_vector, shape_entry_facts, static_entries
from arignote.tensor.type import TensorType

__all__ = ["RandomVariable"]

#: a parameter's check: (predicate on its value, what it must be)
Check = tuple[Callable[[np.ndarray], Any], str]


@dataclass(frozen=True)
class RandomVariable(Op):
    """A draw from ``numpy.random.Generator.<method>``.

    ``name``: the distribution (in messages and graphs); ``method``: the ``Generator``
    method; ``param_names``: the parameters in the method's order; ``ndims_params``: the
    core rank of each; ``ndim_supp``: the draw's core rank; ``dtype``: the draw's dtype
    (``"floatX"``: ``config.floatX``); ``sized``: whether the node has a ``size`` input.
    """

    name: str
    method: str
    param_names: tuple[str, ...]
    ndims_params: tuple[int, ...]
    ndim_supp: int = 0
    dtype: str = "floatX"
    sized: bool = False
    #: draw from the input generator itself, not a copy: only where nothing else reads it (a
    #: shared generator the same call replaces by this draw's next one: compile/function.py)
    inplace: bool = False

    #: draws are never evaluated at compile time
    foldable: ClassVar[bool] = False
    #: per parameter name, checks on its value (see :data:`CHECKS` users in basic.py)
    checks: ClassVar[dict[str, Check]] = {}

    def __str__(self) -> str:
        return f"{self.name}_rv{{{self.dtype}{', inplace' if self.inplace else ''}}}"

    # --- building -------------------------------------------------------------------------

    def with_size(self, sized: bool) -> RandomVariable:
        return self if self.sized == sized else dataclasses.replace(self, sized=sized)

    def output_dtype(self) -> str:
        if self.dtype == "floatX":
            return str(config.floatX)
        return self.dtype

    def make_node(self, rng: Any, *rest: Any) -> Apply:
        if not isinstance(getattr(rng, "type", None), RandomGeneratorType):
            raise TypeError(f"{self.name}: rng must be a random generator variable "
                            f"(arignote.shared(np.random.default_rng(seed))), got {rng!r}")
        if self.sized:
            size, *params = rest
            size = as_shape_vector(size, f"{self.name}: size")
            inputs = [rng, size]
        else:
            params, size = list(rest), None
            inputs = [rng]
        if len(params) != len(self.param_names):
            raise TypeError(f"{self.name}: expected {len(self.param_names)} parameters "
                            f"({', '.join(self.param_names)}), got {len(params)}")
        params = [as_tensor_variable(p) for p in params]
        for p, name, core in zip(params, self.param_names, self.ndims_params):
            if p.ndim < core:
                raise ValueError(f"{self.name}: {name} must have at least {core} dimension(s), "
                                 f"got {p.type}")
        shape = self._static_shape(size, params)
        draw = TensorType(self.output_dtype(), shape)
        return Apply.build(self, [*inputs, *params], [random_generator_type, draw])

    def _static_shape(self, size: Variable | None, params: Sequence[Variable]) -> tuple[int | None, ...]:
        batch_shapes = [p.type.shape[:p.ndim - core] for p, core in zip(params, self.ndims_params)]
        core = self.support_shape_static(params)
        if size is None:
            batch = broadcast_static_shapes(batch_shapes, self.name)
            return (*batch, *core)
        length = size.type.shape[0]
        if length is None:
            raise ValueError(f"{self.name}: size must have a known length (a tuple of ints or "
                             f"scalars), got {size.type}")
        given = tuple(static_entries(shape_entry_facts(size, length)))
        # the parameters must broadcast to ``size``: a clash known now is an error now
        broadcast_static_shapes([*batch_shapes, given], self.name)
        return (*given, *core)

    def support_shape_static(self, params: Sequence[Variable]) -> tuple[int | None, ...]:
        """The draw's core shape known at build time (the last axes of a parameter whose core
        is the support, by default: ``dirichlet``'s ``alpha``, ``multinomial``'s ``p``)."""
        if self.ndim_supp == 0:
            return ()
        for p, core in zip(params, self.ndims_params):
            if core >= self.ndim_supp:
                return tuple(p.type.shape[p.ndim - self.ndim_supp:])
        return (None,) * self.ndim_supp

    # --- running --------------------------------------------------------------------------

    def perform(self, rng: np.random.Generator, *rest: Any) -> tuple[np.random.Generator, np.ndarray]:
        if self.sized:
            size_value, *params = rest
            size: tuple[int, ...] | None = tuple(int(s) for s in size_value)
        else:
            params, size = list(rest), None
        self.check_parameters(params)
        generator = rng if self.inplace else copy.deepcopy(rng)
        try:
            draw = self.draw(generator, params, size)
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None
        dtype = np.dtype(self.output_dtype())
        return generator, np.asarray(draw, dtype=dtype)

    def draw(self, generator: np.random.Generator, params: Sequence[np.ndarray],
             size: tuple[int, ...] | None) -> Any:
        """The draw from ``generator`` (advanced in place)."""
        return getattr(generator, self.method)(*params, size=size)

    def check_parameters(self, params: Sequence[np.ndarray]) -> None:
        """ValueError naming the distribution and the parameter when a value is outside the
        distribution's domain (NumPy would raise with its own wording, or draw NaNs)."""
        for name, value in zip(self.param_names, params):
            check = self.checks.get(name)
            if check is None:
                continue
            predicate, must_be = check
            ok = predicate(np.asarray(value))
            if not bool(np.all(ok)):
                raise ValueError(f"{self.name}: {name} must be {must_be}, got {np.asarray(value)!r}")

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[Any]:
        from arignote.tensor.shape_inference import broadcast_shapes, vector_entries

        first = 2 if self.sized else 1
        shapes = input_shapes[first:]
        if self.sized:
            size = node.inputs[1]
            batch = tuple(vector_entries(size, size.type.shape[0]))
        else:
            batch = tuple(broadcast_shapes([s[:len(s) - core] for s, core in zip(shapes, self.ndims_params)]))
        core: tuple[Any, ...] = ()
        if self.ndim_supp:
            for s, core_rank in zip(shapes, self.ndims_params):
                if core_rank >= self.ndim_supp:
                    core = tuple(s[len(s) - self.ndim_supp:])
                    break
            else:
                return [None, None]
        return [None, (*batch, *core)]

    # --- batching -------------------------------------------------------------------------

    def batch(self, node: Apply, inputs: Sequence[Any], batched: Sequence[bool], size: Any) -> list[Any]:
        """The draw with a new leading batch axis: batched parameters keep it (aligned with
        the draw's batch axes), and a ``size`` gains it; the generator is not batched (one
        generator draws every row)."""
        from arignote.tensor.dimshuffle import expand_dims
        from arignote.tensor.join import concatenate

        first = 2 if self.sized else 1
        if batched[0] or (self.sized and batched[1]):
            raise NoBatchingRule(f"{self}: a batch of generators or of sizes cannot be drawn from")
        rng, params = inputs[0], list(inputs[first:])
        if not self.sized:
            out = self.make_node(rng, *params).outputs
            return list(out)
        old_size = inputs[1]
        length = old_size.type.shape[0]
        new_size = concatenate([as_tensor_variable(size, dtype="int64").reshape((1,)), old_size])
        aligned = []
        for p, is_batched, core in zip(params, batched[first:], self.ndims_params):
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
