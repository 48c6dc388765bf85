"""Parameter groups and their learning rates (``_optimizers.parameter_groups``)."""

import numpy as np
import pytest

# ----------------------------------------------------- parameter groups


def _net_and_slices(rng):
    from sknn_scratch._network import Network

    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 1))]
    intercepts = [rng.normal(size=4), rng.normal(size=1)]
    net = Network.of_lists(coefs, intercepts, "relu").for_training("squared_error", np.float64)
    return net, net.parameter_slices


def test_parameter_slices_cover_the_flat_vector_in_pack_order(rng):
    net, slices = _net_and_slices(rng)
    assert [(layer, group) for layer, group, _ in slices] == [
        (0, "weights"),
        (3, "weights"),
        (0, "biases"),
        (3, "biases"),
    ]
    covered = np.zeros(net.params.size, dtype=int)
    for _, _, part in slices:
        covered[part] += 1
    assert (covered == 1).all()
    np.testing.assert_array_equal(net.params[slices[1][2]], net.coefs[1].ravel())
    np.testing.assert_array_equal(net.params[slices[2][2]], net.intercepts[0])


def test_default_groups_are_todays_optimizer(rng):
    from sknn_scratch._optimizers import Adam, Groups, GroupSettings, parameter_groups
    from sknn_scratch._schedules import Schedule

    net, slices = _net_and_slices(rng)
    n = net.params.size
    defaults = parameter_groups(slices, {}, n)
    assert defaults.rate_scale is None
    parts = [slice(start, stop) for start, stop, _ in defaults.decayed]
    assert parts == [slices[0][2], slices[1][2]]
    same = parameter_groups(slices, {(None, None): GroupSettings()}, n)
    grads = rng.normal(size=n)
    steps = []
    for groups in (Groups.default(net.weights.size), defaults, same):
        opt = Adam(
            n, np.float64, Schedule("constant", 0.01, 0.5, 10, 0), 0.9, 0.999, 1e-8, 0.1, groups
        )
        params = net.params.copy()
        opt.update(params, grads)
        steps.append(params)
    np.testing.assert_array_equal(steps[0], steps[1])
    np.testing.assert_array_equal(steps[0], steps[2])


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_group_rate_multipliers_scale_each_groups_step(kind, rng):
    from sknn_scratch._optimizers import SGD, Adam, GroupSettings, parameter_groups
    from sknn_scratch._schedules import Schedule

    net, slices = _net_and_slices(rng)
    n = net.params.size
    settings = {(None, "biases"): GroupSettings(rate=0.5), (3, "weights"): GroupSettings(rate=0.0)}
    groups = parameter_groups(slices, settings, n)
    grads = rng.normal(size=n)

    def step(groups):
        schedule = Schedule("constant", 0.01, 0.5, 10, 0)
        if kind == "adam":
            opt = Adam(n, np.float64, schedule, 0.9, 0.999, 1e-8, 0.0, groups)
        else:
            opt = SGD(n, np.float64, schedule, 0.9, True, groups)
        params = net.params.copy()
        opt.update(params, grads)
        return params - net.params

    plain, grouped = step(None), step(groups)
    weights0, weights1, biases0, biases1 = (part for _, _, part in slices)
    np.testing.assert_allclose(grouped[weights0], plain[weights0], rtol=1e-12)
    assert not grouped[weights1].any()  # a multiplier of 0 freezes the group
    for part in (biases0, biases1):
        np.testing.assert_allclose(grouped[part], 0.5 * plain[part], rtol=1e-12)


def test_group_decay_follows_the_settings(rng):
    from sknn_scratch._optimizers import Adam, GroupSettings, parameter_groups
    from sknn_scratch._schedules import Schedule

    net, slices = _net_and_slices(rng)
    n, eta, wd = net.params.size, 0.01, 0.1
    settings = {(0, "weights"): GroupSettings(decay=False), (3, "biases"): GroupSettings(2.0, True)}
    groups = parameter_groups(slices, settings, n)
    opt = Adam(n, np.float64, Schedule("constant", eta, 0.5, 10, 0), 0.9, 0.999, 1e-8, wd, groups)
    params = net.params.copy()
    opt.update(params, np.zeros(n))  # no gradient: the step is the decay alone
    weights0, weights1, biases0, biases1 = (part for _, _, part in slices)
    np.testing.assert_array_equal(params[weights0], net.params[weights0])
    np.testing.assert_allclose(params[weights1], net.params[weights1] * (1 - eta * wd))
    np.testing.assert_array_equal(params[biases0], net.params[biases0])
    np.testing.assert_allclose(params[biases1], net.params[biases1] * (1 - 2 * eta * wd))
