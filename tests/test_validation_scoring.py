"""Scoring held-out data during training (``_held_out``): scores that are not
numbers, scorers that predict on other data, class weights of validation
data, scorings that cannot work, interrupts while scoring, and what callbacks
see when training stops itself."""

import pickle
import warnings

import numpy as np
import pytest
from helpers import THIRTY_EPOCHS, constant_scorer, fit_and_warnings, fit_quietly
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, get_scorer, r2_score
from sklearn.utils.class_weight import compute_class_weight

from sknn_scratch import MLPClassifier, MLPRegressor

# ----------------------------------------- validation scores that are not numbers


@pytest.mark.parametrize(
    "how",
    ["nan-scorer", "minus-inf-scorer", "plus-inf-scorer", "huge-X_val", "huge-X_val-scored"],
)
def test_scores_that_are_not_numbers_never_restore_the_initial_weights(how, regression):
    X, y = regression
    params = dict(
        THIRTY_EPOCHS, max_iter=40, early_stopping=True, n_iter_no_change=5, learning_rate_init=0.01
    )
    fit_kwargs = {}
    if how.endswith("scorer"):
        value = {"nan": np.nan, "minus-inf": -np.inf, "plus-inf": np.inf}[how[: -len("-scorer")]]
        params["scoring"] = constant_scorer(value)
    else:
        fit_kwargs = dict(X_val=X[:50] * 1e300, y_val=y[:50])
        if how.endswith("scored"):
            params["scoring"] = "neg_mean_squared_error"
    est, messages = fit_and_warnings(MLPRegressor(**params), X, y, **fit_kwargs)
    initial = dict(params, max_iter=1, learning_rate_init=1e-12, early_stopping=False)
    initial = MLPRegressor(**dict(initial, scoring=None))
    initial = fit_quietly(initial, X, y)
    # Trained weights, not the initial ones, and training ran its epochs.
    assert not np.allclose(est.coefs_[0], initial.coefs_[0])
    assert est.n_iter_ == 40 and est.best_epoch_ is None
    assert r2_score(y, est.predict(X)) > r2_score(y, initial.predict(X)) + 0.5
    assert any("were not finite numbers" in m and "last sound epoch" in m for m in messages)


def test_some_unscored_epochs_are_never_the_best(regression):
    X, y = regression
    scores = iter([np.nan, 0.1, np.nan, 0.3, -np.inf, 0.2] + [np.nan] * 100)

    def scorer(estimator, X, y):
        return next(scores)

    est, messages = fit_and_warnings(
        MLPRegressor(**dict(THIRTY_EPOCHS, max_iter=8, early_stopping=True, scoring=scorer)), X, y
    )
    assert est.best_epoch_ == 4 and est.best_validation_score_ == 0.3
    assert any("5 of 8 validation scores" in m and "best epoch, 4" in m for m in messages)


# ----------------------------------------------- scorers predicting on other data


