"""Safeguards of training, beside the maths: snapshots, rollback, divergence.

Both training loops use them through one small interface:

- :class:`Snapshots` keeps the training state (weights, optimizer, record,
  and any array a listener keeps, such as the best epoch's weights) at the
  start of the call and of recent epochs; ``restore`` goes back to one
  (Ctrl-C goes back to the start of the interrupted epoch);
- :class:`Guard` decides whether an epoch diverged (a non-finite loss,
  weight, or output on some training row) and evaluates J to judge the
  weights worth keeping;
- :func:`keep_lowest_sound` goes back, after a divergence, to the sound
  snapshot with the lowest objective, and warns.

(The estimator's own safeguard, that a failed call changes nothing, is
``_fitted.all_or_nothing``.)
"""

import collections
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._network import all_finite
from ._objective import full_batch_scales


class Snapshot(NamedTuple):
    arrays: tuple  # copies of the weights and of the listeners' arrays
    optimizer: object
    record: tuple  # TrainingRecord.snapshot()


class Snapshots:
    """The training state at the start of this call and of recent epochs.

    Each snapshot holds the weights, the optimizer, every record and the
    listeners' arrays as they were together, so restoring one never mixes
    epochs. A snapshot is built completely before it is stored: an
    interrupt while saving leaves the previous one in place. Two recent
    epochs are enough to step back past an epoch whose weights were finite
    but whose outputs on some rows were not.

    Parameters
    ----------
    arrays : list of ndarray
        The arrays training changes in place: the flat weights first.
    optimizer_holder : object
        Holds the optimizer as ``optimizer`` (restoring replaces it).
    record : TrainingRecord
        The record training writes.
    """

    def __init__(self, arrays, optimizer_holder, record):
        self.arrays, self.holder, self.record = arrays, optimizer_holder, record
        self.start = self._take()
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
        """Take a snapshot at the start of an epoch."""
        # Nothing has trained between the start of the call and the first
        # epoch: its snapshot is the start's (snapshots are never changed).
        if not self.recent:
            self.recent.append(self.start)
            return
        # The epoch just completed measured its loss from the weights it
        # started with, the newest snapshot's (exactly for 'gd', along the
        # way for minibatches).
        loss = self.record.loss
        if np.isfinite(loss) and loss < self.best_loss:
            self.best, self.best_loss = self.recent[-1], loss
        # The oldest recent snapshot leaves the window now; its arrays take
        # the new one (copying into mapped memory is about 3x faster than
        # into new pages), unless it is the start or the best, which stay.
        # It leaves before it is overwritten, so an interrupt in between
        # still finds the latest snapshot intact.
        spare = self.recent.popleft() if len(self.recent) == self.recent.maxlen else None
        reuse = spare is not None and spare is not self.start and spare is not self.best
        self.recent.append(self._take(spare if reuse else None))

    def _take(self, spare=None):
        reused = spare.arrays if spare else (None,) * len(self.arrays)
        return Snapshot(
            tuple(_copy(array, into) for array, into in zip(self.arrays, reused)),
            self.holder.optimizer.copy(into=spare.optimizer if spare else None),
            self.record.snapshot(),
        )

    def restore(self, snapshot):
        for array, saved in zip(self.arrays, snapshot.arrays):
            np.copyto(array, saved)
        self.holder.optimizer = snapshot.optimizer.copy()
        self.record.restore(snapshot.record)

    def restore_weights(self, snapshot):
        """The snapshot's weights only (to evaluate them)."""
        np.copyto(self.arrays[0], snapshot.arrays[0])


def _copy(array, into=None):
    """A copy of ``array``, written into ``into`` when given."""
    if into is None:
        return array.copy()
    np.copyto(into, array)
    return into


def abs_max(X):
    """``max |x|`` over the entries of a dense or sparse X, as a float64."""
    values = X.data if sp.issparse(X) else X
    if values.size == 0:
        return 0.0
    # max and min instead of abs(values).max(): no copy of the data.
    return float(max(values.max(), -values.min()))


