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
