"""Input containers and layouts: every form of the same data trains the same
network, and the caller's data are never modified."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.conftest import FAST


@pytest.fixture(scope="module")
def iris_reference(iris):
    """Predictions of a network fitted on the float64 C-ordered array."""
    X, y = iris
    est = KerasClassifier(**FAST).fit(X, y)
    return est.predict_proba(X)


def _memmap(X, tmp_path_factory):
    path = tmp_path_factory.mktemp("memmap") / "X.dat"
    writable = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    writable[:] = X
    writable.flush()
    return np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)


CONTAINERS = {
    "float32": lambda X, y, tmp: (X.astype(np.float32), y),
    "fortran_order": lambda X, y, tmp: (np.asfortranarray(X), y),
    "non_contiguous": lambda X, y, tmp: (np.repeat(X, 2, axis=1)[:, ::2], y),
    "lists": lambda X, y, tmp: (X.tolist(), y.tolist()),
    "pandas": lambda X, y, tmp: (
        pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"]),
        pd.Series(y, name="species"),
    ),
    "read_only_memmap": lambda X, y, tmp: (_memmap(X, tmp), y),
    "read_only_array": lambda X, y, tmp: (_read_only(X), _read_only(y)),
}


def _read_only(a):
    a = a.copy()
    a.setflags(write=False)
    return a


@pytest.mark.parametrize("container", sorted(CONTAINERS))
def test_containers_train_the_same_network(
    iris, iris_reference, container, tmp_path_factory
):
    X, y = iris
    X_in, y_in = CONTAINERS[container](X, y, tmp_path_factory)
    X_before = np.array(X_in, copy=True)
    est = KerasClassifier(**FAST).fit(X_in, y_in)
    assert est.n_features_in_ == 4
    # Everything is trained in float32, so the same values give the same
    # network, bit for bit.
    np.testing.assert_array_equal(est.predict_proba(X_in), iris_reference)
    np.testing.assert_array_equal(np.asarray(X_in), X_before)


def test_integer_features(iris):
    X, y = iris
    X_int = np.round(X * 10).astype(np.int64)
    X_before = X_int.copy()
    by_int = KerasClassifier(**FAST).fit(X_int, y)
    by_float = KerasClassifier(**FAST).fit(X_int.astype(np.float64), y)
    np.testing.assert_array_equal(
        by_int.predict_proba(X_int), by_float.predict_proba(X_int)
    )
    np.testing.assert_array_equal(X_int, X_before)


def test_pandas_sets_feature_names(iris):
    X, y = iris
    df = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    est = KerasClassifier(**FAST).fit(df, y)
    np.testing.assert_array_equal(est.feature_names_in_, ["sl", "sw", "pl", "pw"])
    # Columns are matched by name, not position: reordered columns are an error.
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(df[["sw", "sl", "pl", "pw"]])
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        est.predict(df.rename(columns={"sl": "sepal_length"}))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.predict(X)

    plain = KerasRegressor(**FAST).fit(X, y.astype(float))
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but KerasRegressor"):
        plain.predict(df)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.predict(X)  # same kind of input as at fit: no warning


def test_pandas_nullable_and_mixed_dtypes(iris):
    X, y = iris
    df = pd.DataFrame(
        {
            "a": X[:, 0].astype(np.float32),
            "b": pd.array(np.round(X[:, 1] * 10).astype(int), dtype="Int64"),
            "c": X[:, 2],
            "d": X[:, 3],
        }
    )
    labels = pd.Series(
        pd.Categorical(np.array(["setosa", "versicolor", "virginica"])[y])
    )
    est = KerasClassifier(**FAST).fit(df, labels)
    np.testing.assert_array_equal(est.classes_, ["setosa", "versicolor", "virginica"])
    assert est.predict(df).shape == (150,)


def test_sparse_input_is_rejected_like_scikit_learn(iris, fitted_iris_classifier):
    """Sparse input is not densified silently: scikit-learn's own message."""
    X, y = iris
    message = "Sparse data was passed for X, but dense data is required"
    for sparse in (sp.csr_matrix(X), sp.csc_array(X)):
        with pytest.raises(TypeError, match=message):
            KerasClassifier(**FAST).fit(sparse, y)
        with pytest.raises(TypeError, match=message):
            fitted_iris_classifier.predict(sparse)
    assert not fitted_iris_classifier.__sklearn_tags__().input_tags.sparse


def test_float32_and_float64_predict_alike(fitted_iris_classifier, iris):
    X, _ = iris
    np.testing.assert_array_equal(
        fitted_iris_classifier.predict_proba(X),
        fitted_iris_classifier.predict_proba(X.astype(np.float32)),
    )


def test_predictions_do_not_depend_on_the_rows_predicted_with(
    fitted_iris_classifier, iris
):
    """One row alone, a slice or the whole set: the same numbers."""
    X, _ = iris
    full = fitted_iris_classifier.predict_proba(X)
    for rows in (slice(0, 1), slice(7, 8), slice(3, 20), slice(140, 150)):
        np.testing.assert_array_equal(
            fitted_iris_classifier.predict_proba(X[rows]), full[rows]
        )


def test_predict_in_batches(iris, iris_reference):
    """``predict__batch_size`` splits inference without changing the result."""
    X, y = iris
    chunked = KerasClassifier(**FAST, predict__batch_size=16).fit(X, y)
    np.testing.assert_array_equal(chunked.predict_proba(X), iris_reference)
