"""Holes found by trying to break the library (issue 10), each closed as a family.

Silent wrong answers, state changed by failing calls, divergence and
numerical extremes, and internal errors that should have been clear ones.
"""

import pickle
import threading
import warnings

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from sknn_scratch import (
    MLPClassifier,
    MLPRegressor,
    _network,
    _objective,
    _optimizers,
    _safeguards,
    _training,
    check_gradients,
)

SMALL = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)


def _data(Estimator, rng, n=60):
    X = rng.normal(size=(n, 3))
    y = rng.randint(3, size=n) if Estimator is MLPClassifier else rng.poisson(2, size=n) * 1.0
    return X, y


# ------------------------------------------------- model-shaping parameters

SHAPING_CHANGES = [
    (MLPRegressor, "loss", "poisson"),
    (MLPRegressor, "activation", "tanh"),
    (MLPRegressor, "hidden_layer_sizes", (7,)),
    (MLPRegressor, "hidden_layer_sizes", (6, 6)),
    (MLPClassifier, "activation", "logistic"),
    (MLPClassifier, "hidden_layer_sizes", (7,)),
]


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("Estimator, name, value", SHAPING_CHANGES)
def test_changing_a_model_shaping_parameter_then_continuing_is_refused(
    Estimator, name, value, how, rng
):
    X, y = _data(Estimator, rng)
    est = fit_quietly(Estimator(solver="sgd", **SMALL), X, y)
    original = est.get_params()[name]
    before = pickle.dumps(est)
    est.set_params(**{name: value, "warm_start": how == "warm_start"})
    with pytest.raises(ValueError, match=f"Cannot continue training: {name}="):
        if how == "partial_fit":
            est.partial_fit(X, y)
        else:
            est.fit(X, y)
    # Nothing changed but the parameters the caller set...
    est.set_params(**{name: original, "warm_start": False})
    assert pickle.dumps(est) == before
    # ...and with them set back, training continues.
    est.partial_fit(X, y)


def test_changing_loss_then_fit_trains_a_new_consistent_model(rng):
    X, y = _data(MLPRegressor, rng)
    est = fit_quietly(MLPRegressor(**SMALL), X, y)
    fit_quietly(est.set_params(loss="poisson"), X, y)
    assert est.out_activation_ == "exp"
    assert (est.predict(X) > 0).all()


# ------------------------------------------------------- classes and labels


@pytest.mark.parametrize(
    "y, classes",
    [
        ([0, 1, 2, 0, 1, 2], [0, 1]),  # binary classes, a third label in y
        ([0, 1, 5, 0, 1, 2], [0, 1, 2]),  # multiclass
        (["a", "b", "z", "a", "b", "a"], ["a", "b"]),  # strings
    ],
)
def test_first_partial_fit_checks_y_against_classes(y, classes, rng):
    X = rng.normal(size=(6, 3))
    est = MLPClassifier(**SMALL)
    with pytest.raises(ValueError, match="not among the classes"):
        est.partial_fit(X, y, classes=classes)
    assert not hasattr(est, "coefs_")
    with pytest.raises(ValueError):  # scikit-learn refuses too
        SkMLPClassifier(**SMALL).partial_fit(X, y, classes=classes)


def test_multilabel_partial_fit_with_classes_works_like_scikit_learn(rng):
    X = rng.normal(size=(40, 3))
    Y = (rng.uniform(size=(40, 4)) > 0.5).astype(int)
    ours = MLPClassifier(**SMALL)
    theirs = SkMLPClassifier(**SMALL)
    for _ in range(3):
        ours.partial_fit(X, Y, classes=np.arange(4))
        theirs.partial_fit(X, Y, classes=np.arange(4))
    assert ours.predict(X).shape == theirs.predict(X).shape == (40, 4)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.n_iter_ == 3 and np.isfinite(ours.loss_)
    with pytest.raises(ValueError, match="classes must be their indices"):
        MLPClassifier(**SMALL).partial_fit(X, Y, classes=[0, 1, 2])


