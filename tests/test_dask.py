"""Grid search on a Dask cluster gives the same answer as a serial one.

A two-process ``distributed.LocalCluster`` (loopback only) runs
``GridSearchCV`` through joblib's Dask backend, the way a user points
scikit-learn at a cluster. The estimators are pickled to the worker
processes, fitted there and their scores sent back; the results must match
an ``n_jobs=1`` search: the same best parameters, the same CV scores (exactly
for the deterministic recommender, within a small tolerance for Keras
training, whose float reductions may run in a different order in another
process), and a transfer source that arrives unchanged.
"""

import hashlib
import os

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

distributed = pytest.importorskip(
    "distributed",
    reason="distributed is not installed: pip install 'dask[distributed]' "
    "(part of the 'test' extra) to run the Dask grid-search tests",
)
joblib = pytest.importorskip("joblib")


# Keras scores may differ in the last bits between processes; accuracy on a
# few dozen rows moves in steps of 1/n, so anything below that is noise.
KERAS_SCORE_ATOL = 1e-6


def _assert_same_search(on_dask, serial):
    """Same best parameters and CV scores as the serial search."""
    assert on_dask.best_params_ == serial.best_params_
    np.testing.assert_allclose(
        _cv_scores(on_dask), _cv_scores(serial), rtol=0, atol=KERAS_SCORE_ATOL
    )


def _import_keras():
    import keras  # noqa: F401


@pytest.fixture(scope="module")
def dask_client():
    """A two-worker local cluster, started once for the module."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    # Import Keras and TensorFlow on each worker while the serial searches run.
    warm_up = [
        client.submit(_import_keras, pure=False, workers=[address])
        for address in client.scheduler_info()["workers"]
    ]
    try:
        yield client
    finally:
        del warm_up
        client.close()
        cluster.close()


def _search(estimator, grid, X, y=None, *, cv, scoring=None, client=None):
    """Run GridSearchCV serially, or on ``client`` through joblib's Dask
    backend; return the fitted search and the number of Dask tasks run.

    A fit or score failing in a worker fails the test (``error_score``)."""
    search = GridSearchCV(
        clone(estimator), grid, cv=cv, scoring=scoring, error_score="raise"
    )
    if client is None:
        search.set_params(n_jobs=1)
        search.fit(X, y)
        return search, 0
    search.set_params(n_jobs=-1)
    with (
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_config(backend="dask"),
    ):
        search.fit(X, y)
    return search, len(tasks.data)


def _cv_scores(search):
    results = search.cv_results_
    n_splits = search.n_splits_
    return np.array(
        [results[f"split{i}_test_score"] for i in range(n_splits)], dtype=np.float64
    )


@pytest.fixture(scope="module")
def cancer_subset():
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(X), size=150, replace=False)
    return X[rows], y[rows]


def test_keras_classifier_grid_search_on_dask(dask_client, cancer_subset):
    from skneuro import KerasClassifier

    X, y = cancer_subset
    model = make_pipeline(
        StandardScaler(),
        KerasClassifier(
            hidden_layer_sizes=(8,),
            epochs=5,
            batch_size=32,
            tol=None,
            random_state=0,
        ),
    )
    grid = {"kerasclassifier__learning_rate": [1e-3, 3e-2]}
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)

    serial, _ = _search(model, grid, X, y, cv=cv)
    on_dask, n_tasks = _search(model, grid, X, y, cv=cv, client=dask_client)

    assert n_tasks > 0, "the search did not run on the Dask workers"
    _assert_same_search(on_dask, serial)
    # the refit runs in this process: it predicts like the serial one
    np.testing.assert_array_equal(on_dask.predict(X), serial.predict(X))


def _interactions(n_users=120, n_items=40, seed=0):
    """A small binary user x item matrix with popular and rare items."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    taste = rng.random((n_users, n_items)) * popularity * 3
    X = (taste > rng.random((n_users, n_items))).astype(np.float64)
    X[X.sum(axis=1) < 2, :2] = 1.0  # every user has something to hide
    return X


