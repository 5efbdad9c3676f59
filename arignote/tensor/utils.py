"""PyTensor's ``tensor.utils`` helpers that mean something on arignote's graphs:
``hash_from_ndarray`` and ``_parse_gufunc_signature`` (``tensor.blockwise.parse_signature``).

PyTensor's ``shape_of_variables`` (shapes over a ``FunctionGraph`` with its shape feature) is
not here: arignote's symbolic shapes are ``tensor.shape_inference.shape_of``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from arignote.tensor.blockwise import parse_signature

__all__ = ["_parse_gufunc_signature", "hash_from_ndarray"]


def hash_from_ndarray(data: Any) -> str:
    """A hex digest of an array's values, shape and dtype: a view and its copy hash alike."""
    array = np.ascontiguousarray(np.asarray(data))
    digest = hashlib.sha256()
    for part in (array.tobytes(), str(array.shape).encode(), str(array.dtype).encode()):
        digest.update(hashlib.sha256(part).digest())  # each part hashed apart: no ambiguous joins
    return digest.hexdigest()


def _parse_gufunc_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The input and output core dims of a gufunc signature (``"(m,n),(n)->(m)"`` gives
    ``([("m", "n"), ("n",)], [("m",)])``); ValueError when it is not one."""
    inputs, outputs = parse_signature("".join(signature.split()))
    return list(inputs), list(outputs)
