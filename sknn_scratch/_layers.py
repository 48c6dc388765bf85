"""Layer kinds: each one's forward pass and backward pass side by side.

A network is a sequence of layers (:class:`sknn_scratch._network.Network`).
A layer holds no arrays of its own: its parameters (views of the network's
one flat vector), its gradients (views of the flat gradient) and its work
arrays (a :class:`Slot`, owned by the network's :class:`Workspace`) are
handed to it on every call. That keeps one owner per buffer, lets the same
layer serve training, prediction with any weights, and the gradient checker,
and makes a layer easy to read next to its maths:

- ``forward(A, params, slot)`` returns the layer's output for inputs ``A``
  (written into ``slot.out``, or in place into ``A``);
- ``backward(A, out, delta, params, grads, slot)`` is handed the layer's
  input ``A``, its output ``out`` and ``delta``, the gradient of the
  objective with respect to ``out``. It writes the gradient with respect to
  its parameters into ``grads`` and returns the gradient with respect to
  ``A`` (None below the first layer, where nothing needs it);
- ``parameter_shapes()`` says which parameters it has, each with its group:
  ``"weights"`` (penalised, laid out first in the flat vector) or
  ``"biases"``;
- ``slot_shapes()`` says which work arrays of how many columns it needs per
  row of a batch;
- ``bound(value_bound, params)`` bounds ``|output|`` given ``|input| <=
  value_bound`` (the divergence guard's one pass over the weights).

A new kind is one class here and an entry in :data:`LAYER_KINDS`; nothing
else switches on a layer's kind.
"""

import numpy as np
import scipy.sparse as sp

from ._activations import (
    ACTIVATION_OFFSETS,
    BOUNDED_ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
)
from ._losses import LOSSES, Loss, weighted_loss_and_deltas


class Slot:
    """The work arrays of one layer for one batch size (views of arrays that
    the :class:`Workspace` keeps across batches).

    ``out``: the layer's output; ``work``: the activation's work array (see
    :mod:`sknn_scratch._activations`); ``delta_in``: the gradient with
    respect to the layer's input; ``mask``: this batch's dropout mask (set
    by the network, None when the layer keeps every unit); ``ones``: a
    vector of ones (bias gradients as a BLAS product); ``bias``: the bias
    as added to this batch (the bias itself, or, in ``predict_raw``, the
    bias repeated over a block's rows, which adds faster).
    """

    __slots__ = ("out", "work", "delta_in", "mask", "ones", "bias")

    def __init__(self, **arrays):
        for name in self.__slots__:
            setattr(self, name, arrays.get(name))


def dot_into(A, B, out):
    """``out[...] = A @ B``, without a temporary when ``A`` is dense."""
    if sp.issparse(A):
        out[...] = A @ B
    else:
        np.matmul(A, B, out=out)


class Dense:
    """``out = A @ W + b``: every input connected to every unit.

    Backward, with ``delta = dJ/d out``::

        dJ/dW = A^T delta        dJ/db = 1^T delta        dJ/dA = delta W^T
    """

    kind = "dense"

    def __init__(self, fan_in, fan_out, first=False):
        self.fan_in, self.fan_out, self.first = fan_in, fan_out, first

    def parameter_shapes(self):
        return (("weights", (self.fan_in, self.fan_out)), ("biases", (self.fan_out,)))

    def slot_shapes(self):
        # The first layer's input is the data: no delta is needed there.
        return {"out": self.fan_out, "delta_in": None if self.first else self.fan_in}

    def forward(self, A, params, slot):
        out = slot.out
        if self.first:
            dot_into(A, params[0], out)  # only the input can be sparse
        else:
            np.matmul(A, params[0], out=out)
        out += params[1] if slot.bias is None else slot.bias
        return out

    def backward(self, A, out, delta, params, grads, slot):
        weight_grads, bias_grads = grads
        if self.first:
            dot_into(A.T, delta, weight_grads)  # X may be sparse
        else:
            np.matmul(A.T, delta, out=weight_grads)
        # The sum over samples as a BLAS product with a vector of ones: 3x
        # faster than np.sum(axis=0) on 200 x 64.
        np.dot(slot.ones, delta, out=bias_grads)
        if self.first:
            return None
        _backward_product(delta, params[0], slot.delta_in)
        return slot.delta_in

    def bound(self, value_bound, params, scratch=None):
        """``|z_j| <= bound * sum_i |W_ij| + |b_j|`` (the partial sums of the
        product obey it too). ``scratch`` (a flat buffer of at least W's
        size) takes ``|W|``: on wide layers a new temporary costs more in
        fresh memory pages than the pass."""
        weights, bias = params
        out = None if scratch is None else scratch[: weights.size].reshape(weights.shape)
        column_sums = np.abs(weights, out=out).sum(axis=0, dtype=np.float64)
        return value_bound * column_sums.max(initial=0.0) + float(np.abs(bias).max(initial=0.0))


