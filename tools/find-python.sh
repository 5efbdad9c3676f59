#!/usr/bin/env bash
# Prints the newest working Python >= 3.12 on this machine (PATH, then pyenv), for the
# test and benchmark environments: PyTensor 3 and PyMC need 3.12+, and their interop
# tests must run, not skip.  Without one it prints `python3` (3.11+) and says so on stderr.
set -uo pipefail

works() {  # is "$1" a Python >= 3.12 that runs and has venv?
    "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] < (3, 12))' >/dev/null 2>&1
}

candidates=()
for name in python3.15 python3.14 python3.13 python3.12; do
    if command -v "$name" >/dev/null 2>&1; then candidates+=("$(command -v "$name")"); fi
done
for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv /usr/local/pyenv; do
    [ -n "$root" ] && [ -d "$root/versions" ] || continue
    while IFS= read -r found; do candidates+=("$found"); done < <(
        ls -d "$root"/versions/3.*/bin/python3 2>/dev/null)
done

best="" best_version=""
for cand in "${candidates[@]}"; do
    [ -x "$cand" ] && works "$cand" || continue
    version="$("$cand" -c 'import sys; print("%d.%03d.%03d" % sys.version_info[:3])')"
    if [ -z "$best" ] || [[ "$version" > "$best_version" ]]; then best="$cand" best_version="$version"; fi
done

if [ -n "$best" ]; then
    echo "$best"
else
    echo "find-python: no Python >= 3.12 found; using python3 ($(python3 --version 2>&1))." \
         "PyTensor/PyMC interop tests will skip." >&2
    echo python3
fi
