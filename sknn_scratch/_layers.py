"""The dense stack: fully connected layers, dropout and an ensemble's heads.

Each kind keeps its forward pass and backward pass side by side, under the
layer protocol of :mod:`sknn_scratch._protocol`. :func:`multilayer_perceptron`
builds the stack of an MLP: dense layers, each hidden one followed by its
activation (:mod:`sknn_scratch._activations`) and a dropout layer, and the
output layer that pairs the raw output with the loss
(:mod:`sknn_scratch._losses`).
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp

from ._activations import HiddenActivation, ParametricActivation, per_layer
from ._initializers import initialize

# Estimators pickled before the input layers had a module of their own name
# their classes here; pickle and skops find them by these names.
from ._input_layers import (  # noqa: F401
    CategoryEmbedding,
    Members,
    PeriodicEmbedding,
    PiecewiseLinear,
    Scale,
)
from ._losses import Output
from ._protocol import Layer


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


def folded_weights(factors, weights, out=None):
    """``[f_1 W | ... | f_k W]`` (``fan_in x k*units``): the first dense
    layer's weights with member ``j``'s diagonal factors ``f_j`` (a row of
    ``factors``, ``k x fan_in``) folded in, so that one product of the rows
    ``A`` with it gives every member's ``(A * f_j) @ W``."""
    d, u = weights.shape
    out = np.empty((d, factors.shape[0] * u), dtype=weights.dtype) if out is None else out
    np.multiply(factors.T[:, :, None], weights[:, None, :], out=out.reshape(d, -1, u))
    return out


class FoldedDense:
    """The diagonal input layers under the first dense layer (a :class:`Scale`,
    an ensemble's :class:`Members`, or both) and that :class:`Dense` layer,
    run as one step of training. It is not a layer kind: the network keeps
    the layers, and prediction, the drawing and the exports run them as
    they are.

    With ``f_j = s * r_j`` (``s`` the scales, ``r_j`` member ``j``'s factors;
    either is 1 where its layer is absent, and ``k = 1`` without members),
    member ``j``'s rows are::

        out_(i, j) = (A_i * f_j) @ W + b = A_i @ (f_j W) + b

    so one product of the batch's ``n`` rows with the folded weights
    ``[f_1 W | ... | f_k W]`` (``fan_in x k*fan_out``) gives every member's
    rows. That costs a pass over the weights instead of the batch's scaled
    (and, for an ensemble, ``k``-fold) copy, and the backward pass needs
    one product with the batch instead of two::

        G_j = A^T delta_j            dJ/dW = sum_j f_j G_j     dJ/db = 1^T delta
        H_jl = sum_c W_lc (G_j)_lc   dJ/dr_j = s * H_j         dJ/ds = sum_j r_j * H_j
        dJ/dA = [delta_1 | ... | delta_k] [f_1 W | ... | f_k W]^T   (above the data only)

    The values are the layers', up to rounding (on flights, 7% of a
    ``for_tabular()`` fit).
    """

    def __init__(self, scale, members, dense, dtype):
        self.k = 1 if members is None else members.members
        self.first = (scale or members).first
        d, u = dense.fan_in, dense.fan_out
        self.folded = np.empty((d, self.k * u), dtype=dtype)
        self.product = np.empty_like(self.folded)
        self.factors = np.empty((self.k, d), dtype=dtype)
        self.sums = np.empty_like(self.factors)

    def _factors(self, scale_params, member_params):
        """``f``: one row ``s * r_j`` per member."""
        if member_params is None:
            return scale_params[0][None, :]
        if scale_params is None:
            return member_params[0]
        return np.multiply(member_params[0], scale_params[0], out=self.factors)

    def forward(self, A, params, slot):
        *diagonal, (weights, biases) = params
        # (Kept for the backward pass, which comes before any update.)
        self.current = factors = self._factors(*diagonal)
        n = A.shape[0]
        folded_weights(factors, weights, out=self.folded)
        out = slot[-1].out  # (n k, u): C-contiguous rows of the workspace, so
        dot_into(A, self.folded, out.reshape(n, -1))  # this view is (n, k u)
        out += biases if slot[-1].bias is None else slot[-1].bias
        return out

    def backward(self, A, out, delta, params, grads, slot):
        scale_params, member_params, (weights, _) = params
        scale_grads, member_grads, (weight_grads, bias_grads) = grads
        factors = self.current
        n, (d, u) = A.shape[0], weights.shape
        joined = delta.reshape(n, -1)  # [delta_1 | ... | delta_k]
        dot_into(A.T, joined, self.product)  # A may be sparse
        G = self.product.reshape(d, self.k, u)
        if self.k == 1:
            np.multiply(self.product, factors[0][:, None], out=weight_grads)
        else:
            np.einsum("lju,jl->lu", G, factors, out=weight_grads)
        np.einsum("lu,lju->jl", weights, G, out=self.sums)
        np.dot(slot[-1].ones, delta, out=bias_grads)
        if member_params is not None:
            scales = 1 if scale_params is None else scale_params[0]
            np.multiply(self.sums, scales, out=member_grads[0])
        if scale_params is not None and member_params is None:
            scale_grads[0][...] = self.sums[0]
        elif scale_params is not None:
            np.einsum("jl,jl->l", member_params[0], self.sums, out=scale_grads[0])
        if self.first:
            return None
        delta_in = slot[0].delta_in  # the first diagonal layer's: n rows
        _backward_product(joined, self.folded, delta_in)
        return delta_in


