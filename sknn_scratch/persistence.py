"""Save and load models with skops, trusting only sknn_scratch's own types.

Why not pickle? Loading a pickle runs whatever code the file names: a
tampered or malicious ``.pkl`` can execute arbitrary commands on the machine
that loads it, so a pickle is only as safe as its source. The skops format
stores the estimator as data (JSON plus NumPy arrays) and, on loading,
refuses every type that has not been explicitly trusted. :func:`load` trusts
exactly the classes of this package that a fitted estimator holds (the two
estimators and the two optimizers); skops itself trusts NumPy, SciPy and
scikit-learn types such as the classifier's ``LabelBinarizer``. A file that
names any other type is refused before anything in it runs.

skops is an optional dependency: ``pip install skops`` (or
``pip install "sknn-scratch[skops]"``).
"""

from ._classifier import MLPClassifier
from ._optimizers import SGD, Adam
from ._regressor import MLPRegressor

#: The only types :func:`load` trusts beyond skops's own defaults.
TRUSTED_TYPES = [
    f"{cls.__module__}.{cls.__qualname__}" for cls in (MLPRegressor, MLPClassifier, SGD, Adam)
]


def _skops_io():
    try:
        import skops.io
    except ImportError:
        raise ImportError(
            "Saving and loading with skops needs the skops package: "
            'pip install skops (or pip install "sknn-scratch[skops]").'
        ) from None
    return skops.io


def dump(estimator, file):
    """Save an estimator to a ``.skops`` file.

    Parameters
    ----------
    estimator : MLPRegressor or MLPClassifier
        The estimator to save, fitted or not.
    file : str or path-like
        Where to write it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sknn_scratch import MLPRegressor, persistence
    >>> est = MLPRegressor.from_weights([[[1.0], [2.0]]], activation="identity")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.skops"
    >>> persistence.dump(est, path)
    >>> persistence.load(path).predict([[1, 1]])
    array([3.])
    """
    _skops_io().dump(estimator, file)


def load(file):
    """Load an estimator saved by :func:`dump`, trusting only our own types.

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump`.

    Returns
    -------
    estimator : MLPRegressor or MLPClassifier
        The estimator, predicting exactly as before it was saved; its
        optimizer state is restored too, so ``partial_fit`` continues.

    Raises
    ------
    ValueError
        If the file names a type that is neither ours nor trusted by skops;
        nothing from the file is run.
    """
    sio = _skops_io()
    untrusted = [t for t in sio.get_untrusted_types(file=file) if t not in TRUSTED_TYPES]
    if untrusted:
        raise ValueError(
            f"Refusing to load {file}: it contains types that are not "
            f"sknn_scratch's and not trusted by skops: {untrusted}."
        )
    return sio.load(file, trusted=TRUSTED_TYPES)
