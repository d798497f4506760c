"""The ``model`` parameter: builders, model instances and the default MLP,
and how the wrapper compiles a model (loss, optimizer, logits)."""

import hashlib

import keras
import numpy as np
import pytest
from sklearn.base import clone

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.conftest import FAST


def weights_checksum(model) -> str:
    digest = hashlib.sha256()
    for weight in model.get_weights():
        digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()


def compile_state(model) -> dict:
    """What fitting must leave alone on the caller's model."""
    optimizer = getattr(model, "optimizer", None)
    return {
        "compiled": model.compiled,
        "built": model.built,
        "optimizer": optimizer,
        "optimizer_built": getattr(optimizer, "built", None),
        "optimizer_iterations": (
            int(optimizer.iterations.numpy()) if optimizer is not None else None
        ),
        "optimizer_variables": (
            [np.asarray(v).copy() for v in optimizer.variables]
            if optimizer is not None and optimizer.built
            else None
        ),
        "compile_config": model.get_compile_config() if model.compiled else None,
        "loss": getattr(model, "loss", None),
        "trainable": [layer.trainable for layer in model.layers],
    }


def assert_same_state(before: dict, after: dict) -> None:
    variables = before.pop("optimizer_variables"), after.pop("optimizer_variables")
    assert before == after
    if variables[0] is not None:
        for old, new in zip(*variables, strict=True):
            np.testing.assert_array_equal(old, new)


def iris_network(compiled: bool, trained: bool, X=None, y=None):
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="user_network",
    )
    if compiled:
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.5),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    if trained:
        model.fit(X, y, epochs=2, verbose=0)
    return model


@pytest.mark.parametrize(
    "compiled, trained",
    [(False, False), (True, False), (True, True)],
    ids=["uncompiled", "compiled", "trained"],
)
def test_model_instance_is_cloned_never_mutated(iris, compiled, trained):
    X, y = iris
    user_model = iris_network(compiled, trained, X, y)
    checksum = weights_checksum(user_model)
    state = compile_state(user_model)
    user_predictions = user_model.predict(X, verbose=0)

    est = KerasClassifier(user_model, epochs=20, learning_rate=0.05, tol=None)
    est.set_params(random_state=0).fit(X, y)

    assert est.model is user_model  # the parameter is untouched...
    assert weights_checksum(user_model) == checksum  # ...and so is the model
    assert_same_state(state, compile_state(user_model))
    np.testing.assert_array_equal(user_model.predict(X, verbose=0), user_predictions)

    # The estimator trains its own copy: same architecture, fresh weights.
    assert est.model_ is not user_model
    assert est.model_.optimizer is not getattr(user_model, "optimizer", None)
    assert [layer.units for layer in est.model_.layers] == [8, 3]
    assert weights_checksum(est.model_) != checksum
    assert est.score(X, y) > 0.85
    if compiled:
        # Recompiled from the user's compile configuration.
        assert isinstance(est.model_.optimizer, keras.optimizers.SGD)
        assert float(est.model_.optimizer.momentum) == 0.5
        assert "accuracy" in est.history_
    # Fitting again (or a clone) starts from fresh weights again.
    again = clone(est).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    assert weights_checksum(user_model) == checksum


def test_unbuilt_model_instance_stays_unbuilt(small_regression):
    X, y = small_regression
    template = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])
    est = KerasRegressor(template, **{**FAST, "hidden_layer_sizes": ()}).fit(X, y)
    assert not template.built and not template.compiled
    assert est.model_.built and est.model_.input_shape[-1] == 5
    assert est.predict(X).shape == (120,)


def test_model_instance_tags(iris):
    """A model instance fixes its output width: no multi-output claims."""
    tags = KerasRegressor(iris_network(False, False)).__sklearn_tags__()
    assert not tags.target_tags.multi_output
    tags = KerasClassifier(iris_network(False, False)).__sklearn_tags__()
    assert not tags.classifier_tags.multi_label
    assert KerasClassifier().__sklearn_tags__().classifier_tags.multi_label


