"""Behaviour: targets, input types, dtypes, continued training, persistence."""

import copy
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from helpers import fit_quietly
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier, MLPRegressor

SMALL = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)


def _weights(est):
    return [a.copy() for a in est.coefs_ + est.intercepts_]


def test_multi_output_regression(rng):
    X = rng.normal(size=(200, 4))
    Y = np.column_stack([X[:, 0] * X[:, 1], X[:, 2], -X[:, 3]])
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(32,), solver="lbfgs", random_state=0), X, Y)
    assert est.n_outputs_ == 3 and est.predict(X).shape == (200, 3)
    assert est.score(X, Y) > 0.9


def test_string_labels_binary_and_multiclass(rng):
    X = rng.normal(size=(150, 3))
    for labels in (np.array(["cat", "dog"]), np.array(["x", "y", "z"])):
        y = labels[(X[:, 0] > 0).astype(int) + (len(labels) == 3) * (X[:, 1] > 0)]
        clf = fit_quietly(MLPClassifier(solver="lbfgs", random_state=0), X, y)
        assert list(clf.classes_) == sorted(set(y))
        assert set(clf.predict(X)) <= set(labels)
        proba = clf.predict_proba(X)
        assert proba.shape == (150, len(set(y)))
        np.testing.assert_allclose(proba.sum(axis=1), 1)
        log_proba = clf.predict_log_proba(X)
        assert np.isfinite(log_proba).all()  # computed from logits: no log(0)
        np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-9, atol=1e-12)
        assert clf.score(X, y) > 0.9


def test_multilabel(rng):
    X = rng.normal(size=(200, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0]).astype(int)
    clf = fit_quietly(MLPClassifier(solver="lbfgs", random_state=0), X, Y)
    assert clf.out_activation_ == "logistic" and clf.predict(X).shape == (200, 3)
    assert clf.score(X, Y) > 0.9


def test_sparse_csr_matches_dense(rng):
    X = rng.normal(size=(80, 6)) * (rng.uniform(size=(80, 6)) > 0.5)
    y = X.sum(axis=1)
    dense = fit_quietly(MLPRegressor(**SMALL), X, y)
    sparse = fit_quietly(MLPRegressor(**SMALL), sp.csr_matrix(X), y)
    np.testing.assert_allclose(dense.predict(X), sparse.predict(sp.csr_matrix(X)), rtol=1e-10)


@pytest.mark.parametrize("solver", ["adam", "sgd", "gd", "lbfgs"])
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_float32_end_to_end(Estimator, solver, rng):
    X = rng.normal(size=(60, 4))
    y = X[:, 0] > 0 if Estimator is MLPClassifier else X[:, 0]
    est32 = fit_quietly(Estimator(solver=solver, **SMALL), X.astype(np.float32), y)
    assert all(a.dtype == np.float32 for a in est32.coefs_ + est32.intercepts_)
    out = (
        est32.predict_proba(X.astype(np.float32))
        if Estimator is MLPClassifier
        else est32.predict(X.astype(np.float32))
    )
    assert out.dtype == np.float32
    est64 = fit_quietly(Estimator(solver=solver, **SMALL), X, y)
    assert all(a.dtype == np.float64 for a in est64.coefs_ + est64.intercepts_)


