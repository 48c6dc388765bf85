import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test (no global seeds)."""
    return np.random.RandomState(0)


def fit_quietly(est, *args, **kwargs):
    """Fit while silencing ConvergenceWarning (short fits on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)
