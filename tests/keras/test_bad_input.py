"""Bad input fails before any training, with an error naming the problem.

Every case runs with a ``training_spy`` callback: the error must come from
validation, not from somewhere inside a training run.
"""

import keras
import numpy as np
import pytest
import scipy.sparse as sp

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.conftest import FAST


def _with_nan(X):
    X = X.copy()
    X[3, 1] = np.nan
    return X


def _with_inf(X):
    X = X.copy()
    X[3, 1] = np.inf
    return X


def _too_wide_builder(meta):
    return keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(meta["n_classes_"] + 2, activation="softmax"),
        ]
    )


def _two_output_regressor(meta):
    return keras.Sequential(
        [keras.Input(shape=(meta["n_features_in_"],)), keras.layers.Dense(2)]
    )


def _binary_with_three_units(meta):
    return keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def _returns_string(meta):
    return "not a model"


def _returns_layer(meta):
    return keras.layers.Dense(3)


# (id, estimator class, extra params, transform of (X, y), error, match)
FIT_CASES = [
    ("nan", KerasClassifier, {}, lambda X, y: (_with_nan(X), y), ValueError, "NaN"),
    (
        "inf",
        KerasRegressor,
        {},
        lambda X, y: (_with_inf(X), y.astype(float)),
        ValueError,
        "infinity",
    ),
    (
        "nan_in_y",
        KerasRegressor,
        {},
        lambda X, y: (X, np.r_[np.nan, y[1:].astype(float)]),
        ValueError,
        "y contains NaN",
    ),
    (
        "empty",
        KerasClassifier,
        {},
        lambda X, y: (X[:0], y[:0]),
        ValueError,
        "0 sample",
    ),
    (
        "no_features",
        KerasRegressor,
        {},
        lambda X, y: (X[:, :0], y.astype(float)),
        ValueError,
        "0 feature",
    ),
    (
        "single_class",
        KerasClassifier,
        {},
        lambda X, y: (X, np.full(len(y), "only")),
        ValueError,
        "at least 2 classes.*'only'",
    ),
    (
        "continuous_target",
        KerasClassifier,
        {},
        lambda X, y: (X, np.linspace(0, 1, len(y))),
        ValueError,
        "Unknown label type: continuous",
    ),
    (
        "inconsistent_lengths",
        KerasClassifier,
        {},
        lambda X, y: (X, y[:-1]),
        ValueError,
        "inconsistent numbers of samples",
    ),
    (
        "three_dimensional_X",
        KerasClassifier,
        {},
        lambda X, y: (X.reshape(len(X), 2, 2), y),
        ValueError,
        "dim 3",
    ),
    (
        "sparse_X",
        KerasClassifier,
        {},
        lambda X, y: (sp.csr_matrix(X), y),
        TypeError,
        "Sparse data was passed for X, but dense data is required",
    ),
    (
        "unknown_loss",
        KerasClassifier,
        {"loss": "no_such_loss"},
        None,
        ValueError,
        "Unknown loss 'no_such_loss'",
    ),
    (
        "unknown_optimizer",
        KerasRegressor,
        {"optimizer": "no_such_optimizer"},
        None,
        ValueError,
        "Unknown optimizer 'no_such_optimizer'",
    ),
    (
        "unknown_activation",
        KerasClassifier,
        {"activation": "no_such_activation"},
        None,
        ValueError,
        "Unknown activation 'no_such_activation'",
    ),
    (
        "unknown_metric",
        KerasClassifier,
        {"metrics": ["no_such_metric"]},
        None,
        ValueError,
        "Unknown metric 'no_such_metric'",
    ),
    (
        "non_positive_hidden_layer",
        KerasClassifier,
        {"hidden_layer_sizes": (8, 0)},
        None,
        ValueError,
        "hidden_layer_sizes must hold positive",
    ),
    (
        "builder_output_too_wide",
        KerasClassifier,
        {"model": _too_wide_builder},
        None,
        ValueError,
        r"output has shape \(5,\).*needs 3 output unit\(s\) \(3 classes\)",
    ),
    (
        "builder_output_binary_three_units",
        KerasClassifier,
        {"model": _binary_with_three_units},
        lambda X, y: (X, y == 0),
        ValueError,
        r"output has shape \(3,\).*1 or 2 output unit\(s\)",
    ),
    (
        "regressor_output_mismatch",
        KerasRegressor,
        {"model": _two_output_regressor},
        lambda X, y: (X, y.astype(float)),
        ValueError,
        r"output has shape \(2,\).*needs 1 output unit",
    ),
    (
        "builder_returns_string",
        KerasClassifier,
        {"model": _returns_string},
        None,
        TypeError,
        "returned str, not a keras.Model",
    ),
    (
        "builder_returns_layer",
        KerasRegressor,
        {"model": _returns_layer},
        lambda X, y: (X, y.astype(float)),
        TypeError,
        "returned Dense, not a keras.Model",
    ),
    (
        "model_is_a_string",
        KerasClassifier,
        {"model": "mlp"},
        None,
        (TypeError, ValueError),
        "'model' parameter of KerasClassifier must be",
    ),
    (
        "model_is_a_number",
        KerasRegressor,
        {"model": 3},
        lambda X, y: (X, y.astype(float)),
        (TypeError, ValueError),
        "'model' parameter of KerasRegressor must be",
    ),
    (
        "model_is_a_layer",
        KerasClassifier,
        {"model": keras.layers.Dense(3)},
        None,
        TypeError,
        "model must be None, a function returning a keras.Model, or a "
        "keras.Model instance; got Dense",
    ),
    (
        "model_is_a_non_model_class",
        KerasClassifier,
        {"model": dict},
        None,
        TypeError,
        "not a keras.Model subclass",
    ),
    (
        "negative_sample_weight",
        KerasClassifier,
        {},
        "negative_weights",
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    (
        "all_zero_sample_weight",
        KerasRegressor,
        {},
        "zero_weights",
        ValueError,
        "Sample weights must contain at least one non-zero number",
    ),
    (
        "all_zero_class_weight",
        KerasClassifier,
        {"class_weight": {0: 0.0, 1: 0.0, 2: 0.0}},
        None,
        ValueError,
        "All sample weights are zero: there is nothing to train on",
    ),
    (
        "unknown_class_weight_label",
        KerasClassifier,
        {"class_weight": {0: 1.0, 7: 2.0}},
        None,
        ValueError,
        r"class_weight has labels that are not classes of y: \[7\]",
    ),
    (
        "validation_split_leaves_nothing",
        KerasRegressor,
        {"validation_split": 0.001},
        lambda X, y: (X, y.astype(float)),
        ValueError,
        "validation_split=0.001 leaves no training or no validation samples",
    ),
]


@pytest.mark.parametrize(
    "estimator_class, params, transform, error, match",
    [case[1:] for case in FIT_CASES],
    ids=[case[0] for case in FIT_CASES],
)
def test_bad_fit_input_fails_before_training(
    iris, training_spy, estimator_class, params, transform, error, match
):
    X, y = iris
    sample_weight = None
    if transform == "negative_weights":
        sample_weight = np.r_[-1.0, np.ones(len(y) - 1)]
    elif transform == "zero_weights":
        y = y.astype(float)
        sample_weight = np.zeros(len(y))
    elif transform is not None:
        X, y = transform(X, y)
    est = estimator_class(**{**FAST, **params, "callbacks": [training_spy]})
    with pytest.raises(error, match=match):
        est.fit(X, y, sample_weight=sample_weight)
    assert training_spy.train_begin == 0
    assert training_spy.epochs == []
    assert not hasattr(est, "model_")


@pytest.mark.parametrize(
    "transform, error, match",
    [
        (lambda X: X[:, :3], ValueError, "X has 3 features, but KerasClassifier is "),
        (lambda X: np.c_[X, X], ValueError, "X has 8 features.*expecting 4 features"),
        (_with_nan, ValueError, "NaN"),
        (_with_inf, ValueError, "infinity"),
        (lambda X: X[:0], ValueError, "0 sample"),
        (lambda X: X[0], ValueError, "Expected 2D array, got 1D array"),
        (sp.csr_matrix, TypeError, "Sparse data was passed for X"),
    ],
    ids=["fewer_features", "more_features", "nan", "inf", "empty", "1d", "sparse"],
)
def test_bad_predict_input(fitted_iris_classifier, iris, transform, error, match):
    X, y = iris
    bad = transform(X)
    with pytest.raises(error, match=match):
        fitted_iris_classifier.predict(bad)
    with pytest.raises(error, match=match):
        fitted_iris_classifier.predict_proba(bad)
    with pytest.raises(error, match=match):
        fitted_iris_classifier.score(bad, y[: bad.shape[0]])


def test_predict_before_fit_is_not_fitted_error(iris):
    from sklearn.exceptions import NotFittedError

    X, _ = iris
    for est in (KerasClassifier(), KerasRegressor()):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            est.predict(X)


def test_bad_second_fit_targets(training_spy, iris):
    """warm_start / partial_fit reject targets unlike the first fit's."""
    X, y = iris
    est = KerasClassifier(**{**FAST, "epochs": 1, "warm_start": True}).fit(X, y)
    est.set_params(callbacks=[training_spy])
    with pytest.raises(ValueError, match=r"labels not seen in the first call.*\[7\]"):
        est.fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match=r"labels not seen.*\[7\]"):
        est.partial_fit(X, np.where(y == 2, 7, y))
    assert training_spy.train_begin == 0

    reg = KerasRegressor(**{**FAST, "epochs": 1}).partial_fit(X, X[:, :2])
    reg.set_params(callbacks=[training_spy])
    with pytest.raises(ValueError, match=r"y has 3 output\(s\).*first fitted with 2"):
        reg.partial_fit(X, X[:, :3])
    assert training_spy.train_begin == 0


@pytest.mark.parametrize(
    "params, match",
    [
        ({"epochs": 0}, "'epochs' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"learning_rate": -1.0}, "'learning_rate' parameter"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
        ({"class_weight": "unbalanced"}, "'class_weight' parameter"),
    ],
)
def test_invalid_parameters(iris, training_spy, params, match):
    X, y = iris
    est = KerasClassifier(**{**FAST, **params, "callbacks": [training_spy]})
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert training_spy.train_begin == 0


def test_failed_refit_leaves_the_fitted_network_usable(small_regression):
    """A validation_split that leaves no rows fails before the network is
    replaced, so the estimator still predicts as it did."""
    X, y = small_regression
    est = KerasRegressor(**{**FAST, "epochs": 1}).fit(X, y)
    before, model = est.predict(X), est.model_
    est.set_params(validation_split=0.001)
    with pytest.raises(ValueError, match="leaves no training or no validation"):
        est.fit(X, y)
    assert est.model_ is model
    np.testing.assert_array_equal(est.predict(X), before)