def _backward_product(delta, weights, out):
    """``out = delta @ weights.T``.

    With one output unit this is an outer product, which BLAS's matrix
    product handles slowly (15 us against 2 us for 200 x 64); broadcasting
    does it directly.
    """
    if weights.shape[1] == 1:
        np.multiply(delta, weights.T, out=out)
    else:
        np.matmul(delta, weights.T, out=out)


class Activation:
    """``out = f(A)`` elementwise, in place; backward ``delta * f'(.)``.

    ``f`` and ``f'`` come from :data:`sknn_scratch._activations.HIDDEN_ACTIVATIONS`.
    In training the forward pass leaves what the derivative needs in
    ``slot.work``; in prediction (``slot.work`` None) it keeps nothing.
    """

    kind = "activation"

    def __init__(self, name, units):
        self.name, self.units = name, units
        self.function = HIDDEN_ACTIVATIONS[name]

    def parameter_shapes(self):
        return ()

    def slot_shapes(self):
        return {"work": self.units}

    def forward(self, A, params, slot):
        return self.function.forward(A, slot.work)

    def backward(self, A, out, delta, params, grads, slot):
        self.function.derivative(out, delta, slot.work)
        return delta

    def bound(self, value_bound, params, scratch=None):
        # |f(z)| <= |z| + offset, or bounded outright (logistic, tanh).
        value_bound = value_bound + ACTIVATION_OFFSETS.get(self.name, 0.0)
        return min(value_bound, BOUNDED_ACTIVATIONS.get(self.name, np.inf))


class Dropout:
    """Inverted dropout: ``out = A * M`` in place, ``M`` this batch's mask
    (see ``_training.dropout_masks``); backward ``delta * M``. With no mask
    (prediction, or a rate of 0) it passes its input through."""

    kind = "dropout"

    def __init__(self, units):
        self.units = units

    def parameter_shapes(self):
        return ()

    def slot_shapes(self):
        return {}

    def forward(self, A, params, slot):
        if slot.mask is not None:
            A *= slot.mask
        return A

    def backward(self, A, out, delta, params, grads, slot):
        # out = f(Z) * M, so dJ/df(Z) = (dJ/d out) * M.
        if slot.mask is not None:
            delta *= slot.mask
        return delta

    def bound(self, value_bound, params, scratch=None):
        return value_bound  # training only: prediction keeps every unit


class Output:
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

    def __init__(self, loss=None):
        # None: a network that only predicts.
        self.loss = LOSSES[loss] if isinstance(loss, str) else loss
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
        for ``J = data_scale * sum_i s_i loss_i``."""
        data_term = weighted_loss_and_deltas(self.loss, raw, Y, sample_weight, self.link)
        # Scaling the output delta scales every gradient below it: one small op.
        raw *= data_scale
        return data_term

    def bound(self, value_bound, params, scratch=None):
        return value_bound


#: Every layer kind, by name.
LAYER_KINDS = {kind.kind: kind for kind in (Dense, Activation, Dropout, Output)}


def multilayer_perceptron(layer_units, activations, loss=None):
    """The layers of an MLP: dense layers with an activation and a dropout
    layer after each hidden one, and a final dense layer whose raw output
    (the logits) the loss reads.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, inputs first and outputs last.
    activations : list of str
        One hidden activation name per hidden layer.
    loss : str, Loss or None
        The loss of the output layer (None for a network that predicts only).
    """
    layers = []
    pairs = list(zip(layer_units[:-1], layer_units[1:]))
    for i, (fan_in, fan_out) in enumerate(pairs):
        layers.append(LAYER_KINDS["dense"](fan_in, fan_out, first=i == 0))
        if i < len(pairs) - 1:
            layers.append(LAYER_KINDS["activation"](activations[i], fan_out))
            layers.append(LAYER_KINDS["dropout"](fan_out))
    layers.append(LAYER_KINDS["output"](loss))
    return layers
