"""The tutorial runner (tools/pytensor_tutorials.py): how it reads pages and what it reports."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("pytensor_tutorials", ROOT / "tools" / "pytensor_tutorials.py")
assert _spec is not None and _spec.loader is not None
tutorials = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tutorials)

PAGE = """\
A title
=======

>>> import pytensor.tensor as pt
>>> x = pt.dscalar('x')
>>> (x + 1).eval({x: 2.0})
array(3.)
>>> print("skipped")  # doctest: +SKIP
never

.. note:
   A comment: >>> not_run()

.. testcode::

    y = 1 / 0

.. testoutput::

    Traceback (most recent call last):
      ...
    ZeroDivisionError: division by zero

.. testcode::
   :hide:

    print(pytensor.__name__)
"""


def test_reads_doctests_testcode_and_expected_exceptions():
    found = tutorials.rst_examples(PAGE)
    sources = [code for code, _ in found]
    assert sources[0].strip() == "import pytensor.tensor as pt"
    assert found[2] == ("(x + 1).eval({x: 2.0})\n", "array(3.)\n")
    assert not any("skipped" in s or "not_run" in s for s in sources)
    assert found[3][0].strip() == "y = 1 / 0" and found[3][1].startswith("Traceback")
    assert found[4] == ("print(pytensor.__name__)\n", None)


def test_changes_only_the_package_name():
    assert tutorials.change_imports("import pytensor.tensor as pt; pytensors = 1") == \
        "import arignote.tensor as pt; pytensors = 1"


def test_runs_a_page_on_arignote_and_reports_what_raised():
    result = tutorials.run_page(tutorials.rst_examples(PAGE) + [("undefined_name\n", None)])
    assert result["count"] == 6
    errors = [r for r in result["report"] if "error" in r]
    differs = [r for r in result["report"] if "differs" in r]
    assert differs == []  # eval printed array(3.)
    assert [r["n"] for r in errors] == [5] and "NameError" in errors[0]["error"]


def test_reads_notebook_code_cells():
    notebook = {"cells": [{"cell_type": "markdown", "source": ["# title"]},
                          {"cell_type": "code", "source": ["%matplotlib inline\n", "a = 1\n"]},
                          {"cell_type": "code", "source": ["!pip install x"]}]}
    assert tutorials.notebook_examples(json.dumps(notebook)) == [("a = 1\n", None)]
