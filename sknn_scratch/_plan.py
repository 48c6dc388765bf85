"""From the estimator's parameters to a training plan, and the training call.

This is the estimator's side of training. :func:`train` is handed the
network and a :class:`Call` (the data and how the user called), reads the
hyper-parameters (checked before, in ``_settings``), splits off the
early-stopping validation set, and builds what the loops of
:mod:`sknn_scratch._training` take: a :class:`~sknn_scratch._training.Plan`
(or ``LbfgsPlan``), a record resumed from the fitted attributes, the
optimizer, and the listeners that watch the epochs; then it runs the loop
and publishes the record on the estimator it trains.
"""

import time
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._callbacks import Reporter
from ._held_out import ValidationData, validation_record
from ._listeners import (
    BestWeights,
    Listeners,
    StopRule,
    TimeLimit,
    ValidationScorer,
    VerbosePrinter,
    registered,
)
from ._objective import Objective, epoch_scales, full_batch_scales
from ._optimizers import OPTIMIZERS, Groups, parameter_groups
from ._record import TrainingRecord
from ._safeguards import Hints
from ._schedules import ANNEALING, Schedule
from ._settings import dropout_rates_of, group_settings_of, warn_long_warmup
from ._threads import Threads, largest_product
from ._training import (
    LbfgsPlan,
    Optimizing,
    Plan,
    Rows,
    close_epoch,
    train_lbfgs,
    train_stochastic,
)


class Call(NamedTuple):
    """One call that trains: its data, and how the user called."""

    X: object
    Y: np.ndarray  # the encoded targets
    sample_weight: object
    y: object  # the targets as given (the callbacks and the split read them)
    validation: object  # ValidationData given to fit, or None
    rng: np.random.RandomState
    alpha: float  # with the sample weights' scale (BaseMLP._checked_sample_weight)
    incremental: bool
    owner: object  # the estimator the user called (the callbacks' estimator)


def fit_call(est, net, call, renew):
    """Train ``net`` for the working copy ``est``, then, with ``refit``,
    train new weights on every row for the length the first training chose
    (``renew()`` draws them and returns their network); then say whether
    the budget cut training short (:func:`budget_limited`)."""
    # One callback task for the whole call: the epochs of both trainings
    # are its subtasks.
    twice = _may_refit(est, call)
    # (Both trainings' epochs: the planned ones, twice.)
    reporter = (
        _reporter(est, call, 2 * planned_epochs(est, call.X.shape[0], False)) if twice else None
    )
    train(est, net, call, reporter=reporter)
    limited = budget_limited(est, call)
    if twice and est.best_epoch_ is not None:  # (an epoch was chosen)
        chose = _chosen_by_validation(est)
        scored = planned_epochs(est, call.X.shape[0], False)  # the first fit's horizon
        planned = planned_epochs(est, call.X.shape[0], True)  # every row trains now
        epochs = max(1, round(planned * _chosen_epoch(est) / scored))
        train(est, renew(), call, epochs=epochs, reporter=reporter)
        est.__dict__.update(chose)
    if reporter is not None:
        reporter.fit_ends(est)
    est.budget_limited_ = limited
    if limited and est.learning_rate in ANNEALING:  # (otherwise scikit-learn's warning said it)
        warnings.warn(
            "The step budget, not convergence, ended training: the validation score "
            f"rose by more than {BUDGET_GAIN} over the last half of the epochs and was "
            "best in the last quarter. More steps (max_steps, or a smaller budget_rows) "
            "may score better; budget_limited_ records this.",
            ConvergenceWarning,
        )


def _may_refit(est, call):
    """Whether this call may train a second time (``refit``): a fit from new
    weights whose early stopping holds rows out of the training data."""
    return getattr(est, "refit", False) and not call.incremental and call.validation is None


def _chosen_epoch(est):
    """The length ``refit`` trains for: the latest epoch whose validation
    score is within ``tol`` of the best (new weights trained as long as the
    last of equally good epochs are no worse off; RealMLP also takes the
    latest of tied epochs)."""
    scores = np.asarray(est.validation_scores_, dtype=float)
    good = np.isfinite(scores)
    if not good.any():
        return est.best_epoch_
    good &= scores >= scores[good].max() - est.tol
    return int(np.flatnonzero(good)[-1]) + 1


def _chosen_by_validation(est):
    """The first fit's validation record, kept by the refitted model."""
    names = ("validation_scores_", "validation_loss_curve_", "best_validation_score_")
    return {name: getattr(est, name) for name in (*names, "best_epoch_")}