@pytest.mark.parametrize("first", ["multilabel", "labels"])
@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_switching_between_multilabel_and_labels_names_the_cause(first, how, rng):
    X = rng.normal(size=(40, 3))
    Y = (rng.uniform(size=(40, 3)) > 0.5).astype(int)
    y = rng.randint(3, size=40)
    targets = (Y, y) if first == "multilabel" else (y, Y)
    est = fit_quietly(MLPClassifier(**SMALL), X, targets[0])
    before = pickle.dumps(est)
    with pytest.raises(ValueError, match="targets of the same kind"):
        if how == "partial_fit":
            est.partial_fit(X, targets[1])
        else:
            est.set_params(warm_start=True).fit(X, targets[1])
    est.set_params(warm_start=False)
    assert pickle.dumps(est) == before


def test_regressor_output_count_cannot_change_when_continuing(rng):
    X = rng.normal(size=(30, 3))
    est = fit_quietly(MLPRegressor(solver="sgd", **SMALL), X, rng.normal(size=30))
    with pytest.raises(ValueError, match="y has 2 output"):
        est.partial_fit(X, rng.normal(size=(30, 2)))


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
    X, y = _data(Estimator, rng, n=80)
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
    X, y = _data(MLPRegressor, rng)
    random_state = np.random.RandomState(3)
    est = MLPRegressor(max_iter=3, random_state=random_state)
    before = pickle.dumps(est)
    _fit_with_convergence_warnings_as_errors(est, X, y)
    assert pickle.dumps(est) == before
    assert random_state.randint(10**9) == np.random.RandomState(3).randint(10**9)


def test_invscaling_with_a_huge_power_t_does_not_overflow(rng):
    X, y = _data(MLPRegressor, rng)
    est = fit_quietly(
        MLPRegressor(solver="sgd", learning_rate="invscaling", power_t=1e10, **SMALL), X, y
    )
    assert est._optimizer.rate == 0.0 and np.isfinite(est.loss_)


