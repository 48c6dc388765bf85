"""Save and load models with skops, trusting only sknn_scratch's own types.

Why not pickle? Loading a pickle runs whatever code the file names: a
tampered or malicious ``.pkl`` can execute arbitrary commands on the machine
that loads it, so a pickle is only as safe as its source. The skops format
stores the estimator as data (JSON plus NumPy arrays) and, on loading,
refuses every type that has not been explicitly trusted. :func:`load` trusts
exactly the classes of this package that a fitted estimator holds (the two
estimators, their network and its layers, the optimizers, the learning-rate
schedule, the tabular encoder; the input layers also under the names that
files saved before they had a module of their own give them) and
``numpy.dtype``; skops itself trusts NumPy, SciPy
and scikit-learn types such as the classifier's ``LabelBinarizer``. A file
that names any other type is refused before anything in it runs.

Loading also checks what it loads: :func:`load` returns only this package's
estimators (or, if the caller allows it, a scikit-learn ``Pipeline`` or
``TransformedTargetRegressor`` around one), and refuses a file whose
estimator state is inconsistent (weights, input-layer parameters or
``target_range_`` that are not finite or whose shapes disagree with
``n_features_in_``, ``n_outputs_`` and ``hidden_layer_sizes``, an unknown
activation, a classifier's state under a regressor's name, a tabular
encoder with a scale that is not positive), naming every problem it found.

skops is an optional dependency: ``pip install skops`` (or
``pip install "sknn-scratch[skops]"``).
"""

# (Imported under private names: this module's namespace is dump, load,
# TRUSTED_TYPES and DATA_TYPES.)
from ._classifier import MLPClassifier as _MLPClassifier
from ._network import Network as _Network
from ._optimizers import OPTIMIZERS as _OPTIMIZERS
from ._optimizers import Groups as _Groups
from ._protocol import LAYER_KINDS as _LAYER_KINDS
from ._regressor import MLPRegressor as _MLPRegressor
from ._schedules import Schedule as _Schedule
from ._state import state_problems as _state_problems
from ._tabular import TabularEncoder as _TabularEncoder
from ._tabular import _Column

__all__ = ["dump", "load", "TRUSTED_TYPES", "DATA_TYPES"]

#: The only types :func:`load` trusts beyond skops's own defaults: what a
#: fitted estimator holds, read off the registries (every layer kind, every
#: solver's optimizer), so that a new kind is trusted when it is registered.
TRUSTED_TYPES = sorted(
    {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in (
            _MLPRegressor,
            _MLPClassifier,
            _Network,
            *_LAYER_KINDS.values(),
            *_OPTIMIZERS.values(),
            _Groups,
            _Schedule,
            _TabularEncoder,
            _Column,
        )
    }
)

#: The input layers' names in files saved before they had a module of their
#: own (``sknn_scratch._layers``, where their classes are still found).
TRUSTED_TYPES += [
    f"sknn_scratch._layers.{cls.__name__}"
    for cls in _LAYER_KINDS.values()
    if cls.__module__ == "sknn_scratch._input_layers"
]

#: Types beyond ours and skops's that are data, not code: a NumPy dtype
#: (``SimpleImputer`` keeps the one it was fitted on), rebuilt from its name.
DATA_TYPES = ["numpy.dtype"]


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


def load(file, *, allow_pipeline=False):
    """Load an estimator saved by :func:`dump`, trusting only our own types.

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump`.
    allow_pipeline : bool, default=False
        Whether a :class:`sklearn.pipeline.Pipeline` whose last step is one
        of our estimators, or a
        :class:`sklearn.compose.TransformedTargetRegressor` whose regressor
        is (nested in any order), is also accepted (their other parts must
        be types skops trusts, such as scikit-learn's ``ColumnTransformer``,
        scalers and imputers). By default only an ``MLPRegressor`` or
        ``MLPClassifier`` is returned.

    Returns
    -------
    estimator : MLPRegressor, MLPClassifier, Pipeline or TransformedTargetRegressor
        The estimator, predicting exactly as before it was saved; its
        optimizer state is restored too, so ``partial_fit`` continues.

    Raises
    ------
    ValueError
        If the file names a type that is neither ours nor trusted by skops
        (nothing from the file is run), if it holds anything other than our
        estimator (or an allowed Pipeline), or if the estimator's state is
        inconsistent; the message names the problems.
    """
    sio = _skops_io()
    trusted = TRUSTED_TYPES + DATA_TYPES
    untrusted = [t for t in sio.get_untrusted_types(file=file) if t not in trusted]
    if untrusted:
        raise ValueError(
            f"Refusing to load {file}: it contains types that are not "
            f"sknn_scratch's and not trusted by skops: {untrusted}."
        )
    loaded = sio.load(file, trusted=trusted)
    _check_loaded(loaded, file, allow_pipeline)
    return loaded


def _check_loaded(loaded, file, allow_pipeline):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    # The wrappers looked through: Pipeline's last step and
    # TransformedTargetRegressor's regressor.
    wrappers = (Pipeline, TransformedTargetRegressor)
    estimator = loaded
    while allow_pipeline and isinstance(estimator, wrappers):
        if isinstance(estimator, Pipeline):
            if not estimator.steps:
                break
            estimator = estimator.steps[-1][1]
        else:
            estimator = getattr(estimator, "regressor_", estimator.regressor)
    if type(estimator) not in (_MLPRegressor, _MLPClassifier):
        wanted = "an MLPRegressor or MLPClassifier" + (
            " (or a Pipeline or TransformedTargetRegressor around one)" if allow_pipeline else ""
        )
        hint = (
            ""
            if allow_pipeline or not isinstance(loaded, wrappers)
            else ("; pass allow_pipeline=True to load a Pipeline or TransformedTargetRegressor")
        )
        raise ValueError(
            f"Refusing {file}: it holds a {type(loaded).__name__}, not {wanted}{hint}."
        )
    problems = _state_problems(estimator)
    if problems:
        raise ValueError(
            f"Refusing {file}: the {type(estimator).__name__} in it is inconsistent "
            f"(damaged or tampered with): {'; '.join(problems)}."
        )
