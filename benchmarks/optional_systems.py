"""The systems compared with arignote, imported on demand; a missing one is reported, never fatal."""

from __future__ import annotations

import functools
import importlib.metadata
import os
from types import ModuleType


#: systems left out on request (``run.py --without jax``)
SKIPPED: set[str] = set()


class Unavailable(Exception):
    """A comparison system cannot be used; the message says why (shown in the table)."""


def _check_skipped(name: str) -> None:
    if name in SKIPPED:
        raise Unavailable("skipped (--without)")


@functools.cache
def load_pytensor() -> tuple[ModuleType, ModuleType]:
    """``(pytensor, pytensor.tensor)``, imported and warmed up (its first import may
    compile C code for a minute, which must not land in a timed region)."""
    _check_skipped("pytensor")
    try:
        import pytensor
        import pytensor.tensor as pt
    except ImportError:
        raise Unavailable("not installed") from None
    except Exception as exc:  # a broken install or compiler: skip the comparison, say why
        raise Unavailable(f"import failed: {type(exc).__name__}: {exc}") from None
    try:
        x = pt.dscalar("warmup")
        pytensor.function([x], pt.tanh(x * 2.0 + 1.0))(1.0)
    except Exception as exc:
        raise Unavailable(f"warm-up compile failed: {type(exc).__name__}: {exc}") from None
    return pytensor, pt


@functools.cache
def load_jax() -> tuple[ModuleType, ModuleType]:
    """``(jax, jax.numpy)`` on the CPU with 64-bit floats (to compute what arignote computes)."""
    _check_skipped("jax")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        raise Unavailable("not installed") from None
    except Exception as exc:
        raise Unavailable(f"import failed: {type(exc).__name__}: {exc}") from None
    try:
        jax.config.update("jax_enable_x64", True)
        jax.jit(lambda v: jnp.tanh(v * 2.0 + 1.0))(1.0).block_until_ready()
    except Exception as exc:
        raise Unavailable(f"warm-up failed: {type(exc).__name__}: {exc}") from None
    return jax, jnp


def describe() -> list[str]:
    """One line per system: its version, or why it is not available."""
    lines = []
    for name, loader in (("arignote", None), ("pytensor", load_pytensor), ("jax", load_jax)):
        try:
            if loader is not None:
                loader()
            lines.append(f"{name} {importlib.metadata.version(name)}")
        except Unavailable as exc:
            lines.append(f"{name}: {exc}")
        except importlib.metadata.PackageNotFoundError:
            lines.append(f"{name} (version unknown)")
    return lines
