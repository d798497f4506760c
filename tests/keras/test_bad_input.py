"""Bad input fails before any training, with an error naming the problem.

Every case runs with a ``training_spy`` callback: the error must come from
validation, not from somewhere inside a training run.
"""

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

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


def _one_sigmoid_unit(meta):
    return keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def _as_binary(X, y):
    return X, y == 0


def _regression(X, y):
    return X, y.astype(float)


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
    (
        "X_beyond_float32",
        KerasClassifier,
        {},
        lambda X, y: (X * 1e39, y),
        ValueError,
        "X has values beyond the float32 range",
    ),
    (
        "y_beyond_float32",
        KerasRegressor,
        {},
        lambda X, y: (X, np.r_[-1e300, y[1:].astype(float)]),
        ValueError,
        "y has values beyond the float32 range",
    ),
    (
        "mixed_label_types",
        KerasClassifier,
        {},
        lambda X, y: (X, np.array(["a", 1] * 75, dtype=object)),
        ValueError,
        r"y mixes labels of types \['int', 'str'\]",
    ),
    (
        "negative_class_weight",
        KerasClassifier,
        {"class_weight": {0: 1.0, 1: -1.0}},
        None,
        ValueError,
        r"class_weight values must be finite, non-negative numbers; got \{1: -1.0\}",
    ),
    (
        "nan_class_weight",
        KerasClassifier,
        {"class_weight": {2: np.nan}},
        None,
        ValueError,
        "class_weight values must be finite, non-negative",
    ),
    (
        "hidden_layer_sizes_strings",
        KerasClassifier,
        {"hidden_layer_sizes": ("a",)},
        None,
        ValueError,
        "hidden_layer_sizes must hold positive integer layer widths",
    ),
    (
        "hidden_layer_sizes_fractional",
        KerasClassifier,
        {"hidden_layer_sizes": (2.5,)},
        None,
        ValueError,
        r"positive integer layer widths; got \(2.5,\)",
    ),
    (
        "hidden_layer_sizes_bool",
        KerasRegressor,
        {"hidden_layer_sizes": True},
        _regression,
        ValueError,
        "positive integer layer widths; got True",
    ),
    (
        "numpy_metric",
        KerasClassifier,
        {"metrics": [np.mean]},
        None,
        TypeError,
        "mean is a numpy function",
    ),
    (
        "metric_not_callable",
        KerasClassifier,
        {"metrics": ["accuracy", 123]},
        None,
        TypeError,
        "metrics must hold metric names.*got 123",
    ),
    (
        "metric_of_one_argument",
        KerasRegressor,
        {"metrics": [lambda y_pred: y_pred]},
        _regression,
        TypeError,
        r"cannot be called as fn\(y_true, y_pred\)",
    ),
    (
        "unknown_compile_option",
        KerasClassifier,
        {"compile__jit": False},
        None,
        ValueError,
        r"Unknown compile__\* option\(s\) \['jit'\]",
    ),
    (
        "unknown_fit_option",
        KerasClassifier,
        {"fit__epoch": 3},
        None,
        ValueError,
        r"Unknown training option\(s\) \['epoch'\]",
    ),
    (
        "fit_epochs_zero",
        KerasClassifier,
        {"fit__epochs": 0},
        None,
        ValueError,
        "'epochs' parameter of KerasClassifier.fit must be an int",
    ),
    (
        "fit_batch_size_negative",
        KerasRegressor,
        {"fit__batch_size": -1},
        _regression,
        ValueError,
        "'batch_size' parameter of KerasRegressor.fit",
    ),
    (
        "predict_batch_size_zero",
        KerasClassifier,
        {"predict__batch_size": 0},
        None,
        ValueError,
        "predict__batch_size must be a positive int; got 0",
    ),
    (
        "loss_option_the_auto_loss_lacks",
        KerasRegressor,
        {"loss__from_logits": True},
        _regression,
        ValueError,
        r"Invalid loss__\* option\(s\) \['from_logits'\] for MeanSquaredError",
    ),
    (
        "categorical_loss_on_one_unit",
        KerasClassifier,
        {"model": _one_sigmoid_unit, "loss": "categorical_crossentropy"},
        _as_binary,
        ValueError,
        "'categorical_crossentropy' needs one output unit per class",
    ),
    (
        "sparse_categorical_loss_on_one_unit",
        KerasClassifier,
        {"model": _one_sigmoid_unit, "loss": "sparse_categorical_crossentropy"},
        _as_binary,
        ValueError,
        "'sparse_categorical_crossentropy' needs one output unit per class",
    ),
    (
        "logits_loss_on_sigmoid_output",
        KerasClassifier,
        {"model": _one_sigmoid_unit, "loss__from_logits": True},
        _as_binary,
        ValueError,
        r"works on logits \(from_logits=True\), but the model's last layer "
        "applies sigmoid",
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


@pytest.mark.parametrize(
    "fit_params, match",
    [
        ({"epochs": 0}, "'epochs' parameter of KerasClassifier.fit"),
        ({"epochs": 2.5}, "'epochs' parameter of KerasClassifier.fit"),
        ({"batch_size": 0}, "'batch_size' parameter of KerasClassifier.fit"),
        ({"batch_size": -1}, "'batch_size' parameter of KerasClassifier.fit"),
        ({"shuffle": "yes"}, "'shuffle' parameter of KerasClassifier.fit"),
        ({"foo": 1}, r"Unknown training option\(s\) \['foo'\]"),
        ({"x": 1}, r"Unknown training option\(s\) \['x'\]"),
        ({"validation_data": "held out"}, "validation_data: hold out rows with"),
        ({"class_weight": {0: 2.0}}, "use the estimator's class_weight parameter"),
    ],
    ids=[
        "epochs_zero",
        "epochs_fractional",
        "batch_size_zero",
        "batch_size_negative",
        "shuffle_string",
        "unknown",
        "x",
        "validation_data",
        "class_weight",
    ],
)
def test_bad_fit_keywords_fail_before_training(iris, training_spy, fit_params, match):
    """Options given to ``fit`` itself follow the constructor's rules."""
    X, y = iris
    est = KerasClassifier(**FAST, callbacks=[training_spy])
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, **fit_params)
    assert training_spy.train_begin == 0
    assert not hasattr(est, "model_")


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


