"""Automatic differentiation: reverse mode (``grad``, ``Lop``), forward mode (``Rop``),
Jacobians and Hessians, and gradient-changing identities.

The derivative rules live in the ops themselves (:meth:`Op.pullback`,
:meth:`Op.pushforward`); this package walks graphs and calls them.  The
public names are in :mod:`arignote.gradient`, with ``verify_grad`` (which
compiles, so it sits above the compile layer, not in this package).
"""

from arignote.autodiff.errors import (
    DisconnectedInputError,
    GradientError,
    NotDifferentiable,
    NullTypeGradError,
)
from arignote.autodiff.forward import Rop, pushforward
from arignote.autodiff.grad import DisconnectedType, Lop, grad, pullback
from arignote.autodiff.gradient_ops import (
    GradClip,
    GradScale,
    UndefinedGrad,
    consider_constant,
    disconnected_grad,
    grad_clip,
    grad_scale,
    undefined_grad,
    zero_grad,
)
from arignote.autodiff.jacobian import hessian, hessian_vector_product, jacobian
from arignote.autodiff.undefined import NullType, disconnected_type, grad_not_implemented, grad_undefined

__all__ = ["DisconnectedInputError", "DisconnectedType", "GradClip", "GradScale", "GradientError", "Lop",
           "NotDifferentiable", "UndefinedGrad", "undefined_grad",
           "NullType", "NullTypeGradError", "Rop", "consider_constant", "disconnected_grad",
           "disconnected_type", "grad", "grad_clip", "grad_not_implemented", "grad_scale",
           "grad_undefined", "hessian", "hessian_vector_product", "jacobian", "pullback", "pushforward",
           "zero_grad"]
