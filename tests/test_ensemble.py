"""Ensembles trained together (``ensemble_size``, issue 22): each piece
against its formula, the whole against k separate networks."""

import pickle

import numpy as np
import pytest
from helpers import finite_differences
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV

from sknn_scratch import MLPClassifier, MLPRegressor, check_gradients
from sknn_scratch._activations import OUTPUT_ACTIVATIONS
from sknn_scratch._input_layers import Members
from sknn_scratch._layers import Heads, mean_response_raw
from sknn_scratch._losses import LOSSES
from sknn_scratch._protocol import Slot


def _check_layer(layer, A, params, n_out_rows, rng):
    """The layer's backward against finite differences of sum(out * R), for
    its parameters and its input."""

    def slot():
        work = layer.slot_shapes().get("work")
        return Slot(
            out=np.empty((n_out_rows, layer.slot_shapes()["out"])),
            delta_in=np.empty_like(A),
            work=None if work is None else np.full((n_out_rows, work), np.nan),
            ones=np.ones(n_out_rows),
        )

    R = rng.normal(size=(n_out_rows, layer.slot_shapes()["out"]))
    out = layer.forward(A.copy(), params, slot()).copy()
    grads = tuple(np.empty_like(p) for p in params)
    delta_in = layer.backward(A, out, R.copy(), params, grads, slot())

    def J(values):
        *params_, A_ = values
        return float((layer.forward(A_.copy(), tuple(params_), slot()) * R).sum())

    numeric = finite_differences(J, [*params, A])
    for analytic, expected in zip([*grads, delta_in], numeric):
        np.testing.assert_allclose(analytic, expected, rtol=1e-6, atol=1e-8)


def test_members_layer_gradients_by_finite_differences():
    rng = np.random.RandomState(0)
    layer = Members(4, 3, first=False)
    A = rng.normal(size=(5, 4))
    params = (rng.normal(size=(3, 4)),)
    _check_layer(layer, A, params, 15, rng)
    out = layer.forward(A, params, Slot())
    # Row i * k + j is sample i scaled by member j's factors.
    np.testing.assert_allclose(out[2 * 3 + 1], A[2] * params[0][1])


def test_heads_layer_gradients_by_finite_differences():
    rng = np.random.RandomState(1)
    k, fan_in, o = 3, 4, 2
    layer = Heads(fan_in, k * o, k)
    A = rng.normal(size=(5 * k, fan_in))
    params = (rng.normal(size=(fan_in, k * o)), rng.normal(size=k * o))
    _check_layer(layer, A, params, 5 * k, rng)
    out = layer.forward(A, params, Slot())
    # Member j's row goes through columns j*o .. (j+1)*o only.
    row, j = 2 * k + 1, 1
    expected = A[row] @ params[0][:, j * o : (j + 1) * o] + params[1][j * o : (j + 1) * o]
    np.testing.assert_allclose(out[row], expected)


@pytest.mark.parametrize("name", ["identity", "exp", "softmax", "logistic"])
def test_mean_response_raw_answers_the_mean_response(name):
    rng = np.random.RandomState(2)
    k, n, o = 4, 6, 3
    raw = rng.normal(scale=3, size=(n * k, o))
    combined = mean_response_raw(raw, k, name)
    link = OUTPUT_ACTIVATIONS[name]
    members = link(raw.copy()).reshape(n, k, o).mean(axis=1)
    np.testing.assert_allclose(link(combined.copy()), members, rtol=1e-10)


def test_mean_response_raw_stays_finite_at_saturation():
    raw = np.array([[800.0], [-800.0], [900.0], [-900.0]])
    for name in ("logistic", "exp", "softmax"):
        assert np.isfinite(mean_response_raw(raw, 2, name)).all()


@pytest.mark.parametrize("classify", [False, True])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_ensemble_gradients_through_the_whole_network(classify, solver):
    X, y = (make_classification if classify else make_regression)(
        n_samples=40, n_features=5, random_state=0
    )
    Model = MLPClassifier if classify else MLPRegressor
    est = Model(
        hidden_layer_sizes=(6, 5),
        ensemble_size=3,
        solver=solver,
        max_iter=3,
        random_state=0,
        numerical_embedding="periodic",
        feature_scaling=True,
    ).fit(X, y)
    assert check_gradients(est, X, y) < 1e-6


