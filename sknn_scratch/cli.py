"""``sknn-scratch compare``: LinearRegression against the MLP, in Pipelines.

Both models sit behind the same preprocessing (numeric columns scaled, text
columns one-hot encoded) and are cross-validated on the same folds. The table
shows R^2 (mean and standard deviation over folds), RMSE, MAE, fit time and
predict time per row; for generated data a "ceiling" row scores the
noise-free expectation, the best any model can do.
"""

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ._regressor import MLPRegressor
from .datasets import make_bank_transactions

TUNING_GRID = {
    "mlpregressor__regressor__hidden_layer_sizes": [(32,), (64, 64)],
    "mlpregressor__regressor__alpha": [1e-4, 1e-2],
    "mlpregressor__regressor__learning_rate_init": [1e-3, 1e-2],
}


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def main(argv=None):
    """Run the ``sknn-scratch`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        The exit code: 0 on success, 2 for bad input (reported on stderr in
        one line, never as a traceback).

    Examples
    --------
    >>> from sknn_scratch.cli import main
    >>> main(["compare", "--n-samples", "300", "--cv", "2", "--max-iter", "5",
    ...       "--quiet"])  # doctest: +ELLIPSIS
    Data: bank transactions (generated, 300 customers); 300 rows, 2-fold CV
    ...
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return _compare(args)
    except UsageError as error:
        print(f"sknn-scratch: error: {error}", file=sys.stderr)
        return 2


def _parser():
    parser = argparse.ArgumentParser(prog="sknn-scratch", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    compare = commands.add_parser("compare", help="cross-validate LinearRegression and the MLP")
    source = compare.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=["bank", "diabetes"], default="bank",
                        help="bank: generated bank transactions (default); diabetes: "
                             "scikit-learn's bundled data")
    source.add_argument("--csv", type=Path, help="a CSV file of your own (needs --target)")
    compare.add_argument("--target", help="the CSV column to predict")
    compare.add_argument("--impute", action="store_true",
                         help="fill missing values (median, or most frequent for text) "
                              "instead of stopping")
    compare.add_argument("--n-samples", type=_positive_int, default=5000,
                         help="customers to generate for --dataset bank (default 5000)")
    compare.add_argument("--cv", type=_positive_int, default=5, help="folds (default 5)")
    compare.add_argument("--hidden", type=_layer_sizes, default=(64, 64),
                         help="hidden layer sizes, comma-separated (default 64,64)")
    compare.add_argument("--max-iter", type=_positive_int, default=300,
                         help="maximum epochs of the MLP (default 300)")
    compare.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    compare.add_argument("--n-jobs", type=int, default=None, help="parallel jobs for --tune")
    compare.add_argument("--tune", action="store_true",
                         help="also grid-search hidden_layer_sizes, alpha, learning_rate_init")
    compare.add_argument("--json", type=Path, help="write every figure of the table here")
    compare.add_argument("--plot-dir", type=Path, help="write PNG figures here (needs matplotlib)")
    compare.add_argument("--quiet", action="store_true", help="print only the results")
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _layer_sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 64,64, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


# ----------------------------------------------------------------- the job


def _compare(args):
    if args.csv is None and args.target is not None:
        raise UsageError("--target only applies with --csv.")
    if args.plot_dir:
        _require("matplotlib", "--plot-dir")  # before the long work, not after it
    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    data = _load(args)
    if len(data["y"]) < args.cv:
        raise UsageError(
            f"the data have {len(data['y'])} rows, fewer than the {args.cv} folds of --cv."
        )
    models = _models(data, args)
    folds = KFold(n_splits=args.cv, shuffle=True, random_state=args.seed)
    rows = _cross_validate(models, data, folds, progress)
    report = {"data": data["description"], "n_samples": len(data["y"]), "cv": args.cv,
              "hidden_layer_sizes": list(args.hidden), "rows": rows}
    if args.tune:
        report["tuning"] = _tune(models["MLPRegressor"], data, folds, args, progress)
    progress.clear()
    _print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if args.plot_dir:
        _plot(models, data, args.plot_dir, progress)
    return 0


def _load(args):
    if args.csv is not None:
        return _load_csv(args.csv, args.target, args.impute)
    if args.dataset == "diabetes":
        from sklearn.datasets import load_diabetes

        X, y = load_diabetes(return_X_y=True, as_frame=True)
        return {"X": X, "y": y.to_numpy(), "expected": None, "description": "diabetes"}
    X, y, expected = make_bank_transactions(
        args.n_samples, random_state=args.seed, as_frame=True, return_expected=True
    )
    return {"X": X, "y": y.to_numpy(), "expected": expected,
            "description": f"bank transactions (generated, {args.n_samples} customers)"}


def _load_csv(path, target, impute):
    pd = _require("pandas", "--csv")
    if target is None:
        raise UsageError("--csv needs --target COLUMN.")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path} as CSV: {str(error).splitlines()[0]}") from None
    if target not in frame.columns:
        raise UsageError(f"no column {target!r} in {path}; columns: {', '.join(map(str, frame.columns))}")
    y = frame.pop(target)
    if not pd.api.types.is_numeric_dtype(y):
        raise UsageError(f"the target column {target!r} is not numeric (dtype {y.dtype}).")
    if y.isna().any():
        raise UsageError(f"the target column {target!r} has {int(y.isna().sum())} missing values.")
    missing = [str(c) for c in frame.columns if frame[c].isna().any()]
    if missing and not impute:
        raise UsageError(f"missing values in column(s) {', '.join(missing)}; "
                         "pass --impute to fill them.")
    if frame.shape[1] == 0:
        raise UsageError(f"{path} has no feature columns besides {target!r}.")
    return {"X": frame, "y": y.to_numpy(dtype=float), "expected": None,
            "description": f"{path.name} (target {target})"}


def _require(module, feature):
    try:
        return __import__(module)
    except ImportError:
        extra = " (or: pip install 'sknn-scratch[plot]')" if module == "matplotlib" else ""
        raise UsageError(f"{feature} needs {module}: pip install {module}{extra}") from None


def _preprocessing(X):
    """Scale numeric columns and one-hot encode the others, imputing if asked."""
    numeric = list(X.select_dtypes("number").columns)
    other = [c for c in X.columns if c not in numeric]
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore")), other),
    ])


def _models(data, args):
    """The two Pipelines, with the same preprocessing.

    The MLP also standardises the target (TransformedTargetRegressor): with
    targets in the hundreds, unit-scale targets let the default learning rate
    work on any data; LinearRegression is unchanged by such a rescaling.
    """
    mlp = MLPRegressor(hidden_layer_sizes=args.hidden, max_iter=args.max_iter,
                       learning_rate_init=0.01, random_state=args.seed)
    scaled_target = TransformedTargetRegressor(regressor=mlp, transformer=StandardScaler())
    return {
        "LinearRegression": make_pipeline(_preprocessing(data["X"]), LinearRegression()),
        "MLPRegressor": Pipeline([("preprocess", _preprocessing(data["X"])),
                                  ("mlpregressor", scaled_target)]),
    }


def _cross_validate(models, data, folds, progress):
    X, y = data["X"], data["y"]
    scores = {name: [] for name in models}
    if data["expected"] is not None:
        scores["ceiling (noise-free)"] = []
    splits = list(folds.split(X))
    for k, (train, test) in enumerate(splits, start=1):
        for name, model in models.items():
            progress.update(f"fold {k}/{len(splits)}: {name}")
            scores[name].append(_fit_and_score(model, X, y, train, test, progress))
        if data["expected"] is not None:
            scores["ceiling (noise-free)"].append(
                _metrics(y[test], data["expected"][test], np.nan, np.nan)
            )
    return [_summarise(name, folds_) for name, folds_ in scores.items()]


def _fit_and_score(model, X, y, train, test, progress):
    model = clone(model)
    start = time.perf_counter()
    with progress.epochs(model):
        model.fit(X.iloc[train], y[train])
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predictions = model.predict(X.iloc[test])
    predict_seconds = time.perf_counter() - start
    return _metrics(y[test], predictions, fit_seconds, predict_seconds / len(test))


def _metrics(y_true, y_pred, fit_seconds, predict_seconds_per_row):
    return {"r2": r2_score(y_true, y_pred),
            "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
            "mae": mean_absolute_error(y_true, y_pred),
            "fit_s": fit_seconds, "predict_us_per_row": predict_seconds_per_row * 1e6}


def _summarise(name, fold_metrics):
    r2 = [m["r2"] for m in fold_metrics]
    row = {"model": name, "r2_mean": float(np.mean(r2)), "r2_std": float(np.std(r2))}
    for key in ("rmse", "mae", "fit_s", "predict_us_per_row"):
        values = [m[key] for m in fold_metrics]
        row[key] = None if np.isnan(values).all() else float(np.mean(values))
    return row


def _tune(mlp_pipeline, data, folds, args, progress):
    progress.update(f"tuning: {_n_candidates(TUNING_GRID)} candidates x {args.cv} folds")
    search = GridSearchCV(mlp_pipeline, TUNING_GRID, cv=folds, n_jobs=args.n_jobs)
    with warnings_quiet():
        search.fit(data["X"], data["y"])
    best = {k.rsplit("__", 1)[1]: _jsonable(v) for k, v in search.best_params_.items()}
    return {"best_params": best, "best_r2": float(search.best_score_),
            "best_r2_std": float(search.cv_results_["std_test_score"][search.best_index_])}


def _n_candidates(grid):
    return int(np.prod([len(values) for values in grid.values()]))


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


@contextlib.contextmanager
def warnings_quiet():
    """Hide ConvergenceWarning: short fits are expected in a comparison."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _print_report(report):
    print(f"Data: {report['data']}; {report['n_samples']} rows, {report['cv']}-fold CV")
    header = f"{'model':<22}{'R^2 mean':>10}{'R^2 std':>9}{'RMSE':>10}{'MAE':>10}" \
             f"{'fit s':>8}{'predict us/row':>16}"
    print(header)
    print("-" * len(header))
    for row in report["rows"]:
        print(f"{row['model']:<22}{row['r2_mean']:>10.3f}{row['r2_std']:>9.3f}"
              f"{row['rmse']:>10.2f}{row['mae']:>10.2f}{_fmt(row['fit_s'], '.2f'):>8}"
              f"{_fmt(row['predict_us_per_row'], '.2f'):>16}")
    if "tuning" in report:
        tuning = report["tuning"]
        print(f"GridSearchCV best R^2 {tuning['best_r2']:.3f} (std {tuning['best_r2_std']:.3f}) "
              f"with {tuning['best_params']}")


