"""``standardize_target``: the regressor trains on standardised targets and
predicts in y's units, so that the units of y do not change the score."""

import pickle

import numpy as np
import pytest
from helpers import SMALL, fit_quietly
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_regression
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPRegressor, check_gradients

UNITS = [1e-6, 1.0, 100.0]
NET = dict(hidden_layer_sizes=(16,), random_state=0, max_iter=60)


@pytest.fixture
def data():
    X, y = make_regression(n_samples=200, n_features=5, noise=5, random_state=0)
    return X, y + 1000.0  # far from zero mean, as prices are


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_the_score_is_the_same_in_any_units(solver, data):
    X, y = data
    scores = [
        fit_quietly(MLPRegressor(solver=solver, standardize_target=True, **NET), X, y * c).score(
            X, y * c
        )
        for c in UNITS
    ]
    np.testing.assert_allclose(scores, scores[1], atol=1e-9)
    # Without it the units matter (the reason for the parameter).
    plain = [
        fit_quietly(MLPRegressor(solver=solver, **NET), X, y * c).score(X, y * c) for c in UNITS
    ]
    assert max(plain) - min(plain) > 0.01


def test_the_recipe_on_a_raw_frame_scores_the_same_in_any_units():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    n = 400
    df = pd.DataFrame(
        {
            "area": rng.lognormal(5, 0.5, n),
            "rooms": rng.randint(1, 7, n),
            "town": rng.choice(["north", "south", "east"], n),
        }
    )
    price = 3e5 + 800 * df["area"] + 2e4 * df["rooms"] + 5e4 * (df["town"] == "north")
    price = price + rng.normal(0, 2e4, n)
    fitted = MLPRegressor.for_tabular(random_state=0, max_steps=300)
    assert fitted.standardize_target
    scores = [fitted.fit(df, price * c).score(df, price * c) for c in (1e-6, 1.0, 100.0)]
    np.testing.assert_allclose(scores, scores[1], atol=1e-3)
    assert scores[1] > 0.8


def test_predictions_are_those_of_a_transformed_target_regressor(data):
    X, y = data
    ours = fit_quietly(MLPRegressor(standardize_target=True, **NET), X, y)
    wrapped = fit_quietly(
        TransformedTargetRegressor(MLPRegressor(**NET), transformer=StandardScaler()), X, y
    )
    np.testing.assert_allclose(ours.predict(X), wrapped.predict(X), rtol=1e-9)
    np.testing.assert_allclose(ours.target_mean_, [y.mean()])
    np.testing.assert_allclose(ours.target_scale_, [y.std()])
    assert ours.target_range_[0][0] == y.min()  # kept in y's units


def test_off_by_default_with_no_statistics(data):
    X, y = data
    reg = fit_quietly(MLPRegressor(**SMALL), X, y)
    assert reg.standardize_target is False
    assert reg.target_mean_ is None and reg.target_scale_ is None
    # A refit with it off forgets the statistics of a fit with it on.
    reg.set_params(standardize_target=True).fit(X, y)
    assert reg.target_scale_ is not None
    fit_quietly(reg.set_params(standardize_target=False), X, y)
    assert reg.target_scale_ is None


def test_multi_output_and_constant_outputs(data):
    X, y = data
    Y = np.column_stack([y, 1e-3 * y, np.full_like(y, 7.0)])
    reg = fit_quietly(MLPRegressor(standardize_target=True, **{**NET, "solver": "lbfgs"}), X, Y)
    np.testing.assert_allclose(reg.target_scale_, [y.std(), 1e-3 * y.std(), 1.0])
    pred = reg.predict(X)
    assert pred.shape == Y.shape
    # A constant output is learned as 0 in standardised units: 7 in y's.
    assert abs(pred[:, 2].mean() - 7.0) < 0.2
    # The first two outputs differ by units only: both fitted as well (their
    # heads start from different weights, so not identically).
    from sklearn.metrics import r2_score

    scores = [r2_score(Y[:, j], pred[:, j]) for j in (0, 1)]
    assert min(scores) > 0.9 and abs(scores[0] - scores[1]) < 0.02


