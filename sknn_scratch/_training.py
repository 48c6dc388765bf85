"""The training loops: epochs of (mini-)batch steps, and L-BFGS.

Both loops minimise the objective of :mod:`sknn_scratch._network` with

    data_scale = 1 / S,   penalty = alpha / S,   S = sum of the sample weights

over the whole training set, that is

    J = (1 / S) * (sum_i s_i * loss_i + (alpha / 2) * sum_l ||W_l||^2).

A minibatch ``B`` of ``m`` of the ``n`` training samples uses
``data_scale = n / (S * m)`` instead, which makes its gradient an unbiased
estimate of the full gradient, and keeps the penalty unchanged; so ``alpha``
means the same thing for every solver and batch size.

The loops write the estimator's bookkeeping attributes (``n_iter_``, ``t_``,
``loss_``, ``loss_curve_``, ...) and leave the weights in the network's
buffers, which the estimator's ``coefs_`` and ``intercepts_`` view.
"""

import collections
import time
import warnings
from typing import NamedTuple

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._network import (
    abs_max,
    all_finite,
    output_bound,
    predict_raw,
    unflatten,
)
from ._objective import Objective, epoch_scales, full_batch_scales, penalty_value
from ._validation import ValidationData, validation_record


class _Silent:
    """The reporter of a training loop that nobody listens to."""

    def epoch_begins(self):
        pass

    def epoch_ends(self, est, coefs, intercepts):
        return False

    def epoch_aborted(self):
        pass


_SILENT = _Silent()