def test_refit_failing_part_way_leaves_the_previous_fit(iris):
    """A refit that fails once the network is being built (after the target
    attributes were replaced) puts the previous fit back, so predictions stay
    those of the previous, consistent network and labels."""
    X, y = iris
    calls = []

    def build(meta):
        calls.append(meta["n_classes_"])
        if meta["n_classes_"] == 2:
            raise RuntimeError("no binary networks here")
        return keras.Sequential(
            [
                keras.Input(shape=(meta["n_features_in_"],)),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )

    est = KerasClassifier(build, **FAST).fit(X, y)
    before = est.predict_proba(X)
    attributes = {name: getattr(est, name) for name in ("classes_", "model_")}
    with pytest.raises(RuntimeError, match="no binary networks"):
        est.fit(X[:, :3], np.where(y == 0, "a", "b"))
    assert calls == [3, 2]  # the second fit did reach the builder
    assert est.n_features_in_ == 4 and est.n_classes_ == 3
    assert est.classes_ is attributes["classes_"]
    assert est.model_ is attributes["model_"]
    np.testing.assert_array_equal(est.predict_proba(X), before)
    np.testing.assert_array_equal(est.predict(X), before.argmax(axis=1))

    # A first fit failing the same way leaves the estimator unfitted.
    fresh = KerasClassifier(build, **FAST)
    with pytest.raises(RuntimeError, match="no binary networks"):
        fresh.fit(X, y == 0)
    assert not hasattr(fresh, "classes_") and not hasattr(fresh, "n_features_in_")
    with pytest.raises(NotFittedError):
        fresh.predict(X)
