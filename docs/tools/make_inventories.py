"""Write Sphinx inventories (objects.inv) for intersphinx without a network.

The docs are built where nothing outside the package registries can be
reached, so the usual intersphinx download of each project's objects.inv
cannot happen. This script builds equivalent inventories from the installed
packages: every public name it finds is mapped to the page that project's
stable documentation gives it (the URL schemes below). Links therefore point
at the real online documentation.

    python docs/tools/make_inventories.py OUTPUT_DIR
"""

import importlib
import inspect
import sys
import zlib
from pathlib import Path

PROJECTS = {
    # name: (modules whose public names to list, URL of a name's page)
    "numpy": (["numpy", "numpy.random", "numpy.linalg"], "reference/generated/{page}.html#{name}"),
    "scipy": (
        ["scipy.optimize", "scipy.special", "scipy.sparse", "scipy.stats"],
        "reference/generated/{page}.html#{name}",
    ),
    "sklearn": (None, "modules/generated/{page}.html#{name}"),
    "matplotlib": (["matplotlib.pyplot"], "api/_as_gen/{page}.html#{name}"),
}


def sklearn_modules():
    import sklearn

    return ["sklearn." + name for name in sklearn.__all__ if not name.startswith("_")]


def public_names(module_names):
    """(qualified name, role) for the public classes and functions."""
    found = {}
    for module_name in module_names:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        names = getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")])
        for name in names:
            try:
                obj = getattr(module, name, None)
            except ImportError:  # experimental names need an explicit enable
                continue
            if inspect.isclass(obj):
                found[f"{module_name}.{name}"] = "py:class"
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and callable(member):
                        found[f"{module_name}.{name}.{attr}"] = "py:method"
            elif callable(obj):
                found[f"{module_name}.{name}"] = "py:function"
    return found


# Labels of sections that scikit-learn's own docstrings refer to (the score
# methods our estimators inherit): label -> (page#anchor, title).
SKLEARN_LABELS = {
    "accuracy_score": ("modules/model_evaluation.html#accuracy-score", "Accuracy score"),
    "r2_score": ("modules/model_evaluation.html#r2-score", "R² score"),
}


def write_inventory(path, project, version, entries, url, labels=None):
    lines = [
        f"{label} std:label -1 {target} {title}"
        for label, (target, title) in (labels or {}).items()
    ]
    for name, role in sorted(entries.items()):
        # A method is documented on its class's page.
        page = name.rsplit(".", 1)[0] if role == "py:method" else name
        lines.append(f"{name} {role} 1 {url.format(page=page, name=name)} -")
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    path.write_bytes(header + zlib.compress(("\n".join(lines) + "\n").encode()))


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for project, (modules, url) in PROJECTS.items():
        package = importlib.import_module(project)
        names = public_names(modules if modules is not None else sklearn_modules())
        labels = SKLEARN_LABELS if project == "sklearn" else None
        write_inventory(out / f"{project}.inv", project, package.__version__, names, url, labels)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/_inventories"))
