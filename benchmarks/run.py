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

A second table puts ours beside a hand-written PyTorch loop and skorch
(``peers.py``; they run when the ``bench`` extra is installed) from small
to wide networks, with each case's matrix-multiply limit: the time the same
matrix products take alone, measured in the same alternation.

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
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler

import sknn_scratch as ours
from sknn_scratch.datasets import make_bank_transactions

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import busy  # noqa: E402 (next to this script)
import machine_load  # noqa: E402
import peers  # noqa: E402

#: Each fit case times ours as users call it (``n_threads="auto"``), ours
#: on every thread (``n_threads=-1``, what this library did before
#: ``n_threads`` and what scikit-learn's MLP does), and scikit-learn.
LIBRARIES = (("ours", ours, {}), ("ours_all", ours, {"n_threads": -1}), ("sklearn", sk, {}))


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


def load_data(thunk):
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
    X, y = load_data(thunk)
    times = {label: [] for label, _, _ in LIBRARIES}
    fitted = {}
    for _ in range(repeats):
        for label, module, extra in LIBRARIES:
            seconds, fitted[label] = time_fit(getattr(module, cls), {**params, **extra}, X, y)
            times[label].append(seconds)
    row = {"case": name, "n_samples": len(y), "ours_threads": int(fitted["ours"].n_threads_)}
    for label, _, _ in LIBRARIES:
        est = fitted[label]
        row[f"{label}_s"] = statistics.median(times[label])
        row[f"{label}_score"] = float(est.score(X, y))
        row[f"{label}_loss"] = float(est.loss_)
        row[f"{label}_n_iter"] = int(est.n_iter_)
    row["ratio"] = row["sklearn_s"] / row["ours_s"]
    row["auto_over_all"] = row["ours_s"] / row["ours_all_s"]
    if params.get("solver", "adam") != "lbfgs":
        achieved = fit_flops(fitted["ours"], len(y)) / row["ours_s"] / 1e9
        row["ours_gflops"] = achieved
        row["ours_fraction_of_peak"] = achieved / peak_gflops[str(X.dtype)]
    return row


def blas_threads():
    """The threads NumPy's BLAS uses now (threadpoolctl's limits included)."""
    from threadpoolctl import threadpool_info

    counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return min(counts) if counts else 1


def peer_cases(quick):
    """(hidden, batch size, epochs, dtype) of the table against PyTorch."""
    if quick:
        return [((32, 32), 100, 2, np.float32), ((128, 128), 500, 1, np.float64)]
    f32, f64 = np.float32, np.float64
    return [
        ((64, 64), 200, 20, f64),
        ((64, 64), 200, 20, f32),
        ((256, 256), 200, 10, f32),
        ((512, 512), 1000, 10, f32),
        ((512, 512), 1000, 10, f64),
        ((1024, 1024), 2000, 5, f32),
        ((1024, 1024), 2000, 5, f64),
    ]


#: The wide cases and the ratios they are to reach (issue 14).
WIDE = {((512, 512), 1000), ((1024, 1024), 2000)}
TARGETS = {"torch": 1.0, "sklearn": 1.5, "limit": 0.85}


def _fit_adam(module, hidden, batch, epochs):
    def fit(X, y, threads):
        params = dict(
            hidden_layer_sizes=hidden,
            batch_size=batch,
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs,
            random_state=0,
        )
        seconds, est = time_fit(module.MLPRegressor, params, X, y)
        return seconds, est.predict

    return fit


def matmul_limit(X, hidden, batch, epochs):
    """Seconds the matrix products of these epochs take alone.

    Per batch: every layer's forward product and weight-gradient product,
    and above the first layer the product that sends the deltas down (with
    one output unit, the broadcast product ours uses, its fastest form).
    The values are random and finite, so no overflow or subnormal numbers
    slow the products down.
    """
    rng = np.random.RandomState(0)
    dtype, units = X.dtype, [X.shape[1], *hidden, 1]
    coefs = [rng.uniform(-0.1, 0.1, (a, b)).astype(dtype) for a, b in zip(units, units[1:])]
    layers = [np.empty((batch, u), dtype=dtype) for u in units[1:]]
    deltas = [rng.uniform(-0.1, 0.1, (batch, u)).astype(dtype) for u in units[1:]]
    grads = [np.empty_like(coef) for coef in coefs]
    start = time.perf_counter()
    for _ in range(epochs):
        for first in range(0, X.shape[0], batch):
            rows = X[first : first + batch]
            m = rows.shape[0]
            below = rows
            for coef, out in zip(coefs, layers):
                np.matmul(below, coef, out=out[:m])
                below = out[:m]
            for i in reversed(range(len(coefs))):
                inputs = rows if i == 0 else layers[i - 1][:m]
                np.matmul(inputs.T, deltas[i][:m], out=grads[i])
                if i and coefs[i].shape[1] == 1:
                    np.multiply(deltas[i][:m], coefs[i].T, out=deltas[i - 1][:m])
                elif i:
                    np.matmul(deltas[i][:m], coefs[i].T, out=deltas[i - 1][:m])
    return time.perf_counter() - start


