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
  ("infrequent"); a missing or unknown value is all zeros;
- dates and durations (datetime64 / timedelta64 columns): numbers, in
  seconds (since 1970 for dates), then as numbers;
- identifiers (text with a distinct value in most rows, integers with a
  distinct value in every row and a name like ``customer_id``): left out,
  with a warning that names them.

Values are matched by value, not by their text: ``1``, ``1.0`` and
``np.float32(1)`` are one category, ``-0.0`` is ``0``, and a two-valued
numeric column takes ``True`` as 1 (and float32's rounding of its values). Every missing marker is
missing: NaN, None, pandas' NA and NaT, the gaps of pandas' nullable
dtypes and polars' nulls.

Statistics come from the rows given to ``fit`` only. Nothing here needs
pandas: a DataFrame brings its own.
"""

import numbers
import re
import warnings
from collections import Counter
from functools import cached_property
from itertools import repeat

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._compat import Interval, StrOptions, _fit_context

#: The one-hot column that infrequent categories share.
INFREQUENT = "infrequent"


def smooth_clip(x, clip):
    """``x / sqrt(1 + (x / clip)^2)``: about ``x`` near 0, at most ``clip`` in size.

    Monotone for every input: where ``(x / clip)^2`` would overflow (and
    the formula give 0 for 1e200), the value is its limit, ``+-clip``.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = x / clip
        bent = x / np.sqrt(1.0 + ratio**2)
    # Beyond 1e150 the formula is clip to the last bit; past 1e154 it
    # overflows. (Also where the scaling itself overflowed to +-inf.)
    return np.where(np.abs(ratio) > 1e150, np.copysign(clip, x), bent)


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
    """Where a column holds None, NaN, NaT or pandas' NA."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind in "Mm":
        return np.isnat(values)
    if values.dtype.kind != "O":
        return np.zeros(values.shape, bool)
    return np.array([_missing(v) for v in values], bool)


def _missing(value):
    # pandas' NA answers NA to ``!=`` (whose truth is an error): its type first.
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def _key(value):
    """The text by which a category is matched: a number's by its value
    (``1``, ``1.0`` and ``np.float32(1)`` are all ``"1"``; ``-0.0`` is
    ``"0"``), anything else (text, booleans) its ``str``."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
        if number.is_integer() and abs(number) < 2**53:
            return str(int(number))
        return repr(number)
    return str(value)


def _as_numbers(values, name):
    """A column's values as float64, NaN where missing; booleans are 0 and 1.
    Text is refused, naming the column."""
    values = np.asarray(values)
    if values.dtype.kind in "biuf":
        return values.astype(np.float64)
    missing = _is_missing(values)
    try:
        return np.array([np.nan if m else float(v) for v, m in zip(values, missing)])
    except (TypeError, ValueError):
        raise ValueError(
            f"Input column {name!r} held numbers in fit but holds other values now "
            f"(such as {next(v for v, m in zip(values, missing) if not m)!r})."
        ) from None


#: Column names that say "identifier" (customer_id, ID, row_key, No.,
#: Kunden-Nr, Kundennummer, #, ...).
_ID_NAME = re.compile(
    r"(^|[_\s.-])(id|key|index|uuid|number|num|no|nr|nummer|row)\.?$|nummer$|^#$"
    r"|^unnamed: \d+$",
    re.IGNORECASE,
)


def identifier_reason(name, values, numeric):
    """Why a column looks like an identifier (which teaches a model nothing),
    or None. Shared by :class:`TabularEncoder` and the command line.

    Text (or categories) with a distinct value in more than half of at
    least 20 rows (IDs, names, dates written as text: one-hot encoded, one
    column per row), and integers with a distinct value in every row whose
    name says it is an identifier or a row number (``customer_id``, ``ID``,
    ``row``, pandas' ``Unnamed: 0``): as a number it would give the network
    a meaningless order. (A distinct integer in every row alone is not
    enough: a sorted year or a count can be a real feature.)
    """
    if numeric:
        values = np.asarray(values, dtype=np.float64)
    return _Summary(_Raw(str(name), values, numeric)).identifier()


class _Summary:
    """What fitting needs to know of one column, from all its rows or
    merged over row blocks (:meth:`merge`): the numbers present (all, or
    at most ``limit`` evenly spaced ones of a block), up to three distinct
    numbers (exactly), whether the numbers are distinct integers, the
    categories' counts (exactly), and whether any value was missing."""

    def __init__(self, raw, limit=None):
        self.name, self.numeric, self.boolean = raw.name, raw.numeric, raw.boolean
        self.n_rows = raw.n_rows
        if raw.numeric:
            present = raw.values[~np.isnan(raw.values)]
            unique = np.unique(present)
            self.missing = present.size < self.n_rows
            self.few = unique[:3]
            self.distinct_integers = unique.size == self.n_rows and bool(
                (unique == np.round(unique)).all()
            )
            if limit is not None and present.size > limit:
                present = present[np.linspace(0, present.size - 1, limit).astype(np.intp)]
            self.values = present
        else:
            keys, missing = raw.category_keys()
            self.missing = bool(missing.any())
            # (Counter counts in C; its keys in the order they first appear.)
            self.counts = dict(Counter(keys[~missing].tolist()))

    def merge(self, other):
        """The summary of this column's rows and ``other``'s (the same column
        of the next block)."""
        if self.numeric != other.numeric:
            raise ValueError(
                f"Column {self.name!r} holds numbers in one block and other values in "
                "another: give it one type in every block."
            )
        merged = object.__new__(_Summary)
        merged.__dict__.update(self.__dict__)
        merged.n_rows = self.n_rows + other.n_rows
        merged.missing = self.missing or other.missing
        if self.numeric:
            merged.few = np.unique(np.concatenate([self.few, other.few]))[:3]
            merged.values = np.concatenate([self.values, other.values])
            # (Distinct across blocks as far as the kept numbers tell.)
            merged.distinct_integers = (
                self.distinct_integers
                and other.distinct_integers
                and np.unique(merged.values).size == merged.values.size
            )
        else:
            merged.counts = dict(self.counts)
            for key, count in other.counts.items():
                merged.counts[key] = merged.counts.get(key, 0) + count
        return merged

    def identifier(self):
        """Why the column looks like an identifier, or None (see
        :func:`identifier_reason`)."""
        if self.n_rows < 20:
            return None
        if not self.numeric:
            distinct = len(self.counts)
            if distinct > 0.5 * self.n_rows:
                return (
                    f"text with {distinct} distinct values in {self.n_rows} rows (an ID or a date?)"
                )
            return None
        if self.distinct_integers and not self.missing and _ID_NAME.search(self.name):
            return "integers, a different one in every row, named like an ID or a row number"
        return None


class _Column:
    """One input column, as the encoder found it in training."""

    def __init__(self, name, kind, **stats):
        self.name, self.kind = name, kind
        self.__dict__.update(stats)

    def output_names(self):
        if self.kind == "identifier":
            return []
        if self.kind == "numeric":
            return [self.name] + ([f"{self.name}_missing"] if self.indicator else [])
        if self.kind == "binary":
            return [f"{self.name}={self.categories[1]}"]
        return [f"{self.name}={c}" for c in self.categories] + (
            [f"{self.name}={INFREQUENT}"] if self.infrequent else []
        )


class _Raw:
    """One column as read from X: its name, its values (float64 with NaN
    for numbers, booleans and dates; objects otherwise), whether they are
    numbers, and whether they were booleans."""

    def __init__(self, name, values, numeric, boolean=False):
        self.name, self.values, self.numeric, self.boolean = name, values, numeric, boolean
        self.n_rows = len(values)

    def category_keys(self):
        """Each value's key (:func:`_category_keys`), and where missing."""
        return _category_keys(self.values)


class _CategoricalRaw(_Raw):
    """A pandas categorical column (not numeric), read through its codes and
    categories: the keys are computed once per category and looked up by
    code, with no object per row and no hashing of the rows (AER Fertility's
    five text columns, 170,000 rows: 0.03 s against 0.14 s for fit and
    transform together). The rows' objects are made only if asked for."""

    def __init__(self, name, series):
        self.name, self.numeric, self.boolean = name, False, False
        self._series, self.n_rows = series, len(series)

    @cached_property
    def values(self):
        return np.asarray(self._series.to_numpy(), dtype=object)

    def category_keys(self):
        series = self._series
        keys = _keys_by_code(series.cat.codes.to_numpy(), series.cat.categories)
        return super().category_keys() if keys is None else keys


def _columns_of(X):
    """The columns of a DataFrame or 2-D array, as a list of :class:`_Raw`.

    A pandas or polars column is numeric when its dtype is a number, a
    boolean, a date or a duration; an array's columns are numeric when the
    whole array converts to floats.
    """
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        names = [str(name) for name in X.columns]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"X has more than one column named {repeated}: TabularEncoder needs one "
                "name per column. Rename or drop the repeated columns."
            )
        return [_column_values(str(name), X[name]) for name in X.columns]
    array = np.asarray(X)
    if np.iscomplexobj(array):
        raise ValueError("Complex data not supported: give real numbers or categories.")
    if array.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array or a DataFrame, got an array of shape {array.shape}. "
            "Reshape your data with array.reshape(-1, 1) for a single feature or "
            "array.reshape(1, -1) for a single sample."
        )
    return [_array_column(f"x{j}", array[:, j]) for j in range(array.shape[1])]


