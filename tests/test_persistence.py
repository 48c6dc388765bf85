"""Saving and loading: what loads, and what a load refuses (``persistence``, ``_state``)."""

import numpy as np
import pytest
from helpers import SMALL, diverge_in_third_epoch, fit_quietly, small_data
from sklearn.exceptions import ConvergenceWarning

from sknn_scratch import (
    MLPClassifier,
    MLPRegressor,
    _optimizers,
    _training,
)

# ------------------------------------------------------------- persistence


def _fitted(Estimator, rng):
    X, y = small_data(Estimator, rng)
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

    X, y = small_data(MLPRegressor, rng)
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


@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_warning_names_the_epochs(solver, warm_start, rng, monkeypatch):
    X, y = small_data(MLPRegressor, rng)
    est = MLPRegressor(solver=solver, warm_start=warm_start, **{**SMALL, "max_iter": 10})
    if warm_start:
        fit_quietly(est, X, y)  # epochs of an earlier call do not count
    diverge_in_third_epoch(monkeypatch)
    with pytest.warns(ConvergenceWarning, match="epoch 3 of this call.*after epoch 2 of this"):
        est.fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2 + 10 * warm_start


def test_initial_weights_kept_record_their_own_objective(rng, monkeypatch):
    X, y = small_data(MLPRegressor, rng)
    monkeypatch.setattr(_training, "_run_epoch", lambda *args: np.inf)
    with pytest.warns(ConvergenceWarning):
        est = MLPRegressor(**SMALL).fit(X, y)
    theta, objective = est._objective_function(X, y)
    assert est.loss_ == pytest.approx(objective(theta)[0], rel=1e-12)


def test_divergence_with_early_stopping_keeps_the_best_epoch(rng, monkeypatch):
    X, y = small_data(MLPRegressor, rng, n=100)
    params = dict(hidden_layer_sizes=(6,), solver="sgd", early_stopping=True, random_state=0)
    reference = fit_quietly(MLPRegressor(max_iter=2, **params), X, y)
    diverge_in_third_epoch(monkeypatch)
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
