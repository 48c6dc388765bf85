"""Pieces for tabular data (issue 12): initialisers, losses, class weights."""

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch._initializers import INITIALIZERS, initialize

# ------------------------------------------------------------ initialisers

DEFINITIONS = {
    "glorot_normal": lambda rng, i, o: rng.normal(0, np.sqrt(2 / (i + o)), (i, o)),
    "he_uniform": lambda rng, i, o: rng.uniform(-np.sqrt(6 / i), np.sqrt(6 / i), (i, o)),
    "he_normal": lambda rng, i, o: rng.normal(0, np.sqrt(2 / i), (i, o)),
    "lecun_normal": lambda rng, i, o: rng.normal(0, np.sqrt(1 / i), (i, o)),
    "uniform": lambda rng, i, o: rng.uniform(-0.05, 0.05, (i, o)),
}


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_initialisers_draw_their_definitions(name):
    coef, intercept = initialize(name, 30, 20, np.random.RandomState(0), np.float64, "relu")
    np.testing.assert_array_equal(coef, DEFINITIONS[name](np.random.RandomState(0), 30, 20))
    np.testing.assert_array_equal(intercept, np.zeros(20))


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_initialisers_have_the_documented_spread(name):
    coef, _ = initialize(name, 400, 300, np.random.RandomState(1), np.float64, "relu")
    expected_variance = {
        "glorot_normal": 2 / 700,
        "he_uniform": 6 / 400 / 3,  # U(-b, b) has variance b^2 / 3
        "he_normal": 2 / 400,
        "lecun_normal": 1 / 400,
        "uniform": 0.05**2 / 3,
    }[name]
    assert coef.var() == pytest.approx(expected_variance, rel=0.02)


def test_keras_uniform_range_in_a_fitted_network(rng):
    X, y = rng.normal(size=(50, 8)), rng.randint(2, size=50)
    clf = MLPClassifier(
        hidden_layer_sizes=(12, 8),
        init="uniform",
        solver="sgd",
        learning_rate_init=1e-12,
        max_iter=1,
        random_state=0,
    )
    fit_quietly(clf, X, y)
    assert all(np.abs(c).max() <= 0.05 + 1e-9 for c in clf.coefs_)


def test_default_init_is_scikit_learns(rng):
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor

    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    ours = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(4,),
            solver="sgd",
            learning_rate_init=1e-300,
            max_iter=1,
            random_state=3,
        ),
        X,
        y,
    )
    theirs = fit_quietly(
        SkMLPRegressor(
            hidden_layer_sizes=(4,),
            solver="sgd",
            learning_rate_init=1e-300,
            max_iter=1,
            random_state=3,
        ),
        X,
        y,
    )
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_every_initialiser_trains(rng):
    X = rng.normal(size=(200, 4))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    for name in INITIALIZERS:
        est = fit_quietly(
            MLPRegressor(
                hidden_layer_sizes=(32,),
                init=name,
                learning_rate_init=0.01,
                max_iter=200,
                random_state=0,
            ),
            X,
            y,
        )
        assert est.score(X, y) > 0.9, name


# --------------------------------------------------------- robust losses


@pytest.mark.parametrize("q", [0.5, 0.2, 0.9])
def test_quantile_loss_converges_to_the_quantile(q, rng):
    # A constant input: the best prediction is the q-quantile of y.
    y = rng.exponential(size=2000)  # skewed: median and mean differ by 0.3
    X = np.zeros((2000, 1))
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(),
            loss="quantile",
            quantile=q,
            solver="sgd",
            learning_rate="invscaling",
            power_t=0.3,
            learning_rate_init=0.05,
            max_iter=300,
            tol=0,
            random_state=0,
        ),
        X,
        y,
    )
    assert est.predict(X[:1])[0] == pytest.approx(np.quantile(y, q), abs=0.02)


