"""Dask: out-of-core partial_fit over blocks, search and the CLI on a LocalCluster."""

import json
import tracemalloc

import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.model_selection import GridSearchCV

from sknn_scratch import MLPClassifier, MLPRegressor

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
from sknn_scratch.dask import cluster, fit_blocks  # noqa: E402 (after the skips)


def _arrays(rng, n=400, chunk=100):
    X = rng.normal(size=(n, 3))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    return X, y, da.from_array(X, chunks=(chunk, 3)), da.from_array(y, chunks=chunk)


def test_fit_blocks_is_partial_fit_over_shuffled_blocks_and_rows(rng):
    """The documented algorithm, written out with NumPy: the same model to
    the last bit, so random_state is the only source of randomness."""
    X, y, dX, dy = _arrays(rng)
    est = fit_blocks(MLPRegressor(hidden_layer_sizes=(8,), random_state=3), dX, dy, epochs=3)

    by_hand = MLPRegressor(hidden_layer_sizes=(8,), random_state=3)
    order = np.random.RandomState(3)
    epoch_losses = []
    for _ in range(3):
        for block in order.permutation(4):
            rows = block * 100 + order.permutation(100)
            by_hand.partial_fit(X[rows], y[rows])
        epoch_losses.append(np.mean(by_hand.loss_curve_[-4:]))  # equal blocks: equal weights
    # The records count epochs: one point per pass over the blocks.
    assert est.n_iter_ == 3 and est.t_ == 1200
    np.testing.assert_allclose(est.loss_curve_, epoch_losses, rtol=1e-12)
    assert est.loss_ == est.loss_curve_[-1]
    for ours, theirs in zip(est.coefs_ + est.intercepts_, by_hand.coefs_ + by_hand.intercepts_):
        np.testing.assert_array_equal(ours, theirs)


def test_fit_blocks_learns_and_carries_on(rng):
    X, y, dX, dy = _arrays(rng, n=2000, chunk=250)
    est = fit_blocks(MLPRegressor(random_state=0), dX, dy, epochs=10)
    assert est.score(X, y) > 0.9
    fit_blocks(est, dX, dy, epochs=1)  # a fitted estimator continues
    assert est.n_iter_ == 11 == len(est.loss_curve_)


def test_classifier_classes_come_from_one_pass_over_y(rng):
    X = rng.normal(size=(300, 2))
    y = np.where(X[:, 0] > 0, "pos", "neg")
    y[:100] = "neg"  # the first block has one class only
    y[150] = "odd"
    dX, dy = da.from_array(X, chunks=(100, 2)), da.from_array(y, chunks=100)
    clf = fit_blocks(MLPClassifier(random_state=0), dX, dy, epochs=2)
    assert list(clf.classes_) == ["neg", "odd", "pos"]
    given = fit_blocks(MLPClassifier(random_state=0), dX, dy, epochs=2, classes=clf.classes_)
    np.testing.assert_array_equal(given.coefs_[0], clf.coefs_[0])


def test_dataframes_with_unknown_partition_sizes_and_weights(rng):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(rng.normal(size=(240, 3)), columns=["age", "balance", "accounts"])
    target = pd.Series(frame["age"] - frame["balance"])
    dX, dy = dd.from_pandas(frame, npartitions=3), dd.from_pandas(target, npartitions=3)
    est = fit_blocks(MLPRegressor(random_state=0), dX, dy, epochs=2)
    assert list(est.feature_names_in_) == ["age", "balance", "accounts"]
    # The weights reach partial_fit: without a penalty (which weighs
    # against the total weight) uniform weights change nothing, others do.
    fits = [
        fit_blocks(
            MLPRegressor(alpha=0.0, random_state=0),
            dX,
            dy,
            epochs=2,
            sample_weight=dd.from_pandas(pd.Series(weights), npartitions=3),
        )
        for weights in (np.ones(240), np.full(240, 2.0), np.arange(240.0))
    ]
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])
    assert not np.allclose(fits[0].coefs_[0], fits[2].coefs_[0])
    # A Dask array made from a DataFrame does not know its chunk sizes.
    unknown = dX.to_dask_array()
    assert np.isnan(unknown.chunks[0][0])
    again = fit_blocks(MLPRegressor(random_state=0), unknown, dy.to_dask_array(), epochs=2)
    # (pandas hands over column-major arrays, so the last bits may differ)
    np.testing.assert_allclose(again.coefs_[0], est.coefs_[0], rtol=1e-4)


