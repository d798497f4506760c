"""Keras networks as scikit-learn estimators.

The classes here import Keras and TensorFlow only when a network is built,
so constructing, cloning or inspecting an estimator stays cheap.
"""

from ._base import BaseKerasEstimator
from ._classifier import KerasClassifier
from ._regressor import KerasRegressor

__all__ = ["BaseKerasEstimator", "KerasClassifier", "KerasRegressor"]
