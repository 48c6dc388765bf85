"""The estimators' fitted state: the weights as scikit-learn publishes
them, and the rule that a call which fails changes none of it.

A fitted estimator keeps one network (``network_``, a
:class:`~sknn_scratch._network.Network`): its layers and the one flat vector
of their parameters. ``coefs_``, ``intercepts_``, ``input_layers_``,
``input_params_`` and ``activation_params_`` are read from it, so they are
views of that vector and can never disagree with what predicts:

- an array changed in place (``est.coefs_[0][0, 1] = 0.7``) changes the
  network;
- an entry replaced (``est.coefs_[1] = W``) or a whole list assigned
  (``est.coefs_ = [...]``) is copied into the network's arrays, after a
  check that every shape matches; other shapes need a new network
  (``fit``, or ``from_weights``).

Estimators saved before the network existed (with the lists in their
state) load into one.

:func:`all_or_nothing` trains a working copy and publishes it only when
the call succeeds: ``fit``, ``partial_fit`` and ``dask.fit_blocks`` alike.
"""

import contextlib

import numpy as np


class ParameterList(list):
    """One fitted attribute's arrays (a view of the network's parameters
    each), whose entries are replaced by copying into those views."""

    def __init__(self, views, name, params=None):
        super().__init__(views)
        self.name, self.params = name, params

    def __setitem__(self, index, value):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(
                f"{self.name} is one entry per layer: replace entries one at a time "
                f"({self.name}[i] = ...)."
            )
        with _all_or_none(self.params):
            _copy_into(self[index], value, f"{self.name}[{index}]")


@contextlib.contextmanager
def _all_or_none(params):
    """Put ``params`` back as they were if the block fails: a refused
    entry leaves the entries before it unchanged too."""
    before = None if params is None else params.copy()
    try:
        yield
    except BaseException:
        if before is not None:
            np.copyto(params, before)
        raise


def _copy_into(view, value, name):
    """Copy ``value`` into ``view`` (an array, or a tuple of arrays)."""
    if isinstance(view, tuple):
        values = tuple(value)
        if len(values) != len(view):
            raise ValueError(f"{name} holds {len(view)} arrays; got {len(values)}.")
        for j, (part, given) in enumerate(zip(view, values)):
            _copy_into(part, given, f"{name}[{j}]")
        return
    value = np.asarray(value)
    if value.shape != view.shape:
        raise ValueError(
            f"{name} has shape {view.shape} in the fitted network; got {value.shape}. "
            "Weights of other shapes need a new network: call fit, or build one "
            "with from_weights."
        )
    if not np.isfinite(value).all():
        raise ValueError(f"{name} must be finite; got NaN or infinity.")
    view[...] = value


def _published(name, group):
    """The property that publishes the network's ``group`` as ``name``."""

    def get(est):
        network = est.__dict__.get("network_")
        views = None if network is None else getattr(network, group)
        if network is None or (group != "coefs" and group != "intercepts" and not views):
            raise AttributeError(f"{type(est).__name__!r} object has no attribute {name!r}")
        return ParameterList(views, name, network.params)

    def set_(est, values):
        current = get(est)
        values = list(values)
        if len(values) != len(current):
            raise ValueError(
                f"{name} has {len(current)} entries in the fitted network; got "
                f"{len(values)}. Another architecture needs a new network: call fit, "
                "or build one with from_weights."
            )
        with _all_or_none(current.params):
            for i, (view, value) in enumerate(zip(current, values)):
                _copy_into(view, value, f"{name}[{i}]")

    return property(get, set_, doc=f"The network's {group}, as views of its parameters.")


class FittedNetwork:
    """The fitted attributes of the weights, read from ``network_``."""

    coefs_ = _published("coefs_", "coefs")
    intercepts_ = _published("intercepts_", "intercepts")
    input_params_ = _published("input_params_", "input_params")
    activation_params_ = _published("activation_params_", "activation_params")

    @property
    def input_layers_(self):
        """The input layers in front of the dense ones (none by default)."""
        network = self.__dict__.get("network_")
        if network is None or not network.input_layers:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'input_layers_'")
        return list(network.input_layers)

    def __setstate__(self, state):
        if "coefs_" in state and "network_" not in state:
            state = _with_network(dict(state))
        super().__setstate__(state)


def _with_network(state):
    """The state of an estimator saved with its weights as lists, with the
    network those lists make instead."""
    from ._network import Network

    layers = state.pop("input_layers_", ())
    params = state.pop("input_params_", ())
    state["network_"] = Network.of_lists(
        state.pop("coefs_"),
        state.pop("intercepts_"),
        state["activation"],
        list(zip(layers, params)),
        state.pop("activation_params_", ()),
    )
    return state


def all_or_nothing(est, train):
    """Run ``train(trainee)`` on a working copy of ``est``, and publish the
    copy only if it returns; return ``est``.

    The copy shares nothing that training changes in place: the weights
    live in a buffer made anew for each call, and the lists of records and
    the optimizer are copied. A call that fails, for any reason, therefore
    leaves ``est`` exactly as it was (pickled byte for byte); a
    ``RandomState`` given as ``random_state`` is rewound too. A ``predict``
    from another thread meanwhile sees the model as it was before the call,
    and then the new one, swapped in by one dictionary update.
    """
    trainee = _working_copy(est)
    random_state = est.random_state
    saved_rng = (
        random_state.get_state() if isinstance(random_state, np.random.RandomState) else None
    )
    try:
        train(trainee)
    except BaseException:
        if saved_rng is not None:
            random_state.set_state(saved_rng)
        raise
    _publish(est, trainee)
    return est


def _working_copy(est):
    trainee = object.__new__(type(est))
    trainee.__dict__.update(est.__dict__)
    # (Training writes its records to a TrainingRecord, which copies the
    # lists it continues.)
    if getattr(est, "_optimizer", None) is not None:
        trainee._optimizer = est._optimizer.copy()
    return trainee


def _publish(est, trainee):
    """Take the state of the trained working copy ``trainee``, in one
    dictionary update."""
    # Fitted attributes only the old model had (feature_names_in_ after a
    # refit on arrays); private state such as the callback context stays.
    stale = {
        name
        for name in est.__dict__.keys() - trainee.__dict__.keys()
        if name.endswith("_") and not name.startswith("_")
    }
    est.__dict__.update(trainee.__dict__)
    for name in stale:
        est.__dict__.pop(name, None)
