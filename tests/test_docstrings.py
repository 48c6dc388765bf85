"""Every public docstring follows numpydoc (numpydoc.validate)."""

import inspect

import pytest
from numpydoc.validate import validate

import sknn_scratch
from sknn_scratch import cli, datasets, persistence

# Checks we do not apply, with the reason:
IGNORED = {
    "SA01",  # "See Also" section: only where a pointer really helps
    "ES01",  # extended summary: not needed for short helpers
    "EX01",  # Examples: classes and main functions have them; methods need not
    "GL08",  # inherited members documented by their owners (scikit-learn)
    "RT02",  # numpydoc wants the return type alone when one value is returned,
    # we name the value (``self : object``) as scikit-learn does
}


def _public_objects():
    objects = {
        "sknn_scratch.MLPRegressor": sknn_scratch.MLPRegressor,
        "sknn_scratch.MLPClassifier": sknn_scratch.MLPClassifier,
        "sknn_scratch.check_gradients": sknn_scratch.check_gradients,
        "sknn_scratch.datasets.make_bank_transactions": datasets.make_bank_transactions,
        "sknn_scratch.persistence.dump": persistence.dump,
        "sknn_scratch.persistence.load": persistence.load,
        "sknn_scratch.cli.main": cli.main,
    }
    for cls_name in ("MLPRegressor", "MLPClassifier"):
        cls = getattr(sknn_scratch, cls_name)
        for name, member in inspect.getmembers(cls):
            func = getattr(member, "__func__", member)
            defined_here = (getattr(func, "__module__", None) or "").startswith("sknn_scratch")
            if not name.startswith("_") and callable(member) and defined_here:
                objects[f"sknn_scratch.{cls_name}.{name}"] = member
    return objects


@pytest.mark.parametrize("name", sorted(_public_objects()))
def test_docstring_is_valid_numpydoc(name):
    result = validate(name)
    errors = [(code, message) for code, message in result["errors"] if code not in IGNORED]
    assert not errors, f"{name}: {errors}"


def test_the_public_surface_is_covered():
    names = set(_public_objects())
    for expected in ("fit", "partial_fit", "predict", "from_weights", "hidden_activations"):
        assert f"sknn_scratch.MLPRegressor.{expected}" in names
    for expected in ("predict_proba", "predict_log_proba"):
        assert f"sknn_scratch.MLPClassifier.{expected}" in names


def test_every_public_module_declares_its_public_names():
    """Each public module says what it offers (``__all__``), and the API
    reference documents nothing else from it."""
    import importlib
    import pkgutil
    import re
    from pathlib import Path

    import sknn_scratch

    api = (Path(__file__).resolve().parents[1] / "docs" / "api.rst").read_text()
    documented = re.findall(r"^   (\w+)\.(\w+)$", api, flags=re.M)
    optional = {"onnx": "skl2onnx", "dask": "dask", "plot": "matplotlib", "persistence": None}
    for info in pkgutil.iter_modules(sknn_scratch.__path__):
        if info.name.startswith("_") or info.name == "__main__":
            continue
        extra = optional.get(info.name)
        if extra and importlib.util.find_spec(extra) is None:
            continue
        module = importlib.import_module(f"sknn_scratch.{info.name}")
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            assert hasattr(module, name), (info.name, name)
        for where, name in documented:
            if where == info.name:
                assert name in module.__all__, (where, name)


#: Shared parameters whose documentation differs between the estimators on
#: purpose: what it says depends on the task.
TASK_SPECIFIC_DOCS = {
    "early_stopping": "R^2 or accuracy; the classifier's split is stratified",
    "hidden_layer_sizes": "no hidden layer: linear or logistic regression",
    "scoring": "the default score, and scorer names that fit the task",
    "warm_start": "the classifier's classes must not change",
}


def test_shared_parameters_are_documented_alike():
    """The estimators repeat their parameter docs (as scikit-learn's do):
    the copies of a shared parameter stay identical, but for the listed,
    task-specific ones."""
    from numpydoc.docscrape import ClassDoc

    regressor = {
        p.name: (p.type, p.desc) for p in ClassDoc(sknn_scratch.MLPRegressor)["Parameters"]
    }
    classifier = {
        p.name: (p.type, p.desc) for p in ClassDoc(sknn_scratch.MLPClassifier)["Parameters"]
    }
    shared = set(regressor) & set(classifier)
    assert len(shared) > 30
    differing = {name for name in shared if regressor[name] != classifier[name]}
    assert differing == set(TASK_SPECIFIC_DOCS)
