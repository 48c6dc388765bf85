"""Sampled mutation testing: does the suite notice a changed operator or constant?

Each mutant changes one thing in one core module: an arithmetic operator
(+ and -, * and /), a comparison (< and <=, > and >=, == and !=), a boolean
constant, or a numeric constant (an int n to n + 1, a float x to x / 2).
The mutated repository is copied to a temporary folder and the test suite
runs there with ``pytest -x``; a mutant is *killed* when a test fails (or
the run exceeds its time limit), and *survives* when every test passes.

    python tools/mutation_sample.py --mutants 30 --seed 0

This is an occasional check, not part of ``make test`` (a full run takes
minutes per surviving mutant); docs/reliability.md records the last score.
"""

import argparse
import ast
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = [
    "_activations.py",
    "_losses.py",
    "_layers.py",
    "_network.py",
    "_objective.py",
    "_optimizers.py",
    "_training.py",
    "_listeners.py",
    "_safeguards.py",
    "_base.py",
    "_regressor.py",
    "_classifier.py",
]
SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}
IGNORED = {"tools", ".venv", "docs/_build", "docs/auto_examples", "docs/api", ".git"}


def sites(tree):
    """Every (node, field, index) that one mutation can change."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in SWAPS:
            found.append((node, "op", None))
        elif isinstance(node, ast.Compare):
            found += [(node, "ops", i) for i, op in enumerate(node.ops) if type(op) in SWAPS]
        elif isinstance(node, ast.Constant) and id(node) not in docstrings:
            if isinstance(node.value, (bool, int, float)):
                found.append((node, "value", None))
    return found


def mutate(node, field, index):
    """Apply the mutation in place; return a description."""
    if field == "op":
        old = node.op
        node.op = SWAPS[type(old)]()
        return f"{type(old).__name__} -> {type(node.op).__name__}"
    if field == "ops":
        old = node.ops[index]
        node.ops[index] = SWAPS[type(old)]()
        return f"{type(old).__name__} -> {type(node.ops[index]).__name__}"
    old = node.value
    if isinstance(old, bool):
        node.value = not old
    elif isinstance(old, int):
        node.value = old + 1
    else:
        node.value = old / 2
    return f"{old!r} -> {node.value!r}"


def run_mutant(module, site_index, timeout):
    """Run the suite with one mutation (``module=None``: none); True if it failed."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in IGNORED])
        what = "no mutation"
        if module is not None:
            path = copy / "sknn_scratch" / module
            tree = ast.parse(path.read_text())
            node, field, index = sites(tree)[site_index]
            what = f"sknn_scratch/{module}:{node.lineno} {mutate(node, field, index)}"
            path.write_text(ast.unparse(tree))
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "tests"]
        try:
            result = subprocess.run(
                command,
                cwd=copy,
                capture_output=True,
                text=True,
                timeout=timeout,
                env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
            )
            failed = result.returncode != 0
        except subprocess.TimeoutExpired:
            failed = True
    return what, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per mutant")
    args = parser.parse_args(argv)
    candidates = [
        (module, i)
        for module in MODULES
        for i in range(len(sites(ast.parse((ROOT / "sknn_scratch" / module).read_text()))))
    ]
    chosen = random.Random(args.seed).sample(candidates, args.mutants)
    # A suite that fails without any mutation would "kill" every mutant.
    if run_mutant(None, None, args.timeout)[1]:
        sys.exit("mutation_sample: the suite fails on the unmutated copy; fix that first")
    survivors = []
    for k, (module, i) in enumerate(chosen, start=1):
        what, killed = run_mutant(module, i, args.timeout)
        print(f"[{k}/{len(chosen)}] {'killed  ' if killed else 'SURVIVED'} {what}", flush=True)
        if not killed:
            survivors.append(what)
    killed = len(chosen) - len(survivors)
    print(f"mutation score: {killed}/{len(chosen)} killed ({100 * killed / len(chosen):.0f}%)")
    for what in survivors:
        print(f"  survived: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
