"""The benchmark script runs (its speed is for `make bench`, never for tests)."""

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_quick_benchmark_runs_and_reports_every_case(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "results.json"
    assert bench.main(["--quick", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert len(rows) == len(list(bench.cases(quick=True)))
    for row in rows:
        assert row["ours_s"] > 0 and row["sklearn_s"] > 0
        assert abs(row["ours_score"] - row["sklearn_score"]) < 0.05, row
