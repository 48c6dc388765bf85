"""The robust losses against their formulas (``_losses``)."""

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPRegressor

# --------------------------------------------------------- robust losses


@pytest.mark.parametrize("q", [0.5, 0.2, 0.9])
def test_quantile_loss_converges_to_the_quantile(q, rng):
    # A constant input: the best prediction is the q-quantile of y.
    y = rng.exponential(size=2000)  # skewed: median and mean differ by 0.3
    X = np.zeros((2000, 1))
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(),
            loss="quantile",
            quantile=q,
            solver="sgd",
            learning_rate="invscaling",
            power_t=0.3,
            learning_rate_init=0.05,
            max_iter=300,
            tol=0,
            random_state=0,
        ),
        X,
        y,
    )
    assert est.predict(X[:1])[0] == pytest.approx(np.quantile(y, q), abs=0.02)


def test_absolute_error_predicts_the_median_and_squared_error_the_mean(rng):
    y = rng.exponential(size=2000)
    X = np.zeros((2000, 1))
    params = dict(
        hidden_layer_sizes=(),
        solver="sgd",
        learning_rate="invscaling",
        power_t=0.3,
        learning_rate_init=0.05,
        max_iter=300,
        tol=0,
        random_state=0,
    )
    median = fit_quietly(MLPRegressor(loss="absolute_error", **params), X, y).predict(X[:1])[0]
    mean = fit_quietly(MLPRegressor(**params), X, y).predict(X[:1])[0]
    assert median == pytest.approx(np.median(y), abs=0.02)
    assert mean == pytest.approx(y.mean(), abs=0.02)


def test_huber_resists_outliers(rng):
    X = rng.normal(size=(400, 1))
    y = 2 * X[:, 0]
    y[:20] += 100  # 5% gross outliers
    params = dict(hidden_layer_sizes=(), solver="lbfgs", max_iter=500, random_state=0)
    huber = fit_quietly(MLPRegressor(loss="huber", huber_delta=1.0, **params), X, y)
    squared = fit_quietly(MLPRegressor(**params), X, y)
    assert abs(huber.coefs_[0][0, 0] - 2) < 0.2
    # The outliers pull the squared-error intercept up by about 5 (100 x 5%).
    assert abs(huber.intercepts_[0][0]) < 0.5 < abs(squared.intercepts_[0][0])


def test_quantile_loss_needs_its_quantile(rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match="loss='quantile' needs the quantile"):
        MLPRegressor(loss="quantile").fit(X, y)
