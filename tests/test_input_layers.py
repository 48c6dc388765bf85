"""The input layers (``_input_layers``) and the parametric activation: each
against its formula, and in the estimators."""

import math

import numpy as np
import pytest
from helpers import finite_differences

from sknn_scratch import MLPRegressor
from sknn_scratch._input_layers import Scale
from sknn_scratch._schedules import Schedule


def test_coslog4_is_four_cosine_cycles_of_growing_length():
    epochs = 150
    schedule = Schedule("coslog4", 0.5, 0.5, epochs, 0)
    rates = []
    for _ in range(epochs):
        rates.append(schedule.rate())
        schedule.epoch_ends(0)
    u = (np.arange(1, epochs + 1) - 0.5) / epochs
    expected = 0.5 * 0.5 * (1 - np.cos(2 * np.pi * np.log2(1 + 15 * u)))
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    # Back to (nearly) 0 at u = 1/15, 3/15, 7/15 (epochs 10, 30, 70 of 150)
    # and peaks at full rate between them.
    for boundary in (10, 30, 70):
        assert min(rates[boundary - 1], rates[boundary]) < 0.02 * 0.5
    minima = [
        k for k in range(1, epochs - 1) if rates[k] < rates[k - 1] and rates[k] <= rates[k + 1]
    ]
    assert len(minima) == 3
    assert max(rates) == pytest.approx(0.5, rel=1e-3)
    # Later epochs (partial_fit) stay at the end of the last cycle.
    assert schedule.rate() == pytest.approx(0.5 * 0.5 * (1 - math.cos(2 * math.pi * 4)))


def test_coslog4_trains_and_ends_without_a_convergence_warning(recwarn):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5]
    reg = MLPRegressor(
        learning_rate="coslog4", learning_rate_init=0.01, max_iter=30, random_state=0
    )
    reg.fit(X, y)
    assert not [w for w in recwarn if "converged" in str(w.message)]
    u = (np.arange(1, 31) - 0.5) / 30
    expected = 0.01 * 0.5 * (1 - np.cos(2 * np.pi * np.log2(1 + 15 * u)))
    np.testing.assert_allclose([h["learning_rate"] for h in reg.history_], expected)
    assert reg.score(X, y) > 0.9


def _layer_gradients_match(layer, A, rng):
    """Finite differences of J = sum(out * R) against the layer's backward."""
    from sknn_scratch._protocol import Slot

    params = layer.initial_parameters(rng, np.float64)
    params = tuple(p + rng.normal(0, 0.1, p.shape) for p in params)  # not at the init
    shapes = layer.slot_shapes()
    slot = Slot(**{name: np.empty((A.shape[0], u)) for name, u in shapes.items() if u})
    out = layer.forward(A.copy(), params, slot).copy()
    R = rng.normal(size=out.shape)
    grads = tuple(np.empty_like(p) for p in params)
    # (A copy of the input: a layer may use its input's array as scratch.)
    delta_in = layer.backward(A.copy(), out, R.copy(), params, grads, slot)

    def J(values):
        *params_, A_ = values
        fresh = Slot(**{name: np.empty((A_.shape[0], u)) for name, u in shapes.items() if u})
        return float((layer.forward(A_.copy(), tuple(params_), fresh) * R).sum())

    *numeric, numeric_delta = finite_differences(J, [*params, A])
    for analytic, expected in zip(grads, numeric):
        np.testing.assert_allclose(analytic, expected, rtol=1e-6, atol=1e-8)
    if delta_in is not None:
        np.testing.assert_allclose(delta_in, numeric_delta, rtol=1e-6, atol=1e-8)
    return out, params


@pytest.mark.parametrize("first", [True, False])
def test_scale_layer_gradients_by_finite_differences(first):
    from sknn_scratch._input_layers import Scale

    rng = np.random.RandomState(0)
    A = rng.normal(size=(7, 4))
    out, (scales,) = _layer_gradients_match(Scale(4, first=first), A, rng)
    np.testing.assert_allclose(out, A * scales)