def test_pandas_feature_names(rng):
    X = pd.DataFrame(rng.normal(size=(50, 3)), columns=["age", "balance", "accounts"])
    est = fit_quietly(MLPRegressor(**SMALL), X, X["age"] * 2)
    assert list(est.feature_names_in_) == ["age", "balance", "accounts"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.predict(X)
    with pytest.raises(ValueError, match="feature names"):
        est.predict(X.rename(columns={"age": "years"}))


def test_warm_start_continues_from_current_weights(rng):
    X, y = rng.normal(size=(100, 3)), rng.normal(size=100)
    est = fit_quietly(MLPRegressor(warm_start=True, **SMALL), X, y)
    first_curve = list(est.loss_curve_)
    fit_quietly(est, X, y)
    assert est.loss_curve_[: len(first_curve)] == first_curve
    assert len(est.loss_curve_) > len(first_curve)
    assert est.loss_curve_[len(first_curve)] < first_curve[0]


def test_early_stopping_restores_best_weights(rng):
    X = rng.normal(size=(300, 5))
    y = X[:, 0] + 0.5 * rng.normal(size=300)
    params = dict(
        hidden_layer_sizes=(64,),
        early_stopping=True,
        n_iter_no_change=5,
        learning_rate_init=0.05,
        random_state=0,
    )
    est = fit_quietly(MLPRegressor(max_iter=300, **params), X, y)
    assert len(est.validation_scores_) == est.n_iter_ < 300
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_loss_ is None
    best_epoch = int(np.argmax(est.validation_scores_)) + 1
    assert best_epoch < est.n_iter_
    # The same run cut at the best epoch ends with the weights that were restored.
    cut = fit_quietly(MLPRegressor(max_iter=best_epoch, **params), X, y)
    for restored, at_best in zip(_weights(est), _weights(cut)):
        np.testing.assert_array_equal(restored, at_best)


@pytest.mark.parametrize(
    "kind, stratified",
    [("binary", True), ("multiclass", True), ("multilabel", False), ("regression", False)],
)
def test_early_stopping_stratifies_classifier_split(kind, stratified, rng, monkeypatch):
    from sknn_scratch import _plan

    X = rng.normal(size=(200, 3))
    y = {
        "binary": np.where(X[:, 0] > 1.2, "rare", "common"),
        "multiclass": np.digitize(X[:, 0], [-1.0, 1.2]),
        "multilabel": np.c_[X[:, 0] > 0, X[:, 1] > 1].astype(int),
        "regression": X[:, 0],
    }[kind]
    seen, splits = [], []
    real = _plan.train_test_split

    def spy(*arrays, **kwargs):
        seen.append(kwargs["stratify"])
        # The split stratified by the labels themselves, from the same state.
        by_labels = None
        if kwargs["stratify"] is not None:
            state = copy.deepcopy(kwargs["random_state"])
            by_labels = real(*arrays, **dict(kwargs, random_state=state, stratify=y))
        used = real(*arrays, **kwargs)
        splits.append((used, by_labels))
        return used

    monkeypatch.setattr(_plan, "train_test_split", spy)
    Estimator = MLPRegressor if kind == "regression" else MLPClassifier
    est = fit_quietly(Estimator(early_stopping=True, validation_fraction=0.2, **SMALL), X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert (seen[0] is not None) == stratified
    if stratified:
        # Each row's class index (text labels sort slowly): the same strata,
        # so the same rows on each side as stratifying by the labels.
        np.testing.assert_array_equal(seen[0], np.unique(y, return_inverse=True)[1])
        used, by_labels = splits[0]
        for part, expected in zip(used, by_labels):
            np.testing.assert_array_equal(part, expected)


def test_convergence_warning_at_max_iter(rng):
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPRegressor(max_iter=3, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        MLPRegressor(solver="lbfgs", max_iter=3, random_state=0).fit(X, y)


def test_lbfgs_has_loss_curve_and_no_partial_fit(rng):
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    est = fit_quietly(MLPRegressor(solver="lbfgs", **SMALL), X, y)
    assert len(est.loss_curve_) == est.n_iter_ > 0
    assert est.best_loss_ == min(est.loss_curve_)
    assert not hasattr(est, "partial_fit")
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(MLPClassifier(solver="gd"), "partial_fit")


def test_partial_fit_runs_one_epoch_each(rng):
    X, y = rng.normal(size=(50, 3)), rng.randint(3, size=50)
    clf = MLPClassifier(**SMALL)
    clf.partial_fit(X[:25], y[:25], classes=[0, 1, 2])
    clf.partial_fit(X[25:], y[25:])
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier(**SMALL).partial_fit(X, y)
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X[:3], [0, 1, 5])


class _InterruptAfter:
    """Wrap an optimizer so that its n-th update raises KeyboardInterrupt."""

    def __init__(self, optimizer, n):
        self.optimizer, self.n = optimizer, n

    def update(self, params, grads, scratch=None):
        self.n -= 1
        if self.n == 0:
            params += 1e6  # a half-done update that must not survive
            raise KeyboardInterrupt
        self.optimizer.update(params, grads, scratch)

    def __getattr__(self, name):
        if name == "optimizer":  # not yet set while being copied
            raise AttributeError(name)
        return getattr(self.optimizer, name)


def test_ctrl_c_keeps_last_completed_epoch(rng, monkeypatch):
    from sknn_scratch import _plan

    X, y = rng.normal(size=(100, 3)), rng.normal(size=100)
    reference = fit_quietly(MLPRegressor(batch_size=20, **{**SMALL, "max_iter": 2}), X, y)

    real = _plan.make_optimizer
    monkeypatch.setattr(
        _plan, "make_optimizer", lambda *a, **k: _InterruptAfter(real(*a, **k), n=5 * 2 + 3)
    )
    with pytest.warns(UserWarning, match="interrupted"):
        est = MLPRegressor(batch_size=20, **SMALL).fit(X, y)
    assert est.n_iter_ == 2
    for got, expected in zip(_weights(est), _weights(reference)):
        np.testing.assert_array_equal(got, expected)
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_after_reload_continues_exactly(dump, solver, rng, tmp_path):
    X, y = rng.normal(size=(80, 3)), rng.normal(size=80)
    est = fit_quietly(MLPRegressor(solver=solver, **SMALL), X, y)
    path = tmp_path / "model"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(est))
        loaded = pickle.loads(path.read_bytes())
    else:
        joblib.dump(est, path)
        loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    for a, b in zip(_weights(est), _weights(loaded)):
        np.testing.assert_array_equal(a, b)


def test_sample_weight_zero_equals_dropping(rng):
    X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    weights = np.r_[np.ones(40), np.zeros(20)]
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0, max_iter=50)
    weighted = fit_quietly(MLPRegressor(**params), X, y, sample_weight=weights)
    dropped = fit_quietly(MLPRegressor(**params), X[:40], y[:40])
    np.testing.assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-8)


