"""sknn-scratch compare: a linear model against the MLPs, cross-validated.

A regression compares LinearRegression with sknn-scratch's MLPRegressor
(the introduction's network, behind the library's TabularEncoder) and its
recipe for tables, ``MLPRegressor.for_tabular()`` (on the raw table); a
text, boolean or few-valued target makes it a classification, with
LogisticRegression and MLPClassifier. Every model is cross-validated on
the same folds (:mod:`sknn_scratch._compare`). The table shows the task's
metrics (mean and standard deviation over the folds), fit time and
predict time per row; for generated data a "ceiling" row scores the
noise-free expectation, the best any model can do.
"""

import argparse
import contextlib
import json
import math
import os
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from . import __version__
from ._base import BaseMLP
from ._compare import (
    DEFAULT_MODELS,
    METRIC_LABELS,
    MODEL_KEYS,
    REGRESSION,
    cross_validate,
    final_estimator,
    folds_for,
    mlp_row,
    models,
    notes,
    rows,
    task_of,
    tune,
)
from ._csv import CsvError, read_table
from ._listeners import Listener, listening
from .datasets import BANK_FEATURES, _expected_transactions, make_bank_transactions

__all__ = ["main"]


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
    Data: bank transactions (generated, 300 customers); 300 rows, 2-fold CV, regression
    ...
    0
    """
    parser = _parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            command = f" {args.command}" if args.command else ""
            raise UsageError(
                f"unrecognized arguments: {' '.join(unknown)}; see 'sknn-scratch{command} --help'."
            )
        if args.command is None:
            parser.print_help()
            return 2
        return _compare(args)
    except UsageError as error:
        print(f"sknn-scratch: error: {error}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            "sknn-scratch: error: out of memory; use fewer or smaller --hidden layers "
            "or fewer rows.",
            file=sys.stderr,
        )
        return 2


DESCRIPTION = (
    "sknn-scratch compare: cross-validate a linear model, sknn-scratch's MLP and "
    "its recipe for tables (for_tabular()) on the same folds, on generated bank "
    "data, scikit-learn's diabetes data or a CSV file of your own; a text, boolean "
    "or few-valued target makes it a classification."
)
EPILOG = "Exit codes: 0 success, 2 bad input (one line on stderr)."

#: Above this many weights the network would not fit a laptop's memory.
MAX_WEIGHTS = 50_000_000


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors are the command's one line (argparse
    prints its whole usage block first)."""

    def error(self, message):
        raise UsageError(f"{message}; see '{self.prog} --help'.")


def _parser():
    parser = _Parser(prog="sknn-scratch", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command")
    compare = commands.add_parser(
        "compare",
        help="cross-validate a linear model and the MLPs",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    _data_arguments(compare)
    _model_arguments(compare)
    _run_arguments(compare)
    return parser


def _data_arguments(compare):
    """Where the data come from, and how the CSV is read."""
    source = compare.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=["bank", "diabetes"],
        default="bank",
        help="bank: generated bank transactions (default); diabetes: scikit-learn's bundled data",
    )
    source.add_argument(
        "--csv",
        type=Path,
        help="a CSV file of your own (needs --target); comma, semicolon, tab or | separated",
    )
    compare.add_argument("--target", help="the CSV column to predict")
    compare.add_argument(
        "--task",
        choices=["auto", "regression", "classification"],
        default="auto",
        help="auto (default): a classification for a text or boolean target, or one of at "
        "most 10 whole numbers; a regression otherwise",
    )
    compare.add_argument(
        "--impute",
        action="store_true",
        help="fill missing feature values (a number: the median, with a column saying "
        "where; text: no category) instead of "
        "stopping; rows whose target is missing are dropped (targets are never imputed)",
    )
    compare.add_argument(
        "--drop",
        type=_column_names,
        default=(),
        metavar="COL[,COL]",
        help="feature columns to leave out (IDs, leaks of the target, ...)",
    )
    _csv_arguments(compare)
    compare.add_argument(
        "--n-samples",
        type=_positive_int,
        default=5000,
        help="customers to generate for --dataset bank (default 5000)",
    )


def _csv_arguments(compare):
    """How the CSV file is read."""
    compare.add_argument(
        "--decimal",
        choices=[".", ","],
        help="the CSV's decimal mark (default: '.', and ',' where every value of a "
        "column of a ';' or tab separated file is written with one); with ',', a '.' "
        "between digits is a thousands separator (1.234,56)",
    )
    compare.add_argument(
        "--encoding",
        help="the CSV's text encoding (default: UTF-8, with or without a byte-order mark, "
        "or else cp1252, the Windows encoding of Western European text)",
    )


def _model_arguments(compare):
    """The cross-validation and the MLP's settings."""
    compare.add_argument("--cv", type=_folds, default=5, help="folds, at least 2 (default 5)")
    compare.add_argument(
        "--models",
        type=_model_keys,
        default=DEFAULT_MODELS,
        metavar="NAME[,NAME]",
        help="the rows, among linear, mlp (the introduction's network, with --hidden and "
        "--max-iter), tabular (the recipe for tables, for_tabular()) and hgb "
        "(HistGradientBoosting, a reference); default linear,mlp,tabular",
    )
    compare.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=(64, 64),
        help="hidden layer sizes, comma-separated (default 64,64); "
        "empty for no hidden layer (a linear model)",
    )
    compare.add_argument(
        "--max-iter",
        type=_positive_int,
        default=300,
        help="maximum epochs of the mlp row's network (default 300)",
    )
    compare.add_argument(
        "--seed", type=_seed, default=0, help="random seed, 0 to 2**32 - 1 (default 0)"
    )


