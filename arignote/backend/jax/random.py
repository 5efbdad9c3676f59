"""Random draws on the JAX backend, from ``jax.random`` keys threaded through the graph.

**Inside the JAX function** a generator value (a ``RandomGeneratorType`` variable) is a JAX
key (``jax.random.key``: a typed key; a legacy ``uint32`` key given to ``f.jax_fn`` works
too).  A draw node ``next_rng, x = op(rng, size, *params)`` splits its input key into
``(next key, subkey)``, draws with ``jax.random.<distribution>(subkey, shape, dtype)`` of the
draw's shape (``size``, or the parameters' batch shapes broadcast together, as NumPy's
``Generator`` broadcasts them) and dtype, with the op's parameterisation (``loc``/``scale``
applied around the standard draw where ``jax.random`` has none), and gives ``(next key,
draw)``.  Two draws from one key give the same numbers, as two draws from one NumPy
generator state do.

**At the function boundary** (the JAX linker's wrapper, outside ``jax.jit``:
:class:`GeneratorBoundary`):

* a generator given as an input or held by a shared variable (a ``numpy.random.Generator``)
  becomes a key: the wrapper copies it, draws one 64-bit integer from the copy
  (``copy.integers(2**64, dtype=np.uint64)``) and the jitted function starts with
  ``jax.random.key(seed)``; the given generator is not touched.  So the key is a
  deterministic function of the generator's state: the same seed gives the same numbers
  run to run and in two functions;
* a generator output or update is given back as a ``numpy.random.Generator``: if ``g`` is
  the one input, shared or constant generator it descends from (through draws, or a loop
  carrying it; a generator computed from several is refused when compiling), it is a copy
  of ``g`` after ``integers(2**64, dtype=np.uint64)``, that is the copy the seed was drawn
  from, however many draws the graph made (a separate copy per output).  A shared generator whose
  update is a draw's next generator therefore moves on by one 64-bit draw per call, and two
  calls give different numbers.  An output that is the input generator itself (no draw) is
  given back unchanged.  A constant generator in the graph becomes a key when the function
  is traced, so its draws are the same at every call (as on the other backends).

The streams differ from NumPy's: the numbers are not those of the py/C backends for the
same seed, only draws of the same law.

**Parameter checks** (``op.check_parameters``: a ValueError naming the distribution and the
parameter, on the py/C backends) cannot run inside ``jax.jit``, and this backend does not
run them: a parameter outside the distribution's domain gives what ``jax.random`` gives,
mostly NaNs (a negative gamma/beta/Dirichlet concentration, a covariance that is not
positive definite for ``method="cholesky"``), otherwise numbers of no meaning, without an
error (a negative ``scale`` of a location-scale family flips the draws' sign; a negative
Poisson mean gives -1; a probability above 1 saturates; ``integers`` with ``high <= low``
gives ``low``; ``triangular`` with unordered bounds).  Check parameters in the graph, or
on the py backend, when they can be wrong.

``vonmises`` and ``hypergeometric``, which ``jax.random`` lacks, are drawn by this backend's
own samplers (:mod:`~arignote.backend.jax.random_samplers`: Best-Fisher rejection, and an
urn emptied one item at a time, O(min(nsample, N - nsample)) steps).  A ``RandomVariable``
of another name (a user's own op) raises ``JaxCompileError`` naming it when compiling.
``f.jax_fn`` has no boundary: its generator arguments and results are JAX keys.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from arignote.backend.jax.plan import NOT_IMPLEMENTED, JaxCompileError
from arignote.backend.jax.random_samplers import hypergeometric, vonmises
from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.traversal import walk_inputs
from arignote.tensor.random.generator_maker import DefaultGeneratorMaker
from arignote.tensor.random.multivariate import ChoiceRV, MvNormalRV, PermutationRV
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.random.type import RandomGeneratorType

__all__ = ["LOWERED", "UNSUPPORTED", "GeneratorBoundary", "key_of"]

jax_impl.refuse(DefaultGeneratorMaker, why="a NumPy generator made while the function runs "
                "(default_rng); the JAX backend draws from its own keys, made from the shared "
                "generators a function is given")

#: a scalar family's draw: ``(key, params, shape, float dtype) -> values of that shape``
ScalarDraw = Callable[[Any, list[Any], tuple[int, ...], Any], Any]


def _loc_scale(standard: Callable[..., Any]) -> ScalarDraw:
    """``loc + scale * z`` with ``z = standard(key, shape, dtype)`` (parameters ``loc, scale``)."""
    return lambda k, p, s, dt: p[0] + p[1] * standard(k, s, dt)


def _half(standard: Callable[..., Any]) -> ScalarDraw:
    """``loc + scale * |z|``: SciPy's half-normal and half-Cauchy, as the ops draw them."""
    return lambda k, p, s, dt: p[0] + p[1] * jnp.abs(standard(k, s, dt))


