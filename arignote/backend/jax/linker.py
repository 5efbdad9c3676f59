"""The ``jax`` linker: a graph compiled to one ``jax.jit``-compiled callable.

:class:`JaxProgram` is what ``arignote.function`` runs in the JAX mode.  It
takes NumPy values, runs the jitted function and hands back NumPy arrays.
Like every backend it returns fresh, writable arrays: JAX's buffers are
immutable (NumPy sees them read-only), so each output is copied once, the
only cost this wrapper adds to the jitted call (``f.jax_fn`` avoids it).  When
the graph has run-time checks (indices that are not static, say), the
function is transformed with ``checkify`` and a failed check raises the
error the other backends raise (IndexError, ValueError), naming the op and
the user line that built it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.backend.jax.runtime import load_jax
from arignote.graph.basic import Apply, Variable


def _lowerings_loaded() -> Any:
    """The registry, with every lowering module imported (they import JAX)."""
    load_jax()
    import arignote.backend.jax.lowerings  # noqa: F401  (registers the lowerings)
    from arignote.backend.jax.registry import jax_impl

    return jax_impl


class JaxProgram:
    """``outputs`` as a jitted function of ``inputs``; call :meth:`run` with NumPy values."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> None:
        from arignote.backend.jax.plan import make_plan
        from arignote.backend.jax.translate import translate

        jax = load_jax()
        registry = _lowerings_loaded()
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.plan = make_plan(self.inputs, self.outputs, registry)
        from jax.experimental import checkify

        translation = translate(self.plan, self.inputs, self.outputs, checks=True,
                                check=checkify.check)
        self.has_checks = translation.has_checks
        self._constant_args = [jax.device_put(c) for c in translation.constant_args]
        if self.has_checks:
            self.jitted = jax.jit(checkify.checkify(translation.fn, errors=checkify.user_checks))
            self._contexts = translation.contexts
            self.run = self._run_checked
        else:
            self.jitted = jax.jit(translation.fn)
            self.run = self._run
        self.nodes = self.plan.nodes

    def __call__(self, *values: Any) -> list[Any]:
        return self.run(*values)

    def _run(self, *values: Any) -> list[Any]:
        return [np.array(v) for v in self.jitted(*values, *self._constant_args)]

    def _run_checked(self, *values: Any) -> list[Any]:
        error, outputs = self.jitted(*values, *self._constant_args)
        message = error.get()
        if message is not None:
            raise self._check_error(message)
        return [np.array(v) for v in outputs]

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
        from arignote.backend.jax.translate import translate

        return translate(self.plan, self.inputs, self.outputs, checks=False,
                         embed_all_constants=True).fn
