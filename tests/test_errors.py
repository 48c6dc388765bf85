"""Bad input gets a scikit-learn-style error, and nothing is half-changed."""

import pickle

import numpy as np
import pytest
from conftest import fit_quietly
from sklearn.exceptions import NotFittedError

from sknn_scratch import MLPClassifier, MLPRegressor

ESTIMATORS = [MLPRegressor, MLPClassifier]


def _data(Estimator, rng, n=40):
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int) if Estimator is MLPClassifier else X[:, 0]
    return X, y


def _bad_fits(X, y):
    nan_X = X.copy()
    nan_X[0, 0] = np.nan
    inf_X = X.copy()
    inf_X[1, 1] = np.inf
    strings = X.astype(object)
    strings[2, 2] = "ten"
    return {
        "NaN in X": ((nan_X, y), {}, ValueError, "NaN"),
        "inf in X": ((inf_X, y), {}, ValueError, "infinity"),
        "string in X": ((strings, y), {}, ValueError, "could not convert|string"),
        "empty X": ((X[:0], y[:0]), {}, ValueError, "0 sample"),
        "1-D X": ((X[:, 0], y), {}, ValueError, "Expected 2D"),
        "y of wrong length": ((X, y[:-1]), {}, ValueError, "inconsistent numbers of samples"),
        "zero layer size": ((X, y), {"hidden_layer_sizes": (5, 0)}, ValueError, "hidden_layer_sizes"),
        "negative layer size": ((X, y), {"hidden_layer_sizes": (-3,)}, ValueError, "hidden_layer_sizes"),
        "float layer size": ((X, y), {"hidden_layer_sizes": (2.5,)}, ValueError, "hidden_layer_sizes"),
        "string layer size": ((X, y), {"hidden_layer_sizes": "10"}, ValueError, "hidden_layer_sizes"),
        "unknown activation": ((X, y), {"activation": "softplus"}, ValueError, "activation"),
        "unknown solver": ((X, y), {"solver": "newton"}, ValueError, "solver"),
        "negative alpha": ((X, y), {"alpha": -1.0}, ValueError, "alpha"),
    }


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("case", list(_bad_fits(np.zeros((3, 3)), np.zeros(3))))
def test_bad_fit_raises_and_leaves_fitted_model_unchanged(Estimator, case, rng):
    X, y = _data(Estimator, rng)
    est = fit_quietly(Estimator(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    before_state = pickle.dumps(est)
    before_params = est.get_params()
    before_pred = est.predict(X)

    args, params, error, message = _bad_fits(X, y)[case]
    est.set_params(**params)
    with pytest.raises(error, match=message):
        est.fit(*args)

    est.set_params(**before_params)
    np.testing.assert_array_equal(est.predict(X), before_pred)
    assert pickle.dumps(est) == before_state


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_wrong_feature_count_at_predict(Estimator, rng):
    X, y = _data(Estimator, rng)
    est = fit_quietly(Estimator(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    with pytest.raises(ValueError, match="X has 2 features, but .* expecting 3 features"):
        est.predict(X[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        est.predict(np.full((2, 3), np.nan))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predict_before_fit(Estimator):
    with pytest.raises(NotFittedError):
        Estimator().predict(np.zeros((2, 3)))


def test_failed_partial_fit_keeps_optimizer_state(rng):
    X, y = _data(MLPRegressor, rng)
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    before = pickle.dumps(est)
    with pytest.raises(ValueError, match="X has 2 features"):
        est.partial_fit(X[:, :2], y)
    assert pickle.dumps(est) == before


def test_classifier_errors(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X, np.zeros(10))
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, rng.normal(size=10))


def test_regressor_errors(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor().fit(X, np.r_[np.nan, np.ones(9)])
    with pytest.raises(ValueError, match="poisson"):
        MLPRegressor(loss="poisson").fit(X, -np.ones(10))
    with pytest.raises(ValueError, match="Negative values in data passed to .sample_weight"):
        MLPRegressor().fit(X, np.ones(10), sample_weight=-np.ones(10))
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, np.ones(10))
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPRegressor(early_stopping=True).fit(X, np.ones(10))


def test_changed_architecture_with_warm_start(rng):
    X, y = _data(MLPRegressor, rng)
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, warm_start=True,
                                   random_state=0), X, y)
    est.set_params(hidden_layer_sizes=(5,))
    with pytest.raises(ValueError, match="Cannot continue training"):
        est.fit(X, y)
