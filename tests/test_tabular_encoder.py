"""Raw tables in: TabularEncoder, and the estimators' input_encoding."""

import pickle

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn_scratch import MLPClassifier, MLPRegressor, TabularEncoder
from sknn_scratch._tabular import robust_scale, smooth_clip

pd = pytest.importorskip("pandas")


@parametrize_with_checks([TabularEncoder()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def raw_frame(n=120, seed=0):
    """Numbers with missing values, a boolean, a text column, a pandas
    categorical with many levels and a nullable integer column."""
    rng = np.random.RandomState(seed)
    age = rng.uniform(18, 90, n)
    age[::7] = np.nan
    return pd.DataFrame(
        {
            "age": age,
            "retired": rng.rand(n) < 0.3,
            "colour": rng.choice(["red", "green", "blue", None], n),
            "city": pd.Categorical(rng.choice([f"c{i}" for i in range(12)], n)),
            "accounts": pd.array(rng.randint(0, 5, n), dtype="Int64"),
        }
    )


def test_numbers_scaled_robustly_and_clipped_smoothly():
    values = np.array([1.0, 2.0, 3.0, 4.0, 100.0, np.nan])
    centre, scale = robust_scale(values)
    present = values[:-1]
    assert centre == np.median(present)
    assert scale == np.percentile(present, 75) - np.percentile(present, 25)
    Z = TabularEncoder().fit_transform(values[:, None])
    expected = smooth_clip((np.array([1, 2, 3, 4, 100, centre]) - centre) / scale, 3.0)
    np.testing.assert_allclose(Z[:, 0], expected)
    np.testing.assert_array_equal(Z[:, 1], [0, 0, 0, 0, 0, 1])  # the missing indicator
    assert np.abs(Z[:, 0]).max() < 3.0
    assert TabularEncoder(clip=None).fit_transform(values[:, None])[4, 0] == (100 - 3) / 2


def test_scale_falls_back_to_half_the_range_and_constants_become_zero():
    # Quartiles equal (most values alike): half the range instead.
    assert robust_scale(np.array([0.0] * 9 + [1.0, 5.0])) == (0.0, 2.5)
    assert robust_scale(np.array([7.0, 7.0, 7.0, np.nan])) == (7.0, 1.0)
    Z = TabularEncoder().fit_transform(np.array([[7.0, 1], [7.0, 2], [7.0, 3]]))
    np.testing.assert_array_equal(Z[:, 0], -1.0)  # one value: a "binary" column, -1


def test_statistics_come_from_the_training_rows_only():
    train = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    enc = TabularEncoder(clip=None).fit(train)
    np.testing.assert_allclose(enc.transform([[10.0], [2.0]]).ravel(), [4.0, 0.0])
    assert enc.get_feature_names_out().tolist() == ["x0"]  # no missing seen: no indicator


def test_categories_two_values_one_column_and_unknown_are_zero():
    X = np.array([["yes", "a"], ["no", "b"], ["yes", "c"], [None, "a"]], dtype=object)
    enc = TabularEncoder().fit(X)
    assert enc.column_kinds_ == ["binary", "categorical"]
    assert enc.get_feature_names_out().tolist() == ["x0=yes", "x1=a", "x1=b", "x1=c"]
    Z = enc.transform(np.array([["no", "zzz"], ["maybe", None], ["yes", "c"]], dtype=object))
    np.testing.assert_array_equal(Z, [[-1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]])


def test_beyond_max_categories_the_rarest_share_a_column():
    values = ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2 + ["e"]
    enc = TabularEncoder(max_categories=3).fit(np.array(values, dtype=object)[:, None])
    assert enc.categories_ == [["a", "b"]]
    assert enc.get_feature_names_out().tolist() == ["x0=a", "x0=b", "x0=infrequent"]
    Z = enc.transform(np.array([["a"], ["d"], ["e"], ["never seen"]], dtype=object))
    np.testing.assert_array_equal(Z, [[1, 0, 0], [0, 0, 1], [0, 0, 1], [0, 0, 0]])


def test_dataframe_kinds_names_and_missing_values():
    df = raw_frame()
    enc = TabularEncoder(max_categories=8).fit(df)
    assert enc.column_kinds_ == ["numeric", "binary", "categorical", "categorical", "numeric"]
    names = enc.get_feature_names_out().tolist()
    assert names[:3] == ["age", "age_missing", "retired=True"]
    assert names[3:6] == ["colour=blue", "colour=green", "colour=red"]
    assert "city=infrequent" in names and "accounts" in names
    Z = enc.transform(df)
    assert Z.shape == (len(df), len(names)) and np.isfinite(Z).all()
    # A missing colour is all zeros in its block; a missing age its median.
    block = Z[:, 3:6]
    np.testing.assert_array_equal(block.sum(axis=1), df["colour"].notna().astype(float))
    assert (Z[df["age"].isna().to_numpy(), 0] == 0).all()
    frame = enc.set_output(transform="pandas").transform(df)
    assert list(frame.columns) == names


def test_polars_frames_are_read_like_pandas_ones():
    pl = pytest.importorskip("polars")
    df = raw_frame().drop(columns=["city", "accounts"])
    expected = TabularEncoder().fit_transform(df)
    columns = {
        name: [None if value is None or value != value else value for value in df[name]]
        for name in df.columns
    }
    got = TabularEncoder().fit_transform(pl.DataFrame(columns))
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[1.0], [np.inf]]), "contains infinity"),
        (np.ones((3, 2)) + 1j, "Complex data not supported"),
    ],
)
def test_bad_input_named(X, message):
    with pytest.raises(ValueError, match=message):
        TabularEncoder().fit(X)


