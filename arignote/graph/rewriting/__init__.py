"""PyTensor's ``pytensor.graph.rewriting`` paths: the names a user program imports to choose
rewrites (``db.RewriteDatabaseQuery``), to apply them (``utils.rewrite_graph``), and to write
its own the PyTensor way (``basic.node_rewriter``, ``PatternNodeRewriter``, ``out2in``...), run
by arignote's engine.
arignote has no rewrite databases: a query is a set of phase, rule and tag names
(``arignote.compile.optdb`` applies one to a ``FunctionGraph``)."""
