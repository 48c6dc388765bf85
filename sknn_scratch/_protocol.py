"""The layer protocol: what every layer kind has, and the registry of kinds.

A layer holds no arrays of its own: its parameters (views of the network's
one flat vector), its gradients (views of the flat gradient) and its work
arrays (a :class:`Slot`, owned by the network's ``Workspace``) are handed to
it on every call. That keeps one owner per buffer, lets the same layer serve
training, prediction with any weights, and the gradient checker, and makes
a layer easy to read next to its maths:

- ``forward(A, params, slot)`` returns the layer's output for inputs ``A``
  (written into ``slot.out``, or in place into ``A``);
- ``backward(A, out, delta, params, grads, slot)`` is handed the layer's
  input ``A``, its output ``out`` and ``delta``, the gradient of the
  objective with respect to ``out``. It writes the gradient with respect to
  its parameters into ``grads`` and returns the gradient with respect to
  ``A`` (None below the first layer, where nothing needs it);
- ``parameter_shapes()`` says which parameters it has, each with its group:
  ``"weights"`` (penalised, laid out first in the flat vector),
  ``"biases"``, or a group of its own;
- ``initial_parameters(rng, dtype)`` draws their first values;
- ``slot_shapes()`` says which work arrays of how many columns it needs per
  row of a batch;
- ``bound(value_bound, params)`` bounds ``|output|`` given ``|input| <=
  value_bound`` (the divergence guard's one pass over the weights).

The kinds live beside the maths they run: the dense stack in
:mod:`sknn_scratch._layers`, the hidden activations in
:mod:`sknn_scratch._activations`, the output layer with the losses in
:mod:`sknn_scratch._losses`, the input layers in
:mod:`sknn_scratch._input_layers`. Each subclass of :class:`Layer` enters
itself in :data:`LAYER_KINDS`; nothing outside a layer switches on its kind.
"""

#: Every layer kind, by its ``kind`` name: each subclass of :class:`Layer`
#: enters itself (the contract test runs over every entry).
LAYER_KINDS = {}


class Layer:
    """What every layer kind has, with the defaults of a layer without
    parameters or work arrays; a kind overrides what it does differently.

    ``activates``: it applies a hidden activation (its input is a layer's
    weighted sums; ``hidden_activations`` shows them). ``takes_mask``: it
    takes the batch's dropout mask. ``row_factor``: rows of its output per
    row of its input (an ensemble's members: ``k``). ``fixed``: its output
    depends on its input alone (no parameters, no randomness), so that a
    stochastic fit may compute it once for all training rows instead of
    once per batch (``TrainingNetwork.through_fixed``).
    """

    kind = None
    activates = False
    takes_mask = False
    row_factor = 1
    fixed = False

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
