"""
The decision boundary of a small network
========================================

Two interleaved half-moons cannot be separated by a straight line. A
network with one hidden layer of a few units bends its decision boundary
around them. Each hidden unit contributes one bend.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from sknn_scratch import MLPClassifier

X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
xx, yy = np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 200))
grid = np.c_[xx.ravel(), yy.ravel()]

fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
for ax, hidden in zip(axes, [(), (3,), (16, 16)]):
    clf = MLPClassifier(
        hidden_layer_sizes=hidden, activation="tanh", solver="lbfgs", max_iter=1000, random_state=0
    ).fit(X, y)
    proba = clf.predict_proba(grid)[:, 1].reshape(xx.shape)
    ax.contourf(xx, yy, proba, levels=20, cmap="RdBu_r", alpha=0.8)
    ax.contour(xx, yy, proba, levels=[0.5], colors="k")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=15)
    ax.set_title(f"hidden_layer_sizes={hidden}: accuracy {clf.score(X, y):.2f}")
fig.tight_layout()
plt.show()
