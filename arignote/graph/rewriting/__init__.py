"""PyTensor's ``pytensor.graph.rewriting`` paths: the names a user program imports to choose
rewrites (``RewriteDatabaseQuery``) and to apply them (``rewrite_graph``).  arignote has no
rewrite databases: a query is a set of rule and tag names that a ``Mode`` turns on or off."""
