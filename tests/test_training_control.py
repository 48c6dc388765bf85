"""Training that users control: validation data and what early
stopping watches."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from helpers import fit_quietly
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer, make_scorer, mean_absolute_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier, MLPRegressor, _listeners, _plan, _training


def _regression(rng, n=200):
    X = rng.normal(size=(n, 4))
    return X, X[:, 0] * X[:, 1] + X[:, 2] + 0.1 * rng.normal(size=n)


def _classification(rng, n=200):
    X = rng.normal(size=(n, 4))
    return X, np.where(X[:, 0] + X[:, 1] ** 2 > 1, "yes", "no")


SMALL = dict(hidden_layer_sizes=(8,), random_state=0, max_iter=30)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_given_validation_data_equal_the_same_rows_split_off(Estimator, solver, rng, monkeypatch):
    X, y = (_regression if Estimator is MLPRegressor else _classification)(rng)
    params = dict(solver=solver, early_stopping=True, shuffle=False, n_iter_no_change=5, **SMALL)
    parts = []
    real = _plan.train_test_split

    def spy(*arrays, **kwargs):
        parts.append(real(*arrays, **kwargs))
        return parts[-1]

    monkeypatch.setattr(_plan, "train_test_split", spy)
    split = fit_quietly(Estimator(**params), X, y)
    X_train, X_val, _, _, y_train, y_val = parts[0][:6]
    given = fit_quietly(Estimator(**params), X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(parts) == 1  # given data are not split again
    assert given.validation_scores_ == split.validation_scores_
    assert given.validation_loss_curve_ == split.validation_loss_curve_
    assert given.best_epoch_ == split.best_epoch_
    for a, b in zip(given.coefs_ + given.intercepts_, split.coefs_ + split.intercepts_):
        np.testing.assert_array_equal(a, b)


def _validation_objective(est, X_val, Y_val, weights=None):
    """J on validation data by hand: mean loss plus the training penalty term."""
    raw = est._raw_output(X_val)
    per_sample = est._loss().per_sample(raw, Y_val)
    data_term = np.average(per_sample, weights=weights)
    n_train = 150
    squared = sum(float(np.sum(c**2)) for c in est.coefs_)
    return data_term + 0.5 * est.alpha / n_train * squared


@pytest.mark.parametrize(
    "scoring, expected",
    [
        (None, lambda est, X, y: est.score(X, y)),
        ("neg_mean_absolute_error", lambda est, X, y: -mean_absolute_error(y, est.predict(X))),
        ("r2", lambda est, X, y: est.score(X, y)),
        (
            make_scorer(mean_absolute_error, greater_is_better=False),
            lambda est, X, y: -mean_absolute_error(y, est.predict(X)),
        ),
    ],
    ids=["default", "name", "r2", "make_scorer"],
)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_regressor_scoring_paths(scoring, expected, solver, rng):
    X, y = _regression(rng)
    X_train, y_train, X_val, y_val = X[:150], y[:150], X[150:], y[150:]
    est = fit_quietly(
        MLPRegressor(solver=solver, scoring=scoring, **SMALL),
        X_train,
        y_train,
        X_val=X_val,
        y_val=y_val,
    )
    assert len(est.validation_scores_) == len(est.validation_loss_curve_) == est.n_iter_
    assert est.validation_scores_[-1] == pytest.approx(expected(est, X_val, y_val), rel=1e-9)
    assert est.validation_loss_curve_[-1] == pytest.approx(
        _validation_objective(est, X_val, y_val.reshape(-1, 1)), rel=1e-9
    )
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.validation_scores_[est.best_epoch_ - 1] == est.best_validation_score_


def test_scoring_loss_is_minus_the_validation_objective(rng):
    X, y = _regression(rng)
    est = fit_quietly(
        MLPRegressor(scoring="loss", **SMALL), X[:150], y[:150], X_val=X[150:], y_val=y[150:]
    )
    np.testing.assert_allclose(est.validation_scores_, -np.array(est.validation_loss_curve_))


@pytest.mark.parametrize("scoring", [None, "roc_auc", "neg_log_loss", "accuracy"])
def test_classifier_scoring_paths(scoring, rng):
    X, y = _classification(rng)
    X_train, y_train, X_val, y_val = X[:150], y[:150], X[150:], y[150:]
    est = fit_quietly(
        MLPClassifier(scoring=scoring, **SMALL), X_train, y_train, X_val=X_val, y_val=y_val
    )
    scorer = get_scorer(scoring or "accuracy")
    assert est.validation_scores_[-1] == pytest.approx(scorer(est, X_val, y_val), rel=1e-9)
    Y_val = est._label_binarizer.transform(y_val).astype(float)
    assert est.validation_loss_curve_[-1] == pytest.approx(
        _validation_objective(est, X_val, Y_val), rel=1e-9
    )


def test_validation_sample_weights_weigh_the_loss_and_score(rng):
    X, y = _regression(rng)
    weights = rng.uniform(0.1, 2, size=50)
    est = fit_quietly(
        MLPRegressor(**SMALL),
        X[:150],
        y[:150],
        X_val=X[150:],
        y_val=y[150:],
        sample_weight_val=weights,
    )
    assert est.validation_scores_[-1] == pytest.approx(
        est.score(X[150:], y[150:], sample_weight=weights), rel=1e-9
    )
    assert est.validation_loss_curve_[-1] == pytest.approx(
        _validation_objective(est, X[150:], y[150:].reshape(-1, 1), weights), rel=1e-9
    )


def test_early_stopping_watches_the_chosen_score(rng):
    X, y = _regression(rng)
    est = fit_quietly(
        MLPRegressor(
            early_stopping=True,
            scoring="neg_mean_absolute_error",
            n_iter_no_change=3,
            tol=1e-3,
            learning_rate_init=0.02,
            **{**SMALL, "max_iter": 300},
        ),
        X[:150],
        y[:150],
        X_val=X[150:],
        y_val=y[150:],
    )
    best = int(np.argmax(est.validation_scores_))
    assert est.best_epoch_ == best + 1
    # The weights kept are the best epoch's: their score is the best score.
    assert -mean_absolute_error(y[150:], est.predict(X[150:])) == pytest.approx(
        est.best_validation_score_, rel=1e-9
    )
    assert est.n_iter_ < 300 and est.n_iter_ >= est.best_epoch_ + 1


def test_no_validation_data_no_records(rng):
    X, y = _regression(rng)
    est = fit_quietly(MLPRegressor(**SMALL), X, y)
    assert est.validation_scores_ is None and est.validation_loss_curve_ is None
    assert est.best_epoch_ is None and est.best_validation_score_ is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X_val="X5"), "X_val is given, but y_val is not"),
        (dict(y_val="y"), "y_val is given, but X_val is not"),
        (dict(sample_weight_val="w"), "sample_weight_val is given"),
        # Errors of the checks shared with the training data name the
        # validation arrays, not X and y.
        (dict(X_val="X5", y_val="y"), r"^X_val has 5 features"),
        (dict(X_val="X", y_val="y2"), r"^y_val has 2 output"),
        (dict(X_val="X", y_val="ynan"), r"y_val contains NaN"),
        (dict(X_val="Xnan", y_val="y"), r"X_val contains NaN"),
        (dict(X_val="X", y_val="y", sample_weight_val="wneg"), r"(?i)negative.*sample_weight_val"),
        (dict(X_val="X", y_val="y", sample_weight_val="w3"), r"sample_weight_val"),
        (dict(X_val="X1", y_val="y1"), r"X_val has 1 sample\(s\); validation data need at least 2"),
        (dict(X_val="X0", y_val="y0"), r"X_val"),
    ],
)
def test_bad_validation_data_is_a_clear_error(kwargs, match, rng):
    X, y = _regression(rng)
    values = {
        "X": X[:20],
        "X0": X[:0],
        "X1": X[:1],
        "X5": rng.normal(size=(20, 5)),
        "Xnan": np.r_[X[:19], np.full((1, X.shape[1]), np.nan)],
        "y": y[:20],
        "y0": y[:0],
        "y1": y[:1],
        "y2": rng.normal(size=(20, 2)),
        "ynan": np.r_[np.nan, y[1:20]],
        "w": np.ones(20),
        "w3": np.ones(3),
        "wneg": -np.ones(20),
    }
    for est in (fit_quietly(MLPRegressor(**SMALL), X, y), MLPRegressor(**SMALL)):
        before = pickle.dumps(est)
        with pytest.raises(ValueError, match=match):
            est.fit(X, y, **{k: values[v] for k, v in kwargs.items()})
        assert pickle.dumps(est) == before


@pytest.mark.parametrize("fitted", [False, True])
@pytest.mark.parametrize(
    "y_val, match",
    [
        ("multilabel", r"^y_val is a multilabel indicator matrix, but the model is trained on 1-D"),
        ("nan", r"y_val"),
        ("one", r"X_val has 1 sample"),
    ],
)
def test_bad_classifier_validation_data_names_the_validation_arrays(y_val, match, fitted, rng):
    X, y = _classification(rng)
    values = {
        "multilabel": (X[:6], np.eye(2, dtype=int)[[0, 1, 0, 1, 1, 0]]),
        "nan": (X[:3], np.array([np.nan, 1.0, 0.0])),
        "one": (X[:1], y[:1]),
    }
    est = MLPClassifier(**SMALL)
    if fitted:
        est = fit_quietly(est, X, y)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, X_val=values[y_val][0], y_val=values[y_val][1])


def test_validation_labels_must_be_known_classes(rng):
    X, y = _classification(rng)
    with pytest.raises(ValueError, match="not among the classes"):
        MLPClassifier(**SMALL).fit(X, y, X_val=X[:5], y_val=["yes", "no", "maybe", "no", "no"])


def test_validation_records_survive_pickle_and_partial_fit(rng):
    X, y = _regression(rng)
    est = fit_quietly(
        MLPRegressor(solver="sgd", **SMALL), X[:150], y[:150], X_val=X[150:], y_val=y[150:]
    )
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.validation_loss_curve_ == est.validation_loss_curve_
    assert loaded.best_epoch_ == est.best_epoch_
    loaded.partial_fit(X[:150], y[:150])  # no validation data: records untouched
    assert loaded.n_iter_ == est.n_iter_ + 1


def test_pipeline_routes_and_transforms_validation_data(rng):
    X, y = _regression(rng)
    X = X * [1, 10, 100, 1000] + 5  # scaling matters
    X_train, y_train, X_val, y_val = X[:150], y[:150], X[150:], y[150:]
    with sklearn.config_context(enable_metadata_routing=True):
        mlp = MLPRegressor(early_stopping=True, **SMALL).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("scale", StandardScaler()), ("mlp", mlp)], transform_input=["X_val"])
        fit_quietly(pipe, X_train, y_train, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X_train)
    direct = fit_quietly(
        MLPRegressor(early_stopping=True, **SMALL),
        scaler.transform(X_train),
        y_train,
        X_val=scaler.transform(X_val),
        y_val=y_val,
    )
    assert pipe[-1].validation_scores_ == direct.validation_scores_


# ------------------------------------------------ schedules and clipping


def _rate_by_hand(kind, k, *, eta0=0.05, power_t=0.5, max_iter=8, warmup=0, t=0):
    """The rate of epoch k (1-based), written out as the docs state it."""
    factor = min(1.0, k / (warmup + 1)) if warmup else 1.0
    if kind == "constant":
        return factor * eta0
    if kind == "invscaling":
        return factor * (eta0 if k == 1 else eta0 / (t + 1) ** power_t)
    span = max_iter - warmup
    j = min(max(k - warmup, 1) - 1, span)
    return factor * eta0 * (1 + np.cos(np.pi * j / span)) / 2


@pytest.mark.parametrize("warmup", [0, 3])
@pytest.mark.parametrize("kind", ["constant", "invscaling", "cosine"])
def test_every_schedule_steps_gd_by_its_rate(kind, warmup, rng):
    X, y = _regression(rng, n=40)
    est = MLPRegressor(
        solver="gd",
        momentum=0,
        learning_rate=kind,
        learning_rate_init=0.05,
        warmup_epochs=warmup,
        max_iter=8,
        hidden_layer_sizes=(5,),
        random_state=0,
    )
    for k in range(1, 11):  # past max_iter: cosine stays at 0
        theta, objective = est._objective_function(X, y) if k > 1 else (None, None)
        rate = _rate_by_hand(kind, k, warmup=warmup, t=40 * (k - 1))
        if k > 1:
            assert est.learning_rate_ == pytest.approx(rate, rel=1e-12, abs=1e-15)
            _, gradient = objective(theta)
        est.partial_fit(X, y)
        if k > 1:
            expected = theta - rate * gradient
            got = np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_])
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    if kind == "cosine":
        assert est.learning_rate_ == 0.0


@pytest.mark.parametrize("kind", ["invscaling", "cosine"])
def test_adam_follows_the_schedule_too(kind, rng):
    X, y = _regression(rng, n=40)
    est = MLPRegressor(
        solver="adam",
        learning_rate=kind,
        learning_rate_init=0.05,
        max_iter=8,
        batch_size=40,
        hidden_layer_sizes=(5,),
        random_state=0,
    )
    rates = []
    for _ in range(6):
        rates.append(est.learning_rate_ if hasattr(est, "coefs_") else 0.05)
        est.partial_fit(X, y)
    expected = [_rate_by_hand(kind, k, t=40 * (k - 1)) for k in range(1, 7)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert est._optimizer.rate == est.learning_rate_


def test_default_adam_keeps_scikit_learns_constant_rate(rng):
    X, y = _regression(rng, n=40)
    est = fit_quietly(MLPRegressor(max_iter=5, hidden_layer_sizes=(5,), random_state=0), X, y)
    assert est.learning_rate_ == 0.001 == est._optimizer.rate


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_adaptive_lowers_the_rate_when_stalled_then_stops(solver, rng):
    X, y = _regression(rng, n=40)
    est = MLPRegressor(
        solver=solver,
        learning_rate="adaptive",
        learning_rate_init=0.01,
        tol=1e9,
        n_iter_no_change=1,
        max_iter=100,
        hidden_layer_sizes=(5,),
        random_state=0,
    ).fit(X, y)
    # Each stall divides by 5 until the rate is <= 1e-6: 0.01 / 5**6 < 1e-6.
    assert est.learning_rate_ == pytest.approx(0.01 / 5**6)
    # Epoch 1 improves on nothing-yet; then each stall takes two stalled
    # epochs (n_iter_no_change=1), and the seventh stops training.
    assert est.n_iter_ == 1 + 2 * 7


def test_schedule_survives_pickle_mid_training(rng):
    X, y = _regression(rng, n=40)
    params = dict(
        solver="sgd", learning_rate="cosine", max_iter=6, hidden_layer_sizes=(5,), random_state=0
    )
    straight, resumed = MLPRegressor(**params), MLPRegressor(**params)
    for _ in range(3):
        straight.partial_fit(X, y)
        resumed.partial_fit(X, y)
    resumed = pickle.loads(pickle.dumps(resumed))
    for _ in range(3):
        straight.partial_fit(X, y)
        resumed.partial_fit(X, y)
    assert resumed.learning_rate_ == straight.learning_rate_
    for a, b in zip(resumed.coefs_, straight.coefs_):
        np.testing.assert_array_equal(a, b)


def test_clipping_scales_the_step_to_the_norm(rng):
    X, y = _regression(rng, n=40)
    est = MLPRegressor(
        solver="gd",
        momentum=0,
        learning_rate_init=0.1,
        max_grad_norm=0.05,
        hidden_layer_sizes=(5,),
        random_state=0,
    )
    est.partial_fit(X, y)
    theta, objective = est._objective_function(X, y)
    _, gradient = objective(theta)
    norm = np.linalg.norm(gradient)
    assert norm > 0.05
    est.partial_fit(X, y)
    got = np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_])
    np.testing.assert_allclose(got, theta - 0.1 * gradient * 0.05 / norm, rtol=1e-12)
    assert est.n_clipped_steps_ == 2
    est.set_params(max_grad_norm=1e6).partial_fit(X, y)  # far above the norm: no clip
    assert est.n_clipped_steps_ == 2


def test_clipping_counts_minibatch_steps(rng):
    X, y = _regression(rng, n=40)
    est = fit_quietly(
        MLPRegressor(
            solver="sgd",
            batch_size=10,
            max_grad_norm=1e-9,
            max_iter=3,
            hidden_layer_sizes=(5,),
            random_state=0,
        ),
        X,
        y,
    )
    assert est.n_clipped_steps_ == 3 * 4


def _one_second_per_reading(monkeypatch):
    """A clock that advances one second each time max_time reads it."""
    clock = {"now": 0.0}

    def fake_clock():
        clock["now"] += 1.0
        return clock["now"]

    monkeypatch.setattr(_listeners.TimeLimit, "clock", staticmethod(fake_clock))


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_max_time_stops_after_the_epoch_that_exceeds_it(solver, rng, monkeypatch):
    X, y = _regression(rng, n=40)
    _one_second_per_reading(monkeypatch)
    est = MLPRegressor(
        solver=solver, max_time=3.5, max_iter=100, tol=0, hidden_layer_sizes=(5,), random_state=0
    )
    with pytest.warns(Warning, match="max_time=3.5"):
        est.fit(X, y)
    assert est.n_iter_ == 4 == len(est.loss_curve_)


def test_max_time_with_early_stopping_keeps_the_best_epoch(rng, monkeypatch):
    X, y = _regression(rng)
    _one_second_per_reading(monkeypatch)
    est = MLPRegressor(
        early_stopping=True,
        max_time=6.5,
        max_iter=100,
        learning_rate_init=0.05,
        hidden_layer_sizes=(5,),
        random_state=0,
    )
    with pytest.warns(Warning, match="best epoch's weights are kept"):
        est.fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:])
    assert est.n_iter_ == 7
    assert est.score(X[150:], y[150:]) == pytest.approx(est.best_validation_score_, rel=1e-9)


# ------------------------------------------------ scikit-learn's callbacks


class Recorder:
    """A FitCallback that notes every hook, and can stop after some epochs."""

    def __init__(self, stop_after=None):
        self.calls, self.stop_after, self.fitted = [], stop_after, []

    def setup(self, estimator, context):
        self.calls.append("setup")

    def teardown(self, estimator, context):
        self.calls.append("teardown")

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None):
        self.calls.append(("begin", context.task_name))

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        self.calls.append(("end", context.task_name))
        if context.task_name == "epoch" and fitted_estimator is not None:
            self.fitted.append(fitted_estimator)
            return self.stop_after is not None and len(self.fitted) >= self.stop_after
        return False


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_callbacks_see_every_epoch_and_the_fitted_model(Estimator, solver, rng):
    X, y = (_regression if Estimator is MLPRegressor else _classification)(rng)
    recorder = Recorder()
    est = Estimator(solver=solver, **SMALL).set_callbacks(recorder)
    fit_quietly(est, X, y)
    epochs = [c for c in recorder.calls if c == ("end", "epoch")]
    # L-BFGS's last subtask is the iteration that never ran (closed empty).
    assert len(epochs) == est.n_iter_ + (solver == "lbfgs")
    assert len(recorder.fitted) == est.n_iter_
    assert recorder.calls[0] == "setup" and recorder.calls[-1] == "teardown"
    assert recorder.calls.count(("begin", "fit")) == recorder.calls.count(("end", "fit")) == 1
    np.testing.assert_array_equal(recorder.fitted[-1].predict(X), est.predict(X))
    # Each fitted estimator holds its own epoch's weights.
    if solver != "lbfgs":
        assert not np.array_equal(recorder.fitted[0].coefs_[0], recorder.fitted[-1].coefs_[0])


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_a_callback_can_stop_training(solver, rng):
    X, y = _regression(rng)
    est = MLPRegressor(solver=solver, **SMALL).set_callbacks(Recorder(stop_after=3))
    est.fit(X, y)  # no ConvergenceWarning: the callback stopped it
    assert est.n_iter_ == 3 == len(est.loss_curve_)


def test_partial_fit_is_one_epoch_task(rng):
    X, y = _regression(rng)
    recorder = Recorder()
    est = MLPRegressor(solver="sgd", **SMALL).set_callbacks(recorder)
    est.partial_fit(X, y)
    est.partial_fit(X, y)
    assert recorder.calls.count(("end", "epoch")) == 2
    assert recorder.calls.count("setup") == recorder.calls.count("teardown") == 2


def test_callbacks_torn_down_and_state_unchanged_when_fit_fails(rng, monkeypatch):
    X, y = _regression(rng)
    recorder = Recorder()
    est = fit_quietly(MLPRegressor(**SMALL), X, y).set_callbacks(recorder)

    def state():  # the callback's own notes are the callback's business
        return pickle.dumps({k: v for k, v in est.__dict__.items() if k != "_skl_callbacks"})

    before = state()

    def fail(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(_training, "_end_epoch", fail)
    with pytest.raises(RuntimeError, match="boom"):
        est.fit(X, y)
    assert recorder.calls[0] == "setup" and recorder.calls[-1] == "teardown"
    assert not hasattr(est, "_callback_fit_ctx")
    assert state() == before


def test_scoring_monitor_logs_every_epoch(rng):
    from sklearn.callback import ScoringMonitor

    X, y = _regression(rng)
    monitor = ScoringMonitor(scoring="r2")
    est = fit_quietly(MLPRegressor(**SMALL).set_callbacks(monitor), X, y)
    logs = monitor.get_logs()
    log = logs if not isinstance(logs, list) else logs[0]
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert len(epochs) == est.n_iter_
    assert epochs[-1]["r2"] == pytest.approx(est.score(X, y), rel=1e-9)


def test_progress_bar_in_a_pipeline_inside_grid_search(rng):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar
    from sklearn.model_selection import GridSearchCV

    X, y = _regression(rng)
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", MLPRegressor(**SMALL))])
    search = GridSearchCV(pipe, {"mlp__alpha": [1e-4, 1e-1]}, cv=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None))
    fit_quietly(search, X, y)
    assert search.best_estimator_[-1].n_iter_ > 0


# ------------------------------------------------------------ max_steps


@pytest.mark.parametrize(
    ("n", "batch_size", "early_stopping", "max_steps", "epochs"),
    [
        (100, 32, False, 10, 3),  # 4 steps an epoch: 10 steps end in epoch 3
        (100, 32, False, 12, 3),
        (100, 32, False, 13, 4),
        (100, 32, True, 7, 3),  # 90 training rows after the split: 3 steps an epoch
        (100, "auto", False, 5, 5),  # auto: one batch of 100 rows an epoch
        (100, 32, False, 10_000, 20),  # max_iter is the lower limit
    ],
)
def test_max_steps_runs_whole_epochs_up_to_the_budget(
    n, batch_size, early_stopping, max_steps, epochs, rng
):
    X, y = _regression(rng, n=n)
    est = MLPRegressor(
        hidden_layer_sizes=(5,),
        batch_size=batch_size,
        early_stopping=early_stopping,
        n_iter_no_change=1000,
        max_iter=20,
        max_steps=max_steps,
        random_state=0,
    )
    fit_quietly(est, X, y)
    assert est.n_iter_ == epochs
    assert len(est.loss_curve_) == epochs
    assert est.t_ == epochs * (90 if early_stopping else n)


def test_gd_takes_one_step_an_epoch_under_max_steps(rng):
    X, y = _regression(rng, n=50)
    est = fit_quietly(MLPRegressor(solver="gd", max_iter=30, max_steps=7, random_state=0), X, y)
    assert est.n_iter_ == 7


def test_cosine_anneals_over_the_epochs_max_steps_allows(rng):
    """The schedule's horizon is the planned epochs, not max_iter: after the
    last of them the rate has reached 0, and it was above 0 in each."""
    X, y = _regression(rng, n=100)
    params = dict(
        hidden_layer_sizes=(5,),
        learning_rate="cosine",
        learning_rate_init=0.05,
        batch_size=25,
        max_iter=50,
        random_state=0,
    )
    budget = MLPRegressor(**params, max_steps=32)  # 4 steps an epoch: 8 epochs
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a planned end: no warning
        budget.fit(X, y)
    same = MLPRegressor(**{**params, "max_iter": 8}).fit(X, y)
    assert budget.n_iter_ == 8 and budget.learning_rate_ == 0.0
    np.testing.assert_array_equal(budget.coefs_[0], same.coefs_[0])


def test_the_warning_names_the_step_budget(rng):
    X, y = _regression(rng, n=100)
    est = MLPRegressor(hidden_layer_sizes=(5,), batch_size=50, max_iter=50, max_steps=4)
    with pytest.warns(ConvergenceWarning, match=r"max_steps=4, 2 epochs"):
        est.fit(X, y)
    plain = MLPRegressor(hidden_layer_sizes=(5,), max_iter=3)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)"):
        plain.fit(X, y)


def test_max_steps_is_refused_with_lbfgs_and_ignored_by_partial_fit(rng):
    X, y = _regression(rng, n=60)
    with pytest.raises(ValueError, match="max_steps counts the mini-batch steps"):
        MLPRegressor(solver="lbfgs", max_steps=10).fit(X, y)
    est = MLPRegressor(hidden_layer_sizes=(5,), batch_size=10, max_steps=1, random_state=0)
    est.partial_fit(X, y)
    assert est.n_iter_ == 1 and est.t_ == 60  # the whole epoch: six steps


# ------------------------------------- validation data not transformed like X


def _breast_cancer_split():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)


def test_unscaled_validation_data_in_a_pipeline_is_warned_about():
    X, X_val, y, y_val = _breast_cancer_split()
    pipe = Pipeline(
        [
            ("s", StandardScaler()),
            ("m", MLPClassifier(early_stopping=True, random_state=0, max_iter=50)),
        ]
    )
    with pytest.warns(UserWarning, match=r"X_val looks unlike X.*transform_input=\['X_val'\]"):
        fit_quietly(pipe, X, y, m__X_val=X_val, m__y_val=y_val)


def test_the_routed_form_is_not_warned_about():
    X, X_val, y, y_val = _breast_cancer_split()
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                ("s", StandardScaler()),
                (
                    "m",
                    MLPClassifier(early_stopping=True, random_state=0, max_iter=50).set_fit_request(
                        X_val=True, y_val=True
                    ),
                ),
            ],
            transform_input=["X_val"],
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            fit_quietly(pipe, X, y, X_val=X_val, y_val=y_val)
    assert pipe.score(X_val, y_val) > 0.9


@pytest.mark.parametrize("name", ["breast_cancer", "diabetes", "digits", "iris", "wine"])
@pytest.mark.parametrize("size", [0.1, 0.5, 10])
@pytest.mark.parametrize("scaled", [True, False])
def test_random_splits_are_never_warned_about(name, size, scaled):
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    from sknn_scratch._held_out import warn_if_unlike

    X, _ = getattr(datasets, f"load_{name}")(return_X_y=True)
    for seed in range(5):
        train, val = train_test_split(X.astype(float), test_size=size, random_state=seed)
        if scaled:
            scaler = StandardScaler().fit(train)
            train, val = scaler.transform(train), scaler.transform(val)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            warn_if_unlike(train, val)


@pytest.mark.parametrize("name", ["breast_cancer", "diabetes", "digits", "iris", "wine"])
@pytest.mark.parametrize("reverse", [False, True])
def test_scaled_against_unscaled_is_warned_about(name, reverse):
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    from sknn_scratch._held_out import warn_if_unlike

    X, _ = getattr(datasets, f"load_{name}")(return_X_y=True)
    train, val = train_test_split(X.astype(float), test_size=0.2, random_state=0)
    scaler = StandardScaler().fit(train)
    train, val = (train, scaler.transform(val)) if reverse else (scaler.transform(train), val)
    with pytest.warns(UserWarning, match="X_val looks unlike X"):
        warn_if_unlike(train, val)


# --------------------------------------------------------------- history_


@pytest.mark.parametrize("solver", ["adam", "sgd", "gd", "lbfgs"])
def test_history_has_one_entry_per_loss_with_every_record(solver, rng):
    X, y = _regression(rng)
    est = fit_quietly(
        MLPRegressor(solver=solver, max_iter=6, hidden_layer_sizes=(5,), random_state=0),
        X[:150],
        y[:150],
        X_val=X[150:],
        y_val=y[150:],
    )
    history = est.history_
    assert len(history) == len(est.loss_curve_) == est.n_iter_
    assert [row["epoch"] for row in history] == list(range(1, len(history) + 1))
    assert [row["loss"] for row in history] == est.loss_curve_
    assert [row["validation_score"] for row in history] == est.validation_scores_
    assert [row["validation_loss"] for row in history] == est.validation_loss_curve_
    assert all(row["seconds"] >= 0 for row in history)
    if solver == "lbfgs":
        assert all("learning_rate" not in row for row in history)
    else:  # the rate each epoch trained with; learning_rate_ is the next one's
        assert all(row["learning_rate"] == est.learning_rate_init for row in history)


def test_history_continues_over_warm_starts_and_partial_fit(rng):
    X, y = _regression(rng)
    est = MLPRegressor(
        max_iter=3,
        hidden_layer_sizes=(5,),
        warm_start=True,
        learning_rate="invscaling",
        solver="sgd",
        random_state=0,
    )
    fit_quietly(est, X, y)
    fit_quietly(est, X, y)
    est.partial_fit(X, y)
    assert len(est.history_) == len(est.loss_curve_) == 7
    assert [row["epoch"] for row in est.history_] == list(range(1, 8))
    assert "validation_score" not in est.history_[0]
    rates = [row["learning_rate"] for row in est.history_]
    assert rates[0] == est.learning_rate_init and rates[3] == rates[0]  # fit restarts it
    assert rates[1] < rates[0]  # invscaling lowers the rate epoch by epoch


def test_history_makes_a_dataframe(rng):
    pd = pytest.importorskip("pandas")
    X, y = _regression(rng)
    est = fit_quietly(MLPRegressor(max_iter=4, hidden_layer_sizes=(5,), random_state=0), X, y)
    table = pd.DataFrame(est.history_)
    assert list(table["epoch"]) == [1, 2, 3, 4]
    np.testing.assert_array_equal(table["loss"], est.loss_curve_)


def test_history_of_a_model_pickled_before_it_existed_is_rebuilt_from_its_losses(rng):
    X, y = _regression(rng)
    est = fit_quietly(
        MLPRegressor(max_iter=3, hidden_layer_sizes=(5,), warm_start=True, random_state=0),
        X,
        y,
    )
    del est.history_  # as an older version left it
    fit_quietly(est, X, y)
    assert [row["epoch"] for row in est.history_] == list(range(1, 7))
    assert [row["loss"] for row in est.history_] == est.loss_curve_


def test_history_survives_pickle_and_skops(rng, tmp_path):
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    X, y = _regression(rng)
    est = fit_quietly(
        MLPRegressor(max_iter=3, hidden_layer_sizes=(5,), random_state=0),
        X[:150],
        y[:150],
        X_val=X[150:],
        y_val=y[150:],
    )
    assert pickle.loads(pickle.dumps(est)).history_ == est.history_
    persistence.dump(est, tmp_path / "model.skops")
    assert persistence.load(tmp_path / "model.skops").history_ == est.history_


# ------------------------------------------------------ the stop rule


def test_progress_is_a_pure_function_of_the_value_and_the_best():
    from sknn_scratch._listeners import progress

    # Scores (higher is better): a stall is anything within tol of the best.
    assert progress(0.80, 0.70, 0.05, True) == (True, False)
    assert progress(0.72, 0.70, 0.05, True) == (True, True)  # better, but by <= tol
    assert progress(0.60, 0.70, 0.05, True) == (False, True)
    assert progress(np.nan, 0.70, 0.05, True) == (None, None)  # says nothing
    assert progress(0.5, -np.inf, 0.0, True) == (True, False)  # the first score
    # Losses (lower is better).
    assert progress(0.50, 0.70, 0.05, False) == (True, False)
    assert progress(0.68, 0.70, 0.05, False) == (True, True)
    assert progress(0.90, 0.70, 0.05, False) == (False, True)


def test_listening_reaches_every_fit_in_the_block_and_no_other(rng):
    from sknn_scratch._listeners import Listener, listening

    class Count(Listener):
        def __init__(self):
            self.epochs = []

        def epoch_ends(self, record, weights, stopping):
            self.epochs.append(record.n_iter)
            return False

    X, y = _regression(rng)
    count = Count()
    with listening(count):
        fit_quietly(MLPRegressor(max_iter=3, hidden_layer_sizes=(4,), random_state=0), X, y)
        fit_quietly(MLPRegressor(solver="lbfgs", max_iter=2, hidden_layer_sizes=(4,)), X, y)
    fit_quietly(MLPRegressor(max_iter=3, hidden_layer_sizes=(4,), random_state=0), X, y)
    assert count.epochs == [1, 2, 3, 1, 2]
