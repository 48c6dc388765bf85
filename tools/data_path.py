"""The path of X through ``fit``, followed call by call at the scale of modules.

A profiler follows every call inside ``sknn_scratch`` that is handed X or
an array made from it (one a call handed X returned, with X's rows), and
every return from such a call to the package code that made it. The
modules control passes through form the path; each run of calls inside one
module is one *stay*. Two figures say how tangled the path is:

- *climbs*: moves to a module that imports the module just left (control
  goes back up the dependency graph, which a layered design avoids);
- *returns*: moves to a module the path had already left before.

    python tools/data_path.py            # the default MLPRegressor on an array
    python tools/data_path.py --table    # for_tabular() on a raw DataFrame
    python tools/data_path.py --show     # and the path itself

The figures depend on the code only, not on timing: the data are small and
generated.
"""

import argparse
import re
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "sknn_scratch"


def importers():
    """``{module: modules that import it}`` from the package's source."""
    found = {}
    for path in (ROOT / PACKAGE).glob("*.py"):
        name = f"{PACKAGE}.{path.stem}"
        text = path.read_text()
        imported = set(re.findall(r"from \.(\w+) import", text))
        imported |= {
            m for line in re.findall(r"from \. import ([\w, ]+)", text) for m in line.split(", ")
        }
        for module in imported:
            found.setdefault(f"{PACKAGE}.{module}", set()).add(name)
    return found


class _Follower:
    """The profiler: which frames carry X, and the modules control visits.

    A call carries X when one of its arguments is a table with X's rows
    (X itself, its encoding, a batch of all its rows, a layer's values),
    alone or in a tuple or list. Each function is followed the first time
    it carries X only: the path is the code's, read once, not every epoch's
    and batch's repetition of it.
    """

    def __init__(self, X, y):
        self.rows, self.y = X.shape[0], np.asarray(y, dtype=float)
        self.carrying, self.followed, self.path = set(), set(), []

    def _is_table(self, value):
        shape = getattr(value, "shape", None)
        if not (isinstance(shape, tuple) and len(shape) == 2 and shape[0] == self.rows):
            return False
        # The target as a column is y, not X.
        return not (shape[1] == 1 and np.array_equal(np.asarray(value)[:, 0], self.y))

    def _carries(self, value):
        if isinstance(value, (tuple, list)) and len(value) < 50:
            return any(self._is_table(v) for v in value)
        return self._is_table(value)

    def __call__(self, frame, event, arg):
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(PACKAGE + "."):
            return
        code = frame.f_code
        if event == "call" and code not in self.followed:
            names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
            if any(self._carries(frame.f_locals.get(n)) for n in names):
                self.followed.add(code)
                self.carrying.add(id(frame))
                self.path.append((module, code.co_qualname))
        elif event == "return" and id(frame) in self.carrying:
            self.carrying.discard(id(frame))
            caller = frame.f_back
            while caller is not None and not caller.f_globals.get("__name__", "").startswith(
                PACKAGE + "."
            ):
                caller = caller.f_back
            if caller is not None and id(caller) in self.carrying:
                self.path.append((caller.f_globals["__name__"], caller.f_code.co_qualname))


def follow(fit, X, y):
    """The modules of each stay of X's path through ``fit(X, y)``."""
    follower = _Follower(X, y)
    sys.setprofile(follower)
    try:
        fit(X, y)
    finally:
        sys.setprofile(None)
    stays = []  # (module, the functions control passed through there)
    for module, function in follower.path:
        if stays and stays[-1][0] == module:
            if function not in stays[-1][1]:
                stays[-1][1].append(function)
        else:
            stays.append((module, [function]))
    return stays


def figures(stays):
    """``(stays, modules, climbs, returns)`` of a path."""
    stays = [module for module, _ in stays]
    up = importers()
    climbs = sum(b in up.get(a, ()) for a, b in zip(stays, stays[1:]))
    returns = sum(m in stays[:i] for i, m in enumerate(stays) if i)
    return len(stays), len(set(stays)), climbs, returns


def _cases(table):
    from sknn_scratch import MLPRegressor

    rng = np.random.RandomState(0)
    if not table:
        X, y = rng.normal(size=(200, 5)), rng.normal(size=200)
        return X, y, MLPRegressor(max_iter=3, random_state=0).fit
    import pandas as pd

    X = pd.DataFrame(
        {
            "age": rng.randint(18, 90, 96),
            "balance": rng.lognormal(8, 1, 96),
            "city": rng.choice(["Oslo", "Bergen", "Tromsø"], 96),
        }
    )
    # One batch of all 96 rows (the recipe's are 64), so that the path goes
    # through the network: the same path as each batch takes.
    y = rng.normal(size=96)
    return X, y, MLPRegressor.for_tabular(max_iter=3, batch_size=96, random_state=0).fit


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="for_tabular() on a raw DataFrame")
    parser.add_argument("--show", action="store_true", help="print the path")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    X, y, fit = _cases(args.table)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stays = follow(fit, X, y)
    if args.show:
        for module, functions in stays:
            print(f"  {module.removeprefix(PACKAGE + '.'):<16}{', '.join(functions)}")
    n, modules, climbs, returns = figures(stays)
    print(f"{n} stays in {modules} modules, {climbs} climbs, {returns} returns")


if __name__ == "__main__":
    main()
