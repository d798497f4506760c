"""Traced training graphs, reused across fits of identically configured networks.

Most of a small network's fit is spent before its first step: tracing the
epoch function (about 100 ms for a 64-100-10 MLP) and TensorFlow optimising
that graph on its first call (about 70 ms), against about 2 ms per epoch of
training. A grid search fits each configuration once per fold, so the
traced work is kept: a network that Keras' configs describe completely
(built-in layers, loss, optimizer and metrics) trains on a *replica*, a copy
built from those configs whose traced epoch functions wait in a small pool,
keyed by the configuration and the layout of the data. A fit copies its
network's variables and optimizer state into the replica, trains the
replica, and copies everything back: the same graph running on the same
values, so the network ends exactly as if it had been trained itself.
Anything the configs may not capture (custom layers or functions, subclassed
models, preprocessing, recurrent and attention layers, metric objects,
optimizers reading variable names, callbacks other than early stopping)
trains its own network. The key also records what can change after a layer
is made without showing in its config (plain attributes, methods replaced on
an instance, each variable's own settings), and a replica is used only if
its key equals its network's: a network holding such changes trains itself.
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from ._backend import import_keras, keras_seed_scope
from ._compile import compile_with_loss

# Replicas kept (least recently used dropped first): a grid search fits one
# configuration fold after fold, so a few cover it. Each holds its network's
# variables (and optimizer state) and a traced graph of a few megabytes.
POOL_SIZE = 4
# Larger networks are not pooled: their tracing is a small share of their
# training, and a replica would hold a copy of their weights.
MAX_POOLED_PARAMETERS = 1_000_000
# Layers whose whole state is their config plus their variables. Others keep
# state elsewhere (adapted preprocessing tensors, recurrent states, sublayers
# built on first call), which a replica made from the config would miss.
_DESCRIBED_LAYER_PACKAGES = (
    *(
        f"keras.src.layers.{package}."
        for package in (
            "activations",
            "convolutional",
            "core",
            "merging",
            "normalization",
            "pooling",
            "regularization",
            "reshaping",
        )
    ),
    "keras.src.models.",
)
# Optimizers whose update depends on their config and variables alone (Muon,
# for one, picks its update by variable path, which holds generated names).
_DESCRIBED_OPTIMIZERS = frozenset(
    {
        "Adadelta",
        "Adafactor",
        "Adagrad",
        "Adam",
        "AdamW",
        "Adamax",
        "Ftrl",
        "Lamb",
        "Lion",
        "LossScaleOptimizer",
        "Nadam",
        "RMSprop",
        "SGD",
    }
)
# Attributes that differ between a network and its replica without changing
# what training computes: generated names and paths (``output_names`` only
# matter to losses and metrics given per output, which are not pooled), and
# state that follows from use.
_BOOKKEEPING_ATTRIBUTES = frozenset(
    {
        "name",
        "output_names",
        "_path",
        "_parent_path",
        "built",
        "compiled",
        "stop_training",
        "_called",
        "_lock",
        "_self_setattr_tracking",
        "_self_update_uid",
        "_tracked",  # names of attributes Keras tracks, repeated as they are set
    }
)


class ReplicaPool:
    """Thread-safe least-recently-used store of replicas, taken out while in use."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._replicas: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: Hashable):
        """The replica stored under ``key`` (removed from the pool), or None."""
        with self._lock:
            return self._replicas.pop(key, None)

    def give_back(self, key: Hashable, replica) -> None:
        with self._lock:
            self._replicas[key] = replica
            self._replicas.move_to_end(key)
            while len(self._replicas) > self.size:
                self._replicas.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._replicas.clear()

    def __len__(self) -> int:
        return len(self._replicas)


REPLICAS = ReplicaPool(POOL_SIZE)


