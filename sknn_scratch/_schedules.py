"""Learning-rate schedules: the rate of each epoch, for every stochastic solver.

A schedule is an object beside the optimizer: the optimizer asks it for the
rate of the coming epoch and tells it when an epoch ends or training
stalls. Its state is a few numbers, so it pickles with the optimizer and
carries on across ``partial_fit`` calls.

With ``eta0 = learning_rate_init``, ``k`` the epoch (1-based, counted since
the optimizer was made), ``t`` the number of samples seen, ``N = max_iter``
and ``W = warmup_epochs``, the rate of epoch ``k`` is::

    warm-up factor   min(1, k / (W + 1))                       (1 when W = 0)
    constant         eta0
    invscaling       eta0 / (t + 1) ** power_t    (t at the end of epoch k - 1)
    adaptive         eta0, divided by 5 each time training stalls
    cosine           eta0 * (1 + cos(pi * j / (N - W))) / 2,   j = max(k - W, 1) - 1
    coslog4          eta0 * (1 - cos(2 pi log2(1 + 15 u))) / 2,  u = min((k - 1/2) / N, 1)

times the warm-up factor. Cosine annealing thus starts at ``eta0`` once the
warm-up is over and falls towards 0 at epoch ``N``; later epochs (with
``partial_fit``) stay at 0.

A warm-up as long as the planned epochs or longer (``W >= N``, as when a
step budget on large data plans few epochs) would never reach ``eta0`` and
never anneal; it is shortened to ``W = N // 2`` epochs, so that the rate
still rises, peaks and (cosine) falls to 0 within the ``N`` epochs.

``coslog4`` is RealMLP's multi-cycle schedule (Holzmüller et al., 2024):
four cosine cycles of growing length over the planned epochs, the rate
back at 0 where ``log2(1 + 15 u)`` is a whole number (u = 0, 1/15, 3/15,
7/15, 1). Each cycle is a warm-up and an annealing; the later, longer
ones explore less and settle more. RealMLP evaluates it at every step;
here it is evaluated at the middle of each epoch (``u``), like the other
schedules stepped once an epoch.
"""

import math

#: Every schedule name users may pass as ``learning_rate``.
SCHEDULES = ("constant", "invscaling", "adaptive", "cosine", "coslog4")

#: Schedules that plan the rate to 0 at the end of ``max_iter`` epochs.
ANNEALING = ("cosine", "coslog4")

#: The adaptive schedule gives up below this rate.
_ADAPTIVE_FLOOR = 1e-6


def effective_warmup(warmup_epochs, epochs):
    """The warm-up epochs of a schedule planned over ``epochs`` (see the
    module docstring: a warm-up that fills the whole plan is halved)."""
    return warmup_epochs if warmup_epochs < epochs else epochs // 2


class Schedule:
    """The learning rate of each epoch (see the module docstring).

    Parameters
    ----------
    kind : {"constant", "invscaling", "adaptive", "cosine", "coslog4"}
        The schedule.
    learning_rate_init : float
        ``eta0``.
    power_t : float
        Exponent of ``invscaling``.
    max_iter : int
        ``N``, the epochs over which ``cosine`` anneals.
    warmup_epochs : int
        ``W``, the epochs of linear warm-up.
    regularization : {"constant", "flat_cosine"}, default="constant"
        How dropout and weight decay change over the ``N`` epochs (see
        :meth:`regularization_factor`).
    """

    #: (Schedules saved before regularization schedules existed kept it constant.)
    regularization = "constant"

    def __init__(
        self, kind, learning_rate_init, power_t, max_iter, warmup_epochs, regularization="constant"
    ):
        self.kind = kind
        self.regularization = regularization
        self.learning_rate_init = float(learning_rate_init)
        self.power_t = power_t
        self.max_iter = max_iter
        self.warmup_epochs = effective_warmup(warmup_epochs, max_iter)
        self.epochs = 0  # completed
        self.base = float(learning_rate_init)  # the invscaling / adaptive state

    def rate(self):
        """The learning rate of the coming epoch."""
        k, warmup = self.epochs + 1, self.warmup_epochs
        factor = min(1.0, k / (warmup + 1)) if warmup else 1.0
        if self.kind == "coslog4":
            u = min((k - 0.5) / max(self.max_iter, 1), 1.0)
            cycle = 0.5 * (1.0 - math.cos(2.0 * math.pi * math.log2(1.0 + 15.0 * u)))
            return factor * self.learning_rate_init * cycle
        if self.kind != "cosine":
            return factor * self.base
        span = max(self.max_iter - warmup, 1)
        j = min(max(k - warmup, 1) - 1, span)
        return factor * self.learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * j / span))

    def regularization_factor(self):
        """The share of the dropout rates and of the weight decay that the
        coming epoch applies: 1 throughout for "constant"; for
        "flat_cosine" (RealMLP's), 1 over the first half of the ``N``
        epochs, then a half cosine down to 0 at the end::

            u = (k - 1/2) / N,    factor = 1 if u <= 1/2 else (1 + cos(pi (2u - 1))) / 2

        Strong regularisation early keeps the network from fitting noise
        while it finds its shape; less of it late lets it fit the details.
        """
        if self.regularization == "constant":
            return 1.0
        u = min((self.epochs + 0.5) / max(self.max_iter, 1), 1.0)
        return 1.0 if u <= 0.5 else 0.5 * (1.0 + math.cos(math.pi * (2.0 * u - 1.0)))

    def epoch_ends(self, time_step):
        """Step the schedule: one more epoch done, ``time_step`` samples seen."""
        self.epochs += 1
        if self.kind == "invscaling":
            # A negative power underflows to 0 where (t + 1) ** power_t
            # would raise OverflowError (huge power_t).
            self.base = self.learning_rate_init * (time_step + 1.0) ** -self.power_t

    def stalled(self):
        """Training stopped improving: return True to stop, or lower the rate."""
        if self.kind != "adaptive" or self.base <= _ADAPTIVE_FLOOR:
            return True
        self.base /= 5.0
        return False