def _run_arguments(compare):
    """Tuning, where the work runs, and what is written."""
    compare.add_argument(
        "--n-jobs", type=_n_jobs, default=None, help="parallel jobs for --tune (-1: all cores)"
    )
    compare.add_argument(
        "--tune",
        action="store_true",
        help="also grid-search the mlp row's hidden_layer_sizes, alpha, learning_rate_init",
    )
    compare.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the cross-validation and --tune on the Dask cluster at ADDRESS "
        "(tcp://host:8786), or 'local' for a LocalCluster here; needs the dask extra",
    )
    compare.add_argument("--json", type=Path, help="write every figure of the report here")
    compare.add_argument(
        "--plot-dir",
        type=Path,
        help="write PNG figures here (needs matplotlib): interaction.png (the models' "
        "predictions against age, retired and not: for data with those columns) and "
        "loss_curve.png (the mlp row's objective per epoch)",
    )
    compare.add_argument("--quiet", action="store_true", help="print only the results")


def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _positive_int(text):
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _folds(text):
    value = _integer(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"cross-validation needs at least 2 folds, got {text}")
    return value


def _seed(text):
    value = _integer(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {text}")
    return value


def _n_jobs(text):
    value = _integer(text)
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must be a positive number of jobs or -1 (all cores), not 0"
        )
    return value


def _column_names(text):
    names = tuple(part.strip() for part in text.split(","))
    if "" in names:
        raise argparse.ArgumentTypeError(f"expected column names like a,b, got {text!r}")
    return names


def _model_keys(text):
    keys = _column_names(text)
    unknown = [key for key in keys if key not in MODEL_KEYS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown model(s) {', '.join(unknown)}; choose among {','.join(MODEL_KEYS)}"
        )
    if len(set(keys)) != len(keys):
        raise argparse.ArgumentTypeError(f"a model is named twice in {text!r}")
    return tuple(key for key in MODEL_KEYS if key in keys)


def _layer_sizes(text):
    if not text.strip():
        return ()  # no hidden layer: a linear model
    parts = [part.strip() for part in text.split(",")]
    if "" in parts:
        raise argparse.ArgumentTypeError(
            f"expected integers like 64,64, got {text!r} (an empty layer size)"
        )
    try:
        sizes = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 64,64, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


# ----------------------------------------------------------------- the job


def _compare(args):
    if args.csv is None and args.target is not None:
        raise UsageError("--target only applies with --csv.")
    if args.n_jobs is not None and not args.tune:
        raise UsageError("--n-jobs only applies with --tune (the search's parallel jobs).")
    if args.tune and "mlp" not in args.models:
        raise UsageError("--tune searches the mlp row's network: include mlp in --models.")
    _check_outputs(args)  # before the long work, not after it
    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    data = _load(args)
    task = data["task"] = _task(data, args)
    if len(data["y"]) < args.cv:
        raise UsageError(
            f"the data have {len(data['y'])} rows, fewer than the {args.cv} folds of --cv."
        )
    _check_network_size(args, data)
    compared = models(task, args.models, args.hidden, args.max_iter, args.seed)
    try:
        folds = folds_for(task, data["y"], args.cv, args.seed)
    except ValueError as error:
        raise UsageError(str(error)) from None
    # Convergence is reported under the table (see notes), not as warnings.
    with warnings.catch_warnings(), _scheduler(args.scheduler):
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = _fitting(cross_validate, compared, data, folds, progress, bool(args.scheduler))
        report = _report(args, data, rows)
        if args.tune:
            report["tuning"] = _fitting(tune, mlp_row(compared), data, folds, args.n_jobs, progress)
    if args.scheduler:
        report["scheduler"] = args.scheduler
    progress.clear()
    report["notes"] = notes(report, task, args.max_iter, args.hidden)
    _print_report(report)
    if args.json:
        _write_json(report, args.json)
    if args.plot_dir:
        _plot(compared, data, args.plot_dir, progress, args.seed)
    return 0


