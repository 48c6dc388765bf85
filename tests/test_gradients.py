"""Backpropagation computes the gradient of exactly the documented objective.

The objective is recomputed independently of backprop here, from predictions
and sklearn-style formulas, and its gradient is compared with central finite
differences.
"""

import numpy as np
import pytest
from helpers import fit_quietly
from scipy.special import erf, expit, softmax

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch._activations import HIDDEN_ACTIVATIONS

ACTIVATIONS = sorted(HIDDEN_ACTIVATIONS)


def _problem(kind, rng):
    X = rng.normal(size=(30, 4))
    if kind == "regression":
        return MLPRegressor, X, rng.normal(size=30)
    if kind == "multi-output regression":
        return MLPRegressor, X, rng.normal(size=(30, 3))
    if kind == "poisson":
        return MLPRegressor, X, rng.poisson(2.0, size=30).astype(float)
    if kind in ROBUST_LOSSES:
        return MLPRegressor, X, rng.normal(size=(30, 2)) * 2
    if kind in ("binary", "binary, smoothed, class weights"):
        return MLPClassifier, X, rng.randint(2, size=30)
    if kind == "multiclass, smoothed, class weights":
        return MLPClassifier, X, np.array(["a", "b", "c"])[rng.randint(3, size=30)]
    if kind == "multiclass":
        return MLPClassifier, X, np.array(["a", "b", "c"])[rng.randint(3, size=30)]
    return MLPClassifier, X, rng.randint(2, size=(30, 3))


def _params(est):
    return est.coefs_ + est.intercepts_


def _objective_by_hand(est, X, y, sample_weight):
    """J written out from predictions, independently of backprop."""
    s = np.ones(len(X)) if sample_weight is None else sample_weight
    if isinstance(est, MLPClassifier) and est.class_weight is not None:
        labels, counts = np.unique(y, return_counts=True)
        balanced = dict(zip(labels, len(y) / (len(labels) * counts)))
        s = s * np.array([balanced[label] for label in y])
    eps = getattr(est, "label_smoothing", 0.0)
    A = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        Z = A @ W + b
        A = Z if i == len(est.coefs_) - 1 else _hidden(est.activation, Z)
    if isinstance(est, MLPRegressor):
        Y = y.reshape(len(X), -1)
        if est.loss in ROBUST_LOSSES:
            per_sample = _robust_by_hand(est, A - Y).sum(axis=1)
        elif est.loss == "poisson":
            mu = np.exp(A)
            per_sample = (
                mu - Y * A + np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1)), 0) - Y
            ).sum(1)
        else:
            per_sample = 0.5 * ((A - Y) ** 2).sum(axis=1)
    elif est.out_activation_ == "softmax":
        P = softmax(A, axis=1)
        Y = (y[:, None] == est.classes_[None, :]).astype(float)
        Y = Y * (1 - eps) + eps / Y.shape[1]
        per_sample = -(Y * np.log(P)).sum(axis=1)
    else:
        P = expit(A)
        Y = y.reshape(len(X), -1) * (1 - eps) + eps / 2
        per_sample = -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)
    r = est.l1_ratio
    squares = sum((W**2).sum() for W in est.coefs_)
    absolutes = sum(np.abs(W).sum() for W in est.coefs_)
    penalty = est.alpha * (r * absolutes + 0.5 * (1 - r) * squares)
    return (s @ per_sample + penalty) / s.sum()


ROBUST_LOSSES = {
    "absolute_error": {"loss": "absolute_error"},
    "huber": {"loss": "huber", "huber_delta": 1.3},
    "quantile": {"loss": "quantile", "quantile": 0.3},
}


def _robust_by_hand(est, r):
    """The robust regression losses of residuals r = y_hat - y, as documented."""
    if est.loss == "absolute_error":
        return np.abs(r)
    if est.loss == "huber":
        d = est.huber_delta
        return np.where(np.abs(r) <= d, 0.5 * r**2, d * (np.abs(r) - 0.5 * d))
    q = est.quantile
    return np.where(r > 0, (1 - q) * r, -q * r)