def _array_column(name, values):
    """An array's column as floats if every present value is a number."""
    if values.dtype.kind in "Mm":
        return _Raw(name, _seconds(values), True)
    if values.dtype != object:
        try:
            return _Raw(name, values.astype(np.float64), True, values.dtype.kind == "b")
        except (TypeError, ValueError):
            return _Raw(name, values.astype(object), False)
    try:
        return _Raw(name, _as_numbers(values, name), True)
    except ValueError:
        return _Raw(name, values, False)


def _column_values(name, series):
    """A DataFrame column as a :class:`_Raw`: floats (NaN for missing) for
    numbers, booleans, dates and durations, objects otherwise."""
    dtype = series.dtype
    kind = getattr(dtype, "kind", None)
    text = str(dtype).lower()
    is_bool = kind == "b" or text.startswith("bool")
    is_time = kind in ("M", "m") or text.startswith(("datetime", "date", "duration"))
    is_number = kind in ("i", "u", "f") or any(
        text.startswith(p) for p in ("int", "uint", "float", "double")
    )
    if str(dtype) == "category" and hasattr(series, "cat"):  # (pandas')
        return _CategoricalRaw(name, series)
    values = series.to_numpy()
    if is_time:
        return _Raw(name, _seconds(values), True)
    if is_number or is_bool:
        return _Raw(name, _as_numbers(values, name), True, is_bool)
    return _Raw(name, np.asarray(values, dtype=object), False)