def test_sparse_input_refused():
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="not a sparse matrix"):
        TabularEncoder().fit(sp.csr_matrix(np.eye(3)))


def test_columns_must_match_fit():
    df = raw_frame()
    enc = TabularEncoder().fit(df)
    with pytest.raises(ValueError, match="feature names"):
        enc.transform(df.rename(columns={"age": "AGE"}))


# ---------------------------------------------------------- input_encoding


def test_default_keeps_scikit_learns_behaviour():
    df, y = raw_frame(), np.arange(120) % 2
    with pytest.raises(ValueError, match="could not convert string to float"):
        MLPClassifier(max_iter=5).fit(df, y)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_tabular_encoding_is_the_encoder_in_front(Estimator):
    df = raw_frame()
    y = (df["age"].fillna(50) / 30 + df["retired"]).round().to_numpy()
    params = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    est = fit_quietly(Estimator(input_encoding="tabular", **params), df, y)
    encoder = TabularEncoder(dtype=np.float32)  # what "tabular" uses
    pipe = fit_quietly(make_pipeline(encoder, Estimator(**params)), df, y)
    np.testing.assert_array_equal(est.predict(df), pipe.predict(df))
    assert est.n_features_in_ == 5
    assert est.feature_names_in_.tolist() == list(df.columns)
    assert est.coefs_[0].shape[0] == len(est.input_encoder_.get_feature_names_out())
    # A copy of the same hidden values, from the raw rows.
    assert est.hidden_activations(df.iloc[:3])[0].shape == (3, 8)


def test_encoder_settings_are_searchable_and_cloned():
    df, y = raw_frame(), np.arange(120) % 2
    est = MLPClassifier(input_encoding=TabularEncoder(), hidden_layer_sizes=(4,), max_iter=5)
    assert "input_encoding__max_categories" in est.get_params()
    search = GridSearchCV(est, {"input_encoding__max_categories": [2, 8]}, cv=2)
    fit_quietly(search, df, y)
    assert search.best_estimator_.input_encoder_ is not est.input_encoding
    assert clone(est).input_encoding is not est.input_encoding


