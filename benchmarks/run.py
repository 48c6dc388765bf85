"""Fit sknn_scratch and sklearn.neural_network side by side, alternating runs.

Both get identical data, architecture, solver, batch size, learning rate and
number of epochs (``tol=0`` and ``n_iter_no_change=max_iter``, so neither
stops early). Runs alternate (ours, theirs, ours, theirs, ...) so that drift
of a shared machine hits both alike; the table shows median fit times, the
ratio sklearn/ours (> 1 means we are faster), and the quality each reached,
so that speed is never bought with accuracy.

    python benchmarks/run.py            # the full table
    python benchmarks/run.py --quick    # a smoke run of a few seconds
"""

import argparse
import json
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn import neural_network as sk
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import sknn_scratch as ours


def regression_data(n_samples, dtype, seed=0):
    """A smooth regression with interactions, 10 standardised features."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 10))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) + 0.5 * X[:, 3] + 0.1 * rng.normal(size=n_samples)
    return X.astype(dtype), y.astype(dtype)


def digits_data(dtype):
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(dtype), y


def cases(quick):
    rows = 2_000 if quick else 10_000
    epochs = 3 if quick else 20
    common = dict(batch_size=200, max_iter=epochs, tol=0, n_iter_no_change=epochs,
                  random_state=0)
    for dtype in (np.float64, np.float32):
        for solver, extra in (("adam", {}), ("sgd", {"learning_rate_init": 0.01})):
            yield (f"regression {rows} rows, (64, 64), {solver}, {np.dtype(dtype).name}",
                   "MLPRegressor", regression_data(rows, dtype),
                   dict(hidden_layer_sizes=(64, 64), solver=solver, **common, **extra))
    yield (f"regression {rows} rows, (64, 64), lbfgs, float64", "MLPRegressor",
           regression_data(rows, np.float64),
           dict(hidden_layer_sizes=(64, 64), solver="lbfgs", max_iter=epochs * 5,
                tol=0, random_state=0))
    yield ("digits, (100,), adam, float64", "MLPClassifier", digits_data(np.float64),
           dict(hidden_layer_sizes=(100,), solver="adam", **common))


def time_fit(Estimator, params, X, y):
    est = Estimator(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - start
    return elapsed, est.score(X, y), est.loss_


def run(quick, repeats):
    results = []
    for name, cls, (X, y), params in cases(quick):
        timings = {"ours": [], "sklearn": []}
        for _ in range(repeats):
            for label, module in (("ours", ours), ("sklearn", sk)):
                seconds, score, loss = time_fit(getattr(module, cls), params, X, y)
                timings[label].append(seconds)
                timings[label + "_score"] = score
        row = {
            "case": name,
            "ours_s": statistics.median(timings["ours"]),
            "sklearn_s": statistics.median(timings["sklearn"]),
            "ours_score": timings["ours_score"],
            "sklearn_score": timings["sklearn_score"],
        }
        row["ratio"] = row["sklearn_s"] / row["ours_s"]
        results.append(row)
        print(f"{name:<48} ours {row['ours_s']:7.3f}s  sklearn {row['sklearn_s']:7.3f}s  "
              f"ratio {row['ratio']:5.2f}  score {row['ours_score']:.4f} vs "
              f"{row['sklearn_score']:.4f}", flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, one repeat")
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs per case")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results = run(args.quick, 1 if args.quick else args.repeats)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
