"""Dropout: masks, their expectation, and backpropagation through them."""

import numpy as np
import pytest
from helpers import fit_quietly

from sknn_scratch import MLPRegressor

# ----------------------------------------------------------------- dropout


@pytest.mark.parametrize(
    "activation, rates",
    [
        *((name, [0.3, 0.5]) for name in ["relu", "tanh", "logistic", "gelu", "identity"]),
        ("silu", [0.04, 0.02]),  # the low rates' masks (DroppedUnits)
    ],
)
def test_backprop_through_dropout_masks_matches_finite_differences(activation, rates, rng):
    from sknn_scratch._network import Network
    from sknn_scratch._objective import Objective
    from sknn_scratch._training import dropout_masks, mask_bits

    X, Y = rng.normal(size=(40, 4)), rng.normal(size=(40, 2))
    coefs = [rng.normal(size=(4, 6)), rng.normal(size=(6, 5)), rng.normal(size=(5, 2))]
    intercepts = [rng.normal(size=6), rng.normal(size=5), rng.normal(size=2)]
    net = Network.of_lists(coefs, intercepts, activation)
    net = net.for_training("squared_error", np.float64)
    objective = Objective(net)
    masks = dropout_masks(mask_bits(rng), 40, [6, 5], rates, np.float64)
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
    from sknn_scratch._training import dropout_masks, mask_bits

    # (An odd number of units: the last 64-bit draw is only partly used.)
    masks = dropout_masks(mask_bits(rng), 20001, [51], [0.3], np.float64)[0]
    kept = round(0.7 * 65536) / 65536  # the keep probability, in 16-bit steps
    assert kept == pytest.approx(0.7, abs=1e-5)
    assert masks.shape == (20001, 51)
    assert set(np.unique(masks)) == {0.0, 1 / kept}
    assert masks.mean() == pytest.approx(1.0, abs=0.01)  # E[A M] = A
    assert (masks == 0).mean() == pytest.approx(0.3, abs=0.01)
    # Every unit and every row drops at the rate: no 16-bit lane of the
    # 64-bit draws is biased or tied to a column.
    assert np.abs((masks == 0).mean(axis=0) - 0.3).max() < 0.015
    lanes = (masks == 0).ravel()[: 20001 * 51 // 4 * 4].reshape(-1, 4)
    assert np.abs(lanes.mean(axis=0) - 0.3).max() < 0.005
    # The same state draws the same masks; another draws others.
    again = dropout_masks(mask_bits(np.random.RandomState(7)), 30, [5], [0.5], np.float64)
    same = dropout_masks(mask_bits(np.random.RandomState(7)), 30, [5], [0.5], np.float64)
    other = dropout_masks(mask_bits(np.random.RandomState(8)), 30, [5], [0.5], np.float64)
    np.testing.assert_array_equal(again[0], same[0])
    assert not np.array_equal(again[0], other[0])


@pytest.mark.parametrize("rate", [0.05, 0.004])
def test_low_rates_draw_the_dropped_units_at_the_rate(rate, rng):
    from sknn_scratch._layers import DroppedUnits
    from sknn_scratch._training import SPARSE_RATE, dropout_masks, mask_bits

    assert rate < SPARSE_RATE  # (the path under test)
    kept = dropout_masks(mask_bits(rng), 20001, [51], [rate], np.float32)[0]
    assert isinstance(kept, DroppedUnits)  # a scale and the dropped units, not an array
    masks = np.asarray(kept)
    assert masks.shape == (20001, 51) and masks.dtype == np.float32
    assert set(np.unique(masks)) == {0.0, np.float32(1 / (1 - rate))}
    dropped = masks == 0
    sd = np.sqrt(rate * (1 - rate) / dropped.size)
    assert abs(dropped.mean() - rate) < 5 * sd
    assert masks.mean(dtype=np.float64) == pytest.approx(1.0, abs=6 * sd)  # E[A M] = A
    # No unit, and no part of the batch, drops at another rate.
    per_column = np.sqrt(rate * (1 - rate) / 20001)
    assert np.abs(dropped.mean(axis=0) - rate).max() < 5 * per_column
    halves = dropped[:10000].mean(), dropped[10001:].mean()
    assert abs(halves[0] - halves[1]) < 10 * sd
    # The same state draws the same masks; another draws others.
    again = dropout_masks(mask_bits(np.random.RandomState(7)), 300, [50], [rate], np.float64)
    same = dropout_masks(mask_bits(np.random.RandomState(7)), 300, [50], [rate], np.float64)
    other = dropout_masks(mask_bits(np.random.RandomState(8)), 300, [50], [rate], np.float64)
    np.testing.assert_array_equal(again[0], same[0])
    assert not np.array_equal(again[0], other[0])


def test_low_rates_drop_the_units_hit_by_a_poisson_count_of_draws():
    from sknn_scratch._training import _dropped

    class Recorded:
        """Hits 0, 5 and 5 again (a unit hit twice is dropped once)."""

        def poisson(self, lam):
            self.lam = lam
            return 3

        def integers(self, low, high, size):
            self.range = (low, high, size)
            return np.array([0, 5, 5])

    bits = Recorded()
    mask = _dropped(bits, 4, 3, 0.2, np.float64)
    assert bits.lam == pytest.approx(-12 * np.log(0.8))  # P(no hit) = 0.8 per unit
    assert bits.range == (0, 12, 3)
    expected = np.full(12, 1.25)
    expected[[0, 5]] = 0
    np.testing.assert_array_equal(mask, expected.reshape(4, 3))


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


def test_dropped_units_apply_as_their_mask_whole_and_by_rows(rng):
    # A low rate's mask multiplies as the array it stands for, in place, on
    # contiguous or strided arrays, and a slice of its rows is the slice.
    from sknn_scratch._layers import DroppedUnits, apply_mask
    from sknn_scratch._training import dropout_masks, mask_bits

    kept = dropout_masks(mask_bits(rng), 300, [20], [0.03], np.float32)[0]
    assert isinstance(kept, DroppedUnits) and len(kept.rows) > 0
    dense = np.asarray(kept)
    assert dense.dtype == np.float32 and np.asarray(kept, dtype=np.float64).dtype == np.float64
    A = rng.normal(size=(300, 20)).astype(np.float32)
    np.testing.assert_array_equal(apply_mask(A.copy(), kept), A * dense)
    strided = np.asfortranarray(A)
    assert apply_mask(strided, kept) is strided
    np.testing.assert_array_equal(strided, A * dense)
    for rows in (slice(0, 128), slice(128, 256), slice(256, 384)):
        np.testing.assert_array_equal(np.asarray(kept[rows]), dense[rows])
        np.testing.assert_array_equal(apply_mask(A[rows].copy(), kept[rows]), A[rows] * dense[rows])
