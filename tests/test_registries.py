"""The contract every registry entry keeps.

Each layer kind (``_protocol.LAYER_KINDS``), each hidden activation
(``_activations.HIDDEN_ACTIVATIONS``), each solver's optimizer
(``_optimizers.OPTIMIZERS``) and each learning-rate schedule
(``_schedules.SCHEDULES``) is run through what the library does with it:
its gradient by finite differences, pickle and skops round trips, the ONNX
export against onnxruntime, and the drawing. A new entry that lacks a line
in the tables below fails here: the tables are the list of what a new kind
needs, and ``docs/contributing.md`` names them.
"""

import pickle

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPClassifier, MLPRegressor, check_gradients
from sknn_scratch._activations import HIDDEN_ACTIVATIONS
from sknn_scratch._optimizers import OPTIMIZERS, SOLVERS
from sknn_scratch._protocol import LAYER_KINDS
from sknn_scratch._schedules import SCHEDULES
from sknn_scratch._state import state_problems

pd = pytest.importorskip("pandas")

#: A configuration whose network holds each layer kind (fitted on _frame()).
KIND_SETTINGS = {
    "dense": {},
    "activation": {},
    "dropout": {"dropout": 0.2},
    "output": {},
    "parametric": {"parametric_activation": True},
    "heads": {"ensemble_size": 2},
    "members": {"ensemble_size": 2},
    "scale": {"feature_scaling": True},
    "periodic": {"numerical_embedding": "periodic"},
    "piecewise_linear": {"piecewise_linear_bins": 4},
    "category_embedding": {"category_embedding": 2},
}

#: Each layer kind's ONNX converter, by kind (the optional extra's registry).
ONNX_KINDS = "sknn_scratch.onnx._LAYERS"


def _frame(n=80):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.uniform(0, 5, size=n),
            "city": rng.choice(["a", "b", "c", "d", "e", "f"], size=n),
        }
    )
    return frame, frame["x"] * frame["z"] + (frame["city"] == "a") + rng.normal(0, 0.1, n)


def _fitted(settings, Estimator=MLPRegressor):
    frame, y = _frame()
    if Estimator is MLPClassifier:
        y = (y > y.median()).astype(int)
    est = Estimator(
        hidden_layer_sizes=(5,),
        max_iter=3,
        random_state=0,
        input_encoding="tabular",
        **settings,
    )
    with pytest.warns(Warning):  # (3 epochs do not converge)
        est.fit(frame, y)
    return est, frame, y


def test_every_registry_entry_is_in_the_contract():
    assert set(KIND_SETTINGS) == set(LAYER_KINDS)
    assert set(OPTIMIZERS) | {"lbfgs"} == set(SOLVERS)


def test_every_layer_kind_has_an_onnx_converter():
    onnx = pytest.importorskip("sknn_scratch.onnx")
    pytest.importorskip("skl2onnx")
    assert set(onnx._LAYERS) == set(LAYER_KINDS)


@pytest.mark.parametrize("kind", sorted(KIND_SETTINGS))
def test_layer_kind_gradient_and_round_trips(kind):
    est, frame, y = _fitted(KIND_SETTINGS[kind])
    assert kind in {layer.kind for layer in est.network_.layers}
    # The gradient through the whole network, the kind included.
    assert check_gradients(est, frame, y) < 1e-6
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict(frame), est.predict(frame))
    assert state_problems(loaded) == []


@pytest.mark.parametrize("kind", sorted(KIND_SETTINGS))
def test_a_fixed_layer_kind_depends_on_its_input_alone(kind):
    """A fit computes a fixed layer once for all rows: it must have nothing
    that changes between batches (parameters, dropout masks)."""
    layer = LAYER_KINDS[kind]
    if layer.fixed:
        assert not layer.takes_mask
        est, _, _ = _fitted(KIND_SETTINGS[kind])
        found = [x for x in est.network_.layers if x.kind == kind]
        assert all(not x.parameter_shapes() for x in found)


@pytest.mark.parametrize("kind", sorted(KIND_SETTINGS))
def test_layer_kind_is_trusted_by_skops(kind, tmp_path):
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    est, frame, _ = _fitted(KIND_SETTINGS[kind])
    persistence.dump(est, tmp_path / "model.skops")
    loaded = persistence.load(tmp_path / "model.skops")
    np.testing.assert_array_equal(loaded.predict(frame), est.predict(frame))


