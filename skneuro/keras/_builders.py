"""Model construction: the default network and cloning of user models."""

from collections.abc import Sequence

from ._backend import import_keras
from ._compile import compile_with_loss


def build_mlp(
    n_features: int,
    hidden_layer_sizes: Sequence[int],
    activation: str,
    n_outputs: int,
    output_activation: str,
):
    """A fully connected network, the Keras twin of scikit-learn's MLPs."""
    keras = import_keras()
    inputs = keras.Input(shape=(n_features,), name="features")
    hidden = inputs
    for index, units in enumerate(hidden_layer_sizes):
        hidden = keras.layers.Dense(
            int(units), activation=activation, name=f"hidden_{index}"
        )(hidden)
    outputs = keras.layers.Dense(
        n_outputs, activation=output_activation, name="output"
    )(hidden)
    return keras.Model(inputs, outputs, name="mlp")


def clone_untrained(model):
    """A copy of ``model`` with the same architecture and fresh weights.

    A compiled model is compiled again with a copy of its configuration (and
    its loss object, which holds no state), so the caller's model, optimizer
    and weights are never touched.
    """
    keras = import_keras()
    try:
        clone = keras.models.clone_model(model)
    except Exception as exc:  # clone_model raises many types for custom models
        raise TypeError(
            f"Cannot clone the Keras model {model.name!r} passed as `model` "
            f"({type(exc).__name__}: {exc}). Pass a function that builds the "
            "model instead."
        ) from exc
    if model.compiled:
        compile_with_loss(
            clone, model.get_compile_config(), getattr(model, "loss", None)
        )
    return clone


def output_activation_name(model) -> str | None:
    """Name of the activation applied by the model's last layer, if known."""
    layers = getattr(model, "layers", None)
    if not layers:
        return None
    activation = getattr(layers[-1], "activation", None)
    return getattr(activation, "__name__", None)