def training_steps(entries):
    """Each ``(layer, params, grads, slot)``'s ``(forward, backward, params,
    grads, slot)`` for a training batch, with the diagonal input layers and
    the dense layer they feed fused into one :class:`FoldedDense` step."""
    steps, i = [], 0
    while i < len(entries):
        run = _diagonal_run(entries, i)
        if run:
            found = {entry[0].kind: entry for entry in entries[i : i + run]}
            scale, members, dense = (found.get(kind) for kind in ("scale", "members", "dense"))
            fused = FoldedDense(
                scale and scale[0], members and members[0], dense[0], dense[1][0].dtype
            )
            chosen = (scale, members, dense)
            steps.append(
                (
                    fused.forward,
                    fused.backward,
                    tuple(entry and entry[1] for entry in chosen),
                    tuple(entry and entry[2] for entry in chosen),
                    tuple(entry[3] for entry in entries[i : i + run]),
                )
            )
            i += run
            continue
        layer, params, grads, slot = entries[i]
        steps.append((layer.forward, layer.backward, params, grads, slot))
        i += 1
    return steps


def _diagonal_run(entries, i):
    """How many entries from ``i`` form a fusable run: a :class:`Scale`
    and/or a :class:`Members` layer, in that order, then a :class:`Dense`
    layer; 0 if none starts there."""
    kinds = [type(entry[0]) for entry in entries[i : i + 3]]
    for run in ([Scale, Dense], [Members, Dense], [Scale, Members, Dense]):
        if kinds[: len(run)] == run:
            return len(run)
    return 0


class DroppedUnits:
    """A dropout mask at a low rate as what it is: every unit scaled by
    ``1 / (1 - p)``, and the units at ``(rows, cols)`` set to 0.

    Applying it multiplies by a number and writes a few zeros instead of
    filling a mask and multiplying by it: 15 against 29 us for a forward
    and a backward pass of 1,571 x 64 at flights' rate of 0.004. The
    values are those of the multiply by the mask (``A * (1 / (1 - p))``),
    but for the sign of a dropped zero. ``np.asarray`` of it is the mask.
    """

    __slots__ = ("scale", "rows", "cols", "shape")

    def __init__(self, scale, rows, cols, shape):
        self.scale, self.rows, self.cols, self.shape = scale, rows, cols, shape

    @classmethod
    def at(cls, scale, flat, shape):
        """The mask that drops the units at flat positions ``flat``."""
        rows, cols = np.divmod(flat, shape[1])
        return cls(scale, rows, cols, shape)

    @property
    def dtype(self):
        return self.scale.dtype

    def apply(self, A):
        """``A *= M``, in place."""
        A *= self.scale
        A[self.rows, self.cols] = 0
        return A

    def __getitem__(self, rows):
        """The mask of a slice of rows (``data_term_and_gradient``'s blocks)."""
        start, stop, _ = rows.indices(self.shape[0])
        inside = (self.rows >= start) & (self.rows < stop)
        shape = (stop - start, self.shape[1])
        return DroppedUnits(self.scale, self.rows[inside] - start, self.cols[inside], shape)

    def __array__(self, dtype=None, copy=None):
        mask = np.full(self.shape, self.scale, dtype=self.dtype if dtype is None else dtype)
        mask[self.rows, self.cols] = 0
        return mask


