"""Random draws: ``at.random`` (PyTensor's ``pytensor.tensor.random``).

- ``type``: generators as graph values, shared generators;
- ``op``: ``RandomVariable``, a draw as a pure node (generator in, next generator and draw out);
- ``basic``: the core distributions (each a ``RandomVariable`` subclass whose instance is the
  user's function, as in PyTensor);
- ``continuous``, ``discrete``, ``multivariate``: the rest of PyTensor's distributions;
- ``reparameterised``: pathwise derivatives of location-scale draws (the classes' pullbacks);
- ``utils``: ``RandomStream``.
"""

from arignote.tensor.random.basic import (
    RV_OPS,
    BernoulliRV,
    BetaRV,
    BinomialRV,
    CategoricalRV,
    ExponentialRV,
    GammaRV,
    IntegersRV,
    LogNormalRV,
    NormalRV,
    PoissonRV,
    StandardNormalRV,
    UniformRV,
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
    CauchyRV,
    ChiSquareRV,
    GenGammaRV,
    GumbelRV,
    HalfCauchyRV,
    HalfNormalRV,
    InvGammaRV,
    LaplaceRV,
    LogisticRV,
    ParetoRV,
    RayleighRV,
    StudentTRV,
    TriangularRV,
    TruncExponentialRV,
    VonMisesRV,
    WaldRV,
    WeibullRV,
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
from arignote.tensor.random.discrete import (
    BetaBinomialRV,
    GeometricRV,
    HyperGeometricRV,
    NegBinomialRV,
    betabinom,
    geometric,
    hypergeometric,
    nbinom,
    negative_binomial,
)
from arignote.tensor.random.multivariate import (
    ChoiceRV,
    DirichletRV,
    MultinomialRV,
    MvNormalRV,
    PermutationRV,
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

__all__ = [
    "BernoulliRV", "BetaBinomialRV", "BetaRV", "BinomialRV", "CategoricalRV", "CauchyRV", "ChiSquareRV",
    "ChoiceRV", "DirichletRV", "ExponentialRV", "GammaRV", "GenGammaRV", "GeometricRV", "GumbelRV",
    "HalfCauchyRV", "HalfNormalRV", "HyperGeometricRV", "IntegersRV", "InvGammaRV", "LaplaceRV",
    "LogNormalRV", "LogisticRV", "MultinomialRV", "MvNormalRV", "NegBinomialRV", "NormalRV", "ParetoRV",
    "PermutationRV", "PoissonRV", "RV_OPS", "RandomGeneratorSharedVariable", "RandomGeneratorType",
    "RandomGeneratorVariable", "RandomStream", "RandomVariable", "RayleighRV", "StandardNormalRV",
    "StudentTRV", "TriangularRV", "TruncExponentialRV", "UniformRV", "VonMisesRV", "WaldRV",
    "WeibullRV", "bernoulli", "beta", "betabinom", "binomial", "categorical", "cauchy", "chisquare",
    "choice", "dirichlet", "exponential", "gamma", "gengamma", "geometric", "gumbel", "halfcauchy",
    "halfnormal", "hypergeometric", "integers", "invgamma", "laplace", "logistic", "lognormal",
    "multinomial", "multivariate_normal", "nbinom", "negative_binomial", "normal", "pareto",
    "permutation", "poisson", "rayleigh", "rng", "shared_generator", "shared_rng",
    "standard_normal", "t", "triangular", "truncexpon", "uniform", "vonmises", "wald", "weibull"
]
