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


class ParametricActivation:
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

    def __init__(self, name, units):
        self.name, self.units = name, units
        self.function = HIDDEN_ACTIVATIONS[name]

    def parameter_shapes(self):
        return (("activation", (self.units,)),)

    def slot_shapes(self):
        return {"out": self.units, "work": self.units, "kept": self.units}

    def initial_parameters(self, rng, dtype):
        return (np.ones(self.units, dtype=dtype),)

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
        f_bound = value_bound + ACTIVATION_OFFSETS.get(self.name, 0.0)
        f_bound = min(f_bound, BOUNDED_ACTIVATIONS.get(self.name, np.inf))
        rest = float(np.abs(1 - params[0]).max(initial=0.0))
        return rest * value_bound + float(a.max(initial=0.0)) * f_bound


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


class Scale:
    """``out = A * s``: one learned factor per input column, starting at 1.

    RealMLP's scaling layer, a soft feature selection: with its own, larger
    learning rate (``group_learning_rates={"scales": ...}``) a column that
    does not help is turned down faster than the dense weights behind it
    could learn to ignore it. Backward::

        dJ/ds_j = sum_i A_ij delta_ij        dJ/dA = delta * s
    """

    kind = "scale"

    def __init__(self, units, first=True):
        self.units, self.first = units, first

    @property
    def units_out(self):
        return self.units

    def parameter_shapes(self):
        return (("scales", (self.units,)),)

    def slot_shapes(self):
        return {"out": self.units, "delta_in": None if self.first else self.units}

    def initial_parameters(self, rng, dtype):
        return (np.ones(self.units, dtype=dtype),)

    def names_out(self, names):
        """The names of the output columns, given those of the input's."""
        return list(names)

    def forward(self, A, params, slot):
        out = slot.out if slot.out is not None else np.empty_like(A)
        return np.multiply(A, params[0], out=out)

    def backward(self, A, out, delta, params, grads, slot):
        np.einsum("ij,ij->j", A, delta, out=grads[0])
        if self.first:
            return None
        return np.multiply(delta, params[0], out=slot.delta_in)

    def bound(self, value_bound, params, scratch=None):
        return value_bound * float(np.abs(params[0]).max(initial=0.0))


