"""Out-of-core training and cluster search on Dask.

Two things, both on the Dask the scikit-learn world already runs rather than
on a scheduler of our own:

- :func:`fit_blocks` trains an estimator with ``partial_fit`` over the blocks
  of a Dask array or DataFrame, one block in memory at a time, for several
  epochs: data larger than memory.
- :func:`cluster` connects to a Dask cluster (or starts a ``LocalCluster``)
  and makes it joblib's backend, so that ``GridSearchCV``,
  ``cross_validate`` and the ``sknn-scratch compare --scheduler`` command
  run their fits on the workers.

Both need the ``dask`` extra: ``pip install 'sknn-scratch[dask]'``.
"""

import contextlib
import numbers

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils import check_random_state

from ._fitted import all_or_nothing

__all__ = ["fit_blocks", "cluster"]

_EXTRA = "pip install 'sknn-scratch[dask]'"


def _require(module):
    """Import an optional Dask module, or fail with one line naming the extra."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise ImportError(f"sknn_scratch.dask needs Dask and distributed: {_EXTRA}") from None


def fit_blocks(est, X, y, *, epochs, classes=None, sample_weight=None):
    """Train ``est`` with ``partial_fit`` over the row blocks of Dask collections.

    Each epoch visits the blocks in a random order and shuffles the rows
    within each block; only one block is computed (read, transformed, moved
    to this process) at a time, so memory stays near one block's size
    whatever the size of the data. Empty blocks (routine after a filter)
    are skipped. The blocks are computed with ``dask.compute``, that is on
    the active ``distributed.Client`` if there is one. ``est.random_state``
    is the only source of randomness: with an int, two calls give the same
    model.

    The records count epochs, as ``fit``'s do: each epoch adds one to
    ``n_iter_`` and one point to ``loss_curve_`` (the mean of its blocks'
    losses, weighted by their rows), and steps the learning-rate schedule
    once. Every epoch runs: as with ``partial_fit``, ``tol`` and
    ``n_iter_no_change`` do not stop it.

    With ``input_encoding="tabular"``, a first call learns the encoder
    from every block, in a pass before the epochs (the categories and their
    counts from every row, the medians and quartiles from at most 100,000
    numbers per column, evenly spaced within each block); another encoder
    is refused, as it would learn from the first block alone.

    Like ``fit``, the call is all or nothing: training runs on a working
    copy, published only when every epoch has run. If a block fails (a
    read error, bad values) or the call is interrupted, ``est`` is left
    exactly as it was before the call (a ``RandomState`` given as
    ``random_state`` is rewound too); fix the cause and call again.

    Parameters
    ----------
    est : MLPRegressor or MLPClassifier
        The estimator, with a stochastic solver; trained in place (a fitted
        estimator carries on from its weights).
    X : dask.array.Array or dask.dataframe.DataFrame
        The features, split into blocks of rows (the columns of an array
        are joined into one block first).
    y : dask.array.Array or dask.dataframe.Series
        The targets, in blocks of the same rows as ``X``.
    epochs : int
        Passes over the data, at least 1.
    classes : array-like or None, default=None
        Every class, for a classifier's first ``partial_fit`` (any
        array-like, a Dask array included). None for a classifier that is
        not fitted yet: found with one pass over ``y``.
    sample_weight : dask.array.Array, dask.dataframe.Series or None, default=None
        Weights of the rows, in the same blocks as ``y``.

    Returns
    -------
    est : estimator
        The trained estimator.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sknn_scratch import MLPRegressor
    >>> from sknn_scratch.dask import fit_blocks
    >>> rng = np.random.RandomState(0)
    >>> X = da.from_array(rng.normal(size=(1000, 3)), chunks=(250, 3))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> reg = fit_blocks(MLPRegressor(random_state=0), X, y, epochs=20)
    >>> reg.n_iter_, len(reg.loss_curve_)  # epochs, not blocks
    (20, 20)
    """
    dask = _require("dask")
    _check_estimator(est)
    if not isinstance(epochs, numbers.Integral) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}.")
    parts = {"X": _blocks(X, "X"), "y": _blocks(y, "y")}
    if sample_weight is not None:
        parts["sample_weight"] = _blocks(sample_weight, "sample_weight")
    n_blocks = {name: len(blocks) for name, blocks in parts.items()}
    if len(set(n_blocks.values())) > 1:
        raise ValueError(
            f"X, y and sample_weight must be split into the same row blocks; got {n_blocks} "
            "blocks. Rechunk them alike (e.g. y.rechunk(X.chunks[0]))."
        )
    first_fit = is_classifier(est) and not hasattr(est, "classes_")
    if first_fit and classes is None:
        uniques = dask.compute(*[dask.delayed(np.unique)(block) for block in parts["y"]])
        classes = np.unique(np.concatenate(uniques))
    encoder = None
    if est.input_encoding is not None and not hasattr(est, "network_"):
        encoder = _encoder_from_blocks(dask, est, parts["X"])

    def train(trainee):
        if encoder is not None:
            trainee._encoder_from_blocks = encoder
        _train_epochs(dask, trainee, parts, epochs, classes if first_fit else None)

    return all_or_nothing(est, train)


def _encoder_from_blocks(dask, est, blocks):
    """The input encoder of a first fit, learned with one pass over every
    block (as the classes are): fitted on the first block alone, the
    categories of the others would be "unseen" for the whole training."""
    from ._tabular import TabularEncoder

    encoder = est._new_input_encoder()
    if type(encoder) is not TabularEncoder:
        raise TypeError(
            "fit_blocks learns input_encoding='tabular' (a TabularEncoder) from every "
            f"block; a {type(encoder).__name__} would learn from the first block alone. "
            "Fit your transformer on all the rows first and transform each block "
            "(map_partitions), with input_encoding=None."
        )
    return encoder._fit_blocks((dask.compute(block)[0] for block in blocks), len(blocks))


def _check_estimator(est):
    from ._base import BaseMLP

    if not isinstance(est, BaseMLP):
        raise TypeError(
            f"fit_blocks takes an MLPRegressor or MLPClassifier, not a {type(est).__name__}. "
            "For a Pipeline, transform each block first (X.map_blocks or "
            "map_partitions with the fitted transformers), then pass its last step."
        )
    if not hasattr(est, "partial_fit"):
        raise TypeError(
            f"{type(est).__name__}(solver={est.solver!r}) has no partial_fit: fit_blocks "
            "needs a stochastic solver ('sgd', 'adam' or 'gd')."
        )


def _train_epochs(dask, est, parts, epochs, classes):
    """The epochs of fit_blocks, on the working copy ``est``."""
    from ._plan import close_block_epoch
    from ._training import BlockEpoch

    rng = check_random_state(est.random_state)
    n_blocks = len(parts["X"])
    trained_rows = 0
    try:
        for _ in range(epochs):
            est._block_epoch = BlockEpoch()
            for i in rng.permutation(n_blocks):
                block = dict(zip(parts, dask.compute(*[blocks[i] for blocks in parts.values()])))
                _check_rows(block, i)
                n_rows = _n_rows(block["X"])
                if n_rows == 0:
                    continue  # an empty partition (after a filter, say)
                rows = rng.permutation(n_rows)
                block = {name: _take(value, rows) for name, value in block.items()}
                extra = {"classes": classes} if classes is not None else {}
                est.partial_fit(block.pop("X"), block.pop("y"), **block, **extra)
                classes = None
                trained_rows += n_rows
            if not trained_rows:
                raise ValueError("Every block of X is empty: there are no rows to train on.")
            close_block_epoch(est, est._block_epoch)
    finally:
        est.__dict__.pop("_block_epoch", None)


def _blocks(collection, name):
    """The row blocks of a Dask array or DataFrame, as Dask delayed objects."""
    if hasattr(collection, "to_delayed") and hasattr(collection, "divisions"):
        return list(collection.to_delayed())  # a DataFrame's or Series' partitions
    if hasattr(collection, "to_delayed") and hasattr(collection, "chunks"):
        if collection.ndim == 2:
            collection = collection.rechunk({1: -1})  # whole rows in every block
            return [row[0] for row in collection.to_delayed()]
        if collection.ndim == 1:
            return list(collection.to_delayed())
        raise ValueError(f"{name} must be 1- or 2-dimensional, got {collection.ndim} dimensions.")
    raise TypeError(
        f"fit_blocks takes Dask collections; {name} is a {type(collection).__name__}. "
        "Wrap it (dask.array.from_array) or, if it fits in memory, use fit."
    )


def _n_rows(value):
    return value.shape[0]


def _check_rows(block, index):
    sizes = {name: _n_rows(value) for name, value in block.items()}
    if len(set(sizes.values())) > 1:
        raise ValueError(
            f"Block {index} has different numbers of rows: {sizes}. X, y and "
            "sample_weight must be split into the same row blocks."
        )


def _take(value, rows):
    return value.iloc[rows] if hasattr(value, "iloc") else value[rows]


@contextlib.contextmanager
def cluster(address):
    """Run joblib's parallel work on a Dask cluster, inside a ``with`` block.

    Parameters
    ----------
    address : str
        A scheduler's address (``"tcp://10.0.0.5:8786"``), or ``"local"``
        for a ``distributed.LocalCluster`` of worker processes on this
        machine (closed again at the end of the block). Its workers import
        the main script again: in a script, call this under
        ``if __name__ == "__main__":``.

    Yields
    ------
    client : distributed.Client
        The client, made the default scheduler of Dask and, through
        ``joblib.parallel_backend("dask")``, of every ``n_jobs`` loop in
        scikit-learn (``GridSearchCV``, ``cross_validate``, ...).

    Raises
    ------
    OSError
        When no scheduler answers at ``address``.
    """
    _require("dask")
    distributed = _require("distributed")
    import joblib

    with contextlib.ExitStack() as stack:
        if address == "local":
            local = distributed.LocalCluster(processes=True, dashboard_address=None)
            target = stack.enter_context(local)
        else:
            target = address
        client = stack.enter_context(distributed.Client(target, timeout="10s"))
        stack.enter_context(joblib.parallel_backend("dask"))
        yield client
