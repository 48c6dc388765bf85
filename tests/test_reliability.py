"""Reliability: numerical faults, interruptions, persistence, determinism,
concurrency. (Bad input is in test_errors.py, properties in test_properties.py.)"""

import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.exceptions import ConvergenceWarning

from sknn_scratch import MLPClassifier, MLPRegressor, persistence
from sknn_scratch._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from sknn_scratch._losses import LOSSES


def _extremes(dtype):
    """The issue's extremes: 1e6 and 1e-300 in float64, the limits of float32.

    (Near float64's own limit a squared error is genuinely not representable.)
    """
    if dtype == np.float64:
        return np.array([[1e6, -1e6, 1e-300, -1e-300, 0.0, 1.0, -1.0, 1e150]])
    info = np.finfo(np.float32)
    values = [info.max, -info.max, info.tiny, -info.tiny, 1e6, -1e6, 0.0, 1.0]
    return np.array([values], dtype=np.float32)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_never_overflow_or_nan(dtype, no_runtime_warnings):
    for name, record in HIDDEN_ACTIVATIONS.items():
        forward, derivative = record.forward, record.derivative
        A = forward(_extremes(dtype))
        assert A.dtype == dtype and not np.isnan(A).any(), name
        work = np.empty_like(A)
        A = forward(_extremes(dtype), work)  # training mode leaves work ready
        delta = np.ones_like(A)
        derivative(A, delta, work)
        assert np.isfinite(delta).all(), name
    for name, out_activation in OUTPUT_ACTIVATIONS.items():
        values = out_activation(_extremes(dtype))
        assert np.isfinite(values).all(), name
    assert np.isfinite(OUTPUT_ACTIVATIONS["softmax"](_extremes(dtype))).all()
    np.testing.assert_allclose(OUTPUT_ACTIVATIONS["softmax"](_extremes(dtype)).sum(), 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_losses_never_overflow_or_nan(loss, dtype, no_runtime_warnings):
    raw = _extremes(dtype).T  # one sample per extreme value
    y = np.ones_like(raw) if loss != "log_loss" else np.eye(1, dtype=dtype)[[0] * len(raw)]
    values = LOSSES[loss].per_sample(raw, y)
    assert np.isfinite(values).all() and (values >= -1e-6).all()


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize(
    "scale, dtype", [(1e6, np.float64), (1e6, np.float32), (1e30, np.float32), (1e-300, np.float64)]
)
def test_extreme_inputs_give_finite_models(Estimator, scale, dtype, rng, no_runtime_warnings):
    X = (rng.normal(size=(60, 3)) * scale).astype(dtype)
    y = rng.normal(size=60) > 0 if Estimator is MLPClassifier else rng.normal(size=60)
    est = fit_quietly(Estimator(hidden_layer_sizes=(8,), max_iter=20, random_state=0), X, y)
    assert all(np.isfinite(w).all() for w in est.coefs_ + est.intercepts_)
    out = est.predict_proba(X) if Estimator is MLPClassifier else est.predict(X)
    assert not np.isnan(out).any()


def test_poisson_with_huge_outputs(rng, no_runtime_warnings):
    X = rng.normal(size=(50, 2)) * 1e3
    est = fit_quietly(
        MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=10, random_state=0),
        X,
        rng.poisson(3, size=50),
    )
    assert np.isfinite(est.predict(X * 1e3)).all()


# (Adam's steps are bounded by its learning rate, so it does not blow up.)
@pytest.mark.parametrize("solver", ["sgd", "gd"])
def test_divergence_warns_names_learning_rate_and_keeps_finite_weights(
    solver, rng, no_runtime_warnings
):
    X = rng.normal(size=(100, 3)) * 100
    y = X @ [1.0, 2.0, 3.0]
    est = MLPRegressor(
        hidden_layer_sizes=(16,), solver=solver, learning_rate_init=1e3, max_iter=50, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="diverged.*learning_rate_init"):
        est.fit(X, y)
    assert all(np.isfinite(w).all() for w in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.predict(X)).all() and np.isfinite(est.loss_curve_).all()


@pytest.mark.parametrize(
    "make",
    [
        lambda X, y: (np.c_[X, np.ones(len(X))], y),  # constant feature
        lambda X, y: (X, np.full(len(y), 3.0)),  # constant target
        lambda X, y: (np.r_[X, X, X], np.r_[y, y, y]),  # duplicated rows
        lambda X, y: (X, y * 1e6),  # target scaled by 1e6
    ],
    ids=["constant feature", "constant target", "duplicated rows", "target x 1e6"],
)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_awkward_but_valid_data_fits(make, solver, rng):
    X, y = make(rng.normal(size=(50, 3)), rng.normal(size=50))
    est = fit_quietly(
        MLPRegressor(hidden_layer_sizes=(8,), solver=solver, max_iter=30, random_state=0), X, y
    )
    assert np.isfinite(est.predict(X)).all()


