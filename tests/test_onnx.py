"""ONNX export: onnxruntime's outputs against ours, option by option."""

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier, MLPRegressor

pytest.importorskip("skl2onnx")
onnxruntime = pytest.importorskip("onnxruntime")
from sknn_scratch._activations import HIDDEN_ACTIVATIONS  # noqa: E402
from sknn_scratch.onnx import to_onnx  # noqa: E402 (after the skips)

#: How close onnxruntime must come to our predictions, by the graph's dtype.
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
HIDDEN = sorted(HIDDEN_ACTIVATIONS)


def run(model, X):
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def close(ours, theirs, dtype):
    np.testing.assert_allclose(theirs, ours, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def _data(rng, n=120, d=4):
    X = rng.normal(size=(n, d))
    return X, X[:, 0] * X[:, 1] + np.sin(X[:, 2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", HIDDEN)
def test_regressor_matches_onnxruntime_for_every_activation(activation, dtype, rng):
    X, y = _data(rng)
    reg = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(16, 8), activation=activation, max_iter=30, random_state=0
        ),
        X,
        y,
    )
    X_test = 3 * rng.normal(size=(50, 4)).astype(dtype)  # beyond the training range too
    (y_onnx,) = run(to_onnx(reg, X_test[:1]), X_test)
    assert y_onnx.dtype == dtype and y_onnx.shape == (50, 1)
    close(reg.predict(X_test.astype(np.float64)), y_onnx.ravel(), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_layer_activations_multi_output_and_dropout(dtype, rng):
    X, y = _data(rng)
    Y = np.column_stack([y, X[:, 3], -y])
    reg = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(10, 9, 8),
            activation=["gelu", "silu", "elu"],
            dropout=0.2,  # the identity at inference
            max_iter=30,
            random_state=0,
        ),
        X,
        Y,
    )
    (y_onnx,) = run(to_onnx(reg, X[:1].astype(dtype)), X.astype(dtype))
    assert y_onnx.shape == (120, 3)
    close(reg.predict(X), y_onnx, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "params",
    [
        {"loss": "poisson"},
        {"loss": "absolute_error"},
        {"loss": "huber", "huber_delta": 0.5},
        {"loss": "quantile", "quantile": 0.8},
    ],
    ids=lambda p: p["loss"],
)
def test_every_loss_exports_through_its_output_activation(params, dtype, rng):
    X, y = _data(rng)
    reg = fit_quietly(
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0, **params), X, np.abs(y)
    )
    (y_onnx,) = run(to_onnx(reg, X[:1].astype(dtype)), X.astype(dtype))
    close(reg.predict(X), y_onnx.ravel(), dtype)


def test_gelu_in_float64_follows_phi_to_double_precision():
    """The float64 graph's erf (Cody's approximations) against SciPy's, from
    the small-argument region through the tail."""
    z = np.linspace(-12, 12, 4801).reshape(-1, 1)
    reg = MLPRegressor.from_weights(
        [np.ones((1, 1)), np.ones((1, 1))], [np.zeros(1), np.zeros(1)], activation="gelu"
    )
    (y_onnx,) = run(to_onnx(reg, z[:1]), z)
    np.testing.assert_allclose(y_onnx.ravel(), reg.predict(z), rtol=1e-14, atol=1e-15)


def test_huge_inputs_stay_finite_as_in_predict():
    """softplus and the Poisson link are built so that they cannot overflow."""
    X = np.array([[1e3, -1e3], [-1e3, 1e3], [0.0, 0.0]])
    reg = MLPRegressor.from_weights(
        [np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([[1.0], [1.0]])],
        [np.zeros(2), np.zeros(1)],
        activation="softplus",
    )
    (y_onnx,) = run(to_onnx(reg, X[:1]), X)
    close(reg.predict(X), y_onnx.ravel(), np.float64)
    assert np.isfinite(y_onnx).all()


def _classifier(rng, y, **params):
    X = rng.normal(size=(len(y), 5))
    X[:, 0] += np.unique(y, return_inverse=True)[1].reshape(len(y), -1)[:, 0]
    params = {"hidden_layer_sizes": (12,), "max_iter": 40, "random_state": 0, **params}
    return X, fit_quietly(MLPClassifier(**params), X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, 7]),
        np.array(["no", "yes"]),
        np.array([0, 1, 2]),
        np.array(["a", "b", "c", "d"]),
    ],
    ids=["binary int", "binary str", "multiclass int", "multiclass str"],
)
def test_classifier_labels_and_probabilities_match(labels, dtype, rng):
    y = labels[rng.randint(len(labels), size=150)]
    X, clf = _classifier(rng, y, activation="silu", label_smoothing=0.1, class_weight="balanced")
    X = X.astype(dtype)
    label, proba = run(to_onnx(clf, X[:1], options={"zipmap": False}), X)
    np.testing.assert_array_equal(label, clf.predict(X.astype(np.float64)))
    close(clf.predict_proba(X.astype(np.float64)), proba, dtype)
    assert proba.shape == (150, len(labels))


