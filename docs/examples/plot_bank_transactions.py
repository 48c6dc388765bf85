"""
LinearRegression against the MLP on bank transactions
=====================================================

A bank wants to predict how many transactions each customer will make in a
year. The features are age, bank balance, retirement status, family members
and accounts. Linear regression adds up a separate effect for each feature.
The data contain interactions that it cannot represent: retirement reverses
the effect of age, and accounts and family size multiply. A neural network
captures them.
"""

# %%
# The data
# --------
# :func:`sknn_scratch.datasets.make_bank_transactions` generates customers
# from a documented formula. It also returns the noise-free expectation,
# the best any model could predict.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPRegressor
from sknn_scratch.datasets import make_bank_transactions

X, y, expected = make_bank_transactions(n_samples=2000, as_frame=True, return_expected=True)
X.head()

# %%
# Two Pipelines, the same folds
# -----------------------------
linear = make_pipeline(StandardScaler(), LinearRegression())
mlp = make_pipeline(
    StandardScaler(),
    MLPRegressor(
        hidden_layer_sizes=(64, 64), learning_rate_init=0.01, max_iter=300, random_state=0
    ),
)
folds = KFold(n_splits=3, shuffle=True, random_state=0)
for name, model in [("LinearRegression", linear), ("MLPRegressor", mlp)]:
    scores = cross_val_score(model, X, y, cv=folds)
    print(f"{name:<18} R^2 = {scores.mean():.3f} +- {scores.std():.3f}")
print(f"{'ceiling':<18} R^2 = {r2_score(y, expected):.3f}")

# %%
# The interaction
# ---------------
# Predicted transactions against age, for working and retired customers,
# with the other features at their medians. Each line spans the ages at
# which its group has customers. The linear model's two lines are parallel.
# The network's cross.
linear.fit(X, y)
mlp.fit(X, y)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, (name, model) in zip(axes, [("LinearRegression", linear), ("MLPRegressor", mlp)]):
    for retired, style in [(0, "-"), (1, "--")]:
        ages = X["age"][X["retired"] == retired]
        grid = X.iloc[np.zeros(100, dtype=int)].copy()
        for column in X.columns:
            grid[column] = X[column].median()
        grid["age"] = np.linspace(ages.min(), ages.max(), 100)
        grid["retired"] = retired
        ax.plot(
            grid["age"], model.predict(grid), style, label="retired" if retired else "not retired"
        )
    ax.set(title=name, xlabel="age")
    ax.legend()
axes[0].set_ylabel("predicted transactions per year")
fig.tight_layout()
plt.show()

# %%
# The claim in numbers: over the ages both groups share, the gap between
# retired and working customers is one constant for the linear model, and
# changes sign for the network (its lines cross).
shared = np.linspace(X["age"][X["retired"] == 1].min(), X["age"][X["retired"] == 0].max(), 50)
for name, model in [("LinearRegression", linear), ("MLPRegressor", mlp)]:
    rows = X.iloc[np.zeros(len(shared), dtype=int)].copy()
    for column in X.columns:
        rows[column] = X[column].median()
    rows["age"] = shared
    gap = model.predict(rows.assign(retired=1)) - model.predict(rows.assign(retired=0))
    print(f"{name:<18} retired minus working: from {gap.min():.0f} to {gap.max():.0f}")
    if name == "LinearRegression":
        assert np.ptp(gap) < 1e-6
    else:
        assert gap.min() < 0 < gap.max()
