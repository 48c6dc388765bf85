"""The classifier's classes, labels, class weights and label smoothing."""

import pickle

import numpy as np
import pytest
from helpers import SMALL, fit_quietly
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from sknn_scratch import (
    MLPClassifier,
    MLPRegressor,
)

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


# ------------------------------------------------ class weights, smoothing


def _imbalanced(rng, n=300):
    X = rng.normal(size=(n, 3))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=n) > 1.0, "rare", "common")
    return X, y


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_balanced_class_weight_equals_its_sample_weights(solver, rng):
    from sklearn.utils.class_weight import compute_sample_weight

    X, y = _imbalanced(rng)
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=20, random_state=0)
    weighted = fit_quietly(MLPClassifier(class_weight="balanced", **params), X, y)
    by_hand = fit_quietly(
        MLPClassifier(**params), X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    for a, b in zip(weighted.coefs_ + weighted.intercepts_, by_hand.coefs_ + by_hand.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_class_weight_dict_multiplies_sample_weight(rng):
    X, y = _imbalanced(rng)
    sample_weight = rng.uniform(0.5, 2, size=len(y))
    params = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    weighted = fit_quietly(
        MLPClassifier(class_weight={"rare": 4.0}, **params), X, y, sample_weight=sample_weight
    )
    by_hand = fit_quietly(
        MLPClassifier(**params), X, y, sample_weight=sample_weight * np.where(y == "rare", 4.0, 1.0)
    )
    for a, b in zip(weighted.coefs_, by_hand.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_balanced_weights_raise_minority_recall(rng):
    from sklearn.metrics import recall_score

    X, y = _imbalanced(rng, n=600)
    params = dict(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    plain = fit_quietly(MLPClassifier(**params), X, y)
    balanced = fit_quietly(MLPClassifier(class_weight="balanced", **params), X, y)
    recall = {
        name: recall_score(y, model.predict(X), pos_label="rare")
        for name, model in [("plain", plain), ("balanced", balanced)]
    }
    assert recall["balanced"] > recall["plain"] + 0.1


def test_class_weight_refusals(rng):
    X, y = _imbalanced(rng)
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=["common", "rare"])
    Y = (rng.uniform(size=(len(X), 2)) > 0.5).astype(int)
    with pytest.raises(ValueError, match="not supported for multilabel"):
        MLPClassifier(class_weight="balanced").fit(X, Y)


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_label_smoothing_caps_confidence(kind, rng):
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] > 0).astype(int) if kind == "binary" else np.digitize(X[:, 0], [-0.5, 0.5])
    X[:, 1] = y * 10  # separable: without smoothing, probabilities go to 1
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=500, alpha=0.0, random_state=0)
    sharp = fit_quietly(MLPClassifier(**params), X, y)
    smooth = fit_quietly(MLPClassifier(label_smoothing=0.2, **params), X, y)
    k = 2 if kind == "binary" else 3
    assert sharp.predict_proba(X).max() > 0.999
    # The smoothed target of the true class is 1 - eps + eps / k.
    assert smooth.predict_proba(X).max() == pytest.approx(1 - 0.2 + 0.2 / k, abs=0.01)
    np.testing.assert_array_equal(smooth.predict(X), y)


@pytest.mark.parametrize(
    "y, classes",
    [
        (np.array(["no", "yes", "yes", "no", "yes"], dtype=object), None),
        (
            np.array(["no", "yes", "yes"], dtype=object),
            np.array(["maybe", "no", "yes"], dtype=object),
        ),
        (np.array([3, 1, 2, 2, 1]), None),
        (np.array([3, 1, 1]), np.array([0, 1, 2, 3])),
        (np.array(["b", "a", "c", "a"]), None),
        (np.array([1.0, 0.0, 0.0]), None),
        (np.array([True, False, True]), None),
        (np.array([1, 0, 0]), np.array([0, 1])),
    ],
)
def test_targets_are_binarized_as_label_binarizer_does(y, classes):
    from sklearn.preprocessing import LabelBinarizer

    from sknn_scratch._classifier import _binarized

    binarizer = LabelBinarizer().fit(y if classes is None else classes)
    expected = binarizer.transform(y).astype(np.float32)
    got = _binarized(binarizer, y, np.float32)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_text_labels_are_sorted_once_per_fit(monkeypatch):
    # scikit-learn's target checks each sort the labels (np.unique) unless
    # the array carries the result: one sort serves them all.
    X = np.random.default_rng(0).random((300, 2))
    y = np.array(["no", "yes", "maybe"] * 100, dtype=object)
    sorts = []
    unique = np.unique

    def counted(values, *args, **kwargs):
        if np.ndim(values) == 1 and len(values) == len(y):
            sorts.append(values)
        return unique(values, *args, **kwargs)

    monkeypatch.setattr(np, "unique", counted)
    clf = fit_quietly(MLPClassifier(max_iter=2, random_state=0), X, y)
    assert len(sorts) == 1
    assert list(clf.classes_) == ["maybe", "no", "yes"]
    assert set(clf.predict(X)) <= {"maybe", "no", "yes"}
    # The cache lives on a view inside the fit: the caller's array is as given.
    assert y.dtype.metadata is None


@pytest.mark.parametrize(
    "y, kinds",
    [
        (np.array(["a", 1, "b", "a", 1, "b"], dtype=object), "int, str"),
        (np.array(["a", None, "b", "a", "b", "a"], dtype=object), "NoneType, str"),
    ],
)
def test_labels_that_cannot_be_sorted_together_are_refused_by_name(y, kinds):
    X = np.random.default_rng(0).random((6, 2))
    clf = MLPClassifier(max_iter=2)
    with pytest.raises(ValueError, match=rf"y mixes labels .*\({kinds}\)"):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")
    # A fitted model keeps its state when a later fit is refused.
    fitted = fit_quietly(MLPClassifier(max_iter=2, random_state=0), X, ["a", "b"] * 3)
    before = [c.copy() for c in fitted.coefs_]
    with pytest.raises(ValueError, match="y mixes labels"):
        fitted.fit(X, y)
    assert list(fitted.classes_) == ["a", "b"]
    for a, b in zip(before, fitted.coefs_):
        np.testing.assert_array_equal(a, b)