@pytest.mark.parametrize(
    "other",
    [
        lambda X: X + 1,
        lambda X: X[: len(X) // 2],
        lambda X: X[np.arange(len(X)) % 3 == 0],
        lambda X: X.copy(),
        lambda X: X[::-1],
    ],
    ids=["shifted", "first-half", "mask", "copy", "reversed"],
)
@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_a_scorer_predicting_on_other_data_gets_real_predictions(other, method, classification):
    X, y = classification
    seen = []

    def scorer(estimator, X_val, y_val):
        data = other(X_val)
        got = getattr(estimator, method)(data)
        # The same weights on a fresh copy of the estimator: a real forward pass.
        reference = MLPClassifier.from_weights(
            estimator.coefs_, estimator.intercepts_, classes=estimator.classes_
        )
        seen.append(np.array_equal(got, getattr(reference, method)(data)))
        return accuracy_score(y_val, estimator.predict(X_val))

    est = MLPClassifier(**dict(THIRTY_EPOCHS, max_iter=3, early_stopping=True, scoring=scorer))
    fit_quietly(est, X, y)
    assert seen == [True] * 3


def test_a_scorer_on_the_validation_array_still_reads_the_cache(regression, monkeypatch):
    X, y = regression
    from sknn_scratch import _held_out

    calls = []
    real = MLPRegressor.predict

    def counting_predict(self, X):
        calls.append(len(X))
        return real(self, X)

    monkeypatch.setattr(MLPRegressor, "predict", counting_predict)
    est = MLPRegressor(**dict(THIRTY_EPOCHS, max_iter=4, early_stopping=True, scoring="r2"))
    fit_quietly(est, X, y)
    assert calls == []  # every score came from the epoch's one forward pass
    assert _held_out  # (the module that answers from the cache)


# -------------------------------------- class_weight of validation data


@pytest.mark.parametrize("missing", [None, "a", "c"])
@pytest.mark.parametrize("scoring", [None, "accuracy", "loss"])
def test_balanced_validation_weights_use_training_frequencies(missing, scoring, classification):
    X, y = classification
    X_val, y_val = X[200:], y[200:]
    if missing is not None:
        X_val, y_val = X_val[y_val != missing], y_val[y_val != missing]
    X_train, y_train = X[:200], y[:200]
    est = MLPClassifier(**dict(THIRTY_EPOCHS, max_iter=3, class_weight="balanced", scoring=scoring))
    fit_quietly(est, X_train, y_train, X_val=X_val, y_val=y_val)
    per_class = compute_class_weight("balanced", classes=est.classes_, y=y_train)
    weights = per_class[np.searchsorted(est.classes_, y_val)]
    if scoring == "loss":
        return  # the same weights enter the loss; checked through accuracy below
    final = MLPClassifier.from_weights(est.coefs_, est.intercepts_, classes=est.classes_)
    expected = accuracy_score(y_val, final.predict(X_val), sample_weight=weights)
    assert est.validation_scores_[-1] == pytest.approx(expected)


# ------------------------------------------------ scorings that cannot work


@pytest.mark.parametrize(
    "scoring", ["roc_auc", "neg_log_loss", "average_precision", "neg_brier_score"]
)
@pytest.mark.parametrize("validation", ["early_stopping", "X_val"])
def test_a_scoring_the_regressor_cannot_compute_is_refused_before_training(
    scoring, validation, regression
):
    X, y = regression
    est = MLPRegressor(
        **dict(THIRTY_EPOCHS, scoring=scoring, early_stopping=validation == "early_stopping")
    )
    fit_kwargs = dict(X_val=X[:20], y_val=y[:20]) if validation == "X_val" else {}
    with pytest.raises(ValueError, match=rf"^scoring='{scoring}' needs .*predict_proba"):
        est.fit(X, y, **fit_kwargs)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("scoring", ["r3", "acuracy", "neg_mean_squared_eror", ""])
def test_a_misspelt_scoring_names_the_parameter(Estimator, scoring, regression):
    X, y = regression
    if Estimator is MLPClassifier:
        y = y > 0
    est = Estimator(**dict(THIRTY_EPOCHS, scoring=scoring, early_stopping=True))
    with pytest.raises(ValueError, match=rf"^scoring='{scoring}' is not a valid scoring of"):
        est.fit(X, y)


def test_a_close_misspelling_is_suggested(regression):
    X, y = regression
    est = MLPRegressor(**dict(THIRTY_EPOCHS, scoring="neg_mean_squared_eror", early_stopping=True))
    with pytest.raises(ValueError, match="Did you mean 'neg_mean_squared_error'"):
        est.fit(X, y)


@pytest.mark.parametrize("scoring", ["r2", "loss", constant_scorer(1.0)])
def test_an_unused_scoring_is_warned_about(scoring, regression):
    X, y = regression
    _, messages = fit_and_warnings(MLPRegressor(**dict(THIRTY_EPOCHS, scoring=scoring)), X, y)
    assert any("is unused" in m for m in messages)
    _, messages = fit_and_warnings(
        MLPRegressor(**dict(THIRTY_EPOCHS, scoring=scoring)), X, y, X_val=X, y_val=y
    )
    assert not any("is unused" in m for m in messages)


# ------------------------------------------------- callable scorers' signatures


def _plain_scorer(estimator, X, y):
    return r2_score(y, estimator.predict(X))


def _weighted_scorer(estimator, X, y, sample_weight=None):
    return r2_score(y, estimator.predict(X), sample_weight=sample_weight)


def _kwargs_scorer(estimator, X, y, **kwargs):
    return r2_score(y, estimator.predict(X), sample_weight=kwargs.get("sample_weight"))


@pytest.mark.parametrize(
    "scorer, weighted",
    [
        (_plain_scorer, False),
        (lambda est, X, y: _plain_scorer(est, X, y), False),
        (_weighted_scorer, True),
        (_kwargs_scorer, True),
        (get_scorer("r2"), True),
    ],
    ids=["plain", "lambda", "sample_weight", "kwargs", "sklearn"],
)
@pytest.mark.parametrize("where", ["early_stopping", "X_val"])
def test_callable_scorers_get_sample_weight_only_if_they_take_it(
    scorer, weighted, where, regression
):
    X, y = regression
    w = np.linspace(0.5, 2.0, len(X))
    params = dict(
        THIRTY_EPOCHS, max_iter=3, scoring=scorer, early_stopping=where == "early_stopping"
    )
    fit_kwargs = {"sample_weight": w}
    if where == "X_val":
        fit_kwargs.update(X_val=X[:40], y_val=y[:40], sample_weight_val=w[:40])
    est = fit_quietly(MLPRegressor(**params), X, y, **fit_kwargs)
    assert len(est.validation_scores_) == est.n_iter_
    if where == "X_val":
        final = MLPRegressor.from_weights(est.coefs_, est.intercepts_)
        expected = r2_score(
            y[:40], final.predict(X[:40]), sample_weight=w[:40] if weighted else None
        )
        assert est.validation_scores_[-1] == pytest.approx(expected)


def test_state_is_kept_when_scoring_is_refused(regression):
    X, y = regression
    est = fit_quietly(MLPRegressor(**THIRTY_EPOCHS), X, y)
    before = pickle.dumps(est)
    est.set_params(scoring="roc_auc", early_stopping=True)
    with pytest.raises(ValueError, match="scoring"):
        est.fit(X, y)
    est.set_params(scoring=None, early_stopping=False)
    assert pickle.dumps(est) == before


# --------------------------------------- Ctrl-C while validation data are scored


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd", "gd"])
@pytest.mark.parametrize("interrupt_at", [2, 3, 5])
def test_ctrl_c_while_scoring_leaves_records_of_one_length(solver, interrupt_at, regression):
    X, y = regression
    calls = []

    def scorer(estimator, X_val, y_val):
        calls.append(1)
        if len(calls) == interrupt_at:
            raise KeyboardInterrupt
        return r2_score(y_val, estimator.predict(X_val))

    est = MLPRegressor(**dict(THIRTY_EPOCHS, solver=solver, scoring=scorer, max_iter=20))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y, X_val=X[:50], y_val=y[:50])
    assert len(est.validation_scores_) == len(est.validation_loss_curve_)
    assert len(est.validation_scores_) == len(est.loss_curve_) == est.n_iter_
    assert est.n_iter_ == interrupt_at - 1
    assert est.best_epoch_ is not None and est.best_epoch_ <= est.n_iter_


