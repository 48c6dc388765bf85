"""Property-based tests: invariants over shapes, dtypes, layers, activations."""

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from sknn_scratch import MLPClassifier, MLPRegressor

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw, classifier):
    n_samples = draw(st.integers(2, 30))
    n_features = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    X = (rng.normal(size=(n_samples, n_features)) * scale).astype(dtype)
    if classifier:
        n_classes = draw(st.integers(2, 4))
        y = np.arange(n_samples) % n_classes  # every class present
        rng.shuffle(y)
        if draw(st.booleans()):
            y = np.array(["a", "b", "c", "d"])[y]
    else:
        n_outputs = draw(st.integers(1, 3))
        y = rng.normal(size=(n_samples, n_outputs)) if n_outputs > 1 else rng.normal(size=n_samples)
    params = dict(
        hidden_layer_sizes=tuple(draw(st.lists(st.integers(1, 8), max_size=2))),
        activation=draw(st.sampled_from(["identity", "logistic", "tanh", "relu"])),
        solver=draw(st.sampled_from(["adam", "sgd", "gd", "lbfgs"])),
        max_iter=draw(st.integers(1, 5)),
        random_state=seed,
    )
    return X, y, params


def _fit(est, X, y):
    X_before, y_before = X.copy(), y.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    # fit never mutates its inputs
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    return est


@SETTINGS
@given(problems(classifier=False))
def test_regressor_invariants(problem):
    X, y, params = problem
    est = _fit(MLPRegressor(**params), X, y)
    y_pred = est.predict(X)
    assert y_pred.shape == y.shape
    assert y_pred.dtype == X.dtype
    assert not np.isnan(y_pred).any()
    hidden = est.hidden_activations(X)
    assert [h.shape for h in hidden] == [(len(X), n) for n in params["hidden_layer_sizes"]]


@SETTINGS
@given(problems(classifier=True))
def test_classifier_invariants(problem):
    X, y, params = problem
    est = _fit(MLPClassifier(**params), X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), len(np.unique(y)))
    assert proba.dtype == X.dtype
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5 if X.dtype == np.float32 else 1e-12)
    labels = est.predict(X)
    assert labels.shape == (len(X),) and set(labels) <= set(y)
    log_proba = est.predict_log_proba(X)
    assert not np.isnan(log_proba).any() and np.all(log_proba <= 0)