def test_regressor_builder_receives_meta_and_routed_arguments(multi_regression):
    X, Y = multi_regression
    seen = {}

    def build(meta, width, depth=1, compile_kwargs=None):
        seen.update(meta=meta, width=width, depth=depth, compile_kwargs=compile_kwargs)
        model = keras.Sequential([keras.Input(shape=meta["X_shape_"][1:])])
        for _ in range(depth):
            model.add(keras.layers.Dense(width, activation="relu"))
        model.add(keras.layers.Dense(meta["n_outputs_"]))
        return model

    est = KerasRegressor(
        build, model__width=6, model__depth=2, optimizer="rmsprop", **FAST
    ).fit(X, Y)
    meta = seen["meta"]
    assert meta["n_features_in_"] == 5 and meta["X_shape_"] == (120, 5)
    assert meta["n_outputs_"] == 3
    assert meta["target_type_"] == "continuous-multioutput"
    assert (seen["width"], seen["depth"]) == (6, 2)
    assert isinstance(seen["compile_kwargs"]["optimizer"], keras.optimizers.RMSprop)
    assert [layer.units for layer in est.model_.layers] == [6, 6, 3]
    # An uncompiled builder model is compiled by the wrapper, as asked.
    assert isinstance(est.model_.optimizer, keras.optimizers.RMSprop)
    assert est.model_.optimizer.learning_rate.numpy() == pytest.approx(0.05)


