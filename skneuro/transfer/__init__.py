"""Transfer learning: fine-tune a fitted network on a new task, as an estimator."""

from ._estimators import TransferClassifier, TransferRegressor

__all__ = ["TransferClassifier", "TransferRegressor"]