def test_partial_fit_keeps_the_first_calls_statistics(data):
    X, y = data
    reg = MLPRegressor(standardize_target=True, **SMALL).partial_fit(X[:100], y[:100])
    mean, scale = reg.target_mean_.copy(), reg.target_scale_.copy()
    reg.partial_fit(X[100:], y[100:] + 500)
    np.testing.assert_array_equal(reg.target_mean_, mean)
    np.testing.assert_array_equal(reg.target_scale_, scale)
    with pytest.raises(ValueError, match="standardize_target"):
        reg.set_params(standardize_target=False).partial_fit(X, y)


def test_poisson_is_refused_with_the_reason(data):
    X, y = data
    with pytest.raises(ValueError, match="standardize_target=True cannot go with loss='poisson'"):
        MLPRegressor(loss="poisson", standardize_target=True, **SMALL).fit(X, np.abs(y))


def test_validation_scores_and_early_stopping_do_not_see_the_units(data):
    X, y = data
    curves = []
    for c in (1.0, 1e4):
        reg = MLPRegressor(
            standardize_target=True, early_stopping=True, n_iter_no_change=5, **NET
        ).fit(X, y * c)
        curves.append(reg.validation_scores_)
    np.testing.assert_allclose(curves[0], curves[1], atol=1e-9)
    scored = MLPRegressor(
        standardize_target=True, early_stopping=True, scoring="neg_mean_absolute_error", **NET
    ).fit(X, y)
    # A scorer gets predictions in y's units: errors of the size of y's noise.
    assert -scored.best_validation_score_ < 0.5 * y.std()


def test_gradients_of_the_standardised_objective(data):
    X, y = data
    reg = fit_quietly(MLPRegressor(standardize_target=True, alpha=0.01, **SMALL), X[:20], y[:20])
    assert check_gradients(reg, X[:20], y[:20]) < 1e-6
    # The objective is J of the standardised targets: y's units do not reach it.
    reg_big = fit_quietly(
        MLPRegressor(standardize_target=True, alpha=0.01, **SMALL), X[:20], 1e6 * y[:20]
    )
    np.testing.assert_allclose(reg.loss_curve_, reg_big.loss_curve_, rtol=1e-9)


def test_pickle_and_skops_keep_the_units(data, tmp_path):
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    X, y = data
    reg = fit_quietly(MLPRegressor(standardize_target=True, **SMALL), X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    path = tmp_path / "reg.skops"
    persistence.dump(reg, path)
    np.testing.assert_array_equal(persistence.load(path).predict(X), reg.predict(X))


@pytest.mark.parametrize(
    "tamper, match",
    [
        (lambda r: setattr(r, "target_scale_", -r.target_scale_), "not positive"),
        (lambda r: setattr(r, "target_mean_", np.array([np.nan])), "finite arrays"),
        (lambda r: setattr(r, "target_mean_", None), "finite arrays"),
        (lambda r: setattr(r, "target_scale_", np.ones(3)), "shape"),
    ],
)
def test_a_damaged_scaling_is_refused_on_loading(tamper, match, data, tmp_path):
    skops_io = pytest.importorskip("skops.io")
    from sknn_scratch import persistence

    X, y = data
    reg = fit_quietly(MLPRegressor(standardize_target=True, **SMALL), X, y)
    tamper(reg)
    path = tmp_path / "damaged.skops"
    skops_io.dump(reg, path)
    with pytest.raises(ValueError, match=f"Refusing .*{match}"):
        persistence.load(path)


@pytest.mark.parametrize("clip", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_onnx_graph_predicts_in_y_units(clip, dtype, data):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from sknn_scratch.onnx import to_onnx

    X, y = data
    X = X.astype(dtype)
    reg = fit_quietly(
        MLPRegressor(standardize_target=True, clip_predictions=clip, **SMALL), X, 100 * y
    )
    session = onnxruntime.InferenceSession(to_onnx(reg, X[:1]).SerializeToString())
    (graph,) = session.run(None, {"X": 3 * X})
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(graph.ravel(), reg.predict(3 * X), rtol=rtol)