def _members_as_networks(est):
    """Each member of a fitted ensemble as a separate one-network estimator,
    its factors r_j folded into the first layer: (x * r_j) @ W = x @ (r_j W)."""
    k, o = est.ensemble_size, est.n_outputs_
    (r,) = est.input_params_[-1]
    members = []
    for j in range(k):
        coefs = [r[j][:, None] * est.coefs_[0], *est.coefs_[1:-1]]
        coefs.append(est.coefs_[-1][:, j * o : (j + 1) * o])
        intercepts = [*est.intercepts_[:-1], est.intercepts_[-1][j * o : (j + 1) * o]]
        members.append((coefs, intercepts))
    return members


def test_regressor_predicts_the_mean_of_its_members():
    X, y = make_regression(n_samples=200, n_features=6, noise=3, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(8,), ensemble_size=4, max_iter=20, random_state=0).fit(
        X, y
    )
    assert est.coefs_[-1].shape == (8, 4) and est.n_outputs_ == 1
    predictions = [
        MLPRegressor.from_weights(c, b, activation="relu").predict(X)
        for c, b in _members_as_networks(est)
    ]
    np.testing.assert_allclose(est.predict(X), np.mean(predictions, axis=0), rtol=1e-10)
    # The members differ: they start from different factors and heads.
    assert np.std(predictions, axis=0).mean() > 1e-3


def test_classifier_averages_its_members_probabilities():
    X, y = make_classification(
        n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    est = MLPClassifier(hidden_layer_sizes=(8,), ensemble_size=3, max_iter=20, random_state=0)
    est.fit(X, y)
    probabilities = []
    for coefs, intercepts in _members_as_networks(est):
        member = MLPClassifier.from_weights(coefs, intercepts, classes=est.classes_)
        probabilities.append(member.predict_proba(X))
    mean = np.mean(probabilities, axis=0)
    np.testing.assert_allclose(est.predict_proba(X), mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(est.predict(X), est.classes_[mean.argmax(axis=1)])


def test_training_loss_is_the_mean_of_the_members_losses():
    X, y = make_regression(n_samples=60, n_features=4, random_state=1)
    est = MLPRegressor(
        hidden_layer_sizes=(5,), ensemble_size=3, solver="lbfgs", max_iter=5, alpha=0.0
    )
    est.set_params(random_state=0).fit(X, y)
    squared = LOSSES["squared_error"]
    losses = [
        squared.per_sample(
            MLPRegressor.from_weights(c, b, activation="relu").predict(X)[:, None], y[:, None]
        ).mean()
        for c, b in _members_as_networks(est)
    ]
    from sknn_scratch._objective import Objective

    net = est._network(np.float64)
    value = Objective(net).value_and_gradient(X, y[:, None], None, 1 / len(X), 0.0)
    assert value == pytest.approx(np.mean(losses), rel=1e-10)


def test_ensemble_of_one_is_the_plain_network():
    X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    plain = MLPRegressor(hidden_layer_sizes=(6,), max_iter=10, random_state=0).fit(X, y)
    one = MLPRegressor(hidden_layer_sizes=(6,), max_iter=10, random_state=0, ensemble_size=1)
    one.fit(X, y)
    np.testing.assert_array_equal(plain.predict(X), one.predict(X))
    assert not hasattr(one, "input_layers_")


def test_members_cost_less_than_separate_fits_in_steps():
    """Not a timing: one fit of k members makes as many optimizer steps as
    one network, on k times the rows of each batch."""
    X, y = make_regression(n_samples=300, n_features=4, random_state=0)
    one = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    four = clone(one).set_params(ensemble_size=4).fit(X, y)
    assert four.t_ == one.t_


def test_ensemble_persists_clones_and_searches(tmp_path):
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    est = MLPClassifier(hidden_layer_sizes=(6,), ensemble_size=2, max_iter=5, random_state=0)
    est.fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    from sknn_scratch.persistence import dump, load

    dump(est, tmp_path / "m.skops")
    np.testing.assert_array_equal(load(tmp_path / "m.skops").predict_proba(X), est.predict_proba(X))
    assert clone(est).get_params()["ensemble_size"] == 2
    search = GridSearchCV(clone(est), {"ensemble_size": [1, 3]}, cv=2).fit(X, y)
    assert search.best_params_["ensemble_size"] in (1, 3)


def test_ensemble_continues_and_refuses_a_change():
    X, y = make_regression(n_samples=80, n_features=3, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(4,), ensemble_size=3, max_iter=3, random_state=0)
    est.fit(X, y)
    est.partial_fit(X, y)
    assert est.coefs_[-1].shape == (4, 3)
    before = [c.copy() for c in est.coefs_]
    with pytest.raises(ValueError, match="ensemble_size=2 differs from ensemble_size=3"):
        est.set_params(ensemble_size=2).partial_fit(X, y)
    for old, new in zip(before, est.coefs_):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("value", [0, -1, 1.5, "4"])
def test_ensemble_size_checked(value):
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="ensemble_size"):
        MLPRegressor(ensemble_size=value).fit(X, y)


def test_ensemble_with_validation_and_early_stopping():
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    est = MLPClassifier(
        hidden_layer_sizes=(8,),
        ensemble_size=3,
        early_stopping=True,
        max_iter=15,
        n_iter_no_change=50,
        random_state=0,
    ).fit(X, y)
    # The validation score is the ensemble's, from its mean probabilities.
    assert 0.5 < est.best_validation_score_ <= 1.0
    assert len(est.validation_scores_) == est.n_iter_


def test_hidden_activations_refuses_an_ensemble():
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(4,), ensemble_size=2, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="ensemble of 2 members"):
        est.hidden_activations(X)