def _task(data, args):
    """The task (``_compare.task_of``), and targets it can use: a
    regression needs numbers."""
    task = task_of(data["y"], args.task)
    if task == REGRESSION and data["y"].dtype.kind not in "iuf":
        raise UsageError(
            f"the target {data['target']!r} holds text (such as {data['y'][0]!r}): a "
            "regression needs numbers; leave --task at auto for a classification."
        )
    y = data["y"]
    if task == REGRESSION:
        data["y"] = y.astype(float)
    elif y.dtype.kind == "f" and np.all(y == np.round(y)):
        data["y"] = y.astype(np.int64)  # whole numbers as labels: 2, not 2.0
    return task


def _report(args, data, rows):
    """Every figure of the run, as the JSON report holds them."""
    task = data["task"]
    report = {
        "data": data["description"],
        "task": task.name,
        "metrics": dict(task.metrics),
        "n_samples": len(data["y"]),
        "cv": args.cv,
        "seed": args.seed,
        "models": list(args.models),
        "hidden_layer_sizes": list(args.hidden),
        "max_iter": args.max_iter,
        "features": {
            "used": [str(c) for c in data["columns"]],
            "dropped": data["dropped"],
        },
        "rows": rows,
    }
    if task != REGRESSION:
        labels, counts = np.unique(data["y"], return_counts=True)
        report["classes"] = {str(k): int(n) for k, n in zip(labels, counts)}
    return report


def _fitting(step, *args):
    """Run a step that fits models. Data the checks before let through but
    the models cannot fit (values that overflow in a scaler, say) end in
    the command's one line, not a traceback."""
    try:
        return step(*args)
    except (ValueError, FloatingPointError, OverflowError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UsageError(f"the models cannot be fitted to these data: {reason}") from None


def _check_outputs(args):
    """Refuse output paths that cannot be written, before any work."""
    if args.plot_dir:
        _require("matplotlib", "--plot-dir")
        if args.plot_dir.exists() and not args.plot_dir.is_dir():
            raise UsageError(f"--plot-dir {args.plot_dir} exists and is not a directory.")
        try:
            args.plot_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"--plot-dir {args.plot_dir}: {error.strerror}.") from None
        if not os.access(args.plot_dir, os.W_OK):
            raise UsageError(f"--plot-dir {args.plot_dir} is not writable.")
    if args.json:
        path = args.json
        if path.is_dir():
            raise UsageError(f"--json {path} is a directory; give a file name.")
        if path.exists() and not path.is_file():
            raise UsageError(f"--json {path} is not a regular file.")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise UsageError(f"--json {path}: the directory {parent} does not exist.")
        if not os.access(path if path.exists() else parent, os.W_OK):
            raise UsageError(f"--json {path} is not writable.")


def _check_network_size(args, data):
    X = data["X"]
    n_inputs = X.shape[1] + sum(X[c].nunique() for c in _text_columns(X))
    units = [n_inputs, *args.hidden, 1]
    weights = sum(a * b for a, b in zip(units[:-1], units[1:]))
    if weights > MAX_WEIGHTS:
        raise UsageError(
            f"--hidden {','.join(map(str, args.hidden))} gives a network of {weights:,} "
            f"weights, more than the {MAX_WEIGHTS:,} this command allows; use smaller layers."
        )


def _write_json(report, path):
    text = json.dumps(_strict(report), indent=2, allow_nan=False)
    try:
        path.write_text(text + "\n")
    except OSError as error:
        raise UsageError(f"cannot write --json {path}: {error.strerror}.") from None


