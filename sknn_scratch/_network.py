"""The network: a sequence of layers over one flat parameter vector.

All parameters of a network live in one flat vector, laid out as every
layer's weights (row-major) followed by every layer's biases, as in
scikit-learn's ``_pack``, then the other layers' parameters. ``coefs`` and
``intercepts`` are lists of views into it, and the gradients mirror that
layout. An optimizer step is then a few vector operations on the whole
network, L-BFGS sees the vector it needs without packing, and the penalty,
which applies to the weights only, acts on one contiguous slice.

The layers (:mod:`sknn_scratch._layers`, :mod:`sknn_scratch._input_layers`)
hold the maths of the forward and backward passes and draw their own first
parameters; this module runs them: :class:`Network`, the fitted network
the estimators keep (prediction, hidden values, bounds), and
:class:`TrainingNetwork`, a copy that trains (the loss, the gradient and
the one :class:`Workspace` of work arrays).
The objective that training minimises is in :mod:`sknn_scratch._objective`.
"""

import math
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp

from ._input_layers import learned
from ._layers import folded_weights, mean_response_raw, multilayer_perceptron, training_steps
from ._losses import Output
from ._protocol import Slot
from ._threads import Threads, largest_product


def layer_units_of(coefs):
    """Units per layer, inputs first, read off the weight shapes."""
    return [coefs[0].shape[0]] + [coef.shape[1] for coef in coefs]


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


class Workspace:
    """The work arrays of training: their one owner.

    Each layer's :class:`~sknn_scratch._layers.Slot` is allocated once, for
    the largest batch seen, and each batch gets views of its first rows, so
    a training step allocates almost nothing.

    ``scratch``, a vector the size of the parameters, holds nothing between
    calls. It is lent to one call at a time by being passed to it: the
    penalty's gradient (``Objective``), the optimizer's step and the
    divergence guard's bound use it in turn, and none keeps it. One such
    vector for all of them: on wide networks fresh memory costs more than
    the passes over it (OPTIMISATIONS.md).
    """

    def __init__(self, layers, dtype, n_params, members=1):
        self.layers, self.dtype, self.rows = layers, dtype, 0
        self.views = {}
        self.scratch = np.empty(n_params, dtype=dtype)
        # Rows per sample of each layer's arrays: an ensemble's members layer
        # gives k rows per sample (its delta_in has one).
        split = next((i for i, layer in enumerate(layers) if layer.row_factor > 1), len(layers))
        self.factors = [
            {"out": members if i >= split else 1, "in": members if i > split else 1}
            for i in range(len(layers))
        ]

    def slots(self, n_rows):
        """One slot per layer for a batch of ``n_rows`` samples."""
        if n_rows > self.rows:
            ones = np.ones(n_rows * self.factors[-1]["in"], dtype=self.dtype)
            self.full = [
                self._allocate(layer, n_rows, ones, factors)
                for layer, factors in zip(self.layers, self.factors)
            ]
            self.rows, self.views = n_rows, {}
        if n_rows not in self.views:  # an epoch has at most two batch sizes
            self.views[n_rows] = [
                Slot(**{name: array[: n_rows * rows] for name, (array, rows) in arrays.items()})
                for arrays in self.full
            ]
        return self.views[n_rows]

    def _allocate(self, layer, n_rows, ones, factors):
        """Each work array with its rows per sample."""
        arrays = {
            name: (
                np.empty((n_rows * factors[_SIDE[name]], units), dtype=self.dtype),
                factors[_SIDE[name]],
            )
            for name, units in layer.slot_shapes().items()
            if units is not None
        }
        if layer.parameter_shapes():
            arrays["ones"] = (ones, factors["in"])
        return arrays


#: The most memory ``TrainingNetwork.through_fixed`` takes for the fixed
#: layers' output on all training rows.
FIXED_BYTES = 2**29


#: Which side of a layer each work array is on: its input or its output.
_SIDE = {"out": "out", "work": "out", "kept": "out", "delta_in": "in"}


def n_parameters(layers):
    """How many parameters these layers take, all together."""
    return sum(math.prod(shape) for layer in layers for _, shape in layer.parameter_shapes())


