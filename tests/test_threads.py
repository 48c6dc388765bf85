"""The BLAS threads of fit and predict (``n_threads``, ``sknn_scratch._threads``).

The choice is tested with a fake clock and a fake BLAS, whose step times
say which count is faster; the estimators are tested against the real BLAS
through threadpoolctl.
"""

import re
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch._threads import (
    FIRST_RECHECK,
    ROUNDS,
    SMALL_PRODUCT,
    Threads,
    candidates,
    largest_product,
)


class FakeLibrary:
    def __init__(self, num_threads):
        self.num_threads = num_threads
        self.history = []

    def set_num_threads(self, n):
        self.num_threads = n
        self.history.append(n)


class FakeController:
    def __init__(self, num_threads=2, n_libraries=2):
        self.lib_controllers = [FakeLibrary(num_threads) for _ in range(n_libraries)]


class FakeMachine:
    """A clock that each step advances by the step's time at the thread
    count the fake BLAS has then; ``cost[n]`` is that time per row."""

    def __init__(self, cost, controller):
        self.cost, self.controller, self.now = dict(cost), controller, 0.0

    def clock(self):
        return self.now

    def run(self, threads, n_steps, rows=100):
        counts = []
        for _ in threads.steps(range(n_steps), rows=lambda _: rows):
            count = self.controller.lib_controllers[0].num_threads
            counts.append(count)
            self.now += self.cost[count] * rows
        return counts


def fake_threads(machine, **overrides):
    """``Threads("auto", ...)`` on the fake machine and its BLAS, with its
    own memory and no reading of the real machine's load."""
    settings = dict(
        work=10 * SMALL_PRODUCT,
        clock=machine.clock,
        controller=machine.controller,
        memory={},
        others=unknown,
    )
    settings.update(overrides)
    return Threads("auto", **settings)


def auto(cost, available=2, work=10 * SMALL_PRODUCT):
    controller = FakeController(available)
    machine = FakeMachine(cost, controller)
    return fake_threads(machine, work=work), machine, controller


def unknown():
    return None


def test_candidates_are_one_the_powers_of_two_and_all():
    assert candidates(1) == [1]
    assert candidates(2) == [1, 2]
    assert candidates(6) == [1, 2, 4, 6]
    assert candidates(8) == [1, 2, 4, 8]


def test_largest_product_counts_the_widest_layer_pair():
    assert largest_product(200, [5, 256, 256, 1]) == 200 * 256 * 256
    assert largest_product(10, [3]) == 0


@pytest.mark.parametrize("setting, expected", [(1, 1), (3, 3), (-1, 4), ("auto", 1)], ids=str)
def test_fixed_settings_and_small_products_measure_nothing(setting, expected):
    controller = FakeController(4)
    with Threads(setting, SMALL_PRODUCT - 1, controller=controller) as threads:
        assert not threads.measuring
        assert [lib.num_threads for lib in controller.lib_controllers] == [expected] * 2
        assert list(threads.steps(range(5))) == list(range(5))
    assert threads.count == expected
    assert [lib.num_threads for lib in controller.lib_controllers] == [4, 4]  # put back


@pytest.mark.parametrize(
    "cost, expected",
    [({1: 1e-5, 2: 0.5e-5}, 2), ({1: 1e-5, 2: 3e-5}, 1), ({1: 1e-5, 2: 0.95e-5}, 1)],
    ids=["threads-pay", "busy-machine", "within-the-margin"],
)
def test_auto_keeps_the_fastest_count(cost, expected):
    threads, machine, controller = auto(cost)
    with threads:
        counts = machine.run(threads, 50)
    assert threads.count == expected
    assert counts[-10:] == [expected] * 10
    assert threads.decisions[0]["threads"] == expected
    assert set(threads.decisions[0]["seconds_per_row"]) == {"1", "2"}
    assert [lib.num_threads for lib in controller.lib_controllers] == [2, 2]


