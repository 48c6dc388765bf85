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
from scipy.special import logsumexp

from ._activations import (
    HIDDEN_ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    per_layer,
)
from ._initializers import initialize
from ._losses import LOSSES, Loss, weighted_loss_and_deltas

#: Every layer kind, by its ``kind`` name: each subclass of :class:`Layer`
#: enters itself (the contract test runs over every entry).
LAYER_KINDS = {}


class Layer:
    """What every layer kind has, with the defaults of a layer without
    parameters or work arrays; a kind overrides what it does differently.

    ``activates``: it applies a hidden activation (its input is a layer's
    weighted sums; ``hidden_activations`` shows them). ``takes_mask``: it
    takes the batch's dropout mask. ``row_factor``: rows of its output per
    row of its input (an ensemble's members: ``k``).
    """

    kind = None
    activates = False
    takes_mask = False
    row_factor = 1

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_KINDS[cls.kind] = cls

    def parameter_shapes(self):
        return ()

    def slot_shapes(self):
        return {}

    def initial_parameters(self, rng, dtype):
        return ()

    def bound(self, value_bound, params, scratch=None):
        return value_bound


class Slot:
    """The work arrays of one layer for one batch size (views of arrays that
    the :class:`Workspace` keeps across batches).

    ``out``: the layer's output; ``work``: the activation's work array (see
    :mod:`sknn_scratch._activations`); ``delta_in``: the gradient with
    respect to the layer's input; ``mask``: this batch's dropout mask (set
    by the network, None when the layer keeps every unit); ``ones``: a
    vector of ones (bias gradients as a BLAS product); ``bias``: the bias
    as added to this batch (the bias itself, or, in ``predict_raw``, the
    bias repeated over a block's rows, which adds faster); ``kept``: what a
    layer keeps from its forward pass for its backward pass.
    """

    __slots__ = ("out", "work", "delta_in", "mask", "ones", "bias", "kept")

    def __init__(self, **arrays):
        for name in self.__slots__:
            setattr(self, name, arrays.get(name))


def dot_into(A, B, out):
    """``out[...] = A @ B``, without a temporary when ``A`` is dense."""
    if sp.issparse(A):
        out[...] = A @ B
    else:
        np.matmul(A, B, out=out)


class Dense(Layer):
    """``out = A @ W + b``: every input connected to every unit.

    Backward, with ``delta = dJ/d out``::

        dJ/dW = A^T delta        dJ/db = 1^T delta        dJ/dA = delta W^T
    """

    kind = "dense"

    def __init__(self, fan_in, fan_out, first=False, init="glorot_uniform", feeds="relu"):
        self.fan_in, self.fan_out, self.first = fan_in, fan_out, first
        # How its first weights are drawn: the initialiser, and the
        # activation the layer feeds (scikit-learn's rule: its gain; the
        # output layer uses the last hidden layer's).
        self.init, self.feeds = init, feeds

    def parameter_shapes(self):
        return (("weights", (self.fan_in, self.fan_out)), ("biases", (self.fan_out,)))

    def initial_parameters(self, rng, dtype):
        return initialize(self.init, self.fan_in, self.fan_out, rng, dtype, self.feeds)

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


class Activation(Layer):
    """``out = f(A)`` elementwise, in place; backward ``delta * f'(.)``.

    ``f`` and ``f'`` come from :data:`sknn_scratch._activations.HIDDEN_ACTIVATIONS`.
    In training the forward pass leaves what the derivative needs in
    ``slot.work``; in prediction (``slot.work`` None) it keeps nothing.
    """

    kind = "activation"
    activates = True

    def __init__(self, name, units):
        self.name, self.units = name, units

    @property
    def function(self):
        """``f`` and ``f'``, from the registry (a saved layer holds the name)."""
        return HIDDEN_ACTIVATIONS[self.name]

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
        return min(value_bound + self.function.offset, self.function.bound)