def test_multilabel_gives_an_indicator_matrix(rng):
    Y = (rng.uniform(size=(150, 3)) < 0.4).astype(int)
    X, clf = _classifier(rng, Y)
    label, proba = run(to_onnx(clf, X[:1], options={"zipmap": False}), X)
    np.testing.assert_array_equal(label, clf.predict(X))
    close(clf.predict_proba(X), proba, np.float64)


def test_zipmap_by_default_as_skl2onnx_does(rng):
    y = np.array(["cat", "dog"])[rng.randint(2, size=60)]
    X, clf = _classifier(rng, y)
    X = X.astype(np.float32)
    label, proba = run(to_onnx(clf, X[:1]), X)
    assert isinstance(proba, list) and set(proba[0]) == {"cat", "dog"}
    close(clf.predict_proba(X)[:, 1], [p["dog"] for p in proba], np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_real_data_in_a_pipeline_through_skl2onnx_itself(dtype):
    import skl2onnx

    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(32, 16), activation="tanh", max_iter=50, random_state=0),
    )
    fit_quietly(pipe, X, (y - y.mean()) / y.std())
    (y_onnx,) = run(skl2onnx.to_onnx(pipe, X[:1].astype(dtype)), X.astype(dtype))
    close(pipe.predict(X), y_onnx.ravel(), dtype)

    X, y = load_digits(return_X_y=True)
    # (Its input encoding is not exported yet: to_onnx refuses it, tested in
    # test_tabular_input.py.)
    recommended = MLPClassifier.for_tabular(max_steps=100, random_state=0, input_encoding=None)
    clf = fit_quietly(recommended, X, y)
    label, proba = run(
        to_onnx(clf, X[:1].astype(dtype), options={"zipmap": False}), X.astype(dtype)
    )
    assert (label == clf.predict(X)).mean() > 0.999  # float32 may flip a near tie
    close(clf.predict_proba(X), proba, dtype)