def test_state_check_sees_a_wrong_ensemble_size():
    from sknn_scratch._state import state_problems

    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(4,), ensemble_size=2, max_iter=2).fit(X, y)
    assert state_problems(est) == []
    est.ensemble_size = 3
    assert any("ensemble_size=3" in p for p in state_problems(est))


def test_ensemble_with_dropout_and_tabular_input():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=200),
            "c": rng.choice(["a", "b", "c"], 200),
        }
    )
    y = df["x"] * 2 + (df["c"] == "a")
    est = MLPRegressor.for_tabular(ensemble_size=4, max_steps=200).fit(df, y)
    assert est.score(df, y) > 0.8
    assert est.input_layers_[-1].kind == "members"


def test_check_gradients_names_every_parameter():
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    est = MLPRegressor(
        hidden_layer_sizes=(4,),
        max_iter=3,
        ensemble_size=2,
        parametric_activation=True,
        numerical_embedding="periodic",
        random_state=0,
    ).fit(X, y)
    comparison = check_gradients(est, X, y, per_parameter=True)
    assert len(comparison.names) == len(comparison.analytic) == est._network(X.dtype).params.size
    assert comparison.names[0] == "coefs_[0][0, 0]"
    assert "input_params_[1][0][1, 0]" in comparison.names  # the members' factors
    assert comparison.names[-1] == "activation_params_[0][3]"
    assert len(comparison.worst(3)) == 3


def test_sparse_input_is_refused_clearly_like_the_other_input_layers():
    import scipy.sparse as sp

    X = sp.csr_matrix(np.random.RandomState(0).normal(size=(30, 4)))
    with pytest.raises(TypeError, match="ensemble_size > 1 read dense columns.*toarray"):
        MLPRegressor(ensemble_size=3, max_iter=2).fit(X, np.arange(30.0))


@pytest.mark.parametrize("classify", [False, True])
def test_folded_prediction_matches_the_layers_run_one_by_one(classify):
    # predict_raw folds the scale and the members' factors into the first
    # dense layer; running each layer as it is gives the same raw output.
    from sknn_scratch._network import _prediction_slot, _run

    rng = np.random.RandomState(3)
    X = rng.normal(size=(300, 5))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2])
    kind = MLPClassifier if classify else MLPRegressor
    est = kind(
        hidden_layer_sizes=(8, 6),
        ensemble_size=3,
        feature_scaling=True,
        piecewise_linear_bins=4,
        max_iter=30,
        random_state=0,
    ).fit(X, y > 0 if classify else y)
    net = est.network_
    assert [layer.kind for layer in net.input_layers][-2:] == ["scale", "members"]
    assert np.ptp(net.input_params[-2][0]) > 0  # the scales have moved from 1
    A = net.through_inputs(X)
    layers, params = net._dense_stack()
    raw = _run(layers, params, [_prediction_slot(la, len(A), A.dtype) for la in layers], A)[-1]
    expected = mean_response_raw(raw, 3, est.out_activation_)
    got = net.predict_raw(X, est.out_activation_, block_bytes=2**12)  # several blocks
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
