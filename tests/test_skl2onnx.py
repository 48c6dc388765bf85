"""Conversion through skl2onnx's own ``convert_sklearn``, as its users call it.

Integer, boolean, float32 and float64 inputs; skl2onnx's default options
(ZipMap on) and ZipMap off; binary, multiclass and multilabel classifiers,
alone, inside a ``OneVsRestClassifier`` and inside a ``Pipeline``; each
against onnxruntime at skl2onnx's own tolerance for float32 outputs
(5 decimals). skl2onnx converts scikit-learn's MLP the same way for every
one of these inputs, so that is what users of ours expect too.
"""

import numpy as np
import pytest
from helpers import fit_quietly

pytest.importorskip("skl2onnx")
onnxruntime = pytest.importorskip("onnxruntime")

from skl2onnx import convert_sklearn  # noqa: E402 (after the skips)
from skl2onnx.common.data_types import (  # noqa: E402
    BooleanTensorType,
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
)
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

import sknn_scratch.onnx  # noqa: E402,F401 (registers the converters)
from sknn_scratch import MLPClassifier, MLPRegressor  # noqa: E402

#: The input types, with how to make X of each.
INPUTS = {
    "int64": (Int64TensorType, lambda rng: rng.randint(0, 10, size=(80, 4)).astype(np.int64)),
    "bool": (BooleanTensorType, lambda rng: rng.randint(0, 2, size=(80, 4)).astype(bool)),
    "float32": (FloatTensorType, lambda rng: rng.normal(size=(80, 4)).astype(np.float32)),
    "float64": (DoubleTensorType, lambda rng: rng.normal(size=(80, 4))),
}

TARGETS = {
    "binary": lambda rng: rng.randint(0, 2, 80),
    "multiclass": lambda rng: np.array(["a", "b", "c"])[rng.randint(0, 3, 80)],
    "multilabel": lambda rng: rng.randint(0, 2, (80, 3)),
}


def _session(model):
    return onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def _probabilities(proba, classes):
    """A ZipMap's list of dicts, or a tensor, as a matrix."""
    if isinstance(proba, list):
        return np.array([[row[c] for c in classes] for row in proba])
    return np.asarray(proba)


def _convert(model, kind, X, zipmap):
    options = None if zipmap or isinstance(model, MLPRegressor) else {id(model): {"zipmap": False}}
    return convert_sklearn(
        model, "model", [("input", INPUTS[kind][0]([None, X.shape[1]]))], options=options
    )


def _check(model, kind, X, zipmap):
    label, proba = _session(_convert(model, kind, X, zipmap)).run(None, {"input": X})
    classes = model.classes_ if not isinstance(model.classes_, list) else range(3)
    np.testing.assert_allclose(
        _probabilities(proba, classes), model.predict_proba(X), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_array_equal(np.asarray(label), model.predict(X))


@pytest.mark.parametrize("zipmap", [True, False], ids=["zipmap", "no-zipmap"])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("kind", list(INPUTS))
def test_classifier_converts_under_skl2onnx_options(kind, target, zipmap):
    rng = np.random.RandomState(0)
    X, y = INPUTS[kind][1](rng), TARGETS[target](rng)
    clf = fit_quietly(MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0), X, y)
    if kind == "float64" and zipmap:
        # ZipMap takes float32 only and a float64 graph computes in float64:
        # refused with the way out (skl2onnx's MLP computes float64 input in
        # float64 too, and its ZipMap fails).
        with pytest.raises(ValueError, match="ZipMap takes float32"):
            _convert(clf, kind, X, zipmap)
        return
    _check(clf, kind, X, zipmap)


@pytest.mark.parametrize("kind", ["int64", "bool", "float32"])
def test_one_vs_rest_of_ours_converts(kind):
    rng = np.random.RandomState(1)
    X = INPUTS[kind][1](rng)
    ovr = OneVsRestClassifier(MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0))
    fit_quietly(ovr, X, rng.randint(0, 3, 80))
    _check(ovr, kind, X, zipmap=True)


@pytest.mark.parametrize("kind", ["int64", "float32", "float64"])
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_a_pipeline_of_ours_converts(kind, Estimator):
    rng = np.random.RandomState(2)
    X = INPUTS[kind][1](rng)
    y = rng.randint(0, 2, 80) if Estimator is MLPClassifier else rng.normal(size=80)
    pipe = make_pipeline(MinMaxScaler(), Estimator(hidden_layer_sizes=(5,), max_iter=30))
    fit_quietly(pipe, X, y)
    options = {id(pipe[-1]): {"zipmap": False}} if Estimator is MLPClassifier else None
    model = convert_sklearn(pipe, "pipe", [("input", INPUTS[kind][0]([None, 4]))], options=options)
    outputs = _session(model).run(None, {"input": X})
    if Estimator is MLPRegressor:
        np.testing.assert_allclose(outputs[0].ravel(), pipe.predict(X), rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_allclose(outputs[1], pipe.predict_proba(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["int64", "bool"])
def test_regressor_converts_integer_and_boolean_input(kind):
    rng = np.random.RandomState(3)
    X = INPUTS[kind][1](rng)
    reg = fit_quietly(MLPRegressor(hidden_layer_sizes=(5,), max_iter=30), X, rng.normal(size=80))
    (outputs,) = _session(_convert(reg, kind, X, zipmap=False)).run(None, {"input": X})
    np.testing.assert_allclose(outputs.ravel(), reg.predict(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("target", ["multiclass", "multilabel"])
def test_skl2onnx_own_identity_cases_with_integer_input(target):
    # skl2onnx's test_model_mlp_classifier_{multiclass,multilabel}_identity:
    # activation="identity", Int64TensorType input, skl2onnx's default options.
    rng = np.random.RandomState(4)
    X, y = INPUTS["int64"][1](rng), TARGETS[target](rng)
    clf = MLPClassifier(activation="identity", max_iter=30, random_state=0)
    _check(fit_quietly(clf, X, y), "int64", X, zipmap=True)


def test_skl2onnx_own_one_vs_rest_binary_case_with_integer_input():
    # skl2onnx's test_ovr_classification_int_binary_mlp.
    rng = np.random.RandomState(5)
    X = INPUTS["int64"][1](rng)
    ovr = OneVsRestClassifier(MLPClassifier(max_iter=30, random_state=0))
    _check(fit_quietly(ovr, X, rng.randint(0, 2, 80)), "int64", X, zipmap=True)
