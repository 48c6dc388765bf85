"""
Tuning the network with GridSearchCV
====================================

The estimators follow the scikit-learn contract, so GridSearchCV can tune
them inside a Pipeline. Here it searches the learning rate and the L2
penalty ``alpha`` of the MLP on the bank-transactions data.

The target (transactions per year, in the hundreds) is standardised by a
:class:`~sklearn.compose.TransformedTargetRegressor`. That matters for
tuning: ``alpha`` is weighed against the squared errors, so on the raw
target even ``alpha=10`` is negligible beside errors in the hundreds, and
a small learning rate spends its 200 epochs just reaching the target's
scale (see the user guide's section on target scaling).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPRegressor
from sknn_scratch.datasets import make_bank_transactions

X, y = make_bank_transactions(n_samples=1000)
mlp = MLPRegressor(hidden_layer_sizes=(32,), max_iter=200, random_state=0)
pipe = make_pipeline(
    StandardScaler(), TransformedTargetRegressor(regressor=mlp, transformer=StandardScaler())
)
prefix = "transformedtargetregressor__regressor__"
learning_rates = [1e-3, 1e-2, 3e-2]
alphas = [1e-4, 1.0, 30.0]
grid = {prefix + "learning_rate_init": learning_rates, prefix + "alpha": alphas}
search = GridSearchCV(pipe, grid, cv=KFold(3, shuffle=True, random_state=0), n_jobs=2)
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best cross-validated R^2: {search.best_score_:.3f}")

# %%
# The cross-validated R^2 of every candidate. Each cell is looked up by its
# parameters in ``cv_results_`` (rows: learning rate, columns: alpha), not
# reshaped: GridSearchCV orders candidates by the sorted parameter names,
# which is easy to get backwards.
scores = np.empty((len(learning_rates), len(alphas)))
for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    i = learning_rates.index(params[prefix + "learning_rate_init"])
    j = alphas.index(params[prefix + "alpha"])
    scores[i, j] = score

fig, ax = plt.subplots(figsize=(5.5, 4.2))
image = ax.imshow(scores, cmap="viridis")
ax.set_xticks(range(len(alphas)), labels=[f"{a:g}" for a in alphas])
ax.set_yticks(range(len(learning_rates)), labels=[f"{r:g}" for r in learning_rates])
ax.set(xlabel="alpha", ylabel="learning_rate_init", title="cross-validated $R^2$")
for (i, j), value in np.ndenumerate(scores):
    ax.text(j, i, f"{value:.3f}", ha="center", va="center", color="w")
fig.colorbar(image)
fig.tight_layout()
plt.show()

# %%
# What the search found. With the target standardised, every learning rate
# trains the network well at small ``alpha``; the middle one is best. Much
# more penalty (``alpha=30``) flattens the network: it costs every learning
# rate between 0.08 and 0.10 of R^2. The statements are checked here, so this page
# cannot drift from its numbers.
small_alpha, large_alpha = scores[:, 0], scores[:, -1]
assert (small_alpha > 0.95).all()
assert scores[:, 0].argmax() == 1
lost = small_alpha - large_alpha
assert ((lost > 0.075) & (lost < 0.105)).all()
print("R^2 lost by alpha=30, per learning rate:", np.round(lost, 3))
