"""``make docs-check``'s own checks: figures whose labels overlap, and
scripts that start processes without the ``__main__`` guard."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _checks():
    spec = importlib.util.spec_from_file_location(
        "check_figures", DOCS / "tools" / "check_figures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_overlapping_labels_are_found():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from sknn_scratch.plot import overlapping_labels

    figure, ax = plt.subplots()
    ax.text(0.5, 0.5, "0.0997", fontsize=9)
    ax.text(0.51, 0.5, "0.7", fontsize=9)  # written over the first
    ax.text(0.1, 0.1, "far away")
    assert overlapping_labels(figure) == [("", "0.0997", "0.7")]
    plt.close(figure)


def test_the_gradient_step_figure_has_no_overlapping_labels():
    """The worked examples' before/after figure, where "0.1 -> 0.0997" once
    ran into the weight 0.7."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from sknn_scratch import MLPRegressor
    from sknn_scratch.plot import overlapping_labels, plot_network

    x = np.array([1.0, 2.0])
    W1, w2 = np.column_stack([[0.5, -0.2], [0.1, 0.3]]), np.array([[0.7], [-0.4]])
    small = MLPRegressor.from_weights([W1, w2], activation="tanh")
    figure, (before, after) = plt.subplots(1, 2, figsize=(11, 3.8))
    plot_network(small, x, ax=before)
    small.set_params(solver="gd", learning_rate_init=0.1, momentum=0.0, alpha=0.0)
    small.partial_fit([x], [1.5])
    plot_network(small, x, ax=after)
    figure.tight_layout()
    assert overlapping_labels(figure) == []
    plt.close(figure)


@pytest.mark.parametrize(
    "source, lines",
    [
        ('with cluster("local"):\n    search.fit(X, y)\n', [1]),
        ('if __name__ == "__main__":\n    with cluster("local"):\n        pass\n', []),
        ('with cluster("tcp://10.0.0.5:8786"):\n    pass\n', []),
        ("LocalCluster(n_workers=2)\nLocalCluster(processes=False)\n", [1]),
        ('Client()\nClient("tcp://host:8786")\n', [1]),
        ("from multiprocessing import Pool\npool = Pool(2)\n", [2]),
        ("def main():\n    Pool(2)\n", []),
    ],
)
def test_process_starts_outside_the_guard_are_found(source, lines):
    assert _checks().unguarded_process_starts(source) == lines


def test_every_script_in_the_docs_keeps_its_processes_under_the_guard():
    assert _checks().check(DOCS, draw=False) == []


def test_the_cli_reference_names_every_option_and_report_key(tmp_path, capsys):
    import json

    from sknn_scratch import cli

    page = (DOCS / "cli.md").read_text()
    compare = cli._parser()._subparsers._group_actions[0].choices["compare"]
    options = [s for a in compare._actions for s in a.option_strings if s.startswith("--")]
    missing = [o for o in options if f"`{o}" not in page and o != "--help"]
    assert not missing, f"docs/cli.md does not name {missing}"
    assert cli.main(["compare", "--n-samples", "200", "--cv", "2", "--max-iter", "3",
                     "--quiet", "--json", str(tmp_path / "r.json")]) == 0  # fmt: skip
    capsys.readouterr()
    report = json.loads((tmp_path / "r.json").read_text())
    schema = page.split("## The JSON report")[1]
    keys = set(report) | set(report["rows"][0]) | set(report["rows"][1]["folds"][0])
    assert not [k for k in keys if f'"{k}"' not in schema]
