"""Automatic differentiation: reverse mode (``grad``, ``Lop``), forward mode (``Rop``),
Jacobians and Hessians, gradient-changing identities, and finite-difference checks.

The derivative rules live in the ops themselves (:meth:`Op.pullback`,
:meth:`Op.pushforward`); this package walks graphs and calls them.  The
public names are in :mod:`arignote.gradient`.
"""

from arignote.autodiff.errors import (DisconnectedInputError, GradientError, NotDifferentiable,
                                      NullTypeGradError)
from arignote.autodiff.forward import Rop, pushforward
from arignote.autodiff.grad import DisconnectedType, Lop, grad, pullback
from arignote.autodiff.gradient_ops import (consider_constant, disconnected_grad, grad_clip, grad_scale,
                                            zero_grad)
from arignote.autodiff.jacobian import hessian, hessian_vector_product, jacobian
from arignote.autodiff.verify import numeric_grad, verify_grad

__all__ = ["DisconnectedInputError", "DisconnectedType", "GradientError", "Lop", "NotDifferentiable",
           "NullTypeGradError", "Rop", "consider_constant", "disconnected_grad", "grad", "grad_clip",
           "grad_scale", "hessian", "hessian_vector_product", "jacobian", "numeric_grad", "pullback",
           "pushforward", "verify_grad", "zero_grad"]
