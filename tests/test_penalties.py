"""Elastic net and decoupled weight decay (``_objective``, ``_optimizers``)."""

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPRegressor

# ------------------------------------------- elastic net and weight decay


def test_adamw_step_by_hand(rng):
    from sknn_scratch._optimizers import Adam, Groups
    from sknn_scratch._schedules import Schedule

    params, grads = rng.normal(size=6), rng.normal(size=6)
    eta, wd, b1, b2, eps = 0.01, 0.1, 0.9, 0.999, 1e-8
    schedule = Schedule("constant", eta, 0.5, 10, 0)
    opt = Adam(6, np.float64, schedule, b1, b2, eps, wd, Groups.default(4))
    p = params.copy()
    opt.update(p, grads)
    decayed = params.copy()
    decayed[:4] *= 1 - eta * wd  # weights only: the last two are biases
    step = (
        eta * np.sqrt(1 - b2) / (1 - b1) * (1 - b1) * grads / (np.sqrt((1 - b2) * grads**2) + eps)
    )
    np.testing.assert_allclose(p, decayed - step, rtol=1e-12)


def test_default_adam_has_no_decay(rng):
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    est = fit_quietly(MLPRegressor(max_iter=3, random_state=0), X, y)
    assert est._optimizer.weight_decay == 0.0


def test_weight_decay_shrinks_weights(rng):
    X = rng.normal(size=(200, 3))
    y = X[:, 0] * X[:, 1]
    params = dict(hidden_layer_sizes=(32,), max_iter=100, learning_rate_init=0.01, random_state=0)
    plain = fit_quietly(MLPRegressor(**params), X, y)
    decayed = fit_quietly(MLPRegressor(weight_decay=1.0, **params), X, y)
    norm = lambda est: sum(float((c**2).sum()) for c in est.coefs_)  # noqa: E731
    assert norm(decayed) < 0.8 * norm(plain)


@pytest.mark.parametrize("solver", ["sgd", "adam", "gd"])
def test_l1_drives_weights_towards_zero(solver, rng):
    X = rng.normal(size=(300, 10))
    y = X[:, 0] - 2 * X[:, 1]  # eight useless features
    params = dict(
        hidden_layer_sizes=(),
        solver=solver,
        alpha=30.0,
        max_iter=300,
        learning_rate_init=0.01,
        random_state=0,
    )
    l1 = fit_quietly(MLPRegressor(l1_ratio=1.0, **params), X, y).coefs_[0].ravel()
    l2 = fit_quietly(MLPRegressor(**params), X, y).coefs_[0].ravel()
    # Sub-gradient steps leave the useless weights hovering near 0, far
    # smaller than L2 leaves them, and keep the useful ones.
    assert np.abs(l1[2:]).max() < 0.05 < np.abs(l1[:2]).min()
    assert np.abs(l1[2:]).mean() < np.abs(l2[2:]).mean() or np.abs(l2[2:]).mean() < 0.01


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(solver="lbfgs", l1_ratio=0.5), "l1_ratio > 0 needs a stochastic solver"),
        (dict(solver="sgd", weight_decay=0.1), "weight_decay is AdamW's"),
        (dict(l1_ratio=1.5), "l1_ratio"),
    ],
)
def test_penalty_refusals(params, match, rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match=match):
        MLPRegressor(**params).fit(X, y)