def test_clear_errors(rng):
    X, y, dX, dy = _arrays(rng)
    with pytest.raises(TypeError, match="takes Dask collections; X is a ndarray"):
        fit_blocks(MLPRegressor(), X, dy, epochs=1)
    with pytest.raises(ValueError, match="same row blocks"):
        fit_blocks(MLPRegressor(), dX, dy.rechunk(200), epochs=1)
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        fit_blocks(MLPRegressor(), dX, dy, epochs=0)
    with pytest.raises(TypeError, match="needs a stochastic solver"):
        fit_blocks(MLPRegressor(solver="lbfgs"), dX, dy, epochs=1)
    with pytest.raises(ValueError, match="Every block of X is empty"):
        fit_blocks(MLPRegressor(), dX[dX[:, 0] > 100], dy[dX[:, 0] > 100], epochs=1)
    uneven = da.from_array(y, chunks=((150, 50, 100, 100),))
    with pytest.raises(ValueError, match="Block . has different numbers of rows"):
        fit_blocks(MLPRegressor(), dX.rechunk(((100, 100, 100, 100), 3)), uneven, epochs=1)


def test_memory_stays_near_one_block_for_data_ten_times_larger(tmp_path, rng):
    """Ten blocks of 1.6 MB on disk (Dask's .npy stack): the peak memory of
    the whole training stays near one block, not near the data."""
    X = rng.normal(size=(200_000, 10))
    da.to_npy_stack(tmp_path / "X", da.from_array(X, chunks=(20_000, 10)))
    da.to_npy_stack(tmp_path / "y", da.from_array(X[:, 0] - X[:, 1], chunks=20_000))
    del X
    dX, dy = da.from_npy_stack(tmp_path / "X"), da.from_npy_stack(tmp_path / "y")
    block = 20_000 * 10 * 8
    tracemalloc.start()
    try:
        fit_blocks(MLPRegressor(hidden_layer_sizes=(16,), random_state=0), dX, dy, epochs=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dX.nbytes == 10 * block
    assert peak < 3 * block, f"peak {peak / 1e6:.1f} MB for blocks of {block / 1e6:.1f} MB"


# ------------------------------------------------------ on a LocalCluster


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


def test_grid_search_on_the_cluster_equals_the_local_one(scheduler, rng):
    X, y, _, _ = _arrays(rng, n=200)
    grid = {"alpha": [1e-4, 1.0], "hidden_layer_sizes": [(4,), (16,)]}
    est = MLPRegressor(max_iter=30, random_state=0)
    local = fit_quietly(GridSearchCV(est, grid, cv=3), X, y)
    with cluster(scheduler) as client:
        remote = fit_quietly(GridSearchCV(est, grid, cv=3), X, y)
        assert len(client.scheduler_info()["workers"]) == 2
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-9
    )


def test_fit_blocks_with_an_active_client_is_the_same(scheduler, rng):
    _, _, dX, dy = _arrays(rng)
    here = fit_blocks(MLPRegressor(hidden_layer_sizes=(8,), random_state=0), dX, dy, epochs=2)
    with cluster(scheduler):
        there = fit_blocks(MLPRegressor(hidden_layer_sizes=(8,), random_state=0), dX, dy, epochs=2)
    np.testing.assert_array_equal(here.coefs_[0], there.coefs_[0])


def test_cli_scheduler_gives_the_same_table(scheduler, tmp_path, capsys):
    from sknn_scratch.cli import main

    common = ["compare", "--n-samples", "300", "--cv", "2", "--max-iter", "20", "--quiet"]
    assert main([*common, "--json", str(tmp_path / "here.json")]) == 0
    here_out = capsys.readouterr().out
    assert main([*common, "--json", str(tmp_path / "there.json"), "--scheduler", scheduler]) == 0
    there_out = capsys.readouterr().out
    here = json.loads((tmp_path / "here.json").read_text())
    there = json.loads((tmp_path / "there.json").read_text())
    assert there["scheduler"] == scheduler
    for a, b in zip(here["rows"], there["rows"]):
        assert a["model"] == b["model"]
        assert a["r2_mean"] == pytest.approx(b["r2_mean"], rel=1e-9)
    assert here_out.splitlines()[0] == there_out.splitlines()[0]