def _seconds(values):
    """Dates as seconds since 1970-01-01 and durations as seconds, NaN
    where missing (NaT); time-zone-aware timestamps (objects) in UTC."""
    values = np.asarray(values)
    if values.dtype.kind == "M":
        return (values - np.datetime64(0, "s")) / np.timedelta64(1, "s")
    if values.dtype.kind == "m":
        return values / np.timedelta64(1, "s")
    missing = _is_missing(values)
    return np.array([np.nan if m else v.timestamp() for v, m in zip(values, missing)])


#: How far (relative) a number may be from a two-valued column's value and
#: still be it: float32's rounding (0.1 as float32 is 0.1 to 1.5e-8).
BINARY_TOLERANCE = 1e-6


def binary_values(column):
    """A two-valued numeric column's values (None for an absent second);
    from its labels for an encoder saved before they were kept."""
    if hasattr(column, "values"):
        return column.values
    return [None if c is None else float(c) for c in column.categories]


def binary_signs(column, numbers):
    """-1 and +1 where ``numbers`` are a two-valued numeric column's low and
    high value (to ``BINARY_TOLERANCE``), 0 elsewhere (missing, unseen)."""
    signs = np.zeros(len(numbers))
    for value, sign in zip(binary_values(column), (-1.0, 1.0)):
        if value is not None:
            signs[np.abs(numbers - value) <= BINARY_TOLERANCE * abs(value)] = sign
    return signs


