"""
A classifier on the breast cancer data, beside LogisticRegression
=================================================================

``MLPClassifier`` on scikit-learn's bundled breast cancer data, compared
with ``LogisticRegression`` on the same folds. A network with no hidden
layer (``hidden_layer_sizes=()``) *is* logistic regression, which makes
a useful sanity check.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier

X, y = load_breast_cancer(return_X_y=True)
models = {
    "LogisticRegression": LogisticRegression(max_iter=1000),
    "MLP, no hidden layer": MLPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", alpha=1.0, max_iter=1000, random_state=0
    ),
    "MLP (32,)": MLPClassifier(hidden_layer_sizes=(32,), alpha=1.0, max_iter=500, random_state=0),
}
folds = StratifiedKFold(5, shuffle=True, random_state=0)
results = {}
for name, model in models.items():
    results[name] = cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=folds)
    print(f"{name:<22} accuracy {results[name].mean():.3f} +- {results[name].std():.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(
    list(results), [r.mean() for r in results.values()], xerr=[r.std() for r in results.values()]
)
ax.set(xlim=(0.9, 1.0), xlabel="cross-validated accuracy")
fig.tight_layout()
plt.show()
