"""KerasClassifier: binary, multiclass and multilabel classification."""

from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from . import _docs
from ._base import BaseKerasEstimator
from ._builders import output_activation_name
from ._compile import loss_from_logits, loss_name, make_loss


class KerasClassifier(ClassifierMixin, BaseKerasEstimator):
    """A Keras network as a scikit-learn classifier.

    Handles binary, multiclass and multilabel targets with labels of any
    type. Training runs a whole epoch per TensorFlow graph call and
    prediction goes through one traced function, so small networks train and
    predict with little overhead. A drop-in replacement for
    ``scikeras.wrappers.KerasClassifier``.

    Parameters
    ----------
    {model}
    {compile}
    {training}
    class_weight : dict, "balanced" or None, default=None
        Weights per class label, multiplied into the sample weights;
        ``"balanced"`` uses ``n_samples / (n_classes * np.bincount(y))``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, the label column indices).
    n_classes_ : int
        Number of classes (or labels).
    {attributes}

    See Also
    --------
    KerasRegressor : The regression counterpart.
    skneuro.TransferClassifier : Fine-tune a fitted network on a new task.
    sklearn.neural_network.MLPClassifier : scikit-learn's own MLP.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skneuro import KerasClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KerasClassifier(hidden_layer_sizes=(16,), learning_rate=0.01,
    ...                       epochs=100, random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> clf.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseKerasEstimator._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        model=None,
        *,
        hidden_layer_sizes=(100,),
        activation="relu",
        loss="auto",
        optimizer="adam",
        learning_rate=None,
        metrics=None,
        epochs=200,
        batch_size="auto",
        shuffle=True,
        callbacks=None,
        validation_split=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        class_weight=None,
        **kwargs,
    ):
        super().__init__(
            model,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            loss=loss,
            optimizer=optimizer,
            learning_rate=learning_rate,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            callbacks=callbacks,
            validation_split=validation_split,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            **kwargs,
        )
        self.class_weight = class_weight

    # -- targets ---------------------------------------------------------
    def _is_multilabel(self) -> bool:
        return self.target_type_ == "multilabel-indicator"

    def _encode_target(self, y, *, reset: bool, classes=None) -> np.ndarray:
        if reset:
            try:
                check_classification_targets(y)
            except TypeError:  # NumPy cannot sort labels of mixed types
                _mixed_labels_error(y, "y")
            self.target_type_ = type_of_target(y, input_name="y")
            self.y_dtype_ = np.asarray(y).dtype
            self.y_ndim_ = np.ndim(y)
        if self.target_type_ == "multilabel-indicator":
            return self._encode_multilabel(y, reset)
        if self.target_type_ not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} does not support {self.target_type_} "
                "targets; use one estimator per output column."
            )
        y = column_or_1d(y, warn=True)
        if reset:
            labels = y if classes is None else np.asarray(classes)
            try:
                labels = np.unique(labels)
            except TypeError:
                _mixed_labels_error(labels, "y" if classes is None else "classes")
            if len(labels) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes "
                    f"in the data, but the data contain only 1 class: "
                    f"{labels.tolist()[0]!r}."
                )
            # ``classes`` (partial_fit) may name more classes than this
            # batch of ``y`` shows: the task is multiclass even if the batch
            # looks binary.
            self.target_type_ = "binary" if len(labels) == 2 else "multiclass"
            self.classes_ = labels
            self.n_classes_ = len(labels)
            self.n_outputs_ = 1
        return self._label_codes(y)

    def _encode_multilabel(self, y, reset: bool) -> np.ndarray:
        y = np.asarray(y)
        if reset:
            self.classes_ = np.arange(y.shape[1])
            self.n_classes_ = self.n_outputs_ = y.shape[1]
        elif (
            type_of_target(y) != "multilabel-indicator" or y.shape[1] != self.n_outputs_
        ):
            raise ValueError(
                f"y must be a multilabel indicator matrix with {self.n_outputs_} "
                "columns, as in the first call to fit."
            )
        return y.astype(np.float32)

    def _label_codes(self, y) -> np.ndarray:
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(
                f"y contains labels not seen in the first call to fit: "
                f"{np.unique(np.asarray(y)[unknown]).tolist()}; known classes are "
                f"{self.classes_.tolist()}."
            )
        return codes.astype(np.int32)

    def _target_meta(self) -> dict[str, Any]:
        return {
            "classes_": self.classes_,
            "n_classes_": self.n_classes_,
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": 1,
            "target_type_": self.target_type_,
            "y_dtype_": self.y_dtype_,
            "y_ndim_": self.y_ndim_,
        }

    def _target_description(self) -> str:
        if self._is_multilabel():
            return f"{self.n_classes_} labels"
        return f"{self.n_classes_} classes"

    def _default_head(self) -> tuple[int, str]:
        # A loss on logits needs a linear output (predictions then map the
        # logits to probabilities); a categorical loss one unit per class.
        if self._is_multilabel():
            units, activation = self.n_classes_, "sigmoid"
        elif self.n_classes_ == 2 and "categorical" not in self._loss_name():
            units, activation = 1, "sigmoid"
        else:
            units, activation = self.n_classes_, "softmax"
        return units, "linear" if self._loss_expects_logits() else activation

    def _loss_name(self) -> str:
        return "" if self.loss == "auto" else loss_name(self.loss)

    def _expected_output_units(self) -> set[int]:
        if self.target_type_ == "binary":
            return {1, 2}
        return {self.n_classes_}

    def _default_loss(self, output_units: int, from_logits: bool, options: dict):
        if self._is_multilabel() or output_units == 1:
            name = "binary_crossentropy"
        else:
            name = "sparse_categorical_crossentropy"
        return make_loss(name, {"from_logits": from_logits, **options})

    def _check_loss(self, model, output_units: int) -> None:
        name = loss_name(model.loss)
        if output_units == 1 and not self._is_multilabel() and "categorical" in name:
            # Over a single unit categorical cross-entropy is constantly 0,
            # and sparse labels of 1 are out of range.
            raise ValueError(
                f"The loss {name!r} needs one output unit per class, but the "
                "model has a single output unit for this binary target. Use "
                "loss='binary_crossentropy' (or 'auto'), or a model with 2 "
                "output units."
            )
        activation = output_activation_name(model)
        if loss_from_logits(model.loss) and activation in ("sigmoid", "softmax"):
            raise ValueError(
                "The loss works on logits (from_logits=True), but the model's "
                f"last layer applies {activation}, so its outputs are "
                "probabilities already and would be squashed twice. Use a "
                "linear last layer, or a loss with from_logits=False."
            )

    def _model_targets(self, codes: np.ndarray) -> np.ndarray:
        if self._is_multilabel():
            return codes
        if self._output_units == 1:
            return codes.astype(np.float32).reshape(-1, 1)
        # Losses other than the sparse ones compare one value per unit: the
        # categorical and binary cross-entropies get one-hot targets.
        name = loss_name(self.model_.loss)
        if "sparse" not in name and ("categorical" in name or "binary" in name):
            return np.eye(self.n_classes_, dtype=np.float32)[codes]
        return codes

    def _output_transform(self) -> str | None:
        if self._is_multilabel() or self._output_units == 1:
            return "sigmoid"
        return "softmax"

    def _class_weights(self, codes: np.ndarray) -> np.ndarray | None:
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, dict):
            bad = {
                label: weight
                for label, weight in self.class_weight.items()
                if not isinstance(weight, Real) or not weight >= 0 or weight == np.inf
            }
            if bad:
                raise ValueError(
                    "class_weight values must be finite, non-negative numbers; "
                    f"got {bad}."
                )
        if not self._is_multilabel() and isinstance(self.class_weight, dict):
            unknown = set(self.class_weight) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight has labels that are not classes of y: "
                    f"{sorted(unknown, key=str)}."
                )
        # For multilabel targets "balanced" multiplies the per-label weights.
        return compute_sample_weight(
            self.class_weight, codes if self._is_multilabel() else self.classes_[codes]
        )

    # -- public API ------------------------------------------------------
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for a single epoch, building the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Target labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes that will ever appear; required on the first call
            unless ``y`` already contains every class.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each class (or of each label being present).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_``; rows sum to 1
            except for multilabel targets.
        """
        outputs = self._model_outputs(X)
        if self._is_multilabel():
            return outputs
        if outputs.shape[1] == 1:
            positive = outputs[:, 0]
            return np.column_stack([1.0 - positive, positive])
        return outputs / outputs.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """Predict class labels (or label indicators for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels.
        """
        proba = self.predict_proba(X)
        if self._is_multilabel():
            return (proba > 0.5).astype(self.y_dtype_)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = self._output_width_adapts()
        return tags


def _mixed_labels_error(labels, name: str):
    types = sorted({type(label).__name__ for label in np.ravel(labels)})
    raise ValueError(
        f"{name} mixes labels of types {types}, which cannot be ordered; use "
        "labels of a single type (all str, say)."
    ) from None


_docs.fill(
    KerasClassifier,
    auto_loss=(
        "binary cross-entropy for binary and multilabel targets, sparse "
        "categorical cross-entropy for multiclass targets"
    ),
)