def _run_apart(entries, A, delta):
    """The output and ``delta_in`` of layers run one after the other, each
    writing its gradients into its entry's ``grads``."""
    values = [A]
    for layer, params, _, slot in entries:
        values.append(layer.forward(values[-1].copy(), params, slot).copy())
    for i in range(len(entries) - 1, -1, -1):
        layer, params, grads, slot = entries[i]
        delta = layer.backward(values[i], values[i + 1], delta.copy(), params, grads, slot)
    return values[-1], delta


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("kinds", [("scale",), ("members",), ("scale", "members")])
def test_diagonal_input_layers_and_their_dense_layer_train_as_one_step(kinds, first):
    """Training runs a ``Scale`` and/or an ensemble's ``Members`` and the
    dense layer above them as one ``FoldedDense`` step (the factors folded
    into the weights): its output and every gradient are the layers' own,
    run one after the other."""
    from sknn_scratch._input_layers import Members
    from sknn_scratch._layers import Dense, FoldedDense, training_steps
    from sknn_scratch._protocol import Slot

    rng = np.random.RandomState(5)
    n, d, u, k = 9, 4, 3, (3 if "members" in kinds else 1)
    A, delta = rng.normal(size=(n, d)), rng.normal(size=(n * k, u))
    made = {
        "scale": (Scale(d, first=first), (rng.normal(1.0, 0.3, d),)),
        "members": (
            Members(d, 3, first=first and kinds == ("members",)),
            (rng.normal(size=(3, d)),),
        ),
    }

    def entries():
        chosen = [made[kind] for kind in kinds]
        chosen.append((Dense(d, u), (rng.normal(size=(d, u)), rng.normal(size=u))))
        out, m = [], n  # m: the layer's input rows
        for layer, params in chosen:
            units = layer.fan_out if isinstance(layer, Dense) else d
            m_out = m * getattr(layer, "members", 1)
            slot = Slot(out=np.empty((m_out, units)), delta_in=np.empty((m, d)), ones=np.ones(m))
            out.append((layer, params, tuple(np.empty_like(p) for p in params), slot))
            m = m_out
        return out

    state = rng.get_state()
    apart = entries()
    rng.set_state(state)
    together = entries()  # the same parameters, other gradient and work arrays
    [(forward, backward, params, grads, slot)] = training_steps(together)
    assert isinstance(forward.__self__, FoldedDense)
    out = forward(A.copy(), params, slot).copy()
    delta_in = backward(A.copy(), out, delta.copy(), params, grads, slot)
    expected_out, expected_in = _run_apart(apart, A, delta)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-12)
    for (_, _, plain, _), fused in zip(apart, [g for g in grads if g is not None]):
        for a, b in zip(fused, plain):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    if first:
        assert delta_in is None
    else:
        np.testing.assert_allclose(delta_in, expected_in, rtol=1e-12, atol=1e-12)


def test_periodic_embedding_gradients_by_finite_differences():
    from sknn_scratch._input_layers import PeriodicEmbedding

    rng = np.random.RandomState(1)
    A = rng.normal(size=(6, 5))
    layer = PeriodicEmbedding(5, columns=[0, 3], n_frequencies=4, n_features=2, sigma=0.5)
    out, (w, b, L, c) = _layer_gradients_match(layer, A, rng)
    # The formula, written out for one row and column.
    i, j, column = 2, 1, 3
    expected = np.cos(2 * np.pi * w[j] * A[i, column] + b[j]) @ L[j] + c[j]
    np.testing.assert_allclose(out[i, 2 * j : 2 * j + 2], expected)
    np.testing.assert_array_equal(out[:, 4:], A)  # every raw column follows


# ------------------------------------------------ input layers in the estimators


def _frame(n=60, seed=0):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.choice(["x", "y", "z"], n),
            "c": rng.uniform(size=n),
        }
    )
    return df, df["a"].to_numpy() ** 2 + (df["b"] == "x")


RECIPE = dict(
    input_encoding="tabular", numerical_embedding="periodic", feature_scaling=True, random_state=0
)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("classify", [False, True])
def test_input_layers_gradients_through_the_whole_network(solver, classify):
    from sknn_scratch import MLPClassifier, check_gradients

    df, y = _frame()
    Est, target = (MLPClassifier, y > 1) if classify else (MLPRegressor, y)
    est = Est(
        hidden_layer_sizes=(5,), activation="tanh", solver=solver, alpha=0.01, max_iter=5, **RECIPE
    )
    with pytest.warns(Warning):  # five iterations do not converge
        est.fit(df, target)
    assert check_gradients(est, df, target) < 1e-6


