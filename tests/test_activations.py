"""One activation per hidden layer (``_activations``)."""

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPClassifier, MLPRegressor

# ------------------------------------------- one activation per hidden layer


def test_activation_per_layer_forward_and_gradients(rng):
    from scipy.special import erf

    from sknn_scratch import check_gradients

    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(5, 4), activation=["tanh", "gelu"], max_iter=3, random_state=0
        ),
        X,
        y,
    )
    A1 = np.tanh(X @ est.coefs_[0] + est.intercepts_[0])
    Z2 = A1 @ est.coefs_[1] + est.intercepts_[1]
    A2 = Z2 * 0.5 * (1 + erf(Z2 / np.sqrt(2)))
    np.testing.assert_allclose(
        est.predict(X), (A2 @ est.coefs_[2] + est.intercepts_[2]).ravel(), rtol=1e-12
    )
    np.testing.assert_allclose(est.hidden_activations(X)[1], A2, rtol=1e-12)
    assert check_gradients(est, X, y) < 1e-7


@pytest.mark.parametrize("activation", [["relu"], ["relu", "swish"], ("relu", "tanh", "elu")])
def test_bad_activation_sequences(activation, rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLPRegressor(hidden_layer_sizes=(4, 3), activation=activation).fit(X, y)


def test_changing_one_layers_activation_then_continuing_is_refused(rng):
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(4, 3),
            activation=["relu", "tanh"],
            solver="sgd",
            max_iter=2,
            random_state=0,
        ),
        X,
        y,
    )
    est.set_params(activation=["relu", "elu"])
    with pytest.raises(ValueError, match="Cannot continue training: activation="):
        est.partial_fit(X, y)
    est.set_params(activation=("relu", "tanh")).partial_fit(X, y)  # the same, as a tuple


def test_new_parameters_survive_skops(rng, tmp_path):
    from sknn_scratch import persistence

    X, y = rng.normal(size=(60, 3)), rng.randint(3, size=60)
    clf = fit_quietly(
        MLPClassifier(
            hidden_layer_sizes=(5, 4),
            activation=["silu", "elu"],
            init="he_normal",
            dropout=(0.1, 0.2),
            l1_ratio=0.3,
            weight_decay=0.01,
            learning_rate="cosine",
            warmup_epochs=2,
            class_weight="balanced",
            label_smoothing=0.1,
            max_grad_norm=5.0,
            max_iter=5,
            random_state=0,
        ),
        X,
        y,
    )
    persistence.dump(clf, tmp_path / "clf.skops")
    loaded = persistence.load(tmp_path / "clf.skops")
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_silu_through_tanh_matches_the_logistic_formula(dtype):
    # sigma = (1 + tanh(z / 2)) / 2 is 1 / (1 + exp(-z)): f and f' agree
    # with that formula in higher precision to a few units of the dtype's
    # rounding of max(|z|, 1), from the far negative tail (where sigma is 0)
    # to the saturated positive one; exp never overflows.
    from sknn_scratch._activations import silu

    wide = np.longdouble if dtype == np.float64 else np.float64

    def reference(Z):
        Z = Z.astype(wide)
        sigma = 1 / (1 + np.exp(-Z))
        A = Z * sigma
        return A, sigma * (1 - A) + A

    rng = np.random.default_rng(0)
    Z = rng.normal(scale=5, size=(40, 5)).astype(dtype)
    Z[0] = [-100, -40, -17, -1e-3, 0]
    Z[1] = [1e-3, 17, 40, 100, 1e4]
    expected, slope = reference(Z)
    tolerance = 8 * np.finfo(dtype).eps * np.maximum(np.abs(Z), 1)
    work = np.empty_like(Z)
    with np.errstate(all="raise"):
        got = silu(Z.copy(), work)
        alone = silu(Z.copy())
    np.testing.assert_array_equal(alone, got)
    assert got.dtype == dtype
    assert np.all(np.abs(got - expected) <= tolerance)
    assert np.all(np.abs(work - slope) <= tolerance)
    # The tails: 0 (as -0) far below, z itself far above.
    assert got[0, 0] == 0 and got[1, 4] == Z[1, 4]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_silu_of_infinities_and_nan(dtype):
    from sknn_scratch._activations import silu

    Z = np.array([[np.inf, -np.inf, np.nan]], dtype=dtype)
    work = np.empty_like(Z)
    with np.errstate(invalid="ignore"):
        got = silu(Z.copy(), work)
    assert got[0, 0] == np.inf
    assert np.isnan(got[0, 1]) and np.isnan(got[0, 2])
