"""pytest, for the whole tree: the optional modules' doctests run only where
their extras are installed (importing them otherwise is the clear error
that tests/test_missing_extras.py checks)."""

from importlib.util import find_spec

collect_ignore = []
if find_spec("skl2onnx") is None or find_spec("onnxruntime") is None:
    collect_ignore.append("sknn_scratch/onnx.py")
if find_spec("dask") is None or find_spec("distributed") is None:
    collect_ignore.append("sknn_scratch/dask.py")
if find_spec("matplotlib") is None:
    collect_ignore.append("sknn_scratch/plot.py")

#: The test files that take most of the suite's time (about 130 of its 185 s
#: on a 2-core machine): ``make test-fast`` leaves them out with ``-m "not
#: slow"``, ``make test`` runs everything.
SLOW_FILES = {
    "test_cli.py",  # the command, run end to end on every data set
    "test_benchmark_smoke.py",  # each benchmark script, shortened
    "test_estimator_checks.py",  # scikit-learn's check_estimator
    "test_dask.py",  # a local Dask cluster
    "test_sklearn_suite.py",  # scikit-learn's own MLP tests
}


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