def _settle():
    """Let the previous run's idle threads stop spinning.

    OpenBLAS' and PyTorch's OpenMP workers busy-wait for a while after a
    call; without a pause, whichever library runs next shares its cores
    with them.
    """
    time.sleep(0.3)


def run_peer_case(hidden, batch, epochs, dtype, quick, repeats):
    """Ours, scikit-learn, PyTorch, skorch and the matmul limit, alternating."""
    n_rows = 1_000 if quick else 10_000
    X, y = bank_data(n_rows, dtype)
    threads = blas_threads()
    fits = {"ours": _fit_adam(ours, hidden, batch, epochs)}
    fits["sklearn"] = _fit_adam(sk, hidden, batch, epochs)
    absent = peers.missing()
    variant = None
    if absent is None:
        variant = peers.fastest_variant(X, y, hidden, batch, epochs, threads)
        fits["torch"] = lambda X, y, t: peers.torch_fit(X, y, hidden, batch, epochs, t, variant)
        fits["skorch"] = lambda X, y, t: peers.skorch_fit(X, y, hidden, batch, epochs, t)
    times = {label: [] for label in [*fits, "limit"]}
    scores = {}
    for fit in fits.values():  # imports and first-call set-up are not timed
        fit(X[:batch], y[:batch], threads)
    for _ in range(repeats):
        for label, fit in fits.items():
            _settle()
            seconds, predict = fit(X, y, threads)
            times[label].append(seconds)
            scores[label] = float(r2_score(y, predict(X)))
        _settle()
        times["limit"].append(matmul_limit(X, hidden, batch, epochs))
    row = {
        "case": f"{hidden} batch {batch}, {epochs} epochs, {np.dtype(dtype).name}",
        "hidden": list(hidden),
        "batch_size": batch,
        "dtype": np.dtype(dtype).name,
        "n_samples": n_rows,
        "threads": threads,
        "peers_missing": absent,
        "torch_variant": variant,
        "scores": scores,
    }
    for label, values in times.items():
        row[f"{label}_s"] = statistics.median(values)
    for label in times:
        if label != "ours":
            row[f"{label}_ratio"] = row[f"{label}_s"] / row["ours_s"]
    return row


MEMORY = (("ours", ours), ("sklearn", sk))


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
    for label, module in MEMORY:
        row[f"{label}_mb"] = peak_memory(module.MLPRegressor, params, X, y) / 2**20
    lbfgs = dict(hidden_layer_sizes=(64, 64), solver="lbfgs", max_iter=3, random_state=0)
    for label, module in MEMORY:
        row[f"{label}_lbfgs_mb"] = peak_memory(module.MLPRegressor, lbfgs, X, y) / 2**20
    return row


