"""README's code runs, and the values its comments show are what it computes.

A line ``expression  # array(...)`` (or a list of arrays) is checked like a
doctest: the expression's value must equal the commented one.
"""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
SHOWN = re.compile(r"^(?P<expr>[^#]+?)\s+#\s+(?P<value>\[?array\(.*\)\]?)\s*$")


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs_and_shows_true_values(block):
    import ast

    namespace = {}
    lines = block.splitlines()
    checked = 0
    for statement in ast.parse(block).body:
        source = ast.get_source_segment(block, statement)
        match = SHOWN.match(lines[statement.end_lineno - 1])
        if isinstance(statement, ast.Expr) and match:
            value = eval(source, namespace)
            shown = eval(match["value"], {"array": np.array})
            np.testing.assert_allclose(
                np.asarray(value, dtype=float), np.asarray(shown, dtype=float), rtol=0, atol=1e-12
            )
            checked += 1
        else:
            exec(source, namespace)
    assert checked or "# array" not in block


def test_readme_memory_figures_are_those_of_the_benchmark_results():
    results = (README.parent / "benchmarks" / "RESULTS.md").read_text()
    rows = _memory_rows(results)
    text = " ".join(README.read_text().split())
    assert set(rows) == {"adam", "lbfgs"}
    for solver, (ours, theirs) in rows.items():
        assert f"{ours} against {theirs} MB for {solver}" in text


def _memory_rows(results):
    rows = {}
    for line in results.splitlines():
        match = re.match(
            r"^\| (?:peak memory of fit, bank 100000 rows \(64, 64\) (?P<a>adam)|same data, "
            r"(?P<l>lbfgs) \(3 iterations\)) \| (?P<ours>[\d.]+) \| (?P<theirs>[\d.]+) \|$",
            line,
        )
        if match:
            rows[match["a"] or match["l"]] = (match["ours"], match["theirs"])
    return rows


def test_readme_is_short_and_starts_with_what_the_library_is():
    text = README.read_text()
    assert len(text.splitlines()) < 200
    opening = text.split("\n## ")[0]
    assert "scikit-learn" in opening and "from scratch" in opening
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    assert sections[:2] == ["Two commands", "A short tour"]
    assert "Moving from scikit-learn's MLP" in sections


def test_readme_demo_table_is_what_the_demo_prints():
    """The table in README is the main job's output on the bank data (its
    scores; the times vary)."""
    import contextlib
    import io

    from sknn_scratch.cli import main

    shown = re.search(r"```\n(Data: bank.*?)```", README.read_text(), flags=re.S)[1]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["compare", "--quiet"]) == 0
    printed = out.getvalue().splitlines()
    for ours, theirs in zip(shown.splitlines(), printed, strict=True):
        assert ours.split()[:6] == theirs.split()[:6]  # the name and the scores