def test_input_layers_what_they_hold():
    df, y = _frame()
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, **RECIPE)
    with pytest.warns(Warning):
        est.fit(df, y)
    embedding, scale = est.input_layers_
    assert embedding.kind == "periodic" and scale.kind == "scale"
    # The embedded columns are the encoder's numbers: a and c, not b's one-hot.
    np.testing.assert_array_equal(embedding.columns, est.input_encoder_.numeric_columns_)
    assert embedding.columns.tolist() == [0, 4]
    w, b, L, c = est.input_params_[0]
    assert w.shape == b.shape == (2, 16) and L.shape == (2, 16, 3) and c.shape == (2, 3)
    (scales,) = est.input_params_[1]
    assert scales.shape == (2 * 3 + 5,) == (est.coefs_[0].shape[0],)
    # The estimator's prediction is the input layers, then the dense ones.
    from sknn_scratch._network import Network

    Xe = est.input_encoder_.transform(df)
    A = est.network_.through_inputs(Xe)
    np.testing.assert_allclose(A[:, 6:], Xe * scales[6:])  # raw columns, scaled
    raw = Network.of_lists(est.coefs_, est.intercepts_, est.activation).predict_raw(A)
    np.testing.assert_allclose(est.predict(df), raw.ravel())
    assert est.hidden_activations(df)[0].shape == (60, 4)


def test_default_estimators_have_no_input_layers():
    df, y = _frame()
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, input_encoding="tabular")
    with pytest.warns(Warning):
        est.fit(df, y)
    assert not hasattr(est, "input_layers_") and not hasattr(est, "input_params_")


def test_group_learning_rates_scale_each_group():
    df, y = _frame()
    moved = {}
    for rate in (1.0, 1e-6):
        est = MLPRegressor(
            hidden_layer_sizes=(4,), max_iter=5, group_learning_rates={"scales": rate}, **RECIPE
        )
        with pytest.warns(Warning):
            est.fit(df, y)
        moved[rate] = np.abs(est.input_params_[1][0] - 1).max()
    assert moved[1.0] > 1e-3 and moved[1e-6] < 1e-6


@pytest.mark.parametrize(
    "rates, message",
    [
        ({"scale": 2.0}, "unknown keys \\['scale'\\]"),
        ({"biases": -1.0}, "bad values for \\['biases'\\]"),
    ],
)
def test_group_learning_rates_checked(rates, message):
    df, y = _frame()
    with pytest.raises(ValueError, match=message):
        MLPRegressor(group_learning_rates=rates, input_encoding="tabular").fit(df, y)


def test_input_layers_continue_and_refuse_a_change():
    df, y = _frame()
    est = MLPRegressor(hidden_layer_sizes=(4,), **RECIPE)
    est.partial_fit(df, y)
    layers = est.input_layers_
    est.partial_fit(df, y)
    assert all(now is before for now, before in zip(est.input_layers_, layers))
    est.set_params(feature_scaling=False)
    with pytest.raises(ValueError, match="feature_scaling"):
        est.partial_fit(df, y)


def test_input_layers_refuse_sparse_input():
    sp = pytest.importorskip("scipy.sparse")
    X = sp.csr_matrix(np.eye(6))
    with pytest.raises(TypeError, match="sparse"):
        MLPRegressor(feature_scaling=True).fit(X, np.arange(6.0))


def test_input_layers_persist(tmp_path):
    import pickle

    pytest.importorskip("skops")
    from sknn_scratch import persistence

    df, y = _frame()
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, **RECIPE)
    with pytest.warns(Warning):
        est.fit(df, y)
    path = tmp_path / "m.skops"
    persistence.dump(est, path)
    np.testing.assert_array_equal(persistence.load(path).predict(df), est.predict(df))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(df), est.predict(df))


