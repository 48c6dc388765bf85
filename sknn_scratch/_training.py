"""The training loops: a plan in, a record out.

:func:`train_stochastic` runs epochs of (mini-)batch steps (``gd``,
``sgd``, ``adam``); :func:`train_lbfgs` runs SciPy's L-BFGS-B. Both minimise
the objective of :mod:`sknn_scratch._objective`, write what they measure to
a :class:`~sknn_scratch._record.TrainingRecord`, report each epoch to the
listeners (:mod:`sknn_scratch._listeners`), and go back to sound weights
through the safeguards (:mod:`sknn_scratch._safeguards`) when an epoch
diverges or is interrupted. They take every setting from their plan and
read nothing from the estimator, which checked the settings before (see
``_plan``) and publishes the record after.
"""

import time
import warnings
from typing import NamedTuple

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._layers import DroppedUnits
from ._safeguards import (
    Guard,
    Hints,
    Snapshots,
    keep_lowest_sound,
    raise_no_finite_step,
    warn_diverged,
)


class Rows(NamedTuple):
    """The training rows: inputs, encoded targets, sample weights (or None)."""

    X: object
    Y: np.ndarray
    sample_weight: object


class Plan(NamedTuple):
    """What a stochastic training call does (built by ``_plan.stochastic_plan``).

    epochs : int
        The most epochs to run.
    batch_size : int
        Rows per batch (the whole training set for ``gd``).
    shuffle : bool
        Whether each epoch visits the rows in a new random order.
    dropout : list of float
        The dropout rate of each hidden layer.
    max_grad_norm : float or None
        The gradient norm at which each step is clipped.
    exhausted : str or None
        The warning when the epochs run out (None: that end is planned).
    hints : Hints
        The settings the safeguards' messages name.
    block : BlockEpoch or None
        The longer epoch this call trains one block of (``fit_blocks``).
    threads : Threads or None
        Times the steps and sets the BLAS threads (``_threads``); None:
        the threads are left as they are.
    """

    epochs: int
    batch_size: int
    shuffle: bool
    dropout: list
    max_grad_norm: object
    exhausted: object
    hints: Hints
    block: object = None
    threads: object = None


class LbfgsPlan(NamedTuple):
    """What an L-BFGS training call does (built by ``_plan.lbfgs_plan``);
    ``threads`` as in :class:`Plan`, timing each evaluation."""

    max_iter: int
    max_fun: int
    tol: float
    hints: Hints
    threads: object = None


class Optimizing:
    """Holds the optimizer that training steps with: the safeguards replace
    it when they go back to a snapshot, the stop rule asks its schedule
    to react to a stall, and the estimator keeps it after training."""

    def __init__(self, optimizer):
        self.optimizer = optimizer


def train_stochastic(plan, objective, optimizing, train, rng, record, listeners, scales):
    """Run epochs of gradient steps.

    Parameters
    ----------
    plan : Plan
        The settings of this call.
    objective : Objective
        The objective; its network's weights are trained in place.
    optimizing : Optimizing
        Holds the optimizer, ready for the network's parameters.
    train : tuple
        ``(X, Y, sample_weight)``: inputs, encoded targets, sample weights.
    rng : numpy.random.RandomState
        Shuffles the batches and draws the dropout masks.
    record : TrainingRecord
        Written with every epoch.
    listeners : Listeners
        Told about every epoch; any may stop training.
    scales : Scales
        The objective's scales for this training set
        (``_objective.epoch_scales``).
    """
    net, n_samples = objective.net, train[0].shape[0]
    X, start = net.through_fixed(train[0])
    batches = _Batches((X, *train[1:]), plan.batch_size, start)
    snapshots = Snapshots([net.params, *listeners.arrays()], optimizing, record)
    guard = Guard(objective, train, scales.penalty)
    network = net.fitted()  # what the listeners see: the weights being trained
    diverged = False
    try:
        for epoch in range(plan.epochs):
            listeners.epoch_begins()
            snapshots.save()
            started = time.perf_counter()
            # Overflow shows up as a non-finite loss or weight, checked below
            # with a warning that says what to do; NumPy's own warnings from
            # deep inside the epoch would only add noise.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss = _run_epoch(
                    plan, objective, optimizing.optimizer, batches, rng, scales, record
                )
            if guard.diverged(loss):
                keep_lowest_sound(snapshots, guard, epoch, plan.hints)
                diverged = True
                break
            seconds = time.perf_counter() - started
            _end_epoch(plan, record, optimizing.optimizer, loss, n_samples, seconds)
            # Every epoch that ran reaches the listeners, the last one too.
            if listeners.epoch_ends(record, network):
                break  # converged, stalled, out of time, or a callback asked to stop
        else:
            if plan.exhausted:
                warnings.warn(plan.exhausted, ConvergenceWarning)
    except KeyboardInterrupt:
        _interrupted(snapshots, listeners, record)
    listeners.training_ends(record, net, guard if diverged else None)