def layout(layers, flat):
    """Each layer's parameters as views of ``flat``: every ``"weights"``
    parameter in layer order, then every ``"biases"`` one (scikit-learn's
    ``_pack`` order), so that the penalised weights form one prefix; then
    the input layers' groups (``"embedding"``, ``"scales"``).

    Returns the views (a tuple per layer) and each parameter's ``(layer
    index, group, slice of flat)``.
    """
    views, slices, start = [[] for _ in layers], [], 0
    others = [g for layer in layers for g, _ in layer.parameter_shapes()]
    groups = dict.fromkeys(["weights", "biases", *others])  # in order, once each
    for group in groups:
        for i, layer in enumerate(layers):
            for name, shape in layer.parameter_shapes():
                if name == group:
                    size = math.prod(shape)
                    views[i].append(flat[start : start + size].reshape(shape))
                    slices.append((i, group, slice(start, start + size)))
                    start += size
    return [tuple(v) for v in views], slices


class Network:
    """The fitted network: its layers and the one flat vector of their parameters.

    Each layer says which parameters it has and draws their first values
    (:meth:`initialized`); the network lays them out in ``params`` (see
    :func:`layout`) and hands each layer views of its own. ``coefs``,
    ``intercepts``, ``input_params`` and ``activation_params`` are the same
    views grouped as the estimators publish them, so that the estimators'
    ``coefs_`` and the others are views of ``params`` too.

    Prediction (:meth:`predict_raw`), the hidden values
    (:meth:`hidden_sums_and_values`) and the divergence guard's bound
    (:meth:`output_bound`) run the layers; training runs them through a
    copy made by :meth:`for_training`, which adds the loss, the gradient
    and the :class:`Workspace` of work arrays. A pickle holds the layers and
    ``params`` only: the views are laid out again on loading.

    Parameters
    ----------
    layers : list
        The input layers (``_input_layers``), then the dense stack
        (``_layers.multilayer_perceptron``).
    params : ndarray of shape (n_params,)
        The parameters, laid out as :func:`layout` says.
    """

    def __init__(self, layers, params):
        self.layers, self.params = list(layers), params
        self._lay_out()

    def _lay_out(self):
        self.param_views, self.parameter_slices = layout(self.layers, self.params)
        n_inputs = next(i for i, layer in enumerate(self.layers) if "weights" in _groups(layer))
        self.input_layers = self.layers[:n_inputs]
        self.input_params = self.param_views[:n_inputs]
        self.coefs, self.intercepts, self.activation_params = _dense_views(
            self.layers[n_inputs:], self.param_views[n_inputs:]
        )
        self.units = layer_units_of(self.coefs)
        # An ensemble's members layer gives k rows per sample.
        self.members = math.prod(layer.row_factor for layer in self.layers)
        # Weights come first in the layout, so they are a prefix of params.
        self.weights = self.params[: sum(coef.size for coef in self.coefs)]

    @classmethod
    def initialized(cls, layers, rng, dtype):
        """A network whose layers drew their first parameters from ``rng``,
        in layer order."""
        return cls.of_parameters(
            layers,
            [
                layer.initial_parameters(rng, dtype) if layer.parameter_shapes() else ()
                for layer in layers
            ],
            dtype,
        )

    @classmethod
    def of_parameters(cls, layers, parameters, dtype):
        """A network with these parameters (a tuple per layer) copied in."""
        net = cls(layers, np.empty(n_parameters(layers), dtype=dtype))
        for views, values in zip(net.param_views, parameters):
            for view, value in zip(views, values):
                view[...] = value
        return net

    @classmethod
    def of_lists(cls, coefs, intercepts, activation, inputs=(), activation_params=()):
        """The network with these weights, as the estimators publish them:
        ``inputs`` the input layers with their parameters, as
        ``(layer, params)`` pairs, and ``activation_params`` the parametric
        activations' ``a`` (none: plain activations)."""
        input_layers = [layer for layer, _ in inputs]
        dense = multilayer_perceptron(
            layer_units_of(coefs),
            activation,
            first=not learned(input_layers),
            members=math.prod(layer.row_factor for layer in input_layers),
            parametric=bool(len(activation_params)),
        )
        pairs, activations = iter(zip(coefs, intercepts)), iter(activation_params)
        parameters = [params for _, params in inputs] + [
            next(pairs)
            if "weights" in _groups(layer)
            else (next(activations),)
            if "activation" in _groups(layer)
            else ()
            for layer in dense
        ]
        dtype = np.result_type(*coefs)
        return cls.of_parameters(input_layers + dense, parameters, dtype)

    def copy(self, dtype=None):
        """The same layers over a copy of ``params`` (in ``dtype``)."""
        return Network(self.layers, self.params.astype(dtype or self.params.dtype, copy=True))

    def over(self, flat):
        """The same layers over another flat vector laid out as ``params``
        (a snapshot, L-BFGS's iterate): views of it, no copy."""
        return Network(self.layers, flat)

    def for_training(self, loss, dtype):
        """A copy in ``dtype`` that trains with ``loss`` (a name or a Loss):
        its gradient ``grads`` (laid out as ``params``) and work arrays."""
        return TrainingNetwork(self._with_loss(loss), self.params.astype(dtype))

    def fitted(self):
        """This network with no loss and no work arrays, over the same
        ``params``: what the estimator keeps."""
        return Network(self._with_loss(None), self.params)

    def _with_loss(self, loss):
        """The layers, the output layer's loss replaced by ``loss``."""
        return self.layers[:-1] + [Output(loss, self.members)]

    def __getstate__(self):
        return {"layers": self.layers, "params": self.params}

    def __setstate__(self, state):
        self.layers, self.params = state["layers"], state["params"]
        try:
            self._lay_out()
        except (AttributeError, IndexError, StopIteration, TypeError, ValueError) as error:
            # A damaged file: what is wrong is said by the state checks
            # (``_state.state_problems``) that loading runs.
            self.layout_error = repr(error)

    # ----------------------------------------------------------- prediction

    def _dense_stack(self):
        """The layers after the input layers, with their parameters."""
        n = len(self.input_layers)
        return self.layers[n:], self.param_views[n:]

    def through_inputs(self, X, start=0, stop=None):
        """X after the input layers, ready for the first dense layer;
        ``start``: X is the output of the first ``start`` of them already;
        ``stop``: only up to that one (all by default)."""
        for layer, params in zip(self.input_layers[start:stop], self.input_params[start:stop]):
            X = layer.forward(X, params, Slot())
        return X

    def predict_raw(self, X, out_activation=None, n_threads=None, block_bytes=2**20, start=0):
        """The raw output of the forward pass (the logits), keeping no
        intermediate layer.

        An ensemble's members' raw outputs are combined into the one whose
        response is their mean response (``_layers.mean_response_raw``), for
        which ``out_activation`` is needed.

        Rows go through the network in blocks sized so that one layer's values
        take about ``block_bytes`` (1 MiB): the work stays in the CPU cache and
        two buffers serve every block, which makes this about 1.5x faster than
        pushing all rows through each layer in turn. ``n_threads``: the
        estimator's setting (``_threads.Threads``; the blocks are its steps),
        or None to leave the BLAS threads as they are. ``start``: X is the
        output of the first ``start`` input layers already (fixed ones, see
        ``TrainingNetwork.through_fixed``).
        """
        members = self.members
        dtype = np.result_type(X.dtype, self.params)
        rows = max(1, block_rows(self.units, dtype, block_bytes) // members)
        work = largest_product(min(rows, X.shape[0]) * members, self.units)
        steps = -(-X.shape[0] // rows)
        threads = Threads(n_threads, work, steps=steps) if n_threads is not None else None
        with threads or nullcontext():
            if members > 1:
                return self._predict_members(X, out_activation, rows, threads, start)
            return self._predict_blocks(X, rows, threads, start)

    def _predict_blocks(self, X, rows, threads, start=0):
        """``predict_raw`` of one network in blocks of ``rows`` rows."""
        X = self.through_inputs(X, start)
        layers, params = self._dense_stack()
        dtype = np.result_type(X.dtype, self.params)
        n_samples = X.shape[0]
        out = np.empty((n_samples, self.units[-1]), dtype=dtype)
        first_rows = min(rows, n_samples)
        hidden = [_prediction_slot(layer, first_rows, dtype).out for layer in layers]
        # Each bias repeated over a block's rows, once per call: adding arrays of
        # the same shape is about twice as fast as broadcasting a row over them
        # (50 against 25 us on 4,096 x 64 float32).
        tiles = [
            np.tile(p[1].astype(dtype, copy=False), (first_rows, 1))
            if "biases" in _groups(layer)
            else None
            for layer, p in zip(layers, params)
        ]
        last_dense = len(layers) - 2  # under the output layer: its output is the raw one
        for start in _block_starts(n_samples, rows, threads):
            stop = min(start + rows, n_samples)
            outs = [None if h is None else h[: stop - start] for h in hidden]
            outs[last_dense] = out[start:stop]  # the raw output goes straight to its rows
            slots = [
                Slot(out=block_out, bias=None if tile is None else tile[: stop - start])
                for block_out, tile in zip(outs, tiles)
            ]
            _run(layers, params, slots, X[start:stop])
        return out

    def _predict_members(self, X, out_activation, rows, threads, start=0):
        """``predict_raw`` of an ensemble: blocks of samples go through the input
        layers, the network (``k`` rows per sample) and the mean.

        The diagonal layers at the top of the input layers (the scale and the
        members) are folded into the first dense layer, as in training
        (``_layers.FoldedDense``): each block's ``n`` rows times
        ``[f_1 W | ... | f_k W]`` give its ``n k`` member rows, without the
        ``k``-fold copy of the block. The values are the layers', up to
        rounding."""
        if out_activation is None:
            raise ValueError("An ensemble's raw output needs the output activation.")
        layers, params = self._dense_stack()
        dtype = np.result_type(X.dtype, self.params)
        n_diagonal, folded, bias = self._folded_members(dtype)
        upto = len(self.input_layers) - n_diagonal
        k, n_units = self.members, folded.shape[1] // self.members
        out = np.empty((X.shape[0], self.units[-1] // k), dtype=dtype)
        first_rows = min(rows, X.shape[0])
        hidden = [_prediction_slot(layer, first_rows * k, dtype).out for layer in layers]
        for first in _block_starts(X.shape[0], rows, threads):
            block = self.through_inputs(X[first : first + rows], start, upto)
            m = block.shape[0]
            Z = hidden[0][: m * k]
            np.matmul(block, folded, out=Z.reshape(m, k * n_units))
            Z += bias
            slots = [Slot(out=None if h is None else h[: m * k]) for h in hidden[1:]]
            raw = _run(layers[1:], params[1:], slots, Z)[-1]
            out[first : first + m] = mean_response_raw(raw, k, out_activation)
        return out

    def _folded_members(self, dtype):
        """How many diagonal layers (scale, members) end the input layers, the
        first dense layer's weights with their factors folded in (``fan_in x
        k*units``, member ``j``'s ``f_j W`` in columns ``j*units ..``) and its
        biases."""
        n_diagonal = 0
        factors = np.ones((self.members, self.input_layers[-1].units_out), dtype=dtype)
        for layer, layer_params in zip(self.input_layers[::-1], self.input_params[::-1]):
            if layer.kind not in ("scale", "members"):
                break
            factors = factors * layer_params[0]  # (k, d) or (d,): broadcast
            n_diagonal += 1
        weights, biases = self._dense_stack()[1][0]
        folded = folded_weights(factors, weights.astype(dtype, copy=False))
        return n_diagonal, folded, biases.astype(dtype)

    def hidden_sums_and_values(self, X):
        """Every hidden layer's weighted sums ``Z = A W + b`` and its values
        ``f(Z)``: two lists, one array per hidden layer each."""
        A = self.through_inputs(X)
        layers, params = self._dense_stack()
        sums, values = [], []
        # Prediction's forward pass, with a copy of each hidden layer's sums
        # kept before its activation overwrites them.
        for layer, layer_params in zip(layers[:-2], params):
            if layer.activates:
                sums.append(A.copy())
            A = layer.forward(A, layer_params, _prediction_slot(layer, A.shape[0], A.dtype))
            if layer.activates:
                values.append(A)
        return sums, values

    def output_bound(self, x_bound, scratch=None):
        """An upper bound on every ``|value|`` the forward pass computes.

        With inputs bounded by ``x_bound``, each layer bounds its outputs (see
        the layers' ``bound``): a dense layer's pre-activations obey ``|z_j| <=
        bound * sum_i |W_ij| + |b_j|``, and so do the partial sums of the
        matrix product; hidden activations keep ``|f(z)| <= |z|`` (plus a small
        offset), or are bounded outright (logistic, tanh). A bound below the
        dtype's largest value therefore proves that no row of any data within
        ``x_bound`` can overflow, at the cost of one pass over the weights
        instead of a forward pass over all rows.

        ``scratch``, a flat buffer of at least the largest layer's size, takes
        the absolute weights (training checks the bound every epoch).
        """
        bound = x_bound
        with np.errstate(over="ignore", invalid="ignore"):
            for layer, params in zip(self.layers, self.param_views):
                bound = layer.bound(bound, params, scratch)
        return bound


class TrainingNetwork(Network):
    """A network being trained: the loss in its output layer, the gradient
    ``grads`` laid out as ``params`` (``weight_grads`` its weights' prefix),
    and the one :class:`Workspace` of work arrays."""

    def __init__(self, layers, params):
        super().__init__(layers, params)
        self._fitted_layers = self._with_loss(None)  # (L-BFGS asks for one per iteration)
        self.grads = np.empty_like(self.params)
        self.grad_views, _ = layout(self.layers, self.grads)
        self.weight_grads = self.grads[: self.weights.size]
        self.workspace = Workspace(self.layers, self.params.dtype, self.params.size, self.members)
        # The dropout layers, which take this batch's masks.
        self._dropout = [i for i, layer in enumerate(self.layers) if layer.takes_mask]
        self._bound, self._mask_slots = {}, {}
        # Gradients of larger batches are summed over blocks of rows. Each
        # block adds its gradient to the sum, one pass over all parameters
        # (about widest ** 2 per layer) against its rows * widest layer
        # values: for wide layers, blocks of fewer than 2 * widest rows cost
        # more in those passes than the cache saves. Measured on 10,000 rows
        # with lbfgs at (1024, 1024) float32: 2.87 s in blocks of 256 rows,
        # 2.63 s in blocks of 2,048, 2.93 s unblocked; and adam minibatches
        # of 2,000 rows, which blocks of 256 slowed by 6-10%, stay whole.
        widest = max(block_rows(self.units, self.params.dtype), 2 * max(self.units[1:]))
        self._block = max(1, widest // self.members)  # samples: k rows each

    def __getstate__(self):
        raise TypeError("A network in training is not saved: save the estimator.")

    def through_fixed(self, X, max_bytes=FIXED_BYTES):
        """``(X after the leading fixed layers, how many they are)``.

        A fixed layer's output depends on its input alone (the piecewise-
        linear encoding): a stochastic fit computes it once for all its rows
        and draws its batches from that, instead of computing it again for
        every batch of every epoch (flights' three folds of 218,000 rows in
        ``benchmarks/tabular.py``: 19.7 s, from 20.6 s). The values are the
        same to the bit. Not when X is sparse, or when the
        result would take more than ``max_bytes`` (512 MiB): ``(X, 0)``.
        """
        n_fixed = next((i for i, layer in enumerate(self.layers) if not layer.fixed), 0)
        if not n_fixed or sp.issparse(X):
            return X, 0
        units = self.layers[n_fixed - 1].slot_shapes()["out"]
        dtype = np.result_type(X.dtype, self.params)
        if X.shape[0] * units * dtype.itemsize > max_bytes:
            return X, 0
        out = np.empty((X.shape[0], units), dtype=dtype)
        rows = block_rows([0, units], dtype)
        for start in range(0, X.shape[0], rows):
            A = X[start : start + rows]
            for layer in self.layers[: n_fixed - 1]:
                A = layer.forward(A, (), Slot())
            self.layers[n_fixed - 1].forward(A, (), Slot(out=out[start : start + rows]))
        return out, n_fixed

    def over(self, flat):
        """The fitted network over another flat vector (no loss, no work
        arrays): what listeners and callbacks are handed."""
        return Network(self._fitted_layers, flat)

    @property
    def out_activation(self):
        """The output activation of the loss it trains with."""
        return self.layers[-1].loss.out_activation

    def data_term_and_gradient(self, X, Y, sample_weight, data_scale, masks=None, start=0):
        """Return ``sum_i s_i loss_i`` on a batch, and leave the gradient of
        ``data_scale`` times it in ``grads``. ``start``: the batch is already
        the output of the first ``start`` layers (see :meth:`through_fixed`).

        A batch larger than ``block_rows(...)`` (L-BFGS and gd see the whole
        training set) is processed in blocks whose gradients are summed: the
        blocks' layer values stay in the CPU cache, which is faster than
        streaming every layer of the whole set through memory.
        """
        n_rows, block = X.shape[0], self._block
        if n_rows <= block:
            return self._backprop(X, Y, sample_weight, data_scale, self.grad_views, masks, start)
        if not hasattr(self, "_block_grads"):
            self._block_grads = np.empty_like(self.grads)
            self._block_grad_views, _ = layout(self.layers, self._block_grads)
        self.grads[...] = 0
        data_term = 0.0
        for first in range(0, n_rows, block):
            rows = slice(first, first + block)
            weights = None if sample_weight is None else sample_weight[rows]
            member_rows = slice(first * self.members, (first + block) * self.members)
            block_masks = None if masks is None else [_rows_of(m, member_rows) for m in masks]
            data_term += self._backprop(
                X[rows], Y[rows], weights, data_scale, self._block_grad_views, block_masks, start
            )
            self.grads += self._block_grads
        return data_term

    def _backprop(self, X, Y, sample_weight, data_scale, grad_views, masks, start):
        """Forward and backward pass; the gradient goes to ``grad_views``."""
        steps = self._steps(X.shape[0], grad_views, masks is not None, start)
        if masks is not None:
            for slot, mask in zip(self._mask_slots[X.shape[0]], masks):
                slot.mask = mask
        values = [X]
        for forward, _, params, _, slot in steps:
            values.append(forward(values[-1], params, slot))
        raw = values[-1]
        data_term = self.layers[-1].loss_and_delta(raw, Y, sample_weight, data_scale)
        delta = raw
        for i in range(len(steps) - 1, -1, -1):
            _, backward, params, grads, slot = steps[i]
            delta = backward(values[i], values[i + 1], delta, params, grads, slot)
        return data_term

    def _steps(self, n_rows, grad_views, dropout, start):
        """Each layer's ``(forward, backward, params, grads, slot)`` for a batch
        of ``n_rows`` rows, bound once per batch size: the layers run in a
        loop of a few Python calls each (small networks are bound by them).
        The output layer's forward pass keeps its input, and dropout layers
        pass theirs through without masks: both are left out of the loop
        (the output layer's loss starts the backward pass). The first
        ``start`` layers are left out too: the batch is their output. The
        input scale and an ensemble's members run with the dense layer
        they feed as one step (``_layers.FoldedDense``)."""
        if n_rows > self.workspace.rows:  # new work arrays: bind afresh
            self._bound.clear()
        key = (n_rows, id(grad_views), dropout, start)
        steps = self._bound.get(key)
        if steps is None:
            slots = self.workspace.slots(n_rows)
            steps = training_steps(
                [
                    entry
                    for entry in zip(
                        self.layers[start:-1],
                        self.param_views[start:],
                        grad_views[start:],
                        slots[start:],
                    )
                    if dropout or not entry[0].takes_mask
                ]
            )
            self._mask_slots[n_rows] = [slots[i] for i in self._dropout]
            self._bound[key] = steps
        return steps


def _dense_views(layers, views):
    """The weight matrices, bias vectors and parametric activations' ``a``
    among the views of the dense stack's layers."""
    dense = [v for layer, v in zip(layers, views) if "weights" in _groups(layer)]
    activation_params = [v[0] for layer, v in zip(layers, views) if "activation" in _groups(layer)]
    return [v[0] for v in dense], [v[1] for v in dense], activation_params


def _groups(layer):
    """The groups of a layer's parameters (``"weights"``, ``"biases"``, ...)."""
    return [group for group, _ in layer.parameter_shapes()]


def _run(layers, params, slots, X):
    """The forward pass: every layer's input, then the network's raw output."""
    values = [X]
    for layer, layer_params, slot in zip(layers, params, slots):
        values.append(layer.forward(values[-1], layer_params, slot))
    return values


def _prediction_slot(layer, n_rows, dtype):
    """A slot with the output array a layer needs to predict, and nothing else."""
    units = layer.slot_shapes().get("out")
    return Slot(out=None if units is None else np.empty((n_rows, units), dtype=dtype))


def _block_starts(n_samples, rows, threads):
    """The first row of each block; the blocks are the steps ``threads`` times."""
    starts = range(0, n_samples, rows)
    if threads is None:
        return starts
    return threads.steps(starts, rows=lambda start: min(rows, n_samples - start))


def _rows_of(mask, rows):
    return None if mask is None else mask[rows]


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