def test_absolute_error_predicts_the_median_and_squared_error_the_mean(rng):
    y = rng.exponential(size=2000)
    X = np.zeros((2000, 1))
    params = dict(
        hidden_layer_sizes=(),
        solver="sgd",
        learning_rate="invscaling",
        power_t=0.3,
        learning_rate_init=0.05,
        max_iter=300,
        tol=0,
        random_state=0,
    )
    median = fit_quietly(MLPRegressor(loss="absolute_error", **params), X, y).predict(X[:1])[0]
    mean = fit_quietly(MLPRegressor(**params), X, y).predict(X[:1])[0]
    assert median == pytest.approx(np.median(y), abs=0.02)
    assert mean == pytest.approx(y.mean(), abs=0.02)


def test_huber_resists_outliers(rng):
    X = rng.normal(size=(400, 1))
    y = 2 * X[:, 0]
    y[:20] += 100  # 5% gross outliers
    params = dict(hidden_layer_sizes=(), solver="lbfgs", max_iter=500, random_state=0)
    huber = fit_quietly(MLPRegressor(loss="huber", huber_delta=1.0, **params), X, y)
    squared = fit_quietly(MLPRegressor(**params), X, y)
    assert abs(huber.coefs_[0][0, 0] - 2) < 0.2
    # The outliers pull the squared-error intercept up by about 5 (100 x 5%).
    assert abs(huber.intercepts_[0][0]) < 0.5 < abs(squared.intercepts_[0][0])


def test_quantile_loss_needs_its_quantile(rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match="loss='quantile' needs the quantile"):
        MLPRegressor(loss="quantile").fit(X, y)


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


# ----------------------------------------------------------------- dropout


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "gelu", "identity"])
def test_backprop_through_dropout_masks_matches_finite_differences(activation, rng):
    from sknn_scratch._network import Network
    from sknn_scratch._objective import Objective
    from sknn_scratch._training import dropout_masks

    X, Y = rng.normal(size=(40, 4)), rng.normal(size=(40, 2))
    coefs = [rng.normal(size=(4, 6)), rng.normal(size=(6, 5)), rng.normal(size=(5, 2))]
    intercepts = [rng.normal(size=6), rng.normal(size=5), rng.normal(size=2)]
    net = Network.of_lists(coefs, intercepts, activation)
    net = net.for_training("squared_error", np.float64)
    objective = Objective(net)
    masks = dropout_masks(rng, 40, [6, 5], [0.3, 0.5], np.float64)
    objective.value_and_gradient(X, Y, None, 1 / 40, 0.1, masks)
    analytic = net.grads.copy()
    numeric = np.empty_like(analytic)
    for j in range(net.params.size):
        saved = net.params[j]
        net.params[j] = saved + 1e-6
        up = objective.value_and_gradient(X, Y, None, 1 / 40, 0.1, masks)
        net.params[j] = saved - 1e-6
        down = objective.value_and_gradient(X, Y, None, 1 / 40, 0.1, masks)
        net.params[j] = saved
        numeric[j] = (up - down) / 2e-6
    assert np.abs(analytic - numeric).max() / np.abs(numeric).max() < 1e-7


def test_dropout_keeps_the_expected_activation(rng):
    from sknn_scratch._training import dropout_masks

    masks = dropout_masks(rng, 20000, [50], [0.3], np.float64)[0]
    kept = round(0.7 * 65536) / 65536  # the keep probability, in 16-bit steps
    assert kept == pytest.approx(0.7, abs=1e-5)
    assert set(np.unique(masks)) == {0.0, 1 / kept}
    assert masks.mean() == pytest.approx(1.0, abs=0.01)  # E[A M] = A
    assert (masks == 0).mean() == pytest.approx(0.3, abs=0.01)