@pytest.mark.parametrize("kind", sorted(KIND_SETTINGS))
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_layer_kind_exports_to_onnx(kind, Estimator):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from sknn_scratch.onnx import onnx_feed, to_onnx

    est, frame, _ = _fitted(KIND_SETTINGS[kind], Estimator)
    session = onnxruntime.InferenceSession(
        to_onnx(est, frame[:1]).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = session.run(None, onnx_feed(est, frame))
    ours = est.predict(frame) if Estimator is MLPRegressor else est.predict_proba(frame)
    theirs = outputs[0] if Estimator is MLPRegressor else outputs[1]
    if isinstance(theirs, list):  # ZipMap (a float32 graph, as skl2onnx makes by default)
        theirs = [[row[label] for label in est.classes_] for row in theirs]
    np.testing.assert_allclose(np.asarray(theirs).reshape(ours.shape), ours, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(KIND_SETTINGS))
def test_layer_kind_is_drawn_or_refused_clearly(kind):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sknn_scratch.plot import plot_network

    est, frame, _ = _fitted(KIND_SETTINGS[kind])
    if est.ensemble_size > 1:
        with pytest.raises(ValueError, match="ensemble"):
            plot_network(est, frame[:1])
        return
    display = plot_network(est, frame[:1])
    assert display.ax_ is not None


@pytest.mark.parametrize("name", sorted(HIDDEN_ACTIVATIONS))
def test_activation_record_holds_everything_about_it(name):
    record = HIDDEN_ACTIVATIONS[name]
    z = np.linspace(-30, 30, 600)  # (not 0 itself, where relu has no derivative)
    # f' by central differences, against the derivative the record gives.
    h = 1e-6
    up, down = record.forward(z + h), record.forward(z - h)
    numeric = (up - down) / (2 * h)
    work = np.empty_like(z)
    values = record.forward(z.copy(), work)
    delta = np.ones_like(z)
    record.derivative(values, delta, work)
    np.testing.assert_allclose(delta, numeric, rtol=1e-5, atol=1e-6)
    # The divergence guard's facts: |f(z)| <= min(bound, |z| + offset).
    limit = np.minimum(record.bound, np.abs(z) + record.offset)
    assert np.all(np.abs(record.forward(z.copy())) <= limit + 1e-12)
    assert isinstance(record.onnx, str) and record.onnx


@pytest.mark.parametrize("name", sorted(HIDDEN_ACTIVATIONS))
def test_activation_exports_and_draws(name):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from sknn_scratch.onnx import to_onnx

    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3))
    est = MLPRegressor(hidden_layer_sizes=(4,), activation=name, max_iter=3, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, X[:, 0])
    session = onnxruntime.InferenceSession(
        to_onnx(est, X[:1]).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (theirs,) = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(theirs.ravel(), est.predict(X), atol=1e-10)
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sknn_scratch.plot import plot_activations

    assert plot_activations([name]).figure_ is not None


@pytest.mark.parametrize("solver", sorted(OPTIMIZERS))
def test_optimizer_state_survives_a_round_trip(solver, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    est = MLPRegressor(hidden_layer_sizes=(4,), solver=solver, random_state=0)
    est.partial_fit(X, X[:, 0])
    optimizer = est._optimizer
    assert type(optimizer) is OPTIMIZERS[solver]
    assert all(hasattr(est, name) for name in optimizer.SETTINGS)
    loaded = pickle.loads(pickle.dumps(est))
    for name in optimizer._STATE:
        np.testing.assert_array_equal(getattr(loaded._optimizer, name), getattr(optimizer, name))
    # partial_fit continues the same optimizer (its class is the solver's).
    loaded.partial_fit(X, X[:, 0])
    assert type(loaded._optimizer) is OPTIMIZERS[solver]
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    persistence.dump(est, tmp_path / "m.skops")
    assert type(persistence.load(tmp_path / "m.skops")._optimizer) is OPTIMIZERS[solver]


@pytest.mark.parametrize("kind", SCHEDULES)
def test_schedule_is_named_steps_and_survives_a_round_trip(kind):
    # The parameter's documentation names it (both estimators share the text).
    assert f"'{kind}'" in MLPRegressor.__doc__.split("learning_rate :")[1].split("\n")[0]
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    est = MLPRegressor(hidden_layer_sizes=(4,), learning_rate=kind, max_iter=4, random_state=0)
    fit_quietly(est, X, X[:, 0])  # (an annealing schedule's end is planned: no warning)
    rates = [record["learning_rate"] for record in est.history_]
    assert all(np.isfinite(rates)) and all(rate >= 0 for rate in rates)
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded._optimizer.schedule.kind == kind
    loaded.partial_fit(X, X[:, 0])  # the schedule carries on
    assert np.isfinite(loaded.learning_rate_)
