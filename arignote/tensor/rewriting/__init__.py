"""PyTensor's ``pytensor.tensor.rewriting`` path.  arignote's rules live in
:mod:`arignote.tensor.rewrites` (found by the op types they match, run by arignote's engine);
PyTensor's individual rewrite functions and databases are not imitated.  This package holds
what a user program reaches here: ``shape.ShapeFeature``, the symbolic shapes of a graph, and
``basic.register_canonicalize`` (and ``register_stabilize``/``register_specialize``/
``register_uncanonicalize``), which run a user's rewriter in a phase of later compilations."""
