"""How many BLAS threads a fit or a prediction uses (``n_threads``).

Nearly all of a network's time goes into matrix products, and NumPy hands
those to its BLAS (OpenBLAS in NumPy's wheels), which starts one thread per
core. Threads pay on a quiet machine for large products only, and on a
machine that other processes keep busy they cost: BLAS's threads wait for
each other at every product, and a thread that shares its core with another
process makes all of them wait. A fit that takes 1 s on one thread took
30 s and more with every thread on a busy 2-core machine.

So each fit and each prediction sets the thread count itself, with
threadpoolctl (what scikit-learn uses to limit the same pools), and puts the
count back afterwards:

- ``n_threads=k`` (``k >= 1``): ``k`` threads; ``-1``: as many as the BLAS
  has when the call starts (its default, or the limit of an enclosing
  ``threadpoolctl.threadpool_limits``).
- ``"auto"``: one thread where a step's largest product is small
  (:data:`SMALL_PRODUCT` multiply-adds: threads gain nothing there even on a
  quiet machine), or where other processes keep the cores busy
  (:func:`cores_used_by_others`, read from ``/proc/stat``: more threads
  would wait for them). Otherwise the first steps are timed at each
  candidate count, from every thread the BLAS has down to one, and the
  count with the lowest mean time per row is kept (means, because on a busy machine a
  threaded step is now fast, now several times slower). The choice is timed
  again at growing intervals (:data:`FIRST_RECHECK` to
  :data:`LAST_RECHECK` seconds, and longer where the steps at slower counts
  would take more than :data:`RECHECK_SHARE` of the time), so that a machine
  that becomes busy or quiet during a long fit is followed; steps that turn
  far slower (:data:`SLOWDOWN`) bring the next check forward, and a change
  waits for a full measurement that agrees. A choice timed in the last
  :data:`RECENT` seconds on products of about the same size is taken at
  once (the folds of a cross-validation, repeated predictions), with the
  interval of its checks. The steps timed are training steps (or
  prediction blocks) that run anyway: measuring costs nothing but the steps
  that ran at a slower count.

Threads never change what is computed, but OpenBLAS splits some long sums
(a tall matrix's transpose times a thin one) over its threads, so fits under
different thread counts can differ in the last bits. A fixed ``n_threads``
makes fits reproducible bit for bit.
"""

import math
import os
import statistics
import time

import numpy as np

#: Below this many multiply-adds in a step's largest product, one thread:
#: measured on NumPy's OpenBLAS, two threads gain nothing on 200 x 64 @ 64 x 64
#: (0.8 million) and halve 200 x 128 @ 128 x 128 (3.3 million).
SMALL_PRODUCT = 2_000_000

#: More threads must be this much faster (time ratio) to be chosen: threads
#: taken from a shared machine should pay for themselves.
MARGIN = 0.9

#: Seconds between the first checks of the choice; each check that confirms
#: it doubles the interval, up to LAST_RECHECK.
FIRST_RECHECK = 1.0
LAST_RECHECK = 32.0

#: At most this share of the time goes to steps timed at a slower count.
RECHECK_SHARE = 0.02

#: This many steps in a row, each this many times slower than the chosen
#: count's time when it was chosen, and the choice is timed again at once.
SLOWDOWN = 2.0
SLOW_STEPS = 3

#: Seconds after which BLAS's idle threads are taken to be asleep (OpenBLAS'
#: spin for a fraction of that): before a timed step on several threads
#: after such a pause, :func:`wake_threads` wakes them.
WAKE = 0.05

#: A round of timings in which the fewest threads are this much faster than
#: each other count ends the measurement.
CLEAR = 1.25

#: Timed steps per candidate count in a full measurement (the first, and
#: one that confirms a change a check suggests).
ROUNDS = 3

#: Planned steps per round of timings (a call of 60 steps times two rounds).
STEPS_PER_ROUND = 30

#: The shortest window over which the CPU time of other processes is read.
OTHERS_WINDOW = 0.1

#: Seconds for which a timed choice is taken at once by the next call on
#: products of about the same size (cross-validation, repeated predict).
RECENT = 10.0

_controller = None
_RECENT = {}  # (product size class, threads available) -> (clock, count, interval)


