"""A differential fuzzer: random well-typed graphs, evaluated by NumPy and by every backend.

Layout (each module stands alone and says why it does what it does):

- ``program``: a generated case as a replayable list of steps (leaves and op
  applications), each carrying its arignote source and its NumPy reference, and
  the standalone reproduction script of a case;
- ``error_model``: the running error analysis that gives every float value a
  bound on how far a correct backend may be from NumPy's value;
- ``ops_elemwise`` / ``ops_shape`` / ``ops_reduce``: the op catalogue (how to
  pick operands, the source, the NumPy reference and the error rule of each);
  ``ops_idioms``: short sequences of them that the rewrites target;
- ``known``: mismatches recognised as known bugs, each with its regression test;
- ``generate``: the seeded random generator of programs;
- ``compare``: checking one backend's outputs against the reference;
- ``run``: compiling a case on each backend, collecting and reducing mismatches,
  and a command line for long runs (``python -m tests.fuzz.run --help``);
- ``gradcheck``: gradients of a smooth case against central finite differences.
"""
