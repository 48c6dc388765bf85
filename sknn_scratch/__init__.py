"""sknn-scratch: scikit-learn-compatible neural networks written from scratch."""

from ._classifier import MLPClassifier
from ._gradcheck import check_gradients
from ._regressor import MLPRegressor
from ._tabular import TabularEncoder

__version__ = "0.1.0"

__all__ = ["MLPClassifier", "MLPRegressor", "TabularEncoder", "check_gradients", "__version__"]
