"""
Controlling training: validation curves, a cosine schedule, progress bars
=========================================================================

sknn-scratch lets you choose what scikit-learn's MLP decides for you: the
validation data, what early stopping watches, the learning-rate schedule
(for every solver), and scikit-learn's callbacks. This example trains on the
bank-transactions data with a validation set of our own, plots the training
and validation loss curves with the best epoch, compares a constant rate
with cosine annealing, and shows the progress bars of a Pipeline inside
GridSearchCV.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPRegressor
from sknn_scratch.datasets import make_bank_transactions

# Some fits here run a short, fixed budget of epochs on purpose (the search
# over 30 epochs shows progress bars, not a converged model):
# scikit-learn's ConvergenceWarning would say so for every fit, with the
# build machine's file paths.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_bank_transactions(n_samples=3000, random_state=0)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()
X_train, y_train, X_val, y_val = X[:2400], y[:2400], X[2400:], y[2400:]

# %%
# Training and validation loss, and the best epoch
# ------------------------------------------------
# ``validation_loss_curve_`` is the objective on the validation data (mean
# loss plus the same penalty as the training objective), so the two curves
# share a scale. Early stopping watches the validation loss here
# (``scoring="loss"``) and restores the weights of ``best_epoch_``.
reg = MLPRegressor(
    hidden_layer_sizes=(64, 64),
    early_stopping=True,
    scoring="loss",
    n_iter_no_change=15,
    learning_rate_init=0.01,
    max_iter=300,
    random_state=0,
).fit(X_train, y_train, X_val=X_val, y_val=y_val)

epochs = np.arange(1, reg.n_iter_ + 1)  # loss_curve_[0] is epoch 1
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(epochs, reg.loss_curve_, label="training objective")
ax.plot(epochs, reg.validation_loss_curve_, label="validation objective")
ax.axvline(reg.best_epoch_, color="k", linestyle=":", label=f"best epoch ({reg.best_epoch_})")
ax.set(xlabel="epoch", ylabel="objective J (standardised target)", yscale="log")
ax.legend()
fig.tight_layout()
plt.show()

best = int(np.argmin(reg.validation_loss_curve_)) + 1
assert best == reg.best_epoch_  # the marked epoch is the lowest validation loss
print(
    f"stopped after {reg.n_iter_} epochs; best epoch {reg.best_epoch_}, "
    f"validation R^2 of the kept weights {reg.score(X_val, y_val):.4f}"
)

# %%
# The same inside a Pipeline
# --------------------------
# In a Pipeline the scaler fitted on ``X`` must transform ``X_val`` too:
# metadata routing sends ``X_val``/``y_val`` to the network, and
# ``transform_input=["X_val"]`` passes ``X_val`` through the steps before it
# (scikit-learn 1.7+). Here on the raw, unscaled features.
import sklearn  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

X_raw, y_raw = make_bank_transactions(n_samples=3000, random_state=0)
y_raw = (y_raw - y_raw.mean()) / y_raw.std()
with sklearn.config_context(enable_metadata_routing=True):
    mlp = MLPRegressor(
        hidden_layer_sizes=(64, 64),
        early_stopping=True,
        scoring="loss",
        n_iter_no_change=15,
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    ).set_fit_request(X_val=True, y_val=True)
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", mlp)], transform_input=["X_val"])
    pipe.fit(X_raw[:2400], y_raw[:2400], X_val=X_raw[2400:], y_val=y_raw[2400:])
# The scaler was fitted on the 2400 training rows only, and the network saw
# the validation rows through it.
assert len(pipe[-1].validation_loss_curve_) == pipe[-1].n_iter_
print(
    f"in the Pipeline: best epoch {pipe[-1].best_epoch_}, "
    f"validation R^2 {pipe.score(X_raw[2400:], y_raw[2400:]):.4f}"
)

# %%
# A constant rate against cosine annealing
# ----------------------------------------
# ``learning_rate="cosine"`` anneals the rate from ``learning_rate_init``
# towards 0 over ``max_iter`` epochs (here after 5 epochs of linear
# warm-up), for Adam as for sgd. ``learning_rate_`` is the rate of the next
# epoch, so stepping with ``partial_fit`` records the schedule.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
final = {}
for schedule in ["constant", "cosine"]:
    model = MLPRegressor(
        hidden_layer_sizes=(64, 64),
        learning_rate=schedule,
        learning_rate_init=0.01,
        warmup_epochs=5 if schedule == "cosine" else 0,
        max_iter=60,
        random_state=0,
    )
    next_rates = []
    for _ in range(60):
        model.partial_fit(X_train, y_train)
        next_rates.append(model.learning_rate_)  # the rate of the coming epoch
    final[schedule] = model.score(X_val, y_val)
    left.plot(np.arange(2, 62), next_rates, label=schedule)
    right.plot(
        np.arange(1, 61),
        model.loss_curve_,
        label=f"{schedule} (validation $R^2$ {final[schedule]:.4f})",
    )
left.set(xlabel="epoch", ylabel="learning rate of the epoch", title="schedule")
right.set(xlabel="epoch", ylabel="training objective J", yscale="log", title="training")
left.legend()
right.legend()
fig.tight_layout()
plt.show()
print({name: round(score, 4) for name, score in final.items()})

# %%
# Progress bars of a Pipeline inside GridSearchCV
# -----------------------------------------------
# scikit-learn 1.9's callbacks (``sklearn.callback``, experimental) reach the
# network through the search and the Pipeline: each fit is a task with one
# subtask per epoch. ``ProgressBar`` needs rich (the ``rich`` extra).
from sklearn.callback import ProgressBar  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

pipe = make_pipeline(
    StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), max_iter=30, random_state=0)
)
search = GridSearchCV(pipe, {"mlpregressor__alpha": [1e-4, 1e-1]}, cv=2)
search.set_callbacks(ProgressBar(max_propagation_depth=None))
search.fit(X, y)
print("best parameters:", search.best_params_)