def test_ctrl_c_during_lbfgs_keeps_last_iteration(rng, monkeypatch):
    from sknn_scratch import _objective

    X, y = rng.normal(size=(80, 3)), rng.normal(size=80)
    real = _objective.Objective.value_and_gradient
    calls = {"n": 0}

    def interrupt_on_tenth_call(self, *args):
        calls["n"] += 1
        if calls["n"] == 10:
            self.net.params[...] = np.nan  # a half-done evaluation must not survive
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(_objective.Objective, "value_and_gradient", interrupt_on_tenth_call)
    with pytest.warns(UserWarning, match="interrupted"):
        est = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0).fit(X, y)
    assert 0 < est.n_iter_ < 10 and len(est.loss_curve_) == est.n_iter_
    assert np.isfinite(est.predict(X)).all()


# ------------------------------------------------------------- persistence


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_skops_round_trip_predicts_and_continues_exactly(Estimator, rng, tmp_path):
    X = rng.normal(size=(60, 3))
    y = np.where(X[:, 0] > 0, "up", "down") if Estimator is MLPClassifier else X[:, 0]
    est = fit_quietly(Estimator(hidden_layer_sizes=(6,), max_iter=5, random_state=0), X, y)
    path = tmp_path / "model.skops"
    persistence.dump(est, path)
    loaded = persistence.load(path)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, loaded.coefs_ + loaded.intercepts_):
        np.testing.assert_array_equal(a, b)


class Intruder:
    """A type nobody trusted."""

    def __init__(self):
        self.payload = "anything"


def test_skops_load_refuses_untrusted_types(tmp_path):
    import skops.io

    path = tmp_path / "tampered.skops"
    skops.io.dump({"model": MLPRegressor(), "extra": Intruder()}, path)
    with pytest.raises(ValueError, match="Refusing to load .*Intruder"):
        persistence.load(path)


def test_persistence_trusts_only_our_own_types():
    assert persistence.TRUSTED_TYPES and all(
        name.startswith("sknn_scratch.") for name in persistence.TRUSTED_TYPES
    )
    assert persistence.DATA_TYPES == ["numpy.dtype"]  # and no other type of anyone's


def test_pickle_round_trip_keeps_optimizer_state(rng):
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, y)
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded._optimizer.t == est._optimizer.t > 0
    np.testing.assert_array_equal(loaded._optimizer.m, est._optimizer.m)


# ------------------------------------------------ determinism, concurrency


def _fit_weights(seed, X, y):
    est = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=seed), X, y)
    return [a.copy() for a in est.coefs_ + est.intercepts_]


def test_bit_identical_across_processes(rng):
    X, y = rng.normal(size=(100, 4)), rng.randint(3, size=100)
    sequential = [_fit_weights(seed, X, y) for seed in (0, 1)]
    parallel = joblib.Parallel(n_jobs=2)(joblib.delayed(_fit_weights)(s, X, y) for s in (0, 1))
    for seq, par in zip(sequential, parallel):
        for a, b in zip(seq, par):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_predict_from_eight_threads(Estimator, rng):
    X = rng.normal(size=(3000, 5))
    y = X[:, 0] > 0 if Estimator is MLPClassifier else X[:, 0]
    est = fit_quietly(Estimator(hidden_layer_sizes=(32,), max_iter=5, random_state=0), X, y)
    method = est.predict_proba if Estimator is MLPClassifier else est.predict
    chunks = np.array_split(X, 8)
    expected = [method(chunk) for chunk in chunks]
    barrier = threading.Barrier(8)

    def work(chunk):
        barrier.wait()  # all eight threads predict at the same moment
        return [method(chunk) for _ in range(5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, chunks))
    for exp, runs in zip(expected, results):
        for got in runs:
            np.testing.assert_array_equal(got, exp)


def test_persistence_without_skops_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(__import__("sys").modules, "skops", None)
    monkeypatch.setitem(__import__("sys").modules, "skops.io", None)
    with pytest.raises(ImportError, match="needs the skops package: pip install skops"):
        persistence.dump(MLPRegressor(), tmp_path / "m.skops")


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_fits_are_bit_identical_for_a_seed_and_a_thread_count(Estimator, threads, rng):
    """The only threads are BLAS's, and threadpoolctl's limits set them; a
    layer of 600 x 512 values takes the wide-network paths (whole batch,
    boolean relu mask)."""
    from threadpoolctl import threadpool_limits

    X = rng.normal(size=(600, 5))
    y = X[:, 0] * X[:, 1] + X[:, 2] if Estimator is MLPRegressor else (X[:, 0] > 0).astype(int)
    params = dict(hidden_layer_sizes=(512,), batch_size=600, max_iter=3, random_state=0)
    with threadpool_limits(limits=threads, user_api="blas"):
        first, second = (fit_quietly(Estimator(**params), X, y) for _ in range(2))
    for a, b in zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert first.loss_curve_ == second.loss_curve_
