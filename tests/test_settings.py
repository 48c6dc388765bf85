"""Parameters that shape the model, and settings refused with a message that
names them (``_settings``)."""

import pickle

import numpy as np
import pytest
from helpers import SMALL, fit_quietly, small_data

from sknn_scratch import (
    MLPClassifier,
    MLPRegressor,
)

# ------------------------------------------------- model-shaping parameters

SHAPING_CHANGES = [
    (MLPRegressor, "loss", "poisson"),
    (MLPRegressor, "activation", "tanh"),
    (MLPRegressor, "hidden_layer_sizes", (7,)),
    (MLPRegressor, "hidden_layer_sizes", (6, 6)),
    (MLPClassifier, "activation", "logistic"),
    (MLPClassifier, "hidden_layer_sizes", (7,)),
]


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("Estimator, name, value", SHAPING_CHANGES)
def test_changing_a_model_shaping_parameter_then_continuing_is_refused(
    Estimator, name, value, how, rng
):
    X, y = small_data(Estimator, rng)
    est = fit_quietly(Estimator(solver="sgd", **SMALL), X, y)
    original = est.get_params()[name]
    before = pickle.dumps(est)
    est.set_params(**{name: value, "warm_start": how == "warm_start"})
    with pytest.raises(ValueError, match=f"Cannot continue training: {name}="):
        if how == "partial_fit":
            est.partial_fit(X, y)
        else:
            est.fit(X, y)
    # Nothing changed but the parameters the caller set...
    est.set_params(**{name: original, "warm_start": False})
    assert pickle.dumps(est) == before
    # ...and with them set back, training continues.
    est.partial_fit(X, y)


def test_changing_loss_then_fit_trains_a_new_consistent_model(rng):
    X, y = small_data(MLPRegressor, rng)
    est = fit_quietly(MLPRegressor(**SMALL), X, y)
    fit_quietly(est.set_params(loss="poisson"), X, y)
    assert est.out_activation_ == "exp"
    assert (est.predict(X) > 0).all()


# ------------------------------------------------------ malformed dropout


@pytest.mark.parametrize(
    "dropout",
    [
        {},
        {0.1, 0.2},
        {"a": 0.1},
        "0.1",
        "abc",
        [[0.1], [0.2, 0.3]],
        [0.1, "a"],
        ["0.1", "0.2"],
        [None, 0.1],
        [0.1, 0.2, 0.3],
        [np.nan, 0.1],
        [1.0, 0.1],
        [True, False],
        np.array([[0.1, 0.2]]),
        -0.1,
        1.0,
    ],
    ids=repr,
)
@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_malformed_dropout_names_dropout(dropout, Estimator, regression):
    X, y = regression
    if Estimator is MLPClassifier:
        y = y > 0
    est = Estimator(hidden_layer_sizes=(4, 4), dropout=dropout, max_iter=2)
    with pytest.raises(ValueError, match=r"[Dd]ropout"):
        est.fit(X, y)


@pytest.mark.parametrize("dropout", [(0.1, 0.2), [0.0, 0.5], np.array([0.1, 0.2]), np.float32(0.1)])
def test_well_formed_dropout_is_accepted(dropout, regression):
    X, y = regression
    fit_quietly(MLPRegressor(hidden_layer_sizes=(4, 4), dropout=dropout, max_iter=2), X, y)