def _reporter(est, call, epochs):
    """The callbacks' Reporter of a call: one subtask per epoch it may run;
    L-BFGS adds one that never runs (as in scikit-learn's
    LogisticRegression)."""
    subtasks = epochs + (est.solver == "lbfgs")
    return Reporter(call.owner, subtasks, call.X, call.y, call.sample_weight)


def train(est, net, call, epochs=None, reporter=None):
    """Train ``net`` for the working copy ``est`` of ``call.owner``, and
    publish the record on ``est``. ``epochs``: the refit of ``refit``, that
    many epochs on every row (no early-stopping split), its schedule
    planned over the epochs that all of ``fit``'s budget allows.
    ``reporter``: the callbacks' Reporter of a call that trains twice
    (None: this training's own)."""
    lbfgs = est.solver == "lbfgs"
    # partial_fit: one epoch, its schedule planned over max_iter epochs.
    holdout = epochs is None
    planned = planned_epochs(est, call.X.shape[0], call.validation is not None or not holdout)
    if epochs is None:
        epochs = 1 if call.incremental else planned
    own = reporter is None
    if own:
        reporter = _reporter(est, call, epochs)
    reporter.bind(est)
    record = TrainingRecord.resume(vars(est))
    if lbfgs:
        _train_lbfgs(est, net, call, record, reporter)
    else:
        schedule = est.max_iter if call.incremental else planned
        _train_stochastic(est, net, call, record, reporter, epochs, schedule, holdout)
    est.__dict__.update(record.attributes())
    if own:
        reporter.fit_ends(est)


def _train_lbfgs(est, net, call, record, reporter):
    """Train with L-BFGS."""
    est._optimizer = None
    objective = Objective(net, est.l1_ratio)
    scales = full_batch_scales(call.X.shape[0], call.sample_weight, call.alpha)
    record.start_validation(call.validation is not None, est.early_stopping)
    listeners = listeners_of(est, net, call.validation, scales, None, reporter)
    threads = threads_of(est, net, call.X.shape[0], est.max_iter)
    with threads:
        rows = Rows(call.X, call.Y, call.sample_weight)
        train_lbfgs(lbfgs_plan(est, threads), objective, rows, record, listeners, scales)
    est.n_threads_ = threads.count