def test_dropout_is_reproducible_and_predict_is_deterministic(rng):
    X = rng.normal(size=(200, 3))
    y = X[:, 0] * X[:, 1]
    params = dict(hidden_layer_sizes=(32, 32), dropout=(0.1, 0.3), max_iter=20, random_state=0)
    first = fit_quietly(MLPRegressor(**params), X, y)
    second = fit_quietly(MLPRegressor(**params), X, y)
    plain = fit_quietly(MLPRegressor(**{**params, "dropout": 0.0}), X, y)
    np.testing.assert_array_equal(first.coefs_[0], second.coefs_[0])
    assert not np.array_equal(first.coefs_[0], plain.coefs_[0])
    np.testing.assert_array_equal(first.predict(X), first.predict(X))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(solver="lbfgs", dropout=0.1), "dropout needs a stochastic solver"),
        (dict(hidden_layer_sizes=(4,), dropout=(0.1, 0.2)), "one per hidden layer"),
        (dict(dropout=(1.0,)), "each in"),
        (dict(dropout=1.0), "dropout"),
    ],
)
def test_bad_dropout_is_a_clear_error(params, match, rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match=match):
        MLPRegressor(**params).fit(X, y)


# ------------------------------------------- elastic net and weight decay


def test_adamw_step_by_hand(rng):
    from sknn_scratch._optimizers import Adam, Groups
    from sknn_scratch._schedules import Schedule

    params, grads = rng.normal(size=6), rng.normal(size=6)
    eta, wd, b1, b2, eps = 0.01, 0.1, 0.9, 0.999, 1e-8
    schedule = Schedule("constant", eta, 0.5, 10, 0)
    opt = Adam(6, np.float64, schedule, b1, b2, eps, wd, Groups.default(4))
    p = params.copy()
    opt.update(p, grads)
    decayed = params.copy()
    decayed[:4] *= 1 - eta * wd  # weights only: the last two are biases
    step = (
        eta * np.sqrt(1 - b2) / (1 - b1) * (1 - b1) * grads / (np.sqrt((1 - b2) * grads**2) + eps)
    )
    np.testing.assert_allclose(p, decayed - step, rtol=1e-12)


def test_default_adam_has_no_decay(rng):
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    est = fit_quietly(MLPRegressor(max_iter=3, random_state=0), X, y)
    assert est._optimizer.weight_decay == 0.0


def test_weight_decay_shrinks_weights(rng):
    X = rng.normal(size=(200, 3))
    y = X[:, 0] * X[:, 1]
    params = dict(hidden_layer_sizes=(32,), max_iter=100, learning_rate_init=0.01, random_state=0)
    plain = fit_quietly(MLPRegressor(**params), X, y)
    decayed = fit_quietly(MLPRegressor(weight_decay=1.0, **params), X, y)
    norm = lambda est: sum(float((c**2).sum()) for c in est.coefs_)  # noqa: E731
    assert norm(decayed) < 0.8 * norm(plain)


@pytest.mark.parametrize("solver", ["sgd", "adam", "gd"])
def test_l1_drives_weights_towards_zero(solver, rng):
    X = rng.normal(size=(300, 10))
    y = X[:, 0] - 2 * X[:, 1]  # eight useless features
    params = dict(
        hidden_layer_sizes=(),
        solver=solver,
        alpha=30.0,
        max_iter=300,
        learning_rate_init=0.01,
        random_state=0,
    )
    l1 = fit_quietly(MLPRegressor(l1_ratio=1.0, **params), X, y).coefs_[0].ravel()
    l2 = fit_quietly(MLPRegressor(**params), X, y).coefs_[0].ravel()
    # Sub-gradient steps leave the useless weights hovering near 0, far
    # smaller than L2 leaves them, and keep the useful ones.
    assert np.abs(l1[2:]).max() < 0.05 < np.abs(l1[:2]).min()
    assert np.abs(l1[2:]).mean() < np.abs(l2[2:]).mean() or np.abs(l2[2:]).mean() < 0.01


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(solver="lbfgs", l1_ratio=0.5), "l1_ratio > 0 needs a stochastic solver"),
        (dict(solver="sgd", weight_decay=0.1), "weight_decay is AdamW's"),
        (dict(l1_ratio=1.5), "l1_ratio"),
    ],
)
def test_penalty_refusals(params, match, rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match=match):
        MLPRegressor(**params).fit(X, y)


# ------------------------------------------- one activation per hidden layer


