"""Helpers shared by the tests."""

import warnings

from sklearn.exceptions import ConvergenceWarning


def fit_quietly(est, *args, **kwargs):
    """Fit while silencing ConvergenceWarning (short fits on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def finite_differences(J, arrays, h=1e-6):
    """Central differences of the scalar ``J(arrays)`` with respect to each
    entry of each array in ``arrays`` (a list; the arrays are not changed)."""
    import numpy as np

    numeric = []
    for i, array in enumerate(arrays):
        grad = np.empty_like(array)
        for index in np.ndindex(array.shape):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[i][index] += h
            minus[i][index] -= h
            grad[index] = (J(plus) - J(minus)) / (2 * h)
        numeric.append(grad)
    return numeric
