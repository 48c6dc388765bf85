"""The estimators' settings: their constraints, and every check of their
values and of their combinations, as functions of plain values.

``fit`` and ``partial_fit`` call :func:`check_settings` before any work;
the other functions answer one question about one setting each, and are
called wherever the answer is needed (the network's layers, the plan of
training, the state checks of a loaded model).
"""

import difflib
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.metrics import check_scoring as sklearn_check_scoring
from sklearn.metrics import get_scorer_names

from ._activations import HIDDEN_ACTIVATIONS, per_layer
from ._compat import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    scorer_response_methods,
)
from ._initializers import INITIALIZERS
from ._optimizers import SOLVERS, GroupSettings
from ._schedules import ANNEALING, SCHEDULES, effective_warmup

#: The groups of parameters ``group_learning_rates`` can set.
PARAMETER_GROUPS = ("weights", "biases", "embedding", "scales", "members", "activation")

#: The constraints both estimators check with ``_validate_params``.
PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), "array-like"],
    "solver": [StrOptions(set(SOLVERS))],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions(set(SCHEDULES))],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [
        Interval(Integral, 1, None, closed="left"),
        Options(Real, {np.inf}),
    ],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    "scoring": [None, str, callable],
    "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
    "max_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
    "max_time": [None, Interval(Real, 0, None, closed="neither")],
    "init": [StrOptions(set(INITIALIZERS))],
    "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
    "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "max_steps": [None, Interval(Integral, 1, None, closed="left")],
    "budget_rows": [None, Interval(Integral, 1, None, closed="left")],
    "dropout_rows": [None, Interval(Integral, 1, None, closed="left")],
    "refit": ["boolean"],
    "input_encoding": [None, StrOptions({"tabular"}), HasMethods(["fit", "transform"])],
    "numerical_embedding": [None, StrOptions({"periodic"})],
    "piecewise_linear_bins": [None, Interval(Integral, 2, None, closed="left")],
    "category_embedding": [None, Interval(Integral, 1, None, closed="left")],
    "parametric_activation": ["boolean"],
    "n_threads": [
        StrOptions({"auto"}),
        Interval(Integral, 1, None, closed="left"),
        Options(Integral, {-1}),
    ],
    "feature_scaling": ["boolean"],
    "group_learning_rates": [None, dict],
    "data_init": ["boolean"],
    "ensemble_size": [Interval(Integral, 1, None, closed="left")],
    "regularization_schedule": [StrOptions({"constant", "flat_cosine"})],
    "average_epochs": [Interval(Integral, 1, None, closed="left")],
}

#: The configuration ``for_tabular`` returns, chosen by measurement on the
#: 23 data sets of ``benchmarks/tabular.py`` (REALDATA.md, "The harder
#: suite"; the user guide's "Tabular data" has the ablation): the raw
#: DataFrame encoded in float32 (numbers scaled, not clipped: the bins
#: carry the tail), piecewise-linear encodings of each number over 16
#: quantile bins (in place of the periodic embedding: on
#: the suite they brought the worst set from 0.042 to 0.021 below the
#: better tree, for 0.002 of the mean score, and cost less), a learned
#: scale per input (RealMLP's, at 6x the rate, biases at 0.1x), two
#: layers of 64 silu units, light dropout (shrunk in proportion to the rows
#: beyond 8,000: ``dropout_rows``), AdamW's decoupled decay with
#: beta_2 = 0.95, and a budget of at most 60 epochs and 2,000 steps of 64
#: rows under RealMLP's four-cycle coslog4 schedule, the batch grown in
#: proportion to the rows beyond 8,000 and the learning rate with its
#: square root (``budget_rows``), the weights the
#: mean of the three epochs with the lowest loss on 10% of the rows held
#: out (``average_epochs``); regression targets standardised.
#: The three suites of ``benchmarks/tabular.py`` (harder, large, small)
#: measure each choice.
TABULAR = {
    "hidden_layer_sizes": (64, 64),
    "activation": "silu",
    "dropout": 0.1,
    "solver": "adam",
    "learning_rate": "coslog4",
    "beta_2": 0.95,
    "learning_rate_init": 0.003,
    "batch_size": 64,
    "max_iter": 60,
    "max_steps": 2000,
    "budget_rows": 8000,
    "dropout_rows": 8000,
    "early_stopping": True,
    "validation_fraction": 0.1,
    "n_iter_no_change": 60,
    "average_epochs": 3,
    "weight_decay": 0.05,
    "input_encoding": "tabular",
    "piecewise_linear_bins": 16,
    "feature_scaling": True,
    "group_learning_rates": {"scales": 6.0, "biases": 0.1},
}


