"""The smaller public names of ``pytensor.tensor`` gathered for ``arignote.tensor``'s star import.

They are defined by concern: ``math_compat`` (the rest of ``tensor.math``),
``array_selection`` (``choose``, ``take_along_axis``, ...), ``index_grids`` (``mgrid``,
``tril_indices``, ...), ``flat_index`` (``unravel_index``, ``ravel_multi_index``),
``extra_ops_compat`` (``bartlett``, ``concat_with_broadcast``), ``constant_values``
(``get_underlying_scalar_constant_value``, ``make_slice``, ...) and ``pack_dims`` (``pack``,
``join_dims``, ...).  ``tensor.basic``, ``tensor.math`` and ``tensor.extra_ops`` answer them
too, through the tensor namespace (``namespace_forwarding``).

No ``__all__`` here: a star import of this module gives exactly the names of the modules'
``__all__`` lists imported below.
"""

from arignote.tensor.array_selection import *  # noqa: F403
from arignote.tensor.constant_values import *  # noqa: F403
from arignote.tensor.extra_ops_compat import *  # noqa: F403
from arignote.tensor.index_grids import *  # noqa: F403
from arignote.tensor.math_compat import *  # noqa: F403
from arignote.tensor.pack_dims import *  # noqa: F403
