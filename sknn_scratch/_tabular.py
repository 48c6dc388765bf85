"""Tabular input as it comes: a DataFrame's columns turned into network inputs.

:class:`TabularEncoder` takes what HistGradientBoosting takes (a pandas or
polars DataFrame with numeric, boolean, categorical and text columns and
missing values, or a NumPy array) and returns a float matrix a network can
read. Each kind of column gets the treatment the published tabular MLPs
(RealMLP, Holzmüller et al., 2024) found to work:

- numbers: minus the median, over the interquartile range (half the range
  where that is 0; constant columns become 0), then the smooth clip
  ``x / sqrt(1 + (x / clip)^2)``, which leaves the bulk of the values almost
  as they are and bends outliers back to within ``clip``; a missing value
  becomes the median (0) and, for columns that had missing values in
  training, a 0/1 indicator column says where;
- two categories (booleans among them): one column, -1 or +1 (0 when
  missing or unknown);
- more categories: one-hot, one column each; beyond ``max_categories``, the
  most frequent keep their own column and the rest share one
  ("infrequent"); a missing or unknown value is all zeros.

Statistics come from the rows given to ``fit`` only. Nothing here needs
pandas: a DataFrame brings its own.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._compat import Interval, _fit_context

#: The one-hot column that infrequent categories share.
INFREQUENT = "infrequent"


def smooth_clip(x, clip):
    """``x / sqrt(1 + (x / clip)^2)``: about ``x`` near 0, at most ``clip`` in size."""
    return x / np.sqrt(1.0 + (x / clip) ** 2)


def robust_scale(values):
    """Centre and scale of a numeric column (NaN for missing), from its
    median and interquartile range; half the range where the quartiles
    agree; 1 for a constant or empty column (which then becomes 0)."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return 0.0, 1.0
    low, centre, high = np.percentile(present, [25, 50, 75])
    scale = high - low
    if scale <= 0:
        scale = (present.max() - present.min()) / 2
    return float(centre), float(scale) if scale > 0 else 1.0


def _is_missing(values):
    """Where an object column holds None, NaN or pandas' NA."""
    return np.array([v is None or v != v or type(v).__name__ == "NAType" for v in values], bool)


class _Column:
    """One input column, as the encoder found it in training."""

    def __init__(self, name, kind, **stats):
        self.name, self.kind = name, kind
        self.__dict__.update(stats)

    def output_names(self):
        if self.kind == "numeric":
            return [self.name] + ([f"{self.name}_missing"] if self.indicator else [])
        if self.kind == "binary":
            return [f"{self.name}={self.categories[1]}"]
        return [f"{self.name}={c}" for c in self.categories] + (
            [f"{self.name}={INFREQUENT}"] if self.infrequent else []
        )


def _columns_of(X):
    """``(names, columns, numeric flags)`` of a DataFrame or 2-D array.

    A pandas or polars column is numeric when its dtype is a (non-boolean)
    number; an array's columns are numeric when the whole array converts
    to floats.
    """
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        names = [str(name) for name in X.columns]
        columns = [_column_values(X[name]) for name in X.columns]
        return names, [c for c, _ in columns], [numeric for _, numeric in columns]
    array = np.asarray(X)
    if np.iscomplexobj(array):
        raise ValueError("Complex data not supported: give real numbers or categories.")
    if array.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array or a DataFrame, got an array of shape {array.shape}. "
            "Reshape your data with array.reshape(-1, 1) for a single feature or "
            "array.reshape(1, -1) for a single sample."
        )
    names = [f"x{j}" for j in range(array.shape[1])]
    columns = [_array_column(array[:, j]) for j in range(array.shape[1])]
    return names, [c for c, _ in columns], [numeric for _, numeric in columns]


def _array_column(values):
    """An array's column as floats if every present value is a number."""
    if values.dtype != object:
        try:
            return values.astype(np.float64), True
        except (TypeError, ValueError):
            return values.astype(object), False
    missing = _is_missing(values)
    try:
        return np.where(missing, np.nan, values).astype(np.float64), True
    except (TypeError, ValueError):
        return values, False


