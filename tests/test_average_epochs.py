"""``average_epochs``: the fitted weights are the mean of the weights of the
epochs with the lowest held-out loss."""

import pickle

import numpy as np
import pytest
from helpers import diverge_in_third_epoch, fit_quietly
from sklearn.exceptions import ConvergenceWarning

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch._listeners import Listener, listening

#: Enough epochs, under a cyclical schedule, that the lowest held-out losses
#: are not simply the last ones.
SETTINGS = dict(
    hidden_layer_sizes=(12,),
    learning_rate="coslog4",
    early_stopping=True,
    max_iter=25,
    n_iter_no_change=100,
    learning_rate_init=0.05,
    random_state=0,
)


class Weights(Listener):
    """Every epoch's weights, as training left them."""

    def __init__(self):
        self.epochs = []

    def epoch_ends(self, record, network, stopping):
        self.epochs.append(network.params.copy())
        return False


def fit_watched(est, X, y):
    watched = Weights()
    with listening(watched):
        fit_quietly(est, X, y)
    return est, np.array(watched.epochs)


def data(Estimator, n=300):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 4))
    signal = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2]
    if Estimator is MLPClassifier:
        return X, (signal + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, signal + 0.3 * rng.normal(size=n)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_the_weights_are_the_mean_of_the_epochs_with_the_lowest_held_out_loss(Estimator, k):
    X, y = data(Estimator)
    est, epochs = fit_watched(Estimator(average_epochs=k, **SETTINGS), X, y)
    losses = np.asarray(est.validation_loss_curve_)
    chosen = np.sort(np.argsort(losses, kind="stable")[:k])
    assert est.averaged_epochs_ == list(chosen + 1)
    # (Not simply the last epochs: the test would not tell them apart.)
    assert list(chosen) != list(range(len(losses) - k, len(losses)))
    np.testing.assert_allclose(est.network_.params, epochs[chosen].mean(axis=0), rtol=1e-12)
    # best_epoch_ still names the best-scoring epoch, and predictions use the mean.
    assert est.best_epoch_ == int(np.argmax(est.validation_scores_)) + 1
    single = pickle.loads(pickle.dumps(est))
    single.network_.params[...] = epochs[est.best_epoch_ - 1]
    assert not np.allclose(single.predict(X), est.predict(X))


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_one_epoch_is_the_best_epoch_as_in_scikit_learn(Estimator):
    X, y = data(Estimator)
    est, epochs = fit_watched(Estimator(**SETTINGS), X, y)
    assert est.average_epochs == 1 and est.averaged_epochs_ is None
    np.testing.assert_array_equal(est.network_.params, epochs[est.best_epoch_ - 1])


def test_without_early_stopping_it_changes_nothing():
    X, y = data(MLPRegressor)
    settings = dict(SETTINGS, early_stopping=False)
    plain = fit_quietly(MLPRegressor(**settings), X, y)
    asked = fit_quietly(MLPRegressor(average_epochs=4, **settings), X, y)
    assert asked.averaged_epochs_ is None
    np.testing.assert_array_equal(plain.network_.params, asked.network_.params)


def test_fewer_epochs_than_asked_are_all_averaged():
    X, y = data(MLPRegressor)
    est, epochs = fit_watched(MLPRegressor(average_epochs=5, **dict(SETTINGS, max_iter=3)), X, y)
    assert est.averaged_epochs_ == [1, 2, 3]
    np.testing.assert_allclose(est.network_.params, epochs.mean(axis=0), rtol=1e-12)


def test_float32_weights_are_averaged_in_float64():
    pd = pytest.importorskip("pandas")
    X, y = data(MLPRegressor)
    frame = pd.DataFrame(X, columns=list("abcd"))
    est, epochs = fit_watched(
        MLPRegressor(average_epochs=3, input_encoding="tabular", **SETTINGS), frame, y
    )
    assert est.network_.params.dtype == np.float32
    chosen = np.array(est.averaged_epochs_) - 1
    expected = epochs[chosen].astype(np.float64).mean(axis=0).astype(np.float32)
    np.testing.assert_array_equal(est.network_.params, expected)


def test_refit_keeps_the_last_epoch_of_its_own_training():
    # The second training has no held-out rows; the length it trains for is
    # chosen by the scores, so the averaging of the first changes nothing.
    X, y = data(MLPRegressor)
    settings = dict(SETTINGS, refit=True)
    averaged = fit_quietly(MLPRegressor(average_epochs=3, **settings), X, y)
    best = fit_quietly(MLPRegressor(**settings), X, y)
    assert averaged.averaged_epochs_ is None
    np.testing.assert_array_equal(averaged.network_.params, best.network_.params)


def test_a_divergence_keeps_the_best_sound_epoch_alone(monkeypatch):
    X, y = data(MLPRegressor)
    diverge_in_third_epoch(monkeypatch)
    watched = Weights()
    with listening(watched), pytest.warns(ConvergenceWarning, match="diverged in epoch 3"):
        est = MLPRegressor(average_epochs=3, **dict(SETTINGS, solver="sgd")).fit(X, y)
    assert est.averaged_epochs_ is None and len(watched.epochs) == 2
    np.testing.assert_array_equal(est.network_.params, watched.epochs[est.best_epoch_ - 1])


def test_a_new_fit_forgets_the_averaged_epochs_of_the_last():
    X, y = data(MLPRegressor)
    est = fit_quietly(MLPRegressor(average_epochs=3, **SETTINGS), X, y)
    assert est.averaged_epochs_ is not None
    est.set_params(early_stopping=False)
    assert fit_quietly(est, X, y).averaged_epochs_ is None


def test_the_averaged_model_saves_and_loads(tmp_path):
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    X, y = data(MLPClassifier)
    est = fit_quietly(MLPClassifier(average_epochs=3, **SETTINGS), X, y)
    path = tmp_path / "averaged.skops"
    persistence.dump(est, path)
    loaded = persistence.load(path)
    assert loaded.averaged_epochs_ == est.averaged_epochs_
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_for_tabular_averages_three_epochs():
    assert MLPRegressor.for_tabular().average_epochs == 3
    assert MLPClassifier.for_tabular(average_epochs=1).average_epochs == 1


@pytest.mark.parametrize("value", [0, -1, 1.5, "3"])
def test_average_epochs_must_be_a_positive_integer(value):
    X, y = data(MLPRegressor, n=40)
    with pytest.raises(ValueError, match="average_epochs"):
        MLPRegressor(average_epochs=value, **SETTINGS).fit(X, y)
