"""Turn the estimator's compile-related parameters into Keras objects.

Every name is resolved (and rejected with a clear error) before any data is
touched, so a typo in ``loss`` or ``optimizer`` fails fast.
"""

import copy
import inspect
from collections.abc import Mapping
from typing import Any

from ._backend import import_keras
from ._routing import route_params


def _camel_case(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def make_optimizer(optimizer: Any, learning_rate: float | None, routed: Mapping):
    """A fresh optimizer: never the caller's instance, which holds state."""
    keras = import_keras()
    options = dict(routed)
    if learning_rate is not None:
        options.setdefault("learning_rate", learning_rate)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return type(optimizer).from_config({**optimizer.get_config(), **options})
    if inspect.isclass(optimizer) and issubclass(optimizer, keras.optimizers.Optimizer):
        return optimizer(**options)
    if isinstance(optimizer, str):
        try:
            optimizer_class = type(keras.optimizers.get(optimizer))
        except ValueError:
            raise ValueError(
                f"Unknown optimizer {optimizer!r}: use a name Keras knows "
                "('adam', 'sgd', 'rmsprop', 'adamw', ...), an Optimizer class "
                "or an Optimizer instance."
            ) from None
        return optimizer_class(**options)
    raise TypeError(
        "optimizer must be a name, a keras.optimizers.Optimizer subclass or "
        f"instance; got {type(optimizer).__name__}."
    )


def make_loss(loss: Any, routed: Mapping):
    """Resolve ``loss`` (name, Loss class or instance, or callable)."""
    keras = import_keras()
    options = dict(routed)
    if isinstance(loss, keras.losses.Loss):
        if options:
            return _instantiate_loss(
                type(loss),
                options,
                lambda: type(loss).from_config({**loss.get_config(), **options}),
            )
        # Used as given: a Loss holds no training state, and copying goes
        # through get_config, which drops some losses' arguments (Keras 3's
        # Huber loses ``delta``, CosineSimilarity ``axis``).
        return loss
    if inspect.isclass(loss) and issubclass(loss, keras.losses.Loss):
        return _instantiate_loss(loss, options, lambda: loss(**options))
    if isinstance(loss, str):
        try:
            resolved = keras.losses.get(loss)
        except ValueError:
            resolved = None
        if resolved is None:
            raise ValueError(
                f"Unknown loss {loss!r}: use a name Keras knows "
                "('binary_crossentropy', 'mse', 'huber', ...), a Loss class or "
                "instance, or a callable."
            )
        if not options:
            return loss
        # Options such as from_logits need the Loss class behind the name.
        if isinstance(resolved, keras.losses.Loss):
            loss_class = type(resolved)
        else:
            try:
                loss_class = type(keras.losses.get(_camel_case(resolved.__name__)))
            except ValueError:
                raise ValueError(
                    f"loss__* options need a Loss class; {loss!r} has none."
                ) from None
        return _instantiate_loss(loss_class, options, lambda: loss_class(**options))
    if callable(loss):
        if options:
            raise ValueError(
                "loss__* options need a loss name or Loss class; got a plain "
                f"function {getattr(loss, '__name__', loss)!r}."
            )
        return loss
    raise TypeError(
        "loss must be a name, a keras.losses.Loss subclass or instance, or a "
        f"callable; got {type(loss).__name__}."
    )


def _instantiate_loss(loss_class: type, options: Mapping, make):
    """``make()``, with a clear error when ``loss__*`` options do not fit."""
    try:
        return make()
    except TypeError as exc:  # an unexpected keyword argument
        raise ValueError(
            f"Invalid loss__* option(s) {sorted(options)} for "
            f"{loss_class.__name__}: {exc}."
        ) from None


def same_loss(a: Any, b: Any) -> bool:
    """Whether two resolved losses are the same loss with the same options."""
    keras = import_keras()
    if isinstance(a, keras.losses.Loss):
        return type(a) is type(b) and a.get_config() == b.get_config()
    return a is b or (isinstance(a, str) and a == b)


def loss_name(loss: Any) -> str:
    """A lower-case name for ``loss`` used to pick the target encoding."""
    if isinstance(loss, str):
        return loss.lower()
    if inspect.isclass(loss):
        return loss.__name__.lower()
    if hasattr(loss, "fn"):  # Keras' LossFunctionWrapper subclasses
        return getattr(loss.fn, "__name__", type(loss).__name__).lower()
    return getattr(loss, "__name__", type(loss).__name__).lower()


def loss_from_logits(loss: Any) -> bool:
    """Whether ``loss`` expects logits rather than probabilities."""
    get_config = getattr(loss, "get_config", None)
    if get_config is None or inspect.isclass(loss):
        return False
    return bool(get_config().get("from_logits", False))


def check_activation(activation: str) -> None:
    """Fail fast on an activation name Keras does not know."""
    keras = import_keras()
    try:
        keras.activations.get(activation)
    except ValueError:
        raise ValueError(
            f"Unknown activation {activation!r}: use a name Keras knows "
            "('relu', 'tanh', 'sigmoid', 'gelu', ...)."
        ) from None


def make_metrics(metrics: Any, params: Mapping) -> list | None:
    """Metric list for ``Model.compile``; classes get ``metrics__<i>__*``."""
    if metrics is None:
        return None
    keras = import_keras()
    items = [metrics] if isinstance(metrics, str | keras.metrics.Metric) else metrics
    resolved = []
    for index, metric in enumerate(items):
        if inspect.isclass(metric):
            metric = metric(**route_params(params, f"metrics__{index}"))
        elif isinstance(metric, keras.metrics.Metric):
            metric = copy.deepcopy(metric)
        elif isinstance(metric, str):
            try:
                keras.metrics.get(metric)
            except ValueError:
                if metric not in ("accuracy", "acc", "crossentropy", "ce"):
                    raise ValueError(f"Unknown metric {metric!r}.") from None
        else:
            _check_metric_function(metric)
        resolved.append(metric)
    return resolved


# Libraries whose functions work on arrays, not on graph tensors.
_ARRAY_PACKAGES = ("numpy", "scipy", "sklearn")


def _check_metric_function(metric: Any) -> None:
    """Fail fast on what Keras would only reject inside the training graph.

    Keras takes any callable as a metric and calls it as ``fn(y_true,
    y_pred)`` on tensors, so a NumPy function (``np.mean(y_true, y_pred)``
    reads ``y_pred`` as an axis) fails only once the network is built.
    """
    name = getattr(metric, "__name__", repr(metric))
    if not callable(metric):
        raise TypeError(
            "metrics must hold metric names, keras.metrics.Metric classes or "
            f"instances, or functions of (y_true, y_pred); got {name}."
        )
    package = (getattr(metric, "__module__", None) or "").partition(".")[0]
    if package in _ARRAY_PACKAGES:
        raise TypeError(
            f"metrics: {name} is a {package} function, but Keras computes "
            "metrics on tensors inside the training graph, as fn(y_true, "
            "y_pred). Use a Keras metric ('mae', keras.metrics.AUC...) or a "
            "function written with keras.ops."
        )
    try:
        inspect.signature(metric).bind(None, None)
    except TypeError:
        raise TypeError(
            f"metrics: {name} cannot be called as fn(y_true, y_pred), the way "
            "Keras calls a metric function."
        ) from None
    except ValueError:  # no signature to inspect (some builtins)
        pass


def check_compile_options(options: Mapping) -> None:
    """Fail fast on ``compile__*`` names that ``Model.compile`` does not take."""
    keras = import_keras()
    accepted = set(inspect.signature(keras.Model.compile).parameters) - {"self"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ValueError(
            f"Unknown compile__* option(s) {unknown}: Model.compile takes "
            f"{sorted(accepted)}."
        )


def compile_with_loss(model, compile_config: Mapping, loss=None) -> None:
    """Compile ``model`` from a Keras compile config, but with ``loss`` itself.

    Keras would rebuild the loss from its config, which drops some losses'
    arguments (Keras 3's Huber loses ``delta``); a Loss holds no training
    state, so the object is reused instead (``None``: the config's loss).
    The rest (optimizer, metrics) is created anew from the config, as
    ``Model.compile_from_config`` does.
    """
    keras = import_keras()
    config = dict(compile_config)
    if loss is not None:
        del config["loss"]
    # Configs come from live models or trusted pickles (like restore_model).
    kwargs = keras.saving.deserialize_keras_object(config, safe_mode=False)
    if loss is not None:
        kwargs["loss"] = loss
    model.compile(**kwargs)


def make_callbacks(callbacks: Any, params: Mapping) -> list:
    """Instantiate ``callbacks`` (list or dict of classes or instances).

    A class is instantiated with ``callbacks__<key>__<arg>`` (``key`` being
    its list index or dict key) over ``callbacks__<arg>`` shared by all
    classes. Instances are used as given, as ``Model.fit`` would.
    """
    if callbacks is None:
        return []
    keras = import_keras()
    if isinstance(callbacks, Mapping):
        entries = list(callbacks.items())
    elif isinstance(callbacks, keras.callbacks.Callback) or inspect.isclass(callbacks):
        entries = [("0", callbacks)]
    else:
        entries = [(str(i), cb) for i, cb in enumerate(callbacks)]
    shared = route_params(params, "callbacks")
    result = []
    for key, callback in entries:
        if inspect.isclass(callback) and issubclass(callback, keras.callbacks.Callback):
            options = {**shared, **route_params(params, f"callbacks__{key}")}
            callback = callback(**options)
        elif not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                "callbacks must hold keras.callbacks.Callback instances or "
                f"subclasses; got {type(callback).__name__} at {key!r}."
            )
        result.append(callback)
    return result