def _column_values(series):
    """A DataFrame column as floats (NaN for missing) if it is numeric, else
    as objects, and whether it is numeric."""
    dtype = series.dtype
    kind = getattr(dtype, "kind", None)
    name = str(dtype).lower()
    is_bool = kind == "b" or name.startswith("bool")
    is_number = kind in ("i", "u", "f") or (
        not is_bool and any(name.startswith(p) for p in ("int", "uint", "float"))
    )
    if is_number:
        values = series.to_numpy()
        if values.dtype == object:  # pandas' nullable numbers hold pd.NA
            values = np.array([np.nan if m else v for v, m in zip(values, _is_missing(values))])
        return values.astype(np.float64), True
    return np.asarray(series.to_numpy(), dtype=object), False


def _category_keys(values):
    """Each value as the string by which categories are matched; None where missing."""
    missing = _is_missing(values)
    keys = np.array([None if m else str(v) for v, m in zip(values, missing)], dtype=object)
    return keys, missing


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Turn a raw table (numbers, booleans, categories, text, missing values)
    into the float matrix a network reads.

    Numbers are scaled robustly (median, interquartile range) and clipped
    smoothly, with an indicator column where values were missing; two-valued
    columns become one -1/+1 column; other categorical and text columns are
    one-hot encoded, the rarest categories sharing a column beyond
    ``max_categories``. Categories unseen in training and missing values
    encode as zeros. ``set_output(transform="pandas")`` makes it return a
    DataFrame with those names. It is what ``input_encoding="tabular"`` of
    :class:`MLPRegressor` and :class:`MLPClassifier` applies, and can be
    used in front of any model.

    Parameters
    ----------
    max_categories : int, default=32
        At most this many one-hot columns per categorical column: beyond it,
        the ``max_categories - 1`` most frequent categories keep their own
        column and the others share one.
    clip : float or None, default=3.0
        Scale of the smooth clipping ``x / sqrt(1 + (x / clip)^2)`` of the
        robustly scaled numbers; None leaves them unclipped.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        The dtype of the output.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the input columns, when X was a DataFrame with string
        column names.
    column_kinds_ : list of str
        ``"numeric"``, ``"binary"`` or ``"categorical"``, per input column.
    categories_ : list of list or None
        Per input column, the categories with a column of their own (None
        for numbers).
    numeric_columns_ : ndarray of int
        The output columns that hold scaled numbers (not indicators or
        categories): what a numerical embedding embeds.

    See Also
    --------
    sklearn.compose.ColumnTransformer : Build such a preprocessing by hand.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_scratch import TabularEncoder
    >>> X = np.array([[1.0, "red"], [2.0, "blue"], [np.nan, "red"], [4.0, "green"]],
    ...              dtype=object)
    >>> enc = TabularEncoder().fit(X)
    >>> enc.column_kinds_
    ['numeric', 'categorical']
    >>> list(enc.get_feature_names_out())
    ['x0', 'x0_missing', 'x1=blue', 'x1=green', 'x1=red']
    >>> enc.transform([[2.0, "purple"]]).round(3).tolist()
    [[0.0, 0.0, 0.0, 0.0, 0.0]]
    """

    _parameter_constraints: dict = {
        "max_categories": [Interval(numbers.Integral, 2, None, closed="left")],
        "clip": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "dtype": "no_validation",  # checked in fit, with a clearer message
    }

    def __init__(self, max_categories=32, clip=3.0, dtype=np.float64):
        self.max_categories = max_categories
        self.clip = clip
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each column's kind and statistics from X.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table; missing values as NaN, None or pandas' NA.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted encoder.
        """
        if np.dtype(self.dtype) not in (np.float64, np.float32):
            raise ValueError(f"dtype must be numpy.float64 or numpy.float32, got {self.dtype!r}.")
        names, columns, numeric = self._checked(X, reset=True)
        self._columns = [
            self._fitted_column(name, values, is_numeric)
            for name, values, is_numeric in zip(names, columns, numeric)
        ]
        self.column_kinds_ = [column.kind for column in self._columns]
        self.numeric_columns_ = self._numeric_outputs()
        self.categories_ = [getattr(column, "categories", None) for column in self._columns]
        return self

    def _category_blocks(self):
        """``(start, stop)`` of each categorical column's one-hot block in
        the output."""
        blocks, start = [], 0
        for column in self._columns:
            stop = start + len(column.output_names())
            if column.kind == "categorical":
                blocks.append((start, stop))
            start = stop
        return blocks

    def _numeric_outputs(self):
        """Indices of the output columns that hold scaled numbers."""
        indices, start = [], 0
        for column in self._columns:
            if column.kind == "numeric":
                indices.append(start)
            start += len(column.output_names())
        return np.array(indices, dtype=np.intp)

    def _checked(self, X, reset):
        if hasattr(X, "tocsr") or hasattr(X, "toarray"):
            raise TypeError(
                "TabularEncoder takes a DataFrame or a dense array, not a sparse matrix."
            )
        names, columns, numeric = _columns_of(X)
        n_rows = len(columns[0]) if columns else np.shape(X)[0]
        if not columns or n_rows == 0:
            what = "feature" if n_rows else "sample"
            raise ValueError(
                f"Found array with 0 {what}(s) (shape=({n_rows}, {len(columns)})) while a "
                "minimum of 1 is required."
            )
        validate_data(self, X, skip_check_array=True, reset=reset)
        for name, values, is_numeric in zip(names, columns, numeric):
            if is_numeric and np.isinf(values).any():
                raise ValueError(
                    f"Input column {name!r} contains infinity; the encoder takes NaN for "
                    "missing values, but not infinite ones."
                )
        return names, columns, numeric

    def _fitted_column(self, name, values, is_numeric):
        if is_numeric and np.unique(values[~np.isnan(values)]).size > 2:
            centre, scale = robust_scale(values)
            return _Column(
                name, "numeric", centre=centre, scale=scale, indicator=bool(np.isnan(values).any())
            )
        keys, missing = _category_keys(values)
        counts = {}
        for key in keys[~missing]:
            counts[key] = counts.get(key, 0) + 1
        if is_numeric:  # 0/1 columns and other numbers with two values
            order = sorted(counts, key=float)
        else:
            order = sorted(counts)
        if len(order) <= 2:
            categories = (order + [None, None])[:2]
            return _Column(name, "binary", categories=categories, numeric=is_numeric)
        kept = order
        if len(order) > self.max_categories:
            by_count = sorted(order, key=lambda key: (-counts[key], key))
            kept = sorted(by_count[: self.max_categories - 1], key=order.index)
        rare = sorted(set(order) - set(kept))
        return _Column(name, "categorical", categories=kept, infrequent=bool(rare), rare=rare)

    def transform(self, X):
        """Encode X with the statistics learned in fit.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table, with the columns seen in fit.

        Returns
        -------
        X_encoded : ndarray of shape (n_samples, n_features_out)
            The encoded table; ``get_feature_names_out()`` names its columns.
        """
        check_is_fitted(self)
        _, columns, _ = self._checked(X, reset=False)
        blocks = [self._encoded(column, values) for column, values in zip(self._columns, columns)]
        return np.hstack(blocks).astype(self.dtype, copy=False)

    def _encoded(self, column, values):
        if column.kind == "numeric":
            return self._encoded_number(column, np.asarray(values, dtype=np.float64))
        keys, missing = _category_keys(values)
        if column.kind == "binary":
            low, high = column.categories
            signs = np.where(keys == high, 1.0, np.where(keys == low, -1.0, 0.0))
            return np.where(missing, 0.0, signs)[:, None]
        # Categories seen in training but rare share the last column;
        # unseen ones, like missing values, get none.
        index = {key: j for j, key in enumerate(column.categories)}
        index.update(dict.fromkeys(column.rare, len(column.categories)))
        codes = np.array([index.get(k, -1) for k in keys])
        onehot = np.zeros((len(keys), len(column.categories) + column.infrequent))
        rows = np.flatnonzero(codes >= 0)
        onehot[rows, codes[rows]] = 1.0
        return onehot

    def _encoded_number(self, column, values):
        missing = np.isnan(values)
        scaled = (np.where(missing, column.centre, values) - column.centre) / column.scale
        if self.clip is not None:
            scaled = smooth_clip(scaled, self.clip)
        if column.indicator:
            return np.column_stack([scaled, missing.astype(np.float64)])
        return scaled[:, None]

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the input name for a number (and
        ``name_missing`` for its indicator), ``name=category`` for the rest.

        Parameters
        ----------
        input_features : None
            Ignored: the names are those seen in fit.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        return np.array([name for c in self._columns for name in c.output_names()], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags
