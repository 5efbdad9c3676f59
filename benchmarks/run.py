"""Run the benchmarks and print one table per benchmark setting.

    python benchmarks/run.py                 # all benchmarks
    python benchmarks/run.py build           # only graph building
    python benchmarks/run.py rewrite         # only rewrite (compile) time
    python benchmarks/run.py overhead --quick
    python benchmarks/run.py c compile       # the C backend: run time, and compile time
    python benchmarks/run.py build --profile # plus a cProfile of arignote's build
    python benchmarks/run.py autodiff        # gradient graphs: node counts, compile and run time
    python benchmarks/run.py linalg          # linear algebra beside NumPy/SciPy, JAX, PyTensor
    python benchmarks/run.py random          # random draws beside NumPy and JAX
    python benchmarks/run.py logprob         # model log-densities beside PyMC and JAX
    python benchmarks/run.py pymc            # PyMC models through arignote's PyTensor mode
    python benchmarks/run.py --without jax   # leave a comparison system out

Normally started through ``bash benchmarks/run.sh`` (``make bench``), which
sets up an environment with PyTensor and JAX beside arignote.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.append(os.path.dirname(HERE))  # the checkout's arignote, when it is not installed

import autodiff  # noqa: E402
import c_backend  # noqa: E402
import c_compile  # noqa: E402
import einsum  # noqa: E402
import call_overhead  # noqa: E402
import graph_build  # noqa: E402
import jax_backend  # noqa: E402
import linalg  # noqa: E402
import random_draws  # noqa: E402
import logprob_models  # noqa: E402
import pymc_models  # noqa: E402
import loops  # noqa: E402
import rewrite_time  # noqa: E402
from bench_common import format_table  # noqa: E402
import optional_systems  # noqa: E402

BENCHMARKS = {module.NAME: module for module in (graph_build, call_overhead, rewrite_time, loops, autodiff,
                                                  c_backend, c_compile, einsum, jax_backend,
                                                  linalg, random_draws, logprob_models, pymc_models)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run, not a measurement")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of arignote's graph build")
    parser.add_argument("--without", action="append", default=[], choices=["pytensor", "jax"],
                        help="leave a comparison system out (repeatable)")
    args = parser.parse_args(argv)
    optional_systems.SKIPPED.update(args.without)
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{'quick smoke run' if args.quick else 'full run'}")
    print("systems: " + "; ".join(optional_systems.describe()))
    print("times: median over repetitions, IQR = interquartile range; systems interleaved "
          "within each repetition\n", flush=True)
    for name in names:
        start = time.perf_counter()
        for table in BENCHMARKS[name].run(quick=args.quick):
            print(format_table(table) + "\n", flush=True)
        print(f"({name}: {time.perf_counter() - start:.0f} s)\n", flush=True)
    if args.profile:
        print(graph_build.profile_arignote())
    return 0


if __name__ == "__main__":
    sys.exit(main())
