"""scikit-learn's estimator checks on the Keras estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.builders import (
    compiled_regression_template,
    logits_classifier,
    mlp_with_meta,
    regressor_builder,
)

SAMPLE_WEIGHT_REASON = (
    "Mini-batch stochastic optimisation cannot make a row of weight 2 exactly "
    "equivalent (to 1e-7) to the same row repeated: batches differ, so the "
    "training trajectories differ."
)
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": SAMPLE_WEIGHT_REASON,
}

ESTIMATORS = [
    KerasClassifier(),
    KerasClassifier(
        model=mlp_with_meta,
        model__hidden_units=8,
        optimizer="sgd",
        optimizer__learning_rate=0.05,
        optimizer__momentum=0.9,
        epochs=60,
    ),
    KerasClassifier(
        model=logits_classifier,
        class_weight="balanced",
        early_stopping=True,
        metrics=["accuracy"],
        learning_rate=0.02,
        epochs=60,
    ),
    KerasRegressor(),
    KerasRegressor(model=compiled_regression_template()),
    KerasRegressor(
        model=regressor_builder, loss="huber", learning_rate=0.02, epochs=60, width=8
    ),
]


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILURES
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
