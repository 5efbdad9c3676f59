"""The tensor rule library, by domain; importing it registers every rule in its phase."""
from arignote.tensor.rewrites import shape  # noqa: F401
from arignote.tensor.rewrites import stabilize  # noqa: F401
from arignote.tensor.rewrites import stabilize_reductions  # noqa: F401
from arignote.tensor.rewrites import stabilize_handwritten  # noqa: F401
from arignote.tensor.rewrites import specialize  # noqa: F401
from arignote.tensor.rewrites import specialize_blas  # noqa: F401
from arignote.tensor.rewrites import algebra  # noqa: F401
from arignote.tensor.rewrites import algebra_identities  # noqa: F401
from arignote.tensor.rewrites import dimshuffle  # noqa: F401
from arignote.tensor.rewrites import fusion  # noqa: F401
from arignote.tensor.rewrites import reductions  # noqa: F401
from arignote.tensor.rewrites import reshape  # noqa: F401
from arignote.tensor.rewrites import subtensor_lift  # noqa: F401
from arignote.tensor.rewrites import gradient_forms  # noqa: F401
from arignote.tensor.rewrites import stabilize_gradients  # noqa: F401
from arignote.tensor.rewrites import subtensor_writes  # noqa: F401
