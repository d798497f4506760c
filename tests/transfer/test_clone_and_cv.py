"""Cloning, model selection and pipelines start from the source, never change it."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skneuro import TransferClassifier, TransferRegressor
from tests.transfer.conftest import (
    QUICK,
    checksums_at_fit,
    fingerprint,
    source_checksums,
)

# Three folds of the 30 labelled rows: 20 training rows per fold.
CV = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


def _assert_untouched(source, expected):
    assert fingerprint(source) == expected  # weights bit-identical, not refitted


def test_clone_keeps_the_fitted_source(digits_source, few_shot_target):
    clf = TransferClassifier(digits_source, unfreeze=1, optimizer__beta_1=0.8, **QUICK)
    twin = clone(clf)
    assert twin.source is digits_source
    assert twin.get_params() == clf.get_params()
    X, y, _, _ = few_shot_target
    clf.fit(X, y)
    fresh = clone(clf)
    assert not hasattr(fresh, "model_")  # a clone is unfitted ...
    assert fresh.source is digits_source  # ... but keeps the fitted source
    # a FrozenEstimator clones to itself, so it is kept as well
    frozen = FrozenEstimator(digits_source)
    assert clone(TransferRegressor(frozen)).source is frozen


def test_deep_params_do_not_expose_the_source(digits_source):
    params = TransferClassifier(digits_source).get_params(deep=True)
    assert not [name for name in params if name.startswith("source__")]


def test_grid_over_source_params_is_refused(digits_source, few_shot_target):
    X, y, _, _ = few_shot_target
    search = GridSearchCV(
        TransferClassifier(digits_source, **QUICK), {"source__epochs": [1, 2]}, cv=CV
    )
    with pytest.raises(ValueError, match=r"Cannot set \['source__epochs'\].*fitted"):
        search.fit(X, y)
    pipe = make_pipeline(FunctionTransformer(), TransferClassifier(digits_source))
    with pytest.raises(ValueError, match="source__learning_rate"):
        pipe.set_params(transferclassifier__source__learning_rate=1.0)
    assert digits_source.learning_rate == 0.02


@pytest.fixture(scope="module")
def scratch_cv_scores(few_shot_target):
    """Cross-validated accuracy of the same estimator without a source."""
    X, y, _, _ = few_shot_target
    return cross_val_score(TransferClassifier(**QUICK), X, y, cv=CV)


def test_grid_search_starts_from_the_source_and_never_refits_it(
    digits_source, few_shot_target, source_fingerprint, scratch_cv_scores
):
    X, y, X_test, y_test = few_shot_target
    search = GridSearchCV(
        TransferClassifier(digits_source, **QUICK),
        {"fine_tune_learning_rate": [1e-3, 1e-2]},
        cv=CV,
    ).fit(X, y)
    # Trained from the source, 20 rows per fold suffice; from scratch they
    # do not. A search that lost the source would score like from scratch.
    assert search.best_score_ > 0.8
    assert search.best_score_ > scratch_cv_scores.mean() + 0.25
    assert search.best_estimator_.score(X_test, y_test) > 0.8
    assert search.best_estimator_.source is digits_source
    _assert_untouched(digits_source, source_fingerprint)


def test_cross_val_score_and_pipeline_start_from_the_source(
    digits_source, few_shot_target, source_fingerprint, scratch_cv_scores
):
    X, y, _, _ = few_shot_target
    transfer = cross_val_score(TransferClassifier(digits_source, **QUICK), X, y, cv=CV)
    assert transfer.mean() > scratch_cv_scores.mean() + 0.25
    piped = cross_val_score(
        make_pipeline(
            FunctionTransformer(), TransferClassifier(digits_source, **QUICK)
        ),
        X,
        y,
        cv=CV,
    )
    # the identity step changes nothing: the same folds give the same scores
    np.testing.assert_allclose(piped, transfer)
    _assert_untouched(digits_source, source_fingerprint)


def test_grid_search_in_worker_processes_leaves_the_source_bit_identical(
    digits_source, few_shot_target, source_fingerprint
):
    X, y, _, _ = few_shot_target
    search = GridSearchCV(
        TransferClassifier(digits_source, **QUICK),
        {"freeze": [True, False]},
        cv=StratifiedKFold(n_splits=2, shuffle=True, random_state=0),
        n_jobs=2,
        refit=False,
    ).fit(X, y)
    # the workers fine-tuned copies of the source (15 rows per fold) ...
    assert search.cv_results_["mean_test_score"].min() > 0.75
    # ... and the source here is bit-identical
    _assert_untouched(digits_source, source_fingerprint)


def test_many_fits_leave_the_source_bit_identical(
    digits_source, few_shot_target, source_fingerprint
):
    _, _, X_test, y_test = few_shot_target
    schedules = [
        {"freeze": False},  # every layer trains from the first epoch
        {"head": "new", "unfreeze": 1},
        {"n_reuse": 1},
    ]
    for round_ in range(2):
        for schedule in schedules:
            clf = TransferClassifier(digits_source, **{**QUICK, **schedule})
            clf.fit(X_test[round_::2][:60], y_test[round_::2][:60])
    _assert_untouched(digits_source, source_fingerprint)


OTHER_SOURCES = {
    "pipeline": ("pipeline_source", TransferClassifier),
    "mlp_classifier": ("mlp_source", TransferClassifier),
    "mlp_regressor": ("mlp_regressor_source", TransferRegressor),
}


@pytest.mark.parametrize("kind", sorted(OTHER_SOURCES))
def test_many_fits_leave_pipeline_and_mlp_sources_bit_identical(
    kind, request, few_shot_target
):
    fixture, estimator = OTHER_SOURCES[kind]
    source = request.getfixturevalue(fixture)
    expected = checksums_at_fit(source)
    # what is compared: the network and every fitted step, not a summary
    if kind == "pipeline":
        assert {
            "standardscaler.mean_",
            "standardscaler.scale_",
            "kerasclassifier.weights",
        } <= expected.keys()
        assert len(expected["kerasclassifier.weights"]) == 6  # 3 kernels, 3 biases
    else:
        assert len(expected["coefs_"]) == len(expected["intercepts_"]) == 2
    X, y, X_test, y_test = few_shot_target
    if estimator is TransferRegressor:
        y, y_test = y / 9.0, y_test / 9.0
    schedules = [
        {"freeze": False},  # every copied layer trains from the first epoch
        {"freeze": True, "head": "source", "unfreeze": "all"},
        {"freeze": True, "n_reuse": 1},
    ]
    for schedule in schedules:
        estimator(source, **{**QUICK, **schedule}).fit(X_test[:60], y_test[:60])
    # continuing a fit trains the copy further, never the source
    warm = estimator(source, **{**QUICK, "freeze": False, "warm_start": True})
    warm.fit(X, y).fit(X, y)
    partial = estimator(source, **{**QUICK, "freeze": False})
    partial.partial_fit(X, y).partial_fit(X, y)
    assert source_checksums(source) == expected
