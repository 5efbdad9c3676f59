"""Log-densities of random variables (``arignote.logprob``).

- ``basic.py``: ``logp``, ``logcdf``, ``icdf`` and the registries they use, by op type;
- ``continuous.py``, ``continuous_more.py``, ``discrete.py``, ``multivariate.py``: the rules
  of each distribution of ``at.random``;
- ``joint.py``: ``conditional_logp`` and ``joint_logp`` of a graph of random variables;
- ``measurable.py``: the derivation of densities of transformed random variables, and the
  rules of measurable operations: ``elemwise_transforms.py``, ``censoring.py``,
  ``order_statistics.py``, ``mixtures.py``, ``combining.py``, ``scan.py``;
- ``transforms.py``, ``transforms_matrix.py``: value transforms to unconstrained space;
  ``transformed.py``: ``transformed_logp`` and the default transform of each distribution.
"""

from arignote.graph.registry import import_submodules
from arignote.logprob import transforms
from arignote.logprob.basic import (
    NotMeasurable,
    ParameterChecks,
    icdf,
    icdf_rules,
    logcdf,
    logcdf_rules,
    logp,
    logp_rules,
)
from arignote.logprob.joint import conditional_logp, joint_logp
from arignote.logprob.measurable import elemwise_rules, measurable_rules
from arignote.logprob.transformed import (
    default_transform,
    default_transforms,
    transformed_conditional_logp,
    transformed_logp,
)

import_submodules(__name__)  # the distribution modules register their rules

__all__ = ["NotMeasurable", "ParameterChecks", "conditional_logp", "default_transform",
           "default_transforms", "elemwise_rules", "icdf", "icdf_rules", "joint_logp", "logcdf",
           "logcdf_rules", "logp", "logp_rules", "measurable_rules", "transformed_conditional_logp",
           "transformed_logp", "transforms"]