def _beta_binomial(k: Any, p: list[Any], s: tuple[int, ...], dt: Any) -> Any:
    # the op's composition: p ~ Beta(a, b), then Binomial(n, p); two subkeys
    k1, k2 = jr.split(k)
    return jr.binomial(k2, p[0], jr.beta(k1, p[1], p[2], s, dt), s, dt)


def _negative_binomial(k: Any, p: list[Any], s: tuple[int, ...], dt: Any) -> Any:
    # NumPy's own method: a Poisson draw whose mean is Gamma(n, (1 - p) / p)
    k1, k2 = jr.split(k)
    n, prob = p
    return jr.poisson(k2, jr.gamma(k1, n, s, dt) * ((1 - prob) / prob), s, dtype=jnp.int64)


def _truncexpon(k: Any, p: list[Any], s: tuple[int, ...], dt: Any) -> Any:
    # the op's inverse CDF on one uniform (expm1/log1p keep small b and small u exact)
    b, loc, scale = p
    return loc - scale * jnp.log1p(jr.uniform(k, s, dt) * jnp.expm1(-b))


#: the scalar (``ndim_supp == 0``) distributions, by op name, with the op's parameters in order
SCALAR: dict[str, ScalarDraw] = {
    "normal": _loc_scale(jr.normal),
    "standard_normal": lambda k, p, s, dt: jr.normal(k, s, dt),
    "uniform": lambda k, p, s, dt: p[0] + (p[1] - p[0]) * jr.uniform(k, s, dt),
    "lognormal": lambda k, p, s, dt: jnp.exp(p[0] + p[1] * jr.normal(k, s, dt)),
    "exponential": lambda k, p, s, dt: p[0] * jr.exponential(k, s, dt),
    "gamma": lambda k, p, s, dt: p[1] * jr.gamma(k, p[0], s, dt),  # (shape, scale)
    "beta": lambda k, p, s, dt: jr.beta(k, p[0], p[1], s, dt),
    "poisson": lambda k, p, s, dt: jr.poisson(k, p[0], s, dtype=jnp.int64),
    "binomial": lambda k, p, s, dt: jr.binomial(k, p[0], p[1], s, dt),
    "bernoulli": lambda k, p, s, dt: jr.bernoulli(k, p[0], s),
    "integers": lambda k, p, s, dt: jr.randint(k, s, p[0], p[1], dtype=jnp.int64),
    "triangular": lambda k, p, s, dt: jr.triangular(k, p[0], p[1], p[2], s, dt),
    "chisquare": lambda k, p, s, dt: jr.chisquare(k, p[0], s, dt),
    # NumPy's weibull(a) is the Weibull law of shape a and scale 1
    "weibull": lambda k, p, s, dt: jr.weibull_min(k, 1.0, p[0], s, dt),
    "gumbel": _loc_scale(jr.gumbel),
    "logistic": _loc_scale(jr.logistic),
    "laplace": _loc_scale(jr.laplace),
    "cauchy": _loc_scale(jr.cauchy),
    # jax.random.wald is IG(mean, 1); IG(mean, scale) = scale * IG(mean / scale, 1)
    "wald": lambda k, p, s, dt: p[1] * jr.wald(k, p[0] / p[1], s, dt),
    "rayleigh": lambda k, p, s, dt: jr.rayleigh(k, p[0], s, dt),
    "halfnormal": _half(jr.normal),
    "halfcauchy": _half(jr.cauchy),
    # 1 / Gamma(shape, 1 / scale) = scale / Gamma(shape, 1)
    "invgamma": lambda k, p, s, dt: p[1] / jr.gamma(k, p[0], s, dt),
    # jax.random.pareto is the Pareto law on [1, inf): the op's (b, scale) scales it
    "pareto": lambda k, p, s, dt: p[1] * jr.pareto(k, p[0], s, dt),
    "t": lambda k, p, s, dt: p[1] + p[2] * jr.t(k, p[0], s, dt),
    "truncexpon": _truncexpon,
    "gengamma": lambda k, p, s, dt: p[2] * jr.gamma(k, p[0] / p[1], s, dt) ** (1.0 / p[1]),
    "beta_binomial": _beta_binomial,
    "negative_binomial": _negative_binomial,
    "geometric": lambda k, p, s, dt: jr.geometric(k, p[0], s, dtype=jnp.int64),
    # jax.random has neither: rejection and urn samplers of this backend (random_samplers.py)
    "vonmises": lambda k, p, s, dt: vonmises(k, p[0], p[1], s, dt),
    "hypergeometric": lambda k, p, s, dt: hypergeometric(k, p[0], p[1], p[2], s),
}

