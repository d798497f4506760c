"""What a transfer estimator can start from, resolved into one description.

Every supported ``source`` (a fitted skneuro estimator, a ``keras.Model``, a
fitted ``Pipeline`` ending in one of these, a fitted ``MLPClassifier`` or
``MLPRegressor``) becomes a :class:`SourceNetwork`: the fitted preprocessing
steps to apply first, the Keras network, and the source's class labels when
it is a single-label classifier. Nothing here copies or modifies the source;
:mod:`._surgery` copies weights out of it.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..keras._backend import import_keras
from ..keras._base import BaseKerasEstimator

# scikit-learn MLP activation -> Keras activation of the same function
_MLP_ACTIVATIONS = {
    "identity": "linear",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "softmax": "softmax",
}

SUPPORTED_SOURCES = (
    "a fitted skneuro KerasClassifier/KerasRegressor/TransferClassifier/"
    "TransferRegressor, a built keras.Model, a fitted Pipeline ending in one "
    "of these, a fitted MLPClassifier/MLPRegressor, or None"
)


@dataclass
class SourceNetwork:
    """A source, reduced to what transfer needs from it."""

    model: object  # the source's keras.Model: read, never modified
    preprocessing: list = field(default_factory=list)  # fitted (name, step)
    classes: np.ndarray | None = None  # labels of a single-label classifier


def resolve_source(source) -> SourceNetwork:
    """Describe ``source``; raise a clear error if it cannot be used."""
    if isinstance(source, FrozenEstimator):
        source = source.estimator
    if isinstance(source, Pipeline):
        return _resolve_pipeline(source)
    keras = import_keras()
    if isinstance(source, keras.Model):
        if not source.built or not source.weights:
            raise NotFittedError(
                f"The source keras.Model {source.name!r} is not built: it has "
                "no weights to transfer. Call or fit it first."
            )
        return SourceNetwork(model=source)
    if isinstance(source, BaseKerasEstimator):
        _check_fitted(source)
        return SourceNetwork(
            model=source.model_,
            preprocessing=_steps(getattr(source, "preprocessing_", None)),
            classes=_single_label_classes(source),
        )
    if isinstance(source, MLPClassifier | MLPRegressor):
        _check_fitted(source)
        return SourceNetwork(
            model=mlp_to_keras(source), classes=_single_label_classes(source)
        )
    raise TypeError(
        f"Unsupported source of type {type(source).__name__}: use {SUPPORTED_SOURCES}."
    )


def _resolve_pipeline(pipeline: Pipeline) -> SourceNetwork:
    final = pipeline.steps[-1][1]
    if not isinstance(final, BaseKerasEstimator | MLPClassifier | MLPRegressor):
        raise TypeError(
            "A Pipeline source must end in a fitted skneuro network estimator "
            f"or MLPClassifier/MLPRegressor; its last step is {type(final).__name__}."
        )
    network = resolve_source(final)
    steps = [
        (name, step)
        for name, step in pipeline.steps[:-1]
        if step is not None and not (isinstance(step, str) and step == "passthrough")
    ]
    for name, step in steps:
        _check_fitted(step, what=f"step {name!r} of the source Pipeline")
    network.preprocessing = [*steps, *network.preprocessing]
    return network


def _steps(preprocessing: Pipeline | None) -> list:
    """The ``(name, step)`` pairs of a transfer estimator's ``preprocessing_``."""
    return [] if preprocessing is None else list(preprocessing.steps)


def _check_fitted(estimator, what: str = "") -> None:
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        what = what or f"source {type(estimator).__name__}"
        raise NotFittedError(
            f"The {what} is not fitted. Transfer starts from a fitted "
            "estimator: fit it first (or pass source=None to train from "
            "scratch)."
        ) from None


def _single_label_classes(estimator) -> np.ndarray | None:
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        return None
    if isinstance(estimator, MLPClassifier):
        single = estimator._label_binarizer.y_type_ in ("binary", "multiclass")
    else:
        single = getattr(estimator, "target_type_", None) in ("binary", "multiclass")
    return np.asarray(classes) if single else None


def mlp_to_keras(mlp):
    """The Keras twin of a fitted scikit-learn MLP, with the same weights.

    Each of ``coefs_`` / ``intercepts_`` becomes a Dense layer with the MLP's
    hidden activation (its ``out_activation_`` for the last), so the network
    computes what ``predict_proba`` (or ``predict``) computes.
    """
    keras = import_keras()
    n_layers = len(mlp.coefs_)
    inputs = keras.Input(shape=(mlp.coefs_[0].shape[0],), name="features")
    hidden = inputs
    for index, (coef, intercept) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        last = index == n_layers - 1
        name = "output" if last else f"hidden_{index}"
        activation = mlp.out_activation_ if last else mlp.activation
        layer = keras.layers.Dense(
            coef.shape[1], activation=_MLP_ACTIVATIONS[activation], name=name
        )
        hidden = layer(hidden)
        layer.set_weights([coef.astype(np.float32), intercept.astype(np.float32)])
    return keras.Model(inputs, hidden, name=f"{type(mlp).__name__.lower()}_network")