def _strict(value):
    """``report`` with every NaN or infinity as None: strict JSON has no NaN."""
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _load(args):
    """The data as a dict: ``X`` (a NumPy array of numbers for the built-in
    data sets, a pandas DataFrame for ``--csv``), ``y``, ``expected`` (the
    noise-free target, or None), ``description``.

    The built-in data sets need only the runtime dependencies (NumPy, SciPy,
    scikit-learn): pandas is imported for ``--csv`` alone.
    """
    if args.csv is not None:
        pd = _require("pandas", "--csv")
        try:
            data = read_table(pd, args.csv, args.target, args.impute, args.decimal, args.encoding)
        except CsvError as error:
            raise UsageError(str(error)) from None
    else:
        data = _builtin_data(args)
        data["dropped"] = {}
    return _drop_asked(data, args.drop)


def _builtin_data(args):
    if args.dataset == "diabetes":
        from sklearn.datasets import load_diabetes

        bunch = load_diabetes()
        return {
            "X": bunch.data,
            "y": bunch.target,
            "expected": None,
            "columns": list(bunch.feature_names),
            "target": "disease progression",
            "description": "diabetes",
        }
    X, y, expected = make_bank_transactions(
        args.n_samples, random_state=args.seed, return_expected=True
    )
    return {
        "X": X,
        "y": y,
        "expected": expected,
        # The generator's noise-free expectation, for any rows of features.
        "truth": lambda rows: _expected_transactions(*np.asarray(rows, dtype=float).T),
        "columns": list(BANK_FEATURES),
        "target": "transactions",
        "description": f"bank transactions (generated, {args.n_samples} customers)",
    }


def _drop_asked(data, names):
    """Leave out the ``--drop`` columns, recording why."""
    unknown = [name for name in names if name not in data["columns"]]
    if unknown:
        raise UsageError(
            f"--drop: no feature column {', '.join(map(repr, unknown))}; the features are "
            f"{', '.join(map(str, data['columns']))}."
        )
    if names and len(set(names)) == len(data["columns"]):
        raise UsageError("--drop leaves no feature column.")
    keep = [i for i, name in enumerate(data["columns"]) if name not in names]
    X = data["X"]
    data["X"] = X[:, keep] if isinstance(X, np.ndarray) else X.iloc[:, keep]
    data["columns"] = [data["columns"][i] for i in keep]
    data["dropped"].update({name: "--drop" for name in names})
    if names:
        data["truth"] = None  # (a function of every generated feature)
    return data


def _is_numeric(column):
    return column.dtype.kind in "biuf"


def _text_columns(X):
    """The names of X's non-numeric columns (a NumPy array of numbers has none)."""
    if isinstance(X, np.ndarray):
        return []
    return [c for c in X.columns if not _is_numeric(X[c])]


#: The extra that installs each optional module the command can use.
_EXTRAS = {"matplotlib": "plot", "pandas": "csv"}


def _require(module, feature):
    try:
        return __import__(module)
    except ImportError:
        raise UsageError(
            f"{feature} needs {module}: pip install 'sknn-scratch[{_EXTRAS[module]}]' "
            f"(or: pip install {module})"
        ) from None


@contextlib.contextmanager
def _scheduler(address):
    """With an address, joblib's work goes to that Dask cluster (see
    :func:`sknn_scratch.dask.cluster`); without one, nothing changes."""
    with contextlib.ExitStack() as stack:
        if address is not None:
            from .dask import cluster

            try:
                stack.enter_context(cluster(address))
            except ImportError as error:
                raise UsageError(f"--scheduler needs {str(error).split(' needs ', 1)[1]}") from None
            except (OSError, ValueError, TypeError) as error:
                raise UsageError(f"no Dask scheduler answered at {address!r} ({error}).") from None
        yield


