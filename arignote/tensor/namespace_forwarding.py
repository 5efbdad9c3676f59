"""PyTensor's modules hold more of the tensor API than arignote's modules of the same name:
``from pytensor.tensor.math import sum`` and ``from pytensor.tensor.basic import stack`` work.
:func:`tensor_namespace_getattr` gives such a module a ``__getattr__`` (PEP 562) answering any
name of the ``arignote.tensor`` namespace it does not define itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["tensor_namespace_getattr"]


def tensor_namespace_getattr(module_name: str) -> Callable[[str], Any]:
    """The module ``__getattr__`` forwarding unknown names to ``arignote.tensor``."""
    def __getattr__(name: str) -> Any:
        # dunder names are not forwarded: the import system asks for them while importing
        if name.startswith("__"):
            raise AttributeError(name)
        import arignote.tensor as namespace  # the package imports the modules using this

        if name in vars(namespace):
            return vars(namespace)[name]
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
    return __getattr__