def check_settings(params, incremental, owner):
    """Check every parameter's value and every combination of them, before
    any work; return the hidden layer sizes. ``params``: the estimator's
    parameters by name (its ``vars``: ``get_params`` would read the
    signature again); ``owner``: its class name, for the messages."""
    sizes = hidden_layer_sizes_of(params["hidden_layer_sizes"], owner)
    if incremental and params["early_stopping"]:
        raise ValueError("partial_fit does not support early_stopping=True.")
    dropout_rates_of(params["dropout"], len(sizes), params["solver"])
    activations_of(params["activation"], len(sizes))
    check_penalties(params["l1_ratio"], params["weight_decay"], params["solver"])
    group_settings_of(params["group_learning_rates"])
    check_budget(params)
    return sizes


def check_budget(params):
    """``budget_rows`` and ``refit`` with the settings they need (estimators
    saved before them have neither)."""
    stochastic = params["solver"] != "lbfgs"
    if params.get("budget_rows") is not None and not stochastic:
        raise ValueError(
            "budget_rows grows the batch and the learning rate of the stochastic "
            "solvers ('sgd', 'adam', 'gd'); L-BFGS's iterations are limited by max_iter: "
            "set budget_rows=None."
        )
    if not params.get("refit"):
        return
    if not (params["early_stopping"] and stochastic):
        raise ValueError(
            "refit=True trains again on all rows for the number of epochs that early "
            "stopping chose on its held-out rows: it needs early_stopping=True and a "
            "stochastic solver ('sgd', 'adam', 'gd'). Set refit=False, or early_stopping=True."
        )
    if params["warm_start"]:
        raise ValueError(
            "refit=True trains twice from new weights, so it cannot continue from the "
            "fitted ones: set warm_start=False or refit=False."
        )


def hidden_layer_sizes_of(sizes, owner):
    """``hidden_layer_sizes`` as a list of ints, checked."""
    given = sizes
    sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
    for size in sizes:
        if not isinstance(size, Integral) or isinstance(size, bool) or size < 1:
            raise InvalidParameterError(
                f"The 'hidden_layer_sizes' parameter of {owner} must hold positive "
                f"integers (units per hidden layer); got {given!r}."
            )
    return [int(size) for size in sizes]


def activations_of(activation, n_hidden):
    """The activation of each hidden layer, checked."""
    names = per_layer(activation, n_hidden)
    if len(names) != n_hidden or not all(
        isinstance(name, str) and name in HIDDEN_ACTIVATIONS for name in names
    ):
        raise ValueError(
            f"activation={activation!r} must be one of {sorted(HIDDEN_ACTIVATIONS)}, "
            f"or a sequence of them with one per hidden layer ({n_hidden} here)."
        )
    return names


def _is_rate(value):
    """Whether ``value`` is one dropout rate: a real number in [0, 1)."""
    return isinstance(value, Real) and not isinstance(value, bool) and 0 <= value < 1


def dropout_rates_of(dropout, n_hidden, solver):
    """One dropout rate per hidden layer, checked."""
    rates = dropout
    if _is_rate(rates):
        rates = [float(rates)] * n_hidden
    else:
        # A list, tuple or array of numbers; nothing else (no dict, set,
        # string, ragged or nested list) is read as rates.
        if isinstance(rates, np.ndarray) and rates.ndim == 1:
            rates = list(rates)
        if not isinstance(rates, (list, tuple)) or not all(_is_rate(r) for r in rates):
            rates = None
        if rates is None or len(rates) != n_hidden:
            raise ValueError(
                f"dropout={dropout!r} must be one rate in [0, 1), or a list of "
                f"rates with one per hidden layer ({n_hidden} here), each in [0, 1)."
            )
        rates = [float(rate) for rate in rates]
    if solver == "lbfgs" and any(rates):
        raise ValueError(
            "dropout needs a stochastic solver ('sgd', 'adam' or 'gd'): L-BFGS would "
            "minimise the objective of one fixed random mask, which is not what dropout "
            "means. Set dropout=0 or choose another solver."
        )
    return rates


