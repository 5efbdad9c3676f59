#!/usr/bin/env bash
# PyTensor's own user-level test files (../shared/pytensor-conformance/FILES) against arignote,
# strictly and relaxed (see run.sh there), with the totals: the figures the README reports.
#   bash tools/conformance.sh [strict|relaxed]...   (both by default; PYTHON defaults to .venv's)
# Numba must be importable (the `conformance` extra): two of the files name its warning classes in
# their pytest marks, and pytest stops on a mark it cannot resolve. arignote never imports Numba.
set -uo pipefail
cd "$(dirname "$0")/.."
HARNESS="${HARNESS:-../shared/pytensor-conformance}"
[ -f "$HARNESS/run.sh" ] || { echo "no conformance harness at $HARNESS (set HARNESS=...)"; exit 2; }
PY="${PYTHON:-$PWD/.venv/bin/python}"
"$PY" -c 'import numba' 2>/dev/null || echo "note: Numba is not importable; test_basic.py and test_einsum.py will not collect"
modes=("$@"); [ ${#modes[@]} -gt 0 ] || modes=(strict relaxed)
mapfile -t files <"$HARNESS/FILES"
for mode in "${modes[@]}"; do
  flag=(); [ "$mode" = relaxed ] && flag=(--relaxed)
  bash "$HARNESS/run.sh" "${flag[@]}" --python "$PY" "${files[@]}" | tee "/tmp/conformance-$mode.txt"
  awk -v mode="$mode" '
    { if (match($0, /[0-9]+ passed/)) passed += substr($0, RSTART, RLENGTH) + 0
      if ($0 ~ /error/ && $0 !~ /passed/) stopped++ }
    END { printf "%s: %d tests pass; %d of %d files do not collect\n", mode, passed, stopped, NR }
  ' "/tmp/conformance-$mode.txt"
done
