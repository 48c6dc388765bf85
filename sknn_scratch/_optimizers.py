"""Gradient-descent optimizers working in place on a flat parameter vector.

An optimizer keeps only its own state (velocities, moments, the current
learning rate); the estimator owns the parameters and hands them over with
their gradient at each step. Keeping no reference to the parameters means the
state pickles on its own and stays valid after the estimator is reloaded.
"""

import numpy as np


class SGD:
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
    learning_rate_init : float
        Initial learning rate ``eta``.
    lr_schedule : {"constant", "invscaling", "adaptive"}
        How ``eta`` changes: never; as ``learning_rate_init / (t + 1) ** power_t``
        after each epoch, ``t`` counting the samples seen; or divided by 5
        each time training stops improving.
    momentum : float
        ``mu`` in [0, 1].
    nesterov : bool
        Whether to use Nesterov's momentum.
    power_t : float
        Exponent of the ``invscaling`` schedule.
    """

    def __init__(
        self, n_params, dtype, learning_rate_init, lr_schedule, momentum, nesterov, power_t
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._work = np.empty(n_params, dtype=dtype)

    def update(self, params, grads):
        """Take one step: change ``params`` in place using ``grads``."""
        velocity, work = self.velocity, self._work
        velocity *= self.momentum
        np.multiply(grads, self.learning_rate, out=work)
        velocity -= work
        if self.nesterov:
            params -= work
            np.multiply(velocity, self.momentum, out=work)
        else:
            np.copyto(work, velocity)
        params += work

    def iteration_ends(self, time_step):
        """Update the learning rate at the end of an epoch."""
        if self.lr_schedule == "invscaling":
            # A negative power underflows to 0 where (t + 1) ** power_t
            # would raise OverflowError (huge power_t).
            self.learning_rate = self.learning_rate_init * (time_step + 1.0) ** -self.power_t

    def trigger_stopping(self, msg, verbose):
        """Return True to stop; the adaptive schedule first shrinks the rate."""
        if self.lr_schedule != "adaptive":
            _say(verbose, msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            _say(verbose, msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        _say(verbose, msg + f" Setting learning rate to {self.learning_rate:f}")
        return False


class Adam:
    """Adam (Kingma and Ba, 2014).

    With step count ``t``, first and second moments ``m`` and ``v`` (zero at
    the start)::

        m <- beta_1 * m + (1 - beta_1) * grad
        v <- beta_2 * v + (1 - beta_2) * grad ** 2
        eta_t = learning_rate_init * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        params <- params - eta_t * m / (sqrt(v) + epsilon)

    ``eta_t`` folds the bias corrections of both moments into the step size.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    learning_rate_init : float
        Base step size.
    beta_1, beta_2 : float
        Decay rates of the moment estimates, in [0, 1).
    epsilon : float
        Keeps the denominator away from zero.
    """

    def __init__(self, n_params, dtype, learning_rate_init, beta_1, beta_2, epsilon):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self._work = np.empty(n_params, dtype=dtype)

    def update(self, params, grads):
        """Take one step: change ``params`` in place using ``grads``."""
        # Every operation writes into existing arrays: no temporaries.
        m, v, work = self.m, self.v, self._work
        self.t += 1
        m *= self.beta_1
        np.multiply(grads, 1 - self.beta_1, out=work)
        m += work
        v *= self.beta_2
        np.multiply(grads, grads, out=work)
        work *= 1 - self.beta_2
        v += work
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=work)
        work += self.epsilon
        np.divide(m, work, out=work)
        work *= self.learning_rate
        params -= work

    def iteration_ends(self, time_step):
        """Adam adapts its steps itself: nothing to do at the end of an epoch."""

    def trigger_stopping(self, msg, verbose):
        """Always stop when training stops improving."""
        _say(verbose, msg + " Stopping.")
        return True


def _say(verbose, msg):
    if verbose:
        print(msg)


def make_optimizer(est, n_params, dtype):
    """The optimizer for ``est.solver`` with the estimator's hyper-parameters.

    ``"gd"`` uses the same update rule as ``"sgd"``; only the batch differs
    (the whole training set, one step per epoch).
    """
    if est.solver == "adam":
        return Adam(n_params, dtype, est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon)
    return SGD(
        n_params,
        dtype,
        est.learning_rate_init,
        est.learning_rate,
        est.momentum,
        est.nesterovs_momentum,
        est.power_t,
    )


#: Solvers that take gradient steps epoch by epoch (and so offer partial_fit).
STOCHASTIC_SOLVERS = ("gd", "sgd", "adam")
#: Every solver name users may pass.
SOLVERS = STOCHASTIC_SOLVERS + ("lbfgs",)
