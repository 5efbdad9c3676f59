"""Command line: ``python -m arignote cache info`` and ``python -m arignote cache clear``."""

from __future__ import annotations

import argparse
import sys

from arignote.backend.c.cache import get_cache
from arignote.backend.c.runtime import cached_runtime
from arignote.backend.c.toolchain import CompilerUnavailable, get_toolchain


def _cache_info() -> int:
    stats = get_cache().stats()
    print(f"cache folder:   {stats.folder}{'' if stats.writable else ' (not writable)'}")
    print(f"entries:        {stats.entries - stats.programs} compiled objects, {stats.programs} whole "
          f"programs (config.program_cache), {stats.total_bytes / 1e6:.1f} MB")
    if stats.limit_bytes:
        print(f"size limit:     {stats.limit_bytes / 1e6:g} MB (config.c_cache_max_mb; the least "
              "recently used entries are evicted beyond it)")
    else:
        print("size limit:     none (config.c_cache_max_mb = 0)")
    if stats.temporary_files:
        print(f"leftovers:      {stats.temporary_files} temporary files of interrupted builds")
    try:
        toolchain = get_toolchain()
    except CompilerUnavailable as exc:
        print(f"compiler:       none ({exc})")
        return 0
    print(f"compiler:       {toolchain.compiler} ({toolchain.version})")
    print(f"flags:          {' '.join(toolchain.flags)}")
    print(f"vector math:    {'glibc libmvec' if toolchain.vector_math else 'off'}")
    built = cached_runtime(toolchain)
    print(f"runtime module: {built if built is not None else 'not built yet (built on first use)'}")
    return 0


def _cache_clear() -> int:
    cache = get_cache()
    removed = cache.clear()
    print(f"removed {removed} files from {cache.folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arignote", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    cache = commands.add_parser("cache", help="the on-disk cache of compiled C code and programs")
    cache.add_argument("action", choices=["info", "clear"], help="show or empty the cache")
    args = parser.parse_args(argv)
    if args.command == "cache":
        return _cache_info() if args.action == "info" else _cache_clear()
    return 2


if __name__ == "__main__":
    sys.exit(main())
