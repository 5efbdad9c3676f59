"""Run PyTensor's tutorial pages and gallery notebooks against arignote, imports changed.

    .venv/bin/python tools/pytensor_tutorials.py PYTENSOR_CHECKOUT [PAGE...] [-v] [--pytensor PYTHON]

PYTENSOR_CHECKOUT is a PyTensor work tree or a bare clone (read with ``git show HEAD:``).
Each page runs in a fresh interpreter, its examples in order in one namespace, as a
reader typing along would: the ``>>>`` examples and ``.. testcode::`` blocks of
``doc/tutorial/*.rst`` (what PyTensor's documentation build runs), the code cells of
``doc/gallery/**/*.ipynb`` and ``doc/tutorial/*_solution_*.py``.  The one change to the
code is the word ``pytensor`` -> ``arignote``; every page starts with
``import numpy as np; import pytensor; import pytensor.tensor as pt`` (the names
PyTensor's pages take as known).

``--pytensor PYTHON`` runs the pages unchanged on PyTensor itself (PYTHON an interpreter
that has it, e.g. .bench-venv/bin/python): the baseline, which shows the pages that do
not run on PyTensor either.

A page *runs* when no example raises where the page expects no exception.  Printed
output is compared too (doctest's ELLIPSIS and NORMALIZE_WHITESPACE) and reported
apart: graph printouts, op names and timings differ by design, numbers should not.
Reading the pages is all this does with them: nothing of PyTensor's is stored here.
"""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

PRELUDE = "import numpy as np\nimport numpy\nimport pytensor\nimport pytensor.tensor as pt\n"
_WORD = re.compile(r"\bpytensor\b")


def change_imports(code: str) -> str:
    """The code with PyTensor's package name replaced by arignote's."""
    return _WORD.sub("arignote", code)


# ---------------------------------------------------------------------------- reading pages
def list_pages(checkout: Path) -> dict[str, str]:
    """name -> text of every tutorial page, notebook and solution script."""
    if (checkout / "doc").is_dir():
        names = [p.relative_to(checkout).as_posix() for p in sorted((checkout / "doc").rglob("*"))]
        read = lambda n: (checkout / n).read_text()  # noqa: E731
    else:
        listing = subprocess.run(["git", "-C", str(checkout), "ls-tree", "-r", "--name-only", "HEAD", "doc"],
                                 capture_output=True, text=True, check=True).stdout.split()
        names = sorted(listing)
        read = lambda n: subprocess.run(["git", "-C", str(checkout), "show", f"HEAD:{n}"],  # noqa: E731
                                        capture_output=True, text=True, check=True).stdout
    wanted = [n for n in names if (n.startswith("doc/tutorial/") and (n.endswith(".rst") or "_solution_" in n))
              or (n.startswith("doc/gallery/") and n.endswith(".ipynb"))]
    return {n: read(n) for n in wanted}


def rst_examples(text: str) -> list[tuple[str, str | None]]:
    """(code, expected output or None) of a page's doctest examples and testcode blocks, in order.

    Comments (``.. note:`` with one colon and such) are skipped, as Sphinx skips them.
    """
    lines = text.splitlines()
    found: list[tuple[str, str | None]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(".. ") and not stripped.endswith("::") and "::" not in stripped:
            i = _skip_indented(lines, i + 1, _indent(line))  # a comment
            continue
        if stripped.startswith((".. testcode::", ".. testoutput::")):
            end = _skip_indented(lines, i + 1, _indent(line))
            body = textwrap.dedent("\n".join(ln for ln in lines[i + 1:end] if not ln.strip().startswith(":")))
            body = body.strip("\n") + "\n"
            if stripped.startswith(".. testcode::"):
                found.append((body, None))
            elif found and found[-1][1] is None:  # the printed output of the testcode before it
                found[-1] = (found[-1][0], body)
            i = end
            continue
        if stripped.startswith(">>>"):
            end = i
            while end < len(lines) and lines[end].strip():
                end += 1
            block = textwrap.dedent("\n".join(lines[i:end]))
            for example in doctest.DocTestParser().get_examples(block):
                if not example.options.get(doctest.SKIP):
                    found.append((example.source, example.want))
            i = end
            continue
        i += 1
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _skip_indented(lines: list[str], i: int, base: int) -> int:
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > base):
        i += 1
    return i


