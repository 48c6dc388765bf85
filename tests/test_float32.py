"""Training and predicting in float32."""

import numpy as np
import pytest
from helpers import SMALL, fit_quietly, small_data

from sknn_scratch import (
    MLPClassifier,
    MLPRegressor,
)

# ------------------------------------------------------------- float32


def test_float32_sum_of_huge_sample_weights_trains_like_float64(rng):
    X = rng.normal(size=(300, 3))
    y = X @ [1.0, -1.0, 0.5] + 0.01 * rng.normal(size=300)
    weights = np.full(300, 1e37)  # sums beyond float32's 3.4e38
    scores = {}
    for dtype in (np.float32, np.float64):
        est = fit_quietly(
            MLPRegressor(solver="lbfgs", hidden_layer_sizes=(8,), max_iter=300, random_state=0),
            X.astype(dtype),
            y,
            sample_weight=weights,
        )
        assert est.n_iter_ > 10
        scores[dtype] = est.score(X, y)
    assert scores[np.float32] > 0.99 and abs(scores[np.float32] - scores[np.float64]) < 1e-3


def test_finite_y_beyond_float32_is_an_input_error(rng):
    X = rng.normal(size=(20, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="beyond the largest float32"):
        MLPRegressor(**SMALL).fit(X, np.full(20, 1e39))


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_continuing_with_float32_keeps_a_float64_model(how, Estimator, rng):
    X, y = small_data(Estimator, rng)
    est = fit_quietly(Estimator(solver="sgd", **SMALL), X, y)
    if how == "partial_fit":
        est.partial_fit(X.astype(np.float32), y)
    else:
        fit_quietly(est.set_params(warm_start=True), X.astype(np.float32), y)
    assert all(w.dtype == np.float64 for w in est.coefs_ + est.intercepts_)
