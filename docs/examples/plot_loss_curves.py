"""
Loss curves and early stopping
==============================

``loss_curve_`` records the objective after every epoch (every iteration
for lbfgs). All four solvers minimise the same objective, so their curves
can be compared directly. With ``early_stopping=True``, a held-out
validation score decides when to stop, and the best epoch's weights are
restored.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPRegressor
from sknn_scratch.datasets import make_bank_transactions

# These fits run a fixed budget of epochs on purpose, so that the curves
# compare over the same number of epochs:
# scikit-learn's ConvergenceWarning would say so for every fit, with the
# build machine's file paths.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_bank_transactions(n_samples=1500)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()

solvers = {
    "gd": dict(learning_rate_init=0.1, momentum=0.9),
    "sgd": dict(learning_rate_init=0.01),
    "adam": dict(learning_rate_init=0.003),
    "lbfgs": dict(),
}
fig, ax = plt.subplots(figsize=(6, 4))
for solver, params in solvers.items():
    model = MLPRegressor(
        hidden_layer_sizes=(32, 32),
        solver=solver,
        max_iter=150,
        tol=0,
        n_iter_no_change=150,
        random_state=0,
        **params,
    )
    model.fit(X, y)
    epochs = range(1, len(model.loss_curve_) + 1)  # loss_curve_[0] is epoch 1
    ax.plot(epochs, model.loss_curve_, label=f"{solver} ($R^2$ {model.score(X, y):.3f})")
ax.set(xlabel="epoch (iteration for lbfgs)", ylabel="objective J", yscale="log")
ax.legend()
plt.show()

# %%
# Early stopping
# --------------
# Training stops once the validation R^2 has not improved for 10 epochs.
# The weights of the best epoch (marked) are restored.
model = MLPRegressor(
    hidden_layer_sizes=(64, 64),
    early_stopping=True,
    n_iter_no_change=10,
    learning_rate_init=0.01,
    max_iter=300,
    random_state=0,
).fit(X, y)
# Epochs are numbered from 1: validation_scores_[k] is the score after epoch k + 1.
epochs = range(1, len(model.validation_scores_) + 1)
best = 1 + max(range(len(model.validation_scores_)), key=model.validation_scores_.__getitem__)
assert model.validation_scores_[best - 1] == model.best_validation_score_
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(epochs, model.validation_scores_, label="validation $R^2$")
ax.axvline(best, color="k", linestyle=":", label=f"best epoch ({best})")
ax.set(xlabel="epoch", ylabel="$R^2$ on the held-out 10%")
ax.legend()
plt.show()
print(
    f"stopped after {model.n_iter_} epochs; best validation R^2 {model.best_validation_score_:.4f}"
)
