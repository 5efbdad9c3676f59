"""Random draws: ``at.random`` (PyTensor's ``pytensor.tensor.random``).

- ``type``: generators as graph values, shared generators;
- ``op``: ``RandomVariable``, a draw as a pure node (generator in, next generator and draw out);
- ``basic``: the distributions and their user functions;
- ``continuous``, ``discrete``, ``multivariate``: the rest of PyTensor's distributions;
- ``reparameterised``: pathwise derivatives of location-scale draws;
- ``utils``: ``RandomStream``.
"""

# reparameterised: imported for its effect, setting the derivative rules of basic.py's ops
from arignote.tensor.random import reparameterised
from arignote.tensor.random.basic import (
    RV_OPS,
    bernoulli,
    beta,
    binomial,
    categorical,
    exponential,
    gamma,
    integers,
    lognormal,
    normal,
    poisson,
    standard_normal,
    uniform,
)
from arignote.tensor.random.continuous import (
    cauchy,
    chisquare,
    gengamma,
    gumbel,
    halfcauchy,
    halfnormal,
    invgamma,
    laplace,
    logistic,
    pareto,
    rayleigh,
    t,
    triangular,
    truncexpon,
    vonmises,
    wald,
    weibull,
)
from arignote.tensor.random.discrete import betabinom, geometric, hypergeometric, nbinom, negative_binomial
from arignote.tensor.random.multivariate import (
    choice,
    dirichlet,
    multinomial,
    multivariate_normal,
    permutation,
)
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.random.type import (
    RandomGeneratorSharedVariable,
    RandomGeneratorType,
    RandomGeneratorVariable,
    rng,
    shared_generator,
    shared_rng,
)
from arignote.tensor.random.utils import RandomStream

__all__ = ["RV_OPS", "RandomGeneratorSharedVariable", "RandomGeneratorType",
           "RandomGeneratorVariable", "RandomStream", "RandomVariable", "bernoulli", "beta", "binomial",
           "categorical", "exponential", "gamma", "integers", "lognormal", "normal", "poisson", "rng",
           "shared_generator", "shared_rng", "standard_normal", "uniform"]
# the rest of PyTensor's distributions (continuous.py, discrete.py, multivariate.py)
__all__ += ["betabinom", "cauchy", "chisquare", "choice", "dirichlet", "gengamma", "geometric", "gumbel",
            "halfcauchy", "halfnormal", "hypergeometric", "invgamma", "laplace", "logistic", "multinomial",
            "multivariate_normal", "nbinom", "negative_binomial", "pareto", "permutation", "rayleigh", "t",
            "triangular", "truncexpon", "vonmises", "wald", "weibull"]