def _hidden(name, Z):
    """Each hidden activation written out again, independently of the library."""
    return {
        "identity": lambda: Z,
        "logistic": lambda: expit(Z),
        "tanh": lambda: np.tanh(Z),
        "relu": lambda: np.maximum(Z, 0),
        "leaky_relu": lambda: np.where(Z > 0, Z, 0.01 * Z),
        "elu": lambda: np.where(Z > 0, Z, np.exp(np.minimum(Z, 0)) - 1),
        "gelu": lambda: Z * 0.5 * (1 + erf(Z / np.sqrt(2))),
        "silu": lambda: Z / (1 + np.exp(-Z)),
        "softplus": lambda: np.log1p(np.exp(Z)),
    }[name]()


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "kind",
    [
        "regression",
        "multi-output regression",
        "poisson",
        *ROBUST_LOSSES,
        "binary",
        "multiclass",
        "multilabel",
        "binary, smoothed, class weights",
        "multiclass, smoothed, class weights",
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha, l1_ratio", [(0.0, 0.0), (0.7, 0.0), (0.7, 0.6)])
def test_backprop_matches_finite_differences(activation, kind, weighted, alpha, l1_ratio, rng):
    Estimator, X, y = _problem(kind, rng)
    sample_weight = rng.uniform(0.1, 3, size=len(X)) if weighted else None
    params = {"loss": "poisson"} if kind == "poisson" else ROBUST_LOSSES.get(kind, {})
    if "smoothed" in kind:
        params = {"label_smoothing": 0.15, "class_weight": "balanced"}
    est = Estimator(
        hidden_layer_sizes=(5, 3),
        activation=activation,
        alpha=alpha,
        l1_ratio=l1_ratio,
        max_iter=2,
        random_state=0,
        **params,
    )
    fit_quietly(est, X, y)

    theta, objective = est._objective_function(X, y, sample_weight)
    value, gradient = objective(theta)
    assert value == pytest.approx(_objective_by_hand(est, X, y, sample_weight), rel=1e-12)

    eps = 1e-6
    numeric = []
    for array in _params(est):
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            up = _objective_by_hand(est, X, y, sample_weight)
            array[index] = original - eps
            down = _objective_by_hand(est, X, y, sample_weight)
            array[index] = original
            numeric.append((up - down) / (2 * eps))
    numeric = np.array(numeric)
    relative = np.abs(gradient - numeric).max() / max(np.abs(numeric).max(), 1e-12)
    assert relative < 1e-6


@pytest.mark.parametrize("weighted", [False, True])
def test_blocked_full_batch_gradient_equals_one_pass(weighted, rng, monkeypatch):
    """Large batches (L-BFGS, gd) are processed in cache-sized row blocks."""
    from sknn_scratch import _network

    X, y = rng.normal(size=(50, 4)), rng.randint(3, size=50)
    sample_weight = rng.uniform(0.5, 2, size=50) if weighted else None
    est = fit_quietly(
        MLPClassifier(hidden_layer_sizes=(6,), alpha=0.3, max_iter=2, random_state=0), X, y
    )
    theta, objective = est._objective_function(X, y, sample_weight)
    one_pass = objective(theta)
    monkeypatch.setattr(_network, "block_rows", lambda *args, **kwargs: 7)
    theta, objective = est._objective_function(X, y, sample_weight)
    blocked = objective(theta)
    assert blocked[0] == pytest.approx(one_pass[0], rel=1e-12)
    np.testing.assert_allclose(blocked[1], one_pass[1], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_mask_of_large_layers_is_kept_as_booleans_with_the_same_result(dtype, rng):
    """From ``_BOOL_MASK_SIZE`` values on, relu keeps its mask as booleans in
    the first bytes of its work array (a row slice of a larger buffer, as in
    training); the values and the derivative are those of the float mask."""
    from sknn_scratch import _activations

    rows, units = 600, 512
    assert rows * units >= _activations._BOOL_MASK_SIZE
    Z = rng.normal(size=(rows, units)).astype(dtype)
    Z[0, :3] = 0.0  # relu'(0) is 0, as in scikit-learn
    delta = rng.normal(size=(rows, units)).astype(dtype)
    buffer = np.full((rows + 50, units), np.nan, dtype=dtype)
    work = buffer[:rows]
    A = _activations.relu(Z.copy(), work)
    np.testing.assert_array_equal(A, np.maximum(Z, 0))
    assert np.isnan(buffer[rows // 2 :]).all()  # only the first bytes were used
    got = delta.copy()
    _activations.relu_derivative(A, got, work)
    np.testing.assert_array_equal(got, delta * (Z > 0))
    # Below the threshold the float mask is used, with the same results.
    small = Z[:100].copy()
    small_work = np.empty_like(small)
    np.testing.assert_array_equal(_activations.relu(small, small_work), np.maximum(Z[:100], 0))
    np.testing.assert_array_equal(small_work, (Z[:100] > 0).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_without_work_is_np_maximum_including_nan_and_infinities(dtype, rng):
    from sknn_scratch import _activations

    Z = rng.normal(size=(70, 40)).astype(dtype)
    Z[0, :4] = [np.nan, -np.inf, np.inf, -0.0]
    np.testing.assert_array_equal(_activations.relu(Z.copy()), np.maximum(Z, 0))
    big = rng.normal(size=(700, 500)).astype(dtype)  # grows the shared zeros
    np.testing.assert_array_equal(_activations.relu(big.copy()), np.maximum(big, 0))
    assert not _activations._ZEROS[np.dtype(dtype)].any()  # never written
