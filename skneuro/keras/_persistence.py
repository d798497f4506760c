"""Pickling a fitted network as plain, deterministic data.

Keras pickles a model as a zip archive stamped with the time it was saved,
so pickling the same fitted estimator twice gives different bytes: its
``joblib.hash`` changes with the clock, and scikit-learn's checks that a
``fit`` leaves its parameters unchanged (for a transfer estimator, a fitted
source) cannot tell it from a mutation. The estimators pickle their network
instead as its Keras config (architecture, build and compile settings) plus
the values of its variables and of its optimizer's, the same pieces Keras'
own format stores, in a fixed order.

The loss is kept as the object itself rather than as its Keras config, which
drops some losses' arguments (Keras 3's Huber loses ``delta``).
"""

from typing import Any

import numpy as np

from ._backend import import_keras, keras_seed_scope
from ._compile import compile_with_loss


def model_state(model) -> dict[str, Any]:
    """Everything needed to rebuild ``model`` exactly: config and variables."""
    keras = import_keras()
    optimizer = getattr(model, "optimizer", None)
    optimizer_built = bool(model.compiled and optimizer is not None and optimizer.built)
    config = keras.saving.serialize_keras_object(model)
    compile_config = config.pop("compile_config", None)
    return {
        "config": config,
        "compile_config": compile_config,
        "loss": pickled_loss(getattr(model, "loss", None)),
        "weights": [np.asarray(v) for v in model.weights],
        "optimizer_variables": (
            [np.asarray(v) for v in optimizer.variables] if optimizer_built else None
        ),
    }


def restore_model(state: dict[str, Any]):
    """The model described by :func:`model_state`, compiled and with its weights."""
    keras = import_keras()
    # Creating layers draws default seeds from Python's global random module;
    # a private generator keeps unpickling from changing the caller's random
    # state (the weights are overwritten below, so the seed is irrelevant).
    with keras_seed_scope(0):
        # Pickles are trusted code anyway; safe mode would refuse Lambda layers.
        model = keras.saving.deserialize_keras_object(state["config"], safe_mode=False)
        if state["compile_config"]:
            compile_with_loss(model, state["compile_config"], state["loss"])
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


def pickled_loss(loss):
    """``loss`` in a form pickled faithfully, or None to keep Keras' config.

    A ``keras.losses.Loss`` is pickled by its attributes, a named function by
    reference (Keras' config finds only registered functions); a lambda or
    local function is left to the config, which stores its code.
    """
    keras = import_keras()
    if isinstance(loss, keras.losses.Loss):
        return PickledLoss(loss)
    if isinstance(loss, str) or "<" not in getattr(loss, "__qualname__", "<"):
        return loss
    return None


class PickledLoss:
    """A ``keras.losses.Loss`` pickled as its class and attributes.

    Keras pickles (and copies) a Loss through ``get_config``, which drops some
    losses' arguments; the attributes hold them all. Unpickles to the loss.
    """

    def __init__(self, loss) -> None:
        self.loss = loss

    def __reduce__(self):
        return _rebuild_loss, (type(self.loss), dict(vars(self.loss)))


def _rebuild_loss(loss_class, attributes):
    loss = loss_class.__new__(loss_class)
    vars(loss).update(attributes)
    return loss


class PickledModel:
    """A ``keras.Model`` pickled as :func:`model_state`; unpickles to the model.

    For a model held as a parameter (``model=`` an instance): Keras' own
    pickle of it is time-stamped like the fitted network's would be.
    """

    def __init__(self, model) -> None:
        self.state = model_state(model)

    def __reduce__(self):
        return restore_model, (self.state,)