def test_continued_training_keeps_the_encoder_and_refuses_a_change():
    df, y = raw_frame(), np.arange(120) % 2
    est = MLPClassifier(input_encoding="tabular", hidden_layer_sizes=(4,), max_iter=5)
    est.partial_fit(df, y, classes=[0, 1])
    encoder = est.input_encoder_
    est.partial_fit(df.iloc[:10], y[:10])
    assert est.input_encoder_ is encoder  # ten rows do not re-learn the statistics
    est.set_params(input_encoding=TabularEncoder(max_categories=2))
    with pytest.raises(ValueError, match="input_encoding"):
        est.partial_fit(df, y)


def test_validation_data_are_encoded_too():
    df, y = raw_frame(), np.arange(120) % 2
    est = MLPClassifier(input_encoding="tabular", hidden_layer_sizes=(4,), max_iter=3)
    fit_quietly(est, df.iloc[:80], y[:80], X_val=df.iloc[80:], y_val=y[80:])
    assert len(est.validation_scores_) == 3


def test_failed_fit_keeps_the_fitted_encoder():
    df, y = raw_frame(), np.arange(120) % 2
    est = fit_quietly(MLPClassifier(input_encoding="tabular", max_iter=3), df, y)
    before = pickle.dumps(est)
    bad = df.assign(age=np.inf)
    with pytest.raises(ValueError, match="infinity"):
        est.fit(bad, y)
    assert pickle.dumps(est) == before


def test_sparse_input_with_encoding_refused():
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="input_encoding=None for sparse"):
        MLPRegressor(input_encoding="tabular").fit(sp.csr_matrix(np.eye(4)), np.arange(4.0))


def test_persisted_and_state_checked(tmp_path):
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    df, y = raw_frame(), np.arange(120) % 2
    est = fit_quietly(MLPClassifier(input_encoding="tabular", max_iter=3), df, y)
    path = tmp_path / "model.skops"
    persistence.dump(est, path)
    np.testing.assert_array_equal(persistence.load(path).predict_proba(df), est.predict_proba(df))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(df), est.predict(df))
    est.input_encoder_ = TabularEncoder().fit(df[["age"]])
    persistence.dump(est, path)
    with pytest.raises(ValueError, match="n_features_in_=5 but the weights give 1"):
        persistence.load(path)


@pytest.mark.parametrize("encoding", ["tabular", "float64"])
@pytest.mark.parametrize("classify", [False, True])
def test_onnx_export_reads_the_raw_columns(classify, encoding):
    pytest.importorskip("skl2onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    from sknn_scratch.onnx import onnx_feed, to_onnx

    df = raw_frame()
    y = df["colour"].fillna("none") if classify else np.nan_to_num(df["age"].to_numpy(), nan=50)
    Model = MLPClassifier if classify else MLPRegressor
    encoder = "tabular" if encoding == "tabular" else TabularEncoder(max_categories=8)
    est = fit_quietly(
        Model(
            input_encoding=encoder,
            max_iter=5,
            ensemble_size=2,
            piecewise_linear_bins=4,
            category_embedding=4,
        ),
        df,
        y,
    )
    test = df.copy()
    test.loc[0, "colour"] = "purple"  # unseen
    test.loc[1, "city"] = np.nan  # missing
    test.loc[2, "age"] = 1e6  # far outside
    test["accounts"] = test["accounts"].astype("Int64")
    model = to_onnx(est, df.head(1), options={"zipmap": False} if classify else None)
    session = onnxruntime.InferenceSession(model.SerializeToString())
    assert [i.name for i in session.get_inputs()] == list(df.columns)
    outputs = session.run(None, onnx_feed(est, test))
    tolerance = 1e-5 if encoding == "tabular" else 1e-10
    if classify:
        np.testing.assert_allclose(outputs[1], est.predict_proba(test), atol=tolerance)
        assert (outputs[0] == est.predict(test)).mean() > 0.99
    else:
        np.testing.assert_allclose(
            outputs[0].ravel(), est.predict(test), rtol=tolerance, atol=tolerance
        )


def test_onnx_export_of_encoded_models_refused_with_a_reason():
    pytest.importorskip("skl2onnx")
    from sknn_scratch.onnx import to_onnx

    df, y = raw_frame(), np.arange(120) % 2
    est = fit_quietly(MLPClassifier(input_encoding="tabular", max_iter=3), df, y)
    with pytest.raises(ValueError, match="X_sample must be a DataFrame"):
        to_onnx(est, np.zeros((1, 5)))
    with pytest.raises(ValueError, match="but the model was fitted on"):
        to_onnx(est, df[["age", "city"]].head(1))
    # skl2onnx's own conversion of a pipeline holding it refuses it.
    import skl2onnx
    from sklearn.pipeline import make_pipeline as pipeline_of
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    pipe = pipeline_of(FunctionTransformer(), est)
    with pytest.raises(ValueError, match="not inside a Pipeline"):
        skl2onnx.to_onnx(pipe, np.zeros((1, 5)))
    other = fit_quietly(
        MLPClassifier(input_encoding=StandardScaler(), max_iter=3), df[["age"]].fillna(0), y
    )
    with pytest.raises(ValueError, match="exports input_encoding='tabular'"):
        to_onnx(other, df[["age"]].head(1))


# ------------------------------------------------ tables as they come


def two_valued_frame(n=60, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "flag": rng.randint(0, 2, n),
            "rate": rng.choice([0.1, 0.7], n),
            "level": pd.Categorical(rng.randint(1, 4, n)),
        }
    )


