"""Behaviour before and after a change: the same fits, compared to the bit.

A matrix of configurations (both estimators, every solver, activations,
dtypes, validation data, dropout, penalties, schedules, clipping, class
weights, multi-output, sparse input, sample weights, partial_fit) is fitted
on small generated data; for each, the predictions, the weights and the
training records (``loss_curve_``, ``validation_scores_``, ``n_iter_``,
``best_epoch_``, ``t_``, ``learning_rate_``) are recorded.

    python tools/behaviour.py record out.npz           # this checkout
    python tools/behaviour.py compare BASE_REV         # BASE_REV's checkout against this one

``compare`` checks BASE_REV out into a temporary git worktree, records
there and here (same Python, same thread count), and prints, per
configuration, whether every array is bit-identical or else the largest
difference relative to the array's scale. It exits 1 when a configuration
differs by more than ``--tolerance`` (default 0: bit-identical), so that a
refactoring that should change no arithmetic shows that it changed none,
and one that reorders operations shows that the difference is at rounding
level.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: name -> (estimator, constructor parameters, fit options)
CONFIGURATIONS = {
    "reg adam relu": ("MLPRegressor", {}, {}),
    "reg sgd tanh": ("MLPRegressor", {"solver": "sgd", "activation": "tanh"}, {}),
    "reg gd logistic": ("MLPRegressor", {"solver": "gd", "activation": "logistic"}, {}),
    "reg lbfgs relu": ("MLPRegressor", {"solver": "lbfgs"}, {}),
    "reg adam gelu f32": ("MLPRegressor", {"activation": "gelu"}, {"float32": True}),
    "reg adam silu deep": (
        "MLPRegressor",
        {"activation": "silu", "hidden_layer_sizes": (8, 8)},
        {},
    ),
    "reg adam early stopping": ("MLPRegressor", {"early_stopping": True}, {}),
    "reg adam X_val loss scoring": ("MLPRegressor", {"scoring": "loss"}, {"validation": True}),
    "reg sgd dropout": ("MLPRegressor", {"solver": "sgd", "dropout": 0.2}, {}),
    "reg adam elastic net": ("MLPRegressor", {"l1_ratio": 0.5, "alpha": 0.01}, {}),
    "reg adamw cosine warm-up": (
        "MLPRegressor",
        {"weight_decay": 0.05, "learning_rate": "cosine", "warmup_epochs": 3},
        {},
    ),
    "reg sgd invscaling clipped": (
        "MLPRegressor",
        {"solver": "sgd", "learning_rate": "invscaling", "max_grad_norm": 0.5},
        {},
    ),
    "reg adam max_steps": ("MLPRegressor", {"max_steps": 40, "batch_size": 16}, {}),
    "reg huber": ("MLPRegressor", {"loss": "huber"}, {}),
    "reg multi-output": ("MLPRegressor", {}, {"outputs": 3}),
    "reg sparse": ("MLPRegressor", {}, {"sparse": True}),
    "reg sample weights": ("MLPRegressor", {}, {"sample_weight": True}),
    "reg partial_fit": ("MLPRegressor", {"solver": "sgd"}, {"partial_fit": 5}),
    "clf adam binary": ("MLPClassifier", {}, {"classes": 2}),
    "clf adam multiclass": ("MLPClassifier", {}, {"classes": 3}),
    "clf lbfgs multiclass": ("MLPClassifier", {"solver": "lbfgs"}, {"classes": 3}),
    "clf sgd balanced smoothing": (
        "MLPClassifier",
        {"solver": "sgd", "class_weight": "balanced", "label_smoothing": 0.1},
        {"classes": 3},
    ),
    "clf early stopping f32": (
        "MLPClassifier",
        {"early_stopping": True},
        {"classes": 3, "float32": True},
    ),
    "clf multilabel": ("MLPClassifier", {}, {"multilabel": True}),
    # The raw-table path: a TabularEncoder in front, and the input layers.
    "reg tabular encoder": ("MLPRegressor", {"input_encoding": "tabular"}, {"tabular": True}),
    "reg tabular bins ensemble": (
        "MLPRegressor",
        {
            "input_encoding": "tabular",
            "piecewise_linear_bins": 4,
            "ensemble_size": 3,
            "feature_scaling": True,
            "clip_predictions": True,
        },
        {"tabular": True},
    ),
    "clf tabular embeddings": (
        "MLPClassifier",
        {
            "input_encoding": "tabular",
            "numerical_embedding": "periodic",
            "category_embedding": 2,
            "parametric_activation": True,
        },
        {"classes": 3, "tabular": True},
    ),
}

RECORDS = (
    "loss_curve_",
    "validation_scores_",
    "validation_loss_curve_",
    "n_iter_",
    "best_epoch_",
    "t_",
    "learning_rate_",
    "best_loss_",
)


def _data(options, rng):
    X = rng.normal(size=(240, 5))
    if options.get("multilabel"):
        y = (X[:, :3] + 0.3 * rng.normal(size=(240, 3)) > 0).astype(int)
    elif options.get("classes"):
        score = X[:, 0] * X[:, 1] + X[:, 2]
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, options["classes"] + 1)[1:-1]))
    elif options.get("outputs"):
        y = np.column_stack([X[:, k] * X[:, k + 1] + X[:, 4] for k in range(options["outputs"])])
    else:
        y = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) + 0.1 * rng.normal(size=240)
    if options.get("float32"):
        X = X.astype(np.float32)
    if options.get("tabular"):
        # Raw columns: the numbers (one with gaps), a 0/1 column and a text
        # column of five levels that moves the target.
        levels = np.array(["a", "b", "c", "d", "e"], dtype=object)[rng.randint(0, 5, len(X))]
        flags = (X[:, 3] > 0).astype(float)
        numbers = X[:, :3].copy()
        numbers[::17, 2] = np.nan
        X = np.column_stack([numbers, flags, levels]).astype(object)
        y = y + (levels == "c") if not options.get("classes") else y
    return X, y


def record_one(name):
    import scipy.sparse as sp

    import sknn_scratch

    kind, params, options = CONFIGURATIONS[name]
    rng = np.random.RandomState(0)
    X, y = _data(options, rng)
    est = getattr(sknn_scratch, kind)(
        **{"hidden_layer_sizes": (16,), "max_iter": 30, "random_state": 0, **params}
    )
    fit_X = sp.csr_matrix(X) if options.get("sparse") else X
    kwargs = {}
    if options.get("sample_weight"):
        kwargs["sample_weight"] = rng.uniform(0.2, 2.0, size=len(X))
    if options.get("validation"):
        kwargs.update(X_val=fit_X[200:], y_val=y[200:])
        fit_X, y_fit = fit_X[:200], y[:200]
    else:
        y_fit = y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if options.get("partial_fit"):
            for _ in range(options["partial_fit"]):
                est.partial_fit(fit_X, y_fit)
        else:
            est.fit(fit_X, y_fit, **kwargs)
    out = {"predict": np.asarray(est.predict(X), dtype=float)}
    if hasattr(est, "predict_proba"):
        out["predict_proba"] = np.asarray(est.predict_proba(X), dtype=float)
    extra = [p for params in getattr(est, "input_params_", ()) for p in params]
    extra += list(getattr(est, "activation_params_", ()))
    out["weights"] = np.concatenate([np.ravel(a) for a in est.coefs_ + est.intercepts_ + extra])
    for attribute in RECORDS:
        value = getattr(est, attribute, None)
        out[attribute] = np.asarray([] if value is None else value, dtype=float).ravel()
    return out


def record(path):
    import sknn_scratch

    # Which checkout was measured: compare checks it is the one it meant.
    arrays = {"__source__": np.array(str(Path(sknn_scratch.__file__).resolve().parents[1]))}
    for name in CONFIGURATIONS:
        for key, value in record_one(name).items():
            arrays[f"{name}|{key}"] = value
    np.savez(path, **arrays)


def difference(before, after):
    """0 when bit-identical; else the largest difference relative to the
    array's largest magnitude (inf when the shapes differ)."""
    if before.shape != after.shape:
        return float("inf")
    if np.array_equal(before, after, equal_nan=True):
        return 0.0
    scale = max(float(np.nanmax(np.abs(before))), np.finfo(float).tiny)
    return float(np.nanmax(np.abs(before - after)) / scale)