def test_recommender_grid_search_on_dask_is_exact(dask_client):
    from skneuro import ItemKNNRecommender

    X = _interactions()
    grid = {"k": [5, 20], "shrinkage": [0.0, 10.0]}

    serial, _ = _search(ItemKNNRecommender(), grid, X, cv=3)
    on_dask, n_tasks = _search(ItemKNNRecommender(), grid, X, cv=3, client=dask_client)

    assert n_tasks > 0, "the search did not run on the Dask workers"
    assert on_dask.best_params_ == serial.best_params_
    np.testing.assert_array_equal(_cv_scores(on_dask), _cv_scores(serial))
    assert len(np.unique(_cv_scores(serial))) > 1, "the grid does not matter"


def _weights_checksum(model):
    """SHA-256 over every weight array of a Keras model, in layer order."""
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    return digest.hexdigest()


def _source_checksum_in_worker(source):
    """Run in a Dask worker: the checksum of the source it received."""
    return os.getpid(), _weights_checksum(source.model_)


def _source_checksums_on_every_worker(client, source):
    """``(pid, checksum)`` of ``source`` as each worker unpickles it."""
    futures = [
        # pure=False: computed anew each time, never a cached result
        client.submit(_source_checksum_in_worker, source, pure=False, workers=[address])
        for address in client.scheduler_info()["workers"]
    ]
    return client.gather(futures)


class _ScoreCheckingTheSource:
    """A scorer, run in the worker right after the fit: checks that the
    fitted transfer estimator's source is still the caller's, bit for bit,
    then returns the accuracy."""

    def __init__(self, expected_checksum):
        self.expected_checksum = expected_checksum

    def __call__(self, estimator, X, y):
        checksum = _weights_checksum(estimator.source.model_)
        if checksum != self.expected_checksum:
            raise AssertionError(
                f"the source changed in process {os.getpid()}: {checksum}"
            )
        return estimator.score(X, y)


def test_transfer_classifier_grid_search_on_dask(dask_client, cancer_subset):
    from skneuro import KerasClassifier, TransferClassifier

    X, y = cancer_subset
    X = StandardScaler().fit_transform(X)
    source = KerasClassifier(
        hidden_layer_sizes=(16,), epochs=10, tol=None, random_state=0
    ).fit(X[:100], y[:100])
    before = _weights_checksum(source.model_)

    target = TransferClassifier(
        source=source,
        freeze=True,
        epochs=3,
        fine_tune_epochs=2,
        learning_rate=1e-3,
        batch_size=16,
        tol=None,
        random_state=0,
    )
    grid = {"fine_tune_learning_rate": [1e-4, 1e-2]}
    Xt, yt = X[100:], y[100:]
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)

    # each worker receives the source bit-identical ...
    received = _source_checksums_on_every_worker(dask_client, source)
    assert len(received) == 2
    assert len({pid for pid, _ in received} | {os.getpid()}) == 3
    assert [checksum for _, checksum in received] == [before, before]

    scoring = _ScoreCheckingTheSource(before)  # ... and still so after each fit
    serial, _ = _search(target, grid, Xt, yt, cv=cv, scoring=scoring)
    on_dask, n_tasks = _search(
        target, grid, Xt, yt, cv=cv, scoring=scoring, client=dask_client
    )

    assert n_tasks > 0, "the search did not run on the Dask workers"
    # ... and after the search, the source sent again arrives unchanged
    received = _source_checksums_on_every_worker(dask_client, source)
    assert [checksum for _, checksum in received] == [before, before]
    # the caller's source is bit-identical after both searches, and so is the
    # source the refitted search holds
    assert _weights_checksum(source.model_) == before
    assert _weights_checksum(on_dask.best_estimator_.source.model_) == before
    _assert_same_search(on_dask, serial)
