"""Learning-rate schedules and their warm-ups (``_schedules``)."""

import warnings

import numpy as np
import pytest
from helpers import THIRTY_EPOCHS, fit_and_warnings

from sknn_scratch import MLPRegressor

# ------------------------------------------- warm-ups longer than the plan


@pytest.mark.parametrize("kind", ["cosine", "constant", "adaptive", "invscaling"])
@pytest.mark.parametrize("epochs", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("warmup", [0, 1, 3, 6, 10])
def test_every_schedule_reaches_its_peak_and_cosine_anneals_within_the_plan(kind, epochs, warmup):
    from sknn_scratch._schedules import Schedule

    schedule = Schedule(kind, 0.1, 0.0, epochs, warmup)
    rates = []
    for _ in range(epochs):
        rates.append(schedule.rate())
        schedule.epoch_ends(0)
    assert max(rates) == pytest.approx(0.1)  # the warm-up ends within the plan
    if kind == "cosine":
        assert schedule.rate() == pytest.approx(0.0, abs=1e-12)  # annealed at its end
        after_peak = rates[rates.index(max(rates)) :]
        assert all(b <= a for a, b in zip(after_peak, after_peak[1:]))


@pytest.mark.parametrize("max_steps", [5, 10, 20, 30, 40, 100])
def test_for_tabular_anneals_to_zero_whatever_the_step_budget(max_steps):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(640, 3))  # 10 steps of 64 rows an epoch
    y = X.sum(axis=1)
    # (No validation: a budget that ends a rising score is warned about.)
    est = MLPRegressor.for_tabular(
        random_state=0, max_steps=max_steps, early_stopping=False, refit=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a budget is routine: no warning
        est.fit(X, y)
    assert est.n_iter_ == -(-max_steps // 10)
    assert est.learning_rate_ == 0.0


@pytest.mark.parametrize("kind", ["cosine", "constant"])
@pytest.mark.parametrize("warmup, max_iter", [(3, 3), (5, 3), (10, 1)])
def test_a_warmup_not_shorter_than_max_iter_is_warned_about(kind, warmup, max_iter, regression):
    X, y = regression
    est = MLPRegressor(
        **dict(THIRTY_EPOCHS, warmup_epochs=warmup, max_iter=max_iter, learning_rate=kind)
    )
    _, messages = fit_and_warnings(est, X, y)
    assert any(
        f"warmup_epochs={warmup} is not shorter than max_iter={max_iter}" in m for m in messages
    )
    _, messages = fit_and_warnings(est.set_params(max_iter=warmup + 1), X, y)
    assert not any("warmup_epochs" in m for m in messages)
