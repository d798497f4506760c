"""KerasRegressor: single- and multi-output regression."""

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import column_or_1d

from . import _docs
from ._base import BaseKerasEstimator, to_float32
from ._compile import make_loss


class KerasRegressor(RegressorMixin, BaseKerasEstimator):
    """A Keras network as a scikit-learn regressor.

    Handles single- and multi-output regression; ``score`` is the
    coefficient of determination R². A drop-in replacement for
    ``scikeras.wrappers.KerasRegressor``.

    Parameters
    ----------
    {model}
    {compile}
    {training}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    KerasClassifier : The classification counterpart.
    skneuro.TransferRegressor : Fine-tune a fitted network on a new task.
    sklearn.neural_network.MLPRegressor : scikit-learn's own MLP.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skneuro import KerasRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(
    ...     StandardScaler(),
    ...     KerasRegressor(hidden_layer_sizes=(32,), learning_rate=0.01,
    ...                    epochs=100, random_state=0),
    ... )
    >>> reg.fit(X, y / 100).predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y / 100) > 0.4
    True
    """

    def _encode_target(self, y, *, reset: bool, classes=None) -> np.ndarray:
        y_dtype = np.asarray(y).dtype  # as given, like scikeras' y_dtype_
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 2 and y.shape[1] == 1 and not self._output_width_adapts():
            y = column_or_1d(y, warn=True)
        if reset:
            self.y_dtype_ = y_dtype
            self.y_ndim_ = y.ndim
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
            self.target_type_ = (
                "continuous" if y.ndim == 1 else "continuous-multioutput"
            )
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} output(s), but {type(self).__name__} was "
                f"first fitted with {self.n_outputs_}."
            )
        return to_float32(y.reshape(len(y), n_outputs), "y")

    def _target_meta(self) -> dict[str, Any]:
        return {
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": 1,
            "target_type_": self.target_type_,
            "y_dtype_": self.y_dtype_,
            "y_ndim_": self.y_ndim_,
        }

    def _default_head(self) -> tuple[int, str]:
        return self.n_outputs_, "linear"

    def _expected_output_units(self) -> set[int]:
        return {self.n_outputs_}

    def _default_loss(self, output_units: int, from_logits: bool, options: dict):
        return make_loss("mean_squared_error", options)

    def partial_fit(self, X, y, sample_weight=None):
        """Train for a single epoch, building the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight)

    def predict(self, X) -> np.ndarray:
        """Predict target values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, shaped like the ``y`` seen in ``fit``.
        """
        outputs = self._model_outputs(X)
        return outputs.ravel() if self.y_ndim_ == 1 else outputs


_docs.fill(KerasRegressor, auto_loss="mean squared error")
