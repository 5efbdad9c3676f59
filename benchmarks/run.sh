#!/usr/bin/env bash
# The one command for the benchmarks (`make bench`): set up .bench-venv once, then run.
#
# The environment gets a Python 3.12 interpreter when one is found (PyTensor 3.x
# needs 3.12+), arignote installed editable with its `bench` extra, and PyTensor,
# JAX, PyMC and numba beside it.  A comparison whose install fails is skipped, not fatal.
# Arguments go to benchmarks/run.py (`bash benchmarks/run.sh build --quick`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV=.bench-venv
PY="$VENV/bin/python"
STAMP="$VENV/.installed-stamp"
NOTES="$VENV/.install-notes"
LOG="$VENV/.install-log"

is_312() {  # is "$1" a working Python 3.12 interpreter? (pyenv shims may exist yet refuse to run)
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1
}

find_python312() {
    local candidates=()
    if command -v python3.12 >/dev/null 2>&1; then candidates+=("$(command -v python3.12)"); fi
    local root
    for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv /usr/local/pyenv; do
        [ -n "$root" ] || continue
        # newest 3.12.x first
        while IFS= read -r found; do candidates+=("$found"); done < <(
            ls -d "$root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V -r)
    done
    candidates+=(/usr/local/bin/python3.12 /usr/bin/python3.12)
    local cand
    for cand in "${candidates[@]}"; do
        if [ -x "$cand" ] && is_312 "$cand"; then
            echo "$cand"
            return 0
        fi
    done
    return 1
}

if [ ! -x "$PY" ]; then
    if BASE="$(find_python312)"; then
        echo "bench: creating $VENV with $BASE"
    else
        BASE="${PYTHON:-python3}"
        echo "bench: no Python 3.12 found; creating $VENV with $BASE ($("$BASE" --version 2>&1))."
        echo "bench: note: PyTensor 3.x needs Python 3.12+, so it may be unavailable in this run."
    fi
    "$BASE" -m venv "$VENV"
    rm -f "$STAMP"
fi

pip_install() {  # pip's chatter goes to a log; its tail is shown only when an install fails
    if "$PY" -m pip install --quiet "$@" >>"$LOG" 2>&1; then return 0; fi
    tail -n 5 "$LOG" | sed 's/^/    pip: /'
    return 1
}

if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ benchmarks/run.sh -nt "$STAMP" ]; then
    echo "bench: installing arignote[bench], PyTensor, JAX, PyMC and numba into $VENV (a few minutes the first time;"
    echo "       pip's log: $LOG)"
    : > "$NOTES"
    : > "$LOG"
    pip_install --upgrade pip || true
    if ! pip_install -e '.[bench]'; then
        echo "bench: installing arignote with the 'bench' extra failed; installing arignote alone" | tee -a "$NOTES"
        pip_install -e . || { echo "bench: cannot install arignote into $VENV" >&2; exit 1; }
    fi
    # PyMC (for the `logprob` benchmark) keeps the PyTensor it supports; numba is PyTensor's
    # default backend in its 3.x versions
    for pkg in pytensor jax pymc numba; do
        if ! pip_install "$pkg"; then
            echo "bench: could not install $pkg; its comparison is skipped" | tee -a "$NOTES"
        fi
    done
    touch "$STAMP"
fi

if [ -s "$NOTES" ]; then cat "$NOTES"; fi
exec "$PY" benchmarks/run.py "$@"
