"""`sknn-scratch compare` on the data people bring: the recipe's row and
--models, classification targets, CSV files in other encodings and
number formats, identifier columns, and the figures --plot-dir lists."""

import json

import numpy as np
import pytest

from sknn_scratch import cli

pytest.importorskip("pandas")

QUICK = ["--cv", "3", "--max-iter", "20", "--hidden", "8", "--quiet"]


def _main(capsys, *args):
    code = cli.main(["compare", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _german(path, encoding="cp1252", n=120):
    """A ';' file as a German spreadsheet writes it: thousands grouped with
    '.', decimal commas, umlauts, a customer number."""
    rng = np.random.RandomState(0)
    lines = ["Kunden-Nr;Alter;Kontostand;Stadt;Umsätze"]
    for i in range(n):
        age = rng.randint(18, 90)
        balance = rng.uniform(-2000, 90000)
        city = rng.choice(["München", "Köln", "Düsseldorf"])
        spend = 12.5 * age + 0.05 * balance + rng.normal(0, 20)
        lines.append(f"{10001 + i};{age};{_de(balance)};{city};{_de(spend)}")
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _de(x):
    """1234.5 as a German spreadsheet writes it: 1.234,50."""
    return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def test_every_row_and_the_json_names_each_metric(tmp_path, capsys):
    code, out, err = _main(
        capsys, "--n-samples", 400, *QUICK, "--models", "linear,mlp,tabular,hgb",
        "--json", tmp_path / "r.json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["task"] == "regression" and set(report["metrics"]) == {"r2", "rmse", "mae"}
    assert report["models"] == ["linear", "mlp", "tabular", "hgb"]
    names = [row["model"] for row in report["rows"]]
    assert names == [
        "LinearRegression",
        "MLPRegressor",
        "MLPRegressor.for_tabular()",
        "HistGradientBoosting",
        "ceiling (noise-free)",
    ]
    recipe = report["rows"][2]
    assert all(isinstance(f["budget_limited"], bool) for f in recipe["folds"])
    assert recipe["r2_mean"] > report["rows"][0]["r2_mean"]


@pytest.mark.parametrize(
    "models, message",
    [("linear,forest", "unknown model(s) forest"), ("mlp,mlp", "a model is named twice")],
)
def test_models_are_checked(models, message, capsys):
    code, out, err = _main(capsys, "--models", models)
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_tune_needs_the_mlp_row(capsys):
    code, out, err = _main(capsys, "--models", "linear,tabular", "--tune")
    assert code == 2 and "include mlp in --models" in err


def test_the_recipe_ties_linear_regression_on_diabetes(tmp_path, capsys):
    code, out, err = _main(capsys, "--dataset", "diabetes", "--quiet", "--json", tmp_path / "r")
    assert code == 0, err
    rows = {r["model"]: r for r in json.loads((tmp_path / "r").read_text())["rows"]}
    linear, recipe = rows["LinearRegression"], rows["MLPRegressor.for_tabular()"]
    spread = max(linear["r2_std"], recipe["r2_std"])
    assert abs(recipe["r2_mean"] - linear["r2_mean"]) <= spread
    assert "MLPRegressor.for_tabular() and LinearRegression tie within the folds' spread" in out


def _classes(path, labels):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 2))
    y = labels(X)
    rows = [f"{a:.3f},{b:.3f},{label}" for (a, b), label in zip(X, y)]
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    "labels, classes",
    [
        (lambda X: np.where(X[:, 0] > 0, "yes", "no"), ["no", "yes"]),
        (lambda X: np.where(X[:, 0] > 0.5, "gold", np.where(X[:, 1] > 0, "silver", "bronze")),
         ["bronze", "gold", "silver"]),
        (lambda X: np.where(X[:, 0] > 0, "True", "False"), ["False", "True"]),
        (lambda X: (X[:, 0] > 0).astype(int) + (X[:, 1] > 0), ["0", "1", "2"]),
    ],
    ids=["yes-no", "three-classes", "boolean", "few-integers"],
)  # fmt: skip
def test_a_label_target_makes_a_classification(labels, classes, tmp_path, capsys):
    path = _classes(tmp_path / "labels.csv", labels)
    code, out, err = _main(
        capsys, "--csv", path, "--target", "label", *QUICK, "--json", tmp_path / "r.json"
    )
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["task"] == "classification"
    assert set(report["metrics"]) == {"accuracy", "balanced_accuracy", "log_loss"}
    assert list(report["classes"]) == classes
    names = [row["model"] for row in report["rows"]]
    assert names == ["LogisticRegression", "MLPClassifier", "MLPClassifier.for_tabular()"]
    for row in report["rows"]:
        assert 0 <= row["balanced_accuracy"] <= 1 and row["log_loss"] > 0
        assert len(row["folds"]) == 3 and "accuracy" in row["folds"][0]
        assert 0.5 < row["accuracy_mean"] <= 1
    assert "accuracy mean" in out and "balanced acc" in out and "log-loss" in out
    assert out.splitlines()[0].endswith("3-fold CV, classification")


def test_a_quantity_stays_a_regression_and_task_overrides(tmp_path, capsys):
    path = _classes(tmp_path / "q.csv", lambda X: (X[:, 0] > 0).astype(int))
    code, out, err = _main(capsys, "--csv", path, "--target", "label", "--task", "regression",
                           *QUICK)  # fmt: skip
    assert code == 0 and "3-fold CV, regression" in out
    many = _classes(tmp_path / "m.csv", lambda X: np.round(10 * X[:, 0], 2))
    code, out, err = _main(capsys, "--csv", many, "--target", "label", *QUICK)
    assert code == 0 and "3-fold CV, regression" in out


