"""Log-densities of random variables (``arignote.logprob``).

- ``basic.py``: ``logp``, ``logcdf``, ``icdf`` and the registries they use, by op type;
- ``joint.py``: ``conditional_logp`` and ``joint_logp`` of a graph of random variables;
- ``continuous.py``, ``continuous_more.py``, ``discrete.py``, ``multivariate.py``: the rules
  of each distribution of ``at.random``.
"""

from arignote.graph.registry import import_submodules
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

import_submodules(__name__)  # the distribution modules register their rules

__all__ = ["NotMeasurable", "ParameterChecks", "conditional_logp", "icdf", "icdf_rules", "joint_logp",
           "logcdf", "logcdf_rules", "logp", "logp_rules"]
