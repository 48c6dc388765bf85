"""What else the machine did while a benchmark ran, and a load to make it busy.

Timings on a shared machine are only comparable when it was quiet, so every
benchmark records how much CPU time processes other than its own took while
it ran: the machine's busy time (``/proc/stat``, hypervisor steal included)
minus this process's and its children's (``os.times``), as a share of the
cores' time. Linux only; elsewhere the share is unknown and said to be.

``busy(n)`` starts ``n`` processes that spin, the load of the "busy
machine" section of ``make bench``; their CPU time is this benchmark's own
load, reported apart from the others'.
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

from sknn_scratch._threads import machine_cpu_seconds

#: Other processes below this share of the cores: a quiet machine.
QUIET = 0.10


def _own_seconds():
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


class Watch:
    """Measures, over a ``with`` block, the share of the cores that other
    processes used (``other_share``) and that this one's children used
    (``children_share``: the load a benchmark makes itself)."""

    def __enter__(self):
        self._start = (time.perf_counter(), machine_cpu_seconds(), _own_seconds())
        return self

    def __exit__(self, *exc_info):
        wall0, busy0, (own0, kids0) = self._start
        wall, busy, (own, kids) = time.perf_counter(), machine_cpu_seconds(), _own_seconds()
        capacity = (wall - wall0) * (os.cpu_count() or 1)
        self.children_share = (kids - kids0) / capacity
        self.other_share = (
            None
            if busy is None or busy0 is None
            else max(0.0, (busy - busy0) - (own - own0) - (kids - kids0)) / capacity
        )
        return False

    def record(self):
        return {"other_share": self.other_share, "children_share": self.children_share}


def describe(record):
    """A sentence on the load a record of :class:`Watch` shows."""
    share = record.get("other_share")
    cores = os.cpu_count()
    if share is None:
        return "The load of other processes was not measured (no /proc/stat)."
    verdict = "quiet" if share < QUIET else "NOT quiet: timings are distorted"
    return f"Other processes used {100 * share:.0f}% of the {cores} cores meanwhile ({verdict})."


@contextmanager
def busy(n_processes):
    """``n_processes`` processes that spin until the block ends."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n_processes)
    ]
    try:
        time.sleep(0.5)  # started and spinning before anything is timed
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()
