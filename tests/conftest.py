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


@pytest.fixture
def regression():
    """300 rows of a smooth target with an interaction."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    return X, X @ [1.0, 2.0, -1.0, 0.5] + X[:, 0] * X[:, 1]


@pytest.fixture
def classification():
    """300 rows of three string classes."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 4))
    y = np.where(X[:, 0] > 0.8, "c", np.where(X[:, 1] > 0, "a", "b"))
    return X, y
