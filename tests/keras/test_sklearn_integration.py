"""The estimators inside the rest of scikit-learn: model selection in other
processes, meta-estimators, metadata routing and pandas output."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    StackingClassifier,
    VotingClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    check_cv,
    cross_val_score,
)
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.conftest import FAST

CANCER = {**FAST, "epochs": 10}


def test_estimator_types():
    assert is_classifier(KerasClassifier()) and not is_regressor(KerasClassifier())
    assert is_regressor(KerasRegressor()) and not is_classifier(KerasRegressor())
    assert is_classifier(make_pipeline(StandardScaler(), KerasClassifier()))
    y = np.array([0, 1] * 10)
    assert isinstance(check_cv(5, y, classifier=True), StratifiedKFold)
    assert isinstance(check_cv(5, y, classifier=is_classifier(KerasRegressor())), KFold)


def test_cross_validation_is_stratified(iris):
    """Iris is sorted by class: unstratified 3-fold splits would hold out a
    class the network never saw and score 0 on every fold."""
    X, y = iris
    scores = cross_val_score(KerasClassifier(**{**FAST, "epochs": 20}), X, y, cv=3)
    assert scores.min() > 0.8


def test_grid_search_in_worker_processes(breast_cancer):
    """n_jobs=2 runs fits in loky worker processes; results match n_jobs=1."""
    X, y = breast_cancer
    grid = {"hidden_layer_sizes": [(4,), (8,)]}
    parallel = GridSearchCV(KerasClassifier(**CANCER), grid, cv=2, n_jobs=2)
    parallel.fit(X, y)
    assert parallel.best_score_ > 0.93
    assert parallel.best_estimator_.score(X, y) > 0.95
    hidden = parallel.best_estimator_.model_.layers[-2]
    assert hidden.units == parallel.best_params_["hidden_layer_sizes"][0]
    sequential = GridSearchCV(KerasClassifier(**CANCER), grid, cv=2, refit=False)
    sequential.fit(X, y)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )


def test_grid_search_over_routed_parameters(iris):
    X, y = iris
    search = GridSearchCV(
        KerasClassifier(**FAST, optimizer="sgd"),
        {"optimizer__momentum": [0.0, 0.9]},
        cv=2,
    ).fit(X, y)
    assert [p["optimizer__momentum"] for p in search.cv_results_["params"]] == [
        0.0,
        0.9,
    ]
    best = search.best_estimator_
    assert float(best.model_.optimizer.momentum) == pytest.approx(
        search.best_params_["optimizer__momentum"]
    )
    # Candidates that differ only in momentum train differently.
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] != scores[1]


@pytest.mark.parametrize(
    "meta_estimator",
    [
        BaggingClassifier(KerasClassifier(**CANCER), n_estimators=2, random_state=0),
        CalibratedClassifierCV(KerasClassifier(**CANCER), cv=2),
    ],
    ids=["bagging", "calibrated"],
)
def test_classifier_meta_estimators(breast_cancer, meta_estimator):
    X, y = breast_cancer
    meta_estimator.fit(X, y)
    assert meta_estimator.predict_proba(X).shape == (len(X), 2)
    assert meta_estimator.score(X, y) > 0.95


@pytest.fixture(scope="module")
def cancer_keras_alone(breast_cancer):
    """The ensembles' Keras member, fitted on its own on all the rows."""
    X, y = breast_cancer
    return KerasClassifier(**CANCER).fit(X, y)


def _assert_fitted_keras_member(member, reference, X, y):
    """``member`` is a fitted clone, trained like ``reference``, and good."""
    assert isinstance(member, KerasClassifier) and hasattr(member, "model_")
    assert member.n_iter_ == CANCER["epochs"]
    # a clone trained on every row with the same seed: the very same network
    np.testing.assert_array_equal(member.predict_proba(X), reference.predict_proba(X))
    assert member.score(X, y) > 0.95  # good on its own, not thanks to the others


def test_soft_voting_averages_the_keras_member(breast_cancer, cancer_keras_alone):
    X, y = breast_cancer
    keras_member = KerasClassifier(**CANCER)
    voting = VotingClassifier(
        [("keras", keras_member), ("lr", LogisticRegression())], voting="soft"
    ).fit(X, y)
    assert not hasattr(keras_member, "model_")  # the ensemble fitted a clone
    member = voting.named_estimators_["keras"]
    _assert_fitted_keras_member(member, cancer_keras_alone, X, y)

    keras_proba = member.predict_proba(X)
    lr_proba = voting.named_estimators_["lr"].predict_proba(X)
    # the members disagree somewhere, so the average is not either one ...
    assert np.abs(keras_proba - lr_proba).max() > 0.1
    # ... and the vote is exactly their average
    np.testing.assert_allclose(
        voting.predict_proba(X), (keras_proba + lr_proba) / 2, rtol=1e-12, atol=0
    )
    np.testing.assert_array_equal(
        voting.predict(X), np.argmax(keras_proba + lr_proba, axis=1)
    )
    assert voting.score(X, y) > 0.95