@pytest.mark.parametrize(
    "column, as_sent",
    [
        ("flag", lambda s: s.astype(bool)),
        ("flag", lambda s: s.astype(object)),
        ("flag", lambda s: pd.Series(np.where(s == 0, -0.0, 1.0))),
        ("rate", lambda s: s.astype(np.float32)),
    ],
    ids=["bool", "object", "minus-zero", "float32"],
)
def test_two_valued_numbers_are_matched_by_value(column, as_sent):
    df = two_valued_frame()
    enc = TabularEncoder().fit(df)
    assert enc.column_kinds_[1:3] == ["binary", "binary"]
    sent = df.assign(**{column: as_sent(df[column])})
    np.testing.assert_array_equal(enc.transform(sent), enc.transform(df))


def test_numeric_categories_sent_as_numbers_get_the_same_one_hot():
    df = two_valued_frame()
    enc = TabularEncoder().fit(df)
    assert enc.column_kinds_[3] == "categorical"
    for sent in (df["level"].astype("int64"), df["level"].astype(float), df["level"].astype(str)):
        np.testing.assert_array_equal(enc.transform(df.assign(level=sent)), enc.transform(df))


def missing_markers():
    """The same column with each missing marker in the same rows."""
    text = ["a", "b", "c", "a", "b", "c"] * 5
    gaps = [1, 7, 20]
    out = {}
    for name, marker in [("nan", np.nan), ("None", None), ("pd.NA", pd.NA)]:
        values = list(text)
        for i in gaps:
            values[i] = marker
        out[name] = pd.Series(values, dtype=object)
    out["string"] = out["pd.NA"].astype("string")
    return out, gaps