def _interrupted(snapshots, listeners, record):
    """Ctrl-C: back to the start of the epoch that was interrupted, so that
    weights, optimizer and every record describe the last completed epoch."""
    snapshots.restore(snapshots.latest)
    listeners.epoch_aborted()
    if not record.loss_curve:
        raise KeyboardInterrupt  # nothing was trained; the caller's estimator is untouched
    warnings.warn(
        "Training interrupted by user; the weights are those of the last completed epoch.",
        UserWarning,
    )


def _end_epoch(plan, record, optimizer, loss, n_samples, seconds):
    """Record an epoch (its loss, rows and seconds) and step the schedule; an
    epoch of one block of a longer one only adds to that."""
    if plan.block is not None:
        record.t += n_samples
        plan.block.add(loss, n_samples)
        return
    close_epoch(record, optimizer, loss, n_samples, seconds)


def close_epoch(record, optimizer, loss, n_samples, seconds):
    """Record a completed epoch, then step the learning-rate schedule."""
    record.add_epoch(loss, n_samples, seconds, record.learning_rate)
    optimizer.iteration_ends(record.t)
    record.learning_rate = optimizer.rate


class BlockEpoch:
    """One epoch trained block by block, as ``partial_fit`` calls
    (``sknn_scratch.dask.fit_blocks``): the epoch is recorded once, when it
    closes (``_plan.close_block_epoch``), so that ``n_iter_`` and
    ``loss_curve_`` count epochs, not blocks, and the schedule steps once
    an epoch.

    Set as the estimator's ``_block_epoch`` while the blocks train.
    """

    def __init__(self):
        self.weighted_loss, self.rows, self.started = 0.0, 0, time.perf_counter()

    def add(self, loss, n_rows):
        self.weighted_loss += loss * n_rows
        self.rows += n_rows

    def loss(self):
        """The row-weighted mean of the blocks' losses, as an epoch of
        minibatches has."""
        return self.weighted_loss / self.rows


def _run_epoch(plan, objective, optimizer, batches, rng, scales, record):
    """One pass over the data; return the mean of the batch objectives."""
    net, n_samples = objective.net, batches.n_samples
    shuffle = plan.shuffle and batches.batch_size < n_samples
    order = rng.permutation(n_samples) if shuffle else None
    weight_scale, penalty = scales
    accumulated = 0.0
    step, update = objective.value_and_gradient, optimizer.update
    if plan.max_grad_norm is not None:
        update = _Clipped(update, plan.max_grad_norm)
    factor = optimizer.regularization
    rates = plan.dropout if factor == 1.0 else [rate * factor for rate in plan.dropout]
    dropout = any(rates)
    params, grads, scratch = net.params, net.grads, net.workspace.scratch
    bits = mask_bits(rng) if dropout else None
    epoch = batches.epoch(order)
    if plan.threads is not None:
        epoch = plan.threads.steps(epoch, rows=_batch_rows)
    for X_batch, Y_batch, sw_batch in epoch:
        m = X_batch.shape[0]
        masks = (
            dropout_masks(bits, m * net.members, net.units[1:-1], rates, params.dtype)
            if dropout
            else None
        )
        accumulated += (
            step(X_batch, Y_batch, sw_batch, weight_scale / m, penalty, masks, batches.start) * m
        )
        update(params, grads, scratch)
    if plan.max_grad_norm is not None:
        record.n_clipped_steps += update.clipped
    return accumulated / n_samples