def test_a_class_too_rare_for_the_folds_is_one_line(tmp_path, capsys):
    path = _classes(tmp_path / "rare.csv", lambda X: np.where(X[:, 0] > 2.2, "rare", "common"))
    code, out, err = _main(capsys, "--csv", path, "--target", "label", "--cv", "5")
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("sknn-scratch: error: the class 'rare' has ")
    assert "row(s), fewer than the 5 folds of --cv (each fold needs every class)" in err


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig", "latin-1"])
def test_a_german_spreadsheet_in_any_encoding(encoding, tmp_path, capsys):
    path = _german(tmp_path / "kunden.csv", encoding)
    code, out, err = _main(
        capsys, "--csv", path, "--target", "Umsätze", *QUICK, "--json", tmp_path / "r.json"
    )
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    # The customer number is an identifier; the balance, with its thousands
    # and decimal commas, a number; the towns with umlauts, categories.
    assert "Kunden-Nr" in report["features"]["dropped"]
    assert report["features"]["used"] == ["Alter", "Kontostand", "Stadt"]
    assert report["rows"][0]["r2_mean"] > 0.95  # the numbers read right: nearly linear
    if encoding in ("cp1252", "latin-1"):
        assert "kunden.csv is not UTF-8; reading it as cp1252" in err
    else:
        assert "not UTF-8" not in err


def test_an_encoding_can_be_named_and_a_wrong_one_is_one_line(tmp_path, capsys):
    path = _german(tmp_path / "kunden.csv", "cp1252")
    code, out, err = _main(
        capsys, "--csv", path, "--target", "Umsätze", "--encoding", "cp1252", *QUICK
    )
    assert code == 0 and "not UTF-8" not in err
    code, out, err = _main(capsys, "--csv", path, "--target", "Umsätze", "--encoding", "klingon")
    assert code == 2 and "--encoding klingon: no such text encoding" in err


def test_thousands_and_decimal_commas_are_read_as_numbers(tmp_path):
    import pandas as pd

    from sknn_scratch._csv import read_table

    path = tmp_path / "zahlen.csv"
    path.write_text(
        "Betrag;Menge;Datum;y\n"
        + "\n".join(f'"1.234,{i:02d}";{i}.000;01.02.2024;{i},5' for i in range(30))
        + "\n"
    )
    data = read_table(pd, path, "y", impute=False)
    X = data["X"]
    np.testing.assert_allclose(X["Betrag"], [1234 + i / 100 for i in range(30)])
    np.testing.assert_allclose(X["Menge"], [1000.0 * i for i in range(30)])
    np.testing.assert_allclose(data["y"], np.arange(30) + 0.5)
    assert not pd.api.types.is_numeric_dtype(X["Datum"])  # a date with dots stays text


def test_quoted_fields_keep_their_separators(tmp_path, capsys):
    rng = np.random.RandomState(1)
    rows = [f'"{rng.choice(["Smith, J.", "Doe; A."])}",{i % 17},{(i % 17) * 3 + rng.normal():.2f}'
            for i in range(60)]  # fmt: skip
    path = tmp_path / "q.csv"
    path.write_text("name,x,y\n" + "\n".join(rows) + "\n")
    code, out, err = _main(capsys, "--csv", path, "--target", "y", *QUICK)
    assert code == 0, err
    assert "Features (2): name, x" in out


@pytest.mark.parametrize("name", ["No.", "Nr.", "Kunden-Nr", "id", "ID", "row", "Kundennummer"])
def test_identifier_columns_by_any_common_name(name, tmp_path, capsys):
    rng = np.random.RandomState(0)
    rows = [f"{1000 + i},{rng.normal():.3f},{i % 5}.5" for i in range(40)]
    path = tmp_path / "ids.csv"
    path.write_text(f'"{name}",x,y\n' + "\n".join(rows) + "\n")
    code, out, err = _main(capsys, "--csv", path, "--target", "y", *QUICK)
    assert code == 0, err
    assert f"dropping column {name!r}: integers, a different one in every row" in err
    assert "Features (1): x" in out


def test_plot_dir_writes_what_it_can_and_says_why_not_the_rest(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = _german(tmp_path / "kunden.csv", "utf-8")
    figures = tmp_path / "figures"
    code, out, err = _main(
        capsys, "--csv", path, "--target", "Umsätze", *QUICK, "--plot-dir", figures
    )
    assert code == 0, err
    assert sorted(p.name for p in figures.iterdir()) == ["loss_curve.png"]
    assert (
        f"Figures in {figures}: loss_curve.png; not interaction.png: it needs columns named "
        "'age' and 'retired' (the bank data's)." in out
    )
    code, out, err = _main(capsys, "--n-samples", 300, *QUICK, "--models", "linear,tabular",
                           "--plot-dir", figures / "bank")  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in (figures / "bank").iterdir()) == ["interaction.png"]
    assert "not loss_curve.png: it shows the mlp row's training, and mlp is not in" in out


def test_a_classification_plots_its_loss_curve(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = _classes(tmp_path / "labels.csv", lambda X: np.where(X[:, 0] > 0, "yes", "no"))
    code, out, err = _main(
        capsys, "--csv", path, "--target", "label", *QUICK, "--plot-dir", tmp_path / "f"
    )
    assert code == 0, err
    assert (tmp_path / "f" / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert "not interaction.png" in out