def _category_keys(values):
    """Each value as the text by which categories are matched (see
    :func:`_key`); None where missing."""
    factorized = _factorized(values)
    keys = None if factorized is None else _keys_by_code(*factorized)
    if keys is not None:
        return keys
    missing = _is_missing(values)
    keys = np.array([None if m else _key(v) for v, m in zip(values, missing)], dtype=object)
    return keys, missing


def _keys_by_code(codes, uniques):
    """The keys (see :func:`_category_keys`) of rows given as ``codes`` into
    their distinct values ``uniques`` (-1 where missing), :func:`_key` run
    once per distinct value; None where ``uniques`` hold booleans: grouping
    by value may have merged values that keys tell apart (``True == 1``, but
    their keys are ``"True"`` and ``"1"``)."""
    uniques = np.asarray(uniques, dtype=object)
    if any(isinstance(u, (bool, np.bool_)) for u in uniques):
        return None
    table = np.array([_key(u) for u in uniques] + [None], dtype=object)
    return table[codes], codes < 0  # (code -1, missing, reads the None at the end)


def _factorized(values):
    """``pandas.factorize`` of a column (codes, -1 where missing, and its
    distinct values), for :func:`_keys_by_code`; None without pandas and for
    a boolean array."""
    try:
        import pandas as pd
    except ImportError:
        return None
    values = np.asarray(values)
    if values.dtype.kind == "b":
        return None
    return pd.factorize(values, use_na_sentinel=True)


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Turn a raw table (numbers, booleans, categories, text, missing values)
    into the float matrix a network reads.

    Numbers are scaled robustly (median, interquartile range) and clipped
    smoothly, with an indicator column where values were missing; two-valued
    columns become one -1/+1 column; other categorical and text columns are
    one-hot encoded, the rarest categories sharing a column beyond
    ``max_categories`` (or below ``min_frequency``). Categories unseen in
    training and missing values (NaN, None, pandas' NA, NaT) encode as
    zeros. Dates and durations become numbers (seconds); identifier
    columns are left out with a warning. Values are matched by value, not
    by their text. ``set_output(transform="pandas")`` makes it return a
    DataFrame with those names. It is what ``input_encoding="tabular"`` of
    :class:`MLPRegressor` and :class:`MLPClassifier` applies, and can be
    used in front of any model.

    Parameters
    ----------
    max_categories : int, default=32
        At most this many one-hot columns per categorical column: beyond it,
        the ``max_categories - 1`` most frequent categories keep their own
        column and the others share one.
    min_frequency : int, float or None, default=None
        Categories seen fewer times than this in training (an int), or in
        less than this share of the rows (a float in (0, 1)), share the
        infrequent column, as in :class:`~sklearn.preprocessing.OneHotEncoder`.
        None: only ``max_categories`` limits the columns. (Columns of two
        categories are one -1/+1 column whatever their counts.)
    clip : float or None, default=3.0
        Scale of the smooth clipping ``x / sqrt(1 + (x / clip)^2)`` of the
        robustly scaled numbers; None leaves them unclipped.
    identifiers : {"drop", "keep"}, default="drop"
        What to do with columns that look like identifiers (text distinct
        in more than half of at least 20 rows; integers distinct in every
        row whose name says ID or row number, like ``customer_id``):
        "drop" leaves them out of the output with a warning that names
        them; "keep" encodes them like any other column.
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
        ``"numeric"``, ``"binary"``, ``"categorical"`` or ``"identifier"``
        (left out), per input column.
    categories_ : list of list or None
        Per input column, the categories with a column of their own (None
        for numbers).
    numeric_columns_ : ndarray of int
        The output columns that hold scaled numbers (not indicators or
        categories): what a numerical embedding embeds.
    identifier_columns_ : dict of str to str
        The input columns left out as identifiers, each with the reason.

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
        "min_frequency": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="neither"),
            None,
        ],
        "clip": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "identifiers": [StrOptions({"drop", "keep"})],
        "dtype": "no_validation",  # checked in fit, with a clearer message
    }

    def __init__(
        self,
        max_categories=32,
        min_frequency=None,
        clip=3.0,
        identifiers="drop",
        dtype=np.float64,
    ):
        self.max_categories = max_categories
        self.min_frequency = min_frequency
        self.clip = clip
        self.identifiers = identifiers
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each column's kind and statistics from X.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table; missing values as NaN, None, NaT or pandas' NA.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted encoder.
        """
        self._check_dtype()
        summaries = [_Summary(raw) for raw in self._checked(X, reset=True)]
        return self._fitted_from(summaries)

    def _fit_blocks(self, blocks, n_blocks, limit=100_000):
        """Fit on the row blocks of a table too large for memory (an
        iterable of DataFrames or arrays with the same columns), reading one
        block at a time: the categories and their counts come from every
        row; the medians and quartiles from at most ``limit`` numbers per
        column (``limit / n_blocks`` from each block, evenly spaced; all of
        them below that). ``blocks`` may be a generator that reads them.
        """
        self._validate_params()
        self._check_dtype()
        summaries, per_block = None, max(1, limit // max(n_blocks, 1))
        for X in blocks:
            raws = self._checked(X, reset=summaries is None)
            if not raws[0].n_rows:
                continue
            new = [_Summary(raw, per_block) for raw in raws]
            summaries = new if summaries is None else [a.merge(b) for a, b in zip(summaries, new)]
        if summaries is None:
            raise ValueError("Every block of X is empty: there are no rows to fit on.")
        return self._fitted_from(summaries)

    def _check_dtype(self):
        if np.dtype(self.dtype) not in (np.float64, np.float32):
            raise ValueError(f"dtype must be numpy.float64 or numpy.float32, got {self.dtype!r}.")

    def _fitted_from(self, summaries):
        """Set the fitted attributes from the columns' summaries."""
        self._columns = [self._fitted_column(summary) for summary in summaries]
        self.column_kinds_ = [column.kind for column in self._columns]
        self.numeric_columns_ = self._numeric_outputs()
        self.categories_ = [getattr(column, "categories", None) for column in self._columns]
        self.identifier_columns_ = {
            c.name: c.reason for c in self._columns if getattr(c, "reason", None)
        }
        if self.identifier_columns_:
            left_out = "; ".join(f"{k!r} ({v})" for k, v in self.identifier_columns_.items())
            warnings.warn(
                f"TabularEncoder leaves out the identifier column(s) {left_out}: they tell "
                "rows apart but teach a model nothing. Drop them yourself to silence "
                "this, or pass identifiers='keep' to encode them.",
                UserWarning,
            )
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
        """X's columns (:class:`_Raw`), checked against fit's."""
        if hasattr(X, "tocsr") or hasattr(X, "toarray"):
            raise TypeError(
                "TabularEncoder takes a DataFrame or a dense array, not a sparse matrix."
            )
        columns = _columns_of(X)
        n_rows = columns[0].n_rows if columns else np.shape(X)[0]
        if not columns or n_rows == 0:
            what = "feature" if n_rows else "sample"
            raise ValueError(
                f"Found array with 0 {what}(s) (shape=({n_rows}, {len(columns)})) while a "
                "minimum of 1 is required."
            )
        validate_data(self, X, skip_check_array=True, reset=reset)
        for raw in columns:
            if raw.numeric and np.isinf(raw.values).any():
                raise ValueError(
                    f"Input column {raw.name!r} contains infinity; the encoder takes NaN for "
                    "missing values, but not infinite ones."
                )
        return columns

    def _fitted_column(self, summary):
        name = summary.name
        reason = summary.identifier() if self.identifiers == "drop" else None
        if reason:
            return _Column(name, "identifier", reason=reason)
        if summary.numeric and len(summary.few) > 2:
            centre, scale = robust_scale(summary.values)
            return _Column(name, "numeric", centre=centre, scale=scale, indicator=summary.missing)
        if summary.numeric:  # 0/1 columns and other numbers with two values
            return self._fitted_binary_number(summary)
        counts = summary.counts
        order = sorted(counts)
        if len(order) <= 2:
            categories = (order + [None, None])[:2]
            return _Column(name, "binary", categories=categories, numeric=False)
        kept = self._kept_categories(order, counts, summary.n_rows)
        rare = sorted(set(order) - set(kept))
        return _Column(name, "categorical", categories=kept, infrequent=bool(rare), rare=rare)

    @staticmethod
    def _fitted_binary_number(summary):
        """A numeric column of at most two values: -1/+1, matched by value
        (``values``); named by the values as read (``True`` for a boolean)."""
        present = summary.few + 0.0  # -0.0 is 0.0
        values = (list(present) + [None, None])[:2]
        labels = [str(bool(v)) if summary.boolean else str(v) for v in present]
        return _Column(
            summary.name,
            "binary",
            categories=(labels + [None, None])[:2],
            values=values,
            numeric=True,
        )

    def _kept_categories(self, order, counts, n_rows):
        """The categories with a column of their own: those seen at least
        ``min_frequency`` times (or that share of the rows), and at most
        ``max_categories - 1`` of them, the most frequent, when there are
        more than ``max_categories``."""
        kept = order
        if self.min_frequency is not None:
            least = self.min_frequency
            if isinstance(least, numbers.Real) and not isinstance(least, numbers.Integral):
                least = least * n_rows
            kept = [key for key in order if counts[key] >= least]
        if len(order) > self.max_categories:
            by_count = sorted(kept, key=lambda key: (-counts[key], key))
            kept = sorted(by_count[: self.max_categories - 1], key=order.index)
        return kept

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
        columns = self._checked(X, reset=False)
        blocks = [self._encoded(column, raw) for column, raw in zip(self._columns, columns)]
        # Each block cast into its columns of one array: no float64 copy of
        # the whole table (hstack's) to cast afterwards (flights' 218,000
        # rows: 0.08 s against 0.3 s, most of it in the fresh pages).
        n_rows = columns[0].n_rows  # (_checked refuses a table of no columns)
        out = np.empty((n_rows, sum(block.shape[1] for block in blocks)), dtype=self.dtype)
        start = 0
        for block in blocks:
            out[:, start : start + block.shape[1]] = block
            start += block.shape[1]
        return out

    def _encoded(self, column, raw):
        if column.kind == "identifier":
            return np.zeros((raw.n_rows, 0))
        if column.kind == "numeric":
            return self._encoded_number(column, _as_numbers(raw.values, column.name))
        if column.kind == "binary" and column.numeric:
            return binary_signs(column, _as_numbers(raw.values, column.name))[:, None]
        keys, missing = raw.category_keys()
        if column.kind == "binary":
            low, high = column.categories
            signs = np.where(keys == high, 1.0, np.where(keys == low, -1.0, 0.0))
            return np.where(missing, 0.0, signs)[:, None]
        # Categories seen in training but rare share the last column;
        # unseen ones, like missing values, get none.
        index = {key: j for j, key in enumerate(column.categories)}
        index.update(dict.fromkeys(column.rare, len(column.categories)))
        # (map and fromiter: half the time of a list of the codes.)
        codes = np.fromiter(map(index.get, keys, repeat(-1)), dtype=np.intp, count=len(keys))
        onehot = np.zeros((len(keys), len(column.categories) + column.infrequent), self.dtype)
        rows = np.flatnonzero(codes >= 0)
        onehot[rows, codes[rows]] = 1.0
        return onehot

    def _encoded_number(self, column, values):
        missing = np.isnan(values)
        with np.errstate(over="ignore"):  # 1e308 / 0.01: smooth_clip takes inf
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