def blas_controller():
    """threadpoolctl's controller of the BLAS libraries loaded now (NumPy's,
    SciPy's), made once: finding the libraries takes about 10 ms."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


_WAKE_OPERANDS = []
_READING = []  # the last (clock, CPU seconds of every process, of this one)


def machine_cpu_seconds():
    """CPU seconds every process has used since boot (``/proc/stat``,
    hypervisor steal included); None where unknown (not Linux)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds():
    """CPU seconds used since boot by every process and by this one; None
    where unknown."""
    machine = machine_cpu_seconds()
    if machine is None:
        return None
    own = os.times()
    return machine, own.user + own.system


def cores_used_by_others(clock=time.perf_counter):
    """The cores other processes kept busy since the previous call (between
    OTHERS_WINDOW seconds and RECENT seconds before), or None: unknown (not
    Linux, or no such window)."""
    now, seconds = clock(), _cpu_seconds()
    if seconds is None:
        return None
    previous = _READING[:]
    _READING[:] = [now, *seconds]
    if not previous or not OTHERS_WINDOW <= now - previous[0] <= RECENT:
        if previous and now - previous[0] < OTHERS_WINDOW:
            _READING[:] = previous  # keep the window growing
        return None
    wall = now - previous[0]
    return max(0.0, (seconds[0] - previous[1]) - (seconds[1] - previous[2])) / wall


def wake_threads():
    """A throwaway product large enough for OpenBLAS to use every thread it
    is set to: it wakes them (measured: 4 ms for the first product after a
    pause, against 0.25 ms right after another)."""
    if not _WAKE_OPERANDS:
        _WAKE_OPERANDS.extend([np.ones((256, 256)), np.empty((256, 256))])
    a, out = _WAKE_OPERANDS
    np.matmul(a, a, out=out)


def largest_product(rows, layer_units):
    """Multiply-adds of the largest matrix product of a step of ``rows`` rows
    through dense layers of ``layer_units``."""
    return rows * max((a * b for a, b in zip(layer_units, layer_units[1:])), default=0)


def candidates(available):
    """The thread counts worth timing: 1, the powers of two below
    ``available``, and ``available``."""
    counts, n = [1], 2
    while n < available:
        counts.append(n)
        n *= 2
    if available > 1:
        counts.append(available)
    return counts


