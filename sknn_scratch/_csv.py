"""Reading the CSV file that ``sknn-scratch compare --csv`` is given.

:func:`read_table` turns the file as people have it into features and a
target: the delimiter sniffed, decimal commas read as numbers, True/False
columns as 0/1, identifier columns dropped (the TabularEncoder's rule,
``_tabular.identifier_reason``), and a :class:`CsvError` naming the
problem for anything it cannot use: a missing file or column, a target
that is not numbers, missing values without ``--impute``, values too large
to scale. The command turns that error into its one line on stderr.
"""

import csv
import re
import sys

import numpy as np

from ._tabular import identifier_reason


class CsvError(ValueError):
    """The file cannot be read as the command needs it; the message says why."""


def read_table(pd, path, target, impute, decimal=None, encoding=None):
    """The CSV at ``path`` as ``{X, y, expected, columns, dropped, description}``:
    the features as a DataFrame (True/False columns as 0/1, identifiers
    dropped), the target ``y`` (numbers, or the labels as they are written:
    text, booleans); ``pd`` is pandas."""
    if target is None:
        raise CsvError("--csv needs --target COLUMN.")
    frame = _read_csv(pd, path, decimal, encoding)
    if target not in frame.columns:
        raise CsvError(
            f"no column {target!r} in {path}; columns: {', '.join(map(str, frame.columns))}"
        )
    if frame.empty:
        raise CsvError(f"{path} has a header but no data rows.")
    y = frame.pop(target)
    if not pd.api.types.is_numeric_dtype(y) and decimal_commas(y):
        raise CsvError(
            f"the target column {target!r} holds numbers with decimal commas (such as "
            f"{y.dropna().iloc[0]!r}) in a comma-separated file: pass '--decimal ,'."
        )
    frame, y = _rows_with_a_target(frame, y, target, impute)
    frame = frame.apply(lambda column: _numeric_column(pd, column))
    _check_finite(pd, frame, y, target)
    frame, dropped = _drop_identifiers(frame)
    missing = [str(c) for c in frame.columns if frame[c].isna().any()]
    if missing and not impute:
        raise CsvError(
            f"missing values in column(s) {', '.join(missing)}; pass --impute to fill them."
        )
    if frame.shape[1] == 0:
        raise CsvError(f"{path} has no feature columns besides {target!r}.")
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    return {
        "X": frame,
        "y": y.to_numpy(dtype=float) if numeric else _labels(y),
        "expected": None,
        "columns": list(frame.columns),
        "target": target,
        "dropped": dropped,
        "description": f"{path.name} (target {target})",
    }


def _labels(y):
    """A text or boolean target as an array of its labels (text stripped of
    the spaces around it)."""
    values = y.to_numpy()
    if values.dtype.kind == "b":
        return values
    return np.array([str(v).strip() for v in values], dtype=object)


def _rows_with_a_target(frame, y, target, impute):
    """Targets are never imputed (that would invent what the models are
    scored against): with --impute their rows are dropped, with a note."""
    missing = y.isna()
    if not missing.any():
        return frame, y
    n_missing = int(missing.sum())
    if not impute:
        raise CsvError(
            f"the target column {target!r} has {n_missing} missing value(s); pass --impute "
            "to drop those rows (targets are never imputed)."
        )
    if n_missing == len(y):
        raise CsvError(f"the target column {target!r} has no values.")
    print(
        f"sknn-scratch: note: dropping {n_missing} row(s) whose target {target!r} is missing "
        "(targets are never imputed).",
        file=sys.stderr,
    )
    return frame[~missing].reset_index(drop=True), y[~missing].reset_index(drop=True)


def _read_csv(pd, path, decimal=None, encoding=None):
    if path.is_dir():
        raise CsvError(f"--csv {path} is a directory, not a CSV file.")
    if not path.exists():
        raise CsvError(f"no such file: {path}")
    if not path.is_file():
        raise CsvError(f"--csv {path} is not a regular file.")
    encoding, sample = _decoded_start(path, encoding)
    if not sample.strip():
        raise CsvError(f"{path} is empty.")
    separator = _delimiter(sample)
    frame = _parsed(pd, path, separator, encoding, decimal)
    if decimal is None and separator != "," and any(decimal_commas(frame[c]) for c in frame):
        # A comma cannot be the decimal mark of a comma-separated file; in
        # others, numbers written with decimal commas (and maybe a '.' to
        # group thousands, 1.234,56) mean the whole file is written so.
        frame = _parsed(pd, path, separator, encoding, ",")
    return frame


def _parsed(pd, path, separator, encoding, decimal):
    """The file read by pandas; with decimal commas, a column of numbers
    whose thousands a '.' groups (1.234,56 and 1.234: how spreadsheets in
    German, Dutch, Italian... write) is numbers too. (pandas' own
    ``thousands='.'`` would also read a date 01.02.2024 as 1022024.)"""
    try:
        frame = pd.read_csv(path, sep=separator, decimal=decimal or ".", encoding=encoding)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise CsvError(f"cannot read {path} as CSV: {str(error).splitlines()[0]}") from None
    if decimal == ",":
        for name in frame.columns:
            if _grouped_numbers(frame[name]):
                text = frame[name].str.replace(".", "", regex=False)
                frame[name] = pd.to_numeric(text.str.replace(",", ".", regex=False))
    return frame


def _grouped_numbers(column):
    """Whether a text column holds only numbers written with decimal commas
    and thousands grouped by '.' (at least one of them with a comma or a
    '.')."""
    return _written_numbers(column, (",", "."))


