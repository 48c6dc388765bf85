"""
A raw DataFrame against HistGradientBoosting
============================================

Gradient-boosted trees take a table as it comes. With
``input_encoding="tabular"`` (set by ``for_tabular()``) the network does
too: here both fit the bank customers of the introduction with two text
columns (the customer's branch and segment) and missing values in three
columns, with no preprocessing at all. Both are cross-validated on the
same shuffled folds; the plot shows their scores and fit times.

The fit times come from one run on the machine that built this page, and
are printed with its load average before and after the fits: on a machine
that other work keeps busy, threaded libraries slow down the most (see
:doc:`/user_guide/performance`). The benchmarks page has fair timings.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold

from sknn_scratch import MLPRegressor
from sknn_scratch.datasets import make_bank_transactions

X, y = make_bank_transactions(n_samples=3000, random_state=0, as_frame=True)
rng = np.random.RandomState(0)
# Text categories: a branch with its own effect, and a segment that is noise.
X["branch"] = rng.choice(["north", "south", "east", "west", "online"], len(X))
y = y + X["branch"].map({"north": 0, "south": 20, "east": 40, "west": 60, "online": 120})
X["segment"] = rng.choice(["a", "b", "c"], len(X))
# Missing values, as a survey leaves them.
for column in ["bank_balance", "family_members", "branch"]:
    X.loc[rng.rand(len(X)) < 0.1, column] = np.nan
X = X.astype({"branch": "category", "segment": "category"})
print(X.head())
print(X.isna().mean().round(2))

models = {
    "for_tabular()": MLPRegressor.for_tabular(random_state=0),
    "HistGradientBoosting": HistGradientBoostingRegressor(
        categorical_features="from_dtype", random_state=0
    ),
}
scores = {name: [] for name in models}
seconds = {name: 0.0 for name in models}
load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
for train, test in KFold(3, shuffle=True, random_state=0).split(X):
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X.iloc[train], y.iloc[train])
        seconds[name] += time.perf_counter() - start
        scores[name].append(model.score(X.iloc[test], y.iloc[test]))
load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
for name in models:
    print(f"{name}: R^2 {np.mean(scores[name]):.4f}, fit {seconds[name]:.1f} s in all")
print(
    f"1-minute load average {load_before:.2f} before and {load_after:.2f} after the fits, "
    f"on {os.cpu_count()} cores (these fits add about 1)"
)

# %%
# What the network read: the encoder's columns, one weight row each.
encoder = models["for_tabular()"].input_encoder_
print(list(encoder.get_feature_names_out()))

# %%
# Scores per fold and total fit time, side by side.
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
names = list(models)
for i, name in enumerate(names):
    left.scatter([i] * len(scores[name]), scores[name], color=f"C{i}")
    left.hlines(np.mean(scores[name]), i - 0.2, i + 0.2, color=f"C{i}")
left.set_xticks(range(len(names)), names)
left.set_ylabel("R^2 on the held-out fold")
left.set_title("Score per fold (line: mean)")
right.bar(names, [seconds[name] for name in names], color=["C0", "C1"])
right.set_ylabel("seconds")
right.set_title("Fit time, 3 folds")
fig.tight_layout()
plt.show()
