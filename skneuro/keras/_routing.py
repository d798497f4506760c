"""Parameter routing, following scikeras' conventions.

A parameter named ``<destination>__<name>`` is delivered to ``<destination>``:
``model__units=32`` reaches the model-building function as ``units=32``,
``optimizer__momentum=0.9`` the optimizer, ``fit__*`` the training loop,
``predict__*`` inference, ``loss__*`` the loss, ``compile__*`` ``Model.compile``
and ``callbacks__*`` the callbacks. Code written for scikeras therefore runs
unchanged with skneuro's estimators.
"""

import inspect
from collections.abc import Callable, Mapping
from typing import Any

ROUTING_PREFIXES = (
    "model",
    "fit",
    "compile",
    "predict",
    "optimizer",
    "loss",
    "metrics",
    "callbacks",
)
# Builder arguments that skneuro fills in itself (scikeras' names).
BUILDER_RESERVED = ("meta", "compile_kwargs", "params")


def is_routed(name: str) -> bool:
    """Whether ``name`` is a routed parameter such as ``optimizer__momentum``."""
    prefix, sep, _ = name.partition("__")
    return bool(sep) and prefix in ROUTING_PREFIXES


def route_params(
    params: Mapping[str, Any], destination: str, *, strict: bool = True
) -> dict[str, Any]:
    """Parameters addressed to ``destination``, with the prefix removed.

    With ``strict=True`` parameters routed one level deeper
    (``callbacks__0__patience``) are left out.
    """
    prefix = destination + "__"
    routed = {}
    for key, value in params.items():
        if key.startswith(prefix):
            name = key[len(prefix) :]
            if strict and "__" in name:
                continue
            routed[name] = value
    return routed


def _accepts_var_keyword(signature: inspect.Signature) -> bool:
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )


def call_model_builder(
    build_fn: Callable[..., Any],
    *,
    params: Mapping[str, Any],
    extra_params: Mapping[str, Any],
    provided: Mapping[str, Any],
    estimator_name: str,
):
    """Call a model-building function the way scikeras does.

    ``provided`` holds the values skneuro computes (``meta``,
    ``compile_kwargs``, ``params``); they are passed when the builder names
    them or takes ``**kwargs``. Builder arguments are otherwise filled from
    ``model__<arg>`` or, failing that, from an estimator parameter of the same
    name. A builder taking ``**kwargs`` also receives every extra keyword
    given to the estimator's constructor (``extra_params``).
    """
    signature = inspect.signature(build_fn)
    takes_kwargs = _accepts_var_keyword(signature)
    kwargs = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind in (
            inspect.Parameter.VAR_KEYWORD,
            inspect.Parameter.VAR_POSITIONAL,
        ):
            continue
        if name in provided:
            kwargs[name] = provided[name]
        elif name in params and not is_routed(name):
            kwargs[name] = params[name]
    if takes_kwargs:
        kwargs.update(extra_params)
        kwargs.update(provided)
    kwargs.update(route_params(params, "model"))
    try:
        signature.bind(**kwargs)
    except TypeError as exc:
        raise TypeError(
            f"Cannot call the model-building function "
            f"{getattr(build_fn, '__name__', build_fn)!r}: {exc}. Give builder "
            f"arguments to {estimator_name} as `model__<name>=...` (or as an "
            f"extra keyword argument of the same name)."
        ) from None
    return build_fn(**kwargs)
