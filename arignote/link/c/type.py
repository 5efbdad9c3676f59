"""``pytensor.link.c.type``: ``Generic``/``generic``, the type of variables holding any Python
object.  arignote's variables hold arrays (tensor, sparse, random generators, typed lists),
which its backends compile; ``Generic`` exists so code importing it loads, and making one raises."""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["Generic", "generic"]

_WHY = ("arignote has no Generic type: its variables hold arrays (tensors, sparse matrices, "
        "random generators, typed lists), which its backends compile; pass Python objects to "
        "an op as constant properties of the op instead")


class Generic:
    """PyTensor's type of arbitrary Python objects; not available here (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise NotImplementedError(_WHY)

    def __call__(self, name: str | None = None) -> NoReturn:
        raise NotImplementedError(_WHY)

    def make_variable(self, name: str | None = None) -> NoReturn:
        raise NotImplementedError(_WHY)

    def filter(self, value: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(_WHY)

    def __repr__(self) -> str:
        return "Generic() (not available in arignote)"


#: the instance PyTensor exports; making a variable with it raises (see module doc)
generic = Generic()
