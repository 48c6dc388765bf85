"""What ``sknn-scratch compare`` compares: the task, the models, their
cross-validated metrics and the notes under the table.

A regression compares LinearRegression with the MLP of the introduction
(the seeds' network, behind the library's TabularEncoder) and the recipe
for tables, ``for_tabular()``, on the raw frame; a classification compares
LogisticRegression with MLPClassifier and its recipe. HistGradientBoosting
is an optional reference row (``--models ...,hgb``).
"""

import time
from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
)
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.parallel import Parallel, delayed

from ._classifier import MLPClassifier
from ._regressor import MLPRegressor
from ._tabular import TabularEncoder


class Task(NamedTuple):
    """A kind of comparison: its metrics (the first is the one the notes
    and ``--tune`` read), each named for the JSON report. Compared by value
    (``==``): a task travels to other processes with ``--scheduler``."""

    name: str
    metrics: dict  # metric -> what it is, for the report
    linear: str  # the reference row's name


REGRESSION = Task(
    "regression",
    {
        "r2": "R^2, cross-validated (higher is better, 1 is perfect)",
        "rmse": "root mean squared error, in the target's units (lower is better)",
        "mae": "mean absolute error, in the target's units (lower is better)",
    },
    "LinearRegression",
)
CLASSIFICATION = Task(
    "classification",
    {
        "accuracy": "the share of rows whose label is right (higher is better)",
        "balanced_accuracy": "the mean over classes of each class's recall (higher is better)",
        "log_loss": "the mean negative log-probability of the true label (lower is better)",
    },
    "LogisticRegression",
)

#: Each metric as the table and the notes write it.
METRIC_LABELS = {
    "r2": "R^2",
    "rmse": "RMSE",
    "mae": "MAE",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced acc",
    "log_loss": "log-loss",
}

#: The rows ``--models`` can ask for, in the table's order.
MODEL_KEYS = ("linear", "mlp", "tabular", "hgb")
DEFAULT_MODELS = ("linear", "mlp", "tabular")

#: At most this many distinct whole numbers make a numeric target labels.
FEW_VALUES = 10


def task_of(y, asked="auto"):
    """The task for target ``y`` (an array): ``asked``, or by the target:
    text, booleans and at most FEW_VALUES distinct whole numbers are
    labels; other numbers a quantity."""
    if asked != "auto":
        return REGRESSION if asked == "regression" else CLASSIFICATION
    if y.dtype.kind not in "iuf":
        return CLASSIFICATION
    distinct = np.unique(y)
    whole = bool(np.all(distinct == np.round(distinct)))
    return CLASSIFICATION if whole and distinct.size <= FEW_VALUES else REGRESSION


def models(task, keys, hidden, max_iter, seed):
    """The compared models by their row name, in MODEL_KEYS' order."""
    regression = task == REGRESSION
    Network = MLPRegressor if regression else MLPClassifier
    built = {}
    if "linear" in keys:
        last = LinearRegression() if regression else LogisticRegression(max_iter=1000)
        built[task.linear] = make_pipeline(TabularEncoder(), last)
    if "mlp" in keys:
        # The introduction's network: the target standardised (regression)
        # so that the default learning rate works whatever its units.
        extra = {"standardize_target": True} if regression else {}
        mlp = Network(
            hidden_layer_sizes=hidden,
            max_iter=max_iter,
            learning_rate_init=0.01,
            random_state=seed,
            **extra,
        )
        name = Network.__name__ + ("" if hidden else " (no hidden layer)")
        step = Network.__name__.lower()
        built[name] = Pipeline([("preprocess", TabularEncoder()), (step, mlp)])
    if "tabular" in keys:
        built[f"{Network.__name__}.for_tabular()"] = Network.for_tabular(random_state=seed)
    if "hgb" in keys:
        Trees = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        built["HistGradientBoosting"] = make_pipeline(TabularEncoder(), Trees(random_state=seed))
    return built


def folds_for(task, y, n_folds, seed):
    """The shuffled K folds (stratified for a classification, which then
    needs ``n_folds`` rows of every class); a problem as a ValueError."""
    if task == REGRESSION:
        return KFold(n_folds, shuffle=True, random_state=seed)
    labels, counts = np.unique(y, return_counts=True)
    if labels.size < 2:
        raise ValueError(f"the target has one value only ({labels[0]!r}): nothing to classify.")
    if counts.min() < n_folds:
        rare = labels[np.argmin(counts)]
        raise ValueError(
            f"the class {rare!r} has {counts.min()} row(s), fewer than the {n_folds} folds of "
            "--cv (each fold needs every class); use a smaller --cv or more rows."
        )
    return StratifiedKFold(n_folds, shuffle=True, random_state=seed)


