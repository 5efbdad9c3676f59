"""Interoperation with other array libraries' graphs (``arignote.interop``).

- ``pytensor/``: PyTensor graphs converted to arignote graphs, and a PyTensor ``Mode`` whose
  linker compiles with arignote (PyTensor is an optional dependency, imported only here).
"""
