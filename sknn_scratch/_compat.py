"""The only module that imports private scikit-learn API.

Keeping these imports in one place means a scikit-learn release that moves
them breaks one file, and shows at a glance what we rely on.
"""

from sklearn.base import _fit_context  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import _check_sample_weight  # noqa: F401


def scorer_response_methods(scorer):
    """The prediction methods a scorer calls, any of which will do (read from
    the private ``_response_method`` of scikit-learn's scorers; "predict" for
    others)."""
    methods = getattr(scorer, "_response_method", "predict")
    return [methods] if isinstance(methods, str) else list(methods)


# scikit-learn's callback API (sklearn.callback) arrived in 1.9 and is still
# young; older releases get a stand-in whose set_callbacks says what to do.
try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks  # noqa: F401
except ImportError:  # pragma: no cover - scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callback API."""

        def set_callbacks(self, *callbacks):
            raise ImportError("Callbacks need scikit-learn >= 1.9: pip install -U scikit-learn")

    def with_callbacks(method):
        return method


# scikit-learn's cache of a label array's np.unique (1.6 and later): each
# of its target checks sorts the labels again without it.
try:
    from sklearn.utils._unique import attach_unique as _attach_unique
except ImportError:  # pragma: no cover - older releases sort every time
    _attach_unique = None


def with_unique(y):
    """``y`` as a view that carries its sorted distinct labels for
    scikit-learn's target checks (``y`` itself before scikit-learn 1.6).
    Labels that cannot be sorted together raise NumPy's TypeError."""
    return y if _attach_unique is None else _attach_unique(y)
