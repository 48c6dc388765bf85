"""The only module that imports private scikit-learn API.

Keeping these imports in one place means a scikit-learn release that moves
them breaks one file, and shows at a glance what we rely on.
"""

from sklearn.utils._param_validation import (  # noqa: F401
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import _check_sample_weight  # noqa: F401