def test_cli_scheduler_errors_are_one_line(capsys):
    from sknn_scratch.cli import main

    code = main(["compare", "--n-samples", "300", "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sknn-scratch: error: no Dask scheduler answered at") and "\n" not in err


# ------------------------------------------------------ dask-ml, as it is


def test_dask_ml_incremental_wraps_our_partial_fit(rng):
    """What works: dask-ml's Incremental trains, scores and predicts with
    ours, on known and unknown chunk sizes alike (dask-ml 2025.1)."""
    wrappers = pytest.importorskip("dask_ml.wrappers")
    _, _, dX, dy = _arrays(rng)
    labels = (dy > 0).astype(int)
    inc = wrappers.Incremental(MLPClassifier(random_state=0), scoring="accuracy")
    inc.fit(dX, labels, classes=[0, 1])
    assert inc.estimator_.n_iter_ == 4  # one partial_fit per block
    unknown = dX.to_dask_dataframe().to_dask_array()
    assert np.isnan(unknown.chunks[0][0])
    inc.fit(unknown, labels.to_dask_dataframe().to_dask_array(), classes=[0, 1])
    assert 0.5 < inc.score(unknown, labels.to_dask_dataframe().to_dask_array()) <= 1
    assert inc.predict(unknown).compute().shape == (400,)


def test_dask_ml_hyperband_fails_with_current_distributed(scheduler, rng):
    """What breaks (docs/user_guide/scaling.md): HyperbandSearchCV calls
    dask.compute from inside the asynchronous client. Search with
    GridSearchCV or RandomizedSearchCV on the cluster instead."""
    model_selection = pytest.importorskip("dask_ml.model_selection")
    _, _, dX, dy = _arrays(rng)
    search = model_selection.HyperbandSearchCV(
        MLPClassifier(random_state=0), {"alpha": [1e-4, 1.0]}, max_iter=3, random_state=0
    )
    with cluster(scheduler), pytest.raises(RuntimeError, match="asynchronous Client"):
        search.fit(dX, (dy > 0).astype(int), classes=[0, 1])


# ----------------------------------------------------- issue 19's Dask family


@pytest.mark.parametrize("empty", [[0], [1, 2], [3], [0, 3]])
def test_empty_partitions_are_skipped(empty, rng):
    X, y, _, _ = _arrays(rng)
    sizes = [100, 100, 100, 100]
    for i in empty:
        sizes[i] = 0
    keep = np.concatenate([np.arange(100 * i, 100 * i + n) for i, n in enumerate(sizes)])
    dX = da.from_array(X[keep], chunks=(tuple(sizes), 3))
    dy = da.from_array(y[keep], chunks=(tuple(sizes),))
    est = fit_blocks(MLPRegressor(hidden_layer_sizes=(8,), random_state=0), dX, dy, epochs=2)
    assert est.n_iter_ == 2 and est.t_ == 2 * len(keep)


def test_empty_partitions_after_a_dataframe_filter(rng):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    frame["y"] = frame["a"] - frame["b"]
    frame.loc[100:199, "a"] = -5.0  # the middle partition is filtered away
    ddf = dd.from_pandas(frame, npartitions=3)
    kept = ddf[ddf["a"] > -4]
    est = fit_blocks(MLPRegressor(random_state=0), kept[["a", "b"]], kept["y"], epochs=2)
    assert est.n_iter_ == 2 and est.t_ == 400


@pytest.mark.parametrize("at", [1, 3, 6, 8])
@pytest.mark.parametrize("error", [RuntimeError("disk gone"), KeyboardInterrupt()])
@pytest.mark.parametrize("seed", [0, "RandomState"])
def test_a_failing_block_leaves_the_estimator_as_it_was(at, error, seed, rng, monkeypatch):
    import pickle

    from sknn_scratch import _base

    X, y, dX, dy = _arrays(rng)
    random_state = np.random.RandomState(5) if seed == "RandomState" else seed
    est = fit_blocks(
        MLPRegressor(hidden_layer_sizes=(8,), random_state=random_state), dX, dy, epochs=1
    )
    before = pickle.dumps(est)
    calls = []
    original = _base.BaseMLP._fit

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == at:
            raise error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_base.BaseMLP, "_fit", failing)
    with pytest.raises(type(error)):
        fit_blocks(est, dX, dy, epochs=2)  # 8 blocks
    assert pickle.dumps(est) == before
    monkeypatch.undo()
    # Fixed, the same call gives what it would have given in the first place.
    again = fit_blocks(pickle.loads(before), dX, dy, epochs=2)
    fit_blocks(est, dX, dy, epochs=2)
    np.testing.assert_array_equal(again.coefs_[0], est.coefs_[0])


