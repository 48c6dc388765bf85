"""The data each call is handed: checked, encoded, and in the model's dtype.

:class:`DataChecks` holds what the estimators do with ``X``, ``y``, the
sample weights and the validation data before any training or prediction:
scikit-learn's ``validate_data`` (which records ``n_features_in_`` and the
feature names), the ``input_encoding`` of raw tables, the targets' encoding
(by the subclass), and the messages that name the problem.
"""

import re

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_X_y,
    column_or_1d,
    validate_data,
)

from ._compat import _check_sample_weight
from ._held_out import ValidationData
from ._tabular import TabularEncoder


def _about_validation_data(message):
    """A message of the training-data checks, worded for the validation data:
    ``X``, ``y`` and ``sample_weight`` become ``X_val``, ``y_val`` and
    ``sample_weight_val`` (the names the user passed)."""
    message = re.sub(r"\b(X|y|sample_weight)\b(?!_val)", r"\1_val", message)
    message = re.sub(r"\b[Ss]ample weights\b", "sample_weight_val", message)
    if "_val" not in message:
        message = f"Invalid validation data (X_val, y_val): {message}"
    return message


def _has_text_columns(X):
    """Whether X (a DataFrame or an array) holds columns of text or
    categories, which need an encoder."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):
        texts = ("str", "utf8", "cat", "enum", "object")  # polars' dtypes have no kind
        return any(
            getattr(dtype, "kind", None) == "O"
            or (getattr(dtype, "kind", None) is None and str(dtype).lower().startswith(texts))
            for dtype in list(dtypes)
        )
    array = np.asarray(X) if not hasattr(X, "tocsr") else None
    return array is not None and array.dtype.kind in "OUS"


class DataChecks:
    """Checks of the data a call is handed (a mixin of ``BaseMLP``)."""

    def _validate_training_data(self, X, y, sample_weight, reset, incremental, classes):
        """Return ``X``, ``y``, the encoded targets ``Y``, the sample weights
        and the ``alpha`` that goes with them (see ``_checked_sample_weight``)."""
        X, y = self._checked_data(
            X,
            y,
            accept_sparse="csr",
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=self._y_numeric,
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not reset and hasattr(self, "network_"):
            # Training continues in the model's precision, as in scikit-learn.
            X = X.astype(self.network_.params.dtype, copy=False)
        Y = self._encode_targets(y, X.dtype, reset, incremental, classes)
        sample_weight = self._target_weights(y, sample_weight, X, incremental)
        sample_weight, alpha = self._checked_sample_weight(sample_weight, X)
        return X, y, Y, sample_weight, alpha

    def _checked_sample_weight(self, sample_weight, X):
        """Sample weights in X's dtype, and the ``alpha`` to train with.

        Checked in float64 (negative, non-finite and all-zero weights are
        refused: S = 0 in J). They are then scaled by the power of two that
        brings their mean nearest 1, and ``alpha`` with them: powers of two
        scale exactly, so J is unchanged, but float32 can now hold weights
        (and their sums and products) that would overflow it as given.
        """
        if sample_weight is None:
            return None, self.alpha
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        exponent = -int(np.round(np.log2(sample_weight.mean())))
        return np.ldexp(sample_weight, exponent).astype(X.dtype), np.ldexp(self.alpha, exponent)

    def _validated_validation_data(self, validation, dtype, y_train):
        """Check validation data like the training data (same features,
        outputs and classes); None when none were given."""
        X_val, y_val, sample_weight_val = validation or (None, None, None)
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError("sample_weight_val is given, but X_val and y_val are not.")
            return None
        if X_val is None or y_val is None:
            given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
            raise ValueError(f"{given} is given, but {missing} is not: give both.")
        try:
            return self._checked_validation_data(X_val, y_val, sample_weight_val, dtype, y_train)
        except ValueError as error:
            # The checks are those of the training data; their messages say
            # X, y and sample_weight where the user passed the _val arrays.
            raise ValueError(_about_validation_data(str(error))) from None

    def _checked_validation_data(self, X_val, y_val, sample_weight_val, dtype, y_train):
        X_val, y_val = self._checked_data(
            X_val,
            y_val,
            accept_sparse="csr",
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=self._y_numeric,
            reset=False,
        )
        if X_val.shape[0] < 2:
            # One row has no spread: R^2 and most scores are undefined (NaN).
            raise ValueError(f"X has {X_val.shape[0]} sample(s); validation data need at least 2.")
        X_val = X_val.astype(dtype, copy=False)
        if y_val.ndim == 2 and y_val.shape[1] == 1 and self.n_outputs_ == 1:
            y_val = column_or_1d(y_val)
        Y_val = self._encode_validation_targets(y_val, dtype)
        weights = self._target_weights(
            y_val, sample_weight_val, X_val, incremental=False, y_train=y_train
        )
        if weights is not None:
            weights = _check_sample_weight(
                weights, X_val, dtype=np.float64, ensure_non_negative=True
            )
        return ValidationData(X_val, Y_val, y_val, weights)

    def _validated_input(self, X):
        """X checked against the fitted estimator, as float64 or float32."""
        check_is_fitted(self)
        return self._checked_data(
            X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False
        )

    def _checked_data(self, X, y="no_validation", *, reset, **checks):
        """``validate_data``, after ``input_encoding`` turned the raw columns
        of X into numbers (its encoder fitted anew when ``reset``; never
        when predicting)."""
        if self.input_encoding is None:
            if reset:  # a refit without an encoder keeps none from before
                self.__dict__.pop("input_encoder_", None)
            elif hasattr(self, "input_encoder_"):
                raise ValueError(
                    "This model was fitted with input_encoding="
                    f"{self._fitted_encoding()!r}, which is now None; "
                    "set it back, or call fit again to train without it."
                )
            return self._validated_without_encoding(X, y, reset, checks)
        if hasattr(X, "tocsr"):
            raise TypeError(
                "input_encoding encodes the columns of a DataFrame or dense array; "
                "X is a sparse matrix. Set input_encoding=None for sparse input."
            )
        if not reset and not hasattr(self, "input_encoder_"):
            raise ValueError(
                f"input_encoding={self._input_encoding_key()!r} was set after this model was "
                "fitted without it: predicting does not fit an encoder. Call fit again to "
                "train with it, or set input_encoding=None."
            )
        validate_data(self, X, skip_check_array=True, reset=reset)  # the raw columns
        if reset:
            # (fit_blocks hands over the encoder it learned from every block.)
            fitted = self.__dict__.pop("_encoder_from_blocks", None)
            self.input_encoder_ = fitted or self._new_input_encoder().fit(X)
        X = self.input_encoder_.transform(X)
        if isinstance(y, str) and y == "no_validation":
            return check_array(X, accept_sparse=False, dtype=checks["dtype"])
        return check_X_y(X, y, **checks)

    def _fitted_encoding(self):
        return getattr(self, "_fitted_model_params", {}).get("input_encoding", "tabular")

    def _validated_without_encoding(self, X, y, reset, checks):
        """``validate_data`` on X as it is; a table of text or categories is
        refused with a message that names the library's own answer."""
        try:
            return validate_data(self, X, y, reset=reset, **checks)
        except ValueError as error:
            if not _has_text_columns(X):
                raise
            raise ValueError(
                f"{error}\nX holds text or categorical columns, which "
                f"{type(self).__name__} reads only through an encoder: pass "
                f'input_encoding="tabular" (a TabularEncoder in front), or start from '
                f"{type(self).__name__}.for_tabular(), the recipe for raw tables."
            ) from None

    def _new_input_encoder(self):
        if isinstance(self.input_encoding, str):  # "tabular", the one name
            # float32: the network then trains in float32, 1.4-1.7x faster
            # with the same scores to 4 decimals on the tabular suite.
            # The smooth clip guards a network that reads the raw numbers
            # against their outliers; piecewise-linear bins are quantiles,
            # robust already, and their last bin extrapolates the tail the
            # clip would flatten (flights' delays: 0.842 R^2 clipped, 0.866
            # not, LightGBM 0.868).
            clip = None if getattr(self, "piecewise_linear_bins", None) else 3.0
            return TabularEncoder(dtype=np.float32, clip=clip)
        return clone(self.input_encoding)

    def _input_encoding_key(self):
        """``input_encoding`` as a value that compares equal across clones."""
        encoding = self.input_encoding
        return encoding if encoding is None or isinstance(encoding, str) else repr(encoding)

    def _target_weights(self, y, sample_weight, X, incremental, y_train=None):
        """Sample weights with any per-target weighting (the classifier's
        ``class_weight``) folded in; the regressor has none. ``y_train``:
        the training target, when ``y`` is validation data."""
        return sample_weight