def configuration_key(model) -> str | None:
    """What determines ``model``'s training graph, or None if not knowable.

    Layer and optimizer names are replaced by their positions: Keras numbers
    default names globally, so two fits of one builder never share names.
    """
    try:
        return _configuration_key(model)
    except Exception:
        # Pooling only saves time: a network whose description fails in any
        # way (a user object's get_config, say) trains itself instead.
        return None


def _configuration_key(model) -> str | None:
    keras = import_keras()
    optimizer = getattr(model, "optimizer", None)
    layers = _all_layers(model)
    if not _is_plain_keras_model(model, layers) or optimizer is None:
        return None
    if model.count_params() > MAX_POOLED_PARAMETERS or not _is_described(optimizer):
        return None
    if model.loss is not _compiled_loss(model):
        return None  # reassigned after compile: training uses the compiled one
    loss = _loss_key(model.loss)
    network = model.get_config()
    # A copy through JSON: the model's own compile config stays untouched.
    compiled = json.loads(json.dumps(model.get_compile_config()))
    compiled.pop("loss", None)  # its config may drop arguments: keyed by ``loss``
    # The optimizer that trains, which may not be the one compiled with.
    compiled["optimizer"] = json.loads(
        json.dumps(keras.saving.serialize_keras_object(optimizer))
    )
    _drop_copied_settings(compiled["optimizer"])
    if not all(_named_only(compiled.get(m)) for m in ("metrics", "weighted_metrics")):
        return None  # metric configs drop arguments too (CosineSimilarity's axis)
    state = _state_outside_configs(model, layers, optimizer)
    if loss is None or not all(
        _keras_objects_only(part) for part in (network, compiled, state)
    ):
        return None
    return json.dumps(
        {
            "model": type(model).__name__,
            "network": _canonical_names(network),
            "compile": compiled,
            "loss": loss,
            "state": state,
            # Read by losses and layers while tracing.
            "floatx": keras.config.floatx(),
            "epsilon": keras.config.epsilon(),
        },
        sort_keys=True,
    )


def make_replica(model, configuration: str):
    """A copy of ``model``, compiled like it, built, with its own optimizer.

    None if the copy's ``configuration_key`` is not ``configuration``: the
    model holds something its configs do not say.
    """
    keras = import_keras()
    # Layer creation draws default seeds; its own scope keeps the fit's
    # sequence of draws the same whether or not a replica is made.
    with keras_seed_scope(0):
        try:
            replica = keras.models.clone_model(model)
            compile_with_loss(replica, model.get_compile_config(), model.loss)
        except Exception:  # configs Keras cannot rebuild from: train the model
            return None
    return replica if configuration_key(replica) == configuration else None


def copy_training_state(source, target) -> bool:
    """Assign ``source``'s variables and optimizer state to ``target``'s.

    Returns False, copying nothing, when the two do not correspond variable
    for variable (same shapes and dtypes, in the same order).
    """
    for model in (source, target):
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    # An optimizer built for other variables (trainable flags changed since)
    # refuses to train the network itself; the replica must not either.
    if not _tracks_trainable_variables(source):
        return False
    source_state, target_state = _training_state(source), _training_state(target)
    if len(source_state) != len(target_state) or any(
        s.shape != t.shape or s.dtype != t.dtype
        for s, t in zip(source_state, target_state)
    ):
        return False
    for source_variable, target_variable in zip(source_state, target_state):
        target_variable.assign(source_variable.value)
    return True


def _tracks_trainable_variables(model) -> bool:
    tracked = getattr(model.optimizer, "_trainable_variables", None)
    return tracked is not None and [id(v) for v in tracked] == [
        id(v) for v in model.trainable_variables
    ]


def _training_state(model) -> list:
    # Non-trainable variables include dropout's seed-generator states.
    return [
        *model.trainable_variables,
        *model.non_trainable_variables,
        *model.optimizer.variables,
    ]