def test_stacking_feeds_the_keras_member_to_the_final_estimator(
    breast_cancer, cancer_keras_alone
):
    X, y = breast_cancer
    stacking = StackingClassifier(
        [("keras", KerasClassifier(**CANCER)), ("lr", LogisticRegression())], cv=2
    ).fit(X, y)
    member = stacking.named_estimators_["keras"]
    _assert_fitted_keras_member(member, cancer_keras_alone, X, y)

    # binary target: one column per member, its probability of class 1
    features = stacking.transform(X)
    assert features.shape == (len(X), 2)
    np.testing.assert_array_equal(features[:, 0], member.predict_proba(X)[:, 1])
    np.testing.assert_array_equal(
        features[:, 1], stacking.named_estimators_["lr"].predict_proba(X)[:, 1]
    )
    np.testing.assert_allclose(
        stacking.predict_proba(X), stacking.final_estimator_.predict_proba(features)
    )
    # the final estimator, trained on cross-validated predictions (two more
    # Keras fits), gives the Keras column real, positive weight
    keras_coef, _ = stacking.final_estimator_.coef_.ravel()
    assert keras_coef > 0.5
    assert stacking.score(X, y) > 0.95


def test_adaboost_reweights_through_sample_weight(breast_cancer):
    X, y = breast_cancer
    boost = AdaBoostClassifier(
        KerasClassifier(**CANCER), n_estimators=3, random_state=0
    )
    boost.fit(X, y)
    assert boost.score(X, y) > 0.95
    assert len(boost.estimators_) >= 2
    # Later rounds saw other weights, so their networks differ from the first.
    first, second = (est.predict_proba(X) for est in boost.estimators_[:2])
    assert not np.allclose(first, second)


def test_multi_output_regressor(multi_regression):
    X, Y = multi_regression
    multi = MultiOutputRegressor(KerasRegressor(**{**FAST, "epochs": 50})).fit(X, Y)
    assert len(multi.estimators_) == 3
    assert multi.predict(X).shape == Y.shape
    assert multi.score(X, Y) > 0.8


def test_metadata_routing_sends_sample_weight_through_a_pipeline(breast_cancer):
    X, y = breast_cancer
    weights = np.where(y == 1, 0.0, 1.0)  # only class 0 counts
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            KerasClassifier(**CANCER).set_fit_request(sample_weight=True),
        )
        pipe.fit(X, y, sample_weight=weights)
        # Without a request the weights are refused rather than dropped.
        unrequested = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            KerasClassifier(**CANCER),
        )
        with pytest.raises(Exception, match="sample_weight"):
            unrequested.fit(X, y, sample_weight=weights)
    # The weights arrived: the network never learned class 1...
    assert set(pipe.predict(X)) == {0}
    # ...and it is exactly the network fitted directly with them.
    direct = KerasClassifier(**CANCER).fit(
        StandardScaler().fit_transform(X), y, sample_weight=weights
    )
    np.testing.assert_array_equal(
        pipe.predict_proba(X), direct.predict_proba(StandardScaler().fit_transform(X))
    )


def test_metadata_routing_in_grid_search(breast_cancer):
    X, y = breast_cancer
    weights = np.where(y == 1, 0.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            KerasClassifier(**CANCER)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False),
            {"epochs": [3]},
            cv=2,
        ).fit(X, y, sample_weight=weights)
    assert set(search.predict(X)) == {0}


def test_pandas_output_of_preceding_steps(iris):
    """set_output(transform="pandas"): the network sees named columns."""
    X, y = iris
    df = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    pipe = make_pipeline(StandardScaler(), KerasClassifier(**FAST))
    pipe.set_output(transform="pandas").fit(df, y)
    np.testing.assert_array_equal(pipe[-1].feature_names_in_, df.columns)
    np.testing.assert_array_equal(pipe[:-1].get_feature_names_out(), df.columns)
    with pytest.raises(ValueError, match="feature names should match"):
        pipe.predict(df[["pw", "pl", "sw", "sl"]])
    reference = clone(pipe).set_output(transform="default").fit(df, y)
    np.testing.assert_array_equal(pipe.predict_proba(df), reference.predict_proba(df))
