"""The maths against references: scikit-learn's forward pass, optimizer steps
written out by hand, and linear models at hidden_layer_sizes=()."""

import pickle

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn import neural_network as sk
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch._optimizers import SGD, Adam
from sknn_scratch._schedules import Schedule


def _copy_weights(source, target):
    for mine, theirs in zip(target.coefs_ + target.intercepts_, source.coefs_ + source.intercepts_):
        mine[...] = theirs


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize(
    "target", ["regression", "multi-output", "poisson", "binary", "multiclass", "multilabel"]
)
def test_forward_pass_matches_sklearn_with_copied_weights(activation, target, rng):
    X = rng.normal(size=(50, 6))
    params = dict(hidden_layer_sizes=(7, 5), activation=activation, max_iter=20, random_state=0)
    if target in ("regression", "multi-output", "poisson"):
        y = {
            "regression": rng.normal(size=50),
            "multi-output": rng.normal(size=(50, 2)),
            "poisson": rng.poisson(3, size=50).astype(float),
        }[target]
        if target == "poisson":
            params["loss"] = "poisson"
        theirs = fit_quietly(sk.MLPRegressor(**params), X, y)
        ours = fit_quietly(MLPRegressor(**params), X, y)
        methods = ["predict"]
    else:
        y = {
            "binary": rng.choice(["no", "yes"], size=50),
            "multiclass": rng.randint(4, size=50),
            "multilabel": rng.randint(2, size=(50, 3)),
        }[target]
        theirs = fit_quietly(sk.MLPClassifier(**params), X, y)
        ours = fit_quietly(MLPClassifier(**params), X, y)
        methods = ["predict", "predict_proba", "predict_log_proba"]
    assert ours.out_activation_ == theirs.out_activation_
    _copy_weights(theirs, ours)
    X_new = rng.normal(size=(40, 6))
    for method in methods:
        expected = getattr(theirs, method)(X_new)
        got = getattr(ours, method)(X_new)
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
        else:
            np.testing.assert_array_equal(got, expected)


def _constant(eta):
    return Schedule("constant", eta, 0.5, 200, 0)


def test_sgd_step_by_hand(rng):
    params = rng.normal(size=6)
    grads1, grads2 = rng.normal(size=6), rng.normal(size=6)
    eta, mu = 0.1, 0.9
    for nesterov in (False, True):
        p = params.copy()
        opt = SGD(6, np.float64, _constant(eta), mu, nesterov)
        opt.update(p, grads1)
        opt.update(p, grads2)
        v1 = -eta * grads1
        v2 = mu * v1 - eta * grads2
        if nesterov:
            expected = params + (mu * v1 - eta * grads1) + (mu * v2 - eta * grads2)
        else:
            expected = params + v1 + v2
        np.testing.assert_allclose(p, expected, rtol=0, atol=1e-15)


def test_sgd_without_momentum_is_textbook_step(rng):
    params, grads = rng.normal(size=5), rng.normal(size=5)
    p = params.copy()
    SGD(5, np.float64, _constant(0.3), 0.0, True).update(p, grads)
    np.testing.assert_allclose(p, params - 0.3 * grads, rtol=0, atol=1e-15)


def test_learning_rate_schedules():
    opt = SGD(1, np.float64, Schedule("invscaling", 0.1, 0.5, 200, 0), 0.9, True)
    opt.iteration_ends(99)
    assert opt.rate == pytest.approx(0.1 / 100**0.5)
    opt = SGD(1, np.float64, Schedule("adaptive", 0.1, 0.5, 200, 0), 0.9, True)
    assert opt.trigger_stopping("", False) is False
    assert opt.rate == pytest.approx(0.02)
    assert SGD(1, np.float64, _constant(0.1), 0.9, True).trigger_stopping("", False)


