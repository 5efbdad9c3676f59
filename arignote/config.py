"""Global configuration: ``arignote.config``.

Flags are plain attributes.  They can be preset through the environment
variable ``ARIGNOTE_FLAGS`` (``"floatX=float32,trace_source=False"``) and
changed temporarily with :meth:`Config.change_flags`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

_DEFAULTS: dict[str, Any] = {
    # dtype of Python floats turned into constants and of the `f`-less constructors
    "floatX": "float64",
    # remember the file and line of user code that built each node
    "trace_source": True,
    # default compilation mode name
    "mode": "FAST_RUN",
    # largest constant (in elements) that compile-time folding may create
    "max_folded_constant_size": 1_000_000,
    # what a rule that raises does: fail the compilation, or warn and be skipped
    "on_rule_error": "raise",
    # elementwise fusion: the largest composite it makes, in scalar operations and in operands
    # (inputs, inner constants, outputs); a larger group is cut into several composites (C
    # kernels compiled in parallel), as a compiler's time on one function grows faster than
    # the function (measurements: arignote/tensor/rewrites/fusion.py); 0 = no bound
    "fusion_max_ops": 5000,
    "fusion_max_operands": 32,
    # C backend (arignote/backend/c): the compiler ("" = $CC, else gcc, clang or cc),
    # its optimisation flags ("" = the defaults of arignote.backend.c.toolchain),
    # the cache folder ("" = $ARIGNOTE_CACHE_DIR, else $XDG_CACHE_HOME/arignote) and its
    # size limit in megabytes (least recently used entries are evicted; 0 = no limit),
    # worker threads for large kernels (0 = one per available core), and whether
    # fused loops call glibc's vector math (libmvec) where it exists; whether loops
    # whose step works on single elements compile, loop and body, into one C function
    "c_compiler": "",
    # whether the C backend may run at all: False (PyTensor's `config.cxx = ""`) makes FAST_RUN
    # run on py, as on a machine without a compiler
    "c_backend": True,
    "c_flags": "",
    "c_cache_dir": "",
    "c_cache_max_mb": 1024.0,
    "c_threads": 0,
    "c_vector_math": True,
    "c_scalar_loops": True,
    # PyTensor's dtype rules for Python numbers and mixed dtypes.  "custom" (its default):
    # Python numbers are weak, as in NumPy 2 (float32_vector + 1.5 is float32).  "numpy+floatX":
    # a Python number has np.asarray's dtype except a float, which is floatX; a float64 that
    # NumPy promotes to without a float64 operand is a float32 (float16) floatX; integer /
    # integer is floatX (arignote/scalar/basic.py, tensor/basic.py, arange in tensor/alloc.py)
    "cast_policy": "custom",
    # whether `function` keeps the rewritten and linked program on disk (beside the C cache)
    # and reuses it for a structurally identical graph (arignote/compile/program_cache.py)
    "program_cache": True,
    # PyTensor's flag: print each rule firing (rule, node before, what replaced it) as a
    # compilation rewrites; the whole-function cache is bypassed meanwhile, so rules do run
    "optimizer_verbose": False,
    # PyTensor's OpenMP switches for its C elementwise loops, accepted so that programs setting
    # them run; arignote's C backend threads large kernels by itself (c_threads)
    "openmp": False,
    "openmp_elemwise_minsize": 200000,
    # PyTensor's choice of how its in-place machinery checks for cycles, accepted so that
    # programs reading it run; arignote decides in-place work when it schedules a program
    "cycle_detection": "regular",
}

_CHOICES: dict[str, tuple[Any, ...]] = {
    "floatX": ("float16", "float32", "float64"),
    "trace_source": (True, False),
    "on_rule_error": ("raise", "warn"),
    "c_vector_math": (True, False),
    "c_backend": (True, False),
    "c_scalar_loops": (True, False),
    "program_cache": (True, False),
    "optimizer_verbose": (True, False),
    "openmp": (True, False),
    "cycle_detection": ("regular", "fast"),
    "cast_policy": ("custom", "numpy+floatX"),
}

#: numeric flags that must not be negative
_NON_NEGATIVE = frozenset({"c_cache_max_mb", "fusion_max_ops", "fusion_max_operands",
                           "openmp_elemwise_minsize"})


def _parse(name: str, text: str) -> Any:
    default = _DEFAULTS[name]
    if isinstance(default, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"ARIGNOTE_FLAGS: {name} expects a boolean, got {text!r}")
    if isinstance(default, float):
        return float(text)
    if isinstance(default, int):
        return int(text)
    return text


#: values worked out from the flags and the machine, registered by the layer that knows how
#: (name -> Derived); e.g. PyTensor's ``cxx``, the C compiler
class Derived:
    """A derived value: ``getter()`` reads it; ``setter(value)``, when given, sets the flags
    ``stores`` it is made of (else setting it raises, naming ``instead``)."""

    def __init__(self, getter: Callable[[], Any], instead: str,
                 setter: Callable[[Any], None] | None = None, stores: tuple[str, ...] = ()) -> None:
        self.getter, self.instead, self.setter, self.stores = getter, instead, setter, stores


_DERIVED: dict[str, Derived] = {}


def register_derived(name: str, getter: Callable[[], Any], instead: str,
                     setter: Callable[[Any], None] | None = None, stores: tuple[str, ...] = ()) -> None:
    """Make ``config.<name>`` read ``getter()``; setting it calls ``setter`` (which sets the
    flags ``stores``) or, without one, raises naming ``instead``."""
    _DERIVED[name] = Derived(getter, instead, setter, stores)


class Config:
    """The flags that steer graph building and compilation."""

    def __init__(self) -> None:
        object.__setattr__(self, "_values", dict(_DEFAULTS))
        for item in filter(None, os.environ.get("ARIGNOTE_FLAGS", "").split(",")):
            name, _, text = item.partition("=")
            name = name.strip()
            if name not in _DEFAULTS:
                raise ValueError(f"ARIGNOTE_FLAGS names an unknown flag {name!r}")
            setattr(self, name, _parse(name, text.strip()))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            pass
        derived = _DERIVED.get(name)
        if derived is not None:
            return derived.getter()
        raise AttributeError(f"arignote.config has no flag {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _DERIVED:
            derived = _DERIVED[name]
            if derived.setter is None:
                raise AttributeError(f"arignote.config.{name} is read-only: {derived.instead}")
            derived.setter(value)
            return
        if name not in _DEFAULTS:
            raise AttributeError(f"arignote.config has no flag {name!r}")
        choices = _CHOICES.get(name)
        if choices is not None and value not in choices:
            raise ValueError(f"config.{name} must be one of {choices}, got {value!r}")
        if name in _NON_NEGATIVE and not (isinstance(value, (int, float)) and value >= 0):
            raise ValueError(f"config.{name} must be a number >= 0, got {value!r}")
        self._values[name] = value

    @contextlib.contextmanager
    def change_flags(self, **flags: Any) -> Iterator[None]:
        """Set flags for the duration of a ``with`` block."""
        # a derived value is restored through the flags it is made of
        stored = [n for name in flags for n in (_DERIVED[name].stores if name in _DERIVED else (name,))]
        old = {name: getattr(self, name) for name in stored}
        try:
            for name, value in flags.items():
                setattr(self, name, value)
            yield
        finally:
            for name, value in old.items():
                self._values[name] = value

    def items(self) -> list[tuple[str, Any]]:
        """Every flag and its value, in a fixed order."""
        return sorted(self._values.items())

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{k}={v!r}" for k, v in self._values.items()) + ")"


config = Config()