def test_every_missing_marker_is_missing():
    columns, gaps = missing_markers()
    numbers = pd.array([1.5, 2.5, 3.5, 4.5, 5.5, 6.5] * 5, dtype="Float64")
    counts = pd.array([1, 2, 3, 4, 5, 6] * 5, dtype="Int64")
    flags = pd.array([True, False, True] * 10, dtype="boolean")
    for array in (numbers, counts, flags):
        array[gaps] = pd.NA
    reference = None
    for name, text in columns.items():
        df = pd.DataFrame({"text": text, "numbers": numbers, "counts": counts, "flags": flags})
        Z = TabularEncoder().fit_transform(df)
        assert np.isfinite(Z).all(), name
        if reference is None:
            reference = Z
        np.testing.assert_array_equal(Z, reference, err_msg=name)
    # A gap is zeros in the one-hot block and the binary column, and the
    # median with its indicator in the numbers.
    names = list(TabularEncoder().fit(df).get_feature_names_out())
    assert names == ["text=a", "text=b", "text=c", "numbers", "numbers_missing", "counts",
                     "counts_missing", "flags=True"]  # fmt: skip
    np.testing.assert_array_equal(reference[gaps][:, [0, 1, 2, 7]], 0.0)
    np.testing.assert_array_equal(reference[gaps][:, [4, 6]], 1.0)
    # convert_dtypes() (string, Int64, Float64, boolean) reads as the original.
    plain = pd.DataFrame({"text": columns["nan"], "numbers": numbers.astype(float)})
    np.testing.assert_array_equal(
        TabularEncoder().fit_transform(plain.convert_dtypes()),
        TabularEncoder().fit_transform(plain),
    )


def test_polars_nulls_are_missing():
    pl = pytest.importorskip("polars")
    columns, gaps = missing_markers()
    text = [None if v is None or v != v else v for v in columns["None"]]
    numbers = [None if i in gaps else float(i) for i in range(30)]
    flags = [None if i in gaps else i % 3 == 0 for i in range(30)]
    days = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 1, 30), eager=True).to_list()
    days = [None if i in gaps else day for i, day in enumerate(days)]
    frame = pl.DataFrame({"text": text, "n": numbers, "flags": flags, "day": days})
    enc = TabularEncoder().fit(frame)
    assert enc.column_kinds_ == ["categorical", "numeric", "binary", "numeric"]
    Z = enc.transform(frame)
    expected = TabularEncoder().fit_transform(
        pd.DataFrame(
            {
                "text": columns["None"],
                "n": np.array(numbers, dtype=float),
                "flags": pd.array(flags, dtype="boolean"),
                "day": pd.to_datetime(pd.Series(days)),
            }
        )
    )
    np.testing.assert_array_equal(Z, expected)
    np.testing.assert_array_equal(Z[gaps][:, [0, 1, 2, 3, 5]], 0.0)  # text, n, flags
    np.testing.assert_array_equal(Z[gaps][:, [4, 7]], 1.0)  # the indicators of n and day


def test_outliers_stay_outliers():
    # Monotone for every finite input: 1e200 near +clip, not the median's 0.
    enc = TabularEncoder().fit(np.arange(40.0)[:, None])
    x = np.concatenate([-np.logspace(308, -5, 300), [0.0], np.logspace(-5, 308, 300)])
    Z = enc.transform(x[:, None])[:, 0]
    assert np.isfinite(Z).all()
    assert (np.diff(Z) >= -4 * np.spacing(3.0)).all()
    assert Z[-1] == pytest.approx(3.0) and Z[0] == pytest.approx(-3.0)
    assert enc.transform([[1e200]])[0, 0] == pytest.approx(3.0)
    assert smooth_clip(np.array([np.inf, -np.inf, 1e300]), 3.0).tolist() == [3.0, -3.0, 3.0]


def test_identifier_columns_are_left_out_with_a_warning():
    rng = np.random.RandomState(0)
    n = 50
    df = pd.DataFrame(
        {
            "customer_id": rng.permutation(n) + 1000,
            "name": [f"person {i}" for i in range(n)],
            "year": np.arange(n) + 1970,  # distinct integers, but not named like an ID
            "colour": rng.choice(["red", "blue"], n),
        }
    )
    with pytest.warns(UserWarning, match="'customer_id'.*'name'"):
        enc = TabularEncoder().fit(df)
    assert enc.column_kinds_ == ["identifier", "identifier", "numeric", "binary"]
    assert set(enc.identifier_columns_) == {"customer_id", "name"}
    assert list(enc.get_feature_names_out()) == ["year", "colour=red"]
    assert enc.transform(df).shape == (n, 2)
    kept = TabularEncoder(identifiers="keep").fit(df)
    assert kept.column_kinds_ == ["numeric", "categorical", "numeric", "binary"]


