import warnings

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test (no global seeds)."""
    return np.random.RandomState(0)


@pytest.fixture
def no_runtime_warnings():
    """Turn NumPy's RuntimeWarnings (overflow, invalid value) into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield
