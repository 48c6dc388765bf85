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