INPUT_LAYERS = [
    {"numerical_embedding": "periodic"},
    {"feature_scaling": True},
    {"ensemble_size": 3},
    {"piecewise_linear_bins": 5},
    {"parametric_activation": True},
    {
        "piecewise_linear_bins": 5,
        "numerical_embedding": "periodic",
        "feature_scaling": True,
        "ensemble_size": 4,
        "parametric_activation": True,
    },
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", INPUT_LAYERS, ids=lambda p: "+".join(p))
def test_input_layers_and_ensembles_export(params, dtype, rng):
    X, y = _data(rng)
    X = X.astype(dtype)
    reg = fit_quietly(
        MLPRegressor(hidden_layer_sizes=(6, 5), max_iter=20, random_state=0, **params), X, y
    )
    X = np.vstack([X, 3 * X])  # beyond the training range too
    (y_onnx,) = run(to_onnx(reg, X[:1]), X)
    close(reg.predict(X), y_onnx.ravel(), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("labels", ["binary", "multiclass", "multilabel"])
def test_ensemble_classifiers_export_their_mean_probabilities(labels, dtype, rng):
    X, y = _data(rng)
    X = X.astype(dtype)
    y = {
        "binary": y > 0,
        "multiclass": np.digitize(y, [-0.5, 0.5]),
        "multilabel": np.column_stack([y > 0, X[:, 3] > 0]).astype(int),
    }[labels]
    clf = MLPClassifier(
        hidden_layer_sizes=(6,),
        max_iter=20,
        random_state=0,
        ensemble_size=3,
        numerical_embedding="periodic",
    )
    fit_quietly(clf, X, y)
    label, proba = run(to_onnx(clf, X[:1], options={"zipmap": False}), X)
    close(clf.predict_proba(X), proba, dtype)
    assert (label == clf.predict(X)).mean() > 0.99  # float32 may flip a near tie


def test_clear_errors_at_export_time(rng):
    X, y = _data(rng, n=40)
    with pytest.raises(NotFittedError):
        to_onnx(MLPRegressor(), X[:1])
    reg = fit_quietly(MLPRegressor(hidden_layer_sizes=(3,), max_iter=5), X, y)
    for bad in (X[:1].astype(str), X[:1].astype(complex), X[0], X[:1].astype(object)):
        with pytest.raises(ValueError, match=f"2-D array of numbers.*{bad.dtype}"):
            to_onnx(reg, bad)
    with pytest.raises(ValueError, match="target_opset must be at least 12"):
        to_onnx(reg, X[:1], target_opset=11)
    X, clf = _classifier(rng, np.array([0, 1])[rng.randint(2, size=40)])
    with pytest.raises(ValueError, match="ZipMap takes float32"):
        to_onnx(clf, X[:1], options={"zipmap": True})  # asked for explicitly
    with pytest.raises(NameError, match="raw_scores"):  # skl2onnx names the option
        to_onnx(clf, X[:1], options={"raw_scores": True})
    label, _ = run(to_onnx(clf, X[:1], options={"nocl": True, "zipmap": False}), X)
    np.testing.assert_array_equal(label, np.searchsorted(clf.classes_, clf.predict(X)))


# The dtypes people pass (issue 19): the default export works for each, with
# ZipMap where ONNX can build it (float32) and one probability tensor elsewhere.
SAMPLE_DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]


def _runtime_input(X, dtype):
    """What a caller passes the graph: the sample's dtype (integers as int64)."""
    if np.dtype(dtype).kind in "iu":
        return X.astype(np.int64)
    return X.astype(dtype)


@pytest.mark.parametrize("dtype", SAMPLE_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "labels", [np.array([0, 1]), np.array(["a", "b", "c"])], ids=["binary", "multiclass str"]
)
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_default_classifier_export_for_every_sample_dtype(dtype, labels, in_pipeline, rng):
    if in_pipeline and dtype is np.bool_:
        pytest.skip("skl2onnx's StandardScaler converter refuses boolean input")
    X = np.round(rng.normal(size=(80, 3)) * 3)  # integral values: every dtype holds them
    if dtype is np.bool_:
        X = X > 0
    y = labels[rng.randint(len(labels), size=80)]
    clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0)
    model = make_pipeline(StandardScaler(), clf) if in_pipeline else clf
    fit_quietly(model, X.astype(np.float64), y)
    sample = X.astype(dtype)
    label, proba = run(to_onnx(model, sample[:1]), _runtime_input(X, dtype))
    # skl2onnx's StandardScaler turns integer input into float32, so in the
    # pipeline the network then computes in float32.
    single = dtype is np.float32 or (in_pipeline and np.dtype(dtype).kind in "iub")
    reference = X.astype(np.float32 if single else np.float64)
    np.testing.assert_array_equal(label, model.predict(reference))
    if dtype is np.float32:  # ZipMap, as skl2onnx builds it for scikit-learn's MLP
        assert isinstance(proba, list)
        proba = np.array([[p[c] for c in clf.classes_] for p in proba])
    else:  # one tensor, in the graph's float type
        assert isinstance(proba, np.ndarray)
        assert proba.dtype == (np.float32 if single else np.float64)
    close(model.predict_proba(reference), proba, np.float32 if single else np.float64)


@pytest.mark.parametrize("dtype", SAMPLE_DTYPES, ids=lambda d: np.dtype(d).name)
def test_regressor_export_for_every_sample_dtype(dtype, rng):
    X = np.round(rng.normal(size=(60, 3)) * 3)
    if dtype is np.bool_:
        X = X > 0
    reg = fit_quietly(
        MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0),
        X.astype(np.float64),
        rng.normal(size=60),
    )
    (y_onnx,) = run(to_onnx(reg, X[:1].astype(dtype)), _runtime_input(X, dtype))
    reference = X.astype(np.float32 if dtype is np.float32 else np.float64)
    close(reg.predict(reference), y_onnx.ravel(), np.float32 if dtype is np.float32 else np.float64)


# --------------------------------------------- raw tables: the graph is the model


def _session(model):
    return onnxruntime.InferenceSession(model.SerializeToString())


