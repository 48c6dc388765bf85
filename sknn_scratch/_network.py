"""Forward propagation and backpropagation over flat parameter buffers.

All parameters of a network live in one flat vector, laid out as every
layer's weights (row-major) followed by every layer's biases, as in
scikit-learn's ``_pack``. ``coefs`` and ``intercepts`` are lists of views into
it, and the gradients mirror that layout. An optimizer step is then a few
vector operations on the whole network, L-BFGS sees the vector it needs
without packing, and the L2 penalty, which applies to the weights only, acts
on one contiguous slice.

The objective minimised for a batch ``B`` is

    J = data_scale * sum_{i in B} s_i * loss_i + (penalty / 2) * sum_l ||W_l||^2

where ``loss_i`` comes from :mod:`sknn_scratch._losses`, ``s_i`` are the sample
weights (1 when none are given), and the estimator chooses ``data_scale`` and
``penalty`` (see ``BaseMLP``) so that every solver minimises the same function.
"""

import numpy as np
import scipy.sparse as sp

from ._activations import (
    ACTIVATION_OFFSETS,
    BOUNDED_ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    per_layer,
)
from ._losses import LOSSES, Loss, weighted_loss_and_deltas


def layer_units_of(coefs):
    """Units per layer, inputs first, read off the weight shapes."""
    return [coefs[0].shape[0]] + [coef.shape[1] for coef in coefs]


