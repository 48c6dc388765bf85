"""End to end: `sknn-scratch compare` in a subprocess, on small data."""

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.model_selection import GridSearchCV, KFold

from sknn_scratch import cli
from sknn_scratch._compare import REGRESSION, models

SMALL = ["--n-samples", "600", "--cv", "3", "--max-iter", "40", "--hidden", "16"]


def run(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "sknn_scratch", "compare", *args],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def test_table_json_and_figures(tmp_path):
    result = run(*SMALL, "--json", str(tmp_path / "r.json"), "--plot-dir", str(tmp_path / "fig"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # quiet in a pipe
    lines = result.stdout.splitlines()
    assert lines[1].startswith("Features (5): age, bank_balance")
    assert "R^2 mean" in lines[2] and "predict us/row" in lines[2]
    for name in ("LinearRegression", "MLPRegressor", "ceiling (noise-free)"):
        assert any(line.startswith(name) for line in lines)
    report = json.loads((tmp_path / "r.json").read_text())
    assert [row["model"] for row in report["rows"]] == [
        "LinearRegression",
        "MLPRegressor",
        "MLPRegressor.for_tabular()",
        "ceiling (noise-free)",
    ]
    for row in report["rows"]:
        assert -1 < row["r2_mean"] <= 1 and row["rmse"] > 0 and row["mae"] > 0
    ceiling = report["rows"][3]
    assert ceiling["fit_s"] is None and ceiling["r2_mean"] > 0.9
    for figure in ("interaction.png", "loss_curve.png"):
        data = (tmp_path / "fig" / figure).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_csv_with_a_text_column(tmp_path):
    rng = np.random.RandomState(0)
    rows = ["city,age,spend"]
    for _ in range(90):
        city = rng.choice(["Leeds", "York", "Hull"])
        age = rng.randint(18, 80)
        spend = age * (2 if city == "York" else 1) + rng.normal()
        rows.append(f"{city},{age},{spend:.2f}")
    path = tmp_path / "shop.csv"
    path.write_text("\n".join(rows))
    result = run(
        "--csv",
        str(path),
        "--target",
        "spend",
        "--cv",
        "3",
        "--max-iter",
        "30",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["data"] == "shop.csv (target spend)"
    assert [row["model"] for row in report["rows"]] == [
        "LinearRegression",
        "MLPRegressor",
        "MLPRegressor.for_tabular()",
    ]


def test_missing_values_are_named_or_imputed(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text(
        "a,b,y\n" + "\n".join(f"{i},{'' if i % 7 == 0 else i * 2},{i}" for i in range(30))
    )
    result = run("--csv", str(path), "--target", "y", "--cv", "3")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "sknn-scratch: error: missing values in column(s) b; pass --impute to fill them."
    )
    result = run("--csv", str(path), "--target", "y", "--cv", "3", "--max-iter", "10", "--impute")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--csv", "nowhere.csv", "--target", "y"], "no such file: nowhere.csv"),
        (["--csv", "{csv}", "--target", "missing"], "no column 'missing'"),
        (["--csv", "{csv}", "--target", "name"], "the class 'n0' has 1 row(s), fewer than"),
        (
            ["--csv", "{csv}", "--target", "name", "--task", "regression"],
            "a regression needs numbers",
        ),
        (["--csv", "{csv}", "--target", "y", "--cv", "10"], "fewer than the 10 folds"),
        (["--csv", "{csv}"], "--csv needs --target"),
        (["--target", "y"], "--target only applies with --csv"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message, tmp_path):
    csv = tmp_path / "tiny.csv"
    csv.write_text("name,x,y\n" + "\n".join(f"n{i},{i},{i * 3}" for i in range(5)))
    result = run(*[a.replace("{csv}", str(csv)) for a in args], cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_argument_errors_exit_2():
    result = run("--hidden", "a,b")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_tune_reports_best_parameters(tmp_path):
    result = run(
        "--n-samples",
        "300",
        "--cv",
        "2",
        "--max-iter",
        "20",
        "--tune",
        "--n-jobs",
        "2",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 0, result.stderr
    tuning = json.loads((tmp_path / "r.json").read_text())["tuning"]
    assert set(tuning["best_params"]) == {"hidden_layer_sizes", "alpha", "learning_rate_init"}
    assert "GridSearchCV best R^2" in result.stdout


def _run_in_terminal(*code_args):
    """Run the CLI with stderr on a pseudo-terminal; return (rc, stdout, tty bytes)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, *code_args], stdout=subprocess.PIPE, stderr=terminal, text=True
    )
    os.close(terminal)
    seen = []

    def drain():  # concurrently, so that a full terminal buffer never blocks the CLI
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    output = process.stdout.read()
    process.wait(timeout=300)
    reader.join(timeout=30)
    os.close(controller)
    return process.returncode, output, b"".join(seen)


@pytest.mark.parametrize("rich", ["installed", "missing"])
def test_progress_shows_in_a_terminal_only(rich):
    if rich == "installed":
        pytest.importorskip("rich")
    hide = "import sys; sys.modules['rich'] = None; " if rich == "missing" else ""
    code = (
        f"{hide}from sknn_scratch.cli import main; raise SystemExit(main({['compare', *SMALL]!r}))"
    )
    returncode, output, seen = _run_in_terminal("-c", code)
    assert returncode == 0 and "MLPRegressor" in output
    # Nothing but results on stdout: no bars, no status lines.
    assert output.startswith("Data:") and "MLPRegressor - fit" not in output
    assert b"fold 1/3" in seen
    if rich == "installed":  # scikit-learn's ProgressBar, through the callback API
        assert b"MLPRegressor - fit" in seen and b"100%" in seen
    else:  # the status line with the MLP's verbose loss
        assert b"Iteration" in seen
    quiet = run(*SMALL, "--quiet")
    assert quiet.stderr == ""


def test_grid_search_with_two_jobs_is_reproducible():
    data = cli._load(cli._parser().parse_args(["compare", "--n-samples", "300"]))
    model = models(REGRESSION, ("mlp",), (8,), 15, 0)["MLPRegressor"]
    grid = {"mlpregressor__alpha": [1e-4, 1e-1]}
    folds = KFold(3, shuffle=True, random_state=0)
    first = fit_quietly(GridSearchCV(model, grid, cv=folds, n_jobs=2), data["X"], data["y"])
    second = fit_quietly(GridSearchCV(model, grid, cv=folds, n_jobs=2), data["X"], data["y"])
    serial = fit_quietly(GridSearchCV(model, grid, cv=folds, n_jobs=1), data["X"], data["y"])
    np.testing.assert_array_equal(
        first.cv_results_["mean_test_score"], second.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(
        first.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


def test_mlp_beats_linear_regression_on_the_default_data(tmp_path):
    result = run("--json", str(tmp_path / "r.json"), "--quiet")
    assert result.returncode == 0, result.stderr
    rows = {row["model"]: row for row in json.loads((tmp_path / "r.json").read_text())["rows"]}
    assert rows["MLPRegressor"]["r2_mean"] >= rows["LinearRegression"]["r2_mean"] + 0.15


def test_bundled_diabetes_data(tmp_path):
    result = run(
        "--dataset", "diabetes", "--cv", "2", "--max-iter", "20", "--json", str(tmp_path / "r.json")
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["data"] == "diabetes" and report["n_samples"] == 442
    assert len(report["rows"]) == 3  # no ceiling for real data


def test_missing_matplotlib_is_a_clear_error_before_any_work(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes the import fail
    code = cli.main(["compare", *SMALL, "--plot-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.strip() == (
        "sknn-scratch: error: --plot-dir needs matplotlib: "
        "pip install 'sknn-scratch[plot]' (or: pip install matplotlib)"
    )


# The documented install has no pandas: the main job on the built-in data
# sets must not import it (CI also runs `make check-install`, a real
# `pip install .` into a clean environment).
_NO_PANDAS = """
import sys

class NoPandas:  # as if pandas were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, NoPandas())
from sknn_scratch.cli import main
code = main(sys.argv[1:])
assert "pandas" not in sys.modules
sys.exit(code)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["compare", *SMALL, "--quiet"],
        ["compare", "--dataset", "diabetes", "--cv", "2", "--max-iter", "20", "--quiet"],
        ["compare", *SMALL, "--quiet", "--json", "{tmp}/r.json"],
        ["compare", *SMALL, "--quiet", "--plot-dir", "{tmp}/figs"],
    ],
    ids=["bank", "diabetes", "json", "plot-dir"],
)
def test_main_job_runs_without_pandas(args, tmp_path):
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = subprocess.run(
        [sys.executable, "-c", _NO_PANDAS, *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "LinearRegression" in result.stdout and "MLPRegressor" in result.stdout
    if "--plot-dir" in args:
        assert (tmp_path / "figs" / "interaction.png").stat().st_size > 0


def test_csv_without_pandas_names_the_extra(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n3,4\n5,6\n")
    result = subprocess.run(
        [sys.executable, "-c", _NO_PANDAS, "compare", "--csv", str(path), "--target", "b"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "sknn-scratch: error: --csv needs pandas: pip install 'sknn-scratch[csv]' "
        "(or: pip install pandas)"
    )


# ------------------------------------------------- the contract, widely


def _main(capsys, *args):
    code = cli.main(["compare", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _quick_csv(capsys, path, *args):
    """``compare --quiet`` on a CSV with target y, 2 folds and 5 epochs."""
    return _main(
        capsys, "--quiet", "--csv", path, "--target", "y", "--cv", "2", "--max-iter", "5", *args
    )


GOOD_ROWS = "\n".join(f"{i},{i % 3},{i * 2.5}" for i in range(30))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--cv", "1"], "at least 2 folds"),
        (["--cv", "0"], "at least 2 folds"),
        (["--seed", "-1"], "between 0 and 2**32 - 1"),
        (["--seed", str(2**32)], "between 0 and 2**32 - 1"),
        (["--tune", "--n-jobs", "0"], "not 0"),
        (["--n-samples", "x"], "expected an integer"),
        (["--hidden", "100000,100000"], "weights, more than"),
        (["--plot-dir", "{file}"], "exists and is not a directory"),
        (["--json", "{missing}/r.json"], "does not exist"),
        (["--json", "{dir}"], "is a directory"),
        (["--json", "/dev/full"], "not a regular file"),
        (["--csv", "{dir}", "--target", "y"], "is a directory"),
        (["--csv", "/dev/null", "--target", "y"], "not a regular file"),
        (["--csv", "{header_only}", "--target", "y"], "no data rows"),
        (["--csv", "{empty}", "--target", "y"], "is empty"),
        (["--csv", "{inf_target}", "--target", "y"], "column 'y' holds infinite"),
        (["--csv", "{huge_feature}", "--target", "y"], "column 'a' holds infinite"),
        (["--csv", "{huge_finite}", "--target", "y"], "column 'a' holds values as large as 1e+300"),
        (["--csv", "{huge_target}", "--target", "y"], "column 'y' holds values as large as 1e+200"),
        # argparse's own errors, in the same one line
        (["--hidden", "abc"], "argument --hidden: expected integers like 64,64, got 'abc'"),
        (["--hidden", "64,,64"], "an empty layer size"),
        (["--hidden", "64,"], "an empty layer size"),
        (["--hidden", ",64"], "an empty layer size"),
        (["--cv", "x"], "argument --cv: expected an integer"),
        (["--dataset", "iris"], "argument --dataset: invalid choice: 'iris'"),
        (["--bogus"], "unrecognized arguments: --bogus; see 'sknn-scratch compare --help'"),
        (["--csv"], "argument --csv: expected one argument"),
        (["--n-jobs", "2"], "--n-jobs only applies with --tune"),
        (["--dataset", "diabetes", "--csv", "{file}"], "not allowed with argument"),
    ],
)
def test_bad_input_is_always_one_line_and_exit_code_2(args, message, tmp_path, capsys):
    paths = {
        "{file}": _csv(tmp_path, "x", "a_file"),
        "{missing}": str(tmp_path / "missing"),
        "{dir}": str(tmp_path),
        "{header_only}": _csv(tmp_path, "a,b,y\n", "header.csv"),
        "{empty}": _csv(tmp_path, "", "empty.csv"),
        "{inf_target}": _csv(tmp_path, "a,b,y\n" + GOOD_ROWS + "\n1,2,inf\n", "inf.csv"),
        "{huge_feature}": _csv(tmp_path, "a,b,y\n" + GOOD_ROWS + "\n1e400,2,3\n", "huge.csv"),
        "{huge_finite}": _csv(tmp_path, "a,b,y\n" + GOOD_ROWS + "\n1e300,2,3\n", "big.csv"),
        "{huge_target}": _csv(tmp_path, "a,b,y\n" + GOOD_ROWS + "\n1,2,-1e200\n", "bigy.csv"),
    }
    for key, value in paths.items():
        args = [a.replace(key, value) for a in args]
    code, out, err = _main(capsys, "--n-samples", "60", "--cv", "2", *args)
    assert code == 2 and out == ""
    assert err.startswith("sknn-scratch: error: ") and err.endswith("\n")
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--bogus"], "unrecognized arguments: --bogus; see 'sknn-scratch --help'"),
        (["comp"], "argument command: invalid choice: 'comp'"),
    ],
)
def test_top_level_argument_errors_are_one_line(argv, message, capsys):
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and message in err


def test_data_the_models_cannot_fit_end_in_one_line(monkeypatch, capsys):
    def overflow(*args):
        raise ValueError("Input X contains NaN.\nmore detail")

    monkeypatch.setattr(cli, "cross_validate", overflow)
    code, out, err = _main(capsys, *SMALL)
    assert code == 2 and err == (
        "sknn-scratch: error: the models cannot be fitted to these data: Input X contains NaN.\n"
    )


def test_semicolon_csv_is_read(tmp_path, capsys):
    path = _csv(tmp_path, "a;b;y\n" + GOOD_ROWS.replace(",", ";"))
    code, out, err = _main(capsys, "--csv", path, "--target", "y", "--cv", "2", "--max-iter", "5")
    assert code == 0, err
    assert "LinearRegression" in out


def test_boolean_columns_are_features(tmp_path, capsys):
    rows = "\n".join(f"{i},{'True' if i % 2 else 'False'},{i * 2 + (i % 2)}" for i in range(40))
    path = _csv(tmp_path, "a,flag,y\n" + rows)
    code, out, err = _main(capsys, "--csv", path, "--target", "y", "--cv", "2", "--max-iter", "5")
    assert code == 0, err


def test_identifier_columns_are_dropped_with_a_note(tmp_path, capsys):
    rows = "\n".join(f"id{i},2026-01-{i % 28 + 1:02d}T{i:02d},{i},{i * 2.0}" for i in range(40))
    path = _csv(tmp_path, "customer,when,a,y\n" + rows)
    code, out, err = _main(
        capsys,
        "--csv",
        path,
        "--target",
        "y",
        "--cv",
        "2",
        "--max-iter",
        "5",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert code == 0
    assert "dropping column 'customer': text with 40 distinct values" in err
    assert "dropping column 'when': text" in err


def test_json_is_strict_and_has_folds_seed_and_iterations(tmp_path, capsys):
    code, out, err = _main(
        capsys,
        "--n-samples",
        "200",
        "--cv",
        "2",
        "--max-iter",
        "5",
        "--seed",
        "7",
        "--json",
        str(tmp_path / "r.json"),
    )
    text = (tmp_path / "r.json").read_text()
    assert code == 0 and "NaN" not in text

    def no_constants(name):
        raise AssertionError(f"non-strict JSON constant {name}")

    report = json.loads(text, parse_constant=no_constants)
    assert report["seed"] == 7
    rows = {row["model"]: row for row in report["rows"]}
    assert [f["n_iter"] for f in rows["MLPRegressor"]["folds"]] == [5, 5]
    assert rows["ceiling (noise-free)"]["folds"][0]["fit_s"] is None
    assert len(rows["LinearRegression"]["folds"]) == 2


def test_not_converging_and_losing_to_linear_regression_are_said(capsys):
    code, out, err = _main(capsys, "--n-samples", "200", "--cv", "2", "--max-iter", "1")
    assert code == 0
    assert "Note: MLPRegressor stopped at --max-iter 1 without converging in 2 of 2 folds" in out
    assert "Note: MLPRegressor scores below LinearRegression" in out


def test_tune_says_its_best_score_is_optimistic(capsys):
    code, out, err = _main(capsys, "--n-samples", "200", "--cv", "2", "--max-iter", "3", "--tune")
    assert code == 0 and "optimistic" in out


def test_no_hidden_layer_is_labelled(capsys):
    code, out, err = _main(
        capsys, "--n-samples", "200", "--cv", "2", "--max-iter", "5", "--hidden", ""
    )
    assert code == 0 and "MLPRegressor (no hidden layer)" in out


def test_version_and_plain_help():
    version = subprocess.run(
        [sys.executable, "-m", "sknn_scratch", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.strip().startswith("sknn-scratch ")
    for args in ([], ["compare"]):
        help_text = subprocess.run(
            [sys.executable, "-m", "sknn_scratch", *args, "--help"], capture_output=True, text=True
        ).stdout
        assert "``" not in help_text and "usage: sknn-scratch" in help_text


# ------------------------------------------- a main job that diagnoses (issue 20)


def _notes_of(capsys, *args):
    code, out, err = _main(capsys, "--quiet", *args)
    assert code == 0, err
    return [line for line in out.splitlines() if line.startswith("Note: ")], out


@pytest.mark.parametrize(
    "args, expected",
    [
        # diabetes with (64, 64): every fold converged, the network overfits;
        # the recipe overfits less, and ties with LinearRegression
        (
            ["--dataset", "diabetes"],
            [
                "MLPRegressor overfits: R^2 0.971",
                "MLPRegressor scores below LinearRegression",
                "MLPRegressor.for_tabular() overfits: R^2 0.590",
                "MLPRegressor.for_tabular() and LinearRegression tie within the folds' spread",
            ],
        ),
        # the bank data: only that the recipe's budget ended its training
        ([], ["MLPRegressor.for_tabular(): its step budget, not convergence, ended training"]),
        # too few epochs: the cause named for the MLP is non-convergence
        (
            ["--n-samples", "1000", "--max-iter", "5"],
            ["MLPRegressor stopped at --max-iter 5", "MLPRegressor.for_tabular(): its step"],
        ),
        # no hidden layer on diabetes: 0.491 against 0.491 is a tie
        (
            ["--dataset", "diabetes", "--hidden", ""],
            [
                "MLPRegressor (no hidden layer) and LinearRegression tie",
                "MLPRegressor.for_tabular() overfits",
                "MLPRegressor.for_tabular() and LinearRegression tie",
            ],
        ),
    ],
    ids=["diabetes-overfits", "bank-nothing", "not-converged", "tie"],
)
def test_notes_name_the_actual_cause(args, expected, capsys):
    notes, out = _notes_of(capsys, *args)
    assert len(notes) == len(expected)
    for note, words in zip(notes, expected):
        assert words in note
    if args == ["--dataset", "diabetes"]:
        assert "--max-iter" not in " ".join(notes)  # every fold converged
        assert "(e.g. --hidden 8)" in notes[0]


def test_training_scores_are_reported(tmp_path, capsys):
    code, out, err = _main(capsys, *SMALL, "--json", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    mlp = report["rows"][1]
    assert mlp["r2_train_mean"] == pytest.approx(np.mean([f["r2_train"] for f in mlp["folds"]]))
    assert report["rows"][3]["r2_train_mean"] is None  # the ceiling
    assert "R^2 train" in out.splitlines()[2]


def test_the_table_stays_aligned_whatever_the_labels(capsys):
    code, out, err = _main(capsys, "--quiet", *SMALL[:-2], "--hidden", "")
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("model"))
    table = lines[header : header + 5]
    assert len({len(line) for line in table}) == 1  # header, rule and rows
    assert table[3].startswith("MLPRegressor (no hidden layer)  ")


def _id_csv(tmp_path, name="customer_id", ids=None, n=40):
    rng = np.random.RandomState(0)
    ids = np.arange(1000, 1000 + 7 * n, 7) if ids is None else ids
    a = rng.uniform(0, 10, n)
    rows = "\n".join(f"{i},{x:.3f},{2 * x:.3f}" for i, x in zip(ids, a))
    return _csv(tmp_path, f"{name},a,y\n{rows}\n")


@pytest.mark.parametrize(
    "name, ids, dropped",
    [
        ("customer_id", None, True),  # named like an ID
        ("ID", None, True),
        ("row", np.arange(1, 41), True),  # a row number
        ("Unnamed: 0", np.arange(40), True),  # pandas' index, written out
        ("order key", np.arange(40, 0, -1), True),
        ("count", np.random.RandomState(1).permutation(40) * 13, False),  # a real feature
        ("year", np.arange(1980, 2020), False),  # distinct and sorted, but a feature
        ("customer_id", np.r_[np.arange(39), 0], False),  # not distinct
    ],
)
def test_numeric_identifiers_are_dropped_and_reported(name, ids, dropped, tmp_path, capsys):
    path = _id_csv(tmp_path, name, ids)
    code, out, err = _quick_csv(capsys, path, "--json", str(tmp_path / "r.json"))
    assert code == 0, err
    features = json.loads((tmp_path / "r.json").read_text())["features"]
    assert (name in features["dropped"]) is dropped
    assert (name in features["used"]) is not dropped
    assert (f"dropping column {name!r}" in err) is dropped
    assert ("Dropped: " + name in out) is dropped


@pytest.mark.parametrize(
    "args, dropped",
    [
        (["--drop", "accounts"], ["accounts"]),
        (["--drop", "age,retired"], ["age", "retired"]),
        (["--dataset", "diabetes", "--drop", "sex"], ["sex"]),
    ],
)
def test_drop_leaves_columns_out(args, dropped, tmp_path, capsys):
    code, out, err = _main(capsys, "--quiet", *SMALL, *args, "--json", str(tmp_path / "r.json"))
    assert code == 0, err
    features = json.loads((tmp_path / "r.json").read_text())["features"]
    assert list(features["dropped"]) == dropped
    assert not set(dropped) & set(features["used"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--drop", "nope"], "--drop: no feature column 'nope'"),
        (["--drop", "age,age"], None),
        (["--drop", "age,bank_balance,retired,family_members,accounts"], "leaves no feature"),
        (["--drop", "a,,b"], "expected column names"),
    ],
)
def test_drop_errors(args, message, capsys):
    code, out, err = _main(capsys, "--quiet", *SMALL, *args)
    if message is None:
        assert code == 0
    else:
        assert code == 2 and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("separator", [";", "\t"])
def test_decimal_commas_are_read(separator, tmp_path, capsys):
    rows = [separator.join(["a", "b", "y"])]
    for i in range(30):
        rows.append(
            separator.join(
                [f"{i / 3:.2f}".replace(".", ","), str(i % 4), f"{i * 1.5:.1f}".replace(".", ",")]
            )
        )
    path = _csv(tmp_path, "\n".join(rows) + "\n")
    code, out, err = _quick_csv(capsys, path)
    assert code == 0, err
    assert "Features (2): a, b" in out


def test_decimal_commas_in_a_comma_separated_target_name_the_option(tmp_path, capsys):
    # Quoted, so that the comma is not the separator: never guessed in a
    # comma-separated file, but named in the error.
    path = _csv(tmp_path, "a,y\n" + "\n".join(f'{i},"{i},5"' for i in range(30)) + "\n")
    code, out, err = _main(capsys, "--csv", path, "--target", "y", "--cv", "2")
    assert code == 2
    assert err.endswith(
        "holds numbers with decimal commas (such as '0,5') in a comma-separated file: pass "
        "'--decimal ,'.\n"
    )
    code, out, err = _quick_csv(capsys, path, "--decimal", ",")
    assert code == 0, err


def test_missing_targets_are_dropped_with_impute_never_imputed(tmp_path, capsys):
    rows = [f"{i},{'' if i % 10 == 3 else i * 2}" for i in range(40)]
    path = _csv(tmp_path, "a,y\n" + "\n".join(rows) + "\n")
    code, out, err = _main(capsys, "--csv", path, "--target", "y", "--cv", "2")
    assert code == 2 and "has 4 missing value(s); pass --impute to drop those rows" in err
    code, out, err = _quick_csv(capsys, path, "--impute")
    assert code == 0 and "dropping 4 row(s) whose target 'y' is missing" in err
    assert "36 rows" in out


def test_figures_name_the_held_features_and_show_the_truth_and_validation(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    saved = {}
    real_savefig = matplotlib.figure.Figure.savefig

    def keep(figure, path, **kwargs):
        saved[Path(path).name] = figure
        return real_savefig(figure, path, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    monkeypatch.setattr(plt, "close", lambda *args: None)
    code = cli.main(["compare", "--quiet", *SMALL, "--plot-dir", str(tmp_path)])
    assert code == 0
    interaction = saved["interaction.png"]
    assert "other features at their medians: bank_balance=" in interaction._suptitle.get_text()
    labels = [line.get_label() for line in interaction.axes[0].get_lines()]
    assert "noise-free truth, retired" in labels and "noise-free truth, not retired" in labels
    loss = saved["loss_curve.png"]
    legend = [text.get_text() for text in loss.axes[0].get_legend().get_texts()]
    assert "training J" in legend and "validation J" in legend