def _table(n=80, seed=0):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "flag": rng.randint(0, 2, n),
            "level": pd.Categorical(rng.randint(1, 4, n)),
            "text": rng.choice(["a", "b", "c"], n),
        }
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_graph_and_predict_agree_on_values_sent_in_other_types(dtype):
    from sknn_scratch import TabularEncoder
    from sknn_scratch.onnx import onnx_feed

    df = _table()
    y = df["x"] + df["flag"] + (df["text"] == "a")
    reg = fit_quietly(
        MLPRegressor(input_encoding=TabularEncoder(dtype=dtype), max_iter=30, random_state=0),
        df,
        y,
    )
    session = _session(to_onnx(reg, df[:1]))
    sent = [
        df,
        df.assign(flag=df["flag"].astype(bool)),
        df.assign(flag=df["flag"].astype(object)),
        df.assign(flag=df["flag"].astype(np.float32)),
        df.assign(flag=np.where(df["flag"] == 0, -0.0, 1.0)),
        df.assign(level=df["level"].astype("int64")),
        df.assign(x=np.where(np.arange(len(df)) % 2, 1e200, -1e300)),  # outliers
        df.assign(text=df["text"].astype(object).where(df.index % 5 > 0, None)),
    ]
    expected = reg.predict(df)
    for i, frame in enumerate(sent):
        ours = reg.predict(frame)
        (theirs,) = session.run(None, onnx_feed(reg, frame))
        np.testing.assert_allclose(theirs.ravel(), ours, rtol=1e-5, atol=1e-5, err_msg=str(i))
        if i < 6:
            np.testing.assert_array_equal(ours, expected)
    outliers = TabularEncoder().fit(df).transform(sent[6])[:, 0]
    np.testing.assert_allclose(np.abs(outliers), 3.0)


def test_clip_predictions_is_in_the_graph():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    reg = fit_quietly(MLPRegressor(clip_predictions=True, max_iter=30, random_state=0), X, X[:, 0])
    far = 10 * X
    (graph,) = _session(to_onnx(reg, X[:1])).run(None, {"X": far})
    np.testing.assert_allclose(graph.ravel(), reg.predict(far), rtol=1e-12)
    assert graph.max() == X[:, 0].max()
    unclipped = reg.set_params(clip_predictions=False).predict(far)
    assert unclipped.max() > X[:, 0].max()


@pytest.mark.parametrize(
    "names",
    [
        ["a b", "c.d", "e-f", "label"],
        ["variable", "probabilities", "x", "X"],
        [0, 1, 2, 3],
    ],
    ids=["punctuation", "output names", "integers"],
)
def test_graph_inputs_for_any_column_names(names):
    from sknn_scratch.onnx import input_names, onnx_feed

    df = _table()
    df.columns = names
    y = (df.iloc[:, 0] > 0).astype(int)
    clf = fit_quietly(MLPClassifier(input_encoding="tabular", max_iter=20, random_state=0), df, y)
    model = to_onnx(clf, df[:1], options={"zipmap": False})
    graph_inputs = [i.name for i in model.graph.input]
    assert graph_inputs == list(input_names(clf).values())
    assert len(set(graph_inputs) | {o.name for o in model.graph.output}) == 6
    label, proba = _session(model).run(None, onnx_feed(clf, df))
    np.testing.assert_array_equal(label, clf.predict(df))
    np.testing.assert_allclose(proba, clf.predict_proba(df), atol=1e-6)


def test_explicit_zipmap_for_a_float64_graph_is_refused_naming_zipmap(rng):
    X, y = rng.normal(size=(60, 3)), rng.randint(2, size=60)
    for model in (
        fit_quietly(MLPClassifier(max_iter=3), X, y),
        fit_quietly(make_pipeline(StandardScaler(), MLPClassifier(max_iter=3)), X, y),
    ):
        with pytest.raises(ValueError, match="zipmap"):
            to_onnx(model, X[:1], options={"zipmap": True})
        to_onnx(model, X[:1])  # unset: probabilities as one tensor


def test_identifiers_have_no_graph_input_and_dates_are_numbers():
    from sknn_scratch.onnx import input_names, onnx_feed

    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    df = pd.DataFrame(
        {
            "row_id": np.arange(100),
            "x": rng.normal(size=100),
            "when": pd.date_range("2020-01-01", periods=100),
        }
    )
    with pytest.warns(UserWarning, match="'row_id'"):
        reg = fit_quietly(MLPRegressor(input_encoding="tabular", max_iter=20), df, df["x"])
    model = to_onnx(reg, df[:1])
    assert [i.name for i in model.graph.input] == ["x", "when"] == list(input_names(reg).values())
    (graph,) = _session(model).run(None, onnx_feed(reg, df))
    np.testing.assert_allclose(graph.ravel(), reg.predict(df), rtol=1e-5, atol=1e-5)
