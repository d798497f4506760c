"""Targets: binary, multiclass and multilabel labels of any type; regression
with one or several outputs; ``predict_proba`` and ``score``."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.conftest import FAST

CLASSIFIER = {**FAST, "hidden_layer_sizes": (16,), "epochs": 30, "learning_rate": 0.02}


@pytest.fixture(scope="module")
def cancer_split(breast_cancer):
    X, y = breast_cancer
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def digits_split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


# Binary labels as scikit-learn users hold them: the same task each time,
# with the labels in the same sorted order (malignant first).
BINARY_LABELS = {
    "int": lambda y: y,
    "bool": lambda y: y == 1,
    "str": lambda y: np.where(y == 1, "yes", "no"),
    "negative_int": lambda y: np.where(y == 1, 1, -1),
    "object": lambda y: np.where(y == 1, "yes", "no").astype(object),
}


@pytest.fixture(scope="module")
def cancer_reference(cancer_split):
    X_train, _, y_train, _ = cancer_split
    return KerasClassifier(**CLASSIFIER).fit(X_train, y_train)


@pytest.fixture(scope="module", params=sorted(BINARY_LABELS))
def binary_fit(request, cancer_split):
    X_train, X_test, y_train, y_test = cancer_split
    relabel = BINARY_LABELS[request.param]
    est = KerasClassifier(**CLASSIFIER).fit(X_train, relabel(y_train))
    return est, X_test, relabel(y_test)


def test_binary_labels_of_any_type(binary_fit):
    est, X_test, y_test = binary_fit
    np.testing.assert_array_equal(est.classes_, np.unique(y_test))
    assert est.n_classes_ == 2
    assert est.target_type_ == "binary"
    # The default network has a single sigmoid unit for two classes.
    assert est.model_.output_shape == (None, 1)

    pred = est.predict(X_test)
    assert pred.dtype == est.classes_.dtype
    assert set(pred) <= set(est.classes_)
    assert accuracy_score(y_test, pred) > 0.93

    proba = est.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    # Column j is the probability of classes_[j]: argmax gives predict.
    np.testing.assert_array_equal(est.classes_[proba.argmax(axis=1)], pred)
    assert est.score(X_test, y_test) == accuracy_score(y_test, pred)


def test_binary_label_types_give_the_same_model(binary_fit, cancer_reference):
    """Relabelling (in sorted order) changes nothing about the fitted model."""
    est, X_test, _ = binary_fit
    np.testing.assert_array_equal(
        est.predict_proba(X_test), cancer_reference.predict_proba(X_test)
    )


@pytest.mark.parametrize(
    "relabel",
    [
        lambda y: y * 10 - 30,
        lambda y: np.array(list("abcdefghij"))[y],
    ],
    ids=["int", "str"],
)
def test_multiclass_digits(digits_split, relabel):
    X_train, X_test, y_train, y_test = digits_split
    y_train, y_test = relabel(y_train), relabel(y_test)
    est = KerasClassifier(**CLASSIFIER).fit(X_train, y_train)
    np.testing.assert_array_equal(est.classes_, np.unique(y_train))
    assert est.n_classes_ == 10 and est.target_type_ == "multiclass"
    assert est.model_.output_shape == (None, 10)

    pred = est.predict(X_test)
    assert pred.dtype == np.asarray(y_train).dtype
    assert accuracy_score(y_test, pred) > 0.9
    proba = est.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10)
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(est.classes_[proba.argmax(axis=1)], pred)
    assert est.score(X_test, y_test) == pytest.approx(accuracy_score(y_test, pred))


def test_multiclass_score_uses_sample_weight(fitted_iris_classifier, iris):
    X, y = iris
    pred = fitted_iris_classifier.predict(X)
    weights = np.where(pred == y, 1.0, 3.0)  # up-weight the mistakes
    expected = accuracy_score(y, pred, sample_weight=weights)
    assert fitted_iris_classifier.score(X, y, sample_weight=weights) == expected
    assert expected < fitted_iris_classifier.score(X, y)


@pytest.fixture(scope="module")
def multilabel_digits(digits_split):
    """Three labels per digit: even, at least 5, prime."""
    X_train, X_test, y_train, y_test = digits_split

    def labels(y):
        return np.column_stack([y % 2 == 0, y >= 5, np.isin(y, [2, 3, 5, 7])])

    return X_train, X_test, labels(y_train), labels(y_test)


@pytest.mark.parametrize("dtype", [int, bool])
def test_multilabel(multilabel_digits, dtype):
    X_train, X_test, Y_train, Y_test = multilabel_digits
    Y_train, Y_test = Y_train.astype(dtype), Y_test.astype(dtype)
    est = KerasClassifier(**CLASSIFIER).fit(X_train, Y_train)
    assert est.target_type_ == "multilabel-indicator"
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.n_classes_ == est.n_outputs_ == 3

    pred = est.predict(X_test)
    assert pred.shape == Y_test.shape and pred.dtype == Y_test.dtype
    proba = est.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    assert np.all((proba >= 0) & (proba <= 1))
    # Independent labels: rows do not sum to 1 (a digit can be even and >= 5).
    assert np.abs(proba.sum(axis=1) - 1).max() > 0.5
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(dtype))
    per_label = (pred == Y_test).mean(axis=0)
    assert per_label.min() > 0.85, per_label
    # score is subset accuracy, as for every scikit-learn classifier.
    assert est.score(X_test, Y_test) == accuracy_score(Y_test, pred)


def test_partial_fit_classes_beyond_the_first_batch(iris):
    """A first batch showing two of the three classes named in ``classes``."""
    X, y = iris
    order = np.argsort(y, kind="stable")  # classes 0, 1 first, then 2
    X, y = X[order], y[order]
    est = KerasClassifier(**FAST)
    est.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    assert est.target_type_ == "multiclass"
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.model_.output_shape == (None, 3)
    est.partial_fit(X[100:], y[100:])
    assert est.predict_proba(X).shape == (150, 3)
    assert est.n_iter_ == 2


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return train_test_split(X, y / 100, test_size=0.3, random_state=0)


REGRESSOR = {**FAST, "hidden_layer_sizes": (16,), "epochs": 60, "learning_rate": 0.02}


def test_single_output_regression_on_diabetes(diabetes):
    X_train, X_test, y_train, y_test = diabetes
    est = KerasRegressor(
        **{**REGRESSOR, "epochs": 20, "learning_rate": 0.01, "batch_size": 32}
    ).fit(X_train, y_train)
    assert est.n_outputs_ == 1 and est.target_type_ == "continuous"
    pred = est.predict(X_test)
    assert pred.shape == (len(X_test),) and pred.dtype == np.float64
    assert est.score(X_test, y_test) == pytest.approx(r2_score(y_test, pred))
    # Noisy data: least squares reaches 0.39 on this split, MLPRegressor
    # with the same layers 0.24-0.37 depending on its seed.
    assert est.score(X_test, y_test) > 0.25


def test_column_target_keeps_its_shape(small_regression):
    X, y = small_regression
    est = KerasRegressor(**FAST).fit(X, y.reshape(-1, 1))
    assert est.n_outputs_ == 1
    assert est.predict(X).shape == (len(X), 1)
    assert np.isfinite(est.score(X, y.reshape(-1, 1)))


def test_multi_output_regression(multi_regression):
    X, Y = multi_regression
    est = KerasRegressor(**{**REGRESSOR, "epochs": 100}).fit(X[:90], Y[:90])
    assert est.n_outputs_ == 3 and est.target_type_ == "continuous-multioutput"
    assert est.model_.output_shape == (None, 3)
    pred = est.predict(X[90:])
    assert pred.shape == (30, 3)
    # R² averaged uniformly over the outputs, as r2_score does.
    assert est.score(X[90:], Y[90:]) == pytest.approx(r2_score(Y[90:], pred))
    assert r2_score(Y[90:], pred, multioutput="raw_values").min() > 0.8


def test_integer_regression_target(small_regression):
    X, y = small_regression
    y_int = np.round(y * 10).astype(np.int64)
    est = KerasRegressor(**FAST).fit(X, y_int)
    assert est.predict(X).dtype == np.float64
    again = KerasRegressor(**FAST).fit(X, y_int.astype(float))
    np.testing.assert_array_equal(est.predict(X), again.predict(X))


def test_sparse_multilabel_target(iris):
    """A sparse indicator matrix trains like its dense twin."""
    X, y = iris
    Y = np.column_stack([y == 0, y == 2]).astype(int)
    dense = KerasClassifier(**FAST).fit(X, Y)
    sparse = KerasClassifier(**FAST).fit(X, sp.csr_matrix(Y))
    assert sparse.target_type_ == "multilabel-indicator"
    np.testing.assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))
    np.testing.assert_array_equal(sparse.predict(X), dense.predict(X))
