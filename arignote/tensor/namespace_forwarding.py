"""PyTensor's modules hold more of the tensor API than arignote's modules of the same name:
``from pytensor.tensor.math import sum`` and ``from pytensor.tensor.basic import stack`` work.
:func:`tensor_namespace_getattr` gives such a module a ``__getattr__`` (PEP 562) answering any
name of the ``arignote.tensor`` namespace it does not define itself."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["names_elsewhere_getattr", "tensor_namespace_getattr"]


def tensor_namespace_getattr(module_name: str, elsewhere: dict[str, str] | None = None
                             ) -> Callable[[str], Any]:
    """The module ``__getattr__`` forwarding unknown names to ``arignote.tensor``.

    ``elsewhere`` names the module (``"module"`` or ``"module:attribute"``) holding some
    names, imported when asked for: PyTensor has them in this module, while arignote has
    them in a module that builds on it (so importing them on top would be a cycle).
    """
    def __getattr__(name: str) -> Any:
        # dunder names are not forwarded: the import system asks for them while importing
        if name.startswith("__"):
            raise AttributeError(name)
        if elsewhere and name in elsewhere:
            module, _, attribute = elsewhere[name].partition(":")
            return getattr(importlib.import_module(module), attribute or name)
        import arignote.tensor as namespace  # the package imports the modules using this

        if name in vars(namespace):
            return vars(namespace)[name]
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
    return __getattr__


def names_elsewhere_getattr(module_name: str, elsewhere: dict[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` answering only the names of ``elsewhere`` (as in
    :func:`tensor_namespace_getattr`), for modules that PyTensor does not fill with the API."""
    def __getattr__(name: str) -> Any:
        if name in elsewhere:
            module, _, attribute = elsewhere[name].partition(":")
            return getattr(importlib.import_module(module), attribute or name)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
    return __getattr__