#: scalar distributions whose parameters stay integers (not cast to the working float dtype)
INTEGER_PARAMS = {"integers", "hypergeometric"}

#: distributions this backend cannot draw, and why (none of PyTensor's: another op's name)
UNSUPPORTED: dict[str, str] = {}


def key_of(value: Any) -> Any:
    """The JAX key a generator value stands for: a key as it is; a ``numpy.random.Generator``
    (a constant generator, or one passed to an unjitted ``jax_fn``) by the boundary's rule,
    a seed drawn from a copy of it."""
    if isinstance(value, np.random.Generator):
        return jr.key(_seed_from(copy.deepcopy(value)))
    return value


def _seed_from(generator: np.random.Generator) -> np.ndarray:
    """One 64-bit integer drawn from ``generator`` (which it advances): the seed of its key."""
    return np.asarray(generator.integers(2**64, dtype=np.uint64))


# --- the lowering ------------------------------------------------------------------------------

def _static_positions(node: Apply) -> tuple[int, ...]:
    """Inputs JAX must know while tracing: ``size``, ``choice``'s sample shape, and a scalar
    population (``choice(5)``, ``permutation(5)``: its value is the length of the draw)."""
    op = node.op
    static = [1]
    if isinstance(op, ChoiceRV):
        static.append(len(node.inputs) - 1)
    if isinstance(op, (ChoiceRV, PermutationRV)) and op.ndims_params[0] == 0:
        static.append(2)
    return tuple(static)


def _unsupported(node: Apply) -> str | None:
    name = node.op.name
    if name in LOWERED:
        return None
    reason = UNSUPPORTED.get(name, "the JAX backend has no draw for this distribution")
    return f"random draws from {name!r} do not run on the JAX backend: {reason}; use the C or py backend"