class Guard:
    """Decides whether training has diverged, and checks weights to keep.

    An epoch diverged when its loss is not finite (the loss covers every
    training row, each under the weights of its batch), when a weight is not
    finite, or when the weights at the end of the epoch could make some
    row's outputs overflow. That last test is one pass over the weights
    (``output_bound``); only when the bound cannot rule overflow out are the
    training rows run through the network.

    Parameters
    ----------
    objective : Objective
        The objective, and through it the network.
    train : tuple
        ``(X, Y, sample_weight)``, the training rows.
    penalty : float
        The penalty scale of J (see ``_objective``).
    """

    def __init__(self, objective, train, penalty):
        self.objective, self.net = objective, objective.net
        self.X, self.Y, self.sample_weight = train
        self.x_bound = abs_max(self.X)
        self.limit = np.finfo(self.net.params.dtype).max / 4
        n_rows = self.X.shape[0]
        self.full_scales = (full_batch_scales(n_rows, self.sample_weight, 0.0)[0], penalty)

    def diverged(self, loss):
        return not (np.isfinite(loss) and all_finite(self.net.params) and self.outputs_finite())

    def outputs_finite(self):
        net = self.net
        scratch = net.workspace.scratch  # lent for this call: |W| goes there
        if net.output_bound(self.x_bound, scratch) < self.limit:
            return True
        with np.errstate(over="ignore", invalid="ignore"):
            raw = net.predict_raw(self.X, net.out_activation)
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


class Hints(NamedTuple):
    """The settings the safeguards' messages name."""

    learning_rate_init: float
    alpha: float


def keep_lowest_sound(snapshots, guard, epoch, hints):
    """After a divergence, go back to the sound snapshot whose objective J
    on the training data is lowest.

    A snapshot is sound when its weights, its outputs on every training row
    and its objective are finite. The candidates are the two newest
    snapshots, the best of the call and the start of the call; a continued
    model's start whose objective cannot be evaluated competes with the loss
    it recorded. Among equal objectives the newest wins.
    """
    start_lengths = snapshots.start.record[1]
    scored = []
    for order, snapshot in enumerate(snapshots.candidates()):
        snapshots.restore_weights(snapshot)  # the records are restored once, below
        value = guard.finite_objective()
        if value is None and snapshot is snapshots.start and start_lengths["loss_curve"]:
            value = snapshot.record[0]["loss"]  # the model as it was before this call
        if value is not None:
            scored.append((value, order, snapshot))
    if not scored:
        raise_no_finite_step(hints)
    value, _, snapshot = min(scored, key=lambda item: item[:2])  # the newest among equals
    snapshots.restore(snapshot)
    record = snapshots.record
    continued = start_lengths["loss_curve"] > 0
    kept = len(record.loss_curve) - start_lengths["loss_curve"]
    if not record.loss_curve:
        # Not one epoch could be kept: record where the initial weights stand.
        record.loss, record.best_loss = value, value
        record.loss_curve.append(value)
        record.history.append({"epoch": 1, "loss": value})
    warn_diverged(epoch, kept, continued, hints, value)


def restore_best(net, best_params, guard=None):
    """Early stopping ends with the best epoch's weights; after a divergence
    (``guard`` given), only if they are sound on the training rows too."""
    kept = None if guard is None else net.params.copy()
    np.copyto(net.params, best_params)
    if guard is not None and guard.finite_objective() is None:
        np.copyto(net.params, kept)


def raise_no_finite_step(hints):
    raise ValueError(
        "Training cannot start: the objective or the network's outputs are not "
        "finite even at the initial weights. Scale the targets and inputs "
        "(e.g. StandardScaler, TransformedTargetRegressor), or use sample "
        f"weights and alpha (now {hints.alpha}) of moderate size."
    )


def warn_diverged(epoch, kept, continued, hints, value=None):
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
        f"{hints.learning_rate_init}) or scale the inputs and targets.",
        ConvergenceWarning,
    )
