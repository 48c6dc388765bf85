"""Benchmark sknn_scratch against sklearn.neural_network, in one process.

Every case fits both libraries on identical data with identical architecture,
solver, batch size, learning rate and number of epochs (``tol=0`` and
``n_iter_no_change=max_iter``, so neither stops early). Runs alternate
(ours, sklearn, ours, sklearn, ...) so that drift of a shared machine hits
both alike; the tables give median times, the ratio sklearn/ours (> 1 means
we are faster) and the quality each reached, so that speed is never bought
with accuracy. LinearRegression is there as the baseline it is.

The machine's own matrix-multiply rate (GFLOP/s of a large ``A @ B``) is
measured too, and each fit's achieved GFLOP/s is shown as a fraction of it.

    python benchmarks/run.py            # full suite: RESULTS.md and results.json
    python benchmarks/run.py --quick    # a smoke run of a few seconds, writes nothing
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn import neural_network as sk
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

import sknn_scratch as ours
from sknn_scratch.datasets import make_bank_transactions

HERE = Path(__file__).resolve().parent
LIBRARIES = (("ours", ours), ("sklearn", sk))


# -------------------------------------------------------------------- data


def bank_data(n_samples, dtype):
    """Standardised bank-transactions features and target."""
    X, y = make_bank_transactions(n_samples, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return X.astype(dtype), y.astype(dtype)


def digits_data(dtype):
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(dtype), y


# ------------------------------------------------------------------- cases


def fit_cases(quick):
    """(name, estimator class name, data thunk, params) for every fit case."""
    sizes = [(1_000, 10)] if quick else [(1_000, 50), (10_000, 20), (100_000, 5)]
    for n_rows, epochs in sizes:
        common = dict(
            batch_size=200, max_iter=epochs, tol=0.0, n_iter_no_change=epochs, random_state=0
        )
        for dtype in (np.float64, np.float32):
            for solver, extra in (("adam", {}), ("sgd", {"learning_rate_init": 0.01})):
                yield (
                    f"bank {n_rows:>6} rows (64, 64) {solver:<5} {np.dtype(dtype).name}",
                    "MLPRegressor",
                    (bank_data, n_rows, dtype),
                    dict(hidden_layer_sizes=(64, 64), solver=solver, **common, **extra),
                )
    big_rows = 1_000 if quick else 10_000
    epochs = 2 if quick else 10
    yield (
        f"bank {big_rows:>6} rows (256, 256) adam float64",
        "MLPRegressor",
        (bank_data, big_rows, np.float64),
        dict(
            hidden_layer_sizes=(256, 256),
            batch_size=200,
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs,
            random_state=0,
        ),
    )
    yield (
        f"bank {big_rows:>6} rows (64, 64) lbfgs float64",
        "MLPRegressor",
        (bank_data, big_rows, np.float64),
        dict(
            hidden_layer_sizes=(64, 64),
            solver="lbfgs",
            max_iter=20 if quick else 100,
            tol=0.0,
            random_state=0,
        ),
    )
    epochs = 5 if quick else 30
    yield (
        "digits   1797 rows (100,) adam float64 (classifier)",
        "MLPClassifier",
        (digits_data, np.float64),
        dict(
            hidden_layer_sizes=(100,),
            batch_size=200,
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs,
            random_state=0,
        ),
    )


def load(thunk):
    function, *args = thunk
    return function(*args)


# ------------------------------------------------------------- measurement


def time_fit(Estimator, params, X, y):
    est = Estimator(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - start
    return seconds, est


def fit_flops(est, n_samples):
    """Floating-point operations of the matrix products of a stochastic fit.

    Per sample and layer of ``fan_in x fan_out`` weights: 2 * fan_in * fan_out
    for the forward product, as many for the weight gradient, and as many for
    the deltas sent to the layer below (not needed for the first layer).
    """
    per_sample = 0
    for i, coef in enumerate(est.coefs_):
        per_sample += 2 * coef.size * (3 if i > 0 else 2)
    return per_sample * n_samples * est.n_iter_


def run_fit_case(name, cls, thunk, params, repeats, peak_gflops):
    X, y = load(thunk)
    times = {label: [] for label, _ in LIBRARIES}
    fitted = {}
    for _ in range(repeats):
        for label, module in LIBRARIES:
            seconds, fitted[label] = time_fit(getattr(module, cls), params, X, y)
            times[label].append(seconds)
    row = {"case": name, "n_samples": len(y)}
    for label, _ in LIBRARIES:
        est = fitted[label]
        row[f"{label}_s"] = statistics.median(times[label])
        row[f"{label}_score"] = float(est.score(X, y))
        row[f"{label}_loss"] = float(est.loss_)
        row[f"{label}_n_iter"] = int(est.n_iter_)
    row["ratio"] = row["sklearn_s"] / row["ours_s"]
    if params.get("solver", "adam") != "lbfgs":
        achieved = fit_flops(fitted["ours"], len(y)) / row["ours_s"] / 1e9
        row["ours_gflops"] = achieved
        row["ours_fraction_of_peak"] = achieved / peak_gflops[str(X.dtype)]
    return row


def peak_memory(cls, params, X, y):
    """Peak bytes allocated during one fit (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    time_fit(cls, params, X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def memory_case(quick):
    n_rows = 2_000 if quick else 100_000
    X, y = bank_data(n_rows, np.float64)
    params = dict(
        hidden_layer_sizes=(64, 64),
        batch_size=200,
        max_iter=2,
        tol=0.0,
        n_iter_no_change=2,
        random_state=0,
    )
    row = {"case": f"peak memory of fit, bank {n_rows} rows (64, 64) adam"}
    for label, module in LIBRARIES:
        row[f"{label}_mb"] = peak_memory(module.MLPRegressor, params, X, y) / 2**20
    lbfgs = dict(hidden_layer_sizes=(64, 64), solver="lbfgs", max_iter=3, random_state=0)
    for label, module in LIBRARIES:
        row[f"{label}_lbfgs_mb"] = peak_memory(module.MLPRegressor, lbfgs, X, y) / 2**20
    return row


def predict_case(quick, repeats):
    n_rows = 5_000 if quick else 100_000
    rows = []
    for dtype in (np.float64, np.float32):
        X, y = bank_data(n_rows, dtype)
        params = dict(hidden_layer_sizes=(64, 64), max_iter=1, random_state=0)
        models = {
            label: time_fit(module.MLPRegressor, params, X[:2000], y[:2000])[1]
            for label, module in LIBRARIES
        }
        times = {label: [] for label in models}
        for _ in range(repeats * 3):
            for label, model in models.items():
                start = time.perf_counter()
                model.predict(X)
                times[label].append(time.perf_counter() - start)
        row = {"case": f"predict {n_rows} rows (64, 64) {np.dtype(dtype).name}"}
        for label in models:
            row[f"{label}_rows_per_s"] = n_rows / statistics.median(times[label])
        row["ratio"] = row["ours_rows_per_s"] / row["sklearn_rows_per_s"]
        rows.append(row)
    return rows


def linear_baseline(quick):
    n_rows = 1_000 if quick else 10_000
    X, y = bank_data(n_rows, np.float64)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        model = LinearRegression().fit(X, y)
        times.append(time.perf_counter() - start)
    return {
        "case": f"LinearRegression, bank {n_rows} rows",
        "fit_s": statistics.median(times),
        "score": float(model.score(X, y)),
    }


def matmul_gflops(quick):
    """The machine's rate for a large square product, per dtype."""
    n = 500 if quick else 2000
    rates = {}
    rng = np.random.RandomState(0)
    for dtype in (np.float64, np.float32):
        A, B = rng.normal(size=(n, n)).astype(dtype), rng.normal(size=(n, n)).astype(dtype)
        A @ B  # warm up the BLAS threads
        times = []
        for _ in range(5):
            start = time.perf_counter()
            A @ B
            times.append(time.perf_counter() - start)
        rates[np.dtype(dtype).name] = 2 * n**3 / statistics.median(times) / 1e9
    return rates


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = (
                f"{info[0]['internal_api']} {info[0]['version']} ({info[0]['num_threads']} threads)"
            )
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "sknn_scratch": ours.__version__,
        "blas": blas,
    }


# ---------------------------------------------------------------- reporting


def run(quick, repeats):
    results = {"machine": machine(), "repeats": repeats, "peak_gflops": matmul_gflops(quick)}
    print(f"matmul peak: {results['peak_gflops']}", flush=True)
    results["fit"] = []
    for name, cls, thunk, params in fit_cases(quick):
        row = run_fit_case(name, cls, thunk, params, repeats, results["peak_gflops"])
        results["fit"].append(row)
        print(
            f"{name:<52} ours {row['ours_s']:7.3f}s  sklearn {row['sklearn_s']:7.3f}s  "
            f"ratio {row['ratio']:5.2f}  score {row['ours_score']:.4f} vs "
            f"{row['sklearn_score']:.4f}",
            flush=True,
        )
    results["linear"] = linear_baseline(quick)
    results["predict"] = predict_case(quick, repeats)
    results["memory"] = memory_case(quick)
    return results


def markdown(results):
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python benchmarks/run.py`); do not edit by hand.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']}, "
        f"SciPy {m['scipy']}, scikit-learn {m['sklearn']}, BLAS {m['blas']}; "
        f"sknn-scratch {m['sknn_scratch']}.",
        f"Medians of {results['repeats']} alternating runs per case. Ratio = sklearn time / "
        "our time (> 1: we are faster). Score: R^2 (accuracy for the classifier) on the "
        "training data after the same number of epochs.",
        "",
        "Matrix-multiply peak (2000 x 2000 @ 2000 x 2000): "
        + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in results["peak_gflops"].items())
        + ".",
        "",
        "## Fit",
        "",
        "| case | ours s | sklearn s | ratio | ours score | sklearn score | ours loss | "
        "sklearn loss | epochs (ours/sklearn) | ours GFLOP/s (of peak) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["fit"]:
        gflops = (
            f"{r['ours_gflops']:.1f} ({100 * r['ours_fraction_of_peak']:.0f}%)"
            if "ours_gflops" in r
            else "-"
        )
        lines.append(
            f"| {r['case']} | {r['ours_s']:.3f} | {r['sklearn_s']:.3f} | **{r['ratio']:.2f}** | "
            f"{r['ours_score']:.4f} | {r['sklearn_score']:.4f} | {r['ours_loss']:.4g} | "
            f"{r['sklearn_loss']:.4g} | {r['ours_n_iter']}/{r['sklearn_n_iter']} | {gflops} |"
        )
    lin = results["linear"]
    lines += [
        "",
        f"Baseline: {lin['case']}: fit {lin['fit_s'] * 1e3:.1f} ms, R^2 {lin['score']:.4f}.",
        "",
        "## Predict",
        "",
        "| case | ours rows/s | sklearn rows/s | ratio ours/sklearn |",
        "|---|---|---|---|",
    ]
    for r in results["predict"]:
        lines.append(
            f"| {r['case']} | {r['ours_rows_per_s']:,.0f} | "
            f"{r['sklearn_rows_per_s']:,.0f} | **{r['ratio']:.2f}** |"
        )
    mem = results["memory"]
    lines += [
        "",
        "## Peak memory of fit (tracemalloc)",
        "",
        "| case | ours MB | sklearn MB |",
        "|---|---|---|",
        f"| {mem['case']} | {mem['ours_mb']:.1f} | {mem['sklearn_mb']:.1f} |",
        f"| same data, lbfgs (3 iterations) | {mem['ours_lbfgs_mb']:.1f} | "
        f"{mem['sklearn_lbfgs_mb']:.1f} |",
    ]
    history = HERE / "OPTIMISATIONS.md"
    if history.exists():
        lines += ["", history.read_text().strip()]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small data, one repeat; writes only what --json asks for",
    )
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs per case")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    results = run(args.quick, 1 if args.quick else args.repeats)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if not args.quick:
        (HERE / "results.json").write_text(json.dumps(results, indent=2))
        (HERE / "RESULTS.md").write_text(markdown(results))
        print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
