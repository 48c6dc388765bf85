"""Generated data sets: the bank-transactions problem of the classic introduction."""

import numpy as np
from scipy.special import expit
from sklearn.utils import check_random_state

__all__ = ["make_bank_transactions", "BANK_FEATURES"]

BANK_FEATURES = ["age", "bank_balance", "retired", "family_members", "accounts"]


def make_bank_transactions(
    n_samples=5000, *, noise=1.0, random_state=0, as_frame=False, return_expected=False
):
    """Generate customers and the number of transactions each makes in a year.

    The features and their dependencies:

    - ``age``: uniform on [18, 90) years;
    - ``retired``: 1 with probability ``expit((age - 64) / 2.5)``, so almost
      nobody retires before 55 and almost everybody has by 75;
    - ``bank_balance``: log-normal, skewed to the right, growing with age:
      ``exp(N(log(3000) + 0.025 (age - 18), 1))``;
    - ``family_members``: ``1 + Poisson(1.6)``, or ``1 + Poisson(0.4)`` once
      retired (children have left home);
    - ``accounts``: ``1 + Poisson(1)``.

    With ``b = log10(bank_balance)`` and ``w = 1 - retired``, the expected
    number of transactions is

    .. code-block:: text

        mu = max(1, 20 + 25 * accounts * family_members
                    + w * (6 * (age - 18) + 15 * b)
                    + retired * (max(300 - 12 * (age - 64), 0) + 100 * (b - 4)))

    It holds three interactions a linear model cannot represent: accounts and
    family size multiply; retirement reverses the effect of age (working
    customers transact more as they get older, retired ones less); and the
    balance matters far more once retired. The target is the count
    ``round(mu + noise * sqrt(mu) * N(0, 1))``, clipped at 0 (a Poisson-like
    spread at ``noise=1``; exactly ``round(mu)`` at ``noise=0``).

    At the defaults, a standardised LinearRegression scores an R^2 of about
    0.6 on held-out data, the noise-free ``mu`` about 0.98, and a
    (64, 64) MLPRegressor about 0.97.

    Parameters
    ----------
    n_samples : int, default=5000
        Number of customers.
    noise : float, default=1.0
        Scale of the noise around ``mu``; 0 gives the rounded expectation.
    random_state : int, RandomState instance or None, default=0
        Seed of the generator.
    as_frame : bool, default=False
        Return a pandas DataFrame and Series (needs pandas).
    return_expected : bool, default=False
        Also return the noise-free expectation ``mu``.

    Returns
    -------
    X : ndarray of shape (n_samples, 5) or DataFrame
        Columns ``age``, ``bank_balance``, ``retired``, ``family_members``,
        ``accounts``.
    y : ndarray of shape (n_samples,) or Series named ``transactions``
        Transactions in the year, non-negative integers (as floats).
    expected : ndarray of shape (n_samples,)
        ``mu``; only with ``return_expected=True``.

    Examples
    --------
    >>> from sknn_scratch.datasets import make_bank_transactions
    >>> X, y = make_bank_transactions(n_samples=3)
    >>> X.shape, y.shape
    ((3, 5), (3,))
    >>> bool((y >= 0).all())
    True
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}.")
    rng = check_random_state(random_state)
    age = rng.uniform(18, 90, n_samples)
    retired = (rng.uniform(size=n_samples) < expit((age - 64) / 2.5)).astype(float)
    balance = np.exp(rng.normal(np.log(3000) + 0.025 * (age - 18), 1.0))
    family = 1.0 + rng.poisson(np.where(retired == 1, 0.4, 1.6))
    accounts = 1.0 + rng.poisson(1.0, n_samples)
    expected = _expected_transactions(age, balance, retired, family, accounts)
    y = np.round(expected + noise * np.sqrt(expected) * rng.normal(size=n_samples))
    y = np.maximum(y, 0)
    X = np.column_stack([age, balance, retired, family, accounts])
    if as_frame:
        X, y = _as_frame(X, y)
    return (X, y, expected) if return_expected else (X, y)


def _expected_transactions(age, balance, retired, family, accounts):
    """The noise-free ``mu`` of :func:`make_bank_transactions`."""
    b = np.log10(balance)
    working = 1 - retired
    mu = (
        20
        + 25 * accounts * family
        + working * (6 * (age - 18) + 15 * b)
        + retired * (np.maximum(300 - 12 * (age - 64), 0) + 100 * (b - 4))
    )
    return np.maximum(mu, 1)


def _as_frame(X, y):
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "as_frame=True needs pandas: pip install 'sknn-scratch[csv]' (or: pip install pandas)."
        ) from None
    frame = pd.DataFrame(X, columns=BANK_FEATURES)
    frame["retired"] = frame["retired"].astype(int)
    return frame, pd.Series(y, name="transactions")