@pytest.mark.parametrize(
    "solver, params, atol",
    [
        ("lbfgs", dict(max_iter=1000), 1e-6),
        ("gd", dict(learning_rate_init=0.3, momentum=0.5, max_iter=3000), 1e-6),
        ("sgd", dict(learning_rate_init=0.002, batch_size=10, max_iter=300), 2e-2),
        ("adam", dict(learning_rate_init=0.001, batch_size=10, max_iter=300), 2e-2),
    ],
)
def test_alpha_means_the_same_for_every_solver(solver, params, atol, rng):
    """With no hidden layer, J is ridge regression's objective divided by n,
    so every solver must reach Ridge(alpha)'s coefficients, whatever its batch."""
    # (With scikit-learn's alpha / batch_size, sgd and adam would land near
    # Ridge(alpha * n / batch_size), far outside these tolerances.)
    from sklearn.linear_model import Ridge

    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=200)
    alpha = 40.0
    est = MLPRegressor(
        hidden_layer_sizes=(),
        solver=solver,
        alpha=alpha,
        tol=0,
        n_iter_no_change=10**6,
        random_state=0,
        **params,
    )
    fit_quietly(est, X, y)
    ridge = Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(est.coefs_[0].ravel(), ridge.coef_, atol=atol)


def test_pipeline_and_grid_search(rng):
    X = rng.normal(size=(120, 3))
    y = X[:, 0] * X[:, 1]
    pipe = make_pipeline(
        StandardScaler(), MLPRegressor(solver="lbfgs", random_state=0, max_iter=200)
    )
    search = GridSearchCV(pipe, {"mlpregressor__hidden_layer_sizes": [(4,), (16,)]}, cv=3)
    fit_quietly(search, X, y)
    assert search.best_params_ in (
        {"mlpregressor__hidden_layer_sizes": (4,)},
        {"mlpregressor__hidden_layer_sizes": (16,)},
    )
    assert search.score(X, y) > 0.5


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_one_batch_per_epoch_is_not_shuffled(solver, rng):
    # Shuffling the rows of the only batch would change nothing but the
    # rounding of the sums and the random draws: it is skipped, so the
    # generator is not consumed and the weights are those of shuffle=False.
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    fits, generators = [], []
    for shuffle in (True, False):
        generator = np.random.RandomState(0)
        est = MLPRegressor(
            hidden_layer_sizes=(4,),
            solver=solver,
            batch_size=40,
            max_iter=5,
            shuffle=shuffle,
            random_state=generator,
        )
        fits.append(fit_quietly(est, X, y))
        generators.append(generator.randint(2**31))
    assert generators[0] == generators[1]
    for a, b in zip(fits[0].coefs_, fits[1].coefs_):
        np.testing.assert_array_equal(a, b)


def test_multilabel_with_two_labels(rng):
    X = rng.normal(size=(60, 3))
    Y = np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int)
    clf = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0), X, Y)
    assert clf.predict(X).shape == (60, 2) and clf.predict_proba(X).shape == (60, 2)
    assert set(np.unique(clf.predict(X))) <= {0, 1}