def _is_plain_keras_model(model, layers: list) -> bool:
    """A Sequential or functional model of described Keras layers only
    (``layers``: all of them, from ``_all_layers``).

    Subclassed models (their ``train_step`` and ``call`` are code), custom
    or ``Lambda`` layers (their behaviour is not all in their config) and
    layers outside ``_DESCRIBED_LAYER_PACKAGES`` are not.
    """
    keras = import_keras()
    if not type(model).__module__.startswith("keras.src.models."):
        return False
    return not any(
        isinstance(layer, keras.layers.Lambda)
        or not type(layer).__module__.startswith(_DESCRIBED_LAYER_PACKAGES)
        for layer in layers
    )


def _all_layers(model) -> list:
    """``model``'s layers, with those inside nested models and wrappers."""
    return [found for layer in model.layers for found in _with_inner_layers(layer)]


def _with_inner_layers(layer) -> list:
    inner = list(getattr(layer, "layers", ()))
    wrapped = getattr(layer, "layer", None)  # a wrapper's (spectral normalisation)
    if wrapped is not None:
        inner.append(wrapped)
    return [layer, *(found for sub in inner for found in _with_inner_layers(sub))]


def _state_outside_configs(model, layers: list, optimizer) -> dict:
    """What can change after a layer is made without showing in its config.

    Plain public attributes (a config lists constructor arguments, which
    some layers copy into attributes a user may change), methods replaced on
    an instance, masking support, and each variable's own settings (taken
    from its layer's attributes when the layer was built).
    """
    keras = import_keras()

    def described(obj):
        return None if obj is None else keras.saving.serialize_keras_object(obj)

    objects = [model, *layers, *_with_wrapped(optimizer)]
    return {
        "attributes": [_plain_attributes(obj) for obj in objects],
        "replaced_methods": [_replaced_methods(obj) for obj in objects],
        "masking": [layer.supports_masking for layer in layers],
        "variables": [
            [
                variable.trainable,
                getattr(variable, "overwrite_with_gradient", False),
                described(getattr(variable, "constraint", None)),
                described(getattr(variable, "regularizer", None)),
            ]
            for variable in model.variables
        ],
    }


def _compiled_loss(model):
    """The loss ``model`` was compiled with, as its compile config holds it."""
    compiled = getattr(getattr(model, "_compile_config", None), "config", None)
    return compiled.get("loss") if isinstance(compiled, dict) else None


def _plain_attributes(obj) -> dict:
    """``obj``'s attributes holding plain values or Keras regularizers,
    constraints and initializers (described by their configs).

    Private ones too: some layers derive them from an argument once (Flatten's
    ``_channels_first``), so they can disagree with the config. Empty
    containers are left out: they are Keras' trackers (of variables, layers,
    losses), which fill as the network is used.
    """
    keras = import_keras()
    described_types = (
        keras.regularizers.Regularizer,
        keras.constraints.Constraint,
        keras.initializers.Initializer,
    )
    attributes = {}
    for name, value in vars(obj).items():
        if name in _BOOKKEEPING_ATTRIBUTES or (
            isinstance(value, list | tuple | dict) and not value
        ):
            continue
        if isinstance(value, described_types):
            attributes[name] = keras.saving.serialize_keras_object(value)
        elif _is_plain(value):
            attributes[name] = value
    return attributes


def _is_plain(value) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    return isinstance(value, list | tuple) and all(_is_plain(item) for item in value)


def _replaced_methods(obj) -> list[str]:
    """Names of methods an instance attribute stands in for (Keras itself
    wraps ``build`` and ``quantize`` this way)."""
    return sorted(
        name
        for name, value in vars(obj).items()
        if callable(value) and callable(getattr(type(obj), name, None))
    )


def _is_described(optimizer) -> bool:
    """Whether ``optimizer`` (and any it wraps) is one of Keras' own whose
    whole behaviour is its config; ``exclude_from_weight_decay`` is not."""
    return all(
        type(opt).__module__.startswith("keras.src.optimizers.")
        and type(opt).__name__ in _DESCRIBED_OPTIMIZERS
        and not getattr(opt, "_exclude_from_weight_decay", None)
        and not getattr(opt, "_exclude_from_weight_decay_pattern", None)
        for opt in _with_wrapped(optimizer)
    )


