"""``Function.jax_fn``: a compiled graph as a pure function of JAX values.

``f.jax_fn(*inputs, *shared_values)`` computes what ``f`` computes, for use
inside ``jax.jit``, ``jax.vmap``, ``jax.grad``, ``jax.lax.scan`` or with
shardings:

* its arguments are ``f``'s inputs, in order, followed by the current value
  of each shared variable the graph reads (``f.shared``, in that order);
* it returns what ``f`` returns: one array for a single output, a tuple for
  a list of outputs; when ``f`` has updates it returns ``(outputs,
  new_values)`` with one new value per updated shared variable
  (``f.updates``), since a pure function cannot store them;
* a random generator, as an argument or a result, is a ``jax.random`` key
  (not a ``numpy.random.Generator``): a draw splits the key it is given
  (see :mod:`arignote.backend.jax.random`).

It holds no run-time checks (an index out of range is clamped, JAX's rule,
where ``f`` raises IndexError), and it is not jitted: jit it, or call it
inside a function that is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def pure_function(function: Any) -> Callable[..., Any]:
    """The pure JAX function of the compiled ``function`` (see the module docstring)."""
    program = function.program
    make = getattr(program, "pure_function", None)
    if make is None:
        raise TypeError(f"jax_fn: this function was compiled for the {function.mode.linker!r} "
                        "backend; compile it with mode='JAX' (or Mode(linker='jax')) to get its "
                        "JAX function")
    run = make()
    n_outputs = function.n_outputs
    n_args = len(function.inputs) + len(function.shared)
    has_updates = bool(function.updates)
    single = function.single_output

    def jax_fn(*args: Any) -> Any:
        if len(args) != n_args:
            raise TypeError(f"jax_fn takes {n_args} argument(s) ({len(function.inputs)} input(s) "
                            f"and {len(function.shared)} shared value(s)), got {len(args)}")
        values = run(*args)
        outputs = values[0] if single else tuple(values[:n_outputs])
        if has_updates:
            return outputs, tuple(values[n_outputs:])
        return outputs

    jax_fn.__doc__ = (f"The JAX function of {function!r}: arguments "
                      f"{[str(v) for v in function.inputs + function.shared]}.")
    return jax_fn
