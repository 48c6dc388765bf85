"""The textbook networks by hand: explicit weights, hidden values, gradients.

Weights are written per node as in the textbook: ``node_0 = [1, 1]`` is the
list of incoming weights of hidden node 0, that is column 0 of ``coefs[0]``.
"""

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPClassifier, MLPRegressor, check_gradients


def by_node(*nodes):
    """Stack per-node incoming weights as the columns of a coefs matrix."""
    return np.column_stack(nodes)


ONE_LAYER = [by_node([1, 1], [-1, 1]), by_node([2, -1])]


def test_example_1_identity_relu_and_tanh():
    net = MLPRegressor.from_weights(ONE_LAYER, activation="identity")
    np.testing.assert_array_equal(net.hidden_activations([[2, 3]])[0], [[5, 1]])
    assert net.predict([[2, 3]])[0] == 9
    assert MLPRegressor.from_weights(ONE_LAYER, activation="relu").predict([[2, 3]])[0] == 9
    tanh = MLPRegressor.from_weights(ONE_LAYER, activation="tanh").predict([[2, 3]])[0]
    assert tanh == pytest.approx(2 * np.tanh(5) - np.tanh(1), abs=1e-15)


def test_example_2_other_inputs():
    net = MLPRegressor.from_weights(ONE_LAYER, activation="identity")
    np.testing.assert_array_equal(net.hidden_activations([[3, 4]])[0], [[7, 1]])
    assert net.predict([[3, 4]])[0] == 13


def test_example_3_retired_age_40():
    weights = [by_node([1, 1], [1, -1]), by_node([1, -1])]
    net = MLPRegressor.from_weights(weights, activation="identity")
    np.testing.assert_array_equal(net.hidden_activations([[40, 0]])[0], [[40, 40]])
    assert net.predict([[40, 0]])[0] == 0
    net = MLPRegressor.from_weights(weights, activation="tanh")
    np.testing.assert_allclose(
        net.hidden_activations([[40, 0]])[0], [[1.0, 1.0]], rtol=0, atol=1e-15
    )
    assert net.predict([[40, 0]])[0] == 0.0


DEEP = [by_node([2, 4], [4, -5]), by_node([-1, 2], [1, 2]), by_node([2, 7])]


def test_example_4_two_hidden_layers():
    net = MLPRegressor.from_weights(DEEP, activation="relu")
    first, second = net.hidden_activations([[3, 5]])
    np.testing.assert_array_equal(first, [[26, 0]])
    np.testing.assert_array_equal(second, [[0, 26]])
    assert net.predict([[3, 5]])[0] == 182
    assert net.n_layers_ == 4 and net.hidden_layer_sizes == (2, 2)


def test_example_5_one_gradient_descent_step_by_hand():
    x, y, eta = np.array([1.0, 2.0]), 1.5, 0.1
    W1 = by_node([0.5, -0.2], [0.1, 0.3])  # hidden node j's weights in column j
    w2 = np.array([0.7, -0.4])
    net = MLPRegressor.from_weights([W1, w2[:, None]], activation="tanh")

    # Forward: h_j = tanh(sum_i x_i W1_ij), y_hat = sum_j h_j w2_j.
    h = np.tanh(x @ W1)
    error = h @ w2 - y
    # SSE cost for one sample: J = 1/2 (y_hat - y)^2. Chain rule:
    # dJ/dw2_j = error * h_j                       dJ/db2 = error
    # dJ/dW1_ij = error * w2_j * (1 - h_j^2) * x_i   dJ/db1_j = error * w2_j * (1 - h_j^2)
    grad_w2 = error * h
    grad_b2 = error
    grad_W1 = np.outer(x, error * w2 * (1 - h**2))
    grad_b1 = error * w2 * (1 - h**2)

    net.set_params(solver="gd", learning_rate_init=eta, momentum=0.0, alpha=0.0)
    net.partial_fit([x], [y])
    np.testing.assert_allclose(net.coefs_[0], W1 - eta * grad_W1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.coefs_[1][:, 0], w2 - eta * grad_w2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.intercepts_[0], -eta * grad_b1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.intercepts_[1], [-eta * grad_b2], rtol=0, atol=1e-12)
    assert net.loss_curve_ == [pytest.approx(0.5 * error**2)]