def _train_stochastic(est, net, call, record, reporter, n_epochs, schedule, holdout=True):
    """Train with gd, sgd or adam for ``n_epochs``, the schedule planned
    over ``schedule`` epochs. ``holdout``: whether early stopping holds
    rows out (not in the refit of ``refit``, which runs a chosen length:
    it ends where it was planned to, with no warning)."""
    if holdout:
        rows, validation = split_validation(est, call)
    else:
        rows, validation = Rows(call.X, call.Y, call.sample_weight), None
    n_train = rows.X.shape[0]
    optimizer = _prepared_optimizer(est, net, call.incremental, schedule, record, n_train)
    optimizing = Optimizing(optimizer)
    plan = stochastic_plan(est, n_epochs, n_train, call.incremental, chosen=not holdout)
    steps = plan.epochs * -(-n_train // plan.batch_size)
    threads = threads_of(est, net, plan.batch_size, steps)
    record.start_validation(validation is not None, est.early_stopping and holdout)
    scales = epoch_scales(n_train, rows.sample_weight, call.alpha)
    listeners = listeners_of(est, net, validation, scales, optimizing, reporter)
    objective = Objective(net, est.l1_ratio)
    with threads:
        plan = plan._replace(threads=threads)
        train_stochastic(plan, objective, optimizing, rows, call.rng, record, listeners, scales)
    est._optimizer = optimizing.optimizer
    est.n_threads_ = threads.count


def _prepared_optimizer(est, net, incremental, epochs, record, n_train):
    """The optimizer's state kept for partial_fit, or a fresh one for fit
    (its schedule planned over ``epochs``, its rate grown for ``n_train``
    training rows)."""
    if not incremental:
        record.n_iter = 0
        record.no_improvement_count = 0
    # (The working copy of the estimator holds a copy of the optimizer.)
    reuse = incremental and type(est._optimizer) is OPTIMIZERS[est.solver]
    optimizer = est._optimizer
    if not reuse:
        warn_long_warmup(est.warmup_epochs, est.max_iter, est.learning_rate)
        groups = group_settings_of(est.group_learning_rates)
        growth = budget_growth(est, n_train, incremental)
        optimizer = make_optimizer(est, net, epochs, groups, rate_growth=float(np.sqrt(growth)))
    record.learning_rate = optimizer.rate
    return optimizer


def close_block_epoch(est, blocks):
    """Record the epoch that ``fit_blocks`` trained block by block
    (see ``_training.BlockEpoch``)."""
    if not blocks.rows:
        return
    record = TrainingRecord.resume(vars(est))
    optimizing = Optimizing(est._optimizer)
    seconds = time.perf_counter() - blocks.started
    close_epoch(record, optimizing.optimizer, blocks.loss(), 0, seconds)
    listeners = [VerbosePrinter()] if est.verbose else []
    for listener in listeners + [stop_rule(est, optimizing)]:
        listener.epoch_ends(record, None, False)
    est.__dict__.update(record.attributes())
    est._optimizer = optimizing.optimizer


def planned_epochs(est, n_samples, validation_given):
    """The most epochs (L-BFGS: iterations) that ``fit`` may run.

    ``max_iter``, or fewer where ``max_steps`` ends training sooner: a
    stochastic solver takes ``ceil(n_train / batch_size)`` steps an epoch
    (``n_train`` the rows left after any early-stopping split), so
    ``max_steps`` allows ``ceil(max_steps / steps_per_epoch)`` whole
    epochs. Above ``budget_rows`` training rows the batch grows
    (:func:`budget_growth`): the same steps take more rows.
    """
    if est.max_steps is not None and est.solver == "lbfgs":
        raise ValueError(
            "max_steps counts the mini-batch steps of the stochastic solvers ('sgd', 'adam', "
            "'gd'); L-BFGS's iterations are limited by max_iter: set max_steps=None."
        )
    if est.max_steps is None:
        return est.max_iter
    n_train = n_samples
    if est.early_stopping and not validation_given:
        n_train -= _n_validation(est, n_samples)
    n_train = max(n_train, 1)  # (an empty split is refused later, with its own error)
    steps_per_epoch = -(-n_train // _rows_per_batch(est, n_train))
    return min(est.max_iter, -(-est.max_steps // steps_per_epoch))


def budget_growth(est, n_train, incremental=False):
    """The factor ``n_train / budget_rows`` (at least 1) by which ``fit``
    grows the batch on ``n_train`` training rows; the learning rate grows
    by its square root, and ``max_steps`` stays.

    Rows per step then grow as the rows do, so a fit on more rows than
    ``budget_rows`` makes as many passes over its data as one on
    ``budget_rows`` rows, at a cost that grows linearly with them (the
    trees' cost grows so too) and the per-step overhead of ``max_steps``
    steps alone. The square-root scaling rule of adaptive optimizers
    (Malladi et al., 2022: a batch ``g`` times larger with a rate
    ``sqrt(g)`` times higher follows the same path, with less noise) makes
    those steps go as far as ``sqrt(g)`` times as many on the smaller batch:
    more rows mean more learning. ``partial_fit`` (one epoch of the rows it
    is given) does not grow.
    """
    budget_rows = getattr(est, "budget_rows", None)  # (absent in estimators saved before it)
    if budget_rows is None or incremental or n_train <= budget_rows:
        return 1.0
    return n_train / budget_rows


def make_optimizer(est, net, epochs=None, group_settings=None, rate_growth=1.0):
    """The optimizer for ``est.solver`` with the estimator's hyper-parameters;
    its schedule is planned over ``epochs`` (default ``est.max_iter``), from
    ``learning_rate_init`` times ``rate_growth`` (:func:`budget_growth`'s
    square root).

    ``group_settings`` (``{(layer index or None, group or None):
    GroupSettings}``, see ``_optimizers.parameter_groups``) gives groups of
    parameters their own learning-rate multiplier and decay; by default
    every rate is the scheduled one and decay applies to the weights only.
    ``"gd"`` uses the same update rule as ``"sgd"``; only the batch differs
    (the whole training set, one step per epoch).
    """
    schedule = Schedule(
        est.learning_rate,
        est.learning_rate_init * rate_growth,
        est.power_t,
        est.max_iter if epochs is None else epochs,
        est.warmup_epochs,
        est.regularization_schedule,
    )
    n_params, dtype = net.params.size, net.params.dtype
    if group_settings:
        groups = parameter_groups(net.parameter_slices, group_settings, n_params)
    else:
        groups = Groups.default(net.weights.size)
    optimizer = OPTIMIZERS[est.solver]
    settings = [getattr(est, name) for name in optimizer.SETTINGS]
    return optimizer(n_params, dtype, schedule, *settings, groups=groups)


def stochastic_plan(est, epochs, n_train, incremental, threads=None, chosen=False):
    """The plan of a stochastic call on ``n_train`` training rows; the
    steps run under ``threads`` (``_threads.Threads``). ``chosen``: a
    length chosen by validation (``refit``), whose end warns of nothing."""
    return Plan(
        epochs=epochs,
        batch_size=_batch_size(est, n_train, incremental),
        shuffle=est.shuffle,
        dropout=dropout_rates(est, n_train, incremental),
        max_grad_norm=est.max_grad_norm,
        exhausted=None if incremental or chosen else _exhausted_message(est, epochs, n_train),
        hints=_hints(est),
        block=getattr(est, "_block_epoch", None),
        threads=threads,
    )


def dropout_rates(est, n_train, incremental=False):
    """Each hidden layer's dropout rate for a call on ``n_train`` training
    rows: ``dropout``'s, times ``dropout_rows / n_train`` where a ``fit``
    has more rows than ``dropout_rows``."""
    rates = dropout_rates_of(est.dropout, len(est.network_.coefs) - 1, est.solver)
    dropout_rows = getattr(est, "dropout_rows", None)  # (absent in estimators saved before it)
    if dropout_rows is None or incremental or n_train <= dropout_rows:
        return rates
    return [rate * dropout_rows / n_train for rate in rates]


def lbfgs_plan(est, threads=None):
    return LbfgsPlan(est.max_iter, est.max_fun, est.tol, _hints(est), threads)


def threads_of(est, net, rows, steps):
    """The ``Threads`` of a call of about ``steps`` steps, each taking
    ``rows`` rows through ``net`` (each row is ``net.members`` rows of an
    ensemble's network)."""
    work = largest_product(rows * net.members, net.units)
    return Threads(est.n_threads, work, report=print if est.verbose else None, steps=steps)


def _hints(est):
    return Hints(est.learning_rate_init, est.alpha)


def _exhausted_message(est, epochs, n_train):
    """scikit-learn's warning when the epochs run out, unless an annealing
    schedule has brought the rate to 0 by then: that end is planned."""
    if est.learning_rate in ANNEALING:
        return None
    steps = f"max_steps={est.max_steps}"
    if est.max_steps is not None and budget_growth(est, n_train) > 1:
        steps += (
            f" of {_rows_per_batch(est, n_train)} rows for {n_train} rows with "
            f"budget_rows={est.budget_rows}"
        )
    limit = (
        f"Maximum iterations ({est.max_iter})"
        if epochs == est.max_iter
        else f"The step budget ({steps}, {epochs} epochs)"
    )
    return f"Stochastic Optimizer: {limit} reached and the optimization hasn't converged yet."


def listeners_of(est, net, validation, scales, optimizing, reporter):
    """The listeners of a training call, in the order they hear each epoch.

    ``scales``: the objective's scales (its penalty gives the validation
    loss the training loss's scale); ``optimizing``: the holder of the
    optimizer (None for L-BFGS); ``reporter``: the listener that calls
    scikit-learn's callbacks.
    """
    block = getattr(est, "_block_epoch", None) is not None
    listeners = []
    if validation is not None:
        score = _validation_score(est, net, validation)
        listeners.append(ValidationScorer(score, scales.penalty, est.l1_ratio))
    if est.verbose and not block:
        listeners.append(VerbosePrinter())
    if est.solver != "lbfgs" and not block:
        on_validation = est.early_stopping and validation is not None
        listeners.append(stop_rule(est, optimizing, on_validation))
        if est.early_stopping and validation is not None:
            # (Estimators saved before average_epochs existed keep their best epoch.)
            average = getattr(est, "average_epochs", 1)
            listeners.append(BestWeights(net.params, est.scoring, average))
    listeners.append(reporter)
    if est.max_time is not None:
        listeners.append(TimeLimit(est.max_time, est.early_stopping))
    return Listeners(listeners + registered())


def stop_rule(est, optimizing, on_validation=False):
    """The ``n_iter_no_change`` rule with this estimator's settings."""
    return StopRule(on_validation, est.tol, est.n_iter_no_change, optimizing, est.verbose)


def _validation_score(est, net, validation):
    """The validation record of each epoch's weights. The fixed input layers
    (the piecewise-linear bins) run once on the validation rows, not every
    epoch, as they do on the training rows (``through_fixed``)."""
    inputs = net.through_fixed(validation.X)

    def score(weights, penalty_term):
        return validation_record(est, weights, validation, penalty_term, inputs)

    return score


def _rows_per_batch(est, n_samples, incremental=False):
    if est.solver == "gd":
        return n_samples
    rows = 200 if est.batch_size == "auto" else est.batch_size
    growth = budget_growth(est, n_samples, incremental)
    if growth > 1:
        rows = int(round(rows * growth))
    return min(rows, n_samples)


def _batch_size(est, n_samples, incremental=False):
    """The rows per batch, with scikit-learn's warning when ``batch_size``
    is clipped."""
    if est.solver != "gd" and est.batch_size != "auto" and est.batch_size > n_samples:
        warnings.warn(
            f"batch_size={est.batch_size} is larger than the {n_samples} training "
            "samples; it is clipped to the number of samples.",
            UserWarning,
        )
    return _rows_per_batch(est, n_samples, incremental)


def _n_validation(est, n_samples):
    """Rows the early-stopping split holds out (as train_test_split counts)."""
    return int(np.ceil(est.validation_fraction * n_samples))


def split_validation(est, call):
    """The training rows (``_training.Rows``) and the validation data, if any.

    Validation data given to ``fit`` are used as they are; otherwise early
    stopping holds out ``validation_fraction`` of the training data.
    """
    X, Y, sample_weight, y = call.X, call.Y, call.sample_weight, call.y
    if call.validation is not None:
        return Rows(X, Y, sample_weight), call.validation
    if not est.early_stopping or call.incremental:
        return Rows(X, Y, sample_weight), None
    n_validation = _n_validation(est, X.shape[0])
    if n_validation < 2 or n_validation >= X.shape[0]:
        raise ValueError(
            f"The validation set is too small: early_stopping needs at least 2 "
            f"validation samples and a "
            f"non-empty training set; validation_fraction={est.validation_fraction} "
            f"of {X.shape[0]} sample(s) gives {n_validation}. Increase "
            "validation_fraction, give more samples, or set early_stopping=False."
        )
    stratify = est._validation_strata(Y)
    arrays = [X, Y, y] + ([sample_weight] if sample_weight is not None else [])
    parts = train_test_split(
        *arrays,
        test_size=est.validation_fraction,
        random_state=call.rng,
        stratify=stratify,
    )
    X_train, X_val, Y_train, Y_val, _, y_val = parts[:6]
    sw_train, sw_val = parts[6:] if sample_weight is not None else (None, None)
    _check_split_weights(est, sample_weight, sw_train, sw_val)
    return Rows(X_train, Y_train, sw_train), ValidationData(X_val, Y_val, y_val, sw_val)


def _check_split_weights(est, sample_weight, sw_train, sw_val):
    for part, weights in (("training", sw_train), ("validation", sw_val)):
        if weights is not None and not weights.any():
            raise ValueError(
                f"The early-stopping split (validation_fraction={est.validation_fraction}, "
                f"drawn with random_state) gave a {part} part whose sample weights are "
                f"all zero ({np.count_nonzero(sample_weight)} of {len(sample_weight)} "
                "samples have positive weight). Give more samples positive weight, "
                "change validation_fraction or random_state, or set early_stopping=False."
            )


#: The rise of the validation score over the second half of the epochs
#: beyond the best of the first half (R^2 or accuracy by default) above
#: which a score still rising at the end counts as cut short.
BUDGET_GAIN = 0.002


def budget_limited(est, call):
    """Whether the budget, not convergence, ended this ``fit``: it ran
    every planned epoch, its best validation score came in the last
    quarter of them, and the second half raised the best score by more
    than ``BUDGET_GAIN``. None where no validation score was kept (no
    early stopping, 'lbfgs', ``partial_fit``) or fewer than 4 epochs ran."""
    scores = est.validation_scores_
    if call.incremental or not scores or est.solver == "lbfgs" or len(scores) < 4:
        return None
    scores = np.asarray(scores, dtype=float)
    if not np.isfinite(scores).all():
        return False
    half = len(scores) // 2
    gain = scores[half:].max() - scores[:half].max()
    best = int(np.argmax(scores)) + 1
    ran_out = est.n_iter_ >= planned_epochs(est, call.X.shape[0], call.validation is not None)
    return bool(ran_out and best > len(scores) - len(scores) // 4 and gain > BUDGET_GAIN)
