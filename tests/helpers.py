"""Helpers shared by the tests."""

import warnings

from sklearn.exceptions import ConvergenceWarning


def fit_quietly(est, *args, **kwargs):
    """Fit while silencing ConvergenceWarning (short fits on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)
