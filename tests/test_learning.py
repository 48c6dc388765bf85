"""The estimators learn, and the same random_state gives the same model."""

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier, MLPRegressor


def _smooth_problem(n=1500, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    y = np.sin(X[:, 0]) * X[:, 1] + 0.5 * X[:, 2] ** 2
    return train_test_split(X, y, random_state=0)


@pytest.mark.parametrize("solver", ["adam", "lbfgs", "sgd"])
def test_regressor_learns_smooth_nonlinear_function(solver):
    X_train, X_test, y_train, y_test = _smooth_problem()
    extra = {"learning_rate_init": 0.01} if solver == "sgd" else {}
    est = MLPRegressor(
        hidden_layer_sizes=(64, 64), solver=solver, max_iter=400, random_state=0, **extra
    )
    fit_quietly(est, X_train, y_train)
    assert est.score(X_test, y_test) > 0.95


def test_gd_learns_smooth_nonlinear_function():
    X_train, X_test, y_train, y_test = _smooth_problem(600)
    est = MLPRegressor(
        hidden_layer_sizes=(32,),
        solver="gd",
        learning_rate_init=0.1,
        max_iter=3000,
        tol=0,
        n_iter_no_change=3000,
        random_state=0,
    )
    fit_quietly(est, X_train, y_train)
    assert est.n_iter_ == 3000
    assert est.score(X_test, y_test) > 0.9


def test_classifier_learns_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    clf = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    fit_quietly(clf, X_train, y_train)
    assert clf.score(X_test, y_test) > 0.95


@pytest.mark.parametrize("solver", ["adam", "sgd", "gd", "lbfgs"])
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_same_random_state_gives_bit_identical_models(Estimator, solver, rng):
    X = rng.normal(size=(120, 5))
    y = X[:, 0] > 0 if Estimator is MLPClassifier else X[:, 0] * X[:, 1]

    def make():
        return Estimator(
            hidden_layer_sizes=(8,),
            solver=solver,
            max_iter=30,
            early_stopping=solver != "lbfgs",
            random_state=42,
        )

    first, second = fit_quietly(make(), X, y), fit_quietly(make(), X, y)
    for a, b in zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert first.loss_curve_ == second.loss_curve_
    other = fit_quietly(make().set_params(random_state=7), X, y)
    assert not np.array_equal(first.coefs_[0], other.coefs_[0])
