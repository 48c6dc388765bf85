"""``python -m sknn_scratch``: fit LinearRegression and MLPRegressor, compare.

The data have an interaction (the effect of one feature depends on another),
which a linear model cannot represent and a network can learn. Both models sit
in a Pipeline behind a StandardScaler and are cross-validated on the same
folds. This is the short example that ``make demo`` runs until the
bank-transactions job exists.
"""

import sys
import time

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import MLPRegressor


def make_interaction_data(n_samples=2000, random_state=0):
    """Targets with an interaction: ``y = x0 * x1 + sin(2 x2) + noise``."""
    rng = np.random.RandomState(random_state)
    X = rng.uniform(-2, 2, size=(n_samples, 4))
    y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + 0.1 * rng.normal(size=n_samples)
    return X, y


def main(argv=None):
    """Cross-validate both pipelines and print a table; return the exit code."""
    X, y = make_interaction_data()
    models = {
        "LinearRegression": LinearRegression(),
        "MLPRegressor": MLPRegressor(
            hidden_layer_sizes=(64, 64), max_iter=300, random_state=0
        ),
    }
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    print(f"{'model':<18} {'R^2 mean':>9} {'R^2 std':>8} {'fit s':>7}")
    for name, model in models.items():
        start = time.perf_counter()
        scores = cross_validate(make_pipeline(StandardScaler(), model), X, y, cv=folds)
        elapsed = time.perf_counter() - start
        r2 = scores["test_score"]
        print(f"{name:<18} {r2.mean():>9.3f} {r2.std():>8.3f} {elapsed:>7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
