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

import copy
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._network import predict_raw


def fit_stochastic(est, net, data, rng, incremental):
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
    incremental : bool
        True for ``partial_fit``: one epoch, no early stopping.
    """
    train, validation = _split_validation(est, data, rng, incremental)
    X, _, sample_weight = train
    n_samples = X.shape[0]
    total_weight = n_samples if sample_weight is None else float(sample_weight.sum())
    scales = (n_samples / total_weight, est.alpha / total_weight)
    batches = _Batches(train, _batch_size(est, n_samples))
    checkpoint = _Checkpoint(est, net)
    best_params = net.params.copy() if validation is not None else None
    try:
        for epoch in range(1 if incremental else est.max_iter):
            checkpoint.save()
            # Overflow shows up as a non-finite loss or weight, checked below
            # with a warning that says what to do; NumPy's own warnings from
            # deep inside the epoch would only add noise.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                epoch_loss = _run_epoch(est, net, batches, rng, scales)
            if _diverged(net, X, epoch_loss):
                checkpoint.restore()
                _warn_diverged(est, epoch)
                break
            if _end_of_epoch(est, net, epoch_loss, n_samples, validation, best_params):
                break
        else:
            if not incremental:
                _warn_max_iter(est)
    except KeyboardInterrupt:
        checkpoint.restore()
        warnings.warn(
            "Training interrupted by user; the weights are those of the last "
            "completed epoch.",
            UserWarning,
        )
    if validation is not None:
        np.copyto(net.params, best_params)


class _Checkpoint:
    """The weights and optimizer state at the start of the current epoch.

    Restored when an epoch diverges or is interrupted, so that a half-done
    update never survives.
    """

    def __init__(self, est, net):
        self.est, self.net = est, net
        self.params = np.empty_like(net.params)
        self.save()

    def save(self):
        np.copyto(self.params, self.net.params)
        self.optimizer = copy.deepcopy(self.est._optimizer)

    def restore(self):
        np.copyto(self.net.params, self.params)
        self.est._optimizer = self.optimizer


def _end_of_epoch(est, net, epoch_loss, n_samples, validation, best_params):
    """Record the epoch, keep the best weights; return True to stop training."""
    _record_epoch(est, epoch_loss, n_samples)
    if _track_progress(est, validation) and validation is not None:
        np.copyto(best_params, net.params)
    est._optimizer.iteration_ends(est.t_)
    if est._no_improvement_count <= est.n_iter_no_change:
        return False
    if est._optimizer.trigger_stopping(_stall_message(est), est.verbose):
        return True
    est._no_improvement_count = 0
    return False


def _run_epoch(est, net, batches, rng, scales):
    """One pass over the data; return the mean of the batch objectives."""
    n_samples = batches.n_samples
    shuffle = est.shuffle and batches.batch_size < n_samples
    order = rng.permutation(n_samples) if shuffle else None
    weight_scale, penalty = scales
    accumulated = 0.0
    step, update = net.objective_and_gradient, est._optimizer.update
    params, grads = net.params, net.grads
    for X_batch, Y_batch, sw_batch in batches.epoch(order):
        m = X_batch.shape[0]
        accumulated += step(X_batch, Y_batch, sw_batch, weight_scale / m, penalty) * m
        update(params, grads)
    return accumulated / n_samples


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
            None if a is None or sp.issparse(a)
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


def _batch_size(est, n_samples):
    if est.solver == "gd":
        return n_samples
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warnings.warn(
            f"batch_size={est.batch_size} is larger than the {n_samples} training "
            "samples; it is clipped to the number of samples.",
            UserWarning,
        )
    return min(est.batch_size, n_samples)


def _split_validation(est, data, rng, incremental):
    """Hold out ``validation_fraction`` of the data when early stopping."""
    X, Y, sample_weight, y = data
    if not est.early_stopping or incremental:
        return (X, Y, sample_weight), None
    n_validation = int(np.ceil(est.validation_fraction * X.shape[0]))
    if n_validation < 2 or n_validation >= X.shape[0]:
        raise ValueError(
            f"early_stopping needs a validation set of at least 2 samples and a "
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
    X_train, X_val, Y_train, _, _, y_val = parts[:6]
    sw_train, sw_val = parts[6:] if sample_weight is not None else (None, None)
    return (X_train, Y_train, sw_train), (X_val, y_val, sw_val)


def _record_epoch(est, epoch_loss, n_samples):
    est.n_iter_ += 1
    est.t_ += n_samples
    est.loss_ = epoch_loss
    est.loss_curve_.append(epoch_loss)
    if est.verbose:
        print(f"Iteration {est.n_iter_}, loss = {epoch_loss:.8f}")


def _track_progress(est, validation):
    """Update the no-improvement count; return whether this epoch is the best.

    With early stopping, progress is the validation score (higher is better);
    otherwise the training loss (lower is better). Either must move by more
    than ``tol`` to count as an improvement.
    """
    if validation is None:
        loss = est.loss_curve_[-1]
        stalled = loss > est.best_loss_ - est.tol
        improved = loss < est.best_loss_
        if improved:
            est.best_loss_ = loss
    else:
        score = est._score_unchecked(*validation)
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {score:f}")
        stalled = score < est.best_validation_score_ + est.tol
        improved = score > est.best_validation_score_
        if improved:
            est.best_validation_score_ = score
    est._no_improvement_count = est._no_improvement_count + 1 if stalled else 0
    return improved


def _stall_message(est):
    what = "Validation score" if est.early_stopping else "Training loss"
    verb = "increase" if est.early_stopping else "decrease"
    return (
        f"{what} did not {verb} by more than tol={est.tol:f} for "
        f"{est.n_iter_no_change} consecutive epochs."
    )


def _diverged(net, X, loss):
    """Whether training has blown up: a non-finite loss or weight, or finite
    weights so large that the network's outputs on training rows overflow
    (in float32 that happens well before the weights themselves do)."""
    if not np.isfinite(loss) or not np.isfinite(net.params).all():
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        probe = predict_raw(X[:_PROBE_ROWS], net.coefs, net.intercepts, net.activation)
    return not np.isfinite(probe).all()


_PROBE_ROWS = 256


def _warn_diverged(est, epoch):
    warnings.warn(
        f"Training diverged in epoch {epoch + 1} of this call: the loss or the "
        "weights became non-finite. Training stopped and the weights of the last "
        f"finite epoch were kept. Lower learning_rate_init (now "
        f"{est.learning_rate_init}) or scale the inputs.",
        ConvergenceWarning,
    )


def _warn_max_iter(est):
    warnings.warn(
        f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and "
        "the optimization hasn't converged yet.",
        ConvergenceWarning,
    )


_SCIPY_DEFAULT_FTOL = 2.220446049250313e-09


def full_batch_scales(X, sample_weight, alpha):
    """``(data_scale, penalty)`` of the objective ``J`` on the whole of ``X``."""
    total_weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    return 1.0 / total_weight, alpha / total_weight


def fit_lbfgs(est, net, X, Y, sample_weight):
    """Minimise the full-batch objective with SciPy's L-BFGS-B.

    SciPy works in float64; each evaluation copies the iterate into the
    network's buffer (in the network's dtype) and returns the gradient as
    float64. The loss after each iteration goes to ``loss_curve_``.
    """
    scales = full_batch_scales(X, sample_weight, est.alpha)

    def objective(theta):
        net.params[...] = theta
        value = net.objective_and_gradient(X, Y, sample_weight, *scales)
        return value, net.grads.astype(np.float64)

    last_iterate = net.params.astype(np.float64)
    losses = []

    def callback(intermediate_result):
        losses.append(float(intermediate_result.fun))
        np.copyto(last_iterate, intermediate_result.x)
        if est.verbose:
            print(f"Iteration {len(losses)}, loss = {losses[-1]:.8f}")

    try:
        # Non-finite results are checked in _finish_lbfgs (see fit_stochastic).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = _minimize(objective, last_iterate, callback, est)
    except KeyboardInterrupt:
        result = None
        warnings.warn(
            "Training interrupted by user; the weights are those of the last "
            "completed L-BFGS iteration.",
            UserWarning,
        )
    _finish_lbfgs(est, net, result, last_iterate, losses, X)


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


def _finish_lbfgs(est, net, result, last_iterate, losses, X):
    finite = result is not None and np.isfinite(result.x).all()
    net.params[...] = result.x if finite else last_iterate
    if finite and _diverged(net, X, result.fun):
        finite = False
        net.params[...] = last_iterate
    if result is not None and not finite:
        _warn_diverged(est, len(losses))
    if not losses:
        # Converged before the first iteration: record where it stands.
        losses.append(float(result.fun) if finite else np.nan)
    est.n_iter_ = len(losses) if result is None else int(result.nit)
    est.t_ += X.shape[0] * est.n_iter_
    est.loss_ = losses[-1]
    est.loss_curve_.extend(losses)
    est.best_loss_ = float(np.nanmin(est.loss_curve_))
    if result is not None and result.status == 1:
        warnings.warn(
            f"lbfgs failed to converge after {est.n_iter_} iterations "
            f"(max_iter={est.max_iter}, max_fun={est.max_fun}): {result.message}. "
            "Increase max_iter or max_fun, or scale the data.",
            ConvergenceWarning,
        )
