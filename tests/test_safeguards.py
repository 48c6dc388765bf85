"""Divergence: what the guard sees, what it keeps, what it says (``_safeguards``)."""

import re
import warnings

import numpy as np
import pytest
from helpers import SMALL, fit_quietly, small_data
from sklearn.exceptions import ConvergenceWarning

from sknn_scratch import (
    MLPRegressor,
    _network,
    _objective,
    _safeguards,
    _training,
)

# ------------------------------------------------------------ divergence


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_divergence_keeps_weights_whose_predictions_are_finite(solver, rng):
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, 2.0, 3.0]
    est = MLPRegressor(
        hidden_layer_sizes=(16,),
        solver=solver,
        learning_rate_init=50.0,
        momentum=0,
        max_iter=500,
        random_state=0,
    )
    # The sound state of lowest objective: an epoch's weights, or the initial ones.
    kept = r"diverged in epoch \d+.*(after epoch \d+|the initial ones)"
    with pytest.warns(ConvergenceWarning, match=kept):
        est.fit(X, y)
    with np.errstate(all="raise"):  # not even an overflow on the way
        mse = np.mean((est.predict(X) - y) ** 2)
    assert np.isfinite(mse)
    assert np.isfinite(est.loss_) and np.isfinite(est.loss_curve_).all()
    assert max(est.n_iter_, 1) == len(est.loss_curve_)


def test_divergence_check_sees_every_training_row():
    # Row 1000 of 1001 is the only one whose outputs overflow.
    X = np.ones((1001, 2))
    X[1000] = 1e300
    net = _network.Network.of_lists([np.full((2, 1), 1e10)], [np.zeros(1)], "relu")
    net = net.for_training("squared_error", np.float64)
    guard = _safeguards.Guard(_objective.Objective(net), (X, np.zeros((1001, 1)), None), 0.0)
    assert not guard.outputs_finite()
    assert guard.diverged(1.0)
    X[1000] = 1.0
    assert _safeguards.Guard(
        _objective.Objective(net), (X, np.zeros((1001, 1)), None), 0.0
    ).outputs_finite()


def test_output_bound_bounds_every_output(rng):
    from sknn_scratch._activations import HIDDEN_ACTIVATIONS

    for activation in HIDDEN_ACTIVATIONS:
        coefs = [rng.normal(size=(4, 5)), rng.normal(size=(5, 2))]
        intercepts = [rng.normal(size=5), rng.normal(size=2)]
        X = rng.normal(size=(300, 4)) * 3
        net = _network.Network.of_lists(coefs, intercepts, activation)
        raw = net.predict_raw(X)
        bound = net.output_bound(np.abs(X).max())
        assert np.abs(raw).max() <= bound
        work = np.full(25, np.nan)  # the buffer's old contents must not matter
        assert net.output_bound(np.abs(X).max(), work) == bound


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_agrees_with_isfinite(dtype):
    values = np.ones(1000, dtype=dtype)
    assert _network.all_finite(values)
    for bad in (np.nan, np.inf, -np.inf):
        values[517] = bad
        assert not _network.all_finite(values)
    # Finite entries whose squares overflow: the fast sum is inf, the answer True.
    values[517] = np.finfo(dtype).max
    assert _network.all_finite(values)


@pytest.mark.parametrize("solver", ["sgd", "adam", "gd"])
def test_divergence_in_the_first_epoch_keeps_initial_weights_with_a_finite_loss(
    solver, rng, monkeypatch
):
    X, y = small_data(MLPRegressor, rng)
    monkeypatch.setattr(_training, "_run_epoch", lambda *args: np.inf)
    with pytest.warns(ConvergenceWarning, match="initial ones"):
        est = MLPRegressor(solver=solver, **SMALL).fit(X, y)
    assert est.n_iter_ == 0 and len(est.loss_curve_) == 1
    assert np.isfinite(est.loss_) and est.loss_ == est.loss_curve_[0] == est.best_loss_
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_objective_not_finite_at_the_start_is_a_clear_error(solver, rng):
    X = rng.normal(size=(50, 3))
    est = MLPRegressor(solver=solver, **SMALL)
    with pytest.raises(ValueError, match="Training cannot start.*Scale the targets"):
        est.fit(X, rng.normal(size=50) * 1e200)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize(
    "case", ["huge alpha", "huge sample weights", "tiny sample weights", "mixed weights"]
)
def test_lbfgs_extremes_give_finite_loss_and_curve(case, rng, no_runtime_warnings):
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -1.0, 0.5]
    alpha, weights = 1e-4, None
    if case == "huge alpha":
        alpha = 1e300
    elif case == "huge sample weights":
        weights = np.full(60, 1e300)
    elif case == "tiny sample weights":
        weights = np.full(60, 1e-300)
    else:
        weights = np.where(np.arange(60) % 2, 1e200, 1e-200)
    est = fit_quietly(
        MLPRegressor(solver="lbfgs", alpha=alpha, **SMALL), X, y, sample_weight=weights
    )
    assert np.isfinite(est.loss_) and len(est.loss_curve_) >= 1
    assert np.isfinite(est.loss_curve_).all()
    assert np.isfinite(est.predict(X)).all()


