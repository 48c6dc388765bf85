"""Without an optional extra, its feature fails with one line naming the extra."""

import importlib
import sys

import numpy as np
import pytest

from sknn_scratch.cli import main


@pytest.mark.parametrize("hidden", ["skl2onnx", "onnxruntime"])
def test_onnx_module_names_its_extra(hidden, monkeypatch):
    monkeypatch.setitem(sys.modules, hidden, None)  # makes "import hidden" fail
    monkeypatch.delitem(sys.modules, "sknn_scratch.onnx", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'sknn-scratch\[onnx\]'"):
        importlib.import_module("sknn_scratch.onnx")


@pytest.mark.parametrize("hidden", ["dask", "distributed"])
def test_dask_functions_name_their_extra(hidden, monkeypatch):
    from sknn_scratch import MLPRegressor
    from sknn_scratch.dask import cluster, fit_blocks

    monkeypatch.setitem(sys.modules, hidden, None)
    if hidden == "dask":  # (fit_blocks needs Dask alone)
        with pytest.raises(ImportError, match=r"pip install 'sknn-scratch\[dask\]'"):
            fit_blocks(MLPRegressor(), np.zeros((2, 2)), np.zeros(2), epochs=1)
    with pytest.raises(ImportError, match=r"pip install 'sknn-scratch\[dask\]'"):
        with cluster("local"):
            pass


def test_cli_scheduler_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["compare", "--n-samples", "300", "--scheduler", "local", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "sknn-scratch: error: --scheduler needs Dask and distributed: "
        "pip install 'sknn-scratch[dask]'"
    )


def test_bank_data_as_frame_names_the_csv_extra(monkeypatch):
    from sknn_scratch.datasets import make_bank_transactions

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'sknn-scratch\[csv\]'"):
        make_bank_transactions(5, as_frame=True)
    X, y = make_bank_transactions(5)  # NumPy arrays need no pandas
    assert X.shape == (5, 5)


def test_plot_module_names_its_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    monkeypatch.delitem(sys.modules, "sknn_scratch.plot", raising=False)
    with pytest.raises(
        ImportError,
        match=r"^sknn_scratch.plot needs matplotlib: pip install 'sknn-scratch\[plot\]'$",
    ):
        importlib.import_module("sknn_scratch.plot")