def test_clip_predictions_to_the_training_targets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    y = X[:, 0]
    est = MLPRegressor(clip_predictions=True, max_iter=30, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, y)
    far = est.predict(X * 10)
    assert far.min() == y.min() and far.max() == y.max()
    np.testing.assert_array_equal(est.target_range_[0], [y.min()])
    unclipped = est.set_params(clip_predictions=False).predict(X * 10)
    assert unclipped.min() < y.min() and unclipped.max() > y.max()
    # partial_fit widens the range with every call's targets.
    est = MLPRegressor(clip_predictions=True, random_state=0)
    est.partial_fit(X, y)
    est.partial_fit(X[:5], np.full(5, 100.0))
    assert est.target_range_[1][0] == 100.0 and est.target_range_[0][0] == y.min()


def test_data_init_unit_sums_and_kinks_inside_the_data():
    from sknn_scratch._activations import HIDDEN_ACTIVATIONS

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3)) * [1.0, 10.0, 100.0]
    y = X[:, 0]
    params = dict(hidden_layer_sizes=(8, 4), max_iter=1, learning_rate_init=1e-12, random_state=0)
    plain = MLPRegressor(**params)
    fitted = MLPRegressor(data_init=True, **params)
    with pytest.warns(Warning):
        plain.fit(X, y)
        fitted.fit(X, y)
    A = X
    for W, b in zip(fitted.coefs_[:-1], fitted.intercepts_[:-1]):
        Z = A @ W
        np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-6)  # all 300 rows sampled
        # Each kink (z + b = 0) lies within the unit's sums on the data.
        assert ((Z.min(axis=0) <= -b) & (-b <= Z.max(axis=0))).all()
        A = HIDDEN_ACTIVATIONS["relu"].forward(Z + b, None)
    # The output layer keeps the random draw.
    np.testing.assert_allclose(fitted.coefs_[-1], plain.coefs_[-1], atol=1e-9)
    assert not np.allclose(fitted.coefs_[0], plain.coefs_[0])


def test_plot_network_draws_what_the_first_dense_layer_reads():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sknn_scratch.plot import _input_names, _values_of_row

    df, y = _frame()
    est = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, **RECIPE)
    with pytest.warns(Warning):
        est.fit(df, y)
    names = _input_names(est)
    assert len(names) == est.coefs_[0].shape[0]
    assert names[:3] == ["a~1", "a~2", "a~3"] and names[6:8] == ["a", "b=x"]
    values = _values_of_row(est, df.iloc[:1])
    np.testing.assert_allclose(values[-1][1], est.predict(df.iloc[:1]))
    assert len(values[0][1]) == len(names)


def test_flat_cosine_regularization_factor():
    schedule = Schedule("constant", 0.1, 0.5, 10, 0, "flat_cosine")
    factors = []
    for _ in range(12):
        factors.append(schedule.regularization_factor())
        schedule.epoch_ends(0)
    u = np.minimum((np.arange(12) + 0.5) / 10, 1.0)
    expected = np.where(u <= 0.5, 1.0, 0.5 * (1 + np.cos(np.pi * (2 * u - 1))))
    np.testing.assert_allclose(factors, expected)
    assert factors[:5] == [1.0] * 5 and factors[-1] == 0.0
    assert Schedule("constant", 0.1, 0.5, 10, 0).regularization_factor() == 1.0


def test_flat_cosine_anneals_dropout_and_weight_decay(monkeypatch):
    from sknn_scratch import _training
    from sknn_scratch._optimizers import Adam, Groups

    seen = []
    original = _training.dropout_masks

    def spy(bits, n_rows, units, rates, dtype):
        seen.append(list(rates))
        return original(bits, n_rows, units, rates, dtype)

    monkeypatch.setattr(_training, "dropout_masks", spy)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    reg = MLPRegressor(
        hidden_layer_sizes=(5,),
        dropout=0.2,
        batch_size=40,
        max_iter=8,
        regularization_schedule="flat_cosine",
        random_state=0,
    )
    with pytest.warns(Warning):
        reg.fit(X, X.sum(axis=1))
    u = (np.arange(8) + 0.5) / 8
    factor = np.where(u <= 0.5, 1.0, 0.5 * (1 + np.cos(np.pi * (2 * u - 1))))
    np.testing.assert_allclose([r[0] for r in seen], 0.2 * factor)
    # AdamW's decay: with a zero gradient, a step shrinks the weights by
    # 1 - rate * weight_decay * factor.
    schedule = Schedule("constant", 0.1, 0.5, 4, 0, "flat_cosine")
    adam = Adam(3, np.float64, schedule, 0.9, 0.95, 1e-8, 0.5, Groups.default(3))
    for _ in range(3):
        adam.iteration_ends(0)
    params = np.ones(3)
    adam.update(params, np.zeros(3))
    factor = 0.5 * (1 + np.cos(np.pi * (2 * 3.5 / 4 - 1)))
    np.testing.assert_allclose(params, 1 - 0.1 * 0.5 * factor)


