"""The program being linked: how an op's implementation compiles an inner graph.

An op whose implementation runs an inner graph (a loop's body) should compile
it with the backend of the program around it.  The op sits below the compile
layer and cannot import it; instead the linker states what it is doing here
for the duration of a link (:func:`linking`), and the op reads it
(:func:`current_linking`).  A context variable, not a module global: threads
or tasks compiling at once each see their own, and a nested link (an inner
graph linked while its outer program is) stacks on the outer one.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from arignote.graph.basic import Variable


@dataclass(frozen=True)
class Linking:
    """One link under way."""

    #: the compilation mode (an ``arignote.compile.Mode``: ``mode.linker`` names the backend)
    mode: Any
    #: ``link(inputs, outputs)``: a program computing ``outputs`` with the same mode
    link: Callable[[Sequence[Variable], Sequence[Variable]], Any]


_linking: contextvars.ContextVar[tuple[Linking, ...]] = contextvars.ContextVar("arignote_linking",
                                                                               default=())


def current_linking() -> Linking | None:
    """The innermost link under way in this thread (or task), if any."""
    stack = _linking.get()
    return stack[-1] if stack else None


@contextlib.contextmanager
def linking(state: Linking) -> Iterator[None]:
    """Within the block, ``state`` is the link under way."""
    token = _linking.set((*_linking.get(), state))
    try:
        yield
    finally:
        _linking.reset(token)