def check_penalties(l1_ratio, weight_decay, solver):
    """The penalties each solver can train with."""
    if l1_ratio and solver == "lbfgs":
        raise ValueError(
            "l1_ratio > 0 needs a stochastic solver ('sgd', 'adam' or 'gd'): the L1 "
            "term is not differentiable at 0, which breaks L-BFGS's line search. Use "
            "l1_ratio=0 (pure L2) with lbfgs."
        )
    if weight_decay and solver != "adam":
        raise ValueError(
            "weight_decay is AdamW's decoupled weight decay, for solver='adam'. For "
            "'sgd' and 'gd' decoupled decay is the L2 penalty: use alpha."
        )


def group_settings_of(rates):
    """``group_learning_rates`` as the optimizer's per-group settings."""
    if not rates:
        return None
    unknown = sorted(set(rates) - set(PARAMETER_GROUPS))
    bad = [k for k, v in rates.items() if not (isinstance(v, Real) and 0 < v < np.inf)]
    if unknown or bad:
        raise ValueError(
            f"group_learning_rates={rates!r}: keys must be among {list(PARAMETER_GROUPS)} "
            f"and values positive finite numbers; got unknown keys {unknown} and bad "
            f"values for {sorted(bad)}."
        )
    return {(None, group): GroupSettings(rate=float(r)) for group, r in rates.items()}


def warn_long_warmup(warmup_epochs, max_iter, learning_rate):
    """``warmup_epochs >= max_iter`` is a setting that cannot be meant as
    it reads (see ``_schedules``: such a warm-up is shortened)."""
    if warmup_epochs and warmup_epochs >= max_iter:
        anneal = " and anneals to 0" if learning_rate in ANNEALING else ""
        warnings.warn(
            f"warmup_epochs={warmup_epochs} is not shorter than max_iter={max_iter}: such a "
            f"warm-up would never reach learning_rate_init. It is shortened to "
            f"{effective_warmup(warmup_epochs, max_iter)} epochs, so that the rate peaks{anneal} "
            "within max_iter.",
            UserWarning,
        )


def check_unchanged(fitted_with, now, incremental):
    """Refuse to continue training after a parameter that gives the fitted
    weights their meaning changed (``now`` and ``fitted_with``: such
    parameters by name): it would train one model and predict with another."""
    if fitted_with is None:  # a model pickled before this check existed
        return
    for name, value in now.items():
        if fitted_with.get(name, value) != value:
            how = "call fit" if incremental else "set warm_start=False"
            raise ValueError(
                f"Cannot continue training: {name}={value!r} differs from "
                f"{name}={fitted_with[name]!r}, with which the model was fitted. "
                f"A change of {name} needs a new model: {how}, or set "
                f"{name} back to {fitted_with[name]!r}."
            )


def check_scoring(est, validation):
    """Refuse a ``scoring`` the estimator ``est`` cannot compute, before any
    training; warn about one that nothing will use."""
    scoring = est.scoring
    if scoring is None:
        return
    given = validation is not None and any(v is not None for v in validation[:2])
    if not (est.early_stopping or given):
        warnings.warn(
            f"scoring={scoring!r} is unused: it scores validation data, which "
            "only early_stopping=True or X_val and y_val given to fit provide.",
            UserWarning,
        )
    if scoring == "loss" or callable(scoring):
        return
    name = type(est).__name__
    try:
        scorer = sklearn_check_scoring(est, scoring=scoring)
    except ValueError:
        close = difflib.get_close_matches(str(scoring), get_scorer_names(), n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"scoring={scoring!r} is not a valid scoring of {name}: use None, 'loss', "
            "a callable scorer(estimator, X, y), or a scikit-learn scorer name "
            f"(sklearn.metrics.get_scorer_names()).{hint}"
        ) from None
    methods = scorer_response_methods(scorer)
    if not any(hasattr(est, method) for method in methods):
        raise ValueError(
            f"scoring={scoring!r} needs {' or '.join(methods)}, which {name} does not "
            "have; choose a scorer that uses what it has, such as None (the default), "
            "'loss' or a scorer of predict."
        )
