"""Densities of the continuous distributions of ``at.random``.

Each rule is written to stay accurate where the naive formula is not: tails in log space
(``log_ndtr`` rather than ``log(ndtr)``), ``log1p``/``expm1`` near 0, ``gammaln``/``betaln``
for normalising constants, ``-inf`` outside the support.  Parameter checks raise at run
time (see :class:`~arignote.logprob.basic.ParameterChecks`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.logprob.basic import ParameterChecks, icdf_rules, logcdf_rules, logp_rules
from arignote.tensor.random.basic import NormalRV

# Python floats: weak constants keep a float32 density float32 (a NumPy float64 would not)
_LOG_SQRT_2PI = float(0.5 * np.log(2.0 * np.pi))


# --- normal -------------------------------------------------------------------------------

@logp_rules.register(NormalRV)
def _normal_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = (value - loc) / scale
    return checks.require(-0.5 * z * z - at.log(scale) - _LOG_SQRT_2PI, scale > 0, "scale > 0")


@logcdf_rules.register(NormalRV)
def _normal_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return checks.require(at.log_ndtr((value - loc) / scale), scale > 0, "scale > 0")


@icdf_rules.register(NormalRV)
def _normal_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return checks.require(loc + scale * at.ndtri(q), scale > 0, "scale > 0")
