"""Everything that watches training, on one interface.

Both training loops (``_training``) call the same methods of each listener,
in the order the estimator lists them:

- ``epoch_begins()`` before each epoch (L-BFGS: iteration);
- ``epoch_ends(record, network, stopping)`` after it: ``record`` is the
  :class:`~sknn_scratch._record.TrainingRecord` with the epoch in it,
  ``network`` the :class:`~sknn_scratch._network.Network` with the weights
  at its end, ``stopping`` whether an
  earlier listener already asked to stop; return True to stop training;
- ``epoch_aborted()`` when an epoch did not complete (divergence, Ctrl-C);
- ``training_ends(record, net, guard)`` once the loop is over (``guard``
  is given after a divergence, to check the soundness of weights).

A listener may also name arrays it changes in place during training
(``arrays()``), which the safeguards' snapshots then keep with the
weights.

The listeners here: validation scoring, verbose printing, the stop rule
(``n_iter_no_change`` on the training loss or the validation score, with
the adaptive schedule's reaction), the best epoch's weights, ``max_time``,
scikit-learn's callbacks (``_callbacks.Reporter``), and whatever is
registered with :func:`listening` (the CLI's progress line).
"""

import contextlib
import contextvars
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._objective import penalty_value
from ._safeguards import restore_best


class Listener:
    """Does nothing: subclasses override what they need."""

    def epoch_begins(self):
        pass

    def epoch_ends(self, record, network, stopping):
        return False

    def epoch_aborted(self):
        pass

    def training_ends(self, record, net, guard=None):
        pass

    def arrays(self):
        return ()


class Listeners(Listener):
    """Several listeners, called in order."""

    def __init__(self, listeners):
        self.listeners = list(listeners)

    def epoch_begins(self):
        for listener in self.listeners:
            listener.epoch_begins()

    def epoch_ends(self, record, network, stopping=False):
        for listener in self.listeners:
            stopping = listener.epoch_ends(record, network, stopping) or stopping
        return stopping

    def epoch_aborted(self):
        for listener in self.listeners:
            listener.epoch_aborted()

    def training_ends(self, record, net, guard=None):
        for listener in self.listeners:
            listener.training_ends(record, net, guard)

    def arrays(self):
        return [array for listener in self.listeners for array in listener.arrays()]


class ValidationScorer(Listener):
    """Scores the validation data after each epoch: ``validation_scores_``,
    ``validation_loss_curve_``, ``best_validation_score_``, ``best_epoch_``.

    Parameters
    ----------
    score : callable
        ``score(network, penalty_term) -> (score, loss)`` (see
        ``_held_out.validation_record``).
    penalty : float
        The penalty scale of J, so that the validation loss is on the
        training loss's scale.
    l1_ratio : float
        The elastic-net share of the penalty.
    """

    def __init__(self, score, penalty, l1_ratio):
        self.score, self.penalty, self.l1_ratio = score, penalty, l1_ratio

    def epoch_ends(self, record, network, stopping):
        penalty_term = penalty_value(network.weights, self.penalty, self.l1_ratio)
        with np.errstate(over="ignore", invalid="ignore"):
            score, loss = self.score(network, penalty_term)
        record.add_validation(score, loss)
        return False


class VerbosePrinter(Listener):
    """``verbose=True``: the loss of each epoch, and its validation record."""

    def epoch_ends(self, record, network, stopping):
        print(f"Iteration {record.n_iter}, loss = {record.loss:.8f}")
        if record.validation_scores:
            score, loss = record.validation_scores[-1], record.validation_loss_curve[-1]
            print(f"Validation score: {score:f}, validation loss: {loss:.8f}")
        return False


def progress(value, best, tol, higher_is_better):
    """``(improved, stalled)`` of a new value against the best so far.

    A value must beat the best by more than ``tol`` not to count as a
    stall. A value that is not a finite number is neither (None, None): it
    says nothing about progress.
    """
    if higher_is_better:
        if not np.isfinite(value):
            return None, None
        return value > best, value < best + tol
    return value < best, value > best - tol


class StopRule(Listener):
    """``n_iter_no_change`` epochs without progress stop training, or, with
    the adaptive schedule, divide the rate by 5 first.

    Progress is the validation score (higher is better) with early
    stopping, otherwise the training loss (lower is better); either must
    move by more than ``tol`` (see :func:`progress`).

    Parameters
    ----------
    on_validation : bool
        Whether progress is measured on the validation score.
    tol : float
        The least change that counts as progress.
    n_iter_no_change : int or float
        Epochs without progress tolerated.
    optimizer_holder : object
        Holds the optimizer (``optimizer``), whose schedule reacts to a stall.
    verbose : bool
        Whether to print what happens at a stall.
    """

    def __init__(self, on_validation, tol, n_iter_no_change, optimizer_holder, verbose):
        self.on_validation, self.tol = on_validation, tol
        self.patience, self.holder, self.verbose = n_iter_no_change, optimizer_holder, verbose

    def epoch_ends(self, record, network, stopping):
        if self.on_validation:
            _, stalled = progress(
                record.validation_scores[-1], record.score_to_beat, self.tol, True
            )
        else:
            improved, stalled = progress(record.loss, record.best_loss, self.tol, False)
            if improved:
                record.best_loss = record.loss
        if stalled is not None:
            record.no_improvement_count = record.no_improvement_count + 1 if stalled else 0
        if record.no_improvement_count <= self.patience:
            return False
        optimizer = self.holder.optimizer
        if optimizer.trigger_stopping(self._message(), self.verbose):
            return True
        record.learning_rate = optimizer.rate
        record.no_improvement_count = 0
        return False

    def _message(self):
        what = "Validation score" if self.on_validation else "Training loss"
        verb = "increase" if self.on_validation else "decrease"
        return (
            f"{what} did not {verb} by more than tol={self.tol:f} for "
            f"{self.patience} consecutive epochs."
        )