class PeriodicEmbedding:
    """Each chosen input column ``x_j`` becomes ``p`` learned features of
    ``k`` periodic ones, followed by every input column unchanged (RealMLP's
    "PBLD" numerical embedding, Holzmüller et al., 2024)::

        P_jl = 2 pi w_jl x_j + b_jl                  (l = 1..k)
        h_j  = cos(P_j) @ L_j + c_j                  (k -> p, per column)
        out  = [h_1, ..., h_m, A]

    ``w ~ N(0, sigma^2)`` are frequencies, ``b ~ U[-pi, pi]`` phases,
    ``L_j`` and ``c_j`` a small linear map per column. Low frequencies
    (``sigma = 0.1`` on robustly scaled inputs) give smooth features; the
    learned ones can sharpen, which lets the network draw the thresholds
    that trees find easily. Backward, with ``dH`` the part of ``delta`` for
    the ``h``::

        dJ/dL_j = cos(P_j)^T dH_j        dJ/dc_j = 1^T dH_j
        dP      = -sin(P) * (dH_j @ L_j^T)
        dJ/dw_jl = 2 pi sum_i dP_ijl x_ij      dJ/db_jl = sum_i dP_ijl

    It reads the data directly, so it is the first layer, and nothing needs
    the gradient with respect to its input.
    """

    kind = "periodic"

    def __init__(self, units, columns, n_frequencies=16, n_features=3, sigma=0.1):
        self.units, self.columns = units, np.asarray(columns, dtype=np.intp)
        self.k, self.p, self.sigma = n_frequencies, n_features, sigma
        self.m = len(self.columns)
        self.first = True

    @property
    def units_out(self):
        return self.m * self.p + self.units

    def parameter_shapes(self):
        m, k, p = self.m, self.k, self.p
        return (
            ("embedding", (m, k)),  # frequencies w
            ("embedding", (m, k)),  # phases b
            ("embedding", (m, k, p)),  # maps L
            ("embedding", (m, p)),  # offsets c
        )

    def slot_shapes(self):
        # work: cos(P) then sin(P), for the backward pass.
        return {"out": self.units_out, "work": 2 * self.m * self.k}

    def initial_parameters(self, rng, dtype):
        m, k, p = self.m, self.k, self.p
        limit = 1.0 / np.sqrt(k)
        return tuple(
            a.astype(dtype)
            for a in (
                rng.normal(0.0, self.sigma, (m, k)),
                rng.uniform(-np.pi, np.pi, (m, k)),
                rng.uniform(-limit, limit, (m, k, p)),
                rng.uniform(-limit, limit, (m, p)),
            )
        )

    def position_of(self, columns):
        """Where input columns are in the output: after the features."""
        return np.asarray(columns) + self.m * self.p

    def names_out(self, names):
        """Each embedded column's features ``name~1..p``, then every column."""
        embedded = [names[j] for j in self.columns]
        return [f"{n}~{i + 1}" for n in embedded for i in range(self.p)] + list(names)

    def _phases(self, A, params):
        """``P`` laid out column by column, ``(m, n, k)``: every product
        below is then one batched matrix product over the ``m`` columns."""
        frequencies, phases = params[0], params[1]
        x = A[:, self.columns].T[:, :, None]
        return (2 * np.pi) * x * frequencies[:, None, :] + phases[:, None, :]

    def _cos_sin(self, work, n):
        """``cos(P)`` and ``sin(P)``, ``(m, n, k)`` each, in the (contiguous)
        work array of the batch."""
        flat, size = work.reshape(-1), self.m * n * self.k
        return flat[:size].reshape(self.m, n, self.k), flat[size : 2 * size].reshape(
            self.m, n, self.k
        )

    def forward(self, A, params, slot):
        n, m, p = A.shape[0], self.m, self.p
        out = slot.out if slot.out is not None else np.empty((n, self.units_out), A.dtype)
        P = self._phases(A, params)
        if slot.work is not None:
            C, S = self._cos_sin(slot.work, n)
            np.cos(P, out=C)
            np.sin(P, out=S)
        else:
            C = np.cos(P, out=P)
        H = np.matmul(C, params[2])  # (m, n, p)
        H += params[3][:, None, :]
        out[:, : m * p].reshape(n, m, p)[...] = H.transpose(1, 0, 2)
        out[:, m * p :] = A
        return out

    def backward(self, A, out, delta, params, grads, slot):
        n, m, p = A.shape[0], self.m, self.p
        C, S = self._cos_sin(slot.work, n)
        dH = delta[:, : m * p].reshape(n, m, p).transpose(1, 0, 2)  # (m, n, p)
        np.matmul(C.transpose(0, 2, 1), dH, out=grads[2])
        np.sum(dH, axis=1, out=grads[3])
        dP = np.matmul(dH, params[2].transpose(0, 2, 1))  # (m, n, k)
        dP *= S
        dP *= -2 * np.pi  # d cos = -sin; the 2 pi of the phases, for w only below
        x = np.ascontiguousarray(A[:, self.columns].T)[:, None, :]  # (m, 1, n)
        grads[0][...] = np.matmul(x, dP)[:, 0, :]
        phase_grads = np.sum(dP, axis=1, out=grads[1])
        phase_grads /= 2 * np.pi
        return None

    def bound(self, value_bound, params, scratch=None):
        # |h_j| <= sum_l |L_jl| + |c_j| (|cos| <= 1); the raw columns pass.
        maps = np.abs(params[2]).sum(axis=1) + np.abs(params[3])
        return max(value_bound, float(maps.max(initial=0.0)))


class CategoryEmbedding:
    """Each wide one-hot block of the input (a categorical column with many
    categories) becomes ``d`` learned values, its category's row of a
    learned table ``E_j`` (RealMLP's embedding of large categories)::

        out = [A_kept, A_block1 @ E_1, ..., A_blockB @ E_B]

    ``A_kept`` are the other columns, in order. A one-hot row selects one
    row of ``E_j`` (none for an unseen or missing category: zeros). Compared
    with the block going straight into the first dense layer, categories
    share ``d`` directions instead of each having its own weights, which
    lets rare ones borrow from the others. Backward::

        dJ/dE_j = A_blockj^T delta_j      dJ/dA_kept = delta_kept      dJ/dA_blockj = delta_j E_j^T

    It comes after the numerical embeddings, which pass the one-hot columns
    through; the input's gradient is needed only below a learned layer
    (``first=False``).
    """

    kind = "category_embedding"

    def __init__(self, units, blocks, size, first=True):
        self.units, self.size, self.first = units, size, first
        self.blocks = [(int(start), int(stop)) for start, stop in blocks]
        inside = np.zeros(units, bool)
        for start, stop in self.blocks:
            inside[start:stop] = True
        self.kept = np.flatnonzero(~inside)

    @property
    def units_out(self):
        return len(self.kept) + self.size * len(self.blocks)

    def position_of(self, columns):
        """Where input columns (all among the kept ones) are in the output."""
        return np.searchsorted(self.kept, columns)

    def names_out(self, names):
        embedded = [names[start].split("=")[0] for start, _ in self.blocks]
        return [names[j] for j in self.kept] + [
            f"{n}~{i + 1}" for n in embedded for i in range(self.size)
        ]

    def parameter_shapes(self):
        return tuple(("embedding", (stop - start, self.size)) for start, stop in self.blocks)

    def slot_shapes(self):
        return {"out": self.units_out, "delta_in": None if self.first else self.units}

    def initial_parameters(self, rng, dtype):
        return tuple(
            rng.normal(0.0, 1.0, shape).astype(dtype) for _, shape in self.parameter_shapes()
        )

    def forward(self, A, params, slot):
        n, k = A.shape[0], len(self.kept)
        out = slot.out if slot.out is not None else np.empty((n, self.units_out), A.dtype)
        out[:, :k] = A[:, self.kept]
        for j, ((start, stop), table) in enumerate(zip(self.blocks, params)):
            at = k + j * self.size
            out[:, at : at + self.size] = A[:, start:stop] @ table
        return out

    def backward(self, A, out, delta, params, grads, slot):
        k = len(self.kept)
        for j, ((start, stop), grad) in enumerate(zip(self.blocks, grads)):
            at = k + j * self.size
            np.matmul(A[:, start:stop].T, delta[:, at : at + self.size], out=grad)
        if self.first:
            return None
        delta_in = slot.delta_in
        delta_in[:, self.kept] = delta[:, :k]
        for j, ((start, stop), table) in enumerate(zip(self.blocks, params)):
            at = k + j * self.size
            np.matmul(delta[:, at : at + self.size], table.T, out=delta_in[:, start:stop])
        return delta_in

    def bound(self, value_bound, params, scratch=None):
        sums = [float(np.abs(t).sum(axis=0).max(initial=0.0)) for t in params]
        return max([value_bound] + [value_bound * s for s in sums])