def _with_wrapped(optimizer) -> list:
    """``optimizer`` and the one it wraps, if any (loss scaling)."""
    inner = getattr(optimizer, "inner_optimizer", None)
    return [optimizer] if inner is None else [optimizer, inner]


def _drop_copied_settings(config) -> None:
    """Remove generated names from an optimizer config, wrapped ones too,
    and a constant learning rate: it is a variable, copied with the state,
    so a grid over learning rates shares one replica."""
    settings = config.get("config") if isinstance(config, dict) else None
    if isinstance(settings, dict):
        settings.pop("name", None)
        if isinstance(settings.get("learning_rate"), float | int):
            settings.pop("learning_rate")
        for value in settings.values():
            _drop_copied_settings(value)


def _named_only(metrics) -> bool:
    """Whether a compile config's metrics are a list of names (or none)."""
    if metrics is None or isinstance(metrics, str):
        return True
    return isinstance(metrics, list | tuple) and all(
        isinstance(metric, str) for metric in metrics
    )


def _keras_objects_only(config) -> bool:
    """Whether every object serialized in ``config`` comes from Keras itself.

    A user's function or class (an activation, a metric, a regularizer) is
    serialized by name, which does not pin down what it computes.
    """
    if isinstance(config, dict):
        class_name, module = config.get("class_name"), config.get("module")
        if class_name in ("function", "__lambda__"):
            return False
        # Classes defined in a script or notebook have no module at all.
        if class_name not in (None, "__keras_tensor__") and not (
            isinstance(module, str) and module.startswith("keras")
        ):
            return False
        return all(_keras_objects_only(value) for value in config.values())
    if isinstance(config, list | tuple):
        return all(_keras_objects_only(value) for value in config)
    return True


def _loss_key(loss) -> Any:
    """A JSON-able description of a Keras loss (string, function or Loss)."""
    keras = import_keras()
    if isinstance(loss, str):
        return loss
    if isinstance(loss, keras.losses.Loss) and type(loss).__module__.startswith(
        "keras."
    ):
        # The attributes, not the config, which drops some (Huber's delta).
        attributes = {}
        for name, value in vars(loss).items():
            if name == "_dtype_policy":  # described by _dtype
                continue
            if callable(value):
                value = _loss_key(value)
                if value is None:
                    return None
            attributes[name] = value
        return [type(loss).__name__, attributes]
    if callable(loss) and getattr(loss, "__module__", "").startswith("keras."):
        return f"{loss.__module__}.{loss.__qualname__}"
    return None


def _canonical_names(network: dict) -> dict:
    """``network`` (a model config) with layer names replaced by positions."""
    tokens = {network.get("name"): "<model>"}

    def collect(config: dict) -> None:
        wrapped = config.get("layer")  # a wrapper's layer (spectral normalisation)
        for entry in [*config.get("layers", ()), *([wrapped] if wrapped else [])]:
            layer_config = entry.get("config", {})
            tokens.setdefault(layer_config.get("name"), f"<layer {len(tokens)}>")
            collect(layer_config)

    collect(network)

    def rename(value, key=None):
        if isinstance(value, dict):
            renamed = {k: rename(v, k) for k, v in value.items()}
            if key in ("layers", "layer") or "layers" in value:  # layer or model
                for holder in (renamed, renamed.get("config")):
                    if isinstance(holder, dict) and "name" in holder:
                        holder["name"] = tokens.get(holder["name"], holder["name"])
            return renamed
        if isinstance(value, list | tuple):  # keras_history is a tuple
            if key == "keras_history" and value:
                return [tokens.get(value[0], value[0]), *value[1:]]
            return [rename(item, key) for item in value]
        if key in ("input_layers", "output_layers") and isinstance(value, str):
            return tokens.get(value, value)
        return value

    return rename(network)
