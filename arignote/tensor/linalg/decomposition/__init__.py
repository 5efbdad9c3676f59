"""PyTensor's ``tensor.linalg.decomposition`` paths: ``cholesky``, ``eigen``, ``lu``, ``qr``,
``schur``, ``svd``, each re-exporting arignote's ops and functions of that factorisation."""
