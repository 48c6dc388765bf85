"""Gradient-descent optimizers working in place on a flat parameter vector.

An optimizer keeps only its own state (velocities, moments, and its
learning-rate schedule); the estimator owns the parameters and hands them over with
their gradient at each step. Keeping no reference to the parameters means the
state pickles on its own and stays valid after the estimator is reloaded.
"""

import copy
import math
from typing import NamedTuple

import numpy as np


class Groups:
    """Per-parameter-group settings: a learning-rate multiplier and whether
    AdamW's decoupled decay applies, for each group of parameters (a layer's
    weights, its biases, ...; see :func:`parameter_groups`).

    Parameters
    ----------
    rate_scale : ndarray of shape (n_params,) or None
        Each parameter's learning-rate multiplier; None means 1 everywhere
        (and costs nothing).
    decayed : list of (int, int, float)
        The ranges ``start:stop`` of the flat vector that weight decay
        shrinks, each with its learning-rate multiplier (the decay is
        ``rate * multiplier * weight_decay``, as in a PyTorch parameter
        group). Plain numbers, so that skops persists them.
    """

    def __init__(self, rate_scale=None, decayed=()):
        self.rate_scale, self.decayed = rate_scale, list(decayed)

    @classmethod
    def default(cls, n_weights):
        """Today's behaviour: every rate as scheduled, decay on the weights
        (the first ``n_weights`` parameters) and not on the biases."""
        return cls(None, [(0, n_weights, 1.0)])


class GroupSettings(NamedTuple):
    """The settings of one group of parameters.

    rate : float
        Its learning-rate multiplier.
    decay : bool or None
        Whether weight decay applies; None: to weights, not to biases.
    """

    rate: float = 1.0
    decay: object = None


def parameter_groups(slices, settings, n_params):
    """The :class:`Groups` of a network's parameters.

    Parameters
    ----------
    slices : list of (int, str, slice)
        Each parameter of the network: its layer's index, its group
        (``"weights"`` or ``"biases"``) and its slice of the flat vector
        (``Network.parameter_slices``).
    settings : dict
        ``{(layer index or None, group or None): GroupSettings}``; None
        matches every layer or group, and later entries override earlier
        ones. Parameters no entry matches keep the default settings.
    n_params : int
        Length of the flat vector.
    """
    rate_scale, decayed = np.ones(n_params), []
    for layer, group, part in slices:
        chosen = GroupSettings()
        for (key_layer, key_group), value in settings.items():
            if key_layer in (None, layer) and key_group in (None, group):
                chosen = value
        rate_scale[part] = chosen.rate
        if chosen.decay or (chosen.decay is None and group == "weights"):
            decayed.append((part.start, part.stop, float(chosen.rate)))
    return Groups(None if (rate_scale == 1).all() else rate_scale, decayed)