def test_adam_steps_by_hand(rng):
    params = rng.normal(size=4)
    grads = [rng.normal(size=4) for _ in range(3)]
    eta, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = params.copy()
    opt = Adam(4, np.float64, _constant(eta), b1, b2, eps)
    m = v = np.zeros(4)
    expected = params.copy()
    for t, g in enumerate(grads, start=1):
        opt.update(p, g)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        # The same step as Kingma and Ba's, with epsilon scaled by sqrt(1 - b2^t).
        expected -= eta * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
        np.testing.assert_allclose(p, expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_optimizer_copies_are_independent_and_reuse_arrays_when_asked(kind, rng):
    def make():
        if kind == "adam":
            return Adam(5, np.float64, _constant(0.01), 0.9, 0.999, 1e-8)
        return SGD(5, np.float64, _constant(0.1), 0.9, False)

    opt, params = make(), rng.normal(size=5)
    fresh = opt.copy()
    opt.update(params, rng.normal(size=5))
    first = opt.copy()
    for name in opt._STATE:
        assert not getattr(fresh, name).any()  # copied before the step: zeros
        assert getattr(first, name).any()
    saved = {name: getattr(first, name).copy() for name in opt._STATE}
    opt.update(params, rng.normal(size=5))
    for name in opt._STATE:  # the copy does not follow the original
        np.testing.assert_array_equal(getattr(first, name), saved[name])
    second = opt.copy(into=first)  # overwrites first's arrays, allocates none
    for name in opt._STATE:
        assert getattr(second, name) is getattr(first, name)
        np.testing.assert_array_equal(getattr(second, name), getattr(opt, name))
    assert second.schedule is not opt.schedule


def test_adam_state_saved_with_moments_m_and_v_continues_the_same(rng):
    """Saved states from before the moments became sums hold ``m`` and ``v``."""
    opt = Adam(4, np.float64, _constant(0.01), 0.9, 0.999, 1e-8)
    params = rng.normal(size=4)
    for _ in range(3):
        opt.update(params, rng.normal(size=4))
    state = dict(opt.__dict__)
    state["m"], state["v"] = state.pop("grad_sum") * 0.1, state.pop("square_sum") * 0.001
    old = pickle.loads(pickle.dumps(opt))
    old.__setstate__(state)
    np.testing.assert_allclose(old.m, opt.m, rtol=1e-14)
    np.testing.assert_allclose(old.v, opt.v, rtol=1e-14)
    grads, twin = rng.normal(size=4), params.copy()
    opt.update(params, grads)
    old.update(twin, grads)
    np.testing.assert_allclose(twin, params, rtol=1e-13)


def test_one_gd_epoch_is_one_full_batch_step(rng):
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(4,), solver="gd", momentum=0, max_iter=1, random_state=0, alpha=0.3
        ),
        X,
        y,
    )
    before = [p.copy() for p in est.coefs_ + est.intercepts_]
    theta, objective = est._objective_function(X, y)
    _, gradient = objective(theta)
    est.partial_fit(X, y)
    after = np.concatenate([p.ravel() for p in est.coefs_ + est.intercepts_])
    start = np.concatenate([p.ravel() for p in before])
    np.testing.assert_allclose(after, start - 0.001 * gradient, rtol=0, atol=1e-15)


