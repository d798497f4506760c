"""scikit-learn's estimator checks on the transfer estimators.

With ``source=None`` and with fitted sources whose input width (64 or 10
features) differs from the checks' data (1 to 20 features), so every check
also exercises the re-initialised first layer.
"""

import warnings

from sklearn.datasets import load_diabetes, load_digits
from sklearn.utils.estimator_checks import parametrize_with_checks

from skneuro import (
    KerasClassifier,
    KerasRegressor,
    TransferClassifier,
    TransferRegressor,
)
from tests.keras.test_estimator_checks import EXPECTED_FAILURES


def _fitted_sources():
    X, y = load_digits(return_X_y=True)
    classifier = KerasClassifier(
        hidden_layer_sizes=(16, 8), epochs=5, random_state=0
    ).fit(X / 16, y)
    X, y = load_diabetes(return_X_y=True)
    regressor = KerasRegressor(hidden_layer_sizes=(16,), epochs=5, random_state=0).fit(
        X, y / 100
    )
    return classifier, regressor


CLASSIFIER_SOURCE, REGRESSOR_SOURCE = _fitted_sources()

ESTIMATORS = [
    TransferClassifier(),
    TransferRegressor(),
    TransferClassifier(
        CLASSIFIER_SOURCE, learning_rate=0.01, epochs=40, fine_tune_epochs=10
    ),
    TransferRegressor(
        REGRESSOR_SOURCE, learning_rate=0.01, epochs=40, fine_tune_epochs=10
    ),
]


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILURES
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        # the checks' data never have the sources' width: expected, and tested
        # in test_transfer.py
        warnings.filterwarnings("ignore", message="The source network reads")
        check(estimator)
