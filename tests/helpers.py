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


#: A small network, trained briefly (the tests of settings, errors, state).
SMALL = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)

#: A small network trained for 30 epochs (the tests of validation scoring).
THIRTY_EPOCHS = dict(hidden_layer_sizes=(8,), random_state=0, max_iter=30)


def small_data(Estimator, rng, n=60):
    """``n`` rows of 3 features: 3 classes for a classifier, counts else."""

    from sknn_scratch import MLPClassifier

    X = rng.normal(size=(n, 3))
    y = rng.randint(3, size=n) if Estimator is MLPClassifier else rng.poisson(2, size=n) * 1.0
    return X, y


def constant_scorer(value):
    """A scorer that always says ``value``."""

    def scorer(estimator, X, y):
        return value

    return scorer


def fit_and_warnings(est, *args, **kwargs):
    """Fit, returning the estimator and the UserWarnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(*args, **kwargs)
    return est, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def diverge_in_third_epoch(monkeypatch):
    """Make the third epoch of the next fit report a non-finite loss."""
    import numpy as np

    from sknn_scratch import _training

    real = _training._run_epoch
    epochs = {"n": 0}

    def diverge_in_third(*args):
        epochs["n"] += 1
        return np.inf if epochs["n"] == 3 else real(*args)

    monkeypatch.setattr(_training, "_run_epoch", diverge_in_third)