def test_a_clearly_slower_count_is_timed_once():
    threads, machine, _ = auto({1: 1e-5, 2: 20e-5})
    with threads:
        counts = machine.run(threads, 1 + 2 * ROUNDS)
    # The warm-up step, one timed step at two threads, and one thread, timed
    # once and kept: the round was clear.
    assert counts == [1, 2] + [1] * (len(counts) - 2)
    assert threads.decisions[0]["step"] == 3


def test_sleeping_threads_are_woken_before_a_timed_step():
    """After a pause longer than WAKE, BLAS's threads sleep, and waking them
    would be charged to the step timed next: a small product wakes them
    first. Right after a threaded step they are awake."""
    woken = []

    def run(cost, n_steps):
        controller = FakeController(2)
        machine = FakeMachine(cost, controller)
        threads = fake_threads(machine, wake=lambda: woken.append(machine.now))
        with threads:
            counts = machine.run(threads, n_steps)
        return counts

    # 0.1 s steps, longer than WAKE, too close to be clear after one round
    counts = run({1: 1e-3, 2: 0.9e-3}, 1 + 2 * ROUNDS)
    assert counts == [1] + [2, 1] * ROUNDS  # warm-up on one thread, then rounds
    assert len(woken) == ROUNDS  # before each step on two threads
    woken.clear()
    counts = run({1: 1e-5, 2: 0.9e-5}, 1 + 2 * ROUNDS)  # 1 ms steps
    assert counts == [1] + [2, 1] * ROUNDS
    assert len(woken) == 1  # only the first time


def test_wake_threads_runs_a_product():
    from sknn_scratch import _threads

    _threads.wake_threads()
    _threads.wake_threads()
    a, out = _threads._WAKE_OPERANDS
    assert out[0, 0] == 256.0


def test_means_not_medians_decide():
    """On a busy machine a count's steps are now fast, now far slower: the
    slow ones are time spent too."""
    controller = FakeController(2)
    times = iter([1, 0.9, 1, 0.9, 1, 3.0, 1])  # warm-up, then 2, 1, 2, 1, 2, 1
    now = [0.0]

    def clock():
        return now[0]

    threads = Threads(
        "auto", 10 * SMALL_PRODUCT, clock=clock, controller=controller, memory={}, others=unknown
    )
    with threads:
        for _ in threads.steps(range(1 + 2 * ROUNDS), rows=lambda _: 1):
            now[0] += next(times) * 1e-3
    # two threads: median 0.9 ms (10% faster: chosen), mean 1.6 ms; one thread 1 ms
    assert threads.count == 1


def test_auto_follows_a_machine_that_gets_busy_and_quiet_again():
    threads, machine, _ = auto({1: 1e-4, 2: 0.5e-4})
    with threads:
        machine.run(threads, 200)
        assert threads.count == 2
        machine.cost = {1: 1e-4, 2: 10e-4}  # another process takes a core
        machine.run(threads, 40)
        assert threads.count == 1
        # Quiet again: the next checks come at growing intervals, and one
        # of them sees it.
        machine.cost = {1: 1e-4, 2: 0.5e-4}
        machine.run(threads, 20_000)
        assert threads.count == 2
    assert [d["threads"] for d in threads.decisions] == [2, 1, 2]


def test_one_misleading_step_does_not_change_the_choice():
    threads, machine, _ = auto({1: 1e-4, 2: 3e-4})
    with threads:
        machine.run(threads, 20)
        assert threads.count == 1
        machine.now += FIRST_RECHECK  # a check is due
        real = machine.cost
        machine.cost = {1: 1e-4, 2: 0.1e-4}  # one lucky step at two threads
        machine.run(threads, 1)
        machine.cost = real
        machine.run(threads, 20)
    assert threads.count == 1
    assert [d["threads"] for d in threads.decisions] == [1]