def cross_validate(models, data, folds, progress, remote=False):
    """Every model on every fold: here one after the other, or with
    ``remote``, all at once as joblib tasks (on a Dask cluster)."""
    X, y, task = data["X"], data["y"], data["task"]
    scores = {name: [] for name in models}
    if data.get("expected") is not None:
        scores["ceiling (noise-free)"] = []
    splits = list(folds.split(X, y))
    done = _fit_all_at_once(models, data, splits, progress) if remote else None
    for k, (train, test) in enumerate(splits, start=1):
        for name, model in models.items():
            if done is None:
                progress.update(f"fold {k}/{len(splits)}: {name}")
                scores[name].append(fit_and_score(model, data, train, test, progress))
            else:
                scores[name].append(done[k, name])
        if data.get("expected") is not None:
            truth = data["expected"][test]
            scores["ceiling (noise-free)"].append(_metrics(task, y[test], truth, None, None))
    return [summarise(task, name, folds_) for name, folds_ in scores.items()]


def _fit_all_at_once(models, data, splits, progress):
    """The metrics of every (fold, model), keyed so, fitted in parallel
    (epoch progress cannot be shown from other processes)."""
    tasks = [(k, name) for k in range(1, len(splits) + 1) for name in models]
    progress.update(f"{len(tasks)} fits on the Dask cluster")
    quiet = progress.silent()
    results = Parallel(n_jobs=-1)(
        delayed(fit_and_score)(models[name], data, *splits[k - 1], quiet) for k, name in tasks
    )
    return dict(zip(tasks, results))


def rows(X, index):
    """The rows ``index`` of a NumPy array or a DataFrame."""
    return X[index] if isinstance(X, np.ndarray) else X.iloc[index]


def mlp_row(compared):
    """The introduction's network (the ``mlp`` row, a Pipeline), or None."""
    return next(
        (m for name, m in compared.items() if name.startswith("MLP") and isinstance(m, Pipeline)),
        None,
    )


def final_estimator(model):
    """The network (or linear model) at the end of a Pipeline, or ``model``."""
    return model[-1] if isinstance(model, Pipeline) else model


def fit_and_score(model, data, train, test, progress):
    """One fold: fit on ``train``, the task's metrics on ``test``, the
    primary metric on ``train`` too (far above the held-out one, it says the
    model overfits), and what ended the network's training."""
    X, y, task = data["X"], data["y"], data["task"]
    model = clone(model)
    start = time.perf_counter()
    with progress.epochs(model):
        model.fit(rows(X, train), y[train])
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    proba = model.predict_proba(rows(X, test)) if task == CLASSIFICATION else None
    predictions = model.predict(rows(X, test))
    per_row = (time.perf_counter() - start) / len(test)
    labels = getattr(model, "classes_", None)
    metrics = _metrics(task, y[test], predictions, (proba, labels), (fit_seconds, per_row))
    primary = next(iter(task.metrics))
    train_predictions = model.predict(rows(X, train))
    metrics[f"{primary}_train"] = _primary(task, y[train], train_predictions)
    final = final_estimator(model)
    network = isinstance(final, (MLPRegressor, MLPClassifier))
    metrics["n_iter"] = final.n_iter_ if network else None  # (the networks' epochs)
    metrics["budget_limited"] = final.budget_limited_ if network else None
    return metrics


def _primary(task, y_true, y_pred):
    if task == REGRESSION:
        return r2_score(y_true, y_pred)
    return accuracy_score(y_true, y_pred)


def _metrics(task, y_true, y_pred, probabilities, seconds):
    """The task's metrics of one fold; ``probabilities`` (classification):
    ``(predict_proba's output, the classes in its columns)``; ``seconds``:
    ``(fit seconds, predict seconds per row)``, or None (the ceiling row)."""
    fit_s, per_row = seconds if seconds is not None else (np.nan, np.nan)
    if task == REGRESSION:
        figures = {
            "r2": r2_score(y_true, y_pred),
            "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
            "mae": mean_absolute_error(y_true, y_pred),
        }
    else:
        proba, labels = probabilities
        figures = {
            "accuracy": accuracy_score(y_true, y_pred),
            "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
            "log_loss": log_loss(y_true, proba, labels=labels),
        }
    return {**figures, "fit_s": fit_s, "predict_us_per_row": per_row * 1e6}


def summarise(task, name, fold_metrics):
    """A table row: the mean (and for the primary metric the standard
    deviation and the training folds' mean) of each figure over the folds."""
    primary = next(iter(task.metrics))
    values = [m[primary] for m in fold_metrics]
    row = {
        "model": name,
        f"{primary}_mean": float(np.mean(values)),
        f"{primary}_std": float(np.std(values)),
    }
    train = [m[f"{primary}_train"] for m in fold_metrics if f"{primary}_train" in m]
    row[f"{primary}_train_mean"] = float(np.mean(train)) if train else None
    for key in [*list(task.metrics)[1:], "fit_s", "predict_us_per_row"]:
        figures = np.asarray([m[key] for m in fold_metrics], dtype=float)
        row[key] = None if np.isnan(figures).all() else float(np.mean(figures))
    row["folds"] = [{key: _plain(value) for key, value in m.items()} for m in fold_metrics]
    return row