class Optimizer:
    """What every optimizer shares: the learning-rate schedule, the rate of
    the current epoch, a scratch vector, copies for snapshots, and the end
    of an epoch. A subclass names its state arrays in ``_STATE`` and
    implements ``update(params, grads)``.

    ``rate`` is always the scheduled rate of the current epoch (for Adam,
    before its bias correction, which is ``Adam.step_size``).
    """

    #: The arrays that carry state from step to step.
    _STATE = ()
    #: The share of dropout and decay this epoch applies (states saved
    #: before regularization schedules existed applied all of it).
    regularization = 1.0

    def __init__(self, n_params, dtype, schedule, groups=None):
        self.schedule = schedule
        self.rate = schedule.rate()
        self.regularization = schedule.regularization_factor()
        self.groups = groups if groups is not None else Groups()

    def __setstate__(self, state):
        # States saved before the optimizers shared this base called the
        # scheduled rate "learning_rate" (SGD) or "base_rate" (Adam, whose
        # "learning_rate" was the bias-corrected step).
        state = dict(state)
        if "base_rate" in state:
            state["rate"] = state.pop("base_rate")
            state["step_size"] = state.pop("learning_rate", state["rate"])
        elif "learning_rate" in state:
            state["rate"] = state.pop("learning_rate")
        state.pop("_work", None)  # older states kept a scratch vector
        self.__dict__.update(state)
        if "groups" not in state:  # saved before parameter groups existed
            self.groups = Groups.default(state.pop("n_weights", 0))
            self.__dict__.pop("n_weights", None)

    @property
    def learning_rate(self):
        """scikit-learn's name for ``rate`` (its SGD tests read it); the same
        for every optimizer here (Adam's bias-corrected step is ``step_size``)."""
        return self.rate

    def update(self, params, grads, scratch=None):
        """Take one step: change ``params`` in place using ``grads``.

        ``scratch``, a vector shaped like ``params`` that holds nothing
        between calls, is lent by the caller (the network's
        ``Workspace.scratch``); None allocates one for this step.
        """
        raise NotImplementedError

    def copy(self, into=None):
        """An independent copy of the state, for snapshots and working copies.

        ``into``, an earlier copy that is no longer needed, has its state
        arrays overwritten instead of new ones allocated: copying into
        memory already mapped is about three times faster than into new
        pages, which matters once per epoch for wide networks.
        """
        twin = copy.copy(self)
        twin.schedule = copy.deepcopy(self.schedule)
        for name in self._STATE:
            if into is None and self._state_is_zero():
                # np.zeros (not zeros_like, which fills) asks the system for
                # zeroed pages: no memory is touched until it is written.
                state = getattr(self, name)
                setattr(twin, name, np.zeros(state.shape, dtype=state.dtype))
            elif into is None:
                setattr(twin, name, getattr(self, name).copy())
            else:
                setattr(twin, name, getattr(into, name))
                np.copyto(getattr(twin, name), getattr(self, name))
        return twin

    def _state_is_zero(self):
        """Whether the state arrays are known to hold zeros (default: not tracked)."""
        return False

    def iteration_ends(self, time_step):
        """Step the schedule at the end of an epoch."""
        self.schedule.epoch_ends(time_step)
        self.rate = self.schedule.rate()
        self.regularization = self.schedule.regularization_factor()

    def trigger_stopping(self, msg, verbose):
        """Return True to stop; the adaptive schedule first lowers the rate."""
        if self.schedule.stalled():
            small = self.schedule.kind == "adaptive"
            _say(verbose, msg + (" Learning rate too small. Stopping." if small else " Stopping."))
            return True
        self.rate = self.schedule.rate()
        _say(verbose, msg + f" Setting learning rate to {self.rate:f}")
        return False


