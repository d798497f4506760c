"""Pickling a fitted network as plain, deterministic data.

Keras pickles a model as a zip archive stamped with the time it was saved,
so pickling the same fitted estimator twice gives different bytes: its
``joblib.hash`` changes with the clock, and scikit-learn's checks that a
``fit`` leaves its parameters unchanged (for a transfer estimator, a fitted
source) cannot tell it from a mutation. The estimators pickle their network
instead as its Keras config (architecture, build and compile settings) plus
the values of its variables and of its optimizer's, the same pieces Keras'
own format stores, in a fixed order.
"""

from typing import Any

import numpy as np

from ._backend import import_keras


def model_state(model) -> dict[str, Any]:
    """Everything needed to rebuild ``model`` exactly: config and variables."""
    keras = import_keras()
    optimizer = getattr(model, "optimizer", None)
    optimizer_built = bool(model.compiled and optimizer is not None and optimizer.built)
    return {
        "config": keras.saving.serialize_keras_object(model),
        "weights": [np.asarray(v) for v in model.weights],
        "optimizer_variables": (
            [np.asarray(v) for v in optimizer.variables] if optimizer_built else None
        ),
    }


def restore_model(state: dict[str, Any]):
    """The model described by :func:`model_state`, compiled and with its weights."""
    keras = import_keras()
    # Pickles are trusted code anyway; safe mode would refuse Lambda layers.
    model = keras.saving.deserialize_keras_object(state["config"], safe_mode=False)
    for variable, value in zip(model.weights, state["weights"], strict=True):
        variable.assign(value)
    saved = state["optimizer_variables"]
    if saved is not None:
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        for variable, value in zip(optimizer.variables, saved, strict=True):
            variable.assign(value)
    return model


class PickledModel:
    """A ``keras.Model`` pickled as :func:`model_state`; unpickles to the model.

    For a model held as a parameter (``model=`` an instance): Keras' own
    pickle of it is time-stamped like the fitted network's would be.
    """

    def __init__(self, model) -> None:
        self.state = model_state(model)

    def __reduce__(self):
        return restore_model, (self.state,)