def test_piecewise_linear_encoding_against_its_formula():
    from sknn_scratch._input_layers import PiecewiseLinear
    from sknn_scratch._protocol import Slot

    rng = np.random.RandomState(0)
    X = np.column_stack([rng.normal(size=200), rng.choice([0.0, 1.0], 200), rng.normal(size=200)])
    layer = PiecewiseLinear.from_data(X, [0, 1, 2], 4)
    # The two-valued column gives one bin only: it is left out.
    assert list(layer.columns) == [0, 2] and layer.units_out == 3 + 8
    np.testing.assert_allclose(layer.edges[0], np.quantile(X[:, 0], np.linspace(0, 1, 5)))
    x = np.array([[-9.0, 0.0, 0.0], [0.0, 1.0, 9.0]])
    out = layer.forward(x, (), Slot())
    np.testing.assert_array_equal(out[:, :3], x)
    for j, column in enumerate(layer.columns):
        edges = layer.edges[j]
        for t in range(4):
            value = (x[:, column] - edges[t]) / (edges[t + 1] - edges[t])
            if t > 0:
                value = np.maximum(value, 0)
            if t < 3:
                value = np.minimum(value, 1)
            np.testing.assert_allclose(out[:, 3 + 4 * j + t], value)
    # Beyond the training range the first and last bins extrapolate.
    assert out[0, 3] < 0 and out[1, 3 + 7] > 1
    assert layer.bound(9.0, ()) >= np.abs(out).max()


def test_piecewise_linear_bins_in_the_estimators():
    from sknn_scratch import check_gradients

    df, y = _frame()
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, piecewise_linear_bins=6, **RECIPE)
    with pytest.warns(Warning):
        est.fit(df, y)
    kinds = [layer.kind for layer in est.input_layers_]
    assert kinds == ["piecewise_linear", "periodic", "scale"]
    ple = est.input_layers_[0]
    # Only the numbers are binned, and the embedding still reads them.
    numeric = est.input_encoder_.numeric_columns_
    assert set(ple.columns) <= set(numeric)
    np.testing.assert_array_equal(est.input_layers_[1].columns, numeric)
    assert est.coefs_[0].shape[0] == est.input_layers_[-1].units_out
    assert check_gradients(est, df, y) < 1e-6
    with pytest.raises(ValueError, match="piecewise_linear_bins"):
        MLPRegressor(piecewise_linear_bins=1).fit(np.ones((5, 2)), np.arange(5.0))


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_piecewise_linear_computed_once_per_fit_trains_the_same(dropout, monkeypatch):
    """A stochastic fit encodes its rows through the bins once and draws its
    batches from that (``TrainingNetwork.through_fixed``): the same weights,
    to the bit, as encoding every batch (what a memory cap falls back to)."""
    from sknn_scratch import _network

    df, y = _frame()
    params = dict(hidden_layer_sizes=(8,), max_iter=4, batch_size=16, dropout=dropout)
    params.update(input_encoding="tabular", piecewise_linear_bins=4, random_state=0)
    once = MLPRegressor(**params).fit(df, y)
    calls = []
    fixed = _network.TrainingNetwork.through_fixed

    def capped(net, X, max_bytes=None):
        calls.append(fixed(net, X)[1])
        return fixed(net, X, max_bytes=0)

    monkeypatch.setattr(_network.TrainingNetwork, "through_fixed", capped)
    per_batch = MLPRegressor(**params).fit(df, y)
    assert calls == [1]  # the bins are the one fixed layer, and the cap undid it
    for a, b in zip(once.coefs_ + once.intercepts_, per_batch.coefs_ + per_batch.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_tabular_encoding_clips_numbers_only_without_bins():
    """The smooth clip guards raw numbers; quantile bins need the tail."""
    df, y = _frame()
    plain = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, input_encoding="tabular")
    binned = MLPRegressor(**{**plain.get_params(), "piecewise_linear_bins": 4})
    with pytest.warns(Warning):
        plain.fit(df, y), binned.fit(df, y)
    assert plain.input_encoder_.clip == 3.0
    assert binned.input_encoder_.clip is None
    assert MLPRegressor.for_tabular().fit(df, y).input_encoder_.clip is None


