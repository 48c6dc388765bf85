"""Check the documentation's figures and scripts before a reader does.

- **Labels that overlap.** Every figure the pages draw (the ``.. plot::``
  blocks of the Markdown pages, and the gallery's scripts) is drawn again
  here, and the texts of each axis are checked box against box
  (``sknn_scratch.plot.overlapping_labels``): a number printed over
  another (a weight over a node's value) is named, with its page.
- **Processes started without the guard.** A script that starts worker
  processes (a Dask ``cluster("local")``/``LocalCluster``/``Client``, a
  multiprocessing ``Pool`` or ``Process``, a ``ProcessPoolExecutor``) must
  do it under ``if __name__ == "__main__":`` (or in a function): each
  worker imports the script again, and without the guard runs its body
  too. The gallery's scripts and the pages' ``python`` blocks are read
  (not run) for such calls at module level.

    python docs/tools/check_figures.py [docs]

It exits non-zero, naming every problem; ``make docs-check`` runs it.
"""

import ast
import re
import runpy
import sys
import warnings
from pathlib import Path

#: Calls that start processes, by the name they are called with.
PROCESS_STARTS = {
    "cluster",
    "LocalCluster",
    "Client",
    "Pool",
    "Process",
    "ProcessPoolExecutor",
    "Popen",
}

PLOT_BLOCK = re.compile(r"```\{eval-rst\}\n\.\. plot::\n(?:   :.*\n)*\n((?:   .*\n|\n)*?)```")
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def unguarded_process_starts(source):
    """The lines at which ``source`` (a script) starts processes at module
    level, outside ``if __name__ == "__main__":`` and any function."""
    tree = ast.parse(source)
    found = []

    def visit(node):
        if _is_main_guard(node) or isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            return
        if isinstance(node, ast.Call) and _starts_processes(node):
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _starts_processes(call):
    """Whether a call starts worker processes: a Dask cluster or client of
    its own (``cluster("local")``, ``LocalCluster()``, ``Client()``; not
    with ``processes=False``, nor a client or ``cluster`` given an address),
    or multiprocessing's and subprocess's own."""
    name = _called_name(call.func)
    if name not in PROCESS_STARTS:
        return False
    keywords = {k.arg: k.value for k in call.keywords}
    threads = isinstance(keywords.get("processes"), ast.Constant) and not (
        keywords["processes"].value
    )
    first = call.args[0] if call.args else keywords.get("address")
    if name == "cluster":
        return isinstance(first, ast.Constant) and first.value == "local"
    if name == "Client":
        return first is None and not threads
    if name == "LocalCluster":
        return not threads
    return True


def _is_main_guard(node):
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _called_name(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def scripts(docs):
    """``(where, source)`` of every script the docs show: the gallery's, and
    the pages' ``python`` blocks that are not doctests."""
    for path in sorted((docs / "examples").glob("*.py")):
        yield str(path), path.read_text()
    for path in _pages(docs):
        for i, block in enumerate(PYTHON_BLOCK.findall(path.read_text()), start=1):
            if not block.lstrip().startswith(">>>"):
                yield f"{path} (python block {i})", block


def figures(docs):
    """``(where, run)`` for every figure-drawing code of the docs: each
    page's ``.. plot::`` blocks, and the gallery's scripts."""
    for path in _pages(docs):
        for i, block in enumerate(PLOT_BLOCK.findall(path.read_text()), start=1):
            code = "\n".join(line[3:] for line in block.splitlines())
            yield f"{path} (plot {i})", _runner(code=code)
    for path in sorted((docs / "examples").glob("*.py")):
        yield str(path), _runner(path=path)


def _pages(docs):
    return sorted(p for p in docs.rglob("*.md") if "_build" not in p.parts)


def _runner(code=None, path=None):
    def run():
        if path is not None:
            runpy.run_path(str(path), run_name="__main__")
        else:
            exec(compile(code, "<plot>", "exec"), {"__name__": "__main__"})

    return run


def check(docs, draw=True):
    """Every problem found, as lines of text."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from sknn_scratch.plot import overlapping_labels

    problems = [
        f"{where}, line {line}: starts processes outside 'if __name__ == \"__main__\":'"
        for where, source in scripts(docs)
        for line in unguarded_process_starts(source)
    ]
    if not draw:
        return problems
    plt.show = lambda *args, **kwargs: None  # (the figures stay open to be read)
    for where, run in figures(docs):
        plt.close("all")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run()
        for number in plt.get_fignums():
            for title, a, b in overlapping_labels(plt.figure(number)):
                axis = f" (axis {title!r})" if title else ""
                problems.append(f"{where}, figure {number}{axis}: {a!r} overlaps {b!r}")
        plt.close("all")
    return problems


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    docs = Path(args[0]) if args else Path(__file__).resolve().parents[1]
    problems = check(docs)
    for problem in problems:
        print(problem)
    print(f"check_figures: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