@jax_impl.register(RandomVariable, static_of=_static_positions, unsupported=_unsupported)
def _draw(op: RandomVariable, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    out_dtype = np.dtype(node.outputs[1].type.dtype)
    draw = MULTIVARIATE.get(op.name)
    if draw is None:
        draw = _scalar_draw(op.name)

    def run(rng: Any, size_value: Any, *params: Any) -> tuple[Any, Any]:
        size = tuple(int(s) for s in np.asarray(size_value)) or None
        next_key, subkey = jr.split(key_of(rng))
        value = draw(op, subkey, list(params), size, out_dtype)
        return next_key, jnp.asarray(value).astype(out_dtype)
    return run


def _batch(op: RandomVariable, params: Sequence[Any], size: tuple[int, ...] | None) -> tuple[int, ...]:
    """The draw's batch shape: ``size``, or the parameters' batch shapes broadcast."""
    if size is not None:
        return size
    return tuple(np.broadcast_shapes(*(np.shape(p)[:np.ndim(p) - c]
                                       for p, c in zip(params, op.ndims_params))))


def _work_dtype(params: Sequence[Any], out_dtype: np.dtype) -> Any:
    """The float dtype to draw in: the output's (float64 for integer draws), promoted with the
    float parameters' (NumPy draws in float64 and casts)."""
    floats = [np.dtype(jnp.result_type(p)) for p in params if jnp.result_type(p).kind == "f"]
    return np.result_type(out_dtype if out_dtype.kind == "f" else np.float64, *floats)


def _scalar_draw(name: str) -> Callable[..., Any]:
    sample = SCALAR[name]
    keep_integers = name in INTEGER_PARAMS

    def draw(op: RandomVariable, key: Any, params: list[Any], size: tuple[int, ...] | None,
             out_dtype: np.dtype) -> Any:
        shape = _batch(op, params, size)
        dt = _work_dtype(params, out_dtype)
        values = [jnp.asarray(p) if keep_integers else jnp.asarray(p, dt) for p in params]
        # jax.random broadcasts the parameters against ``shape``; broadcast_to makes sure the
        # result has it when no parameter has (a constant loc with a scalar scale)
        return jnp.broadcast_to(sample(key, values, shape, dt), shape)
    return draw


# --- multivariate draws -------------------------------------------------------------------------

def _categorical(op: RandomVariable, key: Any, params: list[Any], size: Any, out_dtype: Any) -> Any:
    (p,) = params
    batch = _batch(op, params, size)
    p = jnp.asarray(p, _work_dtype(params, out_dtype))
    # log(0) = -inf: an outcome of probability 0 is never drawn
    return jr.categorical(key, jnp.log(jnp.broadcast_to(p, (*batch, p.shape[-1]))), axis=-1)


def _multinomial(op: RandomVariable, key: Any, params: list[Any], size: Any, out_dtype: Any) -> Any:
    n, p = params
    batch = _batch(op, params, size)
    dt = _work_dtype([p], out_dtype)
    p = jnp.broadcast_to(jnp.asarray(p, dt), (*batch, np.shape(p)[-1]))
    counts = jr.multinomial(key, jnp.broadcast_to(jnp.asarray(n, dt), batch), p, dtype=dt)
    return jnp.round(counts)  # float counts, exact integers


def _dirichlet(op: RandomVariable, key: Any, params: list[Any], size: Any, out_dtype: Any) -> Any:
    (alphas,) = params
    batch = _batch(op, params, size)
    alphas = jnp.asarray(alphas, _work_dtype(params, out_dtype))
    return jr.dirichlet(key, jnp.broadcast_to(alphas, (*batch, alphas.shape[-1])), dtype=alphas.dtype)


def _mvnormal(op: RandomVariable, key: Any, params: list[Any], size: Any, out_dtype: Any) -> Any:
    assert isinstance(op, MvNormalRV)
    batch = _batch(op, params, size)
    dt = _work_dtype(params, out_dtype)
    mean, cov = (jnp.asarray(p, dt) for p in params)
    n = mean.shape[-1]
    # the op's square root of cov (PyTensor's ``method``): a non-positive-definite cov gives
    # NaNs here where the other backends raise ValueError
    if op.method == "cholesky":
        factor = jnp.linalg.cholesky(cov)
    elif op.method == "svd":
        u, s, _ = jnp.linalg.svd(cov)
        factor = u * jnp.sqrt(s)[..., None, :]
    else:
        w, v = jnp.linalg.eigh(cov)
        factor = v * jnp.sqrt(jnp.maximum(w, 0.0))[..., None, :]
    z = jr.normal(key, (*batch, n), dt)
    return mean + jnp.einsum("...ij,...j->...i", factor, z)


def _per_batch(one: Callable[..., Any], key: Any, batch: tuple[int, ...],
               arrays: Sequence[Any], cores: Sequence[int]) -> Any:
    """``one(key, *cores)`` for each batch index, with a subkey each (``jax.vmap``): the draws
    whose ``jax.random`` function takes one core at a time (choice, permutation)."""
    if not batch:
        return one(key, *arrays)
    count = int(np.prod(batch))
    flat = []
    for a, c in zip(arrays, cores):
        core_shape = np.shape(a)[np.ndim(a) - c:]
        flat.append(jnp.broadcast_to(a, (*batch, *core_shape)).reshape((count, *core_shape)))
    values = jax.vmap(one)(jr.split(key, count), *flat)
    return values.reshape((*batch, *values.shape[1:]))


def _choice(op: RandomVariable, key: Any, params: list[Any], size: Any, out_dtype: Any) -> Any:
    assert isinstance(op, ChoiceRV)
    a, *rest = params
    p = rest[0] if len(rest) == 2 else None
    sample = np.asarray(rest[-1])
    sample_shape = tuple(int(s) for s in sample[(0,) * (sample.ndim - 1)])  # a batch must agree
    population: Any = int(np.asarray(a)) if op.ndims_params[0] == 0 else jnp.asarray(a)
    if p is not None:
        p = jnp.asarray(p, _work_dtype([p], out_dtype))

    def one(k: Any, p_core: Any) -> Any:
        return jr.choice(k, population, sample_shape, replace=op.replace, p=p_core)

    # ``a`` is all core (the population); only ``p`` can have batch axes (from vectorising)
    batch = () if p is None else tuple(np.shape(p)[:-1])
    return _per_batch(one, key, batch, [p], [1])


def _permutation(op: RandomVariable, key: Any, params: list[Any], size: Any, out_dtype: Any) -> Any:
    assert isinstance(op, PermutationRV)
    (x,) = params
    core = op.ndims_params[0]
    batch = _batch(op, params, size)
    if core == 0:
        n = int(np.asarray(x).flat[0]) if np.size(x) else 0  # a batch of lengths: the first
        return _per_batch(lambda k: jr.permutation(k, n), key, batch, [], [])
    return _per_batch(lambda k, xc: jr.permutation(k, xc, axis=0), key, batch, [jnp.asarray(x)], [core])


#: the distributions with a core (``ndim_supp > 0``) or a draw of their own, by op name
MULTIVARIATE: dict[str, Callable[..., Any]] = {
    "categorical": _categorical,
    "multinomial": _multinomial,
    "dirichlet": _dirichlet,
    "multivariate_normal": _mvnormal,
    "choice": _choice,
    "permutation": _permutation,
}

#: every distribution (op name) this backend draws
LOWERED = frozenset(SCALAR) | frozenset(MULTIVARIATE)


# --- the function boundary ----------------------------------------------------------------------

class GeneratorBoundary:
    """Generators crossing the JAX linker's wrapper: NumPy generators in, keys inside ``jit``,
    NumPy generators out (see the module docstring for the rule)."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> None:
        self.n_outputs = len(outputs)
        #: positions of the generator inputs (given and shared)
        self.inputs = [i for i, v in enumerate(inputs) if isinstance(v.type, RandomGeneratorType)]
        #: generator outputs: position -> (input position or constant generator, whether drawn from)
        self.outputs: dict[int, tuple[int | np.random.Generator, bool]] = {}
        positions = {id(v): i for i, v in enumerate(inputs)}
        for j, out in enumerate(outputs):
            if isinstance(out.type, RandomGeneratorType):
                root, drew = _root_generator(out)
                if isinstance(root, Constant):
                    self.outputs[j] = (root.data, drew)
                else:
                    self.outputs[j] = (positions[id(root)], drew)

    @classmethod
    def find(cls, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> GeneratorBoundary | None:
        """The boundary of a graph, or None when no generator crosses it."""
        boundary = cls(inputs, outputs)
        return boundary if boundary.inputs or boundary.outputs else None

    def traced(self, fn: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        """``fn`` (the translation) taking seeds where it took generators, and without the
        generator outputs (the wrapper rebuilds them; a key is no NumPy value)."""
        inputs, outputs = self.inputs, self.outputs

        def run(*args: Any) -> list[Any]:
            values = list(args)
            for i in inputs:
                values[i] = jr.key(values[i])
            results = fn(*values)
            return [r for j, r in enumerate(results) if j not in outputs]
        return run

    def wrap(self, run: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        """``run`` (the jitted call) taking and giving ``numpy.random.Generator`` values."""
        inputs, outputs, n_outputs = self.inputs, self.outputs, self.n_outputs

        def call(*values: Any) -> list[Any]:
            given = list(values)
            args = list(values)
            advanced: dict[int, np.random.Generator] = {}
            for i in inputs:
                advanced[i] = copy.deepcopy(given[i])
                args[i] = _seed_from(advanced[i])
            results = iter(run(*args))
            out: list[Any] = []
            handed: set[int] = set()
            for j in range(n_outputs):
                source = outputs.get(j)
                if source is None:
                    out.append(next(results))
                    continue
                root, drew = source
                if not drew:  # the generator itself, untouched (as the other backends give it)
                    out.append(given[root] if isinstance(root, int) else root)
                elif isinstance(root, int):
                    # each output its own copy: drawing from one must not move another
                    out.append(advanced[root] if root not in handed else copy.deepcopy(advanced[root]))
                    handed.add(root)
                else:
                    constant = copy.deepcopy(root)
                    _seed_from(constant)
                    out.append(constant)
            return out
        return call


def _root_generator(var: Variable) -> tuple[Variable, bool]:
    """The input or constant generator ``var`` descends from (through draws, or a loop carrying
    it), and whether ``var`` is computed (not that generator itself).  The generator inputs
    of the nodes on the way are followed; a generator from several, or from none, cannot be
    given back by the rule (it would not be one generator advanced), and is refused."""
    if var.owner is None:
        return var, False
    generators = walk_inputs(var, lambda node: [i for i in node.inputs
                                                if isinstance(i.type, RandomGeneratorType)])
    roots = {id(v): v for v in generators if v.owner is None}
    if len(roots) != 1:
        raise JaxCompileError([(var.owner, f"the JAX backend gives back a generator output as the "
                                           f"one generator it comes from, but this one comes from "
                                           f"{len(roots)}", NOT_IMPLEMENTED)])
    (root,) = roots.values()
    return root, True
