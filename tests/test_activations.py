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
def test_silu_raises_z_to_its_floor_only_where_needed(dtype):
    # sigma = 1 / (1 + exp(-max(z, floor))): the floor keeps exp finite. It
    # is applied only when some z is below it, with the same values.
    from sknn_scratch._activations import _EXP_FLOOR, silu

    floor = _EXP_FLOOR[np.dtype(dtype)]

    def reference(Z):
        sigma = 1 / (1 + np.exp(-np.maximum(Z, floor)))
        A = Z * sigma
        return A, sigma * (1 - A) + A

    rng = np.random.default_rng(0)
    ordinary = rng.normal(scale=5, size=(30, 4)).astype(dtype)
    extreme = ordinary.copy()
    extreme[0, :] = [floor - 1, 2 * floor, -np.inf, np.nan]
    extreme[1, :2] = [np.inf, floor]
    for Z in (ordinary, extreme):
        expected, slope = reference(Z)
        work = np.empty_like(Z)
        with np.errstate(over="raise"):  # (exp never overflows)
            got = silu(Z.copy(), work)
            np.testing.assert_array_equal(silu(Z.copy()), expected)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(work, slope)
