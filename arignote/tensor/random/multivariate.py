"""The multivariate draws of ``at.random``: ``multinomial``, ``dirichlet``,
``multivariate_normal``, ``choice`` and ``permutation``, with PyTensor's names and signatures.

Each has a core (support) of one axis or more, and batches of parameters broadcast over the
leading axes.  Where ``numpy.random.Generator`` takes batched parameters (``multinomial``) the
draw is one call; where it takes one core at a time (``dirichlet``, ``choice``,
``permutation``) the draw calls it once per batch index in C order, as PyTensor does, so the
numbers are NumPy's for the same loop.  ``multivariate_normal`` is PyTensor's composition,
``mean + A @ standard_normal(n)`` with ``A`` a square root of ``cov`` (``method``): it batches,
and with ``method="cholesky"`` it has a reparameterised derivative through the Cholesky factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.linalg.decompositions import cholesky
from arignote.tensor.linalg.solves import solve_triangular
from arignote.tensor.op_kinds import OpKind
from arignote.tensor.random.basic import NONNEGATIVE, POSITIVE, PROBABILITY_VECTORS, register
from arignote.tensor.random.op import Check, RandomVariable, size_is_none
from arignote.tensor.random.reparameterised import param_cotangents
from arignote.tensor.shape import as_shape_vector, shape, shape_entry_facts, static_entries
from arignote.tensor.sum_to import sum_to
from arignote.tensor.variable import TensorVariable

__all__ = ["ChoiceRV", "ChoiceWithoutReplacement", "DirichletRV", "MultinomialRV", "MvNormalRV",
           "PermutationRV", "choice", "dirichlet", "multinomial", "multivariate_normal", "permutation"]


def _batch_loop(one: Any, batch: tuple[int, ...], arrays: Sequence[np.ndarray | None],
                core_ndims: Sequence[int], core_shape: tuple[int, ...]) -> np.ndarray:
    """``one(*cores)`` for each batch index (C order), the parameters broadcast to ``batch``
    first; the results stacked.  For Generator methods that take one core at a time.
    ``core_shape``: the shape of one draw, for an empty batch (which draws nothing)."""
    full = [None if a is None else np.broadcast_to(a, (*batch, *a.shape[a.ndim - c:]))
            for a, c in zip(arrays, core_ndims)]
    out: np.ndarray | None = None
    for index in np.ndindex(*batch):
        value = np.asarray(one(*[None if a is None else a[index] for a in full]))
        if out is None:
            out = np.empty((*batch, *value.shape), dtype=value.dtype)
        out[index] = value
    if out is None:  # an empty batch: no call, so the generator stays as NumPy would leave it
        out = np.empty((*batch, *core_shape))
    return out


def _batch_shape(size: Any, params: Sequence[np.ndarray | None],
                 core_ndims: Sequence[int]) -> tuple[int, ...]:
    if size is not None:
        return tuple(size)
    return tuple(np.broadcast_shapes(*(p.shape[:p.ndim - c] for p, c in zip(params, core_ndims)
                                       if p is not None)))


# --- multinomial, dirichlet ----------------------------------------------------------------

class MultinomialRV(RandomVariable):
    """Counts of each outcome in ``n`` trials of probabilities ``p`` (its last axis)
    (``Generator.multinomial``, batched parameters in one call; int64)."""

    name = "multinomial"
    signature = "(),(p)->(p)"
    dtype = "int64"
    param_names = ("n", "p")
    checks: ClassVar[dict[str, Check]] = {"n": NONNEGATIVE, "p": PROBABILITY_VECTORS}

    def __call__(self, n: Any, p: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(n, p, size=size, **kwargs)


class DirichletRV(RandomVariable):
    """Dirichlet draws of concentrations ``alphas`` (its last axis) (``Generator.dirichlet``,
    once per batch index: it takes one vector of concentrations)."""

    name = "dirichlet"
    signature = "(a)->(a)"
    dtype = "floatX"
    param_names = ("alphas",)
    checks: ClassVar[dict[str, Check]] = {"alphas": POSITIVE}

    def __call__(self, alphas: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(alphas, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, alphas: np.ndarray, size: Any) -> Any:
        if alphas.ndim == 1:
            return rng.dirichlet(alphas, size=size)
        return _batch_loop(rng.dirichlet, _batch_shape(size, [alphas], [1]), [alphas], [1], alphas.shape[-1:])


multinomial = register(MultinomialRV())
dirichlet = register(DirichletRV())


# --- multivariate normal -------------------------------------------------------------------

class MvNormalRV(RandomVariable):
    """``mean + A @ z`` with ``z`` standard normal (one ``Generator.standard_normal`` call for
    the whole batch) and ``A`` the square root of ``cov`` that ``method`` gives: its Cholesky
    factor, or ``U sqrt(s)`` from ``eigh``/``svd`` (PyTensor's ``method``)."""

    __props__ = (*RandomVariable.__props__, "method")
    name = "multivariate_normal"
    signature = "(n),(n,n)->(n)"
    dtype = "floatX"
    param_names = ("mean", "cov")

    def __init__(self, *args: Any, method: str = "cholesky", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if method not in ("cholesky", "eigh", "svd"):
            raise ValueError(f"multivariate_normal: method must be 'cholesky', 'eigh' or 'svd', "
                             f"got {method!r}")
        self.method = method

    def __call__(self, mean: Any, cov: Any, size: Any = None, method: str | None = None,
                 **kwargs: Any) -> Any:
        op = self if method is None else self.clone(method=method)
        return RandomVariable._call(op, mean, cov, size=size, **kwargs)

    def make_node(self, rng: Any, size: Any, *params: Any) -> Apply:
        node = super().make_node(rng, size, *params)
        mean, cov = node.inputs[-2:]
        known = {n for n in (*mean.type.shape[-1:], *cov.type.shape[-2:]) if n is not None}
        if len(known) > 1:
            raise ValueError(f"multivariate_normal: mean has length {mean.type.shape[-1]} but cov "
                             f"is {cov.type.shape[-2:]}")
        return node

    def check_parameters(self, params: Sequence[np.ndarray]) -> None:
        mean, cov = (np.asarray(p) for p in params)
        n = mean.shape[-1]
        if cov.shape[-2:] != (n, n):
            raise ValueError(f"multivariate_normal: cov must be a ({n}, {n}) matrix (mean's length), "
                             f"got shape {cov.shape}")
        # no symmetry check, as PyTensor: "cholesky" reads the lower triangle only (as
        # np.linalg.cholesky), and a derivative check perturbs one entry at a time

    def rng_fn(self, rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray, size: Any) -> Any:
        batch = _batch_shape(size, [mean, cov], [1, 2])
        if self.method == "cholesky":
            try:
                factor = np.linalg.cholesky(cov)
            except np.linalg.LinAlgError:
                raise ValueError("cov must be positive definite (method='cholesky')") from None
        elif self.method == "svd":
            factor, s, _ = np.linalg.svd(cov)
            factor = factor * np.sqrt(s)[..., None, :]
        else:
            w, factor = np.linalg.eigh(cov)
            if np.any(w < -1e-8 * np.max(np.abs(w), initial=0.0)):
                raise ValueError("cov must be positive semi-definite")
            factor = factor * np.sqrt(np.maximum(w, 0.0))[..., None, :]
        z = rng.standard_normal(size=(*batch, mean.shape[-1]))
        return mean + np.einsum("...ij,...j->...i", factor, z)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``x = mean + L z``: ``mean̄ = ḡ``, ``L̄ = Σ ḡ zᵀ`` over the batch with
        ``z = L⁻¹ (x - mean)``, and ``cov̄`` the Cholesky factor's pullback of ``L̄``."""
        if self.method != "cholesky":
            raise NotDifferentiable(f"multivariate_normal: only method='cholesky' has a "
                                    f"reparameterised derivative, not {self.method!r}")
        g = cotangents[1]
        if g is None:
            return [None] * len(inputs)
        mean, cov = inputs[-2:]
        if cov.type.numpy_dtype.kind != "f":  # an integer cov carries no cotangent
            return param_cotangents(inputs, [g, None])
        x = outputs[1]
        factor = cholesky(cov)
        z = solve_triangular(factor, x - mean, lower=True, b_ndim=1)
        factor_bar = sum_to(expand_dims(g, -1) * expand_dims(z, -2), shape(factor))
        chol = factor.owner
        if chol is None or chol.inputs[0] is not cov:
            raise NotDifferentiable("multivariate_normal: the Cholesky factor of cov is not read "
                                    "from cov itself")
        # the factor's own rule (a Blockwise one for a stack of covariances): only the lower
        # triangle of cov is read, as np.linalg.cholesky reads it
        cov_bar = chol.op.pullback(chol.inputs, chol.outputs, [factor_bar])[0]
        return param_cotangents(inputs, [g, cov_bar])


multivariate_normal = register(MvNormalRV())


# --- choice, permutation -------------------------------------------------------------------

def _dims(prefix: str, count: int) -> str:
    return "(" + ",".join(f"{prefix}{i}" for i in range(count)) + ")"


class ChoiceRV(RandomVariable):
    """``Generator.choice(a, size, replace, p)``: the parameters are ``a`` (all of it core: it
    is the population), ``p`` (optional) and the requested ``shape`` of the sample, which is
    part of the core: draws without replacement are not independent across it.  Batches of
    ``a``/``p`` (from vectorising) are drawn one at a time.  Made per call by :func:`choice`:
    its signature depends on ``a``'s rank and the sample's."""

    __props__ = (*RandomVariable.__props__, "replace")
    name = "choice"
    checks: ClassVar[dict[str, Check]] = {"p": PROBABILITY_VECTORS}

    def __init__(self, *args: Any, replace: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replace = bool(replace)
        # the base named the parameters param0...: the population, the probabilities, the shape
        names = ("a", "shape") if len(self.ndims_params) == 2 else ("a", "p", "shape")
        object.__setattr__(self, "param_names", names)

    def support_shape_static(self, params: Sequence[Variable]) -> tuple[int | None, ...]:
        a, sample = params[0], params[-1]
        a_core = self.ndims_params[0]
        a_rows = a.type.shape[a.ndim - a_core + 1:] if a_core else ()
        length = sample.type.shape[-1]
        entries = static_entries(shape_entry_facts(sample, length)) if sample.ndim == 1 else (None,) * length
        return (*entries, *a_rows)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[Any]:
        from arignote.tensor.shape_inference import broadcast_shapes, vector_entries

        shapes = input_shapes[2:]
        batch = tuple(broadcast_shapes([s[:len(s) - c] for s, c in zip(shapes, self.ndims_params)]))
        a_shape, sample = shapes[0], node.inputs[-1]
        a_core = self.ndims_params[0]
        rows = tuple(a_shape[len(a_shape) - a_core + 1:]) if a_core else ()
        if sample.ndim != 1:
            return [None, None]
        return [None, (*batch, *vector_entries(sample, sample.type.shape[0]), *rows)]

    def rng_fn(self, rng: np.random.Generator, *args: Any) -> Any:
        a, *rest = args[:-1]
        size = args[-1]  # the batch shape (None: the parameters' batch), not the sample shape
        p = rest[0] if len(rest) == 2 else None
        sample = np.asarray(rest[-1])
        sample = sample[(0,) * (sample.ndim - 1)]  # a batch of sample shapes: they must agree
        # Generator.choice fails on size=() for an array population (numpy#26518): None is one draw
        sample_shape = tuple(int(s) for s in sample) or None

        def one(a_core: np.ndarray, p_core: np.ndarray | None) -> Any:
            population = a_core.item() if a_core.ndim == 0 else a_core
            return rng.choice(population, size=sample_shape, replace=self.replace, p=p_core)

        cores = [self.ndims_params[0], 1]
        batch = _batch_shape(size, [a, p], cores)
        if not batch:
            return one(a, p)
        rows = a.shape[a.ndim - cores[0] + 1:] if cores[0] else ()
        return _batch_loop(one, batch, [a, p], cores, (*(sample_shape or ()), *rows))


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, **kwargs: Any) -> TensorVariable:
    """``Generator.choice``: draws from ``a``'s rows (or from ``range(a)`` for a scalar),
    with or without replacement, with probabilities ``p`` (uniform when None)."""
    a = as_tensor_variable(a)
    sample = as_shape_vector(() if size is None else size, "choice: size")
    length = sample.type.shape[0]
    if length is None:
        raise ValueError("choice: size must have a known length")
    params = [a, sample] if p is None else [a, p, sample]
    inputs = [_dims("a", a.ndim), *([] if p is None else ["(p0)"]), "(k0)"]
    output = _dims("s", length + max(a.ndim - 1, 0))
    op = ChoiceRV(signature=",".join(inputs) + "->" + output, replace=replace,
                  dtype="int64" if a.ndim == 0 else a.dtype)
    draw: TensorVariable = op(*params, **kwargs)
    return draw


class ChoiceWithoutReplacement(OpKind):
    """PyTensor's op for draws without replacement: ``ChoiceWithoutReplacement(signature=...,
    dtype=...)`` is a :class:`ChoiceRV` with ``replace=False`` (parameters ``a``, optionally
    ``p``, and the core sample shape), and ``isinstance(op, ChoiceWithoutReplacement)`` holds
    for those (see ``tensor.op_kinds``)."""

    @classmethod
    def matches(cls, op: Any) -> bool:
        return isinstance(op, ChoiceRV) and not op.replace

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        return ChoiceRV(*args, replace=False, **kwargs)


class PermutationRV(RandomVariable):
    """``Generator.permutation(x)``: ``x`` permuted along its first axis, or a permutation of
    ``range(x)`` for a scalar; batches (``size``, or ``x``'s batch axes) one at a time.  Made
    per call by :func:`permutation`: its signature depends on ``x``'s rank."""

    name = "permutation"
    param_names = ("x",)

    def support_shape_static(self, params: Sequence[Variable]) -> tuple[int | None, ...]:
        x = params[0]
        if self.ndims_params[0]:
            return tuple(x.type.shape[x.ndim - self.ndims_params[0]:])
        data = getattr(x, "data", None)
        return (int(np.asarray(data).ravel()[0]),) if data is not None and np.size(data) else (None,)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[Any]:
        from arignote.tensor.basic import cast
        from arignote.tensor.shape import shape_i
        from arignote.tensor.shape_inference import vector_entries

        size, x, x_shape = node.inputs[1], node.inputs[2], input_shapes[2]
        core = self.ndims_params[0]
        batch = (tuple(x_shape[:len(x_shape) - core]) if size_is_none(size)
                 else tuple(vector_entries(size, size.type.shape[0])))
        if core:
            return [None, (*batch, *x_shape[len(x_shape) - core:])]
        # a permutation of range(x): its length is x's value (the first one of a batch)
        length = cast(x, "int64") if x.ndim == 0 else shape_i(node.outputs[1], len(batch))
        return [None, (*batch, length)]

    def rng_fn(self, rng: np.random.Generator, x: Any, size: Any) -> Any:
        x = np.asarray(x)
        core = self.ndims_params[0]

        def one(x_core: np.ndarray) -> Any:
            return rng.permutation(x_core.item() if core == 0 else x_core)

        if size is None and x.ndim == core:
            return one(x)
        core_shape = x.shape[x.ndim - core:] if core else (int(x.flat[0]) if x.size else 0,)
        return _batch_loop(one, _batch_shape(size, [x], [core]), [x], [core], core_shape)


def permutation(x: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """``Generator.permutation``: ``x`` shuffled along its first axis, or a permutation of
    ``range(x)`` for a scalar ``x``."""
    x = as_tensor_variable(x)
    if x.ndim == 0 and x.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"permutation: a scalar x must be an integer, got {x.type}")
    op = PermutationRV(signature=f"{_dims('x', x.ndim)}->{_dims('x', max(x.ndim, 1))}",
                       dtype="int64" if x.ndim == 0 else x.dtype)
    draw: TensorVariable = op(x, size=size, **kwargs)
    return draw
