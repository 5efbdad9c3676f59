"""PyTensor's op classes whose job arignote does with ops of other names.

PyTensor has one class per kind of node (``Sum``, ``ExtractDiag``, ``Dot22``); arignote often
has one op for several of them (a `CAReduce` holding its scalar op) or builds the computation
from other ops (``choose``, ``permute_row_elements``).  An :class:`OpKind` subclass stands
for such a PyTensor class:

- ``isinstance(op, Kind)`` holds for the arignote ops doing that job (``isinstance(node.op,
  Sum)`` for the nodes of ``at.sum``), and for nothing when arignote has no such node;
- calling it with PyTensor's parameters (``Sum(axis=1)``, ``AllocEmpty("float32")``) gives
  the arignote op when there is one, otherwise an :class:`OpBuilder`: a callable, not an op,
  building the same computation from arignote's ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["OpBuilder", "OpKind", "OpKindMeta"]


class OpKindMeta(type):
    """Metaclass of :class:`OpKind`: ``isinstance`` asks the kind, calling builds."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return bool(cls.matches(obj))  # type: ignore[attr-defined]

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.build(*args, **kwargs)  # type: ignore[attr-defined]


class OpKind(metaclass=OpKindMeta):
    """Base of the kinds; subclasses define :meth:`matches` and :meth:`build`, or, for a
    kind without constructor arguments that arignote computes with a function, ``builds``."""

    #: the function an argument-less kind stands for (``Bartlett()`` builds ``bartlett``)
    builds: ClassVar[Callable[..., Any] | None] = None

    @classmethod
    def matches(cls, op: Any) -> bool:
        """Whether ``op`` is an arignote op doing this kind's job."""
        return False

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        """The op (or :class:`OpBuilder`) for PyTensor's constructor arguments."""
        if cls.builds is None:
            raise NotImplementedError(f"{cls.__name__} cannot be built")
        if args or kwargs:
            raise TypeError(f"{cls.__name__}() takes no arguments")
        return OpBuilder(cls.__name__, cls.builds)


class OpBuilder:
    """A callable standing for a PyTensor op whose computation arignote builds from other
    ops: calling it builds that graph (its output is not the output of one node)."""

    __slots__ = ("name", "params", "_build")

    def __init__(self, name: str, build: Callable[..., Any], **params: Any) -> None:
        self.name, self.params, self._build = name, params, build

    def __call__(self, *inputs: Any) -> Any:
        return self._build(*inputs, **self.params)

    def __getattr__(self, name: str) -> Any:
        params = object.__getattribute__(self, "params")
        if name in params:
            return params[name]  # the parameters read as PyTensor's op fields (op.axis)
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, OpBuilder) and (self.name, self._build) == (other.name, other._build)
                and self.params == other.params)

    def __hash__(self) -> int:
        return hash((self.name, repr(sorted(self.params.items()))))

    def __reduce__(self) -> Any:
        return (_rebuild, (self.name, self._build, self.params))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def _rebuild(name: str, build: Callable[..., Any], params: dict[str, Any]) -> OpBuilder:
    return OpBuilder(name, build, **params)