def test_the_cli_uses_the_encoders_identifier_detector():
    from sknn_scratch import _csv
    from sknn_scratch._tabular import identifier_reason

    frame = pd.DataFrame({"ID": np.arange(30), "text": [f"t{i}" for i in range(30)]})
    for name in frame.columns:
        assert _csv._identifier(frame[name], name) == identifier_reason(
            name, frame[name].to_numpy(), frame[name].dtype.kind in "biuf"
        )
        assert _csv._identifier(frame[name], name) is not None


def test_dates_and_durations_become_numbers():
    n = 40
    days = pd.date_range("2020-01-01", periods=n, freq="D")
    df = pd.DataFrame(
        {
            "day": days,
            "stamp": days.tz_localize("UTC"),
            "wait": pd.to_timedelta(np.arange(n), unit="h"),
        }
    )
    df.loc[3, ["day", "stamp", "wait"]] = pd.NaT
    enc = TabularEncoder().fit(df)
    assert enc.column_kinds_ == ["numeric"] * 3
    assert list(enc.get_feature_names_out()) == [
        "day", "day_missing", "stamp", "stamp_missing", "wait", "wait_missing",
    ]  # fmt: skip
    Z = enc.transform(df)
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(Z[:, 0], Z[:, 2])  # a date in UTC or naive: the same number
    present = np.delete(np.arange(n), 3)
    assert (np.diff(Z[present, 0]) > 0).all() and (np.diff(Z[present, 4]) > 0).all()
    # Columns that are not categories any more: one column each, not 32.
    assert enc._columns[0].centre == pytest.approx(days[20].timestamp())


def test_min_frequency_shares_the_rare_levels_as_onehot_encoder_does():
    from sklearn.preprocessing import OneHotEncoder

    values = np.array(["a"] * 10 + ["b"] * 6 + ["c"] * 2 + ["d"] * 1 + ["e"] * 1, dtype=object)
    X = values[:, None]
    for min_frequency in (3, 0.15):
        enc = TabularEncoder(min_frequency=min_frequency).fit(X)
        ours = enc.transform(X)
        theirs = OneHotEncoder(min_frequency=min_frequency, sparse_output=False).fit(X)
        np.testing.assert_array_equal(ours, theirs.transform(X))
        assert list(enc.get_feature_names_out()) == ["x0=a", "x0=b", "x0=infrequent"]


def test_duplicate_column_names_are_a_clear_error():
    df = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["a", "a"])
    with pytest.raises(ValueError, match=r"more than one column named \['a'\]"):
        TabularEncoder().fit(df)


def test_a_refit_without_encoding_keeps_no_encoder(tmp_path):
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    df, y = raw_frame(), np.arange(120) % 2
    X = df[["age"]].fillna(0).to_numpy()
    est = fit_quietly(MLPClassifier(input_encoding="tabular", max_iter=3, random_state=0), df, y)
    fit_quietly(est.set_params(input_encoding=None), X, y)
    assert not hasattr(est, "input_encoder_") and est.n_features_in_ == 1
    path = tmp_path / "model.skops"
    persistence.dump(est, path)
    np.testing.assert_array_equal(persistence.load(path).predict(X), est.predict(X))
    # category_embedding without the encoder that says where categories are
    with pytest.raises(ValueError, match="category_embedding needs input_encoding"):
        fit_quietly(est.set_params(category_embedding=2), X, y)