@pytest.mark.parametrize("first", [True, False])
def test_category_embedding_gradients_by_finite_differences(first):
    from sknn_scratch._input_layers import CategoryEmbedding

    rng = np.random.RandomState(3)
    layer = CategoryEmbedding(7, [(1, 4), (5, 7)], 2, first=first)
    A = rng.normal(size=(6, 7))
    _layer_gradients_match(layer, A, rng)
    # A one-hot row picks its category's row of the table; zeros pick none.
    params = layer.initial_parameters(rng, np.float64)
    onehot = np.zeros((2, 7))
    onehot[0, [0, 2, 6]] = 1.0  # category 1 of block one, category 1 of block two
    onehot[1, 0] = 5.0  # no category in either block
    from sknn_scratch._protocol import Slot

    out = layer.forward(onehot, params, Slot())
    np.testing.assert_array_equal(out[:, :2], onehot[:, [0, 4]])
    np.testing.assert_allclose(out[0, 2:], np.r_[params[0][1], params[1][1]])
    np.testing.assert_array_equal(out[1, 2:], 0.0)


def test_category_embedding_in_the_estimators():
    from sknn_scratch import TabularEncoder, check_gradients

    df, y = _frame()
    df["d"] = np.random.RandomState(1).choice(list("abcdefgh"), len(df))
    est = MLPRegressor(
        hidden_layer_sizes=(4,),
        max_iter=5,
        category_embedding=3,
        input_encoding=TabularEncoder(max_categories=64),
        numerical_embedding="periodic",
        feature_scaling=True,
        random_state=0,
    )
    with pytest.warns(Warning):
        est.fit(df, y)
    layers = est.input_layers_
    assert [layer.kind for layer in layers] == ["periodic", "category_embedding", "scale"]
    embedding = layers[1]
    encoder = est.input_encoder_
    wide = [(a, b) for a, b in encoder._category_blocks() if b - a > 3]
    shift = layers[0].m * layers[0].p
    assert embedding.blocks == [(a + shift, b + shift) for a, b in wide]
    assert [p.shape for p in est.input_params_[1]] == [(b - a, 3) for a, b in wide]
    assert check_gradients(est, df, y) < 1e-6
    with pytest.raises(ValueError, match="category_embedding needs input_encoding"):
        MLPRegressor(category_embedding=4).fit(np.ones((5, 2)), np.arange(5.0))


@pytest.mark.parametrize("name", ["relu", "silu", "tanh", "gelu", "elu", "identity"])
def test_parametric_activation_gradients_by_finite_differences(name):
    from sknn_scratch._activations import ParametricActivation

    rng = np.random.RandomState(4)
    _layer_gradients_match(ParametricActivation(name, 5), rng.normal(size=(7, 5)), rng)


