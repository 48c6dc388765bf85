"""The fitted network: one object whose layers own their parameters, and
the public attributes that are views of it."""

import pickle

import numpy as np
import pytest

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch._network import Network, TrainingNetwork
from sknn_scratch._state import state_problems


@pytest.fixture
def fitted(rng):
    X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    est = MLPRegressor(hidden_layer_sizes=(5, 4), max_iter=5, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, y)
    return est, X


def test_published_weights_are_views_of_the_one_vector(fitted):
    est, _ = fitted
    params = est.network_.params
    for array in est.coefs_ + est.intercepts_:
        assert np.shares_memory(array, params)
    assert sum(a.size for a in est.coefs_ + est.intercepts_) == params.size
    # The fitted network keeps no loss and no work arrays of training.
    assert type(est.network_) is Network
    assert est.network_.layers[-1].loss is None


def test_weights_changed_in_place_change_the_predictions(fitted):
    est, X = fitted
    before = est.predict(X)
    est.coefs_[-1][0, 0] += 1.0
    assert not np.allclose(est.predict(X), before)


def test_a_replaced_entry_is_copied_into_the_network(fitted):
    est, X = fitted
    zeros = np.zeros_like(est.coefs_[-1])
    est.coefs_[-1] = zeros
    est.intercepts_[-1] = np.array([2.5], dtype=np.float32)  # cast to the network's dtype
    np.testing.assert_array_equal(est.predict(X), 2.5)
    assert est.intercepts_[-1].dtype == np.float64
    assert np.shares_memory(est.coefs_[-1], est.network_.params)


def test_a_whole_list_assigned_is_copied_too(fitted):
    est, X = fitted
    est.coefs_ = [np.zeros_like(c) for c in est.coefs_]
    np.testing.assert_array_equal(est.predict(X), est.intercepts_[-1][0])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e.coefs_.__setitem__(1, np.ones((3, 3))), r"coefs_\[1\] has shape \(5, 4\)"),
        (lambda e: e.coefs_.__setitem__(0, np.full((3, 5), np.nan)), "finite"),
        (lambda e: setattr(e, "intercepts_", e.intercepts_[:2]), "3 entries"),
        (lambda e: e.coefs_.__setitem__(slice(0, 1), []), "one at a time"),
        # a later entry refused: the earlier ones are not copied either
        (lambda e: setattr(e, "coefs_", [np.zeros((3, 5)), np.ones((2, 2)), None]), "coefs_.1."),
    ],
)
def test_weights_of_another_shape_are_refused_and_nothing_changes(fitted, change, message):
    est, X = fitted
    before = est.network_.params.copy()
    with pytest.raises((ValueError, TypeError), match=message):
        change(est)
    np.testing.assert_array_equal(est.network_.params, before)


def test_attributes_of_absent_layers_are_absent(fitted):
    est, _ = fitted
    for name in ("input_layers_", "input_params_", "activation_params_"):
        assert not hasattr(est, name)
    assert not hasattr(MLPRegressor(), "coefs_")


def test_a_pickled_estimator_gets_its_views_back(fitted):
    est, X = fitted
    loaded = pickle.loads(pickle.dumps(est))
    assert all(np.shares_memory(c, loaded.network_.params) for c in loaded.coefs_)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    loaded.coefs_[0][...] = 0  # still one model: the change reaches the predictions
    assert not np.allclose(loaded.predict(X), est.predict(X))


def test_a_state_saved_with_weight_lists_loads_into_a_network(rng):
    # Estimators saved before the network existed held coefs_ and the others.
    X = rng.normal(size=(50, 4))
    y = rng.randint(0, 3, 50)
    est = MLPClassifier(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, y)
    state = dict(est.__getstate__())  # (a copy: it may be the instance's own dict)
    network = state.pop("network_")
    state["coefs_"] = [c.copy() for c in network.coefs]
    state["intercepts_"] = [b.copy() for b in network.intercepts]
    old = object.__new__(MLPClassifier)
    old.__setstate__(state)
    assert type(old.network_) is Network
    np.testing.assert_array_equal(old.predict_proba(X), est.predict_proba(X))
    assert state_problems(old) == []


def test_a_damaged_network_is_named_by_the_state_checks(fitted):
    est, _ = fitted
    damaged = pickle.loads(pickle.dumps(est))
    damaged.network_.params = damaged.network_.params[:-2]
    damaged = pickle.loads(pickle.dumps(damaged))  # its layout fails on loading
    assert any("parameters but it holds" in p for p in state_problems(damaged))


def test_a_network_in_training_is_not_saved(fitted):
    est, _ = fitted
    training = est.network_.for_training("squared_error", np.float32)
    assert isinstance(training, TrainingNetwork)
    assert training.params.dtype == np.float32
    assert not np.shares_memory(training.params, est.network_.params)
    with pytest.raises(TypeError, match="not saved"):
        pickle.dumps(training)
    # What listeners see of it is a plain network over the same weights.
    seen = training.over(training.params)
    assert type(seen) is Network and np.shares_memory(seen.params, training.params)


def test_layers_draw_their_own_first_parameters_in_order(rng):
    from sknn_scratch._layers import multilayer_perceptron

    layers = multilayer_perceptron([3, 4, 2], "tanh", init="glorot_uniform")
    net = Network.initialized(layers, np.random.RandomState(0), np.float64)
    draw = np.random.RandomState(0)
    for coef, intercept in zip(net.coefs, net.intercepts):
        # scikit-learn's glorot_uniform: weights then biases, layer by layer.
        bound = np.sqrt(6.0 / sum(coef.shape))
        np.testing.assert_array_equal(coef, draw.uniform(-bound, bound, coef.shape))
        np.testing.assert_array_equal(intercept, draw.uniform(-bound, bound, intercept.shape))


def test_a_state_saved_before_the_network_with_input_layers_loads(rng):
    # Saved before the network existed: the input layers and their
    # parameters, and the parametric activations' a, as lists of their own.
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(list("abcdef"), 60)})
    est = MLPRegressor(
        hidden_layer_sizes=(5,),
        max_iter=3,
        input_encoding="tabular",
        piecewise_linear_bins=4,
        feature_scaling=True,
        parametric_activation=True,
        ensemble_size=2,
        random_state=0,
    )
    with pytest.warns(Warning):
        est.fit(frame, frame["x"] ** 2)
    state = dict(est.__getstate__())
    network = state.pop("network_")
    state["coefs_"] = [c.copy() for c in network.coefs]
    state["intercepts_"] = [b.copy() for b in network.intercepts]
    state["input_layers_"] = list(network.input_layers)
    state["input_params_"] = [tuple(p.copy() for p in ps) for ps in network.input_params]
    state["activation_params_"] = [a.copy() for a in network.activation_params]
    old = object.__new__(MLPRegressor)
    old.__setstate__(state)
    np.testing.assert_array_equal(old.predict(frame), est.predict(frame))
    assert state_problems(old) == []


def test_input_layers_keep_the_names_files_saved_them_under():
    from sknn_scratch import _input_layers, _layers, persistence

    for name in ("Scale", "PeriodicEmbedding", "PiecewiseLinear", "CategoryEmbedding", "Members"):
        assert getattr(_layers, name) is getattr(_input_layers, name)
        assert f"sknn_scratch._layers.{name}" in persistence.TRUSTED_TYPES
