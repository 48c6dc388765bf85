"""Speed before and after a change: the same fits, timed in turn.

    python tools/ab_speed.py BASE_REV [--rounds 5]

``BASE_REV`` is checked out into a temporary git worktree. Each round times
every case once on that checkout and once on this one, each in a fresh
process, the order alternating from round to round, so that a machine that
gets busier or quieter halfway affects both alike. The table gives each
case's median time on both and their ratio (this checkout / base), with
the spread of the ratio over the rounds: the noise to read any difference
against. The cases are users' calls: fits and predictions of both
estimators on arrays, and ``for_tabular()`` on a raw DataFrame.

Check the load first (``uptime``): BLAS threads under load distort every
figure. The script prints the load average before and after.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name -> code that builds ``fit`` (a callable) and runs nothing yet.
CASES = {
    "fit reg adam (100,) 5000x20, 100 epochs": """
X, y = rng.normal(size=(5000, 20)), rng.normal(size=5000)
est = MLPRegressor(max_iter=100, random_state=0)
call = lambda: est.fit(X, y)
""",
    "fit reg adam (256,256) 4000x50, 15 epochs": """
X, y = rng.normal(size=(4000, 50)), rng.normal(size=4000)
est = MLPRegressor(hidden_layer_sizes=(256, 256), max_iter=15, random_state=0)
call = lambda: est.fit(X, y)
""",
    "fit reg lbfgs (50,) 10000x10, 300 iterations": """
X, y = rng.normal(size=(10000, 10)), rng.normal(size=10000)
est = MLPRegressor(hidden_layer_sizes=(50,), solver="lbfgs", max_iter=300, random_state=0)
call = lambda: est.fit(X, y)
""",
    "fit clf digits adam, 200 epochs": """
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
est = MLPClassifier(max_iter=200, random_state=0)
call = lambda: est.fit(X, y)
""",
    "fit for_tabular() raw frame, 3000 rows": """
import pandas as pd
n = 3000
X = pd.DataFrame({"age": rng.randint(18, 90, n), "balance": rng.lognormal(8, 1, n),
                  "city": rng.choice(["Oslo", "Bergen", "Tromso", "Bodo"], n),
                  "members": rng.randint(0, 6, n)})
y = X["age"] * 0.1 + np.log(X["balance"]) + rng.normal(size=n)
est = MLPRegressor.for_tabular(random_state=0)
call = lambda: est.fit(X, y)
""",
    "predict reg (256,256) 400000x50": """
X, y = rng.normal(size=(2000, 50)), rng.normal(size=2000)
est = MLPRegressor(hidden_layer_sizes=(256, 256), max_iter=2, random_state=0).fit(X, y)
big = rng.normal(size=(400000, 50))
call = lambda: est.predict(big)
""",
    "predict_proba clf (100,) 1000000x20": """
X, y = rng.normal(size=(2000, 20)), rng.randint(0, 3, 2000)
est = MLPClassifier(max_iter=2, random_state=0).fit(X, y)
big = rng.normal(size=(1000000, 20))
call = lambda: est.predict_proba(big)
""",
}

_RUN = """
import json, sys, time, warnings
import numpy as np
sys.path.insert(0, {root!r})
from sknn_scratch import MLPClassifier, MLPRegressor
warnings.simplefilter("ignore")
rng = np.random.RandomState(0)
{setup}
call()  # warm: imports, first allocations
start = time.perf_counter()
call()
print(json.dumps(time.perf_counter() - start))
"""


def time_case(checkout, setup):
    """Seconds of the second call, in a fresh process on ``checkout``."""
    code = _RUN.format(root=str(checkout), setup=setup)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=checkout
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the revision to compare against")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    times = {name: {"base": [], "this": []} for name in CASES}
    with tempfile.TemporaryDirectory() as folder:
        worktree = Path(folder) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.base],
            check=True,
            capture_output=True,
        )
        try:
            for r in range(args.rounds):
                order = [("base", worktree), ("this", ROOT)]
                for name, setup in CASES.items():
                    for label, checkout in order if r % 2 == 0 else order[::-1]:
                        times[name][label].append(time_case(checkout, setup))
                print(f"round {r + 1} of {args.rounds} done", flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                check=False,
            )
    print(f"load average after: {os.getloadavg()}")
    print(f"\n| case | base (s) | this (s) | this / base | ratio range over {args.rounds} rounds |")
    print("|---|---|---|---|---|")
    for name, t in times.items():
        ratios = [b / a for a, b in zip(t["base"], t["this"])]
        base, this = statistics.median(t["base"]), statistics.median(t["this"])
        print(
            f"| {name} | {base:.3f} | {this:.3f} | {this / base:.3f} | "
            f"{min(ratios):.2f}-{max(ratios):.2f} |"
        )


if __name__ == "__main__":
    main()