@pytest.mark.parametrize("where", ["add_epoch", "stop_rule", "iteration_ends"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_ctrl_c_during_bookkeeping_leaves_one_consistent_epoch(
    where, early_stopping, rng, monkeypatch
):
    X, y = _data(MLPRegressor, rng, n=100)
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
    X, y = _data(MLPRegressor, rng)

    def interrupt(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_objective.Objective, "value_and_gradient", interrupt)
    est = MLPRegressor(solver=solver, **SMALL)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


def test_predict_during_failing_fits_always_sees_the_fitted_model(rng, monkeypatch):
    X, y = _data(MLPRegressor, rng, n=200)
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
    X, y = _data(MLPRegressor, rng)
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
    X, y = _data(Estimator, rng)
    est = fit_quietly(Estimator(solver="sgd", **SMALL), X, y)
    if how == "partial_fit":
        est.partial_fit(X.astype(np.float32), y)
    else:
        fit_quietly(est.set_params(warm_start=True), X.astype(np.float32), y)
    assert all(w.dtype == np.float64 for w in est.coefs_ + est.intercepts_)


# -------------------------------------------------- clear errors, not crashes


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("validation_fraction", [0.1, 0.9])
def test_early_stopping_split_with_zero_weight_part(Estimator, validation_fraction, rng):
    X, y = _data(Estimator, rng, n=100)
    if Estimator is MLPClassifier:
        y = np.arange(100) % 2
    weights = np.zeros(100)
    weights[0] = 1.0  # whichever part holds it, the other has zero weight
    est = Estimator(early_stopping=True, validation_fraction=validation_fraction, **SMALL)
    with pytest.raises(ValueError, match="early-stopping split.*all zero"):
        est.fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("eps", [0, -1e-6, np.nan, np.inf, 1e300, "1e-6"])
def test_check_gradients_refuses_a_bad_step(eps):
    net = MLPRegressor.from_weights([[[1.0], [2.0]]])
    with pytest.raises(ValueError, match="eps must be a number"):
        check_gradients(net, [[1, 2]], [1.0], eps=eps)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_check_gradients_with_y_of_the_wrong_shape(Estimator):
    if Estimator is MLPRegressor:
        net = Estimator.from_weights([[[1.0], [2.0]]])
        y, match = [[1.0, 2.0]], "y has 2 output"
    else:
        net = Estimator.from_weights([[[1.0], [2.0]]], classes=[0, 1])
        y, match = [[1, 0, 1]], "y"
    with pytest.raises(ValueError, match=match):
        check_gradients(net, [[1, 2]], y)


def test_check_gradients_reports_a_non_finite_objective():
    net = MLPRegressor.from_weights([[[1e200], [1e200]]])
    with pytest.raises(ValueError, match="not finite"):
        check_gradients(net, [[1e200, 1e200]], [1.0])


@pytest.mark.parametrize(
    "coefs, intercepts, match",
    [
        ([np.ones((2, 0)), np.ones((0, 1))], None, r"coefs\[0\] has shape \(2, 0\)"),
        ([np.ones((0, 1))], None, r"at least one"),
        ([np.ones((2, 1))], [np.ones((1, 1))], r"intercepts\[0\] has shape \(1, 1\)"),
        ([np.ones((2, 1))], 3.0, "intercepts must be a list"),
        ([np.ones((2, 1))], "ab", "intercepts must be a list"),
        ([np.ones((2, 1)) * (1 + 1j)], None, "real numbers"),
        ([np.ones((2, 1))], [np.ones(1) * 1j], "real numbers"),
        ([[[1 + 2j], [1]]], None, "real numbers"),
    ],
)
def test_from_weights_bad_weights_are_clear_errors(coefs, intercepts, match):
    with pytest.raises(ValueError, match=match):
        MLPRegressor.from_weights(coefs, intercepts)


def test_from_weights_accepts_intercepts_as_a_2d_array_of_rows():
    est = MLPRegressor.from_weights([np.ones((2, 2)), np.ones((2, 2))], np.ones((2, 2)))
    np.testing.assert_array_equal(est.predict([[1, 1]]), [[7.0, 7.0]])


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_unknown_keyword_names_the_public_class(Estimator):
    with pytest.raises(TypeError, match=f"{Estimator.__name__}.__init__.*class_weights"):
        Estimator(class_weights="balanced")


# ------------------------------------------------------------- persistence


def _fitted(Estimator, rng):
    X, y = _data(Estimator, rng)
    return fit_quietly(Estimator(**SMALL), X, y)


def _tamper_nan(est):
    est.coefs_[0][0, 0] = np.nan


def _tamper_shape(est):
    est.network_.params = est.network_.params[:-1]


def _tamper_features(est):
    est.n_features_in_ = 5


def _tamper_hidden(est):
    est.hidden_layer_sizes = (7,)


def _tamper_activation(est):
    est.activation = "swish"


def _tamper_out_activation(est):
    est.out_activation_ = "softmax" if isinstance(est, MLPRegressor) else "identity"


def _tamper_outputs(est):
    est.n_outputs_ = 4


def _tamper_loss(est):
    est.loss_ = np.inf


def _tamper_layers(est):
    est.network_.layers[1] = "relu"


def _tamper_dropout_value(est):
    est.dropout = [5] * len(est.coefs_[:-1])


def _tamper_dropout_count(est):
    est.dropout = [0.1] * (len(est.coefs_[:-1]) + 1)


def _tamper_dropout_kind(est):
    est.dropout = {"a": 0.1}


def _tamper_moment_shape(est):
    est._optimizer.grad_sum = est._optimizer.grad_sum[:-3]


def _tamper_moment_values(est):
    est._optimizer.square_sum = np.full_like(est._optimizer.square_sum, np.nan)


def _tamper_moment_dtype(est):
    est._optimizer.square_sum = est._optimizer.square_sum.astype(np.float32)


def _tamper_step_count(est):
    est._optimizer.t = -3


def _tamper_velocity(est):
    est.set_params(solver="sgd")
    est._optimizer = _optimizers.SGD(5, np.float64, est._optimizer.schedule, 0.9, True)


def _tamper_n_iter(est):
    est.n_iter_ = -1


def _tamper_curve(est):
    est.loss_curve_ = "0.1"


TAMPERINGS = {
    "dropout [5]": (_tamper_dropout_value, "dropout=\\[5"),
    "dropout count": (_tamper_dropout_count, "one per hidden layer"),
    "dropout dict": (_tamper_dropout_kind, "dropout="),
    "Adam moment shape": (_tamper_moment_shape, "grad_sum has shape"),
    "Adam moment NaN": (_tamper_moment_values, "square_sum is not finite"),
    "Adam moment dtype": (_tamper_moment_dtype, "square_sum is not finite float64"),
    "Adam step count": (_tamper_step_count, "t=-3"),
    "SGD velocity shape": (_tamper_velocity, "velocity has shape"),
    "n_iter_": (_tamper_n_iter, "n_iter_=-1"),
    "loss_curve_": (_tamper_curve, "loss_curve_"),
    "NaN weight": (_tamper_nan, "NaN or infinite"),
    "wrong shape": (_tamper_shape, "parameters but it holds"),
    "n_features_in_": (_tamper_features, "n_features_in_=5"),
    "hidden_layer_sizes": (_tamper_hidden, "hidden_layer_sizes"),
    "unknown activation": (_tamper_activation, "activation"),
    "out_activation_": (_tamper_out_activation, "out_activation_"),
    "n_outputs_": (_tamper_outputs, "n_outputs_"),
    "infinite loss_": (_tamper_loss, "loss_"),
    "not a layer": (_tamper_layers, "list of layers"),
}


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=list(TAMPERINGS))
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_load_refuses_a_tampered_estimator(tamper, Estimator, rng, tmp_path):
    import skops.io

    from sknn_scratch import persistence

    est = _fitted(Estimator, rng)
    change, match = TAMPERINGS[tamper]
    change(est)
    path = tmp_path / "tampered.skops"
    skops.io.dump(est, path)
    with pytest.raises(ValueError, match=f"Refusing .*inconsistent.*{match}"):
        persistence.load(path)


def test_load_refuses_a_classifier_relabelled_as_a_regressor(rng, tmp_path):
    import skops.io

    from sknn_scratch import persistence

    clf = _fitted(MLPClassifier, rng)
    impostor = MLPRegressor()
    impostor.__dict__.update(clf.__dict__)
    path = tmp_path / "impostor.skops"
    skops.io.dump(impostor, path)
    with pytest.raises(ValueError, match="inconsistent.*out_activation_"):
        persistence.load(path)


@pytest.mark.parametrize("make", ["LinearRegression", "dict", "sklearn MLP", "Pipeline"])
def test_load_returns_only_our_estimators(make, rng, tmp_path):
    import skops.io
    from sklearn.linear_model import LinearRegression
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknn_scratch import persistence

    X, y = _data(MLPRegressor, rng)
    objects = {
        "LinearRegression": lambda: LinearRegression().fit(X, y),
        "dict": lambda: {"a": 1},
        "sklearn MLP": lambda: fit_quietly(SkMLPRegressor(max_iter=5), X, y),
        "Pipeline": lambda: fit_quietly(
            make_pipeline(StandardScaler(), MLPRegressor(**SMALL)), X, y
        ),
    }
    path = tmp_path / "other.skops"
    skops.io.dump(objects[make](), path)
    # (scikit-learn's fitted MLP holds its optimizer, a type skops does not trust)
    with pytest.raises(ValueError, match="Refusing .*(holds a|not trusted)"):
        persistence.load(path)
    if make == "Pipeline":
        pipeline = persistence.load(path, allow_pipeline=True)
        assert pipeline.predict(X).shape == (60,)
    elif make != "dict":
        with pytest.raises(ValueError, match="Refusing"):
            persistence.load(path, allow_pipeline=True)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_load_accepts_every_genuine_state(Estimator, rng, tmp_path):
    from sknn_scratch import persistence

    X = rng.normal(size=(60, 3))
    targets = {
        MLPRegressor: [rng.normal(size=60), rng.normal(size=(60, 2))],
        MLPClassifier: [
            rng.randint(2, size=60),
            rng.randint(3, size=60),
            (rng.uniform(size=(60, 2)) > 0.5).astype(int),
        ],
    }[Estimator]
    for k, y in enumerate(targets):
        for est in (Estimator(**SMALL), fit_quietly(Estimator(**SMALL), X, y)):
            path = tmp_path / f"model{k}.skops"
            persistence.dump(est, path)
            persistence.load(path)


def _diverge_in_third_epoch(monkeypatch):
    """Make the third epoch of the next fit report a non-finite loss."""
    real = _training._run_epoch
    epochs = {"n": 0}

    def diverge_in_third(*args):
        epochs["n"] += 1
        return np.inf if epochs["n"] == 3 else real(*args)

    monkeypatch.setattr(_training, "_run_epoch", diverge_in_third)


@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_warning_names_the_epochs(solver, warm_start, rng, monkeypatch):
    X, y = _data(MLPRegressor, rng)
    est = MLPRegressor(solver=solver, warm_start=warm_start, **{**SMALL, "max_iter": 10})
    if warm_start:
        fit_quietly(est, X, y)  # epochs of an earlier call do not count
    _diverge_in_third_epoch(monkeypatch)
    with pytest.warns(ConvergenceWarning, match="epoch 3 of this call.*after epoch 2 of this"):
        est.fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2 + 10 * warm_start


def test_initial_weights_kept_record_their_own_objective(rng, monkeypatch):
    X, y = _data(MLPRegressor, rng)
    monkeypatch.setattr(_training, "_run_epoch", lambda *args: np.inf)
    with pytest.warns(ConvergenceWarning):
        est = MLPRegressor(**SMALL).fit(X, y)
    theta, objective = est._objective_function(X, y)
    assert est.loss_ == pytest.approx(objective(theta)[0], rel=1e-12)


def test_divergence_with_early_stopping_keeps_the_best_epoch(rng, monkeypatch):
    X, y = _data(MLPRegressor, rng, n=100)
    params = dict(hidden_layer_sizes=(6,), solver="sgd", early_stopping=True, random_state=0)
    reference = fit_quietly(MLPRegressor(max_iter=2, **params), X, y)
    _diverge_in_third_epoch(monkeypatch)
    with pytest.warns(ConvergenceWarning, match="diverged in epoch 3"):
        est = MLPRegressor(max_iter=10, **params).fit(X, y)
    assert est.n_iter_ == 2 == len(est.validation_scores_)
    assert est.best_validation_score_ == reference.best_validation_score_
    for got, expected in zip(
        est.coefs_ + est.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        np.testing.assert_array_equal(got, expected)


def test_scikit_learns_own_pieces_around_ours_save_and_load(tmp_path):
    # ColumnTransformer, SimpleImputer (which keeps a numpy.dtype), scalers
    # and TransformedTargetRegressor around our network: saved and loaded
    # through persistence, with nothing else trusted.
    pd = pytest.importorskip("pandas")
    skops = pytest.importorskip("skops.io")
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from sknn_scratch import persistence

    rng = np.random.RandomState(0)
    df = pd.DataFrame({"a": rng.normal(size=80), "s": rng.choice(list("xyz"), 80)})
    df.loc[::9, "a"] = np.nan
    y = 1000 * np.nan_to_num(df["a"].to_numpy()) + rng.normal(size=80)
    columns = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["a"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["s"]),
        ]
    )
    target = TransformedTargetRegressor(MLPRegressor(**SMALL), transformer=StandardScaler())
    for model in (make_pipeline(columns, target), TransformedTargetRegressor(
        make_pipeline(columns, MLPRegressor(**SMALL)), transformer=StandardScaler()
    )):  # fmt: skip
        fit_quietly(model, df, y)
        path = tmp_path / "model.skops"
        persistence.dump(model, path)
        assert "numpy.dtype" in skops.get_untrusted_types(file=path)
        loaded = persistence.load(path, allow_pipeline=True)
        np.testing.assert_array_equal(loaded.predict(df), model.predict(df))
        with pytest.raises(ValueError, match="allow_pipeline=True"):
            persistence.load(path)