# ------------------------- callbacks see the epoch on which training stops itself


class _EpochRecorder:
    """A scikit-learn FitCallback noting each epoch's fitted estimator."""

    def __init__(self):
        self.fitted, self.ended = [], 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None):
        pass

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        if context.task_name == "epoch":
            self.ended += 1
            if fitted_estimator is not None:
                self.fitted.append(fitted_estimator)
        return False


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("solver", ["sgd", "adam", "gd"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_callbacks_see_the_epoch_training_stops_on(Estimator, solver, early_stopping, regression):
    X, y = regression
    if Estimator is MLPClassifier:
        y = y > 0
    recorder = _EpochRecorder()
    est = Estimator(
        **dict(THIRTY_EPOCHS, max_iter=500, solver=solver, early_stopping=early_stopping),
        tol=0.05,
        n_iter_no_change=2,
    ).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # it stops on its own
        est.fit(X, y)
    assert est.n_iter_ < 500
    assert recorder.ended == len(recorder.fitted) == est.n_iter_
    if not early_stopping:  # (early stopping then goes back to the best epoch)
        np.testing.assert_array_equal(recorder.fitted[-1].predict(X), est.predict(X))


def test_scoring_monitor_logs_the_last_epoch_when_training_stops_itself(regression):
    from sklearn.callback import ScoringMonitor

    X, y = regression
    monitor = ScoringMonitor(scoring="r2")
    est = MLPRegressor(**dict(THIRTY_EPOCHS, max_iter=500), tol=0.05, n_iter_no_change=2)
    est.set_callbacks(monitor).fit(X, y)
    logs = monitor.get_logs()
    log = logs if not isinstance(logs, list) else logs[0]
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert est.n_iter_ < 500 and len(epochs) == est.n_iter_
    assert epochs[-1]["r2"] == pytest.approx(est.score(X, y), rel=1e-9)


# ------------------------------------------- validation rows through fixed layers


def test_validation_rows_go_through_the_fixed_input_layers_once(monkeypatch, rng):
    from sknn_scratch._input_layers import PiecewiseLinear

    X, X_val = rng.normal(size=(300, 3)), rng.normal(size=(80, 3))
    y, y_val = np.sin(2 * X[:, 0]) + X[:, 1], np.sin(2 * X_val[:, 0]) + X_val[:, 1]
    seen, forward = [], PiecewiseLinear.forward

    def counted(self, A, params, slot):
        seen.append(A.shape[0])
        return forward(self, A, params, slot)

    monkeypatch.setattr(PiecewiseLinear, "forward", counted)
    params = dict(piecewise_linear_bins=8, early_stopping=True, max_iter=12, random_state=0)
    est = fit_quietly(MLPRegressor(**params), X, y, X_val=X_val, y_val=y_val)
    assert est.n_iter_ == 12
    # The training rows once and the validation rows once, not every epoch.
    assert sorted(seen) == [80, 300]
    # The scores are those of the network on the raw validation rows: the
    # weights kept are the best epoch's, whose score is the best one.
    assert est.score(X_val, y_val) == pytest.approx(est.best_validation_score_, rel=1e-12)
