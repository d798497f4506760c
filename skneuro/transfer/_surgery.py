"""Layer surgery: a new network made of copies of a source network's layers.

The source network must be a chain of layers (a ``Sequential`` model or a
functional model without branches), which covers the fully connected
networks skneuro, scikit-learn and most tabular Keras code build. Its last
layer with weights, with anything after it (an ``Activation``, say), is the
*head*; the layers below it are the *body*. The new network copies the
reused part of the body — fresh layer objects from each layer's config, with
copies of its weights — and puts a head on top. The source's layers,
weights and optimizer are only read.
"""

from dataclasses import dataclass

import numpy as np

from ..keras._backend import import_keras


@dataclass
class SourceLayers:
    """A source network split into the part below its head and the head."""

    body: list
    head: list
    n_features: int


@dataclass
class TransferredNetwork:
    """The new network and its layers grouped by role (for freezing)."""

    model: object
    reused: list  # copies of the source's body layers with their weights
    head: list  # the new (or copied) head layers
    reinitialised: list  # body layers re-initialised for a new input width


def split_source(model) -> SourceLayers:
    """Split ``model`` into body and head; explain why if it cannot be."""
    chain = _layer_chain(model)
    weighted = [i for i, layer in enumerate(chain) if layer.weights]
    if not weighted:
        raise ValueError(
            f"The source network {model.name!r} has no layer with weights."
        )
    head_start = weighted[-1]
    body = chain[:head_start]
    if not any(layer.weights for layer in body):
        raise ValueError(
            f"The source network {model.name!r} has no layer with weights below "
            f"its output layer {chain[head_start].name!r}: there is nothing to "
            "transfer. A source needs at least one hidden layer."
        )
    input_shape = tuple(model.inputs[0].shape[1:])
    if len(input_shape) != 1 or input_shape[0] is None:
        raise ValueError(
            f"The source network {model.name!r} reads inputs of shape "
            f"{input_shape}; transfer estimators feed it 2-D (samples x "
            "features) data, so it must read vectors of fixed length."
        )
    return SourceLayers(body=body, head=chain[head_start:], n_features=input_shape[0])


def _layer_chain(model) -> list:
    """The model's layers from input to output, if they form a single chain."""
    keras = import_keras()
    incompatible = ValueError(
        f"Cannot reuse the layers of the source network {model.name!r}: "
        "transfer needs a Sequential model or a functional model whose layers "
        "form a single chain (one input, one output, no branches), so that "
        "its layers can be copied in order."
    )
    layers = [
        layer
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    if isinstance(model, keras.Sequential):
        return layers
    try:
        inputs, outputs = model.inputs, model.outputs
        if not layers or len(inputs) != 1 or len(outputs) != 1:
            raise incompatible
        previous = inputs[0]
        for layer in layers:
            if layer.input is not previous:
                raise incompatible
            previous = layer.output
        if previous is not outputs[0]:
            raise incompatible
    except (AttributeError, ValueError):  # subclassed models, shared layers
        raise incompatible from None
    return layers


def select_reused(source: SourceLayers, n_reuse) -> list:
    """The body layers kept: all, the first ``n_reuse``, or up to a name."""
    body = source.body
    if n_reuse is None:
        return list(body)
    if isinstance(n_reuse, str):
        names = [layer.name for layer in body]
        if n_reuse not in names:
            raise ValueError(
                f"n_reuse={n_reuse!r} names no layer below the source's head; "
                f"reusable layers are {names}."
            )
        return _with_weights(body[: names.index(n_reuse) + 1], n_reuse)
    if n_reuse > len(body):
        raise ValueError(
            f"n_reuse={n_reuse}, but the source has only {len(body)} layer(s) "
            f"below its head: {[layer.name for layer in body]}."
        )
    return _with_weights(body[:n_reuse], n_reuse)


def _with_weights(reused: list, n_reuse) -> list:
    """``reused``, if it transfers anything: at least one layer with weights."""
    if not any(layer.weights for layer in reused):
        raise ValueError(
            f"n_reuse={n_reuse!r} keeps only layers without weights "
            f"({[layer.name for layer in reused]}): nothing would be "
            "transferred. Reuse at least one layer with weights."
        )
    return list(reused)


def build_network(
    source: SourceLayers,
    reused: list,
    *,
    n_features: int,
    new_head: tuple[int, str] | None,
    head_columns: np.ndarray | None = None,
    name: str = "transfer",
) -> TransferredNetwork:
    """Copy ``reused`` onto a new input and add a head.

    ``new_head`` is ``(units, activation)`` of a freshly initialised output
    layer; ``None`` copies the source's head instead, keeping only the
    output ``head_columns`` when given (e.g. the target's classes among the
    source's). When ``n_features`` differs from the source's input width,
    the layers whose weights depend on that width (the first ``Dense``
    layer, and a normalisation layer below it) are re-initialised.
    """
    keras = import_keras()
    inputs = keras.Input(shape=(n_features,), name="features")
    hidden, copies, reinitialised = inputs, [], []
    for layer in reused:
        copy = _fresh_layer(layer)
        hidden = copy(hidden)
        weights = layer.get_weights()
        if [w.shape for w in weights] == [tuple(v.shape) for v in copy.weights]:
            copy.set_weights(weights)
            copies.append(copy)
        else:  # sized by the new input width: new weights, trained like the head
            reinitialised.append(copy)

    if new_head is not None:
        units, activation = new_head
        head = [keras.layers.Dense(units, activation=activation, name="transfer_head")]
        hidden = head[0](hidden)
    else:
        head = []
        for index, layer in enumerate(source.head):
            weights = layer.get_weights()
            if index == 0 and head_columns is not None:
                config = {**layer.get_config(), "units": len(head_columns)}
                copy = type(layer).from_config(config)
                kernel, *bias = weights
                weights = [kernel[:, head_columns], *(b[head_columns] for b in bias)]
            else:
                copy = _fresh_layer(layer)
            hidden = copy(hidden)
            copy.set_weights(weights)
            head.append(copy)
    model = keras.Model(inputs, hidden, name=name)
    return TransferredNetwork(
        model=model, reused=copies, head=head, reinitialised=reinitialised
    )


def _fresh_layer(layer):
    """A new, unbuilt layer with the same configuration (name included)."""
    return type(layer).from_config(layer.get_config())


def is_batch_normalization(layer) -> bool:
    keras = import_keras()
    return isinstance(layer, keras.layers.BatchNormalization)
