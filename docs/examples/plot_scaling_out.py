"""
Scaling out: a search on a Dask cluster, and data larger than memory
====================================================================

Two ways past one process, both on Dask (the ``dask`` extra). First a grid
search whose fits run on the workers of a ``LocalCluster`` (the same code
runs on a real cluster given its address), checked against the same search
run here. Then training on data stored on disk in blocks, one block in
memory at a time: we measure the peak memory of the whole training and set
it beside the size of the data.
"""

import tempfile
import tracemalloc
import warnings
from pathlib import Path

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import LocalCluster
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from sknn_scratch import MLPRegressor
from sknn_scratch.dask import cluster, fit_blocks
from sknn_scratch.datasets import make_bank_transactions

# Short searches stop at max_iter on purpose: not worth a warning per fit.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# A grid search on the cluster
# ----------------------------
# ``cluster(address)`` connects a ``distributed.Client`` and makes it
# joblib's backend, so every fit of ``GridSearchCV`` goes to a worker.
# With the same seeds the scores are those of the search run here. (The
# workers here are threads of this process, so that the example also runs
# as a plain script; the test suite runs the same search on worker
# processes.)
X, y = make_bank_transactions(n_samples=2000, random_state=0)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()
grid = {"hidden_layer_sizes": [(16,), (64, 64)], "alpha": [1e-4, 1e-1]}
search = GridSearchCV(MLPRegressor(max_iter=100, random_state=0), grid, cv=3)

here = search.fit(X, y).cv_results_["mean_test_score"]
with LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
) as local:
    with cluster(local.scheduler_address) as client:
        workers = len(client.scheduler_info()["workers"])
        there = search.fit(X, y).cv_results_["mean_test_score"]
print(f"{workers} workers; best {search.best_params_}, R^2 {search.best_score_:.4f}")
print(f"largest difference from the local search: {np.max(np.abs(here - there)):.1e}")
assert np.allclose(here, there, rtol=1e-9)

# %%
# Ten times more data than memory holds
# -------------------------------------
# Dask's ``.npy`` stack stores an array as one file per block. We write
# 400,000 customers in 10 blocks, then train with ``fit_blocks``: each epoch
# visits the blocks in a random order and shuffles the rows of each, and
# only one block is read at a time. ``tracemalloc`` records the peak memory
# that NumPy allocates during the whole training.
folder = Path(tempfile.mkdtemp())
n_blocks, block_rows = 10, 40_000
X_big, y_big = make_bank_transactions(n_samples=n_blocks * block_rows, random_state=1)
# Inputs and target standardised with the training data's own statistics.
scaler, y_mean, y_std = StandardScaler().fit(X_big), y_big.mean(), y_big.std()
X_big, y_big = scaler.transform(X_big), (y_big - y_mean) / y_std
da.to_npy_stack(folder / "X", da.from_array(X_big, chunks=(block_rows, X_big.shape[1])))
da.to_npy_stack(folder / "y", da.from_array(y_big, chunks=block_rows))
del X_big, y_big  # from here on, the data live on disk only
# Held-out customers, drawn apart from the training data.
X_holdout, y_holdout = make_bank_transactions(n_samples=5000, random_state=2)
X_holdout, y_holdout = scaler.transform(X_holdout), (y_holdout - y_mean) / y_std

X_disk, y_disk = da.from_npy_stack(folder / "X"), da.from_npy_stack(folder / "y")
block_bytes = X_disk.nbytes / n_blocks
tracemalloc.start()
reg = fit_blocks(
    MLPRegressor(hidden_layer_sizes=(64, 64), random_state=0), X_disk, y_disk, epochs=3
)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(
    f"data on disk {X_disk.nbytes / 1e6:.1f} MB in {n_blocks} blocks of {block_bytes / 1e6:.1f} MB;"
    f" peak memory of training {peak / 1e6:.1f} MB ({peak / block_bytes:.2f} blocks)"
)
print(f"{reg.n_iter_} epochs; held-out R^2 {reg.score(X_holdout, y_holdout):.4f}")
assert peak < 3 * block_bytes

fig, ax = plt.subplots(figsize=(6, 3))
sizes = {"one block": block_bytes, "peak in training": peak, "data on disk": X_disk.nbytes}
ax.barh(list(sizes), np.array(list(sizes.values())) / 1e6, color=["C0", "C1", "C7"])
ax.set(xlabel="MB")
ax.set_title("fit_blocks: memory follows the block, not the data")
fig.tight_layout()
plt.show()