def unflatten(flat, layer_units):
    """Split a flat buffer into per-layer weight and bias views.

    Parameters
    ----------
    flat : ndarray of shape (n_params,)
        The flat buffer.
    layer_units : list of int
        Units per layer, inputs first and outputs last.

    Returns
    -------
    coefs : list of ndarray
        ``coefs[i]`` is a view of shape ``(layer_units[i], layer_units[i + 1])``.
    intercepts : list of ndarray
        ``intercepts[i]`` is a view of shape ``(layer_units[i + 1],)``.
    """
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        coefs.append(flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in layer_units[1:]:
        intercepts.append(flat[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def n_params_of(layer_units):
    """Number of weights and biases of a network with these layer units."""
    pairs = zip(layer_units[:-1], layer_units[1:])
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in pairs)


def _dot_into(A, B, out):
    """``out[...] = A @ B``, without a temporary when ``A`` is dense."""
    if sp.issparse(A):
        out[...] = A @ B
    else:
        np.matmul(A, B, out=out)


def forward(X, coefs, intercepts, activation):
    """Forward propagation, keeping every layer's values.

    Each layer computes ``Z = A @ W + b``; hidden layers then apply the
    activation in place. The output layer's activation is *not* applied: the
    last element is the raw output (the logits), from which the losses are
    computed stably.

    Returns
    -------
    activations : list of array
        ``[X, A_1, ..., A_{L-1}, raw_output]``.
    """
    dtype = np.result_type(X.dtype, *coefs)
    buffers = [np.empty((X.shape[0], coef.shape[1]), dtype=dtype) for coef in coefs]
    return [X] + forward_into(X, coefs, intercepts, activation, buffers)


def forward_into(X, coefs, intercepts, activation, buffers, works=None, masks=None):
    """:func:`forward` writing each layer into a preallocated buffer.

    ``buffers[i]`` has shape (n_samples, units of layer i + 1); returns them.
    ``works`` (training only) are the hidden layers' activation work arrays
    (see :mod:`sknn_scratch._activations`). ``masks`` (training with
    dropout only) multiply each hidden layer's values after the activation;
    None, or a None entry, means no dropout there.
    """
    names = per_layer(activation, len(coefs) - 1)
    _dot_into(X, coefs[0], buffers[0])  # only the input can be sparse
    for i, (intercept, out) in enumerate(zip(intercepts, buffers)):
        if i:
            np.matmul(buffers[i - 1], coefs[i], out=out)
        out += intercept
        if i != len(coefs) - 1:
            HIDDEN_ACTIVATIONS[names[i]].forward(out, None if works is None else works[i])
            if masks is not None and masks[i] is not None:
                out *= masks[i]
    return buffers


def predict_raw(X, coefs, intercepts, activation, block_bytes=2**20):
    """The raw output ``forward(...)[-1]``, keeping no intermediate layer.

    Rows go through the network in blocks sized so that one layer's values
    take about ``block_bytes`` (1 MiB): the work stays in the CPU cache and
    two buffers serve every block, which makes this about 1.5x faster than
    pushing all rows through each layer in turn.
    """
    dtype = np.result_type(X.dtype, *coefs)
    rows = block_rows(layer_units_of(coefs), dtype, block_bytes)
    n_samples = X.shape[0]
    out = np.empty((n_samples, coefs[-1].shape[1]), dtype=dtype)
    hidden = [np.empty((min(rows, n_samples), coef.shape[1]), dtype=dtype) for coef in coefs[:-1]]
    # Each bias repeated over a block's rows, once per call: adding arrays of
    # the same shape is about twice as fast as broadcasting a row over them
    # (50 against 25 us on 4,096 x 64 float32).
    tiles = [np.tile(b.astype(dtype, copy=False), (min(rows, n_samples), 1)) for b in intercepts]
    for start in range(0, n_samples, rows):
        stop = min(start + rows, n_samples)
        buffers = [h[: stop - start] for h in hidden] + [out[start:stop]]
        biases = [tile[: stop - start] for tile in tiles]
        forward_into(X[start:stop], coefs, biases, activation, buffers)
    return out


def abs_max(X):
    """``max |x|`` over the entries of a dense or sparse X, as a float64."""
    values = X.data if sp.issparse(X) else X
    if values.size == 0:
        return 0.0
    # max and min instead of abs(values).max(): no copy of the data.
    return float(max(values.max(), -values.min()))


def output_bound(x_bound, coefs, intercepts, activation, work=None):
    """An upper bound on every ``|value|`` the forward pass computes.

    With inputs bounded by ``x_bound``, a layer's pre-activations obey
    ``|z_j| <= bound * sum_i |W_ij| + |b_j|``, and so do the partial sums of
    the matrix product. Hidden activations keep ``|f(z)| <= |z|``, or are
    bounded outright (logistic, tanh). A bound below the dtype's largest
    value therefore proves that no row of any data within ``x_bound`` can
    overflow, at the cost of one pass over the weights instead of a forward
    pass over all rows.

    ``work``, a flat buffer of at least the largest layer's size, takes the
    absolute weights. Training checks the bound every epoch, and on wide
    layers a new temporary costs more in fresh memory pages than the pass.
    """
    bound = x_bound
    names = per_layer(activation, len(coefs) - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
            out = None if work is None else work[: coef.size].reshape(coef.shape)
            column_sums = np.abs(coef, out=out).sum(axis=0, dtype=np.float64)
            bound = bound * column_sums.max(initial=0.0) + float(np.abs(intercept).max(initial=0.0))
            if i < len(coefs) - 1:
                offset = ACTIVATION_OFFSETS.get(names[i], 0.0)
                bound = min(bound + offset, BOUNDED_ACTIVATIONS.get(names[i], np.inf))
    return bound


def all_finite(values):
    """Whether every entry of a dense array is finite, with no temporary.

    A sum of squares is finite exactly when no entry is NaN or infinite and
    the sum does not overflow; BLAS computes it in one pass. Only when it is
    not finite does the exact check (which allocates a mask) decide.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.vdot(values, values)):
            return True
    return bool(np.isfinite(values).all())


def hidden_values(X, coefs, intercepts, activation):
    """The values of every hidden layer after its activation."""
    return forward(X, coefs, intercepts, activation)[1:-1]


def hidden_sums_and_values(X, coefs, intercepts, activation):
    """Every hidden layer's weighted sums ``Z = A W + b`` and its values
    ``f(Z)``: two lists, one array per hidden layer each."""
    names = per_layer(activation, len(coefs) - 1)
    sums, values, A = [], [], X
    for coef, intercept, name in zip(coefs[:-1], intercepts[:-1], names):
        Z = np.asarray(A @ coef) + intercept  # (a sparse X times W is dense)
        sums.append(Z)
        A = HIDDEN_ACTIVATIONS[name].forward(Z.copy())
        values.append(A)
    return sums, values


def backprop(activations, Y, sample_weight, coefs, loss, activation, grads, work, masks=None):
    """Backpropagate the gradient of ``data_scale * sum_i s_i loss_i``.

    Parameters
    ----------
    activations : list of array
        ``[X, A_1, ..., raw_output]`` from :func:`forward`; the raw output is
        overwritten with the output deltas.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets (for classifiers, the binarised labels).
    sample_weight : ndarray of shape (n_samples,) or None
        Weight ``s_i`` of each sample's loss.
    coefs : list of ndarray
        The weights, one matrix per layer.
    loss : str or Loss
        Key of :data:`sknn_scratch._losses.LOSSES`, or a Loss (one with a
        parameter, such as the Huber threshold).
    activation : str or list of str
        Key of :data:`sknn_scratch._activations.HIDDEN_ACTIVATIONS`, or one
        per hidden layer.
    grads : tuple of (list, list, float)
        ``(coef_grads, intercept_grads, data_scale)``; the lists are written
        in place with the gradient of the data term (no penalty).
    work : tuple of (list of array, list of array, ndarray)
        Buffers shaped like ``activations[1:-1]`` for the hidden layers'
        deltas, the hidden layers' activation work arrays as the forward
        pass left them, and a vector of ``n_samples`` ones.
    masks : list of (array or None) or None
        The dropout masks the forward pass applied, one per hidden layer.

    Returns
    -------
    data_term : float
        ``sum_i s_i loss_i`` (not scaled).
    """
    coef_grads, intercept_grads, data_scale = grads
    deltas, works, ones = work
    spec = loss if isinstance(loss, Loss) else LOSSES[loss]
    delta = activations[-1]
    # For every canonical loss/link pair, d loss_i / d z = y_pred - y
    # (see _losses), so the output delta needs no derivative of its own.
    data_term = weighted_loss_and_deltas(
        spec, delta, Y, sample_weight, OUTPUT_ACTIVATIONS[spec.out_activation]
    )
    # Scaling the output delta scales every gradient below it: one small op.
    delta *= data_scale
    names = per_layer(activation, len(coefs) - 1)
    for i in range(len(coefs) - 1, -1, -1):
        # d J / d W_i = A_i^T deltas_i (times data_scale, already in delta)
        if i:
            np.matmul(activations[i].T, delta, out=coef_grads[i])
        else:
            _dot_into(activations[0].T, delta, coef_grads[0])  # X may be sparse
        # d J / d b_i = sum over samples of deltas_i, as a BLAS product with
        # a vector of ones: 3x faster than np.sum(axis=0) on 200 x 64.
        np.dot(ones, delta, out=intercept_grads[i])
        if i > 0:
            # Chain rule through the layer: d J / d A_i = deltas_i W_i^T,
            # then times f'(Z_i) to get the deltas of the layer below.
            _backward_product(delta, coefs[i], deltas[i - 1])
            if masks is not None and masks[i - 1] is not None:
                # A_i = f(Z_i) * M_i, so d J / d f(Z_i) = (d J / d A_i) * M_i.
                deltas[i - 1] *= masks[i - 1]
            HIDDEN_ACTIVATIONS[names[i - 1]].derivative(activations[i], deltas[i - 1], works[i - 1])
            delta = deltas[i - 1]
    return data_term


def _backward_product(delta, coef, out):
    """``out = delta @ coef.T``.

    With one output unit this is an outer product, which BLAS's matrix
    product handles slowly (15 us against 2 us for 200 x 64); broadcasting
    does it directly.
    """
    if coef.shape[1] == 1:
        np.multiply(delta, coef.T, out=out)
    else:
        np.matmul(delta, coef.T, out=out)


class Network:
    """Flat parameter and gradient buffers of one network, with layer views.

    The estimator builds one at the start of each call that trains, copying
    its ``coefs_`` and ``intercepts_`` in, then publishes ``coefs`` and
    ``intercepts`` (views of ``params``) as its fitted attributes. The
    per-layer work arrays of the forward and backward passes are allocated
    once, for the largest batch seen, and reused (as row slices) by every
    batch, so a training step allocates almost nothing.

    Parameters
    ----------
    coefs, intercepts : list of array-like
        Initial weights and biases.
    activation : str or list of str
        Hidden activation, or one per hidden layer.
    loss : str or Loss
        Loss name, or a Loss.
    dtype : numpy dtype
        Dtype of every buffer.
    l1_ratio : float, default=0.0
        Share of the penalty that is L1 (elastic net; see ``penalty_value``).
    """

    def __init__(self, coefs, intercepts, activation, loss, dtype, l1_ratio=0.0):
        self.activation = activation
        self.loss = loss
        self.l1_ratio = l1_ratio
        self.units = layer_units_of(coefs)
        self.params = np.empty(n_params_of(self.units), dtype=dtype)
        self.grads = np.empty_like(self.params)
        self.coefs, self.intercepts = unflatten(self.params, self.units)
        self.coef_grads, self.intercept_grads = unflatten(self.grads, self.units)
        for view, value in zip(self.coefs + self.intercepts, coefs + intercepts):
            view[...] = value
        # Weights come first in the layout, so they are a prefix of params.
        n_coef = sum(coef.size for coef in coefs)
        self.weights, self.weight_grads = self.params[:n_coef], self.grads[:n_coef]
        # Scratch the size of the parameters, for the optimizer's step (see
        # Optimizer.use_scratch); its weights part serves the penalty and the
        # output bound.
        self.scratch = np.empty_like(self.params)
        self.weight_work = self.scratch[:n_coef]
        self._rows = 0
        # Gradients of larger batches are summed over blocks of rows. Each
        # block adds its gradient to the sum, one pass over all parameters
        # (about widest ** 2 per layer) against its rows * widest layer
        # values: for wide layers, blocks of fewer than 2 * widest rows cost
        # more in those passes than the cache saves. Measured on 10,000 rows
        # with lbfgs at (1024, 1024) float32: 2.87 s in blocks of 256 rows,
        # 2.63 s in blocks of 2,048, 2.93 s unblocked; and adam minibatches
        # of 2,000 rows, which blocks of 256 slowed by 6-10%, stay whole.
        self._block = max(block_rows(self.units, dtype), 2 * max(self.units[1:]))

    def _work_arrays(self, n_rows):
        """Layer buffers of n_rows rows: views of arrays kept across batches."""
        if n_rows > self._rows:
            dtype = self.params.dtype
            self._layers = [np.empty((n_rows, u), dtype=dtype) for u in self.units[1:]]
            self._deltas = [np.empty((n_rows, u), dtype=dtype) for u in self.units[1:-1]]
            self._works = [np.empty((n_rows, u), dtype=dtype) for u in self.units[1:-1]]
            self._ones = np.ones(n_rows, dtype=dtype)
            self._rows = n_rows
            self._views = {}
        if n_rows not in self._views:  # an epoch has at most two batch sizes
            self._views[n_rows] = (
                [a[:n_rows] for a in self._layers],
                (
                    [d[:n_rows] for d in self._deltas],
                    [w[:n_rows] for w in self._works],
                    self._ones[:n_rows],
                ),
            )
        return self._views[n_rows]

    def objective_and_gradient(self, X, Y, sample_weight, data_scale, penalty, masks=None):
        """Return the objective on a batch and leave its gradient in ``grads``.

        ``J = data_scale * sum_i s_i loss_i + (penalty / 2) * sum_l ||W_l||^2``,
        of the network thinned by the dropout ``masks`` if given (one array
        of the batch's rows per hidden layer, or None).

        A batch larger than ``block_rows(...)`` (L-BFGS and gd see the whole
        training set) is processed in blocks whose gradients are summed: the
        blocks' layer values stay in the CPU cache, which is faster than
        streaming every layer of the whole set through memory.
        """
        n_rows, block = X.shape[0], self._block
        own_grads = (self.coef_grads, self.intercept_grads)
        if n_rows <= block:
            data_term = self._data_gradient(X, Y, sample_weight, data_scale, own_grads, masks)
        else:
            if not hasattr(self, "_block_grads"):
                self._block_grads = np.empty_like(self.grads)
                self._block_grad_views = unflatten(self._block_grads, self.units)
            self.grads[...] = 0
            data_term = 0.0
            for start in range(0, n_rows, block):
                rows = slice(start, start + block)
                weights = None if sample_weight is None else sample_weight[rows]
                block_masks = (
                    None
                    if masks is None
                    else [None if mask is None else mask[rows] for mask in masks]
                )
                data_term += self._data_gradient(
                    X[rows], Y[rows], weights, data_scale, self._block_grad_views, block_masks
                )
                self.grads += self._block_grads
        # The penalty acts on the weights only: one contiguous slice.
        # Python floats: a NumPy scalar would run float32 weights through
        # float64 loops (NEP 50).
        l2, l1 = float(penalty * (1 - self.l1_ratio)), float(penalty * self.l1_ratio)
        np.multiply(self.weights, l2, out=self.weight_work)
        self.weight_grads += self.weight_work
        if l1:
            # The L1 term's sub-gradient: sign(w) (0 at w = 0).
            np.sign(self.weights, out=self.weight_work)
            self.weight_work *= l1
            self.weight_grads += self.weight_work
        return float(data_scale * data_term + penalty_value(self.weights, penalty, self.l1_ratio))

    def _data_gradient(self, X, Y, sample_weight, data_scale, grads, masks=None):
        """Forward and backward pass; the data term's gradient goes to the
        ``(coef_grads, intercept_grads)`` views ``grads``."""
        layers, work = self._work_arrays(X.shape[0])
        forward_into(X, self.coefs, self.intercepts, self.activation, layers, work[1], masks)
        coef_grads, intercept_grads = grads
        return backprop(
            [X] + layers,
            Y,
            sample_weight,
            self.coefs,
            self.loss,
            self.activation,
            (coef_grads, intercept_grads, data_scale),
            work,
            masks,
        )


def penalty_value(weights, penalty, l1_ratio=0.0):
    """The penalty term of J: ``penalty * (l1_ratio ||w||_1 + (1 - l1_ratio) ||w||^2 / 2)``.

    ``penalty`` is ``alpha / S`` (see ``_training``). Sums are taken in
    float64: a float32 norm would pull J into float32 (NEP 50), where a data
    term that float64 holds can overflow.
    """
    value = 0.5 * (1 - l1_ratio) * float(np.vdot(weights, weights))
    if l1_ratio:
        value += l1_ratio * float(np.abs(weights).sum(dtype=np.float64))
    return penalty * value


def block_rows(layer_units, dtype, block_bytes=2**20):
    """Rows per block so that the widest layer's values take ~block_bytes.

    About 1 MiB keeps a block's work arrays in the CPU's cache.
    """
    widest = max(layer_units[1:])
    return max(256, block_bytes // (widest * np.dtype(dtype).itemsize))


def checked_weights(coefs, intercepts=None):
    """Turn user-given weights into float arrays, checking that layers chain.

    Parameters
    ----------
    coefs : list of array-like
        ``coefs[i]`` of shape (units in, units out); lists of lists work.
    intercepts : list of array-like or None
        ``intercepts[i]`` of shape (units out of layer i,); None means zeros.

    Returns
    -------
    coefs, intercepts : list of ndarray
        float64 arrays (float32 if every given array is float32).
    """
    if isinstance(coefs, np.ndarray) or not hasattr(coefs, "__len__") or not len(coefs):
        raise ValueError("coefs must be a non-empty list with one 2-D array per layer.")
    if intercepts is not None:
        if (
            isinstance(intercepts, (str, bytes))
            or not hasattr(intercepts, "__len__")
            or (isinstance(intercepts, np.ndarray) and intercepts.ndim == 0)
        ):
            raise ValueError(
                "intercepts must be a list with one 1-D array per layer; got "
                f"{type(intercepts).__name__}."
            )
        intercepts = list(intercepts)
    given = list(coefs) + list(intercepts or [])
    all32 = all(getattr(a, "dtype", None) == np.float32 for a in given)
    dtype = np.float32 if all32 else np.float64
    coefs = [_as_float_array(c, dtype, f"coefs[{i}]") for i, c in enumerate(coefs)]
    for i, coef in enumerate(coefs):
        if coef.ndim != 2:
            raise ValueError(
                f"coefs[{i}] must be 2-D (units in, units out); got shape {coef.shape}."
            )
        if 0 in coef.shape:
            raise ValueError(
                f"coefs[{i}] has shape {coef.shape}: every layer needs at least one "
                "unit, and the first at least one input."
            )
        if i and coef.shape[0] != coefs[i - 1].shape[1]:
            raise ValueError(
                f"Layer {i}: coefs[{i}] has {coef.shape[0]} rows (inputs), but "
                f"coefs[{i - 1}] has {coefs[i - 1].shape[1]} columns (units); "
                "they must be equal."
            )
    if intercepts is None:
        return coefs, [np.zeros(coef.shape[1], dtype=dtype) for coef in coefs]
    if len(intercepts) != len(coefs):
        raise ValueError(f"intercepts has {len(intercepts)} layers but coefs has {len(coefs)}.")
    intercepts = [_as_float_array(b, dtype, f"intercepts[{i}]") for i, b in enumerate(intercepts)]
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        if intercept.shape != (coef.shape[1],):
            raise ValueError(
                f"Layer {i}: intercepts[{i}] has shape {intercept.shape}, but "
                f"coefs[{i}] has {coef.shape[1]} units; expected ({coef.shape[1]},)."
            )
    return coefs, intercepts


def _as_float_array(value, dtype, name):
    try:
        array = np.array(value)  # as given first: a cast would drop imaginary parts
        if np.iscomplexobj(array):
            raise ValueError("complex values are not weights")
        array = array.astype(dtype)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must hold real numbers: {error}") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    return array
