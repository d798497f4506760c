"""Model-building functions used by the Keras estimator tests."""

import functools


class named:
    """Wrap a builder so its repr (and so the test ids) is stable.

    pytest-xdist requires every worker to collect identical test ids, and a
    plain function's repr contains its memory address.
    """

    def __init__(self, function):
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __repr__(self) -> str:
        return self.__name__

    def __reduce__(self):
        return self.__qualname__  # pickled by reference, like the function


@named
def mlp_with_meta(meta, hidden_units=16):
    """A scikeras-style builder: reads shapes from ``meta``."""
    import keras

    n_out, activation = meta["n_classes_"], "softmax"
    if meta["target_type_"] == "multilabel-indicator":
        activation = "sigmoid"
    return keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(n_out, activation=activation),
        ]
    )


@named
def logits_classifier(meta):
    """A builder whose output layer is linear: the wrapper must use logits."""
    import keras

    n_out = 1 if meta["target_type_"] == "binary" else meta["n_classes_"]
    inputs = keras.Input(shape=(meta["n_features_in_"],))
    hidden = keras.layers.Dense(16, activation="tanh")(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_out)(hidden))


@named
def regressor_builder(meta, compile_kwargs, width=16):
    """A builder that compiles its own model from ``compile_kwargs``."""
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(meta["n_outputs_"]),
        ]
    )
    model.compile(**compile_kwargs)
    return model


def compiled_regression_template():
    """An unbuilt, compiled model instance: input width adapts at fit."""
    import keras

    model = keras.Sequential(
        [keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)],
        name="regression_template",
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model