def test_activation_per_layer_forward_and_gradients(rng):
    from scipy.special import erf

    from sknn_scratch import check_gradients

    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(5, 4), activation=["tanh", "gelu"], max_iter=3, random_state=0
        ),
        X,
        y,
    )
    A1 = np.tanh(X @ est.coefs_[0] + est.intercepts_[0])
    Z2 = A1 @ est.coefs_[1] + est.intercepts_[1]
    A2 = Z2 * 0.5 * (1 + erf(Z2 / np.sqrt(2)))
    np.testing.assert_allclose(
        est.predict(X), (A2 @ est.coefs_[2] + est.intercepts_[2]).ravel(), rtol=1e-12
    )
    np.testing.assert_allclose(est.hidden_activations(X)[1], A2, rtol=1e-12)
    assert check_gradients(est, X, y) < 1e-7


@pytest.mark.parametrize("activation", [["relu"], ["relu", "swish"], ("relu", "tanh", "elu")])
def test_bad_activation_sequences(activation, rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLPRegressor(hidden_layer_sizes=(4, 3), activation=activation).fit(X, y)


def test_changing_one_layers_activation_then_continuing_is_refused(rng):
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(4, 3),
            activation=["relu", "tanh"],
            solver="sgd",
            max_iter=2,
            random_state=0,
        ),
        X,
        y,
    )
    est.set_params(activation=["relu", "elu"])
    with pytest.raises(ValueError, match="Cannot continue training: activation="):
        est.partial_fit(X, y)
    est.set_params(activation=("relu", "tanh")).partial_fit(X, y)  # the same, as a tuple


def test_new_parameters_survive_skops(rng, tmp_path):
    from sknn_scratch import persistence

    X, y = rng.normal(size=(60, 3)), rng.randint(3, size=60)
    clf = fit_quietly(
        MLPClassifier(
            hidden_layer_sizes=(5, 4),
            activation=["silu", "elu"],
            init="he_normal",
            dropout=(0.1, 0.2),
            l1_ratio=0.3,
            weight_decay=0.01,
            learning_rate="cosine",
            warmup_epochs=2,
            class_weight="balanced",
            label_smoothing=0.1,
            max_grad_norm=5.0,
            max_iter=5,
            random_state=0,
        ),
        X,
        y,
    )
    persistence.dump(clf, tmp_path / "clf.skops")
    loaded = persistence.load(tmp_path / "clf.skops")
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


# ---------------------------------------------- the recommended configuration


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_for_tabular_is_an_ordinary_estimator(Estimator):
    from sklearn.base import clone

    est = Estimator.for_tabular(random_state=3, dropout=0.2)
    params = est.get_params()
    for name, value in Estimator._TABULAR.items():
        assert params[name] == (0.2 if name == "dropout" else value), name
    assert params["random_state"] == 3
    assert clone(est).get_params() == params
    assert type(est) is Estimator
    if Estimator is MLPClassifier:
        assert params["label_smoothing"] == 0.1
    # Every default it does not set stays scikit-learn's.
    default = Estimator().get_params()
    untouched = set(params) - set(Estimator._TABULAR) - {"random_state"}
    assert all(params[name] == default[name] for name in untouched)


def test_for_tabular_fits_and_predicts(rng):
    X = rng.normal(size=(300, 5))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    reg = fit_quietly(MLPRegressor.for_tabular(random_state=0), X, y)
    assert reg.n_iter_ == 60 and reg.score(X, y) > 0.9
    labels = (y > 0).astype(int)
    clf = fit_quietly(MLPClassifier.for_tabular(random_state=0), X, labels)
    assert clf.score(X, labels) > 0.9


def test_for_tabular_refuses_unknown_overrides():
    with pytest.raises(TypeError, match="unexpected keyword argument 'dropuot'"):
        MLPRegressor.for_tabular(dropuot=0.3)


# ----------------------------------------------------- parameter groups


def _net_and_slices(rng):
    from sknn_scratch._network import Network

    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 1))]
    intercepts = [rng.normal(size=4), rng.normal(size=1)]
    net = Network.of_lists(coefs, intercepts, "relu").for_training("squared_error", np.float64)
    return net, net.parameter_slices