def apply_mask(A, mask):
    """``A *= mask`` for either kind of mask (an array or :class:`DroppedUnits`)."""
    if isinstance(mask, DroppedUnits):
        return mask.apply(A)
    A *= mask
    return A


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
            apply_mask(A, slot.mask)
        return A

    def backward(self, A, out, delta, params, grads, slot):
        # out = f(Z) * M, so dJ/df(Z) = (dJ/d out) * M.
        if slot.mask is not None:
            apply_mask(delta, slot.mask)
        return delta

    def bound(self, value_bound, params, scratch=None):
        return value_bound  # training only: prediction keeps every unit


class Heads(Dense):
    """The output layer of an ensemble: member ``j``'s rows (see
    :class:`Members`) go through its own head, the columns ``j*o .. (j+1)*o``
    of ``W`` (``fan_in x k*o``) and ``b``::

        out_(i, j) = A_(i, j) @ W_j + b_j

    one batched matrix product over the members. Backward, per member::

        dJ/dW_j = A_j^T delta_j     dJ/db_j = 1^T delta_j     dJ/dA_j = delta_j W_j^T

    the first a batched product over the members' strided rows, the last
    one product of each sample's ``k`` deltas with the block-diagonal
    ``diag(W_1^T, ..., W_k^T)``.
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
        return {"out": self.fan_out // self.members, "delta_in": self.fan_in}

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
        np.matmul(A3, W3, out=out3.transpose(1, 0, 2))
        out3 += params[1].reshape(k, -1)
        return out

    def backward(self, A, out, delta, params, grads, slot):
        k, n = self.members, A.shape[0] // self.members
        o = self.fan_out // k
        A3, _ = self._per_member(A, params[0])
        # dJ/dW_j = A_j^T delta_j, batched over the members' strided rows:
        # 3x faster than spreading delta over every head's columns for
        # one product (15 against 45 us on 1,360 x 4 rows of 32, o = 1).
        np.matmul(
            A3.transpose(0, 2, 1),
            delta.reshape(n, k, o).transpose(1, 0, 2),
            out=grads[0].reshape(self.fan_in, k, o).transpose(1, 0, 2),
        )
        # The sums over samples as a product with ones (np.sum over the
        # first axis of an (n, k o) array is 10x slower).
        joined = delta.reshape(n, k * o)  # sample i's row: [delta_i1 | ... | delta_ik]
        np.dot(slot.ones[:n], joined, out=grads[1])
        # dJ/dA_ij = delta_ij W_j^T: each sample's row against diag(W_j^T).
        blocks = np.zeros((k, o, k, self.fan_in), dtype=delta.dtype)
        members = np.arange(k)
        blocks[members, :, members, :] = params[0].reshape(self.fan_in, k, o).transpose(1, 2, 0)
        np.matmul(joined, blocks.reshape(k * o, -1), out=slot.delta_in.reshape(n, -1))
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
        return _member_sum(Z) / k
    if out_activation == "exp":
        return _log_mean_exp(Z)
    if out_activation == "softmax":
        return _log_mean_exp(Z - logsumexp(Z, axis=2, keepdims=True))
    # logistic: log sigmoid(z) = min(z, 0) - log(1 + e^-|z|), and
    # log(1 - sigmoid(z)) = log sigmoid(-z) = min(-z, 0) - log(1 + e^-|z|).
    tail = np.log1p(np.exp(-np.abs(Z)))
    log_p = np.minimum(Z, 0) - tail
    log_q = np.minimum(-Z, 0) - tail
    return _log_mean_exp(log_p) - _log_mean_exp(log_q)


def _log_mean_exp(L):
    """``log mean_j exp(L[:, j])`` over the members' axis of ``(n, k, o)``,
    shifted by the members' maximum so that nothing overflows or vanishes.

    Loops over the ``k`` members' slices: NumPy's reductions over a short
    middle axis are slow (scipy's ``logsumexp`` took 1.9 ms on 15,000 x 4 x
    1, this 0.2).
    """
    k = L.shape[1]
    top = L[:, 0].copy()
    for j in range(1, k):
        np.maximum(top, L[:, j], out=top)
    # Where every member is -inf the shift must not make NaN; the mean is
    # exp(-inf) = 0 there all the same.
    top[~np.isfinite(top)] = 0
    return np.log(_member_sum(np.exp(L - top[:, None])) / k) + top


def _member_sum(Z):
    """The sum over the members' axis of ``(n, k, o)``, member by member (see
    :func:`_log_mean_exp`)."""
    total = Z[:, 0].copy()
    for j in range(1, Z.shape[1]):
        total += Z[:, j]
    return total


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
    activation_kind = ParametricActivation if parametric else HiddenActivation
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
