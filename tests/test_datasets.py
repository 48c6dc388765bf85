"""The bank-transactions data: realistic, reproducible, and with interactions."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch.datasets import BANK_FEATURES, make_bank_transactions


def test_shapes_ranges_and_dependencies():
    X, y = make_bank_transactions()
    age, balance, retired, family, accounts = X.T
    assert X.shape == (5000, 5) and y.shape == (5000,)
    assert (y >= 0).all() and np.array_equal(y, np.round(y))
    assert 18 <= age.min() and age.max() < 90
    assert set(np.unique(retired)) == {0.0, 1.0}
    assert retired[age < 55].mean() < 0.05 and retired[age > 75].mean() > 0.95
    assert (balance > 0).all() and np.mean(balance) > 1.5 * np.median(balance)  # skewed
    assert family.min() >= 1 and accounts.min() >= 1


def test_reproducible_and_seeded():
    a, b = make_bank_transactions(100, random_state=3), make_bank_transactions(100, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[1], make_bank_transactions(100, random_state=4)[1])


def test_linear_model_falls_short_of_the_noise_free_ceiling():
    X, y, expected = make_bank_transactions(return_expected=True)
    X_train, X_test, y_train, y_test, _, expected_test = train_test_split(
        X, y, expected, random_state=0
    )
    linear = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
    assert linear.score(X_test, y_test) <= 0.8
    assert r2_score(y_test, expected_test) >= 0.95


def test_noise_zero_gives_rounded_expectation():
    _, y, expected = make_bank_transactions(200, noise=0, return_expected=True)
    np.testing.assert_array_equal(y, np.round(expected))


def test_as_frame():
    X, y = make_bank_transactions(10, as_frame=True)
    assert list(X.columns) == BANK_FEATURES and y.name == "transactions"


@pytest.mark.parametrize(
    "kwargs, message", [({"n_samples": 0}, "n_samples"), ({"noise": -1}, "noise")]
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_bank_transactions(**kwargs)
