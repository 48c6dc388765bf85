"""The objective J, in one place.

Every solver minimises, over the whole training set,

    J = (1 / S) * (sum_i s_i * loss_i + alpha * (l1_ratio * ||w||_1
                                                 + (1 - l1_ratio) / 2 * ||w||^2))

where ``loss_i`` is the per-sample loss (:mod:`sknn_scratch._losses`) of
the raw output, ``s_i`` the sample weights (1 when none are given), ``S =
sum_i s_i``, and ``w`` the weights (not the biases). Written with the two
scales that :func:`epoch_scales` returns,

    J = data_scale * sum_i s_i * loss_i + penalty_term(w),
    data_scale = 1 / S,   penalty = alpha / S.

A minibatch ``B`` of ``m`` of the ``n`` training samples uses ``data_scale
= n / (S * m)`` instead, which makes its gradient an unbiased estimate of
the full gradient, and keeps the penalty unchanged: ``alpha`` means the same
thing for every solver and batch size. With ``S = n`` (no sample weights)
this is scikit-learn's objective.

AdamW's decoupled weight decay is not a term of J: it shrinks the weights
outside the gradient, in the optimizer's step (``_optimizers.Adam``).

:class:`Objective` computes J and its gradient for both solvers, for the
divergence guard and for ``check_gradients``; :func:`mean_loss` and
:func:`penalty_value` give the validation loss the same scale.
"""

from typing import NamedTuple

import numpy as np


class Scales(NamedTuple):
    """The factors of J's two terms (see the module docstring)."""

    data_scale: float
    penalty: float


def epoch_scales(n_samples, sample_weight, alpha):
    """``(n / S, alpha / S)``: a minibatch of ``m`` rows uses ``data_scale / m``.

    The total weight is summed in float64: in float32 the sum of large
    sample weights can overflow, which would silently zero the objective.
    """
    total_weight = (
        n_samples if sample_weight is None else float(sample_weight.sum(dtype=np.float64))
    )
    return Scales(n_samples / total_weight, float(alpha) / total_weight)


def full_batch_scales(n_samples, sample_weight, alpha):
    """The scales of J on all ``n_samples`` rows: ``(1 / S, alpha / S)``."""
    data_scale, penalty = epoch_scales(n_samples, sample_weight, alpha)
    return Scales(data_scale / n_samples, penalty)


def penalty_value(weights, penalty, l1_ratio=0.0):
    """The penalty term of J: ``penalty * (l1_ratio ||w||_1 + (1 - l1_ratio) ||w||^2 / 2)``.

    Sums are taken in float64: a float32 norm would pull J into float32
    (NEP 50), where a data term that float64 holds can overflow.
    """
    value = 0.5 * (1 - l1_ratio) * float(np.vdot(weights, weights))
    if l1_ratio:
        value += l1_ratio * float(np.abs(weights).sum(dtype=np.float64))
    return penalty * value


def mean_loss(loss, raw, Y, sample_weight):
    """``sum_i s_i loss_i / S``: the data term of J on held-out data."""
    with np.errstate(over="ignore", invalid="ignore"):
        per_sample = loss.per_sample(raw, Y)
    if sample_weight is None:
        return float(per_sample.mean())
    return float(per_sample @ sample_weight / sample_weight.sum(dtype=np.float64))


class Objective:
    """J on a batch and its gradient, for one network.

    Parameters
    ----------
    net : Network
        The network: its forward and backward passes give the data term and
        its gradient (in ``net.grads``).
    l1_ratio : float, default=0.0
        The share of the penalty that is L1 (elastic net).
    """

    def __init__(self, net, l1_ratio=0.0):
        self.net, self.l1_ratio = net, l1_ratio

    def value_and_gradient(self, X, Y, sample_weight, data_scale, penalty, masks=None, start=0):
        """Return J on a batch and leave its gradient in ``net.grads``.

        ``masks`` are the dropout masks of this batch (one array of its
        rows per hidden layer, or None): J is then that of the thinned
        network. ``start``: X is already the output of the network's first
        ``start`` layers (``TrainingNetwork.through_fixed``).
        """
        net = self.net
        data_term = net.data_term_and_gradient(X, Y, sample_weight, data_scale, masks, start)
        self._add_penalty_gradient(penalty)
        return float(data_scale * data_term + penalty_value(net.weights, penalty, self.l1_ratio))

    def _add_penalty_gradient(self, penalty):
        """The penalty acts on the weights only: one contiguous slice."""
        weights, weight_grads = self.net.weights, self.net.weight_grads
        work = self.net.workspace.scratch[: weights.size]  # lent for this call
        # Python floats: a NumPy scalar would run float32 weights through
        # float64 loops (NEP 50).
        l2, l1 = float(penalty * (1 - self.l1_ratio)), float(penalty * self.l1_ratio)
        np.multiply(weights, l2, out=work)
        weight_grads += work
        if l1:
            # The L1 term's sub-gradient: sign(w) (0 at w = 0).
            np.sign(weights, out=work)
            work *= l1
            weight_grads += work
