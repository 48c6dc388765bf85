"""A call that fails changes nothing: ``_fitted.all_or_nothing``."""

import pickle
import threading
import warnings

import numpy as np
import pytest
from helpers import SMALL, fit_quietly, small_data
from sklearn.exceptions import ConvergenceWarning

from sknn_scratch import (
    MLPClassifier,
    MLPRegressor,
    _objective,
    _training,
)

# ------------------------------------------------- state of a failing call


class _Boom(Exception):
    pass


def _fit_with_convergence_warnings_as_errors(est, X, y):
    """The caller's filters turn the ConvergenceWarning at max_iter into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            est.fit(X, y)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize(
    "solver, early_stopping",
    [("sgd", False), ("adam", False), ("lbfgs", False), ("sgd", True), ("adam", True)],
)
def test_warm_start_fit_failing_midway_changes_nothing(
    Estimator, solver, early_stopping, rng, monkeypatch
):
    X, y = small_data(Estimator, rng, n=80)
    random_state = np.random.RandomState(1)
    est = Estimator(
        solver=solver,
        hidden_layer_sizes=(6,),
        max_iter=4,
        warm_start=True,
        batch_size=10,
        early_stopping=early_stopping,
        random_state=random_state,
    )
    fit_quietly(est, X, y)
    before = pickle.dumps(est)
    _fit_with_convergence_warnings_as_errors(est, X, y)
    assert pickle.dumps(est) == before
    # A failure raised from deep inside an epoch, too.
    real = _objective.Objective.value_and_gradient
    calls = {"n": 0}
    fail_at = 5 if solver == "lbfgs" else 12  # in the second epoch

    def fail_midway(self, *args):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise _Boom
        return real(self, *args)

    monkeypatch.setattr(_objective.Objective, "value_and_gradient", fail_midway)
    with pytest.raises(_Boom):
        est.fit(X, y)
    assert pickle.dumps(est) == before


def test_failing_fit_leaves_an_unfitted_estimator_and_its_random_state_alone(rng):
    X, y = small_data(MLPRegressor, rng)
    random_state = np.random.RandomState(3)
    est = MLPRegressor(max_iter=3, random_state=random_state)
    before = pickle.dumps(est)
    _fit_with_convergence_warnings_as_errors(est, X, y)
    assert pickle.dumps(est) == before
    assert random_state.randint(10**9) == np.random.RandomState(3).randint(10**9)


def test_invscaling_with_a_huge_power_t_does_not_overflow(rng):
    X, y = small_data(MLPRegressor, rng)
    est = fit_quietly(
        MLPRegressor(solver="sgd", learning_rate="invscaling", power_t=1e10, **SMALL), X, y
    )
    assert est._optimizer.rate == 0.0 and np.isfinite(est.loss_)


@pytest.mark.parametrize("where", ["add_epoch", "stop_rule", "iteration_ends"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_ctrl_c_during_bookkeeping_leaves_one_consistent_epoch(
    where, early_stopping, rng, monkeypatch
):
    X, y = small_data(MLPRegressor, rng, n=100)
    params = dict(
        hidden_layer_sizes=(6,),
        solver="sgd",
        random_state=0,
        early_stopping=early_stopping,
        n_iter_no_change=100,
    )
    reference = fit_quietly(MLPRegressor(max_iter=2, **params), X, y)
    calls = {"n": 0}

    def interrupt_in_third_epoch(real):
        def wrapper(*args):
            calls["n"] += 1
            result = real(*args)  # the bookkeeping is half done...
            if calls["n"] == 3:
                raise KeyboardInterrupt  # ...when Ctrl-C arrives
            return result

        return wrapper

    from sknn_scratch._listeners import StopRule
    from sknn_scratch._optimizers import SGD
    from sknn_scratch._record import TrainingRecord

    owner, name = {
        "add_epoch": (TrainingRecord, "add_epoch"),
        "stop_rule": (StopRule, "epoch_ends"),
        "iteration_ends": (SGD, "iteration_ends"),
    }[where]
    monkeypatch.setattr(owner, name, interrupt_in_third_epoch(getattr(owner, name)))
    with pytest.warns(UserWarning, match="interrupted"):
        est = MLPRegressor(max_iter=10, **params).fit(X, y)
    assert est.n_iter_ == 2 == len(est.loss_curve_)
    assert est.loss_ == est.loss_curve_[-1] == reference.loss_
    assert est.t_ == reference.t_
    if early_stopping:
        assert len(est.validation_scores_) == 2 == len(est.validation_loss_curve_)
        assert est.validation_scores_ == reference.validation_scores_
        assert est.validation_loss_curve_ == reference.validation_loss_curve_
    for got, expected in zip(
        est.coefs_ + est.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_ctrl_c_before_anything_was_trained_propagates_and_changes_nothing(
    solver, rng, monkeypatch
):
    X, y = small_data(MLPRegressor, rng)

    def interrupt(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_objective.Objective, "value_and_gradient", interrupt)
    est = MLPRegressor(solver=solver, **SMALL)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


def test_predict_during_failing_fits_always_sees_the_fitted_model(rng, monkeypatch):
    X, y = small_data(MLPRegressor, rng, n=200)
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(32,), max_iter=20, random_state=0), X, y)
    expected = est.predict(X)
    real = _training._end_epoch

    def fail_in_third_epoch(plan, record, *args):
        if record.n_iter == 2:
            raise _Boom
        return real(plan, record, *args)

    monkeypatch.setattr(_training, "_end_epoch", fail_in_third_epoch)
    stop, problems = threading.Event(), []

    def predict_forever():
        while not stop.is_set():
            try:
                np.testing.assert_array_equal(est.predict(X), expected)
            except Exception as error:  # noqa: BLE001 - collected for the assert
                problems.append(error)

    thread = threading.Thread(target=predict_forever)
    thread.start()
    try:
        for _ in range(30):
            with pytest.raises(_Boom):
                est.fit(X, y)
    finally:
        stop.set()
        thread.join()
    assert problems == []