@pytest.mark.parametrize(
    "weights, X, activation",
    [
        (ONE_LAYER, [[2, 3], [3, 4]], "identity"),
        (ONE_LAYER, [[2, 3], [3, 4]], "relu"),
        (ONE_LAYER, [[2, 3], [3, 4]], "tanh"),
        ([by_node([1, 1], [1, -1]), by_node([1, -1])], [[40, 0], [60, 1]], "identity"),
        ([by_node([1, 1], [1, -1]), by_node([1, -1])], [[40, 0], [60, 1]], "tanh"),
        (DEEP, [[3, 5], [1, 1]], "relu"),
    ],
)
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_check_gradients_on_worked_examples(weights, X, activation, alpha):
    net = MLPRegressor.from_weights(weights, activation=activation).set_params(alpha=alpha)
    assert check_gradients(net, X, [10.0, -3.0]) < 1e-6


def test_check_gradients_detects_a_wrong_gradient(monkeypatch):
    """The checker can fail: break tanh's derivative and it notices."""
    from sknn_scratch import _activations

    broken = _activations.HIDDEN_ACTIVATIONS["tanh"]._replace(
        derivative=lambda A, delta, work: None
    )
    monkeypatch.setitem(_activations.HIDDEN_ACTIVATIONS, "tanh", broken)
    net = MLPRegressor.from_weights(ONE_LAYER, activation="tanh")
    assert check_gradients(net, [[0.2, 0.3]], [1.0]) > 1e-3


def test_check_gradients_on_fitted_classifier_leaves_weights_alone(rng):
    X, y = rng.normal(size=(30, 3)), rng.randint(3, size=30)
    clf = fit_quietly(
        MLPClassifier(
            hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, alpha=0.1, random_state=0
        ),
        X,
        y,
    )
    before = [c.copy() for c in clf.coefs_]
    assert check_gradients(clf, X, y) < 1e-6
    for a, b in zip(before, clf.coefs_):
        np.testing.assert_array_equal(a, b)


def test_classifier_from_weights_predicts_and_trains_further():
    clf = MLPClassifier.from_weights(ONE_LAYER, classes=["no", "yes"], activation="identity")
    # Output logit 9 -> P(yes) = expit(9).
    np.testing.assert_allclose(
        clf.predict_proba([[2, 3]]), [[1 - 1 / (1 + np.exp(-9)), 1 / (1 + np.exp(-9))]]
    )
    assert clf.predict([[2, 3]])[0] == "yes"
    clf.set_params(solver="sgd").partial_fit([[2, 3], [-2, -3]], ["no", "yes"])
    assert clf.n_iter_ == 1
    multi = MLPClassifier.from_weights([np.eye(2), np.ones((2, 3))], classes=[0, 1, 2])
    assert multi.out_activation_ == "softmax"
    np.testing.assert_allclose(multi.predict_proba([[1, 2]]), [[1 / 3] * 3])


def test_from_weights_takes_biases_and_lists():
    net = MLPRegressor.from_weights([[[1.0], [2.0]]], [[0.5]], activation="relu")
    assert net.hidden_activations([[1, 1]]) == []
    assert net.predict([[1, 1]])[0] == 3.5
    poisson = MLPRegressor.from_weights([[[1.0]]], out_activation="exp")
    assert poisson.loss == "poisson" and poisson.predict([[0.0]])[0] == 1.0


@pytest.mark.parametrize(
    "coefs, intercepts, message",
    [
        ([by_node([1, 1], [1, -1]), np.ones((3, 1))], None, "Layer 1: coefs\\[1\\] has 3 rows"),
        ([np.ones((2, 2))], [np.zeros(3)], "Layer 0: intercepts\\[0\\] has shape \\(3,\\)"),
        ([np.ones((2, 2)), np.ones((2, 1))], [np.zeros(2)], "intercepts has 1 layers"),
        ([np.ones(3)], None, "coefs\\[0\\] must be 2-D"),
        ([], None, "non-empty"),
        ([[[1, "a"]]], None, "coefs\\[0\\] must hold real numbers"),
        ([[[1, np.nan]]], None, "coefs\\[0\\] contains NaN"),
    ],
)
def test_from_weights_rejects_inconsistent_shapes(coefs, intercepts, message):
    with pytest.raises(ValueError, match=message):
        MLPRegressor.from_weights(coefs, intercepts)


def test_classifier_from_weights_checks_output_units():
    with pytest.raises(ValueError, match="3 classes need 3"):
        MLPClassifier.from_weights([np.ones((2, 1))], classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="out_activation"):
        MLPRegressor.from_weights([np.ones((2, 1))], out_activation="softmax")
