"""Weight initialisers (``_initializers``)."""

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch._initializers import INITIALIZERS, initialize

# ------------------------------------------------------------ initialisers

DEFINITIONS = {
    "glorot_normal": lambda rng, i, o: rng.normal(0, np.sqrt(2 / (i + o)), (i, o)),
    "he_uniform": lambda rng, i, o: rng.uniform(-np.sqrt(6 / i), np.sqrt(6 / i), (i, o)),
    "he_normal": lambda rng, i, o: rng.normal(0, np.sqrt(2 / i), (i, o)),
    "lecun_normal": lambda rng, i, o: rng.normal(0, np.sqrt(1 / i), (i, o)),
    "uniform": lambda rng, i, o: rng.uniform(-0.05, 0.05, (i, o)),
}


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_initialisers_draw_their_definitions(name):
    coef, intercept = initialize(name, 30, 20, np.random.RandomState(0), np.float64, "relu")
    np.testing.assert_array_equal(coef, DEFINITIONS[name](np.random.RandomState(0), 30, 20))
    np.testing.assert_array_equal(intercept, np.zeros(20))


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_initialisers_have_the_documented_spread(name):
    coef, _ = initialize(name, 400, 300, np.random.RandomState(1), np.float64, "relu")
    expected_variance = {
        "glorot_normal": 2 / 700,
        "he_uniform": 6 / 400 / 3,  # U(-b, b) has variance b^2 / 3
        "he_normal": 2 / 400,
        "lecun_normal": 1 / 400,
        "uniform": 0.05**2 / 3,
    }[name]
    assert coef.var() == pytest.approx(expected_variance, rel=0.02)


def test_keras_uniform_range_in_a_fitted_network(rng):
    X, y = rng.normal(size=(50, 8)), rng.randint(2, size=50)
    clf = MLPClassifier(
        hidden_layer_sizes=(12, 8),
        init="uniform",
        solver="sgd",
        learning_rate_init=1e-12,
        max_iter=1,
        random_state=0,
    )
    fit_quietly(clf, X, y)
    assert all(np.abs(c).max() <= 0.05 + 1e-9 for c in clf.coefs_)


def test_default_init_is_scikit_learns(rng):
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor

    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    ours = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(4,),
            solver="sgd",
            learning_rate_init=1e-300,
            max_iter=1,
            random_state=3,
        ),
        X,
        y,
    )
    theirs = fit_quietly(
        SkMLPRegressor(
            hidden_layer_sizes=(4,),
            solver="sgd",
            learning_rate_init=1e-300,
            max_iter=1,
            random_state=3,
        ),
        X,
        y,
    )
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_every_initialiser_trains(rng):
    X = rng.normal(size=(200, 4))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    for name in INITIALIZERS:
        est = fit_quietly(
            MLPRegressor(
                hidden_layer_sizes=(32,),
                init=name,
                learning_rate_init=0.01,
                max_iter=200,
                random_state=0,
            ),
            X,
            y,
        )
        assert est.score(X, y) > 0.9, name