class ParametricActivation(Layer):
    """``out = z + a * (f(z) - z)``: the activation ``f`` mixed with the
    identity by a learned ``a`` per unit, starting at 1 (plain ``f``).

    RealMLP's parametric activation: a unit whose nonlinearity does not
    help can move towards linear (``a -> 0``), or sharpen (``a > 1``).
    With ``g = f(z) - z`` kept from the forward pass::

        dJ/da = sum_i delta_i * g_i        dJ/dz = delta * (1 - a) + a * delta * f'(z)

    ``f'`` is what :data:`~sknn_scratch._activations.HIDDEN_ACTIVATIONS`'
    derivative leaves, as for :class:`Activation`.
    """

    kind = "parametric"
    activates = True

    def __init__(self, name, units):
        self.name, self.units = name, units

    @property
    def function(self):
        """``f`` and ``f'``, from the registry (a saved layer holds the name)."""
        return HIDDEN_ACTIVATIONS[self.name]

    def parameter_shapes(self):
        return (("activation", (self.units,)),)

    def initial_parameters(self, rng, dtype):
        return (np.ones(self.units, dtype=dtype),)  # a = 1: plain f

    def slot_shapes(self):
        return {"out": self.units, "work": self.units, "kept": self.units}

    def forward(self, A, params, slot):
        a = params[0]
        out = slot.out if slot.out is not None else np.empty_like(A)
        out[...] = A  # z
        fz = self.function.forward(A, slot.work)  # in place: A is f(z) now
        g = fz if slot.kept is None else slot.kept
        np.subtract(fz, out, out=g)  # g = f(z) - z
        if slot.kept is not None:
            np.multiply(g, a, out=A)
            out += A
        else:
            g *= a
            out += g
        return out

    def backward(self, A, out, delta, params, grads, slot):
        a = params[0]
        np.einsum("ij,ij->j", delta, slot.kept, out=grads[0])
        scaled = np.multiply(delta, a, out=A)  # A (the layer's input) is free now
        self.function.derivative(None, scaled, slot.work)  # a * delta * f'(z)
        delta *= 1 - a
        delta += scaled
        return delta

    def bound(self, value_bound, params, scratch=None):
        # |z + a (f(z) - z)| <= |1 - a| |z| + |a| |f(z)|.
        a = np.abs(params[0])
        f_bound = min(value_bound + self.function.offset, self.function.bound)
        rest = float(np.abs(1 - params[0]).max(initial=0.0))
        return rest * value_bound + float(a.max(initial=0.0)) * f_bound


class Dropout(Layer):
    """Inverted dropout: ``out = A * M`` in place, ``M`` this batch's mask
    (see ``_training.dropout_masks``); backward ``delta * M``. With no mask
    (prediction, or a rate of 0) it passes its input through."""

    kind = "dropout"
    takes_mask = True

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


