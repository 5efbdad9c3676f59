"""Random draws: ``at.random`` (PyTensor's ``pytensor.tensor.random``).

- ``type``: generators as graph values, shared generators;
- ``op``: ``RandomVariable``, a draw as a pure node (generator in, next generator and draw out);
- ``basic``: the distributions and their user functions;
- ``utils``: ``RandomStream``.
"""

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
