"""The tensor API: ``import arignote.tensor as at``.

NumPy-named functions building graphs of array operations, with PyTensor's
constructors (``at.matrix("x")``) and conveniences.
"""

from arignote.tensor.type import DTYPES, TensorType  # noqa: I001
from arignote.tensor.variable import TensorConstant, TensorVariable
from arignote.tensor.basic import *  # noqa: F403
from arignote.tensor.basic import (NotScalarConstantError, as_tensor_variable, cast, constant,
                                   get_scalar_constant_value, tensor)
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.dimshuffle import (DimShuffle, dimshuffle, expand_dims, matrix_transpose,
                                        moveaxis, squeeze, swapaxes, transpose)
from arignote.tensor.math import *  # noqa: F403
from arignote.tensor.special_functions import *  # noqa: F403
from arignote.tensor.shape import *  # noqa: F403
from arignote.tensor.alloc import *  # noqa: F403
from arignote.tensor.join import *  # noqa: F403
from arignote.tensor.reduction import *  # noqa: F403
from arignote.tensor.extra_ops import *  # noqa: F403
from arignote.tensor.sort import *  # noqa: F403
from arignote.tensor.products import *  # noqa: F403
from arignote.tensor.vector_products import matvec, vecdot, vecmat
from arignote.tensor.subtensor import *  # noqa: F403
from arignote.tensor.spacing import geomspace, linspace, logspace
from arignote.tensor.numpy_extras import *  # noqa: F403
from arignote.tensor.diag import diag, fill_diagonal, fill_diagonal_offset
from arignote.tensor.pad import pad
from arignote.tensor.interpolate import interp, interpolate1d
from arignote.tensor import fft, signal
from arignote.tensor.compat_names import *  # noqa: F403
from arignote.tensor import linalg, random, special, subtensor
# the module names stay free for the functions (at.vectorize), as in PyTensor, whose
# vectorize lives in pytensor.tensor.functional; Blockwise is in arignote.tensor.blockwise
from arignote.tensor import blockwise, vectorize_node
from arignote.tensor.functional import vectorize, vectorize_graph
from arignote.tensor.einsum import einsum
from arignote.tensor.type_other import NoneConst

as_tensor = as_tensor_variable

# Fill the hooks through which the layers below reach this one (arignote/graph/hooks.py).
import sys as _sys  # noqa: E402

from arignote.graph import hooks as _hooks  # noqa: E402

_hooks.tensor_api.install(_sys.modules[__name__])
_hooks.as_variable.install(as_tensor_variable)