@contextlib.contextmanager
def warnings_quiet():
    """Hide ConvergenceWarning: short fits are expected in a comparison."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _print_report(report):
    print(
        f"Data: {report['data']}; {report['n_samples']} rows, {report['cv']}-fold CV, "
        f"{report['task']}"
    )
    if "classes" in report:
        counts = ", ".join(f"{label} ({n})" for label, n in report["classes"].items())
        print(f"Classes: {counts}")
    features = report["features"]
    print(f"Features ({len(features['used'])}): {', '.join(features['used'])}")
    if features["dropped"]:
        dropped = "; ".join(f"{name} ({why})" for name, why in features["dropped"].items())
        print(f"Dropped: {dropped}")
    primary, *others = report["metrics"]
    # The first column is as wide as the longest label, so the table stays
    # aligned whatever the models are called.
    width = max(len("model"), *(len(row["model"]) for row in report["rows"])) + 2
    name = METRIC_LABELS[primary]
    columns = [f"{name} mean", f"{name} std", f"{name} train"] + [METRIC_LABELS[m] for m in others]
    widths = [max(len(c) + 2, 9) for c in columns]
    header = f"{'model':<{width}}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths))
    header += f"{'fit s':>8}{'predict us/row':>16}"
    print(header)
    print("-" * len(header))
    for row in report["rows"]:
        figures = [row[f"{primary}_mean"], row[f"{primary}_std"], row[f"{primary}_train_mean"]]
        figures += [row[m] for m in others]
        line = f"{row['model']:<{width}}" + "".join(
            f"{_fmt(v, '.3f'):>{w}}" for v, w in zip(figures, widths)
        )
        print(line + f"{_fmt(row['fit_s'], '.2f'):>8}{_fmt(row['predict_us_per_row'], '.2f'):>16}")
    if "tuning" in report:
        tuning = report["tuning"]
        print(
            f"GridSearchCV best {name} {tuning[f'best_{primary}']:.3f} "
            f"(std {tuning[f'best_{primary}_std']:.3f}) with {tuning['best_params']}"
        )
    for note in report.get("notes", ()):
        print(f"Note: {note}")


def _fmt(value, spec):
    return "-" if value is None else format(value, spec)


# ------------------------------------------------------------------ figures


def _plot(models, data, directory, progress, seed):
    """Write the figures --plot-dir lists, and say which were written and
    why any other was not."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    written, skipped = [], {}
    if not {"age", "retired"} <= set(data["columns"]):
        skipped["interaction.png"] = "it needs columns named 'age' and 'retired' (the bank data's)"
    elif data["task"] != REGRESSION:
        skipped["interaction.png"] = "it plots predicted numbers: a regression's"
    else:
        fitted = {}
        for name, model in models.items():
            progress.update(f"fitting {name} on all rows for the figures")
            fitted[name] = clone(model)
            with progress.epochs(fitted[name]), warnings_quiet():
                fitted[name].fit(data["X"], data["y"])
        progress.clear()
        _plot_interaction(plt, fitted, data, directory / "interaction.png")
        written.append("interaction.png")
    mlp = mlp_row(models)
    if mlp is None:
        skipped["loss_curve.png"] = "it shows the mlp row's training, and mlp is not in --models"
    else:
        _plot_loss_curve(plt, mlp, data, seed, directory / "loss_curve.png")
        written.append("loss_curve.png")
    line = f"Figures in {directory}: " + (", ".join(written) if written else "none")
    for name, why in skipped.items():
        line += f"; not {name}: {why}"
    print(line + ".")