class Threads:
    """The thread count of one fit or prediction: set on entering, put back
    on leaving, and, under ``"auto"``, chosen by timing the steps that
    :meth:`steps` yields.

    Parameters
    ----------
    setting : "auto" or int
        The estimator's ``n_threads``.
    work : int
        Multiply-adds of a step's largest product (:func:`largest_product`).
    report : callable or None
        Called with a line for each choice (the estimator's ``verbose``).
    rounds : int
        Timed steps per count in a full measurement.
    steps : int or None
        The steps the call plans: one round of timings per
        :data:`STEPS_PER_ROUND` of them, at most ``rounds``.
    clock : callable
        Seconds now; a test gives a fake one.
    controller : object or None
        threadpoolctl's controller of the BLAS libraries (None:
        :func:`blas_controller`); a test gives a fake one.
    memory : dict or None
        The recent choices (None: this process's); a test gives its own.
    wake : callable or None
        Wakes BLAS's sleeping threads (None: :func:`wake_threads`).
    others : callable or None
        The cores other processes keep busy now, or None if unknown (None:
        :func:`cores_used_by_others`); a test gives a fake one.

    Attributes
    ----------
    count : int or None
        The thread count in use (None: no BLAS that threadpoolctl controls).
    decisions : list of dict
        Each choice: ``step`` (the steps run before it), ``threads``,
        ``reason``, and, when timed, ``seconds_per_row`` of each count.
    """

    def __init__(
        self,
        setting,
        work,
        report=None,
        rounds=ROUNDS,
        steps=None,
        clock=time.perf_counter,
        controller=None,
        memory=None,
        wake=None,
        others=None,
    ):
        self.setting, self.work, self.report, self.clock = setting, work, report, clock
        if steps is not None:
            # A short call cannot pay for long measurements.
            rounds = max(1, min(rounds, steps // STEPS_PER_ROUND))
        self.rounds, self.controller = rounds, controller
        self.memory = _RECENT if memory is None else memory
        self.wake = wake_threads if wake is None else wake
        self.others = cores_used_by_others if others is None else others
        self.count, self.decisions = None, []
        self._queue, self._samples, self._step, self._rows = [], {}, 0, 0
        self._recheck_at, self._interval = None, FIRST_RECHECK
        self._typical, self._slow, self._confirming, self._dropped = None, 0, False, set()
        self._threaded_at = -math.inf  # when a step last ran on several threads

    # ----------------------------------------------------------- set and restore

    def __enter__(self):
        controller = self.controller or blas_controller()
        self._libraries = list(controller.lib_controllers)
        if not self._libraries:
            return self
        self._saved = [lib.num_threads for lib in self._libraries]
        available = max(self._saved)
        if self.setting == -1:
            self._decide(available, "n_threads=-1: every thread the BLAS has")
        elif self.setting != "auto":
            self._decide(int(self.setting), f"n_threads={self.setting}")
        elif available == 1:
            self._decide(1, "the BLAS has one thread")
        elif self.work < SMALL_PRODUCT:
            self._decide(1, f"products of {self.work:,} multiply-adds gain nothing from threads")
        else:
            self._start_timing(available)
        return self

    def _start_timing(self, available):
        """Time the first steps, or take a choice timed moments ago on
        products of about this size (within a factor of two)."""
        self._all_candidates = self._candidates = candidates(available)
        self._key = (self.work.bit_length(), available)
        now = self.clock()
        if self._busy(now):
            return
        known = self.memory.get(self._key)
        if known is not None and now - known[0] < RECENT:
            self._decide(known[1], f"timed {now - known[0]:.1f} s ago on products this size")
            # The checks go on where they were: due when the interval they had
            # reached has passed since that choice, in this call if need be
            # (repeated predictions are each too short to reach one).
            self._interval = known[2]
            self._recheck_at = known[0] + known[2]
            return
        # The first step warms the caches, on one thread (cheap on a busy
        # machine), and is not timed; then each round times the counts from
        # the most down.
        self._set(1)
        self._queue = [None] + self._candidates[::-1] * self.rounds

    def _busy(self, now):
        """Whether other processes keep the cores too busy for more than one
        thread (then one is set and checked again later, without timing);
        otherwise the candidates are the counts the free cores can hold."""
        others = self.others()
        if others is None:
            return False
        free = (os.cpu_count() or 1) - others
        self._candidates = [n for n in self._all_candidates if n == 1 or n <= round(free)]
        if len(self._candidates) > 1:
            return False
        if self.count == 1 and self.decisions:
            self._interval = min(2 * self._interval, LAST_RECHECK)
        else:
            self._interval = FIRST_RECHECK
            self._decide(1, f"other processes keep {others:.1f} of {os.cpu_count()} cores busy")
        self._recheck_at = now + self._interval
        self.memory[self._key] = (now, 1, self._interval)
        return True

    def __exit__(self, *exc_info):
        for lib, count in zip(self._libraries, getattr(self, "_saved", ())):
            lib.set_num_threads(count)
        return False

    def _set(self, count):
        for lib in self._libraries:
            lib.set_num_threads(count)
        self.count = count

    def _decide(self, count, reason, timings=None):
        self._set(count)
        decision = {"step": self._step, "threads": count, "reason": reason}
        if timings:
            decision["seconds_per_row"] = timings
        self.decisions.append(decision)
        if self.report is not None:
            self.report(f"Threads: {count} ({reason})")

    # ------------------------------------------------------------------- timing

    @property
    def measuring(self):
        """Whether the steps are timed (``"auto"`` on large products)."""
        return bool(self._queue) or self._recheck_at is not None

    def steps(self, items, rows=len):
        """Yield ``items``, timing each under ``"auto"``: the time between
        handing an item out and being asked for the next is its step, per
        row (``rows(item)``)."""
        if not self.measuring:
            yield from items
            return
        for item in items:
            n_rows = rows(item)
            # A short last batch is not timed: its fixed costs weigh more.
            full = n_rows >= self._rows
            self._rows = max(self._rows, n_rows)
            count = self._before_step() if full else None
            probing = count is not None or bool(self._queue)
            start = self.clock()
            yield item
            end = self.clock()
            seconds = (end - start) / max(n_rows, 1)
            self._step += 1
            if self.count is not None and self.count > 1:
                self._threaded_at = end
            if count is not None:
                self._observe(count, seconds)
            elif full and not probing and self._typical is not None:
                self._watch(seconds)

    def _before_step(self):
        """The count this step is timed at (None: not timed)."""
        if not self._queue and self.clock() >= self._recheck_at:
            if self._busy(self.clock()):
                return None
            # Time each other count once, then the chosen one.
            others = [n for n in self._candidates if n != self.count]
            self._queue, self._samples, self._dropped = [*others, self.count], {}, set()
        if not self._queue:
            return None
        count = self._queue[0]
        if count is None:  # the warm-up step
            self._queue.pop(0)
            return None
        if count != self.count:
            self._set(count)
            if count > 1 and self.clock() - self._threaded_at > WAKE:
                # Its threads have gone to sleep; waking them (milliseconds)
                # would be charged to the step. A small product wakes them
                # at less cost than an untimed step would on a busy machine.
                self.wake()
        self._queue.pop(0)
        return count

    def _observe(self, count, seconds):
        self._samples.setdefault(count, []).append(seconds)
        best = min(min(s) for s in self._samples.values())
        if seconds > 3 * best:
            # Clearly slower: timing it again would only cost.
            self._queue = [n for n in self._queue if n != count]
            self._dropped.add(count)
        if not self._queue or self._clear_after_round():
            self._queue = []
            self._choose()

    def _clear_after_round(self):
        """Whether a round of every count has just ended with one count
        faster than each other by CLEAR: more rounds would change nothing."""
        live = [n for n in self._candidates if n not in self._dropped]
        sizes = {len(self._samples.get(n, ())) for n in live}
        if len(sizes) != 1 or 0 in sizes:
            return False
        means = {n: statistics.fmean(self._samples[n]) for n in live}
        fastest = min(means, key=means.get)
        # Only the fewest threads end it early: on a busy machine a threaded
        # step is now and then fast, and more threads chosen wrongly cost most.
        return fastest == live[0] and all(
            means[fastest] * CLEAR <= t for n, t in means.items() if n != fastest
        )

    def _watch(self, seconds):
        """A step at the chosen count: several in a row far slower than when
        it was chosen (the machine got busy) bring the next check forward."""
        self._slow = self._slow + 1 if seconds > SLOWDOWN * self._typical else 0
        if self._slow >= SLOW_STEPS:
            self._slow, self._interval = 0, FIRST_RECHECK
            self._recheck_at = self.clock()

    def _choose(self):
        # Means, not medians: on a busy machine a count's steps are now fast,
        # now several times slower, and the slow ones are time spent too.
        means = {n: statistics.fmean(s) for n, s in self._samples.items()}
        fastest = min(means.values())
        # The fewest threads within MARGIN of the fastest.
        count = min(n for n, t in means.items() if t * MARGIN <= fastest)
        previous = self.decisions[-1]["threads"] if self.decisions else None
        if previous is not None and count != previous and not self._confirming:
            # One step at each count is easily misled on a busy machine: a
            # change waits for a full measurement that agrees.
            self._confirming, self._samples, self._dropped = True, {}, set()
            self._queue = self._candidates[::-1] * self.rounds
            return
        self._confirming = False
        self._typical, self._slow = means[count], 0
        self._interval = (
            min(2 * self._interval, LAST_RECHECK) if count == previous else FIRST_RECHECK
        )
        # The steps timed at slower counts cost time; the next check waits
        # long enough for that cost to stay within RECHECK_SHARE.
        lost = sum(
            (t - means[count]) * self._rows
            for n, samples in self._samples.items()
            if n != count
            for t in samples
        )
        self._interval = max(self._interval, lost / RECHECK_SHARE)
        self._recheck_at = self.clock() + self._interval
        self.memory[self._key] = (self.clock(), count, self._interval)
        if count == previous:
            self._set(count)
            return
        timings = {str(n): t for n, t in sorted(means.items())}
        shown = ", ".join(f"{n} thread(s) {t * 1e6:.3g} us" for n, t in sorted(means.items()))
        self._decide(count, f"timed per row: {shown}", timings)