def _batch_rows(batch):
    return batch[0].shape[0]


def mask_bits(rng):
    """The random source of an epoch's dropout masks: a PCG64 generator
    seeded by one draw of the fit's random state ``rng``, so that
    ``random_state`` stays the one source of randomness. Its raw 64-bit
    outputs, four 16-bit draws each, cost a third of ``rng.randint``'s
    16-bit draws (14 us against 39 us for a batch of 360 x 64 units)."""
    return np.random.Generator(np.random.PCG64(rng.randint(0, 2**32, size=4, dtype=np.uint64)))


def dropout_masks(bits, n_rows, units, rates, dtype):
    """Inverted-dropout masks: each unit kept with probability ``1 - p``, and
    scaled by ``1 / (1 - p)`` so that every unit's expected value is unchanged
    (predict then needs no rescaling). None for layers with ``p = 0``.
    ``bits``: a NumPy generator (:func:`mask_bits`).

    Rates of at least :data:`SPARSE_RATE` compare one 16-bit draw per unit
    with a threshold: the keep probability is then ``1 - p`` rounded to a
    multiple of 1/65536, and the scale is the inverse of that rounded
    probability, so the expectation stays exact. Lower rates (``dropout_rows``
    lowers them on large training sets) draw only the dropped units
    (:func:`_dropped`): their cost falls with the rate.
    """
    masks = []
    for n_units, rate in zip(units, rates):
        if not rate:
            masks.append(None)
        elif rate < SPARSE_RATE:
            masks.append(_dropped(bits, n_rows, n_units, rate, dtype))
        else:
            masks.append(_compared(bits, n_rows, n_units, rate, dtype))
    return masks


#: Below this rate a mask draws its dropped units, not a draw per unit.
#: Measured on 360 x 64 float32: 20 us a mask by comparison at any rate;
#: by drawing the dropped units, 20 us at 0.1, 16 us at 1/16, 12 us at
#: 1/40 and 9 us at flights' 0.004 (``dropout_rows``).
SPARSE_RATE = 1 / 16