def predict_case(quick, repeats):
    """Rows per second of predict; PyTorch runs our fitted network's weights."""
    n_rows = 5_000 if quick else 100_000
    threads = blas_threads()
    rows = []
    for hidden, dtype in (
        ((64, 64), np.float64),
        ((64, 64), np.float32),
        ((512, 512), np.float64),
        ((512, 512), np.float32),
    ):
        X, y = bank_data(n_rows, dtype)
        params = dict(hidden_layer_sizes=hidden, max_iter=1, random_state=0)
        fitted = {
            label: time_fit(module.MLPRegressor, {**params, **extra}, X[:2000], y[:2000])[1]
            for label, module, extra in LIBRARIES
        }
        models = {label: est.predict for label, est in fitted.items()}
        if peers.missing() is None:
            ours_fitted = fitted["ours"]
            models["torch"] = peers.torch_predictor(
                ours_fitted.coefs_, ours_fitted.intercepts_, threads
            )
        times = {label: [] for label in models}
        for _ in range(repeats * 3):
            for label, predict in models.items():
                _settle()
                start = time.perf_counter()
                predict(X)
                times[label].append(time.perf_counter() - start)
        row = {"case": f"predict {n_rows} rows {hidden} {np.dtype(dtype).name}"}
        for label in models:
            row[f"{label}_rows_per_s"] = n_rows / statistics.median(times[label])
        row["ratio"] = row["ours_rows_per_s"] / row["sklearn_rows_per_s"]
        row["auto_over_all"] = row["ours_all_rows_per_s"] / row["ours_rows_per_s"]
        if "torch" in models:
            row["torch_ratio"] = row["ours_rows_per_s"] / row["torch_rows_per_s"]
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
        # NumPy's own BLAS first: PyTorch, imported by now, may bring another.
        info.sort(key=lambda i: "numpy" not in i.get("filepath", ""))
        if info:
            blas = (
                f"{info[0]['internal_api']} {info[0]['version']} ({info[0]['num_threads']} threads)"
            )
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        **peers.versions(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "sknn_scratch": ours.__version__,
        "blas": blas,
    }


# ---------------------------------------------------------------- reporting


def run(quick, repeats, sections):
    with machine_load.Watch() as watch:
        results = _run_quiet(quick, repeats) if "quiet" in sections else {}
    results["machine"] = machine()
    results["repeats"] = repeats
    results["load"] = watch.record()
    print(machine_load.describe(results["load"]), flush=True)
    if "busy" in sections:
        results["busy"] = busy.run(quick, repeats, bank_data)
    return results


def _run_quiet(quick, repeats):
    results = {"peak_gflops": matmul_gflops(quick)}
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
    results["peers"] = []
    for hidden, batch, epochs, dtype in peer_cases(quick):
        row = run_peer_case(hidden, batch, epochs, dtype, quick, repeats)
        results["peers"].append(row)
        ratios = "  ".join(f"{k[:-6]} {v:.2f}" for k, v in row.items() if k.endswith("_ratio"))
        print(f"{row['case']:<44} ours {row['ours_s']:7.3f}s  {ratios}", flush=True)
    results["linear"] = linear_baseline(quick)
    results["predict"] = predict_case(quick, repeats)
    results["memory"] = memory_case(quick)
    return results


#: The small-network ratios sklearn time / our time before ``n_threads``
#: (issue 29): medians over the three sizes of the (64, 64) cases, and lbfgs.
HELD = {"adam float64": 2.2, "adam float32": 3.1, "sgd float64": 2.2, "lbfgs float64": 1.4}
#: Run-to-run movement of a ratio on the shared machine: "held" allows it.
NOISE = 0.2
#: Ours with the library's choice against ours on every thread, at most.
AUTO_TARGET = 1.10