def test_parametric_activation_in_the_estimators(tmp_path):
    import pickle

    from sknn_scratch import check_gradients
    from sknn_scratch._activations import HIDDEN_ACTIVATIONS
    from sknn_scratch._state import state_problems

    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y = np.abs(X[:, 0]) + X[:, 1] * X[:, 2]
    common = dict(hidden_layer_sizes=(6, 5), activation="silu", max_iter=20, random_state=0)
    with pytest.warns(Warning):
        plain = MLPRegressor(**common).fit(X, y)
        # With a = 1 held (a rate of ~0 for its group) it is the plain network.
        held = MLPRegressor(
            parametric_activation=True, group_learning_rates={"activation": 1e-12}, **common
        ).fit(X, y)
        free = MLPRegressor(parametric_activation=True, **common).fit(X, y)
    np.testing.assert_allclose(held.predict(X), plain.predict(X), rtol=1e-9, atol=1e-9)
    assert [a.shape for a in free.activation_params_] == [(6,), (5,)]
    assert not np.allclose(free.activation_params_[0], 1.0)
    # Each hidden value is z + a (f(z) - z).
    sums, values = free.hidden_activations(X[:3], pre_activation=True)
    f = HIDDEN_ACTIVATIONS["silu"].forward(sums[0].copy())
    a = free.activation_params_[0]
    np.testing.assert_allclose(values[0], sums[0] + a * (f - sums[0]))
    assert check_gradients(free, X, y) < 1e-6
    assert state_problems(free) == []
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(free)).predict(X), free.predict(X))
    broken = pickle.loads(pickle.dumps(free))
    with pytest.raises(ValueError, match="activation_params_ has 2 entries"):
        broken.activation_params_ = broken.activation_params_[:1]
    broken.set_params(parametric_activation=False)
    assert any("are parametric" in p for p in state_problems(broken))


def test_piecewise_linear_bins_pass_degenerate_columns_through():
    # 0/1 features and a mostly-zero count: too few distinct quantiles for
    # bins. The recipe trains, with such columns unbinned.
    pd = pytest.importorskip("pandas")
    from sknn_scratch._input_layers import PiecewiseLinear

    rng = np.random.RandomState(0)
    n = 200
    df = pd.DataFrame(
        {
            "flag": rng.randint(0, 2, n),
            "count": np.where(rng.rand(n) < 0.97, 0, rng.randint(1, 3, n)),
            "kind": rng.choice(["x", "y", "z"], n),
        }
    )
    y = df["flag"] + (df["kind"] == "x")
    est = MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, piecewise_linear_bins=8, **RECIPE)
    est.fit(df, y)
    assert est.score(df, y) > 0.5
    assert [layer.kind for layer in est.input_layers_][0] == "periodic"  # no bins to add
    layer = PiecewiseLinear.from_data(np.zeros((10, 2)), [0, 1], 8)
    A = np.arange(20.0).reshape(10, 2)
    assert layer.units_out == 2
    np.testing.assert_array_equal(layer.forward(A, (), type("S", (), {"out": None})()), A)
    MLPRegressor.for_tabular(max_steps=20, random_state=0).fit(df, y)


def test_target_range_comes_from_the_training_targets_only():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 2))
    y = X[:, 0]
    est = MLPRegressor(clip_predictions=True, max_iter=5, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, y, X_val=X, y_val=100 * y)
    np.testing.assert_array_equal(est.target_range_[0], [y.min()])
    np.testing.assert_array_equal(est.target_range_[1], [y.max()])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e.input_params_[0][0].__setitem__((0, 0), np.nan), "layer 0 .periodic. has NaN"),
        (lambda e: setattr(e.network_.layers[1], "units", 3), "parameters but it holds"),
        (lambda e: e.network_.layers.__setitem__(0, "periodic"), "list of layers"),
        (lambda e: setattr(e, "target_range_", (np.array([np.nan]), np.array([1.0]))), "target"),
        (lambda e: setattr(e, "target_range_", (np.array([2.0]), np.array([1.0]))), "low above"),
    ],
)
@pytest.mark.parametrize("optimizer_state", [True, False])
def test_load_checks_input_parameters_and_target_range(change, message, optimizer_state, tmp_path):
    import copy

    pytest.importorskip("skops")
    from sknn_scratch import persistence

    df, y = _frame()
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, clip_predictions=True, **RECIPE)
    with pytest.warns(Warning):
        est.fit(df, y)
    bad = copy.deepcopy(est)
    if not optimizer_state:
        del bad._optimizer
    change(bad)
    path = tmp_path / "m.skops"
    persistence.dump(bad, path)
    with pytest.raises(ValueError, match=f"Refusing.*{message}"):
        persistence.load(path)