def _fmt(value, spec):
    return "-" if value is None else format(value, spec)


# ------------------------------------------------------------------ figures


def _plot(models, data, directory, progress):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    fitted = {}
    for name, model in models.items():
        progress.update(f"fitting {name} on all rows for the figures")
        fitted[name] = clone(model)
        with progress.epochs(fitted[name]):
            fitted[name].fit(data["X"], data["y"])
    progress.clear()
    if {"age", "retired"} <= set(data["X"].columns):
        _plot_interaction(plt, fitted, data["X"], directory / "interaction.png")
    _plot_loss_curve(plt, fitted["MLPRegressor"][-1].regressor_, directory / "loss_curve.png")


def _plot_interaction(plt, fitted, X, path):
    """Predicted transactions against age, retired and not, other features at medians.

    Each line spans the ages at which the data hold customers of its group,
    so the figure shows what the models learnt, not extrapolations.
    """
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for axis, (name, model) in zip(axes, fitted.items()):
        for retired, style in ((0, "-"), (1, "--")):
            group = X["age"][X["retired"] == retired]
            if group.empty:
                continue
            ages = np.linspace(group.min(), group.max(), 200)
            grid = X.iloc[[0] * len(ages)].copy()
            for column in X.columns:
                grid[column] = X[column].median()
            grid["age"], grid["retired"] = ages, retired
            label = "retired" if retired else "not retired"
            axis.plot(ages, model.predict(grid), style, label=label)
        axis.set(title=name, xlabel="age")
        axis.legend()
    axes[0].set_ylabel("predicted transactions per year")
    figure.suptitle("A linear model keeps the lines parallel; the network captures the interaction")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_loss_curve(plt, mlp, path):
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(np.arange(1, len(mlp.loss_curve_) + 1), mlp.loss_curve_)
    axis.set(xlabel="epoch", ylabel="objective J on the standardised target",
             yscale="log", title="MLPRegressor training loss")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


# ----------------------------------------------------------------- progress


class _Progress:
    """One status line on stderr, rewritten in place; silent unless enabled."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.status = ""

    def update(self, status):
        self.status = status
        self._write(status)

    def clear(self):
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def _write(self, text):
        if self.enabled:
            sys.stderr.write("\r\033[K" + text[:100])
            sys.stderr.flush()

    @contextlib.contextmanager
    def epochs(self, pipeline):
        """Show the MLP's per-epoch loss (its verbose output) on the status line."""
        mlp = getattr(pipeline[-1], "regressor", pipeline[-1])
        with warnings_quiet():
            if not self.enabled or not isinstance(mlp, MLPRegressor):
                yield
                return
            mlp.set_params(verbose=True)
            with contextlib.redirect_stdout(_EpochSink(self)):
                yield
            mlp.set_params(verbose=False)


class _EpochSink(io.TextIOBase):
    """Receives the MLP's 'Iteration k, loss = ...' lines for the status line."""

    def __init__(self, progress):
        self.progress = progress

    def write(self, text):
        line = text.strip()
        if line:
            self.progress._write(f"{self.progress.status} | {line}")
        return len(text)
