"""The budget that follows the data: ``budget_rows`` (batch and learning
rate grow with the rows), ``dropout_rows`` (dropout shrinks with them), ``refit``
(the length chosen on held-out rows, then trained on all of them) and
``budget_limited_`` (the budget, not convergence, ended training)."""

import warnings

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sknn_scratch import MLPClassifier, MLPRegressor

GROWN = dict(hidden_layer_sizes=(8,), batch_size=20, max_steps=50, max_iter=1000, random_state=0)


def _data(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    return X, X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=n)


def test_defaults_are_scikit_learns():
    params = MLPRegressor().get_params()
    assert params["budget_rows"] is None and params["refit"] is False
    recipe = MLPClassifier.for_tabular().get_params()
    assert recipe["budget_rows"] == 8000 and recipe["refit"] is False
    assert recipe["early_stopping"] is True and recipe["validation_fraction"] == 0.1


def test_the_budget_grows_with_the_rows_and_the_epochs_stay():
    X, y = _data(800)
    # 200 rows: 10 steps of 20 rows an epoch, 50 steps: 5 epochs.
    small = fit_quietly(MLPRegressor(budget_rows=200, **GROWN), X[:200], y[:200])
    # 800 rows, 4x budget_rows: batches 4x larger, so 5 epochs again, of
    # 10 steps of 80 rows: the same 50 steps, 4x the rows seen, and the
    # learning rate 2x (the square root of the batch's growth).
    large = fit_quietly(MLPRegressor(budget_rows=200, **GROWN), X, y)
    assert small.n_iter_ == large.n_iter_ == 5
    assert small._optimizer.t == large._optimizer.t == 50
    assert large.t_ == 4 * small.t_ == 4000
    assert small._optimizer.rate == 0.001 and large._optimizer.rate == 0.002
    # Without budget_rows the steps stay 50 of 20 rows: 2 epochs of 40 steps
    # (rounded up) at the rate as given.
    fixed = fit_quietly(MLPRegressor(**GROWN), X, y)
    assert fixed.n_iter_ == 2 and fixed._optimizer.t == 80
    assert fixed._optimizer.rate == 0.001


def test_the_rate_grows_from_the_training_rows_after_the_split():
    X, y = _data(1000)
    # Early stopping holds 10% out: 900 training rows, 4.5x budget_rows.
    params = dict(GROWN, early_stopping=True, validation_fraction=0.1, learning_rate_init=0.01)
    est = fit_quietly(MLPRegressor(budget_rows=200, **params), X, y)
    assert est._optimizer.rate == pytest.approx(0.01 * np.sqrt(4.5), rel=1e-12)
    assert est.t_ // est._optimizer.t == 90  # batches of 4.5 x 20 rows


def test_below_budget_rows_nothing_changes():
    X, y = _data(200)
    grown = fit_quietly(MLPRegressor(budget_rows=500, **GROWN), X, y)
    plain = fit_quietly(MLPRegressor(**GROWN), X, y)
    np.testing.assert_array_equal(grown.predict(X), plain.predict(X))


def test_partial_fit_keeps_its_batch():
    X, y = _data(800)
    est = MLPRegressor(budget_rows=200, **GROWN).partial_fit(X, y)
    assert est._optimizer.t == 40  # 800 rows in batches of 20


def _rates_seen(monkeypatch, est, X, y, partial=False):
    """The dropout rates of every batch of a fit (or a partial_fit)."""
    from sknn_scratch import _training

    seen, original = [], _training.dropout_masks

    def spy(bits, n_rows, units, rates, dtype):
        seen.append(tuple(rates))
        return original(bits, n_rows, units, rates, dtype)

    monkeypatch.setattr(_training, "dropout_masks", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(X, y) if partial else est.fit(X, y)
    return set(seen)


DROPPED = dict(hidden_layer_sizes=(8, 6), dropout=(0.2, 0.4), max_iter=3, random_state=0)


def test_dropout_rates_shrink_with_the_rows_beyond_dropout_rows(monkeypatch):
    X, y = _data(800)
    # 800 rows, 4x dropout_rows: a quarter of each rate.
    rates = _rates_seen(monkeypatch, MLPRegressor(dropout_rows=200, **DROPPED), X, y)
    assert rates == {(0.05, 0.1)}
    # The rows that count are those trained on: 720 after early stopping's 10%.
    held = MLPRegressor(dropout_rows=180, early_stopping=True, **DROPPED)
    assert _rates_seen(monkeypatch, held, X, y) == {(0.2 * 180 / 720, 0.4 * 180 / 720)}


def test_dropout_rows_changes_nothing_up_to_its_rows_nor_in_partial_fit(monkeypatch):
    X, y = _data(200)
    kept = fit_quietly(MLPRegressor(dropout_rows=200, **DROPPED), X, y)
    plain = fit_quietly(MLPRegressor(**DROPPED), X, y)
    np.testing.assert_array_equal(kept.predict(X), plain.predict(X))
    X, y = _data(800)
    incremental = MLPRegressor(dropout_rows=200, **DROPPED)
    assert _rates_seen(monkeypatch, incremental, X, y, partial=True) == {(0.2, 0.4)}
    assert MLPRegressor().dropout_rows is None
    assert MLPClassifier.for_tabular().dropout_rows == 8000


@pytest.mark.parametrize("value", [0, -5, 2.5, "many"])
def test_dropout_rows_must_be_a_positive_integer(value):
    X, y = _data(50)
    est = MLPRegressor(dropout_rows=value, **DROPPED)
    with pytest.raises(ValueError, match="dropout_rows"):
        est.fit(X, y)
    assert not hasattr(est, "network_")


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(solver="lbfgs", budget_rows=100), "budget_rows grows the batch"),
        (dict(refit=True), "refit=True .* needs early_stopping=True"),
        (dict(refit=True, early_stopping=True, solver="lbfgs"), "needs early_stopping=True"),
        (dict(refit=True, early_stopping=True, warm_start=True), "cannot continue"),
    ],
)
def test_settings_that_cannot_go_together_are_refused(params, match):
    X, y = _data(100)
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, **params)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "network_")


