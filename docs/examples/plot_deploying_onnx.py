"""
Deploying: export to ONNX and predict with onnxruntime
======================================================

A model trained in Python often has to predict where there is no Python:
a web service in another language, a phone, a database. ONNX is the format
those runtimes read. ``sknn_scratch.onnx.to_onnx`` (the ``onnx`` extra)
writes the forward pass of a fitted network as an ONNX graph; here we export
a regression pipeline and a classifier trained on real data, run both in
onnxruntime, and measure how far its answers are from ours.
"""

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
import skl2onnx
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPClassifier, MLPRegressor
from sknn_scratch.onnx import to_onnx


def session(model):
    """An onnxruntime session for an ONNX model (as a service would load it)."""
    return onnxruntime.InferenceSession(model.SerializeToString())


# %%
# A pipeline, converted by skl2onnx itself
# ----------------------------------------
# Importing ``sknn_scratch.onnx`` registers our estimators with skl2onnx, so
# a whole pipeline (scaler, then network) converts in one call. The dtype of
# the sample rows is the dtype of the graph.
X, y = load_diabetes(return_X_y=True)
# (for_tabular()'s raw-table encoding and periodic embedding are not
# exported yet, so this network reads the scaler's output directly.)
network = MLPRegressor.for_tabular(random_state=0, input_encoding=None, numerical_embedding=None)
pipe = make_pipeline(StandardScaler(), network).fit(X, (y - y.mean()) / y.std())

differences = {}
for dtype in (np.float32, np.float64):
    model = skl2onnx.to_onnx(pipe, X[:1].astype(dtype))
    (y_onnx,) = session(model).run(None, {"X": X.astype(dtype)})
    differences[f"diabetes, {np.dtype(dtype).name}"] = np.abs(y_onnx.ravel() - pipe.predict(X))
    print(
        f"{np.dtype(dtype).name}: {len(model.graph.node)} nodes, largest difference "
        f"{differences[f'diabetes, {np.dtype(dtype).name}'].max():.1e}"
    )

# %%
# A classifier with string labels
# -------------------------------
# The graph returns the label and the probabilities, as skl2onnx does for
# scikit-learn's MLP. ``zipmap=False`` gives the probabilities as one array
# (the default, ZipMap, gives one dict per row, and takes float32 only).
data = load_breast_cancer()
X = StandardScaler().fit_transform(data.data)
labels = data.target_names[data.target]  # "malignant" / "benign"
clf = MLPClassifier(
    hidden_layer_sizes=(32, 16), activation="silu", early_stopping=True, random_state=0
).fit(X, labels)
model = to_onnx(clf, X[:1], options={"zipmap": False})
label, proba = session(model).run(None, {"X": X})
print(f"labels equal: {np.array_equal(label, clf.predict(X))}; first rows: {list(label[:3])}")
differences["breast cancer, float64"] = np.abs(proba - clf.predict_proba(X)).ravel()
assert np.array_equal(label, clf.predict(X))

# %%
# How close?
# ----------
# The largest difference per model and dtype: float32 graphs agree to about
# 1e-6 (float32's own precision), float64 graphs far below 1e-10.
fig, ax = plt.subplots(figsize=(6.5, 3))
names = list(differences)
largest = [max(differences[name].max(), 1e-17) for name in names]
ax.barh(names, largest, color=["C1", "C0", "C0"])
ax.set(xscale="log", xlabel="largest |onnxruntime - sknn-scratch|")
fig.tight_layout()
plt.show()
assert largest[0] < 1e-5 and max(largest[1:]) < 1e-10
