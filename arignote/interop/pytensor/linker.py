"""A PyTensor linker that compiles with arignote, and the ``Mode`` that uses it.

``pytensor.function(inputs, outputs, mode=arignote.interop.pytensor.mode())`` keeps
PyTensor's function interface (inputs, outputs, updates, shared variables, ``trust_input``):
PyTensor builds its ``FunctionGraph`` (shared variables as inputs, their updates as extra
outputs) and manages the storage; the linker converts that graph to arignote
(:func:`~arignote.interop.pytensor.convert.from_pytensor`, shared variables as inputs) and
compiles it with :func:`arignote.function` on the C backend (or ``backend="jax"``), one thunk
for the whole graph.  PyTensor's own rewrites are skipped (arignote rewrites the converted
graph) unless ``pytensor_rewrites`` names a PyTensor optimizer query to run first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytensor.compile.mode import Mode
from pytensor.link.basic import JITLinker

from arignote.compile.function import function as compile_function
from arignote.interop.pytensor.convert import from_pytensor

__all__ = ["ArignoteLinker", "mode"]

#: arignote's mode for each backend name
_BACKENDS = {"c": "FAST_RUN", "jax": "JAX", "py": "PY"}


class ArignoteLinker(JITLinker):
    """Compiles a PyTensor ``FunctionGraph`` with arignote, as one thunk."""

    required_rewrites: tuple[str, ...] = ()
    incompatible_rewrites: tuple[str, ...] = ()

    def __init__(self, backend: str = "c", *args: Any, **kwargs: Any) -> None:
        if backend not in _BACKENDS:
            raise ValueError(f"ArignoteLinker: backend must be one of {sorted(_BACKENDS)}, got {backend!r}")
        self.backend = backend
        super().__init__(*args, **kwargs)

    def clone(self, allow_gc: Any = None) -> ArignoteLinker:
        return type(self)(self.backend, allow_gc=self.allow_gc if allow_gc is None else allow_gc)

    def fgraph_convert(self, fgraph: Any, order: Any = None, input_storage: Any = None,
                       output_storage: Any = None, storage_map: Any = None,
                       **kwargs: Any) -> Callable[..., Any]:
        converted = from_pytensor(fgraph, shared_as_inputs=True)
        # PyTensor has filtered the inputs already (trust_input) and stores the outputs: the
        # program runs without arignote's own call steps
        compiled = compile_function(converted.inputs, converted.outputs, mode=_BACKENDS[self.backend],
                                    on_unused_input="ignore", trust_input=True)
        return compiled.direct_runner()

    def create_thunk_inputs(self, storage_map: dict[Any, list[Any]]) -> list[Any]:
        assert self.fgraph is not None  # accept() has set it
        return [storage_map[n] for n in self.fgraph.inputs]

    def jit_compile(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn


def mode(backend: str = "c", pytensor_rewrites: str | None = None) -> Mode:
    """A PyTensor ``Mode`` whose functions compile with arignote: ``backend`` "c" (the
    default), "jax" or "py"; ``pytensor_rewrites`` a PyTensor optimizer name ("fast_run"...)
    to run PyTensor's rewrites before converting (default: none, arignote rewrites)."""
    # "None": PyTensor's name of the empty rewrite query
    return Mode(linker=ArignoteLinker(backend), optimizer=pytensor_rewrites or "None")