class BestWeights(Listener):
    """Early stopping: keep the weights of the epoch with the best validation
    score, and end training with them; with ``average > 1``, end with the
    mean of the weights of the ``average`` epochs with the lowest
    validation loss instead (``average_epochs``).

    The mean of a few good epochs of one run lies in the same basin as
    they do and often generalises better than the best of them: the
    cyclical rates of ``coslog4`` visit several such points (Izmailov et al., 2018,
    averaged the weights along one run, "SWA"; Wortsman et al., 2022, those
    of several fine-tuned models, "model soups"). The epochs are ranked by
    the validation loss, which is smoother than a score such as accuracy.
    Their weights are copied into ``average`` buffers as training goes, so
    the memory is ``average`` copies of the weights whatever the epochs.

    Parameters
    ----------
    params : ndarray
        The network's flat weights; the best epoch's are copied beside them.
    scoring : object
        The ``scoring`` parameter (named in the warning about scores that
        are not numbers).
    average : int, default=1
        How many of the best epochs' weights to average (1: the best
        epoch's, scikit-learn's behaviour).
    """

    def __init__(self, params, scoring, average=1):
        self.best = params.copy()
        self.scoring = scoring
        self.average = average
        # The kept epochs: (validation loss, epoch, buffer), best first.
        self.kept = []
        self.spare = [np.empty_like(params) for _ in range(average)] if average > 1 else []

    def arrays(self):
        return (self.best,)

    def epoch_ends(self, record, network, stopping):
        if record.best_epoch == len(record.validation_scores):
            np.copyto(self.best, network.params)
        if self.average > 1:
            self._keep(record.validation_loss_curve[-1], len(record.validation_scores), network)
        return False

    def _keep(self, loss, epoch, network):
        """Keep this epoch's weights if its loss is among the ``average`` lowest."""
        if not np.isfinite(loss):
            return
        if len(self.kept) == self.average:
            if loss >= self.kept[-1][0]:
                return
            self.spare.append(self.kept.pop()[2])
        buffer = self.spare.pop()
        np.copyto(buffer, network.params)
        self.kept.append((loss, epoch, buffer))
        self.kept.sort(key=lambda kept: kept[:2])

    def training_ends(self, record, net, guard=None):
        # (record.averaged_epochs starts each call as None: start_validation.)
        if _warn_unscorable(record, self.scoring):
            return  # no epoch has a score: keep the last sound one
        # After a divergence the record went back to a sound epoch; the
        # kept epochs may lie beyond it, so the best epoch alone is kept.
        if guard is None and len(self.kept) > 1:
            total = np.zeros(net.params.shape, dtype=np.float64)
            for _, _, buffer in self.kept:
                total += buffer
            np.divide(total, len(self.kept), out=net.params, casting="same_kind")
            record.averaged_epochs = sorted(epoch for _, epoch, _ in self.kept)
            return
        restore_best(net, self.best, guard)


def _warn_unscorable(record, scoring):
    """Warn when validation scores of this call were not numbers; return
    True when none was, so that no epoch can be called the best."""
    scores = np.asarray(record.validation_scores, dtype=float)
    bad = int(np.count_nonzero(~np.isfinite(scores)))
    if not bad:
        return False
    none_scored = record.best_epoch is None
    kept = (
        "no epoch could be chosen as the best, and none counted towards "
        "n_iter_no_change: the weights of the last sound epoch are kept"
        if none_scored
        else f"those epochs were never chosen; the best epoch, {record.best_epoch}, is kept"
    )
    warnings.warn(
        f"{bad} of {len(scores)} validation scores were not finite numbers (NaN or "
        f"infinite: look at scoring={scoring!r} and the validation data); {kept}.",
        UserWarning,
    )
    return none_scored


class TimeLimit(Listener):
    """``max_time``: stop after the epoch (or iteration) that exceeds it."""

    #: The clock it reads (wall time).
    clock = staticmethod(time.perf_counter)

    def __init__(self, max_time, early_stopping):
        self.max_time, self.early_stopping = max_time, early_stopping
        self.started = self.clock()

    def epoch_ends(self, record, network, stopping):
        if stopping:
            return True
        elapsed = self.clock() - self.started
        if elapsed <= self.max_time:
            return False
        kept = "the best epoch's weights are kept" if self.early_stopping else "training stopped"
        warnings.warn(
            f"max_time={self.max_time}s reached after {record.n_iter} epochs or iterations "
            f"({elapsed:.3g}s); {kept}.",
            ConvergenceWarning,
        )
        return True


_REGISTERED = contextvars.ContextVar("sknn_scratch_listeners", default=())


@contextlib.contextmanager
def listening(*listeners):
    """Within the block, every fit in this thread (clones, cross-validation
    and Pipelines included) also reports to ``listeners``, after its own.
    The CLI shows its progress line this way."""
    token = _REGISTERED.set(_REGISTERED.get() + listeners)
    try:
        yield
    finally:
        _REGISTERED.reset(token)


def registered():
    """The listeners registered with :func:`listening` in this context."""
    return list(_REGISTERED.get())