def test_a_recent_choice_on_products_this_size_is_taken_at_once():
    memory = {}
    controller = FakeController(2)
    machine = FakeMachine({1: 1e-5, 2: 0.5e-5}, controller)

    def call(work):
        threads = fake_threads(machine, work=work, memory=memory)
        with threads:
            counts = machine.run(threads, 10)
        return threads, counts

    first, counts = call(10 * SMALL_PRODUCT)
    assert 1 in counts and first.count == 2  # timed: one thread too
    assert first.decisions[0]["reason"].startswith("timed per row")
    again, counts = call(10 * SMALL_PRODUCT + 1)
    assert counts == [2] * 10 and "ago" in again.decisions[0]["reason"]
    other, counts = call(40 * SMALL_PRODUCT)  # another size: timed anew
    assert 1 in counts and other.decisions[0]["reason"].startswith("timed per row")
    machine.now += 60.0  # too long ago: timed anew
    later, counts = call(10 * SMALL_PRODUCT)
    assert 1 in counts and later.decisions[0]["reason"].startswith("timed per row")


def test_an_enclosing_limit_of_one_thread_is_kept():
    threads, machine, controller = auto({1: 1.0}, available=1)
    with threads:
        assert not threads.measuring
        machine.run(threads, 5)
    assert threads.count == 1
    assert "one thread" in threads.decisions[0]["reason"]


def test_no_blas_to_set_leaves_the_count_unknown():
    controller = FakeController()
    controller.lib_controllers = []
    with Threads("auto", 10 * SMALL_PRODUCT, controller=controller) as threads:
        assert list(threads.steps(range(3))) == [0, 1, 2]
    assert threads.count is None


def test_verbose_reports_each_choice():
    lines = []
    controller = FakeController(2)
    with Threads(1, 0, report=lines.append, controller=controller):
        pass
    assert lines == ["Threads: 1 (n_threads=1)"]


# ------------------------------------------------------------ the estimators


def blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def data(n=600, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5))
    return X, X[:, 0] * X[:, 1] + X[:, 2]


class ThreadsSeen:
    """A scoring callable that notes the BLAS threads during training."""

    def __init__(self):
        self.seen = []

    def __call__(self, est, X, y):
        self.seen.append(blas_threads())
        return 0.0


@pytest.mark.parametrize("n_threads", [1, 2, "auto"])
def test_fit_runs_under_the_chosen_count_and_puts_the_blas_back(n_threads):
    X, y = data()
    before = blas_threads()
    seen = ThreadsSeen()
    est = MLPRegressor(
        hidden_layer_sizes=(8,), max_iter=3, random_state=0, n_threads=n_threads, scoring=seen
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y, X_val=X[:50], y_val=y[:50])
    expected = 1 if n_threads == "auto" else n_threads  # auto: small products
    assert est.n_threads_ == expected
    assert seen.seen and all(counts == [expected] * len(before) for counts in seen.seen)
    assert blas_threads() == before


def test_a_failed_fit_puts_the_blas_back():
    X, y = data()
    before = blas_threads()

    def failing(est, X, y):
        raise RuntimeError("scorer failed")

    est = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, n_threads=1, scoring=failing)
    with pytest.raises(RuntimeError, match="scorer failed"):
        est.fit(X, y, X_val=X[:50], y_val=y[:50])
    assert blas_threads() == before
    assert not hasattr(est, "n_threads_")


def test_an_enclosing_threadpool_limit_is_respected_by_auto():
    X, y = data(3000)
    est = MLPRegressor(hidden_layer_sizes=(256, 256), batch_size=200, max_iter=1, random_state=0)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        est.fit(X, y)
        assert blas_threads() == [1] * len(blas_threads())
    assert est.n_threads_ == 1


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_thread_counts_change_speed_not_results(Estimator, solver):
    """Wide enough that "auto" times its steps. OpenBLAS splits some long
    sums over its threads, so the counts may differ in the last bits."""
    X, y = data(2000)
    if Estimator is MLPClassifier:
        y = (y > 0).astype(int)
    params = dict(hidden_layer_sizes=(256, 256), max_iter=3, random_state=0, solver=solver)
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n_threads in (1, 2, "auto"):
            est = Estimator(n_threads=n_threads, **params).fit(X, y)
            fits[n_threads] = np.concatenate([c.ravel() for c in est.coefs_])
            assert est.n_threads_ in (1, 2)
    for n_threads in (2, "auto"):
        np.testing.assert_allclose(fits[n_threads], fits[1], rtol=1e-9, atol=1e-12)