class SGD(Optimizer):
    """(Stochastic) gradient descent with optional (Nesterov) momentum.

    With velocity ``v`` (zero at the start), learning rate ``eta`` and
    momentum ``mu``, one step is::

        v <- mu * v - eta * grad
        params <- params + v                       (classical momentum)
        params <- params + mu * v - eta * grad     (Nesterov's momentum)

    With ``mu = 0`` both reduce to the textbook ``params -= eta * grad``.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    schedule : Schedule
        Gives ``eta`` for each epoch (see :mod:`sknn_scratch._schedules`).
    momentum : float
        ``mu`` in [0, 1].
    nesterov : bool
        Whether to use Nesterov's momentum.
    groups : Groups, default=None
        Per-group learning-rate multipliers (None: every rate as scheduled).
    """

    _STATE = ("velocity",)
    #: The estimator's parameters that set it, in the order it takes them.
    SETTINGS = ("momentum", "nesterovs_momentum")

    def __init__(self, n_params, dtype, schedule, momentum, nesterov, groups=None):
        super().__init__(n_params, dtype, schedule, groups)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)

    def update(self, params, grads, scratch=None):
        """Take one step: change ``params`` in place using ``grads`` (and
        ``scratch``, see :meth:`Optimizer.update`)."""
        velocity = self.velocity
        work = np.empty_like(params) if scratch is None else scratch
        # Python floats: a NumPy float64 scalar would run float32 arrays
        # through float64 loops and casts, about 6x slower (NEP 50).
        momentum, rate = float(self.momentum), float(self.rate)
        velocity *= momentum
        np.multiply(grads, rate, out=work)
        if self.groups.rate_scale is not None:
            work *= self.groups.rate_scale
        velocity -= work
        if self.nesterov:
            params -= work
            np.multiply(velocity, momentum, out=work)
        else:
            np.copyto(work, velocity)
        params += work


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014).

    With step count ``t``, first and second moments ``m`` and ``v`` (zero at
    the start)::

        m <- beta_1 * m + (1 - beta_1) * grad
        v <- beta_2 * v + (1 - beta_2) * grad ** 2
        eta_t = eta * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        params <- params - eta_t * m / (sqrt(v) + epsilon)

    ``eta_t`` (``step_size``) folds the bias corrections of both moments
    into the step size. ``eta`` (``rate``) is the schedule's rate of the
    epoch: ``learning_rate_init`` with the default constant schedule
    (scikit-learn's Adam ignores ``learning_rate``; here every schedule
    applies). Schedules, stalls and the end of an epoch work as for
    :class:`SGD`.

    The moments are kept as exponentially weighted sums, ``grad_sum = m /
    (1 - beta_1)`` and ``square_sum = v / (1 - beta_2)``, whose updates
    ``grad_sum <- beta_1 * grad_sum + grad`` need no multiplication of the
    gradient; the constant factors move into the step size and epsilon:

        params <- params - eta_t * (1 - beta_1) / sqrt(1 - beta_2)
                  * grad_sum / (sqrt(square_sum) + epsilon / sqrt(1 - beta_2))

    That is the same step, in 10 passes over the parameters instead of 12
    (the update is memory-bound on wide networks).

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    schedule : Schedule
        Gives ``eta`` for each epoch.
    beta_1, beta_2 : float
        Decay rates of the moment estimates, in [0, 1).
    epsilon : float
        Keeps the denominator away from zero.
    weight_decay : float, default=0.0
        AdamW's decoupled decay, on the groups that ``groups`` says decay.
    groups : Groups, default=None
        Per-group learning-rate multipliers and decay (None: every rate as
        scheduled, no parameter decayed).
    """

    _STATE = ("grad_sum", "square_sum")
    #: The estimator's parameters that set it, in the order it takes them.
    SETTINGS = ("beta_1", "beta_2", "epsilon", "weight_decay")

    def __init__(
        self, n_params, dtype, schedule, beta_1, beta_2, epsilon, weight_decay=0.0, groups=None
    ):
        super().__init__(n_params, dtype, schedule, groups)
        # AdamW (Loshchilov and Hutter, 2019): before each step the decayed
        # groups (by default the weights, not the biases) shrink by
        # eta * weight_decay, outside the gradient, so Adam's per-weight
        # scaling does not rescale the decay as it rescales alpha's.
        self.weight_decay = weight_decay
        self.step_size = self.rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.grad_sum = np.zeros(n_params, dtype=dtype)
        self.square_sum = np.zeros(n_params, dtype=dtype)

    @property
    def m(self):
        """The first moment estimate ``m``."""
        return self.grad_sum * (1 - self.beta_1)

    @property
    def v(self):
        """The second moment estimate ``v``."""
        return self.square_sum * (1 - self.beta_2)

    def __setstate__(self, state):
        # States saved before the moments became sums held m and v.
        if "m" in state:
            state = dict(state)
            state["grad_sum"] = state.pop("m") / (1 - state["beta_1"])
            state["square_sum"] = state.pop("v") / (1 - state["beta_2"])
        super().__setstate__(state)

    def update(self, params, grads, scratch=None):
        """Take one step: change ``params`` in place using ``grads`` (and
        ``scratch``, see :meth:`Optimizer.update`)."""
        # Every operation writes into existing arrays: no temporaries.
        grad_sum, square_sum = self.grad_sum, self.square_sum
        work = np.empty_like(params) if scratch is None else scratch
        # Python floats throughout (see SGD.update).
        rate, beta_1, beta_2 = float(self.rate), float(self.beta_1), float(self.beta_2)
        if self.weight_decay:
            decay = float(self.weight_decay) * self.regularization
            for start, stop, scale in self.groups.decayed:
                params[start:stop] *= 1.0 - rate * scale * decay
        self.t += 1
        grad_sum *= beta_1
        grad_sum += grads
        np.multiply(grads, grads, out=work)
        square_sum *= beta_2
        square_sum += work
        self.step_size = rate * math.sqrt(1 - beta_2**self.t) / (1 - beta_1**self.t)
        root = math.sqrt(1 - beta_2)
        np.sqrt(square_sum, out=work)
        work += float(self.epsilon) / root
        np.divide(grad_sum, work, out=work)
        work *= self.step_size * (1 - beta_1) / root
        if self.groups.rate_scale is not None:
            work *= self.groups.rate_scale
        params -= work

    def _state_is_zero(self):
        return self.t == 0  # the moments start at zero


def _say(verbose, msg):
    if verbose:
        print(msg)


#: The optimizer of each solver that takes gradient steps epoch by epoch
#: (and so offers partial_fit); ``"gd"`` is SGD on the whole training set.
OPTIMIZERS = {"gd": SGD, "sgd": SGD, "adam": Adam}
#: Solvers that take gradient steps epoch by epoch.
STOCHASTIC_SOLVERS = tuple(OPTIMIZERS)
#: Every solver name users may pass.
SOLVERS = STOCHASTIC_SOLVERS + ("lbfgs",)
