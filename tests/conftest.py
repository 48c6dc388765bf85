import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test (no global seeds)."""
    return np.random.RandomState(0)