def _compared(bits, n_rows, n_units, rate, dtype):
    """A mask from one 16-bit draw per unit (four per raw 64-bit output)."""
    threshold = max(1, round((1.0 - rate) * _DRAWS))
    size = n_rows * n_units
    draws = bits.bit_generator.random_raw(-(-size // 4)).view(np.uint16)[:size]
    mask = np.less(draws.reshape(n_rows, n_units), threshold).astype(dtype)
    mask *= _DRAWS / threshold
    return mask


def _dropped(bits, n_rows, n_units, rate, dtype):
    """A mask whose dropped units are drawn directly: a Poisson number of
    hits, with mean ``-log(1 - p)`` per unit, at uniformly drawn units.

    Spread uniformly, a Poisson count of hits is an independent Poisson
    count at each unit, so each unit is hit at least once, and dropped,
    with probability ``1 - exp(log(1 - p)) = p``, independently of the
    others: the same masks in law as a draw per unit, for about ``p``
    draws per unit. Kept as :class:`DroppedUnits`, not as an array.
    """
    size = n_rows * n_units
    hits = bits.poisson(-size * np.log1p(-rate))
    flat = bits.integers(0, size, hits)
    scale = np.asarray(1.0 / (1.0 - rate), dtype=dtype)[()]
    return DroppedUnits.at(scale, flat, (n_rows, n_units))


_DRAWS = 1 << 16


class _Clipped:
    """An optimizer step that first clips the global gradient norm.

    ``g <- g * max_grad_norm / ||g||`` when ``||g|| > max_grad_norm``: the
    direction is kept and the length capped (Pascanu et al., 2013). Only
    built when ``max_grad_norm`` is set, so the default path pays nothing.
    """

    def __init__(self, update, max_norm):
        self.update, self.max_norm, self.clipped = update, max_norm, 0

    def __call__(self, params, grads, scratch):
        norm = float(np.sqrt(np.vdot(grads, grads)))
        if norm > self.max_norm:
            grads *= self.max_norm / norm
            self.clipped += 1
        self.update(params, grads, scratch)


class _Batches:
    """The minibatches of an epoch, in order or shuffled.

    Shuffled rows are gathered with ``np.take`` into buffers of one batch,
    allocated once per call to fit: no copy of the whole training set per
    epoch, and no allocation per batch. (Sparse X is indexed per batch.)
    ``start``: X is the output of the network's first ``start`` layers.
    """

    def __init__(self, train, batch_size, start=0):
        self.train, self.start = train, start
        self.batch_size = batch_size
        self.n_samples = train[0].shape[0]
        self.buffers = [
            None
            if a is None or sp.issparse(a)
            else np.empty((batch_size,) + a.shape[1:], dtype=a.dtype)
            for a in train
        ]

    def epoch(self, order):
        """Yield ``(X, Y, sample_weight)`` batches; rows in ``order`` if given."""
        size, (X, Y, sw) = self.batch_size, self.train
        X_buffer, Y_buffer, sw_buffer = self.buffers
        for start in range(0, self.n_samples, size):
            stop = start + size
            if order is None:
                yield X[start:stop], Y[start:stop], None if sw is None else sw[start:stop]
                continue
            rows = order[start:stop]
            m = len(rows)
            yield (
                X[rows] if X_buffer is None else np.take(X, rows, axis=0, out=X_buffer[:m]),
                np.take(Y, rows, axis=0, out=Y_buffer[:m]),
                None if sw is None else np.take(sw, rows, out=sw_buffer[:m]),
            )


# ------------------------------------------------------------------ L-BFGS


_SCIPY_DEFAULT_FTOL = 2.220446049250313e-09


def train_lbfgs(plan, objective, train, record, listeners, scales):
    """Minimise the full-batch objective with SciPy's L-BFGS-B.

    SciPy works in float64; each evaluation copies the iterate into the
    network's buffer (in the network's dtype) and returns the gradient as
    float64. Each iteration is recorded and reported like an epoch.
    Arguments as for :func:`train_stochastic`, but ``scales`` are those of
    the whole training set (``_objective.full_batch_scales``).
    """
    X, Y, sample_weight = train
    net = objective.net
    guard = Guard(objective, train, scales.penalty)
    record.n_iter = 0  # L-BFGS's n_iter_ counts the iterations of this call
    start = record.snapshot()

    def value_and_gradient(theta):
        net.params[...] = theta
        value = objective.value_and_gradient(X, Y, sample_weight, *scales)
        return value, net.grads.astype(np.float64)

    if plan.threads is not None:
        value_and_gradient = _timed(value_and_gradient, plan.threads)

    iterations = _Iterations(net, record, listeners, X.shape[0])
    listeners.epoch_begins()
    try:
        # Non-finite results are checked in _finish_lbfgs (see train_stochastic).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = _minimize(value_and_gradient, iterations.last.copy(), iterations, plan)
    except KeyboardInterrupt:
        result = iterations.interrupted(start)
    _finish_lbfgs(plan, net, guard, result, iterations, start)


def _timed(function, threads):
    """``function``, each call a step that ``threads`` may time."""

    def timed(*args):
        # The loop runs to its end: the step is timed when it asks for more.
        for _ in threads.steps((None,), rows=_one_row):
            result = function(*args)
        return result

    return timed


def _one_row(_):
    return 1


class _Iterations:
    """SciPy's callback: records each L-BFGS iteration and reports it to the
    listeners; keeps the last iterate (float64) and the iterations' losses."""

    def __init__(self, net, record, listeners, n_rows):
        self.net, self.record, self.listeners, self.n_rows = net, record, listeners, n_rows
        self.last = net.params.astype(np.float64)
        self.losses = []
        self.clock = time.perf_counter()

    def __call__(self, intermediate_result):
        theta = intermediate_result.x.astype(self.net.params.dtype)
        network = self.net.over(theta)
        now = time.perf_counter()
        seconds, self.clock = now - self.clock, now
        # Recorded and scored before it counts as complete (below): an
        # interrupt in between leaves the records of the previous iteration.
        self.before = self.record.snapshot()
        fun = float(intermediate_result.fun)
        self.record.add_epoch(fun, self.n_rows, seconds)
        stop = self.listeners.epoch_ends(self.record, network)
        self.losses.append(fun)
        np.copyto(self.last, intermediate_result.x)
        if stop:
            raise StopIteration  # SciPy ends the minimisation at this iterate
        self.listeners.epoch_begins()

    def interrupted(self, start):
        """Ctrl-C: keep the completed iterations; None stands for the result."""
        if len(self.record.loss_curve) - start[1]["loss_curve"] > len(self.losses):
            self.record.restore(self.before)  # the iteration in progress
        if not self.losses and not self.record.loss_curve:
            raise KeyboardInterrupt  # nothing was trained; the caller's estimator is untouched
        warnings.warn(
            "Training interrupted by user; the weights are those of the last "
            "completed L-BFGS iteration.",
            UserWarning,
        )
        return None


def _minimize(value_and_gradient, start, callback, plan):
    return scipy.optimize.minimize(
        value_and_gradient,
        start,
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={
            "maxiter": plan.max_iter,
            "maxfun": plan.max_fun,
            "gtol": plan.tol,
            # SciPy also stops when the relative decrease of J falls below
            # ftol (default 2.2e-9); a smaller tol tightens that test too,
            # so that tol alone controls how precise the solution is.
            "ftol": min(plan.tol, _SCIPY_DEFAULT_FTOL),
        },
    )


def _finish_lbfgs(plan, net, guard, result, iterations, start):
    """Keep SciPy's result if it is sound, else the last sound iterate."""
    record, losses = iterations.record, iterations.losses
    if result is not None:
        net.params[...] = result.x
        if not guard.diverged(result.fun):
            _settle_record(record, start, float(result.fun), int(result.nit), iterations.n_rows)
            _warn_lbfgs_status(plan, record, result)
            return
    net.params[...] = iterations.last
    continued = start[1]["loss_curve"] > 0
    value = guard.finite_objective()
    if value is None and (losses or not continued):
        raise_no_finite_step(plan.hints)
    if result is not None:
        kept = len(losses) if value is not None else 0
        warn_diverged(len(losses), kept, continued, plan.hints, value)
    if value is None:
        record.restore(start)  # warm start: the model stays as it was
        return
    _settle_record(record, start, value, len(losses), iterations.n_rows)


def _settle_record(record, start, value, n_iter, n_rows):
    """The record of the call: ``n_iter`` is SciPy's count of iterations,
    ``n_rows`` the rows each saw; ``value`` is where the kept weights stand,
    recorded when no iteration completed; ``start`` the record's snapshot
    (``TrainingRecord.snapshot``) from before the call."""
    scalars, lengths = start
    if len(record.loss_curve) == lengths["loss_curve"]:
        # Converged (or diverged) before the first iteration: record where
        # the kept weights stand.
        record.loss_curve.append(value)
        record.history.append({"epoch": len(record.loss_curve), "loss": value})
        record.loss = value
    record.n_iter = n_iter
    record.t = scalars["t"] + n_rows * n_iter
    record.best_loss = float(min(record.loss_curve))


def _warn_lbfgs_status(plan, record, result):
    if result.status == 1:
        warnings.warn(
            f"lbfgs failed to converge after {record.n_iter} iterations "
            f"(max_iter={plan.max_iter}, max_fun={plan.max_fun}): {result.message}. "
            "Increase max_iter or max_fun, or scale the data.",
            ConvergenceWarning,
        )
