"""Losses, each computed from the raw network output (the logits).

A loss is paired with the output activation that is its canonical inverse
link: identity for the squared error, exp for the Poisson deviance, logistic
for the binary log-loss and softmax for the multinomial log-loss. For each
such pair the gradient of the per-sample loss with respect to the raw output
``z`` is the same simple expression,

    d loss / d z = out_activation(z) - y,

which is why backpropagation starts from ``y_pred - y`` for every loss.
Computing the losses from ``z`` rather than from probabilities lets us use
``logaddexp`` and ``logsumexp``, so no probability is ever clipped.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp, xlogy

from ._activations import OUTPUT_ACTIVATIONS, exp
from ._protocol import Layer


class Loss(NamedTuple):
    """A per-sample loss ``per_sample(raw, y)`` and its output activation.

    ``gradient(r)``, for the losses that are not a canonical loss/link pair,
    turns the residuals ``r = raw - y`` in place into ``d loss / d raw``;
    None means the canonical ``out_activation(raw) - y``.
    """

    per_sample: Callable
    out_activation: str
    gradient: Callable = None


def weighted_loss_and_deltas(loss, raw, Y, sample_weight, out_activation_fn):
    """Return ``sum_i s_i loss_i`` and turn ``raw`` into the output deltas.

    On return ``raw`` holds ``s_i * (y_pred_i - y_i)``, the gradient of the
    weighted sum with respect to the raw outputs, computed in place.
    """
    if loss.gradient is not None:
        per_sample = loss.per_sample(raw, Y)
        total = per_sample.sum() if sample_weight is None else per_sample @ sample_weight
        raw -= Y
        loss.gradient(raw)
    elif loss.per_sample is half_squared_error:
        # Fused: the residual is both the delta and the loss's ingredient.
        raw -= Y
        if sample_weight is None:
            total = 0.5 * _sum_of_squares(raw)
        else:
            total = 0.5 * (np.einsum("ij,ij->i", raw, raw, dtype=np.float64) @ sample_weight)
    else:
        per_sample = loss.per_sample(raw, Y)
        total = per_sample.sum() if sample_weight is None else per_sample @ sample_weight
        out_activation_fn(raw)
        raw -= Y
    if sample_weight is not None:
        raw *= sample_weight[:, np.newaxis]
    return float(total)


# Per-sample losses are summed in float64 whatever the network's dtype, so
# that float32 values near their limit cannot overflow the loss.


def half_squared_error(raw, y):
    """0.5 * sum_k (z_k - y_k)^2 for each sample: half the SSE."""
    diff = raw - y
    return 0.5 * np.einsum("ij,ij->i", diff, diff, dtype=np.float64)


def half_poisson_deviance(raw, y):
    """sum_k exp(z_k) - y_k z_k + y_k log(y_k) - y_k for each sample.

    With the log link ``mu = exp(z)`` this is half the Poisson deviance
    ``y log(y / mu) - y + mu``; it is zero when ``mu == y``. ``exp`` is the
    capped one of the output activation, so it cannot overflow.
    """
    mu = exp(raw.astype(np.float64))
    return (mu - y * raw + xlogy(y, y) - y).sum(axis=1, dtype=np.float64)


def binary_log_loss(raw, y):
    """sum_k log(1 + exp(z_k)) - y_k z_k: one logistic loss per output column.

    This equals ``-y log(p) - (1 - y) log(1 - p)`` with ``p = expit(z)``.
    """
    return (np.logaddexp(0, raw) - y * raw).sum(axis=1, dtype=np.float64)


def multinomial_log_loss(raw, y):
    """logsumexp(z) - sum_k y_k z_k for each sample: ``-log p_true``."""
    return logsumexp(raw.astype(np.float64), axis=1) - np.einsum(
        "ij,ij->i", y, raw, dtype=np.float64
    )


def absolute_error(raw, y):
    """sum_k |z_k - y_k| for each sample; its median minimises it."""
    return np.abs(raw - y).sum(axis=1, dtype=np.float64)


def absolute_error_gradient(r):
    """d |r| / d z = sign(r) (0 at r = 0, a subgradient)."""
    np.sign(r, out=r)


def huber(delta):
    """The Huber loss with threshold ``delta`` and its gradient.

    Per output, ``r^2 / 2`` for ``|r| <= delta``, else ``delta (|r| - delta / 2)``:
    squared error for small residuals, absolute error (scaled) for large
    ones, with a continuous gradient ``clip(r, -delta, delta)``.
    """

    def per_sample(raw, y):
        a = np.abs(raw - y)
        quadratic = np.minimum(a, delta)
        return (quadratic * (a - 0.5 * quadratic)).sum(axis=1, dtype=np.float64)

    def gradient(r):
        np.clip(r, -delta, delta, out=r)

    return Loss(per_sample, "identity", gradient)


def pinball(quantile):
    """The pinball loss of ``quantile`` q, and its gradient.

    Per output, ``q (y - z)`` when ``z <= y``, else ``(1 - q) (z - y)``: its
    minimiser is the q-quantile of y given x (0.5: the median). Gradient
    ``1 - q`` where ``z > y``, ``-q`` where ``z < y``.
    """

    def per_sample(raw, y):
        r = raw - y
        return np.maximum((1 - quantile) * r, -quantile * r).sum(axis=1, dtype=np.float64)

    def gradient(r):
        above, below = r > 0, r < 0
        r[...] = 0
        r[above] = 1 - quantile
        r[below] = -quantile

    return Loss(per_sample, "identity", gradient)


def _sum_of_squares(a):
    """sum(a ** 2), never overflowing where float64 can hold the result.

    ``vdot`` is fastest; in float32 it can overflow for values near the
    dtype's limit, and only then is the sum redone in float64.
    """
    total = np.vdot(a, a)
    if a.dtype != np.float64 and not np.isfinite(total):
        total = np.einsum("ij,ij->", a, a, dtype=np.float64)
    return total


#: Losses keyed by name; the regressor's names are its ``loss`` options.
LOSSES = {
    "squared_error": Loss(half_squared_error, "identity"),
    "poisson": Loss(half_poisson_deviance, "exp"),
    "absolute_error": Loss(absolute_error, "identity", absolute_error_gradient),
    "binary_log_loss": Loss(binary_log_loss, "logistic"),
    "log_loss": Loss(multinomial_log_loss, "softmax"),
}


#: Regressor losses with a parameter: built by these from it.
PARAMETRIC_LOSSES = {"huber": huber, "quantile": pinball}


class Output(Layer):
    """The raw output (the logits), paired with the loss that reads it.

    Each loss comes with its canonical output activation (identity for the
    squared error, logistic, softmax, exp; see :mod:`sknn_scratch._losses`),
    for which ``dloss_i/dz = out_activation(z) - y``: the backward pass
    starts from that, without a derivative of its own. The forward pass
    keeps the raw output, from which the losses are computed stably;
    predictions apply the output activation later (the estimators'
    ``_responses_from_raw``).
    """

    kind = "output"

    def __init__(self, loss=None, members=1):
        # None: a network that only predicts.
        self.loss = LOSSES[loss] if isinstance(loss, str) else loss
        self.members = members
        if isinstance(self.loss, Loss):
            self.link = OUTPUT_ACTIVATIONS[self.loss.out_activation]

    def parameter_shapes(self):
        return ()

    def slot_shapes(self):
        return {}

    def forward(self, A, params, slot):
        return A

    def loss_and_delta(self, raw, Y, sample_weight, data_scale):
        """Return ``sum_i s_i loss_i`` and turn ``raw`` into ``dJ/d raw``
        for ``J = data_scale * sum_i s_i loss_i``.

        An ensemble of ``k`` members (see :class:`Members`) gives ``k`` rows
        of ``raw`` per sample; ``loss_i`` is then the mean of the members'
        losses on sample ``i`` (each member learns on its own, as TabM does;
        the loss of the members' mean would let them lean on each other).
        """
        k = self.members
        if k > 1:
            Y = np.repeat(Y, k, axis=0)
            sample_weight = None if sample_weight is None else np.repeat(sample_weight, k)
        data_term = weighted_loss_and_deltas(self.loss, raw, Y, sample_weight, self.link)
        # Scaling the output delta scales every gradient below it: one small op.
        raw *= data_scale / k
        return data_term / k

    def bound(self, value_bound, params, scratch=None):
        return value_bound