def compare(base, tolerance, keep):
    with tempfile.TemporaryDirectory() as folder:
        worktree = Path(folder) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), base],
            check=True,
            capture_output=True,
        )
        try:
            before, after = Path(folder) / "before.npz", Path(folder) / "after.npz"
            for checkout, out in ((worktree, before), (ROOT, after)):
                env = {**os.environ, "PYTHONPATH": str(checkout)}
                subprocess.run(
                    [sys.executable, str(ROOT / "tools" / "behaviour.py"), "record", str(out)],
                    check=True,
                    env=env,
                    cwd=checkout,
                )
                measured = str(np.load(out)["__source__"])
                if Path(measured) != checkout.resolve():
                    sys.exit(f"behaviour: measured {measured}, not {checkout}")
            return _report(np.load(before), np.load(after), tolerance, keep)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                check=False,
                capture_output=True,
            )


def _report(before, after, tolerance, keep):
    worst = {}
    for key in sorted((set(before.files) | set(after.files)) - {"__source__"}):
        name, what = key.split("|")
        if key not in before.files or key not in after.files:
            diff = float("inf")
        else:
            diff = difference(before[key], after[key])
        if diff >= worst.get(name, (-1.0, ""))[0]:
            worst[name] = (diff, what)
    failed = 0
    for name, (diff, what) in worst.items():
        verdict = "bit-identical" if diff == 0 else f"differs by {diff:.2e} ({what})"
        failed += diff > tolerance
        print(f"{name:<32}{verdict}")
    if keep:
        Path(keep).write_text(json.dumps({k: v[0] for k, v in worst.items()}, indent=2))
    print(f"{len(worst) - failed} of {len(worst)} configurations within {tolerance:g}")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="record this checkout's behaviour")
    rec.add_argument("path")
    cmp_ = commands.add_parser("compare", help="compare BASE_REV's behaviour with this one's")
    cmp_.add_argument("base")
    cmp_.add_argument("--tolerance", type=float, default=0.0)
    cmp_.add_argument("--json", help="also write each configuration's difference here")
    args = parser.parse_args(argv)
    if args.command == "record":
        record(args.path)
        return 0
    return compare(args.base, args.tolerance, args.json)


if __name__ == "__main__":
    sys.exit(main())