def test_lbfgs_result_with_overflowing_outputs_is_not_kept(rng, monkeypatch):
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -1.0, 0.5]
    real = _training._minimize

    def overflowing_result(objective, start, callback, plan):
        result = real(objective, start, callback, plan)
        result.x = result.x * 1e200  # finite weights, overflowing outputs
        return result

    monkeypatch.setattr(_training, "_minimize", overflowing_result)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        est = MLPRegressor(solver="lbfgs", hidden_layer_sizes=(5,), random_state=0).fit(X, y)
    assert np.isfinite(est.predict(X)).all() and np.isfinite(est.loss_)


# ----------------------------------------- what a divergence keeps


def _standardised_diabetes():
    from sklearn.datasets import load_diabetes
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _J(est, X, y):
    theta, objective = est._objective_function(X, y)
    return objective(theta)[0]


def _diverging_fit(**params):
    X, y = _standardised_diabetes()
    est = MLPRegressor(random_state=0, max_iter=300, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    messages = [str(w.message) for w in caught if "diverged" in str(w.message)]
    assert len(messages) == 1
    return est, messages[0], X, y


@pytest.mark.parametrize("rate, momentum", [(0.5, 0.95), (0.5, 0.99), (0.3, 0.99), (10.0, 0.9)])
def test_a_divergence_keeps_the_sound_epoch_of_lowest_J(rate, momentum):
    params = dict(solver="gd", learning_rate_init=rate, momentum=momentum)
    est, message, X, y = _diverging_fit(**params)
    diverged = int(re.search(r"diverged in epoch (\d+)", message).group(1))
    # Full-batch gd is deterministic: the weights after each sound epoch
    # are those of a fit stopped there.
    objectives = [_J(_fit_epochs(X, y, 0, params), X, y)]
    for k in range(1, diverged):
        objectives.append(_J(_fit_epochs(X, y, k, params), X, y))
    finite = [j if np.isfinite(j) else np.inf for j in objectives]
    best = int(np.argmin(finite))
    kept = _J(est, X, y)
    assert kept == pytest.approx(finite[best], rel=1e-9)
    assert est.n_iter_ == best
    reported = float(re.search(r"objective J on the training data: ([0-9.e+-]+)\)", message)[1])
    assert reported == pytest.approx(kept, rel=1e-5)
    where = f"after epoch {best} of this call" if best else "the weights are the initial ones"
    assert where in message
    assert np.abs(est.predict(X)).max() < 100  # standardised targets: a sound model


def _fit_epochs(X, y, epochs, params):
    if epochs == 0:  # the initial weights
        est = MLPRegressor(random_state=0, max_iter=1, **dict(params, learning_rate_init=1e-300))
        return fit_quietly(est, X, y)
    est = MLPRegressor(random_state=0, max_iter=epochs, n_iter_no_change=10**6, **params)
    return fit_quietly(est, X, y)


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", learning_rate_init=1.0, momentum=0.9),
        dict(solver="sgd", learning_rate_init=0.5, momentum=0.9),
        dict(solver="gd", learning_rate_init=0.2, momentum=0.95),
    ],
)
def test_after_a_divergence_the_records_describe_the_kept_epoch(params):
    est, message, X, y = _diverging_fit(**params)
    assert len(est.loss_curve_) == max(est.n_iter_, 1)
    assert np.isfinite(est.loss_) and np.abs(est.predict(X)).max() < 100
    reported = float(re.search(r"objective J on the training data: ([0-9.e+-]+)\)", message)[1])
    assert reported == pytest.approx(_J(est, X, y), rel=1e-5)
