"""Bad input gets a scikit-learn-style error that names the problem, and a
fitted estimator that meets it predicts exactly as before."""

import pickle

import numpy as np
import pandas as pd
import pytest
from helpers import SMALL, fit_quietly, small_data
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_param_validation

from sknn_scratch import (
    MLPClassifier,
    MLPRegressor,
    check_gradients,
)

ESTIMATORS = [MLPRegressor, MLPClassifier]


def _data(Estimator, rng, n=40):
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int) if Estimator is MLPClassifier else X[:, 0]
    return X, y


def _with(X, index, value):
    X = X.astype(object) if isinstance(value, str) else X.copy()
    X[index] = value
    return X


# name: (make (args, kwargs) for fit from X, y; set_params; error; message)
FIT_CASES = {
    "NaN in X": (
        lambda X, y: ((_with(X, (0, 0), np.nan), y), {}),
        {},
        ValueError,
        "Input X contains NaN",
    ),
    "inf in X": (
        lambda X, y: ((_with(X, (1, 1), np.inf), y), {}),
        {},
        ValueError,
        "Input X contains infinity",
    ),
    "string in X": (
        lambda X, y: ((_with(X, (2, 2), "ten"), y), {}),
        {},
        ValueError,
        "could not convert string to float: 'ten'",
    ),
    "object in X": (
        lambda X, y: ((_with(X.astype(object), (2, 2), None), y), {}),
        {},
        (ValueError, TypeError),
        "float|NaN|None",
    ),
    "NaN in y": (
        lambda X, y: ((X, _with(y.astype(float), 3, np.nan)), {}),
        {},
        ValueError,
        "Input y contains NaN|Unknown label type",
    ),
    "1-D X": (lambda X, y: ((X[:, 0], y), {}), {}, ValueError, "Expected 2D array, got 1D array"),
    "3-D X": (lambda X, y: ((X[:, :, None], y), {}), {}, ValueError, "Found array with dim 3"),
    "empty X": (lambda X, y: ((X[:0], y[:0]), {}), {}, ValueError, "0 sample"),
    "y of wrong length": (
        lambda X, y: ((X, y[:-1]), {}),
        {},
        ValueError,
        "inconsistent numbers of samples",
    ),
    "sample_weight of wrong length": (
        lambda X, y: ((X, y), {"sample_weight": np.ones(5)}),
        {},
        ValueError,
        r"sample_weight.shape == \(5,\), expected \(40,\)",
    ),
    "negative sample_weight": (
        lambda X, y: ((X, y), {"sample_weight": -np.ones(len(y))}),
        {},
        ValueError,
        "Negative values in data passed to .sample_weight",
    ),
    "all-zero sample_weight": (
        lambda X, y: ((X, y), {"sample_weight": np.zeros(len(y))}),
        {},
        ValueError,
        "Sample weights must contain at least one non-zero number",
    ),
    "single sample with early_stopping": (
        lambda X, y: ((X[:1], y[:1]), {}),
        {"early_stopping": True},
        ValueError,
        "validation set is too small|at least 2 classes",
    ),
    "zero layer size": (
        lambda X, y: ((X, y), {}),
        {"hidden_layer_sizes": (5, 0)},
        ValueError,
        "hidden_layer_sizes",
    ),
    "negative layer size": (
        lambda X, y: ((X, y), {}),
        {"hidden_layer_sizes": (-3,)},
        ValueError,
        "hidden_layer_sizes",
    ),
    "float layer size": (
        lambda X, y: ((X, y), {}),
        {"hidden_layer_sizes": (2.5,)},
        ValueError,
        "hidden_layer_sizes",
    ),
    "string layer size": (
        lambda X, y: ((X, y), {}),
        {"hidden_layer_sizes": "10"},
        ValueError,
        "hidden_layer_sizes",
    ),
    "string in layer sizes": (
        lambda X, y: ((X, y), {}),
        {"hidden_layer_sizes": (4, "8")},
        ValueError,
        "hidden_layer_sizes",
    ),
    "unknown activation": (
        lambda X, y: ((X, y), {}),
        {"activation": "swish"},
        ValueError,
        "activation",
    ),
    "unknown solver": (lambda X, y: ((X, y), {}), {"solver": "newton"}, ValueError, "solver"),
    "negative alpha": (lambda X, y: ((X, y), {}), {"alpha": -1.0}, ValueError, "alpha"),
}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("case", list(FIT_CASES))
def test_bad_fit_raises_and_leaves_fitted_model_unchanged(Estimator, case, rng):
    X, y = _data(Estimator, rng)
    est = fit_quietly(Estimator(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    before_state = pickle.dumps(est)
    before_params = est.get_params()
    before_pred = est.predict(X)

    make_args, params, error, message = FIT_CASES[case]
    args, kwargs = make_args(X, y)
    est.set_params(**params)
    with pytest.raises(error, match=message):
        est.fit(*args, **kwargs)

    est.set_params(**before_params)
    np.testing.assert_array_equal(est.predict(X), before_pred)
    assert pickle.dumps(est) == before_state


PREDICT_CASES = {
    "wrong feature count": (lambda X: X[:, :2], "X has 2 features, but .* is expecting 3 features"),
    "NaN": (lambda X: _with(X, (0, 1), np.nan), "Input X contains NaN"),
    "inf": (lambda X: _with(X, (0, 1), -np.inf), "Input X contains infinity"),
    "string": (lambda X: _with(X, (0, 1), "x"), "could not convert string to float"),
    "1-D": (lambda X: X[0], "Expected 2D array, got 1D array"),
    "empty": (lambda X: X[:0], "0 sample"),
}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("case", list(PREDICT_CASES))
def test_bad_predict_input_raises_and_changes_nothing(Estimator, case, rng):
    X, y = _data(Estimator, rng)
    est = fit_quietly(Estimator(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    before_state, before_pred = pickle.dumps(est), est.predict(X)
    make_X, message = PREDICT_CASES[case]
    methods = ["predict", "predict_proba", "predict_log_proba", "hidden_activations"]
    for method in [m for m in methods if hasattr(est, m)]:
        with pytest.raises(ValueError, match=message):
            getattr(est, method)(make_X(X))
    np.testing.assert_array_equal(est.predict(X), before_pred)
    assert pickle.dumps(est) == before_state


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dataframe_with_other_column_names(Estimator, rng):
    X, y = _data(Estimator, rng)
    frame = pd.DataFrame(X, columns=["age", "balance", "accounts"])
    est = fit_quietly(Estimator(hidden_layer_sizes=(4,), max_iter=5, random_state=0), frame, y)
    before = est.predict(frame)
    renamed = frame.rename(columns={"balance": "savings"})
    with pytest.raises(
        ValueError, match="The feature names should match those that were passed during fit"
    ):
        est.predict(renamed)
    with pytest.raises(ValueError, match="feature names"):
        est.partial_fit(renamed, y)
    np.testing.assert_array_equal(est.predict(frame), before)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_errors_keep_state(Estimator, rng):
    X, y = _data(Estimator, rng)
    est = fit_quietly(Estimator(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    before = pickle.dumps(est)
    with pytest.raises(ValueError, match="X has 2 features"):
        est.partial_fit(X[:, :2], y)
    if Estimator is MLPClassifier:
        with pytest.raises(ValueError, match=r"not among the classes \[0, 1\]: \[7\]"):
            est.partial_fit(X[:3], [0, 1, 7])
    assert pickle.dumps(est) == before


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predict_before_fit(Estimator):
    for method in ("predict", "hidden_activations"):
        with pytest.raises(NotFittedError):
            getattr(Estimator(), method)(np.zeros((2, 3)))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_invalid_hyper_parameter_is_rejected(Estimator):
    """scikit-learn's check: every parameter, every kind of invalid value."""
    check_param_validation(Estimator.__name__, Estimator())


def test_single_sample(rng):
    X, y = rng.normal(size=(1, 3)), np.array([2.0])
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0), X, y)
    assert np.isfinite(est.predict(X)).all()
    with pytest.raises(ValueError, match=r"at least 2 classes .* only one class: 'yes'"):
        MLPClassifier().fit(X, ["yes"])


def test_classifier_errors(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="at least 2 classes .* only one class: 0"):
        MLPClassifier().fit(X, np.zeros(10, dtype=int))
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, rng.normal(size=10))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, np.arange(10) % 2)


def test_regressor_errors(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="loss='poisson' needs y >= 0"):
        MLPRegressor(loss="poisson").fit(X, -np.ones(10))
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, np.ones(10))
    with pytest.raises(
        ValueError, match="The validation set is too small: early_stopping needs at least 2"
    ):
        MLPRegressor(early_stopping=True).fit(X, np.ones(10))


def test_changed_architecture_with_warm_start(rng):
    X, y = _data(MLPRegressor, rng)
    est = fit_quietly(
        MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, warm_start=True, random_state=0), X, y
    )
    est.set_params(hidden_layer_sizes=(5,))
    with pytest.raises(ValueError, match="Cannot continue training"):
        est.fit(X, y)


# -------------------------------------------------- clear errors, not crashes


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("validation_fraction", [0.1, 0.9])
def test_early_stopping_split_with_zero_weight_part(Estimator, validation_fraction, rng):
    X, y = small_data(Estimator, rng, n=100)
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