def test_parameter_slices_cover_the_flat_vector_in_pack_order(rng):
    net, slices = _net_and_slices(rng)
    assert [(layer, group) for layer, group, _ in slices] == [
        (0, "weights"),
        (3, "weights"),
        (0, "biases"),
        (3, "biases"),
    ]
    covered = np.zeros(net.params.size, dtype=int)
    for _, _, part in slices:
        covered[part] += 1
    assert (covered == 1).all()
    np.testing.assert_array_equal(net.params[slices[1][2]], net.coefs[1].ravel())
    np.testing.assert_array_equal(net.params[slices[2][2]], net.intercepts[0])


def test_default_groups_are_todays_optimizer(rng):
    from sknn_scratch._optimizers import Adam, Groups, GroupSettings, parameter_groups
    from sknn_scratch._schedules import Schedule

    net, slices = _net_and_slices(rng)
    n = net.params.size
    defaults = parameter_groups(slices, {}, n)
    assert defaults.rate_scale is None
    parts = [slice(start, stop) for start, stop, _ in defaults.decayed]
    assert parts == [slices[0][2], slices[1][2]]
    same = parameter_groups(slices, {(None, None): GroupSettings()}, n)
    grads = rng.normal(size=n)
    steps = []
    for groups in (Groups.default(net.weights.size), defaults, same):
        opt = Adam(
            n, np.float64, Schedule("constant", 0.01, 0.5, 10, 0), 0.9, 0.999, 1e-8, 0.1, groups
        )
        params = net.params.copy()
        opt.update(params, grads)
        steps.append(params)
    np.testing.assert_array_equal(steps[0], steps[1])
    np.testing.assert_array_equal(steps[0], steps[2])


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_group_rate_multipliers_scale_each_groups_step(kind, rng):
    from sknn_scratch._optimizers import SGD, Adam, GroupSettings, parameter_groups
    from sknn_scratch._schedules import Schedule

    net, slices = _net_and_slices(rng)
    n = net.params.size
    settings = {(None, "biases"): GroupSettings(rate=0.5), (3, "weights"): GroupSettings(rate=0.0)}
    groups = parameter_groups(slices, settings, n)
    grads = rng.normal(size=n)

    def step(groups):
        schedule = Schedule("constant", 0.01, 0.5, 10, 0)
        if kind == "adam":
            opt = Adam(n, np.float64, schedule, 0.9, 0.999, 1e-8, 0.0, groups)
        else:
            opt = SGD(n, np.float64, schedule, 0.9, True, groups)
        params = net.params.copy()
        opt.update(params, grads)
        return params - net.params

    plain, grouped = step(None), step(groups)
    weights0, weights1, biases0, biases1 = (part for _, _, part in slices)
    np.testing.assert_allclose(grouped[weights0], plain[weights0], rtol=1e-12)
    assert not grouped[weights1].any()  # a multiplier of 0 freezes the group
    for part in (biases0, biases1):
        np.testing.assert_allclose(grouped[part], 0.5 * plain[part], rtol=1e-12)


def test_group_decay_follows_the_settings(rng):
    from sknn_scratch._optimizers import Adam, GroupSettings, parameter_groups
    from sknn_scratch._schedules import Schedule

    net, slices = _net_and_slices(rng)
    n, eta, wd = net.params.size, 0.01, 0.1
    settings = {(0, "weights"): GroupSettings(decay=False), (3, "biases"): GroupSettings(2.0, True)}
    groups = parameter_groups(slices, settings, n)
    opt = Adam(n, np.float64, Schedule("constant", eta, 0.5, 10, 0), 0.9, 0.999, 1e-8, wd, groups)
    params = net.params.copy()
    opt.update(params, np.zeros(n))  # no gradient: the step is the decay alone
    weights0, weights1, biases0, biases1 = (part for _, _, part in slices)
    np.testing.assert_array_equal(params[weights0], net.params[weights0])
    np.testing.assert_allclose(params[weights1], net.params[weights1] * (1 - eta * wd))
    np.testing.assert_array_equal(params[biases0], net.params[biases0])
    np.testing.assert_allclose(params[biases1], net.params[biases1] * (1 - 2 * eta * wd))
