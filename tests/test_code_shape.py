"""The shape of the code: short functions, and maths that never reads the estimator.

See docs/architecture.md: the training loop takes a plan and returns a
record, so it (and everything below it) needs no estimator.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sknn_scratch"

#: About 50 lines of code (docstrings, comments and blank lines not counted).
MAX_LINES = 50

#: The modules of training and of the maths: none of them reads an estimator.
ESTIMATOR_FREE = [
    "_activations.py",
    "_input_layers.py",
    "_layers.py",
    "_listeners.py",
    "_losses.py",
    "_network.py",
    "_objective.py",
    "_optimizers.py",
    "_protocol.py",
    "_record.py",
    "_safeguards.py",
    "_schedules.py",
    "_training.py",
]


def code_lines(lines, function):
    """Lines of code of a function's body, its docstring, comments and blank
    lines not counted."""
    body = function.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant):
        if len(body) == 1:
            return 0
        first = body[1]
    text = lines[first.lineno - 1 : function.end_lineno]
    return sum(1 for line in text if line.strip() and not line.strip().startswith("#"))


def functions(path):
    source = path.read_text()
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, lines


def test_code_lines_counts_code_only():
    source = 'def f(a):\n    """Doc.\n\n    More."""\n    # why\n\n    x = a\n    return x\n'
    (function,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]
    assert code_lines(source.splitlines(), function) == 2


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_function_is_longer_than_about_fifty_lines(path):
    long = [
        f"{function.name} (line {function.lineno}): {code_lines(lines, function)} lines"
        for function, lines in functions(path)
        if code_lines(lines, function) > MAX_LINES and not _only_stores(function)
    ]
    assert not long, f"{path.name}: split these functions: {long}"


def _only_stores(function):
    """A constructor that only stores its parameters (scikit-learn's
    contract: ``self.x = x`` and the base class's ``__init__``), however
    many the estimator has."""

    def stores(node):
        if isinstance(node, ast.Assign):
            return all(isinstance(t, ast.Attribute) for t in node.targets) and isinstance(
                node.value, ast.Name
            )
        call = getattr(node, "value", None)
        return (
            isinstance(node, ast.Expr)
            and isinstance(call, ast.Call)
            and getattr(call.func, "attr", None) == "__init__"
            and all(isinstance(k.value, ast.Name) for k in call.keywords)
        )

    return function.name == "__init__" and all(stores(node) for node in function.body)


@pytest.mark.parametrize("name", ESTIMATOR_FREE)
def test_training_and_maths_never_read_the_estimator(name):
    tree = ast.parse((PACKAGE / name).read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert not imported & {"_base", "_regressor", "_classifier", "_plan", "sklearn.base"}
    arguments = {
        arg.arg
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for arg in node.args.args + node.args.kwonlyargs
    }
    assert not arguments & {"est", "estimator", "owner"}


#: The classes that may be long: the two public estimators, whose docstrings
#: document every parameter.
PUBLIC_ESTIMATORS = {"MLPRegressor", "MLPClassifier"}


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_class_but_the_estimators_is_over_500_lines(path):
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and node.name not in PUBLIC_ESTIMATORS
        and node.end_lineno - node.lineno + 1 > 500
    ]
    assert not long, f"{path.name}: split these classes: {long}"
