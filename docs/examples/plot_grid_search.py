"""
Tuning the network with GridSearchCV
====================================

The estimators follow the scikit-learn contract, so GridSearchCV can tune
them inside a Pipeline. Here it searches the learning rate and the L2
penalty ``alpha`` of the MLP on the bank-transactions data.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPRegressor
from sknn_scratch.datasets import make_bank_transactions

X, y = make_bank_transactions(n_samples=1000)
pipe = make_pipeline(StandardScaler(),
                     MLPRegressor(hidden_layer_sizes=(32,), max_iter=200, random_state=0))
grid = {
    "mlpregressor__learning_rate_init": [1e-3, 1e-2, 3e-2],
    "mlpregressor__alpha": [1e-4, 1e-1, 10.0],
}
search = GridSearchCV(pipe, grid, cv=KFold(3, shuffle=True, random_state=0), n_jobs=2)
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best cross-validated R^2: {search.best_score_:.3f}")

# %%
# The cross-validated R^2 of every candidate. Too small a learning rate
# does not finish training in 200 epochs. Too much penalty flattens the
# network.
scores = search.cv_results_["mean_test_score"].reshape(3, 3)
fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(scores, cmap="viridis", vmin=max(0, scores.min()))
ax.set_xticks(range(3), labels=grid["mlpregressor__alpha"])
ax.set_yticks(range(3), labels=grid["mlpregressor__learning_rate_init"])
ax.set(xlabel="alpha", ylabel="learning_rate_init", title="cross-validated R^2")
for (i, j), value in np.ndenumerate(scores):
    ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="w")
fig.colorbar(image)
plt.show()