#: What a file that is not UTF-8 is read as: cp1252, the Windows encoding of
#: Western European text (a superset of latin-1's printable characters).
FALLBACK_ENCODING = "cp1252"


def _decoded_start(path, encoding):
    """The encoding to read ``path`` with, and its first 64 KiB decoded.

    Without ``encoding``: UTF-8 (a byte-order mark skipped), or else
    cp1252, with a note on stderr; latin-1 where even cp1252 fails (it
    decodes any byte)."""
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as error:
        raise CsvError(f"cannot read {path}: {error.strerror}") from None
    if encoding is not None:
        try:
            return encoding, raw[:65536].decode(encoding, errors="ignore")
        except LookupError:
            raise CsvError(f"--encoding {encoding}: no such text encoding.") from None
    try:
        raw.decode("utf-8-sig")
        return "utf-8-sig", raw[:65536].decode("utf-8-sig", errors="ignore")
    except UnicodeDecodeError:
        pass
    for fallback in (FALLBACK_ENCODING, "latin-1"):
        try:
            text = raw.decode(fallback)
        except UnicodeDecodeError:
            continue
        print(
            f"sknn-scratch: note: {path.name} is not UTF-8; reading it as {fallback} "
            "(pass --encoding to choose).",
            file=sys.stderr,
        )
        return fallback, text[:65536]
    raise CsvError(f"cannot decode {path}")  # (unreachable: latin-1 decodes any byte)


_DECIMAL_COMMA = re.compile(r"^\s*[+-]?(\d{1,3}(\.\d{3})+,\d*|\d+,\d*|,\d+)\s*$")
_INTEGER = re.compile(r"^\s*[+-]?(\d+|\d{1,3}(\.\d{3})+)\s*$")


def decimal_commas(column):
    """Whether a text column holds numbers written with decimal commas (at
    least one such value, and every value a number so written or an integer;
    a '.' may group their thousands: 1.234,56 and 1.234)."""
    return _written_numbers(column, (",",))


def _written_numbers(column, marks):
    """Whether every value of a text column is a number in the decimal-comma
    way (or an integer), and at least one holds one of ``marks``."""
    if getattr(column.dtype, "kind", "O") in "biufcmM":  # numbers, dates
        return False
    values = [str(v) for v in column.dropna()]
    return any(mark in v for v in values for mark in marks) and all(
        _DECIMAL_COMMA.match(v) or _INTEGER.match(v) for v in values
    )


def _delimiter(sample):
    """The CSV's delimiter: comma, semicolon, tab or |, sniffed from the start."""
    try:
        return csv.Sniffer().sniff(sample.splitlines()[0], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","  # a single column: no delimiter to find


def _numeric_column(pd, column):
    """True/False columns (bool, or text holding only True/False) as 0/1 numbers."""
    if pd.api.types.is_bool_dtype(column):
        return column.astype(float)
    if column.dtype == object:
        values = set(column.dropna().map(lambda v: str(v).strip().lower()))
        if values and values <= {"true", "false"}:
            return column.map(
                lambda v: v if pd.isna(v) else float(str(v).strip().lower() == "true")
            )
    return column


def _check_finite(pd, frame, y, target):
    """Refuse infinite values, and finite ones so large that scaling the
    column would overflow (its variance sums their squares)."""
    columns = [(target, y)] + [(name, frame[name]) for name in frame.columns]
    limit = _largest_scalable(len(y))
    for name, column in columns:
        if not pd.api.types.is_numeric_dtype(column):
            continue
        values = np.abs(column.to_numpy(dtype=float))
        if np.isinf(values).any():
            raise CsvError(
                f"column {name!r} holds infinite values (or numbers beyond 1e308); "
                "remove or cap them."
            )
        largest = np.nanmax(values, initial=0.0)
        if largest > limit:
            raise CsvError(
                f"column {name!r} holds values as large as {largest:.3g}: beyond {limit:.1e}, "
                "scaling the column overflows; rescale it (divide by a power of ten) or cap "
                "the outliers."
            )


def _largest_scalable(n_rows):
    """The largest magnitude whose squares, summed over ``n_rows`` rows,
    stay well inside float64 (a factor of 100 to spare)."""
    return float(np.sqrt(np.finfo(np.float64).max / (100.0 * max(n_rows, 1))))


def _drop_identifiers(frame):
    """Drop identifier columns (the TabularEncoder's rule,
    ``_tabular.identifier_reason``); return the frame and ``{name: why}``.

    A text column with a distinct value in more than half of at least 20
    rows (IDs, dates, names: one-hot encoded, one column per row, teaching
    nothing), and an integer column with a distinct value in every row whose
    name says it is an identifier or a row number (``customer_id``, ``ID``,
    ``row``, pandas' ``Unnamed: 0``): as a number it would give the network a
    meaningless order to learn from. (A distinct integer in every row alone
    is not enough: a sorted year or a count can be a real feature.)
    """
    dropped = {}
    for name in list(frame.columns):
        why = _identifier(frame[name], name)
        if why:
            print(f"sknn-scratch: note: dropping column {name!r}: {why}.", file=sys.stderr)
            dropped[str(name)] = why
            frame = frame.drop(columns=name)
    return frame, dropped


def _identifier(column, name):
    """Why ``column`` looks like an identifier, or None: the rule the
    TabularEncoder leaves identifiers out by (``identifier_reason``)."""
    numeric = column.dtype.kind in "biuf"
    values = column.to_numpy(dtype=np.float64, na_value=np.nan) if numeric else column.to_numpy()
    return identifier_reason(name, values, numeric)
