"""
The decision boundary of a small network
========================================

Two interleaved half-moons cannot be separated by a straight line: the
network with no hidden layer (logistic regression) draws one and misses
about 15% of the training points. Each tanh hidden unit adds a soft step
along a line of its own, so three units already bend the boundary around
the moons, and two layers of 16 fit every training point (the titles give
the training accuracy; so many units would overfit noisier data).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from sknn_scratch import MLPClassifier

X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
xx, yy = np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 200))
grid = np.c_[xx.ravel(), yy.ravel()]

fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
accuracy = {}
for ax, hidden in zip(axes, [(), (3,), (16, 16)]):
    clf = MLPClassifier(
        hidden_layer_sizes=hidden, activation="tanh", solver="lbfgs", max_iter=1000, random_state=0
    ).fit(X, y)
    proba = clf.predict_proba(grid)[:, 1].reshape(xx.shape)
    ax.contourf(xx, yy, proba, levels=20, cmap="RdBu_r", alpha=0.45)
    ax.contour(xx, yy, proba, levels=[0.5], colors="k")
    # The points in colours and shapes of their own, not the background's.
    for label, marker, colour in ((0, "o", "#ffd43b"), (1, "^", "#2f9e44")):
        ax.scatter(
            *X[y == label].T,
            marker=marker,
            c=colour,
            edgecolors="k",
            s=22,
            linewidths=0.6,
            label=f"class {label}",
        )
    accuracy[hidden] = clf.score(X, y)
    ax.set_title(f"hidden_layer_sizes={hidden}: accuracy {accuracy[hidden]:.2f}")
axes[0].legend(loc="lower left", fontsize=8)
fig.tight_layout()
plt.show()

# The claims above, checked.
assert 0.8 < accuracy[()] < 0.9 and accuracy[(3,)] > 0.95 and accuracy[(16, 16)] == 1.0
