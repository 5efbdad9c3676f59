"""Builds the C backend's runtime module at install, where a C compiler works.

The package's metadata and settings are in pyproject.toml; this file only
adds the optional extension ``arignote.backend.c.arignote_runtime`` (the
sources of ``arignote/backend/c/runtime/`` as one translation unit, stamped
with their hash).  When it cannot be built (no compiler, no Python headers)
the install still succeeds without it, with a warning: arignote then builds
the module on first use, as it does whenever the installed one is missing
or was built from other sources.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
PACKAGE = Path("arignote", "backend", "c")
MODULE = "arignote.backend.c.arignote_runtime"


def _runtime_sources() -> ModuleType:
    """arignote/backend/c/runtime_sources.py loaded by path: importing the package would need
    its dependencies, which the build environment does not have."""
    spec = importlib.util.spec_from_file_location("_arignote_runtime_sources",
                                                  ROOT / PACKAGE / "runtime_sources.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OptionalBuildExt(build_ext):
    """build_ext for the runtime module: writes its one source file first, and turns any
    failure into a warning (the install then goes on without the module)."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # e.g. no compiler of the platform's kind at all
            self.warn(f"arignote: the C runtime module was not built ({type(exc).__name__}: {exc})")

    def build_extension(self, ext: Extension) -> None:
        try:
            self._prepare(ext)
            super().build_extension(ext)
        except Exception as exc:  # whatever went wrong, the package works without the module
            self.warn(f"arignote: the C runtime module was not built ({type(exc).__name__}: {exc}); "
                      "arignote builds it on first use instead, if a C compiler works then")

    def _prepare(self, ext: Extension) -> None:
        import numpy as np  # a build requirement (pyproject.toml): its headers

        sources = _runtime_sources()
        text = sources.runtime_source(ROOT / PACKAGE / "runtime")
        unit = Path(self.build_temp, "arignote_runtime.c")
        unit.parent.mkdir(parents=True, exist_ok=True)
        # written only when it changed: an unchanged file keeps its time, so a rebuild is skipped
        if not unit.exists() or unit.read_text(encoding="utf-8") != text:
            unit.write_text(text, encoding="utf-8")
        ext.sources = [str(unit)]
        ext.include_dirs = [np.get_include()]
        ext.define_macros = [("AG_SOURCE_HASH", f'"{sources.source_hash(text)}"')]
        if self.compiler.compiler_type == "unix":
            # as arignote's own build of it (backend/c/toolchain.py), less the machine-specific
            # flags: -O1 is as fast as -O2 for this glue code; integers wrap, and a*b+c is
            # rounded twice, as in NumPy
            ext.extra_compile_args = ["-std=gnu11", "-O1", "-g0", "-pthread", "-fwrapv",
                                      "-fno-math-errno", "-ffp-contract=off"]
            ext.extra_link_args = ["-pthread"]
            ext.libraries = ["m"] if sys.platform == "darwin" else ["m", "dl"]


setup(
    # optional: a failed build leaves no module behind, and nothing to copy (editable installs)
    ext_modules=[Extension(MODULE, sources=[], optional=True)],
    cmdclass={"build_ext": OptionalBuildExt},
)