@pytest.mark.parametrize(
    "make",
    [
        lambda: __import__("sklearn.pipeline").pipeline.make_pipeline(
            __import__("sklearn.preprocessing").preprocessing.StandardScaler(), MLPRegressor()
        ),
        lambda: __import__("sklearn.linear_model").linear_model.SGDRegressor(),
        lambda: "MLPRegressor",
    ],
    ids=["Pipeline", "SGDRegressor", "str"],
)
def test_fit_blocks_says_it_takes_an_mlp_estimator(make, rng):
    _, _, dX, dy = _arrays(rng)
    with pytest.raises(TypeError, match="fit_blocks takes an MLPRegressor or MLPClassifier"):
        fit_blocks(make(), dX, dy, epochs=1)


@pytest.mark.parametrize("classes", ["dask-unique", "dask", "list", "series", "tuple"])
def test_partial_fit_accepts_any_array_like_classes(classes, rng):
    X = rng.normal(size=(120, 2))
    y = np.where(X[:, 0] > 0, "pos", "neg")
    dy = da.from_array(y, chunks=40)
    given = {
        "dask-unique": lambda: da.unique(dy),  # unknown length, as dask-ml passes it
        "dask": lambda: da.from_array(np.array(["neg", "pos"]), chunks=1),
        "list": lambda: ["neg", "pos"],
        "series": lambda: pytest.importorskip("pandas").Series(["pos", "neg"]),
        "tuple": lambda: ("pos", "neg"),
    }[classes]()
    clf = MLPClassifier(random_state=0).partial_fit(X, y, classes=given)
    assert list(clf.classes_) == ["neg", "pos"]
    clf.partial_fit(X, y, classes=given)  # and on later calls


def _blocks_of_a_table(n=400, partitions=4):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.RandomState(0)
    # The first block has only "first"; the others have gaps in their text.
    text = np.where(np.arange(n) < n // partitions, "first", rng.choice(["x", "y", "z"], n))
    df = pd.DataFrame({"a": rng.normal(size=n), "s": pd.Series(text, dtype=object)})
    df.loc[df.index % 7 == 3, "s"] = None
    y = pd.Series(df["a"] + 2.0 * (df["s"] == "z"), name="y")
    return (
        df,
        y,
        dd.from_pandas(df, npartitions=partitions),
        dd.from_pandas(y, npartitions=partitions),
    )


def test_fit_blocks_learns_the_encoder_from_every_block():
    from sknn_scratch import TabularEncoder

    df, y, ddf, dy = _blocks_of_a_table()
    assert str(ddf.dtypes["s"]).startswith(("string", "object"))  # text with gaps (pd.NA)
    est = fit_blocks(MLPRegressor(input_encoding="tabular", random_state=0), ddf, dy, epochs=2)
    whole = TabularEncoder(dtype=np.float32).fit(df)
    assert est.input_encoder_.categories_ == whole.categories_ == [None, ["first", "x", "y", "z"]]
    np.testing.assert_array_equal(est.input_encoder_.transform(df), whole.transform(df))
    assert np.isfinite(est.predict(df)).all()
    # The encoder is learned once: a second call carries on with it.
    encoder = est.input_encoder_
    fit_blocks(est, ddf, dy, epochs=1)
    assert est.input_encoder_ is encoder


def test_fit_blocks_refuses_an_encoder_it_cannot_learn_from_every_block():
    from sklearn.preprocessing import OneHotEncoder

    _, _, ddf, dy = _blocks_of_a_table()
    est = MLPRegressor(input_encoding=OneHotEncoder(handle_unknown="ignore"))
    with pytest.raises(TypeError, match="from the first block alone"):
        fit_blocks(est, ddf, dy, epochs=1)
    assert not hasattr(est, "coefs_")
