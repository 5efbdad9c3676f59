import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=30, deadline=None)
settings.load_profile("ci")


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)
