"""The ``jax`` linker: a graph compiled to one ``jax.jit``-compiled callable.

:class:`JaxProgram` is what ``arignote.function`` runs in the JAX mode.  It
takes NumPy values, runs the jitted function and hands back NumPy arrays.
Like every backend it returns fresh, writable arrays: JAX's buffers are
immutable (NumPy sees them read-only), so each output is copied once, the
only cost this wrapper adds to the jitted call (``f.jax_fn`` avoids it).  When
the graph has run-time checks (indices that are not static, say), the
function is transformed with ``checkify`` and a failed check raises the
error the other backends raise (IndexError, ValueError), naming the op and
the user line that built it.  XLA's report that memory ran out (a
``JaxRuntimeError`` with status RESOURCE_EXHAUSTED) becomes a MemoryError,
as NumPy's on the other backends, with JAX's error as its ``__cause__``.
Random generators cross the wrapper as NumPy generators and are ``jax.random``
keys inside the jitted function (``random.GeneratorBoundary`` says how).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.backend.jax.plan import make_plan
from arignote.backend.jax.registry import jax_impl
from arignote.backend.jax.runtime import load_jax
from arignote.backend.jax.translate import translate
from arignote.graph.basic import Apply, Variable


def _lowerings_loaded() -> Any:
    """The registry, with every lowering module imported (they import JAX)."""
    load_jax()
    import arignote.backend.jax.lowerings  # noqa: F401  (registers the lowerings)

    return jax_impl


def _runtime_error_type() -> type[Exception]:
    """JAX's run-time error class (``jax.errors.JaxRuntimeError``; ``XlaRuntimeError`` before)."""
    found: type[Exception] | None = getattr(load_jax().errors, "JaxRuntimeError", None)
    if found is None:  # older jaxlib
        from jaxlib.xla_extension import XlaRuntimeError

        found = XlaRuntimeError
    return found


def _as_memory_error(exc: Exception, runtime_error: type[Exception]) -> MemoryError | None:
    """A MemoryError for XLA's "out of memory" (status RESOURCE_EXHAUSTED), else None."""
    if isinstance(exc, runtime_error) and "RESOURCE_EXHAUSTED" in str(exc):
        return MemoryError(f"out of memory running the JAX computation: {exc}")
    return None


class JaxProgram:
    """``outputs`` as a jitted function of ``inputs``; call :meth:`run` with NumPy values."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> None:

        jax = load_jax()
        registry = _lowerings_loaded()
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self._runtime_error = _runtime_error_type()
        self.plan = make_plan(self.inputs, self.outputs, registry)
        from jax.experimental import checkify

        translation = translate(self.plan, self.inputs, self.outputs, checks=True,
                                check=checkify.check)
        self.has_checks = translation.has_checks
        self._constant_args = [jax.device_put(c) for c in translation.constant_args]
        # random generators: NumPy generators outside jit, keys inside (imported here, as the
        # lowerings: that module imports JAX, and this one is imported without it)
        from arignote.backend.jax.random import GeneratorBoundary

        boundary = GeneratorBoundary.find(self.inputs, self.outputs)
        fn = translation.fn if boundary is None else boundary.traced(translation.fn)
        # sparse matrices: scipy.sparse outside jit, BCOO inside (inside the generators'
        # boundary, which then sees every output it gives back)
        from arignote.backend.jax.sparse import SparseBoundary

        sparse = SparseBoundary.find(self.inputs, self.outputs)
        fn = fn if sparse is None else sparse.traced(fn)
        if self.has_checks:
            self.jitted = jax.jit(checkify.checkify(fn, errors=checkify.user_checks))
            self._contexts = translation.contexts
            self.run = self._run_checked
        else:
            self.jitted = jax.jit(fn)
            self.run = self._run
        if sparse is not None:
            self.run = sparse.wrap(self.run)
        if boundary is not None:
            self.run = boundary.wrap(self.run)
        self.nodes = self.plan.nodes

    def __call__(self, *values: Any) -> list[Any]:
        return self.run(*values)

    def _run(self, *values: Any) -> list[Any]:
        try:
            # reading the results is inside the try: JAX dispatches asynchronously, so a failure
            # of the computation may surface only then
            return [np.array(v) for v in self.jitted(*values, *self._constant_args)]
        except Exception as exc:
            memory = _as_memory_error(exc, self._runtime_error)
            if memory is None:
                raise
            raise memory from exc

    def _run_checked(self, *values: Any) -> list[Any]:
        try:
            error, outputs = self.jitted(*values, *self._constant_args)
            message = error.get()
            results = None if message is not None else [np.array(v) for v in outputs]
        except Exception as exc:
            memory = _as_memory_error(exc, self._runtime_error)
            if memory is None:
                raise
            raise memory from exc
        if results is None:
            raise self._check_error(message)
        return results

    def _check_error(self, message: str) -> Exception:
        message = message.removesuffix(" (`check` failed)")
        for ctx in self._contexts:
            for error, prefix in ctx.all_check_kinds():
                if message.startswith(prefix):
                    return error(message)
        return RuntimeError(message)

    def node_at_failure(self, exc: BaseException) -> Apply | None:
        """None: errors from the JAX backend already name their node."""
        return None

    def pure_function(self) -> Any:
        """The translation without checks, as a plain function of JAX values (see ``jax_fn``)."""

        return translate(self.plan, self.inputs, self.outputs, checks=False,
                         embed_all_constants=True).fn
