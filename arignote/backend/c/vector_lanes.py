"""One value through the vector variant of a libm function, as the array kernels compute it.

Array kernels compute ``exp``, ``tanh``, ... with glibc's vector variants
(:mod:`.vector_math`, :mod:`.kernel_blocks`).  A compiled scalar loop (a
recurrence over single elements, :mod:`.kernel_loop`) calls one function per
step; calling the scalar libm there would give values that differ in the
last bit from the same function applied to an array, so a loop and its
unrolled equivalent would not agree.  Instead it calls the very variant the
array kernels use, on a vector holding the value in every lane, and takes
lane 0: each lane is computed on its own, so the result is the array
kernels' value.

Which variant the compiler picks (SSE, AVX2 or AVX-512, and how many lanes)
depends on the machine and the flags, so it is not guessed: a probe with one
loop per function, written as the array kernels write theirs, is compiled to
assembly once per toolchain and the calls are read off; the answer is kept
in the cache folder beside the compiled code.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from pathlib import Path

from arignote.backend.c.cache import SUBDIR, cache_root
from arignote.backend.c.toolchain import CompileError, Toolchain
from arignote.backend.c.vector_math import ARITY, declarations, vectorized_functions

_LABEL = re.compile(r"^(ag_probe_\w+):", re.MULTILINE)
_CALL = re.compile(r"\b(?:call|jmp)\s+(_ZGV[a-z]N(\d+)(v+)_\w+?)(?:@PLT)?\s*$", re.MULTILINE)


def _probe_source(names: list[str], bases: frozenset[str]) -> str:
    """One loop per function, as the array kernels write theirs (aligned blocks of 64)."""
    lines = ["#include <math.h>", "#include <stdint.h>", declarations(set(names), bases)]
    for name in names:
        single = name.endswith("f") and name[:-1] in bases
        ctype = "float" if single else "double"
        args = ", ".join(["x[i]", "y[i]"][:ARITY.get(name[:-1] if single else name, 1)])
        lines.append(f"""
void ag_probe_{name}({ctype} *restrict r, const {ctype} *restrict a, const {ctype} *restrict b) {{
    {ctype} x[64] __attribute__((aligned(64))), y[64] __attribute__((aligned(64))),
        z[64] __attribute__((aligned(64)));
    for (int i = 0; i < 64; i++) {{ x[i] = a[i]; y[i] = b[i]; }}
    #pragma omp simd
    for (intptr_t i = 0; i < 64; i++) z[i] = {name}({args});
    for (int i = 0; i < 64; i++) r[i] = z[i];
}}""")
    return "\n".join(lines) + "\n"


def _read_calls(assembly: str) -> dict[str, str]:
    """Function name -> the vector variant its probe loop calls."""
    found: dict[str, str] = {}
    labels = list(_LABEL.finditer(assembly))
    for k, label in enumerate(labels):
        end = labels[k + 1].start() if k + 1 < len(labels) else len(assembly)
        call = _CALL.search(assembly, label.end(), end)
        if call is not None:
            found[label.group(1)[len("ag_probe_"):]] = call.group(1)
    return found


def _stored(toolchain: Toolchain) -> Path:

    return cache_root() / SUBDIR / f"vector-lanes-{toolchain.fingerprint[:24]}.json"


@functools.lru_cache(maxsize=8)
def lane_variants(toolchain: Toolchain) -> dict[str, str]:
    """libm name (``exp``, ``expf``, ...) -> the vector variant the array kernels call for it
    (empty without vector math, or when the probe cannot tell)."""
    bases = vectorized_functions(toolchain)
    if not bases:
        return {}
    path = _stored(toolchain)
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        pass
    names = sorted({*bases, *(b + "f" for b in bases)})
    try:
        found = _read_calls(toolchain.assembly(_probe_source(names, bases)))
    except CompileError:
        return {}
    try:  # publish atomically; a folder that cannot be written just means probing again next time
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        temporary.write_text(json.dumps(found, sort_keys=True))
        os.replace(temporary, path)
    except OSError:
        pass
    return found


def _parse(symbol: str) -> tuple[int, int]:
    """(lanes, arguments) of a vector-ABI symbol such as ``_ZGVeN8vv_pow``."""
    match = re.match(r"_ZGV[a-z]N(\d+)(v+)_", symbol)
    assert match is not None
    return int(match.group(1)), len(match.group(2))


def lane_helpers(used: set[str], variants: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """C definitions of ``ag_lane_<name>`` for the ``used`` libm functions that have a
    variant, and the renaming ``name -> ag_lane_<name>`` to apply to the kernel's code."""
    lines: list[str] = []
    renamed: dict[str, str] = {}
    typedefs: set[str] = set()
    for name in sorted(used):
        symbol = variants.get(name)
        if symbol is None:
            continue
        lanes, arity = _parse(symbol)
        single = name.endswith("f") and name[:-1] in variants
        ctype = "float" if single else "double"
        vtype = f"ag_v{lanes}{'f' if single else 'd'}"
        if vtype not in typedefs:
            typedefs.add(vtype)
            size = lanes * (4 if single else 8)
            lines.append(f"typedef {ctype} {vtype} __attribute__((vector_size({size})));")
        params = ", ".join([vtype] * arity)
        args = ", ".join(f"{ctype} a{j}" for j in range(arity))
        fill = " ".join(f"v{j}[i] = a{j};" for j in range(arity))
        lines += [f"extern {vtype} {symbol}({params});",
                  f"static inline {ctype} ag_lane_{name}({args}) {{",
                  f"    {'; '.join(f'{vtype} v{j}' for j in range(arity))};",
                  f"    for (int i = 0; i < {lanes}; i++) {{ {fill} }}",
                  f"    return {symbol}({', '.join(f'v{j}' for j in range(arity))})[0];",
                  "}"]
        renamed[name] = f"ag_lane_{name}"
    return lines, renamed


def rename_calls(code: str, renamed: dict[str, str]) -> str:
    """``code`` with each call ``name(`` of a renamed function made a call of its lane helper."""
    if not renamed:
        return code
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, renamed)) + r")\(")
    return pattern.sub(lambda m: renamed[m.group(1)] + "(", code)