def test_predict_is_the_same_under_every_count_and_puts_the_blas_back():
    X, y = data(20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPRegressor(hidden_layer_sizes=(128, 128), max_iter=1, random_state=0)
        est.fit(X[:500], y[:500])
    before = blas_threads()
    predictions = {}
    for n_threads in (1, 2, -1, "auto"):
        est.set_params(n_threads=n_threads)
        predictions[n_threads] = est.predict(X)
        assert blas_threads() == before
    for n_threads in (2, -1, "auto"):
        # Prediction blocks are the same whatever the count; each row's
        # products are summed the same way.
        np.testing.assert_array_equal(predictions[n_threads], predictions[1])


@pytest.mark.parametrize("value", [0, -2, 1.5, "many"])
def test_bad_n_threads_is_a_clear_error(value):
    X, y = data()
    with pytest.raises(ValueError, match=re.escape("'n_threads' parameter")):
        MLPRegressor(n_threads=value).fit(X, y)


def test_verbose_says_how_many_threads(capsys):
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=2, verbose=True, n_threads=1).fit(X, y)
    assert "Threads: 1 (n_threads=1)" in capsys.readouterr().out


def test_the_default_is_auto_and_for_tabular_keeps_it():
    assert MLPRegressor().n_threads == "auto"
    assert MLPClassifier.for_tabular().n_threads == "auto"


def test_more_threads_need_every_round_and_short_calls_time_fewer():
    """Fewer threads may win after one clear round; more threads only after
    every round (a threaded step on a busy machine is now and then fast). A
    call of few steps times fewer rounds."""
    threads, machine, _ = auto({1: 1e-5, 2: 0.5e-5})
    with threads:
        machine.run(threads, 30)
    assert threads.count == 2 and threads.decisions[0]["step"] == 1 + 2 * ROUNDS
    controller = FakeController(2)
    machine = FakeMachine({1: 1e-5, 2: 0.5e-5}, controller)
    short = fake_threads(machine, steps=40)
    with short:
        machine.run(short, 10)
    assert short.rounds == 1 and short.decisions[0]["step"] == 3


def test_cores_busy_with_other_processes_mean_one_thread_without_timing():
    """Where /proc/stat says other processes keep the cores busy, more
    threads would wait for them: one thread, no step at two, and the load is
    read again at the checks; once the cores are free, the counts are timed."""
    load = {"others": 1.9}
    controller = FakeController(2)
    machine = FakeMachine({1: 1e-4, 2: 0.5e-4}, controller)
    threads = fake_threads(machine, others=lambda: load["others"])
    with threads:
        counts = machine.run(threads, 300)  # 3 s
        assert set(counts) == {1}
        assert "other processes keep 1.9" in threads.decisions[0]["reason"]
        load["others"] = 0.1  # quiet again
        counts = machine.run(threads, 600)
    assert threads.count == 2 and 2 in counts


def test_cores_used_by_others_reads_the_machine():
    from sknn_scratch import _threads

    now = [100.0]
    _threads._READING.clear()
    assert _threads.cores_used_by_others(lambda: now[0]) is None  # no window yet
    now[0] += 0.5
    value = _threads.cores_used_by_others(lambda: now[0])
    if _threads._cpu_seconds() is None:
        assert value is None  # not Linux
    else:
        assert value is not None and value >= 0.0


def test_a_recent_choice_is_checked_once_its_interval_has_passed():
    """Calls too short to reach a check (repeated predictions) still check:
    a choice taken from memory is due when its interval has passed since it
    was made."""
    memory = {}
    controller = FakeController(2)
    machine = FakeMachine({1: 1e-5, 2: 0.5e-5}, controller)

    def call(n_steps=5):
        threads = fake_threads(machine, steps=n_steps, memory=memory)
        with threads:
            return machine.run(threads, n_steps)

    call()
    assert memory[next(iter(memory))][1] == 2
    machine.now += 0.5  # within the interval: taken as it is
    assert call() == [2] * 5
    machine.now += 1.0  # past it: the first steps check the other count
    assert 1 in call()