def _latest_best(est):
    """The latest epoch within ``tol`` of the best validation score."""
    scores = np.asarray(est.validation_scores_)
    return int(np.flatnonzero(scores >= scores.max() - est.tol)[-1]) + 1


def _refitted(**params):
    X, y = _data(500)
    settings = dict(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=1000,
        max_iter=40,
        learning_rate_init=0.01,
        random_state=0,
    )
    return X, y, fit_quietly(MLPRegressor(**{**settings, **params}), X, y)


def test_refit_trains_all_rows_for_the_chosen_fraction_of_the_epochs():
    X, y, once = _refitted()
    _, _, twice = _refitted(refit=True)
    # The first training is the one early stopping alone does: same scores.
    np.testing.assert_array_equal(twice.validation_scores_, once.validation_scores_)
    assert twice.best_epoch_ == once.best_epoch_
    # The second ran, on all 500 rows, the same fraction of its 40 epochs.
    assert twice.n_iter_ == _latest_best(once)
    assert twice.t_ == 500 * twice.n_iter_
    assert len(twice.loss_curve_) == twice.n_iter_
    assert not np.array_equal(twice.predict(X), once.predict(X))
    assert twice.score(X, y) > 0.95


def test_refit_stops_at_the_same_fraction_when_the_first_training_stops_early():
    _, _, twice = _refitted(refit=True, n_iter_no_change=3, max_iter=200)
    # The first training stopped by n_iter_no_change; the second runs the
    # fraction of the 200 planned epochs at which the first was best.
    assert len(twice.validation_scores_) < 200
    assert twice.n_iter_ == _latest_best(twice)


def test_refit_trains_as_long_as_the_latest_of_equally_good_epochs():
    X, y = _data(400)
    labels = np.where(y > 0, "up", "down")
    clf = fit_quietly(
        MLPClassifier(
            hidden_layer_sizes=(8,), early_stopping=True, refit=True, max_iter=30, random_state=0
        ),
        X,
        labels,
    )
    # Accuracy ties: the best epoch is the first of them, the length the last.
    assert clf.best_epoch_ < _latest_best(clf) == clf.n_iter_


def test_refit_with_validation_data_given_trains_once():
    X, y = _data(500)
    params = dict(hidden_layer_sizes=(8,), early_stopping=True, max_iter=20, random_state=0)
    a = fit_quietly(MLPRegressor(refit=True, **params), X, y, X_val=X[:50], y_val=y[:50])
    b = fit_quietly(MLPRegressor(**params), X, y, X_val=X[:50], y_val=y[:50])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_refit_is_reproducible_and_clones():
    _, _, a = _refitted(refit=True)
    X, y, b = _refitted(refit=True)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    c = fit_quietly(clone(a), X, y)
    np.testing.assert_array_equal(a.predict(X), c.predict(X))


def test_a_refit_classifier_keeps_its_classes():
    X, y = _data(400)
    labels = np.where(y > 0, "up", "down")
    clf = fit_quietly(
        MLPClassifier(
            hidden_layer_sizes=(8,),
            early_stopping=True,
            refit=True,
            max_iter=30,
            learning_rate_init=0.01,
            random_state=0,
        ),
        X,
        labels,
    )
    assert list(clf.classes_) == ["down", "up"] and clf.score(X, labels) > 0.9


def test_a_budget_cut_short_is_said():
    X, y = _data(2000)
    short = MLPRegressor(
        hidden_layer_sizes=(16,),
        learning_rate="coslog4",
        learning_rate_init=0.001,
        max_steps=400,  # 8 epochs of 57 steps
        batch_size=32,
        early_stopping=True,
        n_iter_no_change=1000,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="The step budget, not convergence, ended"):
        short.fit(X, y)
    assert short.budget_limited_ is True
    # Fifteen times the steps: the score levels off well before the end.
    long = clone(short).set_params(max_steps=6000, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        long.fit(X, y)
    assert long.budget_limited_ is False
    # Without a validation score nothing is known.
    plain = fit_quietly(clone(short).set_params(early_stopping=False), X, y)
    assert plain.budget_limited_ is None


def test_budget_limited_is_none_for_lbfgs_and_partial_fit():
    X, y = _data(200)
    lbfgs = fit_quietly(MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20), X, y)
    assert lbfgs.budget_limited_ is None
    est = MLPRegressor(hidden_layer_sizes=(4,)).partial_fit(X, y)
    assert est.budget_limited_ is None
