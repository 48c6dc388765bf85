"""Pictures that teach (issue 20): the drawings are checked by what they
contain (nodes, edges, the numbers written, colours), not by pixels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from helpers import fit_quietly  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from sknn_scratch import MLPClassifier, MLPRegressor, check_gradients  # noqa: E402
from sknn_scratch._activations import HIDDEN_ACTIVATIONS  # noqa: E402
from sknn_scratch.plot import (  # noqa: E402
    NEGATIVE,
    POSITIVE,
    activation_and_slope,
    overlapping_labels,
    plot_activations,
    plot_network,
    plot_training,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _net(coefs, activation):
    return MLPRegressor.from_weights([np.column_stack(c) for c in coefs], activation=activation)


# The networks of docs/worked_examples.md: (weights per node, activation,
# input row, hidden values per layer (sums, values), prediction).
WORKED = {
    "multiply-add": (
        [[[1, 1], [-1, 1]], [[2, -1]]],
        "identity",
        [2, 3],
        [([5, 1], [5, 1])],
        9,
    ),
    "bank customer": (
        [[[1, 1], [1, -1]], [[1, -1]]],
        "identity",
        [40, 0],
        [([40, 40], [40, 40])],
        0,
    ),
    "deeper": (
        [[[2, 4], [4, -5]], [[-1, 2], [1, 2]], [[2, 7]]],
        "relu",
        [3, 5],
        [([26, -13], [26, 0]), ([-26, 26], [0, 26])],
        182,
    ),
}


@pytest.mark.parametrize("name", WORKED)
def test_every_worked_example_is_drawn_with_its_weights_and_values(name):
    coefs, activation, x, hidden, prediction = WORKED[name]
    net = _net(coefs, activation)
    display = plot_network(net, x)
    units = [2] + [len(layer) for layer in coefs]
    assert not display.summary_
    assert len(display.nodes_) == sum(units)
    assert len(display.edges_) == sum(a * b for a, b in zip(units[:-1], units[1:]))
    # Every weight written on its edge, in the edge's colour.
    for layer, coef in enumerate(net.coefs_):
        for (i, j), weight in np.ndenumerate(coef):
            text = display.weight_texts_[layer, i, j]
            assert float(text.get_text()) == weight
            colour = NEGATIVE if weight < 0 else POSITIVE
            assert mcolors.same_color(display.edges_[layer, i, j].get_color(), colour)
            assert mcolors.same_color(text.get_color(), colour)
    # Inputs, hidden sums and values, and the prediction in the nodes.
    assert [display.node_texts_[0, k].get_text() for k in range(2)] == [str(v) for v in x]
    for layer, (sums, values) in enumerate(hidden, start=1):
        for unit, (z, a) in enumerate(zip(sums, values)):
            shown = display.node_texts_[layer, unit].get_text()
            assert shown == (f"{z}" if z == a else f"{z}\n→ {a}")
    assert display.node_texts_[len(units) - 1, 0].get_text() == str(prediction)


def test_thicker_edges_for_larger_weights_and_the_sign_by_colour():
    display = plot_network(_net(*WORKED["deeper"][:2]))
    widths = {key: line.get_linewidth() for key, line in display.edges_.items()}
    assert widths[2, 1, 0] > widths[1, 0, 0]  # |7| against |-1|
    assert mcolors.same_color(display.edges_[0, 1, 1].get_color(), NEGATIVE)  # -5
    # Without a row, the nodes are empty and no value is invented.
    assert all(text.get_text() == "" for text in display.node_texts_.values())


def test_gradient_descent_step_before_and_after():
    net = _net(*WORKED["multiply-add"][:2])
    before = plot_network(net, [2, 3])
    net.set_params(solver="gd", momentum=0, alpha=0, learning_rate_init=0.001)
    net.partial_fit([[2, 3]], [1.0])
    after = plot_network(net, [2, 3])
    assert before.weight_texts_[0, 0, 0].get_text() == "1"
    assert after.weight_texts_[0, 0, 0].get_text() == "0.968"


def test_a_fitted_64_64_network_is_drawn_as_a_summary():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    reg = fit_quietly(
        MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=5, random_state=0), X, X.sum(axis=1)
    )
    display = plot_network(reg, X[0])
    assert display.summary_
    assert len(display.nodes_) == 4 and len(display.edges_) == 3
    labels = [text.get_text() for text in display.node_texts_.values()]
    assert labels[1].startswith("64 units\nrelu\n") and labels[3].startswith("1 unit\nidentity")
    active = int(np.count_nonzero(reg.hidden_activations(X[:1])[0]))
    assert labels[1].endswith(f"{active} active")
    assert "max_units=12" in display.ax_.get_title()
    # Asked to, it draws every node and edge (without numbers, by default).
    full = plot_network(reg, max_units=64)
    assert len(full.edges_) == 5 * 64 + 64 * 64 + 64 and not full.weight_texts_


def test_a_classifier_shows_its_class_probabilities():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    y = np.array(["a", "b", "c"])[np.arange(90) % 3]
    clf = fit_quietly(MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0), X, y)
    display = plot_network(clf, X[0], digits=4)
    proba = clf.predict_proba(X[:1])[0]
    for k in range(3):
        shown = display.node_texts_[2, k].get_text().split("→ ")[-1]
        assert float(shown) == pytest.approx(proba[k], rel=1e-3)
    names = [t.get_text() for t in display.ax_.texts]
    assert {"P(a)", "P(b)", "P(c)"} <= set(names)
    binary = fit_quietly(
        MLPClassifier(hidden_layer_sizes=(2,), max_iter=20, random_state=0), X, y == "a"
    )
    shown = plot_network(binary, X[0], digits=4).node_texts_[2, 0].get_text().split("→ ")[-1]
    assert float(shown) == pytest.approx(binary.predict_proba(X[:1])[0, 1], rel=1e-3)


def test_biases_and_feature_names_are_written():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"age": [40.0, 20.0], "retired": [0.0, 1.0]})
    net = fit_quietly(MLPRegressor(hidden_layer_sizes=(2,), max_iter=3, random_state=0), X, [1, 2])
    texts = [t.get_text() for t in plot_network(net).ax_.texts]
    assert "age" in texts and "retired" in texts
    assert sum(t.startswith("b=") for t in texts) == 3


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(x=[[1, 2], [3, 4]]), ValueError, "one input row"),
        (dict(x=[1, 2, 3]), ValueError, "features"),
        (dict(max_units=0), ValueError, "max_units"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_network(_net(*WORKED["multiply-add"][:2]), **kwargs)


def test_an_unfitted_estimator_cannot_be_drawn():
    with pytest.raises(NotFittedError):
        plot_network(MLPRegressor())


def test_draws_on_a_given_axes():
    _, ax = plt.subplots()
    assert plot_network(_net(*WORKED["deeper"][:2]), ax=ax).ax_ is ax


# ------------------------------------------------------------------ activations


def test_every_activation_is_drawn_from_the_registry():
    display = plot_activations()
    assert list(display.curves_) == list(HIDDEN_ACTIVATIONS)
    for name, (z, f, slope) in display.curves_.items():
        line_f, line_slope = display.axes_[name].get_lines()[:2]
        np.testing.assert_array_equal(line_f.get_xdata(), z)
        np.testing.assert_array_equal(line_f.get_ydata(), f)
        np.testing.assert_array_equal(line_slope.get_ydata(), slope)


@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
def test_the_drawn_derivative_is_the_slope_of_the_drawn_function(name):
    z = np.linspace(-3, 3, 61)
    z = z[np.abs(z) > 1e-3]  # relu and leaky_relu have a kink at 0
    f, slope = activation_and_slope(name, z)
    h = 1e-6
    numeric = (activation_and_slope(name, z + h)[0] - activation_and_slope(name, z - h)[0]) / (
        2 * h
    )
    np.testing.assert_allclose(slope, numeric, rtol=1e-5, atol=1e-6)


def test_unknown_activation_names_are_refused():
    with pytest.raises(ValueError, match="Unknown activation"):
        plot_activations(["relu", "swish"])


# --------------------------------------------------------------------- training


def test_training_curves_with_validation_and_the_best_epoch():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = X.sum(axis=1)
    est = fit_quietly(
        MLPRegressor(hidden_layer_sizes=(8,), early_stopping=True, max_iter=60, random_state=0),
        X,
        y,
    )
    display = plot_training(est)
    np.testing.assert_array_equal(display.lines_["loss_curve_"].get_ydata(), est.loss_curve_)
    np.testing.assert_array_equal(
        display.lines_["validation_scores_"].get_ydata(), est.validation_scores_
    )
    assert display.lines_["best_epoch_"].get_xdata()[0] == est.best_epoch_
    assert f"{est.learning_rate_:.3g}" in display.ax_.get_title()
    plain = plot_training(fit_quietly(MLPRegressor(hidden_layer_sizes=(4,), max_iter=5), X, y))
    assert list(plain.lines_) == ["loss_curve_"] and plain.score_ax_ is None


def test_the_averaged_epochs_are_marked_on_the_validation_objective():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    est = MLPRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        learning_rate="coslog4",
        max_iter=20,
        average_epochs=3,
        random_state=0,
    )
    est = fit_quietly(est, X, X.sum(axis=1))
    display = plot_training(est)
    points = display.lines_["averaged_epochs_"]
    assert list(points.get_xdata()) == est.averaged_epochs_
    np.testing.assert_array_equal(
        points.get_ydata(), [est.validation_loss_curve_[e - 1] for e in est.averaged_epochs_]
    )
    # The best epoch's line no longer says its weights are the ones kept.
    assert "kept" not in display.lines_["best_epoch_"].get_label()
    assert "kept" in points.get_label()
    assert not overlapping_labels(display.figure_)


def test_an_untrained_network_has_no_curve():
    with pytest.raises(ValueError, match="never trained"):
        plot_training(_net(*WORKED["deeper"][:2]))


# ---------------------------------------------------------------- teaching API


def test_pre_activation_values_layer_by_layer():
    net = _net(*WORKED["deeper"][:2])
    sums, values = net.hidden_activations([[3, 5], [1, 1]], pre_activation=True)
    np.testing.assert_array_equal(sums[0], [[26, -13], [6, -1]])
    np.testing.assert_array_equal(values[1], net.hidden_activations([[3, 5], [1, 1]])[1])


def test_per_parameter_gradients_point_at_a_broken_backward_pass(monkeypatch):
    from sknn_scratch import _activations

    net = _net(*WORKED["deeper"][:2])
    X, y = [[3, 5], [1, 2]], [100.0, 2.0]
    fine = check_gradients(net, X, y, per_parameter=True)
    assert fine.max_relative_error < 1e-6 and len(fine.names) == 4 + 4 + 2 + 2 + 2 + 1

    def broken(A, delta, work):  # forgets to zero the gradient of inactive units
        pass

    monkeypatch.setitem(
        _activations.HIDDEN_ACTIVATIONS,
        "relu",
        _activations.HIDDEN_ACTIVATIONS["relu"]._replace(derivative=broken),
    )
    wrong = check_gradients(net, X, y, per_parameter=True)
    assert wrong.max_relative_error > 1e-3
    # Only weights into units that relu switched off can be wrong.
    assert all(
        name.startswith(("coefs_[0]", "coefs_[1]", "intercepts_[0]", "intercepts_[1]"))
        for name in wrong.worst(3)
    )
    assert "parameter" in repr(wrong).splitlines()[0]