def markdown(results):
    m = results["machine"]
    torch = (
        f"PyTorch {m['torch']}, skorch {m['skorch']}" if m.get("torch") else "PyTorch not installed"
    )
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python benchmarks/run.py`); do not edit by hand.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']}, "
        f"SciPy {m['scipy']}, scikit-learn {m['sklearn']}, BLAS {m['blas']}, {torch}; "
        f"sknn-scratch {m['sknn_scratch']}.",
        f"Medians of {results['repeats']} alternating runs per case. Ratio = sklearn time / "
        'our time (> 1: we are faster). Ours runs as users call it (`n_threads="auto"`, '
        'the threads it chose in brackets); "auto / all" is its time against ours with '
        "every thread (`n_threads=-1`, what this library did before it chose). Score: R^2 "
        "(accuracy for the classifier) on the training data after the same number of epochs.",
        "",
        "Load: " + machine_load.describe(results["load"]) + " (Everything but the busy-machine "
        "section; the machine's other processes against this one's, from `/proc/stat`.)",
        "",
        "Matrix-multiply peak (2000 x 2000 @ 2000 x 2000): "
        + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in results["peak_gflops"].items())
        + ".",
        "",
        "## Fit",
        "",
        "| case | ours s (threads) | ours all threads s | auto / all | sklearn s | ratio | "
        "ours score | sklearn score | ours loss | sklearn loss | epochs (ours/sklearn) | "
        "ours GFLOP/s (of peak) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["fit"]:
        gflops = (
            f"{r['ours_gflops']:.1f} ({100 * r['ours_fraction_of_peak']:.0f}%)"
            if "ours_gflops" in r
            else "-"
        )
        lines.append(
            f"| {r['case']} | {r['ours_s']:.3f} ({r['ours_threads']}) | {r['ours_all_s']:.3f} | "
            f"{r['auto_over_all']:.2f} | {r['sklearn_s']:.3f} | **{r['ratio']:.2f}** | "
            f"{r['ours_score']:.4f} | {r['sklearn_score']:.4f} | {r['ours_loss']:.4g} | "
            f"{r['sklearn_loss']:.4g} | {r['ours_n_iter']}/{r['sklearn_n_iter']} | {gflops} |"
        )
    lines += _quiet_targets(results)
    lin = results["linear"]
    lines += [
        "",
        f"Baseline: {lin['case']}: fit {lin['fit_s'] * 1e3:.1f} ms, R^2 {lin['score']:.4f}.",
        "",
        "## Predict",
        "",
        "| case | ours rows/s | ours all threads rows/s | auto / all (time) | sklearn rows/s | "
        "ratio ours/sklearn | PyTorch rows/s | ratio ours/PyTorch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["predict"]:
        torch_cells = (
            f"{r['torch_rows_per_s']:,.0f} | **{r['torch_ratio']:.2f}**"
            if "torch_ratio" in r
            else "- | -"
        )
        lines.append(
            f"| {r['case']} | {r['ours_rows_per_s']:,.0f} | {r['ours_all_rows_per_s']:,.0f} | "
            f"{r['auto_over_all']:.2f} | {r['sklearn_rows_per_s']:,.0f} | "
            f"**{r['ratio']:.2f}** | {torch_cells} |"
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
    lines += peers_markdown(results["peers"])
    if "busy" in results:
        lines += busy.markdown(results["busy"], results["repeats"])
    history = HERE / "OPTIMISATIONS.md"
    if history.exists():
        lines += ["", history.read_text().strip()]
    return "\n".join(lines) + "\n"


def _quiet_targets(results):
    """The quiet machine's targets (issue 29), each marked met or not."""
    times = [r["auto_over_all"] for r in results["fit"]]
    times += [r["auto_over_all"] for r in results["predict"]]
    met = sum(t <= AUTO_TARGET for t in times)
    lines = [
        "",
        f"Targets on this run: ours as users call it no slower than ours on every thread "
        f"times {AUTO_TARGET} in every fit and predict case: "
        f"**{'met' if met == len(times) else f'NOT met ({met} of {len(times)})'}** "
        f"(worst {max(times):.2f}).",
    ]
    for name, before in HELD.items():
        solver, dtype = name.split()
        ratios = [
            r["ratio"]
            for r in results["fit"]
            if f" {solver} " in f"{r['case']} " and dtype in r["case"] and "(64, 64)" in r["case"]
        ]
        if not ratios:
            continue
        now = statistics.median(ratios)
        verdict = "held" if now >= before - NOISE else "NOT held"
        lines.append(
            f"- sklearn/ours, {name}, (64, 64) (median of {len(ratios)}): {now:.2f} "
            f"against {before} before: **{verdict}** (within the {NOISE} a ratio moves "
            "between runs)"
        )
    return lines


def _ratio(row, label):
    return f"{row[label + '_ratio']:.2f}" if label + "_ratio" in row else "-"


def peers_markdown(rows):
    """The table against PyTorch and skorch, and the wide cases' targets."""
    if not rows:
        return []
    first = rows[0]
    lines = [
        "",
        "## Against PyTorch and skorch, from small to wide networks",
        "",
        f"Adam on the bank data, {first['n_samples']:,} rows; PyTorch and skorch with "
        f"{first['threads']} threads (`torch.set_num_threads`), scikit-learn with NumPy's "
        'BLAS as it is, ours choosing its own (`n_threads="auto"`). '
        "Ratios: their time / our time (> 1: we are faster). Matmul limit: the "
        "time the same matrix products take alone (`matmul_limit`), and its "
        "share of our time. R^2 on the training data. The PyTorch loop "
        "(`benchmarks/peers.py`) starts from our initial weights and takes our "
        "batch order; for each case it uses the fastest of PyTorch's Adam "
        "implementations (timed first, twice each: the default loop, "
        "`foreach=True`, `fused=True`), named in the table. skorch shuffles "
        "its own way.",
        "",
    ]
    if first["peers_missing"]:
        lines += [f"PyTorch and skorch not measured: {first['peers_missing']}.", ""]
    lines += [
        "| case | ours s | matmul limit s (share) | sklearn/ours | PyTorch/ours (Adam) | "
        "skorch/ours | R^2 ours / sklearn / PyTorch / skorch |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        share = r["limit_s"] / r["ours_s"]
        scores = " / ".join(
            f"{r['scores'][k]:.4f}" if k in r["scores"] else "-"
            for k in ("ours", "sklearn", "torch", "skorch")
        )
        lines.append(
            f"| {r['case']} | {r['ours_s']:.3f} | {r['limit_s']:.3f} ({100 * share:.0f}%) | "
            f"{_ratio(r, 'sklearn')} | **{_ratio(r, 'torch')}** "
            f"({r.get('torch_variant') or '-'}) | {_ratio(r, 'skorch')} | "
            f"{scores} |"
        )
    wide = [r for r in rows if (tuple(r["hidden"]), r["batch_size"]) in WIDE]
    if wide:
        lines += ["", "Targets on the wide cases ((512, 512) batch 1000, (1024, 1024) "]
        lines[-1] += "batch 2000, float32 and float64):"
        lines.append("")
        for label, name, target in (
            ("torch", "PyTorch/ours", f">= {TARGETS['torch']:.1f}"),
            ("sklearn", "sklearn/ours", f">= {TARGETS['sklearn']:.1f}"),
            ("limit", "matmul limit share", f">= {100 * TARGETS['limit']:.0f}%"),
        ):
            if label == "limit":
                values = [r["limit_s"] / r["ours_s"] for r in wide]
                shown = ", ".join(f"{100 * v:.1f}%" for v in values)
            elif f"{label}_ratio" in wide[0]:
                values = [r[f"{label}_ratio"] for r in wide]
                shown = ", ".join(f"{v:.2f}" for v in values)
            else:
                lines.append(f"- {name} {target}: not measured")
                continue
            met = sum(v >= TARGETS[label] for v in values)
            verdict = "met" if met == len(values) else f"NOT met ({met} of {len(values)})"
            lines.append(f"- {name} {target}: {shown}: **{verdict}**")
        lines += _where_torch_leads(wide)
        ceilings = ", ".join(f"{r['sklearn_s'] / r['limit_s']:.2f}" for r in wide)
        lines += [
            "",
            "No implementation of these matrix products can be faster than the "
            "products alone, so sklearn/ours cannot exceed sklearn time / matmul "
            f"limit: {ceilings} in these cases.",
        ]
    return lines


def _where_torch_leads(wide):
    """Where PyTorch is ahead, whether its whole fit beat NumPy's products alone."""
    ahead = [r for r in wide if r.get("torch_ratio", 1.0) < 1.0]
    if not ahead:
        return []
    below = [r for r in ahead if r["torch_s"] < r["limit_s"]]
    cases = "; ".join(
        f"{r['case']}: PyTorch {r['torch_s']:.3f} s, ours {r['ours_s']:.3f} s, "
        f"NumPy's products alone {r['limit_s']:.3f} s"
        for r in ahead
    )
    why = (
        f"In {len(below)} of these PyTorch's whole fit took less time than the same "
        "matrix products alone take through NumPy's BLAS: there its products are faster "
        "than NumPy's, and no change to our loop around them can close that gap."
        if below
        else "In each, NumPy's products alone take less time than PyTorch's fit: the "
        "rest of our loop is where the gap lies."
    )
    return ["", f"PyTorch is ahead in {len(ahead)} wide case(s): {cases}. {why}"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small data, one repeat; writes only what --json asks for",
    )
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs per case")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--sections",
        default="quiet,busy",
        help="comma-separated: quiet (every table but the busy machine's), busy",
    )
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    results = run(args.quick, 1 if args.quick else args.repeats, sections)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if not args.quick and sections == {"quiet", "busy"}:
        (HERE / "results.json").write_text(json.dumps(results, indent=2))
        (HERE / "RESULTS.md").write_text(markdown(results))
        print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