def test_builder_compiled_model_is_used_as_compiled(iris):
    X, y = iris

    def build(meta):
        model = keras.Sequential(
            [
                keras.Input(shape=(meta["n_features_in_"],)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )
        # One-hot targets: the wrapper must encode y to match this loss.
        model.compile(
            optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy"
        )
        return model

    est = KerasClassifier(build, **{**FAST, "epochs": 30}, optimizer="sgd").fit(X, y)
    assert isinstance(est.model_.optimizer, keras.optimizers.Adam)
    assert est.model_.loss == "categorical_crossentropy"
    assert est.score(X, y) > 0.9


# Target kind -> (targets from iris, output units, output activation, loss)
DEFAULT_HEADS = {
    "binary": (lambda X, y: y == 0, 1, "sigmoid", "binary_crossentropy"),
    "multiclass": (lambda X, y: y, 3, "softmax", "sparse_categorical_crossentropy"),
    "multilabel": (
        lambda X, y: np.column_stack([y == 0, X[:, 0] > 0]).astype(int),
        2,
        "sigmoid",
        "binary_crossentropy",
    ),
    "regression": (lambda X, y: X[:, 0], 1, "linear", "mean_squared_error"),
    "multi_output_regression": (
        lambda X, y: X[:, :2],
        2,
        "linear",
        "mean_squared_error",
    ),
}


@pytest.mark.parametrize("kind", sorted(DEFAULT_HEADS))
def test_default_network(iris, kind):
    X, y = iris
    targets, units, output_activation, loss = DEFAULT_HEADS[kind]
    estimator_class = KerasRegressor if "regression" in kind else KerasClassifier
    est = estimator_class(
        hidden_layer_sizes=(7, 5), activation="tanh", epochs=1, random_state=0
    ).fit(X, targets(X, y))
    dense = [
        layer for layer in est.model_.layers if isinstance(layer, keras.layers.Dense)
    ]
    assert [layer.units for layer in dense] == [7, 5, units]
    assert [layer.activation.__name__ for layer in dense] == [
        "tanh",
        "tanh",
        output_activation,
    ]
    assert est.model_.input_shape == (None, 4)
    loss_name = getattr(est.model_.loss, "name", est.model_.loss)
    assert loss_name == loss
    assert isinstance(est.model_.optimizer, keras.optimizers.Adam)


@pytest.mark.parametrize("sizes, units", [((), []), (5, [5]), ([4, 3, 2], [4, 3, 2])])
def test_hidden_layer_sizes_forms(small_regression, sizes, units):
    X, y = small_regression
    est = KerasRegressor(hidden_layer_sizes=sizes, epochs=1).fit(X, y)
    dense = [x for x in est.model_.layers if isinstance(x, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [*units, 1]


def test_default_classifier_works_out_of_the_box(iris):
    """``KerasClassifier()`` with every default learns iris."""
    X, y = iris
    est = KerasClassifier(random_state=0).fit(X, y)
    assert est.score(X, y) > 0.95


@pytest.mark.parametrize(
    "target, units",
    [("binary", 1), ("binary", 2), ("multiclass", 3), ("multilabel", 2)],
)
def test_linear_output_layer_means_logits(iris, target, units):
    """A builder whose last layer is linear: loss on logits, probabilities out."""
    X, y = iris
    targets = {
        "binary": y == 2,
        "multiclass": y,
        "multilabel": np.column_stack([y == 0, y == 2]).astype(int),
    }[target]

    def build(meta):
        inputs = keras.Input(shape=(meta["n_features_in_"],))
        hidden = keras.layers.Dense(8, activation="relu")(inputs)
        return keras.Model(inputs, keras.layers.Dense(units)(hidden))

    est = KerasClassifier(build, **{**FAST, "epochs": 30}).fit(X, targets)
    assert est.model_.loss.get_config()["from_logits"] is True
    proba = est.predict_proba(X)
    logits = keras.ops.convert_to_numpy(est.model_(X.astype(np.float32)))
    if target == "multilabel":
        np.testing.assert_allclose(proba, 1 / (1 + np.exp(-logits)), rtol=1e-4)
    else:
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
        if units == 1:
            expected = 1 / (1 + np.exp(-logits[:, 0]))
            np.testing.assert_allclose(proba[:, 1], expected, rtol=1e-4, atol=1e-7)
        else:
            softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
            softmax /= softmax.sum(axis=1, keepdims=True)
            np.testing.assert_allclose(proba, softmax, rtol=1e-4, atol=1e-7)
    assert np.all((proba >= 0) & (proba <= 1))
    assert est.score(X, targets) > 0.9


def test_builder_compiled_with_logits_loss(breast_cancer):
    X, y = breast_cancer

    def build(meta):
        inputs = keras.Input(shape=(meta["n_features_in_"],))
        model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
        model.compile(
            optimizer=keras.optimizers.Adam(0.05),
            loss=keras.losses.BinaryCrossentropy(from_logits=True),
        )
        return model

    est = KerasClassifier(build, **{**FAST, "epochs": 20}).fit(X, y)
    proba = est.predict_proba(X)
    assert np.all((proba >= 0) & (proba <= 1))
    assert est.score(X, y) > 0.95


def test_optimizer_forms(small_regression):
    X, y = small_regression
    user_optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    est = KerasRegressor(optimizer=user_optimizer, **FAST).fit(X, y)
    # Copied, with learning_rate applied on top of its configuration.
    assert est.model_.optimizer is not user_optimizer
    assert int(user_optimizer.iterations.numpy()) == 0 and not user_optimizer.built
    assert float(est.model_.optimizer.momentum) == 0.9
    assert est.model_.optimizer.learning_rate.numpy() == pytest.approx(0.05)

    est = KerasRegressor(
        optimizer=keras.optimizers.SGD, optimizer__momentum=0.7, **FAST
    ).fit(X, y)
    assert isinstance(est.model_.optimizer, keras.optimizers.SGD)
    assert float(est.model_.optimizer.momentum) == pytest.approx(0.7)


def test_loss_forms(small_regression):
    X, y = small_regression
    est = KerasRegressor(loss=keras.losses.Huber, loss__delta=0.5, **FAST).fit(X, y)
    assert isinstance(est.model_.loss, keras.losses.Huber)
    # Huber's config does not hold delta: check its value through the loss.
    y_true, y_pred = np.zeros((1, 1)), np.full((1, 1), 3.0)
    expected = np.mean(keras.losses.huber(y_true, y_pred, delta=0.5))
    assert float(est.model_.loss(y_true, y_pred)) == pytest.approx(expected)

    user_loss = keras.losses.Huber(delta=2.0)
    est = KerasRegressor(loss=user_loss, **FAST).fit(X, y)
    expected = np.mean(keras.losses.huber(y_true, y_pred, delta=2.0))
    assert float(est.model_.loss(y_true, y_pred)) == pytest.approx(expected)

    est = KerasRegressor(loss="mae", **FAST).fit(X, y)
    assert est.model_.loss == "mae"


class TwoLayers(keras.Model):
    """A subclassed model: no output_shape until called, no functional graph."""

    def __init__(self, units=1, activation="sigmoid"):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(units, activation=activation)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


@pytest.mark.parametrize(
    "target, model",
    [
        ("binary", lambda meta: TwoLayers()),
        ("binary", TwoLayers),  # the class itself, built like a builder
        ("multiclass", lambda meta: TwoLayers(meta["n_classes_"], "softmax")),
    ],
    ids=["binary_builder", "binary_class", "multiclass_builder"],
)
def test_subclassed_models(iris, target, model):
    X, y = iris
    targets = y == 0 if target == "binary" else y
    est = KerasClassifier(model, **{**FAST, "epochs": 20}).fit(X, targets)
    assert isinstance(est.model_, TwoLayers)
    proba = est.predict_proba(X)
    assert proba.shape == (150, 2 if target == "binary" else 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert est.score(X, targets) > 0.8


def _probabilities_of(est, X):
    """The network's outputs turned into probabilities by hand (logits)."""
    logits = keras.ops.convert_to_numpy(est.model_(X.astype(np.float32)))
    return 1 / (1 + np.exp(-logits[:, 0]))


@pytest.mark.parametrize(
    "params",
    [
        {"loss__from_logits": True},
        {"loss": "binary_crossentropy", "loss__from_logits": True},
        {"loss": keras.losses.BinaryCrossentropy(from_logits=True)},
    ],
    ids=["auto", "name", "instance"],
)
def test_loss_on_logits_gets_a_linear_default_output(breast_cancer, params):
    """The default network's last layer is linear when the loss works on
    logits, and predictions map the logits to probabilities (once)."""
    X, y = breast_cancer
    est = KerasClassifier(**FAST, **params).fit(X, y)
    assert est.model_.layers[-1].activation.__name__ == "linear"
    assert est.model_.loss.get_config()["from_logits"] is True
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], _probabilities_of(est, X), rtol=1e-4)
    # Confident both ways: not squeezed into [0.5, 0.73] by a second sigmoid.
    assert proba[:, 1].min() < 0.05 and proba[:, 1].max() > 0.95
    assert est.score(X, y) > 0.95


@pytest.mark.parametrize("units", [1, 2])
def test_builder_compiling_with_compile_kwargs_follows_its_output(iris, units):
    """compile_kwargs' "auto" loss is chosen before the model exists; a
    builder compiling with it and returning a linear (logits) or 2-unit
    output is recompiled with the loss that output needs."""
    X, y = iris
    binary = y == 0

    def build(meta, compile_kwargs):
        model = keras.Sequential(
            [keras.Input(shape=(meta["n_features_in_"],)), keras.layers.Dense(units)]
        )
        model.compile(**{**compile_kwargs, "metrics": ["accuracy"]})
        return model

    est = KerasClassifier(build, **{**FAST, "epochs": 20}).fit(X, binary)
    expected = (
        "binary_crossentropy" if units == 1 else "sparse_categorical_crossentropy"
    )
    assert est.model_.loss.name == expected
    assert est.model_.loss.get_config()["from_logits"] is True
    assert len(est.history_["accuracy"]) == 20  # the builder's settings are kept
    proba = est.predict_proba(X)
    assert np.all((proba >= 0) & (proba <= 1))
    if units == 1:
        np.testing.assert_allclose(proba[:, 1], _probabilities_of(est, X), rtol=1e-4)
    assert est.score(X, binary) > 0.95


@pytest.mark.parametrize(
    "loss", ["categorical_crossentropy", "sparse_categorical_crossentropy"]
)
def test_categorical_loss_on_a_binary_target(breast_cancer, loss):
    """The default network gets one unit per class for a categorical loss,
    so it trains (over a single unit the loss would be constant)."""
    X, y = breast_cancer
    est = KerasClassifier(**FAST, loss=loss).fit(X, y)
    assert est.model_.output_shape == (None, 2)
    assert est.model_.layers[-1].activation.__name__ == "softmax"
    assert min(est.history_["loss"]) > 0
    assert est.history_["loss"][-1] < est.history_["loss"][0]
    assert est.score(X, y) > 0.95


def test_binary_crossentropy_on_a_multiclass_target(iris):
    """Binary cross-entropy over one unit per class gets one-hot targets."""
    X, y = iris
    est = KerasClassifier(**{**FAST, "epochs": 30}, loss="binary_crossentropy")
    est.fit(X, y)
    assert est.model_.output_shape == (None, 3)
    assert est.score(X, y) > 0.9


def test_model_instance_keeps_its_loss_object(small_regression):
    """Keras' compile config drops Huber's delta: the clone reuses the
    template's loss object (stateless) instead of rebuilding it."""
    X, y = small_regression
    template = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(1)])
    template.compile(optimizer="sgd", loss=keras.losses.Huber(delta=5.0))
    est = KerasRegressor(template, **FAST).fit(X, y)
    y_true, y_pred = np.zeros((1, 1)), np.full((1, 1), 3.0)
    expected = np.mean(keras.losses.huber(y_true, y_pred, delta=5.0))
    assert float(est.model_.loss(y_true, y_pred)) == pytest.approx(expected)
    assert isinstance(est.model_.optimizer, keras.optimizers.SGD)
    assert est.model_.optimizer is not template.optimizer