def test_predict_never_fits_an_encoder():
    df, y = raw_frame(), np.arange(120) % 2
    X = df[["age"]].fillna(0)
    est = fit_quietly(MLPClassifier(max_iter=3, random_state=0), X, y)
    before = est.predict(X)
    est.set_params(input_encoding="tabular")
    with pytest.raises(ValueError, match="predicting does not fit an encoder"):
        est.predict(X)
    assert not hasattr(est, "input_encoder_")
    np.testing.assert_array_equal(est.set_params(input_encoding=None).predict(X), before)
    # The other way: the fitted encoder is not skipped when unset.
    est = fit_quietly(MLPClassifier(input_encoding="tabular", max_iter=3), df, y)
    with pytest.raises(ValueError, match="fitted with input_encoding='tabular'"):
        est.set_params(input_encoding=None).predict(df)


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_a_raw_table_without_encoding_points_at_the_librarys_answer(Estimator):
    df, y = raw_frame(), np.arange(120) % 2
    with pytest.raises(ValueError, match=r'input_encoding="tabular".*for_tabular\(\)'):
        Estimator(max_iter=3).fit(df, y)
    with pytest.raises(ValueError, match="could not convert") as info:
        Estimator(max_iter=3).fit(df[["colour"]].to_numpy(), y)
    assert "for_tabular()" in str(info.value)
    with pytest.raises(ValueError, match="NaN") as info:  # numbers only: no word of text
        Estimator(max_iter=3).fit(df[["age"]], y)
    assert "for_tabular" not in str(info.value)


def tampered(est, change):
    import copy

    other = copy.deepcopy(est)
    change(other)
    return other


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: setattr(e.input_encoder_._columns[0], "scale", -1.0), "scale -1.0"),
        (lambda e: setattr(e.input_encoder_._columns[0], "centre", np.nan), "centre nan"),
        (lambda e: setattr(e.input_encoder_, "clip", -3.0), "'clip' parameter"),
        (lambda e: setattr(e.input_encoder_._columns[2], "categories", [1, 2]), "categories"),
        (lambda e: setattr(e.input_encoder_._columns[1], "kind", "magic"), "unknown kind"),
    ],
)
def test_load_checks_the_fitted_encoder(change, message, tmp_path):
    pytest.importorskip("skops")
    from sknn_scratch import persistence

    df, y = raw_frame(), np.arange(120) % 2
    est = fit_quietly(MLPClassifier(input_encoding="tabular", max_iter=3), df, y)
    path = tmp_path / "model.skops"
    persistence.dump(tampered(est, change), path)
    with pytest.raises(ValueError, match=f"Refusing.*{message}"):
        persistence.load(path)


@pytest.mark.parametrize(
    "levels",
    [
        ["red", "green", None, "blue", "green", "teal"],  # text, a missing value
        [1, 2.0, 3, None, 2, 1],  # numbers as categories (keys "1", "2", "3")
        [True, False, True, None, False, True],  # booleans: read as objects
    ],
)
def test_categorical_columns_encode_as_their_object_twins(levels):
    # Pandas categories are read through their codes; the encoding must not
    # tell them from the same values held as objects, in fit or transform,
    # with a level unseen in fit and rare levels sharing a column.
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(levels), 200)
    values = [levels[i] for i in picks]
    as_objects = pd.DataFrame({"c": pd.Series(values, dtype=object), "x": rng.normal(size=200)})
    as_categories = as_objects.astype({"c": "category"})
    fit_rows, new_rows = slice(0, 150), slice(100, 200)
    a = TabularEncoder(max_categories=3).fit(as_objects[fit_rows])
    b = TabularEncoder(max_categories=3).fit(as_categories[fit_rows])
    assert b.get_feature_names_out().tolist() == a.get_feature_names_out().tolist()
    np.testing.assert_array_equal(
        b.transform(as_categories[new_rows]), a.transform(as_objects[new_rows])
    )
    unseen = as_categories[new_rows].copy()
    unseen["c"] = unseen["c"].cat.add_categories(["unseen"])
    unseen.iloc[0, 0] = "unseen"
    assert not b.transform(unseen)[0, :-1].any()  # all zeros but the number
