"""``pytensor.tensor.exceptions``: the errors a program may catch by that module's names.

``NotScalarConstantError`` is raised where a value must be known when the graph is built.
PyTensor's ``ShapeError`` and ``AdvancedIndexingError`` have no counterpart: arignote raises
ValueError for shapes that do not fit and IndexError/TypeError (``IndexTypeError``) for
bad indices, as NumPy does.
"""

from arignote.tensor.basic import NotScalarConstantError
from arignote.tensor.subtensor_index import IndexTypeError

__all__ = ["IndexTypeError", "NotScalarConstantError"]