class PiecewiseLinear:
    """Each chosen input column ``x_j`` also as its piecewise-linear encoding
    over quantile bins (Gorishniy et al., 2022), after every input column
    unchanged::

        e_jt = clip((x_j - b_j,t-1) / (b_jt - b_j,t-1), 0, 1)      (t = 1..T_j)
        out  = [A, e_1, ..., e_m]

    ``b_j0 < ... < b_jT`` are quantiles of the column on the training rows;
    the first bin is not clipped below nor the last above, so values beyond
    the training range extrapolate linearly. A number becomes "how far past
    each quantile it is": the first dense layer then draws a threshold at
    any quantile with one weight, the shape trees find easily and a plain
    MLP on the raw number does not. It has no parameters (the first dense
    layer is its linear map) and reads the data, so it is the first layer.
    """

    kind = "piecewise_linear"

    def __init__(self, units, columns, edges):
        self.units, self.columns = units, np.asarray(columns, dtype=np.intp)
        self.edges = [np.asarray(e, dtype=np.float64) for e in edges]
        self.first = True
        # Every bin of every column, flattened: its column, lower edge,
        # width and clipping limits.
        # (A column with no bins adds nothing; with none at all, the
        # empty arrays make the layer the identity.)
        bins = [(j, e[:-1], np.diff(e)) for j, e in zip(self.columns, self.edges)]
        bins.append((0, np.empty(0), np.empty(0)))
        self.bin_columns = np.concatenate([np.full(len(w), j) for j, _, w in bins]).astype(np.intp)
        self.lower = np.concatenate([lo for _, lo, _ in bins])
        self.width = np.concatenate([w for _, _, w in bins])
        first = np.concatenate([np.arange(len(w)) == 0 for _, _, w in bins])
        last = np.concatenate([np.arange(len(w)) == len(w) - 1 for _, _, w in bins])
        self.low_limit = np.where(first, -np.inf, 0.0)
        self.high_limit = np.where(last, np.inf, 1.0)

    @classmethod
    def from_data(cls, X, columns, n_bins):
        """Bins at the quantiles of each column of ``X``; a column with fewer
        than two distinct bins (a few values) is left out."""
        kept, edges = [], []
        for j in columns:
            values = X[:, j][~np.isnan(X[:, j])]
            if values.size == 0:
                continue
            e = np.unique(np.quantile(values, np.linspace(0.0, 1.0, n_bins + 1)))
            if len(e) >= 3:
                kept.append(j)
                edges.append(e)
        return cls(X.shape[1], kept, edges)

    @property
    def units_out(self):
        return self.units + len(self.lower)

    def position_of(self, columns):
        """Where input columns are in the output: where they were."""
        return np.asarray(columns)

    def names_out(self, names):
        """Every column, then each bin as ``name>lower edge``."""
        bins = [
            f"{names[j]}>{lower:.3g}" for j, e in zip(self.columns, self.edges) for lower in e[:-1]
        ]
        return list(names) + bins

    def parameter_shapes(self):
        return ()

    def slot_shapes(self):
        return {"out": self.units_out}

    def forward(self, A, params, slot):
        n = A.shape[0]
        out = slot.out if slot.out is not None else np.empty((n, self.units_out), A.dtype)
        out[:, : self.units] = A
        E = out[:, self.units :]
        lower, width = self.lower.astype(A.dtype), self.width.astype(A.dtype)
        np.subtract(A[:, self.bin_columns], lower, out=E)
        E /= width
        np.clip(E, self.low_limit.astype(A.dtype), self.high_limit.astype(A.dtype), out=E)
        return out

    def backward(self, A, out, delta, params, grads, slot):
        return None  # no parameters, and nothing below it

    def bound(self, value_bound, params, scratch=None):
        # The clipped bins stay in [0, 1]; the first and last extrapolate.
        if not len(self.width):
            return value_bound
        reach = (value_bound + np.abs(self.lower)) / self.width
        return max(value_bound, 1.0, float(reach.max()))