class Heads(Dense):
    """The output layer of an ensemble: member ``j``'s rows (see
    :class:`Members`) go through its own head, the columns ``j*o .. (j+1)*o``
    of ``W`` (``fan_in x k*o``) and ``b``::

        out_(i, j) = A_(i, j) @ W_j + b_j

    one batched matrix product over the members. Backward, per member (as
    two products over all rows, with ``delta`` zero outside each row's head)::

        dJ/dW_j = A_j^T delta_j     dJ/db_j = 1^T delta_j     dJ/dA_j = delta_j W_j^T
    """

    kind = "heads"

    def __init__(self, fan_in, fan_out, members, first=False, init="glorot_uniform", feeds="relu"):
        super().__init__(fan_in, fan_out, first, init, feeds)
        self.members = members

    def initial_parameters(self, rng, dtype):
        # One head per member, each drawn as a single network's would be.
        heads = [
            initialize(self.init, self.fan_in, self.fan_out // self.members, rng, dtype, self.feeds)
            for _ in range(self.members)
        ]
        return np.hstack([w for w, _ in heads]), np.concatenate([b for _, b in heads])

    def slot_shapes(self):
        # work: the output delta spread over every head's columns.
        return {"out": self.fan_out // self.members, "delta_in": self.fan_in, "work": self.fan_out}

    def _per_member(self, A, W):
        """``A`` as ``(k, n, fan_in)`` and ``W`` as ``(k, fan_in, o)`` views."""
        k = self.members
        return (
            A.reshape(-1, k, self.fan_in).transpose(1, 0, 2),
            W.reshape(self.fan_in, k, -1).transpose(1, 0, 2),
        )

    def forward(self, A, params, slot):
        k, n = self.members, A.shape[0] // self.members
        out = slot.out if slot.out is not None else np.empty((n * k, self.fan_out // k), A.dtype)
        A3, W3 = self._per_member(A, params[0])
        out3 = out.reshape(n, k, -1)
        out3[...] = np.matmul(A3, W3).transpose(1, 0, 2)
        out3 += params[1].reshape(k, -1)
        return out

    def backward(self, A, out, delta, params, grads, slot):
        k, n = self.members, A.shape[0] // self.members
        # delta spread over all k heads' columns, zero outside each row's
        # own: then dW and dA are each one ordinary matrix product (4-6x
        # faster than k small ones over transposed views).
        wide = slot.work
        wide.fill(0)
        members = np.arange(k)
        D3 = delta.reshape(n, k, -1)
        wide.reshape(n, k, k, -1)[:, members, members, :] = D3
        np.matmul(A.T, wide, out=grads[0])
        np.sum(D3, axis=0, out=grads[1].reshape(k, -1))
        np.matmul(wide, params[0].T, out=slot.delta_in)
        return slot.delta_in


def mean_response_raw(raw, members, out_activation):
    """The raw output whose response is the mean of the members' responses.

    ``raw`` holds ``k`` rows per sample (member-major within each sample);
    the ensemble predicts the mean of the members' predictions (their
    probabilities, for a classifier). Written as a raw output, everything
    downstream (``predict``, ``predict_proba``, scores) reads the ensemble
    as it reads one network: for each output activation ``g`` this is
    ``g^-1(mean_j g(z_j))``, computed in the log domain where ``g`` is::

        identity: mean_j z_j
        exp:      log mean_j exp(z_j)
        softmax:  log mean_j softmax(z_j)          (softmax of it = the mean)
        logistic: log p - log(1 - p),  p = mean_j sigmoid(z_j)
    """
    k = members
    Z = raw.reshape(-1, k, raw.shape[1])
    if out_activation == "identity":
        return Z.mean(axis=1)
    log_k = np.log(k)
    if out_activation == "exp":
        return logsumexp(Z, axis=1) - log_k
    if out_activation == "softmax":
        log_probs = Z - logsumexp(Z, axis=2, keepdims=True)
        return logsumexp(log_probs, axis=1) - log_k
    # logistic: log sigmoid(z) = -log(1 + e^-z), log(1 - sigmoid(z)) = -log(1 + e^z)
    return logsumexp(-np.logaddexp(0, -Z), axis=1) - logsumexp(-np.logaddexp(0, Z), axis=1)


def multilayer_perceptron(
    layer_units,
    activation,
    *,
    first=True,
    members=1,
    parametric=False,
    init="glorot_uniform",
):
    """The layers of an MLP: dense layers with an activation and a dropout
    layer after each hidden one, and a final dense layer whose raw output
    (the logits) the loss reads.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, inputs first and outputs last.
    activation : str or list of str
        The hidden activation: one name, or one per hidden layer.
    first : bool, default=True
        Whether the first dense layer reads the data (False behind learned
        input layers, to which it then passes the gradient of its input).
    members : int, default=1
        The members of an ensemble (see :class:`~sknn_scratch._input_layers.Members`):
        with more than one, the last dense layer is their :class:`Heads`,
        and ``layer_units[-1]`` counts the outputs of all of them.
    parametric : bool, default=False
        Whether the hidden activations are :class:`ParametricActivation`.
    init : str, default="glorot_uniform"
        The initialiser that draws each dense layer's first weights.
    """
    names = per_layer(activation, len(layer_units) - 2)
    # Each dense layer is drawn for the activation it feeds; the output
    # layer for the last hidden one's (scikit-learn's rule).
    feeds = names + names[-1:] if names else [activation]
    activation_kind = ParametricActivation if parametric else Activation
    layers = []
    pairs = list(zip(layer_units[:-1], layer_units[1:]))
    for i, (fan_in, fan_out) in enumerate(pairs):
        drawn = {"first": first and i == 0, "init": init, "feeds": feeds[i]}
        if i == len(pairs) - 1 and members > 1:
            layers.append(Heads(fan_in, fan_out, members, **drawn))
        else:
            layers.append(Dense(fan_in, fan_out, **drawn))
        if i < len(pairs) - 1:
            layers.append(activation_kind(names[i], fan_out))
            layers.append(Dropout(fan_out))
    layers.append(Output(None, members))
    return layers
