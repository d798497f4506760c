"""Unusable sources and settings: a clear error from ``fit``, before training."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import KerasClassifier, TransferClassifier, TransferRegressor
from tests.transfer.conftest import QUICK


@pytest.fixture(scope="module")
def tiny_data(few_shot_target):
    X, y, _, _ = few_shot_target
    return X, y


def _keras_model(kind):
    import keras

    if kind == "unbuilt":
        return keras.Sequential(
            [keras.layers.Dense(8, activation="relu"), keras.layers.Dense(10)]
        )
    if kind == "head only":
        return keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])
    if kind == "branching":
        inputs = keras.Input((64,))
        left = keras.layers.Dense(8, activation="relu")(inputs)
        right = keras.layers.Dense(8, activation="tanh")(inputs)
        merged = keras.layers.Concatenate()([left, right])
        return keras.Model(inputs, keras.layers.Dense(10)(merged), name="branchy")
    if kind == "image input":
        return keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(10),
            ]
        )
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "make_source, error, match",
    [
        (
            lambda: KerasClassifier(),
            NotFittedError,
            "source KerasClassifier is not fitted",
        ),
        (lambda: MLPClassifier(), NotFittedError, "source MLPClassifier is not fitted"),
        (
            lambda: TransferClassifier(),
            NotFittedError,
            "source TransferClassifier is not fitted",
        ),
        (
            lambda: make_pipeline(StandardScaler(), KerasClassifier()),
            NotFittedError,
            "not fitted",
        ),
        (lambda: _keras_model("unbuilt"), NotFittedError, "is not built"),
        (
            lambda: RandomForestClassifier(n_estimators=2).fit([[0], [1]], [0, 1]),
            TypeError,
            "Unsupported source of type RandomForestClassifier",
        ),
        (lambda: "model.keras", TypeError, "Unsupported source of type str"),
        (
            lambda: make_pipeline(StandardScaler(), LogisticRegression()),
            TypeError,
            "last step is LogisticRegression",
        ),
        (
            lambda: _keras_model("head only"),
            ValueError,
            "no layer with weights below its output layer",
        ),
        (lambda: _keras_model("branching"), ValueError, "single chain"),
        (
            lambda: _keras_model("image input"),
            ValueError,
            r"inputs of shape \(8, 8, 1\)",
        ),
    ],
    ids=[
        "unfitted-keras",
        "unfitted-mlp",
        "unfitted-transfer",
        "unfitted-pipeline",
        "unbuilt-model",
        "random-forest",
        "path-string",
        "pipeline-without-network",
        "no-layer-below-head",
        "branching-model",
        "image-input",
    ],
)
def test_unusable_source_fails_in_fit_before_training(
    make_source, error, match, tiny_data, weight_recorder
):
    X, y = tiny_data
    clf = TransferClassifier(make_source(), callbacks=[weight_recorder], **QUICK)
    with pytest.raises(error, match=match):
        clf.fit(X, y)
    assert weight_recorder.starts == []
    assert not hasattr(clf, "model_")


def test_bad_n_reuse_names_the_reusable_layers(digits_source, tiny_data):
    X, y = tiny_data
    with pytest.raises(ValueError, match=r"names no layer.*\['hidden_0', 'hidden_1'\]"):
        TransferClassifier(digits_source, n_reuse="output", **QUICK).fit(X, y)
    with pytest.raises(ValueError, match="n_reuse=3, but the source has only 2"):
        TransferClassifier(digits_source, n_reuse=3, **QUICK).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"head": "old"}, "'head' parameter"),
        ({"unfreeze": -1}, "'unfreeze' parameter"),
        ({"fine_tune_epochs": 1.5}, "'fine_tune_epochs' parameter"),
        ({"fine_tune_learning_rate": 0.0}, "'fine_tune_learning_rate' parameter"),
        ({"n_reuse": 0}, "'n_reuse' parameter"),
    ],
)
def test_bad_schedule_parameters(params, match, digits_source, tiny_data):
    X, y = tiny_data
    with pytest.raises(ValueError, match=match):
        TransferRegressor(digits_source, **params).fit(X, y.astype(float))


def test_wrong_width_at_predict_after_transfer(digits_source, tiny_data):
    X, y = tiny_data
    clf = TransferClassifier(digits_source, **QUICK).fit(X, y)
    with pytest.raises(ValueError, match="64 features"):
        clf.predict(np.zeros((2, 20)))