class Members:
    """``k`` members of an ensemble in one network: each row ``x`` becomes
    ``k`` rows ``x * r_j``, one per member, that the layers above process
    together (TabM-mini, Gorishniy et al., 2025)::

        out_(i, j) = A_i * r_j        (row i * k + j)

    The members share every hidden weight; each has its own input scaling
    ``r_j`` (random signs at the start, which is what makes them differ)
    and its own output head (:class:`Heads`). One matrix product per layer
    then trains all ``k`` of them: small networks are bound by the cost of
    each call, not of its arithmetic, so ``k`` members cost far less than
    ``k`` fits. Backward::

        dJ/dr_j = sum_i A_i * delta_(i, j)        dJ/dA_i = sum_j delta_(i, j) * r_j

    It is the last input layer, right under the first dense layer.
    """

    kind = "members"

    def __init__(self, units, members, first=True):
        self.units, self.members, self.first = units, members, first

    @property
    def units_out(self):
        return self.units

    def parameter_shapes(self):
        return (("members", (self.members, self.units)),)

    def slot_shapes(self):
        # out has k rows per sample, delta_in one (see Workspace).
        return {"out": self.units, "delta_in": None if self.first else self.units}

    def initial_parameters(self, rng, dtype):
        signs = rng.randint(0, 2, size=(self.members, self.units)) * 2 - 1
        return (signs.astype(dtype),)

    def names_out(self, names):
        return list(names)

    def forward(self, A, params, slot):
        n, (k, d) = A.shape[0], params[0].shape
        out = slot.out if slot.out is not None else np.empty((n * k, d), A.dtype)
        np.multiply(A[:, None, :], params[0][None], out=out.reshape(n, k, d))
        return out

    def backward(self, A, out, delta, params, grads, slot):
        n, (k, d) = A.shape[0], params[0].shape
        D = delta.reshape(n, k, d)
        np.einsum("nd,nkd->kd", A, D, out=grads[0])
        if self.first:
            return None
        return np.einsum("nkd,kd->nd", D, params[0], out=slot.delta_in)

    def bound(self, value_bound, params, scratch=None):
        return value_bound * float(np.abs(params[0]).max(initial=0.0))


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

    def __init__(self, fan_in, fan_out, members, first=False):
        super().__init__(fan_in, fan_out, first)
        self.members = members

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


#: Every layer kind, by name.
LAYER_KINDS = {
    kind.kind: kind
    for kind in (
        Dense,
        Activation,
        ParametricActivation,
        Dropout,
        Output,
        Scale,
        CategoryEmbedding,
        PiecewiseLinear,
        PeriodicEmbedding,
        Members,
        Heads,
    )
}


def multilayer_perceptron(
    layer_units, activations, loss=None, first=True, members=1, parametric=False
):
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
    first : bool, default=True
        Whether the first dense layer reads the data (False behind input
        layers, to which it then passes the gradient of its input).
    members : int, default=1
        The members of an ensemble (see :class:`Members`): with more than
        one, the last dense layer is their :class:`Heads`, and
        ``layer_units[-1]`` counts the outputs of all of them.
    parametric : bool, default=False
        Whether the hidden activations are :class:`ParametricActivation`.
    """
    activation_kind = "parametric" if parametric else "activation"
    layers = []
    pairs = list(zip(layer_units[:-1], layer_units[1:]))
    for i, (fan_in, fan_out) in enumerate(pairs):
        is_first = first and i == 0
        if i == len(pairs) - 1 and members > 1:
            layers.append(LAYER_KINDS["heads"](fan_in, fan_out, members, first=is_first))
        else:
            layers.append(LAYER_KINDS["dense"](fan_in, fan_out, first=is_first))
        if i < len(pairs) - 1:
            layers.append(LAYER_KINDS[activation_kind](activations[i], fan_out))
            layers.append(LAYER_KINDS["dropout"](fan_out))
    layers.append(LAYER_KINDS["output"](loss, members))
    return layers
