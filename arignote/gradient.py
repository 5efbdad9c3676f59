"""Derivatives under PyTensor's names (``arignote.gradient``, like ``pytensor.gradient``).

    import arignote
    from arignote.gradient import grad, jacobian, hessian, Rop, Lop, verify_grad

``grad`` (reverse mode), ``Lop``/``pullback`` (vector-Jacobian products),
``Rop``/``pushforward`` (Jacobian-vector products), ``jacobian``,
``hessian``, ``hessian_vector_product``, the gradient-changing identities
``zero_grad``, ``disconnected_grad``, ``consider_constant``, ``grad_clip``,
``grad_scale``, and ``verify_grad`` (finite-difference checks).  The
implementation is in :mod:`arignote.autodiff`.
"""

from arignote.autodiff import *  # noqa: F401,F403
from arignote.autodiff import __all__  # noqa: F401