def notebook_examples(text: str) -> list[tuple[str, str | None]]:
    """The code cells of a notebook (IPython magics and shell lines dropped)."""
    cells = json.loads(text)["cells"]
    found = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"])
        code = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
        if code.strip():
            found.append((code + "\n", None))
    return found


def page_examples(name: str, text: str) -> list[tuple[str, str | None]]:
    """A page's examples, whatever its kind."""
    if name.endswith(".ipynb"):
        return notebook_examples(text)
    if name.endswith(".py"):
        return [(text, None)]
    return rst_examples(text)


# ---------------------------------------------------------------------------- running a page
_RUNNER = r'''
import doctest, json, sys, traceback, warnings
warnings.simplefilter("ignore")
examples = json.load(sys.stdin)
checker = doctest.OutputChecker()
flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
namespace = {"__name__": "__main__"}
exec(compile(examples.pop(0)[0], "<prelude>", "exec"), namespace)
report = []
for number, (code, want) in enumerate(examples):
    import io, contextlib
    out = io.StringIO()
    raises = want is not None and want.lstrip().startswith("Traceback")
    try:
        with contextlib.redirect_stdout(out):
            try:
                value = eval(compile(code, f"<example {number}>", "eval"), namespace)
                if value is not None:
                    print(repr(value))
            except SyntaxError:
                exec(compile(code, f"<example {number}>", "exec"), namespace)
    except BaseException as error:
        if not raises:
            last = traceback.extract_tb(error.__traceback__)[-1]
            report.append({"n": number, "code": code, "error": f"{type(error).__name__}: {error}"[:400],
                           "where": f"{last.filename}:{last.lineno}"})
        continue
    if raises:
        report.append({"n": number, "code": code, "error": "expected an exception, none raised"})
    elif want is not None and not checker.check_output(want, out.getvalue(), flags):
        report.append({"n": number, "code": code, "differs": out.getvalue()[:300], "want": want[:300]})
json.dump({"count": len(examples), "report": report}, sys.stdout)
'''


def run_page(examples: list[tuple[str, str | None]], python: str | None = None, timeout: float = 600) -> dict:
    """Run a page's examples in a fresh interpreter: counts, errors and output differences.

    ``python``: an interpreter with PyTensor, to run the page unchanged (the baseline);
    by default this one, with the imports changed to arignote.
    """
    keep = (lambda code: code) if python else change_imports
    payload = [(keep(PRELUDE), None)] + [(keep(code), want) for code, want in examples]
    with tempfile.TemporaryDirectory() as where:  # pages write files (pickles, pictures in pics/)
        Path(where, "pics").mkdir()
        done = subprocess.run([python or sys.executable, "-c", _RUNNER], input=json.dumps(payload), capture_output=True,
                              text=True, timeout=timeout, cwd=where)
    if done.returncode != 0:
        return {"count": len(examples), "report": [{"n": -1, "code": "", "error": done.stderr[-600:]}]}
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    python = None
    if "--pytensor" in argv:
        at = argv.index("--pytensor")
        python = argv[at + 1]
        del argv[at:at + 2]
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2 if not argv else 0
    pages = list_pages(Path(argv[0]))
    chosen = argv[1:]
    running = 0
    for name, text in pages.items():
        if chosen and not any(c in name for c in chosen):
            continue
        examples = page_examples(name, text)
        if not examples:
            continue
        try:
            result = run_page(examples, python)
        except subprocess.TimeoutExpired:
            print(f"TIMEOUT {name}")
            continue
        errors = [r for r in result["report"] if "error" in r]
        differs = [r for r in result["report"] if "differs" in r]
        running += not errors
        status = "runs  " if not errors else "FAILS "
        print(f"{status}{name}: {result['count']} examples, {len(errors)} raise, {len(differs)} print otherwise")
        for r in errors[: None if verbose else 3]:
            print(f"    #{r['n']} {r['code'].strip().splitlines()[0][:90] if r['code'] else ''}\n"
                  f"        -> {r['error'].splitlines()[-1] if r['error'] else ''}")
        if verbose:
            for r in differs:
                print(f"    #{r['n']} {r['code'].strip()[:200]}\n      got:  {r['differs']!r}\n      want: {r['want']!r}")
    print(f"{running} pages run without an unexpected exception")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
