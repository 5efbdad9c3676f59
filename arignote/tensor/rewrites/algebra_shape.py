"""Keeping a node's broadcast shape when the algebra merges or drops constants.

``x * 0 -> 0`` (integers) must still give an array of the shape of
``x * 0``, and ``x + zeros((3,))`` may drop the constant only when ``x`` is
known to have length 3 already: the toolkit's
:func:`~arignote.rewrite.toolkit.fit_to` and :func:`~arignote.rewrite.toolkit.filled`
give a simplified result the original's shape, or tell the rule to keep the
operand.  What is particular to the algebra is here: a merged constant keeps
only the axes the result needs from it.
"""

from __future__ import annotations

import numpy as np


def shape_neutral(value: np.ndarray, terms_ndim: int, out_ndim: int) -> np.ndarray:
    """A constant whose lengths are all 1, with only the axes the result needs from it.

    Such a constant never decides a length, only (possibly) the rank: it
    becomes 0-d unless the other operands have fewer axes than the result.
    """
    if any(n != 1 for n in value.shape):
        return value
    ndim = out_ndim if terms_ndim < out_ndim else 0
    return value.reshape((1,) * ndim)