def _plain(value):
    """A fold's figure as JSON holds it (None for what was not measured)."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    value = float(value) if not isinstance(value, (int, np.integer)) else int(value)
    return None if isinstance(value, float) and np.isnan(value) else value


def tuning_grid(step):
    """The grid ``--tune`` searches, for the network step ``step``."""
    return {
        f"{step}__hidden_layer_sizes": [(32,), (64, 64)],
        f"{step}__alpha": [1e-4, 1e-2],
        f"{step}__learning_rate_init": [1e-3, 1e-2],
    }


def n_candidates(grid):
    return int(np.prod([len(values) for values in grid.values()]))


def tune(pipeline, data, folds, n_jobs, progress):
    """Grid-search the network of ``pipeline`` on the same folds."""
    grid = tuning_grid(pipeline.steps[-1][0])
    progress.update(f"tuning: {n_candidates(grid)} candidates x {folds.get_n_splits()} folds")
    search = GridSearchCV(pipeline, grid, cv=folds, n_jobs=n_jobs)
    search.fit(data["X"], data["y"])
    best = {
        key.rsplit("__", 1)[1]: list(value) if isinstance(value, tuple) else value
        for key, value in search.best_params_.items()
    }
    primary = next(iter(data["task"].metrics))
    return {
        "best_params": best,
        f"best_{primary}": float(search.best_score_),
        f"best_{primary}_std": float(search.cv_results_["std_test_score"][search.best_index_]),
        "candidates": n_candidates(grid),
    }


#: A training score this much above the cross-validated one is called
#: overfitting.
OVERFIT_GAP = 0.1


def notes(report, task, max_iter, hidden):
    """One-line notes under the table: what the numbers alone would hide,
    each with its actual cause, and how each network compares with the
    linear row (a difference within the folds' spread is a tie)."""
    primary = next(iter(task.metrics))
    rows = {row["model"]: row for row in report["rows"]}
    linear = rows.get(task.linear)
    found = []
    for name, row in rows.items():
        if not _is_network(name):
            continue
        found += _training_notes(name, row, primary, max_iter, hidden)
        if linear is not None and _against(name, row, linear, primary):
            found.append(_against(name, row, linear, primary))
    if "tuning" in report:
        found.append(
            f"The grid search's best {METRIC_LABELS[primary]} is optimistic: it is the best of "
            f"{report['tuning']['candidates']} candidates scored on the same folds that chose it."
        )
    return found


def _is_network(name):
    return name.startswith(("MLPRegressor", "MLPClassifier"))


def _training_notes(name, row, primary, max_iter, hidden):
    found = []
    folds = row["folds"]
    if "for_tabular" not in name:
        stopped = sum(f.get("n_iter") is not None and f["n_iter"] >= max_iter for f in folds)
        if stopped:
            found.append(
                f"{name} stopped at --max-iter {max_iter} without converging in {stopped} of "
                f"{len(folds)} folds; raise --max-iter."
            )
    limited = sum(bool(f.get("budget_limited")) for f in folds)
    if limited:
        found.append(
            f"{name}: its step budget, not convergence, ended training in {limited} of "
            f"{len(folds)} folds (the held-out score was still rising); more steps "
            "(max_steps) may score higher."
        )
    train = row[f"{primary}_train_mean"]
    if train is not None and train - row[f"{primary}_mean"] > OVERFIT_GAP:
        advice = (
            f"a smaller network (e.g. --hidden {max(2, hidden[0] // 8)}), more data, or --tune"
            if hidden and "for_tabular" not in name
            else "more data, or the linear model"
        )
        found.append(
            f"{name} overfits: {METRIC_LABELS[primary]} {train:.3f} on its training folds against "
            f"{row[f'{primary}_mean']:.3f} cross-validated; try {advice}."
        )
    return found


def _against(name, row, linear, primary):
    """How ``row`` compares with the linear row on the primary metric, where
    the table alone would mislead: a tie within the folds' spread, or a
    network below the linear model (None where it is clearly above)."""
    ours, theirs = row[f"{primary}_mean"], linear[f"{primary}_mean"]
    spread = max(row[f"{primary}_std"], linear[f"{primary}_std"])
    label = METRIC_LABELS[primary]
    figures = f"{label} {ours:.3f} against {theirs:.3f}, folds' spread {spread:.3f}"
    if abs(ours - theirs) <= spread:
        return f"{name} and {linear['model']} tie within the folds' spread ({figures})."
    if ours > theirs:
        return None
    return f"{name} scores below {linear['model']} by more than the folds' spread ({figures})."