def test_empty_hidden_layers_match_linear_regression():
    X, y = make_regression(300, 6, noise=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    est = MLPRegressor(
        hidden_layer_sizes=(), solver="lbfgs", alpha=0, tol=1e-12, max_iter=2000, random_state=0
    ).fit(X, y)
    reference = LinearRegression().fit(X, y)
    np.testing.assert_allclose(est.coefs_[0].ravel(), reference.coef_, atol=1e-6)
    np.testing.assert_allclose(est.intercepts_[0], [reference.intercept_], atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_empty_hidden_layers_match_unpenalised_logistic_regression(n_classes):
    X, y = make_classification(
        400, 5, n_informative=4, n_redundant=0, n_classes=n_classes, flip_y=0.2, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    est = MLPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", alpha=0, tol=1e-12, max_iter=5000, random_state=0
    ).fit(X, y)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(est.predict_proba(X), reference.predict_proba(X), atol=1e-6)
    if n_classes == 2:
        np.testing.assert_allclose(est.coefs_[0].ravel(), reference.coef_.ravel(), atol=1e-5)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [20, "auto"])
@pytest.mark.parametrize("kind", ["regressor", "classifier", "two outputs"])
def test_alpha_conversion_from_scikit_learn(solver, batch_size, kind):
    """The migration table of README and docs/user_guide/migrating.md:
    alpha = alpha_sk * n_train / batch_size reproduces scikit-learn."""
    import warnings

    from sklearn import neural_network

    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    y = {
        "regressor": rng.normal(size=100),
        "classifier": (X[:, 0] > 0).astype(int),
        "two outputs": rng.normal(size=(100, 2)),
    }[kind]
    name = "MLPClassifier" if kind == "classifier" else "MLPRegressor"
    ours_cls = MLPClassifier if kind == "classifier" else MLPRegressor
    same = dict(
        hidden_layer_sizes=(5,),
        solver=solver,
        batch_size=batch_size,
        shuffle=False,
        momentum=0.5,
        max_iter=3,
        random_state=0,
        learning_rate_init=0.01,
    )
    m = 100 if batch_size == "auto" else batch_size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(neural_network, name)(alpha=0.5, **same).fit(X, y)
        ours = ours_cls(alpha=0.5 * 100 / m, **same).fit(X, y)
    for a, b in zip(theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_outputs", [2, 3, 5])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_multi_output_loss_and_tol_conversion(n_outputs, solver):
    """docs/user_guide/migrating.md: with K targets, loss_ is K times
    scikit-learn's, and tol = K * tol_sk stops at scikit-learn's epoch."""
    import warnings

    from sklearn import neural_network

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    Y = np.column_stack([X @ rng.normal(size=4) + np.sin(X[:, 0]) for _ in range(n_outputs)])
    same = dict(
        hidden_layer_sizes=(16,),
        solver=solver,
        max_iter=2000,
        random_state=0,
        alpha=0,
        learning_rate_init=0.01,
        shuffle=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = neural_network.MLPRegressor(tol=1e-4, **same).fit(X, Y)
        ours = MLPRegressor(tol=1e-4 * n_outputs, **same).fit(X, Y)
        unconverted = MLPRegressor(tol=1e-4, **same).fit(X, Y)
    assert ours.n_iter_ == theirs.n_iter_ < unconverted.n_iter_
    np.testing.assert_allclose(
        np.array(ours.loss_curve_) / n_outputs, theirs.loss_curve_, rtol=1e-12
    )


@pytest.mark.parametrize("name", ["MLPRegressor", "MLPClassifier"])
def test_every_default_is_scikit_learns(name):
    """Swapping the import must not change a single default (power_t, batch
    size, tolerances, ...): each shared parameter's default equals
    scikit-learn's, and we add no parameter without a default."""
    ours = getattr(__import__("sknn_scratch"), name)().get_params()
    theirs = getattr(sk, name)().get_params()
    assert set(theirs) <= set(ours), set(theirs) - set(ours)
    for param, value in theirs.items():
        assert ours[param] == value and type(ours[param]) is type(value), param


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_batch_size_one_takes_one_step_per_sample(solver):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(7, 2)), rng.normal(size=7)
    est = fit_quietly(
        MLPRegressor(
            hidden_layer_sizes=(3,), solver=solver, batch_size=1, max_iter=2, random_state=0
        ),
        X,
        y,
    )
    assert est.n_iter_ == 2 and est.t_ == 14
    if solver == "adam":
        assert est._optimizer.t == 14  # one Adam step per sample


def test_max_fun_one_stops_lbfgs_after_one_evaluation():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    est = MLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_fun=1, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_fun=1"):
        est.fit(X, y)
    assert est.n_iter_ <= 1 and np.isfinite(est.loss_)


def test_tags_declare_what_we_support():
    """scikit-learn's utilities (and meta-estimators) read these tags."""
    from sklearn.utils import get_tags

    classifier, regressor = get_tags(MLPClassifier()), get_tags(MLPRegressor())
    assert classifier.classifier_tags.multi_label is True
    assert regressor.target_tags.multi_output is True
    assert classifier.input_tags.sparse and regressor.input_tags.sparse
    assert get_tags(sk.MLPClassifier()).classifier_tags.multi_label is True


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_optimizer_states_saved_under_the_old_rate_names_load(kind, rng):
    """Before the optimizers shared a base, SGD kept its scheduled rate as
    ``learning_rate`` and Adam as ``base_rate`` (its ``learning_rate`` was
    the bias-corrected step); such states still load and step the same."""
    import pickle

    from sknn_scratch._optimizers import Adam

    schedule = Schedule("constant", 0.05, 0.5, 10, 0)
    make = {
        "SGD": lambda: SGD(4, np.float64, schedule, 0.9, True),
        "Adam": lambda: Adam(4, np.float64, schedule, 0.9, 0.999, 1e-8),
    }[kind]
    current, old = make(), make()
    params, grads = rng.normal(size=4), rng.normal(size=4)
    current.update(params.copy(), grads)
    old.update(params.copy(), grads)
    state = dict(old.__dict__)
    if kind == "SGD":
        state["learning_rate"] = state.pop("rate")
    else:
        state["base_rate"] = state.pop("rate")
        state["learning_rate"] = state.pop("step_size")
    loaded = object.__new__(type(old))
    loaded.__setstate__(pickle.loads(pickle.dumps(state)))
    assert loaded.rate == current.rate
    a, b = params.copy(), params.copy()
    current.update(a, grads)
    loaded.update(b, grads)
    np.testing.assert_array_equal(a, b)