def planned_epochs(est, n_samples, validation_given):
    """The most epochs (L-BFGS: iterations) that ``fit`` may run.

    ``max_iter``, or fewer where ``max_steps`` ends training sooner: a
    stochastic solver takes ``ceil(n_train / batch_size)`` steps an epoch
    (``n_train`` the rows left after any early-stopping split), so
    ``max_steps`` allows ``ceil(max_steps / steps_per_epoch)`` whole
    epochs.
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


def fit_stochastic(est, net, data, rng, plan, alpha, given_validation=None, reporter=_SILENT):
    """Run epochs of gradient steps for ``gd``, ``sgd`` and ``adam``.

    Parameters
    ----------
    est : BaseMLP
        The estimator: hyper-parameters in, bookkeeping attributes out. Its
        ``_optimizer`` is ready for ``net``.
    net : Network
        The weights, trained in place.
    data : tuple
        ``(X, Y, sample_weight, y)``; ``Y`` is the encoded target and ``y``
        the target as given (used to stratify and score the validation set).
    rng : numpy.random.RandomState
        Shuffles the batches and draws the validation split.
    plan : tuple
        ``(incremental, epochs)``: ``incremental`` is True for
        ``partial_fit`` (one epoch, no early stopping); ``epochs`` is the
        most epochs to run (see ``planned_epochs``).
    alpha : float
        The penalty strength for these sample weights (see
        ``BaseMLP._checked_sample_weight``).
    given_validation : ValidationData or None
        Validation data given to ``fit``: used instead of the
        ``validation_fraction`` split, and scored every epoch.
    reporter : Reporter
        Calls scikit-learn's callback hooks around each epoch; a callback
        can stop training.
    """
    incremental, epochs = plan
    train, validation = _split_validation(est, data, rng, incremental, given_validation)
    X, _, sample_weight = train
    n_samples = X.shape[0]
    scales = epoch_scales(n_samples, sample_weight, alpha)
    objective = Objective(net, est.l1_ratio)
    batches = _Batches(train, _batch_size(est, n_samples))
    _start_validation_records(est, validation)
    best_params = net.params.copy() if est.early_stopping and validation else None
    history = _History(est, net, best_params)
    guard = _Guard(objective, train, scales[1])
    diverged = False
    started = time.perf_counter()
    try:
        for epoch in range(epochs):
            reporter.epoch_begins()
            history.save()
            # Overflow shows up as a non-finite loss or weight, checked below
            # with a warning that says what to do; NumPy's own warnings from
            # deep inside the epoch would only add noise.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                epoch_loss = _run_epoch(est, objective, batches, rng, scales)
            if guard.diverged(epoch_loss):
                _keep_last_finite(est, history, guard, epoch)
                diverged = True
                break
            stop = _end_of_epoch(est, net, epoch_loss, (n_samples, scales), validation, best_params)
            # Every epoch that ran reaches the callbacks, the last one too.
            if reporter.epoch_ends(est, net.coefs, net.intercepts) or stop:
                break  # converged, stalled, or a callback asked to stop
            if _out_of_time(est, started):
                break
        else:
            if not incremental:
                _warn_max_iter(est, epochs)
    except KeyboardInterrupt:
        # Back to the start of the epoch that was interrupted: weights,
        # optimizer and every record then describe the last completed epoch.
        history.restore(history.latest)
        reporter.epoch_aborted()
        if not est.loss_curve_:
            raise  # nothing was trained; the caller's estimator is untouched
        warnings.warn(
            "Training interrupted by user; the weights are those of the last completed epoch.",
            UserWarning,
        )
    if best_params is not None:
        if _warn_unscorable(est):
            return  # no epoch has a score: keep the last sound one
        _restore_best(net, best_params, guard if diverged else None)


def _warn_unscorable(est):
    """Warn when validation scores of this call were not numbers; return
    True when none was, so that no epoch can be called the best."""
    scores = np.asarray(est.validation_scores_, dtype=float)
    bad = int(np.count_nonzero(~np.isfinite(scores)))
    if not bad:
        return False
    none_scored = est.best_epoch_ is None
    kept = (
        "no epoch could be chosen as the best, and none counted towards "
        "n_iter_no_change: the weights of the last sound epoch are kept"
        if none_scored
        else f"those epochs were never chosen; the best epoch, {est.best_epoch_}, is kept"
    )
    warnings.warn(
        f"{bad} of {len(scores)} validation scores were not finite numbers (NaN or "
        f"infinite: look at scoring={est.scoring!r} and the validation data); {kept}.",
        UserWarning,
    )
    return none_scored


def _restore_best(net, best_params, guard):
    """Early stopping ends with the best epoch's weights; after a divergence,
    only if they are sound on the training rows too."""
    kept = None if guard is None else net.params.copy()
    np.copyto(net.params, best_params)
    if guard is not None and guard.finite_objective() is None:
        np.copyto(net.params, kept)


class _Snapshot(NamedTuple):
    params: np.ndarray
    optimizer: object
    best_params: object
    attributes: dict
    lengths: tuple


_NO_SPARE = _Snapshot(None, None, None, {}, ())

#: The scalar records of training that a snapshot keeps.
_RECORDS = (
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "best_epoch_",
    "learning_rate_",
    "n_clipped_steps_",
    "_no_improvement_count",
)
#: The per-epoch records: lists that training grows in place (the
#: estimator copies them before each call; a snapshot keeps their lengths).
RECORD_LISTS = ("loss_curve_", "validation_scores_", "validation_loss_curve_")


class _History:
    """The training state at the start of this call and of recent epochs.

    Each snapshot holds the weights, the optimizer and every record
    (``n_iter_``, ``loss_curve_``, ...) as they were together, so restoring
    one never mixes epochs. A snapshot is built completely before it is
    stored: an interrupt while saving leaves the previous one in place.
    Two recent epochs are enough to step back past an epoch whose weights
    were finite but whose outputs on some rows were not.
    """

    def __init__(self, est, net, best_params):
        self.est, self.net, self.best_params = est, net, best_params
        self.start = self._snapshot()
        self.recent = collections.deque(maxlen=2)
        # The snapshot of this call with the lowest training loss, kept
        # beyond the window: a divergence can build up over several epochs
        # of finite but growing losses, and the newest sound epoch is then
        # far from the best one.
        self.best, self.best_loss = None, np.inf

    @property
    def latest(self):
        return self.recent[-1] if self.recent else self.start

    def candidates(self):
        """The distinct snapshots to go back to: the newest first, then the
        best of this call, then the start of the call."""
        found = []
        for snapshot in (*reversed(self.recent), self.best, self.start):
            if snapshot is not None and all(snapshot is not s for s in found):
                found.append(snapshot)
        return found

    def save(self):
        # Nothing has trained between the start of the call and the first
        # epoch: its snapshot is the start's (snapshots are never changed).
        if not self.recent:
            self.recent.append(self.start)
            return
        # The epoch just completed measured its loss from the weights it
        # started with, the newest snapshot's (exactly for 'gd', along the
        # way for minibatches).
        loss = self.est.loss_
        if np.isfinite(loss) and loss < self.best_loss:
            self.best, self.best_loss = self.recent[-1], loss
        # The oldest recent snapshot leaves the window now; its arrays take
        # the new one (copying into mapped memory is about 3x faster than
        # into new pages), unless it is the start or the best, which stay.
        # It leaves before it is overwritten, so an interrupt in between
        # still finds the latest snapshot intact.
        spare = self.recent.popleft() if len(self.recent) == self.recent.maxlen else None
        reuse = spare is not None and spare is not self.start and spare is not self.best
        self.recent.append(self._snapshot(spare if reuse else None))

    def _snapshot(self, spare=None):
        est, reused = self.est, spare or _NO_SPARE
        return _Snapshot(
            _copy(self.net.params, reused.params),
            est._optimizer.copy(into=reused.optimizer),
            None if self.best_params is None else _copy(self.best_params, reused.best_params),
            {name: getattr(est, name) for name in _RECORDS if hasattr(est, name)},
            tuple(len(getattr(est, name, None) or ()) for name in RECORD_LISTS),
        )

    def restore(self, snapshot):
        est = self.est
        np.copyto(self.net.params, snapshot.params)
        est._optimizer = snapshot.optimizer.copy()
        if snapshot.best_params is not None:
            np.copyto(self.best_params, snapshot.best_params)
        for name in _RECORDS:
            if name in snapshot.attributes:
                setattr(est, name, snapshot.attributes[name])
            elif hasattr(est, name):
                delattr(est, name)
        for name, length in zip(RECORD_LISTS, snapshot.lengths):
            if getattr(est, name, None) is not None:
                del getattr(est, name)[length:]


def _copy(array, into=None):
    """A copy of ``array``, written into ``into`` when given."""
    if into is None:
        return array.copy()
    np.copyto(into, array)
    return into


class _Guard:
    """Decides whether training has diverged, and checks weights to keep.

    An epoch diverged when its loss is not finite (the loss covers every
    training row, each under the weights of its batch), when a weight is not
    finite, or when the weights at the end of the epoch could make some
    row's outputs overflow. That last test is one pass over the weights
    (``output_bound``); only when the bound cannot rule overflow out are the
    training rows run through the network.
    """

    def __init__(self, objective, train, penalty):
        self.objective, self.net = objective, objective.net
        self.X, self.Y, self.sample_weight = train
        self.x_bound = abs_max(self.X)
        self.limit = np.finfo(self.net.params.dtype).max / 4
        self.full_scales = (full_batch_scales(self.X, self.sample_weight, 0.0)[0], penalty)
        # The output bound's scratch, the size of the weights.
        self.work = np.empty_like(self.net.weights)

    def diverged(self, loss):
        return not (np.isfinite(loss) and all_finite(self.net.params) and self.outputs_finite())

    def outputs_finite(self):
        net = self.net
        bound = output_bound(self.x_bound, net.coefs, net.intercepts, net.activation, self.work)
        if bound < self.limit:
            return True
        with np.errstate(over="ignore", invalid="ignore"):
            raw = predict_raw(self.X, net.coefs, net.intercepts, net.activation)
        return bool(np.isfinite(raw).all())

    def finite_objective(self):
        """``J`` of the current weights on all training rows, or None if the
        weights or any output are not finite."""
        if not (all_finite(self.net.params) and self.outputs_finite()):
            return None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = self.objective.value_and_gradient(
                self.X, self.Y, self.sample_weight, *self.full_scales
            )
        return value if np.isfinite(value) else None


def _keep_last_finite(est, history, guard, epoch):
    """After a divergence, go back to the sound snapshot whose objective J
    on the training data is lowest.

    A snapshot is sound when its weights, its outputs on every training row
    and its objective are finite. The candidates are the two newest
    snapshots, the best of the call and the start of the call; a continued
    model's start whose objective cannot be evaluated competes with the loss
    it recorded. Among equal objectives the newest wins.
    """
    scored = []
    for order, snapshot in enumerate(history.candidates()):
        np.copyto(guard.net.params, snapshot.params)  # the records are restored once, below
        value = guard.finite_objective()
        if value is None and snapshot is history.start and snapshot.lengths[0]:
            value = snapshot.attributes["loss_"]  # the model as it was before this call
        if value is not None:
            scored.append((value, order, snapshot))
    if not scored:
        _raise_no_finite_step(est)
    value, _, snapshot = min(scored, key=lambda item: item[:2])  # the newest among equals
    history.restore(snapshot)
    continued = history.start.lengths[0] > 0
    kept = len(est.loss_curve_) - history.start.lengths[0]
    if not est.loss_curve_:
        # Not one epoch could be kept: record where the initial weights stand.
        est.loss_, est.best_loss_ = value, value
        est.loss_curve_.append(value)
    _warn_diverged(est, epoch, kept, continued, value)


def _raise_no_finite_step(est):
    raise ValueError(
        "Training cannot start: the objective or the network's outputs are not "
        "finite even at the initial weights. Scale the targets and inputs "
        "(e.g. StandardScaler, TransformedTargetRegressor), or use sample "
        f"weights and alpha (now {est.alpha}) of moderate size."
    )


def _end_of_epoch(est, net, epoch_loss, sizes, validation, best_params):
    """Record the epoch, keep the best weights; return True to stop training.

    ``sizes`` is ``(n_samples, scales)`` of the training set. When the call
    trains one block of a longer epoch (``BlockEpoch``), the block is only
    added to that epoch, which ``BlockEpoch.close`` records.
    """
    n_samples, (_, penalty) = sizes
    blocks = getattr(est, "_block_epoch", None)
    if blocks is not None:
        blocks.add(est, epoch_loss, n_samples)
        return False
    _record_epoch(est, epoch_loss, n_samples)
    previous_best = None
    if validation is not None:
        previous_best = _record_validation(
            est, net.coefs, net.intercepts, validation, penalty, net.weights
        )
    if _track_progress(est, previous_best) and best_params is not None:
        np.copyto(best_params, net.params)
    return _step_schedule(est)


def _step_schedule(est):
    """The schedule's end of an epoch; return True when training stalled
    for good (the adaptive schedule first lowers the rate)."""
    est._optimizer.iteration_ends(est.t_)
    est.learning_rate_ = est._optimizer.rate
    if est._no_improvement_count <= est.n_iter_no_change:
        return False
    if est._optimizer.trigger_stopping(_stall_message(est), est.verbose):
        return True
    est.learning_rate_ = est._optimizer.rate
    est._no_improvement_count = 0
    return False


class BlockEpoch:
    """One epoch trained block by block, as ``partial_fit`` calls
    (``sknn_scratch.dask.fit_blocks``): the epoch's records are written
    once, when it closes, so that ``n_iter_`` and ``loss_curve_`` count
    epochs, not blocks, and the schedule steps once an epoch.

    Set as the estimator's ``_block_epoch`` while the blocks train.
    """

    def __init__(self):
        self.weighted_loss, self.rows = 0.0, 0

    def add(self, est, loss, n_rows):
        est.t_ += n_rows
        self.weighted_loss += loss * n_rows
        self.rows += n_rows

    def close(self, est):
        """Record the epoch (the row-weighted mean of its blocks' losses, as
        an epoch of minibatches is) and step the schedule."""
        if not self.rows:
            return
        loss = self.weighted_loss / self.rows
        est.n_iter_ += 1
        est.loss_ = loss
        est.loss_curve_.append(loss)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        _track_progress(est, None)
        _step_schedule(est)


def _out_of_time(est, started):
    """``max_time``: stop after the epoch (or iteration) that exceeds it."""
    if est.max_time is None:
        return False
    elapsed = time.perf_counter() - started
    if elapsed <= est.max_time:
        return False
    kept = "the best epoch's weights are kept" if est.early_stopping else "training stopped"
    warnings.warn(
        f"max_time={est.max_time}s reached after {est.n_iter_} epochs or iterations "
        f"({elapsed:.3g}s); {kept}.",
        ConvergenceWarning,
    )
    return True


def _run_epoch(est, objective, batches, rng, scales):
    """One pass over the data; return the mean of the batch objectives."""
    net = objective.net
    n_samples = batches.n_samples
    shuffle = est.shuffle and batches.batch_size < n_samples
    order = rng.permutation(n_samples) if shuffle else None
    weight_scale, penalty = scales
    accumulated = 0.0
    step, update = objective.value_and_gradient, est._optimizer.update
    if est.max_grad_norm is not None:
        update = _Clipped(update, est.max_grad_norm)
    rates = est._dropout_rates(len(net.units) - 2)
    dropout = any(rates)
    params, grads = net.params, net.grads
    for X_batch, Y_batch, sw_batch in batches.epoch(order):
        m = X_batch.shape[0]
        masks = dropout_masks(rng, m, net.units[1:-1], rates, params.dtype) if dropout else None
        accumulated += step(X_batch, Y_batch, sw_batch, weight_scale / m, penalty, masks) * m
        update(params, grads)
    if est.max_grad_norm is not None:
        est.n_clipped_steps_ += update.clipped
    return accumulated / n_samples


def dropout_masks(rng, n_rows, units, rates, dtype):
    """Inverted-dropout masks: each unit kept with probability ``1 - p``, and
    scaled by ``1 / (1 - p)`` so that every unit's expected value is unchanged
    (predict then needs no rescaling). None for layers with ``p = 0``.

    The draws are 16-bit integers, a quarter of the random bits of a float
    and twice as fast: the keep probability is then ``1 - p`` rounded to a
    multiple of 1/65536, and the scale is the inverse of that rounded
    probability, so the expectation stays exact.
    """
    masks = []
    for n_units, rate in zip(units, rates):
        if not rate:
            masks.append(None)
            continue
        threshold = max(1, round((1.0 - rate) * _DRAWS))
        draws = rng.randint(0, _DRAWS, size=(n_rows, n_units), dtype=np.uint16)
        mask = np.less(draws, threshold).astype(dtype)
        mask *= _DRAWS / threshold
        masks.append(mask)
    return masks


_DRAWS = 1 << 16


class _Clipped:
    """An optimizer step that first clips the global gradient norm.

    ``g <- g * max_grad_norm / ||g||`` when ``||g|| > max_grad_norm``: the
    direction is kept and the length capped (Pascanu et al., 2013). Only
    built when ``max_grad_norm`` is set, so the default path pays nothing.
    """

    def __init__(self, update, max_norm):
        self.update, self.max_norm, self.clipped = update, max_norm, 0

    def __call__(self, params, grads):
        norm = float(np.sqrt(np.vdot(grads, grads)))
        if norm > self.max_norm:
            grads *= self.max_norm / norm
            self.clipped += 1
        self.update(params, grads)


class _Batches:
    """The minibatches of an epoch, in order or shuffled.

    Shuffled rows are gathered with ``np.take`` into buffers of one batch,
    allocated once per call to fit: no copy of the whole training set per
    epoch, and no allocation per batch. (Sparse X is indexed per batch.)
    """

    def __init__(self, train, batch_size):
        self.train = train
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


def _rows_per_batch(est, n_samples):
    if est.solver == "gd":
        return n_samples
    if est.batch_size == "auto":
        return min(200, n_samples)
    return min(est.batch_size, n_samples)


def _batch_size(est, n_samples):
    """The rows per batch, with scikit-learn's warning when ``batch_size``
    is clipped."""
    if est.solver != "gd" and est.batch_size != "auto" and est.batch_size > n_samples:
        warnings.warn(
            f"batch_size={est.batch_size} is larger than the {n_samples} training "
            "samples; it is clipped to the number of samples.",
            UserWarning,
        )
    return _rows_per_batch(est, n_samples)


def _n_validation(est, n_samples):
    """Rows the early-stopping split holds out (as train_test_split counts)."""
    return int(np.ceil(est.validation_fraction * n_samples))


def _split_validation(est, data, rng, incremental, given=None):
    """The training data and the validation data, if any.

    Validation data given to ``fit`` are used as they are; otherwise early
    stopping holds out ``validation_fraction`` of the training data.
    """
    X, Y, sample_weight, y = data
    if given is not None:
        return (X, Y, sample_weight), given
    if not est.early_stopping or incremental:
        return (X, Y, sample_weight), None
    n_validation = _n_validation(est, X.shape[0])
    if n_validation < 2 or n_validation >= X.shape[0]:
        raise ValueError(
            f"The validation set is too small: early_stopping needs at least 2 "
            f"validation samples and a "
            f"non-empty training set; validation_fraction={est.validation_fraction} "
            f"of {X.shape[0]} sample(s) gives {n_validation}. Increase "
            "validation_fraction, give more samples, or set early_stopping=False."
        )
    stratify = y if est._stratify_validation() else None
    arrays = [X, Y, y] + ([sample_weight] if sample_weight is not None else [])
    parts = train_test_split(
        *arrays,
        test_size=est.validation_fraction,
        random_state=rng,
        stratify=stratify,
    )
    X_train, X_val, Y_train, Y_val, _, y_val = parts[:6]
    sw_train, sw_val = parts[6:] if sample_weight is not None else (None, None)
    for part, weights in (("training", sw_train), ("validation", sw_val)):
        if weights is not None and not weights.any():
            raise ValueError(
                f"The early-stopping split (validation_fraction={est.validation_fraction}, "
                f"drawn with random_state) gave a {part} part whose sample weights are "
                f"all zero ({np.count_nonzero(sample_weight)} of {len(sample_weight)} "
                "samples have positive weight). Give more samples positive weight, "
                "change validation_fraction or random_state, or set early_stopping=False."
            )
    return (X_train, Y_train, sw_train), ValidationData(X_val, Y_val, y_val, sw_val)


def _record_epoch(est, epoch_loss, n_samples):
    est.n_iter_ += 1
    est.t_ += n_samples
    est.loss_ = epoch_loss
    est.loss_curve_.append(epoch_loss)
    if est.verbose:
        print(f"Iteration {est.n_iter_}, loss = {epoch_loss:.8f}")


def _start_validation_records(est, validation):
    """Fresh per-call validation records (None without validation data)."""
    fresh = validation is not None
    est.validation_scores_ = [] if fresh else None
    est.validation_loss_curve_ = [] if fresh else None
    est.best_validation_score_ = -np.inf if fresh else None
    est.best_epoch_ = None
    if est.early_stopping:
        est.best_loss_ = None  # progress is measured on the validation set
    elif est.best_loss_ is None:
        est.best_loss_ = np.inf


def _record_validation(est, coefs, intercepts, validation, penalty, weights):
    """Score the validation data with these weights; update the records.

    Returns the best validation score before this epoch.
    """
    penalty_term = penalty_value(weights, penalty, est.l1_ratio)
    with np.errstate(over="ignore", invalid="ignore"):
        score, loss = validation_record(est, coefs, intercepts, validation, penalty_term)
    previous_best = est.best_validation_score_
    est.validation_scores_.append(score)
    est.validation_loss_curve_.append(loss)
    # A score that is not a finite number (a scorer's NaN, outputs that
    # overflow on extreme validation data) never makes an epoch the best.
    if np.isfinite(score) and score > previous_best:
        est.best_validation_score_ = score
        est.best_epoch_ = len(est.validation_scores_)
    if est.verbose:
        print(f"Validation score: {score:f}, validation loss: {loss:.8f}")
    return previous_best


def _track_progress(est, previous_best):
    """Update the no-improvement count; return whether this epoch is the best.

    With early stopping, progress is the validation score (higher is better);
    otherwise the training loss (lower is better). Either must move by more
    than ``tol`` to count as an improvement.
    """
    if est.early_stopping and previous_best is not None:
        score = est.validation_scores_[-1]
        if not np.isfinite(score):
            return False  # no information: neither progress nor a stall
        improved = score > previous_best
        stalled = score < previous_best + est.tol
    else:
        loss = est.loss_curve_[-1]
        stalled = loss > est.best_loss_ - est.tol
        improved = loss < est.best_loss_
        if improved:
            est.best_loss_ = loss
    est._no_improvement_count = est._no_improvement_count + 1 if stalled else 0
    return improved


def _stall_message(est):
    what = "Validation score" if est.early_stopping else "Training loss"
    verb = "increase" if est.early_stopping else "decrease"
    return (
        f"{what} did not {verb} by more than tol={est.tol:f} for "
        f"{est.n_iter_no_change} consecutive epochs."
    )


def _warn_diverged(est, epoch, kept, continued, value=None):
    """``kept``: epochs of this call kept; ``continued``: whether the call
    started from a fitted model; ``value``: the objective J of the kept
    weights on the training data."""
    if kept:
        where = (
            f"the weights after epoch {kept} of this call, the sound epoch with the "
            "lowest objective, were kept"
        )
    elif continued:
        where = "the weights from before this call were kept"
    else:
        where = "no step could be kept: the weights are the initial ones"
    if value is not None:
        where += f" (objective J on the training data: {value:.6g})"
    warnings.warn(
        f"Training diverged in epoch {epoch + 1} of this call: the loss, the "
        f"weights or the outputs on some training rows became non-finite. Training "
        f"stopped and {where}. Lower learning_rate_init (now "
        f"{est.learning_rate_init}) or scale the inputs and targets.",
        ConvergenceWarning,
    )


def _warn_max_iter(est, epochs):
    """scikit-learn's warning when the epochs run out, unless the cosine
    schedule has annealed the rate to 0 by then: that end is planned."""
    if est.learning_rate == "cosine":
        return
    limit = (
        f"Maximum iterations ({est.max_iter})"
        if epochs == est.max_iter
        else f"The step budget (max_steps={est.max_steps}, {epochs} epochs)"
    )
    warnings.warn(
        f"Stochastic Optimizer: {limit} reached and the optimization hasn't converged yet.",
        ConvergenceWarning,
    )


_SCIPY_DEFAULT_FTOL = 2.220446049250313e-09


def fit_lbfgs(est, net, train, alpha, validation=None, reporter=_SILENT):
    """Minimise the full-batch objective with SciPy's L-BFGS-B.

    SciPy works in float64; each evaluation copies the iterate into the
    network's buffer (in the network's dtype) and returns the gradient as
    float64. The loss after each iteration goes to ``loss_curve_``.
    ``train`` is ``(X, Y, sample_weight)``; ``alpha`` and ``validation`` as
    in fit_stochastic (validation data are scored after each iteration).
    """
    X, Y, sample_weight = train
    scales = full_batch_scales(X, sample_weight, alpha)
    _start_validation_records(est, validation)
    J = Objective(net, est.l1_ratio)
    guard = _Guard(J, (X, Y, sample_weight), scales[1])

    def objective(theta):
        net.params[...] = theta
        value = J.value_and_gradient(X, Y, sample_weight, *scales)
        return value, net.grads.astype(np.float64)

    last_iterate = net.params.astype(np.float64)
    losses = []

    started = time.perf_counter()
    reporter.epoch_begins()

    def callback(intermediate_result):
        # The validation record first: an interrupt while scoring then
        # leaves the records of the previous iteration, all of one length.
        if validation is not None:
            theta = intermediate_result.x.astype(net.params.dtype)
            coefs, intercepts = unflatten(theta, net.units)
            weights = theta[: net.weights.size]
            _record_validation(est, coefs, intercepts, validation, scales[1], weights)
        losses.append(float(intermediate_result.fun))
        np.copyto(last_iterate, intermediate_result.x)
        est.n_iter_ = len(losses)  # for the max_time message
        if reporter.epoch_ends(est, *unflatten(intermediate_result.x, net.units)):
            raise StopIteration  # a callback asked to stop
        reporter.epoch_begins()
        if _out_of_time(est, started):
            raise StopIteration  # SciPy ends the minimisation at this iterate
        if est.verbose:
            print(f"Iteration {len(losses)}, loss = {losses[-1]:.8f}")

    try:
        # Non-finite results are checked in _finish_lbfgs (see fit_stochastic).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = _minimize(objective, last_iterate, callback, est)
    except KeyboardInterrupt:
        if not losses and not est.loss_curve_:
            raise  # nothing was trained; the caller's estimator is untouched
        if validation is not None:
            _trim_validation(est, len(losses))
        result = None
        warnings.warn(
            "Training interrupted by user; the weights are those of the last "
            "completed L-BFGS iteration.",
            UserWarning,
        )
    _finish_lbfgs(est, net, result, last_iterate, losses, guard)


def _trim_validation(est, n_iterations):
    """Validation records of exactly ``n_iterations`` iterations, and the
    best of them (an interrupt may land between two appends)."""
    del est.validation_scores_[n_iterations:]
    del est.validation_loss_curve_[n_iterations:]
    scores = np.asarray(est.validation_scores_, dtype=float)
    finite = np.flatnonzero(np.isfinite(scores))
    if finite.size:
        best = finite[np.argmax(scores[finite])]
        est.best_validation_score_, est.best_epoch_ = float(scores[best]), int(best) + 1
    else:
        est.best_validation_score_, est.best_epoch_ = -np.inf, None


def _minimize(objective, start, callback, est):
    return scipy.optimize.minimize(
        objective,
        start.copy(),
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={
            "maxiter": est.max_iter,
            "maxfun": est.max_fun,
            "gtol": est.tol,
            # SciPy also stops when the relative decrease of J falls below
            # ftol (default 2.2e-9); a smaller tol tightens that test too,
            # so that tol alone controls how precise the solution is.
            "ftol": min(est.tol, _SCIPY_DEFAULT_FTOL),
        },
    )


def _finish_lbfgs(est, net, result, last_iterate, losses, guard):
    """Keep SciPy's result if it is sound, else the last sound iterate."""
    if result is not None:
        net.params[...] = result.x
        if not guard.diverged(result.fun):
            _record_lbfgs(est, float(result.fun), int(result.nit), losses, guard)
            _warn_lbfgs_status(est, result)
            return
    net.params[...] = last_iterate
    continued = bool(est.loss_curve_)
    value = guard.finite_objective()
    if value is None and (losses or not continued):
        _raise_no_finite_step(est)
    if result is not None:
        kept = len(losses) if value is not None else 0
        _warn_diverged(est, len(losses), kept, continued, value)
    if value is None:
        est.n_iter_ = 0  # warm start: the model stays as it was
        return
    _record_lbfgs(est, value, len(losses), losses, guard)


def _record_lbfgs(est, value, n_iter, losses, guard):
    if not losses:
        # Converged (or diverged) before the first iteration: record where
        # the kept weights stand.
        losses.append(value)
    est.n_iter_ = n_iter
    est.t_ += guard.X.shape[0] * n_iter
    est.loss_ = losses[-1]
    est.loss_curve_.extend(losses)
    est.best_loss_ = float(min(est.loss_curve_))


def _warn_lbfgs_status(est, result):
    if result.status == 1:
        warnings.warn(
            f"lbfgs failed to converge after {est.n_iter_} iterations "
            f"(max_iter={est.max_iter}, max_fun={est.max_fun}): {result.message}. "
            "Increase max_iter or max_fun, or scale the data.",
            ConvergenceWarning,
        )