def _plot_interaction(plt, fitted, data, path):
    """Predicted transactions against age, retired and not, the other
    features held at their medians (text columns at their most frequent
    value), which the figure names; for generated data, with the noise-free
    truth the generator knows.

    Each line spans the ages at which the data hold customers of its group,
    so the figure shows what the models learnt, not extrapolations.
    """
    X, columns, truth = data["X"], data["columns"], data.get("truth")
    age, retired = _column(X, columns, "age"), _column(X, columns, "retired")
    figure, axes = plt.subplots(
        1, len(fitted), figsize=(5.5 * len(fitted), 4.6), sharey=True, squeeze=False
    )
    axes = axes[0]
    for axis, (name, model) in zip(axes, fitted.items()):
        for status, style in ((0, "-"), (1, "--")):
            group = age[retired == status]
            if group.size == 0:
                continue
            ages = np.linspace(group.min(), group.max(), 200)
            grid = _typical_rows(X, columns, len(ages))
            _set_column(grid, columns, "age", ages)
            _set_column(grid, columns, "retired", status)
            label = "retired" if status else "not retired"
            axis.plot(ages, model.predict(grid), style, label=label)
            if truth is not None:
                axis.plot(
                    ages,
                    truth(grid),
                    style,
                    color="#888888",
                    lw=1,
                    label=f"noise-free truth, {label}",
                )
        axis.set(title=name, xlabel="age")
        axis.legend(fontsize=8)
    axes[0].set_ylabel("predicted transactions per year")
    held = _typical_rows(X, columns, 1)
    others = [
        f"{name}={_column(held, columns, name)[0]:.4g}"
        if name not in _text_columns(X)
        else f"{name}={held[name].iloc[0]}"
        for name in columns
        if name not in ("age", "retired")
    ]
    figure.suptitle(
        "A linear model keeps the lines parallel; the network captures the interaction\n"
        f"(other features at their medians: {', '.join(others)})",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _column(X, columns, name):
    """Column ``name`` as a NumPy array, from an array or a DataFrame."""
    if isinstance(X, np.ndarray):
        return X[:, columns.index(name)]
    return X[name].to_numpy()


def _set_column(grid, columns, name, values):
    if isinstance(grid, np.ndarray):
        grid[:, columns.index(name)] = values
    else:
        grid[name] = values


def _typical_rows(X, columns, n_rows):
    """``n_rows`` copies of a typical row: numeric medians, text modes."""
    grid = rows(X, np.zeros(n_rows, dtype=int)).copy()
    text = set(_text_columns(X))
    for name in columns:
        if name in text:
            _set_column(grid, columns, name, X[name].mode().iloc[0])
        else:
            _set_column(grid, columns, name, np.median(_column(X, columns, name)))
    return grid


def _plot_loss_curve(plt, pipeline, data, seed, path):
    """The mlp row's training and validation objective per epoch: the
    pipeline fitted on 80% of the rows (stratified for a classification),
    the other 20% given as validation data, preprocessed as in the
    pipeline."""
    from sklearn.model_selection import train_test_split

    from .plot import plot_training

    regression = data["task"] == REGRESSION
    train, val = train_test_split(
        np.arange(len(data["y"])),
        test_size=0.2,
        random_state=seed,
        stratify=None if regression else data["y"],
    )
    preprocess, mlp = clone(pipeline[0]), clone(pipeline[-1])
    X_train = preprocess.fit_transform(rows(data["X"], train))
    X_val = preprocess.transform(rows(data["X"], val))
    with warnings_quiet():
        mlp.fit(X_train, data["y"][train], X_val=X_val, y_val=data["y"][val])
    display = plot_training(mlp)
    what = "the standardised target" if regression else "the labels (log-loss)"
    display.ax_.set(ylabel=f"objective J on {what}")
    display.ax_.set_title(
        f"{type(mlp).__name__} on {len(train)} rows, validated on {len(val)} others",
        fontsize=10,
    )
    display.figure_.tight_layout()
    display.figure_.savefig(path, dpi=100)
    plt.close(display.figure_)


# ----------------------------------------------------------------- progress


class _Progress:
    """Progress on stderr, silent unless enabled (a terminal, no --quiet).

    With rich installed (the ``rich`` extra), each MLP fit shows
    scikit-learn's ``ProgressBar`` (its callback API, one step per epoch)
    under a line naming the fold; without it, one status line is rewritten
    in place with the fold and the MLP's loss per epoch (a training listener).
    """

    def __init__(self, enabled):
        self.enabled = enabled
        self.bars = enabled and _progress_bar_available()
        self.status = ""
        if self.bars:
            import rich

            # scikit-learn's ProgressBar draws on rich's global console;
            # stdout carries the results, so the bars go to stderr.
            rich.reconfigure(stderr=True)

    def update(self, status):
        self.status = status
        if self.bars and self.enabled:
            print(status, file=sys.stderr, flush=True)  # bars follow on their own lines
        else:
            self._write(status)

    def clear(self):
        if self.enabled and not self.bars:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def _write(self, text):
        if self.enabled:
            sys.stderr.write("\r\033[K" + text[:100])
            sys.stderr.flush()

    def silent(self):
        """A progress that shows nothing (fits in other processes)."""
        return _Progress(enabled=False)

    @contextlib.contextmanager
    def epochs(self, model):
        """Show a network's epochs while it fits: progress bars, or its loss."""
        mlp = final_estimator(model)
        if not self.enabled or not isinstance(mlp, BaseMLP):
            yield
        elif self.bars:
            from sklearn.callback import ProgressBar

            # (On a Pipeline's network, scikit-learn wants the bar on the
            # Pipeline, which passes it down.)
            model.set_callbacks(ProgressBar())
            try:
                yield
            finally:
                model.set_callbacks()
        else:
            with listening(_EpochLine(self)):
                yield


def _progress_bar_available():
    try:
        import rich  # noqa: F401
        from sklearn.callback import ProgressBar  # noqa: F401
    except ImportError:
        return False
    return True


class _EpochLine(Listener):
    """Listens to the MLP's epochs (see ``_listeners``): its loss goes to
    the status line."""

    def __init__(self, progress):
        self.progress = progress

    def epoch_ends(self, record, network, stopping):
        line = f"Iteration {record.n_iter}, loss = {record.loss:.8f}"
        self.progress._write(f"{self.progress.status} | {line}")
        return False
