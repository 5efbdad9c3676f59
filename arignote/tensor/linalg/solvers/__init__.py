"""PyTensor's ``tensor.linalg.solvers`` paths: ``core``, ``general``, ``psd``, ``triangular``,
``linear_control``, ``lstsq``, each re-exporting arignote's solver ops and functions."""
