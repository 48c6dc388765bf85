"""tools/behaviour.py, which shows a refactoring's effect on every result,
records what it should and tells identical from different."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import behaviour  # noqa: E402


@pytest.mark.parametrize("name", ["reg adam relu", "clf sgd balanced smoothing", "reg sparse"])
def test_a_configuration_records_predictions_weights_and_records(name):
    first, again = behaviour.record_one(name), behaviour.record_one(name)
    assert {"predict", "weights", "loss_curve_", "n_iter_"} <= set(first)
    for key in first:
        assert behaviour.difference(first[key], again[key]) == 0.0  # deterministic


def test_differences_are_relative_to_the_scale():
    a = np.array([1.0, -2.0, 4.0])
    assert behaviour.difference(a, a.copy()) == 0.0
    assert behaviour.difference(a, a + [0, 0, 4e-16]) == pytest.approx(1e-16)
    assert behaviour.difference(a, a[:2]) == float("inf")


def test_the_report_fails_beyond_the_tolerance(tmp_path, capsys):
    before = {"a|predict": np.ones(3), "b|predict": np.ones(3)}
    after = {"a|predict": np.ones(3), "b|predict": np.ones(3) + 1e-12}
    np.savez(tmp_path / "before.npz", **before)
    np.savez(tmp_path / "after.npz", **after)
    load = np.load
    assert behaviour._report(load(tmp_path / "before.npz"), load(tmp_path / "after.npz"), 0, None)
    out = capsys.readouterr().out
    assert "a                               bit-identical" in out and "b" in out
    assert not behaviour._report(
        load(tmp_path / "before.npz"), load(tmp_path / "after.npz"), 1e-9, None
    )
